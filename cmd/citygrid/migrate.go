package main

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/workflow"
)

func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema at version %d\n", v)
	a, err := app.New(db, app.Options{Logger: e.logger()})
	if err != nil {
		return err
	}
	if n, err := a.Settings.EnsureNationalCategories(ctx, console); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(e.stdout, "loaded the national category dictionary GB/T 47678.5-2026 (%d categories)\n", n)
	}
	if added, err := a.Settings.EnsureUnclassifiedCategory(ctx, console); err != nil {
		return err
	} else if added {
		fmt.Fprintf(e.stdout, "added the local category matter %s 不确定/其他, for reports whose reporter cannot tell the category\n", workflow.UnclassifiedCode)
	}
	if n, err := a.Settings.EnsureDefaultTimeLimits(ctx, console); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(e.stdout, "loaded the default time limits (%d rows): edit them with citygrid import timelimits\n", n)
	}
	return nil
}

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "citygrid %s\n", version())
	return nil
}
