package cases_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The joint case of these tests: 解放区城管局 leads, 环卫 and 市住建局 each do a part (联办).
const (
	leadDept = "410802-CGJ"
	hwDept   = "410802-HW"
	zjjDept  = "4108-ZJJ"
)

var jointDispatch = workflow.Input{Department: leadDept, CoDepartments: []string{hwDept, zjjDept}}

// jointRun is a case run with a handler for each co-department and one of an uninvolved
// district's department.
func jointRun(t *testing.T, db *store.DB, start string) *apptest.CaseRun {
	t.Helper()
	r := apptest.NewCaseRun(t, db, start, "09009")
	for name, dept := range map[string]string{"hw": hwDept, "zjj": zjjDept, "shy": "410811-CGJ"} {
		if _, err := r.A.People.AddUser(context.Background(), apptest.System, people.NewUser{Username: name, Role: "handler", Department: dept, Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// parts returns the view's parts as department → "status sign-due handle-due clocks light".
func parts(v cases.CaseView) map[string]string {
	out := map[string]string{}
	at := func(tm interface{ IsZero() bool }, s string) string {
		if tm.IsZero() {
			return "-"
		}
		return s
	}
	for _, p := range v.Parts {
		var stages []string
		for _, c := range p.Clocks {
			stages = append(stages, string(c.Stage))
		}
		out[p.Department] = strings.Join([]string{string(p.Status),
			at(p.SignDue, p.SignDue.In(worktime.China).Format("15:04")), at(p.HandleDue, p.HandleDue.In(worktime.China).Format("15:04")),
			"[" + strings.Join(stages, ",") + "]", string(p.Light)}, " ")
	}
	return out
}

// stored returns the mirrored part rows as department → status.
func stored(t *testing.T, db *store.DB, id int64) map[string]string {
	t.Helper()
	rows, err := db.Parts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range rows {
		out[p.Department] = string(p.Status)
	}
	return out
}

func wantParts(t *testing.T, step string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: parts %v, want %v", step, got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Fatalf("%s: parts %v, want %v", step, got, want)
		}
	}
}

func TestCoDepartmentsSignForAndReportTheirParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jointRun(t, db, "2026-03-09 09:00") // a Monday
		r.Act("operator", "register", workflow.Input{})
		r.At("2026-03-09 10:30")
		v := r.Act("dispatcher", "dispatch", jointDispatch)
		// Each part signs within 1 work hour and is handled within 2, as the lead is.
		wantParts(t, "dispatched", parts(v), map[string]string{
			hwDept:  "dispatched 11:30 14:30 [sign,handle] green",
			zjjDept: "dispatched 11:30 14:30 [sign,handle] green",
		})
		wantClocks(t, "dispatched: the lead's own clocks", v, map[workflow.Stage]string{
			workflow.StageSign: "2026-03-09 11:30 green", workflow.StageHandle: "2026-03-09 14:30 green"})
		wantParts(t, "dispatched, stored", stored(t, db, r.ID), map[string]string{hwDept: "dispatched", zjjDept: "dispatched"})

		page, err := r.A.Cases.ListCases(ctx, apptest.As(t, db, "hw"), cases.CaseFilter{})
		if err != nil || len(page.Cases) != 1 || page.Cases[0].ID != r.ID {
			t.Fatalf("a co-department's handler lists %+v (%v), want the joint case", page.Cases, err)
		}

		r.At("2026-03-09 10:45")
		r.Act("hw", "accept_part", workflow.Input{})
		v = r.Act("handler", "accept", workflow.Input{})
		wantParts(t, "环卫 signed", parts(v), map[string]string{
			hwDept:  "in_progress 11:30 14:30 [handle] green",
			zjjDept: "dispatched 11:30 14:30 [sign,handle] green",
		})

		t.Run("the lead's handle is refused while parts are open, and changes nothing", func(t *testing.T) {
			before, snap := r.View(), apptest.Snap(t, db)
			_, err := r.A.Cases.Act(ctx, apptest.As(t, db, "handler"), r.ID, "handle", &before.Version, workflow.Input{Result: "已拖离", Photos: []string{r.Photo()}})
			reason, params := errs.Detail(err)
			if !errs.Is(err, errs.Conflict) || reason != workflow.ReasonPartsUnreported {
				t.Fatalf("handle with open parts: %v (reason %s), want a conflict for parts_unreported", err, reason)
			}
			if got, _ := params["departments"].([]string); !slices.Equal(got, []string{hwDept, zjjDept}) {
				t.Errorf("departments %v, want both co-departments", params["departments"])
			}
			after := r.View()
			if after.Version != before.Version || len(after.Timeline) != len(before.Timeline) || apptest.Snap(t, db) != snap {
				t.Errorf("a refused handle changed the case: version %d → %d, events %d → %d", before.Version, after.Version, len(before.Timeline), len(after.Timeline))
			}
		})

		t.Run("a co-department acts only on its own part, and an uninvolved one not at all", func(t *testing.T) {
			before, snap := r.View(), apptest.Snap(t, db)
			_, err := r.A.Cases.Act(ctx, apptest.As(t, db, "zjj"), r.ID, "accept_part", nil, workflow.Input{Department: hwDept})
			if reason, _ := errs.Detail(err); !errs.Is(err, errs.Forbidden) || reason != workflow.ReasonNotYourPart {
				t.Errorf("市住建局 signs for 环卫's part: %v, want forbidden not_your_part", err)
			}
			_, err = r.A.Cases.Act(ctx, apptest.As(t, db, "shy"), r.ID, "accept_part", nil, workflow.Input{Department: zjjDept})
			if !errs.Is(err, errs.NotFound) {
				t.Errorf("山阳区城管局 signs for a part of a case it may not see: %v, want not found", err)
			}
			if after := r.View(); after.Version != before.Version || apptest.Snap(t, db) != snap {
				t.Errorf("refused part actions changed the case: version %d → %d", before.Version, after.Version)
			}
		})

		r.At("2026-03-09 11:00")
		photo := r.Photo()
		v = r.Act("hw", "report_part", workflow.Input{Result: "垃圾已清运", Photos: []string{photo}})
		wantParts(t, "环卫 reported", parts(v), map[string]string{
			hwDept:  "reported 11:30 14:30 [] ",
			zjjDept: "dispatched 11:30 14:30 [sign,handle] green",
		})
		if p := v.Parts[0]; p.Result != "垃圾已清运" || !slices.Equal(p.Photos, []string{photo}) || p.ReportedBy != "hw" || p.Late {
			t.Errorf("环卫's report: %+v", p)
		}
		page, err = r.A.Cases.ListCases(ctx, apptest.As(t, db, "hw"), cases.CaseFilter{OpenPartsOnly: true})
		if err != nil || len(page.Cases) != 0 {
			t.Errorf("环卫's open work after reporting its part: %+v (%v), want none", page.Cases, err)
		}

		r.At("2026-03-09 15:00") // past 市住建局's deadlines
		if v := r.View(); parts(v)[zjjDept] != "dispatched 11:30 14:30 [sign,handle] red" {
			t.Errorf("an overdue part: %s", parts(v)[zjjDept])
		}
		v = r.Act("handler", "report_part", workflow.Input{Department: zjjDept, Reason: "住建局电话确认此处无需其处置"})
		last := v.Timeline[len(v.Timeline)-1]
		if last.Code != "part_reported_for" || last.Note != "住建局电话确认此处无需其处置" || last.Actor != "handler" {
			t.Errorf("the lead's report for a part reads %s %q by %s", last.Code, last.Note, last.Actor)
		}
		if p := v.Parts[1]; p.Status != workflow.PartReported || p.Reason != "住建局电话确认此处无需其处置" || p.ReportedBy != "handler" || !p.Late {
			t.Errorf("the part the lead reported: %+v", p)
		}
		wantParts(t, "every part reported, stored", stored(t, db, r.ID), map[string]string{hwDept: "reported", zjjDept: "reported"})
		v = r.Act("handler", "handle", workflow.Input{Result: "已拖离", Photos: []string{r.Photo()}})
		if v.Status != workflow.Handled {
			t.Fatalf("handle with every part reported: %s", v.Status)
		}
	})
}

// Part clocks pause with the case, and the loop's steps back reset the parts: rework reopens
// them on their deadlines, a return drops them.
func TestPartClocksFollowTheCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := jointRun(t, db, "2026-03-09 09:00")
		r.Act("operator", "register", workflow.Input{})
		r.At("2026-03-09 10:30")
		r.Act("dispatcher", "dispatch", jointDispatch)
		r.At("2026-03-09 10:40")
		r.Act("handler", "accept", workflow.Input{})
		r.Act("hw", "accept_part", workflow.Input{})
		r.At("2026-03-09 11:00")
		v := r.Act("dispatcher", "suspend", workflow.Input{Reason: "等待道路改造"})
		for _, p := range v.Parts {
			for _, c := range p.Clocks {
				if !c.Paused {
					t.Fatalf("suspended: part %s's %s clock runs", p.Department, c.Stage)
				}
			}
		}
		// Resumed a working day later: each part's deadline moves by the day it waited.
		r.At("2026-03-10 11:00")
		v = r.Act("dispatcher", "resume", workflow.Input{Reason: "改造完成"})
		wantParts(t, "resumed", parts(v), map[string]string{
			hwDept:  "in_progress 11:30 14:30 [handle] green",
			zjjDept: "dispatched 11:30 14:30 [sign,handle] green",
		})
		if d := v.Parts[0].HandleDue.In(worktime.China).Format("01-02 15:04"); d != "03-10 14:30" {
			t.Errorf("环卫's handling deadline after a day's suspension: %s, want 03-10 14:30", d)
		}
		r.Act("hw", "report_part", workflow.Input{Result: "已清运", Photos: []string{r.Photo()}})
		r.Act("zjj", "accept_part", workflow.Input{})
		r.Act("zjj", "report_part", workflow.Input{Result: "已加固", Photos: []string{r.Photo()}})
		r.Act("handler", "handle", workflow.Input{Result: "已拖离", Photos: []string{r.Photo()}})
		fail := false
		r.At("2026-03-10 11:30")
		v = r.Act("gridworker", "verify", workflow.Input{Pass: &fail, Note: "垃圾仍在"})
		wantParts(t, "rework", parts(v), map[string]string{
			hwDept:  "in_progress 11:30 14:30 [handle] green",
			zjjDept: "in_progress 11:30 14:30 [handle] green",
		})
		wantParts(t, "rework, stored", stored(t, db, r.ID), map[string]string{hwDept: "in_progress", zjjDept: "in_progress"})
		v = r.Act("handler", "return", workflow.Input{Reason: "应由交警处置"})
		if len(v.Parts) != 0 || len(stored(t, db, r.ID)) != 0 {
			t.Fatalf("after a return: parts %v, stored %v", v.Parts, stored(t, db, r.ID))
		}
		clocks, err := db.RunningClocks(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clocks {
			if c.Department != "" {
				t.Errorf("after a return %s's %s clock still runs", c.Department, c.Stage)
			}
		}
	})
}

// A part's overdue clock is announced once, to its co-department and the leaders, not to the
// lead department, whose own clocks are on time.
func TestPartDeadlinesNotifyTheirCoDepartment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jointRun(t, db, "2026-03-09 09:00")
		r.Act("operator", "register", workflow.Input{})
		r.At("2026-03-09 10:30")
		r.Act("dispatcher", "dispatch", workflow.Input{Department: leadDept, CoDepartments: []string{hwDept}})
		r.At("2026-03-09 10:40")
		r.Act("handler", "accept", workflow.Input{})
		if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil { // the dispatch's own notices
			t.Fatal(err)
		}
		r.At("2026-03-09 11:40") // 环卫 has not signed: its part's signing deadline (11:30) passed
		for range 2 {
			if _, err := r.A.Notices.SweepDeadlines(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		overdue := func(who string) []string {
			page, err := r.A.Notices.Notifications(ctx, apptest.As(t, db, who), false, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range page.Notifications {
				if n.Topic == "case.overdue" {
					out = append(out, n.Message)
				}
			}
			return out
		}
		if got := overdue("hw"); len(got) != 1 || !strings.Contains(got[0], "sign stage of "+hwDept+"'s part") {
			t.Errorf("环卫 heard %q, want one overdue notice of its part's signing", got)
		}
		if got := overdue("leader"); len(got) != 1 {
			t.Errorf("the leader heard %q, want the one overdue notice", got)
		}
		if got := overdue("handler"); len(got) != 0 {
			t.Errorf("the lead department heard %q of a co-department's lateness", got)
		}
	})
}

// A co-department's list pages through its own cases and those it holds a part of as one list,
// in order, newest first and by deadline.
func TestACoDepartmentsListPagesThroughBoth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := jointRun(t, db, "2026-03-09 09:00")
		p := apptest.PointIn(t, r.A, "410802001001001")
		var want []int64 // newest first
		for i := range 5 {
			*r.Now = r.Now.Add(time.Minute)
			in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			r.ID = in.ID
			r.Act("operator", "register", workflow.Input{})
			dispatch := workflow.Input{Department: hwDept} // 环卫 leads cases 0, 2 and 4 …
			if i%2 == 1 {
				dispatch = jointDispatch // … and holds a part of 1 and 3
			}
			r.Act("dispatcher", "dispatch", dispatch)
			want = append([]int64{in.ID}, want...)
		}
		for _, byDue := range []bool{false, true} {
			var got []int64
			f := cases.CaseFilter{Limit: 2, SortByDue: byDue}
			for page := 0; page < 5; page++ {
				pg, err := r.A.Cases.ListCases(ctx, apptest.As(t, db, "hw"), f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range pg.Cases {
					got = append(got, c.ID)
				}
				if f.Cursor = pg.Next; f.Cursor == "" {
					break
				}
			}
			w := want
			if byDue { // dispatched a minute apart with the same limit: oldest deadline first
				w = slices.Clone(want)
				slices.Reverse(w)
			}
			if !slices.Equal(got, w) {
				t.Errorf("by deadline %v: 环卫 pages through %v, want %v", byDue, got, w)
			}
		}
	})
}

// A reopened joint case sends every part to be signed for again, on new clocks.
func TestAReopenedJointCaseRestartsItsParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := jointRun(t, db, "2026-03-09 09:00")
		r.Act("operator", "register", workflow.Input{})
		r.Act("dispatcher", "dispatch", workflow.Input{Department: leadDept, CoDepartments: []string{hwDept}})
		r.Act("handler", "accept", workflow.Input{})
		r.Act("hw", "accept_part", workflow.Input{})
		r.Act("hw", "report_part", workflow.Input{Result: "已清运", Photos: []string{r.Photo()}})
		r.Act("handler", "handle", workflow.Input{Result: "已拖离", Photos: []string{r.Photo()}})
		pass := true
		r.Act("gridworker", "verify", workflow.Input{Pass: &pass})
		r.At("2026-03-10 09:00")
		v := r.Act("leader", "reopen", workflow.Input{Reason: "群众不满意"})
		wantParts(t, "reopened", parts(v), map[string]string{hwDept: "dispatched 10:00 11:00 [sign,handle] green"})
		if p := v.Parts[0]; p.Result != "" || p.ReportedBy != "" || !p.SignedAt.IsZero() || p.SignDue.In(worktime.China).Day() != 10 {
			t.Errorf("the reopened part kept its old report or deadline: %+v", p)
		}
		wantParts(t, "reopened, stored", stored(t, db, r.ID), map[string]string{hwDept: "dispatched"})
	})
}
