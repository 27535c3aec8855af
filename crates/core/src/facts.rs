//! Case facts from a borrower's loans and contact ledger: the one aggregation that both the
//! store's end-of-day planning and the simulator's in-memory planning use, so a strategy sees
//! the same facts whichever drives it.

use chrono::{Datelike, NaiveDate};

use crate::case::{CaseFacts, CaseRecord, CaseStatus, DelayReason, Stage, Temperament};
use crate::contact::{Channel, ContactEvent, ContactResult};
use crate::money::Fen;
use crate::segment::{
    contactability, quadrant, repeated_delinquency, SegmentInputs, SegmentPolicy,
};

/// One loan's contribution to its borrower's case facts, as of the business date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanPosition {
    pub dpd: u32,
    /// Bucket label (M0…M6+ by default).
    pub bucket: String,
    pub next_due_date: Option<NaiveDate>,
    /// Principal plus interest of the next installment.
    pub next_due_amount: Fen,
    /// Arrears: principal, interest, fees and penalty past due.
    pub arrears: Fen,
    pub outstanding: Fen,
    pub principal: Fen,
    pub disbursed: NaiveDate,
    pub times_delinquent: u32,
    pub failed_debits: u32,
    pub last_failed_debit: Option<NaiveDate>,
    pub last_payment: Option<NaiveDate>,
}

/// What else is known about the borrower besides the loans.
#[derive(Debug, Clone, Copy, Default)]
pub struct BorrowerFacts<'a> {
    /// Contact events, oldest first (only the recent ones are needed).
    pub ledger: &'a [ContactEvent],
    /// Phone numbers on file.
    pub phones: u32,
    pub delay_reason: Option<DelayReason>,
    pub temperament: Option<Temperament>,
    pub promises_kept: u32,
    pub broken_promises: u32,
}

/// The case facts of borrower `borrower_id` on `date`: the worst loan decides DPD and bucket,
/// amounts are summed over the loans, the stage is the open case's (pre-due without one).
pub fn case_facts(
    borrower_id: i64,
    date: NaiveDate,
    loans: &[LoanPosition],
    previous: Option<&CaseRecord>,
    borrower: BorrowerFacts<'_>,
    policy: &SegmentPolicy,
) -> CaseFacts {
    let worst = loans.iter().max_by_key(|l| l.dpd);
    let dpd = worst.map_or(0, |l| l.dpd);
    let next_due = loans.iter().filter_map(|l| l.next_due_date).min();
    let next_due_amount: Fen = loans
        .iter()
        .filter(|l| l.next_due_date == next_due)
        .map(|l| l.next_due_amount)
        .sum();
    let total_arrears: Fen = loans.iter().map(|l| l.arrears).sum();
    let last_payment = loans.iter().filter_map(|l| l.last_payment).max();
    let days = |from: NaiveDate| u32::try_from((date - from).num_days()).unwrap_or(0);
    let times_delinquent = loans.iter().map(|l| l.times_delinquent).max().unwrap_or(0);
    let last_contact = borrower.ledger.iter().map(|e| e.at).max();
    let first_disbursed = loans.iter().map(|l| l.disbursed).min().unwrap_or(date);
    let delay_reason = borrower.delay_reason.unwrap_or(DelayReason::Unknown);
    let inputs = SegmentInputs {
        dpd,
        times_delinquent,
        total_arrears,
        monthly_installment: next_due_amount,
        promises_kept: borrower.promises_kept,
        broken_promises: borrower.broken_promises,
        days_since_last_payment: last_payment.map(days),
        delay_reason,
        phones: borrower.phones,
        failed_phones: 0,
        unanswered_streak: borrower
            .ledger
            .iter()
            .rev()
            .take_while(|e| e.result == ContactResult::Attempted)
            .count() as u32,
        // The latest visit found nobody, or the latest letter came back.
        address_failed: borrower
            .ledger
            .iter()
            .rev()
            .find(|e| matches!(e.channel, Channel::FieldVisit | Channel::Letter))
            .is_some_and(|e| match e.channel {
                Channel::FieldVisit => e.result != ContactResult::Connected,
                _ => e.result == ContactResult::Failed,
            }),
    };
    CaseFacts {
        case_id: borrower_id,
        borrower_id,
        as_of: date,
        stage: previous
            .filter(|c| c.status == CaseStatus::Open)
            .map_or(Stage::PreDue, |c| c.stage),
        dpd,
        bucket: worst.map_or_else(|| "M0".to_string(), |l| l.bucket.clone()),
        days_to_next_due: next_due.map(|d| u32::try_from((d - date).num_days()).unwrap_or(0)),
        next_due_amount,
        total_arrears,
        principal_outstanding: loans.iter().map(|l| l.outstanding).sum(),
        loan_principal: loans.iter().map(|l| l.principal).max().unwrap_or(Fen::ZERO),
        months_on_book: ((date.year() - first_disbursed.year()) * 12 + date.month() as i32
            - first_disbursed.month() as i32)
            .max(0) as u32,
        times_delinquent,
        debit_failed_today: loans.iter().any(|l| l.last_failed_debit == Some(date)),
        failed_debits: loans.iter().map(|l| l.failed_debits).sum(),
        broken_promises: borrower.broken_promises,
        promises_kept: borrower.promises_kept,
        days_since_last_payment: last_payment.map(days),
        days_since_last_contact: last_contact.map(|at| days(at.date_naive())),
        quadrant: quadrant(&inputs, policy),
        contactability: contactability(&inputs, policy),
        delay_reason,
        temperament: borrower.temperament.unwrap_or(Temperament::Unknown),
        repeated_delinquency: repeated_delinquency(&inputs, policy),
        risk_score: 500,
        vehicle_risk: 0,
        days_in_stage: previous.map_or(0, |c| days(c.stage_since)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Contactability, Quadrant};
    use crate::contact::Party;
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn line(dpd: u32, arrears: i64, next_due: Option<NaiveDate>) -> LoanPosition {
        LoanPosition {
            dpd,
            bucket: if dpd == 0 { "M0" } else { "M1" }.to_string(),
            next_due_date: next_due,
            next_due_amount: Fen::new(300_000),
            arrears: Fen::new(arrears),
            outstanding: Fen::new(8_000_000),
            principal: Fen::new(10_000_000),
            disbursed: d(2025, 3, 15),
            times_delinquent: u32::from(dpd > 0),
            failed_debits: 1,
            last_failed_debit: Some(d(2026, 11, 2)),
            last_payment: Some(d(2026, 10, 2)),
        }
    }

    #[test]
    fn worst_loan_decides_and_amounts_add_up() {
        let date = d(2026, 11, 10);
        let loans = [
            line(0, 0, Some(d(2026, 11, 15))),
            line(8, 310_000, Some(d(2026, 12, 2))),
        ];
        let f = case_facts(
            7,
            date,
            &loans,
            None,
            BorrowerFacts {
                phones: 2,
                ..BorrowerFacts::default()
            },
            &SegmentPolicy::default(),
        );
        assert_eq!(f.dpd, 8);
        assert_eq!(f.bucket, "M1");
        assert_eq!(f.days_to_next_due, Some(5));
        assert_eq!(f.next_due_amount, Fen::new(300_000));
        assert_eq!(f.total_arrears, Fen::new(310_000));
        assert_eq!(f.principal_outstanding, Fen::new(16_000_000));
        assert_eq!(f.months_on_book, 20);
        assert_eq!(f.failed_debits, 2);
        assert!(!f.debit_failed_today);
        assert_eq!(f.days_since_last_payment, Some(39));
        assert_eq!(f.stage, Stage::PreDue);
        assert_eq!(f.quadrant, Quadrant::WillingAndAble);
        assert_eq!(f.contactability, Contactability::Contactable);
    }

    #[test]
    fn an_unanswered_streak_means_lost_contact() {
        let date = d(2026, 11, 10);
        let at = Utc.with_ymd_and_hms(2026, 11, 9, 3, 0, 0).unwrap();
        let event = |channel| ContactEvent {
            borrower_id: 7,
            loan_id: None,
            at,
            channel,
            party: Party::Borrower,
            address: "13800000000".into(),
            result: ContactResult::Attempted,
            conversation: false,
        };
        let mut ledger: Vec<ContactEvent> = (0..20).map(|_| event(Channel::Call)).collect();
        let facts = |ledger: &[ContactEvent]| {
            case_facts(
                7,
                date,
                &[line(40, 900_000, None)],
                None,
                BorrowerFacts {
                    ledger,
                    phones: 1,
                    ..BorrowerFacts::default()
                },
                &SegmentPolicy::default(),
            )
        };
        // Unanswered calls alone do not make a borrower lost: the address must fail too.
        assert_eq!(facts(&ledger).contactability, Contactability::Contactable);
        // A visit that found nobody, then more unanswered calls.
        ledger.insert(5, event(Channel::FieldVisit));
        let f = facts(&ledger);
        assert_eq!(f.contactability, Contactability::LostContact);
        assert_eq!(f.days_since_last_contact, Some(1));
    }
}
