-- Every step of a case looks up who hears of it: the centre staff of the regions over it, the
-- handlers of its departments, the workers of its grid. Without these indexes that lookup
-- reads every user, and a city has thousands (the demo city 2,600; DESIGN's capital 10,000).

-- +goose Up
CREATE INDEX users_scope ON users (scope, role);
CREATE INDEX users_department ON users (department);

-- +goose Down
DROP INDEX users_department;
DROP INDEX users_scope;
