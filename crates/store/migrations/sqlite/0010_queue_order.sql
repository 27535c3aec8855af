-- The queue's order as derived columns and one index per way a queue is read, so that a page of
-- a collector's queue (or of every open case, for a manager) is an index range read in order:
-- no sort of the user's whole caseload per page. `action_key` puts cases without a next
-- action last; `stage_rank` orders stages by severity. Both are derived by the database, so
-- no writer can let them drift. The two new indexes replace those whose columns they begin
-- with (assignee, status), keeping the number of indexes planning updates each day the same.

ALTER TABLE collection_case ADD COLUMN action_key TEXT
    GENERATED ALWAYS AS (COALESCE(next_action_on, '9999-12-31')) VIRTUAL;
ALTER TABLE collection_case ADD COLUMN stage_rank INTEGER
    GENERATED ALWAYS AS (CASE stage WHEN 'written_off' THEN 8 WHEN 'agency' THEN 7
        WHEN 'asset_preservation' THEN 6 WHEN 'legal' THEN 5 WHEN 'late' THEN 4
        WHEN 'middle' THEN 3 WHEN 'early' THEN 2 ELSE 1 END) VIRTUAL;
DROP INDEX collection_case_work;
DROP INDEX collection_case_assignee;
CREATE INDEX collection_case_order ON collection_case
    (assignee, status, action_key, stage_rank DESC, dpd DESC, arrears DESC, borrower_id);
CREATE INDEX collection_case_order_all ON collection_case
    (status, action_key, stage_rank DESC, dpd DESC, arrears DESC, borrower_id);
