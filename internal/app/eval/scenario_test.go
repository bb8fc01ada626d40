package eval_test

import (
	"context"
	"math"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// scenario runs seven cases of 09009 (机动车乱停放: accept and dispatch within 30 working
// minutes, sign within 1 and handle within 2 working hours, verify within 1) in the grid
// worker's grid of 解放区 over the week of Monday 2026-03-09 and the Monday after.
func scenario(t *testing.T, db *store.DB) *apptest.CaseRun {
	r := newRun(t, db, "2026-03-09 09:00")
	pass, fail := true, false
	photo := func() []string { return []string{r.Photo()} }
	step := func(at, who, action string, in workflow.Input) {
		t.Helper()
		r.At(at)
		r.Act(who, action, in)
	}
	newCase := func(at string, selfHandle bool) {
		t.Helper()
		r.At(at)
		r.ID = report(t, r, "09009", selfHandle)
	}

	// A: on time all the way, rated 5.
	newCase("2026-03-09 09:00", false)
	step("2026-03-09 09:10", "operator", "register", workflow.Input{})
	step("2026-03-09 09:20", "dispatcher", "dispatch", workflow.Input{}) // → 410802-CGJ; handle due 11:20
	step("2026-03-09 09:30", "handler", "accept", workflow.Input{})
	step("2026-03-09 10:00", "handler", "handle", workflow.Input{Result: "已挪车", Photos: photo()}) // 40 working minutes
	step("2026-03-09 10:10", "gridworker", "verify", workflow.Input{Pass: &pass})
	step("2026-03-09 10:20", "gridworker", "rate", workflow.Input{Rating: 5})

	// B: handled late, fails verification, reworked (late again), closed late, rated 2 on Tuesday.
	newCase("2026-03-09 10:30", false)
	step("2026-03-09 10:35", "operator", "register", workflow.Input{})
	step("2026-03-09 10:50", "dispatcher", "dispatch", workflow.Input{}) // handle due 14:50 (lunch does not count)
	step("2026-03-09 11:00", "handler", "accept", workflow.Input{})
	step("2026-03-09 15:30", "handler", "handle", workflow.Input{Result: "已处理", Photos: photo()}) // 70 + 90 minutes
	step("2026-03-09 15:40", "gridworker", "verify", workflow.Input{Pass: &fail, Note: "车还在"})    // rework: a new clock, due 14:50 still
	step("2026-03-10 10:00", "handler", "handle", workflow.Input{Result: "已拖走", Photos: photo()}) // 140 + 120 minutes
	step("2026-03-10 10:10", "gridworker", "verify", workflow.Input{Pass: &pass})
	step("2026-03-10 10:20", "gridworker", "rate", workflow.Input{Rating: 2})

	// C: sent to the wrong department and returned, dispatched again, extended by 4 working
	// hours, handled within the extension.
	newCase("2026-03-09 16:00", false)
	step("2026-03-09 16:05", "operator", "register", workflow.Input{})
	step("2026-03-09 16:10", "dispatcher", "dispatch", workflow.Input{Department: "410802-HW"})
	step("2026-03-09 16:20", "hw", "return", workflow.Input{Reason: "不归环卫管"})
	step("2026-03-09 16:30", "dispatcher", "dispatch", workflow.Input{}) // handle due Tuesday 08:30
	step("2026-03-09 16:40", "handler", "accept", workflow.Input{})
	step("2026-03-09 16:50", "handler", "request_extension", workflow.Input{Hours: 4, Reason: "等拖车"})
	step("2026-03-09 17:00", "dispatcher", "approve_extension", workflow.Input{Hours: 4})         // due Tuesday 14:30
	step("2026-03-10 14:00", "handler", "handle", workflow.Input{Result: "已拖走", Photos: photo()}) // 90 + 240 minutes
	step("2026-03-10 14:10", "gridworker", "verify", workflow.Input{Pass: &pass})

	// D: suspended (挂账) before its deadline, still waiting.
	newCase("2026-03-10 09:00", false)
	step("2026-03-10 09:05", "operator", "register", workflow.Input{})
	step("2026-03-10 09:10", "dispatcher", "dispatch", workflow.Input{})
	step("2026-03-10 09:20", "handler", "accept", workflow.Input{})
	step("2026-03-10 09:30", "dispatcher", "suspend", workflow.Input{Reason: "待车主回国"})

	// E: rejected as invalid. F: handled on the spot by the grid worker.
	newCase("2026-03-10 10:00", false)
	step("2026-03-10 10:05", "operator", "reject", workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "现场无此车"})
	newCase("2026-03-10 11:00", true)

	// G: dispatched on Friday at lunchtime (handle due 16:00), unfinished over the weekend,
	// handled late on the Monday after, verified that Monday.
	newCase("2026-03-13 12:30", false)
	step("2026-03-13 12:40", "operator", "register", workflow.Input{})
	step("2026-03-13 13:00", "dispatcher", "dispatch", workflow.Input{})
	step("2026-03-16 09:30", "handler", "accept", workflow.Input{})
	step("2026-03-16 10:00", "handler", "handle", workflow.Input{Result: "已挪车", Photos: photo()}) // 240 + 120 minutes
	step("2026-03-16 10:10", "gridworker", "verify", workflow.Input{Pass: &pass})
	return r
}

func row(t *testing.T, table eval.Table, key string) eval.Row {
	t.Helper()
	for _, r := range table.Rows {
		if r.Key == key {
			return r
		}
	}
	t.Fatalf("%s table %s–%s has no row %s", table.Group, table.From, table.To, key)
	return eval.Row{}
}

func wantCounts(t *testing.T, what string, r eval.Row, want map[string]float64) {
	t.Helper()
	for _, k := range eval.CountKeys {
		if got := r.Counts.Get(k); got != want[k] {
			t.Errorf("%s: %s = %v, want %v", what, k, got, want[k])
		}
	}
}

func wantRate(t *testing.T, what string, r eval.Row, key string, want float64) {
	t.Helper()
	got := r.Rates.Get(key)
	if math.IsNaN(want) {
		if got != nil {
			t.Errorf("%s: %s = %v, want null", what, key, *got)
		}
		return
	}
	if got == nil || math.Abs(*got-want) > 0.0001 {
		t.Errorf("%s: %s = %v, want %.4f", what, key, got, want)
	}
}

func wantScore(t *testing.T, what string, r eval.Row, score float64, grade string, rank int) {
	t.Helper()
	if r.Score == nil || math.Abs(*r.Score-score) > 0.05 || r.Grade == nil || *r.Grade != grade || r.Rank == nil || *r.Rank != rank {
		t.Errorf("%s: score %v grade %v rank %v, want %.1f %s %d", what, deref(r.Score), deref(r.Grade), deref(r.Rank), score, grade, rank)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// The indicators of a week, computed by hand from the scenario: on-time and late handling,
// rework, a return, an extension, a suspension, a rejection, a self-handled report, ratings,
// and a handling stage that starts in one week and ends in the next.
func TestIndicatorsOfAWeekByHand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := scenario(t, db)
		ctx := context.Background()
		week := eval.Query{From: "2026-03-09", To: "2026-03-15"}

		q := week
		q.Group = eval.KindDistrict
		district, err := r.A.Eval.Stats(ctx, apptest.System, q)
		if err != nil {
			t.Fatal(err)
		}
		// Handling minutes: A 40, B 160 and 260 (rework), C 330, G 360 = 1,150 = 19.17 hours.
		weekCounts := map[string]float64{
			"reported": 7, "valid_reported": 6, // all but E
			"registered": 5, "registered_on_time": 5, "rejected": 1, // A B C D G; E
			"due_dispatch": 6, "dispatched": 6, "dispatched_on_time": 6, // C twice
			"wrong_dispatch": 1, "returned": 1, // C to 环卫
			"due_handle": 6, "handled": 5, "handled_on_time": 2, "handled_late": 3, // A B B' C D G; D waits; A C on time
			"pending_overdue": 1, // G, unfinished and past due on Sunday night
			"rework":          1, "extended": 1, "suspended": 1,
			"due_verify": 4, "verified_on_time": 4, // A, B twice, C; G's began the next Monday
			"due_close": 5, "closed": 4, "closed_on_time": 2, // A B C D G; D open; A and C in time
			"self_handled": 1, "handle_hours": 19.17, "rated": 2, "satisfied": 1,
		}
		d := row(t, district, "410802")
		wantCounts(t, "解放区, week", d, weekCounts)
		wantRate(t, "解放区", d, "close_rate", 4.0/5)
		wantRate(t, "解放区", d, "satisfaction_rate", 1.0/2)
		wantRate(t, "解放区", d, "mean_handle_hours", 3.83)           // 1,150 minutes ÷ 5 handlings, in hours to the hundredth
		wantScore(t, "解放区", d, 30*4.0/5+40*2.0/5+30*1.0/2, "D", 1) // 55
		// Every level of the grid's path counts the same cases.
		for _, g := range []string{eval.KindSubdistrict, eval.KindCommunity, eval.KindGrid} {
			q.Group = g
			tbl, err := r.A.Eval.Stats(ctx, apptest.System, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(tbl.Rows) != 1 {
				t.Fatalf("%s rows %d, want 1", g, len(tbl.Rows))
			}
			wantCounts(t, g, tbl.Rows[0], weekCounts)
		}

		q.Group = eval.KindDepartment
		depts, err := r.A.Eval.Stats(ctx, apptest.System, q)
		if err != nil {
			t.Fatal(err)
		}
		cgj := row(t, depts, "410802-CGJ")
		wantCounts(t, "城管局", cgj, map[string]float64{
			"due_handle": 6, "handled": 5, "handled_on_time": 2, "handled_late": 3, "pending_overdue": 1,
			"rework": 1, "extended": 1, "suspended": 1, "handle_hours": 19.17,
			"due_close": 5, "closed": 4, "closed_on_time": 2, "rated": 2, "satisfied": 1,
		})
		wantRate(t, "城管局", cgj, "handle_rate", 5.0/6)
		wantRate(t, "城管局", cgj, "on_time_handle_rate", 2.0/6)
		wantRate(t, "城管局", cgj, "rework_rate", 1.0/5)
		wantRate(t, "城管局", cgj, "pending_overdue_rate", 1.0/6)
		wantRate(t, "城管局", cgj, "extension_rate", 1.0/6)
		wantRate(t, "城管局", cgj, "valid_report_rate", math.NaN())                                   // departments report nothing
		wantScore(t, "城管局", cgj, 30*5.0/6+20*2.0/6+20*(1-1.0/5)+20*(1-1.0/6)+10*(1-1.0/6), "C", 1) // 72.7
		hw := row(t, depts, "410802-HW")
		wantCounts(t, "环卫", hw, map[string]float64{"returned": 1})
		if hw.Score != nil || hw.Rank != nil {
			t.Errorf("环卫 with nothing to handle: score %v rank %v, want none", deref(hw.Score), deref(hw.Rank))
		}
		if cgj.Name == "" || cgj.Name == cgj.Key {
			t.Errorf("城管局 row named %q", cgj.Name)
		}

		q.Group = eval.KindPerson
		people, err := r.A.Eval.Stats(ctx, apptest.System, q)
		if err != nil {
			t.Fatal(err)
		}
		gw := row(t, people, "gridworker")
		wantCounts(t, "grid worker", gw, map[string]float64{"reported": 7, "valid_reported": 6, "self_handled": 1, "due_verify": 4, "verified_on_time": 4})
		wantScore(t, "grid worker", gw, (40*6.0/7+20*1)/60*100, "A", 2) // 90.5: the grid worker's 漏报率 and 按时核实率 are not counted, so the rest carry the score
		disp := row(t, people, "dispatcher")
		wantCounts(t, "dispatcher", disp, map[string]float64{"due_dispatch": 6, "dispatched": 6, "dispatched_on_time": 6, "wrong_dispatch": 1})
		wantScore(t, "dispatcher", disp, 50*1+50*5.0/6, "A", 1) // 91.7, above the grid worker's 90.5
		q.Role = "dispatcher"
		only, err := r.A.Eval.Stats(ctx, apptest.System, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(only.Rows) != 1 || only.Rows[0].Key != "dispatcher" {
			t.Errorf("role=dispatcher rows %v, want the dispatcher alone", only.Rows)
		}

		// The next week: G's verification began on its Monday; nothing else did.
		q = eval.Query{From: "2026-03-16", To: "2026-03-22", Group: eval.KindDistrict}
		next, err := r.A.Eval.Stats(ctx, apptest.System, q)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts(t, "解放区, next week", row(t, next, "410802"), map[string]float64{"due_verify": 1, "verified_on_time": 1})
		wantRate(t, "解放区, next week", row(t, next, "410802"), "handle_rate", math.NaN())

		// Day by day: Monday's B' (reworked, past due, done on Tuesday) and Friday's G are
		// pending and overdue at the end of their days.
		tr, err := r.A.Eval.Trend(ctx, apptest.System, eval.TrendQuery{Query: eval.Query{From: "2026-03-09", To: "2026-03-15", Group: eval.KindDistrict}, Every: "day"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Points) != 7 {
			t.Fatalf("%d days, want 7", len(tr.Points))
		}
		for i, want := range []struct{ reported, pending float64 }{{3, 1}, {3, 0}, {0, 0}, {0, 0}, {1, 1}, {0, 0}, {0, 0}} {
			p := tr.Points[i]
			if p.Counts.Get("reported") != want.reported || p.Counts.Get("pending_overdue") != want.pending {
				t.Errorf("%s: reported %v pending_overdue %v, want %v %v", p.From, p.Counts.Get("reported"), p.Counts.Get("pending_overdue"), want.reported, want.pending)
			}
		}
		wk, err := r.A.Eval.Trend(ctx, apptest.System, eval.TrendQuery{Query: eval.Query{From: "2026-03-09", To: "2026-03-22", Group: eval.KindDepartment}, Every: "week", Key: "410802-CGJ"})
		if err != nil {
			t.Fatal(err)
		}
		if len(wk.Points) != 2 || wk.Points[0].Counts.Get("handled") != 5 || wk.Points[0].Counts.Get("pending_overdue") != 1 || wk.Points[1].Counts.Get("due_handle") != 0 {
			t.Errorf("城管局 by week: %+v", wk.Points)
		}
		checkRebuild(t, r, "after the scenario")
	})
}

// Every stage is on the case's record: C ran eight clocks, each finished one saying when it
// ended, how, and whether in time.
func TestCaseListsEveryStageClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRun(t, db, "2026-03-09 16:00")
		r.ID = report(t, r, "09009", false)
		steps := []struct{ at, who, action string }{
			{"2026-03-09 16:05", "operator", "register"}, {"2026-03-09 16:10", "dispatcher", "dispatch"},
			{"2026-03-09 16:20", "handler", "return"}, {"2026-03-09 16:30", "dispatcher", "dispatch"},
			{"2026-03-09 16:40", "handler", "accept"},
		}
		for _, s := range steps {
			r.At(s.at)
			r.Act(s.who, s.action, workflow.Input{Reason: "不归我们管"})
		}
		r.At("2026-03-10 14:00")
		v := r.Act("handler", "handle", workflow.Input{Result: "已拖走", Photos: []string{r.Photo()}})
		type seen struct {
			stage   workflow.Stage
			outcome string
			onTime  bool
		}
		var got []seen
		for _, c := range v.Clocks {
			if c.DoneAt == nil {
				if c.Stage != workflow.StageVerify || c.Light == "" {
					t.Errorf("running clock %s light %q, want the verification clock with a light", c.Stage, c.Light)
				}
				continue
			}
			if c.OnTime == nil || c.Light != "" {
				t.Errorf("finished %s clock: on_time %v light %q", c.Stage, c.OnTime, c.Light)
				continue
			}
			got = append(got, seen{c.Stage, c.Outcome, *c.OnTime})
		}
		want := []seen{{"accept", "register", true}, {"dispatch", "dispatch", true}, {"sign", "return", true}, {"handle", "return", true},
			{"dispatch", "dispatch", true}, {"sign", "accept", true}, {"handle", "handle", false}} // due Tuesday 08:30
		if len(got) != len(want) {
			t.Fatalf("finished clocks %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("clock %d: %v, want %v", i, got[i], want[i])
			}
		}
	})
}
