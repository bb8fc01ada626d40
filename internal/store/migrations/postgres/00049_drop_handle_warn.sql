-- +goose Up
-- The handling deadline's yellow moment is kept in light_warn with the other stages' (00032);
-- handle_warn has been neither written nor read since.
ALTER TABLE cases DROP COLUMN handle_warn;

-- +goose Down
ALTER TABLE cases ADD COLUMN handle_warn BIGINT;
