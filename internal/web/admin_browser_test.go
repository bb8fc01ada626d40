package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
)

// pick chooses in a picker as a person does: types into its search box and clicks the
// option whose value is want, once the list offers it.
func (p *person) pick(id, typed, want string) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('`+id+`').value = ''`), chromedp.Focus(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), typed))
	option := `#` + id + `-list li[data-v="` + want + `"]`
	p.until(`!!document.querySelector('`+option+`')`, 10*time.Second)
	p.do(chromedp.Click(chromedp.CSS(option)))
	if got := eval[string](p, `document.getElementById('`+id+`').closest('.picker').querySelector('input[type=hidden]').value`); got != want {
		p.t.Fatalf("%s: the picker %s holds %q after choosing %q", p.name, id, got, want)
	}
}

// offers lists the values a picker offers for what is typed, once it has answered.
func (p *person) offers(id, typed string) []string {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('`+id+`').value = ''`), chromedp.Focus(chromedp.ID(id)), chromedp.SendKeys(chromedp.ID(id), typed))
	p.until(`!document.getElementById('`+id+`-list').hidden && document.getElementById('`+id+`-list').children.length > 0`, 10*time.Second)
	time.Sleep(400 * time.Millisecond) // a search answered for fewer letters may still be on its way
	vs := eval[[]string](p, `[...document.querySelectorAll('#`+id+`-list [role=option]')].map(li => li.dataset.v)`)
	p.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('` + id + `').blur()`))
	return vs
}

// noScriptErrors fails the test when the page's scripts failed; refused forms (a 4xx answer,
// which the browser logs as a failed load) are what the test asked for.
func (p *person) noScriptErrors() {
	p.t.Helper()
	for _, m := range p.consoleProblems() {
		if !strings.Contains(m, "the server responded with a status of 4") {
			p.t.Errorf("%s: console error: %s", p.name, m)
		}
	}
}

// choose sets a select's value as a person's choosing does, change event included.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(` + strconv.Quote(sel) + `); s.value = ` +
		strconv.Quote(value) + `; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
}

func visible(p *person, sel string) bool {
	return eval[bool](p, `(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); return !!e && !!e.offsetParent; })()`)
}

// TestTheITOfficeManagesUsersWithoutTheCommandLine: the city's administrator adds a handler
// from the users page (the role starts at the least privilege; the department is picked by
// name), finds him in the list by name, makes him a grid worker of a subdistrict picked by
// name, resets his password and disables him: every step in the page, in Chinese, with names.
func TestTheITOfficeManagesUsersWithoutTheCommandLine(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	admin := b.person(t, "admin", false)
	admin.width(wideWidth, false)
	admin.signIn(s.URL, "admin")
	admin.do(chromedp.Navigate(s.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")))

	// Scopes and departments are named, the code beside; the new user starts as a resident,
	// who has neither.
	if got := admin.text(`tr[data-user="handler"] .scope`); !strings.Contains(got, "解放区城市管理局") || !strings.Contains(got, "410802-CGJ") {
		t.Errorf("the handler's department reads %q, want its name and code", got)
	}
	if got := admin.text(`tr[data-user="operator"] .scope`); !strings.Contains(got, "解放区") {
		t.Errorf("the operator's scope reads %q, want 解放区", got)
	}
	if got := eval[string](admin, `document.getElementById('u-role').value`); got != "resident" {
		t.Errorf("a new user's role starts as %q, want the least privilege (resident)", got)
	}
	if visible(admin, "#u-scope") || visible(admin, "#u-dept") {
		t.Error("a resident is offered a scope or a department")
	}
	admin.readsChinese("users", []string{"admin", "operator", "leader", "dispatcher", "handler", "gridworker", "inspector", "inspector2", "resident"})

	admin.do(chromedp.SendKeys(chromedp.ID("u-username"), "wang.handler"), chromedp.SendKeys(chromedp.ID("u-display"), "王强"),
		choose("#u-role", "handler"))
	if visible(admin, "#u-scope") || !visible(admin, "#u-dept") {
		t.Error("a handler is not offered a department alone")
	}
	admin.pick("u-dept", "城市管理", "410802-CGJ")
	admin.do(chromedp.Click(chromedp.CSS(`button[data-generate="u-password"]`)))
	password := eval[string](admin, `document.getElementById('u-password').value`)
	if len(password) < 12 {
		t.Fatalf("the generated password is %q", password)
	}
	admin.shot("add-user")
	admin.follow(chromedp.Click(chromedp.ID("add-user-go")), "#notice")
	stored := func() access.User {
		t.Helper()
		us, err := s.App.People.ListUsers(t.Context(), access.SystemPrincipal("test"))
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(us, func(u access.User) bool { return u.Username == "wang.handler" })
		if i < 0 {
			t.Fatal("wang.handler was not added")
		}
		return us[i]
	}
	if u := stored(); u.Role != access.Handler || u.Department != "410802-CGJ" || u.DisplayName != "王强" || u.Scope != "" {
		t.Fatalf("added %+v", u)
	}

	// Found by name, changed to a grid worker of 民生街道.
	admin.do(chromedp.SendKeys(chromedp.ID("uf-q"), "王强"))
	admin.follow(chromedp.Submit(chromedp.ID("user-filter")), `tr[data-user="wang.handler"]`)
	if n := eval[int](admin, `document.querySelectorAll('#users tbody tr').length`); n != 1 {
		t.Errorf("the search for 王强 lists %d users", n)
	}
	admin.do(chromedp.Click(chromedp.CSS(`tr[data-user="wang.handler"] a`)), chromedp.WaitVisible(chromedp.ID("edit-user")))
	admin.do(choose("#e-role", "gridworker"))
	if !visible(admin, "#u-scope") || visible(admin, "#u-dept") {
		t.Error("a grid worker is not offered a scope alone")
	}
	admin.pick("u-scope", "民生", "410802001")
	admin.follow(chromedp.Click(chromedp.ID("edit-user-go")), "#notice")
	if u := stored(); u.Role != access.GridWorker || u.Scope != "410802001" || u.Department != "" {
		t.Fatalf("after the change %+v", u)
	}
	if got := admin.text("#user-state"); !strings.Contains(got, "网格员") || !strings.Contains(got, "民生街道") {
		t.Errorf("the user's page says %q, want 网格员 · 民生街道", got)
	}

	// A new password, which then signs in; then disabled.
	admin.do(chromedp.SendKeys(chromedp.ID("p-new"), "another-pass-2026"))
	admin.follow(chromedp.Click(chromedp.ID("reset-password-go")), "#notice")
	v := s.visitor(t)
	if status, _, _ := v.do("POST", "/login", url.Values{"username": {"wang.handler"}, "password": {"another-pass-2026"}}); status != http.StatusSeeOther {
		t.Errorf("the reset password does not sign in: %d", status)
	}
	admin.follow(chromedp.Click(chromedp.ID("disable-go")), "#notice")
	if got := admin.text("#user-state"); !strings.Contains(got, "已停用") {
		t.Errorf("after disabling, the page says %q", got)
	}
	if !stored().Disabled {
		t.Error("the user was not disabled")
	}
	admin.readsChinese("user", []string{"wang", "handler", "admin"})
	admin.noConsoleErrors()

	phone := b.person(t, "admin-phone", true)
	phone.signIn(s.URL, "admin")
	for _, path := range []string{"/admin/users", "/admin/users/wang.handler", "/admin/departments"} {
		phone.do(chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.CSS("main .card")))
		phone.fitsPhone(path)
		phone.shot(strings.ReplaceAll(path, "/", "-"))
	}
}

// TestADistrictAdminIsOfferedOnlyItsDistrict: an admin of 解放区 is offered only 解放区's
// regions, departments and staff; a form sent with another district's region or department
// anyway (as a crafted request would) is refused, in Chinese, and changes nothing.
func TestADistrictAdminIsOfferedOnlyItsDistrict(t *testing.T) {
	s := newSite(t)
	sys := access.SystemPrincipal("test")
	if _, err := s.App.People.AddUser(t.Context(), sys, people.NewUser{Username: "jiefang.admin", DisplayName: "解放区管理员", Role: "admin", Scope: "410802", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	users := func() []access.User {
		us, err := s.App.People.ListUsers(t.Context(), sys)
		if err != nil {
			t.Fatal(err)
		}
		return us
	}
	before := users()
	b := newBrowser(t)
	da := b.person(t, "district-admin", false)
	da.width(wideWidth, false)
	da.signIn(s.URL, "jiefang.admin")
	da.do(chromedp.Navigate(s.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")))

	roles := eval[[]string](da, `[...document.querySelectorAll('#u-role option')].map(o => o.value)`)
	if slices.Contains(roles, "resident") || roles[0] != "inspector" || eval[string](da, `document.getElementById('u-role').value`) != "inspector" {
		t.Errorf("a district admin is offered roles %v starting at %q, want no resident and the least-privileged staff role first", roles, eval[string](da, `document.getElementById('u-role').value`))
	}
	listed := eval[[]string](da, `[...document.querySelectorAll('#users tr[data-user]')].map(tr => tr.dataset.user)`)
	if slices.Contains(listed, "inspector") || slices.Contains(listed, "admin") || !slices.Contains(listed, "handler") {
		t.Errorf("a district admin's list shows %v", listed)
	}
	if got := da.offers("u-scope", "山阳"); len(got) != 0 {
		t.Errorf("the scope picker offers %v for 山阳区", got)
	}
	if got := da.offers("u-scope", "民生"); !slices.Contains(got, "410802001") {
		t.Errorf("the scope picker offers %v for 民生, want 民生街道", got)
	}
	da.do(choose("#u-role", "handler"))
	if got := da.offers("u-dept", "城市管理"); !slices.Equal(got, []string{"410802-CGJ"}) {
		t.Errorf("the department picker offers %v, want 解放区城市管理局 alone", got)
	}

	// The form sent with 山阳区 anyway: the use case refuses it and the page says why.
	da.do(choose("#u-role", "operator"), chromedp.SendKeys(chromedp.ID("u-username"), "sneaky.operator"),
		chromedp.SendKeys(chromedp.ID("u-password"), "long-enough-pass"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#add-user-form input[name=scope]').value = '410811'`))
	da.follow(chromedp.Click(chromedp.ID("add-user-go")), "#problem")
	if got := da.text("#problem"); !strings.Contains(got, "不在您的管辖范围内") {
		t.Errorf("the refusal says %q, want that it is outside the admin's scope, in Chinese", got)
	}
	da.readsChinese("refused-user", []string{"jiefang", "admin", "handler", "operator", "leader", "dispatcher", "gridworker", "sneaky"})
	// Taking 解放区's handler into 山阳区's 城管局: refused too.
	da.do(chromedp.Navigate(s.URL+"/admin/users/handler"), chromedp.WaitVisible(chromedp.ID("edit-user")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#edit-user input[name=department]').value = '410811-CGJ'`))
	da.follow(chromedp.Click(chromedp.ID("edit-user-go")), "#problem")
	if got := da.text("#problem"); !strings.Contains(got, "不在您的管辖范围内") {
		t.Errorf("moving the handler out says %q", got)
	}
	if after := users(); !slices.EqualFunc(after, before, func(a, b access.User) bool { return a == b }) {
		t.Error("a refused district admin changed the users")
	}
	da.noScriptErrors()
}
