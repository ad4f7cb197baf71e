-- The user's corrections in the order they were made.
SELECT kind, influencer_id, target_id, row_index FROM corrections ORDER BY correction_id;
