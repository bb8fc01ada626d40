-- Timeline entries as data (DESIGN §8): what happened as a code with its params (e.g.
-- "dispatched" {"department": "410802-CGJ"}), so pages word it in the reader's language; the
-- note keeps the English line the API has always shown. Older events have no code and show
-- their note.

-- +goose Up
ALTER TABLE case_events ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE case_events ADD COLUMN params TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE case_events DROP COLUMN params;
ALTER TABLE case_events DROP COLUMN code;
