package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo")
	addr := fs.String("addr", defaultAddr, "listen address HOST:PORT")
	data := fs.String("data", "./citygrid-demo", "demo data directory (SQLite at DIR/citygrid.db); reused when it exists")
	seedOnly := fs.Bool("seed-only", false, "seed the demo data and exit without serving")
	small := fs.Bool("small", false, "seed two districts with coarse grids only (fast; for tests)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o750); err != nil {
		return fmt.Errorf("create demo directory: %w", err)
	}
	db, err := openDB(ctx, sqliteIn(*data), false)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	blobs, err := blob.NewDir(filepath.Join(*data, "attachments"))
	if err != nil {
		return err
	}
	a, err := app.New(db, app.Options{Logger: e.logger(), Blobs: blobs})
	if err != nil {
		return err
	}
	if err := demo.Seed(ctx, a, demo.Options{Full: !*small}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo city 焦作市 ready in %s\n", *data)
	if *seedOnly {
		printLogins(e, "")
		return nil
	}
	cfg := e.cfg
	cfg.Addr = *addr
	return serveHTTP(ctx, e, cfg, a, db, func(url string) { printLogins(e, url) })
}

func printLogins(e *env, url string) {
	if url != "" {
		fmt.Fprintf(e.stdout, "\nOpen %s and sign in (every demo password is %q):\n\n", url, demo.Password)
	} else {
		fmt.Fprintf(e.stdout, "\nDemo logins (every demo password is %q):\n\n", demo.Password)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  username\trole\twho")
	for _, l := range demo.Logins() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Username, l.Role, l.Note)
	}
	tw.Flush()
	if url != "" {
		fmt.Fprintf(e.stdout, "\nAPI: curl -c cookies -H 'Content-Type: application/json' -d '{\"username\":\"admin\",\"password\":%q}' %s/api/v1/auth/login\n", demo.Password, url)
	}
}
