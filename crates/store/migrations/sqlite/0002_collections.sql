-- Collections: one case per borrower, its history, the contact ledger and each business date's
-- planned treatments with the compliance decision on every contact.

CREATE TABLE collection_case (
    borrower_id     INTEGER PRIMARY KEY,
    status          TEXT NOT NULL,
    stage           TEXT NOT NULL,
    opened_on       TEXT NOT NULL,
    stage_since     TEXT NOT NULL,
    closed_on       TEXT,
    past_due        INTEGER NOT NULL,
    times_opened    INTEGER NOT NULL,
    arm             TEXT NOT NULL,
    segment         TEXT,
    quadrant        TEXT NOT NULL,
    contactability  TEXT NOT NULL,
    planned_on      TEXT NOT NULL
);
CREATE INDEX collection_case_open ON collection_case (status);

CREATE TABLE case_event (
    id              INTEGER PRIMARY KEY,
    borrower_id     INTEGER NOT NULL,
    business_date   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL
);
CREATE INDEX case_event_borrower ON case_event (borrower_id, business_date);

-- The contact ledger: every attempt and every connected contact, from which the compliance
-- counters are computed. Times are UTC instants (RFC 3339 text).
CREATE TABLE contact_event (
    id              INTEGER PRIMARY KEY,
    borrower_id     INTEGER NOT NULL,
    loan_id         INTEGER,
    at              TEXT NOT NULL,
    channel         TEXT NOT NULL,
    party           TEXT NOT NULL,
    address         TEXT NOT NULL,
    result          TEXT NOT NULL,
    conversation    INTEGER NOT NULL
);
CREATE INDEX contact_event_borrower ON contact_event (borrower_id, at);

CREATE TABLE treatment (
    id              INTEGER PRIMARY KEY,
    business_date   TEXT NOT NULL,
    borrower_id     INTEGER NOT NULL,
    treatment       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    template        TEXT NOT NULL,
    queue           TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    stage           TEXT NOT NULL,
    segment         TEXT,
    arm             TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    cost            INTEGER NOT NULL,
    -- permitted (a contact with a permit), blocked (a contact refused, with the rule), or
    -- internal (an action that contacts nobody: referrals, placements, vehicle checks).
    decision        TEXT NOT NULL,
    rule            TEXT,
    reason          TEXT,
    permit_valid_until TEXT
);
CREATE INDEX treatment_date ON treatment (business_date, decision);

-- Segment history: a row whenever a case's quadrant, contactability or strategy segment changes.
CREATE TABLE segment_change (
    borrower_id     INTEGER NOT NULL,
    business_date   TEXT NOT NULL,
    quadrant        TEXT NOT NULL,
    contactability  TEXT NOT NULL,
    segment         TEXT,
    PRIMARY KEY (borrower_id, business_date)
);
