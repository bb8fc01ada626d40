-- The duplicate search at intake (NearbyOpenCases) answered from the index alone, as on
-- SQLite: the row's drawn geometry is never read for it.

-- +goose Up
CREATE INDEX cases_nearby ON cases (kind, category, lat, lon) INCLUDE (status, created_at, ticket);
DROP INDEX cases_place;

-- +goose Down
CREATE INDEX cases_place ON cases (kind, category, lat, lon);
DROP INDEX cases_nearby;
