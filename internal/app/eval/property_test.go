package eval_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// move is one action a random run may try; the state machine refuses most of them at any
// moment, and a refusal must change nothing.
type move struct {
	who, action string
	in          func(r *apptest.CaseRun, rnd *rand.Rand) workflow.Input
}

func none(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{} }

var moves = []move{
	{"operator", "register", none},
	{"operator", "reject", func(*apptest.CaseRun, *rand.Rand) workflow.Input {
		return workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "不属实"}
	}},
	{"dispatcher", "dispatch", none},
	{"dispatcher", "dispatch", func(*apptest.CaseRun, *rand.Rand) workflow.Input {
		return workflow.Input{Department: "410802-CGJ", CoDepartments: []string{"410802-HW"}}
	}},
	{"dispatcher", "dispatch", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Department: "410802-HW"} }},
	{"handler", "accept", none},
	{"hw", "accept", none},
	{"hw", "accept_part", none},
	{"hw", "report_part", func(r *apptest.CaseRun, _ *rand.Rand) workflow.Input {
		return workflow.Input{Result: "部分完成", Photos: []string{r.Photo()}}
	}},
	{"handler", "return", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "不归我们管"} }},
	{"hw", "return", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "不归我们管"} }},
	{"handler", "handle", func(r *apptest.CaseRun, _ *rand.Rand) workflow.Input {
		return workflow.Input{Result: "已处理", Photos: []string{r.Photo()}}
	}},
	{"hw", "handle", func(r *apptest.CaseRun, _ *rand.Rand) workflow.Input {
		return workflow.Input{Result: "已处理", Photos: []string{r.Photo()}}
	}},
	{"handler", "request_extension", func(*apptest.CaseRun, *rand.Rand) workflow.Input {
		return workflow.Input{Hours: 4, Reason: "材料未到"}
	}},
	{"dispatcher", "approve_extension", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Hours: 4} }},
	{"dispatcher", "deny_extension", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "不予延期"} }},
	{"dispatcher", "suspend", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "待拆迁"} }},
	{"dispatcher", "resume", none},
	{"gridworker", "verify", func(_ *apptest.CaseRun, rnd *rand.Rand) workflow.Input {
		pass := rnd.IntN(3) > 0
		return workflow.Input{Pass: &pass, Note: "核查"}
	}},
	{"leader", "reopen", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "群众不满意"} }},
	{"leader", "close", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "特殊结案"} }},
	{"gridworker", "rate", func(_ *apptest.CaseRun, rnd *rand.Rand) workflow.Input {
		return workflow.Input{Rating: 1 + rnd.IntN(5)}
	}},
	{"operator", "comment", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Note: "跟进"} }},
	{"dispatcher", "escalate", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Reason: "需要区里协调"} }},
	// Urgings (督办) count for the department holding the case then, whatever becomes of it.
	{"leader", "urge", func(*apptest.CaseRun, *rand.Rand) workflow.Input { return workflow.Input{Note: "请尽快处置"} }},
	{"dispatcher", "urge", none},
}

// newRun seeds the demo city with a handler of 环卫 (a second department, also a co-department).
func newRun(t *testing.T, db *store.DB, start string) *apptest.CaseRun {
	t.Helper()
	r := apptest.NewCaseRun(t, db, start, "")
	if _, err := r.A.People.AddUser(context.Background(), apptest.System, people.NewUser{Username: "hw", Role: "handler", Department: "410802-HW", Password: "pass-word-1"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// report files a case in the grid worker's grid as the grid worker (patrol, so the grid worker
// may rate it), or handles one on the spot.
func report(t *testing.T, r *apptest.CaseRun, category string, selfHandle bool) int64 {
	t.Helper()
	p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
	in := cases.NewCase{CategoryKind: workflow.Matter, Category: category, Description: "测试", Lon: &p[0], Lat: &p[1]}
	if selfHandle {
		in.Action, in.Result, in.Photos = "self_handle", "当场处理", []string{r.Photo()}
	}
	v, err := r.A.Cases.Report(context.Background(), apptest.As(t, r.DB, "gridworker"), in)
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// dump is the aggregates as stored, nonzero rows only.
type dump struct {
	rows    []store.EvalRow
	pending map[store.EvalPendingKey]int64
}

func read(t *testing.T, db *store.DB) dump {
	t.Helper()
	rows, pend, err := db.EvalDump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dump{rows, pend}
}

// checkRebuild compares the aggregates kept step by step with a rebuild from the cases.
func checkRebuild(t *testing.T, r *apptest.CaseRun, when string) {
	t.Helper()
	kept := read(t, r.DB)
	if _, err := r.A.Eval.Rebuild(context.Background(), apptest.System); err != nil {
		t.Fatal(err)
	}
	rebuilt := read(t, r.DB)
	if len(kept.rows) == 0 {
		t.Fatalf("%s: no aggregates kept", when)
	}
	if !reflect.DeepEqual(kept.rows, rebuilt.rows) {
		diff(t, when, kept.rows, rebuilt.rows)
	}
	if !reflect.DeepEqual(kept.pending, rebuilt.pending) {
		t.Errorf("%s: pending rows kept %v, rebuilt %v", when, kept.pending, rebuilt.pending)
	}
}

func diff(t *testing.T, when string, kept, rebuilt []store.EvalRow) {
	t.Helper()
	at := map[store.EvalCell]store.EvalCounts{}
	for _, r := range kept {
		at[r.Cell] = r.Counts
	}
	shown := 0
	for _, r := range rebuilt {
		if k := at[r.Cell]; k != r.Counts && shown < 5 {
			t.Errorf("%s: %+v kept %v, rebuilt %v", when, r.Cell, k, r.Counts)
			shown++
		}
		delete(at, r.Cell)
	}
	for c, k := range at {
		if shown < 10 {
			t.Errorf("%s: %+v kept %v, rebuilt nothing", when, c, k)
			shown++
		}
	}
	if shown == 0 {
		t.Errorf("%s: aggregates differ in order only", when)
	}
}

// Random sequences of actions on a handful of cases, on a clock that jumps minutes to days:
// at every checkpoint the aggregates kept step by step equal a rebuild from the cases, and
// 超期待处置 of any period read from them equals a count over the clocks themselves.
func TestAggregatesEqualRebuildUnderRandomSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRun(t, db, "2026-03-06 16:00") // a Friday
		rnd := rand.New(rand.NewPCG(13, 2026))
		categories := []string{"09009", "06010", "07001"}
		var ids []int64
		ctx := context.Background()
		actors := map[string]*access.Principal{}
		for _, m := range moves {
			if actors[m.who] == nil {
				actors[m.who] = apptest.As(t, db, m.who)
			}
		}
		actors["gridworker"].Grids = []string{demo.GridWorkerGrid}
		taken, refused := map[string]int{}, map[string]int{}
		defer func() { t.Logf("taken %v", taken); t.Logf("refused %v", refused) }()
		const steps, every = 300, 75
		for i := 1; i <= steps; i++ {
			*r.Now = r.Now.Add(time.Duration(rnd.IntN(6*60)+5) * time.Minute)
			if rnd.IntN(20) == 0 {
				*r.Now = r.Now.Add(time.Duration(rnd.IntN(3)+1) * 24 * time.Hour)
			}
			if len(ids) < 3 || rnd.IntN(12) == 0 {
				ids = append(ids, report(t, r, categories[rnd.IntN(len(categories))], rnd.IntN(6) == 0))
				continue
			}
			id := ids[rnd.IntN(len(ids))]
			r.ID = id
			m := pick(t, r, rnd, actors, id)
			_, err := r.A.Cases.Act(ctx, actors[m.who], id, m.action, nil, m.in(r, rnd))
			if err != nil && errs.Is(err, errs.Internal) {
				t.Fatalf("step %d: %s %s on case %d: %v", i, m.who, m.action, id, err)
			}
			if err == nil {
				taken[m.action]++
			} else {
				refused[m.action]++
			}
			if i%every == 0 {
				checkRebuild(t, r, fmt.Sprintf("after step %d", i))
				checkPendingOverdue(t, r, rnd)
			}
		}
		// The urgings were counted, for departments too: a run without them would compare zeros.
		if taken["urge"] == 0 || !urgedDepartment(t, db) {
			t.Errorf("%d urgings taken, and no department's row counts one", taken["urge"])
		}
	})
}

// urgedDepartment reports whether some department's aggregate row counts an urging.
func urgedDepartment(t *testing.T, db *store.DB) bool {
	t.Helper()
	urged := slices.Index(store.EvalCountColumns, "urged")
	for _, row := range read(t, db).rows {
		if row.Cell.Kind == eval.KindDepartment && row.Counts[urged] > 0 {
			return true
		}
	}
	return false
}

// pick chooses a move on a case: mostly one its actor may take now (so that cases travel the
// whole loop), sometimes any, which the state machine refuses.
func pick(t *testing.T, r *apptest.CaseRun, rnd *rand.Rand, actors map[string]*access.Principal, id int64) move {
	t.Helper()
	if rnd.IntN(10) == 0 {
		return moves[rnd.IntN(len(moves))]
	}
	for _, i := range rnd.Perm(len(moves)) {
		m := moves[i]
		// Rarer moves, so that most cases travel the loop to handling and verification.
		if skip := map[string]int{"comment": 1, "reject": 3, "close": 6, "reopen": 3, "return": 3, "escalate": 3, "urge": 6}[m.action]; skip > 0 && rnd.IntN(skip+1) > 0 {
			continue
		}
		v, err := r.A.Cases.Case(context.Background(), actors[m.who], id)
		if err != nil {
			continue
		}
		if slices.Contains(v.Allowed, workflow.Action(m.action)) {
			return m
		}
	}
	return moves[rnd.IntN(len(moves))]
}

// checkPendingOverdue compares the table's 超期待处置 for a few periods with a count over the
// handling clocks: started in the period, not ended by a return, past their deadline at the
// midnight ending the period and not ended by then.
func checkPendingOverdue(t *testing.T, r *apptest.CaseRun, rnd *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	start := apptest.At(t, "2026-03-06 00:00")
	for range 4 {
		from := start.AddDate(0, 0, rnd.IntN(20))
		to := from.AddDate(0, 0, rnd.IntN(10))
		end := to.AddDate(0, 0, 1) // the midnight that ends the period
		want := 0
		err := r.DB.EachEvalCase(ctx, func(c store.EvalCase) error {
			for _, k := range c.Clocks {
				if k.Stage != workflow.StageHandle || k.Department != "" || k.Outcome == string(workflow.Return) {
					continue
				}
				if k.Start.Before(from) || !k.Start.Before(end) {
					continue
				}
				ended := !k.Stopped.IsZero() && k.Stopped.Before(end)
				waiting := !k.PausedAt.IsZero() && k.PausedAt.Before(k.Due)
				if !ended && !waiting && k.Due.Before(end) {
					want++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		q := eval.Query{From: from.In(worktime.China).Format("2006-01-02"), To: to.In(worktime.China).Format("2006-01-02"), Group: eval.KindDistrict}
		table, err := r.A.Eval.Stats(ctx, apptest.System, q)
		if err != nil {
			t.Fatal(err)
		}
		got := 0.0
		for _, row := range table.Rows {
			got += row.Counts.Get("pending_overdue")
		}
		if got != float64(want) {
			t.Errorf("%s–%s: pending_overdue %v, want %d from the clocks", q.From, q.To, got, want)
		}
	}
}
