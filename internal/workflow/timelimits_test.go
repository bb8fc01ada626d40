package workflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

func TestLimitFor(t *testing.T) {
	table := workflow.DefaultTimeLimits()
	tests := []struct {
		name     string
		stage    workflow.Stage
		category string
		urgency  workflow.Urgency
		area     string
		want     worktime.Limit
	}{
		{"exposed garbage has its own 4 working hours", workflow.StageHandle, "06010", "normal", "B", worktime.Limit{Value: 4, Unit: worktime.WorkHour}},
		{"an urgent case of a listed category takes the urgent fallback", workflow.StageHandle, "06010", "urgent", "B", worktime.Limit{Value: 4, Unit: worktime.WorkHour}},
		{"an emergency runs on the clock", workflow.StageHandle, "09009", "emergency", "A", worktime.Limit{Value: 1, Unit: worktime.NaturalHour}},
		{"an unlisted category takes the fallback", workflow.StageHandle, "02001", "normal", "B", worktime.Limit{Value: 3, Unit: worktime.WorkDay}},
		{"verification in the countryside takes 2 hours", workflow.StageVerify, "09009", "normal", "C", worktime.Limit{Value: 2, Unit: worktime.NaturalHour}},
		{"acceptance of an urgent case takes 10 minutes", workflow.StageAccept, "09009", "urgent", "A", worktime.Limit{Value: 10, Unit: worktime.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := workflow.LimitFor(table, tt.stage, workflow.Matter, tt.category, tt.urgency, tt.area)
			if !ok || got != tt.want {
				t.Errorf("LimitFor = %v, %v; want %v", got, ok, tt.want)
			}
		})
	}
	if _, ok := workflow.LimitFor(table, workflow.StageSign, workflow.Matter, "09009", "urgent", "A"); ok {
		t.Error("a stage without a matching row has a limit")
	}
}

// An emergency runs on the wall clock because the code says so: a city table that gives it
// work units, or rows for any urgency, still yields natural units for it, and only for it.
func TestEmergenciesRunOnTheWallClock(t *testing.T) {
	table, err := workflow.ReadTimeLimits(strings.NewReader(`stage,category_kind,category_code,urgency,area_class,limit,unit
accept,*,*,*,*,30,minute
sign,*,*,*,*,1,work_hour
handle,*,*,*,*,3,work_day
handle,*,*,emergency,*,2,work_hour
verify,*,*,*,*,1,natural_hour
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		stage   workflow.Stage
		urgency workflow.Urgency
		want    worktime.Limit
	}{
		{workflow.StageAccept, "emergency", worktime.Limit{Value: 30, Unit: worktime.NaturalMinute}},
		{workflow.StageAccept, "urgent", worktime.Limit{Value: 30, Unit: worktime.Minute}},
		{workflow.StageSign, "emergency", worktime.Limit{Value: 1, Unit: worktime.NaturalHour}},
		{workflow.StageHandle, "emergency", worktime.Limit{Value: 2, Unit: worktime.NaturalHour}},
		{workflow.StageHandle, "normal", worktime.Limit{Value: 3, Unit: worktime.WorkDay}},
		{workflow.StageVerify, "emergency", worktime.Limit{Value: 1, Unit: worktime.NaturalHour}},
	} {
		if got, ok := workflow.LimitFor(table, tt.stage, workflow.Matter, "09009", tt.urgency, "A"); !ok || got != tt.want {
			t.Errorf("%s of an %s case: %v, %v; want %v", tt.stage, tt.urgency, got, ok, tt.want)
		}
	}
}

func TestReadTimeLimitsRefuses(t *testing.T) {
	const header = "stage,category_kind,category_code,urgency,area_class,limit,unit\n"
	for name, row := range map[string]string{
		"an unknown stage":   "close,*,*,normal,*,1,work_day",
		"an unknown unit":    "handle,*,*,normal,*,1,fortnight",
		"a zero limit":       "handle,*,*,normal,*,0,work_day",
		"an unknown urgency": "handle,*,*,soon,*,1,work_day",
		"an area class of D": "handle,*,*,normal,D,1,work_day",
		"a four-digit code":  "handle,matter,0601,normal,*,1,work_day",
		"a limit of words":   "handle,*,*,normal,*,two,work_day",
	} {
		if _, err := workflow.ReadTimeLimits(strings.NewReader(header + row + "\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%s: err = %v, want one naming line 2", name, err)
		}
	}
}

func TestReadCalendarOverrides(t *testing.T) {
	got, err := workflow.ReadCalendarOverrides(strings.NewReader("date,working,note\n2026-10-09,false,城市日\n2026-10-10,班,调休\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Date != "2026-10-09" || got[0].Working || got[0].Note != "城市日" || !got[1].Working {
		t.Errorf("read %+v", got)
	}
	for _, bad := range []string{
		"date,working\n2026-02-30,true\n",
		"date,working\n2026/10/09,true\n",
		"date,working\n2026-10-09,maybe\n",
		"date,working\n2026-10-09,true\n2026-10-09,false\n",
		"date,working\n",
		"day,working\n2026-10-09,true\n",
	} {
		if _, err := workflow.ReadCalendarOverrides(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzReadTimeLimits(f *testing.F) {
	f.Add("stage,category_kind,category_code,urgency,area_class,limit,unit\nhandle,matter,06010,normal,*,4,work_hour\n")
	f.Add("stage,limit,unit\nverify,1,natural_hour\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := workflow.ReadTimeLimits(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rows {
			if err := r.Validate(); err != nil {
				t.Fatalf("accepted an invalid row %+v: %v", r, err)
			}
		}
	})
}

func FuzzReadCalendarOverrides(f *testing.F) {
	f.Add("date,working,note\n2026-10-09,false,城市日\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := workflow.ReadCalendarOverrides(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rows {
			if d, err := time.Parse(time.DateOnly, r.Date); err != nil || d.Format(time.DateOnly) != r.Date {
				t.Fatalf("accepted date %q", r.Date)
			}
		}
	})
}
