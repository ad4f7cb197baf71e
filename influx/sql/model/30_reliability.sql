-- view: reliability
-- reliability: one row, the population's test-retest reliability (see docs/statistics.md).
--   icc              ICC(1), one-way random effects, unbalanced groups, over influencers with >= 2 scores
--   icc_ci_low/high  95% confidence interval from the F distribution
--   interpretation   Koo & Li (2016) words for the 95% interval's ends (poor < 0.5 <= moderate < 0.75
--                    <= good < 0.9 <= excellent), e.g. 'moderate to excellent'; one word when both agree
--   test_retest_r    Pearson correlation of each score with the same influencer's next score (by row_index)
--   test_retest_ci_low/high  its 95% interval (Fisher's z)
--   n_pairs          pairs in that correlation (r is given from constants.retest_min_pairs pairs, 10,
--                    from two influencers or more)
--   test_retest_reason  why test_retest_r is NULL, else NULL
--   n_influencers    g, influencers with two or more scores
--   n_scores         N, their scores
--   grand_mean       m, the mean of those N scores
--   msb, msw, k0     between- and within-influencer mean squares, and the average group size
--   ci_method        'exact' (F quantiles from scipy, stored in f_quantiles) or 'approximate' (Paulson)
--   reason           why icc or the interval is NULL, else NULL
CREATE OR REPLACE VIEW reliability AS
-- Every sum of doubles is taken in a fixed order (ORDER BY inside the aggregate): DuckDB's threads
-- deliver rows in an order that changes the last digits, and one file must read the same each time.
WITH groups AS (
    SELECT influencer_id, any_value(n_i) AS n_i, any_value(m_i) AS m_i,
           sum((performance - m_i) * (performance - m_i) ORDER BY row_index) AS ss_within
    FROM scores WHERE n_i >= 2 GROUP BY influencer_id
),
totals AS (
    SELECT count(*) AS g, sum(n_i) AS n, sum(n_i * m_i ORDER BY influencer_id) / sum(n_i) AS m,
           sum(n_i * n_i) AS sum_n2, sum(ss_within ORDER BY influencer_id) AS ssw
    FROM groups
),
ms AS (
    SELECT t.*,
           CASE WHEN g >= 2
                THEN (SELECT sum(n_i * (m_i - t.m) * (m_i - t.m) ORDER BY influencer_id) FROM groups) / (g - 1)
           END AS msb,
           CASE WHEN g >= 2 THEN ssw / (n - g) END AS msw,
           CASE WHEN g >= 2 THEN (n - sum_n2 / n) / (g - 1) END AS k0
    FROM totals t
),
icc AS (
    SELECT *,
           CASE WHEN g >= 2 AND msb + (k0 - 1) * msw > 0 THEN (msb - msw) / (msb + (k0 - 1) * msw) END AS icc,
           CASE WHEN g >= 2 AND msw > 0 THEN msb / msw END AS f
    FROM ms
),
quantiles AS (
    -- Paulson's approximation of the upper 97.5% F quantile, used when f_quantiles lacks the pair
    SELECT *,
        coalesce((SELECT q975 FROM f_quantiles WHERE df1 = g - 1 AND df2 = n - g),
                 paulson(g - 1, n - g)) AS q_a,
        coalesce((SELECT q975 FROM f_quantiles WHERE df1 = n - g AND df2 = g - 1),
                 paulson(n - g, g - 1)) AS q_b,
        (SELECT count(*) FROM f_quantiles WHERE (df1 = g - 1 AND df2 = n - g) OR (df1 = n - g AND df2 = g - 1)) = 2
            AS exact
    FROM icc
),
ci AS (
    -- the ICC's 95% interval from the F quantiles
    SELECT *,
           CASE WHEN f IS NOT NULL THEN ((f / q_a) - 1) / ((f / q_a) + k0 - 1) END AS icc_ci_low,
           CASE WHEN f IS NOT NULL THEN ((f * q_b) - 1) / ((f * q_b) + k0 - 1) END AS icc_ci_high
    FROM quantiles
),
pairs AS (
    SELECT corr(performance, next_performance ORDER BY row_index) AS r, count(next_performance) AS n_pairs,
           count(DISTINCT influencer_id) FILTER (next_performance IS NOT NULL) AS pair_influencers,
           (SELECT retest_min_pairs FROM constants) AS min_pairs
    FROM scores
)
SELECT
    icc,
    icc_ci_low,
    icc_ci_high,
    -- worded from the 95% interval ("moderate to excellent"), from the estimate when there is none
    CASE
        WHEN icc IS NULL THEN NULL
        WHEN f IS NULL THEN koo_li(icc)
        WHEN koo_li(icc_ci_low) = koo_li(icc_ci_high) THEN koo_li(icc_ci_low)
        ELSE koo_li(icc_ci_low) || ' to ' || koo_li(icc_ci_high)
    END AS interpretation,
    CASE WHEN n_pairs >= min_pairs AND pair_influencers >= 2 AND NOT isnan(r) THEN r END AS test_retest_r,
    -- Fisher's z interval; r of +-1 exactly has none
    CASE WHEN n_pairs >= min_pairs AND pair_influencers >= 2 AND abs(r) < 1 THEN tanh(atanh(r) - 1.959963984540054 / sqrt(n_pairs - 3)) END
        AS test_retest_ci_low,
    CASE WHEN n_pairs >= min_pairs AND pair_influencers >= 2 AND abs(r) < 1 THEN tanh(atanh(r) + 1.959963984540054 / sqrt(n_pairs - 3)) END
        AS test_retest_ci_high,
    n_pairs,
    CASE
        WHEN n_pairs < min_pairs THEN 'fewer than ' || min_pairs || ' pairs of consecutive scores: too few for a correlation'
        WHEN pair_influencers < 2 THEN 'all pairs come from one influencer'
        WHEN r IS NULL OR isnan(r) THEN 'no spread in one side of the pairs: the correlation is undefined'
    END AS test_retest_reason,
    g AS n_influencers,
    coalesce(n, 0) AS n_scores,
    m AS grand_mean,
    msb,
    msw,
    k0,
    CASE WHEN f IS NULL THEN NULL WHEN exact THEN 'exact' ELSE 'approximate' END AS ci_method,
    CASE
        WHEN g < 2 THEN 'fewer than two influencers with two or more scores'
        WHEN msb = 0 AND msw = 0 THEN 'all scores are equal'
        WHEN msw = 0 THEN 'no spread within influencers: ICC is 1, the interval is undefined'
    END AS reason
FROM ci, pairs;
