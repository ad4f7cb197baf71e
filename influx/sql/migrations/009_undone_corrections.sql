-- 009: corrections taken back (influx undo, influx unmerge) are kept, not erased: what was done,
-- when it was undone and by which command. They no longer apply; `influx corrections` lists them.
CREATE TABLE undone_corrections (
    correction_id INTEGER NOT NULL,      -- the correction's id while it applied
    kind          VARCHAR NOT NULL,      -- merge, move, not_influencer
    influencer_id INTEGER,
    target_id     INTEGER,
    row_index     INTEGER,
    created_at    TIMESTAMP NOT NULL,    -- when it was made
    undone_at     TIMESTAMP NOT NULL,    -- when it was taken back
    undone_by     VARCHAR NOT NULL       -- `undo`, `unmerge`, or `ingest` (the sheet no longer has the moved video)
);
