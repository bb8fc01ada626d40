// Package errs classifies the errors citygrid's use cases return, so that every boundary
// (HTTP, Open311, CLI) can map them to a status or exit code in one place and show callers a
// message written for them, never an internal detail.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"time"
)

// Kind says what sort of failure an error is; boundaries map kinds to statuses.
type Kind string

// The kinds. Anything not classified is Internal and its details are never shown.
const (
	BadRequest   Kind = "bad_request"       // the request itself is malformed (syntax, types)
	Invalid      Kind = "invalid"           // well-formed but semantically unacceptable input
	Unauthorized Kind = "unauthorized"      // no or bad credentials
	Forbidden    Kind = "forbidden"         // authenticated, but not allowed (role or scope)
	NotFound     Kind = "not_found"         // no such thing (or not visible to the caller)
	Conflict     Kind = "conflict"          // the current state forbids it (version, state machine, uniqueness)
	TooLarge     Kind = "too_large"         // the input exceeds a size limit
	TooMany      Kind = "too_many_requests" // throttled
	Unavailable  Kind = "unavailable"       // a dependency is not ready (schema, database)
	Internal     Kind = "internal"          // a bug or an unexpected failure
)

// Error is a classified error with a message fit to show the caller.
//
// A refusal people meet is also data: Reason names it finer than the wire code (the API's
// code stays what clients already match on, e.g. "forbidden", while the reason says
// "outside_scope"), and Params carry its facts by name, so pages can say it in the reader's
// language instead of showing the English Message.
type Error struct {
	Kind       Kind
	Code       string // the wire code; defaults to Kind (e.g. "outside_area" with Kind NotFound)
	Reason     string // the stable key of the refusal; "" means the same as Code
	Params     Params // the refusal's facts by name; nil when it has none
	Message    string
	RetryAfter time.Duration // for TooMany and Unavailable: when trying again may succeed
}

// Params are a refusal's or a timeline event's facts by name: codes (an action, a status, a
// field), numbers and identifiers, never prose, so that each reader's language words them.
type Params map[string]any

func (e *Error) Error() string { return e.Message }

// E returns a classified error whose message is formatted like fmt.Sprintf.
func E(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Code: string(kind), Message: fmt.Sprintf(format, args...)}
}

// Coded returns a classified error with a specific wire code.
func Coded(kind Kind, code, format string, args ...any) error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Refuse returns a classified error with a reason and params; its wire code stays the kind,
// as it was before refusals carried reasons.
func Refuse(kind Kind, reason string, params Params, format string, args ...any) error {
	return &Error{Kind: kind, Code: string(kind), Reason: reason, Params: params, Message: fmt.Sprintf(format, args...)}
}

// RefuseCoded returns a classified error whose wire code is also its reason, with params.
func RefuseCoded(kind Kind, code string, params Params, format string, args ...any) error {
	return &Error{Kind: kind, Code: code, Reason: code, Params: params, Message: fmt.Sprintf(format, args...)}
}

// Required refuses input that lacks a field: reason "required", the field's wire name in
// params.
func Required(field, format string, args ...any) error {
	return Refuse(Invalid, "required", Params{"field": field}, format, args...)
}

// Prefix puts a prefix before a classified error's message and adds params (a report's third
// photo refused says which). The refusal of a part of a request keeps its kind and reason, and
// its wire code becomes the kind, as callers of the whole request have always seen; other
// errors are wrapped.
func Prefix(err error, params Params, format string, args ...any) error {
	prefix := fmt.Sprintf(format, args...)
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s%w", prefix, err)
	}
	c := *e
	c.Code, c.Reason, c.Message = string(e.Kind), e.Reason, prefix+e.Message
	if c.Reason == "" {
		c.Reason = e.Code
	}
	if len(params) > 0 {
		c.Params = maps.Clone(e.Params)
		if c.Params == nil {
			c.Params = Params{}
		}
		maps.Copy(c.Params, params)
	}
	return &c
}

// Throttled returns a TooMany error that says when to try again.
func Throttled(after time.Duration, format string, args ...any) error {
	return &Error{Kind: TooMany, Code: string(TooMany), Reason: "throttled", Params: Params{"minutes": int((after + time.Minute - 1) / time.Minute)},
		Message: fmt.Sprintf(format, args...), RetryAfter: after}
}

// RetryAfter returns how long the caller should wait before trying again, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// KindOf returns the kind of the first classified error in err's chain, Internal if none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Public returns the wire code and the message that may be shown to the caller for err.
// Unclassified errors yield a generic message: their text may hold internal details.
func Public(err error) (code, message string) {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Code, e.Message
	}
	return string(Internal), "internal error"
}

// Detail returns the reason and params of err, for pages that word refusals themselves.
// Unclassified errors yield reason "internal" and no params, like Public.
func Detail(err error) (reason string, params Params) {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		if e.Reason != "" {
			return e.Reason, e.Params
		}
		return e.Code, e.Params
	}
	return string(Internal), nil
}

// Is reports whether err is classified as kind.
func Is(err error, kind Kind) bool { return KindOf(err) == kind }
