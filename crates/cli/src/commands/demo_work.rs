//! The demo's collector work: once cases are assigned, each collector works the first cases of
//! their queue over the last planned business dates — calls with outcomes, promises to pay
//! (settled at each date's end as end-of-day would), and a note language QA flags — so the
//! dashboard's contact, promise and leaderboard figures and the compliance page have something
//! to show. Deterministic: outcomes come from a hash of the case and the date.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use recoup_core::contact::{Channel, Party};
use recoup_core::role::Role;
use recoup_core::work::ContactOutcome;
use recoup_core::Fen;
use recoup_store::{Access, NewContact, QueueFilter, Store};

use crate::config::Settings;

/// Cases each collector works a day.
const CASES_PER_COLLECTOR: i64 = 20;

/// What the simulated work added.
#[derive(Debug, Default, Clone, Copy)]
pub struct WorkDone {
    pub contacts: u64,
    pub promises: u64,
    pub notes: u64,
}

fn mix(case: i64, day: NaiveDate) -> u64 {
    // FNV-1a over the case id and the date: stable across runs and platforms.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in case
        .to_le_bytes()
        .into_iter()
        .chain(day.to_string().into_bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn outcome_for(hash: u64) -> ContactOutcome {
    match (hash >> 8) % 10 {
        0..=2 => ContactOutcome::NoAnswer,
        3 => ContactOutcome::Busy,
        4 => ContactOutcome::SwitchedOff,
        5 | 6 => ContactOutcome::RightPartyContact,
        7 => ContactOutcome::PromiseToPay,
        8 => ContactOutcome::ClaimsHardship,
        _ => ContactOutcome::ThirdParty,
    }
}

/// Works `days` business dates ending on `last_day` for every active collector.
pub async fn simulate(
    store: &Store,
    settings: &Settings,
    last_day: NaiveDate,
    days: u64,
) -> anyhow::Result<WorkDone> {
    let mut done = WorkDone::default();
    let first_day = last_day
        .checked_sub_days(Days::new(days.saturating_sub(1)))
        .unwrap_or(last_day);
    let inspector = recoup_qa::Inspector::shipped()?;
    for user in store.users().await? {
        if user.role != Role::Collector || !user.active {
            continue;
        }
        let access = Access {
            username: user.username.clone(),
            role: user.role,
            agency: user.agency.clone(),
        };
        let filter = QueueFilter {
            limit: CASES_PER_COLLECTOR,
            ..QueueFilter::default()
        };
        let cases = store.queue(&access, &filter).await?.entries;
        let mut day = first_day;
        while day <= last_day {
            for (idx, case) in cases.iter().enumerate() {
                let hash = mix(case.borrower_id, day);
                if hash.is_multiple_of(3) {
                    continue;
                }
                let local = day.and_hms_opt(9, 30, 0).unwrap_or_default()
                    + chrono::TimeDelta::minutes(i64::try_from(idx).unwrap_or(0) * 7);
                let at = settings
                    .timezone
                    .from_local_datetime(&local)
                    .earliest()
                    .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc));
                let outcome = outcome_for(hash);
                let contact = NewContact {
                    channel: Channel::Call,
                    party: if outcome == ContactOutcome::ThirdParty {
                        Party::ThirdParty { contact_seq: 1 }
                    } else {
                        Party::Borrower
                    },
                    phone_index: None,
                    outcome,
                    delay_reason: None,
                    temperament: None,
                    note: None,
                    call_id: None,
                };
                if store
                    .log_contact(&access, case.borrower_id, &contact, at)
                    .await?
                    .is_some()
                {
                    done.contacts += 1;
                }
                if outcome == ContactOutcome::PromiseToPay {
                    let amount = Fen::new(case.arrears.max(50_000));
                    let due = day.checked_add_days(Days::new(2)).unwrap_or(day);
                    if store
                        .add_promise(&access, case.borrower_id, amount, due, day, at)
                        .await?
                        .is_some()
                    {
                        done.promises += 1;
                    }
                }
            }
            // End-of-day settles the promises due by now, as the demo's own days did.
            if day < last_day {
                store.settle_promises(day).await?;
            }
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        // One note with a warn-tier term (a true statement of a legal step), for the QA flags.
        if let Some(case) = cases.first() {
            let text =
                "已告知借款人：逾期超过 90 天将移交法务，可能提起诉讼。借款人表示月底前还款。";
            let hits = inspector.inspect(text);
            let flags: Vec<serde_json::Value> = hits
                .iter()
                .filter(|hit| hit.tier == recoup_qa::Tier::Warn)
                .map(|hit| {
                    serde_json::json!({
                        "category": hit.category.code(),
                        "tier": hit.tier.code(),
                        "term": hit.term,
                        "start": hit.span.start,
                        "end": hit.span.end,
                    })
                })
                .collect();
            let local = last_day.and_hms_opt(16, 0, 0).unwrap_or_default();
            let at = settings
                .timezone
                .from_local_datetime(&local)
                .earliest()
                .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc));
            let flags = serde_json::Value::Array(flags).to_string();
            if store
                .add_note(&access, case.borrower_id, text, &flags, at)
                .await?
                .is_some()
            {
                done.notes += 1;
            }
        }
    }
    Ok(done)
}
