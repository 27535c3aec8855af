//! Booking loans: all-or-nothing, idempotent re-import, conflicts refused.

use recoup_core::delinquency::BucketScheme;
use recoup_store::StoreError;

use crate::fixtures::*;

#[tokio::test]
async fn booking_the_same_tape_twice_books_once() {
    for (backend, store, _dir) in stores().await {
        let loans: Vec<_> = (1..=50).map(|i| loan(i, 100_000, d(2026, 1, 5))).collect();
        let first = store
            .book_loans(&loans, &BucketScheme::default(), RECORDED_AT)
            .await
            .unwrap();
        assert_eq!((first.booked, first.unchanged), (50, 0), "{backend}");
        let before = dump(&store).await;
        let second = store
            .book_loans(&loans, &BucketScheme::default(), RECORDED_AT)
            .await
            .unwrap();
        assert_eq!((second.booked, second.unchanged), (0, 50), "{backend}");
        assert_same(&dump(&store).await, &before, &backend);
    }
}

#[tokio::test]
async fn a_changed_contract_is_refused_and_nothing_from_the_batch_is_written() {
    for (backend, store, _dir) in stores().await {
        store
            .book_loans(
                &[loan(1, 100_000, d(2026, 1, 5))],
                &BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        let before = dump(&store).await;
        let batch = vec![
            loan(2, 50_000, d(2026, 1, 5)),
            loan(1, 120_000, d(2026, 1, 5)),
        ];
        let err = store
            .book_loans(&batch, &BucketScheme::default(), RECORDED_AT)
            .await
            .unwrap_err();
        match err {
            StoreError::LoanConflict { loan_no, message } => {
                assert_eq!(loan_no, "CL00000001", "{backend}");
                assert!(message.contains("principal"), "{backend}: {message}");
            }
            other => panic!("{backend}: unexpected {other:?}"),
        }
        assert_same(&dump(&store).await, &before, &backend);
    }
}

#[tokio::test]
async fn a_vin_already_pledged_to_an_active_loan_is_refused() {
    for (backend, store, _dir) in stores().await {
        store
            .book_loans(
                &[loan(1, 100_000, d(2026, 1, 5))],
                &BucketScheme::default(),
                RECORDED_AT,
            )
            .await
            .unwrap();
        let mut second = loan(2, 80_000, d(2026, 2, 5));
        second.vehicle.vin = loan(1, 1, d(2026, 1, 5)).vehicle.vin;
        let err = store
            .book_loans(&[second], &BucketScheme::default(), RECORDED_AT)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::LoanConflict { ref message, .. } if message.contains("pledged")),
            "{backend}: {err}"
        );
    }
}

/// Regression: sqlx's `Any` driver sent a NULL double to PostgreSQL as float4, so a batch whose
/// first borrower had no work location failed once a later one had. Coordinates are now stored
/// as integer micro-degrees.
#[tokio::test]
async fn borrowers_with_and_without_work_locations_book_in_one_batch() {
    use recoup_core::book::{Address, GeoPoint};
    use sqlx::Row;
    for (backend, store, _dir) in stores().await {
        let loans: Vec<_> = (1..=6)
            .map(|i| {
                let mut booked = loan(i, 50_000, d(2026, 1, 5));
                if i % 2 == 0 {
                    booked.borrower.work = Some(Address {
                        text: "上海市浦东新区世纪大道100号".into(),
                        location: Some(GeoPoint::new(31.2397, 121.4998).unwrap()),
                    });
                }
                booked
            })
            .collect();
        store
            .book_loans(&loans, &BucketScheme::default(), RECORDED_AT)
            .await
            .unwrap();
        let row = sqlx::query("SELECT work_lat_e6, work_lng_e6 FROM borrower WHERE work_lat_e6 IS NOT NULL ORDER BY id")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            (row.get::<i64, _>(0), row.get::<i64, _>(1)),
            (31_239_700, 121_499_800),
            "{backend}"
        );
    }
}
