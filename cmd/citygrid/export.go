package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/worktime"
)

// exportFlags are the flags both table exports take.
type exportFlags struct {
	dsn, format, out, as, from, to *string
}

func newExportFlags(e *env, name string) (*flag.FlagSet, exportFlags) {
	fs := newFlags(e, name)
	return fs, exportFlags{
		dsn:    dbFlag(fs, e),
		format: fs.String("format", "", "xlsx or csv (default: from --out's extension, else xlsx)"),
		out:    fs.String("out", "", "file to write (required; - for standard output)"),
		as:     fs.String("as", "", "export as this user sees it (their scope); default: everything"),
		from:   fs.String("from", "", "from this day (YYYY-MM-DD, China time) or instant (RFC 3339)"),
		to:     fs.String("to", "", "to this day, inclusive (YYYY-MM-DD) or instant, exclusive (RFC 3339)"),
	}
}

// exportCases: citygrid export cases --db DSN --format xlsx|csv --out FILE [--from --to] [filters] [--as USER]
func exportCases(ctx context.Context, e *env, args []string) error {
	fs, x := newExportFlags(e, "export cases")
	params := map[string]*string{}
	for _, p := range []struct{ name, help string }{
		{"status", "statuses, comma-separated (reported, registered, dispatched, in_progress, handled, suspended, closed, rejected)"},
		{"kind", "category kind: component or matter"}, {"category", "category code (5 digits) or major class (2)"},
		{"region", "region code: its subtree"}, {"department", "lead department code"}, {"holder", "holder KIND:CODE"},
		{"source", "source: patrol, resident, open311, hotline, phone, inspection, instruction, campaign"}, {"reporter", "reporter's username"},
		{"q", "text in the description, or a ticket"}, {"overdue", "true: only cases past a deadline"},
		{"light", "green, yellow or red"}, {"sort", "created (newest first, default) or due (soonest deadline first)"},
	} {
		params[p.name] = fs.String(p.name, "", p.help)
	}
	if err := parse(fs, args, false); err != nil {
		return err
	}
	filters := map[string]string{}
	for k, v := range params {
		if *v != "" {
			filters[k] = *v
		}
	}
	if err := periodFilters(filters, *x.from, *x.to, false); err != nil {
		return err
	}
	return runExport(ctx, e, x, func(a *app.App, who *access.Principal, f sheet.Format, w *os.File, p exports.Progress) (int64, error) {
		return a.Exports.WriteCases(ctx, who, filters, f, w, p)
	})
}

// exportStats: citygrid export stats --db DSN --format xlsx|csv --out FILE --from --to [--group] [--role] [--within]
func exportStats(ctx context.Context, e *env, args []string) error {
	fs, x := newExportFlags(e, "export stats")
	group := fs.String("group", "department", "rows by department, district, subdistrict, community, grid or person")
	role := fs.String("role", "", "with --group person: whose role")
	within := fs.String("within", "", "region code: only what lies within it")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	filters := map[string]string{"group": *group}
	for k, v := range map[string]string{"role": *role, "within": *within} {
		if v != "" {
			filters[k] = v
		}
	}
	if err := periodFilters(filters, *x.from, *x.to, true); err != nil {
		return err
	}
	return runExport(ctx, e, x, func(a *app.App, who *access.Principal, f sheet.Format, w *os.File, p exports.Progress) (int64, error) {
		return a.Exports.WriteStats(ctx, who, filters, f, w, p)
	})
}

// periodFilters puts --from and --to into the filters: as days for stats, which count whole
// days; as instants for case lists, a day being its China-time midnight and --to inclusive.
func periodFilters(filters map[string]string, from, to string, days bool) error {
	for _, p := range []struct {
		name, v string
		end     bool
	}{{"from", from, false}, {"to", to, true}} {
		if p.v == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", p.v, worktime.China)
		switch {
		case days && err != nil:
			return usagef("--%s must be a day YYYY-MM-DD, not %q", p.name, p.v)
		case days:
			filters[p.name] = p.v
		case err == nil:
			if p.end {
				d = d.AddDate(0, 0, 1)
			}
			filters[p.name] = d.Format(time.RFC3339)
		default:
			if _, err := time.Parse(time.RFC3339, p.v); err != nil {
				return usagef("--%s must be a day YYYY-MM-DD or an RFC 3339 instant, not %q", p.name, p.v)
			}
			filters[p.name] = p.v
		}
	}
	return nil
}

// runExport opens the database and writes the table to --out (through a temporary file beside
// it, so a failed export leaves no half file), with a progress bar on a terminal.
func runExport(ctx context.Context, e *env, x exportFlags, write func(*app.App, *access.Principal, sheet.Format, *os.File, exports.Progress) (int64, error)) error {
	if *x.out == "" {
		return usagef("--out is required: the file to write, or - for standard output")
	}
	format := *x.format
	if format == "" {
		format = "xlsx"
		if ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(*x.out)), "."); ext == "csv" {
			format = ext
		}
	}
	f, err := sheet.ParseFormat(format)
	if err != nil {
		return usagef("%v", err)
	}
	return withApp(ctx, e, *x.dsn, func(a *app.App) error {
		who := access.SystemPrincipal("export")
		if *x.as != "" {
			if who, err = a.Exports.As(ctx, *x.as); err != nil {
				return err
			}
		}
		var progress exports.Progress
		if isTerminal(e.stderr) {
			progress = rowsBar(e, time.Now())
		}
		out, commit, err := outputFile(e, *x.out)
		if err != nil {
			return err
		}
		rows, err := write(a, who, f, out, progress)
		if err = commit(err); err != nil {
			return err
		}
		if *x.out != "-" {
			fmt.Fprintf(e.stdout, "%s: %d rows\n", *x.out, rows)
		}
		return nil
	})
}

// rowsBar draws an export's progress, at most ten times a second.
func rowsBar(e *env, began time.Time) exports.Progress {
	var last time.Time
	return func(rows, total int64) error {
		end := total > 0 && rows >= total
		if !end && time.Since(last) < 100*time.Millisecond {
			return nil
		}
		last = time.Now()
		done := 0.0
		if total > 0 {
			done = float64(rows) / float64(total)
		}
		if rows == 0 && !end {
			done = 0
		}
		rate := float64(rows) / max(time.Since(began).Seconds(), 1e-3)
		drawBar(e.stderr, "export", done, fmt.Sprintf("%d / %d rows  %.0f rows/s", rows, total, rate))
		return nil
	}
}

// outputFile opens where an export goes. commit finishes it: on success the temporary file
// takes the name, on failure it is removed.
func outputFile(e *env, name string) (*os.File, func(error) error, error) {
	if name == "-" {
		if f, ok := e.stdout.(*os.File); ok {
			return f, func(err error) error { return err }, nil
		}
		// Tests run the program with a buffer for standard output: write through a file.
		tmp, err := os.CreateTemp("", "citygrid-export-*")
		if err != nil {
			return nil, nil, err
		}
		return tmp, func(err error) error {
			defer os.Remove(tmp.Name())
			if err == nil {
				if _, err = tmp.Seek(0, 0); err == nil {
					_, err = tmp.WriteTo(e.stdout)
				}
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			return err
		}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return nil, nil, err
	}
	return tmp, func(err error) error {
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), name)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
		return err
	}, nil
}
