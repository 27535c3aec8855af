//! The simulator's books are valid loan tapes: written with the tape writer, they read back
//! unchanged, duplicates checks and all.

use chrono::NaiveDate;
use recoup_sim::{generate_portfolio, BankFeed, PortfolioSpec};
use recoup_tape::TapeOptions;

#[test]
fn a_simulated_portfolio_round_trips_through_the_loan_tape_format() {
    for seed in [7, 42] {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let portfolio = generate_portfolio(&PortfolioSpec::new(4_000, seed, as_of));
        let booked: Vec<_> = portfolio.iter().map(|l| l.booked.clone()).collect();
        let mut csv = Vec::new();
        recoup_tape::write_loan_tape_csv(&mut csv, &booked).unwrap();
        let read = recoup_tape::read_loan_tape_from_csv_reader(
            "sim.csv",
            csv.as_slice(),
            &TapeOptions::as_of(as_of),
        )
        .unwrap_or_else(|errors| panic!("seed {seed}: {errors}"));
        assert_eq!(read, booked, "seed {seed}");

        let mut feed = BankFeed::new(&portfolio, seed);
        let records = feed.records_for(as_of, &Default::default());
        let mut bank = Vec::new();
        recoup_tape::write_bank_file_csv(&mut bank, &records).unwrap();
        let read =
            recoup_tape::read_bank_file_from_csv_reader("bank.csv", bank.as_slice()).unwrap();
        assert_eq!(read.len(), records.len());
    }
}
