package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// uploadAs uploads a generated PNG as c and returns its attachment id.
func uploadAs(t *testing.T, c *client, seed uint8) string {
	t.Helper()
	ct, body := multipartBody(t, "file", pngOf(t, seed))
	r := c.do(t, "POST", "/api/v1/attachments", string(body), "Content-Type", ct)
	wantStatus(t, r, http.StatusCreated)
	var out struct {
		ID string `json:"id"`
	}
	r.decode(t, &out)
	return out.ID
}

// A photo's original carries where it was taken (EXIF GPS): it goes only to staff who may see
// a case naming it. Its public copy goes to those who may see such a case, and to anyone only
// when a case of a public category shows it publicly (the report's photos, a handling's result).
func TestPhotosGoOnlyToThoseWhoMaySeeACaseNamingThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		sys := access.SystemPrincipal("test")
		if _, err := ts.App.Settings.ImportCategories(t.Context(), sys, []workflow.Category{
			{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", Public: false, VerificationRequired: true},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.App.People.AddUser(t.Context(), sys, people.NewUser{Username: "shanyang-op", Role: "operator", Scope: shanyangDistrict, Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		anon, resident := ts.anonymous(), ts.signedIn(t, "resident")
		operator, leader, handler := ts.signedIn(t, "operator"), ts.signedIn(t, "leader"), ts.signedIn(t, "handler")
		outsider := ts.signedIn(t, "shanyang-op")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)

		// A resident's report of a public category, with a photo.
		reported := ts.photo(t, 1)
		public := fileCase(t, anon, reportAt(p, map[string]any{"photos": []string{reported}}))
		// Staff's report of a category the public never sees, with a photo.
		internal := uploadAs(t, operator, 2)
		fileCase(t, operator, reportAt(p, map[string]any{"category": "99001", "photos": []string{internal}}))
		// A photo on an operator's comment on the public case: staff's own.
		commented := uploadAs(t, operator, 3)
		public = act(t, operator, public, "comment", map[string]any{"note": "现场照片", "photos": []string{commented}})
		// Uploaded and not used yet: its uploader's only.
		unused := uploadAs(t, operator, 4)

		get := func(c *client, id, variant string) int {
			t.Helper()
			return c.do(t, "GET", "/api/v1/attachments/"+id+"?variant="+variant, nil).Status
		}
		tests := []struct {
			name    string
			caller  *client
			photo   string
			variant string
			want    int
		}{
			{"anyone sees the public copy of a public report's photo", anon, reported, "public", 200},
			{"anyone sees its thumbnail", anon, reported, "thumbnail", 200},
			{"the public never gets an original", anon, reported, "original", 403},
			{"staff over the case get the original", operator, reported, "original", 200},
			{"staff of another district do not get the original", outsider, reported, "original", 404},
			{"a department not on the case does not get the original", handler, reported, "original", 404},
			{"the public does not see a non-public case's photo", anon, internal, "public", 404},
			{"nor its thumbnail", anon, internal, "thumbnail", 404},
			{"nor does a signed-in resident", resident, internal, "public", 404},
			{"nor staff of another district", outsider, internal, "public", 404},
			{"staff over the case see it", leader, internal, "original", 200},
			{"the public does not see a photo of staff's comment", anon, commented, "public", 404},
			{"staff of another district do not either", outsider, commented, "thumbnail", 404},
			{"staff over the case do", leader, commented, "public", 200},
			{"an unused photo is its uploader's", operator, unused, "original", 200},
			{"and nobody else's", leader, unused, "public", 404},
			{"not even the public copy for the public", anon, unused, "public", 404},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := get(tc.caller, tc.photo, tc.variant); got != tc.want {
					t.Errorf("got %d, want %d", got, tc.want)
				}
			})
		}

		t.Run("a handling's result photo is as public as the case", func(t *testing.T) {
			dispatcher := ts.signedIn(t, "dispatcher")
			c := act(t, operator, public, "register", nil)
			c = act(t, dispatcher, c, "dispatch", map[string]any{"department": "410802-CGJ"})
			if get(handler, reported, "original") != 200 {
				t.Errorf("the department the case went to cannot see its report's photo")
			}
			c = act(t, handler, c, "accept", nil)
			result := uploadAs(t, handler, 5)
			act(t, handler, c, "handle", map[string]any{"result": "已清理", "photos": []string{result}})
			if got := get(anon, result, "public"); got != 200 {
				t.Errorf("the public copy of the result: got %d, want 200", got)
			}
			if got := get(outsider, result, "original"); got != 404 {
				t.Errorf("the result's original to another district: got %d, want 404", got)
			}
		})
	})
}
