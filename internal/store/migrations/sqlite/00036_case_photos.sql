-- Which cases name which photo (#11): a photo's original, EXIF position and all, goes only to
-- those who may see one of the cases that name it, and its public copy only to those who may
-- see one of them or, for a case of a public category, to anyone when the naming is public
-- (the report's own photos, a handling's result). Rows are appended, never updated: the same
-- naming twice is harmless, so the table has no key and takes the transaction's deferred
-- multi-row inserts.

-- +goose Up
CREATE TABLE case_photos (
    attachment_id TEXT NOT NULL,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    public        BOOLEAN NOT NULL
);
CREATE INDEX case_photos_attachment ON case_photos (attachment_id, case_id);

-- The photos cases already name: a case's own (public), and those its timeline's actions
-- carried (public for the report and the handling's result).
WITH RECURSIVE split (case_id, id, rest) AS (
    SELECT id, '', photos || ';' FROM cases WHERE photos <> ''
    UNION ALL
    SELECT case_id, substr(rest, 1, instr(rest, ';') - 1), substr(rest, instr(rest, ';') + 1) FROM split WHERE rest <> ''
)
INSERT INTO case_photos (attachment_id, case_id, public)
SELECT DISTINCT id, case_id, TRUE FROM split WHERE id <> '';

INSERT INTO case_photos (attachment_id, case_id, public)
SELECT DISTINCT j.value, e.case_id, e.action IN ('report', 'self_handle', 'handle')
FROM case_events e, json_each(CASE WHEN json_valid(e.input) THEN e.input ELSE '{}' END, '$.photos') j
WHERE e.input LIKE '%"photos"%' AND j.type = 'text';

-- +goose Down
DROP TABLE case_photos;
