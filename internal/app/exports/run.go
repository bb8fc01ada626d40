package exports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/jobs"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/store"
)

// Jobs are the export work a server process runs on a timer: running queued exports, and
// removing expired ones.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "run exports", Run: s.RunExports}, {Name: "expire exports", Run: s.ExpireExports}}
}

// errLostClaim stops a runner whose export another runner has taken over (its lease ran out)
// or that expired meanwhile.
var errLostClaim = errors.New("the export is no longer this runner's")

// progressPause is the least time between two progress writes: a fast export would otherwise
// write its row a thousand times a second.
const progressPause = 500 * time.Millisecond

// RunExports runs the exports waiting for a runner, one after the other, and returns how many
// it finished. Each is claimed in the database first, so of several processes exactly one
// runs each export. When ctx ends mid-export, the export is handed back to the queue.
func (s *Service) RunExports(ctx context.Context) (int, error) {
	if _, err := s.files(); err != nil {
		return 0, nil // a process without files runs no exports; one with them will
	}
	done := 0
	for ctx.Err() == nil {
		waiting, err := s.DB.ClaimableExports(ctx, s.Now(), 5)
		if err != nil {
			return done, err
		}
		ran := false
		for _, j := range waiting {
			if j.Attempts >= maxAttempts {
				s.Log.WarnContext(ctx, "export given up: its runners kept dying", "export", j.ID, "attempts", j.Attempts)
				if err := s.DB.FailExport(ctx, j.ID, "gave_up", s.Now()); err != nil {
					return done, err
				}
				continue
			}
			won, err := s.DB.ClaimExport(ctx, j.ID, s.runner, s.Now(), s.Now().Add(lease))
			if err != nil {
				return done, err
			}
			if !won {
				continue
			}
			ran = true
			if err := s.run(ctx, j); err != nil {
				return done, err
			}
			done++
			break // look again: another process may have taken the rest
		}
		if !ran {
			return done, nil
		}
	}
	return done, nil
}

// run writes one claimed export to the file store and records how it ended. It returns an
// error only for what keeps the runner from recording that.
func (s *Service) run(ctx context.Context, j store.ExportJob) error {
	files, err := s.files()
	if err != nil {
		return err
	}
	key := fmt.Sprintf("exports/%d/%s.%s", j.ID, randomName(), j.Format)
	rows, werr := s.write(ctx, j, files, key)
	bg := context.WithoutCancel(ctx)
	switch {
	case werr == nil:
		held, err := s.DB.FinishExport(bg, j.ID, s.runner, store.ExportDone, rows, key, "", s.Now())
		if err != nil || !held {
			_ = files.Delete(bg, key)
		}
		return err
	case errors.Is(werr, errLostClaim):
		s.Log.InfoContext(ctx, "export taken over by another runner", "export", j.ID)
		return nil
	case ctx.Err() != nil:
		// Shutting down: hand the export back, so another process takes it at once.
		_, err := s.DB.ReleaseExport(bg, j.ID, s.runner)
		return err
	}
	code := "internal"
	var e *errs.Error
	if errors.As(werr, &e) {
		code = e.Code
		if e.Reason != "" {
			code = e.Reason
		}
	} else {
		s.Log.ErrorContext(ctx, "export failed", "export", j.ID, "err", werr)
	}
	_, err = s.DB.FinishExport(bg, j.ID, s.runner, store.ExportFailed, rows, "", code, s.Now())
	return err
}

// write writes an export's file under key as its requester may see it, telling the database
// its progress, and returns the rows written.
func (s *Service) write(ctx context.Context, j store.ExportJob, files Files, key string) (int64, error) {
	actor, err := s.requester(ctx, j.Username)
	if err != nil {
		return 0, err
	}
	var params map[string]string
	if err := json.Unmarshal([]byte(j.Params), &params); err != nil {
		return 0, fmt.Errorf("export %d filters: %w", j.ID, err)
	}
	format, err := sheet.ParseFormat(j.Format)
	if err != nil {
		return 0, err
	}
	var last time.Time
	progress := func(rows, total int64) error {
		if rows != total && time.Since(last) < progressPause {
			return nil
		}
		last = time.Now()
		held, err := s.DB.ExportProgress(ctx, j.ID, s.runner, rows, total, s.Now().Add(lease))
		if err != nil {
			return err
		}
		if !held {
			return errLostClaim
		}
		return nil
	}
	// The file streams to the store as it is written: nothing holds it whole.
	pr, pw := io.Pipe()
	wrote := make(chan struct{})
	var rows int64
	var werr error
	go func() {
		defer close(wrote)
		if j.Kind == "stats" {
			rows, werr = s.WriteStats(ctx, actor, params, format, pw, progress)
		} else {
			rows, werr = s.WriteCases(ctx, actor, params, format, pw, progress)
		}
		pw.CloseWithError(werr)
	}()
	perr := files.PutReader(ctx, key, pr)
	pr.CloseWithError(errors.Join(perr, errors.New("the file store stopped reading")))
	<-wrote
	if werr != nil {
		return rows, werr
	}
	return rows, perr
}

// As returns the principal of a user for an export made on their behalf (the console's
// --as): what the user would get asking for it themselves.
func (s *Service) As(ctx context.Context, username string) (*access.Principal, error) {
	return s.requester(ctx, username)
}

// requester is the principal of the user who asked for an export, as of now: a user disabled
// since gets nothing, and one whose scope changed gets the new scope.
func (s *Service) requester(ctx context.Context, username string) (*access.Principal, error) {
	u, _, err := s.DB.UserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, errs.Coded(errs.Forbidden, "disabled", "the account %s is disabled", username)
	}
	p := &access.Principal{User: u, Via: "export"}
	if u.Role == access.GridWorker {
		if p.Grids, err = s.DB.UserGrids(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ExpireExports removes the exports past their day, files first, and returns how many.
func (s *Service) ExpireExports(ctx context.Context) (int, error) {
	files, err := s.files()
	if err != nil {
		return 0, nil
	}
	old, err := s.DB.ExpiredExports(ctx, s.Now(), 100)
	if err != nil {
		return 0, err
	}
	for i, j := range old {
		if j.FileKey != "" {
			if err := files.Delete(ctx, j.FileKey); err != nil {
				return i, err
			}
		}
		if err := s.DB.DeleteExport(ctx, j.ID); err != nil {
			return i, err
		}
	}
	return len(old), nil
}

func randomName() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
