package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/notices"
)

func cmdWebhook(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "webhook", args, map[string]func(context.Context, *env, []string) error{
		"add":     webhookAdd,
		"list":    webhookList,
		"disable": webhookDisable,
	})
}

// webhookAdd: citygrid webhook add --name N --url URL [--topics 'case.*'] — prints the secret once.
func webhookAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "webhook add")
	dsn := dbFlag(fs, e)
	var in notices.NewWebhook
	fs.StringVar(&in.Name, "name", "", "subscription name (required)")
	fs.StringVar(&in.URL, "url", "", "http(s) URL to POST to (required)")
	fs.StringVar(&in.Topics, "topics", "*", "topics: '*' or a comma list; 'case.*' matches a prefix")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if in.Name == "" || in.URL == "" {
		return usagef("--name and --url are required")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		h, err := a.Notices.AddWebhook(ctx, console, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "webhook %d %s → %s (%s)\nsecret (shown once): %s\n", h.ID, h.Name, h.URL, h.Topics, h.Secret)
		return nil
	})
}

func webhookList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "webhook list")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, false); err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		hooks, err := a.Notices.Webhooks(ctx, console)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tURL\tTOPICS\tDISABLED")
		for _, h := range hooks {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%t\n", h.ID, h.Name, h.URL, h.Topics, h.Disabled)
		}
		return tw.Flush()
	})
}

func webhookDisable(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "webhook disable")
	dsn := dbFlag(fs, e)
	if err := parse(fs, args, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give the webhook's id")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return usagef("webhook id must be a number, not %q", fs.Arg(0))
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		if err := a.Notices.DisableWebhook(ctx, console, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "webhook %d disabled\n", id)
		return nil
	})
}
