-- Failed sign-ins counted per account and client address (username, client) and per address
-- across all accounts (username '*'). Past a threshold an attempt must wait until wait_until;
-- nothing locks an account (see crates/core/src/auth.rs). The username is as typed (lower
-- case, at most 64 characters), known or not, so a throttled answer reveals nothing.
-- app_user.failed_logins and locked_until are no longer written or read.

CREATE TABLE login_throttle (
    username        TEXT NOT NULL,
    client          TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    wait_until      TEXT,
    PRIMARY KEY (username, client)
);
