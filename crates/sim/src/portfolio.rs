//! The synthetic loan book: which loans exist, when they were disbursed, and each loan's terms,
//! borrower, car and behaviour.
//!
//! Generation happens in two steps. [`PortfolioPlan::new`] draws only the disbursement day of
//! every loan (a few bytes each) and sorts them, which fixes each loan's position and contract
//! number. [`PortfolioPlan::loan`] then builds any one loan on its own from seeds derived from
//! the spec seed and the loan's index, so a book can be built in parallel, streamed, or sampled,
//! and always comes out the same.

use chrono::{Datelike, Days, Months, NaiveDate};
use rand::Rng;
use recoup_core::book::{BookedLoan, LienStatus, Vehicle};
use recoup_core::loan::{LoanTerms, Product, RepaymentMethod};
use recoup_core::{AnnualRate, Fen};

use crate::behaviour::{self, Behaviour, BehaviourParams};
use crate::borrowers::{self, BirthWindow};
use crate::ids::bank_card;
use crate::places::CITIES;
use crate::seeds::{derive, pick, pick_weighted, rng_for, tag};
use crate::vehicles::{self, DealerKind};

/// What book to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioSpec {
    /// How many loans.
    pub loans: usize,
    /// The master seed: the same spec always yields the same book.
    pub seed: u64,
    /// The business date the book is seen from; no loan is disbursed after it.
    pub as_of: NaiveDate,
    /// How far back disbursements go, in months (loans are disbursed from `as_of` minus this
    /// many months to about one month before `as_of`).
    pub history_months: u32,
}

impl PortfolioSpec {
    /// The history window used when none is given: two years.
    pub const DEFAULT_HISTORY_MONTHS: u32 = 24;

    /// A spec with the default two-year history.
    pub fn new(loans: usize, seed: u64, as_of: NaiveDate) -> PortfolioSpec {
        PortfolioSpec {
            loans,
            seed,
            as_of,
            history_months: PortfolioSpec::DEFAULT_HISTORY_MONTHS,
        }
    }
}

/// One generated loan: the booked loan as a tape would carry it, plus how its borrower will
/// behave (which the lender does not know; the bank feed acts it out).
#[derive(Debug, Clone, PartialEq)]
pub struct SimLoan {
    /// The loan as the lender books it: terms, borrower, car, dealer.
    pub booked: BookedLoan,
    /// How the borrower will repay; hidden from the lender, acted out by [`crate::BankFeed`].
    pub behaviour: Behaviour,
    pub(crate) params: BehaviourParams,
    /// Index into the city table of where the borrower lives.
    pub(crate) city: u8,
    /// Per-loan salt for the feed's random draws, independent of the loan's position.
    pub(crate) salt: u64,
}

impl SimLoan {
    /// The administrative code of the borrower's city, e.g. `110100`.
    pub fn city_code(&self) -> &'static str {
        CITIES[usize::from(self.city)].code
    }

    /// The name of the borrower's city, e.g. `北京市`.
    pub fn city_name(&self) -> &'static str {
        CITIES[usize::from(self.city)].name
    }

    /// For strategic defaulters and lost-contact borrowers, the first period they leave unpaid.
    pub fn stops_paying_from(&self) -> Option<u32> {
        match self.behaviour {
            Behaviour::StrategicDefault | Behaviour::LostContact => {
                Some(u32::from(self.params.from_period))
            }
            _ => None,
        }
    }

    /// For hardship borrowers, the periods whose debits fail before recovery starts.
    pub fn hardship_periods(&self) -> Option<std::ops::Range<u32>> {
        (self.behaviour == Behaviour::HardshipThenRecovery).then(|| {
            let from = u32::from(self.params.from_period);
            from..from + u32::from(self.params.months)
        })
    }
}

/// Share of loans (in basis points) whose borrower already has an earlier loan in the book.
const REPEAT_BP: u64 = 200;

/// Dealers per city and business kind: few enough that dealers recur across loans, as they do.
const DEALERS_PER_KIND: usize = 16;

/// The disbursement calendar of a book: every loan's day, sorted, with contract numbers fixed.
/// Build loans from it with [`PortfolioPlan::loan`].
#[derive(Debug, Clone)]
pub struct PortfolioPlan {
    spec: PortfolioSpec,
    window_start: NaiveDate,
    /// Stream index of the loan at each sorted position.
    order: Vec<u32>,
    /// Disbursement day (offset from `window_start`) of each stream index.
    day_of: Vec<u32>,
    /// First sorted position of each day.
    day_first: Vec<u32>,
    /// Digits of the per-day sequence in contract numbers (at least 5).
    seq_width: usize,
    births: BirthWindow,
    dealers: Vec<String>,
}

impl PortfolioPlan {
    /// Draws every loan's disbursement day and sorts the book. Cheap: a few bytes per loan.
    pub fn new(spec: &PortfolioSpec) -> PortfolioPlan {
        // Stream indices are u32 to keep the plan small; four billion loans is beyond any book.
        let n = spec.loans.min(u32::MAX as usize);
        let window_start = spec
            .as_of
            .checked_sub_months(Months::new(spec.history_months))
            .unwrap_or(spec.as_of);
        let window_end = spec
            .as_of
            .checked_sub_months(Months::new(1))
            .unwrap_or(spec.as_of)
            .max(window_start);
        let span = (window_end - window_start).num_days() as u32 + 1;

        let day_of: Vec<u32> = (0..n as u64)
            .map(|i| disbursement_day(spec.seed, i, span))
            .collect();
        // Counting sort by day; stream indices stay ascending within a day, which fixes the
        // per-day sequence numbers.
        let mut counts = vec![0u32; span as usize + 1];
        for &day in &day_of {
            counts[day as usize + 1] += 1;
        }
        let busiest = counts.iter().copied().max().unwrap_or(0);
        for d in 1..counts.len() {
            counts[d] += counts[d - 1];
        }
        let day_first = counts[..span as usize].to_vec();
        let mut next = day_first.clone();
        let mut order = vec![0u32; n];
        for (i, &day) in day_of.iter().enumerate() {
            let slot = &mut next[day as usize];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
        let seq_width = busiest.to_string().len().max(5);

        let mut dealers = Vec::with_capacity(CITIES.len() * 3 * DEALERS_PER_KIND);
        for (city_idx, city) in CITIES.iter().enumerate() {
            for (kind_idx, kind) in [
                DealerKind::NewCar,
                DealerKind::UsedCar,
                DealerKind::Mortgage,
            ]
            .into_iter()
            .enumerate()
            {
                for no in 0..DEALERS_PER_KIND {
                    let id = (city_idx * 3 + kind_idx) * DEALERS_PER_KIND + no;
                    let mut rng = rng_for(spec.seed, tag::DEALER, id as u64);
                    dealers.push(vehicles::dealer_name(&mut rng, city, kind));
                }
            }
        }

        PortfolioPlan {
            spec: spec.clone(),
            window_start,
            order,
            day_of,
            day_first,
            seq_width,
            births: BirthWindow::new(window_start, window_end),
            dealers,
        }
    }

    /// How many loans the book holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the book is empty.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The disbursement date of the loan at sorted `position`.
    pub fn disbursement_date(&self, position: usize) -> Option<NaiveDate> {
        let index = *self.order.get(position)?;
        Some(self.date_of(index))
    }

    /// Builds the loan at sorted `position` (0-based); `None` past the end.
    pub fn loan(&self, position: usize) -> Option<SimLoan> {
        (position < self.order.len()).then(|| self.build(position))
    }

    fn date_of(&self, index: u32) -> NaiveDate {
        let day = self.day_of[index as usize];
        self.window_start
            .checked_add_days(Days::new(u64::from(day)))
            .unwrap_or(self.window_start)
    }

    /// The sorted position of the earlier loan whose borrower the loan at `position` reuses.
    fn donor(&self, position: usize) -> Option<usize> {
        let mut pos = position;
        let mut hops = 0;
        loop {
            let h = derive(self.spec.seed, tag::REPEAT, u64::from(self.order[pos]));
            if pos == 0 || h % 10_000 >= REPEAT_BP {
                return (hops > 0).then_some(pos);
            }
            // An earlier position is disbursed no later, so the borrower already exists. If the
            // donor is itself a repeat, follow it back to the borrower's first loan.
            pos = ((h >> 20) % pos as u64) as usize;
            hops += 1;
        }
    }

    fn build(&self, position: usize) -> SimLoan {
        let seed = self.spec.seed;
        let index = self.order[position];
        let disbursed = self.date_of(index);
        let day = self.day_of[index as usize];
        let seq = position as u32 - self.day_first[day as usize] + 1;
        let loan_no = format!(
            "CL{:04}{:02}{:02}{:0width$}",
            disbursed.year(),
            disbursed.month(),
            disbursed.day(),
            seq,
            width = self.seq_width
        );

        // A repeat borrower is regenerated from their first loan's stream: the same person.
        let borrower_index = self.donor(position).map_or(index, |pos| self.order[pos]);
        let generated = borrowers::generate(seed, u64::from(borrower_index), &self.births);
        let city = &CITIES[usize::from(generated.city)];

        let mut rng = rng_for(seed, tag::LOAN, u64::from(index));
        let product = *pick_weighted(
            &mut rng,
            &[
                (Product::NewCar, 65),
                (Product::UsedCar, 25),
                (Product::CarMortgage, 10),
            ],
        );
        let model = vehicles::model(&mut rng);
        let new_price = rng.random_range(model.min_yuan..=model.max_yuan);
        let disbursed_year = disbursed.year();
        let (year, price_yuan) = match product {
            Product::NewCar => {
                // Most cars are this year's model; some are last year's stock.
                let year = if rng.random_bool(0.85) {
                    disbursed_year
                } else {
                    disbursed_year - 1
                };
                (year, new_price.clamp(80_000, 400_000))
            }
            Product::UsedCar | Product::CarMortgage => {
                let age = *pick_weighted(
                    &mut rng,
                    &[
                        (1, 8),
                        (2, 14),
                        (3, 16),
                        (4, 15),
                        (5, 13),
                        (6, 11),
                        (7, 8),
                        (8, 6),
                        (9, 5),
                        (10, 4),
                    ],
                );
                let value = new_price * vehicles::residual_percent(age) / 100
                    * rng.random_range(90..=110)
                    / 100;
                let cap = if product == Product::UsedCar {
                    200_000
                } else {
                    300_000
                };
                (disbursed_year - age, value.clamp(40_000, cap))
            }
        };
        let price = Fen::from_yuan(round_to(price_yuan, 100));

        let ltv_pct: i64 = match product {
            Product::NewCar => rng.random_range(60..=80),
            Product::UsedCar => rng.random_range(50..=70),
            Product::CarMortgage => rng.random_range(50..=80),
        };
        // Principal in whole hundreds of yuan (10,000 fen), as lenders quote it.
        let principal = Fen::new(round_to(price.get() * ltv_pct / 100, 10_000).max(10_000));

        let term: u32 = match product {
            Product::NewCar => {
                *pick_weighted(&mut rng, &[(12, 8), (24, 17), (36, 45), (48, 12), (60, 18)])
            }
            Product::UsedCar => {
                *pick_weighted(&mut rng, &[(12, 10), (24, 25), (36, 50), (48, 10), (60, 5)])
            }
            Product::CarMortgage => *pick_weighted(&mut rng, &[(12, 30), (24, 35), (36, 35)]),
        };

        // Rates in basis points, on a 5 bp grid; captive finance arms subsidise new cars.
        let (low_bp, high_bp) = match product {
            Product::NewCar if rng.random_bool(0.3) => (350, 495),
            Product::NewCar => (500, 900),
            Product::UsedCar => (800, 1600),
            Product::CarMortgage => (1200, 1800),
        };
        let rate_bp = rng.random_range(low_bp / 5..=high_bp / 5) * 5;
        let band = match product {
            Product::NewCar => (350, 900),
            Product::UsedCar => (800, 1600),
            Product::CarMortgage => (1200, 1800),
        };
        let rate_position = f64::from(rate_bp - band.0) / f64::from(band.1 - band.0);
        // One basis point is 10⁻⁴ = 10,000 rate units; at most 18 %, inside the 36 % ceiling.
        let rate = AnnualRate::from_units(i64::from(rate_bp) * 10_000)
            .expect("generated rates are at most 18 %, within AnnualRate's range");

        let method = match product {
            Product::CarMortgage => *pick_weighted(
                &mut rng,
                &[
                    (RepaymentMethod::Bullet, 75),
                    (RepaymentMethod::EqualInstallment, 20),
                    (RepaymentMethod::EqualPrincipal, 5),
                ],
            ),
            _ => *pick_weighted(
                &mut rng,
                &[
                    (RepaymentMethod::EqualInstallment, 88),
                    (RepaymentMethod::EqualPrincipal, 12),
                ],
            ),
        };
        // Most lenders keep the disbursement day (capped at 28 so every month has it); some fix
        // one collection day for the whole book.
        let repayment_day = if rng.random_bool(0.7) {
            disbursed.day().min(28)
        } else {
            *pick(&mut rng, &[5, 10, 15, 20])
        };
        let terms = LoanTerms::new(principal, rate, term, method, disbursed, repayment_day)
            .expect("principal is 100 yuan to 400,000 yuan, term 12–60, day 1–28: always valid");

        let lien_roll = rng.random_range(0..100);
        let lien_lag = rng.random_range(3..=30);
        // Paperwork for the newest loans is more often still at the vehicle office.
        let recent = (self.spec.as_of - disbursed).num_days() < 90;
        let (not_registered_pct, pending_pct) = if recent { (6, 20) } else { (4, 10) };
        let (lien_status, lien_date) = if lien_roll < not_registered_pct {
            (LienStatus::NotRegistered, None)
        } else if lien_roll < pending_pct {
            (LienStatus::Pending, None)
        } else {
            match disbursed.checked_add_days(Days::new(lien_lag)) {
                // Registration takes weeks: a loan disbursed just before as_of is still pending.
                Some(date) if date <= self.spec.as_of => (LienStatus::Registered, Some(date)),
                _ => (LienStatus::Pending, None),
            }
        };
        let gps_share = match product {
            Product::NewCar => 0.8,
            Product::UsedCar => 0.9,
            Product::CarMortgage => 0.98,
        };
        let gps = rng
            .random_bool(gps_share)
            .then(|| vehicles::gps_terminal(&mut rng, index as usize));
        let vehicle = Vehicle {
            vin: vehicles::vin(&mut rng, model, year),
            plate: vehicles::plate(&mut rng, city, model.nev),
            make: model.make.to_string(),
            model: model.model.to_string(),
            year: year.clamp(0, i32::from(u16::MAX)) as u16,
            price,
            lien_status,
            lien_date,
            gps,
        };

        let kind_idx = match product {
            Product::NewCar => 0,
            Product::UsedCar => 1,
            Product::CarMortgage => 2,
        };
        let dealer_id = (usize::from(generated.city) * 3 + kind_idx) * DEALERS_PER_KIND
            + rng.random_range(0..DEALERS_PER_KIND);
        let dealer = self.dealers[dealer_id].clone();
        let auto_debit_account = bank_card(&mut rng);
        let (behaviour, params) = behaviour::draw(&mut rng, product, method, term, rate_position);

        SimLoan {
            booked: BookedLoan {
                loan_no,
                product,
                terms,
                auto_debit_account,
                dealer,
                borrower: generated.borrower,
                vehicle,
            },
            behaviour,
            params,
            city: generated.city,
            salt: derive(seed, tag::SALT, u64::from(index)),
        }
    }
}

/// `value` rounded half up to a multiple of `unit`.
fn round_to(value: i64, unit: i64) -> i64 {
    (value + unit / 2).div_euclid(unit) * unit
}

/// The disbursement day (0-based in a window of `span` days) of loan `index`. The density rises
/// linearly so the last month sees about twice the loans of the first: a growing book.
fn disbursement_day(seed: u64, index: u64, span: u32) -> u32 {
    // 53 random bits as a uniform in [0, 1).
    let u = (derive(seed, tag::DATE, index) >> 11) as f64 / (1u64 << 53) as f64;
    // Inverse of the CDF (t + t²/2) / 1.5 of the density 1 + t on [0, 1].
    let t = (1.0 + 3.0 * u).sqrt() - 1.0;
    ((t * f64::from(span)) as u32).min(span.saturating_sub(1))
}

/// Generates the whole book, sorted by disbursement date then contract number.
///
/// Loans are built in parallel on all available cores; the result does not depend on how many
/// there are.
pub fn generate_portfolio(spec: &PortfolioSpec) -> Vec<SimLoan> {
    let plan = PortfolioPlan::new(spec);
    let n = plan.len();
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(n / 2048 + 1);
    if threads <= 1 {
        return (0..n).map(|k| plan.build(k)).collect();
    }
    let chunk = n.div_ceil(threads);
    let plan = &plan;
    let build_range = |t: usize| (t * chunk..((t + 1) * chunk).min(n)).map(|k| plan.build(k));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads)
            .map(|t| scope.spawn(move || build_range(t).collect::<Vec<_>>()))
            .collect();
        // The first chunk is built on this thread straight into the final vector, so only the
        // other chunks are moved once more.
        let mut loans = Vec::with_capacity(n);
        loans.extend(build_range(0));
        for handle in handles {
            let part = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            loans.extend(part);
        }
        loans
    })
}

#[cfg(test)]
mod tests;
