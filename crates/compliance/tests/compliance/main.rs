//! Tests of the compliance guard, in one binary: the rules of each shipped profile with
//! hand-built ledgers, fail-closed cases, profile-file errors, the report, and property tests
//! against a slow reference implementation.

mod cn;
mod fail_closed;
mod profiles;
mod properties;
mod regf;
mod report;
mod support;
