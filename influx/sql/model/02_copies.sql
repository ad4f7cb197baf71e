-- derived table: copies (rebuilt by `influx ingest` after new videos)
-- Near-duplicate videos: a decoded video whose sampled frames match, at one time offset, the frames
-- of a lower row's video is a copy of it (the same ad re-encoded, resized or trimmed by a few seconds).
--   Two frames match when their 64-bit difference hashes differ in at most copy_max_bits bits (7:
--   with at most 7 they share at least one of their 8 bytes, the join key). The video with fewer
--   hashed frames must have at least copy_min_frames of them, and at least copy_min_share of them must
--   match the other video at its median offset (within copy_offset_s); the durations must agree
--   within copy_duration_s or copy_duration_share. The thresholds in braces are written in from
--   influx/vocabulary.py (CONSTANTS) when a file is opened, as the view constants is.
UPDATE videos SET copy_of = NULL, copy_distance = NULL WHERE copy_of IS NOT NULL;

UPDATE videos SET copy_of = c.source, copy_distance = c.distance
FROM (
    WITH f AS (
        SELECT h.row_index, h.timestamp_s, h.dhash, v.duration_s
        FROM frame_hashes h JOIN videos v USING (row_index)
        WHERE v.status = 'ok'
    ),
    n AS (SELECT row_index, count(*) AS frames FROM f GROUP BY row_index),
    bytes AS (SELECT f.*, k, (dhash >> (8 * k)) & 255 AS byte FROM f, range(8) t(k)),
    close AS (
        SELECT DISTINCT a.row_index AS lo, b.row_index AS hi, a.timestamp_s AS t_lo, b.timestamp_s AS t_hi,
               bit_count(xor(a.dhash, b.dhash)) AS bits
        FROM bytes a JOIN bytes b ON a.k = b.k AND a.byte = b.byte AND a.row_index < b.row_index
        WHERE bit_count(xor(a.dhash, b.dhash)) <= {constants.copy_max_bits}
          AND abs(a.duration_s - b.duration_s)
              <= greatest({constants.copy_duration_s},
                          {constants.copy_duration_share} * greatest(a.duration_s, b.duration_s))
    ),
    offsets AS (SELECT lo, hi, median(t_lo - t_hi) AS offset FROM close GROUP BY lo, hi),
    aligned AS (
        SELECT c.* FROM close c JOIN offsets o USING (lo, hi)
        WHERE abs(c.t_lo - c.t_hi - o.offset) <= {constants.copy_offset_s}
    ),
    pairs AS (
        SELECT lo, hi, count(DISTINCT t_lo) AS matched_lo, count(DISTINCT t_hi) AS matched_hi, avg(bits) AS distance
        FROM aligned GROUP BY lo, hi
    ),
    copies AS (
        SELECT p.hi AS row_index, p.lo AS source, p.distance
        FROM pairs p JOIN n nl ON nl.row_index = p.lo JOIN n nh ON nh.row_index = p.hi
        WHERE least(nl.frames, nh.frames) >= {constants.copy_min_frames}
          AND CASE WHEN nl.frames <= nh.frames THEN p.matched_lo >= {constants.copy_min_share} * nl.frames
                   ELSE p.matched_hi >= {constants.copy_min_share} * nh.frames END
    )
    SELECT row_index, arg_min(source, source) AS source, arg_min(distance, source) AS distance
    FROM copies GROUP BY row_index
) c
WHERE videos.row_index = c.row_index;
