-- What the report and the contact sheet read.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("report.<name>").

-- name: contact_sheet_people
SELECT i.influencer_id, i.name, coalesce(s.n_videos, 0), coalesce(s.n_duplicates, 0), i.n_appearances, i.not_influencer,
       s.avg_performance, s.avg_ci_low, s.avg_ci_high, s.reliability, s.rank
FROM influencers i LEFT JOIN influencer_stats s USING (influencer_id)
ORDER BY coalesce(s.rank, 1e9), i.influencer_id;

-- name: uncertain_listing_sql
SELECT * FROM video_influencers WHERE uncertain;

-- name: copies_listing_sql
SELECT v.* FROM video_influencers v JOIN credited k USING (row_index) WHERE k.is_copy;

-- name: stats
SELECT * FROM influencer_stats ORDER BY rank;

-- name: failures
SELECT coalesce(error_kind, 'other'), count(*) FROM videos WHERE status = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1;

-- name: face_counts
SELECT count(*), count(influencer_id) FROM faces;

-- name: uncertain
SELECT row_index, video_url, influencer_id, uncertain_reason FROM video_influencers WHERE uncertain ORDER BY row_index;

-- name: statuses
SELECT status, count(*) FROM videos GROUP BY 1;

-- name: count_people
SELECT count(*) FROM influencers;

-- name: count_unscored
-- Rows of the sheet whose performance cell could not be read (videos.input_error says why).
SELECT count(*) FROM videos WHERE performance IS NULL;

-- name: count_without_influencer
SELECT count(*) FROM video_influencers WHERE influencer_id IS NULL AND status IN ('ok', 'duplicate');

-- name: settings
SELECT name, value FROM settings;

-- name: reliability
SELECT * FROM reliability;

-- name: constants
SELECT * FROM constants;

-- name: contact_sheet
-- One face per person and video for the contact sheet: the person's best face in that video
-- (large, frontal, sharp), with the video's row, score and URL, whether the person is its
-- influencer, and how sure. The crop is read only when it is at most ? bytes (a file from someone
-- else may hold huge blobs): its length is measured in SQL, the bytes never leave the database.
WITH best AS (
    SELECT
        f.influencer_id,
        f.row_index,
        arg_max(f.face_id, (face_quality(f.face_size, f.frontality, f.sharpness), -f.face_id)) AS face_id,  -- ties: the first face
        coalesce(any_value(vp.is_dominant), false) AS is_influencer,
        coalesce(any_value(vi.uncertain), false) AS uncertain
    FROM faces f
    LEFT JOIN video_people vp ON vp.row_index = f.row_index AND vp.influencer_id = f.influencer_id
    LEFT JOIN video_influencers vi ON vi.row_index = f.row_index AND vi.influencer_id = f.influencer_id
    WHERE f.influencer_id IS NOT NULL
    GROUP BY f.influencer_id, f.row_index
)
SELECT b.influencer_id, b.row_index,
       CASE WHEN octet_length(f.crop) <= $max_bytes THEN f.crop END AS crop,
       b.is_influencer, b.uncertain, v.performance, v.video_url
FROM best b
JOIN faces f USING (face_id)
JOIN videos v ON v.row_index = b.row_index
ORDER BY b.influencer_id, b.is_influencer DESC, b.row_index;
