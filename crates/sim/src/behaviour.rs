//! How a borrower repays: the behaviour types, the per-loan parameters drawn once at booking,
//! and the decisions the bank feed asks of them on each due date and each planned late payment.
//!
//! The decisions are pure functions of the behaviour, its parameters, the period, what is owed
//! and a random generator, so the feed stays deterministic and keeps no per-loan generator.

use rand::Rng;
use recoup_core::book::DebitFailureReason;
use recoup_core::loan::{Product, RepaymentMethod};
use recoup_core::rate::RATE_SCALE;
use recoup_core::Fen;

use crate::seeds::pick_weighted;

/// How a borrower behaves over the life of the loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Behaviour {
    /// The auto-debit succeeds on every due date.
    OnTime,
    /// About one installment in seven the debit fails; the borrower pays within 20 days.
    OccasionallyLate,
    /// Most debits fail; payments come 5–45 days late, sometimes two installments at once,
    /// sometimes only part of the arrears.
    ChronicallyLate,
    /// On time until a hardship stops payment for 2–5 months, then larger payments until caught
    /// up.
    HardshipThenRecovery,
    /// Pays for some months, then never again (逃废债).
    StrategicDefault,
    /// Pays at most two installments, then disappears: lost contact or fraud (失联/欺诈).
    LostContact,
}

impl Behaviour {
    /// Every behaviour, from best to worst payer.
    pub const ALL: [Behaviour; 6] = [
        Behaviour::OnTime,
        Behaviour::OccasionallyLate,
        Behaviour::ChronicallyLate,
        Behaviour::HardshipThenRecovery,
        Behaviour::StrategicDefault,
        Behaviour::LostContact,
    ];

    /// A stable snake_case name for reports and files.
    pub fn code(self) -> &'static str {
        match self {
            Behaviour::OnTime => "on_time",
            Behaviour::OccasionallyLate => "occasionally_late",
            Behaviour::ChronicallyLate => "chronically_late",
            Behaviour::HardshipThenRecovery => "hardship_then_recovery",
            Behaviour::StrategicDefault => "strategic_default",
            Behaviour::LostContact => "lost_contact",
        }
    }
}

/// The per-loan parameters of a behaviour, drawn once when the loan is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BehaviourParams {
    /// Percent of installments whose debit fails (late payers).
    pub late_pct: u8,
    /// First period affected: hardship start, or the first period a defaulter leaves unpaid.
    pub from_period: u16,
    /// Length of the hardship in months.
    pub months: u8,
    /// A recovering borrower's monthly payment as a percent of the installment.
    pub catch_up_pct: u16,
    /// The reason a defaulter's debits keep failing with.
    pub reason: DebitFailureReason,
}

impl BehaviourParams {
    const NONE: BehaviourParams = BehaviourParams {
        late_pct: 0,
        from_period: 0,
        months: 0,
        catch_up_pct: 100,
        reason: DebitFailureReason::InsufficientFunds,
    };
}

/// Base mix in basis points for an average-risk loan; on-time takes whatever the others leave.
const BASE_MIX_BP: [(Behaviour, f64); 5] = [
    (Behaviour::OccasionallyLate, 1300.0),
    (Behaviour::ChronicallyLate, 600.0),
    (Behaviour::HardshipThenRecovery, 400.0),
    (Behaviour::StrategicDefault, 200.0),
    (Behaviour::LostContact, 100.0),
];

/// How much riskier than average a loan is. Product factors are weighted so the book-wide mean
/// is about 1 (0.65·0.8 + 0.25·1.3 + 0.10·1.45); within a product, a rate at the top of its
/// band is 1.2× and at the bottom 0.8×, because lenders price risk into the rate.
fn risk_factor(product: Product, rate_position: f64) -> f64 {
    let product_factor = match product {
        Product::NewCar => 0.8,
        Product::UsedCar => 1.3,
        Product::CarMortgage => 1.45,
    };
    product_factor * (0.8 + 0.4 * rate_position.clamp(0.0, 1.0))
}

/// Draws a behaviour and its parameters for a loan. `rate_position` is where the loan's rate
/// sits in its product's band (0 = cheapest, 1 = dearest).
pub(crate) fn draw<R: Rng>(
    rng: &mut R,
    product: Product,
    method: RepaymentMethod,
    term: u32,
    rate_position: f64,
) -> (Behaviour, BehaviourParams) {
    let risk = risk_factor(product, rate_position);
    let mut roll = rng.random::<f64>() * 10_000.0;
    let mut behaviour = Behaviour::OnTime;
    for (candidate, bp) in BASE_MIX_BP {
        let weight = bp * risk;
        if roll < weight {
            behaviour = candidate;
            break;
        }
        roll -= weight;
    }
    let term = term.clamp(1, u32::from(u16::MAX)) as u16;
    let params = match behaviour {
        Behaviour::OnTime => BehaviourParams::NONE,
        Behaviour::OccasionallyLate => BehaviourParams {
            late_pct: rng.random_range(10..=20),
            ..BehaviourParams::NONE
        },
        Behaviour::ChronicallyLate => BehaviourParams {
            late_pct: rng.random_range(60..=90),
            ..BehaviourParams::NONE
        },
        Behaviour::HardshipThenRecovery => {
            let months: u16 = rng.random_range(2..=5);
            // Leave at least one due date after the hardship to start catching up on; job losses
            // and illness strike at any time, but within two years is when a book notices.
            let latest = term.saturating_sub(months + 1).clamp(2, 24);
            BehaviourParams {
                from_period: rng.random_range(2..=latest),
                months: months as u8,
                catch_up_pct: rng.random_range(130..=200),
                ..BehaviourParams::NONE
            }
        }
        Behaviour::StrategicDefault => {
            // A bullet loan's balloon is the classic moment to walk away.
            let from_period = if method == RepaymentMethod::Bullet && rng.random_bool(0.4) {
                term
            } else {
                let latest = term.saturating_sub(1).clamp(2, 20);
                rng.random_range(2..=latest)
            };
            BehaviourParams {
                from_period: from_period.max(1),
                reason: *pick_weighted(
                    rng,
                    &[
                        (DebitFailureReason::InsufficientFunds, 55),
                        (DebitFailureReason::AccountFrozen, 25),
                        (DebitFailureReason::CardInvalid, 20),
                    ],
                ),
                ..BehaviourParams::NONE
            }
        }
        Behaviour::LostContact => BehaviourParams {
            from_period: rng.random_range(1..=3u16).min(term),
            reason: if rng.random_bool(0.5) {
                DebitFailureReason::CardInvalid
            } else {
                DebitFailureReason::AccountClosed
            },
            ..BehaviourParams::NONE
        },
    };
    (behaviour, params)
}

/// How a planned payment by transfer or at the counter is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PayKind {
    /// Exactly what is owed.
    Full,
    /// What is owed rounded up to the next 100 yuan (the rest becomes credit).
    RoundUp,
    /// Part of what is owed, in percent, rounded down to 100 yuan.
    Partial(u8),
    /// A recovering borrower's catch-up payment (a multiple of the installment).
    CatchUp,
}

/// A payment the borrower will make some days after a failed debit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LatePayment {
    pub after_days: u16,
    pub kind: PayKind,
}

/// What happens on a due date when something is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DueAction {
    /// The auto-debit collects everything owed.
    Collect,
    /// The auto-debit fails; the borrower may pay later.
    Fail {
        reason: DebitFailureReason,
        then: Option<LatePayment>,
    },
}

/// Why a late payer's debit failed: mostly an empty account.
fn late_payer_reason<R: Rng>(rng: &mut R) -> DebitFailureReason {
    *pick_weighted(
        rng,
        &[
            (DebitFailureReason::InsufficientFunds, 85),
            (DebitFailureReason::LimitExceeded, 5),
            (DebitFailureReason::BankSystemError, 4),
            (DebitFailureReason::AccountFrozen, 3),
            (DebitFailureReason::Other, 3),
        ],
    )
}

/// A typical installment of the loan, for sizing catch-up payments: for amortising loans
/// principal / n plus the average monthly interest, for bullet loans the monthly interest.
/// Behaviour sizing only; the ledger's own figures come from the caller.
pub(crate) fn typical_installment(
    principal: Fen,
    rate_units: i64,
    term: u32,
    method: RepaymentMethod,
) -> Fen {
    let n = i128::from(term.max(1));
    let p = i128::from(principal.get());
    let per_year = 12 * i128::from(RATE_SCALE);
    let fen = match method {
        RepaymentMethod::Bullet => p * i128::from(rate_units) / per_year,
        RepaymentMethod::EqualInstallment | RepaymentMethod::EqualPrincipal => {
            p / n + p * i128::from(rate_units) * (n + 1) / (2 * n * per_year)
        }
    };
    Fen::new(fen as i64)
}

/// What the auto-debit does on the due date of `period` when `owed` is positive.
/// `last` marks the final due date (a bullet loan's balloon).
pub(crate) fn due_action<R: Rng>(
    rng: &mut R,
    behaviour: Behaviour,
    params: &BehaviourParams,
    period: u32,
    last: bool,
    owed: Fen,
    installment: Fen,
) -> DueAction {
    let from = u32::from(params.from_period);
    match behaviour {
        Behaviour::OnTime => DueAction::Collect,
        Behaviour::OccasionallyLate => {
            if rng.random_range(0..100) < params.late_pct {
                // Most late payers fix it within a week; a few take nearly three.
                let after_days = if rng.random_bool(0.7) {
                    rng.random_range(1..=7)
                } else {
                    rng.random_range(8..=20)
                };
                let kind = if rng.random_bool(0.12) {
                    PayKind::RoundUp
                } else {
                    PayKind::Full
                };
                DueAction::Fail {
                    reason: late_payer_reason(rng),
                    then: Some(LatePayment { after_days, kind }),
                }
            } else {
                DueAction::Collect
            }
        }
        Behaviour::ChronicallyLate => {
            if rng.random_range(0..100) < params.late_pct {
                let part_pct = rng.random_range(50..=90);
                let kind = *pick_weighted(
                    rng,
                    &[
                        (PayKind::Full, 65),
                        (PayKind::Partial(part_pct), 20),
                        (PayKind::RoundUp, 15),
                    ],
                );
                DueAction::Fail {
                    reason: late_payer_reason(rng),
                    then: Some(LatePayment {
                        after_days: rng.random_range(5..=45),
                        kind,
                    }),
                }
            } else {
                DueAction::Collect
            }
        }
        Behaviour::HardshipThenRecovery => {
            let recovery_from = from + u32::from(params.months);
            if period < from {
                DueAction::Collect
            } else if period < recovery_from {
                DueAction::Fail {
                    reason: if rng.random_bool(0.8) {
                        DebitFailureReason::InsufficientFunds
                    } else {
                        DebitFailureReason::AccountFrozen
                    },
                    then: None,
                }
            } else if owed <= catch_up_amount(params, installment) {
                // Caught up: the account holds enough again.
                DueAction::Collect
            } else if last {
                // Small catch-up payments cannot settle a final balance (least of all a bullet
                // loan's balloon, whose penalty would outrun them): the borrower refinances or
                // borrows from family and pays it off within a few weeks.
                DueAction::Fail {
                    reason: DebitFailureReason::InsufficientFunds,
                    then: Some(LatePayment {
                        after_days: rng.random_range(3..=20),
                        kind: PayKind::Full,
                    }),
                }
            } else {
                DueAction::Fail {
                    reason: DebitFailureReason::InsufficientFunds,
                    then: Some(LatePayment {
                        after_days: rng.random_range(1..=5),
                        kind: PayKind::CatchUp,
                    }),
                }
            }
        }
        Behaviour::StrategicDefault | Behaviour::LostContact => {
            if period < from {
                DueAction::Collect
            } else {
                DueAction::Fail {
                    reason: params.reason,
                    then: None,
                }
            }
        }
    }
}

/// 100 yuan in fen: the unit borrowers round transfers to.
const HUNDRED_YUAN: i64 = 10_000;

/// A recovering borrower's monthly payment: the installment times the catch-up multiple,
/// rounded up to 100 yuan.
pub(crate) fn catch_up_amount(params: &BehaviourParams, installment: Fen) -> Fen {
    let raw = installment.get() * i64::from(params.catch_up_pct) / 100;
    Fen::new(round_up_to(raw, HUNDRED_YUAN))
}

fn round_up_to(value: i64, unit: i64) -> i64 {
    (value + unit - 1).div_euclid(unit) * unit
}

/// The amount of a planned payment when `owed` (positive) is what clears the loan today.
pub(crate) fn payment_amount(
    kind: PayKind,
    params: &BehaviourParams,
    owed: Fen,
    installment: Fen,
) -> Fen {
    match kind {
        PayKind::Full => owed,
        PayKind::RoundUp => Fen::new(round_up_to(owed.get(), HUNDRED_YUAN)),
        PayKind::Partial(pct) => {
            let part = owed.get() * i64::from(pct) / 100 / HUNDRED_YUAN * HUNDRED_YUAN;
            // Nobody walks into a branch to pay less than 100 yuan.
            Fen::new(part.max(HUNDRED_YUAN.min(owed.get())))
        }
        PayKind::CatchUp => owed.min(catch_up_amount(params, installment)),
    }
}

/// After the last due date nothing prompts a late payer to pay again, so one who paid only part
/// plans the next payment: days until then and its kind. Defaulters plan nothing.
pub(crate) fn follow_up<R: Rng>(rng: &mut R, behaviour: Behaviour) -> Option<LatePayment> {
    match behaviour {
        Behaviour::OccasionallyLate | Behaviour::ChronicallyLate => Some(LatePayment {
            after_days: rng.random_range(10..=30),
            kind: PayKind::Full,
        }),
        Behaviour::HardshipThenRecovery => Some(LatePayment {
            after_days: 30,
            kind: PayKind::CatchUp,
        }),
        Behaviour::OnTime | Behaviour::StrategicDefault | Behaviour::LostContact => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn payments_are_sized_as_planned() {
        let params = BehaviourParams {
            catch_up_pct: 150,
            ..BehaviourParams::NONE
        };
        let owed = Fen::new(123_456);
        let inst = Fen::new(300_000);
        assert_eq!(payment_amount(PayKind::Full, &params, owed, inst), owed);
        assert_eq!(
            payment_amount(PayKind::RoundUp, &params, owed, inst),
            Fen::new(130_000)
        );
        assert_eq!(
            payment_amount(PayKind::Partial(50), &params, Fen::new(1_000_000), inst),
            Fen::new(500_000)
        );
        assert_eq!(
            payment_amount(PayKind::Partial(50), &params, Fen::new(5_000), inst),
            Fen::new(5_000)
        );
        assert_eq!(
            payment_amount(PayKind::CatchUp, &params, Fen::new(5_000_000), inst),
            Fen::new(450_000)
        );
    }

    #[test]
    fn typical_installment_is_close_to_the_annuity() {
        // 100,000 yuan at 6 % over 36 months: the annuity is 3,042.19 yuan.
        let inst = typical_installment(
            Fen::from_yuan(100_000),
            6_000_000,
            36,
            RepaymentMethod::EqualInstallment,
        );
        assert!((inst.get() - 304_219).abs() < 2_000, "{inst}");
        let bullet = typical_installment(
            Fen::from_yuan(100_000),
            12_000_000,
            12,
            RepaymentMethod::Bullet,
        );
        assert_eq!(bullet, Fen::from_yuan(1_000));
    }

    #[test]
    fn defaulters_stop_at_their_period() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let params = BehaviourParams {
            from_period: 4,
            reason: DebitFailureReason::AccountFrozen,
            ..BehaviourParams::NONE
        };
        let owed = Fen::from_yuan(3_000);
        for period in 1..=12 {
            let action = due_action(
                &mut rng,
                Behaviour::StrategicDefault,
                &params,
                period,
                period == 12,
                owed,
                owed,
            );
            if period < 4 {
                assert_eq!(action, DueAction::Collect);
            } else {
                assert_eq!(
                    action,
                    DueAction::Fail {
                        reason: DebitFailureReason::AccountFrozen,
                        then: None
                    }
                );
            }
        }
    }
}
