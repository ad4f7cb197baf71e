-- A performance score is a finite number or NULL (influx never stores NaN or infinity; one would
-- turn every average and the ICC into NaN).
-- fix: `influx ingest` of the sheet stores its scores again
SELECT row_index, performance FROM videos WHERE isnan(performance) OR isinf(performance);
