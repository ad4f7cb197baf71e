-- Every correction is one influx makes: a known kind with the ids it needs (ids positive, a merge or
-- a move between two different people); a crafted one (a merge into NULL or into -1, "unlabelled",
-- a move onto the video's own person, which would hide its doubt as if checked) is not.
-- fix: `influx undo {0}` removes the correction
SELECT correction_id, kind FROM corrections
WHERE ((kind = 'merge' AND influencer_id > 0 AND target_id > 0 AND influencer_id <> target_id AND row_index IS NULL)
    OR (kind = 'move' AND influencer_id > 0 AND target_id > 0 AND influencer_id <> target_id AND row_index >= 0)
    OR (kind = 'not_influencer' AND influencer_id > 0 AND target_id IS NULL AND row_index IS NULL)) IS NOT TRUE
ORDER BY correction_id;
