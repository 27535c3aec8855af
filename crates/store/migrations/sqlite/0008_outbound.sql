-- Outbound contacts a user starts from a case: SMS sent through the SMS gateway and calls placed
-- through the dialer hook. Each row keeps the permit the compliance guard granted (profile,
-- rule-set version, expiry) and the contact_event row it put in the ledger; a message the
-- gateway refused, or a call the dialer refused, has its ledger row removed (contact_event_id
-- NULL) because it never reached anyone.

CREATE TABLE outbound_message (
    id                  INTEGER PRIMARY KEY,
    borrower_id         INTEGER NOT NULL,
    template            TEXT NOT NULL,
    -- The full number the message went to, and the rendered text as sent.
    phone               TEXT NOT NULL,
    text                TEXT NOT NULL,
    -- sending, sent, failed (the gateway refused it), queued, accepted (by the SMSC),
    -- delivered, undelivered, rejected (by the SMSC).
    status              TEXT NOT NULL,
    error               TEXT,
    -- The last delivery-report code (Kannel's 1, 2, 4, 8, 16).
    dlr_code            INTEGER,
    permit_profile      TEXT NOT NULL,
    permit_version      TEXT NOT NULL,
    permit_valid_until  TEXT NOT NULL,
    contact_event_id    INTEGER,
    requested_by        TEXT NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX outbound_message_borrower ON outbound_message (borrower_id, id);

CREATE TABLE outbound_call (
    id                  INTEGER PRIMARY KEY,
    borrower_id         INTEGER NOT NULL,
    phone               TEXT NOT NULL,
    agent               TEXT NOT NULL,
    agent_extension     TEXT,
    -- dialing, placed, failed (the dialer refused it or did not answer).
    status              TEXT NOT NULL,
    dialer_ref          TEXT,
    error               TEXT,
    permit_profile      TEXT NOT NULL,
    permit_version      TEXT NOT NULL,
    permit_valid_until  TEXT NOT NULL,
    contact_event_id    INTEGER,
    -- When the collector logged the call's outcome (POST /cases/{id}/contacts), which updates
    -- the same ledger row instead of adding a second one.
    resolved_at         TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX outbound_call_open ON outbound_call (borrower_id, agent, resolved_at);
