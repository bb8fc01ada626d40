-- Urging (督办, issue 15): a leader or the command centre presses an open case's holder. The
-- case's state counts the urgings and keeps the last one's time; urged_at copies that time
-- into a column so that lists filter urged cases (urged=1) newest first along an index that
-- holds the urged cases only. eval_daily counts urgings per group and day, for the department
-- that held the case when it was urged.

-- +goose Up
ALTER TABLE cases ADD COLUMN urged_at INTEGER;
CREATE INDEX cases_urged_created ON cases (created_at, id) WHERE urged_at IS NOT NULL;
ALTER TABLE eval_daily ADD COLUMN urged INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE eval_daily DROP COLUMN urged;
DROP INDEX cases_urged_created;
ALTER TABLE cases DROP COLUMN urged_at;
