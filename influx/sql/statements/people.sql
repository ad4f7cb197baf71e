-- People: ids that carry over, labels of faces, the people listing, links of videos.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("people.<name>").

-- name: person_name_and_videos
SELECT i.name, coalesce(s.n_videos, 0) FROM influencers i LEFT JOIN influencer_stats s USING (influencer_id) WHERE influencer_id = ?;

-- name: people_listing
SELECT i.influencer_id, i.name, coalesce(s.n_videos, 0) AS n_videos, coalesce(s.n_duplicates, 0) AS n_duplicates,
       i.n_appearances, i.n_faces, i.first_row_index, i.not_influencer
FROM influencers i LEFT JOIN influencer_stats s USING (influencer_id)
ORDER BY i.influencer_id;

-- name: person_videos
SELECT coalesce(s.n_videos, 0) FROM influencers i LEFT JOIN influencer_stats s USING (influencer_id) WHERE influencer_id = ?;

-- name: any_person_ids
SELECT count(*) FROM person_ids;

-- name: person_names
SELECT influencer_id, name FROM influencers;

-- name: cluster_summary
SELECT (SELECT count(*) FROM influencers), (SELECT count(*) FROM influencers WHERE n_videos > 0), (SELECT count(*) FROM video_influencers WHERE influencer_id IS NOT NULL), (SELECT count(*) FROM video_influencers WHERE uncertain);

-- name: person_ids
SELECT influencer_id FROM person_ids;

-- name: clear_links
DELETE FROM video_links;

-- name: store_links
INSERT INTO video_links SELECT row_index, method, joined_at, hair, refused_at, membership, outlier_score, doubt FROM new_links;

-- name: store_uncertainty
UPDATE video_people SET distance = u.distance, margin = u.margin FROM new_uncertainty u WHERE video_people.row_index = u.row_index AND video_people.is_dominant;

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
SELECT face_id, row_index, face_size, coalesce(cluster_id, -1) AS cluster_id, coalesce(influencer_id, -1) AS influencer_id
FROM faces WHERE cluster_id IS NOT NULL OR influencer_id IS NOT NULL ORDER BY face_id;

-- name: clear_labels
UPDATE faces SET track_id = NULL, cluster_id = NULL, influencer_id = NULL;

-- name: store_tracks
UPDATE faces SET track_id = l.track_id FROM new_labels l WHERE faces.face_id = l.face_id;

-- name: clear_people
UPDATE faces SET cluster_id = NULL, influencer_id = NULL;

-- name: influencer_of_row
SELECT influencer_id FROM video_influencers WHERE row_index = ?;

-- name: row_status
SELECT status, duplicate_of FROM videos WHERE row_index = ?;

-- name: person_embeddings
SELECT influencer_id, embedding FROM faces WHERE influencer_id IS NOT NULL ORDER BY face_id;

-- name: influencer_exists
SELECT 1 FROM influencers WHERE influencer_id = ?;

-- name: highest_person_id
-- The highest person id given: a new person's id comes after it (ids.first_new_id).
SELECT greatest((SELECT coalesce(max(influencer_id), 0) FROM person_ids), (SELECT coalesce(max(target_id), 0) FROM corrections));

-- name: person_id_exists
SELECT 1 FROM person_ids WHERE influencer_id = ?;

-- name: old_ids
-- The ids faces had before this clustering: from the last clustering (cluster_id; influencer_id in
-- databases clustered before cluster_id existed), and the remembered faces of ids given earlier.
SELECT face_id, coalesce(cluster_id, influencer_id) AS influencer_id
FROM faces WHERE coalesce(cluster_id, influencer_id) IS NOT NULL
UNION
SELECT face_id, influencer_id FROM person_memory
ORDER BY influencer_id, face_id;

-- name: remember_ids
-- Before new labels (table new_labels) are stored: ids the new clustering gives are forgotten,
-- the faces of ids it no longer gives are remembered, so that they can come back.
DELETE FROM person_memory WHERE influencer_id IN (SELECT cluster_id FROM new_labels WHERE cluster_id IS NOT NULL);
INSERT OR IGNORE INTO person_memory (influencer_id, face_id)
SELECT DISTINCT coalesce(cluster_id, influencer_id), face_id FROM faces
WHERE coalesce(cluster_id, influencer_id) IS NOT NULL
  AND coalesce(cluster_id, influencer_id) NOT IN (SELECT cluster_id FROM new_labels WHERE cluster_id IS NOT NULL);
