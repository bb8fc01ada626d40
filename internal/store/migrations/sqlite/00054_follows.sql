-- Following by e-mail (issue 16): a resident follows one public case (kind 'case', case_id), or
-- the new public reports of a subdistrict or community (kind 'area', region), optionally of one
-- category class (class 'matter-09': kind and major class; '' for every class). A follow is
-- pending until the address confirms it by the link mailed to it (confirmed_at), and ends in
-- one click (unsubscribed_at); the token is the link's, random, and also unsubscribes. A follow
-- is kept after it ends, so asking again mails a new confirmation instead of adding a row.
--
-- Residents may also sign up with an e-mail address, proved by a six-digit code mailed to it
-- (signup_codes: the code's hash, the guesses made, until when it holds); a code is deleted
-- when it is used.

-- +goose Up
CREATE TABLE follows (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,               -- case | area
    case_id         BIGINT NOT NULL DEFAULT 0,   -- kind case; 0 for an area
    region          TEXT NOT NULL DEFAULT '',    -- kind area: a subdistrict or community code
    class           TEXT NOT NULL DEFAULT '',    -- kind area: '<category kind>-<major class>' or ''
    email           TEXT NOT NULL,
    token           TEXT NOT NULL UNIQUE,
    confirmed_at    BIGINT,
    unsubscribed_at BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (kind, case_id, region, class, email)
);
CREATE INDEX follows_area ON follows (region) WHERE kind = 'area';

CREATE TABLE signup_codes (
    email      TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE signup_codes;
DROP TABLE follows;
