-- Every labelled face and every person has an id in person_ids; every influencer has faces.
SELECT 'face' AS what, influencer_id FROM faces WHERE influencer_id IS NOT NULL
    AND influencer_id NOT IN (SELECT influencer_id FROM person_ids)
UNION ALL
SELECT 'influencer without faces', influencer_id FROM influencers WHERE n_faces = 0 AND face_id IS NOT NULL;
