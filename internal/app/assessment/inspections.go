package assessment

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// InspectionView is an inspection as the scoring form shows it: the site, the checklist
// version it is scored against, the marks so far, and what its failures became.
type InspectionView struct {
	store.Inspection
	Round     store.Round            `json:"round"`
	Checklist store.ChecklistVersion `json:"checklist"`
	Marks     map[string]store.Mark  `json:"marks"`
	Findings  []store.Finding        `json:"findings"`
	Running   *assess.SiteScore      `json:"running_score"` // what the marks add up to so far
	Missing   []string               `json:"missing"`
	Mine      bool                   `json:"mine"` // the actor is its inspector
	extra     map[string]assess.Mark // marks by item, for scoring
	items     map[string]assess.Item // the checklist's items by code
}

// Inspection returns an inspection to its inspector and to organizers whose scope covers the
// site; to anyone else it is not there.
func (a *Service) Inspection(ctx context.Context, actor *access.Principal, id int64) (InspectionView, error) {
	if err := mayAssess(actor); err != nil {
		return InspectionView{}, err
	}
	return a.inspectionView(ctx, actor, id, false)
}

func (a *Service) inspectionView(ctx context.Context, actor *access.Principal, id int64, lock bool) (InspectionView, error) {
	var (
		x   store.Inspection
		err error
	)
	if lock {
		x, err = a.DB.LockInspection(ctx, id)
	} else {
		x, err = a.DB.Inspection(ctx, id)
	}
	if errs.Is(err, errs.NotFound) {
		return InspectionView{}, errs.Refuse(errs.NotFound, "inspection_not_found", nil, "no inspection %d", id)
	} else if err != nil {
		return InspectionView{}, err
	}
	mine := !actor.System && x.Inspector == actor.User.Username
	if !mine && !actor.Covers(x.Site.RegionPath) {
		return InspectionView{}, errs.Refuse(errs.NotFound, "inspection_not_found", nil, "no inspection %d", id)
	}
	v := InspectionView{Inspection: x, Mine: mine, Marks: map[string]store.Mark{}, extra: map[string]assess.Mark{}, items: map[string]assess.Item{}}
	if v.Round, err = a.DB.Round(ctx, x.RoundID); err != nil {
		return InspectionView{}, err
	}
	if v.Checklist, err = a.DB.Checklist(ctx, x.ChecklistID); err != nil {
		return InspectionView{}, err
	}
	for _, it := range v.Checklist.Items {
		v.items[it.Code] = it
	}
	marks, err := a.DB.Marks(ctx, id, 0)
	if err != nil {
		return InspectionView{}, err
	}
	for _, m := range marks {
		v.Marks[m.ItemCode] = m
		v.extra[m.ItemCode] = m.Mark
	}
	if v.Findings, err = a.DB.Findings(ctx, store.FindingsWhere{InspectionID: id}); err != nil {
		return InspectionView{}, err
	}
	s := assess.ScoreSite(v.Checklist.Checklist, v.extra)
	v.Running, v.Missing = &s, assess.Missing(v.Checklist.Checklist, v.extra)
	if v.Missing == nil {
		v.Missing = []string{}
	}
	return v, nil
}

// mayScore refuses anyone but the inspection's inspector, and an inspection already submitted.
func mayScore(actor *access.Principal, v InspectionView) error {
	if !v.Mine {
		return errs.Refuse(errs.Forbidden, "not_your_inspection", errs.Params{"inspection": v.ID, "site": v.Site.Code},
			"inspection %d (site %s) is assigned to another inspector", v.ID, v.Site.Code)
	}
	if v.Status != store.InspectionOpen {
		return errs.RefuseCoded(errs.Conflict, "already_submitted", errs.Params{"inspection": v.ID}, "inspection %d is already submitted", v.ID)
	}
	return nil
}

// MarkInput is the inspector's mark of one item as the phone sends it.
type MarkInput struct {
	assess.Mark
	Note   string   `json:"note"`
	Photos []string `json:"photos"`
	Lon    *float64 `json:"lon"`
	Lat    *float64 `json:"lat"`
	CRS    string   `json:"crs"`
	// At is when the inspector scored it (the phone's clock, kept while offline); default now.
	At *time.Time `json:"at"`
}

// Limits of a mark.
const (
	maxNote   = 2000
	maxPhotos = 20
	// clockSkew is how far ahead of the server a phone's clock may run.
	clockSkew = 10 * time.Minute
)

// MarkItem records (or replaces) the mark of one item of an open inspection by its inspector.
func (a *Service) MarkItem(ctx context.Context, actor *access.Principal, id int64, code string, in MarkInput) (InspectionView, error) {
	if err := mayAssess(actor); err != nil {
		return InspectionView{}, err
	}
	var out InspectionView
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		v, err := a.inspectionView(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if err := mayScore(actor, v); err != nil {
			return err
		}
		it, ok := v.items[code]
		if !ok {
			return errs.RefuseCoded(errs.Invalid, "unknown_item", errs.Params{"item": code, "checklist": v.Checklist.ID, "version": v.Checklist.Version},
				"item %q is not in version %d of the %s checklist", code, v.Checklist.Version, v.Checklist.SiteType)
		}
		m, err := a.checkMark(ctx, actor, v, it, in)
		if err != nil {
			return err
		}
		if err := a.DB.PutMark(ctx, m); err != nil {
			return err
		}
		if err := a.Record(ctx, actor, "assessment.mark", fmt.Sprintf("inspection:%d", id), nil,
			map[string]any{"item": code, "result": m.Result, "points": m.Points, "findings": m.Findings, "photos": len(m.Photos)}); err != nil {
			return err
		}
		out, err = a.inspectionView(ctx, actor, id, false)
		return err
	})
	return out, err
}

// checkMark checks a mark against its item, the round's dates and the photos, and returns it
// as stored.
func (a *Service) checkMark(ctx context.Context, actor *access.Principal, v InspectionView, it assess.Item, in MarkInput) (store.Mark, error) {
	if err := it.Check(in.Mark); err != nil {
		return store.Mark{}, err
	}
	if err := checkNote(in.Note); err != nil {
		return store.Mark{}, err
	}
	if len(in.Photos) > maxPhotos {
		return store.Mark{}, errs.Refuse(errs.Invalid, "too_many_photos", errs.Params{"max": maxPhotos}, "photos: at most %d per item", maxPhotos)
	}
	for _, p := range in.Photos {
		if _, err := a.DB.Attachment(ctx, p); errs.Is(err, errs.NotFound) {
			return store.Mark{}, errs.Refuse(errs.Invalid, "photo_unknown", errs.Params{"photo": p}, "photo %q is not an uploaded attachment: upload it first", p)
		} else if err != nil {
			return store.Mark{}, err
		}
	}
	if in.Failed() && it.Evidence == assess.Photo && len(in.Photos) == 0 {
		return store.Mark{}, errs.RefuseCoded(errs.Invalid, "photo_required", errs.Params{"item": it.Code},
			"item %s fails: its evidence is a photo, and a failure becomes a case that needs one", it.Code)
	}
	now := a.Now()
	at := now
	if in.At != nil {
		at = in.At.UTC()
		if at.After(now.Add(clockSkew)) {
			return store.Mark{}, errs.RefuseCoded(errs.Invalid, "future_time", errs.Params{"field": "at"}, "at %s is in the future", at.Format(time.RFC3339))
		}
	}
	if day := at.In(worktime.China).Format(dateLayout); day < v.Round.StartsOn || day > v.Round.DueOn {
		return store.Mark{}, errs.RefuseCoded(errs.Conflict, "outside_round_dates", errs.Params{"starts_on": v.Round.StartsOn, "due_on": v.Round.DueOn, "day": day},
			"the round runs from %s to %s; a mark on %s is outside it", v.Round.StartsOn, v.Round.DueOn, day)
	}
	m := store.Mark{InspectionID: v.ID, ItemCode: it.Code, Mark: in.Mark, Note: strings.TrimSpace(in.Note), Photos: in.Photos, At: at, By: actor.Name()}
	if m.Photos == nil {
		m.Photos = []string{}
	}
	if (in.Lon == nil) != (in.Lat == nil) {
		return store.Mark{}, errs.RefuseCoded(errs.Invalid, "half_position", nil, "give lon and lat together, or neither")
	}
	if in.Lon != nil {
		if math.IsNaN(*in.Lon) || math.IsNaN(*in.Lat) {
			return store.Mark{}, errs.E(errs.Invalid, "lon and lat must be numbers")
		}
		if err := crs.ValidLonLat(*in.Lon, *in.Lat); err != nil {
			return store.Mark{}, errs.E(errs.Invalid, "%v", err)
		}
		system, err := crs.Parse(in.CRS)
		if err != nil {
			return store.Mark{}, errs.E(errs.Invalid, "%v", err)
		}
		lon, lat := crs.Convert(system, crs.WGS84, *in.Lon, *in.Lat)
		m.Lon, m.Lat = &lon, &lat
	}
	return m, nil
}

func checkNote(note string) error {
	if n := utf8.RuneCountInString(note); n > maxNote {
		return errs.Refuse(errs.Invalid, "too_long", errs.Params{"field": "note", "max": maxNote}, "note has %d characters; at most %d", n, maxNote)
	}
	if strings.ContainsRune(note, 0) || !utf8.ValidString(note) {
		return errs.Refuse(errs.BadRequest, "bad_text", errs.Params{"field": "note"}, "note holds bytes that are not text")
	}
	return nil
}

// Submit closes a complete inspection with its score and turns each failed item into one
// rectification case (source inspection) through the case loop, with a notice to the site's
// responsible unit, all in one transaction: of two submits, one wins and the other changes
// nothing.
func (a *Service) Submit(ctx context.Context, actor *access.Principal, id int64) (InspectionView, error) {
	if err := mayAssess(actor); err != nil {
		return InspectionView{}, err
	}
	var out InspectionView
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		v, err := a.inspectionView(ctx, actor, id, true)
		if err != nil {
			return err
		}
		if err := mayScore(actor, v); err != nil {
			return err
		}
		if len(v.Missing) > 0 {
			return errs.RefuseCoded(errs.Invalid, "incomplete", errs.Params{"items": v.Missing, "missing": len(v.Missing)},
				"%d items are not scored yet: %s", len(v.Missing), strings.Join(v.Missing, ", "))
		}
		score := assess.ScoreSite(v.Checklist.Checklist, v.extra)
		if err := a.DB.SubmitInspection(ctx, id, score, a.Now()); err != nil {
			return err
		}
		var tickets []string
		for _, it := range v.Checklist.Items {
			m := v.Marks[it.Code]
			if !m.Failed() {
				continue
			}
			ticket, err := a.fileFinding(ctx, actor, v, it, m)
			if err != nil {
				return errs.Prefix(err, errs.Params{"item": it.Code}, "item %s: ", it.Code)
			}
			tickets = append(tickets, ticket)
		}
		if err := a.Record(ctx, actor, "assessment.submit", fmt.Sprintf("inspection:%d", id), nil,
			map[string]any{"site": v.Site.Code, "score": score.Got, "max": score.Max, "percent": score.Percent, "cases": tickets}); err != nil {
			return err
		}
		out, err = a.inspectionView(ctx, actor, id, false)
		return err
	})
	return out, err
}

// fileFinding reports a failed item as a case through the case loop and records it, with the
// notice (抄告单) to the site's responsible unit.
func (a *Service) fileFinding(ctx context.Context, actor *access.Principal, v InspectionView, it assess.Item, m store.Mark) (string, error) {
	desc := fmt.Sprintf("【测评】%s · %s（%s）：%s", v.Round.Name, v.Site.Name, it.Code, it.What)
	if m.Note != "" {
		desc += "。" + m.Note
	}
	lon, lat := v.Site.Lon, v.Site.Lat
	address := kernelFirst(v.Site.Address, v.Site.Name)
	in, err := a.cases.Report(ctx, actor, cases.NewCase{CategoryKind: workflow.CategoryKind(it.CategoryKind), Category: it.Category,
		Description: cases.TimelineCopy(desc), Lon: &lon, Lat: &lat, CRS: "wgs84", Address: address, Source: "inspection", Photos: m.Photos})
	if err != nil {
		return "", err
	}
	err = a.DB.AddFinding(ctx, store.Finding{InspectionID: v.ID, ItemCode: it.Code, CaseID: in.ID, Reinspector: v.Inspector, CreatedAt: a.Now()})
	if err != nil {
		return "", err
	}
	if v.Site.Department == "" {
		return in.Ticket, nil
	}
	unit, err := a.DB.Recipients(ctx, nil, nil, []string{v.Site.Department}, nil)
	if err != nil {
		return "", err
	}
	params := map[string]any{"site": v.Site.Name, "item": it.Code, "what": it.What, "round": v.Round.Name, "department": v.Site.Department}
	payload, _ := json.Marshal(map[string]any{"case_id": in.ID, "ticket": in.Ticket, "status": in.Status, "actor": actor.Name(),
		"event": "inspection notice", "event_code": "inspection_notice", "event_params": params})
	msg := fmt.Sprintf("%s: inspection notice (抄告单) to %s: site %s failed item %s", in.Ticket, v.Site.Department, v.Site.Name, it.Code)
	return in.Ticket, notices.New(a.Core).AnnounceTo(ctx, "case.inspection_notice", payload, unit, msg)
}

func kernelFirst(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// Task is one site on an inspector's list: an open inspection, or a case to re-inspect.
type Task struct {
	Kind       string            `json:"kind"` // inspect, reinspect
	Inspection *store.Inspection `json:"inspection,omitempty"`
	Finding    *store.Finding    `json:"finding,omitempty"`
	Round      string            `json:"round"`
	DueOn      string            `json:"due_on,omitempty"`
	Site       store.Site        `json:"site"`
	DistanceM  *float64          `json:"distance_m"` // from where the inspector stands, when known
}

// Tasks lists an inspector's work for today: the open inspections of rounds running today and
// the cases of their failures waiting for re-inspection, nearest first when the inspector's
// position is known (lon, lat in WGS-84), else by round and id.
func (a *Service) Tasks(ctx context.Context, actor *access.Principal, lon, lat *float64) ([]Task, error) {
	if err := mayAssess(actor); err != nil {
		return nil, err
	}
	if actor.System {
		return []Task{}, nil
	}
	today := a.Now().In(worktime.China).Format(dateLayout)
	ins, err := a.DB.InspectorInspections(ctx, actor.User.Username)
	if err != nil {
		return nil, err
	}
	rounds := map[int64]store.Round{}
	out := []Task{}
	for i := range ins {
		x := &ins[i]
		r, ok := rounds[x.RoundID]
		if !ok {
			if r, err = a.DB.Round(ctx, x.RoundID); err != nil {
				return nil, err
			}
			rounds[x.RoundID] = r
		}
		if today < r.StartsOn || today > r.DueOn {
			continue
		}
		out = append(out, Task{Kind: "inspect", Inspection: x, Round: r.Name, DueOn: r.DueOn, Site: x.Site})
	}
	fs, err := a.DB.Findings(ctx, store.FindingsWhere{Reinspector: actor.User.Username, CaseStatus: string(workflow.Handled)})
	if err != nil {
		return nil, err
	}
	for i := range fs {
		f := &fs[i]
		out = append(out, Task{Kind: "reinspect", Finding: f, Site: *f.Site})
	}
	if lon != nil && lat != nil {
		for i := range out {
			d := distanceM(*lon, *lat, out[i].Site.Lon, out[i].Site.Lat)
			out[i].DistanceM = &d
		}
		slices.SortStableFunc(out, func(x, y Task) int { return cmp.Compare(*x.DistanceM, *y.DistanceM) })
	}
	return out, nil
}

// distanceM is the great-circle distance in metres.
func distanceM(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return math.Round(2 * r * math.Asin(math.Sqrt(h)))
}

// Reinspection is an inspector's re-inspection (复查) of a case a failed item became.
type Reinspection struct {
	Pass   *bool    `json:"pass"`
	Note   string   `json:"note"`
	Photos []string `json:"photos"`
}

// Reinspect verifies the case a failed item became, through the case loop's verify: a pass
// closes the case, a failure sends it back for rework (返工). The finding counts it.
func (a *Service) Reinspect(ctx context.Context, actor *access.Principal, caseID int64, in Reinspection) (store.Finding, error) {
	if err := mayAssess(actor); err != nil {
		return store.Finding{}, err
	}
	var out store.Finding
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		fs, err := a.DB.Findings(ctx, store.FindingsWhere{CaseID: caseID})
		if err != nil {
			return err
		}
		if len(fs) == 0 || (!actor.Covers(fs[0].Site.RegionPath) && fs[0].Reinspector != actor.User.Username) {
			return errs.Refuse(errs.NotFound, "finding_not_found", nil, "no inspection found case %d", caseID)
		}
		if _, err := a.cases.Act(ctx, actor, caseID, string(workflow.Verify), nil, workflow.Input{Pass: in.Pass, Note: in.Note, Photos: in.Photos}); err != nil {
			return err
		}
		if err := a.DB.RecordReinspection(ctx, caseID, *in.Pass, a.Now()); err != nil {
			return err
		}
		if err := a.Record(ctx, actor, "assessment.reinspect", fmt.Sprintf("case:%d", caseID), nil, map[string]any{"pass": *in.Pass, "item": fs[0].ItemCode}); err != nil {
			return err
		}
		fs, err = a.DB.Findings(ctx, store.FindingsWhere{CaseID: caseID})
		if err != nil {
			return err
		}
		out = fs[0]
		return nil
	})
	return out, err
}
