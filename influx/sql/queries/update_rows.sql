-- The score and other columns of rows already stored with the same URL, written only where they changed.
UPDATE videos SET performance = i.performance, extra = i.extra::JSON, input_error = i.input_error
FROM incoming i
WHERE videos.row_index = i.row_index AND videos.video_url IS NOT DISTINCT FROM i.video_url
  AND (videos.performance IS DISTINCT FROM i.performance OR videos.extra::VARCHAR IS DISTINCT FROM i.extra
       OR videos.input_error IS DISTINCT FROM i.input_error);
