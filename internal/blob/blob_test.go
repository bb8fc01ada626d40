package blob_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

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

func TestDirStreams(t *testing.T) {
	ctx := context.Background()
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PutReader(ctx, "exports/1/a.csv", strings.NewReader("a,b\r\n")); err != nil {
		t.Fatal(err)
	}
	r, err := d.Open(ctx, "exports/1/a.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "a,b\r\n" {
		t.Errorf("read %q", got)
	}
	// A reader that fails leaves nothing behind.
	if err := d.PutReader(ctx, "exports/2/b.csv", io.MultiReader(strings.NewReader("half"), iotest.ErrReader(errors.New("cut")))); err == nil {
		t.Error("a failed copy was stored")
	}
	if _, err := d.Open(ctx, "exports/2/b.csv"); !errs.Is(err, errs.NotFound) {
		t.Errorf("after a failed copy: %v, want not_found", err)
	}
	if err := d.Delete(ctx, "exports/1/a.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "exports/1/a.csv"); !errs.Is(err, errs.NotFound) {
		t.Errorf("after delete: %v, want not_found", err)
	}
	if err := d.Delete(ctx, "exports/1/a.csv"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := d.Delete(ctx, "../x"); !errs.Is(err, errs.Invalid) {
		t.Errorf("Delete(../x) = %v, want invalid", err)
	}
}
