package main

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/app"
)

func cmdAudit(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "audit", args, map[string]func(context.Context, *env, []string) error{
		"verify": auditVerify,
	})
}

// auditVerify exits 0 on an intact chain and 1 naming the first broken record otherwise.
func auditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		n, err := a.VerifyAudit(ctx)
		if err != nil {
			return fmt.Errorf("audit trail broken after %d intact records: %w", n, err)
		}
		fmt.Fprintf(e.stdout, "audit trail intact: %d records\n", n)
		return nil
	})
}
