-- Each person's representative face (influencers.face_id) as JPEG bytes.
SELECT i.influencer_id, f.crop FROM influencers i JOIN faces f USING (face_id);
