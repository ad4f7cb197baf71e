-- Statements of influx/cluster.py, by name (db.sql("cluster.NAME")).

-- name: cluster_summary
SELECT (SELECT count(*) FROM influencers), (SELECT count(*) FROM influencers WHERE n_videos > 0), (SELECT count(*) FROM video_influencers WHERE influencer_id IS NOT NULL), (SELECT count(*) FROM video_influencers WHERE uncertain);

-- name: person_ids
SELECT influencer_id FROM person_ids;

-- name: clear_links
DELETE FROM video_links;

-- name: store_links
INSERT INTO video_links SELECT row_index, method, joined_at, hair, refused_at, membership, outlier_score, doubt FROM new_links;
