-- Saved views of the workspace (issue 15): a person names a set of a case list's filters and
-- its sort, and finds it again on any device. Each is its owner's alone; a person keeps at most
-- 20 (the use case counts them), each name once.

-- +goose Up
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    username   TEXT NOT NULL,
    name       TEXT NOT NULL,
    filters    TEXT NOT NULL DEFAULT '{}', -- the list's query parameters, as JSON
    created_at BIGINT NOT NULL,
    UNIQUE (username, name)
);

-- +goose Down
DROP TABLE saved_views;
