//! Early settlement and prepayment over HTTP: the quote, posting once, the loan closed, roles
//! checked on the server, and bad input answered with the field at fault.

use std::sync::Arc;

use recoup_server::ServerConfig;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::book::{d, overdue_book, policy};
use crate::helpers::{assert_count, get, post, spawn_apps_with, TestApp};

/// Apps whose ledger policy is the book's (so quotes step loans forward as its EOD did).
async fn apps() -> Vec<TestApp> {
    spawn_apps_with(|mut state, _| {
        state.config = Arc::new(ServerConfig {
            ledger: policy(),
            ..(*state.config).clone()
        });
        state
    })
    .await
}

fn yuan(value: &Value) -> i64 {
    recoup_core::Fen::parse_yuan(value.as_str().unwrap())
        .unwrap()
        .get()
}

const QUOTE: &str = "/api/v1/loans/CL00000001/settlement-quote?date=2026-04-21";
const SETTLE: &str = "/api/v1/loans/CL00000001/settlement";

#[tokio::test]
async fn a_quoted_settlement_closes_the_loan_once() {
    for app in apps().await {
        overdue_book(&app, 1, d(2026, 4, 20), "collector1").await;
        let collector = app.login("collector1").await;
        let (status, quote) = get(&app, QUOTE, &collector).await;
        assert_eq!(status, StatusCode::OK, "{}: {quote}", app.backend);
        let parts: i64 = [
            "principal",
            "overdue_interest",
            "accrued_interest",
            "penalty",
            "fees",
            "settlement_fee",
        ]
        .iter()
        .map(|key| yuan(&quote[*key]))
        .sum();
        assert_eq!(yuan(&quote["total"]), parts - yuan(&quote["credit"]));
        assert_eq!(quote["principal"], "60000.00", "nothing was ever paid");
        assert!(yuan(&quote["penalty"]) > 0 && yuan(&quote["fees"]) > 0);

        // Collectors see quotes but do not post money.
        let body = json!({"amount": quote["total"], "reference": "BANK-001", "date": "2026-04-21"});
        let (status, _) = post(&app, SETTLE, &collector, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let manager = app.login("manager").await;
        let (status, posted) = post(&app, SETTLE, &manager, body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {posted}", app.backend);
        assert_eq!(posted["kind"], "settlement");
        assert_eq!(posted["replayed"], false);
        let (status, again) = post(&app, SETTLE, &manager, body).await;
        assert_eq!((status, &again["replayed"]), (StatusCode::OK, &json!(true)));
        assert_eq!(again["id"], posted["id"]);

        assert_count(
            &app,
            "SELECT COUNT(*) FROM loan WHERE status = 'paid_off' AND principal_outstanding = 0",
            1,
        )
        .await;
        assert_count(&app, "SELECT COUNT(*) FROM settlement", 1).await;
        assert_count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'settlement_posted' AND actor = 'manager'",
            1,
        )
        .await;
        let (status, list) = get(&app, "/api/v1/loans/CL00000001/settlements", &collector).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().map(Vec::len), Some(1));

        // A closed loan has no quote and takes no other settlement.
        let (status, body) = get(&app, QUOTE, &manager).await;
        assert_eq!(
            (status, &body["field"]),
            (StatusCode::CONFLICT, &json!("loan"))
        );
        let (status, body) = post(
            &app,
            SETTLE,
            &manager,
            json!({"amount": "100.00", "reference": "BANK-002", "date": "2026-04-21"}),
        )
        .await;
        assert_eq!(
            (status, &body["field"]),
            (StatusCode::CONFLICT, &json!("loan"))
        );
    }
}

#[tokio::test]
async fn a_prepayment_rebuilds_the_schedule() {
    for app in apps().await {
        overdue_book(&app, 1, d(2026, 4, 20), "collector1").await;
        let manager = app.login("manager").await;
        let (status, posted) = post(
            &app,
            "/api/v1/loans/CL00000001/prepayment",
            &manager,
            json!({"amount": "40000.00", "reference": "BANK-010", "date": "2026-04-21",
                   "mode": "shorten_term"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {posted}", app.backend);
        assert_eq!(posted["mode"], "shorten_term");
        assert_count(
            &app,
            "SELECT COUNT(*) FROM loan WHERE status = 'active' AND dpd = 0 AND term_months < 12",
            1,
        )
        .await;
    }
}

#[tokio::test]
async fn bad_settlement_input_names_the_field() {
    for app in apps().await {
        overdue_book(&app, 1, d(2026, 4, 20), "collector1").await;
        let manager = app.login("manager").await;
        let (_, quote) = get(&app, QUOTE, &manager).await;
        let short = recoup_core::Fen::new(yuan(&quote["total"]) - 1).to_yuan_string();
        let cases: [(&str, &str, Value, StatusCode, &str); 10] = [
            (
                "bad loan number",
                "/api/v1/loans/NO-SUCH/settlement",
                json!({"amount": "1.00", "reference": "R1"}),
                StatusCode::NOT_FOUND,
                "",
            ),
            (
                "bad date",
                SETTLE,
                json!({"amount": "1.00", "reference": "R1", "date": "2026-13-01"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "date",
            ),
            (
                "a date after today",
                SETTLE,
                json!({"amount": "1.00", "reference": "R1", "date": "2030-01-01"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "date",
            ),
            (
                "a closed date",
                SETTLE,
                json!({"amount": "1.00", "reference": "R1", "date": "2026-04-20"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "date",
            ),
            (
                "a negative amount",
                SETTLE,
                json!({"amount": "-5.00", "reference": "R1", "date": "2026-04-21"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount",
            ),
            (
                "a zero amount",
                SETTLE,
                json!({"amount": "0", "reference": "R1", "date": "2026-04-21"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount",
            ),
            (
                "not an amount",
                SETTLE,
                json!({"amount": "12.345", "reference": "R1", "date": "2026-04-21"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount",
            ),
            (
                "an amount below the quote",
                SETTLE,
                json!({"amount": short, "reference": "R1", "date": "2026-04-21"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "amount",
            ),
            (
                "no reference",
                SETTLE,
                json!({"amount": "1.00", "reference": " ", "date": "2026-04-21"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "reference",
            ),
            (
                "an unknown mode",
                "/api/v1/loans/CL00000001/prepayment",
                json!({"amount": "1.00", "reference": "R1", "date": "2026-04-21", "mode": "faster"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "mode",
            ),
        ];
        for (description, path, body, expected, field) in cases {
            let (status, answer) = post(&app, path, &manager, body).await;
            assert_eq!(status, expected, "{}: {description}: {answer}", app.backend);
            if !field.is_empty() {
                assert_eq!(answer["field"], field, "{description}: {answer}");
            }
        }
        let (status, body) = get(
            &app,
            "/api/v1/loans/CL00000001/settlement-quote?date=yesterday",
            &manager,
        )
        .await;
        assert_eq!(
            (status, &body["field"]),
            (StatusCode::UNPROCESSABLE_ENTITY, &json!("date"))
        );
        let (status, _) = get(&app, "/api/v1/loans/NO-SUCH/settlement-quote", &manager).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A collector sees only the cases assigned to them.
        let other = app.login("collector2").await;
        let (status, _) = get(&app, QUOTE, &other).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.backend);
        assert_count(&app, "SELECT COUNT(*) FROM settlement", 0).await;
    }
}
