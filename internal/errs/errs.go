// Package errs classifies the errors citygrid's use cases return, so that every boundary
// (HTTP, Open311, CLI) can map them to a status or exit code in one place and show callers a
// message written for them, never an internal detail.
package errs

import (
	"errors"
	"fmt"
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
type Error struct {
	Kind       Kind
	Code       string // the wire code; defaults to Kind (e.g. "outside_area" with Kind NotFound)
	Message    string
	RetryAfter time.Duration // for TooMany and Unavailable: when trying again may succeed
}

func (e *Error) Error() string { return e.Message }

// E returns a classified error whose message is formatted like fmt.Sprintf.
func E(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Code: string(kind), Message: fmt.Sprintf(format, args...)}
}

// Coded returns a classified error with a specific wire code.
func Coded(kind Kind, code, format string, args ...any) error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Throttled returns a TooMany error that says when to try again.
func Throttled(after time.Duration, format string, args ...any) error {
	return &Error{Kind: TooMany, Code: string(TooMany), Message: fmt.Sprintf(format, args...), RetryAfter: after}
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

// Is reports whether err is classified as kind.
func Is(err error, kind Kind) bool { return KindOf(err) == kind }
