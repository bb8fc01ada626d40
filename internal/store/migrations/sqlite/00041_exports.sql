-- Exports (issue 13): case lists and evaluation tables written to .xlsx or CSV by a job, with
-- its progress, for the person who asked. A runner claims a queued export by a conditional
-- update and holds it by a lease it renews as it writes, so however many server processes
-- run, each export is written once; one whose runner died is taken over when its lease runs
-- out. Finished files are kept a day.

-- +goose Up
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    username    TEXT NOT NULL,              -- who asked: only they see it and download it
    kind        TEXT NOT NULL,              -- cases | stats
    format      TEXT NOT NULL,              -- xlsx | csv
    params      TEXT NOT NULL DEFAULT '{}', -- the filters, as JSON
    state       TEXT NOT NULL,              -- queued | running | done | failed
    rows        BIGINT NOT NULL DEFAULT 0,  -- rows written so far
    total       BIGINT NOT NULL DEFAULT 0,  -- rows to write, once counted
    file_key    TEXT NOT NULL DEFAULT '',   -- the finished file in the blob store
    file_name   TEXT NOT NULL DEFAULT '',   -- its name when downloaded
    error       TEXT NOT NULL DEFAULT '',   -- why it failed, as an error code
    claim       TEXT NOT NULL DEFAULT '',   -- the runner holding it
    lease_until BIGINT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX exports_waiting ON exports (id) WHERE state IN ('queued', 'running');
CREATE INDEX exports_user ON exports (username, state);
CREATE INDEX exports_expiry ON exports (expires_at);

-- An export lists each case's first registration (立案时间): one probe of this index a case
-- instead of a walk through its timeline.
CREATE INDEX case_events_register ON case_events (case_id, at) WHERE action = 'register';

-- +goose Down
DROP INDEX case_events_register;
DROP TABLE exports;
