package blob_test

import (
	"context"
	"io"
	"testing"

	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/errs"
)

func TestDir(t *testing.T) {
	ctx := context.Background()
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "public/abc.jpg", []byte("bytes")); err != nil {
		t.Fatal(err)
	}
	r, err := d.Open(ctx, "public/abc.jpg")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "bytes" {
		t.Errorf("read %q", got)
	}
	if _, err := d.Open(ctx, "public/none.jpg"); !errs.Is(err, errs.NotFound) {
		t.Errorf("a missing blob: %v, want not_found", err)
	}
	for _, bad := range []string{"", "../etc/passwd", "/abs", "a/../../b"} {
		if err := d.Put(ctx, bad, []byte("x")); !errs.Is(err, errs.Invalid) {
			t.Errorf("Put(%q) = %v, want invalid", bad, err)
		}
	}
}
