-- view: influencer_stats
-- influencer_stats: one row per influencer (a person who is the influencer of at least one video),
-- ranked by reliability-adjusted performance, highest first (so that one lucky video does not top it).
--   rank                  1 = highest adjusted_performance (ties: higher avg_performance, then lower id)
--   influencer_id, name   the person (name set with `influx rename`)
--   n_videos              decoded videos (status ok) whose influencer this person is, less near-duplicates
--   n_duplicates          rows whose video is byte-identical to one of those, or a near-duplicate of one
--                         (videos.copy_of: re-encoded, resized, trimmed); not counted as scores
--   n_scores              n_i: the decoded videos with a performance
--   avg_performance       m_i: mean performance
--   avg_ci_low/high       95% interval of avg_performance: m_i -/+ t(0.975; N - g) sqrt(MSW / n_i), from the
--                         pooled within-person variance MSW (so a person with one video gets an interval too);
--                         NULL when MSW is (no two influencers with two scores, or no spread within them)
--   sd_performance        sample standard deviation (NULL with fewer than two scores)
--   reliability           R_i = n_i ICC / (1 + (n_i - 1) ICC), Spearman-Brown; 0 when ICC <= 0; NULL when n_i = 1
--   adjusted_performance  m + w (m_i - m), w = R_i (w = ICC, floored at 0, when n_i = 1): shrunk towards the grand mean
--   first_video_url       URL of the person's video with the lowest row_index
--   first_row_index       that row
--   face_id               the representative face (faces.face_id; its JPEG is faces.crop)
CREATE OR REPLACE VIEW influencer_stats AS
WITH rows AS (
    SELECT influencer_id, row_index, video_url, performance,
           -- a near-duplicate of a video of the same influencer counts as a duplicate
           CASE WHEN is_copy THEN 'duplicate' ELSE status END AS status
    FROM credited
    WHERE status IN ('ok', 'duplicate') AND influencer_id IS NOT NULL
),
per AS (
    -- summed in row order, the same to the bit on every read (as in reliability)
    SELECT
        influencer_id,
        count(*) FILTER (status = 'ok') AS n_videos,
        count(*) FILTER (status = 'duplicate') AS n_duplicates,
        count(performance) FILTER (status = 'ok') AS n_scores,
        avg(performance ORDER BY row_index) FILTER (status = 'ok') AS avg_performance,
        stddev_samp(performance ORDER BY row_index) FILTER (status = 'ok') AS sd_performance,
        arg_min(video_url, row_index) FILTER (status = 'ok') AS first_video_url,
        min(row_index) FILTER (status = 'ok') AS first_row_index
    FROM rows
    GROUP BY influencer_id
),
rel AS (
    SELECT icc, grand_mean, msw, (SELECT q975 FROM t_quantiles WHERE df = n_scores - n_influencers) AS t975
    FROM reliability
),
weighted AS (
    SELECT per.*,
        CASE
            WHEN n_scores <= 1 OR rel.icc IS NULL THEN NULL
            WHEN rel.icc <= 0 THEN 0.0
            ELSE n_scores * rel.icc / (1 + (n_scores - 1) * rel.icc)
        END AS reliability,
        CASE
            WHEN rel.icc IS NULL OR n_scores = 0 THEN NULL
            WHEN n_scores = 1 THEN greatest(rel.icc, 0.0)
            WHEN rel.icc <= 0 THEN 0.0
            ELSE n_scores * rel.icc / (1 + (n_scores - 1) * rel.icc)
        END AS weight,
        rel.grand_mean,
        -- half-width of the 95% interval of the average, from the pooled within-person variance
        CASE WHEN n_scores >= 1 AND rel.msw > 0 THEN rel.t975 * sqrt(rel.msw / n_scores) END AS half_width
    FROM per, rel
)
SELECT
    row_number() OVER (
        ORDER BY w.grand_mean + w.weight * (w.avg_performance - w.grand_mean) DESC NULLS LAST,
                 w.avg_performance DESC NULLS LAST, w.influencer_id
    ) AS rank,
    w.influencer_id,
    i.name,
    w.n_videos,
    w.n_duplicates,
    w.n_scores,
    w.avg_performance,
    w.avg_performance - w.half_width AS avg_ci_low,
    w.avg_performance + w.half_width AS avg_ci_high,
    w.sd_performance,
    w.reliability,
    w.grand_mean + w.weight * (w.avg_performance - w.grand_mean) AS adjusted_performance,
    w.first_video_url,
    w.first_row_index,
    i.face_id
FROM weighted w
LEFT JOIN influencers i USING (influencer_id)
ORDER BY rank;
