-- Store one video's frame hashes in one statement: $1 the row, $2 the times, $3 the hashes (lists).
INSERT INTO frame_hashes (row_index, timestamp_s, dhash)
SELECT $1, unnest($2::DOUBLE[]), unnest($3::UBIGINT[]);
