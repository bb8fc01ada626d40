package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// caseEvent is one line of a case's timeline as the API shows it.
type caseEvent struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Note   string    `json:"note"`
}

// nearbyCase is one possible duplicate offered at intake.
type nearbyCase struct {
	ID        int64   `json:"id"`
	Ticket    string  `json:"ticket"`
	DistanceM float64 `json:"distance_m"`
}

// caseBody is a case as POST /api/v1/cases (with the intake's extras), GET /api/v1/cases/{id}
// and POST /api/v1/cases/{id}/actions show it.
type caseBody struct {
	ID       int64  `json:"id"`
	Ticket   string `json:"ticket"`
	Status   string `json:"status"`
	Source   string `json:"source"`
	Category struct {
		Kind string `json:"kind"`
		Code string `json:"code"`
	} `json:"category"`
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
	Grid       ref     `json:"grid"`
	RegionPath []ref   `json:"region_path"`
	Holder     struct {
		Kind string `json:"kind"`
		Code string `json:"code"`
	} `json:"holder"`
	Department  string            `json:"department"`
	ClosureType string            `json:"closure_type"`
	Version     int               `json:"version"`
	Photos      []string          `json:"photos"`
	Contact     map[string]string `json:"contact"`
	Reporter    string            `json:"reporter"`
	Allowed     []string          `json:"allowed_actions"`
	Timeline    []caseEvent       `json:"timeline"`
	Clocks      []struct {
		Stage  string     `json:"stage"`
		Due    time.Time  `json:"due"`
		Light  string     `json:"light"`
		DoneAt *time.Time `json:"done_at"`
		OnTime *bool      `json:"on_time"`
	} `json:"clocks"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Only in the answer to a report.
	SuggestedDepartment *struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"suggested_department"`
	Duplicates []nearbyCase `json:"duplicates"`
}

func (c caseBody) actions() []string {
	out := []string{}
	for _, e := range c.Timeline {
		out = append(out, e.Action)
	}
	return out
}

var ticketPattern = regexp.MustCompile(`^\d{8}-\d{6}$`)

// shanyangDistrict is the demo's second district: out of scope for the 解放区 staff.
const shanyangDistrict = "410811"

// casePoint is a point of the unit grid code at least margin degrees inside its edges, so that
// points a few metres off (or converted to GCJ-02) stay in the grid.
func casePoint(t *testing.T, c *client, code string, margin float64) orb.Point {
	t.Helper()
	return pointWellInside(t, regionGeometry(t, c, code), margin)
}

// reportAt is a valid report of 09009 机动车乱停放 at p with the reporter's contact; changes
// replace fields, and a nil change removes one.
func reportAt(p orb.Point, changes map[string]any) map[string]any {
	body := map[string]any{
		"category":      "09009",
		"category_kind": "matter",
		"description":   "a car parked across the pavement",
		"lon":           p[0],
		"lat":           p[1],
		"address":       "民主路 1 号",
		"contact":       map[string]string{"name": "张三", "phone": "13800000000"},
	}
	for k, v := range changes {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	return body
}

// square is a GeoJSON Polygon of side 2d degrees centred on p.
func square(p orb.Point, d float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{
		{p[0] - d, p[1] - d}, {p[0] + d, p[1] - d}, {p[0] + d, p[1] + d}, {p[0] - d, p[1] + d}, {p[0] - d, p[1] - d},
	}}}
}

// fileCase posts a report that must be accepted and returns the case.
func fileCase(t *testing.T, c *client, body any) caseBody {
	t.Helper()
	r := c.do(t, "POST", "/api/v1/cases", body)
	wantStatus(t, r, http.StatusCreated)
	var out caseBody
	r.decode(t, &out)
	if out.ID <= 0 || !ticketPattern.MatchString(out.Ticket) {
		t.Fatalf("report answered id %d ticket %q: %s", out.ID, out.Ticket, r.Body)
	}
	return out
}

// actBody is the body of an action: {"action", "version", ...inputs}.
func actBody(action string, version int, inputs map[string]any) map[string]any {
	body := map[string]any{"action": action, "version": version}
	maps.Copy(body, inputs)
	return body
}

func actionsPath(id int64) string { return fmt.Sprintf("/api/v1/cases/%d/actions", id) }
func casePath(id int64) string    { return fmt.Sprintf("/api/v1/cases/%d", id) }

// workingCalendar is the default calendar, built here independently of the server's.
func workingCalendar(t *testing.T) *worktime.Calendar {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.New(worktime.Config{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// act performs an action that must succeed, at the case's current version, and returns the
// updated case from the answer.
func act(t *testing.T, c *client, cs caseBody, action string, inputs map[string]any) caseBody {
	t.Helper()
	r := c.do(t, "POST", actionsPath(cs.ID), actBody(action, cs.Version, inputs))
	wantStatus(t, r, http.StatusOK)
	var out caseBody
	r.decode(t, &out)
	if out.Version != cs.Version+1 {
		t.Errorf("%s: version %d → %d, want one higher", action, cs.Version, out.Version)
	}
	return out
}

// adminClient is the demo admin, signed in once per server, for looking at stored data.
func (ts *testServer) adminClient(t *testing.T) *client {
	t.Helper()
	if ts.admin == nil {
		ts.admin = ts.signedIn(t, "admin")
	}
	return ts.admin
}

// caseAsAdmin reads a case through the API as the city admin, who sees every case.
func (ts *testServer) caseAsAdmin(t *testing.T, id int64) caseBody {
	t.Helper()
	r := ts.adminClient(t).do(t, "GET", casePath(id), nil)
	wantStatus(t, r, http.StatusOK)
	var out caseBody
	r.decode(t, &out)
	return out
}

// caseFacts is what a refused request must leave as it was.
type caseFacts struct {
	Status  string
	Version int
	Events  int
}

// caseWorld is the stored data a refused case request must not change: the facts of the cases
// it might touch, how many cases there are, and the audit trail (and users).
type caseWorld struct {
	facts map[int64]caseFacts
	cases int
	snap  snapshot
}

func (ts *testServer) caseWorld(t *testing.T, day string, ids ...int64) caseWorld {
	t.Helper()
	w := caseWorld{facts: map[int64]caseFacts{}, cases: storedCases(t, ts.DB, day), snap: ts.snapshot(t)}
	for _, id := range ids {
		c := ts.caseAsAdmin(t, id)
		w.facts[id] = caseFacts{c.Status, c.Version, len(c.Timeline)}
	}
	return w
}

func (ts *testServer) wantSameWorld(t *testing.T, day string, before caseWorld) {
	t.Helper()
	ts.wantUnchanged(t, before.snap)
	if n := storedCases(t, ts.DB, day); n != before.cases {
		t.Errorf("stored cases: got %d, want %d", n, before.cases)
	}
	for id, want := range before.facts {
		c := ts.caseAsAdmin(t, id)
		if got := (caseFacts{c.Status, c.Version, len(c.Timeline)}); got != want {
			t.Errorf("case %d changed: got %+v, want %+v", id, got, want)
		}
	}
}

// storedCases counts the cases reported on day (YYYYMMDD) by asking the store for each ticket:
// tickets are numbered densely per day inside the report's own transaction, so the first number
// without a case is one past the count.
func storedCases(t *testing.T, db *store.DB, day string) int {
	t.Helper()
	for n := 1; ; n++ {
		_, err := db.CaseByTicket(t.Context(), fmt.Sprintf("%s-%06d", day, n))
		if errs.Is(err, errs.NotFound) {
			return n - 1
		}
		if err != nil {
			t.Fatalf("case by ticket: %v", err)
		}
	}
}

// rawCase reads a case as a JSON object, to see which members a viewer gets at all.
func rawCase(t *testing.T, c *client, id int64) (map[string]json.RawMessage, []byte) {
	t.Helper()
	r := c.do(t, "GET", casePath(id), nil)
	wantStatus(t, r, http.StatusOK)
	var out map[string]json.RawMessage
	r.decode(t, &out)
	return out, r.Body
}

// auditOf returns the audit records of action about case id.
func auditOf(t *testing.T, db *store.DB, action string, id int64) []string {
	t.Helper()
	var out []string
	for _, r := range auditRecords(t, db, action) {
		if r.Target == fmt.Sprintf("case:%d", id) {
			out = append(out, r.Actor+" "+r.RequestID)
		}
	}
	return out
}

func TestACaseRunsTheClosedLoopThroughTheAPIAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)

		type step struct {
			action, actor, requestID string
		}
		var (
			cs    caseBody
			steps []step
		)

		if !t.Run("a resident reports anonymously and learns the ticket, the grid and where the case goes", func(t *testing.T) {
			r := anon.do(t, "POST", "/api/v1/cases", reportAt(p, nil))
			wantStatus(t, r, http.StatusCreated)
			steps = append(steps, step{"report", "anonymous", r.Header.Get("X-Request-Id")})
			r.decode(t, &cs)
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			if cs.ID <= 0 {
				t.Errorf("id: got %d, want a positive id", cs.ID)
			}
			if !ticketPattern.MatchString(cs.Ticket) {
				t.Errorf("ticket: got %q, want YYYYMMDD-NNNNNN", cs.Ticket)
			}
			if cs.Status != "reported" || cs.Version != 1 || cs.Source != "resident" {
				t.Errorf("status %q version %d source %q, want reported, 1, resident", cs.Status, cs.Version, cs.Source)
			}
			if cs.Grid.Code != demo.GridWorkerGrid || cs.Grid.Name == "" {
				t.Errorf("grid: got %+v, want %s with its name", cs.Grid, demo.GridWorkerGrid)
			}
			if got := refCodes(cs.RegionPath); !slices.Equal(got, demoGridPath) {
				t.Errorf("region_path: got %v, want the 5 levels %v", got, demoGridPath)
			}
			for i, want := range []string{"city", "district", "subdistrict", "community", "grid"} {
				if i < len(cs.RegionPath) && (cs.RegionPath[i].Level != want || cs.RegionPath[i].Name == "") {
					t.Errorf("region_path[%d]: got %+v, want a named %s", i, cs.RegionPath[i], want)
				}
			}
			if d := cs.SuggestedDepartment; d == nil || d.Code != "410802-CGJ" || d.Name == "" {
				t.Errorf("suggested_department: got %+v, want 410802-CGJ with its name", d)
			}
			if dups := string(raw["duplicates"]); dups != "[]" {
				t.Errorf("duplicates: got %s, want []", dups)
			}
			if cs.Holder.Kind != "centre" || cs.Holder.Code != "410802001" {
				t.Errorf("holder: got %+v, want the centre of subdistrict 410802001", cs.Holder)
			}
			if _, ok := raw["contact"]; ok {
				t.Errorf("the anonymous reporter's answer shows the contact: %s", raw["contact"])
			}
		}) {
			t.FailNow()
		}

		t.Run("the answer to the report is the case as the centre then reads it", func(t *testing.T) {
			got := ts.caseAsAdmin(t, cs.ID)
			if got.Ticket != cs.Ticket || got.Status != cs.Status || got.Version != cs.Version || len(got.Timeline) != len(cs.Timeline) {
				t.Errorf("GET: ticket %s status %s version %d events %d; the 201 said %s %s %d %d",
					got.Ticket, got.Status, got.Version, len(got.Timeline), cs.Ticket, cs.Status, cs.Version, len(cs.Timeline))
			}
			if !got.CreatedAt.Equal(cs.CreatedAt) {
				t.Errorf("created_at: GET says %v, the 201 said %v", got.CreatedAt, cs.CreatedAt)
			}
			if !got.UpdatedAt.Equal(cs.UpdatedAt) {
				t.Errorf("updated_at: the 201 said %v, GET says %v", cs.UpdatedAt, got.UpdatedAt)
			}
		})

		t.Run("the operator's view offers register", func(t *testing.T) {
			r := operator.do(t, "GET", casePath(cs.ID), nil)
			wantStatus(t, r, http.StatusOK)
			var got caseBody
			r.decode(t, &got)
			if !slices.Contains(got.Allowed, "register") || !slices.Contains(got.Allowed, "reject") {
				t.Errorf("allowed_actions: got %v, want register and reject among them", got.Allowed)
			}
		})

		loop := []struct {
			name       string
			user       string
			action     string
			inputs     map[string]any
			status     string
			holderKind string
			holderCode string
		}{
			{"the operator registers it", "operator", "register", nil, "registered", "centre", "410802001"},
			{"the dispatcher dispatches it without naming a department, so to the rule's", "dispatcher", "dispatch", nil, "dispatched", "department", "410802-CGJ"},
			{"the handler signs for it", "handler", "accept", nil, "in_progress", "department", "410802-CGJ"},
			{"the handler reports it handled with a result and a photo", "handler", "handle",
				map[string]any{"result": "the car was towed away", "photos": []string{ts.photo(t, 1)}}, "handled", "gridworker", demo.GridWorkerGrid},
			{"the grid worker verifies it on site and it closes", "gridworker", "verify",
				map[string]any{"pass": true, "note": "the pavement is clear"}, "closed", "", ""},
		}
		for _, s := range loop {
			if !t.Run(s.name, func(t *testing.T) {
				r := ts.signedIn(t, s.user).do(t, "POST", actionsPath(cs.ID), actBody(s.action, cs.Version, s.inputs))
				wantStatus(t, r, http.StatusOK)
				steps = append(steps, step{s.action, s.user, r.Header.Get("X-Request-Id")})
				var got caseBody
				r.decode(t, &got)
				if got.ID != cs.ID || got.Status != s.status || got.Version != cs.Version+1 {
					t.Errorf("answer: case %d status %q version %d, want case %d %s version %d", got.ID, got.Status, got.Version, cs.ID, s.status, cs.Version+1)
				}
				if got.Holder.Kind != s.holderKind || got.Holder.Code != s.holderCode {
					t.Errorf("holder: got %+v, want %s %s", got.Holder, s.holderKind, s.holderCode)
				}
				if s.action != "register" && got.Department != "410802-CGJ" {
					t.Errorf("department: got %q, want 410802-CGJ", got.Department)
				}
				// Each stage runs its clock; handling 机动车乱停放 has 2 working hours from dispatch.
				var stages []string
				for _, c := range got.Clocks {
					if c.DoneAt != nil {
						// Finished stages stay on the record, each saying whether it ended in time.
						if c.OnTime == nil || c.Light != "" {
							t.Errorf("finished %s clock: on_time %v, light %q; want on_time and no light", c.Stage, c.OnTime, c.Light)
						}
						continue
					}
					stages = append(stages, c.Stage)
					if c.Stage == "handle" {
						if want := workingCalendar(t).Deadline(got.UpdatedAt, worktime.Limit{Value: 2, Unit: worktime.WorkHour}); !c.Due.Equal(want) {
							t.Errorf("handling deadline %v, want 2 working hours after dispatch: %v", c.Due, want)
						}
					}
				}
				if want := map[string][]string{"register": {"dispatch"}, "dispatch": {"sign", "handle"}, "accept": {"handle"}, "handle": {"verify"}}[s.action]; !slices.Equal(stages, want) {
					t.Errorf("running clocks %v, want %v", stages, want)
				}
				cs = got
			}) {
				t.FailNow()
			}
		}

		t.Run("the closed case is a normal closure", func(t *testing.T) {
			got := ts.caseAsAdmin(t, cs.ID)
			if got.Status != "closed" || got.ClosureType != "normal" || got.Version != 6 {
				t.Errorf("status %q closure_type %q version %d, want closed, normal, 6", got.Status, got.ClosureType, got.Version)
			}
		})

		t.Run("the timeline holds the six events with their actors and transitions", func(t *testing.T) {
			r := operator.do(t, "GET", casePath(cs.ID), nil)
			wantStatus(t, r, http.StatusOK)
			var got caseBody
			r.decode(t, &got)
			want := []caseEvent{
				{Actor: "anonymous", Action: "report", From: "", To: "reported"},
				{Actor: "operator", Action: "register", From: "reported", To: "registered"},
				{Actor: "dispatcher", Action: "dispatch", From: "registered", To: "dispatched"},
				{Actor: "handler", Action: "accept", From: "dispatched", To: "in_progress"},
				{Actor: "handler", Action: "handle", From: "in_progress", To: "handled"},
				{Actor: "gridworker", Action: "verify", From: "handled", To: "closed"},
			}
			if len(got.Timeline) != len(want) {
				t.Fatalf("timeline: got %d events %v, want 6", len(got.Timeline), got.actions())
			}
			for i, e := range got.Timeline {
				if e.Actor != want[i].Actor || e.Action != want[i].Action || e.From != want[i].From || e.To != want[i].To {
					t.Errorf("event %d: got %s %s %q→%q, want %s %s %q→%q", i, e.Actor, e.Action, e.From, e.To,
						want[i].Actor, want[i].Action, want[i].From, want[i].To)
				}
				if e.At.IsZero() {
					t.Errorf("event %d (%s) has no time", i, e.Action)
				}
			}
			if n := got.Timeline[4].Note; !strings.Contains(n, "towed") {
				t.Errorf("the handle event's note: got %q, want the result", n)
			}
		})

		t.Run("a case under an auto rule is dispatched the moment it is registered", func(t *testing.T) {
			// Demo rule: 06010 (exposed garbage) in 解放区 goes to sanitation automatically.
			garbage := fileCase(t, anon, reportAt(p, map[string]any{"category": "06010", "description": "rubbish heaped by the gate"}))
			if d := garbage.SuggestedDepartment; d == nil || d.Code != "410802-HW" {
				t.Fatalf("suggested_department: got %+v, want 410802-HW", d)
			}
			r := operator.do(t, "POST", actionsPath(garbage.ID), actBody("register", garbage.Version, nil), "X-Request-Id", "register-garbage-1")
			wantStatus(t, r, http.StatusOK)
			var got caseBody
			r.decode(t, &got)
			if got.Status != "dispatched" || got.Department != "410802-HW" || got.Version != 3 {
				t.Errorf("after register: %s to %q v%d, want dispatched to 410802-HW v3", got.Status, got.Department, got.Version)
			}
			if want := []string{"report", "register", "dispatch"}; !slices.Equal(got.actions(), want) {
				t.Fatalf("timeline: got %v, want %v", got.actions(), want)
			}
			if e := got.Timeline[2]; e.Actor != "system:auto-dispatch" || e.From != "registered" || e.To != "dispatched" {
				t.Errorf("dispatch event: got %+v, want system:auto-dispatch registered→dispatched", e)
			}
			if recs := auditOf(t, db, "case.dispatch", garbage.ID); !slices.Equal(recs, []string{"system:auto-dispatch register-garbage-1"}) {
				t.Errorf("case.dispatch audit records: got %q, want the auto-dispatch under the register's request id", recs)
			}
		})

		t.Run("the anonymous caller cannot read the case back", func(t *testing.T) {
			wantError(t, anon.do(t, "GET", casePath(cs.ID), nil), http.StatusNotFound, "not_found")
		})

		t.Run("every action has one audit record with its request's id, and the trail verifies", func(t *testing.T) {
			if len(steps) != 6 {
				t.Fatalf("steps recorded: %d, want 6", len(steps))
			}
			seen := map[string]bool{}
			for _, s := range steps {
				if s.requestID == "" || seen[s.requestID] {
					t.Errorf("%s: X-Request-Id %q is empty or repeated", s.action, s.requestID)
				}
				seen[s.requestID] = true
				got := auditOf(t, db, "case."+s.action, cs.ID)
				if want := []string{s.actor + " " + s.requestID}; !slices.Equal(got, want) {
					t.Errorf("audit records case.%s of case %d: got %q, want %q", s.action, cs.ID, got, want)
				}
			}
			if _, err := ts.App.VerifyAudit(t.Context()); err != nil {
				t.Errorf("VerifyAudit: %v", err)
			}
		})
	})
}

func TestRefusedCaseActionsChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		if _, err := ts.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{
			Username: "shanyang-operator", Role: "operator", Scope: shanyangDistrict, Password: "shanyang-password",
		}); err != nil {
			t.Fatalf("add the 山阳区 operator: %v", err)
		}
		shanyang := ts.anonymous()
		wantStatus(t, shanyang.login(t, "shanyang-operator", "shanyang-password"), http.StatusOK)
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		dispatcher := ts.signedIn(t, "dispatcher")
		handler := ts.signedIn(t, "handler")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)

		// reported waits for the centre; working has been signed for by the handler (version 4).
		reported := fileCase(t, anon, reportAt(p, nil))
		working := fileCase(t, anon, reportAt(p, map[string]any{"description": "a van on the zebra crossing"}))
		working = act(t, operator, working, "register", nil)
		working = act(t, dispatcher, working, "dispatch", map[string]any{"department": "410802-CGJ"})
		working = act(t, handler, working, "accept", nil)
		day := reported.Ticket[:8]
		handled := map[string]any{"result": "towed", "photos": []string{ts.photo(t, 2)}}
		huge := `{"action": "comment", "version": 1, "note": "` + strings.Repeat("a", 1<<20) + `"}`

		refusals := []struct {
			name    string
			caller  *client
			method  string
			path    string
			body    any
			status  int
			code    string
			mention string // the message must name this
		}{
			// A handler sees only its department's cases, so a case not dispatched to it does
			// not exist for it: the code answers 404 (DESIGN §1: "403 (or 404 where existence
			// itself is private)"), as its GET does.
			{"a handler acting on a reported case is not_found, as for its GET", handler, "POST", actionsPath(reported.ID),
				actBody("accept", 1, nil), 404, "not_found", ""},
			{"a handler cannot read a reported case", handler, "GET", casePath(reported.ID), nil, 404, "not_found", ""},
			{"a handler may not register, even a case of its department", handler, "POST", actionsPath(working.ID),
				actBody("register", 4, nil), 403, "forbidden", "handler"},
			{"a handler may not verify its own work", handler, "POST", actionsPath(working.ID),
				actBody("verify", 4, map[string]any{"pass": true}), 403, "forbidden", "handler"},
			{"the operator may not accept for the department", operator, "POST", actionsPath(working.ID),
				actBody("accept", 4, nil), 403, "forbidden", "operator"},
			{"accepting twice is wrong_state naming the actions allowed now", handler, "POST", actionsPath(working.ID),
				actBody("accept", 4, nil), 409, "wrong_state", "allowed now: return, handle"},
			{"registering a dispatched case is wrong_state", operator, "POST", actionsPath(working.ID),
				actBody("register", 4, nil), 409, "wrong_state", "in_progress"},
			{"a stale version is version_conflict", handler, "POST", actionsPath(working.ID),
				actBody("handle", 3, handled), 409, "version_conflict", "version 4"},
			{"a version from the future is version_conflict", handler, "POST", actionsPath(working.ID),
				actBody("handle", 5, handled), 409, "version_conflict", ""},
			{"an unknown action is invalid", operator, "POST", actionsPath(reported.ID),
				actBody("fly", 1, nil), 422, "invalid", "fly"},
			{"a missing action is invalid", operator, "POST", actionsPath(reported.ID),
				map[string]any{"version": 1}, 422, "invalid", "action"},
			{"report is no action on an existing case", operator, "POST", actionsPath(reported.ID),
				actBody("report", 1, nil), 422, "invalid", "report a new case"},
			{"handling without a photo is invalid", handler, "POST", actionsPath(working.ID),
				actBody("handle", 4, map[string]any{"result": "towed"}), 422, "invalid", "photo"},
			{"handling without a result is invalid", handler, "POST", actionsPath(working.ID),
				actBody("handle", 4, map[string]any{"photos": []string{ts.photo(t, 2)}}), 422, "invalid", "result"},
			{"rejecting without a reason code is invalid", operator, "POST", actionsPath(reported.ID),
				actBody("reject", 1, map[string]any{"reason": "nothing there"}), 422, "invalid", "reject_reason"},
			{"dispatching to an unknown department is invalid", dispatcher, "POST", actionsPath(reported.ID),
				actBody("dispatch", 1, map[string]any{"department": "NOPE"}), 422, "invalid", "NOPE"},
			{"an operator of 山阳区 cannot read a case in 解放区", shanyang, "GET", casePath(reported.ID), nil, 404, "not_found", ""},
			{"an operator of 山阳区 acting on a case in 解放区 is not_found", shanyang, "POST", actionsPath(reported.ID),
				actBody("register", 1, nil), 404, "not_found", ""},
			{"an anonymous caller acting on a case is not_found", anon, "POST", actionsPath(reported.ID),
				actBody("register", 1, nil), 404, "not_found", ""},
			{"malformed JSON is malformed_json", operator, "POST", actionsPath(reported.ID),
				`{"action": "register",`, 400, "malformed_json", ""},
			{"a version that is a string is wrong_type", operator, "POST", actionsPath(reported.ID),
				`{"action": "register", "version": "1"}`, 400, "wrong_type", "version"},
			{"a body over 1 MiB is too_large", operator, "POST", actionsPath(reported.ID), huge, 413, "too_large", ""},
			{"acting on case abc is not_found", operator, "POST", "/api/v1/cases/abc/actions", actBody("register", 1, nil), 404, "not_found", ""},
			{"acting on case 999999 is not_found", operator, "POST", actionsPath(999999), actBody("register", 1, nil), 404, "not_found", ""},
			{"acting on case 0 is not_found", operator, "POST", actionsPath(0), actBody("register", 1, nil), 404, "not_found", ""},
			{"reading case abc is not_found", operator, "GET", "/api/v1/cases/abc", nil, 404, "not_found", ""},
			{"reading case 999999 is not_found", operator, "GET", casePath(999999), nil, 404, "not_found", ""},
		}
		for _, tc := range refusals {
			t.Run(tc.name+" and nothing changes", func(t *testing.T) {
				before := ts.caseWorld(t, day, reported.ID, working.ID)
				r := tc.caller.do(t, tc.method, tc.path, tc.body)
				if r.Status == http.StatusOK {
					t.Fatalf("refused request answered 200: %s", r.Body)
				}
				if msg := wantError(t, r, tc.status, tc.code); !strings.Contains(msg, tc.mention) {
					t.Errorf("message: got %q, want it to mention %q", msg, tc.mention)
				}
				ts.wantSameWorld(t, day, before)
			})
		}

		// These refusals each get a case of their own, so that a wrongly accepted action cannot
		// spoil the other rows' case.
		fresh := []struct {
			name   string
			inputs func(own caseBody) map[string]any
			action string
			status int
			code   string
		}{
			{"registering with a correction to a category that does not exist is invalid",
				func(caseBody) map[string]any { return map[string]any{"category": "99999"} }, "register", 422, "invalid"},
			{"registering as a component that does not exist is invalid",
				func(caseBody) map[string]any { return map[string]any{"kind": "component"} }, "register", 422, "invalid"},
			{"rejecting as a duplicate of a ticket that does not exist is invalid",
				func(caseBody) map[string]any {
					return map[string]any{"reject_reason": "duplicate", "merged_into": "20000101-000001", "reason": "seen before"}
				}, "reject", 422, "invalid"},
			{"rejecting a case as a duplicate of itself is invalid",
				func(own caseBody) map[string]any {
					return map[string]any{"reject_reason": "duplicate", "merged_into": own.Ticket, "reason": "seen before"}
				}, "reject", 422, "invalid"},
		}
		for _, tc := range fresh {
			t.Run(tc.name+" and nothing changes", func(t *testing.T) {
				own := fileCase(t, anon, reportAt(p, map[string]any{"description": tc.name}))
				before := ts.caseWorld(t, day, own.ID)
				r := operator.do(t, "POST", actionsPath(own.ID), actBody(tc.action, own.Version, tc.inputs(own)))
				wantError(t, r, tc.status, tc.code)
				ts.wantSameWorld(t, day, before)
			})
		}

		t.Run("the refused requests left both cases where they were", func(t *testing.T) {
			if got := ts.caseAsAdmin(t, reported.ID); got.Status != "reported" || got.Version != 1 || len(got.Timeline) != 1 {
				t.Errorf("reported case: %s v%d with %d events", got.Status, got.Version, len(got.Timeline))
			}
			if got := ts.caseAsAdmin(t, working.ID); got.Status != "in_progress" || got.Version != 4 || len(got.Timeline) != 4 {
				t.Errorf("working case: %s v%d with %d events", got.Status, got.Version, len(got.Timeline))
			}
		})
	})
}

// raced is one answer in a race.
type raced struct {
	status int
	code   string // the error code, if any
	body   []byte
}

// race sends n copies of a JSON request through c at once and returns the answers.
func race(t *testing.T, c *client, n int, method, path string, body any) []raced {
	t.Helper()
	return raceEach(t, c, n, method, path, func(int) any { return body })
}

// raceEach sends n JSON requests through c at once, the i-th with body(i), and returns the
// answers.
func raceEach(t *testing.T, c *client, n int, method, path string, body func(i int) any) []raced {
	t.Helper()
	payloads := make([][]byte, n)
	for i := range n {
		var err error
		if payloads[i], err = json.Marshal(body(i)); err != nil {
			t.Fatal(err)
		}
	}
	answers := make([]raced, n)
	failures := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), method, c.base+path, bytes.NewReader(payloads[i]))
			if err != nil {
				failures[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			<-start
			resp, err := c.hc.Do(req)
			if err != nil {
				failures[i] = err
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			if _, err := b.ReadFrom(resp.Body); err != nil {
				failures[i] = err
				return
			}
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			_ = json.Unmarshal(b.Bytes(), &e)
			answers[i] = raced{status: resp.StatusCode, code: e.Error.Code, body: b.Bytes()}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range failures {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return answers
}

func TestConcurrentCaseRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		dispatcher := ts.signedIn(t, "dispatcher")
		handler := ts.signedIn(t, "handler") // one browser session shared by fifty tabs
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		dispatched := func(t *testing.T) caseBody {
			t.Helper()
			cs := fileCase(t, anon, reportAt(p, nil))
			cs = act(t, operator, cs, "register", nil)
			cs = act(t, dispatcher, cs, "dispatch", nil)
			if cs.Status != "dispatched" || cs.Version != 3 {
				t.Fatalf("fixture: %s v%d, want dispatched v3", cs.Status, cs.Version)
			}
			return cs
		}

		for _, tc := range []struct {
			name string
			body func(cs caseBody) map[string]any
		}{
			{"of fifty accepts with the version they saw, exactly one wins",
				func(cs caseBody) map[string]any { return actBody("accept", cs.Version, nil) }},
			// Without a version only the store's guarded update stands between the racers.
			{"of fifty accepts without a version, exactly one wins",
				func(caseBody) map[string]any { return map[string]any{"action": "accept"} }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cs := dispatched(t)
				tally := map[string]int{}
				for _, a := range race(t, handler, 50, "POST", actionsPath(cs.ID), tc.body(cs)) {
					tally[fmt.Sprintf("%d %s", a.status, a.code)]++
				}
				t.Logf("answers: %v", tally)
				for k, n := range tally {
					if k != "200 " && k != "409 wrong_state" && k != "409 version_conflict" {
						t.Errorf("%d answers %q: want only 200, or 409 wrong_state or version_conflict", n, k)
					}
				}
				if tally["200 "] != 1 {
					t.Errorf("successful accepts: got %d, want exactly 1", tally["200 "])
				}
				got := ts.caseAsAdmin(t, cs.ID)
				if got.Status != "in_progress" || got.Version != cs.Version+1 {
					t.Errorf("after the race: %s v%d, want in_progress v%d", got.Status, got.Version, cs.Version+1)
				}
				accepts := 0
				for _, e := range got.Timeline {
					if e.Action == "accept" {
						accepts++
					}
				}
				if accepts != 1 || len(got.Timeline) != 4 {
					t.Errorf("timeline: %d accept events in %v, want exactly one in 4 events", accepts, got.actions())
				}
				if recs := auditOf(t, db, "case.accept", cs.ID); len(recs) != 1 {
					t.Errorf("case.accept audit records: got %d, want 1", len(recs))
				}
				if _, err := ts.App.VerifyAudit(t.Context()); err != nil {
					t.Errorf("VerifyAudit: %v", err)
				}
			})
		}

		t.Run("twenty reports at once get twenty distinct tickets, all stored", func(t *testing.T) {
			day := fileCase(t, anon, reportAt(p, nil)).Ticket[:8]
			before := storedCases(t, db, day)
			tickets := map[string]bool{}
			for _, a := range race(t, anon, 20, "POST", "/api/v1/cases", reportAt(p, nil)) {
				if a.status != http.StatusCreated {
					t.Fatalf("report: %d %s", a.status, a.body)
				}
				var c caseBody
				if err := json.Unmarshal(a.body, &c); err != nil {
					t.Fatal(err)
				}
				if !ticketPattern.MatchString(c.Ticket) || tickets[c.Ticket] {
					t.Errorf("ticket %q is malformed or repeated", c.Ticket)
				}
				tickets[c.Ticket] = true
			}
			if after := storedCases(t, db, day); after != before+20 {
				t.Errorf("stored cases: %d → %d, want 20 more", before, after)
			}
		})
	})
}

// TestVersionlessActionsTakeTurns: actions sent without a version (a comment, a "me too") mean
// "on the case as it is", so many at once on one case all succeed, one after the other,
// instead of failing each other's version check (on PostgreSQL 33 of 50 supports got 409).
func TestVersionlessActionsTakeTurns(t *testing.T) {
	const n = 50
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Fifty devices behind one address: more than an address may support an hour by default.
		ts := newServerWith(t, db, app.Options{SupportsPerAddress: n})
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		for _, tc := range []struct {
			name   string
			who    *client
			body   func(i int) any
			action string
		}{
			{"fifty anonymous supports from fifty devices all count", anon,
				func(i int) any {
					return map[string]any{"action": "support", "supporter": fmt.Sprintf("device:%032d", i)}
				}, "support"},
			{"fifty comments by one operator are all on the timeline", operator,
				func(i int) any { return map[string]any{"action": "comment", "note": fmt.Sprintf("comment %d", i)} }, "comment"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cs := fileCase(t, anon, reportAt(p, nil))
				tally := map[string]int{}
				for _, a := range raceEach(t, tc.who, n, "POST", actionsPath(cs.ID), tc.body) {
					tally[fmt.Sprintf("%d %s", a.status, a.code)]++
				}
				if tally["200 "] != n {
					t.Errorf("answers: %v, want %d × 200", tally, n)
				}
				got := ts.caseAsAdmin(t, cs.ID)
				events := 0
				for _, e := range got.Timeline {
					if e.Action == tc.action {
						events++
					}
				}
				if events != n || got.Version != cs.Version+n {
					t.Errorf("after the race: %d %s events, version %d; want %d events, version %d", events, tc.action, got.Version, n, cs.Version+n)
				}
				if tc.action == "support" {
					var v struct {
						Counters struct{ Supports int } `json:"counters"`
					}
					r := ts.adminClient(t).do(t, "GET", casePath(cs.ID), nil)
					wantStatus(t, r, http.StatusOK)
					r.decode(t, &v)
					if v.Counters.Supports != n {
						t.Errorf("supports counted: %d, want %d", v.Counters.Supports, n)
					}
				}
				if recs := auditOf(t, db, "case."+tc.action, cs.ID); len(recs) != n {
					t.Errorf("case.%s audit records: %d, want %d", tc.action, len(recs), n)
				}
			})
		}
	})
}

// TestAnonymousSupportsAreLimitedPerAddress: the front door hands the client's address to the
// use case, which counts "me too"s from it: past the limit the answer is 429 with when to try
// again, and the case is unchanged.
func TestAnonymousSupportsAreLimitedPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServerWith(t, db, app.Options{SupportsPerAddress: 2})
		anon := ts.anonymous()
		cs := fileCase(t, anon, reportAt(casePoint(t, anon, demo.GridWorkerGrid, 0.0005), nil))
		for i := range 2 {
			r := anon.do(t, "POST", actionsPath(cs.ID), map[string]any{"action": "support", "supporter": fmt.Sprintf("device:%d", i)})
			wantStatus(t, r, http.StatusOK)
		}
		r := anon.do(t, "POST", actionsPath(cs.ID), map[string]any{"action": "support", "supporter": "device:3"})
		wantError(t, r, http.StatusTooManyRequests, "too_many_requests")
		if after := r.Header.Get("Retry-After"); after == "" || after == "0" {
			t.Errorf("Retry-After %q, want the seconds until the window ends", after)
		}
		if got := ts.caseAsAdmin(t, cs.ID); got.Version != cs.Version+2 {
			t.Errorf("version %d, want %d: the throttled support changed the case", got.Version, cs.Version+2)
		}
	})
}

func TestIntakeChecksEveryInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		if _, err := ts.App.Settings.ImportCategories(t.Context(), access.SystemPrincipal("test"), []workflow.Category{
			{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", Public: false, VerificationRequired: true},
		}); err != nil {
			t.Fatalf("import a non-public category: %v", err)
		}
		anon := ts.anonymous()
		resident := ts.signedIn(t, "resident")
		operator := ts.signedIn(t, "operator")
		gridworker := ts.signedIn(t, "gridworker")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		day := fileCase(t, anon, reportAt(p, nil)).Ticket[:8]
		point := map[string]any{"type": "Point", "coordinates": []float64{p[0], p[1]}}
		offGlobe := map[string]any{"type": "LineString", "coordinates": [][]float64{{p[0], 91}, {p[0], p[1]}}}

		refusals := []struct {
			name    string
			caller  *client
			changes map[string]any
			status  int
			code    string
			mention string
		}{
			{"a report without lon and lat is invalid", anon, map[string]any{"lon": nil, "lat": nil}, 422, "invalid", "lon"},
			{"a report without lat is invalid", anon, map[string]any{"lat": nil}, 422, "invalid", "lat"},
			{"lat 91 is off the globe", anon, map[string]any{"lat": 91}, 422, "invalid", ""},
			{"lon -180.5 is off the globe", anon, map[string]any{"lon": -180.5}, 422, "invalid", ""},
			{"a point far outside the city is outside_area", anon, map[string]any{"lon": 0, "lat": 0}, 404, "outside_area", ""},
			{"an unknown category is invalid", anon, map[string]any{"category": "99999"}, 422, "invalid", "99999"},
			{"a missing category is invalid", anon, map[string]any{"category": nil}, 422, "invalid", ""},
			{"09009 is a matter, not a component", anon, map[string]any{"category_kind": "component"}, 422, "invalid", "09009"},
			{"an unknown category kind is invalid", anon, map[string]any{"category_kind": "event"}, 422, "invalid", ""},
			{"a missing category kind is invalid", anon, map[string]any{"category_kind": nil}, 422, "invalid", ""},
			{"the public cannot report a non-public category", anon, map[string]any{"category": "99001"}, 422, "invalid", "99001"},
			{"a signed-in resident cannot report a non-public category", resident, map[string]any{"category": "99001"}, 422, "invalid", "99001"},
			{"lon/lat and a geometry together are invalid", anon, map[string]any{"geometry": square(p, 0.0001)}, 422, "invalid", "geometry"},
			{"a Point geometry is invalid: send lon/lat", anon, map[string]any{"lon": nil, "lat": nil, "geometry": point}, 422, "invalid", "Point"},
			{"a geometry off the globe is invalid", anon, map[string]any{"lon": nil, "lat": nil, "geometry": offGlobe}, 422, "invalid", ""},
			{"an anonymous resident cannot claim the hotline as source", anon, map[string]any{"source": "hotline"}, 403, "forbidden", "hotline"},
			{"a signed-in resident cannot claim the hotline as source", resident, map[string]any{"source": "hotline"}, 403, "forbidden", "hotline"},
			{"an unknown source is invalid", operator, map[string]any{"source": "fax"}, 422, "invalid", "fax"},
			{"an unknown urgency is invalid", anon, map[string]any{"urgency": "asap"}, 422, "invalid", "asap"},
			{"an unknown coordinate system is invalid", anon, map[string]any{"crs": "epsg4326"}, 422, "invalid", "epsg4326"},
			{"a report without description or photo is invalid", anon, map[string]any{"description": nil}, 422, "invalid", "description"},
			{"a blank description is no description", anon, map[string]any{"description": "   "}, 422, "invalid", "description"},
			{"an action other than report or self_handle is invalid", operator, map[string]any{"action": "dispatch"}, 422, "invalid", "dispatch"},
			{"an empty photo reference is invalid", anon, map[string]any{"photos": []string{""}}, 422, "invalid", "photo"},
			{"a category of the wrong type is wrong_type", anon, map[string]any{"category": 9009}, 400, "wrong_type", "category"},
			{"a description over 2000 characters is invalid", anon, map[string]any{"description": strings.Repeat("长", 2001)}, 422, "invalid", "2000"},
			{"a contact over 200 characters is invalid", anon, map[string]any{"contact": map[string]string{"name": strings.Repeat("名", 201)}}, 422, "invalid", "contact"},
			{"twenty-one photos are too many", anon, map[string]any{"photos": slices.Repeat([]string{"att"}, 21)}, 422, "invalid", "photos"},
		}
		// Geometries with no point at all: there is nothing to locate, which is bad input, not a
		// place outside the city.
		empty := map[string]string{
			"an empty LineString":          `{"type": "LineString", "coordinates": []}`,
			"a Polygon without rings":      `{"type": "Polygon", "coordinates": []}`,
			"a Polygon with an empty ring": `{"type": "Polygon", "coordinates": [[]]}`,
		}
		for name, g := range empty {
			refusals = append(refusals, struct {
				name    string
				caller  *client
				changes map[string]any
				status  int
				code    string
				mention string
			}{name + " is invalid", anon, map[string]any{"lon": nil, "lat": nil, "geometry": json.RawMessage(g)}, 422, "invalid", "geometry"})
		}
		for _, tc := range refusals {
			t.Run(tc.name+" and no case is stored", func(t *testing.T) {
				before := ts.caseWorld(t, day)
				r := tc.caller.do(t, "POST", "/api/v1/cases", reportAt(p, tc.changes))
				if msg := wantError(t, r, tc.status, tc.code); !strings.Contains(msg, tc.mention) {
					t.Errorf("message: got %q, want it to mention %q", msg, tc.mention)
				}
				ts.wantSameWorld(t, day, before)
			})
		}

		for _, tc := range []struct {
			name   string
			body   string
			status int
			code   string
		}{
			{"malformed JSON", `{"category": "09009",`, 400, "malformed_json"},
			{"a JSON array", `[]`, 400, "malformed_json"},
			{"a body over 1 MiB", `{"category": "09009", "description": "` + strings.Repeat("a", 1<<20) + `"}`, 413, "too_large"},
		} {
			t.Run("a report of "+tc.name+" is "+tc.code+" and stores nothing", func(t *testing.T) {
				before := ts.caseWorld(t, day)
				wantError(t, anon.do(t, "POST", "/api/v1/cases", tc.body), tc.status, tc.code)
				ts.wantSameWorld(t, day, before)
			})
		}

		gcjLon, gcjLat := crs.WGS84ToGCJ02(p[0], p[1])
		line := map[string]any{"type": "LineString", "coordinates": [][]float64{{p[0] - 0.0002, p[1]}, {p[0] + 0.0002, p[1]}}}
		accepted := []struct {
			name    string
			caller  *client
			changes map[string]any
			source  string
		}{
			{"a GCJ-02 point lands in the same grid, stored in WGS-84", anon, map[string]any{"lon": gcjLon, "lat": gcjLat, "crs": "gcj02"}, "resident"},
			{"a Polygon instead of lon/lat is located by its centroid", anon, map[string]any{"lon": nil, "lat": nil, "geometry": square(p, 0.0002)}, "resident"},
			{"a LineString instead of lon/lat is located by its midpoint", anon, map[string]any{"lon": nil, "lat": nil, "geometry": line}, "resident"},
			{"a photo alone needs no description", anon, map[string]any{"description": nil, "photos": []string{ts.photo(t, 3)}}, "resident"},
			{"a resident may say source resident", resident, map[string]any{"source": "resident"}, "resident"},
			{"staff may report a non-public category", operator, map[string]any{"category": "99001"}, "instruction"},
			{"an operator may file a hotline call", operator, map[string]any{"source": "hotline"}, "hotline"},
			{"a grid worker's report comes from patrol", gridworker, nil, "patrol"},
		}
		for _, tc := range accepted {
			t.Run(tc.name, func(t *testing.T) {
				before := storedCases(t, db, day)
				got := fileCase(t, tc.caller, reportAt(p, tc.changes))
				if got.Grid.Code != demo.GridWorkerGrid || got.Status != "reported" || got.Source != tc.source {
					t.Errorf("grid %s status %s source %s, want %s reported %s", got.Grid.Code, got.Status, got.Source, demo.GridWorkerGrid, tc.source)
				}
				if d := max(abs(got.Lon-p[0]), abs(got.Lat-p[1])); d > 1e-6 {
					t.Errorf("stored point (%v, %v), want (%v, %v) in WGS-84 (off by %g°)", got.Lon, got.Lat, p[0], p[1], d)
				}
				if after := storedCases(t, db, day); after != before+1 {
					t.Errorf("stored cases: %d → %d, want one more", before, after)
				}
			})
		}
	})
}

func TestReportOffersOpenCasesNearbyAsDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.001)
		nearby := orb.Point{p[0], p[1] + 0.00003} // about 3.3 m north
		farther := orb.Point{p[0], p[1] + 0.0006} // about 67 m north

		first := fileCase(t, anon, reportAt(p, nil))
		if len(first.Duplicates) != 0 {
			t.Fatalf("the first report has duplicates: %+v", first.Duplicates)
		}
		var second caseBody

		t.Run("a second report a few metres away lists the first", func(t *testing.T) {
			second = fileCase(t, anon, reportAt(nearby, map[string]any{"description": "the same car, seen again"}))
			if len(second.Duplicates) != 1 {
				t.Fatalf("duplicates: got %+v, want the first case", second.Duplicates)
			}
			d := second.Duplicates[0]
			if d.ID != first.ID || d.Ticket != first.Ticket || d.DistanceM <= 0 || d.DistanceM >= 50 {
				t.Errorf("duplicate: got %+v, want case %d %s under 50 m away", d, first.ID, first.Ticket)
			}
			if d.DistanceM < 2 || d.DistanceM > 5 {
				t.Errorf("distance_m: got %v, want about 3.3", d.DistanceM)
			}
		})

		t.Run("a different category at the same spot has no duplicate", func(t *testing.T) {
			got := fileCase(t, anon, reportAt(p, map[string]any{"category": "09010", "description": "bicycles heaped on the pavement"}))
			if len(got.Duplicates) != 0 {
				t.Errorf("duplicates: got %+v, want none", got.Duplicates)
			}
		})

		t.Run("the same category 67 m away has no duplicate", func(t *testing.T) {
			got := fileCase(t, anon, reportAt(farther, nil))
			if len(got.Duplicates) != 0 {
				t.Errorf("duplicates: got %+v, want none beyond 50 m", got.Duplicates)
			}
		})

		t.Run("once the centre rejects both, a third report has no duplicate", func(t *testing.T) {
			if second.ID == 0 {
				t.Fatal("the subtest before did not file a second case")
			}
			rejected := act(t, operator, second, "reject", map[string]any{"reject_reason": "duplicate", "merged_into": first.Ticket, "reason": "already reported"})
			if rejected.Status != "rejected" {
				t.Fatalf("second case: %s, want rejected", rejected.Status)
			}
			first = ts.caseAsAdmin(t, first.ID) // the second's reporter joined it: a new version
			rejected = act(t, operator, first, "reject", map[string]any{"reject_reason": "invalid", "reason": "no car found on site"})
			if rejected.Status != "rejected" {
				t.Fatalf("first case: %s, want rejected", rejected.Status)
			}
			r := anon.do(t, "POST", "/api/v1/cases", reportAt(p, map[string]any{"description": "parked again"}))
			wantStatus(t, r, http.StatusCreated)
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			if got := string(raw["duplicates"]); got != "[]" {
				t.Errorf("duplicates: got %s, want []", got)
			}
		})
	})
}

func TestCaseContactsAreShownOnlyToTheCentres(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		resident := ts.signedIn(t, "resident")
		operator := ts.signedIn(t, "operator")
		dispatcher := ts.signedIn(t, "dispatcher")
		handler := ts.signedIn(t, "handler")
		gridworker := ts.signedIn(t, "gridworker")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		const name, phone = "李四", "13912345678"
		contact := map[string]string{"name": name, "phone": phone}
		cs := fileCase(t, resident, reportAt(p, map[string]any{"contact": contact}))

		for _, tc := range []struct {
			who    string
			caller *client
		}{{"operator", operator}, {"dispatcher", dispatcher}} {
			t.Run("the "+tc.who+" sees the contact and the reporter", func(t *testing.T) {
				raw, _ := rawCase(t, tc.caller, cs.ID)
				var got map[string]string
				if err := json.Unmarshal(raw["contact"], &got); err != nil || !maps.Equal(got, contact) {
					t.Errorf("contact: got %s (%v), want %v", raw["contact"], err, contact)
				}
				if string(raw["reporter"]) != `"resident"` {
					t.Errorf("reporter: got %s, want \"resident\"", raw["reporter"])
				}
			})
		}

		cs = act(t, operator, cs, "register", nil)
		cs = act(t, dispatcher, cs, "dispatch", nil)
		if cs.Department != "410802-CGJ" {
			t.Fatalf("dispatched to %q, want 410802-CGJ", cs.Department)
		}

		noContact := func(t *testing.T, what string, raw map[string]json.RawMessage, body []byte) {
			t.Helper()
			for _, k := range []string{"contact", "reporter"} {
				if v, ok := raw[k]; ok {
					t.Errorf("%s shows %s: %s", what, k, v)
				}
			}
			for _, s := range []string{name, phone} {
				if bytes.Contains(body, []byte(s)) {
					t.Errorf("%s mentions %q somewhere: %s", what, s, body)
				}
			}
		}
		t.Run("the handler of the department sees the case but no contact at all", func(t *testing.T) {
			raw, body := rawCase(t, handler, cs.ID)
			noContact(t, "the handler's view", raw, body)
		})
		t.Run("the handler's answer to its own action shows no contact either", func(t *testing.T) {
			r := handler.do(t, "POST", actionsPath(cs.ID), actBody("accept", cs.Version, nil))
			wantStatus(t, r, http.StatusOK)
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			noContact(t, "the accept answer", raw, r.Body)
		})
		t.Run("the grid worker sees the case but no contact at all", func(t *testing.T) {
			raw, body := rawCase(t, gridworker, cs.ID)
			noContact(t, "the grid worker's view", raw, body)
		})
		t.Run("an outsider's support answer shows no more than its GET would", func(t *testing.T) {
			wantError(t, anon.do(t, "GET", casePath(cs.ID), nil), http.StatusNotFound, "not_found")
			// Anyone may say "me too" (DESIGN §4), so the support itself is taken.
			r := anon.do(t, "POST", actionsPath(cs.ID), map[string]any{"action": "support", "supporter": "device-42"})
			wantStatus(t, r, http.StatusOK)
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			noContact(t, "the support answer", raw, r.Body)
			var leaked []string
			for _, k := range []string{"timeline", "description", "address", "lon", "lat", "photos", "holder", "department"} {
				if _, ok := raw[k]; ok {
					leaked = append(leaked, k)
				}
			}
			if len(leaked) > 0 {
				t.Errorf("an outsider's support answer shows %v", leaked)
			}
		})
		t.Run("an anonymous report's answer shows no contact", func(t *testing.T) {
			r := anon.do(t, "POST", "/api/v1/cases", reportAt(p, map[string]any{"contact": contact, "category": "09010"}))
			wantStatus(t, r, http.StatusCreated)
			var raw map[string]json.RawMessage
			r.decode(t, &raw)
			noContact(t, "the 201 answer", raw, r.Body)
		})
	})
}

func TestAGridWorkerSelfHandlesACaseOnlyInsideItsGrids(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		gridworker := ts.signedIn(t, "gridworker")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		elsewhere := casePoint(t, anon, firstGridUnder(t, anon, shanyangDistrict), 0.0005)
		selfHandled := func(p orb.Point, changes map[string]any) map[string]any {
			body := reportAt(p, map[string]any{"action": "self_handle", "result": "moved the bins back", "photos": []string{ts.photo(t, 1)}, "contact": nil})
			maps.Copy(body, changes)
			for k, v := range changes {
				if v == nil {
					delete(body, k)
				}
			}
			return body
		}

		cs := fileCase(t, gridworker, selfHandled(p, nil))
		day := cs.Ticket[:8]
		t.Run("a grid worker's self_handle inside its grid is born closed", func(t *testing.T) {
			if cs.Status != "closed" || cs.ClosureType != "normal" || cs.Source != "patrol" || cs.Version != 1 {
				t.Errorf("status %q closure_type %q source %q version %d, want closed, normal, patrol, 1", cs.Status, cs.ClosureType, cs.Source, cs.Version)
			}
			if cs.Grid.Code != demo.GridWorkerGrid || cs.Department != "" {
				t.Errorf("grid %s department %q, want %s and none", cs.Grid.Code, cs.Department, demo.GridWorkerGrid)
			}
			if len(cs.Timeline) != 1 || cs.Timeline[0].Action != "self_handle" || cs.Timeline[0].From != "" ||
				cs.Timeline[0].To != "closed" || cs.Timeline[0].Actor != "gridworker" {
				t.Errorf("timeline: got %+v, want one self_handle by gridworker to closed", cs.Timeline)
			}
			if got := ts.caseAsAdmin(t, cs.ID); got.Status != "closed" || got.Version != 1 {
				t.Errorf("stored: %s v%d, want closed v1", got.Status, got.Version)
			}
			if recs := auditOf(t, db, "case.self_handle", cs.ID); len(recs) != 1 {
				t.Errorf("case.self_handle audit records: got %q, want one", recs)
			}
		})

		residentClient := ts.signedIn(t, "resident")
		refusals := []struct {
			name   string
			caller *client
			body   map[string]any
			status int
			code   string
		}{
			{"outside its grids (in 山阳区) is forbidden", gridworker, selfHandled(elsewhere, nil), 403, "forbidden"},
			{"a signed-in resident may not self_handle", residentClient, selfHandled(p, nil), 403, "forbidden"},
			{"an anonymous caller may not self_handle", anon, selfHandled(p, nil), 403, "forbidden"},
			{"an operator may not self_handle", ts.signedIn(t, "operator"), selfHandled(p, nil), 403, "forbidden"},
			{"a self_handle without an after photo is invalid", gridworker, selfHandled(p, map[string]any{"photos": nil}), 422, "invalid"},
			{"a self_handle without a result is invalid", gridworker, selfHandled(p, map[string]any{"result": nil}), 422, "invalid"},
		}
		for _, tc := range refusals {
			t.Run(tc.name+" and no case is stored", func(t *testing.T) {
				before := ts.caseWorld(t, day, cs.ID)
				wantError(t, tc.caller.do(t, "POST", "/api/v1/cases", tc.body), tc.status, tc.code)
				ts.wantSameWorld(t, day, before)
			})
		}
	})
}
