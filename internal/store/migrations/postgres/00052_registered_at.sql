-- The first registration (立案) of each case as a column: an export lists it for every row,
-- and reading it from the timeline was an index probe a row, a third of an export's reading.
-- The state's registered_at keeps it from now on; earlier cases get it from their timelines.

-- +goose Up
ALTER TABLE cases ADD COLUMN registered_at BIGINT;
UPDATE cases SET registered_at = (SELECT MIN(e.at) FROM case_events e WHERE e.case_id = cases.id AND e.action = 'register')
WHERE EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.action = 'register');
-- Its only reader was the export's probe.
DROP INDEX case_events_register;

-- +goose Down
CREATE INDEX case_events_register ON case_events (case_id, at) WHERE action = 'register';
ALTER TABLE cases DROP COLUMN registered_at;
