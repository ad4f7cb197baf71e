-- The ids faces had before this clustering: from the last clustering (cluster_id; influencer_id in
-- databases clustered before cluster_id existed), and the remembered faces of ids given earlier.
SELECT face_id, coalesce(cluster_id, influencer_id) AS influencer_id
FROM faces WHERE coalesce(cluster_id, influencer_id) IS NOT NULL
UNION
SELECT face_id, influencer_id FROM person_memory
ORDER BY influencer_id, face_id;
