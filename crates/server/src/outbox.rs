//! The outbox worker: sends the SMS that end-of-day planning permitted, through the same path
//! as a person's SMS — the case's figures rendered into the template and vetted by language
//! QA, the guard asked again at the instant of sending (the plan's permit was for the planned
//! instant), the message and its ledger entry recorded in one transaction, then the gateway.
//! A block for the hour of day (quiet hours) leaves the SMS for a later round; any other block
//! is recorded with its rule. Each round handles at most `batch` messages.

use std::future::Future;
use std::time::Duration;

use recoup_compliance::Rule;
use recoup_core::role::Role;
use recoup_store::{
    Access, Dispatch, OutboundKind, OutboundRequest, PlannedSms, Reservation, SendOutcome,
    StoreError,
};

use crate::outbound::Outbound;
use crate::state::AppState;

/// The name the outbox acts under in the audit trail and on its messages.
pub const OUTBOX_ACTOR: &str = "outbox";

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxRound {
    /// Handed to the gateway.
    pub sent: u64,
    /// The gateway refused or did not answer.
    pub failed: u64,
    /// Refused by the guard now (recorded with the rule; not retried).
    pub blocked: u64,
    /// Refused for the hour of day; tried again in a later round.
    pub deferred: u64,
    /// Not sent: the case closed, or the template cannot be filled in.
    pub skipped: u64,
}

impl OutboxRound {
    /// Messages this round took a decision on (all but the deferred).
    pub fn settled(&self) -> u64 {
        self.sent + self.failed + self.blocked + self.skipped
    }
}

/// The whole book: the outbox sends for every case, as planning planned for every case.
fn outbox_access() -> Access {
    Access {
        username: OUTBOX_ACTOR.to_string(),
        role: Role::Manager,
        agency: None,
    }
}

/// Sends up to `batch` planned SMS that are due now. Does nothing (and returns an empty round)
/// when no gateway is configured.
pub async fn dispatch_due_sms(state: &AppState, batch: i64) -> Result<OutboxRound, StoreError> {
    let mut round = OutboxRound::default();
    let Some(outbound) = state.outbound.as_deref() else {
        return Ok(round);
    };
    let Some(gateway) = outbound.sms.as_ref() else {
        return Ok(round);
    };
    let access = outbox_access();
    for planned in state.store.pending_sms(state.today(), batch).await? {
        let dispatch = match dispatch_one(state, outbound, &access, &planned).await? {
            Step::Done(dispatch) => dispatch,
            Step::Later => {
                round.deferred += 1;
                continue;
            }
            Step::Send { id, text, permit } => {
                let sent = gateway.send(permit, id, &text, state.now()).await;
                let outcome = match &sent {
                    Ok(_) => SendOutcome::Accepted(None),
                    Err(error) => SendOutcome::Failed(error.to_string()),
                };
                state
                    .store
                    .finish_sms(id, &outcome, OUTBOX_ACTOR, "", state.now())
                    .await?;
                match sent {
                    Ok(_) => Dispatch::Sent { message_id: id },
                    Err(error) => {
                        tracing::warn!(message_id = id, %error, "the SMS gateway did not take a planned SMS");
                        Dispatch::Failed { message_id: id }
                    }
                }
            }
        };
        match &dispatch {
            Dispatch::Sent { .. } => round.sent += 1,
            Dispatch::Failed { .. } => round.failed += 1,
            Dispatch::Blocked { .. } => round.blocked += 1,
            Dispatch::Skipped { .. } => round.skipped += 1,
        }
        state
            .store
            .mark_dispatched(planned.treatment_id, &dispatch, state.now())
            .await?;
    }
    if round != OutboxRound::default() {
        tracing::info!(
            sent = round.sent,
            failed = round.failed,
            blocked = round.blocked,
            deferred = round.deferred,
            skipped = round.skipped,
            "outbox round"
        );
    }
    Ok(round)
}

enum Step {
    /// Decided without sending.
    Done(Dispatch),
    /// Blocked for the hour of day: leave it for a later round.
    Later,
    /// Permitted and recorded: send `text` under `permit` as message `id`.
    Send {
        id: i64,
        text: String,
        permit: recoup_compliance::Permit,
    },
}

async fn dispatch_one(
    state: &AppState,
    outbound: &Outbound,
    access: &Access,
    planned: &PlannedSms,
) -> Result<Step, StoreError> {
    let skip = |why: String| Ok(Step::Done(Dispatch::Skipped { why }));
    if !planned.case_open {
        return skip("the case closed after planning".into());
    }
    const GONE: &str = "the case is gone";
    let Some(case) = state
        .store
        .outbound_case(access, planned.borrower_id)
        .await?
    else {
        return skip(GONE.into());
    };
    if case.phones.is_empty() {
        return skip("the borrower has no phone number".into());
    }
    let text = match outbound.sms_text(&planned.template, &case) {
        Ok(text) => text,
        Err(error) => return skip(error.to_string()),
    };
    let request = OutboundRequest {
        borrower_id: planned.borrower_id,
        phone_index: 0,
        kind: OutboundKind::Sms {
            template: planned.template.clone(),
            text: text.clone(),
        },
        fallback_time_zone: state.config.cases.timezone,
    };
    let reservation = state
        .store
        .reserve_contact(access, &request, &outbound.guard, state.now())
        .await?;
    Ok(match reservation {
        None => Step::Done(Dispatch::Skipped { why: GONE.into() }),
        Some(Reservation::Blocked(block)) if block.rule.rule() == Rule::QuietHours => Step::Later,
        Some(Reservation::Blocked(block)) => Step::Done(Dispatch::Blocked {
            rule: block.rule.to_string(),
        }),
        Some(Reservation::Permitted { id, permit, .. }) => Step::Send { id, text, permit },
    })
}

/// Runs a round every `interval` until `shutdown` resolves. A failed round is logged and the
/// next one runs as usual (the database may be back by then).
pub async fn run_outbox(
    state: AppState,
    interval: Duration,
    batch: i64,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => {
                if let Err(error) = dispatch_due_sms(&state, batch).await {
                    tracing::error!(%error, "outbox round failed");
                }
            }
        }
    }
}
