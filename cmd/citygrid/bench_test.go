package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchIntakeAndListCommandLines(t *testing.T) {
	t.Parallel()
	existing := filepath.Join(t.TempDir(), "taken.db")
	if err := os.WriteFile(existing, []byte("not yours to fill"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no clients", []string{"bench", "intake", "--clients", "0"}, exitUsage, "", "--clients"},
		{"an unknown DSN", []string{"bench", "intake", "--db", "mysql://x"}, exitUsage, "", "mysql://x"},
		{"too few cases", []string{"bench", "list", "--cases", "10"}, exitUsage, "", "--cases"},
		{"a database that exists", []string{"bench", "list", "--db", "sqlite:" + existing, "--cases", "1000"}, exitUsage, "", "fresh database"},
		{"a small intake run", []string{"bench", "intake", "--reports", "40", "--clients", "4"}, 0, "40 acknowledged", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", nil, tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout, tt.wantStdout) || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("citygrid %s: exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					strings.Join(tt.args, " "), code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != "not yours to fill" {
		t.Errorf("the existing file was touched: %q, %v", b, err)
	}
}
