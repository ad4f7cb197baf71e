-- 004: identities that do not depend on history, and corrections a user can make and undo.

-- The person the clustering gave each face, before the user's corrections (influencer_id is after).
-- Databases clustered before: their labels, merges included (merges become corrections below,
-- and applying a merge again changes nothing).
ALTER TABLE faces ADD COLUMN cluster_id INTEGER;
UPDATE faces SET cluster_id = influencer_id;

-- Every person id ever given, with the name the user gave it: a name survives while its person
-- is gone (e.g. after clustering with other options) and comes back with them.
CREATE TABLE person_ids (
    influencer_id INTEGER PRIMARY KEY,
    name          VARCHAR,               -- set with `influx rename`
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO person_ids (influencer_id, name)
SELECT influencer_id, name FROM influencers
UNION SELECT from_id, NULL FROM merges WHERE from_id NOT IN (SELECT influencer_id FROM influencers);

-- The faces of ids that the last clustering did not give to anyone, so that the same faces
-- get the same id back later (one-to-one matching by shared faces).
CREATE TABLE person_memory (
    influencer_id INTEGER NOT NULL,
    face_id       BIGINT NOT NULL,
    PRIMARY KEY (influencer_id, face_id)
);

-- The user's corrections, re-applied in order after every clustering:
--   merge           influencer_id's faces become target_id's      (influx merge FROM INTO)
--   move            row_index's influencer becomes target_id       (influx move ROW --to ID|new)
--   not_influencer  influencer_id is never a video's influencer    (influx not-influencer ID)
CREATE SEQUENCE correction_id_seq START 1;
CREATE TABLE corrections (
    correction_id INTEGER PRIMARY KEY DEFAULT nextval('correction_id_seq'),
    kind          VARCHAR NOT NULL,
    influencer_id INTEGER,
    target_id     INTEGER,
    row_index     INTEGER,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
INSERT INTO corrections (kind, influencer_id, target_id, created_at)
SELECT 'merge', from_id, into_id, merged_at FROM merges ORDER BY merged_at;
DROP TABLE merges;

-- How sure each video's influencer is (see README: "How sure it is").
ALTER TABLE video_people ADD COLUMN distance DOUBLE;
ALTER TABLE video_people ADD COLUMN margin DOUBLE;
ALTER TABLE influencers ADD COLUMN not_influencer BOOLEAN NOT NULL DEFAULT false;

-- The options of the last clustering, and other settings a run used: name -> value.
CREATE TABLE settings (
    name  VARCHAR PRIMARY KEY,
    value VARCHAR
);
