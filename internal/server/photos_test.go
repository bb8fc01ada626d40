package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/testkit"
)

// multipartForm is a multipart body of fields and one file, and its content type.
func multipartForm(t *testing.T, fields [][2]string, fileField string, data []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile(fileField, "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

// TestImageBombsAreRefusedEverywhere: a photo of more pixels than may be decoded (here a small
// PNG of 7000 × 7000 pixels, 196 MB decoded; eight at once took a server from 0.65 to 4.56 GB)
// is refused from its header, by every way photos arrive, and nothing is stored.
func TestImageBombsAreRefusedEverywhere(t *testing.T) {
	bomb := testkit.SolidPNG(7000, 7000, 200)
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			f := newDemoFront(t, e)
			pt := apptest.PointIn(t, f.App, demo.GridWorkerGrid)
			key, _, err := f.App.Open311.CreateOpen311Key(t.Context(), access.SystemPrincipal("test"), "fms")
			if err != nil {
				t.Fatal(err)
			}
			lon, lat := fmt.Sprint(pt[0]), fmt.Sprint(pt[1])
			for _, tc := range []struct {
				name, path, field string
				fields            [][2]string
				status            int
				want              string // in the answer
			}{
				{"an API upload", "/api/v1/attachments", "file", nil, http.StatusUnprocessableEntity, `"reason":"photo_too_many_pixels"`},
				{"an Open311 request with media", "/open311/v2/requests.json", "media", [][2]string{{"api_key", key},
					{"service_code", "matter-09009"}, {"lat", lat}, {"long", lon}}, http.StatusBadRequest, "at most 40 megapixels"},
				{"the report page", "/report", "photos", [][2]string{{"category", "matter:09009"}, {"lon", lon}, {"lat", lat}, {"description", "占道"}},
					http.StatusUnprocessableEntity, "照片像素过多，最多 40 百万像素"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					before := storetest.Fingerprint(t, f.Raw)
					ct, body := multipartForm(t, tc.fields, tc.field, bomb)
					req, err := http.NewRequestWithContext(t.Context(), "POST", f.URL+tc.path, bytes.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", ct)
					req.Header.Set("Accept-Language", "zh-CN")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					got, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if res.StatusCode != tc.status || !strings.Contains(string(got), tc.want) {
						t.Errorf("status %d, want %d with %q (body %.300s)", res.StatusCode, tc.status, tc.want, got)
					}
					if storetest.Fingerprint(t, f.Raw) != before {
						t.Error("the refused upload changed what is stored")
					}
					if files, _ := os.ReadDir(f.Blobs); len(files) != 0 {
						t.Errorf("the refused upload left %d entries among the attachments", len(files))
					}
				})
			}
			t.Run("the API's refusal names the limit and the size", func(t *testing.T) {
				ct, body := multipartForm(t, nil, "file", bomb)
				res, err := http.Post(f.URL+"/api/v1/attachments", ct, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var e struct {
					Error struct {
						Params map[string]any `json:"params"`
					} `json:"error"`
				}
				if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
					t.Fatal(err)
				}
				if p := e.Error.Params; p["megapixels"] != float64(40) || p["width"] != float64(7000) || p["height"] != float64(7000) {
					t.Errorf("params %v, want megapixels 40, width and height 7000", p)
				}
			})
		})
	}
}
