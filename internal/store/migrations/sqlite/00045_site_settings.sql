-- The deployment's own settings, edited by the city's administrator and read on every page:
-- its name, the unit that runs it (主办单位) and its emblem. One row a key; the emblem's bytes
-- are stored base64 in the value, small enough (a few KB) to live beside the words.

-- +goose Up
CREATE TABLE site_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE site_settings;
