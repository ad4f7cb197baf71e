-- 005: two-sided 95% quantiles of Student's t, for the interval of each influencer's average.
CREATE TABLE t_quantiles (
    df   BIGINT PRIMARY KEY,
    q975 DOUBLE NOT NULL   -- t(0.975; df), filled by influx (scipy) for the degrees of freedom the data needs
);
