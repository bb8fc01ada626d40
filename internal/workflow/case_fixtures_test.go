package workflow_test

import (
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The case lies in grid 001 of 民生街道 in 解放区; 410811 is another district.
var (
	regionPath = []string{"4108", "410802", "410802001", "410802001001", "410802001001001"}
	cst        = time.FixedZone("CST", 8*3600)
	t0         = time.Date(2026, 11, 25, 9, 0, 0, 0, cst) // the fixed clock of every test
	yes, no    = true, false
)

const (
	grid      = "410802001001001"
	otherGrid = "410802001001002"
	lead      = "410802-CGJ" // 解放区城管局, the lead department
	co        = "410802-HW"  // 解放区环卫, joint handler
	other     = "410811-CGJ" // another district's department
)

// The principals of the matrix, by the names test names use.
const (
	admin       = "an unscoped admin"
	opIn        = "an operator in scope"
	opOut       = "an operator out of scope"
	leaderIn    = "a leader in scope"
	leaderOut   = "a leader out of scope"
	dispIn      = "a dispatcher in scope"
	dispOut     = "a dispatcher out of scope"
	handlerLead = "a handler of the lead department"
	handlerCo   = "a handler of a co-department"
	handlerElse = "a handler of another department"
	gwGrid      = "a grid worker of the grid"
	gwElse      = "a grid worker of another grid"
	inspector   = "an inspector"
	reporter    = "the resident who reported it"
	resident    = "another resident"
	anonymous   = "an anonymous visitor"
	system      = "the system"
)

type actor struct {
	name string
	p    *access.Principal
}

func staff(name string, role access.Role, scope, dept string, grids ...string) *access.Principal {
	return &access.Principal{User: access.User{Username: name, Role: role, Scope: scope, Department: dept}, Via: "session", Grids: grids}
}

func actors() []actor {
	return []actor{
		{admin, staff("root", access.Admin, "", "")},
		{opIn, staff("op", access.Operator, "410802", "")},
		{opOut, staff("op2", access.Operator, "410811", "")},
		{leaderIn, staff("lead", access.Leader, "410802", "")},
		{leaderOut, staff("lead2", access.Leader, "410811", "")},
		{dispIn, staff("disp", access.Dispatcher, "410802", "")},
		{dispOut, staff("disp2", access.Dispatcher, "410811", "")},
		{handlerLead, staff("cgj", access.Handler, "", lead)},
		{handlerCo, staff("hw", access.Handler, "", co)},
		{handlerElse, staff("cgj2", access.Handler, "", other)},
		{gwGrid, staff("gw", access.GridWorker, grid, "", grid)},
		{gwElse, staff("gw2", access.GridWorker, otherGrid, "", otherGrid)},
		{inspector, staff("insp", access.Inspector, "410802", "")},
		{reporter, staff("alice", access.Resident, "", "")},
		{resident, staff("bob", access.Resident, "", "")},
		{anonymous, nil},
		{system, access.SystemPrincipal("console")},
	}
}

func principal(name string) *access.Principal {
	for _, a := range actors() {
		if a.name == name {
			return a.p
		}
	}
	panic("no principal " + name)
}

// The situations of the matrix: the eight statuses, and the sub-states some actions hinge on.
const (
	sReported    = "reported"
	sChecking    = "reported with a check pending"
	sRegistered  = "registered"
	sDispatched  = "dispatched"
	sInProgress  = "in progress"
	sPartOpen    = "in progress with a co-department's part signed for"
	sExtending   = "in progress with an extension asked"
	sHandled     = "handled"
	sSuspended   = "suspended"
	sClosed      = "closed"
	sClosedRated = "closed and rated"
	sRejected    = "rejected"
)

const (
	dueInTwoDays  = 48 * time.Hour // the fixtures' handling deadline after t0
	closedAnHour  = time.Hour      // how long before t0 the closed fixtures closed
	extensionAsk  = 8              // working hours the extending fixture asked for
	supporterSeen = "device-9"     // the fixtures' earlier "me too"
)

type situation struct {
	name string
	c    workflow.Case
}

// fresh is a just-reported case by alice, with one earlier "me too".
func fresh() workflow.Case {
	return workflow.Case{
		Status: workflow.Reported, Version: 1, Kind: workflow.Matter, Category: "09009",
		Urgency: workflow.UrgencyNormal, RegionPath: slices.Clone(regionPath),
		Holder: workflow.Holder{Kind: workflow.HolderCentre, Code: "410802001"}, Reporter: "alice",
		Supporters: []string{supporterSeen}, Counters: workflow.Counters{Supports: 1},
		VerificationRequired: true, HandleDue: t0.Add(dueInTwoDays),
	}
}

func situations() []situation {
	with := func(f func(c *workflow.Case)) workflow.Case {
		c := fresh()
		f(&c)
		return c
	}
	dispatched := func(c *workflow.Case, s workflow.Status) {
		c.Status, c.Version = s, 4
		c.Department, c.CoDepartments = lead, []string{co}
		c.Holder = workflow.Holder{Kind: workflow.HolderDepartment, Code: lead}
		// The co-department's part waits to be signed for while the case does; past that
		// the fixtures have it reported, so the lead's own steps are open.
		part := workflow.Part{Department: co, Status: workflow.PartReported, Result: "已配合清运", ReportedBy: "hw"}
		if s == workflow.Dispatched {
			part = workflow.Part{Department: co, Status: workflow.PartDispatched}
		}
		c.Parts = []workflow.Part{part}
	}
	closed := func(c *workflow.Case) {
		dispatched(c, workflow.Closed)
		c.Holder, c.ClosedAt, c.ClosureType = workflow.Holder{}, t0.Add(-closedAnHour), workflow.ClosureNormal
	}
	return []situation{
		{sReported, fresh()},
		{sChecking, with(func(c *workflow.Case) {
			c.CheckPending, c.Holder = true, workflow.Holder{Kind: workflow.HolderGridWorker, Code: grid}
		})},
		{sRegistered, with(func(c *workflow.Case) { c.Status, c.Version = workflow.Registered, 2 })},
		{sDispatched, with(func(c *workflow.Case) { dispatched(c, workflow.Dispatched) })},
		{sInProgress, with(func(c *workflow.Case) { dispatched(c, workflow.InProgress) })},
		{sPartOpen, with(func(c *workflow.Case) {
			dispatched(c, workflow.InProgress)
			c.Parts[0] = workflow.Part{Department: co, Status: workflow.PartInProgress, SignedAt: t0.Add(-time.Hour)}
		})},
		{sExtending, with(func(c *workflow.Case) { dispatched(c, workflow.InProgress); c.ExtensionAsked = extensionAsk })},
		{sHandled, with(func(c *workflow.Case) {
			dispatched(c, workflow.Handled)
			c.Holder = workflow.Holder{Kind: workflow.HolderGridWorker, Code: grid}
		})},
		{sSuspended, with(func(c *workflow.Case) { dispatched(c, workflow.Suspended) })},
		{sClosed, with(closed)},
		{sClosedRated, with(func(c *workflow.Case) { closed(c); c.Rating = 4 })},
		{sRejected, with(func(c *workflow.Case) {
			c.Status, c.Holder, c.RejectReason = workflow.Rejected, workflow.Holder{}, workflow.RejectInvalid
		})},
	}
}

// validInput is input each action accepts.
func validInput() map[workflow.Action]workflow.Input {
	photos := []string{"sha256-after"}
	return map[workflow.Action]workflow.Input{
		workflow.Report:           {Note: "井盖缺失", Photos: photos},
		workflow.SelfHandle:       {Result: "扶正井盖", Photos: photos},
		workflow.RequestCheck:     {Note: "请核实"},
		workflow.Confirm:          {Found: &yes, Photos: photos},
		workflow.Register:         {Urgency: workflow.UrgencyUrgent},
		workflow.Reject:           {RejectReason: workflow.RejectDuplicate, MergedInto: "20261125-000001", Reason: "已有案件"},
		workflow.Dispatch:         {Department: lead, CoDepartments: []string{co}},
		workflow.Escalate:         {Reason: "跨街道, 需区级协调"},
		workflow.Accept:           {},
		workflow.AcceptPart:       {Department: co},
		workflow.ReportPart:       {Department: co, Result: "已配合清运", Photos: photos, Reason: "协办部门已电话反馈"},
		workflow.Return:           {Reason: "非本部门职责"},
		workflow.Handle:           {Result: "已清理", Photos: photos},
		workflow.RequestExtension: {Hours: extensionAsk, Reason: "需采购配件"},
		workflow.ApproveExtension: {Hours: extensionAsk},
		workflow.DenyExtension:    {Reason: "时限足够"},
		workflow.Suspend:          {Reason: "待道路改造"},
		workflow.Resume:           {Reason: "改造完成"},
		workflow.Verify:           {Pass: &yes, Note: "已整改", Photos: photos},
		workflow.Reopen:           {Reason: "群众不满意"},
		workflow.Comment:          {Note: "已联系物业"},
		workflow.Rate:             {Rating: 5, Note: "满意"},
		workflow.Support:          {Supporter: "device-1"},
		workflow.Close:            {Reason: "涉法涉诉, 转司法途径"},
		workflow.Urge:             {Note: "请今日内处置完毕"},
	}
}

// deepCopy copies a case so that a later comparison catches writes through shared slices.
func deepCopy(c workflow.Case) workflow.Case {
	c.RegionPath = slices.Clone(c.RegionPath)
	c.CoDepartments = slices.Clone(c.CoDepartments)
	c.Supporters = slices.Clone(c.Supporters)
	c.Parts = slices.Clone(c.Parts)
	for i := range c.Parts {
		c.Parts[i].Photos = slices.Clone(c.Parts[i].Photos)
	}
	return c
}
