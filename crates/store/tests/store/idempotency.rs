//! Property: however bank files are split, repeated and re-imported, and however often
//! end-of-day is rerun, the book ends exactly as if each record had been imported once and each
//! date closed once.

use proptest::prelude::*;
use recoup_core::delinquency::BucketScheme;
use recoup_core::Fen;
use recoup_store::{EodOptions, Quiet, Store};

use crate::fixtures::*;

fn records(raw: &[(u8, u8, u32, bool)]) -> Vec<recoup_core::book::BankRecord> {
    raw.iter()
        .enumerate()
        .map(|(idx, (loan_idx, day, yuan, failed))| {
            let loan_no = format!("CL{:08}", 1 + u32::from(*loan_idx % 3));
            let date = d(2026, 1, 10) + chrono::Days::new(u64::from(*day));
            let amount = Fen::from_yuan(i64::from(*yuan));
            if *failed {
                failure(&format!("K{idx}"), &loan_no, date, amount)
            } else {
                payment(&format!("K{idx}"), &loan_no, date, amount)
            }
        })
        .collect()
}

async fn fresh_book() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("p.db").display()))
        .await
        .unwrap();
    let loans: Vec<_> = (1..=3).map(|i| loan(i, 30_000, d(2026, 1, 5))).collect();
    store
        .book_loans(&loans, &BucketScheme::default(), RECORDED_AT)
        .await
        .unwrap();
    (store, dir)
}

async fn close_through(store: &Store, to: chrono::NaiveDate) {
    store
        .run_eod_through(
            to,
            &policy(),
            &EodOptions { chunk_size: 2 },
            &Quiet,
            RECORDED_AT,
        )
        .await
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn imports_and_end_of_day_are_idempotent(
        raw in proptest::collection::vec((0u8..3, 0u8..120, 1u32..6_000, any::<bool>()), 1..25),
        splits in proptest::collection::vec((0usize..25, 0usize..25), 1..6),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let all = records(&raw);
            let end = d(2026, 5, 31);

            let (once, _d1) = fresh_book().await;
            once.post_bank_records(&all, RECORDED_AT).await.unwrap();
            close_through(&once, end).await;

            let (repeated, _d2) = fresh_book().await;
            for (a, b) in &splits {
                let (lo, hi) = ((*a).min(*b).min(all.len()), (*a).max(*b).min(all.len()));
                repeated.post_bank_records(&all[lo..hi], RECORDED_AT).await.unwrap();
            }
            repeated.post_bank_records(&all, RECORDED_AT).await.unwrap();
            repeated.post_bank_records(&all, RECORDED_AT).await.unwrap();
            close_through(&repeated, end).await;
            close_through(&repeated, end).await;
            repeated.post_bank_records(&all, RECORDED_AT).await.unwrap();
            close_through(&repeated, end).await;

            assert_same(&dump_by_key(&repeated).await, &dump_by_key(&once).await, "idempotency");
        });
    }
}
