-- Each person's representative face (influencers.face_id) as JPEG bytes; NULL when the crop is over
-- $max_bytes (measured in SQL, so that a huge blob in a file from someone else is never read).
SELECT i.influencer_id, CASE WHEN octet_length(f.crop) <= $max_bytes THEN f.crop END
FROM influencers i JOIN faces f USING (face_id);
