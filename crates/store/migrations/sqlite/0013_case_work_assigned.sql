-- Whether a closed and planned business date's cases have been assigned: assignment is the last
-- step of a date's case work and is written in one transaction with this flag, so a run killed
-- before or during it assigns the date again on the next run, exactly as a clean run would.
ALTER TABLE eod_run ADD COLUMN assigned INTEGER NOT NULL DEFAULT 0;
-- Dates planned before this flag existed were assigned by the run that planned them.
UPDATE eod_run SET assigned = planned;
