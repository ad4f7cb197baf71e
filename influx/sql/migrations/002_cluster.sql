-- 002: what `influx cluster` stores: identities of faces, people per video, influencers.

-- Faces of one video grouped into tracks (the same person across sampled frames), and the influencer
-- each face belongs to (NULL: noise that no influencer claims, e.g. a passer-by).
ALTER TABLE faces ADD COLUMN track_id INTEGER;
ALTER TABLE faces ADD COLUMN influencer_id INTEGER;

CREATE TABLE influencers (
    influencer_id INTEGER PRIMARY KEY,  -- small integer, numbered by first appearance (lowest row_index)
    name          VARCHAR,              -- optional, set with `influx rename`; kept across re-clustering
    n_videos      INTEGER NOT NULL,     -- videos (CSV rows, duplicates included) where this person is the influencer
    n_appearances INTEGER NOT NULL,     -- videos where this person is seen at all
    n_faces       INTEGER NOT NULL,     -- stored faces labelled with this person
    face_id       BIGINT,               -- representative face (see README: largest sharp frontal face)
    first_row_index INTEGER             -- lowest row_index among the person's videos
);

-- Every person seen in every decoded video, with their share of the video's screen presence.
CREATE TABLE video_people (
    row_index     INTEGER NOT NULL,     -- the decoded video (duplicates: see videos.duplicate_of)
    influencer_id INTEGER NOT NULL,
    n_faces       INTEGER NOT NULL,     -- faces of this person in the video's sampled frames
    presence      DOUBLE NOT NULL,      -- sum over those faces of face_size (screen presence)
    share         DOUBLE NOT NULL,      -- presence / presence of all identified people in the video
    is_dominant   BOOLEAN NOT NULL,     -- the video's influencer (largest presence; ties: lowest id)
    PRIMARY KEY (row_index, influencer_id)
);

-- User decisions that must survive re-clustering: `influx merge FROM INTO`.
CREATE TABLE merges (
    from_id    INTEGER NOT NULL,
    into_id    INTEGER NOT NULL,
    merged_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

