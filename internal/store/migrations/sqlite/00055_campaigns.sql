-- Campaigns to zero (专项整治, issue #17): a campaign's list of targets (evaluation sites, or
-- assets imported for it), each located to its unit grid with the district, subdistrict and
-- community its progress is counted by, its state and the rectification case working on it
-- (one target at most per case), and every change of a target's state with the day it counts
-- for and what it did to the remaining count, which the burn-down sums by day.

-- +goose Up
CREATE TABLE campaigns (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    scope         TEXT NOT NULL,              -- region codes, ';'-separated
    owner         TEXT NOT NULL REFERENCES departments (code),
    starts_on     TEXT NOT NULL,              -- China dates, YYYY-MM-DD
    due_on        TEXT NOT NULL,
    goal          INTEGER NOT NULL DEFAULT 0, -- targets that may remain on the due date
    category_kind TEXT NOT NULL DEFAULT '',   -- the rectification cases' default category
    category      TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE campaign_targets (
    id                 INTEGER PRIMARY KEY,
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id),
    target_key         TEXT NOT NULL,          -- site:CODE, or the asset's type, name and point
    site_id            BIGINT REFERENCES assess_sites (id),
    name               TEXT NOT NULL,
    target_type        TEXT NOT NULL,
    address            TEXT NOT NULL DEFAULT '',
    lon                DOUBLE PRECISION NOT NULL, -- WGS-84, as stored
    lat                DOUBLE PRECISION NOT NULL,
    input_crs          TEXT NOT NULL DEFAULT 'wgs84',
    unit               TEXT NOT NULL DEFAULT '',  -- the responsible unit (责任单位)
    grid_code          TEXT NOT NULL REFERENCES regions (code),
    region_path        TEXT NOT NULL,          -- codes from the city down to the grid, ';'-separated
    district           TEXT NOT NULL,
    subdistrict        TEXT NOT NULL,
    community          TEXT NOT NULL,
    state              TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'in_progress', 'done', 'verified', 'exempt')),
    case_id            BIGINT REFERENCES cases (id), -- the open case while in progress, else the last
    due_on             TEXT NOT NULL,
    exempt_reason      TEXT NOT NULL DEFAULT '',
    exempt_by          TEXT NOT NULL DEFAULT '',
    exempt_approved_by TEXT NOT NULL DEFAULT '',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (campaign_id, target_key)
);
CREATE INDEX campaign_targets_district ON campaign_targets (campaign_id, district, state);
CREATE INDEX campaign_targets_subdistrict ON campaign_targets (campaign_id, subdistrict);
CREATE INDEX campaign_targets_community ON campaign_targets (campaign_id, community);
CREATE INDEX campaign_targets_grid ON campaign_targets (grid_code);
CREATE UNIQUE INDEX campaign_targets_case ON campaign_targets (case_id);

CREATE TABLE campaign_target_events (
    id          INTEGER PRIMARY KEY,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id),
    target_id   BIGINT NOT NULL REFERENCES campaign_targets (id),
    at          BIGINT NOT NULL,
    day         TEXT NOT NULL,                 -- the China date of at
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,                 -- '' when the target was listed
    to_state    TEXT NOT NULL,
    delta       INTEGER NOT NULL,              -- what the change did to the remaining count
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    case_id     BIGINT
);
CREATE INDEX campaign_target_events_day ON campaign_target_events (campaign_id, day);
CREATE INDEX campaign_target_events_target ON campaign_target_events (target_id, id);

-- +goose Down
DROP TABLE campaign_target_events;
DROP TABLE campaign_targets;
DROP TABLE campaigns;
