package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
)

func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo")
	addr := fs.String("addr", defaultAddr, "listen address HOST:PORT")
	data := fs.String("data", "./citygrid-demo", "demo data directory (SQLite at DIR/citygrid.db); reused when it exists")
	seedOnly := fs.Bool("seed-only", false, "seed the demo data and exit without serving")
	small := fs.Bool("small", false, "seed two districts with coarse grids only (fast; for tests)")
	history := fs.Int("history", 90, "days of simulated history to make in a new city (0: a city without cases)")
	seed := fs.Uint64("seed", 1, "random seed of the history: the same seed makes the same cases")
	until := fs.String("until", "", "end the history at this moment (RFC 3339) instead of now, for a city that is the same on every run")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the seeding to this file")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	end := time.Now()
	if *until != "" {
		t, err := time.Parse(time.RFC3339, *until)
		if err != nil {
			return fmt.Errorf("--until: %w", err)
		}
		end = t
	}
	if *history < 0 || *history > 366 {
		return fmt.Errorf("--history must be 0 to 366 days, not %d", *history)
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
	// The city is seeded on a clock the history moves, and with the cheapest password hashing:
	// its thousands of accounts share the printed demo password, so a slow hash would only
	// slow the seeding down. The server below hashes as usual.
	clock := &demo.Clock{}
	// The seeder leaves the evaluation aggregates to one rebuild at the end of the history: the
	// same numbers (a property test holds the two equal) for a fifth of the work.
	seeder, err := app.New(db, app.Options{Logger: e.logger(), Blobs: blobs, Clock: clock.Now, BcryptCost: bcrypt.MinCost, DeferEvaluation: true})
	if err != nil {
		return err
	}
	if *cpuprofile != "" {
		stop, err := startProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Seeding makes a great deal of short-lived garbage and little that lasts: collecting less
	// often costs memory the machine has and saves a tenth of the time.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	began := time.Now()
	page, err := seeder.Cases.ListCases(ctx, access.SystemPrincipal("demo"), cases.CaseFilter{Limit: 1})
	if err != nil {
		return err
	}
	// A new city is founded when its history begins; one with cases is reused as it is.
	fresh := *history > 0 && len(page.Cases) == 0
	if fresh {
		clock.Set(end.AddDate(0, 0, -*history-1))
	}
	if err := demo.Seed(ctx, seeder, demo.Options{Full: !*small, Staff: true}); err != nil {
		return err
	}
	if _, err := demo.SeedSites(ctx, seeder, *seed); err != nil {
		return err
	}
	if fresh {
		if err := makeHistory(ctx, e, seeder, demo.HistoryOptions{Days: *history, Seed: *seed, Until: end, Clock: clock}); err != nil {
			return err
		}
	}
	clock.Release()
	fmt.Fprintf(e.stdout, "demo city 焦作市 ready in %s\n", *data)
	if fresh {
		fmt.Fprintf(e.stdout, "seeded in %s\n", time.Since(began).Round(100*time.Millisecond))
	}
	c, err := demo.LoadCity(ctx, seeder)
	if err != nil {
		return err
	}
	staff := demo.NewStaff(c)
	if err := staff.PreferBusyGridWorkers(ctx, seeder); err != nil {
		return err
	}
	if *seedOnly {
		printLogins(e, "", c, staff)
		return nil
	}
	a, err := app.New(db, app.Options{Logger: e.logger(), Blobs: blobs})
	if err != nil {
		return err
	}
	cfg := e.cfg
	cfg.Addr = *addr
	return serveHTTP(ctx, e, cfg, a, db, func(url string) { printLogins(e, url, c, staff) })
}

// makeHistory makes the history of a new city, with a progress bar on a terminal, and prints
// the realism checks.
func makeHistory(ctx context.Context, e *env, a *app.App, opts demo.HistoryOptions) error {
	if isTerminal(e.stderr) {
		opts.Progress = progressBar(e.stderr)
	}
	began := time.Now()
	report, err := demo.MakeHistory(ctx, a, opts)
	if err != nil {
		return err
	}
	if _, err := a.Eval.Rebuild(ctx, access.SystemPrincipal("demo")); err != nil {
		return fmt.Errorf("count the history for evaluation: %w", err)
	}
	took := time.Since(began)
	r, err := demo.CheckRealism(ctx, a, report)
	if err != nil {
		return err
	}
	r.Print(e.stdout, took)
	fmt.Fprintf(e.stdout, "Patrols: %d with %d GPS fixes; hotline repeats joined: %d; notices: %d; steps: %d\n\n",
		report.Patrols, report.Points, report.Merged, report.Notices, report.Steps)
	return nil
}

// isTerminal tells whether w is a terminal, where a progress bar may redraw its line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws the history's progress on one line of w.
func progressBar(w io.Writer) func(demo.Progress) {
	return func(p demo.Progress) {
		drawBar(w, "history", p.Done, fmt.Sprintf("%s  %d cases", p.At.Format("2006-01-02"), p.Reports))
	}
}

// drawBar redraws a progress bar on the current line of w: what, how much of it is done (0 to
// 1), and a detail; at 1 the line is finished.
func drawBar(w io.Writer, what string, done float64, detail string) {
	const width = 30
	done = min(max(done, 0), 1)
	n := int(done * width)
	fmt.Fprintf(w, "\r  %s [%s%s] %3.0f%%  %s ", what, strings.Repeat("#", n), strings.Repeat(".", width-n), 100*done, detail)
	if done >= 1 {
		fmt.Fprintln(w)
	}
}

func printLogins(e *env, url string, c *demo.City, staff *demo.Staff) {
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
	if staff != nil && len(staff.Named) > 0 {
		fmt.Fprintf(e.stdout, "\nThe same city from other seats, district by district (%d people in all):\n\n", len(staff.People))
		tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  login\trole\twho")
		for _, d := range c.Districts {
			for _, p := range staff.Named[d.Code] {
				fmt.Fprintf(tw, "  %s\t%s\t%s %s · %s\n", p.Username, p.Role, d.Name, p.Name, p.Note)
			}
		}
		tw.Flush()
	}
	if url != "" {
		fmt.Fprintf(e.stdout, "\nAPI: curl -c cookies -H 'Content-Type: application/json' -d '{\"username\":\"admin\",\"password\":%q}' %s/api/v1/auth/login\n", demo.Password, url)
	}
}
