// Package exports writes case lists and evaluation tables to Excel (.xlsx) and CSV files for
// the people who ask: at once on the console (citygrid export), or as a job with progress that
// any server process may run (POST /api/v1/exports), exactly once however many run, the file
// kept a day for its requester to download. A list is exported with the same filters and the
// same scope as GET /api/v1/cases shows it; rows stream from the database to the file, so
// memory stays flat whatever the size.
package exports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/worktime"
)

const (
	// keepFor is how long a finished export's file is kept for its requester.
	keepFor = 24 * time.Hour
	// lease is how long a runner holds an export without reporting progress; a runner that
	// dies gives the export up to another after it.
	lease = 2 * time.Minute
	// maxAttempts is how many runners may take an export before it is given up: one that kills
	// its runner (memory, a crash) must not kill every process in turn.
	maxAttempts = 3
	// maxWaiting bounds the exports one person may have queued or running.
	maxWaiting = 3
	// maxParam bounds a filter's value in characters.
	maxParam = 200
)

// Files is where finished exports are kept: the attachments' blob store, which streams them
// in and out and deletes them when they expire.
type Files interface {
	blob.Store
	PutReader(ctx context.Context, key string, r io.Reader) error
	Delete(ctx context.Context, key string) error
}

// Service is the export use cases.
type Service struct {
	*kernel.Core
	cases *cases.Service
	// Stats gives evaluation tables to export; nil until an evaluation area provides them.
	Stats StatsSource
	// TempDir is where the xlsx writer keeps a sheet while it grows (the system's when "").
	TempDir string
	// runner names this process's runner in the claims it takes.
	runner string
}

// New returns the export use cases over core, reading case lists through cs.
func New(core *kernel.Core, cs *cases.Service) *Service {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Service{Core: core, cases: cs, runner: hex.EncodeToString(b)}
}

// Request asks for an export: what (cases or stats), in which format, with which filters
// (GET /api/v1/cases's query parameters for cases, GET /api/v1/stats's for stats).
type Request struct {
	Kind    string            `json:"kind"`
	Format  string            `json:"format"`
	Filters map[string]string `json:"filters"`
}

// Job is an export as its requester sees it.
type Job struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Format string `json:"format"`
	State  string `json:"state"` // queued, running, done or failed
	Rows   int64  `json:"rows"`
	Total  int64  `json:"total"`
	// Download is where the file is, once done.
	Download  string    `json:"download,omitempty"`
	FileName  string    `json:"file_name"`
	Error     string    `json:"error,omitempty"` // why it failed, as an error code
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func jobOf(j store.ExportJob) Job {
	out := Job{ID: j.ID, Kind: j.Kind, Format: j.Format, State: j.State, Rows: j.Rows, Total: j.Total, FileName: j.FileName,
		Error: j.Error, CreatedAt: j.CreatedAt, ExpiresAt: j.ExpiresAt}
	if j.State == store.ExportDone {
		out.Download = fmt.Sprintf("/api/v1/exports/%d/file", j.ID)
	}
	return out
}

// files returns the blob store exports are kept in, or why there is none.
func (s *Service) files() (Files, error) {
	f, ok := s.Opts.Blobs.(Files)
	if !ok || f == nil {
		return nil, errs.Coded(errs.Unavailable, "exports_unavailable", "this server keeps no files, so exports cannot run as jobs; use citygrid export")
	}
	return f, nil
}

// mayExport refuses anyone but staff: exports are a centre's work tool.
func mayExport(actor *access.Principal) error {
	if actor == nil {
		return errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in first")
	}
	if !kernel.IsStaff(actor) {
		return errs.Refuse(errs.Forbidden, "staff_only", nil, "exports are for the city's staff")
	}
	return nil
}

// checkParams refuses filters an export of the kind does not take, and values that are not
// text.
func checkParams(kind string, params map[string]string) error {
	allowed := StatsParams
	if kind == "cases" {
		allowed = slices.DeleteFunc(slices.Clone(cases.FilterParams), func(p string) bool { return p == "limit" || p == "cursor" || p == "before" })
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			if err := kernel.CheckText(k, "filters", maxParam); err != nil {
				return err
			}
			return errs.Refuse(errs.Invalid, "unknown_filter", errs.Params{"field": "filters." + k},
				"%s is not a filter of a %s export (want %s)", k, kind, strings.Join(allowed, ", "))
		}
		if err := kernel.CheckText(params[k], "filters."+k, maxParam); err != nil {
			return err
		}
	}
	return nil
}

// check validates a request for the actor and returns the file's name: everything that can be
// refused is refused before the job is queued.
func (s *Service) check(ctx context.Context, actor *access.Principal, in Request) (string, error) {
	if err := mayExport(actor); err != nil {
		return "", err
	}
	format, err := sheet.ParseFormat(in.Format)
	if err != nil {
		return "", err
	}
	switch in.Kind {
	case "cases", "stats":
	case "":
		return "", errs.Required("kind", "kind is required: cases or stats")
	default:
		return "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "kind", "value": in.Kind}, "kind must be cases or stats, not %q", in.Kind)
	}
	if err := checkParams(in.Kind, in.Filters); err != nil {
		return "", err
	}
	var base string
	switch in.Kind {
	case "cases":
		if _, err := s.caseFilter(actor, in.Filters); err != nil {
			return "", err
		}
		base = "案件清单-" + s.scopeName(ctx, actor, in.Filters) + "-" + s.Now().In(worktime.China).Format("20060102-1504")
	case "stats":
		t, err := s.statsTable(ctx, actor, in.Filters)
		if err != nil {
			return "", err
		}
		base = t.Name
	}
	return fileName(base) + "." + string(format), nil
}

// fileName makes a name safe on every system: no path separators, reserved or control
// characters.
func fileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(s, "_"))
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	return strings.TrimSpace(s)
}

// Start queues an export for the actor and returns it: the filters are checked (and the scope:
// a region outside the actor's is refused now, not when the job runs); a runner picks it up.
func (s *Service) Start(ctx context.Context, actor *access.Principal, in Request) (Job, error) {
	if _, err := s.files(); err != nil {
		return Job{}, err
	}
	name, err := s.check(ctx, actor, in)
	if err != nil {
		return Job{}, err
	}
	params := in.Filters
	if params == nil {
		params = map[string]string{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return Job{}, fmt.Errorf("encode export filters: %w", err)
	}
	now := s.Now()
	j := store.ExportJob{Username: actor.User.Username, Kind: in.Kind, Format: in.Format, Params: string(raw), State: store.ExportQueued,
		FileName: name, CreatedAt: now, ExpiresAt: now.Add(keepFor)}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		waiting, err := s.DB.CountActiveExports(ctx, actor.User.Username)
		if err != nil {
			return err
		}
		if waiting >= maxWaiting {
			return errs.RefuseCoded(errs.TooMany, "too_many_exports", errs.Params{"max": maxWaiting},
				"you have %d exports waiting; wait for one to finish", waiting)
		}
		if j.ID, err = s.DB.InsertExportJob(ctx, j); err != nil {
			return err
		}
		return s.Record(ctx, actor, "export.start", fmt.Sprintf("export:%d", j.ID), nil, in)
	})
	if err != nil {
		return Job{}, err
	}
	return jobOf(j), nil
}

// Job returns one of the actor's exports; anyone else's is not found.
func (s *Service) Job(ctx context.Context, actor *access.Principal, id int64) (Job, error) {
	if err := mayExport(actor); err != nil {
		return Job{}, err
	}
	j, err := s.DB.ExportJobOf(ctx, id, actor.User.Username)
	if err != nil {
		return Job{}, err
	}
	return jobOf(j), nil
}

// Open returns a finished export's file for the actor who asked for it.
func (s *Service) Open(ctx context.Context, actor *access.Principal, id int64) (io.ReadCloser, Job, error) {
	files, err := s.files()
	if err != nil {
		return nil, Job{}, err
	}
	if err := mayExport(actor); err != nil {
		return nil, Job{}, err
	}
	j, err := s.DB.ExportJobOf(ctx, id, actor.User.Username)
	if err != nil {
		return nil, Job{}, err
	}
	if j.State != store.ExportDone {
		return nil, Job{}, errs.RefuseCoded(errs.Conflict, "not_ready", errs.Params{"state": j.State}, "export %d is %s, not done", id, j.State)
	}
	r, err := files.Open(ctx, j.FileKey)
	if err != nil {
		return nil, Job{}, err
	}
	return r, jobOf(j), nil
}
