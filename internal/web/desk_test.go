package web_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// storedCases is every case as stored, by ticket: status, holder and supports, so that a refusal can be
// shown to have changed nothing.
func storedCases(t *testing.T, s *site) map[string]string {
	t.Helper()
	list, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range list.Cases {
		out[c.Ticket] = fmt.Sprintf("%s/%s/%d", c.Status, c.Holder.Code, c.Counters.Supports)
	}
	return out
}

func sameCases(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("%s changed the stored cases:\n before %v\n after  %v", what, before, after)
	}
}

// pointIn is a point inside a grid, as strings for a form.
func pointIn(t *testing.T, s *site, code string) (lon, lat string) {
	t.Helper()
	reg, err := s.App.Regions.Region(t.Context(), code, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	return fmt.Sprint(pt[0]), fmt.Sprint(pt[1])
}

// hotlineCSV is a batch of tickets, one per row given as (ticket, grid, description).
func hotlineCSV(t *testing.T, s *site, rows ...[3]string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("ticket,received_at,category_kind,category,description,lon,lat,crs,address,contact_name,contact_phone,urgency\n")
	for _, r := range rows {
		lon, lat := pointIn(t, s, r[1])
		fmt.Fprintf(&b, "%s,2026-11-25 09:30,matter,09009,%s,%s,%s,wgs84,民生街12号,赵先生,13912345678,normal\n", r[0], r[2], lon, lat)
	}
	return b.Bytes()
}

// The desk takes a call with the caller's contact, kept for the centre only; it refuses the
// wrong people and bad input, storing nothing. On both engines.
func TestTheDeskFilesACallWithTheCallersContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		if _, err := s.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{Username: "shanyang", Role: "operator", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		lon, lat := pointIn(t, s, demo.GridWorkerGrid)
		good := url.Values{"caller_name": {"赵先生"}, "caller_phone": {"0391-3561234"}, "source": {"phone"}, "urgency": {"urgent"},
			"category": {"matter:09009"}, "description": {"小区门口车辆占用消防通道"}, "lon": {lon}, "lat": {lat}, "address": {"民生街12号"}}
		with := func(k, v string) url.Values {
			f := url.Values{}
			for kk, vv := range good {
				f[kk] = vv
			}
			f.Set(k, v)
			return f
		}
		before := storedCases(t, s)

		// The wrong people: the public, a department, a grid worker, the command centre, the
		// signed out.
		for _, who := range []string{"resident", "handler", "gridworker", "dispatcher", ""} {
			v := s.visitor(t)
			if who != "" {
				v.signIn(who)
			}
			for _, req := range []struct{ method, path string }{{"GET", "/desk"}, {"POST", "/desk"}, {"GET", "/desk/places?place=枫华园"}} {
				var form url.Values
				if req.method == "POST" {
					form = good
				}
				status, h, _ := v.do(req.method, req.path, form)
				want := http.StatusForbidden
				if who == "" {
					want = http.StatusSeeOther
				}
				if status != want || (who == "" && !strings.HasPrefix(h.Get("Location"), "/login")) {
					t.Errorf("%q %s %s: %d %s, want %d", who, req.method, req.path, status, h.Get("Location"), want)
				}
			}
		}
		sameCases(t, "the wrong people", before, storedCases(t, s))

		op := s.visitor(t)
		op.signIn("operator")
		// Hostile and bad input: refused, nothing stored.
		for name, tc := range map[string]struct {
			form   url.Values
			status int
		}{
			"a NUL in the caller's name":      {with("caller_name", "赵\x00先生"), http.StatusBadRequest},
			"invalid UTF-8 in the text":       {with("description", "占道\xff\xfe"), http.StatusBadRequest},
			"a phone number that is none":     {with("caller_phone", "call me maybe"), http.StatusUnprocessableEntity},
			"a source the desk does not take": {with("source", "open311"), http.StatusUnprocessableEntity},
			"an unknown category":             {with("category", "matter:99999"), http.StatusUnprocessableEntity},
			"no place":                        {with("lon", ""), http.StatusUnprocessableEntity},
			"a grid code that is no grid":     {func() url.Values { f := with("lon", ""); f.Set("grid", "4108'--"); return f }(), http.StatusUnprocessableEntity},
			"no description":                  {with("description", " "), http.StatusUnprocessableEntity},
			"a name of 51 characters":         {with("caller_name", strings.Repeat("赵", 51)), http.StatusUnprocessableEntity},
		} {
			status, _, body := op.do("POST", "/desk", tc.form)
			if status != tc.status || (status == 422 && problemText(body) == "") {
				t.Errorf("%s: %d %q, want %d with the reason", name, status, problemText(body), tc.status)
			}
			if status == 422 && !strings.Contains(body, "赵先生") && tc.form.Get("caller_name") == "赵先生" {
				t.Errorf("%s: the refused form lost what was typed", name)
			}
		}
		huge := with("description", strings.Repeat("占", 20<<20))
		if status, _, _ := op.do("POST", "/desk", huge); status != http.StatusRequestEntityTooLarge && status != http.StatusBadRequest {
			t.Errorf("a huge form: %d, want 413", status)
		}
		// Another district's operator cannot pick this district's grid by name.
		other := s.visitor(t)
		other.signIn("shanyang")
		if status, _, _ := other.do("POST", "/desk", func() url.Values { f := with("lon", ""); f.Set("grid", demo.GridWorkerGrid); return f }()); status != http.StatusUnprocessableEntity {
			t.Errorf("another district's grid by name: %d, want 422", status)
		}
		if _, _, body := other.do("GET", "/desk/places?place=枫华园", nil); strings.Contains(body, demo.GridWorkerGrid) {
			t.Error("another district's operator finds this district's grids")
		}
		sameCases(t, "the refusals", before, storedCases(t, s))

		// The call is filed: the operator lands on the case, which keeps the caller's contact.
		status, h, body := op.do("POST", "/desk", good)
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/") {
			t.Fatalf("filing the call: %d %s %s", status, h.Get("Location"), problemText(body))
		}
		list, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{Text: "消防通道"})
		if err != nil || len(list.Cases) != 1 {
			t.Fatalf("the filed call: %v %v", list, err)
		}
		c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), list.Cases[0].ID)
		if err != nil || c.Source != "phone" || c.Urgency != "urgent" || c.Contact == nil || (*c.Contact)["phone"] != "0391-3561234" || c.Address != "民生街12号" {
			t.Errorf("the stored call: source %s, urgency %s, contact %v (%v)", c.Source, c.Urgency, c.Contact, err)
		}
		// By a grid found by name, from the 12345 hotline.
		byName := with("lon", "")
		byName.Set("grid", demo.GridWorkerGrid)
		byName.Set("source", "hotline")
		byName.Set("description", "路灯不亮")
		if status, h, _ := op.do("POST", "/desk", byName); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/") {
			t.Errorf("filing by a grid's name: %d %s", status, h.Get("Location"))
		}
		// The caller's number shows to the centre, never on the public tracking page or Open311.
		_, _, page := op.do("GET", "/cases/"+itoa(c.ID), nil)
		if !strings.Contains(page, "0391-3561234") {
			t.Error("the operator does not see the caller's number on the case")
		}
		handler := s.visitor(t)
		handler.signIn("handler")
		for _, path := range []string{"/track/" + c.Ticket, "/open311/v2/requests.json", "/open311/v2/requests/" + c.Ticket + ".json"} {
			for _, v := range []*visitor{s.visitor(t), handler} {
				if _, _, body := v.do("GET", path, nil); strings.Contains(body, "3561234") || strings.Contains(body, "赵先生") {
					t.Errorf("%s shows the caller's contact", path)
				}
			}
		}
	})
}

// A 12345 batch is previewed (every row, every problem, nothing written) and then filed all
// or nothing; the wrong people and hostile files are refused with nothing stored. On both
// engines.
func TestAHotlineBatchIsPreviewedThenFiledAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		open := reportHere(t, s, demo.GridWorkerGrid, "09009") // the batch's repeat joins it
		batch := hotlineCSV(t, s, [3]string{"GD20261125001", demo.GridWorkerGrid, "车辆乱停占用人行道"},
			[3]string{"GD20261125002", "410802007001001", "机动车乱停放堵塞路口"})
		before := storedCases(t, s)

		for _, who := range []string{"resident", "handler", "gridworker", "dispatcher", ""} {
			v := s.visitor(t)
			if who != "" {
				v.signIn(who)
			}
			st1, _ := v.postFile("/desk/hotline/preview", "batch", "batch.csv", batch, nil)
			st2, _, _ := v.do("POST", "/desk/hotline", url.Values{"name": {"batch.csv"}, "data": {base64.StdEncoding.EncodeToString(batch)}})
			st3, _, _ := v.do("GET", "/desk/hotline", nil)
			want := http.StatusForbidden
			if who == "" {
				want = http.StatusSeeOther
			}
			if st1 != want || st2 != want || st3 != want {
				t.Errorf("%q: preview %d, file %d, page %d; want %d", who, st1, st2, st3, want)
			}
		}
		sameCases(t, "the wrong people", before, storedCases(t, s))

		op := s.visitor(t)
		op.signIn("operator")
		nul := bytes.Replace(batch, []byte("车辆乱停"), []byte("车辆\x00乱停"), 1)
		badUTF8 := bytes.Replace(batch, []byte("堵塞路口"), []byte("堵塞\xff\xfe"), 1)
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)
		var book bytes.Buffer
		x := excelize.NewFile()
		_ = x.SetSheetRow("Sheet1", "A1", &[]any{"ticket", "received_at"})
		_ = x.Write(&book)
		for name, tc := range map[string]struct {
			file   []byte
			fname  string
			status int
			says   string
		}{
			"a NUL in a row":               {nul, "batch.csv", http.StatusOK, "第 2 行"},
			"invalid UTF-8 in a row":       {badUTF8, "batch.csv", http.StatusOK, "第 3 行"},
			"a photo named .csv":           {png, "batch.csv", http.StatusUnsupportedMediaType, "CSV 或 XLSX"},
			"a photo":                      {png, "photo.png", http.StatusUnsupportedMediaType, "CSV 或 XLSX"},
			"a file of 3 MB":               {append(bytes.Clone(batch), bytes.Repeat([]byte("#"), 3<<20)...), "batch.csv", http.StatusRequestEntityTooLarge, "2 MB"},
			"a zip that is no workbook":    {[]byte("PK\x03\x04garbage"), "batch.xlsx", http.StatusUnprocessableEntity, "Excel"},
			"a workbook without columns":   {book.Bytes(), "batch.xlsx", http.StatusUnprocessableEntity, "缺少"},
			"a header with a NUL":          {append([]byte("tick\x00et,"), batch...), "batch.csv", http.StatusUnprocessableEntity, "列名行"},
			"a file with no header at all": {[]byte(""), "batch.csv", http.StatusUnprocessableEntity, ""},
		} {
			status, body := op.postFile("/desk/hotline/preview", "batch", tc.fname, tc.file, nil)
			if status != tc.status || !strings.Contains(body, tc.says) {
				t.Errorf("%s: %d %q, want %d saying %q", name, status, problemText(body), tc.status, tc.says)
			}
			if tc.status == http.StatusOK && (strings.Contains(body, `id="hotline-file"`) || !strings.Contains(body, `id="hotline-blocked"`)) {
				t.Errorf("%s: a batch with a problem may be filed", name)
			}
			// Filing it anyway, past the page, is refused whole.
			if status, _, _ := op.do("POST", "/desk/hotline", url.Values{"name": {tc.fname}, "data": {base64.StdEncoding.EncodeToString(tc.file)}}); status < 400 {
				t.Errorf("%s: filing it anyway: %d", name, status)
			}
		}
		if status, _, _ := op.do("POST", "/desk/hotline", url.Values{"name": {"batch.csv"}, "data": {"not base64 \x00"}}); status != http.StatusBadRequest {
			t.Errorf("a NUL in the form: %d, want 400", status)
		}
		if status, _, _ := op.do("POST", "/desk/hotline", url.Values{"name": {"batch.csv"}, "data": {"!!!"}}); status != http.StatusUnprocessableEntity {
			t.Errorf("a batch that is not base64: %d, want 422", status)
		}
		if status, _ := op.postFile("/desk/hotline/preview", "other", "batch.csv", batch, nil); status != http.StatusUnprocessableEntity {
			t.Errorf("no batch field: %d, want 422", status)
		}
		sameCases(t, "the hostile files", before, storedCases(t, s))

		// The preview shows every row and what it becomes, and writes nothing.
		status, body := op.postFile("/desk/hotline/preview", "batch", "batch.csv", batch, nil)
		if status != http.StatusOK || !strings.Contains(body, `id="hotline-file"`) {
			t.Fatalf("preview: %d %s", status, problemText(body))
		}
		for _, want := range []string{"GD20261125001", "GD20261125002", "并入案件 " + open.Ticket, "新建案件", "枫华园社区第1网格", "机动车乱停放", "赵先生 13912345678"} {
			if !strings.Contains(body, want) {
				t.Errorf("the preview does not show %q", want)
			}
		}
		sameCases(t, "the preview", before, storedCases(t, s))

		// Filing files it all; filing again skips it all.
		data := regexpValue(t, body, "data")
		status, h, _ := op.do("POST", "/desk/hotline", url.Values{"name": {"batch.csv"}, "data": {data}})
		if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "notice=") {
			t.Fatalf("filing: %d %s", status, h.Get("Location"))
		}
		after := storedCases(t, s)
		if len(after) != len(before)+1 {
			t.Errorf("after filing %d cases, want %d (one new, one merged)", len(after), len(before)+1)
		}
		orig, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), open.ID)
		if err != nil || len(orig.Channels) != 1 || orig.Channels[0].Ref != "GD20261125001" {
			t.Errorf("the open case's channels: %+v %v", orig.Channels, err)
		}
		status, body = op.postFile("/desk/hotline/preview", "batch", "batch.csv", batch, nil)
		if status != http.StatusOK || !strings.Contains(body, "已导入跳过 2 件") {
			t.Errorf("the same batch again: %d, the preview does not say both were imported before", status)
		}
	})
}

// regexpValue reads a hidden input's value from a page.
func regexpValue(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no %s field on the page", name)
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&#43;", "+")
}

// 派发核实 through a community's worker (代管) is refused to the wrong people, for a worker from
// elsewhere, for a grid that has its own worker and for bytes that are not text, changing
// neither the case nor the grid's members; done right it adds the worker and sends the check,
// both in the audit trail. On both engines.
func TestACheckThroughACommunitysWorkerRefusesWhatItShould(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		system := access.SystemPrincipal("test")
		if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "taihang.gw", Role: "gridworker", Scope: "410802007001002", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		if err := s.App.Regions.PutGridMember(t.Context(), system, "410802007001002", "taihang.gw", "worker"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "shanyang", Role: "operator", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		vacant := reportHere(t, s, "410802007001001", "09009")
		staffed := reportHere(t, s, demo.GridWorkerGrid, "09009")
		members := func() string {
			m, err := s.App.Regions.GridMembers(t.Context(), system, "410802007001001")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(m)
		}
		before, beforeMembers := storedCases(t, s), members()
		check := func(_ int64, worker string) url.Values {
			return url.Values{"action": {"request_check"}, "version": {"1"}, "worker": {worker}, "note": {"请代为核实"}}
		}
		for _, tc := range []struct {
			name, who string
			id        int64
			worker    string
			status    int
		}{
			{"a resident", "resident", vacant.ID, "taihang.gw", http.StatusNotFound},
			{"a department's handler", "handler", vacant.ID, "taihang.gw", http.StatusNotFound},
			{"the grid worker of another grid", "gridworker", vacant.ID, "taihang.gw", http.StatusNotFound},
			{"another district's operator", "shanyang", vacant.ID, "taihang.gw", http.StatusNotFound},
			{"the command centre", "dispatcher", vacant.ID, "taihang.gw", http.StatusForbidden},
			{"a worker of another community", "operator", vacant.ID, "gridworker", http.StatusUnprocessableEntity},
			{"a worker nobody knows", "operator", vacant.ID, "nobody", http.StatusUnprocessableEntity},
			{"a NUL in the worker", "operator", vacant.ID, "taihang\x00.gw", http.StatusBadRequest},
			{"invalid UTF-8 in the worker", "operator", vacant.ID, "taihang\xff", http.StatusBadRequest},
			{"a grid with its own worker", "operator", staffed.ID, "taihang.gw", http.StatusConflict},
		} {
			v := s.visitor(t)
			v.signIn(tc.who)
			status, _, body := v.do("POST", "/cases/"+itoa(tc.id)+"/actions", check(tc.id, tc.worker))
			if status != tc.status {
				t.Errorf("%s: %d %q, want %d", tc.name, status, problemText(body), tc.status)
			}
		}
		if status, h, _ := s.visitor(t).do("POST", "/cases/"+itoa(vacant.ID)+"/actions", check(vacant.ID, "taihang.gw")); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
			t.Errorf("signed out: %d %s", status, h.Get("Location"))
		}
		sameCases(t, "the refusals", before, storedCases(t, s))
		if got := members(); got != beforeMembers {
			t.Errorf("the refusals changed the grid's members: %s, was %s", got, beforeMembers)
		}

		op := s.visitor(t)
		op.signIn("operator")
		if status, h, body := op.do("POST", "/cases/"+itoa(vacant.ID)+"/actions", check(vacant.ID, "taihang.gw")); status != http.StatusSeeOther {
			t.Fatalf("the check: %d %s %s", status, h.Get("Location"), problemText(body))
		}
		if got := members(); !strings.Contains(got, "taihang.gw") {
			t.Errorf("the covering worker is not on the grid: %s", got)
		}
		c, err := s.App.Cases.Case(t.Context(), principal(t, s, "taihang.gw"), vacant.ID)
		if err != nil || c.Holder.Code != "410802007001001" || c.Names == nil || len(c.Names.HolderPeople) != 1 || c.Names.HolderPeople[0].Username != "taihang.gw" {
			t.Errorf("after the check: %+v %+v %v", c.Holder, c.Names, err)
		}
		var covered bool
		if err := db.EachAudit(t.Context(), func(r audit.Record) error {
			covered = covered || (r.Action == "grid.member.cover" && r.Actor == "operator")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !covered {
			t.Error("the audit trail does not record who made the worker cover the grid")
		}
	})
}

// The desk's pages have every message in both languages.
func TestTheDeskPagesHaveEveryString(t *testing.T) {
	s := newSite(t)
	batch := hotlineCSV(t, s, [3]string{"GD1", demo.GridWorkerGrid, "占道"}, [3]string{"GD1", demo.GridWorkerGrid, "占道"})
	for _, lang := range []string{"zh-CN", "en"} {
		v := s.visitor(t)
		v.lang = lang
		v.signIn("operator")
		for _, path := range []string{"/desk", "/desk/hotline", "/desk/places?place=枫华园"} {
			status, _, body := v.do("GET", path, nil)
			if m := missingKey.FindString(body); status != 200 || m != "" {
				t.Errorf("%s %s: %d, message %s missing", lang, path, status, m)
			}
		}
		status, body := v.postFile("/desk/hotline/preview", "batch", "batch.csv", batch, nil)
		if m := missingKey.FindString(body); status != 200 || m != "" || !strings.Contains(body, `id="hotline-problems"`) {
			t.Errorf("%s preview: %d, message %s missing", lang, status, m)
		}
	}
}
