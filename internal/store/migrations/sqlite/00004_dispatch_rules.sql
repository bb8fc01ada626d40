-- The dispatch table (派遣规则): which department handles which category where, in order.

-- +goose Up
CREATE TABLE dispatch_rules (
    id          INTEGER PRIMARY KEY,
    ord            INTEGER NOT NULL,
    category_kind  TEXT NOT NULL DEFAULT '',
    category       TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    from_time      TEXT NOT NULL DEFAULT '',
    to_time        TEXT NOT NULL DEFAULT '',
    department     TEXT NOT NULL REFERENCES departments (code),
    co_departments TEXT NOT NULL DEFAULT '', -- codes separated by ';'
    auto           BOOLEAN NOT NULL DEFAULT FALSE
);

-- +goose Down
DROP TABLE dispatch_rules;
