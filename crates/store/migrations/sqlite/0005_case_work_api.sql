-- Working a case through the API: what collectors record (delay reason and temperament on the
-- case, the dispute flag on the borrower, the outcome and author of a logged contact), promises
-- to pay that end-of-day settles, notes with their language-QA flags, and the skills that
-- assignment matches queues against.

ALTER TABLE collection_case ADD COLUMN delay_reason TEXT;
ALTER TABLE collection_case ADD COLUMN temperament TEXT;

-- The borrower disputes the debt (a contact logged with the outcome `disputes`); the
-- compliance guard honours it as the standing's dispute flag.
ALTER TABLE borrower ADD COLUMN dispute INTEGER NOT NULL DEFAULT 0;

-- Contacts logged by people carry the outcome code and who logged them; planned or imported
-- ledger rows leave both NULL.
ALTER TABLE contact_event ADD COLUMN outcome TEXT;
ALTER TABLE contact_event ADD COLUMN recorded_by TEXT;
ALTER TABLE contact_event ADD COLUMN note TEXT;

-- Queue names (comma separated) a user works; NULL means any queue of their role.
ALTER TABLE app_user ADD COLUMN skills TEXT;

CREATE TABLE promise (
    id              INTEGER PRIMARY KEY,
    borrower_id     INTEGER NOT NULL,
    amount          INTEGER NOT NULL,
    due_on          TEXT NOT NULL,
    -- The lender's business date it was made: payments valued from then on count toward it.
    made_on         TEXT NOT NULL,
    made_at         TEXT NOT NULL,
    made_by         TEXT NOT NULL,
    -- open, kept, partly_kept, broken.
    status          TEXT NOT NULL,
    paid            INTEGER,
    settled_on      TEXT
);
CREATE INDEX promise_due ON promise (status, due_on);
CREATE INDEX promise_borrower ON promise (borrower_id, status);

CREATE TABLE case_note (
    id              INTEGER PRIMARY KEY,
    borrower_id     INTEGER NOT NULL,
    at              TEXT NOT NULL,
    author          TEXT NOT NULL,
    text            TEXT NOT NULL,
    -- The warn-tier QA hits as a JSON array of {category, term, start, end}; '[]' when clean.
    qa_flags        TEXT NOT NULL
);
CREATE INDEX case_note_borrower ON case_note (borrower_id, at);
CREATE INDEX case_event_kind ON case_event (kind, business_date);
