-- derived table: video_people (rebuilt by `influx cluster` and every correction)
-- Every identified person of every decoded video, with their share of screen presence.
-- Presence = sum of face_size over the person's faces in the sampled frames (frames seen,
-- weighted by face size). The dominant person (largest presence; ties: lowest id), among the
-- people not marked `not_influencer`, is the video's influencer. `distance` and `margin` are
-- filled by `influx cluster` for the dominant person (see docs/how-it-works.md, "How sure it is").
DELETE FROM video_people;
INSERT INTO video_people (row_index, influencer_id, n_faces, presence, share, is_dominant, best_score)
WITH per_person AS (
    SELECT row_index, influencer_id, count(*) AS n_faces, sum(face_size)::DOUBLE AS presence,
           max(detector_score) AS best_score,
           influencer_id IN (SELECT influencer_id FROM corrections WHERE kind = 'not_influencer') AS excluded
    FROM faces
    WHERE influencer_id IS NOT NULL
    GROUP BY row_index, influencer_id
)
SELECT
    row_index,
    influencer_id,
    n_faces,
    presence,
    presence / sum(presence) OVER (PARTITION BY row_index) AS share,
    NOT excluded AND row_number() OVER (PARTITION BY row_index ORDER BY excluded, presence DESC, influencer_id) = 1
        AS is_dominant,
    best_score
FROM per_person;
