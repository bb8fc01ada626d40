-- Evaluation (综合评价, issue 13): every stage clock says how it ended, and the indicators are kept
-- as aggregates per China-time day and group, changed in the same transaction as each step.
--
-- A clock records why it started (cause: the action, e.g. dispatch, or verify for rework), whom it
-- times (owner: the department for signing and handling), who started and who ended it, how it
-- ended (outcome: the action that stopped it) and how many extensions it was granted. Clocks
-- stopped before this migration keep outcome '' and count as stages that ended undone.
--
-- eval_daily: one row per (group kind, group key, district, day) with every count of a stage
-- whose clock started that day (reports by their report day, ratings by their day). kind is
-- district | subdistrict | community | grid | department | person; district is the cases'
-- district, so a district's view of a department or a person is the sum of its rows.
-- Departments and people also have city-wide rows (district ''), so that a city's ranking
-- reads one row per department and day, not one per district too. (SQLite: WITHOUT ROWID,
-- so that a range of days is read in key order, not row by row.)
--
-- eval_pending: the handling clocks that were (or are) late and unfinished at some midnight, by
-- start day, due day and end day (99991231 while running); "pending and overdue at the end of
-- day T" is due_day <= T < end_day, so any period's 超期待处置 is one indexed range sum.
--
-- eval_weights: the composite scores' weights and grade bands, as the unscoped admin sets them.

-- +goose Up
ALTER TABLE case_clocks ADD COLUMN cause TEXT NOT NULL DEFAULT '';
ALTER TABLE case_clocks ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE case_clocks ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
ALTER TABLE case_clocks ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE case_clocks ADD COLUMN done_by TEXT NOT NULL DEFAULT '';
ALTER TABLE case_clocks ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;
CREATE INDEX case_clocks_case ON case_clocks (case_id, id);
-- Clocks of the lead department from before owners were kept: the case's department now.
UPDATE case_clocks SET owner = COALESCE((SELECT c.department FROM cases c WHERE c.id = case_clocks.case_id), '')
    WHERE department = '' AND stage IN ('sign', 'handle');
UPDATE case_clocks SET owner = department WHERE department <> '';

CREATE TABLE eval_daily (
    kind               TEXT NOT NULL,
    key                TEXT NOT NULL,
    district           TEXT NOT NULL,
    day                INTEGER NOT NULL,  -- yyyymmdd, China time
    reported           INTEGER NOT NULL DEFAULT 0,
    valid_reported     INTEGER NOT NULL DEFAULT 0,
    registered         INTEGER NOT NULL DEFAULT 0,
    registered_on_time INTEGER NOT NULL DEFAULT 0,
    rejected           INTEGER NOT NULL DEFAULT 0,
    due_dispatch       INTEGER NOT NULL DEFAULT 0,
    dispatched         INTEGER NOT NULL DEFAULT 0,
    dispatched_on_time INTEGER NOT NULL DEFAULT 0,
    wrong_dispatch     INTEGER NOT NULL DEFAULT 0,
    returned           INTEGER NOT NULL DEFAULT 0,
    due_handle         INTEGER NOT NULL DEFAULT 0,
    handled            INTEGER NOT NULL DEFAULT 0,
    handled_on_time    INTEGER NOT NULL DEFAULT 0,
    handled_late       INTEGER NOT NULL DEFAULT 0,
    rework             INTEGER NOT NULL DEFAULT 0,
    extended           INTEGER NOT NULL DEFAULT 0,
    suspended          INTEGER NOT NULL DEFAULT 0,
    due_verify         INTEGER NOT NULL DEFAULT 0,
    verified_on_time   INTEGER NOT NULL DEFAULT 0,
    due_close          INTEGER NOT NULL DEFAULT 0,
    closed             INTEGER NOT NULL DEFAULT 0,
    closed_on_time     INTEGER NOT NULL DEFAULT 0,
    self_handled       INTEGER NOT NULL DEFAULT 0,
    handle_minutes     INTEGER NOT NULL DEFAULT 0,
    rated              INTEGER NOT NULL DEFAULT 0,
    satisfied          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, day, district, key)
) WITHOUT ROWID;
CREATE INDEX eval_daily_district ON eval_daily (kind, district, day, key);

CREATE TABLE eval_pending (
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    district  TEXT NOT NULL,
    start_day INTEGER NOT NULL,
    due_day   INTEGER NOT NULL,
    end_day   INTEGER NOT NULL,
    n         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, start_day, district, key, due_day, end_day)
) WITHOUT ROWID;
CREATE INDEX eval_pending_district ON eval_pending (kind, district, start_day, key);

CREATE TABLE eval_weights (
    id         INTEGER PRIMARY KEY,
    weights    TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE eval_weights;
DROP TABLE eval_pending;
DROP TABLE eval_daily;
DROP INDEX case_clocks_case;
ALTER TABLE case_clocks DROP COLUMN extensions;
ALTER TABLE case_clocks DROP COLUMN done_by;
ALTER TABLE case_clocks DROP COLUMN outcome;
ALTER TABLE case_clocks DROP COLUMN started_by;
ALTER TABLE case_clocks DROP COLUMN owner;
ALTER TABLE case_clocks DROP COLUMN cause;
