//! The outbox of planned SMS: the SMS treatments end-of-day planning permitted, read by the
//! server's outbox worker and marked as it dispatches each one. Only the last planned business
//! date counts (a newer plan supersedes an older one), and only what is due by today; the worker
//! asks the guard again at the instant it sends (`Store::reserve_contact`), because the plan's
//! permit was for the planned instant, not for now.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::error::StoreError;
use crate::db::sql::{date_text, dialect, instant_text, parse_date};
use crate::Store;

/// A planned SMS waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSms {
    /// The `treatment` row.
    pub treatment_id: i64,
    pub borrower_id: i64,
    /// The treatment's name in the strategy (`early_sms`, …).
    pub treatment: String,
    /// The template id.
    pub template: String,
    pub business_date: NaiveDate,
    pub due_on: NaiveDate,
    /// Whether the borrower's case is still open (a case closed since planning is skipped).
    pub case_open: bool,
}

/// How a planned SMS was dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// Handed to the gateway as message `message_id`.
    Sent { message_id: i64 },
    /// The gateway refused it or did not answer; message `message_id` holds the error.
    Failed { message_id: i64 },
    /// The guard refused it at sending time under `rule`.
    Blocked { rule: String },
    /// Not sent, and why (the case closed, the template cannot be filled in).
    Skipped { why: String },
}

/// A `pending_sms` row as stored: dates are TEXT, the case's openness a 0/1 BIGINT.
#[derive(sqlx::FromRow)]
struct RawPlannedSms {
    id: i64,
    borrower_id: i64,
    treatment: String,
    template: String,
    business_date: String,
    due_on: String,
    case_open: i64,
}

impl RawPlannedSms {
    fn into_planned(self) -> Result<PlannedSms, StoreError> {
        Ok(PlannedSms {
            treatment_id: self.id,
            borrower_id: self.borrower_id,
            treatment: self.treatment,
            template: self.template,
            business_date: parse_date(&self.business_date)?,
            due_on: parse_date(&self.due_on)?,
            case_open: self.case_open != 0,
        })
    }
}

/// An `outbox_figures` row.
#[derive(sqlx::FromRow)]
struct DispatchCount {
    dispatch_state: String,
    treatments: i64,
}

impl Dispatch {
    fn columns(&self) -> (&'static str, Option<&str>, Option<i64>) {
        match self {
            Dispatch::Sent { message_id } => ("sent", None, Some(*message_id)),
            Dispatch::Failed { message_id } => ("failed", None, Some(*message_id)),
            Dispatch::Blocked { rule } => ("blocked", Some(rule.as_str()), None),
            Dispatch::Skipped { why } => ("skipped", Some(why.as_str()), None),
        }
    }
}

impl Store {
    /// Up to `limit` planned SMS of the last planned business date that are due by `today` and
    /// not yet dispatched, most urgent (lowest priority number) first.
    pub async fn pending_sms(
        &self,
        today: NaiveDate,
        limit: i64,
    ) -> Result<Vec<PlannedSms>, StoreError> {
        let rows = sqlx::query_as::<_, RawPlannedSms>(&dialect(
            self.backend,
            "SELECT t.id, t.borrower_id, t.treatment, t.template, t.business_date, t.due_on, \
             CAST(CASE WHEN c.status = 'open' THEN 1 ELSE 0 END AS BIGINT) AS case_open \
             FROM treatment t LEFT JOIN collection_case c ON c.borrower_id = t.borrower_id \
             WHERE t.dispatch IS NULL AND t.channel = 'sms' AND t.decision = 'permitted' \
             AND t.business_date = (SELECT MAX(business_date) FROM treatment) AND t.due_on <= ? \
             ORDER BY t.priority, t.due_on, t.id LIMIT ?",
        ))
        .bind(date_text(today))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter().map(RawPlannedSms::into_planned).collect()
    }

    /// Records how planned SMS `treatment_id` was dispatched. Only a treatment not yet
    /// dispatched is marked, so a second worker cannot overwrite the first one's record;
    /// returns whether this call marked it.
    pub async fn mark_dispatched(
        &self,
        treatment_id: i64,
        dispatch: &Dispatch,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (status, detail, message_id) = dispatch.columns();
        let done = sqlx::query(&dialect(
            self.backend,
            "UPDATE treatment SET dispatch = ?, dispatch_detail = ?, outbound_message_id = ?, \
             dispatched_at = ? WHERE id = ? AND dispatch IS NULL",
        ))
        .bind(status)
        .bind(detail)
        .bind(message_id)
        .bind(instant_text(now))
        .bind(treatment_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// How the planned SMS of `business_date` stand: `(dispatch, count)` with `pending` for
    /// those not yet dispatched, in dispatch order.
    pub async fn outbox_figures(
        &self,
        business_date: NaiveDate,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        // The aliases are no column's name, so GROUP BY and ORDER BY read the same on both
        // databases.
        let rows = sqlx::query_as::<_, DispatchCount>(&dialect(
            self.backend,
            "SELECT COALESCE(dispatch, 'pending') AS dispatch_state, COUNT(*) AS treatments FROM treatment \
             WHERE business_date = ? AND channel = 'sms' AND decision = 'permitted' \
             GROUP BY COALESCE(dispatch, 'pending') ORDER BY 1",
        ))
        .bind(date_text(business_date))
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.dispatch_state, row.treatments))
            .collect())
    }
}
