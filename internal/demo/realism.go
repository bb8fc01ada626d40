package demo

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Realism is what the demo prints after making its history, so that whoever runs it can see
// at once whether the city looks like a city at work: the cases by status and light as the
// dashboard counts them, the departments' on-time handling by district, the busiest
// categories and where reports came from.
type Realism struct {
	Total    int
	ByStatus map[string]int
	Red      int // open cases whose light is red now
	Overdue  int // open cases past their handling deadline now
	OnTime   []DistrictRate
	Busiest  []CategoryCount
	Sources  map[string]int
	Closures map[workflow.ClosureType]int
}

// DistrictRate is a district's handling on time: handlings reported by the deadline of all
// handlings reported.
type DistrictRate struct {
	Code, Name      string
	Handled, OnTime int
}

// CategoryCount is how many cases a category had.
type CategoryCount struct {
	Name  string
	Cases int
}

// CheckRealism reads the city's figures through the use cases and adds what the history
// knows of each case.
func CheckRealism(ctx context.Context, a *app.App, r HistoryReport) (Realism, error) {
	system := access.SystemPrincipal("demo")
	d, err := a.Cases.Dashboard(ctx, system, 0)
	if err != nil {
		return Realism{}, err
	}
	out := Realism{ByStatus: d.ByStatus, Overdue: d.Overdue, Sources: map[string]int{}, Closures: map[workflow.ClosureType]int{}}
	for _, n := range d.ByStatus {
		out.Total += n
	}
	for cursor := ""; ; {
		page, err := a.Cases.ListCases(ctx, system, cases.CaseFilter{Light: "red", Now: a.Cases.Now(), Limit: 500, Cursor: cursor})
		if err != nil {
			return Realism{}, err
		}
		out.Red += len(page.Cases)
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	c, err := LoadCity(ctx, a)
	if err != nil {
		return Realism{}, err
	}
	rates := map[string]*DistrictRate{}
	for _, dist := range c.Districts {
		rates[dist.Code] = &DistrictRate{Code: dist.Code, Name: dist.Name}
	}
	cats := map[string]int{}
	for _, sc := range r.Cases {
		out.Sources[sc.source]++
		cats[sc.topic.cat.Name]++
		if sc.status == workflow.Closed {
			out.Closures[sc.closure]++
		}
		if dr := rates[sc.district]; dr != nil {
			dr.Handled += sc.handled
			dr.OnTime += sc.handled - sc.late
		}
	}
	for _, dist := range c.Districts {
		if dr := rates[dist.Code]; dr.Handled > 0 {
			out.OnTime = append(out.OnTime, *dr)
		}
	}
	for name, n := range cats {
		out.Busiest = append(out.Busiest, CategoryCount{name, n})
	}
	slices.SortFunc(out.Busiest, func(a, b CategoryCount) int { return cmp.Or(b.Cases-a.Cases, cmp.Compare(a.Name, b.Name)) })
	out.Busiest = out.Busiest[:min(len(out.Busiest), 8)]
	return out, nil
}

// Print writes the checks as a few short tables.
func (r Realism) Print(w io.Writer, took time.Duration) {
	pct := func(n, of int) string {
		if of == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(of))
	}
	fmt.Fprintf(w, "\nThe city's history: %d cases", r.Total)
	if took > 0 {
		fmt.Fprintf(w, ", made in %s", took.Round(100*time.Millisecond))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  status\tcases\tshare\t")
	for _, s := range workflow.Statuses {
		fmt.Fprintf(tw, "  %s\t%d\t%s\t\n", s, r.ByStatus[string(s)], pct(r.ByStatus[string(s)], r.Total))
	}
	fmt.Fprintf(tw, "  red light now\t%d\t%s\t\n", r.Red, pct(r.Red, r.Total))
	fmt.Fprintf(tw, "  overdue now\t%d\t%s\t\n", r.Overdue, pct(r.Overdue, r.Total))
	tw.Flush()
	if len(r.OnTime) > 0 {
		fmt.Fprintln(w, "\nHandled on time, by district:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, d := range r.OnTime {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t(%d of %d)\n", d.Code, d.Name, pct(d.OnTime, d.Handled), d.OnTime, d.Handled)
		}
		tw.Flush()
	}
	if len(r.Closures) > 0 {
		total := 0
		for _, n := range r.Closures {
			total += n
		}
		fmt.Fprint(w, "\nClosed as:")
		for _, k := range []workflow.ClosureType{workflow.ClosureNormal, workflow.ClosureLate, workflow.ClosureError, workflow.ClosureSpecial} {
			fmt.Fprintf(w, "  %s %s", k, pct(r.Closures[k], total))
		}
		fmt.Fprintln(w)
	}
	if len(r.Sources) > 0 {
		fmt.Fprint(w, "Reported by:")
		for _, k := range []string{"patrol", "self_handle", "resident", "hotline", "open311"} {
			fmt.Fprintf(w, "  %s %d", k, r.Sources[k])
		}
		fmt.Fprintln(w)
	}
	if len(r.Busiest) > 0 {
		fmt.Fprint(w, "Busiest categories:")
		for _, c := range r.Busiest {
			fmt.Fprintf(w, "  %s %d", c.Name, c.Cases)
		}
		fmt.Fprintln(w)
	}
}
