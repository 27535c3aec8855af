//! End-of-day through the store: agrees with the pure core, is idempotent, resumes after a
//! crash to exactly the state of one clean run, and keeps month-end history for roll rates.

use chrono::NaiveDate;
use recoup_core::book::BankRecord;
use recoup_core::delinquency::BucketScheme;
use recoup_core::schedule::build_schedule;
use recoup_core::servicing::{close_day, InstallmentState, LoanState, PaymentToAllocate};
use recoup_core::Fen;
use recoup_store::{EodObserver, EodOptions, Quiet, Store, StoreError};

use crate::fixtures::*;

async fn run_days(store: &Store, from: NaiveDate, to: NaiveDate, options: &EodOptions) {
    let mut date = from;
    while date <= to {
        store
            .close_business_date(date, &policy(), options, &Quiet, RECORDED_AT)
            .await
            .unwrap();
        date = date.succ_opt().unwrap();
    }
}

/// A small book: loan 1 pays on time, loan 2 misses two installments then pays everything,
/// loan 3 never pays, loans 4.. pay on time.
async fn small_book(store: &Store, n_loans: u32) -> Vec<BankRecord> {
    let loans: Vec<_> = (1..=n_loans)
        .map(|i| loan(i, 60_000 + i64::from(i) * 1_000, d(2026, 1, 5)))
        .collect();
    store
        .book_loans(&loans, &BucketScheme::default(), RECORDED_AT)
        .await
        .unwrap();
    let mut records = Vec::new();
    for booked in &loans {
        let schedule = build_schedule(&booked.terms);
        let seq: u32 = booked.loan_no[2..].parse().unwrap();
        match seq {
            2 => records.push(payment(
                "L2-catch-up",
                &booked.loan_no,
                d(2026, 4, 20),
                Fen::from_yuan(6_400),
            )),
            3 => {}
            _ => {
                for row in schedule.iter().take(5) {
                    records.push(payment(
                        &format!("{}-{}", booked.loan_no, row.period),
                        &booked.loan_no,
                        row.due_date,
                        row.payment(),
                    ));
                }
            }
        }
    }
    store
        .post_bank_records(&records, RECORDED_AT)
        .await
        .unwrap();
    records
}

#[tokio::test]
async fn end_of_day_in_the_store_agrees_with_the_pure_core() {
    for (backend, store, _dir) in stores().await {
        let booked = loan(2, 62_000, d(2026, 1, 5));
        store
            .book_loans(
                std::slice::from_ref(&booked),
                &BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        let pay_on = d(2026, 4, 20);
        store
            .post_bank_records(
                &[payment("X", &booked.loan_no, pay_on, Fen::from_yuan(6_400))],
                RECORDED_AT,
            )
            .await
            .unwrap();
        run_days(
            &store,
            d(2026, 1, 6),
            d(2026, 5, 31),
            &EodOptions::default(),
        )
        .await;

        let schedule = build_schedule(&booked.terms);
        let mut state = LoanState::booked(booked.terms.annual_rate(), &schedule);
        let mut installments: Vec<InstallmentState> = schedule
            .iter()
            .map(InstallmentState::from_schedule)
            .collect();
        let mut events = Vec::new();
        let mut date = d(2026, 1, 6);
        while date <= d(2026, 5, 31) {
            let payments = if date == pay_on {
                vec![PaymentToAllocate {
                    payment_id: 1,
                    amount: Fen::from_yuan(6_400),
                }]
            } else {
                vec![]
            };
            close_day(
                &mut state,
                &mut installments,
                &payments,
                date,
                &policy(),
                &mut events,
            )
            .unwrap();
            date = date.succ_opt().unwrap();
        }
        let overview = store.loan_overview(&booked.loan_no).await.unwrap().unwrap();
        assert_eq!(overview.dpd, i64::from(state.dpd), "{backend}");
        assert_eq!(
            overview.principal_outstanding, state.principal_outstanding,
            "{backend}"
        );
        assert_eq!(overview.total_arrears, state.total_arrears(), "{backend}");
        assert_eq!(overview.credit, state.credit, "{backend}");
        assert!(
            state.dpd > 0 && state.penalty_accrued_total.is_positive(),
            "{backend}: the scenario should be delinquent"
        );
    }
}

#[tokio::test]
async fn closing_a_business_date_twice_changes_nothing() {
    for (backend, store, _dir) in stores().await {
        small_book(&store, 10).await;
        run_days(
            &store,
            d(2026, 1, 6),
            d(2026, 3, 15),
            &EodOptions::default(),
        )
        .await;
        let before = dump(&store).await;
        let report = store
            .close_business_date(
                d(2026, 3, 15),
                &policy(),
                &EodOptions::default(),
                &Quiet,
                RECORDED_AT,
            )
            .await
            .unwrap();
        assert!(report.already_closed, "{backend}");
        let reports = store
            .run_eod_through(
                d(2026, 3, 15),
                &policy(),
                &EodOptions::default(),
                &Quiet,
                RECORDED_AT,
            )
            .await
            .unwrap();
        assert!(reports.is_empty(), "{backend}");
        assert_same(&dump(&store).await, &before, &backend);
    }
}

#[tokio::test]
async fn dates_are_closed_in_order_and_never_out_of_order() {
    for (backend, store, _dir) in stores().await {
        small_book(&store, 3).await;
        let dates = store.dates_to_close(d(2026, 1, 9)).await.unwrap();
        assert_eq!(
            dates,
            vec![d(2026, 1, 6), d(2026, 1, 7), d(2026, 1, 8), d(2026, 1, 9)],
            "{backend}"
        );
        store
            .run_eod_through(
                d(2026, 1, 9),
                &policy(),
                &EodOptions::default(),
                &Quiet,
                RECORDED_AT,
            )
            .await
            .unwrap();
        assert_eq!(
            store.last_closed_date().await.unwrap(),
            Some(d(2026, 1, 9)),
            "{backend}"
        );
        let again = store
            .close_business_date(
                d(2026, 1, 7),
                &policy(),
                &EodOptions::default(),
                &Quiet,
                RECORDED_AT,
            )
            .await
            .unwrap();
        assert!(again.already_closed, "{backend}");
        let err = store
            .close_business_date(
                d(2026, 1, 12),
                &policy(),
                &EodOptions::default(),
                &Quiet,
                RECORDED_AT,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::EodRefused { ref reason, .. } if reason.contains("2026-01-10")),
            "{backend}: {err}"
        );
    }
}

/// Panics after `n` chunks have committed: an in-process stand-in for a crash mid-run.
struct CrashAfter(std::sync::atomic::AtomicU32);

impl EodObserver for CrashAfter {
    fn loans_done(&self, _loans: u64) {
        if self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            panic!("simulated crash");
        }
    }
}

#[tokio::test]
async fn a_run_interrupted_mid_way_and_rerun_equals_one_clean_run() {
    for (backend, clean, _d1) in stores().await {
        let (_, crashed, _d2) = stores()
            .await
            .into_iter()
            .find(|(b, _, _)| *b == backend)
            .unwrap();
        let options = EodOptions { chunk_size: 3 };
        for store in [&clean, &crashed] {
            small_book(store, 20).await;
            run_days(store, d(2026, 1, 6), d(2026, 4, 9), &options).await;
        }
        // Every loan falls due on the 10th, so the run has several chunks to crash between.
        let date = d(2026, 4, 10);
        clean
            .close_business_date(date, &policy(), &options, &Quiet, RECORDED_AT)
            .await
            .unwrap();

        let crashing = crashed.clone();
        let outcome = tokio::spawn(async move {
            let observer = CrashAfter(std::sync::atomic::AtomicU32::new(1));
            crashing
                .close_business_date(date, &policy(), &options, &observer, RECORDED_AT)
                .await
        })
        .await;
        assert!(outcome.is_err(), "{backend}: the run should have crashed");
        assert_eq!(
            crashed.last_closed_date().await.unwrap(),
            Some(d(2026, 4, 9)),
            "{backend}"
        );
        let rerun = crashed
            .close_business_date(date, &policy(), &options, &Quiet, RECORDED_AT)
            .await
            .unwrap();
        assert!(
            !rerun.already_closed && rerun.loans_processed > 0,
            "{backend}"
        );
        assert_same(&dump(&crashed).await, &dump(&clean).await, &backend);
    }
}

#[tokio::test]
async fn month_ends_keep_snapshots_for_roll_rates_and_the_portfolio_for_each_date() {
    for (backend, store, _dir) in stores().await {
        small_book(&store, 10).await;
        run_days(
            &store,
            d(2026, 1, 6),
            d(2026, 3, 31),
            &EodOptions::default(),
        )
        .await;
        let day = store
            .portfolio_on(d(2026, 3, 31), &BucketScheme::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(day.summary.loans(), 10, "{backend}");
        // Loans 2 and 3 missed 10 Feb and 10 Mar: 49 DPD on 31 Mar, bucket M2.
        assert_eq!(
            day.summary.by_bucket[2].loans, 2,
            "{backend}: {:?}",
            day.summary.by_bucket
        );
        let matrix = day.roll_rates.expect("February and March are closed");
        assert_eq!(
            (matrix.from_month.as_str(), matrix.to_month.as_str()),
            ("2026-02", "2026-03"),
            "{backend}"
        );
        // On 28 Feb loans 2 and 3 were M1 (18 DPD); both rolled to M2.
        assert_eq!(matrix.counts[1][2], 2, "{backend}: {:?}", matrix.counts);
        assert_eq!(matrix.counts[0][0], 8, "{backend}");
        assert!(
            store
                .portfolio_on(d(2026, 4, 1), &BucketScheme::default())
                .await
                .unwrap()
                .is_none(),
            "{backend}"
        );
    }
}

/// The whole book counted the slow way, for checking the incremental figures.
async fn counted_the_slow_way(store: &Store, date: NaiveDate) -> Vec<(String, i64, i64, i64)> {
    use sqlx::Row;
    let sql = "SELECT bucket, COUNT(*), CAST(SUM(principal_outstanding) AS BIGINT), \
               CAST(SUM(arrears_principal + arrears_interest + fees_balance + penalty_balance) AS BIGINT) \
               FROM loan WHERE status = 'active' AND disbursement_date <= $1 GROUP BY bucket ORDER BY bucket";
    let sql = if store.backend() == recoup_store::Backend::Sqlite {
        sql.replace("$1", "?")
    } else {
        sql.to_string()
    };
    sqlx::query(&sql)
        .bind(date.to_string())
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get::<String, _>(0),
                r.get::<i64, _>(1),
                r.get::<i64, _>(2),
                r.get::<i64, _>(3),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_daily_portfolio_figures_equal_a_full_count_of_the_book() {
    for (backend, store, _dir) in stores().await {
        small_book(&store, 12).await;
        run_days(
            &store,
            d(2026, 1, 6),
            d(2026, 4, 15),
            &EodOptions { chunk_size: 4 },
        )
        .await;
        // A loan booked late with an earlier disbursement date enters the figures when booked.
        store
            .book_loans(
                &[loan(40, 90_000, d(2026, 2, 1))],
                &BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        run_days(
            &store,
            d(2026, 4, 16),
            d(2026, 5, 20),
            &EodOptions { chunk_size: 4 },
        )
        .await;
        for date in [d(2026, 4, 15), d(2026, 5, 20)] {
            let day = store
                .portfolio_on(date, &BucketScheme::default())
                .await
                .unwrap()
                .unwrap();
            let mut incremental: Vec<(String, i64, i64, i64)> = day
                .summary
                .by_bucket
                .iter()
                .enumerate()
                .filter(|(_, line)| line.loans > 0)
                .map(|(idx, line)| {
                    (
                        day.summary.buckets.label(idx as u8).to_string(),
                        line.loans as i64,
                        line.principal_outstanding.get(),
                        line.arrears.get(),
                    )
                })
                .collect();
            incremental.sort();
            if date == d(2026, 5, 20) {
                assert_eq!(
                    counted_the_slow_way(&store, date).await,
                    incremental,
                    "{backend} on {date}"
                );
                assert_eq!(day.summary.loans(), 13, "{backend}");
            } else {
                assert_eq!(day.summary.loans(), 12, "{backend}");
            }
        }
    }
}
