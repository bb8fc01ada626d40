// Package audit defines the append-only, hash-chained audit trail: every write records who did
// what to which target, with a before/after summary, and each record carries the hash of the one
// before it, so an edit or deletion by hand breaks the chain where it happened.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Record is one entry of the trail. Seq numbers are dense from 1.
type Record struct {
	Seq       int64
	At        time.Time
	Actor     string
	Action    string
	Target    string
	Before    string // JSON summary of the state before, "" when none
	After     string // JSON summary of the state after, "" when none
	RequestID string
	PrevHash  string // Hash of record Seq-1; "" for the first record
	Hash      string
}

// Entry is what a writer supplies; the store assigns Seq, the chain and, if zero, the time.
type Entry struct {
	At        time.Time
	Actor     string
	Action    string
	Target    string
	Before    string
	After     string
	RequestID string
}

// ComputeHash returns the hash that r must carry: SHA-256 over its fields (length-prefixed, so
// no two different records encode the same) and the previous record's hash.
func ComputeHash(r Record) string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	binary.BigEndian.PutUint64(n[:], uint64(r.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(r.At.UnixMicro()))
	h.Write(n[:])
	for _, s := range []string{r.Actor, r.Action, r.Target, r.Before, r.After, r.RequestID, r.PrevHash} {
		field(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BrokenError names the first record where the chain does not hold.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit record %d: %s", e.Seq, e.Reason)
}

// Verifier checks records fed to it in ascending Seq order.
type Verifier struct {
	prevSeq  int64
	prevHash string
}

// Check verifies the next record against the chain so far.
func (v *Verifier) Check(r Record) error {
	switch {
	case r.Seq != v.prevSeq+1:
		return &BrokenError{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("missing (next record present is %d)", r.Seq)}
	case r.PrevHash != v.prevHash:
		return &BrokenError{Seq: r.Seq, Reason: "does not link to the record before it"}
	case ComputeHash(r) != r.Hash:
		return &BrokenError{Seq: r.Seq, Reason: "contents do not match its hash (edited)"}
	}
	v.prevSeq, v.prevHash = r.Seq, r.Hash
	return nil
}

// Finish checks that the last record seen is the last one the writer appended, whose sequence
// and hash the store keeps apart from the records, so deleting the newest rows is caught too.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if v.prevSeq < headSeq {
		return &BrokenError{Seq: v.prevSeq + 1, Reason: fmt.Sprintf("missing (the trail should end at record %d)", headSeq)}
	}
	if v.prevSeq > headSeq || v.prevHash != headHash {
		return &BrokenError{Seq: v.prevSeq, Reason: "does not match the recorded end of the trail"}
	}
	return nil
}

// Checked reports how many records the verifier has accepted.
func (v *Verifier) Checked() int64 { return v.prevSeq }

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

type clientAddrKey struct{}

// WithClientAddr returns a context carrying the address of the client being served (see
// httpx.ClientAddr), for what is limited per address, like the anonymous "me too".
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr returns the client address carried by ctx, or "" (a console command, a job).
func ClientAddr(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddrKey{}).(string)
	return addr
}
