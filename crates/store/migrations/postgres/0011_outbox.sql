-- The server's outbox sends the SMS that planning permitted: each such treatment records when
-- and how it was dispatched (docs/outbound.md, "Planned SMS"). NULL means not yet.
--   sent     handed to the gateway (outbound_message_id names the message)
--   failed   the gateway refused it or did not answer (the message row says why)
--   blocked  the guard refused it at sending time (dispatch_detail names the rule)
--   skipped  not sent: the case closed, or the template cannot be filled in (dispatch_detail)
ALTER TABLE treatment ADD COLUMN dispatch TEXT;
ALTER TABLE treatment ADD COLUMN dispatch_detail TEXT;
ALTER TABLE treatment ADD COLUMN outbound_message_id BIGINT;
ALTER TABLE treatment ADD COLUMN dispatched_at TEXT;
-- What the outbox reads each round: the permitted SMS not yet dispatched.
CREATE INDEX treatment_outbox ON treatment (business_date, due_on, priority)
    WHERE dispatch IS NULL AND channel = 'sms' AND decision = 'permitted';
