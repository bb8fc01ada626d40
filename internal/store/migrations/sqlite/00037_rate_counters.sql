-- Counters of what anyone may do without signing in, per client address and window (e.g. the
-- anonymous "me too": so many an hour from one address), kept in the database so that every
-- server process counts against one limit.

-- +goose Up
CREATE TABLE rate_counters (
    key          TEXT PRIMARY KEY,
    hits         INTEGER NOT NULL,
    window_start BIGINT NOT NULL
);

-- +goose Down
DROP TABLE rate_counters;
