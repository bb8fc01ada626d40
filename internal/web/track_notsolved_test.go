package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/photo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// photoBytes is a small JPEG, different per seed.
func photoBytes(t *testing.T, seed uint8) []byte {
	t.Helper()
	b, err := os.ReadFile(photoFile(t, seed))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gridPoint is a point inside the grid worker's grid, where the tests' problems are.
func gridPoint(t *testing.T, s *site) orb.Point {
	t.Helper()
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	return pt
}

// closedCase is a case the resident reported and staff took to closure through the use cases,
// with a handling result and an after-photo; it returns the case and the after-photo's id.
func closedCase(t *testing.T, s *site, description string) (cases.Intake, string) {
	t.Helper()
	pt := gridPoint(t, s)
	c, err := s.App.Cases.Report(t.Context(), principal(t, s, "resident"), cases.NewCase{CategoryKind: "matter", Category: "09009",
		Description: description, Lon: &pt[0], Lat: &pt[1]})
	if err != nil {
		t.Fatal(err)
	}
	return c, takeToClosure(t, s, c.ID)
}

// takeToClosure has staff register, dispatch, sign for, handle (with a result and a photo of
// it) and verify a reported case, through the use cases; it returns the after-photo's id.
func takeToClosure(t *testing.T, s *site, id int64) string {
	t.Helper()
	after, err := s.App.Cases.UploadPhoto(t.Context(), principal(t, s, "handler"), photoBytes(t, 200))
	if err != nil {
		t.Fatal(err)
	}
	pass := true
	for _, st := range []struct {
		who, action string
		in          workflow.Input
	}{
		{"operator", "register", workflow.Input{}},
		{"dispatcher", "dispatch", workflow.Input{}},
		{"handler", "accept", workflow.Input{}},
		{"handler", "handle", workflow.Input{Result: "已拖离车辆，恢复盲道通行", Photos: []string{after.ID}}},
		{"gridworker", "verify", workflow.Input{Pass: &pass, Note: "内部核查备注"}},
	} {
		if _, err := s.App.Cases.Act(t.Context(), principal(t, s, st.who), id, st.action, nil, st.in); err != nil {
			t.Fatalf("%s %s: %v", st.who, st.action, err)
		}
	}
	return after.ID
}

// form is a multipart form: fields, and files under "photo".
type form struct {
	fields map[string]string
	photos [][]byte
}

// postForm posts a multipart form as the visitor and answers the status and body; it may run
// in a goroutine (it never stops the test).
func (v *visitor) postForm(path string, f form) (int, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, val := range f.fields {
		if err := w.WriteField(k, val); err != nil {
			return 0, "", err
		}
	}
	for i, data := range f.photos {
		part, err := w.CreateFormFile("photo", fmt.Sprintf("p%d.jpg", i))
		if err != nil {
			return 0, "", err
		}
		if _, err := part.Write(data); err != nil {
			return 0, "", err
		}
	}
	if err := w.Close(); err != nil {
		return 0, "", err
	}
	req, err := http.NewRequest("POST", v.base+path, &b)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := v.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, string(body), err
}

// trackState is what a refused "not solved" must leave as it was: the case, its timeline, the
// audit chain, and the photos it sent (by content id) never recorded.
type trackState struct {
	Version, Events int
	Status          workflow.Status
	Audit           int64
}

func snapTrack(t *testing.T, s *site, id int64) trackState {
	t.Helper()
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	seq, _, err := s.DB.AuditHead(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return trackState{Version: c.Version, Events: len(c.Timeline), Status: c.Status, Audit: seq}
}

func contentID(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// bigPNG is a PNG of more pixels than a phone takes, in a few kilobytes.
func bigPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 8000, 6000))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The tracking page shows a closed case as a resident reads it (the department by name, each
// step in plain words, the handling's result and after-photo, no staff and no codes), and its
// reporter alone may say "没有解决" within 7 days of closing, with a note and perhaps a photo:
// the case goes back to the centre and the page says so. Everyone else, a late reporter and
// hostile bytes are refused in Chinese, changing nothing; two presses at once reopen it once.
func TestNotSolvedOnTheTrackingPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// The browser keeps a session cookie until the site's clock says it ends, on the real
		// clock: the site's clock starts two days ago, and sessions outlast the test's month.
		clock := &demo.Clock{}
		closedAt := time.Now().Add(-48 * time.Hour).Truncate(time.Minute)
		clock.Set(closedAt)
		s := newSiteOnWith(t, db, app.Options{Clock: clock.Now, TrackLimit: 100000, SessionTTL: 400 * 24 * time.Hour})
		if _, err := s.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{Username: "neighbour", Role: "resident", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		c, after := closedCase(t, s, "小区门口车辆占用盲道")
		path := "/track/" + c.Ticket
		clock.Set(closedAt.Add(time.Hour))

		anon, reporter, neighbour, operator, leader := s.visitor(t), s.visitor(t), s.visitor(t), s.visitor(t), s.visitor(t)
		reporter.signIn("resident")
		neighbour.signIn("neighbour")
		operator.signIn("operator")
		leader.signIn("leader")

		t.Run("the page reads as a resident reads it", func(t *testing.T) {
			for name, v := range map[string]*visitor{"anonymous": anon, "the reporter": reporter} {
				status, _, body := v.do("GET", path, nil)
				if status != http.StatusOK {
					t.Fatalf("%s: %d", name, status)
				}
				for _, want := range []string{"小区门口车辆占用盲道", "已派给 解放区城市管理局", "解放区城市管理局正在处理",
					"已处理", "已拖离车辆，恢复盲道通行", "/api/v1/attachments/" + after + "?variant=thumbnail", "已核查，已结案", ">已结案<"} {
					if !strings.Contains(body, want) {
						t.Errorf("%s: the page lacks %q", name, want)
					}
				}
				for _, never := range []string{"410802-CGJ", "handler", "gridworker", "dispatcher", "内部核查备注", "差错结案", "正常结案", "(09009)"} {
					if strings.Contains(body, never) {
						t.Errorf("%s: the page shows %q", name, never)
					}
				}
			}
			_, _, body := reporter.do("GET", path, nil)
			until := closedAt.Add(7 * 24 * time.Hour).In(worktime.China).Format("2006年1月2日 15:04")
			if !strings.Contains(body, `id="not-solved-form"`) || !strings.Contains(body, until) {
				t.Errorf("the reporter is not offered 没有解决 until %s", until)
			}
			for name, v := range map[string]*visitor{"anonymous": anon, "a neighbour": neighbour, "the operator": operator, "the leader": leader} {
				if _, _, body := v.do("GET", path, nil); strings.Contains(body, `id="not-solved-form"`) {
					t.Errorf("%s is offered 没有解决", name)
				}
			}
			if _, _, body := anon.do("GET", path, nil); !strings.Contains(body, `id="track-sign-in"`) {
				t.Errorf("an anonymous visitor is not told that the reporter may sign in to act")
			}
		})

		note := url.Values{"action": {"reopen"}, "note": {"车又停回盲道上了"}}
		refusals := []struct {
			name   string
			v      *visitor
			body   func() (int, string)
			status int
			says   string
			photo  []byte // sent, so never recorded
		}{
			{"an anonymous visitor", anon, func() (int, string) { s, _, b := anon.do("POST", path, note); return s, b }, http.StatusForbidden, "请先登录", nil},
			{"another resident", neighbour, func() (int, string) { s, _, b := neighbour.do("POST", path, note); return s, b }, http.StatusForbidden, "只有上报人本人", nil},
			{"an operator", operator, func() (int, string) { s, _, b := operator.do("POST", path, note); return s, b }, http.StatusForbidden, "只有上报人本人", nil},
			{"another resident with a photo", neighbour, nil, http.StatusForbidden, "只有上报人本人", photoBytes(t, 7)},
			{"the reporter without a note", reporter, func() (int, string) {
				s, _, b := reporter.do("POST", path, url.Values{"action": {"reopen"}, "note": {"  "}})
				return s, b
			}, http.StatusUnprocessableEntity, "请写明还有什么问题", nil},
			{"the reporter with a huge note", reporter, func() (int, string) {
				s, _, b := reporter.do("POST", path, url.Values{"action": {"reopen"}, "note": {strings.Repeat("堵", 2001)}})
				return s, b
			}, http.StatusUnprocessableEntity, "最多 2000 个字", nil},
			{"the reporter with a NUL", reporter, func() (int, string) {
				s, _, b := reporter.do("POST", path, url.Values{"action": {"reopen"}, "note": {"没有\x00解决"}})
				return s, b
			}, http.StatusBadRequest, "无法保存的字符", nil},
			{"the reporter with invalid UTF-8", reporter, func() (int, string) {
				s, _, b := reporter.do("POST", path, url.Values{"action": {"reopen"}, "note": {"没有\xff解决"}})
				return s, b
			}, http.StatusBadRequest, "无法保存的字符", nil},
			{"the reporter with a file that is no photo", reporter, nil, http.StatusUnprocessableEntity, "不支持该照片格式", []byte("%PDF-1.4 not a photo at all")},
			{"the reporter with a photo of too many pixels", reporter, nil, http.StatusUnprocessableEntity, "像素", bigPNG(t)},
			{"the reporter with a photo over the size limit", reporter, nil, http.StatusRequestEntityTooLarge, "MB", append(photoBytes(t, 9), make([]byte, photo.MaxBytes)...)},
		}
		for _, tt := range refusals {
			t.Run(tt.name+" is refused and nothing changes", func(t *testing.T) {
				before := snapTrack(t, s, c.ID)
				var status int
				var body string
				if tt.body != nil {
					status, body = tt.body()
				} else {
					var err error
					if status, body, err = tt.v.postForm(path, form{fields: map[string]string{"action": "reopen", "note": "车又停回来了"}, photos: [][]byte{tt.photo}}); err != nil {
						t.Fatal(err)
					}
				}
				problem := problemText(body)
				if status != tt.status || !strings.Contains(problem, tt.says) || latinWord.MatchString(strings.ReplaceAll(problem, "MB", "")) {
					t.Errorf("got %d saying %q, want %d saying %q in Chinese", status, problem, tt.status, tt.says)
				}
				if after := snapTrack(t, s, c.ID); after != before {
					t.Errorf("the refusal changed %+v → %+v", before, after)
				}
				if tt.photo != nil {
					if _, err := s.DB.Attachment(t.Context(), contentID(tt.photo)); !errs.Is(err, errs.NotFound) {
						t.Errorf("the refused photo was recorded (%v)", err)
					}
				}
			})
		}

		t.Run("the reporter is refused after 7 days", func(t *testing.T) {
			clock.Set(closedAt.Add(7*24*time.Hour + time.Minute))
			defer clock.Set(closedAt.Add(time.Hour))
			before := snapTrack(t, s, c.ID)
			status, _, body := reporter.do("POST", path, note)
			if problem := problemText(body); status != http.StatusConflict || !strings.Contains(problem, "结案已超过 7 天") {
				t.Errorf("got %d saying %q, want 409 saying 结案已超过 7 天", status, problem)
			}
			if after := snapTrack(t, s, c.ID); after != before {
				t.Errorf("the refusal changed %+v → %+v", before, after)
			}
			_, _, body = reporter.do("GET", path, nil)
			if strings.Contains(body, `id="not-solved-form"`) || !strings.Contains(body, `id="track-report-again"`) {
				t.Errorf("after 7 days the page still offers 没有解决, or does not say to report again")
			}
		})

		t.Run("the reporter says it is not solved on the last day, with a photo", func(t *testing.T) {
			clock.Set(closedAt.Add(7*24*time.Hour - time.Minute))
			mine := photoBytes(t, 42)
			status, body, err := reporter.postForm(path, form{fields: map[string]string{"action": "reopen", "note": "车又停回盲道上了"}, photos: [][]byte{mine}})
			if err != nil || status != http.StatusSeeOther {
				t.Fatalf("got %d %v: %s", status, err, problemText(body))
			}
			v, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := v.Timeline[len(v.Timeline)-1]
			if v.Status != workflow.Registered || v.Holder.Kind != workflow.HolderCentre || last.Action != "reopen" || last.Actor != "resident" ||
				!strings.Contains(last.Input, "车又停回盲道上了") || !strings.Contains(last.Input, contentID(mine)) {
				t.Errorf("after 没有解决 the case is %s held by %+v, last step %+v", v.Status, v.Holder, last)
			}
			_, _, page := reporter.do("GET", path+"?done=reopen", nil)
			for _, want := range []string{"已收到您的反馈", "您反映问题没有解决，已退回", ">已受理<", "车又停回盲道上了", contentID(mine)} {
				if !strings.Contains(page, want) {
					t.Errorf("the reporter's page lacks %q", want)
				}
			}
			_, _, public := anon.do("GET", path, nil)
			if !strings.Contains(public, "上报人反映问题没有解决") || strings.Contains(public, "车又停回盲道上了") || strings.Contains(public, contentID(mine)) {
				t.Errorf("the public page does not say it was reopened, or shows the reporter's note or photo")
			}
			if status, _, _ := anon.do("GET", "/api/v1/attachments/"+contentID(mine)+"?variant=thumbnail", nil); status != http.StatusNotFound {
				t.Errorf("the public opens the reporter's photo: %d", status)
			}
			if status, _, _ := reporter.do("GET", "/api/v1/attachments/"+contentID(mine)+"?variant=thumbnail", nil); status != http.StatusOK {
				t.Errorf("the reporter cannot open their photo: %d", status)
			}
		})

		t.Run("two presses at once reopen it once", func(t *testing.T) {
			clock.Set(closedAt.Add(30 * 24 * time.Hour))
			c2, _ := closedCase(t, s, "路灯不亮")
			clock.Set(closedAt.Add(31 * 24 * time.Hour))
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			problems := make([]string, 2)
			for i := range statuses {
				wg.Go(func() {
					st, body, err := reporter.postForm("/track/"+c2.Ticket, form{fields: map[string]string{"action": "reopen", "note": "还是不亮"}})
					if err != nil {
						problems[i] = err.Error()
					}
					statuses[i], problems[i] = st, problems[i]+problemText(body)
				})
			}
			wg.Wait()
			won, lost := 0, 0
			for i, st := range statuses {
				switch {
				case st == http.StatusSeeOther:
					won++
				case st == http.StatusConflict && strings.Contains(problems[i], "不是“已结案”"):
					lost++
				default:
					t.Errorf("a press got %d saying %q", st, problems[i])
				}
			}
			v, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), c2.ID)
			if err != nil {
				t.Fatal(err)
			}
			reopens := 0
			for _, e := range v.Timeline {
				if e.Action == "reopen" {
					reopens++
				}
			}
			if won != 1 || lost != 1 || reopens != 1 || v.Status != workflow.Registered {
				t.Errorf("%d won, %d lost, %d reopen steps, case %s; want one of each, one step, registered", won, lost, reopens, v.Status)
			}
		})
	})
}

// The tracking page says why a report was not taken on, leads a duplicate's reporter to the
// case it joined, and says by when the running stage should be done, as a date.
func TestTrackingSaysWhyAndWhen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		ctx := t.Context()
		operator, dispatcher := principal(t, s, "operator"), principal(t, s, "dispatcher")
		rejected := reportIn(t, s, demo.GridWorkerGrid, "09009")
		if _, err := s.App.Cases.Act(ctx, operator, rejected.ID, "reject", nil, workflow.Input{RejectReason: "invalid", Reason: "现场未发现车辆"}); err != nil {
			t.Fatal(err)
		}
		original := reportIn(t, s, demo.GridWorkerGrid, "09009")
		dup := reportIn(t, s, demo.GridWorkerGrid, "09009")
		if _, err := s.App.Cases.Act(ctx, operator, dup.ID, "reject", nil, workflow.Input{RejectReason: "duplicate", MergedInto: original.Ticket, Reason: "重复上报"}); err != nil {
			t.Fatal(err)
		}
		for _, st := range []struct {
			p      *access.Principal
			action string
		}{{operator, "register"}, {dispatcher, "dispatch"}} {
			if _, err := s.App.Cases.Act(ctx, st.p, original.ID, st.action, nil, workflow.Input{}); err != nil {
				t.Fatal(err)
			}
		}
		v, err := s.App.Cases.Case(ctx, access.SystemPrincipal("test"), original.ID)
		if err != nil {
			t.Fatal(err)
		}
		due := v.Deadlines["handle"].(time.Time).In(worktime.China)
		tests := []struct {
			name, ticket string
			want         []string
		}{
			{"a rejected report says why", rejected.Ticket, []string{`id="track-rejected"`, "无效或现场未发现", "现场未发现车辆", ">不予受理<"}},
			{"a duplicate leads to the case it joined", dup.Ticket, []string{`id="merged"`, `href="/track/` + original.Ticket + `"`, "已并入该案件一起办理"}},
			{"a dispatched case says by when it should be dealt with", original.Ticket, []string{
				"最迟 " + due.Format("2006年1月2日") + "（周", "处理完毕", "已派给 解放区城市管理局", ">解放区城市管理局<"}},
		}
		v2 := s.visitor(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, _, body := v2.do("GET", "/track/"+tt.ticket, nil)
				if status != http.StatusOK {
					t.Fatalf("got %d", status)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("the page lacks %q", w)
					}
				}
				if strings.Contains(body, "410802") {
					t.Errorf("the page shows a code")
				}
			})
		}
	})
}
