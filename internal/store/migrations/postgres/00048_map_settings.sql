-- The tiles under the pages' maps (issue 16) as an administrator chose them: one row, absent
-- until chosen. CITYGRID_MAP_TILES, when set, wins over it.

-- +goose Up
CREATE TABLE map_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    provider   TEXT NOT NULL,              -- none | tianditu | amap | xyz
    tile_key   TEXT NOT NULL DEFAULT '',   -- 天地图's key
    url        TEXT NOT NULL DEFAULT '',   -- an XYZ template
    crs        TEXT NOT NULL DEFAULT '',   -- an XYZ template's coordinate system
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE map_settings;
