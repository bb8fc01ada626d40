package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// mustRunWithin is mustRun for a command that may take minutes (a history under -race).
func mustRunWithin(t *testing.T, d time.Duration, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var out, errOut bytes.Buffer
	if code := run(ctx, args, getenvFrom(nil), strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("citygrid %s: exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, &out, &errOut)
	}
	return out.String()
}

// caseKey is what "the same cases" means: the same tickets, each of the same category, in the
// same grid, in the same status.
type caseKey struct {
	Ticket, Category, Grid string
	Status                 workflow.Status
}

// demoCases reads every case of a demo directory through the use cases.
func demoCases(t *testing.T, dir string) []caseKey {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, sqliteIn(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	var out []caseKey
	for cursor := ""; ; {
		page, err := a.Cases.ListCases(ctx, access.SystemPrincipal("test"), cases.CaseFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Cases {
			out = append(out, caseKey{c.Ticket, c.CategoryKind + "/" + c.Category, c.Grid, c.Status})
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	slices.SortFunc(out, func(a, b caseKey) int { return strings.Compare(a.Ticket, b.Ticket) })
	return out
}

// The demo's history: made by the use cases (so the audit trail verifies), every status
// present, red lights for the leader, and the same seed makes the same cases. The small city
// and a short history keep it quick; TestDemoFullHistory checks the full size.
func TestDemoHistory(t *testing.T) {
	t.Parallel()
	const until = "2026-11-25T10:40:00+08:00" // a Wednesday morning, the centres at work
	seedInto := func(dir string) string {
		return mustRunWithin(t, 5*time.Minute, "demo", "--seed-only", "--small", "--history", "7", "--seed", "7", "--until", until, "--data", dir)
	}
	dirA, dirB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	out := seedInto(dirA)
	for _, want := range []string{"The city's history:", "Handled on time, by district:", "Busiest categories:", "jiefang.leader", "shanyang.gw."} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	got := demoCases(t, dirA)
	if len(got) < 500 {
		t.Fatalf("a week of the small city made %d cases, want hundreds", len(got))
	}

	t.Run("every status is there", func(t *testing.T) {
		n := map[workflow.Status]int{}
		for _, c := range got {
			n[c.Status]++
		}
		for _, s := range workflow.Statuses {
			if n[s] == 0 {
				t.Errorf("no case is %s: %v", s, n)
			}
		}
	})

	t.Run("the audit trail verifies", func(t *testing.T) {
		if out := mustRun(t, "", nil, "audit", "verify", "--db", sqliteIn(dirA)); !strings.Contains(out, "intact") {
			t.Errorf("audit verify: %s", out)
		}
	})

	t.Run("the same seed makes the same cases", func(t *testing.T) {
		seedInto(dirB)
		if again := demoCases(t, dirB); !slices.Equal(again, got) {
			for i := range min(len(got), len(again)) {
				if got[i] != again[i] {
					t.Fatalf("case %d differs: %+v, then %+v (of %d and %d cases)", i, got[i], again[i], len(got), len(again))
				}
			}
			t.Fatalf("%d cases, then %d", len(got), len(again))
		}
	})

	t.Run("a second run reuses the city", func(t *testing.T) {
		out := mustRun(t, "", nil, "demo", "--seed-only", "--small", "--data", dirA)
		if strings.Contains(out, "The city's history:") {
			t.Errorf("the second run made a history again:\n%s", out)
		}
		if again := demoCases(t, dirA); len(again) != len(got) {
			t.Errorf("the second run changed the cases from %d to %d", len(got), len(again))
		}
	})

	t.Run("the leader finds red lights", func(t *testing.T) {
		s := startServer(t, nil, "demo", "--small", "--data", dirA, "--addr", "127.0.0.1:0")
		cookies := login(t, s.url, "leader", demo.Password)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url+"/api/v1/cases?light=red", nil)
		withCookies(cookies)(req)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Cases []struct {
				Light string `json:"light"`
			} `json:"cases"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/cases?light=red: status %d, %v", resp.StatusCode, err)
		}
		if len(page.Cases) == 0 {
			t.Fatal("GET /api/v1/cases?light=red as leader: no cases")
		}
		for _, c := range page.Cases {
			if c.Light != "red" {
				t.Errorf("a case of ?light=red shows %q", c.Light)
			}
		}
	})
}
