-- Assessment of evaluation sites (测评点位, DESIGN §6): standards, their checklists in versions
-- (an inspection keeps the version its round began with), the sites, rounds with their
-- inspections, each item's mark, and the rectification case a failed item became (one at most:
-- the primary key of assess_findings, and the case's own uniqueness).

-- +goose Up
CREATE TABLE assess_standards (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    edition TEXT NOT NULL DEFAULT '',
    year    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE assess_site_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE assess_checklists (
    id         INTEGER PRIMARY KEY,
    standard   TEXT NOT NULL REFERENCES assess_standards (code),
    site_type  TEXT NOT NULL REFERENCES assess_site_types (code),
    version    INTEGER NOT NULL,
    items      TEXT NOT NULL,              -- the items as JSON, in order (assess.Item)
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (standard, site_type, version)
);

CREATE TABLE assess_sites (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    site_type   TEXT NOT NULL REFERENCES assess_site_types (code),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    lon         DOUBLE PRECISION NOT NULL,  -- WGS-84, as stored
    lat         DOUBLE PRECISION NOT NULL,
    input_crs   TEXT NOT NULL DEFAULT 'wgs84',
    grid_code   TEXT NOT NULL REFERENCES regions (code),
    region_path TEXT NOT NULL,              -- codes from the city down to the grid, ';'-separated
    district    TEXT NOT NULL,
    subdistrict TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',   -- the responsible unit (责任单位)
    contact     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX assess_sites_type ON assess_sites (site_type, district);
CREATE INDEX assess_sites_subdistrict ON assess_sites (subdistrict);

CREATE TABLE assess_rounds (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    standard   TEXT NOT NULL REFERENCES assess_standards (code),
    region     TEXT NOT NULL DEFAULT '',    -- whose round: the region it was drawn in ('' = everywhere)
    starts_on  TEXT NOT NULL,               -- China dates, YYYY-MM-DD, both days included
    due_on     TEXT NOT NULL,
    sample     TEXT NOT NULL DEFAULT '',    -- the draw as asked for (seed and strata), JSON
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE assess_inspections (
    id           INTEGER PRIMARY KEY,
    round_id     BIGINT NOT NULL REFERENCES assess_rounds (id),
    site_id      BIGINT NOT NULL REFERENCES assess_sites (id),
    checklist_id BIGINT NOT NULL REFERENCES assess_checklists (id),
    inspector    TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open',  -- open, submitted
    score        DOUBLE PRECISION,
    max_score    DOUBLE PRECISION,
    percent      DOUBLE PRECISION,
    failed       INTEGER NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    UNIQUE (round_id, site_id)
);
CREATE INDEX assess_inspections_inspector ON assess_inspections (inspector, status);

CREATE TABLE assess_marks (
    inspection_id BIGINT NOT NULL REFERENCES assess_inspections (id),
    item_code     TEXT NOT NULL,
    result        TEXT NOT NULL,
    points        DOUBLE PRECISION NOT NULL DEFAULT 0,
    findings      INTEGER NOT NULL DEFAULT 0,
    note          TEXT NOT NULL DEFAULT '',
    photos        TEXT NOT NULL DEFAULT '',   -- attachment ids separated by ';'
    lon           DOUBLE PRECISION,           -- where the phone was (WGS-84), when it knew
    lat           DOUBLE PRECISION,
    at            BIGINT NOT NULL,            -- when the inspector scored it
    by_user       TEXT NOT NULL,
    PRIMARY KEY (inspection_id, item_code)
);

CREATE TABLE assess_findings (
    inspection_id BIGINT NOT NULL REFERENCES assess_inspections (id),
    item_code     TEXT NOT NULL,
    case_id       BIGINT NOT NULL UNIQUE REFERENCES cases (id),
    reinspector   TEXT NOT NULL,              -- who re-inspects once the case is handled
    reinspections INTEGER NOT NULL DEFAULT 0,
    last_pass     INTEGER,                    -- the last re-inspection: 1 passed, 0 failed
    last_at       BIGINT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (inspection_id, item_code)
);
CREATE INDEX assess_findings_reinspector ON assess_findings (reinspector);

-- +goose Down
DROP TABLE assess_findings;
DROP TABLE assess_marks;
DROP TABLE assess_inspections;
DROP TABLE assess_rounds;
DROP TABLE assess_sites;
DROP TABLE assess_checklists;
DROP TABLE assess_site_types;
DROP TABLE assess_standards;
