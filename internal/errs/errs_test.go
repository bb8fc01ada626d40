package errs_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

func TestARefusalKeepsItsWireCodeAndCarriesItsReason(t *testing.T) {
	err := fmt.Errorf("act: %w", errs.Refuse(errs.Forbidden, "outside_scope", errs.Params{"action": "register"}, "the case lies outside your scope"))
	if code, msg := errs.Public(err); code != "forbidden" || msg != "the case lies outside your scope" {
		t.Errorf("Public: %q %q", code, msg)
	}
	if reason, params := errs.Detail(err); reason != "outside_scope" || params["action"] != "register" {
		t.Errorf("Detail: %q %v", reason, params)
	}
	coded := errs.RefuseCoded(errs.Conflict, "wrong_state", errs.Params{"status": "closed"}, "cannot register")
	if code, _ := errs.Public(coded); code != "wrong_state" {
		t.Errorf("RefuseCoded's wire code %q", code)
	}
	if reason, _ := errs.Detail(coded); reason != "wrong_state" {
		t.Errorf("RefuseCoded's reason %q", reason)
	}
	// A refusal made before reasons has its code as its reason, and no params.
	if reason, params := errs.Detail(errs.E(errs.Invalid, "bad")); reason != "invalid" || params != nil {
		t.Errorf("plain E: %q %v", reason, params)
	}
	// Internal errors show nothing of themselves.
	if reason, params := errs.Detail(errors.New("disk on fire")); reason != "internal" || params != nil {
		t.Errorf("internal: %q %v", reason, params)
	}
}

func TestPrefixKeepsKindAndReasonAndTheWireCodeIsTheKind(t *testing.T) {
	inner := errs.Coded(errs.Invalid, "unsupported_type", "only JPEG")
	err := errs.Prefix(inner, errs.Params{"photo": 2}, "photo %d: ", 2)
	code, msg := errs.Public(err)
	reason, params := errs.Detail(err)
	if code != "invalid" || msg != "photo 2: only JPEG" || reason != "unsupported_type" || params["photo"] != 2 {
		t.Errorf("Prefix: code %q, message %q, reason %q, params %v", code, msg, reason, params)
	}
	plain := errors.New("boom")
	if err := errs.Prefix(plain, nil, "photo 1: "); !errors.Is(err, plain) || errs.KindOf(err) != errs.Internal {
		t.Errorf("Prefix of an unclassified error: %v", err)
	}
}

func TestThrottledSaysWhenInMinutes(t *testing.T) {
	err := errs.Throttled(90*time.Second, "too many")
	if reason, params := errs.Detail(err); reason != "throttled" || params["minutes"] != 2 {
		t.Errorf("Throttled: %q %v", reason, params)
	}
	if code, _ := errs.Public(err); code != "too_many_requests" {
		t.Errorf("Throttled's wire code %q", code)
	}
}
