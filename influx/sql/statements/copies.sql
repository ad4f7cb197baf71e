-- Near-duplicate videos (the derived table `copies`, model/02_copies.sql): listing them.
-- Each statement follows its `-- name:` line; run one with influx.store.sql("copies.<name>").

-- name: listing
-- Near-duplicate rows for the report: those of a video of the same influencer (credited.is_copy),
-- whose score is therefore not counted again. A frame match between videos of different people is
-- not claimed as a copy (the two ads share a look, not a video): it changes nothing and is not listed.
SELECT c.row_index, c.video_url, c.influencer_id,
       'copy of row ' || c.copy_of || ' (distance ' || round(c.copy_distance, 1) || '): scored once'
FROM video_influencers c
JOIN credited k USING (row_index)
WHERE k.is_copy
ORDER BY c.row_index;
