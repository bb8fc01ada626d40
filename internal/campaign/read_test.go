package campaign_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/campaign"
)

const targetsFile = "name,type,address,lon,lat,unit\n" +
	"王庄村1号旱厕,旱厕,王庄村东头,113.21,35.31,王庄村委会\n" +
	"王庄村2号旱厕,旱厕,,113.22,35.32,王庄村委会\n"

func TestATargetsFileIsRead(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
	}{
		{"plain UTF-8", targetsFile},
		{"with a byte-order mark", "\ufeff" + targetsFile},
		{"with a quoted first header and CRLF", "\ufeff\"name\",type,address,lon,lat,unit\r\n" + strings.SplitN(strings.ReplaceAll(targetsFile, "\n", "\r\n"), "\r\n", 2)[1]},
		{"in Chinese headers, columns reordered", "经度,纬度,名称,类型,地址,责任单位\n113.21,35.31,王庄村1号旱厕,旱厕,王庄村东头,王庄村委会\n113.22,35.32,王庄村2号旱厕,旱厕,,王庄村委会\n"},
		{"with blank lines", targetsFile + "\n,,,,,\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := campaign.ReadTargetsCSV(strings.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].Name != "王庄村1号旱厕" || rows[0].Type != "旱厕" || rows[0].Address != "王庄村东头" ||
				rows[0].Lon != 113.21 || rows[0].Lat != 35.31 || rows[0].Unit != "王庄村委会" || rows[0].Line != 2 || rows[1].Line != 3 {
				t.Errorf("got %+v", rows)
			}
		})
	}
}

func TestABadTargetsFileNamesEachBadLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		want []string
	}{
		{"no header", "", []string{"the file is empty"}},
		{"a header without lon", "name,type,lat\n", []string{"line 1: the header lacks the columns lon"}},
		{"a header that is not text", "name,type,lon,lat,\xff\n", []string{"line 1: the header's column 5"}},
		{"no targets", "name,type,lon,lat\n", []string{"no targets"}},
		{"bad lines", targetsFile +
			"无名,,,113.2,35.2,\n" +
			",旱厕,,113.2,35.2,\n" +
			"远方,旱厕,,east,35.2,\n" +
			"极地,旱厕,,113.2,95,\n" +
			"乱码,旱厕,\xff\xfe,113.2,35.2,\n" +
			"空字符,旱厕,a\x00b,113.2,35.2,\n" +
			"王庄村1号旱厕,旱厕,又一次,113.21,35.31,\n",
			[]string{"7 problems", "line 4: type is empty", "line 5: name is empty", "line 6: lon: \"east\" is not a number", "line 7: (113.2, 95) is not a longitude and latitude",
				"line 8: column address holds bytes that are not text", "line 9: column address holds bytes", "line 10: 旱厕 \"王庄村1号旱厕\" at (113.21, 35.31) repeats line 2"}},
		{"a broken quote", targetsFile + "\"未闭合,旱厕,,113.2,35.2,\n", []string{"line 4"}},
		{"a bad crs and date", "name,type,lon,lat,crs,due_on\n甲,旱厕,113.2,35.2,utm,2026-13-01\n", []string{"line 2: crs \"utm\"", "due_on \"2026-13-01\""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := campaign.ReadTargetsCSV(strings.NewReader(tc.file))
			if err == nil || rows != nil {
				t.Fatalf("got %d rows, %v", len(rows), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal does not say %q: %v", w, err)
				}
			}
			if strings.Contains(err.Error(), "line 2:") && tc.name == "bad lines" {
				t.Errorf("a good line is named: %v", err)
			}
		})
	}
}

func TestAFileOfManyBadLinesNamesTheFirstFew(t *testing.T) {
	var b strings.Builder
	b.WriteString("name,type,lon,lat\n")
	for range 100 {
		b.WriteString(",旱厕,113.2,35.2\n")
	}
	_, err := campaign.ReadTargetsCSV(strings.NewReader(b.String()))
	if err == nil || !strings.Contains(err.Error(), "100 problems") || !strings.Contains(err.Error(), "and 80 more") || len(err.Error()) > 2000 {
		t.Errorf("got %v", err)
	}
}

// FuzzReadTargetsCSV holds the reader to its word on any bytes: it never panics, and what it
// takes is valid text in valid places, each on its own line.
func FuzzReadTargetsCSV(f *testing.F) {
	for _, seed := range []string{targetsFile, "\ufeff" + targetsFile, "经度,纬度,名称,类型\n113,35,甲,乙\n", "name,type,lon,lat\n\"a\nb\",c,1,2\n",
		"name,type,lon,lat\na,b,NaN,1\n", "name,type,lon,lat\na,b,1e400,1\n", "\xef\xbb", "name,name,type,lon,lat\n", "name,type,lon,lat,crs\na,b,1,2,BD09\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := campaign.ReadTargetsCSV(strings.NewReader(string(b)))
		if err != nil {
			if rows != nil || !utf8.ValidString(err.Error()) && utf8.Valid(b) {
				t.Fatalf("a refusal with rows %v, or a message that is not text: %q", rows, err)
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		prev := 1
		for _, r := range rows {
			if err := r.Validate(); err != nil {
				t.Errorf("line %d is taken but not valid: %v", r.Line, err)
			}
			if r.Line <= prev {
				t.Errorf("line %d after line %d", r.Line, prev)
			}
			prev = r.Line
			if strings.TrimSpace(r.Name) != r.Name || r.Name == "" {
				t.Errorf("name %q is not trimmed", r.Name)
			}
		}
	})
}
