package regionio_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
)

// checkIncoming fails unless every region read is usable: a code, a name, a known level and
// an area class, and the Where its reader promises.
func checkIncoming(t *testing.T, in []grid.Incoming, wherePrefixes ...string) {
	t.Helper()
	for _, r := range in {
		if r.Code == "" || r.Name == "" {
			t.Errorf("%s: region %+v has an empty code or name", r.Where, r.Region)
		}
		if _, err := grid.ParseLevel(string(r.Level)); err != nil {
			t.Errorf("%s: region %s has level %q", r.Where, r.Code, r.Level)
		}
		switch r.AreaClass {
		case grid.AreaCore, grid.AreaGeneral, grid.AreaFringe:
		default:
			t.Errorf("%s: region %s has area class %q", r.Where, r.Code, r.AreaClass)
		}
		ok := false
		for _, p := range wherePrefixes {
			ok = ok || strings.HasPrefix(r.Where, p)
		}
		if !ok {
			t.Errorf("region %s has Where %q, want one starting with %q", r.Code, r.Where, wherePrefixes)
		}
	}
}

func FuzzReadGeoJSON(f *testing.F) {
	city := `"code":"4108","name":"新乡市","level":"city"`
	for _, seed := range []string{
		collection(feature(city, squareGeometry), feature(`"code":410802,"name":"红旗区","level":"district","parent_code":4108,"area_class":"A"`, "null")),
		collection(feature(city, `{"type":"MultiPolygon","coordinates":[[[[113,35],[114,35],[114,36],[113,35]]]]}`)),
		collection(feature(`"code":"4108","level":"town","area_class":"Z"`, `{"type":"Point","coordinates":[1,2]}`), `"4108"`, `null`, `{"type":"Feature"}`),
		collection(feature(`"code":4.108e3,"name":7,"level":["city"]`, `{"type":"Polygon","coordinates":[[["113","35"]]]}`)),
		`{"features":[],"crs":{"type":"name"},"bbox":[1,2,3,4],"UTF8Encoding":false,"type":"FeatureCollection"}`,
		`{"type":"FeatureCollection","UTF8Encoding":true,"features":[]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feat`,
		`{"type":"Feature","properties":{},"geometry":null}`,
		`[]`, ``, `code,name`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, problems, err := regionio.ReadGeoJSON(bytes.NewReader(data), nil)
		if err != nil {
			if got != nil || problems != nil {
				t.Fatalf("error %v came with regions or problems", err)
			}
			return
		}
		checkIncoming(t, got, "feature ")
		for _, p := range problems {
			if !strings.HasPrefix(p.Where, "feature ") || p.Reason == "" {
				t.Errorf("problem %+v lacks where or reason", p)
			}
		}
		// Whatever was read must survive being written and read again.
		var buf bytes.Buffer
		if err := regionio.WriteGeoJSON(&buf, regions(regionsOf(got)...)); err != nil {
			t.Fatalf("writing back what was read: %v", err)
		}
		again, problems, err := regionio.ReadGeoJSON(&buf, nil)
		if err != nil || len(problems) > 0 || len(again) != len(got) {
			t.Fatalf("reading back %d regions: %d regions, problems %v, error %v\n%s", len(got), len(again), problems, err, buf.Bytes())
		}
		for i := range got {
			a, b := got[i].Region, again[i].Region
			if a.Geometry != nil && b.Geometry != nil && !orb.Equal(a.Geometry, b.Geometry) {
				t.Errorf("feature %d: geometry %v came back as %v", i, a.Geometry, b.Geometry)
			}
			a.Geometry, b.Geometry = nil, nil
			if a != b {
				t.Errorf("feature %d: %+v came back as %+v", i, a, b)
			}
		}
	})
}

func regionsOf(in []grid.Incoming) []grid.Region {
	out := make([]grid.Region, len(in))
	for i, r := range in {
		out[i] = r.Region
	}
	return out
}

func FuzzReadDivisions(f *testing.F) {
	f.Add([]byte(csvFile(streetsHeader, streetRows...)), []byte(csvFile(villagesHeader, villageRows...)), "")
	f.Add([]byte(csvFile(streetsHeader, streetRows...)), []byte(csvFile(villagesHeader, villageRows...)), "410802")
	f.Add([]byte("\ufeff"+strings.ReplaceAll(csvFile(streetsHeader, streetRows...), "\n", "\r\n")), []byte(villagesHeader), "4108")
	f.Add([]byte(csvFile(" name , cityCode,code,areaCode", `"民生街道",4108,410802001,410802`)),
		[]byte(csvFile("areaCode,streetCode,name,code", `410802,410802001,"枫华园社区居民委员会",410802001001`)), "41")
	f.Add([]byte(csvFile(streetsHeader, `410802002,"多一列",410802,41,4108,x`, `410802004,"a",,41,4108`, `410802001001,"a",410802,41,4108`)),
		[]byte(csvFile(villagesHeader, `,"无代码",410802001,41,4108,410802`, `41080200100A,"a",410802001,41,4108,410802`,
			`410802001005,"a"b",410802001,41,4108,410802`, `410802001002,"two`+"\n"+`lines",410802001,41,4108,410802`)), "")
	f.Add([]byte("code,\"name,areaCode\n"), []byte(""), "")
	f.Fuzz(func(t *testing.T, streets, villages []byte, prefix string) {
		got, problems, err := regionio.ReadDivisions(bytes.NewReader(streets), "s", bytes.NewReader(villages), "v", prefix)
		if err != nil {
			if got != nil || problems != nil {
				t.Fatalf("error %v came with regions or problems", err)
			}
			return
		}
		checkIncoming(t, got, "s line ", "v line ")
		for _, r := range got {
			if !strings.HasPrefix(r.Code, prefix) || len(r.Code) != r.Level.CodeLen() || r.ParentCode == "" {
				t.Errorf("%s: region %+v does not fit prefix %q, its level's code length or has no parent", r.Where, r.Region, prefix)
			}
			if r.Level != grid.Subdistrict && r.Level != grid.Community {
				t.Errorf("%s: region %s has level %s", r.Where, r.Code, r.Level)
			}
		}
		for _, p := range problems {
			if !strings.HasPrefix(p.Where, "s line ") && !strings.HasPrefix(p.Where, "v line ") || p.Reason == "" {
				t.Errorf("problem %+v lacks where or reason", p)
			}
		}
	})
}
