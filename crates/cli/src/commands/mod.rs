//! One module per subcommand.

pub mod audit;
pub mod bench;
pub mod bench_collections;
pub mod bench_reference;
pub mod demo;
pub mod demo_work;
pub mod eod;
pub mod import;
pub mod loan;
pub mod plan;
pub mod qa;
pub mod report;
pub mod schedule;
pub mod serve;
pub mod simulate;
pub mod strategy;
pub mod user;

use anyhow::Context;
use recoup_store::Store;

/// Opens the store, saying which database could not be opened.
pub async fn open_store(url: &str) -> anyhow::Result<Store> {
    Store::open(url)
        .await
        .with_context(|| format!("cannot open database {}", recoup_store::redact_url(url)))
}
