-- 005: two-sided 95% quantiles of Student's t, for the interval of each influencer's average, and the
-- best detector score of each person in each video (a person seen only in weak detections is uncertain).
CREATE TABLE t_quantiles (
    df   BIGINT PRIMARY KEY,
    q975 DOUBLE NOT NULL   -- t(0.975; df), filled by influx (scipy) for the degrees of freedom the data needs
);

ALTER TABLE video_people ADD COLUMN best_score DOUBLE;  -- the person's highest detector_score in the video
