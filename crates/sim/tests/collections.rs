//! Collection in the simulator: the same seed gives the same run, working cases recovers more
//! than leaving them alone, and the compliance profile blocks what a strategy plans beyond it.

use chrono::NaiveDate;
use recoup_compliance::{Guard, Profile};
use recoup_core::contact::Channel;
use recoup_core::servicing::LedgerPolicy;
use recoup_sim::{
    generate_portfolio, run_collections, season, CollectionOutcome, CollectionSpec, PortfolioSpec,
    SeasonedBook, SimLoan,
};
use recoup_strategy::{parse_strategy, Strategy};

const CN_DEFAULT: &str = include_str!("../../../strategies/cn-default.toml");

const SILENT: &str = r#"
name = "silent"
[[stage_rule]]
stage = "pre_due"
when = "dpd == 0"
[[stage_rule]]
stage = "early"
when = "dpd >= 1"
"#;

/// Six calls a day to every overdue case: more than either profile allows.
fn aggressive() -> String {
    let mut text = SILENT.replace("silent", "aggressive");
    for i in 0..6 {
        text.push_str(&format!(
            "[[treatment]]\nid = \"call{i}\"\nstages = [\"early\"]\nwhen = \"true\"\n\
             channel = \"call\"\ntemplate = \"early_call\"\nqueue = \"calls\"\npriority = {i}\n"
        ));
    }
    text
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn book(loans: usize, seed: u64) -> (Vec<SimLoan>, SeasonedBook) {
    let until = start().pred_opt().unwrap();
    let portfolio = generate_portfolio(&PortfolioSpec::new(loans, seed, until));
    let seasoned = season(&portfolio, seed, until, &LedgerPolicy::default(), |_| {}).unwrap();
    (portfolio, seasoned)
}

fn spec(days: u32) -> CollectionSpec {
    CollectionSpec {
        start: start(),
        days,
        pre_due_days: 5,
        ledger: LedgerPolicy::default(),
        time_zone: chrono_tz::Asia::Shanghai,
    }
}

fn strategy(text: &str) -> Strategy {
    parse_strategy("test.toml", text).unwrap()
}

fn run(
    portfolio: &[SimLoan],
    seasoned: &SeasonedBook,
    text: &str,
    profile: &str,
    days: u32,
) -> CollectionOutcome {
    let guard = Guard::new(Profile::builtin(profile).unwrap());
    run_collections(
        portfolio,
        seasoned,
        &strategy(text),
        &guard,
        &spec(days),
        &mut (),
    )
    .unwrap()
}

#[test]
fn the_same_book_and_strategy_give_the_same_outcome() {
    let (portfolio, seasoned) = book(1_500, 4);
    let a = run(&portfolio, &seasoned, CN_DEFAULT, "cn", 30);
    let b = run(&portfolio, &seasoned, CN_DEFAULT, "cn", 30);
    assert_eq!(a, b);
    let (portfolio, seasoned) = book(1_500, 4);
    assert_eq!(run(&portfolio, &seasoned, CN_DEFAULT, "cn", 30), a);
}

#[test]
fn working_cases_recovers_more_than_leaving_them_alone() {
    let (portfolio, seasoned) = book(4_000, 9);
    let worked = run(&portfolio, &seasoned, CN_DEFAULT, "cn", 60);
    let silent = run(&portfolio, &seasoned, SILENT, "cn", 60);
    assert_eq!(worked.arrears_before, silent.arrears_before);
    assert!(worked.arrears_before.is_positive());
    assert_eq!(silent.contacts_made(), 0);
    assert_eq!(silent.promises, 0);
    assert!(worked.contacts_made() > 0);
    assert!(worked.contacts[&Channel::Sms].made > 0);
    assert!(worked.contacts[&Channel::Call].made > 0);
    assert!(worked.cost().is_positive());
    assert!(worked.promises >= worked.promises_kept);
    assert!(
        worked.recovered > silent.recovered,
        "worked {} vs silent {}",
        worked.recovered,
        silent.recovered
    );
    assert!(worked.arrears_after < silent.arrears_after);
    assert!(worked.cures >= silent.cures);
    // The shipped ladder stays inside the shipped profile.
    assert_eq!(worked.blocks(), 0, "{:?}", worked.blocked);
}

#[test]
fn the_profile_blocks_what_a_strategy_plans_beyond_it() {
    let (portfolio, seasoned) = book(1_500, 2);
    let text = aggressive();
    let cn = run(&portfolio, &seasoned, &text, "cn", 20);
    assert!(cn.blocks() > 0);
    assert!(cn.blocked.keys().all(|rule| rule.starts_with("cn.")));
    assert!(
        cn.blocked.contains_key("cn.daily_connected_calls"),
        "{:?}",
        cn.blocked
    );
    let us = run(&portfolio, &seasoned, &text, "us-regf", 20);
    assert!(us.blocked.keys().all(|rule| rule.starts_with("regf.")));
    assert!(
        us.blocks() > cn.blocks(),
        "7-in-7 blocks more than cn's daily caps"
    );
}
