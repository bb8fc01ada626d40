package store_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Migration 00036 finds the photos cases already named: a case's own (public) and those its
// timeline's actions carried (public only for a handling's result).
func TestCasePhotosMigrationFindsThePhotosCasesNamedBefore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		blobs, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }, Blobs: blobs})
		photo := func(seed byte) string {
			att, err := a.Cases.UploadPhoto(ctx, apptest.System, pngBytes(t, seed))
			if err != nil {
				t.Fatal(err)
			}
			return att.ID
		}
		own, comment := photo(1), photo(2)
		p := apptest.PointIn(t, a, "410802001001001")
		in := cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "x", Lon: &p[0], Lat: &p[1], Photos: []string{own}}
		c, err := a.Cases.Report(ctx, nil, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Cases.Act(ctx, apptest.As(t, db, "operator"), c.ID, "comment", nil, workflow.Input{Note: "y", Photos: []string{comment}}); err != nil {
			t.Fatal(err)
		}
		want := map[string][]store.PhotoUse{own: {{CaseID: c.ID, Public: true}}, comment: {{CaseID: c.ID, Public: false}}}
		check := func(when string) {
			for id, w := range want {
				got, err := db.PhotoUses(ctx, id, 10)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, w) {
					t.Errorf("%s: uses of %s: got %+v, want %+v", when, id[:8], got, w)
				}
			}
		}
		check("as written")
		if err := db.MigrateDownTo(ctx, 35); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("after the migration")
	})
}

// pngBytes is a small PNG, different for each seed.
func pngBytes(t *testing.T, seed byte) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(int(seed%8), 0, color.RGBA{seed, 1, 2, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
