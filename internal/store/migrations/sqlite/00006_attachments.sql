-- Photos and other attachments, content-addressed: the id is the SHA-256 of the original bytes.

-- +goose Up
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    uploader     TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE attachments;
