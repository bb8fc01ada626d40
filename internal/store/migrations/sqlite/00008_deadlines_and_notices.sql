-- Deadlines and notices. A city's time-limits table and its calendar overrides become data an
-- administrator edits; each running stage of a case gets a clock (its deadline snapshotted
-- when the stage starts); notices and deliveries fan out from the outbox.

-- +goose Up
-- The 立结案标准 table: the most specific row for (stage, kind, category, urgency, area class)
-- wins; '' matches anything.
CREATE TABLE time_limits (
    id            INTEGER PRIMARY KEY,
    stage         TEXT NOT NULL,
    category_kind TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    urgency       TEXT NOT NULL DEFAULT '',
    area_class    TEXT NOT NULL DEFAULT '',
    value         INTEGER NOT NULL,
    unit          TEXT NOT NULL,
    source        TEXT NOT NULL DEFAULT '',
    UNIQUE (stage, category_kind, category, urgency, area_class)
);

-- An administrator's own working-day table: wins over the State Council schedule.
CREATE TABLE calendar_overrides (
    day        TEXT PRIMARY KEY,          -- YYYY-MM-DD
    working    BOOLEAN NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- One row per stage a case has run (accept, dispatch, sign, handle, verify). A clock runs
-- while stopped_at is NULL; paused_at is set while the case is suspended (挂账). The notice
-- columns are claimed by a conditional update, which is what makes each notice go out exactly
-- once however many processes sweep.
CREATE TABLE case_clocks (
    id                INTEGER PRIMARY KEY,
    case_id           BIGINT NOT NULL REFERENCES cases (id),
    stage             TEXT NOT NULL,
    started_at        BIGINT NOT NULL,
    limit_value       INTEGER NOT NULL,
    limit_unit        TEXT NOT NULL,
    due_at            BIGINT NOT NULL,
    warn_at           BIGINT NOT NULL,    -- when 80 % of the stage's time is used
    pauses            TEXT NOT NULL DEFAULT '[]', -- finished pauses, [[from, to], …] in microseconds
    paused_at         BIGINT,
    stopped_at        BIGINT,
    near_notice_at    BIGINT,
    overdue_notice_at BIGINT
);
CREATE INDEX case_clocks_running ON case_clocks (case_id) WHERE stopped_at IS NULL;
CREATE INDEX case_clocks_near ON case_clocks (warn_at) WHERE stopped_at IS NULL AND paused_at IS NULL AND near_notice_at IS NULL;
CREATE INDEX case_clocks_overdue ON case_clocks (due_at) WHERE stopped_at IS NULL AND paused_at IS NULL AND overdue_notice_at IS NULL;

-- The handling stage's yellow moment, beside handle_due, so lists show exact lights.
ALTER TABLE cases ADD COLUMN handle_warn BIGINT;

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- In-app notifications (GET /api/v1/notifications).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    username   TEXT NOT NULL,
    outbox_id  BIGINT NOT NULL,
    topic      TEXT NOT NULL,
    case_id    BIGINT,
    message    TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    UNIQUE (outbox_id, username)
);
CREATE INDEX notifications_user ON notifications (username, id);

-- Webhook subscriptions: every outbox message whose topic matches is POSTed, signed with the
-- subscription's secret.
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    topics     TEXT NOT NULL DEFAULT '*', -- '*' or topics separated by ',' ("case.*" matches a prefix)
    created_at BIGINT NOT NULL,
    disabled   BOOLEAN NOT NULL DEFAULT FALSE
);

-- Messages to send outside: webhook posts and e-mails, retried with backoff. A sender claims a
-- row by moving next_at forward (a lease), so two processes never send one attempt twice.
CREATE TABLE deliveries (
    id         INTEGER PRIMARY KEY,
    outbox_id  BIGINT NOT NULL,
    channel    TEXT NOT NULL,             -- webhook | email
    target     TEXT NOT NULL,             -- webhook id, or an e-mail address
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    done_at    BIGINT,
    failed     BOOLEAN NOT NULL DEFAULT FALSE,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (outbox_id, channel, target)
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE done_at IS NULL;

-- +goose Down
DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
ALTER TABLE users DROP COLUMN email;
ALTER TABLE cases DROP COLUMN handle_warn;
DROP TABLE case_clocks;
DROP TABLE calendar_overrides;
DROP TABLE time_limits;
