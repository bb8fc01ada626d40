package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/citygrid/citygrid/internal/app"
)

func cmdToken(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "token", args, map[string]func(context.Context, *env, []string) error{
		"create": tokenCreate,
		"revoke": tokenRevoke,
	})
}

// tokenCreate prints the new token on stdout and nothing else, so scripts can capture it.
func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token create")
	dsn := dbFlag(fs, e)
	username := fs.String("username", "", "whose token (required)")
	name := fs.String("name", "", "what the token is for")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *username == "" {
		return usagef("--username is required")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		secret, _, err := a.People.CreateToken(ctx, console, *username, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		return nil
	})
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "token revoke")
	dsn := dbFlag(fs, e)
	id := fs.Int64("id", 0, "the token's id")
	token := fs.String("token", "", "the token itself")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if (*id == 0) == (*token == "") {
		return usagef("give exactly one of --id and --token")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		var err error
		if *token != "" {
			err = a.People.RevokeTokenSecret(ctx, console, *token)
		} else {
			err = a.People.RevokeToken(ctx, console, *id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "token revoked")
		return nil
	})
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
