//! Segmentation rules: willingness × ability quadrant, contactability and repeated delinquency,
//! computed from what the book knows about a borrower. Documented in `docs/cases.md`; every
//! threshold is a field of [`SegmentPolicy`].

use crate::case::{Contactability, DelayReason, Quadrant};
use crate::money::Fen;

/// What segmentation reads about one borrower on a business date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentInputs {
    pub dpd: u32,
    pub times_delinquent: u32,
    pub total_arrears: Fen,
    /// The borrower's regular monthly installment(s), to judge arrears against.
    pub monthly_installment: Fen,
    pub promises_kept: u32,
    pub broken_promises: u32,
    pub days_since_last_payment: Option<u32>,
    pub delay_reason: DelayReason,
    /// Phone numbers on file and how many are known not to work (invalid, SMS undeliverable).
    pub phones: u32,
    pub failed_phones: u32,
    /// Consecutive recent contact attempts without reaching anyone.
    pub unanswered_streak: u32,
    /// A letter came back or a visit found nobody at the address.
    pub address_failed: bool,
}

/// Thresholds of the segmentation rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentPolicy {
    /// More broken promises than this means unwilling.
    pub max_broken_promises_willing: u32,
    /// No payment for longer than this (days) while overdue means unwilling.
    pub unwilling_after_days_without_payment: u32,
    /// Arrears above this many monthly installments mean unable.
    pub unable_arrears_installments: u32,
    /// Unanswered attempts in a row after which a borrower counts as lost contact.
    pub lost_contact_streak: u32,
    /// Delinquency episodes at or above which delinquency counts as repeated.
    pub repeated_delinquency_times: u32,
}

impl Default for SegmentPolicy {
    fn default() -> SegmentPolicy {
        SegmentPolicy {
            max_broken_promises_willing: 1,
            unwilling_after_days_without_payment: 45,
            unable_arrears_installments: 3,
            lost_contact_streak: 15,
            repeated_delinquency_times: 3,
        }
    }
}

/// Willingness: the borrower keeps promises, pays something, and has not declared a deliberate
/// default. Ability: no declared hardship or bankruptcy, and arrears within a few installments.
pub fn quadrant(inputs: &SegmentInputs, policy: &SegmentPolicy) -> Quadrant {
    let unwilling_reason = inputs.delay_reason == DelayReason::DeliberateDefault;
    let long_silence = inputs.dpd > 0
        && inputs
            .days_since_last_payment
            .is_none_or(|days| days > policy.unwilling_after_days_without_payment);
    let willing = !unwilling_reason
        && inputs.broken_promises <= policy.max_broken_promises_willing
        && (!long_silence || inputs.promises_kept > 0);
    let unable_reason = matches!(
        inputs.delay_reason,
        DelayReason::EconomicHardship | DelayReason::Bankruptcy
    );
    let arrears_limit = inputs
        .monthly_installment
        .get()
        .saturating_mul(i64::from(policy.unable_arrears_installments));
    let deep_arrears =
        inputs.monthly_installment.is_positive() && inputs.total_arrears.get() > arrears_limit;
    let able = !unable_reason && !deep_arrears;
    match (willing, able) {
        (true, true) => Quadrant::WillingAndAble,
        (true, false) => Quadrant::WillingNotAble,
        (false, true) => Quadrant::AbleNotWilling,
        (false, false) => Quadrant::NeitherWillingNorAble,
    }
}

/// Lost contact (失联) when every number on file is known not to work, or a long run of attempts
/// reached nobody and the address failed too.
pub fn contactability(inputs: &SegmentInputs, policy: &SegmentPolicy) -> Contactability {
    let no_working_phone = inputs.phones == 0 || inputs.failed_phones >= inputs.phones;
    let unreachable =
        inputs.unanswered_streak >= policy.lost_contact_streak && inputs.address_failed;
    if no_working_phone || unreachable {
        Contactability::LostContact
    } else {
        Contactability::Contactable
    }
}

/// Repeated delinquency without a real fix: the seeds' trigger for asset preservation.
pub fn repeated_delinquency(inputs: &SegmentInputs, policy: &SegmentPolicy) -> bool {
    inputs.times_delinquent >= policy.repeated_delinquency_times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SegmentInputs {
        SegmentInputs {
            dpd: 10,
            times_delinquent: 1,
            total_arrears: Fen::from_yuan(3_000),
            monthly_installment: Fen::from_yuan(3_000),
            promises_kept: 0,
            broken_promises: 0,
            days_since_last_payment: Some(40),
            delay_reason: DelayReason::Unknown,
            phones: 2,
            failed_phones: 0,
            unanswered_streak: 0,
            address_failed: false,
        }
    }

    #[test]
    fn the_four_quadrants_follow_the_documented_rules() {
        let policy = SegmentPolicy::default();
        let cases = [
            (
                "a recent payer with small arrears",
                base(),
                Quadrant::WillingAndAble,
            ),
            (
                "declared hardship",
                SegmentInputs {
                    delay_reason: DelayReason::EconomicHardship,
                    ..base()
                },
                Quadrant::WillingNotAble,
            ),
            (
                "two broken promises",
                SegmentInputs {
                    broken_promises: 2,
                    ..base()
                },
                Quadrant::AbleNotWilling,
            ),
            (
                "silent for 90 days with four installments owed",
                SegmentInputs {
                    days_since_last_payment: Some(90),
                    total_arrears: Fen::from_yuan(12_000),
                    ..base()
                },
                Quadrant::NeitherWillingNorAble,
            ),
            (
                "deliberate default",
                SegmentInputs {
                    delay_reason: DelayReason::DeliberateDefault,
                    ..base()
                },
                Quadrant::AbleNotWilling,
            ),
            (
                "never paid but keeps a promise",
                SegmentInputs {
                    days_since_last_payment: None,
                    promises_kept: 1,
                    ..base()
                },
                Quadrant::WillingAndAble,
            ),
        ];
        for (description, inputs, expected) in cases {
            assert_eq!(quadrant(&inputs, &policy), expected, "{description}");
        }
    }

    #[test]
    fn lost_contact_needs_dead_numbers_or_silence_and_a_failed_address() {
        let policy = SegmentPolicy::default();
        assert_eq!(
            contactability(&base(), &policy),
            Contactability::Contactable
        );
        let dead = SegmentInputs {
            failed_phones: 2,
            ..base()
        };
        assert_eq!(contactability(&dead, &policy), Contactability::LostContact);
        let silent = SegmentInputs {
            unanswered_streak: 20,
            ..base()
        };
        assert_eq!(
            contactability(&silent, &policy),
            Contactability::Contactable
        );
        let gone = SegmentInputs {
            unanswered_streak: 20,
            address_failed: true,
            ..base()
        };
        assert_eq!(contactability(&gone, &policy), Contactability::LostContact);
    }

    #[test]
    fn three_episodes_are_repeated_delinquency() {
        let policy = SegmentPolicy::default();
        assert!(!repeated_delinquency(
            &SegmentInputs {
                times_delinquent: 2,
                ..base()
            },
            &policy
        ));
        assert!(repeated_delinquency(
            &SegmentInputs {
                times_delinquent: 3,
                ..base()
            },
            &policy
        ));
    }
}
