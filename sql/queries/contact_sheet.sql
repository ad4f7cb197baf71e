-- One face per person and video for the contact sheet: the person's best face in that video
-- (large, frontal, sharp), with the video's row, whether the person is its influencer, and how sure.
SELECT
    f.influencer_id,
    f.row_index,
    arg_max(f.crop, (least(f.face_size, 160) / 160.0 * f.frontality * f.sharpness / (f.sharpness + 100), -f.face_id))
        AS crop,  -- ties: the first face
    coalesce(any_value(vp.is_dominant), false) AS is_influencer,
    coalesce(any_value(vi.uncertain), false) AS uncertain
FROM faces f
LEFT JOIN video_people vp ON vp.row_index = f.row_index AND vp.influencer_id = f.influencer_id
LEFT JOIN video_influencers vi ON vi.row_index = f.row_index AND vi.influencer_id = f.influencer_id
WHERE f.influencer_id IS NOT NULL
GROUP BY f.influencer_id, f.row_index
ORDER BY f.influencer_id, is_influencer DESC, f.row_index;
