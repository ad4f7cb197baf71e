-- view: constants
-- constants: thresholds the views and the report's methods page share, defined once (the PDF's
-- words are read from this view, so they cannot disagree with the SQL).
--   retest_min_pairs  pairs of consecutive scores below which the test-retest correlation is not given
CREATE OR REPLACE VIEW constants AS
SELECT 10 AS retest_min_pairs;
