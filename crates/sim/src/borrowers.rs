//! Borrowers: name, national ID, phones, home and work addresses and emergency contacts, all
//! consistent with one another (the ID's sex digit matches the name, the spouse is of the other
//! sex, parents and siblings share the surname, most IDs are registered in the lending city).

use chrono::{Days, Months, NaiveDate};
use rand::Rng;
use recoup_core::book::{Borrower, EmergencyContact, Relation};

use crate::ids::{mobile as phone, national_id};
use crate::names::{full_name, name_with_surname, surname, Sex};
use crate::places::{district, home_address, work_address, City, CITIES};
use crate::seeds::{derive, pick_weighted, rng_for, tag};

/// A borrower and the index of the city they live in.
pub(crate) struct GeneratedBorrower {
    pub borrower: Borrower,
    pub city: u8,
}

/// Picks a city by its share of the book.
pub(crate) fn city_index<R: Rng>(rng: &mut R) -> u8 {
    let total: u32 = CITIES.iter().map(|c| c.weight).sum();
    let mut roll = rng.random_range(0..total);
    for (idx, city) in CITIES.iter().enumerate() {
        if roll < city.weight {
            return idx as u8;
        }
        roll -= city.weight;
    }
    0
}

/// The birth dates a book's borrowers may have: anyone born in the window is 22–60 years old on
/// every disbursement date of the book, so a repeat borrower fits all their loans.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BirthWindow {
    /// The latest birth date (22 on the first disbursement date).
    latest: NaiveDate,
    /// Days from `latest` back to the earliest birth date (60 on the last disbursement date).
    days: u32,
}

impl BirthWindow {
    pub(crate) fn new(first_disbursement: NaiveDate, last_disbursement: NaiveDate) -> BirthWindow {
        let latest = first_disbursement
            .checked_sub_months(Months::new(22 * 12))
            .unwrap_or(first_disbursement);
        let earliest = last_disbursement
            .checked_sub_months(Months::new(60 * 12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(latest);
        BirthWindow {
            latest,
            days: ((latest - earliest).num_days().max(0) as u32).max(BANDS.len() as u32),
        }
    }
}

/// Age bands as (from, to) percent of the birth window, from youngest, with their weights: a
/// car-loan book is mostly 25–45.
const BANDS: [((u64, u64), u32); 4] = [
    ((0, 22), 30),
    ((22, 50), 38),
    ((50, 75), 22),
    ((75, 100), 10),
];

/// Order codes per birth date and sex (the three digits before the check, halved for the sex).
const ORDERS: u64 = 500;

/// A prime larger than 500 and than any band's length in days, hence coprime with every band's
/// modulus (days × 500), so `index ↦ (MULTIPLIER·index + offset) mod modulus` is a bijection.
const MULTIPLIER: u128 = 1_000_003;

/// The borrower's birth date and ID order code. Within an age band the pair is a bijection of
/// the borrower's stream index, so two different borrowers never share a national ID while the
/// book has fewer borrowers than a band has (birth date, order) pairs: about 1.4 million with a
/// two-year history. Beyond that, duplicates are possible but rare.
fn birth_and_order<R: Rng>(
    rng: &mut R,
    seed: u64,
    index: u64,
    window: &BirthWindow,
) -> (NaiveDate, u16) {
    let band = rng.random_range(0..100u32);
    let mut roll = band;
    let mut chosen = 0;
    for (i, (_, weight)) in BANDS.iter().enumerate() {
        if roll < *weight {
            chosen = i;
            break;
        }
        roll -= *weight;
    }
    let ((from_pct, to_pct), _) = BANDS[chosen];
    let days = u64::from(window.days);
    let start = days * from_pct / 100;
    let len = (days * to_pct / 100).saturating_sub(start).max(1);
    let modulus = u128::from(len * ORDERS);
    let offset = u128::from(derive(seed, tag::BIRTH, chosen as u64));
    let x = (MULTIPLIER * u128::from(index) + offset) % modulus;
    // x < len·500, so both parts fit their types.
    let day = start + (x / u128::from(ORDERS)) as u64;
    let order = (x % u128::from(ORDERS)) as u16;
    let birth = window
        .latest
        .checked_sub_days(Days::new(day))
        .unwrap_or(window.latest);
    (birth, order)
}

/// The borrower of stream `index` under `seed`, born inside `window`.
pub(crate) fn generate(seed: u64, index: u64, window: &BirthWindow) -> GeneratedBorrower {
    let mut rng = rng_for(seed, tag::BORROWER, index);
    let city_idx = city_index(&mut rng);
    let city: &City = &CITIES[usize::from(city_idx)];
    let sex = if rng.random_bool(0.7) {
        Sex::Male
    } else {
        Sex::Female
    };
    let (birth, order) = birth_and_order(&mut rng, seed, index, window);
    let age = (window.latest - birth).num_days() / 365 + 22;
    // A quarter of borrowers moved to the city and keep the household registration of home.
    let region_city = if rng.random_bool(0.25) {
        &CITIES[usize::from(city_index(&mut rng))]
    } else {
        city
    };
    let (_, region) = district(&mut rng, region_city);
    let national_id = national_id(region, birth, order, sex);
    let family = surname(&mut rng);
    let name = name_with_surname(&mut rng, family, sex);

    let mut phones = vec![phone(&mut rng)];
    if rng.random_bool(0.3) {
        phones.push(phone(&mut rng));
    }
    let home = home_address(&mut rng, city);
    let work = rng
        .random_bool(0.85)
        .then(|| work_address(&mut rng, city, &home));
    let contacts = contacts(&mut rng, family, sex, age as u32);
    GeneratedBorrower {
        borrower: Borrower {
            name,
            national_id,
            phones,
            home,
            work,
            contacts,
            // The profile's zone (China has one).
            time_zone: None,
        },
        city: city_idx,
    }
}

/// One to three emergency contacts; married borrowers list their spouse first.
fn contacts<R: Rng>(rng: &mut R, family: &str, sex: Sex, age: u32) -> Vec<EmergencyContact> {
    let count = *pick_weighted(rng, &[(1usize, 30), (2, 50), (3, 20)]);
    let mut out = Vec::with_capacity(count);
    let married = age >= 26 && rng.random_bool(if age >= 32 { 0.8 } else { 0.5 });
    let other_sex = match sex {
        Sex::Male => Sex::Female,
        Sex::Female => Sex::Male,
    };
    let random_sex = |rng: &mut R| {
        if rng.random_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        }
    };
    if married {
        out.push(EmergencyContact {
            name: full_name(rng, other_sex),
            relation: Relation::Spouse,
            phone: phone(rng),
        });
    }
    while out.len() < count {
        let relation = *pick_weighted(
            rng,
            &[
                (Relation::Parent, if age < 45 { 30 } else { 8 }),
                (Relation::Sibling, 22),
                (Relation::Friend, 20),
                (Relation::Colleague, 14),
                (Relation::Relative, 8),
                (Relation::Child, if age >= 45 { 20 } else { 0 }),
                (Relation::Other, 2),
            ],
        );
        let contact_sex = random_sex(rng);
        let name = match relation {
            // Children and siblings carry the family name; so does a father, and a mother's
            // name is drawn like anyone else's.
            Relation::Sibling | Relation::Child => name_with_surname(rng, family, contact_sex),
            Relation::Parent if contact_sex == Sex::Male => {
                name_with_surname(rng, family, Sex::Male)
            }
            _ => full_name(rng, contact_sex),
        };
        out.push(EmergencyContact {
            name,
            relation,
            phone: phone(rng),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowers_are_consistent_and_ids_unique() {
        let first = NaiveDate::from_ymd_opt(2023, 3, 31).unwrap();
        let last = NaiveDate::from_ymd_opt(2025, 2, 28).unwrap();
        let window = BirthWindow::new(first, last);
        let mut ids = std::collections::HashSet::new();
        for index in 0..20_000 {
            let generated = generate(42, index, &window);
            let b = &generated.borrower;
            assert!(ids.insert(b.national_id.as_str().to_string()));
            let birth = b.national_id.birth_date().unwrap();
            assert!(first.years_since(birth).unwrap() >= 22);
            assert!(last.years_since(birth).unwrap() <= 60);
            assert!((1..=2).contains(&b.phones.len()));
            assert!((1..=3).contains(&b.contacts.len()));
            let spouses = b.contacts.iter().filter(|c| c.relation == Relation::Spouse);
            assert!(spouses.count() <= 1);
            for sibling in b
                .contacts
                .iter()
                .filter(|c| c.relation == Relation::Sibling)
            {
                assert_eq!(sibling.name.chars().next(), b.name.chars().next());
            }
            assert!(b
                .home
                .text
                .starts_with(CITIES[usize::from(generated.city)].name));
        }
    }
}
