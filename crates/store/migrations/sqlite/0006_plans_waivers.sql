-- Repayment plans and waivers awaiting or given approval, and the original installments a plan
-- replaced (so a broken plan can be reverted).
--
-- status: pending → approved (waivers) | active (plans) | rejected; an active plan ends
-- completed (all its installments paid), broken (kept as restructured) or reverted.

CREATE TABLE approval_request (
    id              INTEGER PRIMARY KEY,
    borrower_id     INTEGER NOT NULL,
    loan_id         INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    months          INTEGER,
    amount          INTEGER,
    pay_by          TEXT,
    waive_penalty   INTEGER,
    waive_fees      INTEGER,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    -- Amount forgiven: estimated at request, as applied at approval.
    forgiven        INTEGER NOT NULL,
    decided_by      TEXT,
    decided_at      TEXT,
    comment         TEXT,
    -- Set on approval of a plan: the business date it was applied on, the first installment
    -- period it replaced, its own installments, and what it forgave by component.
    applied_on      TEXT,
    first_period    INTEGER,
    plan_first      INTEGER,
    plan_last       INTEGER,
    forgiven_principal INTEGER,
    forgiven_interest  INTEGER,
    forgiven_fees      INTEGER,
    forgiven_penalty   INTEGER,
    ended_on        TEXT
);
CREATE INDEX approval_request_status ON approval_request (status, id);
CREATE INDEX approval_request_loan ON approval_request (loan_id, status);

CREATE TABLE plan_original_installment (
    request_id      INTEGER NOT NULL,
    period          INTEGER NOT NULL,
    due_date        TEXT NOT NULL,
    principal_due   INTEGER NOT NULL,
    interest_due    INTEGER NOT NULL,
    principal_paid  INTEGER NOT NULL,
    interest_paid   INTEGER NOT NULL,
    paid_off_on     TEXT,
    PRIMARY KEY (request_id, period)
);
