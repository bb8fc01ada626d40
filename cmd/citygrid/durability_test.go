package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// A report acknowledged with 201 survives kill -9 of the server that acknowledged it.
func TestAcknowledgedReportSurvivesKill9(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "citygrid")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		p := pointInGrid(t, dsn, demo.GridWorkerGrid)

		cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--data", t.TempDir())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killed := false
		t.Cleanup(func() {
			if !killed {
				_ = cmd.Process.Kill()
			}
			_ = cmd.Wait()
		})
		base := waitForURL(t, stdout)

		var tickets []string
		for i := range 20 {
			body := fmt.Sprintf(`{"category":"09009","category_kind":"matter","description":"report %d","lon":%v,"lat":%v}`, i, p[0], p[1])
			resp, err := http.Post(base+"/api/v1/cases", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var got struct{ Ticket string }
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &got) != nil || got.Ticket == "" {
				t.Fatalf("report %d: %d %s", i, resp.StatusCode, b)
			}
			tickets = append(tickets, got.Ticket)
		}
		// SIGKILL right after the last acknowledgement: no shutdown, no flush, no goodbye.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed = true
		_ = cmd.Wait()

		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, ticket := range tickets {
			if _, err := db.CaseByTicket(context.Background(), ticket); err != nil {
				t.Errorf("acknowledged case %s lost after kill -9: %v", ticket, err)
			}
		}
	})
}

// waitForURL reads the server's stdout until it says where it listens.
func waitForURL(t *testing.T, r io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "citygrid listening on "); ok {
				found <- u
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(serveTimeout):
		t.Fatal("the server did not start")
	}
	return ""
}

// pointInGrid returns a point inside a unit grid, read from the database.
func pointInGrid(t *testing.T, dsn, code string) orb.Point {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.Region(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := grid.PointInside(r.Geometry)
	if !ok {
		t.Fatalf("no point inside grid %s", code)
	}
	return p
}
