//! Collection work on cases: who may see which case (`access`), handing cases out
//! (`assignment`), the case file, queue and contact log (`cases`), planning each day's
//! treatments through strategy and compliance (`collections`), repayment plans, waivers and
//! their approvals (`plans`), contacts reserved under a compliance permit (`outbound`), the SMS
//! outbox (`outbox`) and the collection KPIs (`kpis`).

pub(crate) mod access;
pub(crate) mod assignment;
pub(crate) mod cases;
pub(crate) mod collections;
pub(crate) mod kpis;
pub(crate) mod outbound;
pub(crate) mod outbox;
pub(crate) mod plans;
