-- scores: the observations the statistics use: decoded videos (status ok, so never a duplicate) with an
-- influencer and a performance, less near-duplicates (videos.copy_of) of a video of the same influencer.
--   influencer_id, row_index, video_url, performance
--   n_i   number of scores of this influencer
--   m_i   this influencer's mean score
--   k     1, 2, ... : the score's position among the influencer's scores, by row_index
--   next_performance  the influencer's next score (by row_index), NULL for the last one
CREATE OR REPLACE VIEW scores AS
SELECT
    influencer_id,
    row_index,
    video_url,
    performance,
    count(*) OVER w_all AS n_i,
    avg(performance) OVER w_all AS m_i,
    row_number() OVER w_ordered AS k,
    lead(performance) OVER w_ordered AS next_performance
FROM (
    -- decoded videos (status ok) with an influencer and a score, read straight from the tables;
    -- a duplicate (the same bytes behind another URL) is not a second score of the same video, nor
    -- is a near-duplicate (copy_of: re-encoded, resized or trimmed) that shows the same influencer
    SELECT vp.influencer_id, v.row_index, v.video_url, v.performance
    FROM videos v
    JOIN video_people vp ON vp.row_index = v.row_index AND vp.is_dominant
    LEFT JOIN video_people src ON src.row_index = v.copy_of AND src.is_dominant
    WHERE v.performance IS NOT NULL AND v.status = 'ok'
      AND src.influencer_id IS DISTINCT FROM vp.influencer_id
)
WINDOW w_all AS (PARTITION BY influencer_id), w_ordered AS (PARTITION BY influencer_id ORDER BY row_index);
