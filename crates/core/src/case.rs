//! Collection cases and segments: the facts about a borrower's delinquency that strategy
//! conditions read, and the segment vocabulary of the seeds (quadrant, contactability, reason
//! for delay, temperament).

use std::str::FromStr;

use chrono::NaiveDate;

use crate::loan::UnknownName;
use crate::money::Fen;

/// Where a case stands on the collection ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Before the due date: reminders only.
    PreDue,
    /// Initial collection (phone, SMS), roughly M1.
    Early,
    /// Deep collection (visits, lawyer's letters), roughly M2–M3.
    Middle,
    /// Late collection, roughly M4+.
    Late,
    Legal,
    AssetPreservation,
    Agency,
    WrittenOff,
}

/// Willingness × ability to repay (四象限).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quadrant {
    WillingAndAble,
    WillingNotAble,
    AbleNotWilling,
    NeitherWillingNorAble,
}

/// Whether the borrower can be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contactability {
    Contactable,
    /// 失联: no working number, not at the address.
    LostContact,
}

/// Why the borrower is late, as recorded by a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DelayReason {
    EconomicHardship,
    DeliberateDefault,
    InvolvedInLegalCase,
    Bankruptcy,
    /// 车辆出险: accident or insurance claim.
    VehicleAccident,
    Other,
    Unknown,
}

/// The borrower's temperament, as recorded by a collector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Temperament {
    /// 担忧型: reassure.
    Worried,
    /// 逃避型: engage.
    Evasive,
    /// 愤怒型: a softer approach.
    Angry,
    Cooperative,
    Unknown,
}

macro_rules! codes {
    ($ty:ident, $expected:literal, $($variant:ident => $code:literal),+ $(,)?) => {
        impl $ty {
            pub fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),+ }
            }
        }
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(text: &str) -> Result<$ty, UnknownName> {
                match text.trim() {
                    $($code => Ok($ty::$variant),)+
                    _ => Err(UnknownName { text: text.to_string(), expected: $expected }),
                }
            }
        }
    };
}

codes!(Stage, "pre_due, early, middle, late, legal, asset_preservation, agency, written_off",
    PreDue => "pre_due", Early => "early", Middle => "middle", Late => "late", Legal => "legal",
    AssetPreservation => "asset_preservation", Agency => "agency", WrittenOff => "written_off");
codes!(OpenTrigger, "pre_due, past_due", PreDue => "pre_due", PastDue => "past_due");
codes!(Quadrant, "willing_and_able, willing_not_able, able_not_willing, neither",
    WillingAndAble => "willing_and_able", WillingNotAble => "willing_not_able",
    AbleNotWilling => "able_not_willing", NeitherWillingNorAble => "neither");
codes!(Contactability, "contactable, lost_contact",
    Contactable => "contactable", LostContact => "lost_contact");
codes!(DelayReason, "economic_hardship, deliberate_default, legal_case, bankruptcy, vehicle_accident, other, unknown",
    EconomicHardship => "economic_hardship", DeliberateDefault => "deliberate_default",
    InvolvedInLegalCase => "legal_case", Bankruptcy => "bankruptcy", VehicleAccident => "vehicle_accident",
    Other => "other", Unknown => "unknown");
codes!(Temperament, "worried, evasive, angry, cooperative, unknown",
    Worried => "worried", Evasive => "evasive", Angry => "angry", Cooperative => "cooperative",
    Unknown => "unknown");

/// Everything a strategy condition may read about a case on a business date. Built by
/// end-of-day from the borrower's loans, payments, promises and contacts; pure data.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFacts {
    pub case_id: i64,
    pub borrower_id: i64,
    pub as_of: NaiveDate,
    pub stage: Stage,
    /// Days past due of the borrower's worst loan (0 when current).
    pub dpd: u32,
    /// Bucket label of the worst loan (M0…M6+ by default).
    pub bucket: String,
    /// Days until the next installment falls due (None when nothing more falls due).
    pub days_to_next_due: Option<u32>,
    /// Amount of that next installment.
    pub next_due_amount: Fen,
    pub total_arrears: Fen,
    pub principal_outstanding: Fen,
    /// Original principal of the largest loan (large loans get a call, not only an SMS).
    pub loan_principal: Fen,
    pub months_on_book: u32,
    pub times_delinquent: u32,
    /// The auto-debit failed on the last due date and nothing has been paid since.
    pub debit_failed_today: bool,
    pub failed_debits: u32,
    pub broken_promises: u32,
    pub promises_kept: u32,
    pub days_since_last_payment: Option<u32>,
    pub days_since_last_contact: Option<u32>,
    pub quadrant: Quadrant,
    pub contactability: Contactability,
    pub delay_reason: DelayReason,
    pub temperament: Temperament,
    pub repeated_delinquency: bool,
    /// Model score of the probability of default, 0–1000 (500 until the scoring issue fills it).
    pub risk_score: u32,
    /// Vehicle risk 0–1000 from telematics (0 until the telematics issue fills it).
    pub vehicle_risk: u32,
    /// Days in the current stage.
    pub days_in_stage: u32,
}

/// Whether a case is being worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Open,
    Closed,
}

/// What opened a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenTrigger {
    /// An installment falls due soon (reminders before the due date).
    PreDue,
    /// The first day past due.
    PastDue,
}

/// A borrower's collection case as stored between business dates. One case per borrower,
/// covering all of the borrower's loans; closed on cure, reopened on relapse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub status: CaseStatus,
    pub stage: Stage,
    pub opened_on: NaiveDate,
    pub stage_since: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    /// Whether the case has been past due since it (re)opened; closing it then is a cure.
    pub past_due: bool,
    pub times_opened: u32,
}

/// A change to a case, for its history and the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseEvent {
    Opened {
        trigger: OpenTrigger,
        stage: Stage,
    },
    Reopened {
        trigger: OpenTrigger,
        stage: Stage,
    },
    StageChanged {
        from: Stage,
        to: Stage,
    },
    /// Closed because everything past due was paid.
    Cured,
    /// Closed without having gone past due (a pre-due case whose installment was paid).
    Closed,
}

impl Stage {
    /// Escalations (legal, asset preservation, agency, write-off) are not undone by a lower DPD;
    /// only a cure closes them.
    pub fn is_escalation(self) -> bool {
        matches!(
            self,
            Stage::Legal | Stage::AssetPreservation | Stage::Agency | Stage::WrittenOff
        )
    }
}

/// Moves a borrower's case to `date`: `dpd` is the worst loan's days past due, `pre_due`
/// whether a reminder window is open, `stage` the stage the strategy assigns today.
/// Returns the new record (None when there never was a case and none is needed) and events.
pub fn advance_case(
    previous: Option<&CaseRecord>,
    dpd: u32,
    pre_due: bool,
    stage: Stage,
    date: NaiveDate,
) -> (Option<CaseRecord>, Vec<CaseEvent>) {
    let needed = dpd > 0 || pre_due;
    let trigger = if dpd > 0 {
        OpenTrigger::PastDue
    } else {
        OpenTrigger::PreDue
    };
    let mut events = Vec::new();
    // A case that has been past due is cured the day nothing is past due any more, even when
    // the next installment's reminder window is already open: keeping it open would keep an
    // escalated stage (asset preservation, legal) on a borrower who is current. The reminder
    // then opens a fresh pre-due case the same day.
    let cured;
    let previous = match previous {
        Some(prev) if prev.status == CaseStatus::Open && prev.past_due && dpd == 0 => {
            events.push(CaseEvent::Cured);
            cured = CaseRecord {
                status: CaseStatus::Closed,
                closed_on: Some(date),
                ..prev.clone()
            };
            Some(&cured)
        }
        other => other,
    };
    let record = match previous {
        None if !needed => return (None, events),
        None => {
            events.push(CaseEvent::Opened { trigger, stage });
            CaseRecord {
                status: CaseStatus::Open,
                stage,
                opened_on: date,
                stage_since: date,
                closed_on: None,
                past_due: dpd > 0,
                times_opened: 1,
            }
        }
        Some(prev) if prev.status == CaseStatus::Closed => {
            if !needed {
                return (Some(prev.clone()), events);
            }
            events.push(CaseEvent::Reopened { trigger, stage });
            CaseRecord {
                status: CaseStatus::Open,
                stage,
                opened_on: date,
                stage_since: date,
                closed_on: None,
                past_due: dpd > 0,
                times_opened: prev.times_opened + 1,
            }
        }
        Some(prev) if !needed => {
            events.push(if prev.past_due {
                CaseEvent::Cured
            } else {
                CaseEvent::Closed
            });
            CaseRecord {
                status: CaseStatus::Closed,
                closed_on: Some(date),
                ..prev.clone()
            }
        }
        Some(prev) => {
            let mut next = prev.clone();
            next.past_due |= dpd > 0;
            let keep_escalation = prev.stage.is_escalation() && !stage.is_escalation();
            if stage != prev.stage && !keep_escalation {
                events.push(CaseEvent::StageChanged {
                    from: prev.stage,
                    to: stage,
                });
                next.stage = stage;
                next.stage_since = date;
            }
            next
        }
    };
    (Some(record), events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
    }

    #[test]
    fn a_case_opens_before_the_due_date_and_closes_without_a_cure_when_paid() {
        let (case, events) = advance_case(None, 0, true, Stage::PreDue, d(5));
        assert_eq!(
            events,
            vec![CaseEvent::Opened {
                trigger: OpenTrigger::PreDue,
                stage: Stage::PreDue
            }]
        );
        let (case, events) = advance_case(case.as_ref(), 0, false, Stage::PreDue, d(11));
        assert_eq!(events, vec![CaseEvent::Closed]);
        assert_eq!(case.map(|c| c.status), Some(CaseStatus::Closed));
    }

    #[test]
    fn a_past_due_case_climbs_the_ladder_is_cured_and_reopens_on_relapse() {
        let (case, _) = advance_case(None, 1, false, Stage::Early, d(1));
        let (case, events) = advance_case(case.as_ref(), 35, false, Stage::Middle, d(5));
        assert_eq!(
            events,
            vec![CaseEvent::StageChanged {
                from: Stage::Early,
                to: Stage::Middle
            }]
        );
        let (case, events) = advance_case(case.as_ref(), 0, false, Stage::PreDue, d(9));
        assert_eq!(events, vec![CaseEvent::Cured]);
        let (case, events) = advance_case(case.as_ref(), 2, false, Stage::Early, d(20));
        assert_eq!(
            events,
            vec![CaseEvent::Reopened {
                trigger: OpenTrigger::PastDue,
                stage: Stage::Early
            }]
        );
        assert_eq!(case.map(|c| c.times_opened), Some(2));
    }

    #[test]
    fn an_escalation_is_not_undone_by_a_lower_dpd() {
        let (case, _) = advance_case(None, 130, false, Stage::Legal, d(1));
        let (case, events) = advance_case(case.as_ref(), 100, false, Stage::Late, d(2));
        assert!(events.is_empty());
        assert_eq!(case.map(|c| c.stage), Some(Stage::Legal));
    }

    #[test]
    fn an_escalated_case_paid_up_inside_the_next_reminder_window_is_cured_and_reopens_pre_due() {
        let (case, _) = advance_case(None, 95, false, Stage::AssetPreservation, d(1));
        let (case, events) = advance_case(case.as_ref(), 0, true, Stage::PreDue, d(2));
        assert_eq!(
            events,
            vec![
                CaseEvent::Cured,
                CaseEvent::Reopened {
                    trigger: OpenTrigger::PreDue,
                    stage: Stage::PreDue
                }
            ]
        );
        let case = case.unwrap();
        assert_eq!(case.status, CaseStatus::Open);
        assert_eq!(case.stage, Stage::PreDue);
        assert!(!case.past_due);
        assert_eq!(case.times_opened, 2);
    }

    #[test]
    fn no_case_is_opened_for_a_current_borrower_outside_the_reminder_window() {
        assert_eq!(
            advance_case(None, 0, false, Stage::PreDue, d(1)),
            (None, vec![])
        );
    }

    /// The stage a ladder strategy gives a borrower with `dpd` days past due.
    fn ladder(dpd: u32) -> Stage {
        match dpd {
            0 => Stage::PreDue,
            1..=30 => Stage::Early,
            31..=60 => Stage::Middle,
            61..=89 => Stage::Late,
            90..=119 => Stage::AssetPreservation,
            _ => Stage::Legal,
        }
    }

    proptest::proptest! {
        /// Whatever the borrower pays and misses, an open case never shows a stage that
        /// contradicts the delinquency: current means pre-due, past due means a past-due stage.
        #[test]
        fn an_open_case_stage_follows_delinquency(
            days in proptest::collection::vec((0u32..200, proptest::bool::ANY), 1..60)
        ) {
            let mut case: Option<CaseRecord> = None;
            for (idx, (dpd, window)) in days.into_iter().enumerate() {
                let pre_due = dpd == 0 && window;
                let date = d(1) + chrono::Days::new(idx as u64);
                let (next, _) = advance_case(case.as_ref(), dpd, pre_due, ladder(dpd), date);
                if let Some(open) = next.as_ref().filter(|c| c.status == CaseStatus::Open) {
                    proptest::prop_assert_eq!(dpd == 0, open.stage == Stage::PreDue,
                        "dpd {} with stage {:?}", dpd, open.stage);
                }
                case = next;
            }
        }
    }
}
