//! The loan book: booking loans and schedules (`book`), posting bank files (`bank`), the
//! end-of-day close (`eod`), early settlement and prepayment (`settlement`) and the portfolio
//! reports read from what they wrote (`reports`).

pub(crate) mod bank;
pub(crate) mod book;
pub(crate) mod eod;
pub(crate) mod reports;
pub(crate) mod settlement;
