-- 008: how `influx cluster` linked each video to its person (influx/linking.py), so that a doubtful
-- link is shown as doubtful (video_influencers.uncertain) and can be reviewed.
CREATE TABLE video_links (
    row_index     INTEGER PRIMARY KEY,  -- a decoded video, by its main appearance
    method        VARCHAR NOT NULL,     -- the clustering method: linkage or hdbscan
    joined_at     DOUBLE,   -- average distance of the join that took the video into its group (NULL: never joined)
    hair          DOUBLE,   -- how near that join came to being refused: its threshold minus its distance, or between groups of 2+ videos its Ward limit minus its Ward statistic (small: joined by a hair)
    refused_at    DOUBLE,   -- the nearest join refused to the video's group: its distance minus the threshold
    membership    DOUBLE,   -- HDBSCAN's membership probability of the video in its group (NULL with linkage)
    outlier_score DOUBLE,   -- HDBSCAN's outlier score (GLOSH, 0 typical to 1 outlying; NULL with linkage)
    doubt         VARCHAR   -- why the link deserves a look, in words (NULL: none)
);
