// Package app holds citygrid's use cases. Each one authorizes its actor, runs in one
// transaction, and writes its audit record (and any outbox message) in that same transaction,
// so every entry point (HTTP, Open311, CLI, jobs) gets the same rules.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Options tune an App; zero values take the defaults.
type Options struct {
	Clock      func() time.Time // defaults to time.Now
	Logger     *slog.Logger     // defaults to slog.Default()
	BcryptCost int              // defaults to bcrypt.DefaultCost; tests use bcrypt.MinCost
	SessionTTL time.Duration    // defaults to 12 hours

	// Sign-in throttling: after this many failures in ThrottleWindow, an account or an address
	// is refused until the window passes.
	AccountFailures int           // default 5
	AddressFailures int           // default 20
	ThrottleWindow  time.Duration // default 15 minutes

	// Calendar is the base of the working-time calendar: zone and office hours (default: the
	// State Council calendar, 08:00–12:00 and 14:00–18:00, China time). The administrator's
	// stored overrides are added to it; the time limits are stored too.
	Calendar worktime.Config
	// Blobs keeps attachment bytes; nil refuses uploads.
	Blobs blob.Store
	// A report's possible duplicates (and a hotline ticket's case to join) are open cases of
	// its category within DuplicateRadiusM metres reported in the last DuplicateWindow;
	// defaults 50 m and 7 days.
	DuplicateRadiusM float64
	DuplicateWindow  time.Duration
	// Mailer sends notices by e-mail to users with an address; nil sends none.
	Mailer Mailer
	// HTTPClient posts webhooks; default http.DefaultClient (each post has a 10 s timeout).
	HTTPClient *http.Client
}

// App runs the use cases over one database.
type App struct {
	db   *store.DB
	opts Options
	log  *slog.Logger
	// dummyHash is compared against for unknown users, so they cost the same time as known
	// ones. Made on first use: console commands that never sign anyone in skip the cost.
	dummyHash func() string
	loc       locator
	settings  settingsCache
	ref       refCache
	intake    groupCommit // joins concurrent reports into one commit (intake.go)
}

// New returns an App over db.
func New(db *store.DB, opts Options) (*App, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost
	}
	if opts.DuplicateRadiusM == 0 {
		opts.DuplicateRadiusM = defaultDuplicateRadiusM
	}
	if opts.DuplicateWindow == 0 {
		opts.DuplicateWindow = defaultDuplicateWindow
	}
	if opts.DuplicateRadiusM < 0 || opts.DuplicateRadiusM > 10000 || opts.DuplicateWindow < 0 {
		return nil, fmt.Errorf("duplicate search of %g m over %s: want 0–10,000 m and a positive window", opts.DuplicateRadiusM, opts.DuplicateWindow)
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.AccountFailures == 0 {
		opts.AccountFailures = 5
	}
	if opts.AddressFailures == 0 {
		opts.AddressFailures = 20
	}
	if opts.ThrottleWindow == 0 {
		opts.ThrottleWindow = 15 * time.Minute
	}
	dummy := sync.OnceValue(func() string {
		h, err := access.HashPassword("not-a-real-password", opts.BcryptCost)
		if err != nil {
			panic("bcrypt: " + err.Error()) // only for a cost outside bcrypt's range, checked below
		}
		return h
	})
	if opts.Calendar.Location == nil {
		opts.Calendar.Location = chinaTime
	}
	if _, err := worktime.New(opts.Calendar); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if opts.BcryptCost < bcrypt.MinCost || opts.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d is outside %d…%d", opts.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	return &App{db: db, opts: opts, log: opts.Logger, dummyHash: dummy}, nil
}

func (a *App) now() time.Time { return a.opts.Clock().UTC() }

type requestIDKey struct{}

// WithRequestID returns a context carrying the id of the request being served, which audit
// records keep so a record can be matched with the logs.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// record appends an audit record for a change made in the transaction carried by ctx.
// before and after are summaries (nil for none) marshalled to JSON.
func (a *App) record(ctx context.Context, actor *access.Principal, action, target string, before, after any) error {
	return a.db.AppendAudit(ctx, audit.Entry{
		At:        a.now(),
		Actor:     actor.Name(),
		Action:    action,
		Target:    target,
		Before:    summary(before),
		After:     summary(after),
		RequestID: RequestID(ctx),
	})
}

func summary(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return `{"error":"unserializable summary"}`
	}
	return string(b)
}

// VerifyAudit walks the whole audit trail and returns how many records it checked, or an
// *audit.BrokenError naming the first record where the chain breaks.
func (a *App) VerifyAudit(ctx context.Context) (int64, error) {
	var v audit.Verifier
	if err := a.db.EachAudit(ctx, v.Check); err != nil {
		return v.Checked(), err
	}
	seq, hash, err := a.db.AuditHead(ctx)
	if err != nil {
		return v.Checked(), err
	}
	return v.Checked(), v.Finish(seq, hash)
}
