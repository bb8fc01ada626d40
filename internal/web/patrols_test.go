package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/regions"
)

// postJSON posts a JSON body as the patrol page's script does.
func (v *visitor) postJSON(path, body string) (int, map[string]any) {
	v.t.Helper()
	req, _ := http.NewRequest("POST", v.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func fixes(start time.Time, lat ...float64) string {
	var pts []string
	for i, l := range lat {
		pts = append(pts, fmt.Sprintf(`{"at":%q,"lon":113.2,"lat":%v,"accuracy":8}`, start.Add(time.Duration(i+1)*10*time.Second).Format(time.RFC3339Nano), l))
	}
	return `{"points":[` + strings.Join(pts, ",") + `]}`
}

func TestAGridWorkerPatrolsFromTheWorkspace(t *testing.T) {
	s := newSite(t)
	worker := s.visitor(t)
	worker.signIn("gridworker")
	me := principal(t, s, "gridworker")
	day := func() regions.PatrolDay {
		d, err := s.App.Regions.MyPatrols(t.Context(), me)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, lang := range []string{"zh-CN", "en"} {
		worker.lang = lang
		_, _, body := worker.do("GET", "/tasks", nil)
		if !strings.Contains(body, `id="patrol-start-go"`) || strings.Contains(body, "patrol.js") {
			t.Errorf("%s: no start button, or the tracking script without a patrol", lang)
		}
		if m := missingKey.FindString(body); m != "" {
			t.Errorf("%s: message %s is missing", lang, m)
		}
	}
	worker.lang = ""
	if status, out := worker.postJSON("/patrol/points", fixes(time.Now(), 35.2)); status != http.StatusConflict {
		t.Errorf("points with no patrol: %d %v, want 409", status, out)
	}

	if status, h, _ := worker.do("POST", "/patrol/start", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("start: %d %s", status, h.Get("Location"))
	}
	d := day()
	if d.Running == nil || len(d.Today) != 1 {
		t.Fatalf("after starting: %+v", d)
	}
	started := d.Running.Started
	_, _, body := worker.do("GET", "/tasks", nil)
	if !strings.Contains(body, `id="patrol-stop-go"`) || !strings.Contains(body, "patrol.js") || !strings.Contains(body, `data-running="`+itoa(d.Running.ID)+`"`) {
		t.Error("a running patrol shows no stop button or no tracking script")
	}
	if status, _, body := worker.do("POST", "/patrol/start", url.Values{}); status != http.StatusConflict || problemText(body) == "" {
		t.Errorf("starting twice: %d %q, want 409 with the reason", status, problemText(body))
	}
	if status, _, body := worker.do("POST", "/patrol/start", url.Values{"grid": {"410802001001002"}}); status != http.StatusForbidden || problemText(body) == "" {
		t.Errorf("starting in another's grid: %d, want 403 with the reason", status)
	}

	// Fixes go in once; a retried post adds nothing; a batch with a fix that is no position
	// is refused whole.
	if status, out := worker.postJSON("/patrol/points", fixes(started, 35.2, 35.201)); status != 200 || out["recorded"] != 2.0 {
		t.Fatalf("points: %d %v", status, out)
	}
	if status, out := worker.postJSON("/patrol/points", fixes(started, 35.2, 35.201)); status != 200 || out["recorded"] != 0.0 {
		t.Errorf("the same points again: %d %v, want 0 recorded", status, out)
	}
	// A body that is no JSON at all is malformed (400, as the API answers); the rest are
	// well-formed but refused (422).
	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"a latitude of 100": {fixes(started.Add(time.Minute), 35.202, 100), http.StatusUnprocessableEntity},
		"no JSON":           {`points=1`, http.StatusBadRequest},
		"a fix from before": {fixes(started.Add(-time.Hour), 35.2), http.StatusUnprocessableEntity},
		"too many":          {fixes(started.Add(time.Minute), make([]float64, 501)...), http.StatusUnprocessableEntity},
	} {
		status, out := worker.postJSON("/patrol/points", tc.body)
		e, _ := out["error"].(map[string]any)
		if status != tc.status || e == nil || e["message"] == "" {
			t.Errorf("%s: %d %v, want %d with the reason", name, status, out, tc.status)
		}
	}
	if d := day(); d.Running.Points != 2 || d.Running.DistanceM < 110 || d.Running.DistanceM > 112.5 {
		t.Errorf("after the refusals: %d points, %.1f m; want 2 and 111 m", d.Running.Points, d.Running.DistanceM)
	}

	// Others may not patrol.
	op := s.visitor(t)
	op.signIn("operator")
	if _, _, body := op.do("GET", "/tasks", nil); strings.Contains(body, `id="patrol"`) {
		t.Error("an operator is offered a patrol")
	}
	if status, _, _ := op.do("POST", "/patrol/start", url.Values{}); status != http.StatusForbidden {
		t.Errorf("an operator starting a patrol: %d, want 403", status)
	}
	if status, _ := op.postJSON("/patrol/points", fixes(started, 35.2)); status != http.StatusForbidden {
		t.Errorf("an operator posting points: %d, want 403", status)
	}
	if status, h, _ := s.visitor(t).do("POST", "/patrol/stop", url.Values{}); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("anonymous stop: %d %s", status, h.Get("Location"))
	}

	if status, _, _ := worker.do("POST", "/patrol/stop", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("stop: %d", status)
	}
	if status, _, _ := worker.do("POST", "/patrol/stop", url.Values{}); status != http.StatusConflict {
		t.Errorf("stopping twice: %d, want 409", status)
	}
	d = day()
	if d.Running != nil || len(d.Today) != 1 || d.Today[0].Running() || d.Today[0].Points != 2 {
		t.Fatalf("after stopping: %+v", d)
	}
	for lang, want := range map[string]string{"zh-CN": "2 个定位点，111 米", "en": "2 points, 111 m"} {
		worker.lang = lang
		_, _, body := worker.do("GET", "/tasks", nil)
		if !strings.Contains(body, `data-patrol="`+itoa(d.Today[0].ID)+`"`) || !strings.Contains(body, want) || !strings.Contains(body, `id="patrol-start-go"`) {
			t.Errorf("%s: the workspace does not list the patrol with %q", lang, want)
		}
	}
}
