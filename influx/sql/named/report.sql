-- Statements of influx/report.py, by name (db.sql("report.NAME")).

-- name: uncertain_listing_sql
SELECT * FROM video_influencers WHERE uncertain;

-- name: copies_listing_sql
SELECT v.* FROM video_influencers v JOIN credited k USING (row_index) WHERE k.is_copy;

-- name: stats
SELECT * FROM influencer_stats ORDER BY rank;

-- name: failures
SELECT coalesce(error_kind, 'other'), count(*) FROM videos WHERE status = 'failed' GROUP BY 1 ORDER BY 2 DESC;

-- name: face_counts
SELECT count(*), count(influencer_id) FROM faces;

-- name: uncertain
SELECT row_index, video_url, influencer_id, uncertain_reason FROM video_influencers WHERE uncertain ORDER BY row_index;

-- name: statuses
SELECT status, count(*) FROM videos GROUP BY 1;

-- name: count_people
SELECT count(*) FROM influencers;

-- name: count_without_influencer
SELECT count(*) FROM video_influencers WHERE influencer_id IS NULL AND status IN ('ok', 'duplicate');

-- name: settings
SELECT name, value FROM settings;

-- name: reliability
SELECT * FROM reliability;

-- name: constants
SELECT * FROM constants;
