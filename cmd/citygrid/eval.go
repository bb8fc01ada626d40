package main

import (
	"context"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
)

func cmdEval(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "eval", args, map[string]func(context.Context, *env, []string) error{
		"rebuild": evalRebuild,
	})
}

// evalRebuild recounts the evaluation aggregates from the cases: citygrid eval rebuild --db DSN
func evalRebuild(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "eval rebuild")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		start := time.Now()
		n, err := a.Eval.Rebuild(ctx, access.SystemPrincipal("cli"))
		if err != nil {
			return fmt.Errorf("rebuild the evaluation aggregates: %w", err)
		}
		fmt.Fprintf(e.stdout, "evaluation aggregates rebuilt from %d cases in %s\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
