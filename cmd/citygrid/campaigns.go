package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/campaign"
)

// importTargets: citygrid import targets --campaign ID --db DSN FILE.csv — assets for a
// campaign to zero (name, type, lon, lat and optionally address, unit, crs, due_on; Chinese
// headers too), each located to its unit grid. All or nothing: a bad line, a place outside the
// campaign's regions, a target already listed or given twice refuses the file, each named by
// its line.
func importTargets(ctx context.Context, e *env, args []string) error {
	var id *int64
	flags := func(fs *flag.FlagSet) func() error {
		id = fs.Int64("campaign", 0, "the campaign's id")
		return func() error {
			if *id <= 0 {
				return usagef("--campaign ID is required")
			}
			return nil
		}
	}
	return importTableWith(ctx, e, "targets", args, flags, func(ctx context.Context, a *app.App, f io.Reader) (string, error) {
		rows, err := campaign.ReadTargetsCSV(f)
		if err != nil {
			return "", err
		}
		r, err := a.Campaigns.ImportTargets(ctx, console, *id, rows)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("imported %d targets into campaign %d; it now has %s", r.Added, *id, r.Counts), nil
	})
}
