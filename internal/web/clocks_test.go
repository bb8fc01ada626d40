package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/workflow"
)

// clockRows returns the stage clocks a case page shows, by stage, with their text.
func clockRows(body string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<dd class="clock" data-stage="([a-z]+)"[^>]*>(.*?)</dd>`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestTheCasePageShowsEachRunningClock(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	act := func(action string, in workflow.Input) {
		t.Helper()
		if _, err := s.App.Cases.Act(t.Context(), system, c.ID, action, nil, in); err != nil {
			t.Fatalf("%s: %v", action, err)
		}
	}
	steps := []struct {
		name   string
		before func()
		stages []string
		paused string
	}{
		{"reported", func() {}, []string{"accept"}, ""},
		{"registered", func() { act("register", workflow.Input{}) }, []string{"dispatch"}, ""},
		{"dispatched", func() { act("dispatch", workflow.Input{Department: "410802-CGJ"}) }, []string{"sign", "handle"}, ""},
		{"in progress", func() { act("accept", workflow.Input{}) }, []string{"handle"}, ""},
		{"suspended", func() { act("suspend", workflow.Input{Reason: "waiting for the water company"}) }, []string{"handle"}, "handle"},
	}
	words := map[string]map[string]string{
		"zh-CN": {"accept": "立案时限", "dispatch": "派遣时限", "sign": "签收时限", "handle": "处置时限", "paused": "已暂停"},
		"en":    {"accept": "Acceptance due", "dispatch": "Dispatch due", "sign": "Sign-for due", "handle": "Handling due", "paused": "paused"},
	}
	for _, st := range steps {
		st.before()
		view, err := s.App.Cases.Case(t.Context(), system, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			v := s.visitor(t)
			v.lang = lang
			v.signIn("operator")
			_, _, body := v.do("GET", "/cases/"+itoa(c.ID), nil)
			rows := clockRows(body)
			running := view.RunningClocks()
			if len(rows) != len(st.stages) || len(running) != len(st.stages) {
				t.Errorf("%s (%s): the page shows clocks %v, the case has %d; want %v", st.name, lang, keys(rows), len(running), st.stages)
			}
			for _, cv := range running {
				row, ok := rows[string(cv.Stage)]
				if !ok {
					t.Errorf("%s (%s): no %s clock", st.name, lang, cv.Stage)
					continue
				}
				if due := formatted(lang, cv.Due); !strings.Contains(row, due) {
					t.Errorf("%s (%s): %s clock %q lacks its due time %s", st.name, lang, cv.Stage, row, due)
				}
				if !strings.Contains(row, `class="light `+string(cv.Light)+`"`) {
					t.Errorf("%s (%s): %s clock %q lacks its light %s", st.name, lang, cv.Stage, row, cv.Light)
				}
				if got := strings.Contains(row, words[lang]["paused"]); got != (st.paused == string(cv.Stage)) {
					t.Errorf("%s (%s): %s clock shows paused %v", st.name, lang, cv.Stage, got)
				}
				if !strings.Contains(body, words[lang][string(cv.Stage)]) {
					t.Errorf("%s (%s): the %s clock is not named %q", st.name, lang, cv.Stage, words[lang][string(cv.Stage)])
				}
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s (%s): message %s is missing", st.name, lang, m)
			}
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// formatted is a time as the pages write it: China time, each language's style.
func formatted(lang string, tm time.Time) string {
	tm = tm.In(time.FixedZone("CST", 8*3600))
	if lang == "en" {
		return tm.Format("2 Jan 2006 15:04")
	}
	return tm.Format("2006年1月2日 15:04")
}
