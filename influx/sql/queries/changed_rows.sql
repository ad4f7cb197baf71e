-- Rows of the CSV (table `incoming`) whose URL is not the one stored: another video at that position.
SELECT v.row_index FROM videos v JOIN incoming i USING (row_index)
WHERE v.video_url IS DISTINCT FROM i.video_url
ORDER BY v.row_index;
