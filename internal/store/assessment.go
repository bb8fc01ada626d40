package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/errs"
)

// The assessment of evaluation sites (测评点位): standards, checklists in versions, sites,
// rounds, inspections, marks and the findings that became cases (00042_assessment).

// PutStandard records a standard or renames it.
func (db *DB) PutStandard(ctx context.Context, s assess.Standard) error {
	_, err := db.exec(ctx, `INSERT INTO assess_standards (code, name, edition, year) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, edition = excluded.edition, year = excluded.year`,
		s.Code, s.Name, s.Edition, s.Year)
	if err != nil {
		return fmt.Errorf("put standard %s: %w", s.Code, err)
	}
	return nil
}

// Standard returns one standard.
func (db *DB) Standard(ctx context.Context, code string) (assess.Standard, error) {
	var s assess.Standard
	err := db.queryRow(ctx, `SELECT code, name, edition, year FROM assess_standards WHERE code = ?`, code).Scan(&s.Code, &s.Name, &s.Edition, &s.Year)
	if err != nil {
		return assess.Standard{}, notFound(err, "no standard %q", code)
	}
	return s, nil
}

// Standards lists the standards by code.
func (db *DB) Standards(ctx context.Context) ([]assess.Standard, error) {
	rows, err := db.query(ctx, `SELECT code, name, edition, year FROM assess_standards ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list standards: %w", err)
	}
	defer rows.Close()
	out := []assess.Standard{}
	for rows.Next() {
		var s assess.Standard
		if err := rows.Scan(&s.Code, &s.Name, &s.Edition, &s.Year); err != nil {
			return nil, fmt.Errorf("list standards: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SiteType is a kind of evaluation site (农贸市场, 背街小巷 …).
type SiteType struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// PutSiteType records a site type or renames it; an empty name keeps the stored one.
func (db *DB) PutSiteType(ctx context.Context, t SiteType) error {
	_, err := db.exec(ctx, `INSERT INTO assess_site_types (code, name) VALUES (?, ?)
		ON CONFLICT (code) DO UPDATE SET name = CASE WHEN excluded.name = '' THEN assess_site_types.name ELSE excluded.name END`, t.Code, t.Name)
	if err != nil {
		return fmt.Errorf("put site type %s: %w", t.Code, err)
	}
	return nil
}

// SiteTypes lists the site types by code.
func (db *DB) SiteTypes(ctx context.Context) ([]SiteType, error) {
	rows, err := db.query(ctx, `SELECT code, name FROM assess_site_types ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list site types: %w", err)
	}
	defer rows.Close()
	out := []SiteType{}
	for rows.Next() {
		var t SiteType
		if err := rows.Scan(&t.Code, &t.Name); err != nil {
			return nil, fmt.Errorf("list site types: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ChecklistVersion is one version of the checklist of a site type under a standard.
type ChecklistVersion struct {
	ID        int64     `json:"id"`
	Version   int       `json:"version"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	assess.Checklist
}

const checklistColumns = `c.id, c.standard, c.site_type, t.name, c.version, c.items, c.created_by, c.created_at`

func scanChecklist(s interface{ Scan(...any) error }) (ChecklistVersion, error) {
	var (
		c     ChecklistVersion
		items string
		at    int64
	)
	if err := s.Scan(&c.ID, &c.Standard, &c.SiteType, &c.SiteTypeName, &c.Version, &items, &c.CreatedBy, &at); err != nil {
		return ChecklistVersion{}, err
	}
	if err := json.Unmarshal([]byte(items), &c.Items); err != nil {
		return ChecklistVersion{}, fmt.Errorf("checklist %d: %w", c.ID, err)
	}
	c.CreatedAt = fromMicros(at)
	return c, nil
}

// AddChecklistVersion stores the next version of a checklist and returns it.
func (db *DB) AddChecklistVersion(ctx context.Context, c assess.Checklist, by string, at time.Time) (ChecklistVersion, error) {
	items, err := json.Marshal(c.Items)
	if err != nil {
		return ChecklistVersion{}, err
	}
	v := ChecklistVersion{Checklist: c, CreatedBy: by, CreatedAt: at}
	err = db.queryRowWrite(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM assess_checklists WHERE standard = ? AND site_type = ?`, c.Standard, c.SiteType).Scan(&v.Version)
	if err != nil {
		return ChecklistVersion{}, fmt.Errorf("next version of checklist %s/%s: %w", c.Standard, c.SiteType, err)
	}
	err = db.writeRow(ctx, `INSERT INTO assess_checklists (standard, site_type, version, items, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Standard, c.SiteType, v.Version, string(items), by, micros(at)).Scan(&v.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return ChecklistVersion{}, errs.Coded(errs.Conflict, "checklist_changed", "checklist %s/%s changed meanwhile; import again", c.Standard, c.SiteType)
		}
		return ChecklistVersion{}, fmt.Errorf("add checklist %s/%s: %w", c.Standard, c.SiteType, err)
	}
	return v, nil
}

// queryRowWrite reads one row on the writer (inside the transaction when there is one).
func (db *DB) queryRowWrite(ctx context.Context, query string, args ...any) *sql.Row {
	return db.row(ctx, db.writer(ctx), query, args...)
}

// Checklist returns one version of a checklist by id.
func (db *DB) Checklist(ctx context.Context, id int64) (ChecklistVersion, error) {
	c, err := scanChecklist(db.queryRow(ctx, `SELECT `+checklistColumns+` FROM assess_checklists c JOIN assess_site_types t ON t.code = c.site_type WHERE c.id = ?`, id))
	if err != nil {
		return ChecklistVersion{}, notFound(err, "no checklist %d", id)
	}
	return c, nil
}

// CurrentChecklists returns the newest version of each checklist of a standard ("" for every
// standard), by site type.
func (db *DB) CurrentChecklists(ctx context.Context, standard string) ([]ChecklistVersion, error) {
	rows, err := db.query(ctx, `SELECT `+checklistColumns+` FROM assess_checklists c JOIN assess_site_types t ON t.code = c.site_type
		WHERE (? = '' OR c.standard = ?) AND c.version = (SELECT MAX(version) FROM assess_checklists m WHERE m.standard = c.standard AND m.site_type = c.site_type)
		ORDER BY c.standard, c.site_type`, standard, standard)
	if err != nil {
		return nil, fmt.Errorf("list checklists: %w", err)
	}
	defer rows.Close()
	out := []ChecklistVersion{}
	for rows.Next() {
		c, err := scanChecklist(rows)
		if err != nil {
			return nil, fmt.Errorf("list checklists: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Site is an evaluation site as stored: located to its grid.
type Site struct {
	ID          int64     `json:"id"`
	Code        string    `json:"code"`
	SiteType    string    `json:"site_type"`
	Name        string    `json:"name"`
	Address     string    `json:"address"`
	Lon         float64   `json:"lon"`
	Lat         float64   `json:"lat"`
	InputCRS    string    `json:"-"`
	Grid        string    `json:"grid"`
	RegionPath  []string  `json:"region_path"`
	District    string    `json:"district"`
	Subdistrict string    `json:"subdistrict"`
	Department  string    `json:"department"`
	Contact     string    `json:"contact"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

const siteColumns = `id, code, site_type, name, address, lon, lat, input_crs, grid_code, region_path, district, subdistrict, department, contact, created_at, updated_at`

func scanSite(s interface{ Scan(...any) error }) (Site, error) {
	var (
		x        Site
		path     string
		from, to int64
	)
	if err := s.Scan(&x.ID, &x.Code, &x.SiteType, &x.Name, &x.Address, &x.Lon, &x.Lat, &x.InputCRS, &x.Grid, &path,
		&x.District, &x.Subdistrict, &x.Department, &x.Contact, &from, &to); err != nil {
		return Site{}, err
	}
	x.RegionPath = strings.Split(path, ";")
	x.CreatedAt, x.UpdatedAt = fromMicros(from), fromMicros(to)
	return x, nil
}

// PutSite records a site by its code, or updates the site with that code; it returns the site's
// id and whether it is new.
func (db *DB) PutSite(ctx context.Context, s Site) (int64, bool, error) {
	var id int64
	err := db.writeRow(ctx, `SELECT id FROM assess_sites WHERE code = ?`, s.Code).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = db.writeRow(ctx, `INSERT INTO assess_sites (code, site_type, name, address, lon, lat, input_crs, grid_code, region_path, district, subdistrict, department, contact, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			s.Code, s.SiteType, s.Name, s.Address, s.Lon, s.Lat, s.InputCRS, s.Grid, strings.Join(s.RegionPath, ";"), s.District, s.Subdistrict,
			s.Department, s.Contact, micros(s.CreatedAt), micros(s.UpdatedAt)).Scan(&id)
		if err != nil {
			return 0, false, fmt.Errorf("add site %s: %w", s.Code, err)
		}
		return id, true, nil
	case err != nil:
		return 0, false, fmt.Errorf("find site %s: %w", s.Code, err)
	}
	_, err = db.exec(ctx, `UPDATE assess_sites SET site_type = ?, name = ?, address = ?, lon = ?, lat = ?, input_crs = ?, grid_code = ?, region_path = ?,
		district = ?, subdistrict = ?, department = ?, contact = ?, updated_at = ? WHERE id = ?`,
		s.SiteType, s.Name, s.Address, s.Lon, s.Lat, s.InputCRS, s.Grid, strings.Join(s.RegionPath, ";"), s.District, s.Subdistrict,
		s.Department, s.Contact, micros(s.UpdatedAt), id)
	if err != nil {
		return 0, false, fmt.Errorf("update site %s: %w", s.Code, err)
	}
	return id, false, nil
}

// SiteByCode returns the site with a code.
func (db *DB) SiteByCode(ctx context.Context, code string) (Site, error) {
	s, err := scanSite(db.queryRow(ctx, `SELECT `+siteColumns+` FROM assess_sites WHERE code = ?`, code))
	if err != nil {
		return Site{}, notFound(err, "no site %q", code)
	}
	return s, nil
}

// SiteFilter selects sites: of a type, within a region (any level), after an id, at most
// Limit of them (0: all).
type SiteFilter struct {
	SiteType string
	Region   string
	AfterID  int64
	Limit    int
}

// Sites returns the sites the filter selects, by id.
func (db *DB) Sites(ctx context.Context, f SiteFilter) ([]Site, error) {
	q := `SELECT ` + siteColumns + ` FROM assess_sites WHERE id > ?`
	args := []any{f.AfterID}
	if f.SiteType != "" {
		q += ` AND site_type = ?`
		args = append(args, f.SiteType)
	}
	if f.Region != "" {
		// The path is ';'-separated codes, and no code holds ';'.
		q += ` AND (';' || region_path || ';') LIKE ?`
		args = append(args, "%;"+f.Region+";%")
	}
	q += ` ORDER BY id`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	out := []Site{}
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("list sites: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Round is an assessment round.
type Round struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Standard  string          `json:"standard"`
	Region    string          `json:"region"`
	StartsOn  string          `json:"starts_on"`
	DueOn     string          `json:"due_on"`
	Sample    json.RawMessage `json:"sample,omitempty"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
}

const roundColumns = `id, name, standard, region, starts_on, due_on, sample, created_by, created_at`

func scanRound(s interface{ Scan(...any) error }) (Round, error) {
	var (
		r      Round
		sample string
		at     int64
	)
	if err := s.Scan(&r.ID, &r.Name, &r.Standard, &r.Region, &r.StartsOn, &r.DueOn, &sample, &r.CreatedBy, &at); err != nil {
		return Round{}, err
	}
	if sample != "" {
		r.Sample = json.RawMessage(sample)
	}
	r.CreatedAt = fromMicros(at)
	return r, nil
}

// InsertRound stores a round and returns its id.
func (db *DB) InsertRound(ctx context.Context, r Round) (int64, error) {
	var id int64
	err := db.writeRow(ctx, `INSERT INTO assess_rounds (name, standard, region, starts_on, due_on, sample, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Name, r.Standard, r.Region, r.StartsOn, r.DueOn, string(r.Sample), r.CreatedBy, micros(r.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add round: %w", err)
	}
	return id, nil
}

// Round returns one round.
func (db *DB) Round(ctx context.Context, id int64) (Round, error) {
	r, err := scanRound(db.queryRow(ctx, `SELECT `+roundColumns+` FROM assess_rounds WHERE id = ?`, id))
	if err != nil {
		return Round{}, notFound(err, "no round %d", id)
	}
	return r, nil
}

// Rounds returns the newest rounds first, at most limit.
func (db *DB) Rounds(ctx context.Context, limit int) ([]Round, error) {
	rows, err := db.query(ctx, `SELECT `+roundColumns+` FROM assess_rounds ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list rounds: %w", err)
	}
	defer rows.Close()
	out := []Round{}
	for rows.Next() {
		r, err := scanRound(rows)
		if err != nil {
			return nil, fmt.Errorf("list rounds: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Inspection is the scoring of one site in one round, with its site.
type Inspection struct {
	ID          int64      `json:"id"`
	RoundID     int64      `json:"round_id"`
	ChecklistID int64      `json:"checklist_id"`
	Inspector   string     `json:"inspector"`
	Status      string     `json:"status"` // open, submitted
	Score       *float64   `json:"score"`
	Max         *float64   `json:"max_score"`
	Percent     *float64   `json:"percent"`
	Failed      int        `json:"failed"`
	SubmittedAt *time.Time `json:"submitted_at"`
	Site        Site       `json:"site"`
}

// The inspection statuses.
const (
	InspectionOpen      = "open"
	InspectionSubmitted = "submitted"
)

const inspectionColumns = `i.id, i.round_id, i.checklist_id, i.inspector, i.status, i.score, i.max_score, i.percent, i.failed, i.submitted_at, ` +
	`s.id, s.code, s.site_type, s.name, s.address, s.lon, s.lat, s.input_crs, s.grid_code, s.region_path, s.district, s.subdistrict, s.department, s.contact, s.created_at, s.updated_at`

const inspectionFrom = ` FROM assess_inspections i JOIN assess_sites s ON s.id = i.site_id`

func scanInspection(s interface{ Scan(...any) error }) (Inspection, error) {
	var (
		x                Inspection
		score, maxs, pct sql.NullFloat64
		submitted        sql.NullInt64
		path             string
		created, updated int64
	)
	if err := s.Scan(&x.ID, &x.RoundID, &x.ChecklistID, &x.Inspector, &x.Status, &score, &maxs, &pct, &x.Failed, &submitted,
		&x.Site.ID, &x.Site.Code, &x.Site.SiteType, &x.Site.Name, &x.Site.Address, &x.Site.Lon, &x.Site.Lat, &x.Site.InputCRS, &x.Site.Grid, &path,
		&x.Site.District, &x.Site.Subdistrict, &x.Site.Department, &x.Site.Contact, &created, &updated); err != nil {
		return Inspection{}, err
	}
	x.Site.RegionPath = strings.Split(path, ";")
	x.Site.CreatedAt, x.Site.UpdatedAt = fromMicros(created), fromMicros(updated)
	if score.Valid {
		x.Score = &score.Float64
	}
	if maxs.Valid {
		x.Max = &maxs.Float64
	}
	if pct.Valid {
		x.Percent = &pct.Float64
	}
	if submitted.Valid {
		t := fromMicros(submitted.Int64)
		x.SubmittedAt = &t
	}
	return x, nil
}

// InsertInspection stores an open inspection of a site in a round.
func (db *DB) InsertInspection(ctx context.Context, roundID, siteID, checklistID int64, inspector string) (int64, error) {
	var id int64
	err := db.writeRow(ctx, `INSERT INTO assess_inspections (round_id, site_id, checklist_id, inspector) VALUES (?, ?, ?, ?) RETURNING id`,
		roundID, siteID, checklistID, inspector).Scan(&id)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, errs.RefuseCoded(errs.Invalid, "site_twice", errs.Params{"site_id": siteID}, "a round inspects a site once")
		}
		return 0, fmt.Errorf("add inspection: %w", err)
	}
	return id, nil
}

// Inspection returns one inspection with its site.
func (db *DB) Inspection(ctx context.Context, id int64) (Inspection, error) {
	x, err := scanInspection(db.queryRow(ctx, `SELECT `+inspectionColumns+inspectionFrom+` WHERE i.id = ?`, id))
	if err != nil {
		return Inspection{}, notFound(err, "no inspection %d", id)
	}
	return x, nil
}

// LockInspection takes an inspection's row for the transaction in ctx and returns it, so that
// marks and the submit of one inspection take turns.
func (db *DB) LockInspection(ctx context.Context, id int64) (Inspection, error) {
	if _, err := db.exec(ctx, `UPDATE assess_inspections SET failed = failed WHERE id = ?`, id); err != nil {
		return Inspection{}, fmt.Errorf("lock inspection %d: %w", id, err)
	}
	return db.Inspection(ctx, id)
}

// RoundInspections returns a round's inspections by id.
func (db *DB) RoundInspections(ctx context.Context, roundID int64) ([]Inspection, error) {
	return db.inspections(ctx, ` WHERE i.round_id = ? ORDER BY i.id`, roundID)
}

// InspectorInspections returns the open inspections of an inspector, by id.
func (db *DB) InspectorInspections(ctx context.Context, username string) ([]Inspection, error) {
	return db.inspections(ctx, ` WHERE i.inspector = ? AND i.status = 'open' ORDER BY i.id`, username)
}

func (db *DB) inspections(ctx context.Context, where string, args ...any) ([]Inspection, error) {
	rows, err := db.query(ctx, `SELECT `+inspectionColumns+inspectionFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list inspections: %w", err)
	}
	defer rows.Close()
	out := []Inspection{}
	for rows.Next() {
		x, err := scanInspection(rows)
		if err != nil {
			return nil, fmt.Errorf("list inspections: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SubmitInspection closes an open inspection with its score; one already submitted is a
// conflict (already_submitted), so of two submits exactly one passes.
func (db *DB) SubmitInspection(ctx context.Context, id int64, s assess.SiteScore, at time.Time) error {
	var pct sql.NullFloat64
	if s.Percent != nil {
		pct = sql.NullFloat64{Float64: *s.Percent, Valid: true}
	}
	res, err := db.exec(ctx, `UPDATE assess_inspections SET status = 'submitted', score = ?, max_score = ?, percent = ?, failed = ?, submitted_at = ?
		WHERE id = ? AND status = 'open'`, s.Got, s.Max, pct, s.Failed, micros(at), id)
	if err != nil {
		return fmt.Errorf("submit inspection %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.RefuseCoded(errs.Conflict, "already_submitted", errs.Params{"inspection": id}, "inspection %d is already submitted", id)
	}
	return nil
}

// Mark is an inspector's mark of one item, as stored.
type Mark struct {
	InspectionID int64  `json:"-"`
	ItemCode     string `json:"item"`
	assess.Mark
	Note   string    `json:"note"`
	Photos []string  `json:"photos"`
	Lon    *float64  `json:"lon,omitempty"`
	Lat    *float64  `json:"lat,omitempty"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
}

// PutMark records or replaces the mark of an item.
func (db *DB) PutMark(ctx context.Context, m Mark) error {
	_, err := db.exec(ctx, `INSERT INTO assess_marks (inspection_id, item_code, result, points, findings, note, photos, lon, lat, at, by_user)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (inspection_id, item_code) DO UPDATE SET result = excluded.result, points = excluded.points, findings = excluded.findings,
			note = excluded.note, photos = excluded.photos, lon = excluded.lon, lat = excluded.lat, at = excluded.at, by_user = excluded.by_user`,
		m.InspectionID, m.ItemCode, string(m.Result), m.Points, m.Findings, m.Note, strings.Join(m.Photos, ";"), nullFloat(m.Lon), nullFloat(m.Lat), micros(m.At), m.By)
	if err != nil {
		return fmt.Errorf("mark item %s of inspection %d: %w", m.ItemCode, m.InspectionID, err)
	}
	return nil
}

func nullFloat(v *float64) sql.NullFloat64 {
	if v == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *v, Valid: true}
}

// Marks returns the marks of an inspection (0: of every submitted inspection of roundID), by
// inspection and item.
func (db *DB) Marks(ctx context.Context, inspectionID, roundID int64) ([]Mark, error) {
	q := `SELECT m.inspection_id, m.item_code, m.result, m.points, m.findings, m.note, m.photos, m.lon, m.lat, m.at, m.by_user FROM assess_marks m`
	var arg int64
	if inspectionID != 0 {
		q, arg = q+` WHERE m.inspection_id = ?`, inspectionID
	} else {
		q, arg = q+` JOIN assess_inspections i ON i.id = m.inspection_id WHERE i.round_id = ? AND i.status = 'submitted'`, roundID
	}
	rows, err := db.query(ctx, q+` ORDER BY m.inspection_id, m.item_code`, arg)
	if err != nil {
		return nil, fmt.Errorf("read marks: %w", err)
	}
	defer rows.Close()
	out := []Mark{}
	for rows.Next() {
		var (
			m        Mark
			result   string
			photos   string
			lon, lat sql.NullFloat64
			at       int64
		)
		if err := rows.Scan(&m.InspectionID, &m.ItemCode, &result, &m.Points, &m.Findings, &m.Note, &photos, &lon, &lat, &at, &m.By); err != nil {
			return nil, fmt.Errorf("read marks: %w", err)
		}
		m.Result, m.At = assess.Result(result), fromMicros(at)
		m.Photos = []string{}
		if photos != "" {
			m.Photos = strings.Split(photos, ";")
		}
		if lon.Valid && lat.Valid {
			m.Lon, m.Lat = &lon.Float64, &lat.Float64
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Finding is a failed item that became a rectification case.
type Finding struct {
	InspectionID  int64      `json:"inspection_id"`
	ItemCode      string     `json:"item"`
	CaseID        int64      `json:"case_id"`
	Reinspector   string     `json:"reinspector"`
	Reinspections int        `json:"reinspections"`
	LastPass      *bool      `json:"last_pass"`
	LastAt        *time.Time `json:"last_at"`
	CreatedAt     time.Time  `json:"created_at"`
	// From the case and the inspection, when listed with them.
	CaseStatus string `json:"case_status,omitempty"`
	Ticket     string `json:"ticket,omitempty"`
	RoundID    int64  `json:"round_id,omitempty"`
	Site       *Site  `json:"site,omitempty"`
}

// AddFinding records the case a failed item became; an item that has one already is a
// conflict (finding_exists).
func (db *DB) AddFinding(ctx context.Context, f Finding) error {
	_, err := db.exec(ctx, `INSERT INTO assess_findings (inspection_id, item_code, case_id, reinspector, created_at) VALUES (?, ?, ?, ?, ?)`,
		f.InspectionID, f.ItemCode, f.CaseID, f.Reinspector, micros(f.CreatedAt))
	if err != nil {
		if isUniqueViolation(err) {
			return errs.RefuseCoded(errs.Conflict, "finding_exists", errs.Params{"inspection": f.InspectionID, "item": f.ItemCode},
				"item %s of inspection %d already became a case", f.ItemCode, f.InspectionID)
		}
		return fmt.Errorf("add finding: %w", err)
	}
	return nil
}

const findingColumns = `f.inspection_id, f.item_code, f.case_id, f.reinspector, f.reinspections, f.last_pass, f.last_at, f.created_at, c.status, c.ticket, i.round_id, ` +
	`s.id, s.code, s.site_type, s.name, s.address, s.lon, s.lat, s.input_crs, s.grid_code, s.region_path, s.district, s.subdistrict, s.department, s.contact, s.created_at, s.updated_at`

const findingFrom = ` FROM assess_findings f JOIN cases c ON c.id = f.case_id JOIN assess_inspections i ON i.id = f.inspection_id JOIN assess_sites s ON s.id = i.site_id`

func scanFinding(sc interface{ Scan(...any) error }) (Finding, error) {
	var (
		f                Finding
		s                Site
		pass             sql.NullInt64
		last             sql.NullInt64
		at, created, upd int64
		path             string
	)
	if err := sc.Scan(&f.InspectionID, &f.ItemCode, &f.CaseID, &f.Reinspector, &f.Reinspections, &pass, &last, &at, &f.CaseStatus, &f.Ticket, &f.RoundID,
		&s.ID, &s.Code, &s.SiteType, &s.Name, &s.Address, &s.Lon, &s.Lat, &s.InputCRS, &s.Grid, &path, &s.District, &s.Subdistrict, &s.Department, &s.Contact, &created, &upd); err != nil {
		return Finding{}, err
	}
	s.RegionPath = strings.Split(path, ";")
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(upd)
	f.Site, f.CreatedAt = &s, fromMicros(at)
	if pass.Valid {
		p := pass.Int64 == 1
		f.LastPass = &p
	}
	if last.Valid {
		t := fromMicros(last.Int64)
		f.LastAt = &t
	}
	return f, nil
}

// FindingsWhere selects findings with their case's status and their site.
type FindingsWhere struct {
	RoundID      int64
	InspectionID int64
	CaseID       int64
	Reinspector  string
	CaseStatus   string
}

// Findings returns the findings that match, by case id.
func (db *DB) Findings(ctx context.Context, w FindingsWhere) ([]Finding, error) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, v any) { conds, args = append(conds, cond), append(args, v) }
	if w.RoundID != 0 {
		add(`i.round_id = ?`, w.RoundID)
	}
	if w.InspectionID != 0 {
		add(`f.inspection_id = ?`, w.InspectionID)
	}
	if w.CaseID != 0 {
		add(`f.case_id = ?`, w.CaseID)
	}
	if w.Reinspector != "" {
		add(`f.reinspector = ?`, w.Reinspector)
	}
	if w.CaseStatus != "" {
		add(`c.status = ?`, w.CaseStatus)
	}
	q := `SELECT ` + findingColumns + findingFrom
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	rows, err := db.query(ctx, q+` ORDER BY f.case_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list findings: %w", err)
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		f, err := scanFinding(rows)
		if err != nil {
			return nil, fmt.Errorf("list findings: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RecordReinspection counts a re-inspection of a finding's case and keeps its result.
func (db *DB) RecordReinspection(ctx context.Context, caseID int64, pass bool, at time.Time) error {
	p := 0
	if pass {
		p = 1
	}
	if _, err := db.exec(ctx, `UPDATE assess_findings SET reinspections = reinspections + 1, last_pass = ?, last_at = ? WHERE case_id = ?`, p, micros(at), caseID); err != nil {
		return fmt.Errorf("record re-inspection of case %d: %w", caseID, err)
	}
	return nil
}

// LastScore is the latest submitted score of a site.
type LastScore struct {
	SiteID       int64     `json:"-"`
	RoundID      int64     `json:"round_id"`
	InspectionID int64     `json:"inspection_id"`
	Percent      *float64  `json:"percent"`
	Failed       int       `json:"failed"`
	SubmittedAt  time.Time `json:"submitted_at"`
}

// LastScores returns each scored site's latest submitted inspection, by site id.
func (db *DB) LastScores(ctx context.Context) (map[int64]LastScore, error) {
	rows, err := db.query(ctx, `SELECT i.site_id, i.round_id, i.id, i.percent, i.failed, i.submitted_at FROM assess_inspections i
		WHERE i.status = 'submitted' AND i.id = (SELECT j.id FROM assess_inspections j WHERE j.site_id = i.site_id AND j.status = 'submitted'
			ORDER BY j.submitted_at DESC, j.id DESC LIMIT 1)`)
	if err != nil {
		return nil, fmt.Errorf("last scores: %w", err)
	}
	defer rows.Close()
	out := map[int64]LastScore{}
	for rows.Next() {
		var (
			l   LastScore
			pct sql.NullFloat64
			at  int64
		)
		if err := rows.Scan(&l.SiteID, &l.RoundID, &l.InspectionID, &pct, &l.Failed, &at); err != nil {
			return nil, fmt.Errorf("last scores: %w", err)
		}
		if pct.Valid {
			l.Percent = &pct.Float64
		}
		l.SubmittedAt = fromMicros(at)
		out[l.SiteID] = l
	}
	return out, rows.Err()
}
