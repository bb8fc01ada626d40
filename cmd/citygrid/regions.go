package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/hotline"
	"github.com/citygrid/citygrid/internal/regionio"
	"github.com/citygrid/citygrid/internal/workflow"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "import", args, map[string]func(context.Context, *env, []string) error{
		"regions":     importRegions,
		"divisions":   importDivisions,
		"categories":  importCategories,
		"departments": importDepartments,
		"rules":       importRules,
		"hotline":     importHotline,
		"timelimits":  importTimeLimits,
		"calendar":    importCalendar,
		"checklist":   importChecklist,
		"sites":       importSites,
		"targets":     importTargets,
	})
}

// importTimeLimits replaces the time-limits table (立结案标准) with a CSV in the layout of
// standards/time-limits-default.csv.
func importTimeLimits(ctx context.Context, e *env, args []string) error {
	return importTable(ctx, e, "timelimits", args, func(ctx context.Context, a *app.App, f io.Reader) (string, error) {
		rows, err := workflow.ReadTimeLimits(f)
		if err != nil {
			return "", err
		}
		if err := a.Settings.ReplaceTimeLimits(ctx, console, rows); err != nil {
			return "", err
		}
		return fmt.Sprintf("the time-limits table now has %d rows; running deadlines keep their snapshot", len(rows)), nil
	})
}

// importCalendar sets working-day overrides from a CSV: date,working,note.
func importCalendar(ctx context.Context, e *env, args []string) error {
	return importTable(ctx, e, "calendar", args, func(ctx context.Context, a *app.App, f io.Reader) (string, error) {
		rows, err := workflow.ReadCalendarOverrides(f)
		if err != nil {
			return "", err
		}
		if err := a.Settings.ImportCalendarOverrides(ctx, console, rows); err != nil {
			return "", err
		}
		return fmt.Sprintf("set %d calendar overrides", len(rows)), nil
	})
}

// importHotline: citygrid import hotline --db DSN [--dry-run] [--json] FILE.csv|FILE.xlsx
func importHotline(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import hotline")
	dsn := dbFlag(fs, e)
	dryRun := fs.Bool("dry-run", false, "check and report without writing")
	asJSON := fs.Bool("json", false, "print the report as JSON")
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
	read := hotline.ReadCSV
	if strings.HasSuffix(strings.ToLower(fs.Arg(0)), ".xlsx") {
		read = hotline.ReadXLSX
	}
	rows, problems, err := read(f)
	if err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		r, err := a.Cases.ImportHotline(ctx, console, rows, problems, *dryRun)
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(r)
			return err
		}
		for _, p := range r.Problems {
			fmt.Fprintln(e.stdout, p)
		}
		verb := "imported"
		switch {
		case err != nil:
			verb = "nothing written:"
		case *dryRun:
			verb = "would import (dry run)"
		}
		fmt.Fprintf(e.stdout, "%s %d tickets: %d new cases, %d merged into open cases, %d imported before; %d problems\n",
			verb, r.Read, r.New, r.Merged, r.Skipped, len(r.Problems))
		return err
	})
}

// importCategories: citygrid import categories --db DSN FILE.csv — the national table's
// columns (kind, code, major_code, major_name, name) plus optional filing_condition,
// closing_condition, verification_required, public, sensitive.
func importCategories(ctx context.Context, e *env, args []string) error {
	return importTable(ctx, e, "categories", args, func(ctx context.Context, a *app.App, f io.Reader) (string, error) {
		cats, err := workflow.ReadCategories(f)
		if err != nil {
			return "", err
		}
		r, err := a.Settings.ImportCategories(ctx, console, cats)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("imported %d categories (%d new, %d updated, %d local)", len(cats), r.New, r.Updated, r.Local), nil
	})
}

// importDepartments: citygrid import departments --db DSN FILE.csv (code, name, level, region_code).
func importDepartments(ctx context.Context, e *env, args []string) error {
	return importTable(ctx, e, "departments", args, func(ctx context.Context, a *app.App, f io.Reader) (string, error) {
		depts, err := workflow.ReadDepartments(f)
		if err != nil {
			return "", err
		}
		if err := a.Settings.PutDepartments(ctx, console, depts); err != nil {
			return "", err
		}
		return fmt.Sprintf("imported %d departments", len(depts)), nil
	})
}

// importRules: citygrid import rules --db DSN FILE.csv — replaces the whole dispatch table.
func importRules(ctx context.Context, e *env, args []string) error {
	return importTable(ctx, e, "rules", args, func(ctx context.Context, a *app.App, f io.Reader) (string, error) {
		rules, err := workflow.ReadRules(f)
		if err != nil {
			return "", err
		}
		if err := a.Settings.ReplaceRules(ctx, console, rules); err != nil {
			return "", err
		}
		return fmt.Sprintf("the dispatch table now has %d rules", len(rules)), nil
	})
}

// importTable runs the shared shape of a one-file import: flags, open the file and the app,
// load, print what was done.
func importTable(ctx context.Context, e *env, what string, args []string, load func(context.Context, *app.App, io.Reader) (string, error)) error {
	return importTableWith(ctx, e, what, args, nil, load)
}

// importTableWith is importTable for an import with flags of its own: flags binds them and
// returns their check, run once they are parsed.
func importTableWith(ctx context.Context, e *env, what string, args []string, flags func(*flag.FlagSet) func() error,
	load func(context.Context, *app.App, io.Reader) (string, error)) error {
	fs := newFlags(e, "import "+what)
	dsn := dbFlag(fs, e)
	check := func() error { return nil }
	if flags != nil {
		check = flags(fs)
	}
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if err := check(); err != nil {
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
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		msg, err := load(ctx, a, f)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, msg)
		return nil
	})
}

// importRegions: citygrid import regions --db DSN [--dry-run] [--crs wgs84|gcj02|bd09] FILE.geojson
func importRegions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import regions")
	dsn := dbFlag(fs, e)
	dryRun := fs.Bool("dry-run", false, "check and report without writing")
	system := fs.String("crs", "wgs84", "coordinate system of the file: wgs84, gcj02 or bd09 (stored as wgs84)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	repair := fs.Bool("repair", false, "drop repeated points, zero-width spikes, small twists and stretches run out and back along a ring (common in published boundaries)")
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give one GeoJSON file")
	}
	from, err := crs.Parse(*system)
	if err != nil {
		return usageError{err.Error()}
	}
	toWGS84 := func(lon, lat float64) (float64, float64) { return crs.Convert(from, crs.WGS84, lon, lat) }
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	defer f.Close()
	in, problems, err := regionio.ReadGeoJSON(f, nil)
	if err != nil {
		return errs.E(errs.Invalid, "%s: %v", fs.Arg(0), err)
	}
	for i := range in {
		// Repair before converting: a spike is exactly straight only in the file's own system.
		if *repair {
			in[i].Geometry = grid.Repair(in[i].Geometry)
		}
		if from != crs.WGS84 {
			in[i].Geometry = grid.Transform(in[i].Geometry, toWGS84)
		}
	}
	return runImport(ctx, e, *dsn, in, problems, *dryRun, *asJSON)
}

// importDivisions: citygrid import divisions --db DSN [--prefix CODE] [--dry-run] streets.csv villages.csv
func importDivisions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import divisions")
	dsn := dbFlag(fs, e)
	dryRun := fs.Bool("dry-run", false, "check and report without writing")
	prefix := fs.String("prefix", "", "keep only rows whose code starts with this (e.g. a city's 4-digit code)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("give the streets and the villages CSV files, in that order")
	}
	streets, err := os.Open(fs.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	defer streets.Close()
	villages, err := os.Open(fs.Arg(1))
	if err != nil {
		return usageError{err.Error()}
	}
	defer villages.Close()
	in, problems, err := regionio.ReadDivisions(streets, baseName(fs.Arg(0)), villages, baseName(fs.Arg(1)), *prefix)
	if err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	return runImport(ctx, e, *dsn, in, problems, *dryRun, *asJSON)
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

func runImport(ctx context.Context, e *env, dsn string, in []grid.Incoming, problems []grid.Problem, dryRun, asJSON bool) error {
	return withApp(ctx, e, dsn, func(a *app.App) error {
		report, err := a.Regions.ImportRegions(ctx, console, in, problems, dryRun)
		printImportReport(e.stdout, report, dryRun, asJSON)
		return err
	})
}

func printImportReport(w io.Writer, r regions.ImportReport, dryRun, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		return
	}
	for _, p := range r.Problems {
		fmt.Fprintln(w, p)
	}
	verb := "imported"
	switch {
	case dryRun && r.Errors() == 0:
		verb = "would import (dry run)"
	case r.Errors() > 0:
		verb = "nothing written:"
	}
	fmt.Fprintf(w, "%s %d regions (%d new, %d updated); %d errors, %d warnings\n",
		verb, r.Read, r.New, r.Updated, r.Errors(), len(r.Problems)-r.Errors())
}

func cmdGrids(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "grids", args, map[string]func(context.Context, *env, []string) error{
		"generate": gridsGenerate,
		"members":  gridMembers,
	})
}

// gridsGenerate: citygrid grids generate --db DSN --region CODE [--cell-area 10000]
func gridsGenerate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "grids generate")
	dsn := dbFlag(fs, e)
	region := fs.String("region", "", "region whose polygon to divide (required)")
	cellArea := fs.Float64("cell-area", 10_000, "area of a unit grid in square metres")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *region == "" {
		return usagef("--region is required")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		report, err := a.Regions.GenerateGrids(ctx, console, *region, *cellArea)
		for _, p := range report.Problems {
			fmt.Fprintln(e.stdout, p)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "shaped %d regions and created %d unit grids under %s\n", report.Shaped, report.Grids, *region)
		return nil
	})
}

func cmdExport(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "export", args, map[string]func(context.Context, *env, []string) error{
		"regions": exportRegions,
		"cases":   exportCases,
		"stats":   exportStats,
	})
}

// exportRegions: citygrid export regions --db DSN [--region CODE] [--out FILE] — GeoJSON.
func exportRegions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export regions")
	dsn := dbFlag(fs, e)
	under := fs.String("region", "", "export only this region and what lies under it")
	out := fs.String("out", "-", "file to write, - for standard output")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		if *under != "" {
			if _, err := a.Regions.RegionPath(ctx, *under); err != nil {
				return err
			}
		}
		w := e.stdout
		if *out != "-" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		return regionio.WriteGeoJSON(w, a.Regions.Regions(ctx, *under))
	})
}

// gridMembers: citygrid grids members add|remove|list --db DSN --grid CODE [--username U] [--role leader|worker]
func gridMembers(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "remove" && args[0] != "list") {
		return usagef("grids members needs add, remove or list")
	}
	verb := args[0]
	fs := newFlags(e, "grids members "+verb)
	dsn := dbFlag(fs, e)
	code := fs.String("grid", "", "unit grid code (required)")
	username := fs.String("username", "", "the member (add, remove)")
	role := fs.String("role", regions.GridWorker, "leader (网格长) or worker (网格员) (add)")
	if err := parse(fs, args[1:], false); err != nil {
		return err
	}
	if *code == "" || (verb != "list" && *username == "") {
		return usagef("--grid is required, and --username for add and remove")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		var err error
		switch verb {
		case "add":
			err = a.Regions.PutGridMember(ctx, console, *code, *username, *role)
		case "remove":
			err = a.Regions.RemoveGridMember(ctx, console, *code, *username)
		}
		if err != nil {
			return err
		}
		members, err := a.Regions.GridMembers(ctx, console, *code)
		if err != nil {
			return err
		}
		for _, m := range members {
			fmt.Fprintf(e.stdout, "%s\t%s\n", m.Role, m.Username)
		}
		return nil
	})
}
