package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/campaigns"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// createCampaign starts a campaign over 解放区 in the database a DSN names, as the console.
func createCampaign(t *testing.T, dsn string) int64 {
	t.Helper()
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Campaigns.Create(t.Context(), access.SystemPrincipal("test"), campaigns.NewCampaign{Name: "农村旱厕清零", Kind: "dry_toilets",
		Scope: []string{"410802"}, Owner: "4108-ZJJ", StartsOn: "2026-03-01", DueOn: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

func TestImportTargets(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		id := createCampaign(t, dsn)
		file := filepath.Join(t.TempDir(), "targets.csv")
		put := func(body string) string { // the file, now holding body
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return file
		}
		count := func() int {
			var n int
			if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM campaign_targets`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		p, q := pointInGrid(t, dsn, demo.GridWorkerGrid), pointInGrid(t, dsn, "410802001002001")
		s := pointInGrid(t, dsn, "410811001001001")
		good := "\ufeffname,type,address,lon,lat,unit\n" +
			fmt.Sprintf("枫华园1号旱厕,旱厕,枫华园东,%v,%v,枫华园社区\n", p[0], p[1]) +
			fmt.Sprintf("枫华园2号旱厕,旱厕,,%v,%v,枫华园社区\n", q[0], q[1])
		campaignFlag := fmt.Sprint(id)
		for _, tc := range []struct {
			name, file string
			want       []string
		}{
			{"a bad line", good + "坏行,旱厕,,east,35.2,\n", []string{"line 4: lon: \"east\" is not a number"}},
			{"a place outside the campaign", good + fmt.Sprintf("山阳旱厕,旱厕,,%v,%v,\n", s[0], s[1]), []string{"line 4: lies outside the campaign's regions"}},
			{"a target twice", good + fmt.Sprintf("枫华园1号旱厕,旱厕,又一次,%v,%v,\n", p[0], p[1]), []string{"line 4: 旱厕 \"枫华园1号旱厕\"", "repeats line 2"}},
			{"bytes that are not UTF-8", good + "\xb7\xbd\xb2\xde,旱厕,,113.2,35.2,\n", []string{"line 4: column name holds bytes that are not text", "save the file as UTF-8"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, out, errOut := runCLI(t, "", nil, "import", "targets", "--campaign", campaignFlag, "--db", dsn, put(tc.file))
				if code != exitUsage || count() != 0 {
					t.Fatalf("exit %d, %d targets stored; %q %q", code, count(), out, errOut)
				}
				for _, w := range tc.want {
					if !strings.Contains(errOut, w) {
						t.Errorf("the refusal does not say %q: %q", w, errOut)
					}
				}
			})
		}
		if code, _, errOut := runCLI(t, "", nil, "import", "targets", "--db", dsn, put(good)); code != exitUsage || !strings.Contains(errOut, "--campaign ID is required") {
			t.Errorf("no campaign: exit %d, %q", code, errOut)
		}
		if code, _, errOut := runCLI(t, "", nil, "import", "targets", "--campaign", "999", "--db", dsn, put(good)); code == exitOK || !strings.Contains(errOut, "no campaign 999") {
			t.Errorf("an unknown campaign: exit %d, %q", code, errOut)
		}
		out := mustRun(t, "", nil, "import", "targets", "--campaign", campaignFlag, "--db", dsn, put(good))
		if !strings.Contains(out, "imported 2 targets into campaign") || !strings.Contains(out, "2 targets: 2 open") || count() != 2 {
			t.Errorf("import: %q, %d stored", out, count())
		}
		var grid string
		if err := storetest.Raw(t, dsn).QueryRow(`SELECT grid_code FROM campaign_targets WHERE name = '枫华园1号旱厕'`).Scan(&grid); err != nil || grid != demo.GridWorkerGrid {
			t.Errorf("located to %q (%v), want %s", grid, err, demo.GridWorkerGrid)
		}
		code, _, errOut := runCLI(t, "", nil, "import", "targets", "--campaign", campaignFlag, "--db", dsn, put(good))
		if code != exitUsage || !strings.Contains(errOut, "line 2: is already on the campaign's list") || count() != 2 {
			t.Errorf("the same file again: exit %d, %q, %d stored", code, errOut, count())
		}
	})
}
