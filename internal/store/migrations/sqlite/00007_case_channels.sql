-- One case may come in through several channels (并单): the first report and every repeat of
-- it, e.g. 12345 hotline tickets about the same problem. A channel's reference is unique, which
-- makes hotline imports idempotent.

-- +goose Up
CREATE TABLE case_channels (
    id       INTEGER PRIMARY KEY,
    case_id  BIGINT NOT NULL REFERENCES cases (id),
    source   TEXT NOT NULL,
    ref      TEXT NOT NULL,
    at       BIGINT NOT NULL,
    UNIQUE (source, ref)
);
CREATE INDEX case_channels_case ON case_channels (case_id);

-- +goose Down
DROP TABLE case_channels;
