-- Indexes for case lists (GET /api/v1/cases) at a city's scale, measured by `citygrid bench
-- list` at 1,000,000 cases: lists are newest first or by deadline, so each common filter gets
-- an index in that order, and the scan stops after one page.

-- +goose Up
CREATE INDEX cases_created ON cases (created_at, id);
CREATE INDEX cases_department_created ON cases (department, created_at);
CREATE INDEX cases_department_due ON cases (department, handle_due) WHERE handle_due IS NOT NULL;
-- A district's, a subdistrict's and a major class's cases, newest first: the code prefixes are
-- what store.ListCases compares for a 6- or 9-digit region and a 2-digit category.
CREATE INDEX cases_district_created ON cases (substr(grid_code, 1, 6), created_at);
CREATE INDEX cases_subdistrict_created ON cases (substr(grid_code, 1, 9), created_at);
CREATE INDEX cases_major_created ON cases (substr(category, 1, 2), created_at);
-- Overdue lists: open cases by deadline, without wading through a year of closed ones.
CREATE INDEX cases_open_due ON cases (handle_due, id) WHERE status NOT IN ('closed', 'rejected', 'suspended');

-- +goose Down
DROP INDEX cases_open_due;
DROP INDEX cases_major_created;
DROP INDEX cases_subdistrict_created;
DROP INDEX cases_district_created;
DROP INDEX cases_department_due;
DROP INDEX cases_department_created;
DROP INDEX cases_created;
