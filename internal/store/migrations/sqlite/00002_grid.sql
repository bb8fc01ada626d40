-- The three-level grid: region geometry (GeoJSON, WGS-84 lon/lat), grid members, and an epoch
-- that every change to regions bumps, so each server knows when to rebuild its locate index.

-- +goose Up
ALTER TABLE regions ADD COLUMN geometry TEXT;

CREATE TABLE region_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO region_epoch (id, epoch) VALUES (1, 0);

-- 网格长 (leader) and 网格员 (worker) of each unit grid.
CREATE TABLE grid_members (
    grid_code TEXT NOT NULL REFERENCES regions (code),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    role      TEXT NOT NULL CHECK (role IN ('leader', 'worker')),
    PRIMARY KEY (grid_code, user_id)
);
CREATE INDEX grid_members_user ON grid_members (user_id);

-- +goose Down
DROP TABLE grid_members;
DROP TABLE region_epoch;
ALTER TABLE regions DROP COLUMN geometry;
