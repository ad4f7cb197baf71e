-- view: video_influencers
-- video_influencers: one row per CSV row with its influencer (the dominant person of the video).
--   row_index        0-based position in the CSV
--   video_url        the CSV's URL
--   performance      the CSV's score (NULL when missing or not a number)
--   influencer_id    the video's dominant person; NULL when no face, failed, or nobody identified
--   status           the video's ingest status (ok, no_faces, failed, duplicate, pending)
--   influencer_share the influencer's share of the identified screen presence (0..1)
--   n_people         identified people seen in the video
--   source_row_index the row whose decoding this row uses (itself, or the row it duplicates)
--   copy_of          the lower row whose video this one nearly duplicates (re-encoded, resized or trimmed;
--                    videos.copy_of); its score is not counted again when both show the same influencer
--   copy_distance    how close: mean differing bits (of 64) of the matched frames' hashes, 0 to
--                    constants.copy_max_bits
--   distance         distance of the influencer's mean face in this video to the centre of the
--                    influencer's other videos (NULL when it is their only video)
--   margin           distance to the nearest other person's centre minus `distance` (minus the
--                    merge distance for a person of one video); small: another person is about as close
--   frames_seen      sampled frames in which the influencer's face was found, of `frames_sampled`
--   frames_sampled   frames of the video that went through face detection
--   best_score       the influencer's best detector score in the video
--   person_best_score the influencer's best detector score in any video credited to them
--   uncertain        true when the assignment deserves a look: its link to its person was decided by a
--                    hair or is weak (video_links.doubt), margin under constants.uncertain_margin for a
--                    person of several videos (a one-video person's doubt is its link's), the influencer
--                    found in fewer than half of the sampled frames, or seen only in weak detections in
--                    all their videos (person_best_score under constants.weak_score: a face at all? a
--                    weak face of someone seen clearly elsewhere is theirs by its distance, judged by the
--                    other reasons); never for a video the user moved by hand (influx move): a person
--                    decided it
--   uncertain_reason why, in words (NULL when not uncertain)
CREATE OR REPLACE VIEW video_influencers AS
WITH base AS (
    SELECT
        c.row_index,
        c.video_url,
        c.performance,
        c.influencer_id,
        c.status,
        vp.share AS influencer_share,
        coalesce(np.n_people, 0) AS n_people,
        c.source_row_index,
        v.copy_of,
        v.copy_distance,
        vp.distance,
        vp.margin,
        vp.n_faces AS frames_seen,
        src.frames_sampled,
        vp.best_score,
        max(vp.best_score) OVER (PARTITION BY c.influencer_id) AS person_best_score,
        vl.doubt,
        c.row_index IN (SELECT row_index FROM corrections WHERE kind = 'move') AS moved,
        vp.margin < {constants.uncertain_margin} AND vp.distance IS NOT NULL AS close_call
    FROM credited c
    JOIN videos v USING (row_index)
    LEFT JOIN videos src ON src.row_index = c.source_row_index
    LEFT JOIN video_links vl ON vl.row_index = c.source_row_index
    LEFT JOIN video_people vp ON vp.row_index = c.source_row_index AND vp.influencer_id = c.influencer_id
    LEFT JOIN (SELECT row_index, count(*) AS n_people FROM video_people GROUP BY row_index) np
        ON np.row_index = c.source_row_index
)
SELECT
    * EXCLUDE (doubt, moved, close_call),
    influencer_id IS NOT NULL AND NOT moved AND (doubt IS NOT NULL OR coalesce(close_call, false)
        OR 2 * frames_seen < frames_sampled OR coalesce(person_best_score < {constants.weak_score}, false)) AS uncertain,
    CASE WHEN influencer_id IS NULL OR moved THEN NULL
         WHEN doubt IS NOT NULL THEN doubt
         WHEN close_call THEN 'another person is about as close (margin ' || round(margin, 3) || ')'
         WHEN 2 * frames_seen < frames_sampled THEN 'found in ' || frames_seen || ' of ' || frames_sampled || ' sampled frames'
         WHEN person_best_score < {constants.weak_score} THEN 'only weak detections in all their videos (best detector score ' || round(person_best_score, 2) || '): a face?'
    END AS uncertain_reason
FROM base;
