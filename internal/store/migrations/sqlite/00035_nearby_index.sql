-- The duplicate search at intake (NearbyOpenCases) reads only the index: a case's status and
-- age sit in the row after its drawn geometry, which may be tens of kilobytes, and reading
-- them from the row walked every nearby case's geometry for every report.

-- +goose Up
CREATE INDEX cases_nearby ON cases (kind, category, lat, lon, status, created_at, ticket);
DROP INDEX cases_place;

-- +goose Down
CREATE INDEX cases_place ON cases (kind, category, lat, lon);
DROP INDEX cases_nearby;
