-- view: vocabulary
-- vocabulary: the words influx stores in a column, one row each, with their meaning: written in from
-- influx/vocabulary.py when a file is opened (so SQL and Python read one list); the data checks
-- accepted_* refuse a file with another status or correction kind (they decide what is counted).
--   column_name  the column: videos.status, videos.error_kind, corrections.kind or settings.name
--   value        the word
--   meaning      what it means, in one line
--   pattern      the regular expression the stored values match: the word itself, or for a family
--                of words its form (error kind http: http_404, ...)
CREATE OR REPLACE VIEW vocabulary AS
SELECT * FROM (VALUES
    {vocabulary}
) AS words(column_name, value, meaning, pattern);
