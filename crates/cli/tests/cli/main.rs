//! End-to-end tests of the `recoup` binary: each runs the real executable in a temporary
//! directory against a real database.

mod checks;
mod crash;
mod demo;
mod import;
mod loan;
mod round_trip;
mod schedule;
mod server;
mod support;
