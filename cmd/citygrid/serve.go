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
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/web"
)

const defaultAddr = "127.0.0.1:8080"

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	dsn := dbFlag(fs, e)
	addr := fs.String("addr", envOr(e, "CITYGRID_ADDR", defaultAddr), "listen address HOST:PORT (env CITYGRID_ADDR)")
	data := fs.String("data", envOr(e, "CITYGRID_DATA", "./citygrid-data"), "data directory for attachments and, by default, the SQLite database (env CITYGRID_DATA)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if !flagSet(fs, "db") && e.getenv("CITYGRID_DB") == "" {
		*dsn = sqliteIn(*data)
	}
	a, db, err := openAppWithData(ctx, e, *dsn, *data)
	if err != nil {
		return err
	}
	defer db.Close()
	return serveHTTP(ctx, e, a, db, *addr, nil)
}

// jobsEvery is how often this process sweeps deadlines and delivers notices
// (CITYGRID_JOBS_EVERY, a Go duration, default 5s; 0 runs no jobs here).
func jobsEvery(e *env) (time.Duration, error) {
	v := envOr(e, "CITYGRID_JOBS_EVERY", "5s")
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usagef("CITYGRID_JOBS_EVERY must be a duration such as 5s or 0, not %q", v)
	}
	return d, nil
}

func envOr(e *env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

// serveHTTP listens on addr and serves until ctx ends, then shuts down gracefully. Once
// listening it prints the URL (and calls announce, if given, with it) on stdout.
func serveHTTP(ctx context.Context, e *env, a *app.App, db *store.DB, addr string, announce func(url string)) error {
	log := e.logger()
	pages, err := web.New(web.Config{App: a, Logger: log, SessionCookie: httpapi.SessionCookie,
		SecureCookies: e.getenv("CITYGRID_SECURE_COOKIES") == "1", TileURL: e.getenv("CITYGRID_TILE_URL")})
	if err != nil {
		return err
	}
	api := httpapi.New(httpapi.Config{
		App:    a,
		Logger: log,
		Ready: func(ctx context.Context) error {
			if err := db.Ping(ctx); err != nil {
				return err
			}
			return db.CheckSchema(ctx)
		},
		SecureCookies: e.getenv("CITYGRID_SECURE_COOKIES") == "1",
		Version:       version(),
		Web:           pages,
	})
	every, err := jobsEvery(e)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if every > 0 {
		// Every process runs the jobs; claims in the database keep each notice single.
		stopJobs := jobs.Runner{Every: every, Jobs: a.Notices.Jobs(), Logger: log}.Start(ctx)
		defer stopJobs()
	}
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(api.StopStreams)
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
