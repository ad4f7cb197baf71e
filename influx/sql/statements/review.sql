-- What `influx review` reads.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("review.<name>").

-- name: videos_by_doubt
-- Every video with an influencer, the doubtful ones first: uncertain (by margin), far from the
-- person's other videos, the only video of a person someone else looks like; then by margin.
WITH best AS (
    SELECT row_index, influencer_id, arg_max(face_id, (face_size, -face_id)) AS face_id  -- ties: the lowest face_id
    FROM faces WHERE influencer_id IS NOT NULL GROUP BY ALL
), doubt AS (
    SELECT v.row_index, v.video_url, v.performance, v.influencer_id, i.name, v.status, v.distance, v.margin,
           b.face_id, i.n_videos,
           CASE WHEN v.uncertain THEN v.uncertain_reason
                WHEN v.distance > $far THEN 'far from the person''s other videos (distance ' || round(v.distance, 3) || ')'
                WHEN list_contains($lookalikes, v.influencer_id) AND i.n_videos = 1
                    THEN 'the person''s only video, and someone else looks alike'
           END AS reason
    FROM video_influencers v
    JOIN influencers i USING (influencer_id)
    LEFT JOIN best b ON b.row_index = v.source_row_index AND b.influencer_id = v.influencer_id
)
SELECT *, count(*) OVER () AS total, count(reason) OVER () AS doubtful FROM doubt
ORDER BY reason IS NULL, coalesce(margin, 1), distance DESC NULLS LAST, row_index
LIMIT $limit OFFSET $offset;

-- name: people_page
-- The people, influencers by rank first, then those only seen beside others; with their numbers.
SELECT i.influencer_id, i.name, i.n_videos, i.n_appearances, i.n_faces, i.face_id, i.not_influencer,
       s.rank, s.n_scores, s.n_duplicates, s.avg_performance, s.avg_ci_low, s.avg_ci_high, s.sd_performance,
       s.reliability, s.adjusted_performance, count(*) OVER () AS total,
       EXISTS (SELECT 1 FROM corrections c WHERE c.kind = 'merge'
               AND i.influencer_id IN (c.influencer_id, c.target_id)) AS merged
FROM influencers i LEFT JOIN influencer_stats s USING (influencer_id)
WHERE $person IS NULL OR i.influencer_id = $person
ORDER BY s.rank NULLS LAST, i.influencer_id
LIMIT $limit OFFSET $offset;

-- name: videos_of
-- The videos of these people (as influencer), one face of the person per video, at most $per each.
WITH best AS (
    SELECT row_index, influencer_id, arg_max(face_id, (face_size, -face_id)) AS face_id  -- ties: the lowest face_id
    FROM faces WHERE list_contains($ids, influencer_id) GROUP BY ALL
), v AS (
    SELECT v.influencer_id, v.row_index, v.video_url, v.performance, v.status, v.uncertain, v.uncertain_reason,
           b.face_id, row_number() OVER (PARTITION BY v.influencer_id ORDER BY v.row_index) AS k
    FROM video_influencers v
    LEFT JOIN best b ON b.row_index = v.source_row_index AND b.influencer_id = v.influencer_id
    WHERE list_contains($ids, v.influencer_id)
)
SELECT * EXCLUDE (k) FROM v WHERE k <= $per ORDER BY influencer_id, row_index;

-- name: person_choices
SELECT influencer_id, name FROM influencers ORDER BY influencer_id;

-- name: people_by_id
SELECT influencer_id, name, n_videos, face_id FROM influencers WHERE list_contains($ids, influencer_id);

-- name: counts
SELECT (SELECT count(*) FROM influencers) AS people,
       (SELECT count(*) FROM video_influencers WHERE influencer_id IS NOT NULL) AS videos,
       (SELECT count(*) FROM corrections) AS corrections,
       (SELECT max(correction_id) FROM corrections) AS last_correction;

-- name: reliability
SELECT icc, icc_ci_low, icc_ci_high, interpretation, n_influencers, n_scores, reason FROM reliability;

-- name: crops
SELECT face_id, crop FROM faces WHERE list_contains($ids, face_id);
