-- 006: near-duplicate videos. The same ad uploaded again under another id is re-encoded, resized or
-- trimmed, so its bytes differ; a perceptual hash of each sampled frame finds it.
CREATE TABLE frame_hashes (
    row_index   INTEGER NOT NULL,  -- videos.row_index (a decoded video)
    timestamp_s DOUBLE NOT NULL,   -- the sampled frame's time in the video
    dhash       UBIGINT NOT NULL   -- 64-bit difference hash of the whole frame (9x8 grey thumbnail)
);

ALTER TABLE videos ADD COLUMN copy_of INTEGER;        -- a lower row whose video this one copies (re-encoded, resized, trimmed)
ALTER TABLE videos ADD COLUMN copy_distance DOUBLE;   -- mean differing bits (of 64) of the matched frames: 0 identical, 7 the limit
