//! Booking loans: borrowers, vehicles, loans and their schedules, written all-or-nothing.
//!
//! Re-importing a loan that is already stored with the same contract is a no-op; a loan number,
//! borrower or VIN that clashes with what is stored is refused with the reason, and nothing from
//! the batch is written.

use std::collections::{HashMap, HashSet};

use recoup_core::book::{BookedLoan, Borrower, Vehicle};
use recoup_core::delinquency::BucketScheme;
use recoup_core::schedule::{build_schedule_with, FirstPeriodInterest};
use recoup_core::servicing::{InstallmentState, LoanState};
use recoup_core::settlement::ProductRules;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, FromRow, Row, Transaction};

use crate::db::error::StoreError;
use crate::db::journal::{self, JournalEntry};
use crate::db::rows::status_code;
use crate::db::sql::{
    date_text, dialect, opt_date_text, placeholders, rows_per_statement, values_list,
};
use crate::{Backend, Store};

/// A loan with the servicing state to store it in: freshly booked, or (for benchmarks and
/// migrations) already seasoned.
#[derive(Debug, Clone)]
pub struct SnapshotLoan {
    pub booked: BookedLoan,
    pub state: LoanState,
    /// Every installment of the loan, paid or not, in period order.
    pub installments: Vec<InstallmentState>,
}

impl SnapshotLoan {
    /// The loan as it stands on the day it is booked.
    pub fn fresh(booked: BookedLoan) -> SnapshotLoan {
        SnapshotLoan::fresh_with(booked, FirstPeriodInterest::FullMonth)
    }

    /// As [`SnapshotLoan::fresh`], the first period's interest counted by `first_period`.
    pub fn fresh_with(booked: BookedLoan, first_period: FirstPeriodInterest) -> SnapshotLoan {
        let schedule = build_schedule_with(&booked.terms, first_period);
        let state = LoanState::booked(booked.terms.annual_rate(), &schedule);
        let installments = schedule
            .iter()
            .map(InstallmentState::from_schedule)
            .collect();
        SnapshotLoan {
            booked,
            state,
            installments,
        }
    }
}

/// What a booking call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookOutcome {
    /// Loans written.
    pub booked: usize,
    /// Loans already stored with the same contract, skipped.
    pub unchanged: usize,
}

const IN_BATCH: usize = 500;

impl Store {
    /// Books `loans` in one transaction: all of them or, on any conflict, none. Schedules are
    /// the contract's with a full month's first-period interest.
    pub async fn book_loans(
        &self,
        loans: &[BookedLoan],
        buckets: &BucketScheme,
        recorded_at: &str,
    ) -> Result<BookOutcome, StoreError> {
        self.book_loans_for(loans, &ProductRules::default(), buckets, recorded_at)
            .await
    }

    /// As [`Store::book_loans`], each loan's first period counted by its product's
    /// `first_period` setting (首期不足月/超月).
    pub async fn book_loans_for(
        &self,
        loans: &[BookedLoan],
        products: &ProductRules,
        buckets: &BucketScheme,
        recorded_at: &str,
    ) -> Result<BookOutcome, StoreError> {
        let mut seen = HashSet::new();
        for loan in loans {
            if !seen.insert(loan.loan_no.as_str()) {
                return Err(StoreError::LoanConflict {
                    loan_no: loan.loan_no.clone(),
                    message: "appears twice in the batch".into(),
                });
            }
        }
        let mut tx = self.pool.begin().await?;
        let stored = stored_contracts(&mut tx, self.backend, loans).await?;
        let mut fresh = Vec::new();
        let mut unchanged = 0;
        for loan in loans {
            match stored.get(loan.loan_no.as_str()) {
                Some(contract) if *contract == Contract::of(loan) => unchanged += 1,
                Some(contract) => {
                    return Err(StoreError::LoanConflict {
                        loan_no: loan.loan_no.clone(),
                        message: format!(
                            "already booked with a different {}; a booked loan is never changed by an import",
                            contract.first_difference(&Contract::of(loan))
                        ),
                    })
                }
                None => fresh.push(SnapshotLoan::fresh_with(
                    loan.clone(),
                    products.of(loan.product).first_period,
                )),
            }
        }
        insert_loans(&mut tx, self.backend, &fresh, buckets, recorded_at).await?;
        tx.commit().await?;
        Ok(BookOutcome {
            booked: fresh.len(),
            unchanged,
        })
    }

    /// Writes seasoned loans with their servicing state, in one transaction, without the
    /// re-import checks of [`Store::book_loans`]: for benchmark set-up and book migrations into
    /// an empty store.
    pub async fn load_snapshot(
        &self,
        loans: &[SnapshotLoan],
        buckets: &BucketScheme,
        recorded_at: &str,
    ) -> Result<BookOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_loans(&mut tx, self.backend, loans, buckets, recorded_at).await?;
        tx.commit().await?;
        Ok(BookOutcome {
            booked: loans.len(),
            unchanged: 0,
        })
    }
}

/// The parts of a booked loan that identify its contract; a re-import must match them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct Contract {
    principal: i64,
    rate_units: i64,
    term_months: i64,
    method: String,
    disbursement_date: String,
    national_id: String,
    vin: String,
}

impl Contract {
    fn of(loan: &BookedLoan) -> Contract {
        Contract {
            principal: loan.terms.principal().get(),
            rate_units: loan.terms.annual_rate().units(),
            term_months: i64::from(loan.terms.term_months()),
            method: loan.terms.method().code().to_string(),
            disbursement_date: date_text(loan.terms.disbursement_date()),
            national_id: loan.borrower.national_id.as_str().to_string(),
            vin: loan.vehicle.vin.as_str().to_string(),
        }
    }

    fn first_difference(&self, other: &Contract) -> &'static str {
        if self.principal != other.principal {
            "principal"
        } else if self.rate_units != other.rate_units {
            "annual_rate_percent"
        } else if self.term_months != other.term_months {
            "term_months"
        } else if self.method != other.method {
            "method"
        } else if self.disbursement_date != other.disbursement_date {
            "disbursement_date"
        } else if self.national_id != other.national_id {
            "national_id"
        } else {
            "vin"
        }
    }
}

async fn stored_contracts(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loans: &[BookedLoan],
) -> Result<HashMap<String, Contract>, StoreError> {
    let mut stored = HashMap::new();
    for chunk in loans.chunks(IN_BATCH) {
        let sql = format!(
            "SELECT l.loan_no AS loan_no, l.principal AS principal, l.rate_units AS rate_units, \
             l.term_months AS term_months, l.method AS method, l.disbursement_date AS disbursement_date, \
             b.national_id AS national_id, v.vin AS vin FROM loan l JOIN borrower b ON b.id = l.borrower_id \
             JOIN vehicle v ON v.id = l.vehicle_id WHERE l.loan_no IN ({})",
            placeholders(chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for loan in chunk {
            query = query.bind(loan.loan_no.as_str());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let loan_no: String = row.try_get("loan_no")?;
            stored.insert(loan_no, Contract::from_row(&row)?);
        }
    }
    Ok(stored)
}

async fn next_id(tx: &mut Transaction<'_, Any>, table: &str) -> Result<i64, StoreError> {
    let sql = format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}");
    let max: i64 = sqlx::query_scalar(&sql).fetch_one(&mut **tx).await?;
    Ok(max + 1)
}

/// Looks up `keys` with `select`, which names its columns `lookup_key`, `id` and `extra`,
/// returning key → (id, extra).
async fn lookup_ids(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    select: &str,
    keys: &[&str],
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(IN_BATCH) {
        let sql = format!("{select} ({})", placeholders(chunk.len()));
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for key in chunk {
            query = query.bind(*key);
        }
        for row in query.fetch_all(&mut **tx).await? {
            found.insert(
                row.try_get::<String, _>("lookup_key")?,
                (row.try_get("id")?, row.try_get("extra")?),
            );
        }
    }
    Ok(found)
}

type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

/// Binds the 18 columns of [`crate::db::rows::LOAN_STATE_WRITE_COLUMNS`].
pub(crate) fn bind_state<'q>(
    query: AnyQuery<'q>,
    state: &LoanState,
    buckets: &'q BucketScheme,
) -> AnyQuery<'q> {
    query
        .bind(status_code(state.status))
        .bind(state.principal_outstanding.get())
        .bind(i64::from(state.next_due_period))
        .bind(opt_date_text(state.next_due_date))
        .bind(opt_date_text(state.oldest_unpaid_due_date))
        .bind(state.arrears_principal.get())
        .bind(state.arrears_interest.get())
        .bind(state.fees_balance.get())
        .bind(state.penalty_balance.get())
        .bind(state.penalty_accrued_total.get())
        .bind(state.credit.get())
        .bind(i64::from(state.dpd))
        .bind(buckets.label(state.bucket))
        .bind(i64::from(state.max_dpd))
        .bind(i64::from(state.times_delinquent))
        .bind(i64::from(state.cures))
        .bind(opt_date_text(state.last_cure_date))
        .bind(opt_date_text(state.paid_off_on))
}

/// Writes a batch of loans not stored yet: new borrowers and vehicles, the loans, their
/// schedules and the booking journal.
async fn insert_loans(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loans: &[SnapshotLoan],
    buckets: &BucketScheme,
    recorded_at: &str,
) -> Result<(), StoreError> {
    if loans.is_empty() {
        return Ok(());
    }
    let mut placer = Placer::start(tx, backend, loans).await?;
    let mut loan_rows = Vec::with_capacity(loans.len());
    for item in loans {
        let borrower_id = placer.borrower_id(&item.booked)?;
        let vehicle_id = placer.vehicle_id(&item.booked)?;
        loan_rows.push((placer.next_loan, borrower_id, vehicle_id, item));
        placer.next_loan += 1;
    }

    insert_borrowers(tx, backend, &placer.new_borrowers, recorded_at).await?;
    insert_vehicles(tx, backend, &placer.new_vehicles).await?;
    insert_loan_rows(tx, backend, &loan_rows, buckets, recorded_at).await?;
    insert_schedules(tx, backend, &loan_rows).await?;
    journal::append(tx, backend, recorded_at, &booking_entries(&loan_rows)).await
}

/// A loan to write: its new id, its borrower's and its vehicle's ids, and the loan.
type LoanRow<'a> = (i64, i64, i64, &'a SnapshotLoan);

/// Gives each loan of a batch its borrower and vehicle: stored ones where the national ID or
/// VIN is known, new ones (with the next free ids) otherwise.
struct Placer<'a> {
    /// National ID → (borrower id, name).
    stored_borrowers: HashMap<String, (i64, String)>,
    /// VIN → (vehicle id, the active loan it is pledged to, or empty).
    stored_vehicles: HashMap<String, (i64, String)>,
    next_borrower: i64,
    next_vehicle: i64,
    next_loan: i64,
    borrower_ids: HashMap<&'a str, i64>,
    vehicle_ids: HashMap<&'a str, i64>,
    new_borrowers: Vec<(i64, &'a Borrower)>,
    new_vehicles: Vec<(i64, &'a Vehicle)>,
}

impl<'a> Placer<'a> {
    /// Reads the stored borrowers and vehicles the batch names, and the next free ids.
    async fn start(
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        loans: &'a [SnapshotLoan],
    ) -> Result<Placer<'a>, StoreError> {
        let national_ids: Vec<&str> = loans
            .iter()
            .map(|l| l.booked.borrower.national_id.as_str())
            .collect();
        let stored_borrowers = lookup_ids(
            tx,
            backend,
            "SELECT national_id AS lookup_key, id, name AS extra FROM borrower WHERE national_id IN",
            &national_ids,
        )
        .await?;
        let vins: Vec<&str> = loans
            .iter()
            .map(|l| l.booked.vehicle.vin.as_str())
            .collect();
        let stored_vehicles = lookup_ids(
            tx,
            backend,
            "SELECT v.vin AS lookup_key, v.id AS id, COALESCE((SELECT MIN(l.loan_no) FROM loan l \
             WHERE l.vehicle_id = v.id AND l.status = 'active'), '') AS extra FROM vehicle v WHERE v.vin IN",
            &vins,
        )
        .await?;
        Ok(Placer {
            stored_borrowers,
            stored_vehicles,
            next_borrower: next_id(tx, "borrower").await?,
            next_vehicle: next_id(tx, "vehicle").await?,
            next_loan: next_id(tx, "loan").await?,
            borrower_ids: HashMap::new(),
            vehicle_ids: HashMap::new(),
            new_borrowers: Vec::new(),
            new_vehicles: Vec::new(),
        })
    }

    /// The loan's borrower: stored (refusing a different name), earlier in the batch, or new.
    fn borrower_id(&mut self, loan: &'a BookedLoan) -> Result<i64, StoreError> {
        let national_id = loan.borrower.national_id.as_str();
        match (
            self.stored_borrowers.get(national_id),
            self.borrower_ids.get(national_id),
        ) {
            (Some((id, name)), _) => {
                if *name != loan.borrower.name {
                    return Err(StoreError::LoanConflict {
                        loan_no: loan.loan_no.clone(),
                        message: "national_id is stored for a borrower with a different name"
                            .into(),
                    });
                }
                Ok(*id)
            }
            (None, Some(id)) => Ok(*id),
            (None, None) => {
                let id = self.next_borrower;
                self.next_borrower += 1;
                self.borrower_ids.insert(national_id, id);
                self.new_borrowers.push((id, &loan.borrower));
                Ok(id)
            }
        }
    }

    /// The loan's vehicle: stored and free, or new; a vehicle pledged to an active loan, or
    /// twice in the batch, is refused.
    fn vehicle_id(&mut self, loan: &'a BookedLoan) -> Result<i64, StoreError> {
        let vin = loan.vehicle.vin.as_str();
        match (self.stored_vehicles.get(vin), self.vehicle_ids.get(vin)) {
            (Some((_, active_loan)), _) if !active_loan.is_empty() => {
                Err(StoreError::LoanConflict {
                    loan_no: loan.loan_no.clone(),
                    message: format!("vin is pledged to active loan {active_loan}"),
                })
            }
            (Some((id, _)), _) => Ok(*id),
            (None, Some(_)) => Err(StoreError::LoanConflict {
                loan_no: loan.loan_no.clone(),
                message: "vin appears on another loan of the batch".into(),
            }),
            (None, None) => {
                let id = self.next_vehicle;
                self.next_vehicle += 1;
                self.vehicle_ids.insert(vin, id);
                self.new_vehicles.push((id, &loan.vehicle));
                Ok(id)
            }
        }
    }
}

/// The loan rows: contract, booking and servicing state, many loans per statement.
async fn insert_loan_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_rows: &[LoanRow<'_>],
    buckets: &BucketScheme,
    recorded_at: &str,
) -> Result<(), StoreError> {
    const LOAN_COLS: usize = 33;
    let loan_sql_head = format!(
        "INSERT INTO loan (id, loan_no, borrower_id, vehicle_id, product, principal, rate_units, \
         term_months, method, disbursement_date, repayment_day, auto_debit_account, dealer, booked_at, {}, \
         last_processed) VALUES ",
        crate::db::rows::LOAN_STATE_WRITE_COLUMNS.join(", ")
    );
    for chunk in crate::db::sql::batches(loan_rows, rows_per_statement(LOAN_COLS)) {
        let sql = format!("{loan_sql_head}{}", values_list(LOAN_COLS, chunk.len()));
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (id, borrower_id, vehicle_id, item) in chunk {
            let loan = &item.booked;
            let terms = &loan.terms;
            query = query
                .bind(*id)
                .bind(loan.loan_no.as_str())
                .bind(*borrower_id)
                .bind(*vehicle_id)
                .bind(loan.product.code())
                .bind(terms.principal().get())
                .bind(terms.annual_rate().units())
                .bind(i64::from(terms.term_months()))
                .bind(terms.method().code())
                .bind(date_text(terms.disbursement_date()))
                .bind(i64::from(terms.repayment_day()))
                .bind(loan.auto_debit_account.as_str())
                .bind(loan.dealer.as_str())
                .bind(recorded_at);
            query = bind_state(query, &item.state, buckets)
                .bind(opt_date_text(item.state.last_processed));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Every installment of every loan, many per statement.
async fn insert_schedules(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    loan_rows: &[LoanRow<'_>],
) -> Result<(), StoreError> {
    const INST_COLS: usize = 8;
    let installments: Vec<(i64, &InstallmentState)> = loan_rows
        .iter()
        .flat_map(|(id, _, _, item)| item.installments.iter().map(move |inst| (*id, inst)))
        .collect();
    for chunk in crate::db::sql::batches(&installments, rows_per_statement(INST_COLS)) {
        let sql = format!(
            "INSERT INTO installment (loan_id, period, due_date, principal_due, interest_due, \
             principal_paid, interest_paid, paid_off_on) VALUES {}",
            values_list(INST_COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (loan_id, inst) in chunk {
            query = query
                .bind(*loan_id)
                .bind(i64::from(inst.period))
                .bind(date_text(inst.due_date))
                .bind(inst.principal_due.get())
                .bind(inst.interest_due.get())
                .bind(inst.principal_paid.get())
                .bind(inst.interest_paid.get())
                .bind(opt_date_text(inst.paid_off_on));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// One `loan_booked` journal entry per loan, on its disbursement date.
fn booking_entries(loan_rows: &[LoanRow<'_>]) -> Vec<JournalEntry> {
    loan_rows
        .iter()
        .map(|(id, _, _, item)| JournalEntry {
            business_date: Some(item.booked.terms.disbursement_date()),
            entity: "loan",
            entity_id: Some(*id),
            kind: "loan_booked",
            detail: format!(
                "loan_no={} product={} term={} rate={}% method={}",
                item.booked.loan_no,
                item.booked.product,
                item.booked.terms.term_months(),
                item.booked.terms.annual_rate(),
                item.booked.terms.method()
            ),
            amount: Some(item.booked.terms.principal().get()),
        })
        .collect()
}

async fn insert_borrowers(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    borrowers: &[(i64, &Borrower)],
    recorded_at: &str,
) -> Result<(), StoreError> {
    const COLS: usize = 12;
    for chunk in crate::db::sql::batches(borrowers, rows_per_statement(COLS)) {
        let sql = format!(
            "INSERT INTO borrower (id, national_id, name, phones, home_address, home_lat_e6, home_lng_e6, \
             work_address, work_lat_e6, work_lng_e6, time_zone, booked_at) VALUES {}",
            values_list(COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (id, borrower) in chunk {
            let phones: Vec<&str> = borrower.phones.iter().map(|p| p.as_str()).collect();
            let work = borrower.work.as_ref();
            query = query
                .bind(*id)
                .bind(borrower.national_id.as_str())
                .bind(borrower.name.as_str())
                .bind(phones.join(";"))
                .bind(borrower.home.text.as_str())
                .bind(borrower.home.location.map(|g| micro_degrees(g.lat())))
                .bind(borrower.home.location.map(|g| micro_degrees(g.lng())))
                .bind(work.map(|w| w.text.as_str()))
                .bind(
                    work.and_then(|w| w.location)
                        .map(|g| micro_degrees(g.lat())),
                )
                .bind(
                    work.and_then(|w| w.location)
                        .map(|g| micro_degrees(g.lng())),
                )
                .bind(borrower.time_zone.map(|zone| zone.name()))
                .bind(recorded_at);
        }
        query.execute(&mut **tx).await?;
    }
    const CONTACT_COLS: usize = 5;
    let contacts: Vec<(i64, usize, &recoup_core::book::EmergencyContact)> = borrowers
        .iter()
        .flat_map(|(id, b)| {
            b.contacts
                .iter()
                .enumerate()
                .map(move |(seq, c)| (*id, seq, c))
        })
        .collect();
    for chunk in crate::db::sql::batches(&contacts, rows_per_statement(CONTACT_COLS)) {
        let sql = format!(
            "INSERT INTO emergency_contact (borrower_id, seq, name, relation, phone) VALUES {}",
            values_list(CONTACT_COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (id, seq, contact) in chunk {
            query = query
                .bind(*id)
                .bind(*seq as i64 + 1)
                .bind(contact.name.as_str())
                .bind(contact.relation.code())
                .bind(contact.phone.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_vehicles(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    vehicles: &[(i64, &Vehicle)],
) -> Result<(), StoreError> {
    const COLS: usize = 11;
    for chunk in crate::db::sql::batches(vehicles, rows_per_statement(COLS)) {
        let sql = format!(
            "INSERT INTO vehicle (id, vin, plate, make, model, model_year, price, lien_status, lien_date, \
             gps_terminal_id, gps_protocol) VALUES {}",
            values_list(COLS, chunk.len())
        );
        let sql = dialect(backend, &sql);
        let mut query = sqlx::query(&sql);
        for (id, vehicle) in chunk {
            query = query
                .bind(*id)
                .bind(vehicle.vin.as_str())
                .bind(vehicle.plate.as_str())
                .bind(vehicle.make.as_str())
                .bind(vehicle.model.as_str())
                .bind(i64::from(vehicle.year))
                .bind(vehicle.price.get())
                .bind(vehicle.lien_status.code())
                .bind(opt_date_text(vehicle.lien_date))
                .bind(vehicle.gps.as_ref().map(|g| g.terminal_id.as_str()))
                .bind(vehicle.gps.as_ref().map(|g| g.protocol.code()));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Degrees as integer micro-degrees (about 0.1 m), the stored form of coordinates. Integers
/// also sidestep sqlx's `Any` driver, which sends a NULL double to PostgreSQL as a float4.
fn micro_degrees(degrees: f64) -> i64 {
    (degrees * 1_000_000.0).round() as i64
}
