package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/citygrid/citygrid/internal/app"
)

func cmdOpen311(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "open311", args, map[string]func(context.Context, *env, []string) error{
		"key": func(ctx context.Context, e *env, args []string) error {
			return subcommand(ctx, e, "open311 key", args, map[string]func(context.Context, *env, []string) error{
				"create": open311KeyCreate,
				"revoke": open311KeyRevoke,
				"list":   open311KeyList,
			})
		},
	})
}

// open311KeyCreate prints the new api_key on stdout and nothing else, so scripts can capture
// it; it is shown this once.
func open311KeyCreate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "open311 key create")
	dsn := dbFlag(fs, e)
	name := fs.String("name", "", "the client's name, e.g. fixmystreet (required)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *name == "" {
		return usagef("--name is required")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		secret, _, err := a.Open311.CreateOpen311Key(ctx, console, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		return nil
	})
}

func open311KeyRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "open311 key revoke")
	dsn := dbFlag(fs, e)
	name := fs.String("name", "", "revoke every key of this client")
	key := fs.String("key", "", "revoke this one key")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if (*name == "") == (*key == "") {
		return usagef("give exactly one of --name and --key")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		if *key != "" {
			if err := a.People.RevokeTokenSecret(ctx, console, *key); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "key revoked")
			return nil
		}
		n, err := a.Open311.RevokeOpen311Keys(ctx, console, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d keys of %s revoked\n", n, *name)
		return nil
	})
}

func open311KeyList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "open311 key list")
	dsn := dbFlag(fs, e)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		clients, err := a.Open311.Open311Clients(ctx, console)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(clients)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "name\tuser\tlive keys\tcreated")
		for _, c := range clients {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", c.Name, c.Username, c.Keys, c.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	})
}
