package demo

import (
	"context"
	"hash/fnv"

	"fmt"
	"github.com/paulmach/orb"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/georeport"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/hotline"
	"github.com/citygrid/citygrid/internal/workflow"
)

// simCase is what the history remembers of a case between its steps.
type simCase struct {
	id         int64
	ticket     string
	status     workflow.Status
	source     string
	topic      *topic
	grid       *UnitGrid
	district   string
	lon, lat   float64
	reporter   string
	dept       string
	co         []string
	reportedAt time.Time
	handleDue  time.Time
	checked    bool
	wrongOnce  bool
	reworks    int
	reopened   bool
	closure    workflow.ClosureType
	closedAt   time.Time
	handled    int // handlings reported (rework included)
	late       int // of them after the deadline
}

func (c *simCase) subdistrict() string { return c.grid.Code[:9] }

// centre is the region code of the centre holding the case (subdistrict, or above once
// escalated).
func (c *simCase) centreUser(s *sim, role map[string]string, escalations int) string {
	code := c.subdistrict()
	switch escalations {
	case 0:
	case 1:
		code = c.district
	default:
		code = s.c.Code
	}
	return role[code]
}

// act takes an action on the case as username ("" for the anonymous public) and keeps where
// it left the case.
func (s *sim) act(ctx context.Context, c *simCase, username, action string, in workflow.Input) (cases.StepResult, error) {
	var p *access.Principal
	if username != "" {
		if p = s.who[username]; p == nil {
			return cases.StepResult{}, fmt.Errorf("no demo user %s", username)
		}
	}
	r, err := s.a.Cases.Step(ctx, p, c.id, action, nil, in)
	if err != nil {
		s.report.Failures++
		return r, fmt.Errorf("%s %s on case %s (%s): %w", username, action, c.ticket, c.status, err)
	}
	s.report.Steps++
	if r.Status == workflow.Closed && c.status != workflow.Closed {
		c.closedAt = s.now
	}
	c.status = r.Status
	if r.Version > 0 { // the actor sees the case
		c.dept, c.co, c.closure, c.handleDue = r.Department, r.CoDepartments, r.ClosureType, r.HandleDue
	}
	return r, nil
}

// arrive files a report that is not a grid worker's (those come with their patrols).
func (s *sim) arrive(ctx context.Context, ar *arrival) error {
	switch ar.source {
	case "hotline":
		s.receiveHotline(ar)
		return nil
	case "open311":
		return s.reportOpen311(ctx, ar)
	}
	// A resident; some report what is already reported, a few of them on purpose ("me too"
	// would do, but not everyone knows).
	if dup := s.recentOpen(nil); dup != nil && s.chance(0.05) {
		ar.topic, ar.grid, ar.district = dup.topic, dup.grid, dup.district
		ar.lon, ar.lat = s.near(dup, 0.0002)
		ar.duplicate = dup
		if !ar.topic.cat.Public {
			ar.duplicate = nil
			ar.topic = s.pickTopic(ar.at, "resident")
		}
	}
	var p *access.Principal
	in := cases.NewCase{CategoryKind: ar.topic.kind, Category: ar.topic.code, Lon: &ar.lon, Lat: &ar.lat, CRS: "wgs84",
		Address: place(ar.grid), Urgency: ar.urgency, Source: "resident"}
	in.Description = s.describe(ar.topic, in.Address)
	if s.chance(0.35) {
		ar.reporter = s.pick(s.st.Residents)
		p = s.who[ar.reporter]
	} else {
		in.Contact.Name, in.Contact.Phone = s.names().next(), s.phone()
	}
	if s.chance(0.7) {
		id, err := s.photos.before(ctx, ar.topic)
		if err != nil {
			return err
		}
		in.Photos = []string{id}
	}
	intake, err := s.a.Cases.Report(ctx, p, in)
	if err != nil {
		return fmt.Errorf("resident report: %w", err)
	}
	return s.filed(ar, intake)
}

// filed starts the life of a reported case.
func (s *sim) filed(ar *arrival, intake cases.Intake) error {
	s.report.Reports++
	c := &simCase{id: intake.ID, ticket: intake.Ticket, status: intake.Status, source: ar.source, topic: ar.topic, grid: ar.grid,
		district: ar.district, lon: ar.lon, lat: ar.lat, reporter: ar.reporter, reportedAt: s.now, closure: workflow.ClosureType(intake.ClosureType)}
	s.all = append(s.all, c)
	s.remember(c)
	if c.status.Terminal() {
		return nil // self-handled
	}
	var dup *simCase
	if ar.duplicate != nil {
		for _, d := range intake.Duplicates {
			if d.ID == ar.duplicate.id {
				dup = ar.duplicate
			}
		}
	}
	s.schedule(onDuty(s.now, centreHours, s.acceptDelay()), func(ctx context.Context) error { return s.accept(ctx, c, dup) })
	s.maybeSupported(c)
	return nil
}

// acceptDelay is how long the supervision centre takes to look at a report: minutes mostly,
// a tail of hours.
func (s *sim) acceptDelay() time.Duration {
	if s.chance(0.06) {
		return s.minutes(150)
	}
	return s.minutes(9)
}

// reportOpen311 files a report through the Open311 door, as the city's WeChat mini-program does.
func (s *sim) reportOpen311(ctx context.Context, ar *arrival) error {
	lon, lat := ar.lon, ar.lat
	in := georeport.Open311Submission{City: s.c.Code, Kind: ar.topic.kind, Code: ar.topic.code, Lat: &lat, Lon: &lon,
		AddressString: place(ar.grid), Name: s.names().next(), Phone: s.phone()}
	in.Description = s.describe(ar.topic, in.AddressString)
	if s.chance(0.8) {
		id, err := s.photos.before(ctx, ar.topic)
		if err != nil {
			return err
		}
		in.Photos = []string{id}
	}
	r, err := s.a.Open311.SubmitOpen311(ctx, s.open311, s.open311Key, in)
	if err != nil {
		return fmt.Errorf("open311 report: %w", err)
	}
	return s.filed(ar, cases.Intake{CaseView: cases.CaseView{ID: r.CaseID, Ticket: r.Ticket, Status: workflow.Reported}})
}

// receiveHotline takes a 12345 call: it waits for the next hourly import. Some callers report
// what is already open nearby: the import joins them to it (并单).
func (s *sim) receiveHotline(ar *arrival) {
	if c := s.recentOpen(nil); c != nil && s.chance(0.14) {
		ar.topic, ar.grid, ar.district = c.topic, c.grid, c.district
		ar.lon, ar.lat = s.near(c, 0.0003)
	}
	s.hotlineSeq++
	ticket := fmt.Sprintf("12345-%s-%05d", s.now.Format("060102"), s.hotlineSeq)
	addr := place(ar.grid)
	s.hotline = append(s.hotline, hotline.Row{Line: len(s.hotline) + 2, Ticket: ticket, ReceivedAt: s.now, Kind: string(ar.topic.kind),
		Category: ar.topic.code, Description: "【" + ticket + "】市民来电反映：" + s.describe(ar.topic, addr), Lon: ar.lon, Lat: ar.lat, CRS: "wgs84",
		Address: addr, ContactName: s.names().next(), ContactPhone: s.phone(), Urgency: string(ar.urgency)})
	s.hotlineArrivals = append(s.hotlineArrivals, ar)
}

// importHotline imports the calls received since the last import, as the centre's import
// from the 12345 platform does, and starts the lives of the new cases.
func (s *sim) importHotline(ctx context.Context) error {
	if len(s.hotline) == 0 {
		return nil
	}
	rows, arrivals := s.hotline, s.hotlineArrivals
	s.hotline, s.hotlineArrivals = nil, nil
	rep, err := s.a.Cases.ImportHotline(ctx, s.system, rows, nil, false)
	if err != nil {
		return fmt.Errorf("hotline import: %w %v", err, rep.Problems)
	}
	s.report.Merged += rep.Merged
	if rep.New == 0 {
		return nil
	}
	page, err := s.a.Cases.ListCases(ctx, s.system, cases.CaseFilter{Source: "hotline", From: s.now, Limit: 500})
	if err != nil {
		return err
	}
	for _, sum := range page.Cases {
		for i, r := range rows {
			if strings.HasPrefix(sum.Description, "【"+r.Ticket+"】") {
				s.filed(arrivals[i], cases.Intake{CaseView: cases.CaseView{ID: sum.ID, Ticket: sum.Ticket, Status: sum.Status}})
			}
		}
	}
	return nil
}

// maybeSupported: neighbours say "me too" to some open cases in the days after.
func (s *sim) maybeSupported(c *simCase) {
	if c.source == "patrol" || !s.chance(0.12) {
		return
	}
	for i, n := 0, 1+s.rng.IntN(6); i < n; i++ {
		at := s.now.Add(time.Duration(10+s.rng.IntN(48*60)) * time.Minute)
		resident := ""
		if s.chance(0.5) {
			resident = s.pick(s.st.Residents)
		}
		device := fmt.Sprintf("device-%08x", s.rng.Uint32())
		s.schedule(at, func(ctx context.Context) error {
			if c.status.Terminal() || resident == c.reporter && resident != "" {
				return nil
			}
			in := workflow.Input{}
			if resident == "" {
				in.Supporter = device
			} else if s.supported(c, resident) {
				return nil
			}
			_, err := s.act(ctx, c, resident, "support", in)
			return err
		})
	}
}

// supported tells whether a resident said "me too" to a case already (they may only once).
func (s *sim) supported(c *simCase, username string) bool {
	key := fmt.Sprintf("%d/%s", c.id, username)
	if s.supports[key] {
		return true
	}
	s.supports[key] = true
	return false
}

// accept: the supervision centre looks at a report. A duplicate is rejected into its
// original; some reports are invalid or not the city's business; the public's reports are
// often checked on site first (核实); the rest are registered.
func (s *sim) accept(ctx context.Context, c *simCase, dup *simCase) error {
	if c.status != workflow.Reported {
		return nil
	}
	op := s.st.Operator[c.subdistrict()]
	switch r := s.rng.Float64(); {
	case dup != nil && !dup.status.Terminal():
		_, err := s.act(ctx, c, op, "reject", workflow.Input{RejectReason: workflow.RejectDuplicate, MergedInto: dup.ticket, Reason: "与已立案件重复，已并入原案件"})
		return err
	case r < 0.025:
		_, err := s.act(ctx, c, op, "reject", workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "上报信息不实，现场无此问题"})
		return err
	case r < 0.04:
		_, err := s.act(ctx, c, op, "reject", workflow.Input{RejectReason: workflow.RejectOutOfScope, Reason: "属私人纠纷，不属于城市管理范围，已告知当事人通过其他途径解决"})
		return err
	case !c.checked && c.source != "patrol" && r < 0.40:
		c.checked = true
		if _, err := s.act(ctx, c, op, "request_check", workflow.Input{Note: "请网格员现场核实"}); err != nil {
			return err
		}
		s.schedule(onDuty(s.now, gridHours, s.minutes(40)), func(ctx context.Context) error { return s.confirm(ctx, c) })
		return nil
	}
	in := workflow.Input{}
	if s.chance(0.03) && c.topic.cat.VerificationRequired {
		in.Urgency = workflow.UrgencyUrgent // the centre sees it is worse than reported
	}
	v, err := s.act(ctx, c, op, "register", in)
	if err != nil {
		return err
	}
	return s.registered(c, v)
}

// confirm: the grid worker checks a report on site.
func (s *sim) confirm(ctx context.Context, c *simCase) error {
	found := !s.chance(0.07)
	in := workflow.Input{Found: &found, Note: "现场核实属实"}
	if found {
		id, err := s.photos.before(ctx, c.topic)
		if err != nil {
			return err
		}
		in.Photos = []string{id}
	} else {
		in.Note = "现场未发现所述问题"
	}
	if _, err := s.act(ctx, c, s.st.GridWorker[c.grid.Code], "confirm", in); err != nil {
		return err
	}
	s.schedule(onDuty(s.now, centreHours, s.minutes(12)), func(ctx context.Context) error {
		if !found {
			_, err := s.act(ctx, c, s.st.Operator[c.subdistrict()], "reject", workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "经网格员现场核实，未发现所述问题"})
			return err
		}
		return s.accept(ctx, c, nil)
	})
	return nil
}

// registered schedules what follows registration: the auto-dispatched case goes to its
// department, the rest wait for the command centre.
func (s *sim) registered(c *simCase, v cases.StepResult) error {
	if c.status == workflow.Dispatched {
		s.schedule(s.office(s.now, s.signDelay()), func(ctx context.Context) error { return s.sign(ctx, c) })
		return nil
	}
	delay := s.minutes(10)
	if s.chance(0.05) {
		delay = s.minutes(240) // waiting for a dispatcher who is busy elsewhere
	}
	s.schedule(onDuty(s.now, centreHours, delay), func(ctx context.Context) error { return s.dispatch(ctx, c, v.Counters.Escalations) })
	return nil
}

// dispatch: the command centre sends the case to its department, by the rule's suggestion
// mostly; a few go up a level (吹哨报到), a few go to the wrong department and come back.
func (s *sim) dispatch(ctx context.Context, c *simCase, escalations int) error {
	if c.status != workflow.Registered {
		return nil
	}
	disp := c.centreUser(s, s.st.Dispatcher, escalations)
	if escalations < 2 && s.chance([]float64{0.025, 0.08}[escalations]) {
		v, err := s.act(ctx, c, disp, "escalate", workflow.Input{Reason: "涉及多个部门职责，需上级协调处置"})
		if err != nil {
			return err
		}
		s.schedule(onDuty(s.now, centreHours, s.minutes(25)), func(ctx context.Context) error { return s.dispatch(ctx, c, v.Counters.Escalations) })
		return nil
	}
	route, err := s.a.Cases.Route(ctx, s.who[disp], c.topic.kind, c.topic.code, c.lon, c.lat, crs.WGS84, s.now)
	if err != nil {
		return err
	}
	in := workflow.Input{Department: route.Department, CoDepartments: route.CoDepartments}
	wrong := false
	if !c.wrongOnce && s.chance(0.035) {
		if other := s.otherDepartment(c, route.Department); other != "" {
			in, wrong = workflow.Input{Department: other}, true
			c.wrongOnce = true
		}
	}
	if _, err := s.act(ctx, c, disp, "dispatch", in); err != nil {
		return err
	}
	if wrong {
		s.schedule(s.office(s.now, s.minutes(90)), func(ctx context.Context) error {
			if c.status != workflow.Dispatched {
				return nil
			}
			if _, err := s.act(ctx, c, s.handler(c), "return", workflow.Input{Reason: "不属于本单位职责范围，请重新派遣"}); err != nil {
				return err
			}
			s.schedule(onDuty(s.now, centreHours, s.minutes(15)), func(ctx context.Context) error { return s.dispatch(ctx, c, escalations) })
			return nil
		})
		return nil
	}
	s.schedule(s.office(s.now, s.signDelay()), func(ctx context.Context) error { return s.sign(ctx, c) })
	return nil
}

// otherDepartment is a department of the case's district that the rule did not choose.
func (s *sim) otherDepartment(c *simCase, chosen string) string {
	var ds []string
	for _, d := range s.c.Departments {
		if d.RegionCode == c.district && d.Code != chosen && len(s.st.Handlers[d.Code]) > 0 {
			ds = append(ds, d.Code)
		}
	}
	if len(ds) == 0 {
		return ""
	}
	return s.pick(ds)
}

func (s *sim) handler(c *simCase) string { return s.pick(s.st.Handlers[c.dept]) }

// signDelay: departments sign for most cases within the hour.
func (s *sim) signDelay() time.Duration {
	if s.chance(0.07) {
		return s.minutes(180)
	}
	return s.minutes(20)
}

// sign: the department signs for the case and plans its handling.
func (s *sim) sign(ctx context.Context, c *simCase) error {
	if c.status != workflow.Dispatched {
		return nil
	}
	if _, err := s.act(ctx, c, s.handler(c), "accept", workflow.Input{}); err != nil {
		return err
	}
	if len(c.co) > 0 {
		if err := s.coDepartments(ctx, c); err != nil {
			return err
		}
	}
	return s.planHandling(ctx, c, false)
}

// coDepartments lets the co-departments of a joint case (联办) take part: each one's handler
// signs for its part soon after the lead and most report it a few office hours later; the rest
// leave it to the lead, who reports for them before handling the whole (handleParts).
func (s *sim) coDepartments(ctx context.Context, c *simCase) error {
	for _, d := range c.co {
		hs := s.st.Handlers[d]
		if len(hs) == 0 {
			continue
		}
		h := s.pick(hs)
		silent := s.chance(0.1)
		s.schedule(s.office(s.now, s.minutes(60)), func(ctx context.Context) error {
			if p, err := s.part(ctx, c, d); err != nil || p == nil || p.Status != workflow.PartDispatched {
				return err
			}
			if _, err := s.act(ctx, c, h, "accept_part", workflow.Input{}); err != nil {
				return err
			}
			if silent {
				return nil
			}
			s.schedule(s.office(s.now, s.minutes(180)), func(ctx context.Context) error {
				if p, err := s.part(ctx, c, d); err != nil || p == nil || p.Status != workflow.PartInProgress {
					return err
				}
				id, err := s.photos.after(ctx, c.topic)
				if err != nil {
					return err
				}
				_, err = s.act(ctx, c, h, "report_part", workflow.Input{Result: "协办部门已到场配合处置完毕", Photos: []string{id}})
				return err
			})
			return nil
		})
	}
	return nil
}

// part returns a joint case's part of department d as the lead sees it, or nil when the case
// has left its departments or holds no such part (a return dropped it).
func (s *sim) part(ctx context.Context, c *simCase, d string) (*workflow.Part, error) {
	if c.status != workflow.Dispatched && c.status != workflow.InProgress {
		return nil, nil
	}
	v, err := s.a.Cases.Case(ctx, s.who[s.handler(c)], c.id)
	if err != nil {
		return nil, fmt.Errorf("read joint case %s: %w", c.ticket, err)
	}
	for _, p := range v.Parts {
		if p.Department == d {
			return &p.Part, nil
		}
	}
	return nil, nil
}

// handleParts: before the lead reports the whole, it reports for every part still open, saying
// why, as a lead department does when a co-department has not reported.
func (s *sim) handleParts(ctx context.Context, c *simCase) error {
	for _, d := range c.co {
		p, err := s.part(ctx, c, d)
		if err != nil {
			return err
		}
		if p == nil || !p.Open() {
			continue
		}
		if _, err := s.act(ctx, c, s.handler(c), "report_part", workflow.Input{Department: d,
			Reason: "协办部门未及时反馈，主办部门已现场核实其配合工作完成"}); err != nil {
			return err
		}
	}
	return nil
}

// planHandling decides how the department's work on the case goes: most on time, a tail
// late and a few very late (the backlog a leader sees in red), some with an extension, a few
// suspended (挂账), a few closed by a leader's override.
func (s *sim) planHandling(ctx context.Context, c *simCase, rework bool) error {
	due := c.handleDue
	if due.IsZero() {
		due = s.office(s.now, 24*time.Hour)
	}
	span := max(due.Sub(s.now), 30*time.Minute)
	// Departments differ: a slow one is late more often and keeps a longer backlog.
	late := 0.20 * slowness(c.dept)
	var at time.Time
	switch r := s.rng.Float64(); {
	case rework:
		at = s.office(s.now, s.minutes(120))
	case r < 0.035:
		return s.planExtension(c, span)
	case r < 0.05:
		return s.planSuspension(c, span)
	case r < 0.055:
		// Stuck: nobody moves until a leader closes it specially weeks later.
		s.schedule(s.office(s.now, time.Duration(40+s.rng.IntN(120))*8*time.Hour/10), func(ctx context.Context) error {
			if c.status.Terminal() {
				return nil
			}
			_, err := s.act(ctx, c, s.st.Leader[c.district], "close", workflow.Input{Reason: "问题涉及历史遗留，经领导批示特殊结案"})
			return err
		})
		return nil
	case r < 1-late:
		at = s.now.Add(time.Duration((0.1 + 0.85*s.rng.Float64()) * float64(span)))
	case r < 1-late/2:
		at = due.Add(time.Duration((0.05 + 1.5*s.rng.ExpFloat64()) * float64(span)))
	default:
		// The backlog: weeks past the deadline, what a leader sees in red.
		at = s.office(due, time.Duration(5+s.rng.IntN(80))*8*time.Hour)
	}
	if !at.After(s.now) {
		at = s.now.Add(time.Minute)
	}
	if at.After(due) && s.chance(0.5) {
		s.planUrging(c, due)
	}
	s.schedule(at, func(ctx context.Context) error { return s.handle(ctx, c) })
	return nil
}

// urgeNotes are what a district's leader writes when pressing a late case (督办).
var urgeNotes = []string{"已超期，请于今日内处置到位并反馈", "群众反映强烈，请立即组织处置", "请加快办理，明日上午报送进展", ""}

// planUrging has the district's leader urge a case that will be late, a working day or two
// after its deadline, if nobody has handled it by then: the pressure a centre puts on the
// backlog it sees in red.
func (s *sim) planUrging(c *simCase, due time.Time) {
	s.schedule(s.office(due, time.Duration(4+s.rng.IntN(12))*time.Hour), func(ctx context.Context) error {
		if c.status != workflow.Dispatched && c.status != workflow.InProgress {
			return nil
		}
		_, err := s.act(ctx, c, s.st.Leader[c.district], "urge", workflow.Input{Note: urgeNotes[s.rng.IntN(len(urgeNotes))]})
		return err
	})
}

// slowness is how much more often than usual a department is late, from 0.6 to 1.5 by its
// code (the same every run); the subdistrict offices, who get what nobody else takes, are
// slower still.
func slowness(dept string) float64 {
	h := fnv.New32a()
	h.Write([]byte(dept))
	f := 0.6 + 0.9*float64(h.Sum32()%1000)/1000
	if strings.HasSuffix(dept, "-BSC") {
		f *= 1.4
	}
	return f
}

// planExtension: the department asks for more time; the command centre grants it mostly.
func (s *sim) planExtension(c *simCase, span time.Duration) error {
	hours := []int{4, 8, 16, 24}[s.rng.IntN(4)]
	s.schedule(s.now.Add(span/2), func(ctx context.Context) error {
		if c.status != workflow.InProgress {
			return nil
		}
		if _, err := s.act(ctx, c, s.handler(c), "request_extension", workflow.Input{Hours: hours, Reason: "需采购材料，申请延期"}); err != nil {
			return err
		}
		s.schedule(onDuty(s.now, centreHours, s.minutes(40)), func(ctx context.Context) error {
			disp := s.st.Dispatcher[c.subdistrict()]
			action, in := "approve_extension", workflow.Input{Hours: hours}
			if s.chance(0.25) {
				action, in = "deny_extension", workflow.Input{Reason: "时限内可以完成，不予延期"}
			}
			if _, err := s.act(ctx, c, disp, action, in); err != nil {
				return err
			}
			at := s.now.Add(time.Duration((0.2 + 0.7*s.rng.Float64()) * float64(max(c.handleDue.Sub(s.now), time.Hour))))
			s.schedule(at, func(ctx context.Context) error { return s.handle(ctx, c) })
			return nil
		})
		return nil
	})
	return nil
}

// planSuspension: some problems cannot be solved now (挂账); most resume weeks later.
func (s *sim) planSuspension(c *simCase, span time.Duration) error {
	s.schedule(s.now.Add(span/3), func(ctx context.Context) error {
		if c.status != workflow.InProgress {
			return nil
		}
		h := s.handler(c)
		if _, err := s.act(ctx, c, h, "comment", workflow.Input{Note: "需产权单位配合，申请挂账"}); err != nil {
			return err
		}
		if _, err := s.act(ctx, c, s.st.Dispatcher[c.subdistrict()], "suspend", workflow.Input{Reason: "涉及产权单位，待协调资金后处置"}); err != nil {
			return err
		}
		if s.chance(0.35) {
			return nil // still waiting
		}
		s.schedule(s.office(s.now, time.Duration(3+s.rng.IntN(25))*8*time.Hour), func(ctx context.Context) error {
			if c.status != workflow.Suspended {
				return nil
			}
			if _, err := s.act(ctx, c, s.st.Dispatcher[c.subdistrict()], "resume", workflow.Input{Reason: "资金已落实，恢复处置"}); err != nil {
				return err
			}
			s.schedule(s.office(s.now, s.minutes(300)), func(ctx context.Context) error { return s.handle(ctx, c) })
			return nil
		})
		return nil
	})
	return nil
}

// handle: the department reports the work done, with a photo.
func (s *sim) handle(ctx context.Context, c *simCase) error {
	if c.status != workflow.InProgress {
		return nil
	}
	id, err := s.photos.after(ctx, c.topic)
	if err != nil {
		return err
	}
	if len(c.co) > 0 {
		if err := s.handleParts(ctx, c); err != nil {
			return err
		}
	}
	due := c.handleDue
	if _, err := s.act(ctx, c, s.handler(c), "handle", workflow.Input{Result: s.result(c.topic), Photos: []string{id}}); err != nil {
		return err
	}
	c.handled++
	if !due.IsZero() && s.now.After(due) {
		c.late++
	}
	switch c.status {
	case workflow.Handled:
		delay := s.minutes(30)
		if s.chance(0.08) {
			delay = s.minutes(200)
		}
		s.schedule(onDuty(s.now, gridHours, delay), func(ctx context.Context) error { return s.verify(ctx, c) })
	case workflow.Closed:
		s.closed(c)
	}
	return nil
}

// verify: the grid worker checks the result on site (核查); some fail and go back (返工).
func (s *sim) verify(ctx context.Context, c *simCase) error {
	if c.status != workflow.Handled {
		return nil
	}
	pass := c.reworks > 0 || !s.chance(0.09)
	id, err := s.photos.after(ctx, c.topic)
	if err != nil {
		return err
	}
	in := workflow.Input{Pass: &pass, Photos: []string{id}, Note: "现场核查已整改到位"}
	if !pass {
		in.Note = "现场核查仍未整改到位，请返工"
		c.reworks++
	}
	if _, err := s.act(ctx, c, s.st.GridWorker[c.grid.Code], "verify", in); err != nil {
		return err
	}
	if !pass {
		return s.planHandling(ctx, c, true)
	}
	s.closed(c)
	return nil
}

// closed: registered reporters rate some results; a leader reopens some that are rated badly.
func (s *sim) closed(c *simCase) {
	if c.reporter == "" || !strings.HasPrefix(c.reporter, "resident.") || !s.chance(0.65) {
		return
	}
	rating := []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 2, 1}[s.rng.IntN(20)]
	s.schedule(s.now.Add(time.Duration(20+s.rng.IntN(36*60))*time.Minute), func(ctx context.Context) error {
		if c.status != workflow.Closed {
			return nil
		}
		note := map[int]string{5: "处理很及时，非常满意", 4: "处理得不错", 3: "基本解决", 2: "处理不彻底", 1: "问题依旧存在"}[rating]
		if _, err := s.act(ctx, c, c.reporter, "rate", workflow.Input{Rating: rating, Note: note}); err != nil {
			return err
		}
		if rating > 2 || c.reopened || !s.chance(0.5) {
			return nil
		}
		s.schedule(onDuty(s.now, centreHours, s.minutes(120)), func(ctx context.Context) error {
			if c.status != workflow.Closed || s.now.Sub(c.closedAt) > 6*24*time.Hour {
				return nil // reopening is for the week after closing
			}
			c.reopened = true
			if _, err := s.act(ctx, c, s.st.Leader[c.district], "reopen", workflow.Input{Reason: "群众评价不满意，重新处置"}); err != nil {
				return err
			}
			if c.status == workflow.Dispatched {
				s.schedule(s.office(s.now, s.signDelay()), func(ctx context.Context) error { return s.sign(ctx, c) })
			}
			return nil
		})
		return nil
	})
}

// near is a point within about d degrees of a case, in the same grid.
func (s *sim) near(c *simCase, d float64) (float64, float64) {
	lon, lat := round6(c.lon+(s.rng.Float64()-0.5)*d), round6(c.lat+(s.rng.Float64()-0.5)*d)
	if !grid.Contains(c.grid.Geometry, orb.Point{lon, lat}) {
		return c.lon, c.lat
	}
	return lon, lat
}

// place is how a report names where it is: the grid's name (community and number).
func place(g *UnitGrid) string { return g.Name }

// phone is a made-up mobile number.
func (s *sim) phone() string { return fmt.Sprintf("1%d%09d", 3+s.rng.IntN(7), s.rng.IntN(1e9)) }

func (s *sim) names() *namer {
	if s.namer == nil {
		s.namer = &namer{rng: s.rng}
	}
	return s.namer
}
