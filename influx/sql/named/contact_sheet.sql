-- Statements of influx/contact_sheet.py, by name (db.sql("contact_sheet.NAME")).

-- name: people
SELECT i.influencer_id, i.name, coalesce(s.n_videos, 0), coalesce(s.n_duplicates, 0), i.n_appearances, i.not_influencer,
       s.avg_performance, s.avg_ci_low, s.avg_ci_high, s.reliability, s.rank
FROM influencers i LEFT JOIN influencer_stats s USING (influencer_id)
ORDER BY coalesce(s.rank, 1e9), i.influencer_id;
