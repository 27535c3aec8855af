//! Early settlement and partial prepayment in the book: posted once, money conserved, the loan
//! closed or its schedule rebuilt, and end-of-day carrying on from there.

use chrono::NaiveDate;
use recoup_core::role::Role;
use recoup_core::schedule::build_schedule;
use recoup_core::settlement::{PrepaymentMode, ProductRules};
use recoup_core::Fen;
use recoup_store::{Access, EodOptions, Posting, Quiet, Store, StoreError};
use sqlx::Row;

use crate::fixtures::*;

fn manager() -> Access {
    Access {
        username: "manager1".into(),
        role: Role::Manager,
        agency: None,
    }
}

/// Loan CL00000001 (100,000.00 at 7.2 %, 36 months, due on the 10th), its first installment
/// paid on time, closed through 2026-03-15 (the second installment is 5 days overdue).
async fn seasoned(store: &Store) {
    let booked = loan(1, 100_000, d(2026, 1, 5));
    let first = build_schedule(&booked.terms)[0].payment();
    store
        .book_loans(&[booked], &policy().buckets, RECORDED_AT)
        .await
        .unwrap();
    store
        .post_bank_records(
            &[payment("P1", "CL00000001", d(2026, 2, 10), first)],
            RECORDED_AT,
        )
        .await
        .unwrap();
    close_through(store, d(2026, 3, 15)).await;
}

async fn close_through(store: &Store, date: NaiveDate) {
    store
        .run_eod_through(date, &policy(), &EodOptions::default(), &Quiet, RECORDED_AT)
        .await
        .unwrap();
}

fn posting(reference: &str, date: NaiveDate, amount: Fen) -> Posting {
    Posting {
        loan_no: "CL00000001".into(),
        date,
        amount,
        reference: reference.into(),
    }
}

async fn settle_as(
    store: &Store,
    access: Access,
    posting: Posting,
) -> Result<recoup_store::PostedSettlement, StoreError> {
    store
        .post_settlement(
            &access,
            &posting,
            &policy(),
            &ProductRules::default(),
            chrono::DateTime::UNIX_EPOCH,
            "ev",
        )
        .await
}

async fn scalar(store: &Store, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .try_get::<Option<i64>, _>(0)
        .unwrap()
        .unwrap_or(0)
}

/// Every payment's money is allocated exactly: payments in = allocations from payments.
async fn assert_money_conserved(store: &Store, backend: &str) {
    let paid = scalar(store, "SELECT CAST(SUM(amount) AS BIGINT) FROM payment").await;
    let allocated = scalar(
        store,
        "SELECT CAST(SUM(amount) AS BIGINT) FROM allocation WHERE source = 'payment'",
    )
    .await;
    assert_eq!(paid, allocated, "{backend}: payments in = allocations");
    let unpaid_rows = scalar(
        store,
        "SELECT CAST(SUM(principal_due - principal_paid) AS BIGINT) FROM installment",
    )
    .await;
    let outstanding = scalar(
        store,
        "SELECT CAST(SUM(principal_outstanding) AS BIGINT) FROM loan",
    )
    .await;
    assert_eq!(
        unpaid_rows, outstanding,
        "{backend}: installments carry the principal outstanding"
    );
}

#[tokio::test]
async fn a_settlement_closes_the_loan_once_and_end_of_day_carries_on() {
    for (backend, store, _dir) in stores().await {
        seasoned(&store).await;
        let products = ProductRules::default();
        let date = d(2026, 3, 16);
        let quote = store
            .settlement_quote(&manager(), "CL00000001", date, &policy(), &products)
            .await
            .unwrap();
        assert!(
            quote.penalty.is_positive(),
            "{backend}: period 2 is overdue"
        );
        assert_eq!(quote.total, quote.gross() - quote.credit);

        let overpaid = quote.total + Fen::from_yuan(1);
        let posted = settle_as(&store, manager(), posting("S1", date, overpaid))
            .await
            .unwrap();
        assert!(!posted.replayed);
        assert_eq!(posted.principal, quote.principal);
        assert_eq!(posted.to_credit, Fen::from_yuan(1));
        let overview = store.loan_overview("CL00000001").await.unwrap().unwrap();
        assert_eq!(overview.status, "paid_off", "{backend}");
        assert_eq!(overview.principal_outstanding, Fen::ZERO);
        assert_eq!(overview.credit, Fen::from_yuan(1));
        assert_money_conserved(&store, &backend).await;

        // The same reference again posts nothing; with another amount it is refused.
        let n_allocations = scalar(&store, "SELECT COUNT(*) FROM allocation").await;
        let again = settle_as(&store, manager(), posting("S1", date, overpaid))
            .await
            .unwrap();
        assert!(again.replayed, "{backend}");
        assert_eq!(again.id, posted.id);
        assert_eq!(
            scalar(&store, "SELECT COUNT(*) FROM allocation").await,
            n_allocations
        );
        let clash = settle_as(&store, manager(), posting("S1", date, quote.total)).await;
        assert!(
            matches!(
                clash,
                Err(StoreError::Conflict {
                    field: "reference",
                    ..
                })
            ),
            "{backend}: {clash:?}"
        );
        let closed = settle_as(&store, manager(), posting("S2", date, quote.total)).await;
        assert!(
            matches!(closed, Err(StoreError::Conflict { field: "loan", .. })),
            "{backend}: {closed:?}"
        );

        // End-of-day closes the date with the loan out of the portfolio.
        close_through(&store, d(2026, 3, 17)).await;
        let day = store
            .portfolio_on(date, &policy().buckets)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(day.summary.loans(), 0, "{backend}");
        assert_eq!(day.summary.principal_outstanding(), Fen::ZERO);
        assert_money_conserved(&store, &backend).await;
        assert_eq!(
            scalar(
                &store,
                "SELECT COUNT(*) FROM journal WHERE kind = 'settled_early'"
            )
            .await,
            1
        );
        assert!(store.verify_audit().await.unwrap().broken.is_none());
    }
}

#[tokio::test]
async fn a_prepayment_rebuilds_the_schedule_and_the_portfolio_follows() {
    for (backend, store, _dir) in stores().await {
        seasoned(&store).await;
        let date = d(2026, 3, 16);
        let posted = store
            .post_prepayment(
                &manager(),
                &posting("PP1", date, Fen::from_yuan(20_000)),
                PrepaymentMode::ReduceInstallment,
                &policy(),
                &ProductRules::default(),
                chrono::DateTime::UNIX_EPOCH,
                "ev1",
            )
            .await
            .unwrap();
        assert_eq!(posted.kind, "prepayment");
        assert_money_conserved(&store, &backend).await;
        let overview = store.loan_overview("CL00000001").await.unwrap().unwrap();
        assert_eq!(overview.status, "active");
        assert_eq!(overview.dpd, 0, "{backend}: the arrears were paid first");
        let n_rows = scalar(&store, "SELECT COUNT(*) FROM installment").await;
        assert_eq!(n_rows, 36, "{backend}: the maturity is kept");

        close_through(&store, d(2026, 3, 17)).await;
        let day = store
            .portfolio_on(date, &policy().buckets)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            day.summary.principal_outstanding(),
            overview.principal_outstanding,
            "{backend}: the portfolio carries the prepaid loan's principal"
        );
        assert_money_conserved(&store, &backend).await;
    }
}

#[tokio::test]
async fn postings_for_the_wrong_date_short_amounts_and_unseen_loans_are_refused() {
    for (backend, store, _dir) in stores().await {
        seasoned(&store).await;
        let post = |reference: &'static str, date: NaiveDate, amount: Fen, access: Access| {
            let store = store.clone();
            async move { settle_as(&store, access, posting(reference, date, amount)).await }
        };
        let field = |result: Result<_, StoreError>| match result {
            Err(StoreError::Invalid { field, .. }) => field,
            other => panic!("{backend}: expected a refusal, got {other:?}"),
        };
        assert_eq!(
            field(post("A", d(2026, 3, 15), Fen::from_yuan(1), manager()).await),
            "date"
        );
        assert_eq!(
            field(post("B", d(2026, 3, 20), Fen::from_yuan(1), manager()).await),
            "date"
        );
        assert_eq!(
            field(post("C", d(2026, 3, 16), Fen::from_yuan(1), manager()).await),
            "amount"
        );
        assert_eq!(
            field(post("", d(2026, 3, 16), Fen::from_yuan(1), manager()).await),
            "reference"
        );
        assert_eq!(
            field(post("P1", d(2026, 3, 16), Fen::ZERO, manager()).await),
            "amount"
        );
        let reused = post("P1", d(2026, 3, 16), Fen::from_yuan(1), manager()).await;
        assert!(matches!(
            reused,
            Err(StoreError::Conflict {
                field: "reference",
                ..
            })
        ));
        let collector = Access {
            username: "collector1".into(),
            role: Role::Collector,
            agency: None,
        };
        let unseen = post("D", d(2026, 3, 16), Fen::from_yuan(200_000), collector).await;
        assert!(
            matches!(unseen, Err(StoreError::NotFound { .. })),
            "{backend}"
        );
        assert_eq!(scalar(&store, "SELECT COUNT(*) FROM settlement").await, 0);
    }
}
