-- Early settlements (提前结清) and partial prepayments (提前部分还款) posted on a loan: one row
-- per posting with what the money paid, by component. The money itself is a `payment` row
-- (channel `settlement` or `prepayment`, allocated on posting) whose idempotency key is the
-- posting's reference, so a reference is posted once, ever.
--
-- kind: `settlement` (the loan closes) or `prepayment` (mode `reduce_installment` or
-- `shorten_term`: the schedule from the current period on was rebuilt).

CREATE TABLE settlement (
    id              INTEGER PRIMARY KEY,
    loan_id         INTEGER NOT NULL REFERENCES loan(id),
    payment_id      INTEGER NOT NULL UNIQUE REFERENCES payment(id),
    kind            TEXT NOT NULL,
    mode            TEXT,
    value_date      TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    principal       INTEGER NOT NULL,
    interest        INTEGER NOT NULL,
    penalty         INTEGER NOT NULL,
    fees            INTEGER NOT NULL,
    settlement_fee  INTEGER NOT NULL,
    credit_used     INTEGER NOT NULL,
    to_credit       INTEGER NOT NULL,
    first_period    INTEGER NOT NULL,
    posted_by       TEXT NOT NULL,
    posted_at       TEXT NOT NULL
);
CREATE INDEX settlement_loan ON settlement (loan_id, value_date);
