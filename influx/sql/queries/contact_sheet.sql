-- One face per person and video for the contact sheet: the person's best face in that video
-- (large, frontal, sharp), with the video's row, score and URL, whether the person is its
-- influencer, and how sure. The crop is read only when it is at most ? bytes (a file from someone
-- else may hold huge blobs): its length is measured in SQL, the bytes never leave the database.
WITH best AS (
    SELECT
        f.influencer_id,
        f.row_index,
        arg_max(f.face_id, (least(f.face_size, 160) / 160.0 * f.frontality * f.sharpness / (f.sharpness + 100),
                            -f.face_id)) AS face_id,  -- ties: the first face
        coalesce(any_value(vp.is_dominant), false) AS is_influencer,
        coalesce(any_value(vi.uncertain), false) AS uncertain
    FROM faces f
    LEFT JOIN video_people vp ON vp.row_index = f.row_index AND vp.influencer_id = f.influencer_id
    LEFT JOIN video_influencers vi ON vi.row_index = f.row_index AND vi.influencer_id = f.influencer_id
    WHERE f.influencer_id IS NOT NULL
    GROUP BY f.influencer_id, f.row_index
)
SELECT b.influencer_id, b.row_index,
       CASE WHEN octet_length(f.crop) <= $max_bytes THEN f.crop END AS crop,
       b.is_influencer, b.uncertain, v.performance, v.video_url
FROM best b
JOIN faces f USING (face_id)
JOIN videos v ON v.row_index = b.row_index
ORDER BY b.influencer_id, b.is_influencer DESC, b.row_index;
