-- A synthetic 1M-loan book for timing the oversight queries (docs/benchmarks.md#oversight-reports):
-- 1M borrowers, loans and cases, 3M installments, 7.3M allocations, 3.65M payments and contacts
-- over 730 closed dates, 300k promises, 200k notes, 60 users. Apply the SQLite migrations to an
-- empty file first (see run.sh); only the columns the queries read carry realistic values.
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-400000;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
INSERT INTO borrower (id, national_id, name, phones, home_address, booked_at)
SELECT i, 'N'||i, '借款人'||i, '138'||i, '北京市朝阳区'||i||'号', '2024-01-01T00:00:00.000Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
INSERT INTO loan (id, loan_no, borrower_id, vehicle_id, product, principal, rate_units, term_months, method,
 disbursement_date, repayment_day, auto_debit_account, dealer, booked_at, status, principal_outstanding,
 next_due_period, next_due_date, arrears_principal, arrears_interest, fees_balance, penalty_balance,
 penalty_accrued_total, credit, dpd, bucket, max_dpd, times_delinquent, cures)
SELECT i, 'L'||i, i, i, 'new_car', 10000000, 500, 36, 'equal_installment', '2024-01-10', 10, 'A'||i, 'D', '2024-01-01', 'active', 9000000,
 2, '2026-12-10', 0, 0, 0, 0, 0, 0, 0, 'M0', 0, 0, 0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000000)
INSERT INTO installment (loan_id, period, due_date, principal_due, interest_due)
SELECT (i - 1) / 3 + 1, (i - 1) % 3 + 1, date('2026-09-10', '+' || ((i - 1) % 3) || ' months'), 270000, 40000 FROM n;
WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k+1 FROM d WHERE k < 729)
INSERT INTO eod_run (business_date, started_at, finished_at) SELECT date('2024-11-23', '+'||k||' days'), 'x', 'y' FROM d;
WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k+1 FROM d WHERE k < 729), b(j) AS (SELECT 0 UNION ALL SELECT j+1 FROM b WHERE j < 6)
INSERT INTO portfolio_day (business_date, bucket, bucket_order, loans, principal_outstanding, arrears)
SELECT date('2024-11-23', '+'||k||' days'), 'M'||j, j, 1000, 100000000, 5000000 FROM d, b;
-- 10,000 allocations a day over 730 days
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 7299999)
INSERT INTO allocation (loan_id, business_date, payment_id, source, period, component, amount)
SELECT (i * 7919) % 1000000 + 1, date('2024-11-23', '+'||(i / 10000)||' days'), i, CASE WHEN i % 17 = 0 THEN 'credit' ELSE 'payment' END,
 i % 3 + 1, CASE i % 5 WHEN 0 THEN 'penalty' WHEN 1 THEN 'fees' WHEN 2 THEN 'interest' ELSE 'principal' END, 10000 + i % 5000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 3649999)
INSERT INTO payment (id, idempotency_key, loan_id, channel, value_date, amount, posted_at, allocated_on)
SELECT i + 1, 'P'||i, (i * 104729) % 1000000 + 1, 'bank', date('2024-11-23', '+'||(i / 5000)||' days'), 300000, 'x', 'y' FROM n;
-- one case per borrower: 10% open past due, 40% closed after a cure, 50% pre-due closed
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
INSERT INTO collection_case (borrower_id, status, stage, opened_on, stage_since, closed_on, past_due, times_opened, arm,
 quadrant, contactability, planned_on, assignee, queue)
SELECT i,
 CASE WHEN i % 10 = 0 THEN 'open' ELSE 'closed' END, 'early',
 date('2024-11-23', '+'||(i % 700)||' days'), '2024-11-23',
 CASE WHEN i % 10 = 0 THEN NULL ELSE date('2024-11-23', '+'||(i % 700 + 20)||' days') END,
 CASE WHEN i % 10 < 5 THEN 1 ELSE 0 END, 1, 'champion', 'q', 'c', '2026-11-22',
 CASE WHEN i % 10 < 5 THEN 'collector' || (i % 50) ELSE NULL END, 'early_call' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 1000000)
INSERT INTO case_event (borrower_id, business_date, kind, detail)
SELECT i, date('2024-11-23', '+'||(i % 700 + 20)||' days'), CASE WHEN i % 10 BETWEEN 1 AND 4 THEN 'cured' ELSE 'stage_changed' END, '' FROM n;
-- 5,000 contacts a day
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 3649999)
INSERT INTO contact_event (borrower_id, loan_id, at, channel, party, address, result, conversation, outcome, recorded_by)
SELECT (i * 31) % 1000000 + 1, NULL, strftime('%Y-%m-%dT%H:%M:%S+00:00', '2024-11-23', '+'||(i * 17)||' seconds'),
 CASE i % 4 WHEN 0 THEN 'sms' ELSE 'call' END, 'borrower', 'x', 'attempted', CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END,
 CASE WHEN i % 4 = 0 THEN NULL ELSE 'no_answer' END, CASE WHEN i % 4 = 0 THEN NULL ELSE 'collector' || (i % 50) END FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 299999)
INSERT INTO promise (borrower_id, amount, due_on, made_on, made_at, made_by, status, paid)
SELECT (i * 13) % 1000000 + 1, 50000, date('2024-11-25', '+'||(i / 411)||' days'), date('2024-11-23', '+'||(i / 411)||' days'), 'x',
 'collector' || (i % 50), CASE i % 4 WHEN 0 THEN 'kept' WHEN 1 THEN 'broken' WHEN 2 THEN 'partly_kept' ELSE 'open' END, 0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 199999)
INSERT INTO case_note (borrower_id, at, author, text, qa_flags)
SELECT i + 1, strftime('%Y-%m-%dT%H:%M:%S.000Z', '2024-11-23', '+'||(i * 315)||' seconds'), 'collector' || (i % 50), 'note',
 CASE WHEN i % 50 = 0 THEN '[{"category":"legal_action","term":"起诉","start":0,"end":6}]' ELSE '[]' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 59)
INSERT INTO app_user (username, display_name, role, password_hash, active, failed_logins, created_at)
SELECT 'collector' || i, 'C' || i, CASE WHEN i < 50 THEN 'collector' ELSE 'field_agent' END, 'x', 1, 0, 'x' FROM n;
COMMIT;
ANALYZE;
