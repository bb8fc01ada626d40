package apptest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// CaseRun walks one case through its stages on a fixed clock.
type CaseRun struct {
	T   *testing.T
	DB  *store.DB
	A   *app.App
	Now *time.Time
	ID  int64
}

// NewCaseRun seeds the demo city on a clock starting at start (China time) and, unless
// category is empty, reports a case of that matter category in the grid worker's grid.
func NewCaseRun(t *testing.T, db *store.DB, start, category string) *CaseRun {
	t.Helper()
	now := At(t, start)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := NewWith(t, db, app.Options{Clock: func() time.Time { return now }, Blobs: blobs})
	r := &CaseRun{T: t, DB: db, A: a, Now: &now}
	if category != "" {
		p := PointIn(t, a, demo.GridWorkerGrid)
		in, err := a.Cases.Report(context.Background(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: category, Description: "test", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		r.ID = in.ID
	}
	return r
}

// At sets the clock to a China time.
func (r *CaseRun) At(s string) { *r.Now = At(r.T, s) }

// Act performs an action as a user and returns the case as it is then.
func (r *CaseRun) Act(who, action string, in workflow.Input) cases.CaseView {
	r.T.Helper()
	v, err := r.A.Cases.Act(context.Background(), As(r.T, r.DB, who), r.ID, action, nil, in)
	if err != nil {
		r.T.Fatalf("%s %s: %v", who, action, err)
	}
	return v
}

// View returns the case as the system sees it.
func (r *CaseRun) View() cases.CaseView {
	r.T.Helper()
	v, err := r.A.Cases.Case(context.Background(), System, r.ID)
	if err != nil {
		r.T.Fatal(err)
	}
	return v
}

// Photo uploads a small photo and returns its id.
func (r *CaseRun) Photo() string {
	r.T.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(0, 0, color.RGBA{9, 1, 2, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		r.T.Fatal(err)
	}
	att, err := r.A.Cases.UploadPhoto(context.Background(), nil, b.Bytes())
	if err != nil {
		r.T.Fatal(err)
	}
	return att.ID
}

// Snapshot is what a refused action must leave unchanged.
type Snapshot struct {
	Users    int
	AuditSeq int64
}

// Snap reads what a refused action must leave unchanged.
func Snap(t *testing.T, db *store.DB) Snapshot {
	t.Helper()
	users, err := db.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seq, _, err := db.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return Snapshot{len(users), seq}
}
