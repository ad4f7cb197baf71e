-- Statements of influx/cli_people.py, by name (db.sql("cli_people.NAME")).

-- n_videos and n_duplicates are influencer_stats' (one count of videos everywhere), 0 for people
-- who are never a video's influencer.

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
