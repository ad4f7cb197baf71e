-- Statements of influx/cli_people.py, by name (db.sql("cli_people.NAME")).

-- name: person_name_and_videos
SELECT name, n_videos FROM influencers WHERE influencer_id = ?;

-- name: people_listing
SELECT influencer_id, name, n_videos, n_appearances, n_faces, first_row_index, not_influencer FROM influencers ORDER BY influencer_id;

-- name: person_videos
SELECT n_videos FROM influencers WHERE influencer_id = ?;

-- name: any_person_ids
SELECT count(*) FROM person_ids;

-- name: person_names
SELECT influencer_id, name FROM influencers;
