package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
)

// statusOf maps an error kind to its HTTP status: the one place where this happens.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.BadRequest:
		return http.StatusBadRequest
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail answers with the error shape. Internal errors are logged with the request id and shown
// only as "internal error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := errs.KindOf(err)
	if kind == errs.Internal {
		s.log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", audit.RequestID(r.Context()))
	}
	code, msg := errs.Public(err)
	if after := errs.RetryAfter(err); after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Round(time.Second).Seconds())))
	}
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	if reason, params := errs.Detail(err); kind != errs.Internal {
		// Additive: clients matching on code see what they always saw.
		if reason != code {
			b.Error.Reason = reason
		}
		b.Error.Params = params
	}
	writeJSON(w, statusOf(kind), b)
}

type errorBody struct {
	Error struct {
		Code    string      `json:"code"`
		Message string      `json:"message"`
		Reason  string      `json:"reason,omitempty"`
		Params  errs.Params `json:"params,omitempty"`
	} `json:"error"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, message
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decode reads exactly one JSON value of at most MaxBodyBytes into v, classifying every way a
// body can be wrong so the caller learns what to fix.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "text/json") {
			return errs.Coded(errs.BadRequest, "unsupported_media_type", "the body must be application/json, not %q", ct)
		}
	}
	return decodeJSON(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes), v)
}

// decodeJSON reads exactly one JSON value from rd into v, classifying what is wrong.
func decodeJSON(rd io.Reader, v any) error {
	dec := json.NewDecoder(rd)
	err := dec.Decode(v)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return errs.Coded(errs.BadRequest, "malformed_json", "the body must hold exactly one JSON value")
		}
		return nil
	}
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "the body is larger than %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return errs.Coded(errs.BadRequest, "malformed_json", "the body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return errs.Coded(errs.BadRequest, "malformed_json", "malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return errs.Coded(errs.BadRequest, "malformed_json", "the body must be a JSON %s, not %s", kindName(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return errs.Coded(errs.BadRequest, "wrong_type", "field %q must be a %s, not %s", field, kindName(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Coded(errs.BadRequest, "malformed_json", "the JSON body ends too early")
	}
	return errs.Coded(errs.BadRequest, "malformed_json", "unreadable JSON body: %v", err)
}

func kindName(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "bool":
		return "boolean"
	}
	return fmt.Sprint(goKind)
}
