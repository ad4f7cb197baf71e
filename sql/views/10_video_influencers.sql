-- video_influencers: one row per CSV row with its influencer (the dominant person of the video).
--   row_index        0-based position in the CSV
--   video_url        the CSV's URL
--   performance      the CSV's score (NULL when missing or not a number)
--   influencer_id    the video's dominant person; NULL when no face, failed, or nobody identified
--   status           the video's ingest status (ok, no_faces, failed, duplicate, pending)
--   influencer_share the influencer's share of the identified screen presence (0..1)
--   n_people         identified people seen in the video
--   source_row_index the row whose decoding this row uses (itself, or the row it duplicates)
CREATE OR REPLACE VIEW video_influencers AS
SELECT
    v.row_index,
    v.video_url,
    v.performance,
    vp.influencer_id,
    v.status,
    vp.share AS influencer_share,
    coalesce(np.n_people, 0) AS n_people,
    coalesce(v.duplicate_of, v.row_index) AS source_row_index
FROM videos v
LEFT JOIN video_people vp
    ON vp.row_index = coalesce(v.duplicate_of, v.row_index) AND vp.is_dominant
LEFT JOIN (SELECT row_index, count(*) AS n_people FROM video_people GROUP BY row_index) np
    ON np.row_index = coalesce(v.duplicate_of, v.row_index);
