// Package kernel is what every use-case area shares: the database, the clock, the audit
// record written in each use case's transaction, and the caches of what every report reads
// (the locate index, time limits and calendar, categories, rules and departments).
package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/photo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Intake defaults (DESIGN §4): possible duplicates are open cases of the same category
// within 50 m reported in the last 7 days (Options.DuplicateRadiusM, DuplicateWindow).
const (
	defaultDuplicateRadiusM = 50
	defaultDuplicateWindow  = 7 * 24 * time.Hour
)

// Options tune the use cases; zero values take the defaults.
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
	// Tracking by ticket: an address (anyone but signed-in staff) may look up this many
	// tickets per TrackWindow; tickets are sequential, so this is what keeps them from being
	// walked. Defaults 60 per 10 minutes.
	TrackLimit  int
	TrackWindow time.Duration
	// Anonymous "me too"s (and residents'): at most SupportsPerAddress from one client address
	// (an IPv6 /64) in SupportWindow; default 30 an hour.
	SupportsPerAddress int
	SupportWindow      time.Duration

	// DeferEvaluation leaves the evaluation aggregates alone in every step: for a bulk load
	// (the demo's history), which rebuilds them once at the end (eval.Service.Rebuild) instead
	// of keeping them step by step. A server never sets it.
	DeferEvaluation bool

	// Calendar is the base of the working-time calendar: zone and office hours (default: the
	// State Council calendar, 08:00–12:00 and 14:00–18:00, China time). Office hours the
	// administrator stores replace its schedules and stored overrides are added to it; the time
	// limits are stored too.
	Calendar worktime.Config
	// Blobs keeps attachment bytes; nil refuses uploads.
	Blobs blob.Store
	// Photos prepares uploaded photos within its memory bounds; default the process's shared
	// one (photo.Shared), so that every App in a process shares one bound.
	Photos *photo.Preparer
	// A report's possible duplicates (and a hotline ticket's case to join) are open cases of
	// its category within DuplicateRadiusM metres reported in the last DuplicateWindow;
	// defaults 50 m and 7 days.
	DuplicateRadiusM float64
	DuplicateWindow  time.Duration
	// Mailer sends notices by e-mail to users with an address; nil sends none.
	Mailer notify.Mailer
	// PublicURL is the server's absolute base address (https://grid.example.gov.cn), for links
	// that leave the server, as in e-mail; "" leaves them as paths.
	PublicURL string
	// HTTPClient posts webhooks; default http.DefaultClient (each post has a 10 s timeout).
	HTTPClient *http.Client
	// MapTiles are the tiles under the pages' maps as the environment sets them
	// (CITYGRID_MAP_TILES); nil leaves the choice to the administrator, whose default is none:
	// the offline base layer alone, and nothing leaves the machine.
	MapTiles *basemap.TileConfig
}

// Core is the kernel one process's use-case areas share; each area embeds it.
type Core struct {
	DB   *store.DB
	Opts Options
	Log  *slog.Logger
	// DummyHash is compared against for unknown users, so they cost the same time as known
	// ones. Made on first use: console commands that never sign anyone in skip the cost.
	DummyHash func() string
	loc       locator
	settings  settingsCache
	ref       refCache
}

// New returns a Core over db with opts' defaults filled in.
func New(db *store.DB, opts Options) (*Core, error) {
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
	if opts.Photos == nil {
		opts.Photos = photo.Shared()
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
	if opts.TrackLimit == 0 {
		opts.TrackLimit = 60
	}
	if opts.TrackWindow == 0 {
		opts.TrackWindow = 10 * time.Minute
	}
	if opts.SupportsPerAddress == 0 {
		opts.SupportsPerAddress = 30
	}
	if opts.SupportWindow == 0 {
		opts.SupportWindow = time.Hour
	}
	dummy := sync.OnceValue(func() string {
		h, err := access.HashPassword("not-a-real-password", opts.BcryptCost)
		if err != nil {
			panic("bcrypt: " + err.Error()) // only for a cost outside bcrypt's range, checked below
		}
		return h
	})
	if opts.Calendar.Location == nil {
		opts.Calendar.Location = worktime.China
	}
	if _, err := worktime.New(opts.Calendar); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	if opts.BcryptCost < bcrypt.MinCost || opts.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d is outside %d…%d", opts.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	return &Core{DB: db, Opts: opts, Log: opts.Logger, DummyHash: dummy}, nil
}

// Now is the use cases' clock, in UTC.
func (a *Core) Now() time.Time { return a.Opts.Clock().UTC() }

// Record appends an audit record for a change made in the transaction carried by ctx.
// before and after are summaries (nil for none) marshalled to JSON.
func (a *Core) Record(ctx context.Context, actor *access.Principal, action, target string, before, after any) error {
	return a.DB.AppendAudit(ctx, audit.Entry{
		At:        a.Now(),
		Actor:     actor.Name(),
		Action:    action,
		Target:    target,
		Before:    summary(before),
		After:     summary(after),
		RequestID: audit.RequestID(ctx),
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
func (a *Core) VerifyAudit(ctx context.Context) (int64, error) {
	var v audit.Verifier
	if err := a.DB.EachAudit(ctx, v.Check); err != nil {
		return v.Checked(), err
	}
	seq, hash, err := a.DB.AuditHead(ctx)
	if err != nil {
		return v.Checked(), err
	}
	return v.Checked(), v.Finish(seq, hash)
}

// IsStaff tells whether p works for the city (anyone but a resident).
func IsStaff(p *access.Principal) bool {
	return p != nil && (p.System || p.User.Role != access.Resident)
}

// MayEditCityWide refuses anyone but an unscoped admin: what changes city-wide tables (time
// limits, the calendar, webhooks) is for the city's own administrators.
func MayEditCityWide(p *access.Principal, what string) error {
	if p == nil || !p.IsAdmin() || (!p.System && p.User.Scope != "") {
		return errs.Refuse(errs.Forbidden, "city_admin_only", nil, "only an unscoped admin may change the %s", what)
	}
	return nil
}

// CheckText refuses a text field that is not text (bytes that are not UTF-8, or NUL: see
// package textcheck) or is longer than max characters. The adapters refuse such bytes at their
// entry; this is for what comes in by other ways, the console and imported files.
func CheckText(s, field string, max int) error {
	if err := textcheck.Check(field, s); err != nil {
		return err
	}
	if utf8.RuneCountInString(s) > max {
		return errs.Refuse(errs.Invalid, "too_long", errs.Params{"field": field, "max": max}, "%s must have at most %d characters", field, max)
	}
	return nil
}

// FirstNonBlank returns the first of ss with more than white space, or "".
func FirstNonBlank(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
