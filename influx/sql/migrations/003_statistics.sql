-- 003: support for the statistics views.
-- Upper 97.5% quantiles of the F distribution for the ICC's confidence interval, filled by
-- influx (scipy) for the degrees of freedom the data needs; the `reliability` view falls back
-- to Paulson's approximation for pairs not in this table.
CREATE TABLE f_quantiles (
    df1  BIGINT NOT NULL,
    df2  BIGINT NOT NULL,
    q975 DOUBLE NOT NULL,
    PRIMARY KEY (df1, df2)
);
