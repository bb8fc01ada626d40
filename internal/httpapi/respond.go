package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// fail answers with the error shape, in the status the error's kind maps to.
func (s *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.Fail(w, r, s.log, err)
}

func (s *Handler) writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	httpx.WriteError(w, status, code, message)
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.WriteJSON(w, status, v) }

// decode reads exactly one JSON value of at most MaxBodyBytes into v, classifying every way a
// body can be wrong so the caller learns what to fix.
func (s *Handler) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "text/json") {
			return errs.Coded(errs.BadRequest, "unsupported_media_type", "the body must be application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "the body is larger than %d bytes", tooLarge.Limit)
	case err != nil:
		return errs.Coded(errs.BadRequest, "malformed_json", "unreadable body: %v", err)
	}
	// Before decoding, which would quietly repair what cannot be stored.
	if err := textcheck.JSON(body); err != nil {
		return err
	}
	return decodeJSON(bytes.NewReader(body), v)
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
