package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/assess"
)

// importChecklist: citygrid import checklist --db DSN FILE.csv|FILE.xlsx — the standards and
// checklists of the assessment of evaluation sites (one line per item; see internal/assess).
// All or nothing; a changed checklist becomes a new version, inspections keep theirs.
func importChecklist(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import checklist")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one .csv or .xlsx file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	defer f.Close()
	read := assess.ReadChecklistCSV
	if strings.HasSuffix(strings.ToLower(fs.Arg(0)), ".xlsx") {
		read = assess.ReadChecklistXLSX
	}
	in, err := read(f)
	if err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		r, err := a.Assessment.ImportChecklists(ctx, console, in)
		if err != nil {
			return err
		}
		for _, v := range r.New {
			fmt.Fprintf(e.stdout, "%s/%s (%s): version %d, %d items\n", v.Standard, v.SiteType, v.SiteTypeName, v.Version, len(v.Items))
		}
		fmt.Fprintf(e.stdout, "imported %d standards: %d checklists new or changed, %d unchanged\n", r.Standards, len(r.New), r.Unchanged)
		return nil
	})
}

// importSites: citygrid import sites --db DSN FILE.csv — evaluation sites (code, site_type,
// name, lon, lat and optionally address, crs, department, contact), each located to its unit
// grid. All or nothing; a site whose code is stored is updated.
func importSites(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import sites")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one CSV file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	defer f.Close()
	rows, err := assess.ReadSitesCSV(f)
	if err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		r, err := a.Assessment.AddSites(ctx, console, rows)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "imported %d sites: %d new, %d updated\n", len(rows), r.New, r.Updated)
		return nil
	})
}
