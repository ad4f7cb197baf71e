-- Every score is a decoded video counted once: never a duplicate, never twice.
SELECT s.row_index, count(*) AS times, any_value(v.status) AS status
FROM scores s JOIN videos v USING (row_index)
GROUP BY s.row_index HAVING count(*) > 1 OR any_value(v.status) <> 'ok';
