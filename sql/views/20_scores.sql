-- scores: the observations the statistics use: rows with an influencer and a performance.
--   influencer_id, row_index, video_url, performance
--   n_i   number of scores of this influencer
--   m_i   this influencer's mean score
--   k     1, 2, ... : the score's position among the influencer's scores, by row_index
CREATE OR REPLACE VIEW scores AS
SELECT
    influencer_id,
    row_index,
    video_url,
    performance,
    count(*) OVER w_all AS n_i,
    avg(performance) OVER w_all AS m_i,
    row_number() OVER (PARTITION BY influencer_id ORDER BY row_index) AS k
FROM video_influencers
WHERE influencer_id IS NOT NULL AND performance IS NOT NULL
WINDOW w_all AS (PARTITION BY influencer_id);
