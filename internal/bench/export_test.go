package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/bench"
)

func TestExportScenario(t *testing.T) {
	s, err := bench.OpenScratch(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var out bytes.Buffer
	res, err := bench.Export(t.Context(), &out, s.DB, s.Where, s.DSN, bench.ExportConfig{Cases: 2000, Peer: 300, Seed: 1, Small: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.XLSX.Rows != 2000 || res.CSV.Rows != 2000 || res.Read.Rows != 2000 || res.Peer.Rows != 300 {
		t.Errorf("rows: xlsx %d, csv %d, read %d, peer %d", res.XLSX.Rows, res.CSV.Rows, res.Read.Rows, res.Peer.Rows)
	}
	if res.XLSX.Bytes == 0 || res.XLSX.PeakRSS == 0 {
		t.Errorf("xlsx run %+v: want a file and a peak", res.XLSX)
	}
	for _, want := range []string{"xlsx, streamed", "vs the in-memory peer", "rows/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}
