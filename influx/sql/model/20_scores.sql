-- view: scores
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
    -- the rows whose score counts (see credited): never a duplicate, nor a near-duplicate
    -- (copy_of: re-encoded, resized or trimmed) that shows the same influencer
    SELECT influencer_id, row_index, video_url, performance FROM credited WHERE counted
)
-- w_all sums in row order (a frame over the ordered partition): the mean of the same rows is the
-- same to the bit on every read, whatever order DuckDB's threads deliver them in
WINDOW w_all AS (PARTITION BY influencer_id ORDER BY row_index
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
       w_ordered AS (PARTITION BY influencer_id ORDER BY row_index);
