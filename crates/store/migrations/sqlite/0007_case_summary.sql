-- The queue's sort keys kept on the case by planning (the worst loan's days past due and the
-- borrower's arrears as of the last planned date), so a collector's queue is an index range
-- read instead of per-case subqueries over every loan.

ALTER TABLE collection_case ADD COLUMN dpd INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collection_case ADD COLUMN arrears INTEGER NOT NULL DEFAULT 0;
CREATE INDEX collection_case_work ON collection_case (assignee, status, next_action_on);
