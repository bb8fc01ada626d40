package hotline_test

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/hotline"
)

const header = "ticket,received_at,category_kind,category,description,lon,lat\n"

func TestReadCSV(t *testing.T) {
	rows, problems, err := hotline.ReadCSV(strings.NewReader("\ufeff" + header +
		"A1,2026-11-25 09:30,matter,09009,乱停车,113.2,35.2\r\n" +
		"A2,2026-11-25T09:30:00+08:00,matter,06010,垃圾,113.2,35.2\r\n" +
		",,,,,,\r\n" + // a blank exported line
		"A1,2026-11-25 09:31,matter,09009,again,113.2,35.2\n" +
		"A3,soon,matter,09009,x,east,35.2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Ticket != "A1" || !rows[1].ReceivedAt.Equal(rows[0].ReceivedAt) {
		t.Errorf("rows = %+v, want A1 and A2 received at the same moment", rows)
	}
	if len(problems) != 2 || problems[0].Line != 5 || !strings.Contains(problems[0].Reason, "repeats line 2") ||
		problems[1].Line != 6 || !strings.Contains(problems[1].Reason, "received_at") || !strings.Contains(problems[1].Reason, "lon") {
		t.Errorf("problems = %+v", problems)
	}
	if _, _, err := hotline.ReadCSV(strings.NewReader("ticket,lon\nA1,1\n")); err == nil || !strings.Contains(err.Error(), "received_at") {
		t.Errorf("a header without received_at: %v", err)
	}
	if _, _, err := hotline.ReadXLSX(strings.NewReader("not a workbook")); err == nil {
		t.Error("a non-workbook read as XLSX")
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add(header + "A1,2026-11-25 09:30,matter,09009,x,113.2,35.2\n")
	f.Add(header + "\"A1,2026\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, _, err := hotline.ReadCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Ticket == "" || r.ReceivedAt.IsZero() || r.Line < 2 {
				t.Fatalf("accepted a row without ticket, time or line: %+v", r)
			}
		}
	})
}
