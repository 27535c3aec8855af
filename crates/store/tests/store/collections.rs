//! Planning a business date's collection work through the store: cases open, the strategy plans
//! treatments, compliance blocks what breaks a rule, and planning is idempotent.

use recoup_compliance::{Guard, Profile};
use recoup_store::{EodOptions, Quiet, Store};
use recoup_strategy::parse_strategy;

use crate::fixtures::*;

const STRATEGY: &str = include_str!("../../../../strategies/cn-default.toml");

async fn closed_through(store: &Store, to: chrono::NaiveDate) {
    store
        .run_eod_through(to, &policy(), &EodOptions::default(), &Quiet, RECORDED_AT)
        .await
        .unwrap();
}

/// Loan 1 booked and closed through 2026-02-16: it never pays (first due 2026-02-10, so 6 days
/// past due), and the borrower was called at 01:50 UTC that day (09:50 in Shanghai).
async fn overdue_with_a_morning_call(store: &Store) {
    store
        .book_loans(
            &[loan(1, 80_000, d(2026, 1, 5))],
            &recoup_core::delinquency::BucketScheme::default(),
            RECORDED_AT,
        )
        .await
        .unwrap();
    closed_through(store, d(2026, 2, 16)).await;
    sqlx::query(
        "INSERT INTO contact_event (borrower_id, loan_id, at, channel, party, address, result, conversation) \
         VALUES (1, 1, '2026-02-16T01:50:00+00:00', 'call', 'borrower', '13800138000', 'attempted', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_borrower_with_an_own_time_zone_is_planned_for_ten_oclock_there() {
    let strategy = parse_strategy("cn-default.toml", STRATEGY).unwrap();
    let guard = Guard::new(Profile::builtin("cn").unwrap());
    for (backend, store, _dir) in stores().await {
        overdue_with_a_morning_call(&store).await;
        // Ten minutes before 10:00 in Shanghai is 13 hours before 10:00 in New York, where this
        // borrower lives: no minimum-gap block.
        sqlx::query("UPDATE borrower SET time_zone = 'America/New_York' WHERE id = 1")
            .execute(store.pool())
            .await
            .unwrap();
        let outcome = store
            .plan_collections(d(2026, 2, 16), &strategy, &guard, 5)
            .await
            .unwrap();
        assert!(outcome.permitted > 0, "{backend}: {outcome:?}");
        let plan = store.plan_for(d(2026, 2, 16)).await.unwrap();
        assert!(
            plan.iter().all(|l| l.decision != "blocked"),
            "{backend}: {plan:?}"
        );
        // Permits run out at the end of New York's contact hours, not Shanghai's.
        let until: String = sqlx::query_scalar(
            "SELECT MIN(permit_valid_until) FROM treatment WHERE decision = 'permitted'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap();
        let local = until.with_timezone(&chrono_tz::America::New_York);
        assert_eq!(local.date_naive(), d(2026, 2, 16), "{backend}: {until}");
        assert!(until > chrono::DateTime::parse_from_rfc3339("2026-02-16T15:00:00+00:00").unwrap());
    }
}

#[tokio::test]
async fn a_delinquent_borrower_gets_a_case_and_treatments_and_a_recent_contact_blocks_a_call() {
    let strategy = parse_strategy("cn-default.toml", STRATEGY).unwrap();
    let guard = Guard::new(Profile::builtin("cn").unwrap());
    for (backend, store, _dir) in stores().await {
        overdue_with_a_morning_call(&store).await;
        assert!(
            store.needs_planning(d(2026, 2, 16)).await.unwrap(),
            "{backend}"
        );
        // The call was ten minutes before the planned 10:00 (Shanghai) contact: the minimum gap
        // blocks.

        let first = store
            .plan_collections(d(2026, 2, 16), &strategy, &guard, 5)
            .await
            .unwrap();
        assert_eq!(first.borrowers, 1, "{backend}");
        assert!(first.permitted + first.blocked > 0, "{backend}: {first:?}");
        let plan = store.plan_for(d(2026, 2, 16)).await.unwrap();
        assert!(
            plan.iter().any(|l| l.stage == "early"),
            "{backend}: {plan:?}"
        );
        assert!(
            plan.iter()
                .any(|l| l.decision == "blocked" && l.rule.as_deref() == Some("cn.minimum_gap")),
            "{backend}: {plan:?}"
        );

        let counts = store
            .compliance_counts(d(2026, 2, 1), d(2026, 2, 28))
            .await
            .unwrap();
        assert!(
            counts
                .iter()
                .any(|(decision, rule, _, n)| decision == "blocked"
                    && rule.as_deref() == Some("cn.minimum_gap")
                    && *n > 0),
            "{backend}: {counts:?}"
        );
        assert!(
            counts.iter().all(|(decision, ..)| decision != "internal"),
            "{backend}"
        );
        let segment_rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM segment_change WHERE borrower_id = 1")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(
            segment_rows, 1,
            "{backend}: the first plan records the segments"
        );
        let results = store
            .strategy_results(d(2026, 2, 1), d(2026, 2, 28))
            .await
            .unwrap();
        assert_eq!(
            results.iter().map(|a| a.cases).sum::<i64>(),
            1,
            "{backend}: {results:?}"
        );
        let arm = results.iter().find(|a| a.cases == 1).unwrap();
        assert!(
            arm.blocked > 0 || !arm.contacts.is_empty(),
            "{backend}: {arm:?}"
        );

        assert!(
            !store.needs_planning(d(2026, 2, 16)).await.unwrap(),
            "{backend}"
        );
        // The case waits in the queue of its most urgent treatment, with today's action due.
        let (queue, next_action, assignee): (Option<String>, Option<String>, Option<String>) =
            sqlx::query_as(
                "SELECT queue, next_action_on, assignee FROM collection_case WHERE borrower_id = 1",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
        let most_urgent: String = sqlx::query_scalar(
            "SELECT queue FROM treatment WHERE borrower_id = 1 AND business_date = '2026-02-16' \
             ORDER BY priority LIMIT 1",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(queue.as_deref(), Some(most_urgent.as_str()), "{backend}");
        assert_eq!(next_action.as_deref(), Some("2026-02-16"), "{backend}");
        assert_eq!(assignee, None, "{backend}: assignment is a later step");

        let again = store
            .plan_collections(d(2026, 2, 16), &strategy, &guard, 5)
            .await
            .unwrap();
        assert_eq!(
            again,
            Default::default(),
            "{backend}: a planned date planned again"
        );
        assert_eq!(
            store.plan_for(d(2026, 2, 16)).await.unwrap(),
            plan,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_current_borrower_gets_a_reminder_case_before_the_due_date_and_none_after_paying() {
    let strategy = parse_strategy("cn-default.toml", STRATEGY).unwrap();
    let guard = Guard::new(Profile::builtin("cn").unwrap());
    for (backend, store, _dir) in stores().await {
        let booked = loan(2, 60_000, d(2026, 1, 5));
        let first_due = recoup_core::schedule::build_schedule(&booked.terms)[0];
        store
            .book_loans(
                std::slice::from_ref(&booked),
                &recoup_core::delinquency::BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        store
            .post_bank_records(
                &[payment(
                    "P1",
                    &booked.loan_no,
                    first_due.due_date,
                    first_due.payment(),
                )],
                RECORDED_AT,
            )
            .await
            .unwrap();
        closed_through(&store, d(2026, 2, 7)).await;
        let reminder = store
            .plan_collections(d(2026, 2, 7), &strategy, &guard, 5)
            .await
            .unwrap();
        assert_eq!(reminder.borrowers, 1, "{backend}");
        let plan = store.plan_for(d(2026, 2, 7)).await.unwrap();
        assert!(
            plan.iter().all(|l| l.stage == "pre_due"),
            "{backend}: {plan:?}"
        );
        assert!(
            plan.iter()
                .any(|l| l.channel == "sms" || l.channel == "call"),
            "{backend}: {plan:?}"
        );

        closed_through(&store, d(2026, 2, 11)).await;
        let after = store
            .plan_collections(d(2026, 2, 11), &strategy, &guard, 5)
            .await
            .unwrap();
        assert_eq!(
            (after.permitted, after.blocked),
            (0, 0),
            "{backend}: a paid reminder case should close"
        );
        let (status, queue, next_action): (String, Option<String>, Option<String>) =
            sqlx::query_as("SELECT status, queue, next_action_on FROM collection_case")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(
            (status.as_str(), queue, next_action),
            ("closed", None, None),
            "{backend}: a closed case waits in no queue"
        );
    }
}
