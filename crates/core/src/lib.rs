//! recoup-core: the pure core of recoup.
//!
//! Money, rates, repayment schedules, identifier checks, allocation, penalty interest and
//! delinquency for car loans. Nothing here does I/O, reads a clock or awaits: every function
//! takes the business date and the state it needs, so end-of-day, the simulator and the tests
//! all run the same code.

pub mod auth;
pub mod book;
pub mod calendar;
pub mod case;
pub mod contact;
pub mod delinquency;
pub mod facts;
pub mod identity;
pub mod loan;
pub mod money;
pub mod portfolio;
pub mod rate;
pub mod restructure;
pub mod role;
pub mod schedule;
pub mod segment;
pub mod servicing;
pub mod settlement;
pub mod work;

pub use money::Fen;
pub use rate::AnnualRate;
