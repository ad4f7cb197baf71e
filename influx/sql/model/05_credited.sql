-- view: credited
-- credited: the one place that says whose a CSV row's video (and score) is. One row per CSV row.
--   row_index, video_url, performance, status   the row (videos)
--   source_row_index  the row whose decoding this row uses (itself, or the row it duplicates)
--   influencer_id     the dominant person of that decoding (NULL: none, or not decoded)
--   is_copy           a near-duplicate (videos.copy_of) of a video of the same influencer
--   counted           the row's score enters the statistics: decoded (status ok), an influencer, a
--                     performance, and not a copy: a duplicate or a copy is never a second score
CREATE OR REPLACE VIEW credited AS
SELECT
    v.row_index,
    v.video_url,
    v.performance,
    v.status,
    coalesce(v.duplicate_of, v.row_index) AS source_row_index,
    vp.influencer_id,
    coalesce(v.status = 'ok' AND src.influencer_id = vp.influencer_id, false) AS is_copy,
    v.status = 'ok' AND vp.influencer_id IS NOT NULL AND v.performance IS NOT NULL
        AND NOT coalesce(src.influencer_id = vp.influencer_id, false) AS counted
FROM videos v
LEFT JOIN video_people vp ON vp.row_index = coalesce(v.duplicate_of, v.row_index) AND vp.is_dominant
LEFT JOIN video_people src ON src.row_index = v.copy_of AND src.is_dominant;
