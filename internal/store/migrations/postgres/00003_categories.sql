-- The category dictionary (GB/T 47678.5-2026 and local extensions), keyed by kind and code.

-- +goose Up
CREATE TABLE categories (
    kind                  TEXT NOT NULL,
    code                  TEXT NOT NULL,
    major_code            TEXT NOT NULL,
    major_name            TEXT NOT NULL,
    name                  TEXT NOT NULL,
    filing_condition      TEXT NOT NULL DEFAULT '',
    closing_condition     TEXT NOT NULL DEFAULT '',
    verification_required BOOLEAN NOT NULL DEFAULT TRUE,
    public                BOOLEAN NOT NULL DEFAULT TRUE,
    sensitive             BOOLEAN NOT NULL DEFAULT FALSE,
    local                 BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (kind, code)
);

-- +goose Down
DROP TABLE categories;
