-- Joint handling (联办, DESIGN §4): each co-department signs for and reports its part of a case.
-- The parts live in the case's state, where the state machine reads them; these rows mirror
-- them, one per co-department, so a department's queue and reports can find its parts. A part's
-- sign and handle clocks are case_clocks rows naming its department ('' is the case's own).

-- +goose Up
CREATE TABLE case_parts (
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    department  TEXT NOT NULL,
    status      TEXT NOT NULL,            -- dispatched | in_progress | reported
    sign_due    BIGINT,
    handle_due  BIGINT,
    signed_at   BIGINT,
    result      TEXT NOT NULL DEFAULT '',
    photos      TEXT NOT NULL DEFAULT '', -- attachment ids separated by ';'
    reported_by TEXT NOT NULL DEFAULT '',
    reported_at BIGINT,
    reason      TEXT NOT NULL DEFAULT '', -- why the lead reported for the part
    PRIMARY KEY (case_id, department)
);
CREATE INDEX case_parts_department ON case_parts (department, status);

ALTER TABLE case_clocks ADD COLUMN department TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE case_clocks DROP COLUMN department;
DROP TABLE case_parts;
