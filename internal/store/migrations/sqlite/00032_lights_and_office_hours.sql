-- Every stage's light, and office hours as data (issue 11).
--
-- A case shows in lists, filters and counts the light of the stage clocks it is running
-- (accept, dispatch, sign, handle, verify), not only the handling one. light_warn and light_due
-- are the earliest yellow moment and the earliest deadline of the case's running, unpaused
-- clocks (NULL when none runs: terminal, suspended, or a stage without a limit), kept by the
-- transaction that moves the clocks. The worst light of several clocks is the light of those
-- two moments, so one pair of columns answers every light filter.

-- +goose Up
ALTER TABLE cases ADD COLUMN light_warn BIGINT;
ALTER TABLE cases ADD COLUMN light_due BIGINT;
UPDATE cases SET
    light_warn = (SELECT MIN(k.warn_at) FROM case_clocks k WHERE k.case_id = cases.id AND k.stopped_at IS NULL AND k.paused_at IS NULL),
    light_due = (SELECT MIN(k.due_at) FROM case_clocks k WHERE k.case_id = cases.id AND k.stopped_at IS NULL AND k.paused_at IS NULL)
WHERE id IN (SELECT case_id FROM case_clocks WHERE stopped_at IS NULL AND paused_at IS NULL);
-- Overdue lists and "by deadline" lists, city-wide and per department: only cases with a
-- running clock are indexed, so a year of closed cases costs nothing.
CREATE INDEX cases_light_due ON cases (light_due, id) WHERE light_due IS NOT NULL;
CREATE INDEX cases_department_light_due ON cases (department, light_due) WHERE light_due IS NOT NULL;
DROP INDEX cases_open_due;
DROP INDEX cases_department_due;

-- The office hours working time is counted in, as the unscoped administrator sets them: one
-- row per season (e.g. summer hours from 05-01), in force from its start every year until the
-- next season's. No rows: the default 08:00–12:00 and 14:00–18:00 all year. Deadlines are
-- snapshotted when a stage starts, so an edit applies to stages that start afterwards.
CREATE TABLE office_hours (
    starts     TEXT PRIMARY KEY,          -- MM-DD
    windows    TEXT NOT NULL,             -- 08:00-12:00,14:00-18:00
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE office_hours;
CREATE INDEX cases_department_due ON cases (department, handle_due) WHERE handle_due IS NOT NULL;
CREATE INDEX cases_open_due ON cases (handle_due, id) WHERE status NOT IN ('closed', 'rejected', 'suspended');
DROP INDEX cases_department_light_due;
DROP INDEX cases_light_due;
ALTER TABLE cases DROP COLUMN light_due;
ALTER TABLE cases DROP COLUMN light_warn;
