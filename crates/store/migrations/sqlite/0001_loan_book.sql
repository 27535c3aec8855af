-- The loan book: borrowers, vehicles, loans with their running summary, installments,
-- bank records, allocations, delinquency history, EOD runs and the journal.
-- Dates are ISO-8601 text (YYYY-MM-DD), money is integer fen, rates are units of 1e-8.

-- Coordinates are integer micro-degrees (WGS-84 × 10⁶).
CREATE TABLE borrower (
    id              INTEGER PRIMARY KEY,
    national_id     TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    phones          TEXT NOT NULL,
    home_address    TEXT NOT NULL,
    home_lat_e6 INTEGER,
    home_lng_e6 INTEGER,
    work_address    TEXT,
    work_lat_e6 INTEGER,
    work_lng_e6 INTEGER,
    booked_at       TEXT NOT NULL
);

CREATE TABLE emergency_contact (
    borrower_id     INTEGER NOT NULL REFERENCES borrower(id),
    seq             INTEGER NOT NULL,
    name            TEXT NOT NULL,
    relation        TEXT NOT NULL,
    phone           TEXT NOT NULL,
    PRIMARY KEY (borrower_id, seq)
) WITHOUT ROWID;

CREATE TABLE vehicle (
    id              INTEGER PRIMARY KEY,
    vin             TEXT NOT NULL UNIQUE,
    plate           TEXT NOT NULL,
    make            TEXT NOT NULL,
    model           TEXT NOT NULL,
    model_year      INTEGER NOT NULL,
    price           INTEGER NOT NULL,
    lien_status     TEXT NOT NULL,
    lien_date       TEXT,
    gps_terminal_id TEXT,
    gps_protocol    TEXT
);

CREATE TABLE loan (
    id                      INTEGER PRIMARY KEY,
    loan_no                 TEXT NOT NULL UNIQUE,
    borrower_id             INTEGER NOT NULL REFERENCES borrower(id),
    vehicle_id              INTEGER NOT NULL REFERENCES vehicle(id),
    product                 TEXT NOT NULL,
    principal               INTEGER NOT NULL,
    rate_units              INTEGER NOT NULL,
    term_months             INTEGER NOT NULL,
    method                  TEXT NOT NULL,
    disbursement_date       TEXT NOT NULL,
    repayment_day           INTEGER NOT NULL,
    auto_debit_account      TEXT NOT NULL,
    dealer                  TEXT NOT NULL,
    booked_at               TEXT NOT NULL,
    -- Running summary, kept current by end-of-day.
    status                  TEXT NOT NULL,
    principal_outstanding   INTEGER NOT NULL,
    next_due_period         INTEGER NOT NULL,
    next_due_date           TEXT,
    oldest_unpaid_due_date  TEXT,
    arrears_principal       INTEGER NOT NULL,
    arrears_interest        INTEGER NOT NULL,
    fees_balance            INTEGER NOT NULL,
    penalty_balance         INTEGER NOT NULL,
    penalty_accrued_total   INTEGER NOT NULL,
    credit                  INTEGER NOT NULL,
    dpd                     INTEGER NOT NULL,
    bucket                  TEXT NOT NULL,
    max_dpd                 INTEGER NOT NULL,
    times_delinquent        INTEGER NOT NULL,
    cures                   INTEGER NOT NULL,
    last_cure_date          TEXT,
    paid_off_on             TEXT,
    last_processed          TEXT,
    failed_debits           INTEGER NOT NULL DEFAULT 0,
    last_failed_debit_date  TEXT,
    -- The business date whose portfolio figures first counted the loan.
    counted_on              TEXT
);
-- End-of-day selects the loans that can change today; idle current loans are skipped.
CREATE INDEX loan_next_due ON loan (next_due_date) WHERE next_due_date IS NOT NULL;
CREATE INDEX loan_overdue ON loan (oldest_unpaid_due_date) WHERE oldest_unpaid_due_date IS NOT NULL;
CREATE INDEX loan_borrower ON loan (borrower_id);
CREATE INDEX loan_uncounted ON loan (disbursement_date) WHERE counted_on IS NULL;

CREATE TABLE installment (
    loan_id         INTEGER NOT NULL REFERENCES loan(id),
    period          INTEGER NOT NULL,
    due_date        TEXT NOT NULL,
    principal_due   INTEGER NOT NULL,
    interest_due    INTEGER NOT NULL,
    principal_paid  INTEGER NOT NULL DEFAULT 0,
    interest_paid   INTEGER NOT NULL DEFAULT 0,
    paid_off_on     TEXT,
    PRIMARY KEY (loan_id, period)
) WITHOUT ROWID;

CREATE TABLE payment (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    loan_id         INTEGER NOT NULL REFERENCES loan(id),
    channel         TEXT NOT NULL,
    value_date      TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    posted_at       TEXT NOT NULL,
    allocated_on    TEXT
);
CREATE INDEX payment_loan ON payment (loan_id, value_date);
-- Both tiny: they hold only payments not yet allocated.
CREATE INDEX payment_pending ON payment (value_date, loan_id) WHERE allocated_on IS NULL;
CREATE INDEX payment_pending_loan ON payment (loan_id) WHERE allocated_on IS NULL;

CREATE TABLE debit_failure (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    loan_id          INTEGER NOT NULL REFERENCES loan(id),
    debit_date       TEXT NOT NULL,
    amount_attempted INTEGER NOT NULL,
    reason           TEXT NOT NULL,
    bank_code        TEXT,
    posted_at        TEXT NOT NULL
);
CREATE INDEX debit_failure_loan ON debit_failure (loan_id, debit_date);

CREATE TABLE allocation (
    id              INTEGER PRIMARY KEY,
    loan_id         INTEGER NOT NULL,
    business_date   TEXT NOT NULL,
    payment_id      INTEGER,
    source          TEXT NOT NULL,
    period          INTEGER,
    component       TEXT NOT NULL,
    amount          INTEGER NOT NULL
);
CREATE INDEX allocation_loan ON allocation (loan_id, business_date);
CREATE INDEX allocation_payment ON allocation (payment_id);

CREATE TABLE bucket_change (
    loan_id         INTEGER NOT NULL,
    business_date   TEXT NOT NULL,
    from_bucket     TEXT NOT NULL,
    to_bucket       TEXT NOT NULL,
    PRIMARY KEY (loan_id, business_date)
) WITHOUT ROWID;

CREATE TABLE loan_month_end (
    month                   TEXT NOT NULL,
    loan_id                 INTEGER NOT NULL,
    status                  TEXT NOT NULL,
    bucket                  TEXT NOT NULL,
    dpd                     INTEGER NOT NULL,
    principal_outstanding   INTEGER NOT NULL,
    total_arrears           INTEGER NOT NULL,
    PRIMARY KEY (month, loan_id)
) WITHOUT ROWID;

CREATE TABLE portfolio_day (
    business_date           TEXT NOT NULL,
    bucket                  TEXT NOT NULL,
    bucket_order            INTEGER NOT NULL,
    loans                   INTEGER NOT NULL,
    principal_outstanding   INTEGER NOT NULL,
    arrears                 INTEGER NOT NULL,
    PRIMARY KEY (business_date, bucket)
) WITHOUT ROWID;

-- Changes to the portfolio figures made by each committed chunk of a business date.
CREATE TABLE eod_delta (
    business_date           TEXT NOT NULL,
    bucket                  TEXT NOT NULL,
    loans                   INTEGER NOT NULL,
    principal_outstanding   INTEGER NOT NULL,
    arrears                 INTEGER NOT NULL,
    PRIMARY KEY (business_date, bucket)
);

CREATE TABLE eod_run (
    business_date   TEXT PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    loans_processed INTEGER NOT NULL DEFAULT 0,
    events          INTEGER NOT NULL DEFAULT 0
);

-- Append-only: nothing updates or deletes journal rows.
CREATE TABLE journal (
    id              INTEGER PRIMARY KEY,
    recorded_at     TEXT NOT NULL,
    business_date   TEXT,
    entity          TEXT NOT NULL,
    entity_id       INTEGER,
    kind            TEXT NOT NULL,
    detail          TEXT NOT NULL,
    amount          INTEGER
);
CREATE INDEX journal_entity ON journal (entity, entity_id);
