//! Tests of portfolio generation: determinism, validity of every generated field, and the shape
//! of the book (product, behaviour, city and term mixes).

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use recoup_core::book::{GpsProtocol, LienStatus};
use recoup_core::identity::{NationalId, Phone, Vin};
use recoup_core::loan::{LoanTerms, Product, RepaymentMethod};

use super::*;
use crate::seeds::luhn_valid;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn spec(loans: usize, seed: u64) -> PortfolioSpec {
    PortfolioSpec::new(loans, seed, as_of())
}

#[test]
fn the_same_spec_gives_the_same_book() {
    let a = generate_portfolio(&spec(3_000, 7));
    let b = generate_portfolio(&spec(3_000, 7));
    assert_eq!(a, b);
    // Built one at a time (the streaming path) it is the same book as built in parallel.
    let plan = PortfolioPlan::new(&spec(3_000, 7));
    for (k, loan) in a.iter().enumerate().step_by(97) {
        assert_eq!(plan.loan(k).as_ref(), Some(loan));
    }
    assert!(plan.loan(3_000).is_none());
    let c = generate_portfolio(&spec(3_000, 8));
    assert_ne!(a[0].booked.loan_no, c[0].booked.loan_no);
}

#[test]
fn every_generated_loan_is_valid() {
    let spec = spec(5_000, 11);
    let loans = generate_portfolio(&spec);
    assert_eq!(loans.len(), 5_000);
    let window_start = NaiveDate::from_ymd_opt(2023, 6, 30).unwrap();
    let window_end = NaiveDate::from_ymd_opt(2025, 5, 30).unwrap();
    let mut loan_nos = HashSet::new();
    for pair in loans.windows(2) {
        let (a, b) = (&pair[0].booked, &pair[1].booked);
        let key_a = (a.terms.disbursement_date(), &a.loan_no);
        let key_b = (b.terms.disbursement_date(), &b.loan_no);
        assert!(key_a < key_b, "{key_a:?} !< {key_b:?}");
    }
    for loan in &loans {
        let b = &loan.booked;
        let t = &b.terms;
        let disbursed = t.disbursement_date();
        assert!(
            loan_nos.insert(b.loan_no.clone()),
            "duplicate {}",
            b.loan_no
        );
        assert_eq!(b.loan_no.len(), 15, "{}", b.loan_no);
        assert_eq!(&b.loan_no[2..10], disbursed.format("%Y%m%d").to_string());
        assert!((window_start..=window_end).contains(&disbursed));

        // Terms rebuild and sit in the product's bands.
        let rebuilt = LoanTerms::new(
            t.principal(),
            t.annual_rate(),
            t.term_months(),
            t.method(),
            disbursed,
            t.repayment_day(),
        );
        assert_eq!(rebuilt.as_ref(), Ok(t));
        assert_eq!(t.principal().get() % 10_000, 0);
        let rate = t.annual_rate().units();
        let (low, high, terms): (i64, i64, &[u32]) = match b.product {
            Product::NewCar => (3_500_000, 9_000_000, &[12, 24, 36, 48, 60]),
            Product::UsedCar => (8_000_000, 16_000_000, &[12, 24, 36, 48, 60]),
            Product::CarMortgage => (12_000_000, 18_000_000, &[12, 24, 36]),
        };
        assert!((low..=high).contains(&rate), "{} {rate}", b.product);
        assert!(terms.contains(&t.term_months()));
        assert!((1..=28).contains(&t.repayment_day()));
        if b.product != Product::CarMortgage {
            assert_ne!(t.method(), RepaymentMethod::Bullet);
        }

        // The car: valid VIN, price band, LTV, plate of the borrower's city.
        let v = &b.vehicle;
        assert!(Vin::parse(v.vin.as_str()).is_ok());
        assert!(i32::from(v.year) <= disbursed.year());
        let price_yuan = v.price.get() / 100;
        match b.product {
            Product::NewCar => assert!((80_000..=400_000).contains(&price_yuan)),
            Product::UsedCar => assert!((40_000..=200_000).contains(&price_yuan)),
            Product::CarMortgage => assert!((40_000..=300_000).contains(&price_yuan)),
        }
        let ltv_bp = t.principal().get() * 10_000 / v.price.get();
        assert!((4_900..=8_100).contains(&ltv_bp), "LTV {ltv_bp}");
        let city = &CITIES[usize::from(loan.city)];
        assert!(
            city.plates.iter().any(|p| v.plate.starts_with(p)),
            "{}",
            v.plate
        );
        let tail = v.plate.chars().count() - 2;
        assert!(tail == 5 || tail == 6, "{}", v.plate);
        match v.lien_status {
            LienStatus::Registered => {
                let lag = (v.lien_date.unwrap() - disbursed).num_days();
                assert!((3..=30).contains(&lag) && v.lien_date.unwrap() <= as_of());
            }
            _ => assert!(v.lien_date.is_none()),
        }
        if let Some(gps) = &v.gps {
            assert!(gps.terminal_id.bytes().all(|c| c.is_ascii_digit()));
            match gps.protocol {
                GpsProtocol::Jt808 => assert_eq!(gps.terminal_id.len(), 12),
                GpsProtocol::Gt06 => {
                    assert!(gps.terminal_id.len() == 15 && luhn_valid(&gps.terminal_id))
                }
            }
        }
        let card = &b.auto_debit_account;
        assert!(
            (16..=19).contains(&card.len()) && luhn_valid(card),
            "{card}"
        );
        assert!(b.dealer.starts_with(city.short) && b.dealer.ends_with("有限公司"));

        // The borrower: IDs and phones re-parse, age 22–60 at disbursement.
        let p = &b.borrower;
        let id = NationalId::parse(p.national_id.as_str()).unwrap();
        let birth = id.birth_date().unwrap();
        let age = disbursed.years_since(birth).unwrap();
        assert!((22..=60).contains(&age), "age {age}");
        assert!((2..=4).contains(&p.name.chars().count()));
        assert!(!p.phones.is_empty() && p.phones.len() <= 2);
        for phone in p.phones.iter().chain(p.contacts.iter().map(|c| &c.phone)) {
            assert!(Phone::parse(phone.as_str()).is_ok());
        }
        assert!((1..=3).contains(&p.contacts.len()));
        assert!(p.home.text.starts_with(city.name) && p.home.location.is_some());
        let home = p.home.location.unwrap();
        assert!((home.lat() - city.lat).abs() < 0.2 && (home.lng() - city.lng).abs() < 0.2);
        if let Some(work) = &p.work {
            assert!(work.text.starts_with(city.name));
        }
    }
}

#[test]
fn the_book_has_a_realistic_mix() {
    let loans = generate_portfolio(&spec(20_000, 2024));
    let n = loans.len() as f64;
    let share = |count: usize| count as f64 / n;
    let count_product = |p: Product| loans.iter().filter(|l| l.booked.product == p).count();
    assert!((share(count_product(Product::NewCar)) - 0.65).abs() < 0.02);
    assert!((share(count_product(Product::UsedCar)) - 0.25).abs() < 0.02);
    assert!((share(count_product(Product::CarMortgage)) - 0.10).abs() < 0.015);

    let count_behaviour = |b: Behaviour| loans.iter().filter(|l| l.behaviour == b).count();
    let expected = [
        (Behaviour::OnTime, 0.74, 0.03),
        (Behaviour::OccasionallyLate, 0.13, 0.02),
        (Behaviour::ChronicallyLate, 0.06, 0.015),
        (Behaviour::HardshipThenRecovery, 0.04, 0.01),
        (Behaviour::StrategicDefault, 0.02, 0.007),
        (Behaviour::LostContact, 0.01, 0.005),
    ];
    for (behaviour, target, tolerance) in expected {
        let got = share(count_behaviour(behaviour));
        assert!(
            (got - target).abs() < tolerance,
            "{behaviour:?}: {got:.4} vs {target}"
        );
    }
    // Used-car and car-mortgage loans go bad more often than new-car loans.
    let bad_share = |p: Product| {
        let of_product: Vec<_> = loans.iter().filter(|l| l.booked.product == p).collect();
        let bad = of_product
            .iter()
            .filter(|l| l.behaviour != Behaviour::OnTime)
            .count();
        bad as f64 / of_product.len() as f64
    };
    assert!(bad_share(Product::UsedCar) > bad_share(Product::NewCar) + 0.05);
    assert!(bad_share(Product::CarMortgage) > bad_share(Product::NewCar) + 0.05);

    let cities: HashSet<&str> = loans.iter().map(SimLoan::city_code).collect();
    assert_eq!(cities.len(), 30);

    let equal_principal = loans
        .iter()
        .filter(|l| l.booked.terms.method() == RepaymentMethod::EqualPrincipal)
        .count();
    assert!((0.08..0.14).contains(&share(equal_principal)));
    let mut by_term: HashMap<u32, usize> = HashMap::new();
    for loan in &loans {
        *by_term.entry(loan.booked.terms.term_months()).or_default() += 1;
    }
    let most_common = by_term.iter().max_by_key(|(_, c)| **c).map(|(t, _)| *t);
    assert_eq!(most_common, Some(36));

    // About 2 % of loans go to someone who already has one: same borrower, same city.
    let mut by_id: HashMap<&str, Vec<&SimLoan>> = HashMap::new();
    for loan in &loans {
        by_id
            .entry(loan.booked.borrower.national_id.as_str())
            .or_default()
            .push(loan);
    }
    let repeats: usize = by_id.values().map(|v| v.len() - 1).sum();
    assert!((0.013..0.027).contains(&share(repeats)), "{repeats}");
    for group in by_id.values().filter(|v| v.len() > 1) {
        assert!(group
            .iter()
            .all(|l| l.booked.borrower == group[0].booked.borrower));
    }

    // A growing book: the later half of the window holds more loans than the earlier half.
    let mid = NaiveDate::from_ymd_opt(2024, 6, 15).unwrap();
    let late = loans
        .iter()
        .filter(|l| l.booked.terms.disbursement_date() > mid)
        .count();
    assert!(share(late) > 0.55 && share(late) < 0.70, "{}", share(late));

    // New-car prices centre around 150,000 yuan.
    let mut new_prices: Vec<i64> = loans
        .iter()
        .filter(|l| l.booked.product == Product::NewCar)
        .map(|l| l.booked.vehicle.price.get() / 100)
        .collect();
    new_prices.sort_unstable();
    let median = new_prices[new_prices.len() / 2];
    assert!((130_000..=190_000).contains(&median), "{median}");
}

#[test]
fn tiny_and_empty_books_work() {
    assert!(generate_portfolio(&spec(0, 1)).is_empty());
    let mut one_month = spec(50, 1);
    one_month.history_months = 0;
    let loans = generate_portfolio(&one_month);
    assert_eq!(loans.len(), 50);
    assert!(loans
        .iter()
        .all(|l| l.booked.terms.disbursement_date() == as_of()));
}
