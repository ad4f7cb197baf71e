-- Statements of influx/contact_sheet.py, by name (db.sql("contact_sheet.NAME")).

-- name: people
SELECT influencer_id, name, n_videos, n_appearances, not_influencer FROM influencers ORDER BY influencer_id;
