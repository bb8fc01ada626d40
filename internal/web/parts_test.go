package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// partState reads a part's status from the case page.
func partState(p *person, department string) string {
	p.t.Helper()
	return eval[string](p, `(document.querySelector('#parts li[data-department="`+department+`"]') || {dataset: {status: "none"}}).dataset.status`)
}

// textOf reads an element's visible text by script, which does not depend on chromedp's copy of
// the page's node tree (stale for a moment after a page loads).
func textOf(p *person, sel string) string {
	p.t.Helper()
	return strings.TrimSpace(eval[string](p, `(document.querySelector(`+strconv.Quote(sel)+`) || {innerText: "(none)"}).innerText`))
}

// TestACoDepartmentSignsForAndReportsItsPartInABrowser: a joint case (联办) done by clicking.
// 环卫's handler finds the case in its workspace on a phone, signs for its part and reports it
// with a photo; the lead's handler, on a desktop, sees its handling wait for 市住建局, reports
// for that part with a reason, and then handles the case.
func TestACoDepartmentSignsForAndReportsItsPartInABrowser(t *testing.T) {
	const hw, zjj = "410802-HW", "4108-ZJJ"
	b := newBrowser(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, id := jointSite(t, db)
		c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
		if err != nil {
			t.Fatal(err)
		}

		co := b.person(t, "hw", true)
		co.signIn(s.URL, "hw")
		co.openCase(c.Ticket) // its workspace lists the case it holds a part of
		if got := partState(co, hw); got != "dispatched" {
			t.Fatalf("环卫's part shows %q, want dispatched", got)
		}
		if got := textOf(co, `#parts li.mine .part-head`); !strings.Contains(got, "解放区环境卫生服务中心") || !strings.Contains(got, "待签收") {
			t.Errorf("环卫's own part reads %q", got)
		}
		if n := eval[int](co, `document.querySelectorAll('#actions #act-accept_part, #parts li:not(.mine) details.action').length`); n != 0 {
			t.Errorf("环卫 is offered %d part forms outside its own part", n)
		}
		co.readsChinese("case", []string{"hw", "near", "the", "school", "gate"})
		co.shot("part-to-sign")
		co.act("accept_part", "已派遣")
		if got := partState(co, hw); got != "in_progress" {
			t.Fatalf("after signing, 环卫's part is %q", got)
		}
		co.act("report_part", "已派遣",
			chromedp.SendKeys(chromedp.ID("result-report_part"), "周边垃圾已清运"),
			chromedp.SetUploadFiles(chromedp.ID("photos-report_part"), []string{photoFile(t, 4)}))
		if got := partState(co, hw); got != "reported" {
			t.Fatalf("after reporting, 环卫's part is %q", got)
		}
		if got := textOf(co, `#parts li.mine .part-result`); got != "周边垃圾已清运" {
			t.Errorf("环卫's result reads %q", got)
		}
		if n := eval[int](co, `document.querySelectorAll('#parts li.mine .photos img').length`); n != 1 {
			t.Errorf("环卫's part shows %d photos, want 1", n)
		}
		if w := eval[int](co, `document.documentElement.scrollWidth`); w > phoneWidth {
			t.Errorf("the case page is %d px wide on a %d px phone", w, phoneWidth)
		}
		co.noConsoleErrors()

		lead := b.person(t, "handler", false)
		lead.do(chromedp.EmulateViewport(1366, 900)) // a desk's wide screen
		lead.signIn(s.URL, "handler")
		lead.openCase(c.Ticket)
		lead.act("accept", "处置中")
		lead.do(chromedp.Click(chromedp.CSS("#why-not summary"))) // the reasons are there on asking
		if got := textOf(lead, `#blocked li[data-action="handle"]`); !strings.Contains(got, "等待协办部门反馈") || !strings.Contains(got, "焦作市住房和城乡建设局") {
			t.Errorf("the lead's handle is blocked with %q, want it to wait for 市住建局", got)
		}
		lead.readsChinese("case", []string{"hw", "handler", "near", "the", "school", "gate"})
		lead.shot("waiting-for-parts")
		if n := eval[int](lead, `document.querySelectorAll('#parts details.action').length`); n != 1 {
			t.Errorf("the lead is offered %d part forms, want one: for 市住建局's open part", n)
		}
		lead.act("report_part-"+zjj, "处置中", // on 市住建局's part
			chromedp.SendKeys(chromedp.ID("reason-report_part-"+zjj), "市住建局电话确认此处无需其处置"))
		if got := partState(lead, zjj); got != "reported" {
			t.Fatalf("after the lead's report, 市住建局's part is %q", got)
		}
		if got := textOf(lead, `#parts li[data-department="`+zjj+`"] .part-reason`); got != "市住建局电话确认此处无需其处置" {
			t.Errorf("the reason reads %q", got)
		}
		lead.act("handle", "待核查",
			chromedp.SendKeys(chromedp.ID("result-handle"), "已拖离车辆"),
			chromedp.SetUploadFiles(chromedp.ID("photos-handle"), []string{photoFile(t, 5)}))
		lead.noConsoleErrors()
	})
}

// jointSite is a site with a joint case dispatched to 解放区城管局 with 环卫 and 市住建局, and a
// handler of each co-department (hw, zjj).
func jointSite(t *testing.T, db *store.DB) (*site, int64) {
	t.Helper()
	s := newSiteOn(t, db)
	sys := access.SystemPrincipal("test")
	for name, dept := range map[string]string{"hw": "410802-HW", "zjj": "4108-ZJJ"} {
		if _, err := s.App.People.AddUser(t.Context(), sys, people.NewUser{Username: name, Role: "handler", Department: dept, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
	}
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	for _, step := range []struct {
		action string
		in     workflow.Input
	}{{"register", workflow.Input{}}, {"dispatch", workflow.Input{Department: "410802-CGJ", CoDepartments: []string{"410802-HW", "4108-ZJJ"}}}} {
		if _, err := s.App.Cases.Act(t.Context(), sys, c.ID, step.action, nil, step.in); err != nil {
			t.Fatal(err)
		}
	}
	return s, c.ID
}

// The parts card reads in both languages, for the co-department (its part marked, its sign
// form on it) and for the lead, and a co-department's form post names another part in vain.
func TestThePartsCardInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, id := jointSite(t, db)
		path := "/cases/" + itoa(id)
		for _, tt := range []struct {
			who, lang string
			want      []string
		}{
			{"hw", "zh-CN", []string{"协办部门", "本部门", "待签收", "签收时限", `id="act-accept_part"`}},
			{"hw", "en", []string{"Co-departments (joint handling)", "your department", "Waiting to be signed for", `id="act-accept_part"`}},
			{"handler", "zh-CN", []string{"协办部门", "待签收"}},
			{"handler", "en", []string{"Co-departments (joint handling)", "Waiting to be signed for"}},
		} {
			v := s.visitor(t)
			v.lang = tt.lang
			v.signIn(tt.who)
			status, _, body := v.do("GET", path, nil)
			if status != http.StatusOK {
				t.Fatalf("%s reads the case in %s: %d", tt.who, tt.lang, status)
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s in %s: the page lacks words for %s", tt.who, tt.lang, m)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s in %s: the page lacks %q", tt.who, tt.lang, w)
				}
			}
		}
		v := s.visitor(t)
		v.lang = "zh-CN"
		v.signIn("zjj")
		before, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
		if err != nil {
			t.Fatal(err)
		}
		status, _, body := v.do("POST", path+"/actions", url.Values{"action": {"accept_part"}, "department": {"410802-HW"}, "version": {itoa(int64(before.Version))}})
		if status != http.StatusForbidden || !strings.Contains(body, "只能办理本部门的协办任务") {
			t.Errorf("市住建局 signs for 环卫's part through the form: %d, want 403 worded in Chinese", status)
		}
		if after, _ := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id); after.Version != before.Version {
			t.Errorf("a refused form post moved the case from version %d to %d", before.Version, after.Version)
		}
	})
}
