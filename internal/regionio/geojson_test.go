package regionio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
)

// square is a closed ring with its south-west corner at (lon, lat).
func square(lon, lat, side float64) orb.Ring {
	return orb.Ring{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}
}

// regions yields rs as the sequence WriteGeoJSON takes.
func regions(rs ...grid.Region) iter.Seq2[grid.Region, error] {
	return func(yield func(grid.Region, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// collection wraps feature JSON texts in a FeatureCollection.
func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

// feature is a feature with the given properties (a JSON object body) and geometry.
func feature(props, geometry string) string {
	return `{"type":"Feature","properties":{` + props + `},"geometry":` + geometry + `}`
}

const squareGeometry = `{"type":"Polygon","coordinates":[[[113,35],[113.1,35],[113.1,35.1],[113,35.1],[113,35]]]}`

func TestGeoJSONRoundTrip(t *testing.T) {
	want := []grid.Region{
		{Code: "4108", Name: "新乡市", Level: grid.City, AreaClass: grid.AreaGeneral,
			Geometry: orb.Polygon{square(113, 35, 1), square(113.2, 35.2, 0.1)}},
		{Code: "410802", Name: "红旗区", Level: grid.District, ParentCode: "4108", AreaClass: grid.AreaCore,
			Geometry: orb.MultiPolygon{{square(113, 35, 0.1)}, {square(113.5, 35.5, 0.123456789012)}}},
		{Code: "410802001", Name: "民生街道", Level: grid.Subdistrict, ParentCode: "410802", AreaClass: grid.AreaGeneral},
		{Code: "410802001001", Name: `"枫华园" <社区> & 居委会`, Level: grid.Community, ParentCode: "410802001", AreaClass: grid.AreaFringe,
			Geometry: orb.Polygon{square(113.01, 35.01, 0.001)}},
	}
	var buf bytes.Buffer
	if err := regionio.WriteGeoJSON(&buf, regions(want...)); err != nil {
		t.Fatalf("WriteGeoJSON: %v", err)
	}
	got, problems, err := regionio.ReadGeoJSON(&buf, nil)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ReadGeoJSON of our own output: problems %v, error %v\n%s", problems, err, buf.String())
	}
	if len(got) != len(want) {
		t.Fatalf("got %d regions, want %d", len(got), len(want))
	}
	for i, w := range want {
		t.Run("region "+w.Code+" comes back unchanged", func(t *testing.T) {
			g := got[i]
			if wantWhere := fmt.Sprintf("feature %d", i); g.Where != wantWhere {
				t.Errorf("Where = %q, want %q", g.Where, wantWhere)
			}
			if !sameRegion(g.Region, w) {
				t.Errorf("got %+v\nwant %+v", g.Region, w)
			}
		})
	}
}

// sameRegion compares regions field by field, geometry with orb.Equal.
func sameRegion(a, b grid.Region) bool {
	ga, gb := a.Geometry, b.Geometry
	a.Geometry, b.Geometry = nil, nil
	if a != b || (ga == nil) != (gb == nil) {
		return false
	}
	return ga == nil || orb.Equal(ga, gb)
}

func TestWriteGeoJSONOutput(t *testing.T) {
	tests := []struct {
		name    string
		regions []grid.Region
		want    string
	}{
		{"an empty sequence writes an empty collection", nil,
			"{\"type\":\"FeatureCollection\",\"features\":[\n]}\n"},
		{"a root has no parent_code and a region without shape has null geometry",
			[]grid.Region{{Code: "4108", Name: "新乡市", Level: grid.City, AreaClass: grid.AreaGeneral}},
			"{\"type\":\"FeatureCollection\",\"features\":[\n" +
				`{"type":"Feature","properties":{"code":"4108","name":"新乡市","level":"city","area_class":"B"},"geometry":null}` +
				"\n]}\n"},
		{"a child has its parent_code and features are separated by commas",
			[]grid.Region{
				{Code: "4108", Name: "a", Level: grid.City, AreaClass: grid.AreaGeneral},
				{Code: "410802", Name: "b", Level: grid.District, ParentCode: "4108", AreaClass: grid.AreaCore},
			},
			"{\"type\":\"FeatureCollection\",\"features\":[\n" +
				`{"type":"Feature","properties":{"code":"4108","name":"a","level":"city","area_class":"B"},"geometry":null},` + "\n" +
				`{"type":"Feature","properties":{"code":"410802","name":"b","level":"district","parent_code":"4108","area_class":"A"},"geometry":null}` +
				"\n]}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := regionio.WriteGeoJSON(&buf, regions(tt.regions...)); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestWriteGeoJSONStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("database gone")
	yielded := 0
	seq := func(yield func(grid.Region, error) bool) {
		yielded++
		if !yield(grid.Region{Code: "4108", Name: "a", Level: grid.City}, nil) {
			return
		}
		yielded++
		if !yield(grid.Region{}, boom) {
			return
		}
		yielded++
		yield(grid.Region{Code: "4109", Name: "b", Level: grid.City}, nil)
	}
	err := regionio.WriteGeoJSON(io.Discard, seq)
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want %v", err, boom)
	}
	if yielded != 2 {
		t.Errorf("the sequence was asked for %d values, want 2 (stop at the error)", yielded)
	}
}

func TestWriteGeoJSONRefusesAGeometryItCannotWrite(t *testing.T) {
	r := grid.Region{Code: "4108", Name: "a", Level: grid.City, Geometry: orb.Collection{orb.Point{1, 2}}}
	err := regionio.WriteGeoJSON(io.Discard, regions(r))
	if err == nil || !strings.Contains(err.Error(), "4108") {
		t.Errorf("got %v, want an error naming region 4108", err)
	}
}

func TestReadGeoJSONAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want grid.Region
	}{
		{"a numeric code and parent code as their digits",
			collection(feature(`"code":410802,"name":"红旗区","level":"district","parent_code":4108`, "null")),
			grid.Region{Code: "410802", Name: "红旗区", Level: grid.District, ParentCode: "4108", AreaClass: grid.AreaGeneral}},
		{"a city without parent_code",
			collection(feature(`"code":"4108","name":"新乡市","level":"city"`, "null")),
			grid.Region{Code: "4108", Name: "新乡市", Level: grid.City, AreaClass: grid.AreaGeneral}},
		{"null parent_code and area_class as absent",
			collection(feature(`"code":"4108","name":"新乡市","level":"city","parent_code":null,"area_class":null`, "null")),
			grid.Region{Code: "4108", Name: "新乡市", Level: grid.City, AreaClass: grid.AreaGeneral}},
		{"an explicit area class",
			collection(feature(`"code":"410802001001","name":"x","level":"community","parent_code":"410802001","area_class":"C"`, "null")),
			grid.Region{Code: "410802001001", Name: "x", Level: grid.Community, ParentCode: "410802001", AreaClass: grid.AreaFringe}},
		{"a feature without a geometry member as a region without shape",
			collection(`{"type":"Feature","properties":{"code":"4108","name":"a","level":"city"}}`),
			grid.Region{Code: "4108", Name: "a", Level: grid.City, AreaClass: grid.AreaGeneral}},
		{"a polygon with an altitude, dropping it",
			collection(feature(`"code":"4108","name":"a","level":"city"`,
				`{"type":"Polygon","coordinates":[[[113,35,80],[114,35,80],[114,36,80],[113,35,80]]]}`)),
			grid.Region{Code: "4108", Name: "a", Level: grid.City, AreaClass: grid.AreaGeneral,
				Geometry: orb.Polygon{{{113, 35}, {114, 35}, {114, 36}, {113, 35}}}}},
		{"unknown top-level members and a type after the features",
			`{"features":[` + feature(`"code":"4108","name":"a","level":"city","extra":{"x":[1,2]}`, "null") +
				`],"name":"xinxiang","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},` +
				`"bbox":[113,35,114,36],"UTF8Encoding":false,"type":"FeatureCollection"}`,
			grid.Region{Code: "4108", Name: "a", Level: grid.City, AreaClass: grid.AreaGeneral}},
		{"unknown feature members such as id and bbox",
			collection(`{"id":7,"type":"Feature","bbox":[1,2,3,4],"properties":{"code":"4108","name":"a","level":"city"},"geometry":null}`),
			grid.Region{Code: "4108", Name: "a", Level: grid.City, AreaClass: grid.AreaGeneral}},
		{"spaces around a name and code, trimmed",
			collection(feature(`"code":" 4108 ","name":" 新乡市\t","level":"city"`, "null")),
			grid.Region{Code: "4108", Name: "新乡市", Level: grid.City, AreaClass: grid.AreaGeneral}},
	}
	for _, tt := range tests {
		t.Run("it reads "+tt.name, func(t *testing.T) {
			got, problems, err := regionio.ReadGeoJSON(strings.NewReader(tt.in), nil)
			if err != nil || len(problems) > 0 {
				t.Fatalf("problems %v, error %v", problems, err)
			}
			if len(got) != 1 || !sameRegion(got[0].Region, tt.want) || got[0].Where != "feature 0" {
				t.Errorf("got %+v\nwant %+v at feature 0", got, tt.want)
			}
		})
	}
}

func TestReadGeoJSONReportsBadFeaturesAndGoesOn(t *testing.T) {
	city := `"code":"4108","name":"新乡市","level":"city"`
	tests := []struct {
		name     string
		feature  string
		code     string   // the code the problem names
		contains []string // one problem per entry, its reason containing the text
	}{
		{"a feature without code", feature(`"name":"a","level":"city"`, "null"), "", []string{"code is missing"}},
		{"a feature with an empty code", feature(`"code":"","name":"a","level":"city"`, "null"), "", []string{"code is missing"}},
		{"a feature without name", feature(`"code":"4108","level":"city"`, "null"), "4108", []string{"name is missing"}},
		{"a feature without level", feature(`"code":"4108","name":"a"`, "null"), "4108", []string{"level is missing"}},
		{"a feature with an unknown level", feature(`"code":"41","name":"河南省","level":"province"`, "null"), "41", []string{`level "province"`}},
		{"a district without parent_code", feature(`"code":"410802","name":"a","level":"district"`, "null"), "410802", []string{"parent_code is missing"}},
		{"an area class outside A, B, C", feature(city+`,"area_class":"D"`, "null"), "4108", []string{`area_class "D"`}},
		{"a lower-case area class", feature(city+`,"area_class":"a"`, "null"), "4108", []string{`area_class "a"`}},
		{"a name that is a number", feature(`"code":"4108","name":7,"level":"city"`, "null"), "4108", []string{"name must be a string, not a JSON number"}},
		{"a level that is an array", feature(`"code":"4108","name":"a","level":["city"]`, "null"), "4108", []string{"level must be a string, not a JSON array"}},
		{"a code that is a boolean", feature(`"code":true,"name":"a","level":"city"`, "null"), "", []string{"code must be a string or a whole number"}},
		{"a code that is a fraction", feature(`"code":4108.5,"name":"a","level":"city"`, "null"), "", []string{"whole number"}},
		{"a code that is negative", feature(`"code":-4108,"name":"a","level":"city"`, "null"), "", []string{"whole number"}},
		{"a code in exponent form", feature(`"code":4.108e3,"name":"a","level":"city"`, "null"), "", []string{"whole number"}},
		{"a parent_code that is an object", feature(`"code":"410802","name":"a","level":"district","parent_code":{}`, "null"), "410802", []string{"parent_code must be a string or a whole number"}},
		{"an area class that is a number", feature(city+`,"area_class":1`, "null"), "4108", []string{"area_class must be a string"}},
		{"unreadable coordinates", feature(city, `{"type":"Polygon","coordinates":[[["113","35"]]]}`), "4108", []string{"coordinates"}},
		{"a position with one number", feature(city, `{"type":"Polygon","coordinates":[[[113],[114,35],[114,36],[113,35]]]}`), "4108", []string{"longitude and latitude"}},
		{"a geometry without coordinates", feature(city, `{"type":"Polygon"}`), "4108", []string{"no coordinates"}},
		{"a geometry that is a number", feature(city, `5`), "4108", []string{"geometry"}},
		{"a point geometry", feature(city, `{"type":"Point","coordinates":[113,35]}`), "4108", []string{"Point is not supported"}},
		{"a line geometry", feature(city, `{"type":"LineString","coordinates":[[113,35],[114,35]]}`), "4108", []string{"LineString is not supported"}},
		{"a geometry collection", feature(city, `{"type":"GeometryCollection","geometries":[]}`), "4108", []string{"no coordinates"}},
		{"a feature that is a string", `"4108"`, "", []string{"the feature is a JSON string, not an object"}},
		{"a feature that is null", `null`, "", []string{"the feature is a JSON null, not an object"}},
		{"a feature of type Polygon", `{"type":"Polygon","properties":{` + city + `},"geometry":null}`, "4108", []string{`not "Feature"`}},
		{"a feature without type", `{"properties":{` + city + `},"geometry":null}`, "4108", []string{`no "type": "Feature"`}},
		{"a feature without properties", `{"type":"Feature","geometry":null}`, "", []string{"no properties", "code is missing", "name is missing", "level is missing"}},
		{"a feature whose properties are an array", `{"type":"Feature","properties":[1],"geometry":null}`, "", []string{"properties is a JSON array"}},
		{"a feature with several things wrong", feature(`"code":"4108","level":"town","area_class":"Z"`, `{"type":"Point","coordinates":[1,2]}`), "4108",
			[]string{"name is missing", `level "town"`, `area_class "Z"`, "Point is not supported"}},
	}
	good := func(code string) string {
		return feature(`"code":"`+code+`","name":"ok","level":"city"`, squareGeometry)
	}
	for _, tt := range tests {
		t.Run("it reports "+tt.name+" and reads the others", func(t *testing.T) {
			in := collection(good("4101"), tt.feature, good("4102"))
			got, problems, err := regionio.ReadGeoJSON(strings.NewReader(in), nil)
			if err != nil {
				t.Fatalf("error %v, want per-feature problems only", err)
			}
			if len(got) != 2 || got[0].Code != "4101" || got[0].Where != "feature 0" || got[1].Code != "4102" || got[1].Where != "feature 2" {
				t.Errorf("got regions %+v, want 4101 at feature 0 and 4102 at feature 2", got)
			}
			if len(problems) != len(tt.contains) {
				t.Fatalf("got problems %v, want %d", problems, len(tt.contains))
			}
			for i, p := range problems {
				if p.Where != "feature 1" || p.Code != tt.code || p.Warning || !strings.Contains(p.Reason, tt.contains[i]) {
					t.Errorf("got problem %+v, want an error at feature 1 for code %q containing %q", p, tt.code, tt.contains[i])
				}
			}
		})
	}
}

func TestReadGeoJSONRefusesUnreadableFiles(t *testing.T) {
	whole := collection(feature(`"code":"4108","name":"新乡市","level":"city"`, squareGeometry), feature(`"code":"4109","name":"b","level":"city"`, squareGeometry))
	tests := []struct {
		name     string
		in       string
		contains string
	}{
		{"an empty file", "", "empty"},
		{"a file that is not JSON", "code,name\n4108,新乡市\n", "byte"},
		{"a JSON array", `[]`, "array"},
		{"a JSON string", `"FeatureCollection"`, "string"},
		{"a single Feature", `{"type":"Feature","properties":{"code":"4108"},"geometry":null}`, `"Feature", not a FeatureCollection`},
		{"a bare geometry", squareGeometry, `"Polygon", not a FeatureCollection`},
		{"a collection without features", `{"type":"FeatureCollection"}`, "no features"},
		{"features without a type", `{"features":[]}`, `no "type"`},
		{"features that are an object", `{"type":"FeatureCollection","features":{}}`, "features is a JSON object, not an array"},
		{"features that are null", `{"type":"FeatureCollection","features":null}`, "features is a JSON null"},
		{"a type that is not a string", `{"type":1,"features":[]}`, "type is a JSON number"},
		{"features listed twice", `{"type":"FeatureCollection","features":[],"features":[]}`, "twice"},
		{"a file truncated in the middle of a feature", whole[:len(whole)/2], "truncated"},
		{"a file truncated after a feature", whole[:strings.LastIndex(whole, "]")], "truncated"},
		{"a file missing its last brace", whole[:len(whole)-1], "truncated"},
		{"a syntax error inside a feature", collection(`{"type":"Feature",,}`), "invalid character"},
		{"two collections in one file", whole + whole, "after the FeatureCollection"},
		{"ECharts' encoded coordinates", `{"type":"FeatureCollection","UTF8Encoding":true,"features":[]}`, "UTF8Encoding"},
		{"ECharts' encoded coordinates flagged after the features",
			`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"红旗区"},"geometry":{"type":"Polygon","coordinates":["@@BA"],"encodeOffsets":[[115,36]]}}],"UTF8Encoding":true}`,
			"not supported"},
	}
	for _, tt := range tests {
		t.Run("it refuses "+tt.name, func(t *testing.T) {
			got, problems, err := regionio.ReadGeoJSON(strings.NewReader(tt.in), nil)
			if err == nil {
				t.Fatalf("got %d regions and problems %v, want an error", len(got), problems)
			}
			if !strings.Contains(err.Error(), tt.contains) || !strings.Contains(err.Error(), "byte") {
				t.Errorf("got error %q, want one containing %q and the byte offset", err, tt.contains)
			}
			if got != nil || problems != nil {
				t.Errorf("got regions %v and problems %v with the error, want neither", got, problems)
			}
		})
	}
}

func TestReadGeoJSONErrorGivesTheOffsetOfTheBrokenFeature(t *testing.T) {
	open := `{"type":"FeatureCollection","features":[`
	first := feature(`"code":"4108","name":"a","level":"city"`, "null")
	tests := []struct {
		name, before, broken, want string
	}{
		{"the first feature", open, `{"type":"Feat`, "feature 0:"},
		{"a later feature", open + first + ",", `{"type":"Feat`, "feature 1:"},
		{"a feature with a syntax error", open + first + ",", `{"type":"Feature" "x":1}`, "feature 1:"},
	}
	for _, tt := range tests {
		t.Run("it points at "+tt.name, func(t *testing.T) {
			_, _, err := regionio.ReadGeoJSON(strings.NewReader(tt.before+tt.broken), nil)
			if want := fmt.Sprintf("at byte %d: %s", len(tt.before), tt.want); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want an error containing %q", err, want)
			}
		})
	}
}

func TestReadGeoJSONConvertsEveryPoint(t *testing.T) {
	shift := func(lon, lat float64) (float64, float64) { return lon + 1, lat }
	in := collection(
		feature(`"code":"4108","name":"a","level":"city"`, `{"type":"MultiPolygon","coordinates":[[[[113,35],[114,35],[114,36],[113,35]],[[113.2,35.1],[113.3,35.1],[113.3,35.2],[113.2,35.1]]],[[[120,30],[121,30],[121,31],[120,30]]]]}`),
		feature(`"code":"4109","name":"b","level":"city"`, `{"type":"Polygon","coordinates":[[[113,35],[114,35],[114,36],[113,35]]]}`),
		feature(`"code":"4110","name":"c","level":"city"`, "null"),
	)
	got, problems, err := regionio.ReadGeoJSON(strings.NewReader(in), shift)
	if err != nil || len(problems) > 0 || len(got) != 3 {
		t.Fatalf("got %d regions, problems %v, error %v", len(got), problems, err)
	}
	want := []orb.Geometry{
		orb.MultiPolygon{
			{{{114, 35}, {115, 35}, {115, 36}, {114, 35}}, {{114.2, 35.1}, {114.3, 35.1}, {114.3, 35.2}, {114.2, 35.1}}},
			{{{121, 30}, {122, 30}, {122, 31}, {121, 30}}},
		},
		orb.Polygon{{{114, 35}, {115, 35}, {115, 36}, {114, 35}}},
		nil,
	}
	for i, w := range want {
		g := got[i].Geometry
		if (w == nil) != (g == nil) || (w != nil && !orb.Equal(g, w)) {
			t.Errorf("feature %d: got %v, want %v", i, g, w)
		}
	}
}

func TestReadGeoJSONStreamsALargeCollection(t *testing.T) {
	const n = 5000
	pr, pw := io.Pipe()
	go func() {
		_, err := io.WriteString(pw, `{"type":"FeatureCollection","features":[`)
		for i := 0; i < n && err == nil; i++ {
			sep := ","
			if i == 0 {
				sep = ""
			}
			lon := 113 + float64(i%100)*0.01
			lat := 35 + float64(i/100)*0.01
			_, err = fmt.Fprintf(pw, `%s{"type":"Feature","properties":{"code":"410802%03d%03d","name":"网格%d","level":"community","parent_code":"410802%03d"},`+
				`"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
				sep, i/1000, i%1000, i, i/1000, lon, lat, lon+0.01, lat, lon+0.01, lat+0.01, lon, lat)
		}
		if err == nil {
			_, err = io.WriteString(pw, `]}`)
		}
		pw.CloseWithError(err) // nil closes with EOF; the goroutine ends here either way
	}()
	got, problems, err := regionio.ReadGeoJSON(pr, nil)
	pr.Close() // should reading stop early, the writer's next write fails and it ends
	if err != nil || len(problems) > 0 {
		t.Fatalf("problems %v, error %v", problems, err)
	}
	if len(got) != n {
		t.Fatalf("got %d regions, want %d", len(got), n)
	}
	last := got[n-1]
	if last.Where != "feature 4999" || last.Code != "410802004999" || last.Name != "网格4999" {
		t.Errorf("last region is %+v", last)
	}
}
