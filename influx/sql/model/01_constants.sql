-- view: constants
-- constants: every threshold SQL and Python share, one row, a column each, defined once in
-- influx/vocabulary.py (CONSTANTS, with each one's meaning) and written in when a file is opened, as
-- it is into the model files that use one (by name, in braces). Python reads the same definition (the
-- clustering's weak detections); the reliability view and the PDF's methods page read this view, so
-- the report's words cannot disagree with the SQL.
CREATE OR REPLACE VIEW constants AS
SELECT
    {constants};
