package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
)

// Campaigns to zero (专项整治): campaigns, their targets and every change of a target's state
// (00055_campaigns). Progress and the burn-down are counted here, in SQL, by the district,
// subdistrict and community columns each target was located to.

const campaignColumns = `id, name, kind, scope, owner, starts_on, due_on, goal, category_kind, category, note, created_by, created_at`

func scanCampaign(s interface{ Scan(...any) error }) (campaign.Campaign, error) {
	var (
		c     campaign.Campaign
		scope string
		at    int64
	)
	if err := s.Scan(&c.ID, &c.Name, &c.Kind, &scope, &c.Owner, &c.StartsOn, &c.DueOn, &c.Goal, &c.CategoryKind, &c.Category, &c.Note, &c.CreatedBy, &at); err != nil {
		return campaign.Campaign{}, err
	}
	c.Scope = strings.Split(scope, ";")
	c.CreatedAt = fromMicros(at)
	return c, nil
}

// InsertCampaign stores a campaign and returns its id.
func (db *DB) InsertCampaign(ctx context.Context, c campaign.Campaign) (int64, error) {
	var id int64
	err := db.writeRow(ctx, `INSERT INTO campaigns (name, kind, scope, owner, starts_on, due_on, goal, category_kind, category, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Name, string(c.Kind), strings.Join(c.Scope, ";"), c.Owner, c.StartsOn, c.DueOn, c.Goal, c.CategoryKind, c.Category, c.Note, c.CreatedBy, micros(c.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add campaign: %w", err)
	}
	return id, nil
}

// Campaign returns one campaign.
func (db *DB) Campaign(ctx context.Context, id int64) (campaign.Campaign, error) {
	c, err := scanCampaign(db.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, id))
	if err != nil {
		return campaign.Campaign{}, notFound(err, "no campaign %d", id)
	}
	return c, nil
}

// Campaigns returns every campaign, newest first.
func (db *DB) Campaigns(ctx context.Context) ([]campaign.Campaign, error) {
	rows, err := db.query(ctx, `SELECT `+campaignColumns+` FROM campaigns ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	out := []campaign.Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// TargetScope narrows targets to a viewer's part: All, or those under any of Regions or in
// any of Grids (neither: none), and in any case under Within when it is set.
type TargetScope struct {
	All     bool
	Regions []string
	Grids   []string
	Within  string
}

// where is the scope's condition on targets aliased t, to follow other conditions.
func (s TargetScope) where() (string, []any) {
	var (
		cond string
		args []any
	)
	if !s.All {
		var ors []string
		for _, r := range s.Regions {
			ors = append(ors, `(';' || t.region_path || ';') LIKE ? ESCAPE '\'`)
			args = append(args, "%;"+likeEscape(r)+";%")
		}
		if len(s.Grids) > 0 {
			ors = append(ors, `t.grid_code IN (?`+strings.Repeat(`, ?`, len(s.Grids)-1)+`)`)
			for _, g := range s.Grids {
				args = append(args, g)
			}
		}
		if len(ors) == 0 {
			ors = []string{`1 = 0`}
		}
		cond = ` AND (` + strings.Join(ors, ` OR `) + `)`
	}
	if s.Within != "" {
		cond += ` AND (';' || t.region_path || ';') LIKE ? ESCAPE '\'`
		args = append(args, "%;"+likeEscape(s.Within)+";%")
	}
	return cond, args
}

// countColumns count targets aliased t by state; the one argument is today's China date, for
// those overdue.
const countColumns = `COUNT(*),
	COALESCE(SUM(CASE WHEN t.state = 'open' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN t.state = 'in_progress' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN t.state = 'done' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN t.state = 'verified' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN t.state = 'exempt' THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN t.state IN ('open', 'in_progress') THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN t.state IN ('open', 'in_progress') AND t.due_on < ? THEN 1 ELSE 0 END), 0)`

func countTargets(c *campaign.Counts) []any {
	return []any{&c.Total, &c.Open, &c.InProgress, &c.Done, &c.Verified, &c.Exempt, &c.Remaining, &c.Overdue}
}

// CampaignCounts counts the targets in a scope of one campaign (or of each, for id 0) by
// state, by campaign id; today is the China date targets are overdue after.
func (db *DB) CampaignCounts(ctx context.Context, id int64, scope TargetScope, today string) (map[int64]campaign.Counts, error) {
	cond, args := scope.where()
	args = append([]any{today}, args...)
	if id != 0 {
		cond += ` AND t.campaign_id = ?`
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT t.campaign_id, `+countColumns+` FROM campaign_targets t WHERE 1 = 1`+cond+` GROUP BY t.campaign_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("count campaigns' targets: %w", err)
	}
	defer rows.Close()
	out := map[int64]campaign.Counts{}
	for rows.Next() {
		var (
			id int64
			c  campaign.Counts
		)
		if err := rows.Scan(append([]any{&id}, countTargets(&c)...)...); err != nil {
			return nil, fmt.Errorf("count campaigns' targets: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}

// ProgressRow is one group of a campaign's progress: a district, subdistrict or community.
type ProgressRow struct {
	Code string `json:"code"`
	Name string `json:"name"`
	campaign.Counts
}

// progressLevels are the columns progress may be grouped by.
var progressLevels = map[string]string{"district": "t.district", "subdistrict": "t.subdistrict", "community": "t.community"}

// CampaignProgress counts a campaign's targets in a scope by state for each region of a level
// (district, subdistrict or community), by code; today is the China date targets are overdue
// after.
func (db *DB) CampaignProgress(ctx context.Context, id int64, level string, scope TargetScope, today string) ([]ProgressRow, error) {
	column, ok := progressLevels[level]
	if !ok {
		return nil, fmt.Errorf("campaign progress by %q: not a level", level)
	}
	cond, args := scope.where()
	q := `SELECT ` + column + `, COALESCE(r.name, ''), ` + countColumns + `
		FROM campaign_targets t LEFT JOIN regions r ON r.code = ` + column + `
		WHERE t.campaign_id = ?` + cond + ` GROUP BY ` + column + `, r.name ORDER BY ` + column
	rows, err := db.query(ctx, q, append([]any{today, id}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("campaign %d progress by %s: %w", id, level, err)
	}
	defer rows.Close()
	out := []ProgressRow{}
	for rows.Next() {
		var r ProgressRow
		if err := rows.Scan(append([]any{&r.Code, &r.Name}, countTargets(&r.Counts)...)...); err != nil {
			return nil, fmt.Errorf("campaign %d progress: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CampaignDeltas sums what the changes of a campaign's targets in a scope did to the remaining
// count, by China day, oldest first: the burn-down's history.
func (db *DB) CampaignDeltas(ctx context.Context, id int64, scope TargetScope) ([]campaign.DayDelta, error) {
	cond, args := scope.where()
	q := `SELECT e.day, SUM(e.delta) FROM campaign_target_events e`
	if cond != "" {
		q += ` JOIN campaign_targets t ON t.id = e.target_id`
	}
	rows, err := db.query(ctx, q+` WHERE e.campaign_id = ?`+cond+` GROUP BY e.day ORDER BY e.day`, append([]any{id}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("campaign %d history: %w", id, err)
	}
	defer rows.Close()
	out := []campaign.DayDelta{}
	for rows.Next() {
		var d campaign.DayDelta
		if err := rows.Scan(&d.Day, &d.Delta); err != nil {
			return nil, fmt.Errorf("campaign %d history: %w", id, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

const targetColumns = `t.id, t.campaign_id, t.target_key, t.name, t.target_type, t.address, t.lon, t.lat, t.input_crs, t.unit, t.grid_code, t.region_path,
	t.state, t.case_id, t.due_on, t.exempt_reason, t.exempt_by, t.exempt_approved_by, t.version, t.created_at, t.updated_at`

func scanTarget(s interface{ Scan(...any) error }, extra ...any) (campaign.Target, error) {
	var (
		t        campaign.Target
		path     string
		caseID   sql.NullInt64
		from, to int64
	)
	dest := append([]any{&t.ID, &t.CampaignID, &t.Key, &t.Name, &t.Type, &t.Address, &t.Lon, &t.Lat, &t.InputCRS, &t.Unit, &t.Grid, &path,
		&t.State, &caseID, &t.DueOn, &t.ExemptReason, &t.ExemptBy, &t.ExemptApprovedBy, &t.Version, &from, &to}, extra...)
	if err := s.Scan(dest...); err != nil {
		return campaign.Target{}, err
	}
	t.RegionPath = strings.Split(path, ";")
	t.CaseID = caseID.Int64
	t.SiteCode, _ = strings.CutPrefix(t.Key, "site:")
	if t.SiteCode == t.Key {
		t.SiteCode = ""
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(from), fromMicros(to)
	return t, nil
}

// InsertTarget lists a target (siteID 0 for an asset) with the history line that counts it in
// the burn-down, and returns its id; a target with the same key on the campaign's list is a
// conflict (duplicate_target).
func (db *DB) InsertTarget(ctx context.Context, t campaign.Target, siteID int64, actor string) (int64, error) {
	if len(t.RegionPath) != 5 {
		return 0, fmt.Errorf("add target %q: region path %v is not city, district, subdistrict, community and grid", t.Name, t.RegionPath)
	}
	site := sql.NullInt64{Int64: siteID, Valid: siteID != 0}
	var id int64
	err := db.writeRow(ctx, `INSERT INTO campaign_targets (campaign_id, target_key, site_id, name, target_type, address, lon, lat, input_crs, unit,
		grid_code, region_path, district, subdistrict, community, state, due_on, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`,
		t.CampaignID, t.Key, site, t.Name, t.Type, t.Address, t.Lon, t.Lat, t.InputCRS, t.Unit,
		t.Grid, strings.Join(t.RegionPath, ";"), t.RegionPath[1], t.RegionPath[2], t.RegionPath[3], string(t.State), t.DueOn,
		micros(t.CreatedAt), micros(t.UpdatedAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, errs.RefuseCoded(errs.Conflict, "duplicate_target", errs.Params{"name": t.Name}, "%s is already on the campaign's list", t.Name)
	} else if err != nil {
		return 0, fmt.Errorf("add target %q: %w", t.Name, err)
	}
	return id, db.appendTargetEvent(ctx, TargetEvent{CampaignID: t.CampaignID, TargetID: id, At: t.CreatedAt, Action: string(campaign.Added),
		To: string(t.State), Delta: campaign.Delta("", t.State), Actor: actor})
}

// TargetKeys returns the keys of a campaign's targets.
func (db *DB) TargetKeys(ctx context.Context, campaignID int64) (map[string]bool, error) {
	rows, err := db.query(ctx, `SELECT target_key FROM campaign_targets WHERE campaign_id = ?`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign %d keys: %w", campaignID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("campaign %d keys: %w", campaignID, err)
		}
		out[k] = true
	}
	return out, rows.Err()
}

// Target returns one target.
func (db *DB) Target(ctx context.Context, id int64) (campaign.Target, error) {
	t, err := scanTarget(db.queryRow(ctx, `SELECT `+targetColumns+` FROM campaign_targets t WHERE t.id = ?`, id))
	if err != nil {
		return campaign.Target{}, notFound(err, "no target %d", id)
	}
	return t, nil
}

// LockTarget returns a target for the transaction in ctx to change; on PostgreSQL it holds the
// row until the transaction ends, so actions on one target take turns (SQLite's single writer
// already does).
func (db *DB) LockTarget(ctx context.Context, id int64) (campaign.Target, error) {
	return db.lockTarget(ctx, `t.id = ?`, id)
}

// LockTargetOfCase is LockTarget for the target a rectification case works on (not found when
// none does).
func (db *DB) LockTargetOfCase(ctx context.Context, caseID int64) (campaign.Target, error) {
	return db.lockTarget(ctx, `t.case_id = ?`, caseID)
}

func (db *DB) lockTarget(ctx context.Context, cond string, arg int64) (campaign.Target, error) {
	q := `SELECT ` + targetColumns + ` FROM campaign_targets t WHERE ` + cond
	if db.engine == Postgres {
		q += ` FOR UPDATE`
	}
	t, err := scanTarget(db.writeRow(ctx, q, arg))
	if err != nil {
		return campaign.Target{}, notFound(err, "no target")
	}
	return t, nil
}

// MoveTarget writes a move's target, if the stored version is still the one the move started
// from, and its history line: of two people acting on what they both saw, one succeeds and the
// other gets a conflict (target_version_conflict).
func (db *DB) MoveTarget(ctx context.Context, m campaign.Move, actor string, now time.Time) error {
	t := m.Target
	caseID := sql.NullInt64{Int64: t.CaseID, Valid: t.CaseID != 0}
	res, err := db.exec(ctx, `UPDATE campaign_targets SET state = ?, case_id = ?, exempt_reason = ?, exempt_by = ?, exempt_approved_by = ?,
		version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		string(t.State), caseID, t.ExemptReason, t.ExemptBy, t.ExemptApprovedBy, t.Version, micros(now), t.ID, t.Version-1)
	if err != nil {
		return fmt.Errorf("move target %d: %w", t.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("move target %d: %w", t.ID, err)
	} else if n == 0 {
		return errs.RefuseCoded(errs.Conflict, "target_version_conflict", errs.Params{"version": t.Version - 1},
			"target %d changed meanwhile; reload it and try again", t.ID)
	}
	return db.appendTargetEvent(ctx, TargetEvent{CampaignID: t.CampaignID, TargetID: t.ID, At: now, Action: string(m.Action),
		From: string(m.From), To: string(m.To), Delta: m.Delta, Actor: actor, Note: m.Note, CaseID: t.CaseID})
}

// TargetEvent is one change of a target's state: its history line and its count in the
// burn-down.
type TargetEvent struct {
	ID         int64     `json:"id"`
	CampaignID int64     `json:"-"`
	TargetID   int64     `json:"target_id"`
	At         time.Time `json:"at"`
	Day        string    `json:"day"`
	Action     string    `json:"action"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Delta      int       `json:"delta"`
	Actor      string    `json:"actor"`
	Note       string    `json:"note"`
	CaseID     int64     `json:"case_id,omitempty"`
}

// appendTargetEvent records a change of a target's state, on the China day of its time.
func (db *DB) appendTargetEvent(ctx context.Context, e TargetEvent) error {
	e.Day = campaign.Day(e.At)
	caseID := sql.NullInt64{Int64: e.CaseID, Valid: e.CaseID != 0}
	_, err := db.exec(ctx, `INSERT INTO campaign_target_events (campaign_id, target_id, at, day, action, from_state, to_state, delta, actor, note, case_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.CampaignID, e.TargetID, micros(e.At), e.Day, e.Action, e.From, e.To, e.Delta, e.Actor, e.Note, caseID)
	if err != nil {
		return fmt.Errorf("record target %d's change: %w", e.TargetID, err)
	}
	return nil
}

// TargetEvents returns a target's history, oldest first.
func (db *DB) TargetEvents(ctx context.Context, targetID int64) ([]TargetEvent, error) {
	rows, err := db.query(ctx, `SELECT id, campaign_id, target_id, at, day, action, from_state, to_state, delta, actor, note, case_id
		FROM campaign_target_events WHERE target_id = ? ORDER BY id`, targetID)
	if err != nil {
		return nil, fmt.Errorf("target %d history: %w", targetID, err)
	}
	defer rows.Close()
	out := []TargetEvent{}
	for rows.Next() {
		var (
			e      TargetEvent
			at     int64
			caseID sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &e.CampaignID, &e.TargetID, &at, &e.Day, &e.Action, &e.From, &e.To, &e.Delta, &e.Actor, &e.Note, &caseID); err != nil {
			return nil, fmt.Errorf("target %d history: %w", targetID, err)
		}
		e.At, e.CaseID = fromMicros(at), caseID.Int64
		out = append(out, e)
	}
	return out, rows.Err()
}

// CampaignTarget is a target as lists show it, with its case's ticket and status.
type CampaignTarget struct {
	campaign.Target
	Ticket     string `json:"ticket,omitempty"`
	CaseStatus string `json:"case_status,omitempty"`
}

// TargetFilter selects a campaign's targets: in a scope, in a state, after an id, at most
// Limit of them.
type TargetFilter struct {
	CampaignID int64
	Scope      TargetScope
	State      campaign.State
	AfterID    int64
	Limit      int
}

// CampaignTargets returns the targets the filter selects, by id.
func (db *DB) CampaignTargets(ctx context.Context, f TargetFilter) ([]CampaignTarget, error) {
	cond, args := f.Scope.where()
	q := `SELECT ` + targetColumns + `, COALESCE(c.ticket, ''), COALESCE(c.status, '') FROM campaign_targets t LEFT JOIN cases c ON c.id = t.case_id
		WHERE t.campaign_id = ? AND t.id > ?` + cond
	args = append([]any{f.CampaignID, f.AfterID}, args...)
	if f.State != "" {
		q += ` AND t.state = ?`
		args = append(args, string(f.State))
	}
	q += ` ORDER BY t.id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list campaign %d's targets: %w", f.CampaignID, err)
	}
	defer rows.Close()
	out := []CampaignTarget{}
	for rows.Next() {
		var ct CampaignTarget
		if ct.Target, err = scanTarget(rows, &ct.Ticket, &ct.CaseStatus); err != nil {
			return nil, fmt.Errorf("list campaign %d's targets: %w", f.CampaignID, err)
		}
		out = append(out, ct)
	}
	return out, rows.Err()
}
