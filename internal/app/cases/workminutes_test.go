package cases_test

import (
	"context"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// A limit in minutes counts working minutes: a report made on Saturday at 05:32 with the
// default 30-minute acceptance limit is due on Monday at 08:30. A centre that works around the
// clock writes natural_minute, and an emergency runs on the wall clock whatever its row says.
func TestWorkingMinutesAndEmergencies(t *testing.T) {
	tests := []struct {
		name    string
		table   string // rows after the header; "" keeps the default table
		urgency workflow.Urgency
		want    map[workflow.Stage]string // due, China time
	}{
		{"the default table's 30 minutes wait for Monday morning", "", workflow.UrgencyNormal,
			map[workflow.Stage]string{workflow.StageAccept: "2026-03-09 08:30"}},
		{"natural minutes run through the weekend", "accept,*,*,*,*,30,natural_minute\nhandle,*,*,*,*,1,work_day\n", workflow.UrgencyNormal,
			map[workflow.Stage]string{workflow.StageAccept: "2026-03-07 06:02"}},
		{"an emergency's working minutes run on the clock", "accept,*,*,*,*,30,minute\nhandle,*,*,*,*,1,work_day\n", workflow.UrgencyEmergency,
			map[workflow.Stage]string{workflow.StageAccept: "2026-03-07 06:02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				r := apptest.NewCaseRun(t, db, "2026-03-07 05:32", "") // a Saturday
				if tt.table != "" {
					rows, err := workflow.ReadTimeLimits(strings.NewReader("stage,category_kind,category_code,urgency,area_class,limit,unit\n" + tt.table))
					if err != nil {
						t.Fatal(err)
					}
					if err := r.A.Settings.ReplaceTimeLimits(ctx, apptest.As(t, db, "admin"), rows); err != nil {
						t.Fatal(err)
					}
				}
				p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
				in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "井盖缺失",
					Urgency: tt.urgency, Lon: &p[0], Lat: &p[1]})
				if err != nil {
					t.Fatal(err)
				}
				r.ID = in.ID
				got := map[workflow.Stage]string{}
				for _, c := range r.View().RunningClocks() {
					got[c.Stage] = c.Due.In(worktime.China).Format("2006-01-02 15:04")
				}
				if len(got) != len(tt.want) || got[workflow.StageAccept] != tt.want[workflow.StageAccept] {
					t.Errorf("clocks due %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// An emergency dispatched on a Saturday night is handled against the wall clock even where the
// city's table gives it working hours: 2 work_hour are 2 hours, not Monday 10:00.
func TestAnEmergencyIsHandledOnTheWallClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-07 22:00", "")
		rows, err := workflow.ReadTimeLimits(strings.NewReader("stage,category_kind,category_code,urgency,area_class,limit,unit\n" +
			"handle,*,*,*,*,2,work_hour\nsign,*,*,*,*,1,work_hour\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.A.Settings.ReplaceTimeLimits(ctx, apptest.As(t, db, "admin"), rows); err != nil {
			t.Fatal(err)
		}
		p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
		for _, u := range []workflow.Urgency{workflow.UrgencyEmergency, workflow.UrgencyNormal} {
			in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "水管爆裂",
				Urgency: u, Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			r.ID = in.ID
			r.Act("operator", "register", workflow.Input{})
			v := r.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
			want := map[workflow.Urgency]map[workflow.Stage]string{
				workflow.UrgencyEmergency: {workflow.StageSign: "2026-03-07 23:00 green", workflow.StageHandle: "2026-03-08 00:00 green"},
				workflow.UrgencyNormal:    {workflow.StageSign: "2026-03-09 09:00 green", workflow.StageHandle: "2026-03-09 10:00 green"},
			}[u]
			wantClocks(t, string(u)+" dispatched on Saturday night", v, want)
		}
	})
}
