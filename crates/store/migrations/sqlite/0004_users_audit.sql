-- Users, their sessions, and the hash-chained audit log of who did what.
-- Times are UTC instants as RFC 3339 text with milliseconds (2026-11-22T08:30:00.000Z), which
-- sort as they compare.

CREATE TABLE app_user (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    -- argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash); never logged.
    password_hash   TEXT NOT NULL,
    -- The outside agency an `agency` user works for; NULL for everyone else.
    agency          TEXT,
    region          TEXT,
    active          INTEGER NOT NULL,
    failed_logins   INTEGER NOT NULL,
    locked_until    TEXT,
    created_at      TEXT NOT NULL
);

-- A session is found by the SHA-256 of its token; the token itself is never stored.
CREATE TABLE user_session (
    token_hash      TEXT PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES app_user(id),
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL
);
CREATE INDEX user_session_user ON user_session (user_id);

-- Append-only. hash = SHA-256(prev_hash ‖ canonical encoding of the row); see audit.rs.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    detail          TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

-- The chain's head: one row, updated first in every append so that concurrent appenders queue
-- on its lock (SQLite: the write lock; PostgreSQL: the row lock) and the chain never forks.
CREATE TABLE audit_head (
    id              INTEGER PRIMARY KEY,
    seq             INTEGER NOT NULL,
    hash            TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
