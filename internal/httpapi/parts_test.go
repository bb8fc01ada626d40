package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// partBody is a co-department's part of a joint case (联办) as the API shows it.
type partBody struct {
	Department string   `json:"department"`
	Status     string   `json:"status"`
	SignDue    string   `json:"sign_due"`
	HandleDue  string   `json:"handle_due"`
	Result     string   `json:"result"`
	Photos     []string `json:"photos"`
	ReportedBy string   `json:"reported_by"`
	Reason     string   `json:"reason"`
	Light      string   `json:"light"`
	Clocks     []struct {
		Stage string `json:"stage"`
	} `json:"clocks"`
}

type jointCase struct {
	caseBody
	Parts []partBody `json:"parts"`
}

// refusalBody is the API's error, with its reason and params.
type refusalBody struct {
	Code   string         `json:"code"`
	Reason string         `json:"reason"`
	Params map[string]any `json:"params"`
}

func refusalOf(t *testing.T, r *response, status int, code string) refusalBody {
	t.Helper()
	wantError(t, r, status, code)
	var b struct{ Error refusalBody }
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatal(err)
	}
	return b.Error
}

func TestJointCasesThroughTheAPI(t *testing.T) {
	const hw, zjj = "410802-HW", "4108-ZJJ"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		for name, dept := range map[string]string{"hw": hw, "zjj": zjj, "shy": "410811-CGJ"} {
			r := ts.adminClient(t).do(t, "POST", "/api/v1/users", people.NewUser{Username: name, Role: "handler", Department: dept, Password: demo.Password})
			wantStatus(t, r, http.StatusCreated)
		}
		anon := ts.anonymous()
		lead, coHW, coZJJ, other := ts.signedIn(t, "handler"), ts.signedIn(t, "hw"), ts.signedIn(t, "zjj"), ts.signedIn(t, "shy")
		cs := fileCase(t, anon, reportAt(casePoint(t, anon, demo.GridWorkerGrid, 0.0005), nil))
		cs = act(t, ts.signedIn(t, "operator"), cs, "register", nil)
		cs = act(t, ts.signedIn(t, "dispatcher"), cs, "dispatch", map[string]any{"department": "410802-CGJ", "co_departments": []string{hw, zjj}})
		day := cs.CreatedAt.In(time.FixedZone("CST", 8*3600)).Format("20060102")

		look := func(c *client) jointCase {
			t.Helper()
			r := c.do(t, "GET", casePath(cs.ID), nil)
			wantStatus(t, r, http.StatusOK)
			var out jointCase
			r.decode(t, &out)
			return out
		}
		post := func(c *client, action string, version int, in map[string]any) *response {
			t.Helper()
			return c.do(t, "POST", actionsPath(cs.ID), actBody(action, version, in))
		}
		must := func(c *client, action string, in map[string]any) jointCase {
			t.Helper()
			v := look(c).Version
			r := post(c, action, v, in)
			wantStatus(t, r, http.StatusOK)
			var out jointCase
			r.decode(t, &out)
			return out
		}

		v := look(coHW)
		if len(v.Parts) != 2 || v.Parts[0].Department != hw || v.Parts[0].Status != "dispatched" || v.Parts[0].SignDue == "" || v.Parts[0].HandleDue == "" || v.Parts[0].Light == "" {
			t.Fatalf("parts as a co-department sees them: %+v", v.Parts)
		}
		if !slices.Contains(v.Allowed, "accept_part") || slices.Contains(v.Allowed, "accept") || slices.Contains(v.Allowed, "report_part") {
			t.Errorf("a co-department's handler may %v; want accept_part and not the lead's accept", v.Allowed)
		}
		r := coHW.do(t, "GET", "/api/v1/cases", nil)
		wantStatus(t, r, http.StatusOK)
		var list struct{ Cases []struct{ ID int64 } }
		r.decode(t, &list)
		if len(list.Cases) != 1 || list.Cases[0].ID != cs.ID {
			t.Errorf("a co-department's list: %+v, want the joint case", list.Cases)
		}

		v = must(coHW, "accept_part", nil)
		if v.Parts[0].Status != "in_progress" || len(v.Parts[0].Clocks) != 1 || v.Parts[0].Clocks[0].Stage != "handle" {
			t.Fatalf("after accept_part: %+v", v.Parts[0])
		}
		must(lead, "accept", nil)
		photo := ts.photo(t, 7)

		refusals := []struct {
			name   string
			c      *client
			action string
			stale  bool
			in     map[string]any
			status int
			code   string
			reason string
		}{
			{"the lead's handle while parts are open", lead, "handle", false, map[string]any{"result": "已拖离", "photos": []string{photo}}, 409, "wrong_state", "parts_unreported"},
			{"a co-department's report for another's part", coZJJ, "report_part", false, map[string]any{"department": hw, "result": "x", "photos": []string{photo}}, 403, "forbidden", "not_your_part"},
			{"a co-department's sign for another's part", coHW, "accept_part", false, map[string]any{"department": zjj}, 403, "forbidden", "not_your_part"},
			{"the lead signing for a part", lead, "accept_part", false, map[string]any{"department": zjj}, 403, "forbidden", "not_co_department"},
			{"an uninvolved department's handler", other, "accept_part", false, map[string]any{"department": zjj}, 404, "not_found", "case_not_found"},
			{"a co-department's report without a photo", coHW, "report_part", false, map[string]any{"result": "已清运"}, 422, "invalid", "photo_required"},
			{"a co-department's report before signing", coZJJ, "report_part", false, map[string]any{"result": "x", "photos": []string{photo}}, 409, "wrong_state", "part_not_signed"},
			{"a co-department acting on a version it did not see", coHW, "report_part", true, map[string]any{"result": "已清运", "photos": []string{photo}}, 409, "version_conflict", ""},
			{"the lead reporting for a part without a reason", lead, "report_part", false, map[string]any{"department": zjj}, 422, "invalid", "required"},
			{"the lead reporting for a part the case lacks", lead, "report_part", false, map[string]any{"department": "410811-CGJ", "reason": "r"}, 422, "invalid", "no_part"},
		}
		for _, tt := range refusals {
			t.Run(tt.name+" is refused and changes nothing", func(t *testing.T) {
				before := ts.caseWorld(t, day, cs.ID)
				version := ts.caseAsAdmin(t, cs.ID).Version
				if tt.stale {
					version--
				}
				got := refusalOf(t, post(tt.c, tt.action, version, tt.in), tt.status, tt.code)
				if got.Reason != tt.reason {
					t.Errorf("reason %q, want %q (params %v)", got.Reason, tt.reason, got.Params)
				}
				if tt.reason == "parts_unreported" {
					if deps, _ := got.Params["departments"].([]any); !slices.Equal(deps, []any{hw, zjj}) {
						t.Errorf("departments %v, want [%s %s]", got.Params["departments"], hw, zjj)
					}
				}
				ts.wantSameWorld(t, day, before)
			})
		}

		v = must(coHW, "report_part", map[string]any{"result": "垃圾已清运", "photos": []string{photo}})
		if p := v.Parts[0]; p.Status != "reported" || p.Result != "垃圾已清运" || !slices.Equal(p.Photos, []string{photo}) || p.ReportedBy != "hw" || len(p.Clocks) != 0 {
			t.Errorf("环卫's reported part: %+v", p)
		}
		v = must(lead, "report_part", map[string]any{"department": zjj, "reason": "市住建局确认无需其处置"})
		if p := v.Parts[1]; p.Status != "reported" || p.Reason != "市住建局确认无需其处置" || p.ReportedBy != "handler" {
			t.Errorf("the part the lead reported: %+v", p)
		}
		if e := v.Timeline[len(v.Timeline)-1]; e.Action != "report_part" || e.Note != "市住建局确认无需其处置" || e.Actor != "handler" {
			t.Errorf("the timeline says %+v", e)
		}
		v = must(lead, "handle", map[string]any{"result": "已拖离", "photos": []string{photo}})
		if v.Status != "handled" {
			t.Errorf("handle once every part is reported: %s", v.Status)
		}
	})
}
