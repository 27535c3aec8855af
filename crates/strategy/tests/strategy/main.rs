//! Integration tests of strategy files: the shipped ladder, arm assignment, error positions and
//! random valid files. One test binary, so the crate links once.

mod arms;
mod docs;
mod errors;
mod ladder;
mod props;
mod support;
