-- Statements of influx/people.py, by name (db.sql("people.NAME")).

-- name: store_uncertainty
UPDATE video_people SET distance = u.distance, margin = u.margin FROM new_uncertainty u WHERE video_people.row_index = u.row_index AND video_people.is_dominant;

-- name: delete_corrections
DELETE FROM corrections WHERE correction_id IN ?;

-- name: delete_correction
DELETE FROM corrections WHERE correction_id = ?;

-- name: store_labels
UPDATE faces SET cluster_id = l.cluster_id, influencer_id = l.influencer_id FROM new_labels l WHERE faces.face_id = l.face_id;

-- name: add_new_person_ids
INSERT INTO person_ids (influencer_id) SELECT DISTINCT influencer_id FROM faces WHERE influencer_id IS NOT NULL AND influencer_id NOT IN (SELECT influencer_id FROM person_ids);

-- name: rename_person_id
UPDATE person_ids SET name = ? WHERE influencer_id = ?;

-- name: rename_influencer
UPDATE influencers SET name = ? WHERE influencer_id = ?;

-- name: add_person_id
INSERT INTO person_ids (influencer_id) VALUES (?);

-- name: labelled_faces
SELECT face_id, row_index, face_size, coalesce(cluster_id, -1) AS cluster_id FROM faces WHERE cluster_id IS NOT NULL OR influencer_id IS NOT NULL ORDER BY face_id;

-- name: clear_labels
UPDATE faces SET track_id = NULL, cluster_id = NULL, influencer_id = NULL;

-- name: store_tracks
UPDATE faces SET track_id = l.track_id FROM new_labels l WHERE faces.face_id = l.face_id;

-- name: clear_people
UPDATE faces SET cluster_id = NULL, influencer_id = NULL;

-- name: merges_of
SELECT correction_id, influencer_id FROM corrections WHERE kind = 'merge' AND ? IN (influencer_id, target_id);

-- name: influencer_of_row
SELECT influencer_id FROM video_influencers WHERE row_index = ?;

-- name: row_status
SELECT status, duplicate_of FROM videos WHERE row_index = ?;

-- name: correction
SELECT kind, influencer_id, target_id, row_index FROM corrections WHERE correction_id = ?;

-- name: corrections_listing
SELECT correction_id, kind, influencer_id, target_id, row_index, created_at FROM corrections ORDER BY correction_id;

-- name: person_embeddings
SELECT influencer_id, embedding FROM faces WHERE influencer_id IS NOT NULL ORDER BY face_id;

-- name: max_person_id
SELECT coalesce(max(influencer_id), 0) FROM person_ids;

-- name: influencer_exists
SELECT 1 FROM influencers WHERE influencer_id = ?;

-- name: add_correction
INSERT INTO corrections (kind, influencer_id, target_id, row_index) VALUES (?, ?, ?, ?) RETURNING correction_id;

-- name: next_person_id
SELECT greatest((SELECT coalesce(max(influencer_id), 0) FROM person_ids), (SELECT coalesce(max(target_id), 0) FROM corrections)) + 1;

-- name: person_id_exists
SELECT 1 FROM person_ids WHERE influencer_id = ?;
