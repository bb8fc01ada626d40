package audit_test

import (
	"errors"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/audit"
)

// chain builds n correctly linked records.
func chain(n int) []audit.Record {
	var rs []audit.Record
	prev := ""
	for i := 1; i <= n; i++ {
		r := audit.Record{Seq: int64(i), At: time.Date(2026, 11, 25, 9, i, 0, 0, time.UTC), Actor: "admin",
			Action: "user.add", Target: "user:u", After: `{"n":1}`, RequestID: "req", PrevHash: prev}
		r.Hash = audit.ComputeHash(r)
		prev = r.Hash
		rs = append(rs, r)
	}
	return rs
}

func verify(rs []audit.Record, headSeq int64, headHash string) error {
	var v audit.Verifier
	for _, r := range rs {
		if err := v.Check(r); err != nil {
			return err
		}
	}
	return v.Finish(headSeq, headHash)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(rs []audit.Record) []audit.Record
		wantSeq int64 // 0: intact
	}{
		{"an untouched chain is intact", func(rs []audit.Record) []audit.Record { return rs }, 0},
		{"an edited actor breaks its record", func(rs []audit.Record) []audit.Record { rs[2].Actor = "mallory"; return rs }, 3},
		{"an edited time breaks its record", func(rs []audit.Record) []audit.Record { rs[1].At = rs[1].At.Add(time.Second); return rs }, 2},
		{"a deleted middle record is named", func(rs []audit.Record) []audit.Record { return append(rs[:3:3], rs[4:]...) }, 4},
		{"a deleted first record is named", func(rs []audit.Record) []audit.Record { return rs[1:] }, 1},
		{"a deleted last record is caught by the head", func(rs []audit.Record) []audit.Record { return rs[:4] }, 5},
		{"a rehashed edit still breaks the link of the next record", func(rs []audit.Record) []audit.Record {
			rs[1].Target = "user:other"
			rs[1].Hash = audit.ComputeHash(rs[1])
			return rs
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := chain(5)
			head := rs[4]
			err := verify(tt.tamper(rs), head.Seq, head.Hash)
			if tt.wantSeq == 0 {
				if err != nil {
					t.Fatalf("verify = %v, want intact", err)
				}
				return
			}
			var broken *audit.BrokenError
			if !errors.As(err, &broken) {
				t.Fatalf("verify = %v, want a BrokenError", err)
			}
			if broken.Seq != tt.wantSeq {
				t.Errorf("first broken record = %d, want %d (%v)", broken.Seq, tt.wantSeq, err)
			}
		})
	}
}

func TestComputeHashSeparatesFields(t *testing.T) {
	a := audit.Record{Seq: 1, Actor: "ab", Action: "c"}
	b := audit.Record{Seq: 1, Actor: "a", Action: "bc"}
	if audit.ComputeHash(a) == audit.ComputeHash(b) {
		t.Error("records differing only in where a field ends hash alike")
	}
}
