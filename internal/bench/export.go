package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/store"
)

// The export issue's targets: 1,000,000 cases to .xlsx at 50,000 rows a second or more, with
// the resident memory at most 300 MB throughout.
const (
	TargetExportRowsPerSec = 50_000
	TargetExportRSS        = 300 << 20
)

// ExportConfig says what `bench export` builds and measures.
type ExportConfig struct {
	Cases int    // cases to generate and export
	Peer  int    // cases the in-memory peer (excelize's SetCellValue) writes; 0: min(Cases, 100,000)
	Seed  uint64 // seeds the cases
	// Small seeds the small demo city instead of the whole one: for tests.
	Small bool
	// Shuffled makes the cases at random moments of the year, so that reading them newest
	// first visits the table in random order; by default they are made in the order they were
	// reported, as a city's database holds them.
	Shuffled bool
	// Console, when set, runs `citygrid export cases --db DSN --format FORMAT --out FILE` in a
	// process of its own and returns how long it took and its peak resident memory: the
	// export's memory without the benchmark's own (the generated city) beside it.
	Console func(ctx context.Context, dsn, format, out string) (time.Duration, int64, error)
}

// ExportRun is one measured export.
type ExportRun struct {
	Name    string
	Rows    int64
	Bytes   int64
	Elapsed time.Duration
	PeakRSS int64 // the process's most resident memory during the run (sampled VmRSS and VmHWM)
}

// RowsPerSec is the run's speed.
func (r ExportRun) RowsPerSec() float64 { return float64(r.Rows) / r.Elapsed.Seconds() }

// ExportResult is what `bench export` measured.
type ExportResult struct {
	Gen                   GenStats
	XLSX, CSV, Read, Peer ExportRun
	Console               *ExportRun // the console's export in its own process, when run
}

// Export generates cfg.Cases cases in db (fresh and migrated) over the demo city and exports
// them all, as the city's administrator, to .xlsx through exports.WriteCases (the streaming
// writer behind jobs and the console), timing it and sampling the resident memory; then, in
// the same run, the same list to CSV, the reading alone, and excelize's in-memory writer
// (SetCellValue, then SaveAs) over the first cfg.Peer rows of the same list.
func Export(ctx context.Context, w io.Writer, db *store.DB, where, dsn string, cfg ExportConfig) (*ExportResult, error) {
	if cfg.Cases < 1 {
		return nil, fmt.Errorf("bench export: cases must be positive (got %d)", cfg.Cases)
	}
	if cfg.Peer <= 0 {
		cfg.Peer = min(cfg.Cases, 100_000)
	}
	fmt.Fprintf(w, "citygrid bench export: %s generated cases to .xlsx through exports.WriteCases\n\n", count(cfg.Cases))
	fmt.Fprintf(w, "database    %s\n", where)
	a, err := app.New(db, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := demo.Seed(ctx, a, demo.Options{Full: !cfg.Small}); err != nil {
		return nil, fmt.Errorf("bench export: seed the demo city: %w", err)
	}
	fmt.Fprintf(w, "city        the demo city seeded in %s\n", dur(time.Since(start)))
	res := &ExportResult{}
	if res.Gen, err = GenerateCases(ctx, db, GenConfig{Cases: cfg.Cases, Seed: cfg.Seed, Now: time.Now(), Chronological: !cfg.Shuffled}); err != nil {
		return nil, fmt.Errorf("bench export: generate cases: %w", err)
	}
	start = time.Now()
	if err := db.AddBulkTimelines(ctx); err != nil {
		return nil, err
	}
	if err := db.Analyze(ctx); err != nil {
		return nil, err
	}
	order := "ids rising with report time, as a city's database holds them"
	if cfg.Shuffled {
		order = "at random moments of the year (--shuffled): newest first reads the table at random"
	}
	fmt.Fprintf(w, "cases       %s over %s unit grids in %s; their report and registration events in %s\n            %s\n\n",
		count(res.Gen.Cases), count(res.Gen.Grids), dur(res.Gen.Elapsed), dur(time.Since(start)), order)

	dir, err := os.MkdirTemp("", "citygrid-bench-export-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	a.Exports.TempDir = dir
	admin := access.SystemPrincipal("bench")
	export := func(name string, format sheet.Format) (ExportRun, error) {
		return measure(name, func() (int64, int64, error) {
			f, err := os.Create(filepath.Join(dir, "cases."+string(format)))
			if err != nil {
				return 0, 0, err
			}
			defer f.Close()
			rows, err := a.Exports.WriteCases(ctx, admin, nil, format, f, nil)
			if err != nil {
				return rows, 0, err
			}
			size, err := f.Seek(0, io.SeekCurrent)
			return rows, size, err
		})
	}
	// The console's export first, in its own process, while this one holds little.
	if cfg.Console != nil && dsn != "" {
		out := filepath.Join(dir, "console.xlsx")
		took, peak, err := cfg.Console(ctx, dsn, "xlsx", out)
		if err != nil {
			return nil, fmt.Errorf("bench export: citygrid export: %w", err)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return nil, err
		}
		res.Console = &ExportRun{Name: "xlsx, `citygrid export cases` (own process)", Rows: int64(res.Gen.Cases), Bytes: fi.Size(), Elapsed: took, PeakRSS: peak}
	}
	if res.XLSX, err = export("xlsx, streamed (exports.WriteCases)", sheet.XLSX); err != nil {
		return nil, fmt.Errorf("bench export: xlsx: %w", err)
	}
	if res.CSV, err = export("csv, same rows (exports.WriteCases)", sheet.CSV); err != nil {
		return nil, fmt.Errorf("bench export: csv: %w", err)
	}
	res.Read, err = measure("reading the rows alone (EachCaseRow)", func() (int64, int64, error) {
		var n int64
		err := a.Exports.EachCaseRow(ctx, admin, nil, func([]any) error { n++; return nil })
		return n, 0, err
	})
	if err != nil {
		return nil, fmt.Errorf("bench export: read: %w", err)
	}
	res.Peer, err = measure(fmt.Sprintf("peer: excelize in memory, first %s rows", count(cfg.Peer)), func() (int64, int64, error) {
		return inMemoryXLSX(ctx, a, admin, cfg.Peer, filepath.Join(dir, "peer.xlsx"))
	})
	if err != nil {
		return nil, fmt.Errorf("bench export: peer: %w", err)
	}

	runs := []ExportRun{res.XLSX, res.CSV, res.Read, res.Peer}
	main := res.XLSX
	if res.Console != nil {
		runs = append([]ExportRun{*res.Console}, runs...)
		main = *res.Console
	}
	fmt.Fprintf(w, "  %-44s %10s %10s %12s %10s %10s\n", "run", "rows", "time", "rows/s", "file", "peak RSS")
	for _, r := range runs {
		size := "—"
		if r.Bytes > 0 {
			size = mib(r.Bytes)
		}
		fmt.Fprintf(w, "  %-44s %10s %10s %12s %10s %10s\n", r.Name, count(int(r.Rows)), dur(r.Elapsed), count(int(r.RowsPerSec())), size, mib(r.PeakRSS))
	}
	fmt.Fprintf(w, "\n  xlsx streamed  %s rows/s   (target ≥ %s: %s)\n", count(int(main.RowsPerSec())), count(TargetExportRowsPerSec),
		verdict(main.RowsPerSec() >= TargetExportRowsPerSec))
	fmt.Fprintf(w, "  peak RSS       %s        (target ≤ %s: %s)%s\n", mib(main.PeakRSS), mib(TargetExportRSS), verdict(main.PeakRSS <= TargetExportRSS),
		map[bool]string{true: "   (the exporting process's own, its VmHWM)", false: "   (this process's, the generated city beside it)"}[res.Console != nil])
	fmt.Fprintf(w, "  vs the in-memory peer: %.1f× the rows/s; peak RSS %s for %s rows against %s for %s\n",
		main.RowsPerSec()/res.Peer.RowsPerSec(), mib(main.PeakRSS), count(int(main.Rows)), mib(res.Peer.PeakRSS), count(int(res.Peer.Rows)))
	fmt.Fprintf(w, "  vs CSV of the same rows: xlsx takes %.1f× the time\n\n", res.XLSX.Elapsed.Seconds()/res.CSV.Elapsed.Seconds())
	machine(w)
	return res, nil
}

// measure runs fn with the process's memory settled first, timing it and sampling the resident
// memory every 50 ms (and reading the peak the kernel kept, VmHWM, reset before).
func measure(name string, fn func() (rows, bytes int64, err error)) (ExportRun, error) {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM where the kernel allows
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss := statusBytes("VmRSS:"); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	began := time.Now()
	rows, size, err := fn()
	elapsed := time.Since(began)
	close(stop)
	wg.Wait()
	run := ExportRun{Name: name, Rows: rows, Bytes: size, Elapsed: elapsed, PeakRSS: max(peak.Load(), statusBytes("VmHWM:"))}
	return run, err
}

// statusBytes reads a memory line of /proc/self/status in bytes (0 where there is none).
func statusBytes(key string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, key); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// inMemoryXLSX writes the first n rows of the same case list with excelize's ordinary API, as
// code without the stream writer would: every cell set on a sheet held in memory, then saved.
func inMemoryXLSX(ctx context.Context, a *app.App, who *access.Principal, n int, path string) (int64, int64, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheetName = "Sheet1"
	cols := exports.CaseColumns()
	for i, c := range cols {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellValue(sheetName, cell, c.Header); err != nil {
			return 0, 0, err
		}
	}
	var rows int64
	errEnough := fmt.Errorf("enough rows")
	err := a.Exports.EachCaseRow(ctx, who, nil, func(row []any) error {
		if rows == int64(n) {
			return errEnough
		}
		rows++
		for i, v := range row {
			if v == nil {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(i+1, int(rows)+1)
			if err != nil {
				return err
			}
			if t, ok := v.(time.Time); ok && t.IsZero() {
				continue
			}
			if err := f.SetCellValue(sheetName, cell, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && err != errEnough {
		return rows, 0, err
	}
	if err := f.SaveAs(path); err != nil {
		return rows, 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return rows, 0, err
	}
	return rows, fi.Size(), nil
}
