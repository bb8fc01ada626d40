-- Open311 GeoReport v2 (DESIGN §8): the integration clients whose API keys are bearer tokens of
-- an integration user, the extra attributes a category asks for (Open311 service attributes),
-- and what each Open311 request brought besides the case: its token, attribute answers and a
-- remote media URL. Remote updates are kept by the client's own id, so a retry is harmless.

-- +goose Up
CREATE TABLE open311_clients (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id),
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE category_attributes (
    kind       TEXT NOT NULL,
    code       TEXT NOT NULL,
    attributes TEXT NOT NULL,                 -- JSON array of workflow.Attribute
    PRIMARY KEY (kind, code),
    FOREIGN KEY (kind, code) REFERENCES categories (kind, code)
);

CREATE TABLE open311_requests (
    case_id    BIGINT PRIMARY KEY REFERENCES cases (id),
    client_id  BIGINT NOT NULL REFERENCES open311_clients (user_id),
    token      TEXT NOT NULL UNIQUE,
    attributes TEXT NOT NULL DEFAULT '{}',    -- the answers, attribute code → values, JSON
    media_url  TEXT NOT NULL DEFAULT '',      -- a photo elsewhere, as the client named it (never fetched)
    created_at BIGINT NOT NULL
);

CREATE TABLE open311_updates (
    client_id  BIGINT NOT NULL REFERENCES open311_clients (user_id),
    remote_id  TEXT NOT NULL,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    event_id   BIGINT NOT NULL REFERENCES case_events (id),
    PRIMARY KEY (client_id, remote_id)
);

-- servicerequestupdates lists timeline events by time.
CREATE INDEX case_events_at ON case_events (at);

-- +goose Down
DROP INDEX case_events_at;
DROP TABLE open311_updates;
DROP TABLE open311_requests;
DROP TABLE category_attributes;
DROP TABLE open311_clients;
