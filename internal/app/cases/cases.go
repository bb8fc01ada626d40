package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Sources a case may come from.
var sources = []string{"patrol", "resident", "open311", "hotline", "phone", "inspection", "instruction", SourceCampaign}

// SourceCampaign is the source of a campaign target's rectification case (专项整治): its
// closure marks the target done (see followTarget).
const SourceCampaign = "campaign"

// NewCase is a report as the API takes it.
type NewCase struct {
	Action       string                `json:"action"` // "report" (default) or "self_handle"
	CategoryKind workflow.CategoryKind `json:"category_kind"`
	Category     string                `json:"category"`
	Description  string                `json:"description"`
	Lon          *float64              `json:"lon"`
	Lat          *float64              `json:"lat"`
	CRS          string                `json:"crs"`
	Geometry     json.RawMessage       `json:"geometry"` // a LineString or Polygon instead of lon/lat
	Address      string                `json:"address"`
	Urgency      workflow.Urgency      `json:"urgency"`
	Source       string                `json:"source"`
	Photos       []string              `json:"photos"`
	// PhotoData are photos sent with the report itself (multipart): stored and recorded in
	// the report's transaction, so a refused report records none.
	PhotoData [][]byte `json:"-"`
	Result    string   `json:"result"` // self_handle: what was done
	Contact   struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"contact"`
}

// CaseView is a case as its viewer may see it.
type CaseView struct {
	ID            int64              `json:"id"`
	Ticket        string             `json:"ticket"`
	Status        workflow.Status    `json:"status"`
	Source        string             `json:"source"`
	Category      workflow.Category  `json:"category"`
	Description   string             `json:"description"`
	Lon           float64            `json:"lon"`
	Lat           float64            `json:"lat"`
	Geometry      json.RawMessage    `json:"geometry,omitempty"` // a line or area as drawn (GeoJSON, WGS-84); lon/lat is its centroid
	Address       string             `json:"address"`
	Grid          grid.Ref           `json:"grid"`
	RegionPath    []grid.Ref         `json:"region_path"`
	Holder        workflow.Holder    `json:"holder"`
	Department    string             `json:"department"`
	CoDepartments []string           `json:"co_departments"`
	Urgency       workflow.Urgency   `json:"urgency"`
	Deadlines     map[string]any     `json:"deadlines"`
	Light         worktime.Light     `json:"light,omitempty"` // green, yellow, red: the worst light of the stage clocks running (none while suspended)
	Clocks        []ClockView        `json:"clocks"`          // every stage clock, running and finished, the parts' too
	Parts         []PartView         `json:"parts"`           // the co-departments' parts (联办), each with its clocks
	Counters      workflow.Counters  `json:"counters"`
	ClosureType   string             `json:"closure_type"`
	Rating        int                `json:"rating,omitempty"`
	Version       int                `json:"version"`
	Photos        []string           `json:"photos"`
	Contact       *map[string]string `json:"contact,omitempty"` // centre staff only
	Reporter      string             `json:"reporter,omitempty"`
	Channels      []store.Channel    `json:"channels,omitempty"` // other channels merged in (并单), centre staff only
	Allowed       []workflow.Action  `json:"allowed_actions"`
	Timeline      []store.CaseEvent  `json:"timeline"`
	Names         *CaseNames         `json:"names,omitempty"` // the codes above named, on a case read by itself
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
	publicOnly    bool
}

// Intake is what a report returns: the case, where it would go, and possible duplicates.
type Intake struct {
	CaseView
	SuggestedDepartment *workflow.Department `json:"suggested_department"`
	Duplicates          []store.Nearby       `json:"duplicates"`
}

// Report takes a report (or a grid worker's self-handled problem): locates it to its grid,
// checks the category, numbers it, stores it with its first timeline event and audit record in
// one transaction, and returns it with the suggested department and possible duplicates.
func (a *Service) Report(ctx context.Context, actor *access.Principal, in NewCase) (Intake, error) {
	now := a.Now()
	action := workflow.Report
	if in.Action == string(workflow.SelfHandle) {
		action = workflow.SelfHandle
	} else if in.Action != "" && in.Action != string(workflow.Report) {
		return Intake{}, errs.E(errs.Invalid, "action must be report or self_handle, not %q", in.Action)
	}
	source, err := intakeSource(actor, in.Source)
	if err != nil {
		return Intake{}, err
	}
	system, err := crs.Parse(in.CRS)
	if err != nil {
		return Intake{}, errs.E(errs.Invalid, "%v", err)
	}
	lon, lat, shape, err := intakePoint(in, system)
	if err != nil {
		return Intake{}, err
	}
	loc, err := a.Locate(ctx, lon, lat, crs.WGS84)
	if err != nil {
		return Intake{}, err
	}
	if loc.Region.Level != grid.Grid {
		return Intake{}, errs.RefuseCoded(errs.Invalid, "outside_grids", errs.Params{"region": loc.Region.Code}, "the place lies in %s but in no unit grid", loc.Region.Name)
	}
	cat, err := a.Category(ctx, in.CategoryKind, in.Category)
	if errs.Is(err, errs.NotFound) || (err == nil && !cat.Public && !kernel.IsStaff(actor)) {
		return Intake{}, errs.Refuse(errs.Invalid, "no_category", errs.Params{"kind": in.CategoryKind, "category": in.Category}, "no %s category %q", in.CategoryKind, in.Category)
	} else if err != nil {
		return Intake{}, err
	}
	if err := kernel.CheckText(in.Description, "description", descriptionLimit(actor)); err != nil {
		return Intake{}, err
	}
	if err := kernel.CheckText(in.Address, "address", 500); err != nil {
		return Intake{}, err
	}
	if err := kernel.CheckText(in.Contact.Name+in.Contact.Phone, "contact", 200); err != nil {
		return Intake{}, err
	}
	path := make([]string, len(loc.Path))
	for i, r := range loc.Path {
		path[i] = r.Code
	}
	var uploads []store.Attachment
	for i, data := range in.PhotoData {
		att, err := a.storePhoto(ctx, actor, data)
		if err != nil {
			return Intake{}, errs.Prefix(err, errs.Params{"photo": i + 1}, "photo %d: ", i+1)
		}
		uploads = append(uploads, att)
		in.Photos = append(in.Photos, att.ID)
	}
	tr, err := workflow.NewReport(actor, action, workflow.Case{RegionPath: path, Kind: cat.Kind, Category: cat.Code,
		Urgency: in.Urgency, VerificationRequired: cat.VerificationRequired, Inspection: source == "inspection"},
		workflow.Input{Note: TimelineCopy(in.Description), Photos: in.Photos, Result: in.Result}, now)
	if err != nil {
		return Intake{}, err
	}
	if err := a.checkPhotos(ctx, in.Photos[:len(in.Photos)-len(uploads)]); err != nil {
		return Intake{}, err
	}
	rec := store.CaseRecord{Source: source, Description: strings.TrimSpace(in.Description), Lon: lon, Lat: lat,
		InputCRS: string(system), Address: strings.TrimSpace(in.Address), Geometry: shape,
		ContactName: strings.TrimSpace(in.Contact.Name), ContactPhone: strings.TrimSpace(in.Contact.Phone),
		Photos: in.Photos, State: tr.Case, CreatedAt: now, UpdatedAt: now}
	// What the transaction writes of the case's timeline and clocks, so the answer need not
	// read them back.
	var known knownParts
	if known.clocks, err = a.firstClocks(ctx, tr, actor.Name()); err != nil {
		return Intake{}, err
	}
	rec.LightWarn, rec.LightDue = lightMoments(known.clocks)
	var evalEvents []store.EvalEvent
	if action == workflow.SelfHandle {
		evalEvents = []store.EvalEvent{{Action: string(action), At: now}}
	}
	tracker := eval.NewTracker(a.Core)
	var counted eval.Facts
	if !tracker.Deferred() {
		if counted, err = tracker.Of(ctx, eval.CaseInput{Created: now, State: tr.Case, Clocks: known.clocks, Events: evalEvents}); err != nil {
			return Intake{}, err
		}
	}
	err = a.DB.GroupTx(ctx, func(ctx context.Context) error { // group commit: see store/groupcommit.go
		for _, att := range uploads {
			if err := a.DB.PutAttachment(ctx, att); err != nil {
				return err
			}
		}
		if rec.Ticket, err = a.DB.NextTicket(ctx, now.In(worktime.China).Format("20060102")); err != nil {
			return err
		}
		if rec.ID, err = a.DB.InsertCase(ctx, rec); err != nil {
			return err
		}
		for i := range known.clocks {
			known.clocks[i].CaseID = rec.ID
			if err := a.DB.StartClock(ctx, known.clocks[i]); err != nil {
				return err
			}
		}
		ev, err := a.recordCaseEvent(ctx, actor, rec, tr, workflow.Input{Note: TimelineCopy(in.Description), Result: in.Result})
		known.events = []store.CaseEvent{ev}
		if err != nil {
			return err
		}
		// The report's count, in its transaction (a case's contribution does not depend on its id).
		return tracker.Apply(ctx, eval.Facts{}, counted)
	})
	if err != nil {
		return Intake{}, err
	}
	out := Intake{Duplicates: []store.Nearby{}}
	known.set = true
	if out.CaseView, err = a.caseViewWith(ctx, actor, rec, known); err != nil {
		return Intake{}, err
	}
	if route, ok, err := a.route(ctx, cat.Kind, cat.Code, loc, now); err != nil {
		return Intake{}, err
	} else if ok {
		depts, err := a.RefDepartments(ctx)
		if err != nil {
			return Intake{}, err
		}
		if i := slices.IndexFunc(depts, func(d workflow.Department) bool { return d.Code == route.Department }); i >= 0 {
			d := depts[i]
			out.SuggestedDepartment = &d
		}
	}
	if action == workflow.Report {
		near, err := a.DB.NearbyOpenCases(ctx, cat.Kind, cat.Code, lon, lat, a.Opts.DuplicateRadiusM, now.Add(-a.Opts.DuplicateWindow))
		if err != nil {
			return Intake{}, err
		}
		out.Duplicates = slices.DeleteFunc(near, func(n store.Nearby) bool { return n.ID == rec.ID })
	}
	return out, nil
}

// intakeSource checks where a report says it comes from: the public always reports as
// "resident"; staff name their channel (a grid worker's default is "patrol").
func intakeSource(p *access.Principal, source string) (string, error) {
	if source != "" && !slices.Contains(sources, source) {
		return "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "source", "value": source}, "source must be one of %s, not %q", strings.Join(sources, ", "), source)
	}
	switch {
	case p != nil && p.Via == access.ViaOpen311:
		return "open311", nil // whatever an Open311 client says, that is where the report came from
	case !kernel.IsStaff(p):
		if source != "" && source != "resident" {
			return "", errs.E(errs.Forbidden, "the public reports as resident, not %s", source)
		}
		return "resident", nil
	case source == "":
		if p.User.Role == access.GridWorker {
			return "patrol", nil
		}
		return "instruction", nil
	}
	return source, nil
}

// intakePoint returns the stored (WGS-84) point of a report and, for a line or area, its
// shape: located by its centroid, drawn as drawn.
func intakePoint(in NewCase, system crs.System) (lon, lat float64, shape orb.Geometry, err error) {
	toWGS := func(lon, lat float64) (float64, float64) { return crs.Convert(system, crs.WGS84, lon, lat) }
	switch {
	case len(in.Geometry) > 0 && string(in.Geometry) != "null":
		if in.Lon != nil || in.Lat != nil {
			return 0, 0, nil, errs.E(errs.Invalid, "give lon/lat or a geometry, not both")
		}
		// Bounded and checked before anything else is done with it: the check is O(n log n)
		// and n is at most grid.MaxReportVertices, whoever sends it.
		g, err := grid.DecodeDrawn(in.Geometry)
		if err != nil {
			return 0, 0, nil, err
		}
		g = grid.Transform(g, toWGS)
		c, _ := planar.CentroidArea(g)
		return c[0], c[1], g, nil
	case in.Lon == nil || in.Lat == nil:
		return 0, 0, nil, errs.E(errs.Invalid, "lon and lat (or a geometry) are required")
	}
	if err := crs.ValidLonLat(*in.Lon, *in.Lat); err != nil {
		return 0, 0, nil, errs.E(errs.Invalid, "%v", err)
	}
	lon, lat = toWGS(*in.Lon, *in.Lat)
	return lon, lat, nil, nil
}

// descriptionLimit is 2000 characters, or Open311's 4000 (GeoReport v2 request schema) for a
// report through Open311; the timeline's copy is cut to a timeline note's length.
func descriptionLimit(p *access.Principal) int {
	if p != nil && p.Via == access.ViaOpen311 {
		return 4000
	}
	return 2000
}

// TimelineCopy is a description cut to a timeline note's length.
func TimelineCopy(description string) string {
	if r := []rune(description); len(r) > 2000 {
		return string(r[:1999]) + "…"
	}
	return description
}

// recordCaseEvent writes a transition's timeline event, audit record and outbox message (with
// its recipients) in the transaction carried by ctx; rec holds the case as the transition left it.
func (a *Service) recordCaseEvent(ctx context.Context, actor *access.Principal, rec store.CaseRecord, tr workflow.Transition, in workflow.Input) (store.CaseEvent, error) {
	input, _ := json.Marshal(in)
	note := kernel.FirstNonBlank(in.Note, in.Reason, in.Result, tr.Event)
	params, _ := json.Marshal(tr.EventParams)
	ev := store.CaseEvent{At: a.Now().Truncate(time.Microsecond), Actor: actor.Name(), Action: string(tr.Action),
		From: string(tr.From), To: string(tr.To), Note: note, Input: string(input), Code: tr.EventCode, Params: params}
	if err := a.DB.AppendCaseEvent(ctx, rec.ID, ev); err != nil {
		return ev, err
	}
	// The photos an action carries are the case's from now on: a handling's result is shown
	// as publicly as the case, the rest (checks, verification, comments) to those who may see it.
	publicPhotos := tr.Action == workflow.Report || tr.Action == workflow.SelfHandle || tr.Action == workflow.Handle
	if err := a.DB.NameCasePhotos(ctx, rec.ID, in.Photos, publicPhotos); err != nil {
		return ev, err
	}
	summary := map[string]any{"case_id": rec.ID, "ticket": rec.Ticket, "status": tr.To, "version": tr.Case.Version, "event": tr.Event, "actor": actor.Name(),
		"event_code": tr.EventCode, "event_params": tr.EventParams}
	if err := a.Record(ctx, actor, "case."+string(tr.Action), fmt.Sprintf("case:%d", rec.ID), map[string]any{"status": tr.From}, summary); err != nil {
		return ev, err
	}
	payload, _ := json.Marshal(summary)
	// Who hears of the step is decided now, from the case as the step left it (rec).
	return ev, notices.New(a.Core).Announce(ctx, "case."+string(tr.Action), rec, payload)
}

// checkPhotos requires every photo a case names to be an uploaded attachment, so a case never
// points at nothing.
func (a *Service) checkPhotos(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := a.DB.Attachment(ctx, id); errs.Is(err, errs.NotFound) {
			return errs.Refuse(errs.Invalid, "photo_unknown", errs.Params{"photo": id}, "photo %q is not an uploaded attachment: upload it first", id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func firstOf[T ~string](vs ...T) T {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Act performs an action on a case. version, when given, must be the version the caller saw:
// of two people acting on what they both saw, exactly one succeeds.
func (a *Service) Act(ctx context.Context, actor *access.Principal, id int64, action string, version *int, in workflow.Input) (CaseView, error) {
	rec, err := a.step(ctx, actor, id, action, version, in)
	if err != nil {
		return CaseView{}, err
	}
	if !a.canSee(actor, rec) {
		// Someone who may not see the case said "me too": tell them it counted, nothing more.
		return CaseView{ID: rec.ID, Ticket: rec.Ticket, Status: rec.State.Status, Counters: workflow.Counters{Supports: rec.State.Counters.Supports}, publicOnly: true}, nil
	}
	return a.caseView(ctx, actor, rec)
}

// ActWithPhotos is Act with photos sent in the request itself (a form's file input, such as a
// reporter's photo of a problem not solved): they are read and stored only once the action is
// known to be allowed to the actor on the case as it stands, and recorded in the action's
// transaction, so a refused action records no photo.
func (a *Service) ActWithPhotos(ctx context.Context, actor *access.Principal, id int64, action string, version *int, in workflow.Input, photos [][]byte) (CaseView, error) {
	uploads, err := a.actionPhotos(ctx, actor, id, action, in, photos)
	if err != nil {
		return CaseView{}, err
	}
	in.Photos = slices.Clone(in.Photos)
	for _, u := range uploads {
		in.Photos = append(in.Photos, u.ID)
	}
	rec, err := a.stepWith(ctx, actor, id, action, version, in, uploads)
	if err != nil {
		return CaseView{}, err
	}
	if !a.canSee(actor, rec) {
		return CaseView{ID: rec.ID, Ticket: rec.Ticket, Status: rec.State.Status, Counters: workflow.Counters{Supports: rec.State.Counters.Supports}, publicOnly: true}, nil
	}
	return a.caseView(ctx, actor, rec)
}

// actionPhotos checks the action first, as the case stands (the transaction checks again), then
// each photo, and stores their bytes: the records are the transaction's to write.
func (a *Service) actionPhotos(ctx context.Context, actor *access.Principal, id int64, action string, in workflow.Input, photos [][]byte) ([]store.Attachment, error) {
	if len(photos) == 0 {
		return nil, nil
	}
	act, err := workflow.ParseAction(action)
	if err != nil {
		return nil, err
	}
	rec, err := a.DB.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.canSee(actor, rec) {
		return nil, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
	}
	probe := in
	probe.Photos = slices.Clone(in.Photos)
	for i := range photos {
		probe.Photos = append(probe.Photos, fmt.Sprintf("upload-%d", i+1))
	}
	if _, err := workflow.Decide(rec.State, actor, act, probe, a.Now()); err != nil {
		return nil, err
	}
	out := make([]store.Attachment, 0, len(photos))
	for i, data := range photos {
		att, err := a.storePhoto(ctx, actor, data)
		if err != nil {
			return nil, errs.Prefix(err, errs.Params{"photo": i + 1}, "photo %d: ", i+1)
		}
		out = append(out, att)
	}
	return out, nil
}

// StepResult is where a step left a case, as Step returns it: no timeline, no private fields.
type StepResult struct {
	ID            int64                `json:"id"`
	Ticket        string               `json:"ticket"`
	Status        workflow.Status      `json:"status"`
	Department    string               `json:"department"`
	CoDepartments []string             `json:"co_departments"`
	Counters      workflow.Counters    `json:"counters"`
	HandleDue     time.Time            `json:"handle_due,omitzero"`
	ClosureType   workflow.ClosureType `json:"closure_type,omitempty"`
	Version       int                  `json:"version"`
}

// Step takes an action exactly as Act does (the same checks, transaction, timeline, audit
// record and notices) but answers with where the case now stands instead of the whole case:
// for callers that take many steps and show none of them, such as the demo's history, to
// whom reading back each case's timeline would cost more than the step itself. Someone who
// may not see the case learns only its status and supports, as from Act.
func (a *Service) Step(ctx context.Context, actor *access.Principal, id int64, action string, version *int, in workflow.Input) (StepResult, error) {
	rec, err := a.step(ctx, actor, id, action, version, in)
	if err != nil {
		return StepResult{}, err
	}
	s := rec.State
	if !a.canSee(actor, rec) {
		return StepResult{ID: rec.ID, Ticket: rec.Ticket, Status: s.Status, Counters: workflow.Counters{Supports: s.Counters.Supports}}, nil
	}
	return StepResult{ID: rec.ID, Ticket: rec.Ticket, Status: s.Status, Department: s.Department, CoDepartments: s.CoDepartments,
		Counters: s.Counters, HandleDue: s.HandleDue, ClosureType: s.ClosureType, Version: s.Version}, nil
}

// step is Act's transaction: it returns the case as the action left it.
func (a *Service) step(ctx context.Context, actor *access.Principal, id int64, action string, version *int, in workflow.Input) (store.CaseRecord, error) {
	return a.stepWith(ctx, actor, id, action, version, in, nil)
}

// stepWith is step recording, once the action is decided, the photos uploaded with it (whose
// ids in.Photos names).
func (a *Service) stepWith(ctx context.Context, actor *access.Principal, id int64, action string, version *int, in workflow.Input, uploads []store.Attachment) (store.CaseRecord, error) {
	act, err := workflow.ParseAction(action)
	if err != nil {
		return store.CaseRecord{}, err
	}
	if act == workflow.Report || act == workflow.SelfHandle {
		return store.CaseRecord{}, errs.Refuse(errs.Invalid, "creates_case", errs.Params{"action": string(act)}, "%s creates a case: report a new case instead", act)
	}
	var (
		rec                   store.CaseRecord
		correctedVerification *bool
		original              *store.CaseRecord // reject as duplicate: the case the report joins
		outsider              bool              // may not see the case: says "me too" by id
	)
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		// Locked, so that actions on one case take turns: a comment or a "me too" (sent
		// without a version) then meets the case as the one before left it, and an action
		// with a version still meets the version it names or a conflict.
		if rec, err = a.DB.LockCase(ctx, id); err != nil {
			return err
		}
		if !a.canSee(actor, rec) {
			if act != workflow.Support {
				return errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
			}
			// "Me too" is for cases the public may see; the others are not there, as in
			// tracking and Open311. An outsider never saw a version, so none is checked.
			cat, err := a.Category(ctx, rec.State.Kind, rec.State.Category)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			if err != nil || !cat.Public {
				return errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
			}
			outsider, version = true, nil
		}
		if version != nil && *version != rec.State.Version {
			return errs.RefuseCoded(errs.Conflict, "version_conflict", errs.Params{"version": rec.State.Version, "expected": *version},
				"case %s is at version %d, not %d; reload it and try again", rec.Ticket, rec.State.Version, *version)
		}
		switch {
		case act == workflow.Register && (in.Kind != "" || in.Category != ""):
			kind, code := firstOf(in.Kind, rec.State.Kind), firstOf(in.Category, rec.State.Category)
			cat, err := a.DB.Category(ctx, kind, code)
			if errs.Is(err, errs.NotFound) {
				return errs.Refuse(errs.Invalid, "no_category", errs.Params{"kind": string(kind), "category": code}, "no %s category %q to correct to", kind, code)
			} else if err != nil {
				return err
			}
			correctedVerification = &cat.VerificationRequired
		case act == workflow.Reject && in.RejectReason == workflow.RejectDuplicate && in.MergedInto != "":
			orig, err := a.DB.CaseByTicket(ctx, in.MergedInto)
			if errs.Is(err, errs.NotFound) || (err == nil && !a.canSee(actor, orig)) { // one answer, so existence does not leak
				return errs.Refuse(errs.Invalid, "no_case", errs.Params{"field": "merged_into", "ticket": in.MergedInto}, "merged_into: no case %s", in.MergedInto)
			} else if err != nil {
				return err
			}
			if orig.ID == rec.ID {
				return errs.Refuse(errs.Invalid, "self_duplicate", errs.Params{"field": "merged_into"}, "merged_into: a case cannot duplicate itself")
			}
			original = &orig
		}
		if act == workflow.Dispatch && in.Department == "" {
			if in.Department, err = a.suggestedDepartment(ctx, rec); err != nil {
				return err
			}
		}
		if act == workflow.Dispatch {
			for _, d := range append([]string{in.Department}, in.CoDepartments...) {
				if _, err := a.DB.Department(ctx, d); errs.Is(err, errs.NotFound) {
					return errs.Refuse(errs.Invalid, "no_department", errs.Params{"department": d}, "department %s does not exist", d)
				} else if err != nil {
					return err
				}
			}
		}
		tr, err := workflow.Decide(rec.State, actor, act, in, a.Now())
		if err != nil {
			return err
		}
		if act == workflow.Support && !kernel.IsStaff(actor) {
			if err := a.throttleSupport(ctx); err != nil {
				return err
			}
		}
		for _, att := range uploads {
			if err := a.DB.PutAttachment(ctx, att); err != nil {
				return err
			}
		}
		if err := a.checkPhotos(ctx, in.Photos); err != nil {
			return err
		}
		if correctedVerification != nil {
			tr.Case.VerificationRequired = *correctedVerification || tr.Case.Inspection // the corrected category's rule
		}
		// What the case counted for in evaluation before the step: the step's transaction
		// adds the difference it makes (see package eval).
		tracker := eval.NewTracker(a.Core)
		tracked := !tracker.Deferred() && !eval.Untracked(act)
		var (
			counted eval.Facts
			events  []store.EvalEvent
		)
		if tracked {
			if counted, events, err = tracker.SnapshotEvents(ctx, rec.ID, rec.CreatedAt, rec.State); err != nil {
				return err
			}
		}
		if _, err := a.moveClocks(ctx, rec.ID, rec.State, &tr, actor.Name()); err != nil {
			return err
		}
		if err := a.DB.UpdateCaseState(ctx, rec.ID, rec.State.Version, tr.Case, a.Now()); err != nil {
			return err
		}
		if err := a.saveParts(ctx, rec.ID, rec.State.Parts, tr.Case.Parts); err != nil {
			return err
		}
		rec.State = tr.Case
		if _, err := a.recordCaseEvent(ctx, actor, rec, tr, in); err != nil {
			return err
		}
		if err := a.followTarget(ctx, actor, rec, tr); err != nil {
			return err
		}
		if tr.Action == workflow.Register {
			if err := a.autoDispatch(ctx, &rec); err != nil {
				return err
			}
		}
		if original != nil {
			// The original gains a channel and a supporter: nothing evaluation counts.
			if err := a.joinOriginal(ctx, actor, rec, *original); err != nil {
				return err
			}
		}
		if !tracked {
			return nil
		}
		now, err := tracker.SnapshotAfter(ctx, rec.ID, rec.CreatedAt, rec.State, string(act), events)
		if err != nil {
			return err
		}
		return tracker.Apply(ctx, counted, now)
	})
	if err != nil && outsider {
		err = forOutsider(err)
	}
	return rec, err
}

// forOutsider words a refusal for someone who acted on a case by id without the right to see
// it: a lost race says nothing of the case's ticket or version.
func forOutsider(err error) error {
	if reason, _ := errs.Detail(err); reason == "version_conflict" {
		return errs.RefuseCoded(errs.Conflict, "version_conflict", nil, "the case changed meanwhile; try again")
	}
	return err
}

// throttleSupport counts a "me too" from the client's address and refuses one over the limit:
// anyone may say it without signing in, each time with a new device id, so the address is
// what bounds them. Counted in the action's transaction, a refused support counts for nothing.
// Without an address (the console) nothing is counted.
func (a *Service) throttleSupport(ctx context.Context) error {
	addr := audit.ClientAddr(ctx)
	if addr == "" {
		return nil
	}
	now, window := a.Now(), a.Opts.SupportWindow
	hits, start, err := a.DB.CountHit(ctx, "support:"+kernel.AddressKey(addr), now.Add(-window), now)
	if err != nil {
		return err
	}
	if hits > a.Opts.SupportsPerAddress {
		after := start.Add(window).Sub(now)
		return errs.Throttled(after, "too many \"me too\"s from your address; try again in %d minutes", int((after+time.Minute-1)/time.Minute))
	}
	return nil
}

// PublicOnly reports whether the view is the short answer for someone who may not see the
// case: only id, ticket, status and the number of supports may be shown.
func (v CaseView) PublicOnly() bool { return v.publicOnly }

// autoDispatch dispatches a just-registered case at once when the rule that routes it is
// marked auto: no dispatcher needs to look at cases whose owner is never in doubt.
func (a *Service) autoDispatch(ctx context.Context, rec *store.CaseRecord) error {
	loc, err := a.Locate(ctx, rec.Lon, rec.Lat, crs.WGS84)
	if err != nil {
		return err
	}
	r, ok, err := a.route(ctx, rec.State.Kind, rec.State.Category, loc, a.Now())
	if err != nil || !ok || !r.Auto {
		return err
	}
	actor := access.SystemPrincipal("auto-dispatch")
	in := workflow.Input{Department: r.Department, CoDepartments: r.CoDepartments}
	tr, err := workflow.Decide(rec.State, actor, workflow.Dispatch, in, a.Now())
	if err != nil {
		return err
	}
	if _, err := a.moveClocks(ctx, rec.ID, rec.State, &tr, actor.Name()); err != nil {
		return err
	}
	if err := a.DB.UpdateCaseState(ctx, rec.ID, rec.State.Version, tr.Case, a.Now()); err != nil {
		return err
	}
	if err := a.saveParts(ctx, rec.ID, rec.State.Parts, tr.Case.Parts); err != nil {
		return err
	}
	rec.State = tr.Case
	_, err = a.recordCaseEvent(ctx, actor, *rec, tr, in)
	return err
}

// joinOriginal merges a report rejected as a duplicate into its original (并单): the report
// becomes one of the original's channels, its reporter a supporter (anonymous: by the report's
// ticket), and the original's timeline says so. Its reporter then hears of the original's
// steps as a reporter, and /track follows the report's ticket to the original.
func (a *Service) joinOriginal(ctx context.Context, actor *access.Principal, dup, orig store.CaseRecord) error {
	supporter := dup.State.Reporter
	if supporter == "" {
		supporter = "ticket:" + dup.Ticket
	}
	tr, err := workflow.JoinDuplicate(orig.State, orig.Ticket, dup.Ticket, supporter)
	if err != nil {
		return err
	}
	if err := a.DB.UpdateCaseState(ctx, orig.ID, orig.State.Version, tr.Case, a.Now()); err != nil {
		return err
	}
	if err := a.DB.AddChannel(ctx, orig.ID, store.Channel{Source: store.SourceMerged, Ref: dup.Ticket, At: a.Now()}); err != nil {
		return err
	}
	orig.State = tr.Case
	_, err = a.recordCaseEvent(ctx, actor, orig, tr, workflow.Input{})
	return err
}

// suggestedDepartment is the dispatch default: the rule's department, else the locality's.
func (a *Service) suggestedDepartment(ctx context.Context, rec store.CaseRecord) (string, error) {
	loc, err := a.Locate(ctx, rec.Lon, rec.Lat, crs.WGS84)
	if err != nil {
		return "", err
	}
	r, ok, err := a.route(ctx, rec.State.Kind, rec.State.Category, loc, a.Now())
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errs.Required("department", "no rule suggests a department for case %s: name one", rec.Ticket)
	}
	return r.Department, nil
}

// Case returns a case for a viewer who may see it; others get not found, so that existence
// itself stays private.
func (a *Service) Case(ctx context.Context, actor *access.Principal, id int64) (CaseView, error) {
	rec, err := a.DB.Case(ctx, id)
	if err != nil {
		return CaseView{}, err
	}
	if !a.canSee(actor, rec) {
		return CaseView{}, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
	}
	v, err := a.caseView(ctx, actor, rec)
	if err != nil {
		return CaseView{}, err
	}
	v.Names, err = a.caseNames(ctx, actor, v)
	return v, err
}

// canSee: staff whose scope covers the case (handlers: their department's cases), and the
// reporter.
func (a *Service) canSee(p *access.Principal, rec store.CaseRecord) bool {
	s := rec.State
	switch {
	case p == nil:
		return false
	case p.System:
		return true
	case s.Reporter != "" && s.Reporter == p.User.Username:
		return true
	case p.User.Role == access.Handler:
		return p.User.Department != "" && (p.User.Department == s.Department || slices.Contains(s.CoDepartments, p.User.Department))
	case p.User.Role == access.Resident:
		return false
	}
	return p.Covers(s.RegionPath)
}

// caseView builds what the viewer may see of a case.
func (a *Service) caseView(ctx context.Context, viewer *access.Principal, rec store.CaseRecord) (CaseView, error) {
	return a.caseViewWith(ctx, viewer, rec, knownParts{})
}

// knownParts are a case's timeline and running clocks when the caller holds them already (a
// report just written), so building its view reads neither back.
type knownParts struct {
	set    bool
	events []store.CaseEvent
	clocks []store.Clock
}

func (a *Service) caseViewWith(ctx context.Context, viewer *access.Principal, rec store.CaseRecord, known knownParts) (CaseView, error) {
	s := rec.State
	path, err := a.PathOf(ctx, s.Grid())
	if err != nil {
		return CaseView{}, err
	}
	cat, err := a.Category(ctx, s.Kind, s.Category)
	if err != nil {
		return CaseView{}, err
	}
	events := known.events
	if !known.set {
		if events, err = a.DB.CaseEvents(ctx, rec.ID); err != nil {
			return CaseView{}, err
		}
	}
	if !kernel.IsStaff(viewer) {
		events = publicTimeline(events, viewer) // a resident sees their report's public timeline
	}
	v := CaseView{ID: rec.ID, Ticket: rec.Ticket, Status: s.Status, Source: rec.Source, Category: cat,
		Description: rec.Description, Lon: rec.Lon, Lat: rec.Lat, Address: rec.Address, RegionPath: path,
		Holder: s.Holder, Department: s.Department, CoDepartments: s.CoDepartments, Urgency: s.Urgency,
		Deadlines: map[string]any{}, Counters: s.Counters, ClosureType: string(s.ClosureType), Rating: s.Rating,
		Version: s.Version, Photos: rec.Photos, Timeline: events, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt,
		Allowed: workflow.Allowed(s, viewer)}
	v.Grid = v.RegionPath[len(v.RegionPath)-1]
	if rec.Geometry != nil {
		if v.Geometry, err = grid.EncodeGeometry(rec.Geometry); err != nil {
			return CaseView{}, fmt.Errorf("case %d: %w", rec.ID, err)
		}
	}
	if v.CoDepartments == nil {
		v.CoDepartments = []string{}
	}
	if v.Photos == nil {
		v.Photos = []string{}
	}
	if !s.HandleDue.IsZero() {
		v.Deadlines["handle"] = s.HandleDue
	}
	all := known.clocks
	if !known.set {
		if all, err = a.DB.CaseClocks(ctx, rec.ID); err != nil {
			return CaseView{}, err
		}
	}
	v.Clocks = make([]ClockView, 0, len(all))
	var running []store.Clock
	for _, c := range all {
		v.Clocks = append(v.Clocks, clockView(c, a.Now()))
		if c.Stopped.IsZero() {
			running = append(running, c)
		}
	}
	clocks, partClocks := splitClocks(running)
	v.Parts = partViews(s.Parts, partClocks, a.Now())
	if !kernel.IsStaff(viewer) {
		// The reporter follows the parts' progress, not who in which office reported them or
		// why the lead stood in.
		for i := range v.Parts {
			v.Parts[i].ReportedBy, v.Parts[i].Reason = "", ""
		}
	}
	for _, c := range clocks {
		v.Deadlines[string(c.Stage)] = c.Due
	}
	// The case's light is the one lists filter and count by: the worst of its running clocks.
	if warn, due := lightMoments(clocks); !due.IsZero() {
		v.Light = worktime.LightAt(a.Now(), warn, due)
	}
	// Reporters' contacts go to the centres that may need to call back, never to departments
	// or the public (DESIGN §4).
	if viewer != nil && (viewer.System || slices.Contains([]access.Role{access.Admin, access.Operator, access.Leader, access.Dispatcher}, viewer.User.Role)) {
		v.Reporter = s.Reporter
		if v.Channels, err = a.DB.Channels(ctx, rec.ID); err != nil {
			return CaseView{}, err
		}
		if rec.ContactName != "" || rec.ContactPhone != "" {
			v.Contact = &map[string]string{"name": rec.ContactName, "phone": rec.ContactPhone}
		}
	}
	return v, nil
}
