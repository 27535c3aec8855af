//! The API suite: every test starts the real server on a random loopback port against a fresh
//! SQLite database, and against a fresh PostgreSQL database as well when `RECOUP_TEST_POSTGRES`
//! holds an admin URL, and talks to it over HTTP. Logs stay quiet unless `TEST_LOG` is set.

mod audit;
mod bad_input;
mod book;
mod cases;
mod connections;
mod helpers;
mod operations;
mod outbound;
mod oversight;
mod plans;
mod reports;
mod session;
mod settlement;
mod users;
