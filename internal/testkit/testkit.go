// Package testkit holds small helpers that tests of several packages share. It is imported by
// tests only.
package testkit

import (
	"bytes"
	"sync"
)

// SyncBuffer is a log sink a server's goroutines may write while the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
