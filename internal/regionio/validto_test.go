package regionio_test

import (
	"bytes"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
)

func TestValidTo(t *testing.T) {
	retired := grid.Region{Code: "4108", Name: "旧市", Level: grid.City, AreaClass: grid.AreaGeneral,
		ValidTo: time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	seq := iter.Seq2[grid.Region, error](func(yield func(grid.Region, error) bool) { yield(retired, nil) })
	if err := regionio.WriteGeoJSON(&buf, seq); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"valid_to":"2020-06-01"`) {
		t.Fatalf("export lacks valid_to: %s", buf.String())
	}
	in, problems, err := regionio.ReadGeoJSON(&buf, nil)
	if err != nil || len(problems) > 0 || len(in) != 1 || !in[0].ValidTo.Equal(retired.ValidTo) {
		t.Fatalf("read back %+v, %v, %v", in, problems, err)
	}
	bad := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"4108","name":"x","level":"city","valid_to":"June 2020"},"geometry":null}]}`
	_, problems, err = regionio.ReadGeoJSON(strings.NewReader(bad), nil)
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0].Reason, "valid_to") {
		t.Errorf("a bad valid_to: problems %v, err %v; want one problem naming valid_to", problems, err)
	}
}
