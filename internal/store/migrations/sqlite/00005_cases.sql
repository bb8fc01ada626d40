-- Cases and their timelines. The state machine's view of a case (workflow.Case) is kept whole
-- in state as JSON; the columns beside it are copies kept for filtering, sorting and joins.

-- +goose Up
CREATE TABLE cases (
    id          INTEGER PRIMARY KEY,
    ticket        TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    category      TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    lon           DOUBLE PRECISION NOT NULL,  -- WGS-84, as stored
    lat           DOUBLE PRECISION NOT NULL,
    input_crs     TEXT NOT NULL DEFAULT 'wgs84',
    address       TEXT NOT NULL DEFAULT '',
    geometry      TEXT,                       -- a line or area, as drawn (GeoJSON), when not a point
    grid_code     TEXT NOT NULL REFERENCES regions (code),
    urgency       TEXT NOT NULL,
    contact_name  TEXT NOT NULL DEFAULT '',   -- private: never shown to departments or the public
    contact_phone TEXT NOT NULL DEFAULT '',
    photos        TEXT NOT NULL DEFAULT '',   -- attachment ids separated by ';'
    status        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    holder_kind   TEXT NOT NULL DEFAULT '',
    holder_code   TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    reporter      TEXT NOT NULL DEFAULT '',   -- username of a registered reporter
    handle_due    BIGINT,                     -- the handling deadline, for sorting and lights
    state         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX cases_status ON cases (status, created_at);
CREATE INDEX cases_grid ON cases (grid_code, created_at);
CREATE INDEX cases_department ON cases (department, status);
CREATE INDEX cases_reporter ON cases (reporter) WHERE reporter <> '';
CREATE INDEX cases_due ON cases (handle_due) WHERE handle_due IS NOT NULL;
CREATE INDEX cases_place ON cases (kind, category, lat, lon);

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    input       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Tickets are the day (Asia/Shanghai) and a sequence within it: 20261125-000123.
CREATE TABLE ticket_days (
    day TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);

-- +goose Down
DROP TABLE ticket_days;
DROP TABLE case_events;
DROP TABLE cases;
