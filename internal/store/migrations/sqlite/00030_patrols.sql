-- Patrols (巡查, DESIGN §4): a grid worker's sessions on the street, each in one unit grid, with
-- the GPS points the phone posted while it ran. A person runs one patrol at a time; the count of
-- points and the distance walked are kept on the session so lists need not read the track.

-- +goose Up
CREATE TABLE patrols (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    grid_code   TEXT NOT NULL REFERENCES regions (code),
    started_at  BIGINT NOT NULL,
    stopped_at  BIGINT,
    points      INTEGER NOT NULL DEFAULT 0,
    distance_m  DOUBLE PRECISION NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX patrols_running ON patrols (user_id) WHERE stopped_at IS NULL;
CREATE INDEX patrols_user_started ON patrols (user_id, started_at);
CREATE INDEX patrols_grid_started ON patrols (grid_code, started_at);

CREATE TABLE patrol_points (
    patrol_id   BIGINT NOT NULL REFERENCES patrols (id),
    at          BIGINT NOT NULL,              -- when the phone took the fix, µs since 1970
    lon         DOUBLE PRECISION NOT NULL,    -- WGS-84, as the browser gives it
    lat         DOUBLE PRECISION NOT NULL,
    accuracy_m  DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (patrol_id, at)
);

-- +goose Down
DROP TABLE patrol_points;
DROP INDEX patrols_grid_started;
DROP INDEX patrols_user_started;
DROP INDEX patrols_running;
DROP TABLE patrols;
