package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/assessment"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/worktime"
)

// assessSite is the demo city with its evaluation sites (a few hundred in the urban districts).
func assessSite(t *testing.T) *site {
	t.Helper()
	s := newSite(t)
	if _, err := demo.SeedSites(t.Context(), s.App, 1); err != nil {
		t.Fatal(err)
	}
	return s
}

// today is the date in China, as rounds count their days.
func today(s *site) string { return s.App.Cases.Now().In(worktime.China).Format(time.DateOnly) }

// handRound creates a round of hand-picked sites (the first n of a type in the leader's
// district) for the demo inspector.
func handRound(t *testing.T, s *site, n int, typ string) assessment.RoundView {
	t.Helper()
	sites, err := s.App.Assessment.Sites(t.Context(), principal(t, s, "leader"), assessment.SiteQuery{SiteType: typ})
	if err != nil || len(sites) < n {
		t.Fatalf("sites of %s: %d %v", typ, len(sites), err)
	}
	var codes []string
	for _, x := range sites[:n] {
		codes = append(codes, x.Code)
	}
	v, err := s.App.Assessment.CreateRound(t.Context(), principal(t, s, "leader"), assessment.NewRound{Name: "本周自查", Standard: "wmcs-2021",
		DueOn: today(s), Sites: codes, Inspectors: []string{"inspector"}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// putJSON sends JSON with a method, as the scoring form's script does.
func (v *visitor) sendJSON(method, path, body string) (int, map[string]any) {
	v.t.Helper()
	req, _ := http.NewRequest(method, v.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if v.lang != "" {
		req.Header.Set("Accept-Language", v.lang)
	}
	res, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestAssessmentPagesRenderInBothLanguages opens every assessment page as the people who use
// it, in Chinese and English: no message is missing and each answers 200; a resident and a
// handler are kept out.
func TestAssessmentPagesRenderInBothLanguages(t *testing.T) {
	s := assessSite(t)
	r := handRound(t, s, 2, "market")
	ins := r.Inspections[0].ID
	pages := []struct{ who, path string }{
		{"inspector", "/assessment"}, {"inspector", fmt.Sprintf("/assessment/inspections/%d", ins)}, {"inspector", "/assessment/map"},
		{"leader", "/assessment"}, {"leader", "/assessment/rounds"}, {"leader", fmt.Sprintf("/assessment/rounds/%d", r.ID)},
		{"leader", fmt.Sprintf("/assessment/inspections/%d", ins)}, {"leader", "/assessment/map"}, {"admin", "/assessment/rounds"},
	}
	for _, lang := range []string{"zh-CN,zh;q=0.9", "en-GB,en;q=0.8"} {
		for _, p := range pages {
			v := s.visitor(t)
			v.lang = lang
			v.signIn(p.who)
			status, _, body := v.do("GET", p.path, nil)
			if status != http.StatusOK {
				t.Errorf("%s %s as %s: status %d", lang, p.path, p.who, status)
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s %s: message %s is missing from the catalogue", lang, p.path, m)
			}
			if !strings.Contains(body, `id="nav-assessment"`) {
				t.Errorf("%s %s: no way to the assessment in the header", lang, p.path)
			}
		}
	}
	for _, who := range []string{"resident", "handler"} {
		v := s.visitor(t)
		v.signIn(who)
		if status, _, _ := v.do("GET", "/assessment", nil); status != http.StatusForbidden {
			t.Errorf("%s opens the assessment: %d, want 403", who, status)
		}
		if status, _, body := v.do("GET", "/notifications", nil); status != http.StatusOK || strings.Contains(body, `id="nav-assessment"`) {
			t.Errorf("%s sees the assessment in the header", who)
		}
	}
}

// TestScoringThroughThePageRefusesInChineseAndChangesNothing: the scoring form's endpoints
// word each refusal in the page's language and keep nothing of a refused mark.
func TestScoringThroughThePageRefusesInChineseAndChangesNothing(t *testing.T) {
	s := assessSite(t)
	r := handRound(t, s, 1, "market")
	id := r.Inspections[0].ID
	insp := s.visitor(t)
	insp.lang = "zh-CN"
	insp.signIn("inspector")
	path := fmt.Sprintf("/assessment/inspections/%d/items/", id)
	future := s.App.Cases.Now().Add(2 * time.Hour).Format(time.RFC3339)
	for _, tc := range []struct {
		name, code, body string
		status           int
		want             string
	}{
		{"above the maximum", "M09", `{"result":"points","points":40}`, 422, "不能超过满分"},
		{"an item not in the checklist", "A01", `{"result":"pass"}`, 422, "不在本次测评所用的测评表中"},
		{"a failure without a photo", "M02", `{"result":"fail"}`, 422, "须附现场照片"},
		{"a time in the future", "M01", `{"result":"pass","at":"` + future + `"}`, 422, "请检查手机时间"},
		{"malformed JSON", "M01", `{"result":`, 400, "格式有误"},
		{"an unknown field", "M01", `{"result":"pass","score":5}`, 400, "格式有误"},
		{"a note with NUL", "M01", `{"result":"pass","note":"a\u0000b"}`, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := insp.sendJSON("PUT", path+tc.code, tc.body)
			msg, _ := out["error"].(string)
			if status != tc.status || !strings.Contains(msg, tc.want) || latinWord.MatchString(strings.NewReplacer("M09", "", "A01", "", "M02", "").Replace(msg)) {
				t.Errorf("got %d %q, want %d with %q in Chinese", status, msg, tc.status, tc.want)
			}
		})
	}
	other := s.visitor(t)
	other.signIn("leader")
	if status, out := other.sendJSON("PUT", path+"M01", `{"result":"pass"}`); status != http.StatusForbidden {
		t.Errorf("the leader scores the inspector's site: %d %v", status, out)
	}
	if status, out := insp.sendJSON("POST", fmt.Sprintf("/assessment/inspections/%d/submit", id), ""); status != 422 || !strings.Contains(fmt.Sprint(out["error"]), "未评") {
		t.Errorf("an incomplete submit: %d %v", status, out)
	}
	v, err := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), id)
	if err != nil || len(v.Marks) != 0 {
		t.Fatalf("refused marks left %v (%v)", v.Marks, err)
	}
	// A mark the phone kept offline carries its own time; it is kept as the phone said.
	at := s.App.Cases.Now().Add(-20 * time.Minute).Truncate(time.Second)
	status, out := insp.sendJSON("PUT", path+"M01", fmt.Sprintf(`{"result":"pass","note":"地面干净","at":%q,"lon":113.24,"lat":35.22,"crs":"wgs84"}`, at.Format(time.RFC3339)))
	if status != http.StatusOK {
		t.Fatalf("a good mark: %d %v", status, out)
	}
	v, _ = s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), id)
	if m := v.Marks["M01"]; !m.At.Equal(at) || m.Note != "地面干净" || m.Lon == nil || m.Result != assess.Pass {
		t.Errorf("the mark kept: %+v, want the phone's time %v", m, at)
	}
	// The round form previews the draw and refuses a stratum too large, naming it.
	leader := s.visitor(t)
	leader.lang = "zh-CN"
	leader.signIn("leader")
	form := url.Values{"name": {"抽查"}, "standard": {"wmcs-2021"}, "starts_on": {today(s)}, "due_on": {today(s)}, "seed": {"7"},
		"stratum_type": {"market", "back_alley"}, "stratum_region": {"410802", "410802"}, "stratum_count": {"2", "3"}, "inspectors": {"inspector"}, "do": {"preview"}}
	status, _, body := leader.do("POST", "/assessment/rounds", form)
	if status != http.StatusOK || strings.Count(body, "<tr><td>") != 5+1 || !strings.Contains(body, "抽样种子 7") {
		t.Errorf("the preview: %d, %d rows", status, strings.Count(body, "<tr><td>"))
	}
	rounds, _ := s.App.Assessment.Rounds(t.Context(), access.SystemPrincipal("test"))
	form.Set("do", "create")
	form["stratum_count"] = []string{"200", "3"}
	if status, _, body := leader.do("POST", "/assessment/rounds", form); status != 422 || !strings.Contains(problemText(body), "第 1 组要抽取 200 个点位") {
		t.Errorf("a stratum too large: %d %q", status, problemText(body))
	}
	if after, _ := s.App.Assessment.Rounds(t.Context(), access.SystemPrincipal("test")); len(after) != len(rounds) {
		t.Errorf("a refused round was stored")
	}
	form["stratum_count"] = []string{"2", "3"}
	status, h, _ := leader.do("POST", "/assessment/rounds", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/assessment/rounds/") {
		t.Fatalf("create the round: %d %s", status, h.Get("Location"))
	}
}

// After two scored rounds the rounds page shows the districts' scores round by round.
func TestRoundsPageShowsTheTrendOverRounds(t *testing.T) {
	s := assessSite(t)
	insp := principal(t, s, "inspector")
	for range 2 {
		r := handRound(t, s, 1, "market")
		in := r.Inspections[0]
		v, err := s.App.Assessment.Inspection(t.Context(), insp, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range v.Checklist.Items {
			if _, err := s.App.Assessment.MarkItem(t.Context(), insp, in.ID, it.Code, assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}}); err != nil {
				t.Fatalf("mark %s: %v", it.Code, err)
			}
		}
		if _, err := s.App.Assessment.Submit(t.Context(), insp, in.ID); err != nil {
			t.Fatal(err)
		}
	}
	v := s.visitor(t)
	v.signIn("leader")
	status, _, body := v.do("GET", "/assessment/rounds", nil)
	if status != 200 || !strings.Contains(body, `id="rounds-trend"`) || strings.Count(body, `<td class="n-cell">100.0</td>`) != 2 ||
		!strings.Contains(body, "<td>解放区</td>") {
		t.Errorf("the rounds page (%d) shows no trend of 解放区 at 100.0 in two rounds:\n%s", status, body)
	}
}
