//! The store suite: runs against SQLite by default and against PostgreSQL as well when
//! `RECOUP_TEST_POSTGRES` holds an admin URL (each test then creates its own database).

mod bank;
mod book;
mod collections;
mod eod;
mod fixtures;
mod idempotency;
mod settlement;
