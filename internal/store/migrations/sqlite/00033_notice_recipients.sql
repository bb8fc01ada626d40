-- Who hears of an outbox message, decided in the transaction that writes it (the people of the
-- moment the step happened, each with an audience: staff or reporter) as JSON. NULL for
-- messages written before: those are still worded for whoever the case concerns when delivered.

-- +goose Up
ALTER TABLE outbox ADD COLUMN recipients TEXT;

-- +goose Down
ALTER TABLE outbox DROP COLUMN recipients;
