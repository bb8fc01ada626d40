package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/httpapi"
	"github.com/citygrid/citygrid/internal/jobs"
	"github.com/citygrid/citygrid/internal/open311"
	frontdoor "github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/web"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	cfg := e.cfg // flags are bound to this copy: what a flag says wins over the environment
	dsn := dbFlag(fs, e)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address HOST:PORT (env CITYGRID_ADDR)")
	fs.StringVar(&cfg.Data, "data", cfg.Data, "data directory for attachments and, by default, the SQLite database (env CITYGRID_DATA)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	cfg.DB = *dsn
	if !flagSet(fs, "db") && e.cfg.DB == "" {
		cfg.DB = sqliteIn(cfg.Data)
	}
	a, db, err := openAppWithData(ctx, e, cfg.DB, cfg.Data)
	if err != nil {
		return err
	}
	defer db.Close()
	return serveHTTP(ctx, e, cfg, a, db, nil)
}

// frontDoor builds every adapter's config from cfg and the server that mounts them.
func frontDoor(cfg Config, a *app.App, db *store.DB, log *slog.Logger) (*frontdoor.Server, error) {
	return frontdoor.New(frontdoor.Config{
		App:    a,
		Logger: log,
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			return db.CheckSchema(ctx)
		},
		Version:      version(),
		Metrics:      cfg.Metrics,
		MetricsToken: cfg.MetricsToken,
		API:          httpapi.Config{SecureCookies: cfg.SecureCookies},
		Open311:      open311.Config{BaseURL: cfg.PublicURL},
		Web:          &web.Config{SecureCookies: cfg.SecureCookies},
	})
}

// serveHTTP listens on cfg.Addr and serves until ctx ends, then shuts down gracefully. Once
// listening it prints the URL (and calls announce, if given, with it) on stdout.
func serveHTTP(ctx context.Context, e *env, cfg Config, a *app.App, db *store.DB, announce func(url string)) error {
	log := e.logger()
	front, err := frontDoor(cfg, a, db, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.JobsEvery > 0 {
		// Every process runs the jobs; claims in the database keep each notice single.
		stopJobs := jobs.Runner{Every: cfg.JobsEvery, Jobs: a.Notices.Jobs(), Logger: log}.Start(ctx)
		defer stopJobs()
		// Exports run apart from the notices, so a long one never holds a notice up, and look
		// for work every second, so a person waiting for a file sees it start.
		stopExports := jobs.Runner{Every: min(cfg.JobsEvery, time.Second), Jobs: a.Exports.Jobs(), Logger: log}.Start(ctx)
		defer stopExports()
	}
	// At start-up and daily, whether or not this process runs the jobs: a calendar about to
	// run out of public holidays must be said in the log, not found out on a holiday.
	stopCheck := jobs.Runner{Every: 24 * time.Hour, Jobs: []jobs.Job{{Name: "check calendar", Run: a.Settings.CheckCalendar}}, Logger: log}.Start(ctx)
	defer stopCheck()
	srv := &http.Server{
		Handler:           front,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(front.StopStreams)
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(e.stdout, "citygrid listening on %s\n", url)
	if announce != nil {
		announce(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
