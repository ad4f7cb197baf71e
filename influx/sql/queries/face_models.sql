-- The face models behind the stored faces: encoder, vector length, faces (one row: one encoder).
SELECT coalesce(encoder, 'unknown') AS encoder, len(embedding) AS dim, count(*) AS faces
FROM faces GROUP BY ALL ORDER BY faces DESC;
