package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/photo"
	"github.com/citygrid/citygrid/internal/workflow"
)

// reportCase answers POST /api/v1/cases: anyone may report, signed in or not.
func (s *Handler) reportCase(w http.ResponseWriter, r *http.Request) {
	var in cases.NewCase
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		if err := s.readMultipartReport(w, r, &in); err != nil {
			s.fail(w, r, err)
			return
		}
	} else if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.app.Cases.Report(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// maxReportPhotos bounds the photos sent with one multipart report.
const maxReportPhotos = 6

// readMultipartReport reads a report sent as multipart/form-data: the report's JSON in a field
// named "case" and up to maxReportPhotos files in fields named "photo". The photos are stored
// with the case, in its transaction.
func (s *Handler) readMultipartReport(w http.ResponseWriter, r *http.Request, in *cases.NewCase) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes+maxReportPhotos*(photo.MaxBytes+1<<10))
	mr, err := r.MultipartReader()
	if err != nil {
		return uploadError(err)
	}
	sawCase := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		switch part.FormName() {
		case "case":
			if sawCase {
				return errs.E(errs.Invalid, "send one field named case")
			}
			sawCase = true
			lr := &io.LimitedReader{R: part, N: s.cfg.MaxBodyBytes + 1}
			if err := decodeJSON(lr, in); err != nil {
				if lr.N <= 0 {
					return errs.E(errs.TooLarge, "the case field is larger than %d bytes", s.cfg.MaxBodyBytes)
				}
				return err
			}
		case "photo":
			if len(in.PhotoData) == maxReportPhotos {
				return errs.Refuse(errs.Invalid, "too_many_photos", errs.Params{"max": maxReportPhotos}, "send at most %d photos with a report", maxReportPhotos)
			}
			data, err := io.ReadAll(io.LimitReader(part, photo.MaxBytes+1))
			if err != nil {
				return uploadError(err)
			}
			if len(data) > photo.MaxBytes {
				return errs.Refuse(errs.TooLarge, "photo_too_large", errs.Params{"mb": photo.MaxBytes >> 20}, "a photo is larger than %d MB", photo.MaxBytes>>20)
			}
			in.PhotoData = append(in.PhotoData, data)
		}
	}
	if !sawCase {
		return errs.E(errs.Invalid, "a multipart report needs a field named case holding the report's JSON")
	}
	return nil
}

func caseID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, errs.E(errs.NotFound, "case %q not found", r.PathValue("id"))
	}
	return id, nil
}

func (s *Handler) getCase(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.Cases.Case(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// actionRequest is {"action": "...", "version": N, ...the action's inputs}.
type actionRequest struct {
	Action  string `json:"action"`
	Version *int   `json:"version"`
	workflow.Input
}

func (s *Handler) actOnCase(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in actionRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Action == "" {
		s.fail(w, r, errs.Required("action", "action is required"))
		return
	}
	c, err := s.app.Cases.Act(r.Context(), principal(r), id, in.Action, in.Version, in.Input)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.PublicOnly() {
		writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "ticket": c.Ticket, "status": c.Status, "supports": c.Counters.Supports})
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// urgeResult is one case of a bulk urging as the API answers it: urged, or refused with the
// status and error the case's own action would have answered.
type urgeResult struct {
	ID     int64  `json:"id,omitempty"`
	Ticket string `json:"ticket,omitempty"`
	Urged  bool   `json:"urged"`
	Urges  int    `json:"urges,omitempty"`
	Status int    `json:"status,omitempty"`
	// Error has the API's error shape's members: {code, message, reason, params}.
	Error *urgeError `json:"error,omitempty"`
}

type urgeError struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Reason  string      `json:"reason,omitempty"`
	Params  errs.Params `json:"params,omitempty"`
}

// urgeCases answers POST /api/v1/cases/urge {ids|tickets, note}: each case urged (督办) or
// refused on its own, 200 with one result per case; the batch is refused whole only when the
// caller may not urge, or names no case, too many, or too long a note.
func (s *Handler) urgeCases(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in cases.UrgeBatch
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	outcomes, err := s.app.Cases.UrgeMany(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := struct {
		Urged   int          `json:"urged"`
		Refused int          `json:"refused"`
		Results []urgeResult `json:"results"`
	}{Results: make([]urgeResult, 0, len(outcomes))}
	for _, o := range outcomes {
		res := urgeResult{ID: o.ID, Ticket: o.Ticket, Urged: o.Urged, Urges: o.Urges}
		if o.Err != nil {
			body.Refused++
			res.Status = httpx.Status(o.Err)
			e := &urgeError{}
			e.Code, e.Message = errs.Public(o.Err)
			reason, params := errs.Detail(o.Err)
			if reason != e.Code { // as httpx.Fail words it
				e.Reason = reason
			}
			e.Params = params
			res.Error = e
		} else {
			body.Urged++
		}
		body.Results = append(body.Results, res)
	}
	writeJSON(w, http.StatusOK, body)
}

// listCases answers GET /api/v1/cases?status=a,b&kind=&category=&region=&department=&holder=KIND:CODE
// &source=&reporter=&q=&from=&to=&overdue=1&light=green|yellow|red&sort=created|due&limit=&cursor=.
func (s *Handler) listCases(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	f, err := cases.ParseFilter(r.URL.Query().Get)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.app.Cases.ListCases(r.Context(), p, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}
