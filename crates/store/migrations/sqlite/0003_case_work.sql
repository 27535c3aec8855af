-- Case work: the queue a case sits in and when it next needs action (from the day's plan), the
-- user it is assigned to (set by assignment; NULL = unassigned), the agency it is placed with,
-- and whether a closed business date has been planned (so an interrupted run plans it before
-- closing the next).

ALTER TABLE collection_case ADD COLUMN queue TEXT;
ALTER TABLE collection_case ADD COLUMN next_action_on TEXT;
ALTER TABLE collection_case ADD COLUMN assignee TEXT;
-- The outside agency the case is placed with (agency users see only these).
ALTER TABLE collection_case ADD COLUMN agency TEXT;
CREATE INDEX collection_case_agency ON collection_case (agency, status);
CREATE INDEX collection_case_queue ON collection_case (status, queue, next_action_on);
CREATE INDEX collection_case_assignee ON collection_case (assignee, status);

ALTER TABLE eod_run ADD COLUMN planned INTEGER NOT NULL DEFAULT 0;
