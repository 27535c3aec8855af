//! `recoup schedule`: the repayment-schedule calculator.

use std::io::Write;
use std::process::ExitCode;

use chrono::Datelike;
use recoup_core::loan::{LoanTerms, RepaymentMethod};
use recoup_core::schedule::{build_schedule, ScheduledInstallment};
use recoup_core::{AnnualRate, Fen};

use crate::cli::{Format, Method, ScheduleArgs};

pub fn run(args: &ScheduleArgs) -> anyhow::Result<ExitCode> {
    let terms = match terms_from(args) {
        Ok(terms) => terms,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(1));
        }
    };
    let schedule = build_schedule(&terms);
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Csv => write_csv(&mut out, &schedule)?,
        Format::Json => write_json(&mut out, &schedule)?,
        Format::Table => write_table(&mut out, &terms, &schedule)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks the arguments, naming the flag at fault.
pub fn terms_from(args: &ScheduleArgs) -> Result<LoanTerms, String> {
    let principal = Fen::parse_yuan(&args.principal).map_err(|e| format!("--principal: {e}"))?;
    let rate =
        AnnualRate::parse_percent(&args.annual_rate).map_err(|e| format!("--annual-rate: {e}"))?;
    let method = match args.method {
        Method::EqualInstallment => RepaymentMethod::EqualInstallment,
        Method::EqualPrincipal => RepaymentMethod::EqualPrincipal,
        Method::Bullet => RepaymentMethod::Bullet,
    };
    let day = args.repayment_day.unwrap_or_else(|| args.start.day());
    LoanTerms::new(principal, rate, args.term, method, args.start, day).map_err(|e| {
        let flag = match e {
            recoup_core::loan::TermsError::Principal(_) => "--principal",
            recoup_core::loan::TermsError::Term(_) => "--term",
            recoup_core::loan::TermsError::RepaymentDay(_) => "--repayment-day",
        };
        format!("{flag}: {e}")
    })
}

pub fn write_csv(out: &mut impl Write, schedule: &[ScheduledInstallment]) -> std::io::Result<()> {
    writeln!(out, "period,due_date,payment,principal,interest,balance")?;
    for row in schedule {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            row.period,
            row.due_date,
            row.payment(),
            row.principal,
            row.interest,
            row.balance_after
        )?;
    }
    Ok(())
}

fn write_json(out: &mut impl Write, schedule: &[ScheduledInstallment]) -> anyhow::Result<()> {
    // Amounts are strings with two decimals so no JSON reader turns them into floats.
    let rows: Vec<serde_json::Value> = schedule
        .iter()
        .map(|row| {
            serde_json::json!({
                "period": row.period,
                "due_date": row.due_date.to_string(),
                "payment": row.payment().to_string(),
                "principal": row.principal.to_string(),
                "interest": row.interest.to_string(),
                "balance": row.balance_after.to_string(),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)?;
    Ok(())
}

fn write_table(
    out: &mut impl Write,
    terms: &LoanTerms,
    schedule: &[ScheduledInstallment],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} yuan at {}% for {} months, {}, disbursed {}",
        terms.principal().to_grouped_string(),
        terms.annual_rate(),
        terms.term_months(),
        terms.method(),
        terms.disbursement_date()
    )?;
    writeln!(
        out,
        "{:>6}  {:<10}  {:>14}  {:>14}  {:>12}  {:>14}",
        "period", "due_date", "payment", "principal", "interest", "balance"
    )?;
    for row in schedule {
        writeln!(
            out,
            "{:>6}  {:<10}  {:>14}  {:>14}  {:>12}  {:>14}",
            row.period,
            row.due_date.to_string(),
            row.payment().to_grouped_string(),
            row.principal.to_grouped_string(),
            row.interest.to_grouped_string(),
            row.balance_after.to_grouped_string()
        )?;
    }
    let total_payment: Fen = schedule.iter().map(ScheduledInstallment::payment).sum();
    let total_interest: Fen = schedule.iter().map(|r| r.interest).sum();
    writeln!(
        out,
        "{:>6}  {:<10}  {:>14}  {:>14}  {:>12}",
        "total",
        "",
        total_payment.to_grouped_string(),
        terms.principal().to_grouped_string(),
        total_interest.to_grouped_string()
    )
}
