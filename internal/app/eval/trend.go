package eval

import (
	"context"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// maxPoints bounds a trend's periods: a day-by-day trend covers at most a year.
const maxPoints = 366

// Trend returns a series over the query's period, cut by day, week or month: the counts,
// rates and score of one row (q.Key) or of all the rows the viewer sees together.
func (s *Service) Trend(ctx context.Context, actor *access.Principal, q TrendQuery) (Trend, error) {
	p, err := checkPeriod(q.Query)
	if err != nil {
		return Trend{}, err
	}
	if err := textcheck.Check("every", q.Every); err != nil {
		return Trend{}, err
	}
	if err := textcheck.Check("key", q.Key); err != nil {
		return Trend{}, err
	}
	if len(q.Key) > 64 {
		return Trend{}, badParam("key", "too long")
	}
	buckets, err := cut(p, q.Every)
	if err != nil {
		return Trend{}, err
	}
	eqs, _, err := s.storeQueries(ctx, actor, q.Query, p)
	if err != nil {
		return Trend{}, err
	}
	role := q.Role
	var keep func(string) bool // people of the role, when one is asked for
	if q.Group == KindPerson && q.Role != "" {
		keep = func(string) bool { return false }
	}
	daily := map[int]*store.EvalCounts{}
	type span struct{ start, due, end int }
	var pend []struct {
		key string
		span
		n int64
	}
	for _, eq := range eqs {
		if q.Key != "" {
			if eq.Key != "" && eq.Key != q.Key {
				continue
			}
			eq.Key = q.Key
		}
		eq.ByDay = true
		rows, err := s.DB.EvalSums(ctx, eq)
		if err != nil {
			return Trend{}, err
		}
		if keep != nil {
			keys := make([]string, 0, len(rows))
			for _, r := range rows {
				keys = append(keys, r.Key)
			}
			_, roles, err := s.names(ctx, KindPerson, keys)
			if err != nil {
				return Trend{}, err
			}
			keep = func(k string) bool { return roles[k] == q.Role }
		}
		for _, r := range rows {
			if keep != nil && !keep(r.Key) {
				continue
			}
			c, ok := daily[r.Day]
			if !ok {
				c = &store.EvalCounts{}
				daily[r.Day] = c
			}
			c.Add(&r.Counts, 1)
		}
		spans, err := s.DB.EvalPendingSpans(ctx, eq)
		if err != nil {
			return Trend{}, err
		}
		for _, sp := range spans {
			if keep != nil && !keep(sp.Key) {
				continue
			}
			pend = append(pend, struct {
				key string
				span
				n int64
			}{sp.Key, span{sp.StartDay, sp.DueDay, sp.EndDay}, sp.N})
		}
	}
	w, err := s.weights(ctx)
	if err != nil {
		return Trend{}, err
	}
	if q.Group == KindPerson && role == "" && q.Key != "" {
		if _, roles, err := s.names(ctx, KindPerson, []string{q.Key}); err == nil {
			role = roles[q.Key]
		}
	}
	out := Trend{From: q.From, To: q.To, Group: q.Group, Every: q.Every, Key: q.Key, Points: []Point{}}
	for _, b := range buckets {
		var sum store.EvalCounts
		for d, c := range daily {
			if d >= b.from && d <= b.to {
				sum.Add(c, 1)
			}
		}
		var overdue int64
		for _, sp := range pend {
			if sp.start >= b.from && sp.start <= b.to && sp.due <= b.to && sp.end > b.to {
				overdue += sp.n
			}
		}
		pt := Point{From: dayString(b.from), To: dayString(b.to)}
		pt.Counts, pt.Rates = measure(&sum, overdue)
		pt.Score, pt.Grade = score(w, formulaOf(q.Group, role), pt.Rates)
		out.Points = append(out.Points, pt)
	}
	return out, nil
}

// cut divides a period into days, weeks (Monday to Sunday) or months, the first and last cut
// to the period.
func cut(p period, every string) ([]period, error) {
	var next func(t time.Time) time.Time // the first day of the bucket after t's
	switch every {
	case "day":
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case "week":
		next = func(t time.Time) time.Time {
			return t.AddDate(0, 0, 7-(int(t.Weekday())+6)%7)
		}
	case "month":
		next = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location()) }
	case "":
		return nil, errs.Refuse(errs.BadRequest, "required", errs.Params{"field": "every"}, "every is required: day, week or month")
	default:
		return nil, badParam("every", "want day, week or month, not %q", truncate(every))
	}
	var out []period
	for t := p.fromT; !t.After(p.toT); {
		n := next(t)
		end := n.AddDate(0, 0, -1)
		if end.After(p.toT) {
			end = p.toT
		}
		out = append(out, period{from: Day(t), to: Day(end), fromT: t, toT: end})
		if len(out) > maxPoints {
			return nil, badParam("every", "at most %d periods: cut a longer period by week or month", maxPoints)
		}
		t = n
	}
	return out, nil
}

func dayString(d int) string {
	return time.Date(d/10000, time.Month(d/100%100), d%100, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}
