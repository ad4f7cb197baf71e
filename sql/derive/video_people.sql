-- Every identified person of every decoded video, with their share of screen presence.
-- Presence = sum of face_size over the person's faces in the sampled frames (frames seen,
-- weighted by face size). The dominant person (largest presence; ties: lowest id) is the
-- video's influencer.
DELETE FROM video_people;
INSERT INTO video_people
WITH per_person AS (
    SELECT row_index, influencer_id, count(*) AS n_faces, sum(face_size)::DOUBLE AS presence
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
    row_number() OVER (PARTITION BY row_index ORDER BY presence DESC, influencer_id) = 1 AS is_dominant
FROM per_person;
