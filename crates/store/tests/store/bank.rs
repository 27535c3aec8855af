//! Posting bank records: once per key, all-or-nothing, every problem named.

use recoup_core::delinquency::BucketScheme;
use recoup_core::Fen;
use recoup_store::StoreError;

use crate::fixtures::*;

#[tokio::test]
async fn a_payment_is_posted_once_however_often_the_file_is_imported() {
    for (backend, store, _dir) in stores().await {
        store
            .book_loans(
                &[loan(1, 100_000, d(2026, 1, 5))],
                &BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        let records = vec![
            payment("P1", "CL00000001", d(2026, 2, 10), Fen::from_yuan(3_000)),
            failure("F1", "CL00000001", d(2026, 2, 10), Fen::from_yuan(3_100)),
        ];
        let first = store
            .post_bank_records(&records, RECORDED_AT)
            .await
            .unwrap();
        assert_eq!(
            (
                first.payments_posted,
                first.failures_recorded,
                first.duplicates
            ),
            (1, 1, 0),
            "{backend}"
        );
        let before = dump(&store).await;
        for _ in 0..3 {
            let again = store
                .post_bank_records(&records, RECORDED_AT)
                .await
                .unwrap();
            assert_eq!(
                (
                    again.payments_posted,
                    again.failures_recorded,
                    again.duplicates
                ),
                (0, 0, 2),
                "{backend}"
            );
        }
        assert_same(&dump(&store).await, &before, &backend);
    }
}

#[tokio::test]
async fn bad_records_reject_the_whole_batch_naming_each_problem() {
    for (backend, store, _dir) in stores().await {
        store
            .book_loans(
                &[loan(1, 100_000, d(2026, 1, 5))],
                &BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        store
            .post_bank_records(
                &[payment(
                    "P1",
                    "CL00000001",
                    d(2026, 2, 10),
                    Fen::from_yuan(3_000),
                )],
                RECORDED_AT,
            )
            .await
            .unwrap();
        let before = dump(&store).await;
        let records = vec![
            payment("P2", "CL00000001", d(2026, 2, 11), Fen::from_yuan(10)),
            payment("P3", "NO-SUCH-LOAN", d(2026, 2, 11), Fen::from_yuan(10)),
            payment("P1", "CL00000001", d(2026, 2, 10), Fen::from_yuan(2_999)),
            payment("P4", "CL00000001", d(2025, 12, 31), Fen::from_yuan(10)),
            payment("P2", "CL00000001", d(2026, 2, 11), Fen::from_yuan(10)),
        ];
        let err = store
            .post_bank_records(&records, RECORDED_AT)
            .await
            .unwrap_err();
        let StoreError::RecordsRejected(problems) = err else {
            panic!("{backend}: {err:?}")
        };
        let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.index, p.field)).collect();
        assert_eq!(
            found,
            vec![(1, "loan_no"), (2, "key"), (3, "date"), (4, "key")],
            "{backend}: {problems:?}"
        );
        assert_same(&dump(&store).await, &before, &backend);
    }
}

#[tokio::test]
async fn the_amount_owed_includes_what_falls_due_that_day() {
    for (backend, store, _dir) in stores().await {
        let booked = loan(1, 100_000, d(2026, 1, 5));
        let first_payment = {
            let schedule = recoup_core::schedule::build_schedule(&booked.terms);
            schedule[0].payment()
        };
        store
            .book_loans(&[booked], &BucketScheme::default(), RECORDED_AT)
            .await
            .unwrap();
        let owed = store
            .amounts_owed(d(2026, 2, 10), &["CL00000001", "MISSING"])
            .await
            .unwrap();
        assert_eq!(owed.get("CL00000001"), Some(&first_payment), "{backend}");
        assert_eq!(owed.len(), 1, "{backend}");
        let owed_before = store
            .amounts_owed(d(2026, 2, 9), &["CL00000001"])
            .await
            .unwrap();
        assert_eq!(owed_before.get("CL00000001"), Some(&Fen::ZERO), "{backend}");
    }
}
