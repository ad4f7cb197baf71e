-- Stored measurements are numbers a run of influx can make: finite, faces of a positive size, no
-- more frames with faces than frames sampled. A NaN detector score (larger than every number in
-- DuckDB), a NaN margin or a negative frame count, written by hand, would hide a video's doubt.
-- fix: ask for the file as influx wrote it (influx never stores such a value)
SELECT 'faces' AS in_table, face_id AS id, 'a measurement' AS what FROM faces
WHERE NOT (isfinite(coalesce(detector_score, 0)) AND isfinite(sharpness) AND sharpness >= 0
           AND frontality BETWEEN 0 AND 1 AND face_size > 0 AND isfinite(coalesce(timestamp_s, 0)))
UNION ALL
SELECT 'videos', row_index, 'frames sampled' FROM videos v
WHERE frames_sampled < 0 OR n_faces < 0
   OR frames_sampled < (SELECT count(DISTINCT frame_index) FROM faces f WHERE f.row_index = v.row_index)
UNION ALL
SELECT 'videos', row_index, 'duration or frame rate' FROM videos
WHERE NOT isfinite(coalesce(duration_s, 0)) OR duration_s < 0 OR NOT isfinite(coalesce(fps, 1)) OR fps <= 0
UNION ALL
SELECT 'video_people', row_index, 'distance or margin' FROM video_people
WHERE NOT isfinite(coalesce(distance, 0)) OR distance < 0 OR NOT isfinite(coalesce(margin, 0))
UNION ALL
SELECT 'video_links', row_index, 'a link measure' FROM video_links
WHERE NOT (isfinite(coalesce(joined_at, 0)) AND isfinite(coalesce(hair, 0)) AND isfinite(coalesce(refused_at, 0))
           AND isfinite(coalesce(membership, 0)) AND isfinite(coalesce(outlier_score, 0)))
ORDER BY 1, 2;
