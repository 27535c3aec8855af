//! recoup-sim: a deterministic synthetic car-finance book and the bank that services it.
//!
//! [`generate_portfolio`] builds a realistic Chinese auto-finance loan book (new-car, used-car
//! and car-mortgage loans with borrowers, cars, GPS terminals and dealers) from a seed, and gives
//! every borrower a hidden [`Behaviour`]. [`BankFeed`] then plays the bank: day by day it reports
//! auto-debits, failed debits and late transfers as those borrowers would produce them, sized
//! from what the lender's ledger says is owed. The demo, tests and benchmarks all drive recoup
//! with it; the same seed always gives the same book and the same feed.

#![warn(missing_docs)]

mod behaviour;
mod book;
mod borrowers;
mod collections;
mod feed;
mod ids;
mod names;
mod places;
mod portfolio;
mod response;
mod seeds;
mod vehicles;

pub use behaviour::Behaviour;
pub use book::{CloseError, DayPosted, MemoryBook};
pub use collections::{
    run_collections, season, ChannelTally, CollectionObserver, CollectionOutcome, CollectionSpec,
    SeasonedBook,
};
pub use feed::BankFeed;
pub use portfolio::{generate_portfolio, PortfolioPlan, PortfolioSpec, SimLoan};
pub use response::ContactResponse;
