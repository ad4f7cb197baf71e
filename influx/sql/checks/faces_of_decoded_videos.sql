-- Faces belong to decoded videos (status ok): a failed, pending or duplicate row has none of its own.
-- fix: `influx ingest` of the sheet stores the videos again
SELECT f.face_id, v.status FROM faces f LEFT JOIN videos v USING (row_index) WHERE v.status IS DISTINCT FROM 'ok';
