package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// CaseRecord is a stored case: what was reported and where, and the state machine's view.
type CaseRecord struct {
	ID           int64
	Ticket       string
	Source       string
	Description  string
	Lon, Lat     float64 // WGS-84
	InputCRS     string
	Address      string
	Geometry     orb.Geometry // a line or area as drawn; nil for a point
	ContactName  string
	ContactPhone string
	Photos       []string
	State        workflow.Case
	// LightWarn and LightDue are when the case's light turns yellow and red: the earliest warning
	// and the earliest deadline of its running, unpaused stage clocks (zero: none runs). Lists,
	// filters and counts read the light from them (see Light).
	LightWarn, LightDue time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// CaseEvent is one line of a case's timeline.
type CaseEvent struct {
	ID     int64     `json:"-"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Note   string    `json:"note"`
	Input  string    `json:"-"` // the action's input as JSON, for staff views
	// Code and Params say what happened as data (workflow.Transition's EventCode and
	// EventParams as JSON), for pages in the reader's language; empty for events older than them.
	Code   string          `json:"code,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
}

// NextTicket returns the next ticket of the day: YYYYMMDD-NNNNNN. The counter row is locked by
// the upsert, so concurrent reports never share a number.
func (db *DB) NextTicket(ctx context.Context, day string) (string, error) {
	if db.engine == Postgres {
		seq, err := db.tickets.take(ctx, db, day)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s-%06d", day, seq), nil
	}
	var seq int64
	err := db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		if d, ok := t.tickets[day]; ok {
			// This transaction holds the day's row already: count on in memory, write at commit.
			d.seq, d.dirty = d.seq+1, true
			seq = d.seq
			return nil
		}
		err := db.writeRow(ctx, `INSERT INTO ticket_days (day, seq) VALUES (?, 1)
			ON CONFLICT (day) DO UPDATE SET seq = ticket_days.seq + 1 RETURNING seq`, day).Scan(&seq)
		if err != nil {
			return fmt.Errorf("next ticket: %w", err)
		}
		if t.tickets == nil {
			t.tickets = map[string]*ticketDay{}
		}
		t.tickets[day] = &ticketDay{seq: seq}
		return nil
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%06d", day, seq), nil
}

// InsertCase stores a new case and returns its id.
func (db *DB) InsertCase(ctx context.Context, c CaseRecord) (int64, error) {
	state, err := json.Marshal(c.State)
	if err != nil {
		return 0, fmt.Errorf("encode case state: %w", err)
	}
	geom, err := encodeGeometry(c.Geometry)
	if err != nil {
		return 0, err
	}
	s := c.State
	if t, ok := txnOf(ctx); ok && db.engine == Postgres {
		// On PostgreSQL every statement is a round trip: the id comes from a block taken from
		// the sequence, and the row is written with the transaction's other deferred rows.
		id, err := db.nextCaseID(ctx)
		if err != nil {
			return 0, err
		}
		t.appendRow("cases", []string{"id", "ticket", "source", "kind", "category", "description", "lon", "lat", "input_crs", "address",
			"geometry", "grid_code", "urgency", "contact_name", "contact_phone", "photos", "status", "version", "holder_kind", "holder_code",
			"department", "reporter", "handle_due", "state", "created_at", "updated_at", "light_warn", "light_due", "registered_at"},
			[]any{id, c.Ticket, c.Source, string(s.Kind), s.Category, c.Description, c.Lon, c.Lat, c.InputCRS, c.Address,
				geom, s.Grid(), string(s.Urgency), c.ContactName, c.ContactPhone, strings.Join(c.Photos, ";"),
				string(s.Status), s.Version, string(s.Holder.Kind), s.Holder.Code, s.Department, s.Reporter, nullTime(s.HandleDue),
				string(state), micros(c.CreatedAt), micros(c.CreatedAt), nullTime(c.LightWarn), nullTime(c.LightDue), nullTime(s.RegisteredAt)})
		return id, db.NameCasePhotos(ctx, id, c.Photos, true)
	}
	var id int64
	err = db.writeRow(ctx, `INSERT INTO cases (ticket, source, kind, category, description, lon, lat, input_crs, address,
			geometry, grid_code, urgency, contact_name, contact_phone, photos, status, version, holder_kind, holder_code,
			department, reporter, handle_due, state, created_at, updated_at, light_warn, light_due, registered_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Ticket, c.Source, string(s.Kind), s.Category, c.Description, c.Lon, c.Lat, c.InputCRS, c.Address,
		geom, s.Grid(), string(s.Urgency), c.ContactName, c.ContactPhone, strings.Join(c.Photos, ";"),
		string(s.Status), s.Version, string(s.Holder.Kind), s.Holder.Code, s.Department, s.Reporter, nullTime(s.HandleDue),
		string(state), micros(c.CreatedAt), micros(c.CreatedAt), nullTime(c.LightWarn), nullTime(c.LightDue), nullTime(s.RegisteredAt)).Scan(&id)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, errs.E(errs.Conflict, "ticket %s already exists", c.Ticket)
		}
		return 0, fmt.Errorf("insert case: %w", err)
	}
	// A case's own photos are the report's: public wherever the case is.
	return id, db.NameCasePhotos(ctx, id, c.Photos, true)
}

const caseColumns = `id, ticket, source, description, lon, lat, input_crs, address, geometry, contact_name,
	contact_phone, photos, state, created_at, updated_at, light_warn, light_due`

func scanCase(row interface{ Scan(...any) error }) (CaseRecord, error) {
	var (
		c                CaseRecord
		geom             sql.NullString
		photos, state    string
		created, updated int64
		lWarn, lDue      sql.NullInt64
	)
	if err := row.Scan(&c.ID, &c.Ticket, &c.Source, &c.Description, &c.Lon, &c.Lat, &c.InputCRS, &c.Address, &geom,
		&c.ContactName, &c.ContactPhone, &photos, &state, &created, &updated, &lWarn, &lDue); err != nil {
		return CaseRecord{}, err
	}
	if geom.Valid {
		g, err := grid.DecodeGeometry([]byte(geom.String))
		if err != nil {
			return CaseRecord{}, fmt.Errorf("case %d: stored geometry: %w", c.ID, err)
		}
		c.Geometry = g
	}
	if photos != "" {
		c.Photos = strings.Split(photos, ";")
	}
	if err := json.Unmarshal([]byte(state), &c.State); err != nil {
		return CaseRecord{}, fmt.Errorf("case %d: stored state: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	if lWarn.Valid && lDue.Valid {
		c.LightWarn, c.LightDue = fromMicros(lWarn.Int64), fromMicros(lDue.Int64)
	}
	return c, nil
}

// Case returns a case by id.
func (db *DB) Case(ctx context.Context, id int64) (CaseRecord, error) {
	c, err := scanCase(db.queryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = ?`, id))
	if err != nil {
		return CaseRecord{}, notFound(err, "case %d not found", id)
	}
	return c, nil
}

// LockCase returns a case by id for the transaction in ctx to change. On PostgreSQL it holds
// the case's row until the transaction ends, so actions on one case take turns: one without a
// version then acts on the case as the previous one left it instead of failing its version
// check. SQLite's single writer already runs write transactions one at a time.
func (db *DB) LockCase(ctx context.Context, id int64) (CaseRecord, error) {
	query := `SELECT ` + caseColumns + ` FROM cases WHERE id = ?`
	if db.engine == Postgres {
		query += ` FOR UPDATE`
	}
	c, err := scanCase(db.writeRow(ctx, query, id))
	if err != nil {
		return CaseRecord{}, notFound(err, "case %d not found", id)
	}
	return c, nil
}

// CaseByTicket returns a case by its ticket.
func (db *DB) CaseByTicket(ctx context.Context, ticket string) (CaseRecord, error) {
	c, err := scanCase(db.queryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE ticket = ?`, ticket))
	if err != nil {
		return CaseRecord{}, notFound(err, "case %s not found", ticket)
	}
	return c, nil
}

// UpdateCaseState writes a transition's result if the stored version is still expectVersion:
// of two actors who read the same version, exactly one succeeds and the other gets a conflict.
func (db *DB) UpdateCaseState(ctx context.Context, id int64, expectVersion int, s workflow.Case, now time.Time) error {
	state, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode case state: %w", err)
	}
	res, err := db.exec(ctx, `UPDATE cases SET status = ?, version = ?, holder_kind = ?, holder_code = ?, department = ?,
			kind = ?, category = ?, urgency = ?, handle_due = ?, state = ?, updated_at = ?, urged_at = ?,
			registered_at = COALESCE(registered_at, ?)
		WHERE id = ? AND version = ?`,
		string(s.Status), s.Version, string(s.Holder.Kind), s.Holder.Code, s.Department, string(s.Kind), s.Category,
		string(s.Urgency), nullTime(s.HandleDue), string(state), micros(now), nullTime(s.UrgedAt), nullTime(s.RegisteredAt), id, expectVersion)
	if err != nil {
		return fmt.Errorf("update case %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.RefuseCoded(errs.Conflict, "version_conflict", errs.Params{"version": expectVersion},
			"case %d changed since version %d; reload it and try again", id, expectVersion)
	}
	return nil
}

// AppendCaseEvent adds a line to a case's timeline.
// Inside a transaction the row is written at commit (or before the transaction's next read).
func (db *DB) AppendCaseEvent(ctx context.Context, caseID int64, e CaseEvent) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		params := string(e.Params)
		if params == "" {
			params = "{}"
		}
		t.appendRow("case_events", []string{"case_id", "at", "actor", "action", "from_status", "to_status", "note", "input", "code", "params"},
			[]any{caseID, micros(e.At), e.Actor, e.Action, e.From, e.To, e.Note, e.Input, e.Code, params})
		return nil
	})
}

// CaseEvents returns a case's timeline, oldest first.
func (db *DB) CaseEvents(ctx context.Context, caseID int64) ([]CaseEvent, error) {
	rows, err := db.query(ctx, `SELECT id, at, actor, action, from_status, to_status, note, input, code, params FROM case_events
		WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("read timeline of case %d: %w", caseID, err)
	}
	defer rows.Close()
	out := []CaseEvent{}
	for rows.Next() {
		var (
			e      CaseEvent
			at     int64
			params string
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Note, &e.Input, &e.Code, &params); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		if e.Code != "" {
			e.Params = json.RawMessage(params)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Nearby is an open case close to a point.
type Nearby struct {
	ID        int64   `json:"id"`
	Ticket    string  `json:"ticket"`
	DistanceM float64 `json:"distance_m"`
}

// NearbyOpenCases returns open cases of the same category within radiusM metres of a point,
// reported since the given time, nearest first: the possible duplicates offered at intake.
func (db *DB) NearbyOpenCases(ctx context.Context, kind workflow.CategoryKind, category string, lon, lat, radiusM float64, since time.Time) ([]Nearby, error) {
	// A bounding box on the indexed columns first, the exact distance after.
	dLat := radiusM / 111_320
	dLon := radiusM / (111_320 * math.Max(math.Cos(lat*math.Pi/180), 0.01))
	rows, err := db.query(ctx, `SELECT id, ticket, lon, lat FROM cases
		WHERE kind = ? AND category = ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?
		  AND status NOT IN (`+statusList(workflow.TerminalStatuses())+`) AND created_at >= ?`,
		string(kind), category, lat-dLat, lat+dLat, lon-dLon, lon+dLon, micros(since))
	if err != nil {
		return nil, fmt.Errorf("find nearby cases: %w", err)
	}
	defer rows.Close()
	out := []Nearby{}
	for rows.Next() {
		var (
			n        Nearby
			clon, ca float64
		)
		if err := rows.Scan(&n.ID, &n.Ticket, &clon, &ca); err != nil {
			return nil, err
		}
		if n.DistanceM = haversine(lon, lat, clon, ca); n.DistanceM <= radiusM {
			n.DistanceM = math.Round(n.DistanceM*10) / 10
			out = append(out, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Nearby) int { return cmp.Compare(a.DistanceM, b.DistanceM) })
	return out, nil
}

func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6_371_008.8
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func nullTime(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(t), Valid: true}
}

// CaseFilter selects cases for a list. Empty fields do not filter.
type CaseFilter struct {
	Statuses   []string
	Kind       string
	Category   string   // a 5-digit code, or a 2-digit major class
	Regions    []string // region code prefixes: a case matches if its grid lies under any of them
	Department string   // lead department
	HolderKind string
	HolderCode string
	Source     string
	Reporter   string
	Text       string // in the description, or the exact ticket
	From, To   time.Time
	Overdue    bool   // cases past the deadline of a stage they are running (as of Now): Light "red"
	Light      string // cases whose running stages show this light (as of Now): green, yellow or red
	Urged      bool   // cases supervision has urged (督办) at least once
	Now        time.Time
	SortByDue  bool // by the running stages' deadline, soonest first (cases without one are left out); else newest first
	// SortByLight orders by the running stages' light, worst first (red, yellow, green), each
	// light by deadline, soonest first, then the cases running no clock, newest first.
	SortByLight bool
	Limit       int
	Cursor      string // from the previous page: the page after it
	// Before is a page's Prev cursor: the page before that page, read backwards. It wins over
	// Cursor.
	Before string

	// PartDepartment, when it is Department, also admits the cases in which that department
	// holds a co-department's part (联办); OpenPartsOnly, only while the part is not reported.
	PartDepartment string
	OpenPartsOnly  bool

	// PublicOnly keeps the cases of public categories only: the public's list.
	PublicOnly bool
}

// ListCases returns a page of cases and the cursor of the next page ("" at the end). Paging is
// by keyset, so a page costs the same however deep it is.
func (db *DB) ListCases(ctx context.Context, f CaseFilter) ([]CaseRecord, string, error) {
	p, err := db.ListCasePage(ctx, f)
	return p.Cases, p.Next, err
}

// CaseRecordPage is one page of a case list with the cursors of its neighbours: Next for the
// page after it (Cursor), Prev for the page before it (Before); "" where there is none.
type CaseRecordPage struct {
	Cases      []CaseRecord
	Next, Prev string
}

// ListCasePage returns a page of cases, after the filter's Cursor or before its Before, with
// the cursors of the pages either side.
func (db *DB) ListCasePage(ctx context.Context, f CaseFilter) (CaseRecordPage, error) {
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q, qargs, err := casePageQuery(f, caseColumns, limit+1)
	if err != nil {
		return CaseRecordPage{}, err
	}
	rows, err := db.query(ctx, q, qargs...)
	if err != nil {
		return CaseRecordPage{}, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var (
		out  []CaseRecord
		keys []int64
	)
	for rows.Next() {
		var key sql.NullInt64
		c, err := scanCase(rowWithExtra{rows, &key})
		if err != nil {
			return CaseRecordPage{}, fmt.Errorf("list cases: %w", err)
		}
		out, keys = append(out, c), append(keys, key.Int64)
	}
	if err := rows.Err(); err != nil {
		return CaseRecordPage{}, err
	}
	more := len(out) > limit
	if more {
		out, keys = out[:limit], keys[:limit]
	}
	page := CaseRecordPage{Cases: out}
	if len(out) == 0 {
		return page, nil
	}
	first, last := encodeCursor(keys[0], out[0].ID), encodeCursor(keys[len(keys)-1], out[len(out)-1].ID)
	if f.Before != "" {
		// Read backwards: the rows nearest the cursor came first.
		slices.Reverse(page.Cases)
		first, last = last, first
		page.Next = last // the page the reader came from
		if more {
			page.Prev = first
		}
		return page, nil
	}
	if more {
		page.Next = last
	}
	if f.Cursor != "" {
		page.Prev = first
	}
	return page, nil
}

// caseConditions is a filter's WHERE conditions (without its cursor) and their arguments.
func caseConditions(f CaseFilter) ([]string, []any, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if len(f.Statuses) > 0 {
		add(`status IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")+`)`, anys(f.Statuses)...)
	}
	if f.Kind != "" {
		add(`kind = ?`, f.Kind)
	}
	switch len(f.Category) {
	case 0:
	case 2: // the form the index cases_major_created is on (00021_list_indexes.sql)
		add(`substr(category, 1, 2) = ?`, f.Category)
	default:
		add(`category = ?`, f.Category)
	}
	if len(f.Regions) > 0 {
		var or []string
		for _, r := range f.Regions {
			if len(r) == 6 || len(r) == 9 { // a district or subdistrict: the forms indexed in 00021_list_indexes.sql
				or = append(or, `substr(grid_code, 1, `+strconv.Itoa(len(r))+`) = ?`)
				args = append(args, r)
				continue
			}
			// Codes extend their parent's, so a subtree is a range of grid codes (':' sorts after '9').
			or = append(or, `(grid_code >= ? AND grid_code < ?)`)
			args = append(args, r, r+":")
		}
		where = append(where, `(`+strings.Join(or, " OR ")+`)`)
	}
	if f.Department != "" && f.PartDepartment != f.Department {
		add(`department = ?`, f.Department)
	}
	if f.HolderKind != "" {
		add(`holder_kind = ?`, f.HolderKind)
	}
	if f.HolderCode != "" {
		add(`holder_code = ?`, f.HolderCode)
	}
	if f.Source != "" {
		add(`source = ?`, f.Source)
	}
	if f.Reporter != "" {
		add(`reporter = ?`, f.Reporter)
	}
	if f.Text != "" {
		add(`(ticket = ? OR description LIKE ? ESCAPE '\')`, f.Text, "%"+likeEscape(f.Text)+"%")
	}
	if !f.From.IsZero() {
		add(`created_at >= ?`, micros(f.From))
	}
	if !f.To.IsZero() {
		add(`created_at < ?`, micros(f.To))
	}
	if f.Overdue {
		cond, args := lightCondition(worktime.Red, f.Now)
		add(cond, args...)
	}
	switch f.Light {
	case "":
	case "red", "yellow", "green":
		cond, args := lightCondition(worktime.Light(f.Light), f.Now)
		add(cond, args...)
	default:
		return nil, nil, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "light"},
			"light must be green, yellow or red, not %q", f.Light)
	}
	if f.PublicOnly {
		add(`EXISTS (SELECT 1 FROM categories k WHERE k.kind = cases.kind AND k.code = cases.category AND k.public = ?)`, true)
	}
	if f.Urged {
		add(`urged_at IS NOT NULL`) // the form of the index cases_urged_created (00043_urging.sql)
	}
	if f.SortByDue {
		add(`light_due IS NOT NULL`)
	}
	return where, args, nil
}

// The light order's key: a case's deadline in microseconds (below 2^52 until the year 2112)
// plus a step for its light, red none, yellow one, green two; a case running no clock comes
// last, newest first.
const (
	lightStepYellow = `4503599627370496`  // 2^52
	lightStepGreen  = `9007199254740992`  // 2 × 2^52
	lightStepNone   = `18014398509481984` // 4 × 2^52, less the creation time
)

// sortKey is the expression a list is ordered by (then by id) and its arguments, and whether
// it ascends: newest first, by deadline, or by light then deadline.
func sortKey(f CaseFilter) (string, []any, bool) {
	switch {
	case f.SortByLight:
		now := micros(f.Now)
		return `(CASE WHEN light_due IS NULL THEN ` + lightStepNone + ` - created_at WHEN light_due < ? THEN light_due
			WHEN light_warn <= ? THEN ` + lightStepYellow + ` + light_due ELSE ` + lightStepGreen + ` + light_due END)`, []any{now, now}, true
	case f.SortByDue:
		return `light_due`, nil, true
	}
	return `created_at`, nil, false
}

// casePageQuery is the query of one page of a filtered list: the columns asked for and
// sort_key (the key of the list's order, for the cursors), in the list's order, after the
// filter's cursor, at most limit rows. With Before it reads the page before that cursor
// backwards, nearest first; the caller turns it round.
func casePageQuery(f CaseFilter, columns string, limit int) (string, []any, error) {
	where, args, err := caseConditions(f)
	if err != nil {
		return "", nil, err
	}
	key, keyArgs, asc := sortKey(f)
	cursor := f.Cursor
	if f.Before != "" {
		cursor, asc = f.Before, !asc
	}
	dir, cmp, bound := `DESC`, `<`, `<=`
	if asc {
		dir, cmp, bound = `ASC`, `>`, `>=`
	}
	if cursor != "" {
		k, id, err := decodeCursor(cursor)
		if err != nil {
			return "", nil, err
		}
		// The bound before the OR is what an engine can seek to: PostgreSQL reads the OR alone as a
		// filter and walks the index from its start for every page, which a deep page (an export
		// reads them all) pays for with every row before it.
		where = append(where, key+` `+bound+` ?`, `(`+key+` `+cmp+` ? OR (`+key+` = ? AND id `+cmp+` ?))`)
		args = slices.Concat(args, keyArgs, []any{k}, keyArgs, []any{k}, keyArgs, []any{k, id})
	}
	// Arguments in the order their placeholders appear: the key in the columns, the conditions,
	// the key in the order.
	selectWhere := func(cond string, condArgs ...any) (string, []any) {
		q := `SELECT ` + columns + `, ` + key + ` AS sort_key FROM cases`
		all := where
		if cond != "" {
			all = append(slices.Clone(where), cond)
		}
		if len(all) > 0 {
			q += ` WHERE ` + strings.Join(all, ` AND `)
		}
		return q + ` ORDER BY ` + key + ` ` + dir + `, id ` + dir + ` LIMIT ?`, slices.Concat(keyArgs, args, condArgs, keyArgs, []any{limit})
	}
	if f.Department == "" || f.PartDepartment != f.Department {
		q, a := selectWhere("")
		return q, a, nil
	}
	// A department's own cases and those it holds a part of (联办), each a page read along its
	// own index and merged: one condition with OR would scan the whole table.
	parts := `id IN (SELECT case_id FROM case_parts WHERE department = ?`
	if f.OpenPartsOnly {
		parts += ` AND status <> 'reported'`
	}
	lead, leadArgs := selectWhere(`department = ?`, f.Department)
	part, partArgs := selectWhere(parts+`)`, f.Department)
	q := `SELECT * FROM (` + lead + `) AS lead UNION ALL SELECT * FROM (` + part + `) AS part ORDER BY sort_key ` + dir + `, id ` + dir + ` LIMIT ?`
	return q, slices.Concat(leadArgs, partArgs, []any{limit}), nil
}

// rowWithExtra scans a case row followed by one more column.
type rowWithExtra struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (r rowWithExtra) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra)...) }

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func encodeCursor(key, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(key, 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		k, i, ok := strings.Cut(string(b), ".")
		key, err1 := strconv.ParseInt(k, 10, 64)
		id, err2 := strconv.ParseInt(i, 10, 64)
		if ok && err1 == nil && err2 == nil {
			return key, id, nil
		}
	}
	return 0, 0, errs.Refuse(errs.Invalid, "bad_cursor", nil, "cursor %q is not one this server gave out", c)
}

// SourceMerged is the source of a channel that is another report of this city's, merged in as
// a duplicate: its reference is that report's ticket.
const SourceMerged = "case"

// Channel is one way a case came in: its source and the reference there (a hotline ticket, or
// the ticket of a report merged in).
type Channel struct {
	Source string    `json:"source"`
	Ref    string    `json:"ref"`
	At     time.Time `json:"at"`
}

// AddChannel records that a case came in through a channel; a reference already recorded for
// the source is a conflict.
func (db *DB) AddChannel(ctx context.Context, caseID int64, c Channel) error {
	_, err := db.exec(ctx, `INSERT INTO case_channels (case_id, source, ref, at) VALUES (?, ?, ?, ?)`, caseID, c.Source, c.Ref, micros(c.At))
	if err != nil {
		if isUniqueViolation(err) {
			return errs.Coded(errs.Conflict, "already_imported", "%s %s is already recorded", c.Source, c.Ref)
		}
		return fmt.Errorf("add channel to case %d: %w", caseID, err)
	}
	return nil
}

// ChannelCase returns the case a channel reference belongs to.
func (db *DB) ChannelCase(ctx context.Context, source, ref string) (int64, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT case_id FROM case_channels WHERE source = ? AND ref = ?`, source, ref).Scan(&id)
	if err != nil {
		return 0, notFound(err, "no case for %s %s", source, ref)
	}
	return id, nil
}

// Channels lists the channels a case came in through, oldest first.
func (db *DB) Channels(ctx context.Context, caseID int64) ([]Channel, error) {
	rows, err := db.query(ctx, `SELECT source, ref, at FROM case_channels WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("channels of case %d: %w", caseID, err)
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		var (
			c  Channel
			at int64
		)
		if err := rows.Scan(&c.Source, &c.Ref, &at); err != nil {
			return nil, err
		}
		c.At = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// statusList is statuses as a SQL list of literals. Statuses are the domain's constants, never
// input, and literals (not parameters) keep the partial indexes usable.
func statusList(ss []workflow.Status) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = "'" + string(s) + "'"
	}
	return strings.Join(quoted, ", ")
}

// Light is the case's light at now: worktime.LightAt over its running stage clocks' earliest
// warning and deadline, which is the worst of their lights; "" when no clock runs.
func (c CaseRecord) Light(now time.Time) worktime.Light {
	if c.LightDue.IsZero() {
		return ""
	}
	return worktime.LightAt(now, c.LightWarn, c.LightDue)
}

// lightCondition is CaseRecord.Light as SQL. Cases without a running clock have NULL columns
// and so no light.
func lightCondition(l worktime.Light, now time.Time) (string, []any) {
	switch l {
	case worktime.Red:
		return `light_due < ?`, []any{micros(now)}
	case worktime.Yellow:
		return `light_warn <= ? AND light_due >= ?`, []any{micros(now), micros(now)}
	default:
		return `light_warn > ?`, []any{micros(now)}
	}
}

// SetCaseLight writes when a case's light turns yellow and red (zero: no clock runs).
func (db *DB) SetCaseLight(ctx context.Context, caseID int64, warn, due time.Time) error {
	if _, err := db.exec(ctx, `UPDATE cases SET light_warn = ?, light_due = ? WHERE id = ?`, nullTime(warn), nullTime(due), caseID); err != nil {
		return fmt.Errorf("set light of case %d: %w", caseID, err)
	}
	return nil
}
