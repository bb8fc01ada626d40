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
INSERT INTO case_photos (attachment_id, case_id, public)
SELECT DISTINCT p, c.id, TRUE FROM cases c, unnest(string_to_array(c.photos, ';')) AS p
WHERE c.photos <> '' AND p <> '';

INSERT INTO case_photos (attachment_id, case_id, public)
SELECT DISTINCT p, e.case_id, e.action IN ('report', 'self_handle', 'handle')
FROM case_events e, jsonb_array_elements_text(
    CASE WHEN jsonb_typeof(e.input::jsonb -> 'photos') = 'array' THEN e.input::jsonb -> 'photos' ELSE '[]'::jsonb END) AS p
WHERE e.input LIKE '%"photos"%';

-- +goose Down
DROP TABLE case_photos;
