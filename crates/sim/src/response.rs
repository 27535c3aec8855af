//! How simulated borrowers respond to collection: whether a contact reaches them, whether it
//! persuades them to pay sooner (or at all), and whether a reminder before the due date saves
//! a debit that would have failed. Pure tables and draws; [`crate::BankFeed`] applies them.
//!
//! The figures are per mille and deliberately simple: stronger channels (a visit, a lawyer's
//! letter) persuade more than a text; a borrower who pays late anyway is easier to move than a
//! strategic defaulter; a lost-contact borrower is almost never reached. They make strategies
//! comparable in `recoup strategy simulate`, not a forecast.

use rand::Rng;
use recoup_core::contact::Channel;

use crate::behaviour::{Behaviour, PayKind};

/// What a contact did, as the collector would record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactResponse {
    /// A person was reached: the call answered, the message read, the visit met someone.
    pub reached: bool,
    /// A conversation took place (calls and visits that reached the borrower).
    pub conversation: bool,
    /// The borrower agreed to pay and will, on this date.
    pub pays_on: Option<chrono::NaiveDate>,
}

/// Per mille chance that a contact on `channel` reaches a borrower of `behaviour`.
pub(crate) fn reach(behaviour: Behaviour, channel: Channel) -> u32 {
    use Behaviour::*;
    let (call, message, visit, paper) = match behaviour {
        OnTime => (700, 950, 800, 900),
        OccasionallyLate => (600, 900, 750, 850),
        ChronicallyLate => (450, 800, 650, 800),
        HardshipThenRecovery => (550, 850, 700, 850),
        StrategicDefault => (300, 700, 500, 850),
        LostContact => (0, 0, 100, 0),
    };
    match channel {
        Channel::Call => call,
        Channel::Sms | Channel::WeChat | Channel::Email => message,
        Channel::FieldVisit => visit,
        Channel::Letter | Channel::LawyerLetter => paper,
        // Internal actions reach nobody; their pressure is in `pressure`.
        Channel::VehicleLocationCheck
        | Channel::AssetPreservationReferral
        | Channel::LegalReferral
        | Channel::AgencyPlacement => 0,
    }
}

/// Per mille persuasive strength of a channel on a reached borrower (internal escalations act
/// without a contact: the borrower learns of them from the referral itself).
fn strength(channel: Channel) -> u32 {
    match channel {
        Channel::Sms => 120,
        Channel::WeChat => 150,
        Channel::Email => 80,
        Channel::Letter => 120,
        Channel::Call => 350,
        Channel::FieldVisit => 550,
        Channel::LawyerLetter => 450,
        Channel::VehicleLocationCheck => 0,
        Channel::AssetPreservationReferral => 250,
        Channel::LegalReferral => 200,
        Channel::AgencyPlacement => 300,
    }
}

/// Percent: how receptive a borrower of `behaviour` is to collection pressure.
fn receptiveness(behaviour: Behaviour) -> u32 {
    match behaviour {
        Behaviour::OnTime | Behaviour::OccasionallyLate => 100,
        Behaviour::ChronicallyLate => 60,
        Behaviour::HardshipThenRecovery => 40,
        Behaviour::StrategicDefault => 15,
        Behaviour::LostContact => 10,
    }
}

/// Per mille chance that a reached, overdue borrower is persuaded by `channel`.
pub(crate) fn persuasion(behaviour: Behaviour, channel: Channel) -> u32 {
    strength(channel) * receptiveness(behaviour) / 100
}

/// Per mille chance that a reminder the borrower read turns a failing debit into a paid one.
pub(crate) fn reminder_saves(behaviour: Behaviour) -> u32 {
    match behaviour {
        Behaviour::OccasionallyLate => 400,
        Behaviour::ChronicallyLate => 200,
        Behaviour::HardshipThenRecovery => 80,
        Behaviour::OnTime | Behaviour::StrategicDefault | Behaviour::LostContact => 0,
    }
}

/// How a persuaded borrower who had planned nothing pays, and how soon (days).
pub(crate) fn persuaded_payment<R: Rng>(rng: &mut R, behaviour: Behaviour) -> (u16, PayKind) {
    let days = rng.random_range(1..=5);
    let kind = match behaviour {
        Behaviour::HardshipThenRecovery => PayKind::CatchUp,
        Behaviour::StrategicDefault | Behaviour::LostContact => {
            if rng.random_range(0..100) < 40 {
                PayKind::Full
            } else {
                PayKind::Partial(rng.random_range(30..=60))
            }
        }
        _ => PayKind::Full,
    };
    (days, kind)
}

/// Whether a draw of per mille `p` succeeds.
pub(crate) fn chance<R: Rng>(rng: &mut R, per_mille: u32) -> bool {
    per_mille > 0 && rng.random_range(0..1000) < per_mille
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stronger_channels_persuade_more_and_defaulters_least() {
        for b in Behaviour::ALL {
            assert!(persuasion(b, Channel::FieldVisit) >= persuasion(b, Channel::Call));
            assert!(persuasion(b, Channel::Call) >= persuasion(b, Channel::Sms));
            assert!(persuasion(b, Channel::VehicleLocationCheck) == 0);
        }
        assert!(
            persuasion(Behaviour::StrategicDefault, Channel::Call)
                < persuasion(Behaviour::ChronicallyLate, Channel::Call)
        );
    }

    #[test]
    fn lost_contact_borrowers_do_not_answer_the_phone() {
        assert_eq!(reach(Behaviour::LostContact, Channel::Call), 0);
        assert_eq!(reach(Behaviour::LostContact, Channel::Sms), 0);
        assert!(reach(Behaviour::LostContact, Channel::FieldVisit) > 0);
    }

    #[test]
    fn chance_of_zero_never_draws() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| !chance(&mut rng, 0)));
        assert!((0..1000).all(|_| chance(&mut rng, 1000)));
    }
}
