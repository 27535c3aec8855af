//! The collections phase of a business date: for every borrower with something past due or
//! falling due soon (or an open case), build the case facts from the book, segment, run the
//! strategy, move the case, check every contact treatment with the compliance guard, and store
//! the day's treatments — permitted, blocked with the rule, or internal.
//!
//! Like the loan phase it commits per chunk of borrowers, each chunk together with
//! `collection_case.planned_on = date`, so a rerun completes an interrupted plan and a planned
//! date is never planned twice.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use recoup_compliance::{
    BorrowerStanding, ContactRequest, Decision, Flags, Guard, History, TemplateClass,
};
use recoup_core::case::{
    advance_case, CaseFacts, CaseRecord, CaseStatus, DelayReason, Temperament,
};
use recoup_core::contact::{Channel, ContactEvent, ContactResult, Party};
use recoup_core::facts::{case_facts, BorrowerFacts, LoanPosition};
use recoup_core::segment::SegmentPolicy;
use recoup_core::Fen;
use recoup_strategy::Strategy;
use sqlx::Row;

use crate::db::error::StoreError;
use crate::db::sql::{date_text, dialect, insert_rows, parse_date, parse_opt_date, placeholders};
use crate::Store;

/// A case's segments as stored: quadrant, contactability, strategy segment.
type Segments = (String, String, Option<String>);

/// What planning reads of one chunk of borrowers (those not yet planned for the date).
struct ChunkInputs {
    todo: Vec<i64>,
    cases: HashMap<i64, CaseRecord>,
    /// What collectors recorded on the case (reason for the delay, temperament).
    recorded: HashMap<i64, (Option<DelayReason>, Option<Temperament>)>,
    segments_before: HashMap<i64, Segments>,
    loans: HashMap<i64, Vec<LoanPosition>>,
    phones: HashMap<i64, Vec<String>>,
    zones: HashMap<i64, chrono_tz::Tz>,
    disputed: std::collections::HashSet<i64>,
    contacts: HashMap<i64, Vec<u32>>,
    ledgers: HashMap<i64, Vec<ContactEvent>>,
    promises: HashMap<i64, (u32, u32)>,
}

/// Borrowers per transaction.
const CHUNK: usize = 2000;

/// What planning a business date did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOutcome {
    pub borrowers: u64,
    pub permitted: u64,
    pub blocked: u64,
    pub internal: u64,
}

impl PlanOutcome {
    fn add(&mut self, other: &PlanOutcome) {
        self.borrowers += other.borrowers;
        self.permitted += other.permitted;
        self.blocked += other.blocked;
        self.internal += other.internal;
    }
}

/// Champion/challenger results of one strategy arm over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArmResult {
    pub arm: String,
    /// Cases assigned to the arm (open or closed).
    pub cases: i64,
    /// Permitted contacts by channel: (channel, contacts, cost by the strategy's channel weights).
    pub contacts: Vec<(String, i64, Fen)>,
    pub blocked: i64,
    pub cures: i64,
    /// Money received from the arm's borrowers in the period.
    pub recovered: Fen,
}

/// One line of a day's plan: treatments grouped by channel, queue, stage and decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub channel: String,
    pub queue: String,
    pub stage: String,
    /// permitted, blocked or internal.
    pub decision: String,
    /// The rule that blocked, for blocked lines.
    pub rule: Option<String>,
    pub treatments: i64,
}

impl Store {
    /// Plans business date `date` (which should be closed by end-of-day first). `pre_due_days`
    /// is the reminder window that opens a case before the due date.
    pub async fn plan_collections(
        &self,
        date: NaiveDate,
        strategy: &Strategy,
        guard: &Guard,
        pre_due_days: u32,
    ) -> Result<PlanOutcome, StoreError> {
        let date_s = date_text(date);
        let window_end = date_text(date + chrono::Days::new(u64::from(pre_due_days)));
        let sql = dialect(
            self.backend,
            "SELECT DISTINCT borrower_id FROM loan WHERE status = 'active' AND disbursement_date <= ? \
             AND (oldest_unpaid_due_date IS NOT NULL OR next_due_date <= ?) \
             UNION SELECT borrower_id FROM collection_case WHERE status = 'open'",
        );
        let mut borrowers: Vec<i64> = sqlx::query_scalar(&sql)
            .bind(&date_s)
            .bind(&window_end)
            .fetch_all(&self.pool)
            .await?;
        borrowers.sort_unstable();
        let mut outcome = PlanOutcome::default();
        let policy = SegmentPolicy::default();
        // One ledger read per chunk, from early enough for every borrower's own planned
        // instant (10:00 local lies within a day of the profile zone's 10:00).
        let since = guard.history_since(planned_instant(date, guard.profile().default_time_zone()))
            - chrono::TimeDelta::days(2);
        // Each chunk is read on a read connection by its own task while the previous one is
        // planned and written: the chunks are disjoint, so neither sees the other's rows, and
        // the read runs on the other core instead of waiting for the planning to yield.
        let chunks: Vec<Vec<i64>> = borrowers.chunks(CHUNK).map(<[i64]>::to_vec).collect();
        let read = |chunk: Option<Vec<i64>>| {
            let store = self.clone();
            let date_s = date_s.clone();
            tokio::spawn(async move {
                match chunk {
                    Some(chunk) => store.read_chunk(&chunk, date, &date_s, since).await,
                    None => Ok(None),
                }
            })
        };
        let mut next = read(chunks.first().cloned());
        for idx in 0..chunks.len() {
            let inputs = next
                .await
                .map_err(|e| StoreError::Corrupt(format!("planning read task failed: {e}")))??;
            next = read(chunks.get(idx + 1).cloned());
            if let Some(inputs) = inputs {
                let mut chunk_outcome = PlanOutcome::default();
                self.plan_chunk(
                    inputs,
                    date,
                    &date_s,
                    strategy,
                    guard,
                    pre_due_days,
                    &policy,
                    &mut chunk_outcome,
                )
                .await?;
                outcome.add(&chunk_outcome);
            }
        }
        sqlx::query(&dialect(
            self.backend,
            "UPDATE eod_run SET planned = 1 WHERE business_date = ?",
        ))
        .bind(&date_s)
        .execute(&self.pool)
        .await?;
        Ok(outcome)
    }

    /// Whether `date` is closed but its collection work not (completely) planned: an
    /// interrupted run, which the next `recoup eod` plans before closing another date.
    pub async fn needs_planning(&self, date: NaiveDate) -> Result<bool, StoreError> {
        self.case_work_undone(
            date,
            "SELECT planned FROM eod_run WHERE business_date = ? AND finished_at IS NOT NULL",
        )
        .await
    }

    /// Whether `date` is closed but its cases not assigned: a run that died after (or while)
    /// planning the date, which the next `recoup eod` assigns before closing another date.
    pub async fn needs_assignment(&self, date: NaiveDate) -> Result<bool, StoreError> {
        self.case_work_undone(
            date,
            "SELECT assigned FROM eod_run WHERE business_date = ? AND finished_at IS NOT NULL",
        )
        .await
    }

    /// Whether `date` is closed and the `eod_run` flag `sql` reads is still 0.
    async fn case_work_undone(&self, date: NaiveDate, sql: &str) -> Result<bool, StoreError> {
        let flag: Option<i64> = sqlx::query_scalar(&dialect(self.backend, sql))
            .bind(date_text(date))
            .fetch_optional(&self.pool)
            .await?;
        Ok(flag == Some(0))
    }

    /// Reads what planning needs of `borrowers` on `date`, leaving out those the date has
    /// planned already; `None` when that is all of them. On a read connection, so the next
    /// chunk is read while the previous one is written.
    async fn read_chunk(
        &self,
        borrowers: &[i64],
        date: NaiveDate,
        date_s: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<ChunkInputs>, StoreError> {
        let mut tx = self.reader().begin().await?;
        let list = placeholders(borrowers.len());
        // Cases, skipping borrowers this date has planned already.
        let sql = format!(
            "SELECT borrower_id, status, stage, opened_on, stage_since, closed_on, past_due, times_opened, planned_on, \
             quadrant, contactability, segment, delay_reason, temperament FROM collection_case WHERE borrower_id IN ({list})"
        );
        let sql = dialect(self.backend, &sql);
        let mut query = sqlx::query(&sql);
        for id in borrowers {
            query = query.bind(*id);
        }
        let mut cases: HashMap<i64, CaseRecord> = HashMap::new();
        // What collectors recorded on the case (reason for the delay, temperament).
        let mut recorded: HashMap<i64, (Option<DelayReason>, Option<Temperament>)> = HashMap::new();
        let mut segments_before: HashMap<i64, Segments> = HashMap::new();
        let mut planned: Vec<i64> = Vec::new();
        for row in query.fetch_all(&mut *tx).await? {
            let borrower_id: i64 = row.try_get("borrower_id")?;
            let planned_on: String = row.try_get("planned_on")?;
            if parse_date(&planned_on)? >= date {
                planned.push(borrower_id);
                continue;
            }
            cases.insert(borrower_id, case_from_row(&row)?);
            let reason: Option<String> = row.try_get("delay_reason")?;
            let temperament: Option<String> = row.try_get("temperament")?;
            recorded.insert(
                borrower_id,
                (
                    reason.and_then(|r| r.parse().ok()),
                    temperament.and_then(|t| t.parse().ok()),
                ),
            );
            segments_before.insert(
                borrower_id,
                (
                    row.try_get("quadrant")?,
                    row.try_get("contactability")?,
                    row.try_get("segment")?,
                ),
            );
        }
        let todo: Vec<i64> = borrowers
            .iter()
            .copied()
            .filter(|b| !planned.contains(b))
            .collect();
        if todo.is_empty() {
            return Ok(None);
        }
        let list = placeholders(todo.len());
        let sql = format!(
            "SELECT l.borrower_id AS borrower_id, l.dpd AS dpd, l.bucket AS bucket, l.next_due_date AS next_due_date, \
             CAST(COALESCE((SELECT i.principal_due + i.interest_due FROM installment i \
               WHERE i.loan_id = l.id AND i.period = l.next_due_period), 0) AS BIGINT) AS next_due_amount, \
             l.arrears_principal + l.arrears_interest + l.fees_balance + l.penalty_balance AS arrears, \
             l.principal_outstanding AS principal_outstanding, l.principal AS principal, \
             l.disbursement_date AS disbursement_date, l.times_delinquent AS times_delinquent, \
             l.failed_debits AS failed_debits, l.last_failed_debit_date AS last_failed_debit_date, \
             (SELECT MAX(p.value_date) FROM payment p WHERE p.loan_id = l.id) AS last_payment \
             FROM loan l WHERE l.status = 'active' AND l.disbursement_date <= ? AND l.borrower_id IN ({list})"
        );
        let sql = dialect(self.backend, &sql);
        let mut query = sqlx::query(&sql).bind(date_s);
        for id in &todo {
            query = query.bind(*id);
        }
        let mut loans: HashMap<i64, Vec<LoanPosition>> = HashMap::new();
        for row in query.fetch_all(&mut *tx).await? {
            let borrower_id: i64 = row.try_get("borrower_id")?;
            let disbursed: String = row.try_get("disbursement_date")?;
            loans.entry(borrower_id).or_default().push(LoanPosition {
                dpd: u32::try_from(row.try_get::<i64, _>("dpd")?).unwrap_or(0),
                bucket: row.try_get("bucket")?,
                next_due_date: parse_opt_date(row.try_get("next_due_date")?)?,
                next_due_amount: Fen::new(row.try_get("next_due_amount")?),
                arrears: Fen::new(row.try_get("arrears")?),
                outstanding: Fen::new(row.try_get("principal_outstanding")?),
                principal: Fen::new(row.try_get("principal")?),
                disbursed: parse_date(&disbursed)?,
                times_delinquent: u32::try_from(row.try_get::<i64, _>("times_delinquent")?)
                    .unwrap_or(0),
                failed_debits: u32::try_from(row.try_get::<i64, _>("failed_debits")?).unwrap_or(0),
                last_failed_debit: parse_opt_date(row.try_get("last_failed_debit_date")?)?,
                last_payment: parse_opt_date(row.try_get("last_payment")?)?,
            });
        }
        let (phones, zones, disputed) = borrower_details(&mut tx, self.backend, &todo).await?;
        let contacts = registered_contacts(&mut tx, self.backend, &todo).await?;
        let ledgers = contact_ledgers(&mut tx, self.backend, &todo, since).await?;
        let promises = promise_counts(&mut tx, self.backend, &todo).await?;
        tx.commit().await?;
        Ok(Some(ChunkInputs {
            todo,
            cases,
            recorded,
            segments_before,
            loans,
            phones,
            zones,
            disputed,
            contacts,
            ledgers,
            promises,
        }))
    }

    /// Plans one chunk from what [`Store::read_chunk`] read and writes the plan.
    #[allow(clippy::too_many_arguments)]
    async fn plan_chunk(
        &self,
        mut inputs: ChunkInputs,
        date: NaiveDate,
        date_s: &str,
        strategy: &Strategy,
        guard: &Guard,
        pre_due_days: u32,
        policy: &SegmentPolicy,
        outcome: &mut PlanOutcome,
    ) -> Result<(), StoreError> {
        // Taken out so each borrower's loans can be moved into the facts while the rest of
        // the inputs are shared.
        let mut loans = std::mem::take(&mut inputs.loans);
        let default_zone = guard.profile().default_time_zone();
        let planner = Planner {
            inputs: &inputs,
            date,
            strategy,
            guard,
            pre_due_days,
            policy,
            default_zone,
            since: guard.history_since(planned_instant(date, default_zone))
                - chrono::TimeDelta::days(2),
        };
        let mut plan = ChunkPlan::default();
        for &borrower_id in &inputs.todo {
            let lines = loans.remove(&borrower_id).unwrap_or_default();
            planner.plan_borrower(borrower_id, &lines, &mut plan, outcome);
        }
        self.write_chunk_plan(date_s, &plan).await
    }

    /// Writes a chunk's plan in one transaction: cases, case events, treatments and segment
    /// changes.
    async fn write_chunk_plan(&self, date_s: &str, plan: &ChunkPlan) -> Result<(), StoreError> {
        let ChunkPlan {
            planned_rows,
            case_rows,
            event_rows,
            segment_rows,
        } = plan;
        let mut tx = self.pool.begin().await?;
        write_plan(
            &mut tx,
            self.backend,
            date_s,
            case_rows,
            event_rows,
            planned_rows,
        )
        .await?;
        insert_rows(
            &mut tx,
            self.backend,
            "segment_change (borrower_id, business_date, quadrant, contactability, segment)",
            "",
            segment_rows,
            |query, (borrower_id, (quadrant, contactability, segment))| {
                query
                    .bind(*borrower_id)
                    .bind(date_s.to_owned())
                    .bind(quadrant.as_str())
                    .bind(contactability.as_str())
                    .bind(segment.as_deref())
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Contact decisions between two business dates (inclusive): permitted and blocked, by rule
    /// and channel, most frequent first. Internal actions are not contacts and are left out.
    pub async fn compliance_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, Option<String>, String, i64)>, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT decision, rule, channel, COUNT(*) AS treatments FROM treatment WHERE business_date >= ? AND business_date <= ? \
             AND decision <> 'internal' GROUP BY decision, rule, channel ORDER BY decision DESC, COUNT(*) DESC, rule, channel",
        );
        let rows = sqlx::query(&sql)
            .bind(date_text(from))
            .bind(date_text(to))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("decision")?,
                    row.try_get("rule")?,
                    row.try_get("channel")?,
                    row.try_get("treatments")?,
                ))
            })
            .collect()
    }

    /// Champion/challenger results per arm between two business dates (inclusive).
    pub async fn strategy_results(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ArmResult>, StoreError> {
        let (from_s, to_s) = (date_text(from), date_text(to));
        let mut arms: std::collections::BTreeMap<String, ArmResult> =
            std::collections::BTreeMap::new();
        let sql = dialect(
            self.backend,
            "SELECT arm, COUNT(*) AS cases FROM collection_case GROUP BY arm",
        );
        for row in sqlx::query(&sql).fetch_all(&self.pool).await? {
            let arm: String = row.try_get("arm")?;
            arms.entry(arm.clone())
                .or_insert_with(|| ArmResult {
                    arm,
                    ..ArmResult::default()
                })
                .cases = row.try_get("cases")?;
        }
        let sql = dialect(
            self.backend,
            "SELECT arm, decision, channel, COUNT(*) AS treatments, CAST(SUM(cost) AS BIGINT) AS cost \
             FROM treatment \
             WHERE business_date >= ? AND business_date <= ? AND decision <> 'internal' \
             GROUP BY arm, decision, channel ORDER BY arm, channel",
        );
        for row in sqlx::query(&sql)
            .bind(&from_s)
            .bind(&to_s)
            .fetch_all(&self.pool)
            .await?
        {
            let arm: String = row.try_get("arm")?;
            let decision: String = row.try_get("decision")?;
            let entry = arms.entry(arm.clone()).or_insert_with(|| ArmResult {
                arm,
                ..ArmResult::default()
            });
            let count: i64 = row.try_get("treatments")?;
            if decision == "permitted" {
                entry.contacts.push((
                    row.try_get("channel")?,
                    count,
                    Fen::new(row.try_get("cost")?),
                ));
            } else {
                entry.blocked += count;
            }
        }
        let sql = dialect(
            self.backend,
            "SELECT c.arm AS arm, COUNT(*) AS cures FROM case_event e JOIN collection_case c ON c.borrower_id = e.borrower_id \
             WHERE e.kind = 'cured' AND e.business_date >= ? AND e.business_date <= ? GROUP BY c.arm",
        );
        for row in sqlx::query(&sql)
            .bind(&from_s)
            .bind(&to_s)
            .fetch_all(&self.pool)
            .await?
        {
            let arm: String = row.try_get("arm")?;
            arms.entry(arm.clone())
                .or_insert_with(|| ArmResult {
                    arm,
                    ..ArmResult::default()
                })
                .cures = row.try_get("cures")?;
        }
        let sql = dialect(
            self.backend,
            "SELECT c.arm AS arm, CAST(SUM(p.amount) AS BIGINT) AS recovered FROM payment p JOIN loan l ON l.id = p.loan_id \
             JOIN collection_case c ON c.borrower_id = l.borrower_id \
             WHERE p.value_date >= ? AND p.value_date <= ? GROUP BY c.arm",
        );
        for row in sqlx::query(&sql)
            .bind(&from_s)
            .bind(&to_s)
            .fetch_all(&self.pool)
            .await?
        {
            let arm: String = row.try_get("arm")?;
            let recovered: Option<i64> = row.try_get("recovered")?;
            arms.entry(arm.clone())
                .or_insert_with(|| ArmResult {
                    arm,
                    ..ArmResult::default()
                })
                .recovered = Fen::new(recovered.unwrap_or(0));
        }
        Ok(arms.into_values().collect())
    }

    /// The plan of a business date, grouped by channel, queue, stage and decision.
    pub async fn plan_for(&self, date: NaiveDate) -> Result<Vec<PlanLine>, StoreError> {
        let sql = dialect(
            self.backend,
            "SELECT channel, queue, stage, decision, rule, COUNT(*) AS treatments FROM treatment \
             WHERE business_date = ? \
             GROUP BY channel, queue, stage, decision, rule ORDER BY decision, channel, queue, stage, rule",
        );
        let rows = sqlx::query(&sql)
            .bind(date_text(date))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(PlanLine {
                    channel: row.try_get("channel")?,
                    queue: row.try_get("queue")?,
                    stage: row.try_get("stage")?,
                    decision: row.try_get("decision")?,
                    rule: row.try_get("rule")?,
                    treatments: row.try_get("treatments")?,
                })
            })
            .collect()
    }
}

/// The rows a chunk's plan writes.
#[derive(Default)]
struct ChunkPlan {
    planned_rows: Vec<TreatmentRow>,
    case_rows: Vec<CaseRow>,
    event_rows: Vec<(i64, &'static str, String)>,
    segment_rows: Vec<(i64, Segments)>,
}

/// What planning a chunk's borrowers shares: the chunk's inputs, the date and the rules.
struct Planner<'a> {
    inputs: &'a ChunkInputs,
    date: NaiveDate,
    strategy: &'a Strategy,
    guard: &'a Guard,
    pre_due_days: u32,
    policy: &'a SegmentPolicy,
    default_zone: Option<chrono_tz::Tz>,
    /// From when the contact ledgers read are complete.
    since: chrono::DateTime<chrono::Utc>,
}

impl Planner<'_> {
    /// Plans one borrower: the case facts, the strategy's decision, the case's move, the
    /// treatments (checked by the guard while the case is open) and the segment change.
    fn plan_borrower(
        &self,
        borrower_id: i64,
        lines: &[LoanPosition],
        plan: &mut ChunkPlan,
        outcome: &mut PlanOutcome,
    ) {
        let inputs = self.inputs;
        let previous = inputs.cases.get(&borrower_id);
        let ledger = inputs
            .ledgers
            .get(&borrower_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let facts = self.facts(borrower_id, lines, previous, ledger);
        let mut treatments = Vec::new();
        let decision = self.strategy.evaluate(&facts, &mut treatments);
        let pre_due = facts.dpd == 0
            && facts
                .days_to_next_due
                .is_some_and(|d| d <= self.pre_due_days);
        let (record, events) =
            advance_case(previous, facts.dpd, pre_due, decision.stage, self.date);
        let Some(record) = record else { return };
        outcome.borrowers += 1;
        for event in &events {
            plan.event_rows.push((
                borrower_id,
                case_event_kind(event),
                case_event_detail(event),
            ));
        }
        let segment = decision
            .segment
            .and_then(|idx| self.strategy.segment_names().nth(idx))
            .map(str::to_string);
        let arm = self
            .strategy
            .arms()
            .get(decision.arm)
            .map(|a| a.name().to_string())
            .unwrap_or_default();
        if record.status == CaseStatus::Open {
            self.check_treatments(borrower_id, &facts, ledger, &treatments, plan, outcome);
        }
        let now = (
            facts.quadrant.code().to_string(),
            facts.contactability.code().to_string(),
            segment.clone(),
        );
        if inputs.segments_before.get(&borrower_id) != Some(&now) {
            plan.segment_rows.push((borrower_id, now));
        }
        let work = case_work(&record, &treatments, &facts);
        plan.case_rows.push((
            borrower_id,
            record,
            arm,
            segment,
            facts.quadrant.code(),
            facts.contactability.code(),
            work,
        ));
    }

    /// The borrower's case facts from the book and what collectors recorded.
    fn facts(
        &self,
        borrower_id: i64,
        lines: &[LoanPosition],
        previous: Option<&CaseRecord>,
        ledger: &[ContactEvent],
    ) -> CaseFacts {
        let inputs = self.inputs;
        let (delay_reason, temperament) = inputs
            .recorded
            .get(&borrower_id)
            .copied()
            .unwrap_or((None, None));
        let (promises_kept, broken_promises) =
            inputs.promises.get(&borrower_id).copied().unwrap_or((0, 0));
        case_facts(
            borrower_id,
            self.date,
            lines,
            previous,
            BorrowerFacts {
                ledger,
                phones: inputs
                    .phones
                    .get(&borrower_id)
                    .map_or(0, |p| p.len() as u32),
                delay_reason,
                temperament,
                promises_kept,
                broken_promises,
            },
            self.policy,
        )
    }

    /// Puts each of an open case's treatments to the guard at the planned instant in the
    /// borrower's zone, and adds them to the plan with the decision.
    fn check_treatments(
        &self,
        borrower_id: i64,
        facts: &CaseFacts,
        ledger: &[ContactEvent],
        treatments: &[recoup_strategy::PlannedTreatment],
        plan: &mut ChunkPlan,
        outcome: &mut PlanOutcome,
    ) {
        let inputs = self.inputs;
        let zone = inputs
            .zones
            .get(&borrower_id)
            .copied()
            .or(self.default_zone);
        let at = planned_instant(self.date, zone);
        // The ledger as of that instant: a borrower east of the profile's zone is
        // planned earlier than contacts later that day.
        let known: Vec<ContactEvent>;
        let ledger = if ledger.iter().any(|event| event.at > at) {
            known = ledger
                .iter()
                .filter(|event| event.at <= at)
                .cloned()
                .collect();
            known.as_slice()
        } else {
            ledger
        };
        let standing = BorrowerStanding {
            time_zone: zone,
            lost_contact: facts.contactability == recoup_core::case::Contactability::LostContact,
            registered_contacts: inputs
                .contacts
                .get(&borrower_id)
                .cloned()
                .unwrap_or_default(),
            flags: Flags {
                dispute: inputs.disputed.contains(&borrower_id),
                ..Flags::default()
            },
            ..BorrowerStanding::default()
        };
        let address = inputs
            .phones
            .get(&borrower_id)
            .and_then(|p| p.first().cloned())
            .unwrap_or_default();
        let history = History {
            events: ledger,
            complete_since: Some(self.since),
        };
        for treatment in treatments {
            let contact = Contact {
                borrower_id,
                address: &address,
                at,
                standing: &standing,
                history,
            };
            plan.planned_rows
                .push(decide_treatment(self.guard, treatment, &contact, outcome));
        }
    }
}

/// The case's queue is that of today's most urgent treatment; its next action the earliest
/// due date of what was planned (contacts the guard blocked still wait).
fn case_work(
    record: &CaseRecord,
    treatments: &[recoup_strategy::PlannedTreatment],
    facts: &CaseFacts,
) -> CaseWork {
    let open = record.status == CaseStatus::Open;
    let most_urgent = treatments
        .iter()
        .min_by_key(|t| t.priority)
        .filter(|_| open);
    CaseWork {
        queue: most_urgent.map(|t| t.queue.to_string()),
        next_action_on: treatments.iter().filter(|_| open).map(|t| t.due).min(),
        open,
        dpd: facts.dpd,
        arrears: facts.total_arrears,
    }
}

/// Contacts are planned for 10:00 on the business date in the borrower's time zone (else the
/// profile's): inside every profile's contact hours. Without any zone, 10:00 UTC (the guard
/// then blocks the contact for want of a zone).
fn planned_instant(date: NaiveDate, zone: Option<chrono_tz::Tz>) -> chrono::DateTime<chrono::Utc> {
    let local = date.and_hms_opt(10, 0, 0).unwrap_or_default();
    zone.and_then(|zone| zone.from_local_datetime(&local).single())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| chrono::Utc.from_utc_datetime(&local))
}

fn case_from_row(row: &sqlx::any::AnyRow) -> Result<CaseRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let stage: String = row.try_get("stage")?;
    let opened_on: String = row.try_get("opened_on")?;
    let stage_since: String = row.try_get("stage_since")?;
    Ok(CaseRecord {
        status: if status == "open" {
            CaseStatus::Open
        } else {
            CaseStatus::Closed
        },
        stage: stage
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("case stage: {e}")))?,
        opened_on: parse_date(&opened_on)?,
        stage_since: parse_date(&stage_since)?,
        closed_on: parse_opt_date(row.try_get("closed_on")?)?,
        past_due: row.try_get::<i64, _>("past_due")? != 0,
        times_opened: u32::try_from(row.try_get::<i64, _>("times_opened")?).unwrap_or(1),
    })
}

fn case_event_kind(event: &recoup_core::case::CaseEvent) -> &'static str {
    use recoup_core::case::CaseEvent;
    match event {
        CaseEvent::Opened { .. } => "opened",
        CaseEvent::Reopened { .. } => "reopened",
        CaseEvent::StageChanged { .. } => "stage_changed",
        CaseEvent::Cured => "cured",
        CaseEvent::Closed => "closed",
    }
}

/// What a case event says, as the JSON the timeline shows: stages and triggers by their codes.
fn case_event_detail(event: &recoup_core::case::CaseEvent) -> String {
    use recoup_core::case::CaseEvent;
    let detail = match event {
        CaseEvent::Opened { trigger, stage } | CaseEvent::Reopened { trigger, stage } => {
            serde_json::json!({ "trigger": trigger.code(), "stage": stage.code() })
        }
        CaseEvent::StageChanged { from, to } => {
            serde_json::json!({ "from": from.code(), "to": to.code() })
        }
        CaseEvent::Cured | CaseEvent::Closed => serde_json::json!({}),
    };
    detail.to_string()
}

/// What planning reads of each borrower: the phones on file, the borrower's own time zone (if
/// any) and whether the debt is disputed — one read of the borrower rows.
type BorrowerDetails = (
    HashMap<i64, Vec<String>>,
    HashMap<i64, chrono_tz::Tz>,
    std::collections::HashSet<i64>,
);

async fn borrower_details(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    borrowers: &[i64],
) -> Result<BorrowerDetails, StoreError> {
    let sql = "SELECT id, phones, time_zone, dispute FROM borrower WHERE id IN ({ids})";
    let (mut phones, mut zones, mut disputed) = BorrowerDetails::default();
    for row in rows_for_ids(tx, backend, sql, None, borrowers).await? {
        let id: i64 = row.try_get("id")?;
        let list: String = row.try_get("phones")?;
        phones.insert(
            id,
            list.split(';')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
        );
        if let Some(name) = row.try_get::<Option<String>, _>("time_zone")? {
            let zone = name
                .parse::<chrono_tz::Tz>()
                .map_err(|_| StoreError::Corrupt(format!("borrower time zone `{name}`")))?;
            zones.insert(id, zone);
        }
        if row.try_get::<i64, _>("dispute")? == 1 {
            disputed.insert(id);
        }
    }
    Ok((phones, zones, disputed))
}

async fn registered_contacts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    borrowers: &[i64],
) -> Result<HashMap<i64, Vec<u32>>, StoreError> {
    let sql = "SELECT borrower_id, seq FROM emergency_contact WHERE borrower_id IN ({ids}) ORDER BY borrower_id, seq";
    let mut out: HashMap<i64, Vec<u32>> = HashMap::new();
    for row in rows_for_ids(tx, backend, sql, None, borrowers).await? {
        let seq: i64 = row.try_get("seq")?;
        out.entry(row.try_get("borrower_id")?)
            .or_default()
            .push(u32::try_from(seq).unwrap_or(0));
    }
    Ok(out)
}

/// Promises kept (fully or partly) and broken, per borrower.
async fn promise_counts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    borrowers: &[i64],
) -> Result<HashMap<i64, (u32, u32)>, StoreError> {
    let sql = "SELECT borrower_id, status, COUNT(*) AS promises FROM promise \
               WHERE status IN ('kept', 'partly_kept', 'broken') AND borrower_id IN ({ids}) \
               GROUP BY borrower_id, status";
    let mut out: HashMap<i64, (u32, u32)> = HashMap::new();
    for row in rows_for_ids(tx, backend, sql, None, borrowers).await? {
        let status: String = row.try_get("status")?;
        let n = u32::try_from(row.try_get::<i64, _>("promises")?).unwrap_or(u32::MAX);
        let entry = out.entry(row.try_get("borrower_id")?).or_default();
        // A partly kept promise still shows willingness: it counts as kept.
        if status == "broken" {
            entry.1 += n;
        } else {
            entry.0 += n;
        }
    }
    Ok(out)
}

pub(crate) async fn contact_ledgers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    borrowers: &[i64],
    since: chrono::DateTime<chrono::Utc>,
) -> Result<HashMap<i64, Vec<ContactEvent>>, StoreError> {
    let sql = "SELECT borrower_id, loan_id, at, channel, party, address, result, conversation FROM contact_event \
               WHERE at >= ? AND borrower_id IN ({ids}) ORDER BY borrower_id, at";
    let mut out: HashMap<i64, Vec<ContactEvent>> = HashMap::new();
    for row in rows_for_ids(tx, backend, sql, Some(since.to_rfc3339()), borrowers).await? {
        let at: String = row.try_get("at")?;
        let channel: String = row.try_get("channel")?;
        let party: String = row.try_get("party")?;
        let result: String = row.try_get("result")?;
        let event = ContactEvent {
            borrower_id: row.try_get("borrower_id")?,
            loan_id: row.try_get("loan_id")?,
            at: chrono::DateTime::parse_from_rfc3339(&at)
                .map_err(|_| StoreError::Corrupt(format!("contact time `{at}`")))?
                .with_timezone(&chrono::Utc),
            channel: channel
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("contact channel: {e}")))?,
            party: match party.strip_prefix("third_party:") {
                Some(seq) => Party::ThirdParty {
                    contact_seq: seq.parse().unwrap_or(0),
                },
                None if party == "lawyer" => Party::Lawyer,
                None => Party::Borrower,
            },
            address: row.try_get("address")?,
            result: match result.as_str() {
                "connected" => ContactResult::Connected,
                "failed" => ContactResult::Failed,
                _ => ContactResult::Attempted,
            },
            conversation: row.try_get::<i64, _>("conversation")? != 0,
        };
        out.entry(event.borrower_id).or_default().push(event);
    }
    Ok(out)
}

/// Where an open case waits and when it next needs action.
struct CaseWork {
    queue: Option<String>,
    next_action_on: Option<NaiveDate>,
    open: bool,
    /// The queue's sort keys as of the planned date.
    dpd: u32,
    arrears: Fen,
}

type CaseRow = (
    i64,
    CaseRecord,
    String,
    Option<String>,
    &'static str,
    &'static str,
    CaseWork,
);
type TreatmentRow = (
    i64,
    recoup_strategy::PlannedTreatment,
    &'static str,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A borrower's contact as the guard sees it at the planned instant.
struct Contact<'a> {
    borrower_id: i64,
    address: &'a str,
    at: chrono::DateTime<chrono::Utc>,
    standing: &'a BorrowerStanding,
    history: History<'a>,
}

/// A planned treatment with its decision: contacts go to the compliance guard (permitted with
/// the permit's validity, or blocked with the rule and reason); referrals, placements and
/// vehicle checks are internal.
fn decide_treatment(
    guard: &Guard,
    treatment: &recoup_strategy::PlannedTreatment,
    contact: &Contact<'_>,
    outcome: &mut PlanOutcome,
) -> TreatmentRow {
    let (decision, rule, reason, valid_until) = if treatment.channel.is_contact() {
        let request = ContactRequest {
            borrower_id: contact.borrower_id,
            loan_id: None,
            channel: treatment.channel,
            party: Party::Borrower,
            address: contact.address.to_string(),
            at: contact.at,
            template: TemplateClass::Normal,
            collectors: if treatment.channel == Channel::FieldVisit {
                vec!["field-team-1".into(), "field-team-2".into()]
            } else {
                Vec::new()
            },
        };
        match guard.check(&request, contact.standing, contact.history) {
            Decision::Permitted(permit) => {
                outcome.permitted += 1;
                (
                    "permitted",
                    None,
                    None,
                    Some(permit.valid_until().to_rfc3339()),
                )
            }
            Decision::Blocked(block) => {
                outcome.blocked += 1;
                (
                    "blocked",
                    Some(block.rule.to_string()),
                    Some(block.reason),
                    None,
                )
            }
        }
    } else {
        outcome.internal += 1;
        ("internal", None, None, None)
    };
    (
        contact.borrower_id,
        treatment.clone(),
        decision,
        rule,
        reason,
        valid_until,
    )
}

async fn write_plan(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    date_s: &str,
    cases: &[CaseRow],
    events: &[(i64, &'static str, String)],
    treatments: &[TreatmentRow],
) -> Result<(), StoreError> {
    insert_rows(
        tx,
        backend,
        "collection_case (borrower_id, status, stage, opened_on, stage_since, closed_on, past_due, \
         times_opened, arm, segment, quadrant, contactability, planned_on, queue, next_action_on, dpd, arrears)",
        "ON CONFLICT (borrower_id) DO UPDATE SET \
         status = excluded.status, stage = excluded.stage, opened_on = excluded.opened_on, \
         stage_since = excluded.stage_since, closed_on = excluded.closed_on, past_due = excluded.past_due, \
         times_opened = excluded.times_opened, arm = excluded.arm, segment = excluded.segment, \
         quadrant = excluded.quadrant, contactability = excluded.contactability, planned_on = excluded.planned_on, \
         queue = CASE WHEN excluded.status = 'open' THEN COALESCE(excluded.queue, collection_case.queue) END, \
         next_action_on = excluded.next_action_on, dpd = excluded.dpd, arrears = excluded.arrears",
        cases,
        |query, (borrower_id, record, arm, segment, quadrant, contactability, work)| {
            query
                .bind(*borrower_id)
                .bind(if record.status == CaseStatus::Open {
                    "open"
                } else {
                    "closed"
                })
                .bind(record.stage.code())
                .bind(date_text(record.opened_on))
                .bind(date_text(record.stage_since))
                .bind(record.closed_on.map(date_text))
                .bind(i64::from(record.past_due))
                .bind(i64::from(record.times_opened))
                .bind(arm.as_str())
                .bind(segment.as_deref())
                .bind(*quadrant)
                .bind(*contactability)
                .bind(date_s.to_owned())
                .bind(work.queue.as_deref().filter(|_| work.open))
                .bind(work.next_action_on.map(date_text))
                .bind(i64::from(work.dpd))
                .bind(work.arrears.get())
        },
    )
    .await?;
    insert_rows(
        tx,
        backend,
        "case_event (borrower_id, business_date, kind, detail)",
        "",
        events,
        |query, (borrower_id, kind, detail)| {
            query
                .bind(*borrower_id)
                .bind(date_s.to_owned())
                .bind(*kind)
                .bind(detail.as_str())
        },
    )
    .await?;
    insert_rows(
        tx,
        backend,
        "treatment (business_date, borrower_id, treatment, channel, template, queue, priority, stage, \
         segment, arm, due_on, cost, decision, rule, reason, permit_valid_until)",
        "",
        treatments,
        |query, (borrower_id, planned, decision, rule, reason, valid_until)| {
            query
                .bind(date_s.to_owned())
                .bind(*borrower_id)
                .bind(planned.treatment.as_ref())
                .bind(planned.channel.code())
                .bind(planned.template.as_ref())
                .bind(planned.queue.as_ref())
                .bind(i64::from(planned.priority))
                .bind(planned.stage.code())
                .bind(planned.segment.as_deref())
                .bind(planned.arm.as_ref())
                .bind(date_text(planned.due))
                .bind(planned.cost.get())
                .bind(*decision)
                .bind(rule.as_deref())
                .bind(reason.as_deref())
                .bind(valid_until.as_deref())
        },
    )
    .await?;
    Ok(())
}

/// Runs `sql` with `{ids}` replaced by one placeholder per id, binding `leading` (if any) and
/// then the ids: the one shape of every by-borrower read in planning.
async fn rows_for_ids(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: crate::Backend,
    sql: &str,
    leading: Option<String>,
    ids: &[i64],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let sql = sql.replace("{ids}", &placeholders(ids.len()));
    let sql = dialect(backend, &sql);
    let mut query = sqlx::query(&sql);
    if let Some(value) = leading {
        query = query.bind(value);
    }
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(&mut **tx).await?)
}
