package web_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/settings"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// problemText is the refusal a page shows, if any.
func problemText(body string) string {
	m := regexp.MustCompile(`(?s)id="problem">(.*?)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// postFile sends a multipart form with one file, as a browser's upload does.
func (v *visitor) postFile(path, field, name string, content []byte, fields url.Values) (int, string) {
	v.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, x := range vs {
			_ = mw.WriteField(k, x)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", v.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if v.lang != "" {
		req.Header.Set("Accept-Language", v.lang)
	}
	res, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(res.Body)
	return res.StatusCode, out.String()
}

const smallTable = `stage,category_kind,category_code,urgency,area_class,limit,unit,source
accept,*,*,*,*,20,minute,test
handle,*,*,normal,*,3,work_day,test
handle,matter,09009,urgent,A,4,natural_hour,test
`

// limitsForm is the time-limits editor's form holding rows, as a browser posts it.
func limitsForm(rows []workflow.TimeLimit) url.Values {
	f := url.Values{}
	for i, t := range rows {
		n := strconv.Itoa(i * 3) // the indexes need not be consecutive: rows come and go
		pre := "l" + n + "."
		f.Add("row", n)
		cat := ""
		if t.Kind != "" || t.Category != "" {
			cat = string(t.Kind) + ":" + t.Category
		}
		f.Set(pre+"stage", string(t.Stage))
		f.Set(pre+"category", cat)
		f.Set(pre+"urgency", string(t.Urgency))
		f.Set(pre+"area", t.AreaClass)
		f.Set(pre+"limit", strconv.Itoa(t.Limit.Value))
		f.Set(pre+"unit", string(t.Limit.Unit))
		f.Set(pre+"source", t.Source)
	}
	return f
}

func TestTimeLimitsPageReplacesTheTableOrChangesNothing(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	stored := func() []workflow.TimeLimit {
		rows, err := s.App.Settings.TimeLimits(t.Context(), system)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	before := stored()

	for _, lang := range []string{"zh-CN", "en"} {
		admin := s.visitor(t)
		admin.lang = lang
		admin.signIn("admin")
		status, _, body := admin.do("GET", "/admin/time-limits", nil)
		if n := strings.Count(body, `name="row"`) - 1; status != 200 || n != len(before) { // and the new row's template
			t.Errorf("%s: the editor shows %d rows (status %d), want %d", lang, n, status, len(before))
		}
		if !strings.Contains(body, `href="/admin/time-limits" aria-current="page"`) || !strings.Contains(body, `href="/admin/calendar"`) {
			t.Errorf("%s: the admin navigation lacks the settings", lang)
		}
		// Each category is named: 09009 by its name, not its code.
		if !strings.Contains(body, `value="matter:09009"`) || !strings.Contains(body, `value="机动车乱停放"`) {
			t.Errorf("%s: the row of 09009 does not name the category", lang)
		}
		// The CSV to keep is the table itself, readable again as it is.
		_, h, csv := admin.do("GET", "/admin/time-limits.csv", nil)
		rows, err := workflow.ReadTimeLimits(strings.NewReader(strings.TrimPrefix(csv, "\ufeff")))
		if err != nil || !reflect.DeepEqual(rows, before) || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") {
			t.Errorf("%s: the downloaded CSV reads back as %d rows (%v), want the stored %d", lang, len(rows), err, len(before))
		}
	}

	admin := s.visitor(t)
	admin.signIn("admin")
	small, _ := workflow.ReadTimeLimits(strings.NewReader(smallTable))
	edit := func(change func(f url.Values)) url.Values {
		f := limitsForm(small)
		change(f)
		return f
	}
	refusals := []struct {
		name string
		form url.Values
		want string // in the Chinese page's words
	}{
		{"an unknown unit", edit(func(f url.Values) { f.Set("l3.unit", "fortnight") }), "第 2 行：“时限单位”填写有误"},
		{"a bad category", edit(func(f url.Values) { f.Set("l6.category", "matter:9009") }), "第 3 行：“问题类别”填写有误"},
		{"a limit that is no number", edit(func(f url.Values) { f.Set("l0.limit", "twenty") }), "第 1 行：“时限”填写有误"},
		{"a limit of nothing", edit(func(f url.Values) { f.Set("l0.limit", "0") }), "第 1 行：时限须在 1 到 100000 之间"},
		{"an unknown stage", edit(func(f url.Values) { f.Set("l0.stage", "lunch") }), "第 1 行：“阶段”填写有误"},
		{"no rows", url.Values{"row": nil, "csv": nil}, "时限表不能为空"},
	}
	for _, rf := range refusals {
		status, _, body := admin.do("POST", "/admin/time-limits", rf.form)
		if status != http.StatusUnprocessableEntity || !strings.Contains(problemText(body), rf.want) {
			t.Errorf("%s: got %d, problem %q; want 422 saying %q", rf.name, status, problemText(body), rf.want)
		}
		if latin := regexp.MustCompile(`[A-Za-z]{3,}`).FindString(html.UnescapeString(problemText(body))); latin != "" && rf.name != "an unknown unit" {
			t.Errorf("%s: the Chinese refusal shows %q", rf.name, latin)
		}
		if rf.form.Has("l0.stage") && !strings.Contains(body, `value="test"`) {
			t.Errorf("%s: the refused rows are not shown again to correct", rf.name)
		}
		if got := stored(); !reflect.DeepEqual(got, before) {
			t.Fatalf("%s changed the table", rf.name)
		}
	}
	// Neither an operator nor an admin of one district may see or change the city's table.
	op := s.visitor(t)
	op.signIn("operator")
	for _, path := range []string{"/admin/time-limits", "/admin/time-limits.csv"} {
		if status, _, _ := op.do("GET", path, nil); status != http.StatusForbidden {
			t.Errorf("an operator on %s: %d, want 403", path, status)
		}
	}
	if status, _, _ := op.do("POST", "/admin/time-limits", limitsForm(small)); status != http.StatusForbidden {
		t.Errorf("an operator replacing the time limits: %d, want 403", status)
	}
	if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	da := s.visitor(t)
	da.signIn("district-admin")
	if _, _, body := da.do("GET", "/admin/users", nil); strings.Contains(body, `href="/admin/time-limits"`) {
		t.Error("a district admin is offered the city's time limits")
	}
	if status, _, body := da.do("GET", "/admin/time-limits", nil); status != http.StatusForbidden || problemText(body) == "" {
		t.Errorf("a district admin on the time limits: %d, want 403 with the reason", status)
	}
	if status, _, body := da.do("POST", "/admin/time-limits", limitsForm(small)); status != http.StatusForbidden || problemText(body) == "" {
		t.Errorf("a district admin replacing the time limits: %d, want 403 with the reason", status)
	}
	if got := stored(); !reflect.DeepEqual(got, before) {
		t.Fatal("a refused person changed the table")
	}

	// The editor's rows replace the table; an uploaded file does too.
	if status, h, body := admin.do("POST", "/admin/time-limits", limitsForm(small)); status != http.StatusSeeOther {
		t.Fatalf("replace by the editor: %d %s %q", status, h.Get("Location"), problemText(body))
	}
	if got := stored(); !reflect.DeepEqual(got, small) {
		t.Errorf("after the editor: %v, want %v", got, small)
	}
	if status, body := admin.postFile("/admin/time-limits", "file", "limits.csv", []byte("\ufeff"+strings.Replace(smallTable, ",20,", ",15,", 1)), nil); status != http.StatusSeeOther {
		t.Fatalf("replace by upload: %d %q", status, problemText(body))
	}
	if got := stored(); len(got) != 3 || got[0].Limit != (worktime.Limit{Value: 15, Unit: worktime.Minute}) {
		t.Errorf("after the upload: %v", got)
	}
	afterUpload := stored()
	status, body := admin.postFile("/admin/time-limits", "file", "limits.csv", []byte("stage,limit,unit\nhandle,0,minute\naccept,x,minute\n"), nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(problemText(body), "文件有 2 处错误，在第 2、3 行") {
		t.Errorf("a bad upload: %d %q, want 422 naming its lines in Chinese", status, problemText(body))
	}
	if got := stored(); !reflect.DeepEqual(got, afterUpload) {
		t.Error("a refused upload changed the table")
	}
}

func TestCalendarPageAddsAndRemovesDates(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	stored := func() []worktime.Override {
		o, err := s.App.Settings.CalendarOverrides(t.Context(), system)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	admin := s.visitor(t)
	admin.signIn("admin")
	if status, _, body := admin.do("GET", "/admin/calendar", nil); status != 200 || !strings.Contains(body, `id="no-overrides"`) {
		t.Fatalf("empty calendar page: %d", status)
	}
	adds := []url.Values{
		{"date": {"2027-03-08"}, "working": {"0"}, "note": {"地方节日"}},
		{"date": {"2027-03-13"}, "working": {"1"}},
	}
	for _, f := range adds {
		if status, _, body := admin.do("POST", "/admin/calendar", f); status != http.StatusSeeOther {
			t.Fatalf("add %v: %d %q", f, status, problemText(body))
		}
	}
	want := []worktime.Override{{Date: "2027-03-08", Working: false, Note: "地方节日"}, {Date: "2027-03-13", Working: true}}
	if got := stored(); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		admin.lang = lang
		_, _, body := admin.do("GET", "/admin/calendar", nil)
		for _, s := range []string{`data-date="2027-03-08"`, "地方节日", `data-date="2027-03-13"`} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the calendar page lacks %s", lang, s)
			}
		}
	}
	admin.lang = ""
	refusals := []struct {
		name string
		form url.Values
	}{
		{"a date that does not exist", url.Values{"date": {"2027-02-30"}, "working": {"0"}}},
		{"a date in another form", url.Values{"date": {"08/03/2027"}, "working": {"0"}}},
		{"no date", url.Values{"working": {"1"}}},
		{"no kind of day", url.Values{"date": {"2027-03-09"}}},
		{"a date outside the years counted", url.Values{"date": {"1999-12-31"}, "working": {"1"}}},
		{"a note too long", url.Values{"date": {"2027-03-10"}, "working": {"0"}, "note": {strings.Repeat("长", 201)}}},
	}
	for _, rf := range refusals {
		status, _, body := admin.do("POST", "/admin/calendar", rf.form)
		if status != http.StatusUnprocessableEntity || problemText(body) == "" {
			t.Errorf("%s: got %d %q, want 422 with the reason", rf.name, status, problemText(body))
		}
		if d := rf.form.Get("date"); d != "" && !strings.Contains(body, `value="`+d+`"`) {
			t.Errorf("%s: the refused date is not kept in the form", rf.name)
		}
	}
	if status, _, _ := admin.do("POST", "/admin/calendar/2027-04-01/delete", url.Values{}); status != http.StatusNotFound {
		t.Errorf("deleting a date that has no setting: %d, want 404", status)
	}
	op := s.visitor(t)
	op.signIn("operator")
	if status, _, _ := op.do("POST", "/admin/calendar", adds[0]); status != http.StatusForbidden {
		t.Errorf("an operator setting a date: %d, want 403", status)
	}
	if status, _, _ := op.do("POST", "/admin/calendar/2027-03-08/delete", url.Values{}); status != http.StatusForbidden {
		t.Errorf("an operator removing a date: %d, want 403", status)
	}
	if got := stored(); !reflect.DeepEqual(got, want) {
		t.Fatalf("refusals changed the calendar: %v", got)
	}
	if status, _, _ := admin.do("POST", "/admin/calendar/2027-03-08/delete", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	if got := stored(); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("after deleting: %v, want %v", got, want[1:])
	}
}

// The calendar page sets the office hours by season, one a line; a refusal says what is wrong in
// the reader's language and keeps the text; a district's admin may not.
func TestCalendarPageSetsOfficeHours(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	stored := func() settings.OfficeHours {
		h, err := s.App.Settings.OfficeHours(t.Context(), system)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	def := stored()
	admin := s.visitor(t)
	admin.signIn("admin")
	_, _, page := admin.do("GET", "/admin/calendar", nil)
	for _, want := range []string{`id="hours-default"`, `<tr data-season="01-01"><td>每年 01-01 起</td><td>08:00-12:00、14:00-18:00</td></tr>`,
		">01-01 08:00-12:00 14:00-18:00\n</textarea>", "法定节假日安排已知至 2027-12-31"} {
		if !strings.Contains(page, want) {
			t.Errorf("the calendar page lacks %q", want)
		}
	}
	refusals := []struct{ name, text, want string }{
		{"a window written in words", "01-01 上午八点到十二点", "应写成 08:00-12:00"},
		{"a window past midnight", "01-01 20:00-25:00", "20:00-25:00"},
		{"overlapping windows", "01-01 08:00-12:00 11:00-13:00", "重叠"},
		{"a start that is no date", "5月1日 08:00-12:00", "5月1日"},
		{"a season without hours", "01-01 08:00-12:00\n05-01", "从 05-01 起的作息没有办公时段"},
		{"two seasons on one day", "05-01 08:00-12:00\n05-01 09:00-12:00", "两套作息"},
	}
	for _, rf := range refusals {
		status, _, body := admin.do("POST", "/admin/calendar/office-hours", url.Values{"hours": {rf.text}})
		if p := html.UnescapeString(problemText(body)); status != http.StatusUnprocessableEntity || !strings.Contains(p, rf.want) || latinWords(p) {
			t.Errorf("%s: got %d %q, want 422 saying %q in Chinese", rf.name, status, p, rf.want)
		}
		if !strings.Contains(html.UnescapeString(body), rf.text+"</textarea>") {
			t.Errorf("%s: the refused text is not shown again to correct", rf.name)
		}
	}
	if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	da := s.visitor(t)
	da.signIn("district-admin")
	if status, _, _ := da.do("POST", "/admin/calendar/office-hours", url.Values{"hours": {"01-01 09:00-17:00"}}); status != http.StatusForbidden {
		t.Errorf("a district admin setting office hours: %d, want 403", status)
	}
	if got := stored(); !reflect.DeepEqual(got, def) {
		t.Fatalf("refusals changed the office hours: %+v", got)
	}
	summer := "01-01 08:00-12:00 14:00-18:00\n05-01 08:00-12:00，15:00-18:30\r\n\n10-01 08:00-12:00 14:00-18:00"
	if status, _, body := admin.do("POST", "/admin/calendar/office-hours", url.Values{"hours": {summer}}); status != http.StatusSeeOther {
		t.Fatalf("set summer hours: %d %q", status, problemText(body))
	}
	if got := stored(); got.Default || len(got.Seasons) != 3 || strings.Join(got.Seasons[1].Windows, " ") != "08:00-12:00 15:00-18:30" {
		t.Errorf("stored %+v", got)
	}
	_, _, page = admin.do("GET", "/admin/calendar", nil)
	if !strings.Contains(page, `<tr data-season="05-01"><td>每年 05-01 起</td><td>08:00-12:00、15:00-18:30</td></tr>`) || strings.Contains(page, `id="hours-default"`) {
		t.Error("the calendar page does not show the summer hours")
	}
	if status, _, _ := admin.do("POST", "/admin/calendar/office-hours", url.Values{"hours": {"  \n"}}); status != http.StatusSeeOther {
		t.Fatalf("restore the default: %d", status)
	}
	if got := stored(); !reflect.DeepEqual(got, def) {
		t.Errorf("an empty box left %+v, want the default", got)
	}
}

// latinWords reports whether Chinese text shows Latin letters.
func latinWords(s string) bool { return regexp.MustCompile(`[A-Za-z]`).MatchString(s) }
