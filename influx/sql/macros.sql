-- Macros the views use; stored in the database file so that plain DuckDB can read the views.
-- paulson(d1, d2): Paulson's (1942) approximation of the upper 97.5% quantile of F(d1, d2):
-- with a = 2/(9 d1), b = 2/(9 d2) and z the normal 97.5% quantile, F^(1/3) solves
-- ((1 - b) x - (1 - a)) / sqrt(b x^2 + a) = z.
CREATE OR REPLACE MACRO paulson_cube_root(a, b, z) AS
    CASE WHEN (1 - b) * (1 - b) - z * z * b > 0 THEN
        ((1 - a) * (1 - b) + z * sqrt(greatest((1 - a) * (1 - a) * b + (1 - b) * (1 - b) * a - a * b * z * z, 0)))
        / ((1 - b) * (1 - b) - z * z * b)
    END;
CREATE OR REPLACE MACRO paulson(d1, d2) AS
    CASE WHEN d1 >= 1 AND d2 >= 1 THEN
        pow(paulson_cube_root(2.0 / (9 * d1), 2.0 / (9 * d2), 1.959963984540054), 3)
    END;
-- koo_li(x): Koo & Li's (2016) reading of an ICC: poor < 0.5 <= moderate < 0.75 <= good < 0.9 <= excellent.
CREATE OR REPLACE MACRO koo_li(x) AS
    CASE WHEN x IS NULL THEN NULL WHEN x < 0.5 THEN 'poor' WHEN x < 0.75 THEN 'moderate'
         WHEN x < 0.9 THEN 'good' ELSE 'excellent' END;
-- face_quality(face_size, frontality, sharpness): how good a face is to show a person by, 0..1: large
-- (up to 160 px), frontal (1: nose centred between the eyes) and sharp (variance of the Laplacian,
-- 100 gives half). The representative face (influencers.face_id) and the contact sheet's faces maximise it.
-- A TEMP macro, made on every open and never stored in the file: a file written by this version stays
-- readable by an earlier influx, which refuses functions it does not know.
CREATE OR REPLACE TEMP MACRO face_quality(face_size, frontality, sharpness) AS
    least(face_size, 160) / 160.0 * frontality * sharpness / (sharpness + 100);
