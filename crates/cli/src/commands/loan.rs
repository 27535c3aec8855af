//! `recoup loan quote|settle|prepay`: early settlement (提前结清) and partial prepayment
//! (提前部分还款) from the command line, through the same store calls as the API. The CLI acts
//! as the operator at the machine: actor `cli`, every loan in scope.

use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use recoup_core::role::Role;
use recoup_core::settlement::{PrepaymentMode, SettlementQuote};
use recoup_core::Fen;
use recoup_store::{Access, PostedSettlement, Posting, Store, StoreError};

use crate::cli::{Format, LoanCommand, PostingArgs, PrepayMode};
use crate::commands::open_store;
use crate::config::Settings;

pub async fn run(
    database_url: &str,
    settings: &Settings,
    command: &LoanCommand,
) -> anyhow::Result<ExitCode> {
    let store = open_store(database_url).await?;
    let outcome = dispatch(&store, settings, command).await;
    store.close().await;
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // The caller's data: say what to fix, exit 1 (as a rejected import does).
        Err(error) if error.is_bad_input() => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error).context("cannot complete the loan command"),
    }
}

async fn dispatch(
    store: &Store,
    settings: &Settings,
    command: &LoanCommand,
) -> Result<(), StoreError> {
    let access = Access {
        username: "cli".into(),
        role: Role::Admin,
        agency: None,
    };
    match command {
        LoanCommand::Quote { loan, date, format } => {
            let date = date.unwrap_or_else(|| settings.today());
            let quote = store
                .settlement_quote(&access, loan, date, &settings.policy, &settings.products)
                .await?;
            print!("{}", render_quote(loan, &quote, *format));
        }
        LoanCommand::Settle(args) => {
            let posting = posting(args, settings)?;
            let posted = store
                .post_settlement(
                    &access,
                    &posting,
                    &settings.policy,
                    &settings.products,
                    settings.now(),
                    &event_id(settings),
                )
                .await?;
            print!("{}", render_posted(&posted));
        }
        LoanCommand::Prepay {
            posting: args,
            mode,
        } => {
            let posting = posting(args, settings)?;
            let mode = match mode {
                PrepayMode::ReduceInstallment => PrepaymentMode::ReduceInstallment,
                PrepayMode::ShortenTerm => PrepaymentMode::ShortenTerm,
            };
            let posted = store
                .post_prepayment(
                    &access,
                    &posting,
                    mode,
                    &settings.policy,
                    &settings.products,
                    settings.now(),
                    &event_id(settings),
                )
                .await?;
            print!("{}", render_posted(&posted));
        }
    }
    Ok(())
}

/// Raw flags become a checked posting before the store is asked.
fn posting(args: &PostingArgs, settings: &Settings) -> Result<Posting, StoreError> {
    let amount = Fen::parse_yuan(&args.amount).map_err(|e| StoreError::Invalid {
        field: "amount",
        message: e.to_string(),
    })?;
    let today = settings.today();
    let date: NaiveDate = args.date.unwrap_or(today);
    if date > today {
        return Err(StoreError::Invalid {
            field: "date",
            message: format!("{date} is after today; money is posted on the day it arrives"),
        });
    }
    Ok(Posting {
        loan_no: args.loan.clone(),
        date,
        amount,
        reference: args.reference.clone(),
    })
}

fn event_id(settings: &Settings) -> String {
    format!("cli-{}", settings.now().timestamp_micros())
}

fn render_quote(loan: &str, quote: &SettlementQuote, format: Format) -> String {
    let lines = [
        ("principal", quote.principal),
        ("overdue_interest", quote.overdue_interest),
        ("accrued_interest", quote.accrued_interest),
        ("penalty", quote.penalty),
        ("fees", quote.fees),
        ("settlement_fee", quote.settlement_fee),
        ("credit", -quote.credit),
        ("total", quote.total),
    ];
    match format {
        Format::Json => {
            let mut object = serde_json::Map::new();
            object.insert("loan_no".into(), loan.into());
            object.insert("as_of".into(), quote.as_of.to_string().into());
            for (name, amount) in lines {
                object.insert(name.into(), amount.to_yuan_string().into());
            }
            format!("{}\n", serde_json::Value::Object(object))
        }
        Format::Csv => {
            let mut out = String::from("loan_no,as_of,component,amount\n");
            for (name, amount) in lines {
                out.push_str(&format!(
                    "{loan},{},{name},{}\n",
                    quote.as_of,
                    amount.to_yuan_string()
                ));
            }
            out
        }
        Format::Table => {
            let mut out = format!("settlement quote for {loan} on {}\n", quote.as_of);
            for (name, amount) in lines {
                out.push_str(&format!("{name:<18}{:>16}\n", amount.to_grouped_string()));
            }
            out
        }
    }
}

fn render_posted(posted: &PostedSettlement) -> String {
    let what = match posted.mode.as_deref() {
        Some(mode) => format!("prepayment ({mode})"),
        None => "settlement: the loan is paid off".to_string(),
    };
    let replayed = if posted.replayed {
        " (already posted under this reference; nothing written)"
    } else {
        ""
    };
    format!(
        "{} {what} on {}{replayed}\namount {}: principal {}, interest {}, penalty {}, fees {}, \
         early repayment fee {}, credit used {}, kept as credit {}\n",
        posted.loan_no,
        posted.value_date,
        posted.amount,
        posted.principal,
        posted.interest,
        posted.penalty,
        posted.fees,
        posted.settlement_fee,
        posted.credit_used,
        posted.to_credit
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_prints_each_component_and_the_total() {
        let quote = SettlementQuote {
            as_of: NaiveDate::from_ymd_opt(2026, 3, 25).unwrap(),
            principal: Fen::from_yuan(10_000),
            overdue_interest: Fen::ZERO,
            accrued_interest: Fen::new(4_839),
            penalty: Fen::ZERO,
            fees: Fen::ZERO,
            settlement_fee: Fen::from_yuan(200),
            credit: Fen::ZERO,
            total: Fen::new(1_024_839),
        };
        let table = render_quote("CL1", &quote, Format::Table);
        assert!(
            table
                .lines()
                .any(|line| line.starts_with("total") && line.ends_with("10,248.39")),
            "{table}"
        );
        let json = render_quote("CL1", &quote, Format::Json);
        assert!(json.contains("\"total\":\"10248.39\""), "{json}");
    }
}
