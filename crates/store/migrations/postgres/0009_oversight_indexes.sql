-- Indexes for the oversight reports (KPIs, collector leaderboard, language-QA flags), so that
-- each reads an index range for its period instead of scanning the table (docs/kpis.md).

-- Contact attempts and right-party contacts by channel and by the user who logged them.
CREATE INDEX contact_event_at ON contact_event (at, channel, conversation, recorded_by);
-- Money collected on overdue amounts: allocations of a period (covering, so the range is read
-- from the index alone).
CREATE INDEX allocation_date ON allocation (business_date, source, component, loan_id, period, amount);
-- Money collected per case holder: payments valued in a period.
CREATE INDEX payment_value ON payment (value_date, loan_id, amount);
-- Promises made in a period, by the user who took them.
CREATE INDEX promise_made ON promise (made_on, made_by);
-- Past-due cases open in a period (the cure rate's denominator).
CREATE INDEX collection_case_past_due ON collection_case (opened_on, closed_on) WHERE past_due = 1;
-- Notes language QA flagged, newest first.
CREATE INDEX case_note_flagged ON case_note (at) WHERE qa_flags <> '[]';
