-- Before new labels (table new_labels) are stored: ids the new clustering gives are forgotten,
-- the faces of ids it no longer gives are remembered, so that they can come back.
DELETE FROM person_memory WHERE influencer_id IN (SELECT cluster_id FROM new_labels WHERE cluster_id IS NOT NULL);
INSERT OR IGNORE INTO person_memory (influencer_id, face_id)
SELECT DISTINCT coalesce(cluster_id, influencer_id), face_id FROM faces
WHERE coalesce(cluster_id, influencer_id) IS NOT NULL
  AND coalesce(cluster_id, influencer_id) NOT IN (SELECT cluster_id FROM new_labels WHERE cluster_id IS NOT NULL);
