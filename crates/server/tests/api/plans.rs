//! Plans and waivers over HTTP: request → approve → the ledger changed with journal and audit
//! rows; self-approval and over-limit approval refused; the inbox; a broken plan reverting at
//! end-of-day; bad input naming the field.

use recoup_core::Fen;
use recoup_store::{EodOptions, PlanSettings, Quiet};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::book::{d, loan_summary, overdue_book, policy, RECORDED_AT};
use crate::helpers::{spawn_apps, status_and_json, t0, TestApp};

async fn post(app: &TestApp, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let session = app.login(who).await;
    status_and_json(
        app.call(Method::POST, path, Some(&session), Some(body))
            .await,
    )
    .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_approved_arrears_plan_cures_the_loan_with_journal_and_audit_rows_naming_the_approver() {
    for app in spawn_apps().await {
        let cases = overdue_book(&app, 1, d(2026, 4, 20), "collector1").await;
        let case = cases[0];
        let (arrears, _, _, dpd, _) = loan_summary(&app, case).await;
        assert!(arrears > 0 && dpd == 69, "{}: {arrears} {dpd}", app.backend);

        let (status, request) = post(
            &app,
            "collector1",
            &format!("/api/v1/cases/{case}/plans"),
            json!({"kind": "arrears_installments", "months": 3, "reason": "失业三个月，已找到新工作"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {request}", app.backend);
        assert_eq!(request["status"], "pending");
        let id = request["id"].as_i64().unwrap();

        let manager = app.login("manager").await;
        let (status, inbox) = status_and_json(app.get("/api/v1/approvals", &manager).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");

        let (status, decided) = post(
            &app,
            "manager",
            &format!("/api/v1/approvals/{id}/approve"),
            json!({"comment": "同意"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {decided}", app.backend);
        assert_eq!(decided["status"], "active");
        assert_eq!(decided["decided_by"], "manager");

        let (arrears_after, _, _, dpd_after, _) = loan_summary(&app, case).await;
        assert_eq!((arrears_after, dpd_after), (0, 0), "{}", app.backend);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM journal WHERE kind = 'plan_applied' AND detail LIKE '%approved_by=manager%'").await,
            1
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'approval_granted' AND actor = 'manager'").await,
            1
        );
        // Decided once: a second decision conflicts.
        let (status, body) = post(
            &app,
            "admin",
            &format!("/api/v1/approvals/{id}/reject"),
            json!({"comment": "晚了"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["field"], "status");
        // A second plan on the same loan while this one is in force conflicts.
        let (status, body) = post(
            &app,
            "collector1",
            &format!("/api/v1/cases/{case}/plans"),
            json!({"kind": "deferral", "months": 1, "reason": "again"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
}

#[tokio::test]
async fn a_waiver_reduces_only_penalty_and_fees_and_the_requester_cannot_approve_it() {
    for app in spawn_apps().await {
        let case = overdue_book(&app, 1, d(2026, 4, 20), "manager").await[0];
        let (arrears, fees, penalty, _, _) = loan_summary(&app, case).await;
        assert!(fees > 0 && penalty > 0);
        // The case file shows what a waiver can forgive, and the arrears that include it.
        let manager = app.login("manager").await;
        let file_loan = |file: &Value| {
            let loan = &file["loans"][0];
            (
                loan["arrears_fen"].as_i64().unwrap(),
                loan["fees_fen"].as_i64().unwrap(),
                loan["penalty_fen"].as_i64().unwrap(),
            )
        };
        let (_, before) =
            status_and_json(app.get(&format!("/api/v1/cases/{case}"), &manager).await).await;
        assert_eq!(
            file_loan(&before),
            (arrears + fees + penalty, fees, penalty)
        );
        let (status, request) = post(
            &app,
            "manager",
            &format!("/api/v1/cases/{case}/waivers"),
            json!({"penalty": Fen::new(penalty).to_yuan_string(), "fees": "50.00", "reason": "配合还款"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{request}");
        let id = request["id"].as_i64().unwrap();
        let (status, body) = post(
            &app,
            "manager",
            &format!("/api/v1/approvals/{id}/approve"),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["message"].as_str().unwrap().contains("own request"));
        let (status, body) = post(
            &app,
            "admin",
            &format!("/api/v1/approvals/{id}/approve"),
            json!({"comment": "ok"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let after = loan_summary(&app, case).await;
        assert_eq!(after.0, arrears);
        assert_eq!(after.1, fees - 5_000);
        assert_eq!(after.2, 0);
        let (_, file) =
            status_and_json(app.get(&format!("/api/v1/cases/{case}"), &manager).await).await;
        assert_eq!(file_loan(&file), (arrears + fees - 5_000, fees - 5_000, 0));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM journal WHERE kind = 'waived'").await,
            2
        );
    }
}

#[tokio::test]
async fn a_manager_cannot_approve_a_settlement_forgiving_more_than_the_limit_but_an_admin_can() {
    for app in spawn_apps().await {
        let case = overdue_book(&app, 1, d(2026, 4, 20), "collector1").await[0];
        let (status, request) = post(
            &app,
            "collector1",
            &format!("/api/v1/cases/{case}/plans"),
            json!({"kind": "settlement", "amount": "40000.00", "pay_by": "2026-05-31", "reason": "一次性结清"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{request}");
        let id = request["id"].as_i64().unwrap();
        let (status, body) = post(
            &app,
            "manager",
            &format!("/api/v1/approvals/{id}/approve"),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("manager"),
            "{body}"
        );
        let (status, body) = post(
            &app,
            "admin",
            &format!("/api/v1/approvals/{id}/approve"),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM journal WHERE kind = 'waived' AND detail LIKE 'component=principal%'").await,
            1
        );
    }
}

#[tokio::test]
async fn a_rejection_needs_a_comment_and_changes_nothing() {
    for app in spawn_apps().await {
        let case = overdue_book(&app, 1, d(2026, 4, 20), "collector1").await[0];
        let before = loan_summary(&app, case).await;
        let (_, request) = post(
            &app,
            "collector1",
            &format!("/api/v1/cases/{case}/plans"),
            json!({"kind": "term_extension", "months": 6, "reason": "收入下降"}),
        )
        .await;
        let id = request["id"].as_i64().unwrap();
        let (status, body) = post(
            &app,
            "manager",
            &format!("/api/v1/approvals/{id}/reject"),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["field"], "comment");
        let (status, body) = post(
            &app,
            "manager",
            &format!("/api/v1/approvals/{id}/reject"),
            json!({"comment": "先还一期再谈"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "rejected");
        assert_eq!(loan_summary(&app, case).await, before);
    }
}

#[tokio::test]
async fn a_broken_plan_reverts_to_the_original_arrears_at_end_of_day() {
    for app in spawn_apps().await {
        let case = overdue_book(&app, 1, d(2026, 4, 20), "collector1").await[0];
        let before = loan_summary(&app, case).await;
        let (_, request) = post(
            &app,
            "collector1",
            &format!("/api/v1/cases/{case}/plans"),
            json!({"kind": "arrears_installments", "months": 2, "reason": "分两期还清"}),
        )
        .await;
        let id = request["id"].as_i64().unwrap();
        let (status, _) = post(
            &app,
            "manager",
            &format!("/api/v1/approvals/{id}/approve"),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(loan_summary(&app, case).await.3, 0);
        // Nothing paid: the first plan installment (due 05-10) is 10 days late on 05-20 and
        // 11 days late on 05-21, when the plan breaks and reverts.
        let settings = PlanSettings::default();
        let policy = policy();
        for day in 21..=30 {
            let date = d(2026, 4, day);
            app.store
                .run_eod_through(date, &policy, &EodOptions::default(), &Quiet, RECORDED_AT)
                .await
                .unwrap();
            app.store
                .review_plans(date, &settings, &policy.buckets, t0())
                .await
                .unwrap();
        }
        let mut reverted_on = None;
        for day in 1..=21 {
            let date = d(2026, 5, day);
            app.store
                .run_eod_through(date, &policy, &EodOptions::default(), &Quiet, RECORDED_AT)
                .await
                .unwrap();
            let review = app
                .store
                .review_plans(date, &settings, &policy.buckets, t0())
                .await
                .unwrap();
            if review.reverted > 0 {
                reverted_on = Some(date);
            }
        }
        assert_eq!(reverted_on, Some(d(2026, 5, 21)), "{}", app.backend);
        let after = loan_summary(&app, case).await;
        // The original schedule is back: five installments overdue, oldest from 02-10.
        assert!(after.0 > before.0, "{after:?} {before:?}");
        assert_eq!(after.3, (d(2026, 5, 21) - d(2026, 2, 10)).num_days());
        assert_eq!(after.4, 12);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM journal WHERE kind = 'plan_reverted'"
            )
            .await,
            1
        );
        let session = app.login("manager").await;
        let (_, inbox) = status_and_json(app.get("/api/v1/approvals", &session).await).await;
        assert_eq!(inbox.as_array().unwrap().len(), 0);
        assert_eq!(
            count(
                &app,
                &format!(
                    "SELECT COUNT(*) FROM approval_request WHERE id = {id} AND status = 'reverted'"
                )
            )
            .await,
            1
        );
    }
}

#[tokio::test]
async fn plan_requests_outside_the_users_scope_are_not_found() {
    for app in spawn_apps().await {
        let case = overdue_book(&app, 1, d(2026, 4, 20), "collector1").await[0];
        let (status, _) = post(
            &app,
            "collector2",
            &format!("/api/v1/cases/{case}/plans"),
            json!({"kind": "deferral", "months": 1, "reason": "x"}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(
            &app,
            "collector1",
            "/api/v1/cases/99999/plans",
            json!({"kind": "deferral", "months": 1, "reason": "x"}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn bad_plan_and_waiver_bodies_name_the_field() {
    for app in spawn_apps().await {
        let case = overdue_book(&app, 1, d(2026, 4, 20), "collector1").await[0];
        let plans = format!("/api/v1/cases/{case}/plans");
        let waivers = format!("/api/v1/cases/{case}/waivers");
        let table: Vec<(&str, &str, Value, &str)> = vec![
            (
                "unknown kind",
                &plans,
                json!({"kind": "forgive_all", "reason": "x"}),
                "kind",
            ),
            (
                "no months",
                &plans,
                json!({"kind": "deferral", "reason": "x"}),
                "months",
            ),
            (
                "zero months",
                &plans,
                json!({"kind": "deferral", "months": 0, "reason": "x"}),
                "months",
            ),
            (
                "months as text",
                &plans,
                json!({"kind": "deferral", "months": "2", "reason": "x"}),
                "months",
            ),
            (
                "no reason",
                &plans,
                json!({"kind": "deferral", "months": 1}),
                "reason",
            ),
            (
                "blank reason",
                &plans,
                json!({"kind": "deferral", "months": 1, "reason": " "}),
                "reason",
            ),
            (
                "unknown field",
                &plans,
                json!({"kind": "deferral", "months": 1, "reason": "x", "x": 1}),
                "x",
            ),
            (
                "float amount",
                &plans,
                json!({"kind": "settlement", "amount": "1.234", "pay_by": "2026-05-01", "reason": "x"}),
                "amount",
            ),
            (
                "settlement over the debt",
                &plans,
                json!({"kind": "settlement", "amount": "900000", "pay_by": "2026-05-01", "reason": "x"}),
                "amount",
            ),
            (
                "bad date",
                &plans,
                json!({"kind": "settlement", "amount": "100", "pay_by": "May 1", "reason": "x"}),
                "pay_by",
            ),
            (
                "past date",
                &plans,
                json!({"kind": "settlement", "amount": "100", "pay_by": "2026-04-01", "reason": "x"}),
                "pay_by",
            ),
            (
                "unknown loan",
                &plans,
                json!({"kind": "deferral", "months": 1, "loan_no": "NOPE", "reason": "x"}),
                "loan_no",
            ),
            (
                "nothing waived",
                &waivers,
                json!({"reason": "x"}),
                "penalty",
            ),
            (
                "negative fee",
                &waivers,
                json!({"fees": "-5", "reason": "x"}),
                "fees",
            ),
            (
                "waiver over the balance",
                &waivers,
                json!({"fees": "99999", "reason": "x"}),
                "fees",
            ),
        ];
        for (what, path, body, field) in table {
            let (status, answer) = post(&app, "collector1", path, body).await;
            assert!(status.is_client_error(), "{what}: {status} {answer}");
            assert_eq!(answer["field"], field, "{what}: {answer}");
        }
        let (status, body) =
            post(&app, "manager", "/api/v1/approvals/abc/approve", json!({})).await;
        assert_eq!(
            (status, body["error"].clone(), body["field"].clone()),
            (StatusCode::BAD_REQUEST, json!("invalid_path"), json!("id")),
            "{body}"
        );
        let session = app.login("manager").await;
        let (status, body) =
            status_and_json(app.get("/api/v1/approvals?limit=0", &session).await).await;
        assert_eq!(
            (status, body["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("limit"))
        );
    }
}

#[tokio::test]
async fn every_role_gets_exactly_the_plan_endpoints_its_permissions_allow() {
    use recoup_core::role::Permission;
    for app in spawn_apps().await {
        let body = json!({"kind": "deferral", "months": 1, "reason": "x"});
        // (description, method, path, body, permission): a role without the permission gets
        // 403; a role with it reaches the handler (404 for the case or request that does not
        // exist, 200 for the inbox).
        let table: Vec<(&str, Method, &str, Option<Value>, Permission)> = vec![
            (
                "request a plan",
                Method::POST,
                "/api/v1/cases/999999/plans",
                Some(body.clone()),
                Permission::RequestPlans,
            ),
            (
                "request a waiver",
                Method::POST,
                "/api/v1/cases/999999/waivers",
                Some(json!({"fees": "1", "reason": "x"})),
                Permission::RequestPlans,
            ),
            (
                "read the inbox",
                Method::GET,
                "/api/v1/approvals",
                None,
                Permission::ApprovePlans,
            ),
            (
                "approve",
                Method::POST,
                "/api/v1/approvals/999999/approve",
                Some(json!({})),
                Permission::ApprovePlans,
            ),
            (
                "reject",
                Method::POST,
                "/api/v1/approvals/999999/reject",
                Some(json!({"comment": "no"})),
                Permission::ApprovePlans,
            ),
        ];
        for (username, role) in crate::helpers::demo_users() {
            let session = app.login(username).await;
            for (what, method, path, body, permission) in &table {
                let response = app
                    .call(method.clone(), path, Some(&session), body.clone())
                    .await;
                let status = response.status();
                if role.allows(*permission) {
                    assert!(
                        status == StatusCode::NOT_FOUND || status == StatusCode::OK,
                        "{}: {username} may {what}: {status}",
                        app.backend
                    );
                } else {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{}: {username} may not {what}",
                        app.backend
                    );
                }
            }
        }
    }
}

#[test]
fn random_plan_bodies_never_get_a_5xx() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (apps, sessions, case) = runtime.block_on(async {
        let apps = spawn_apps().await;
        let mut sessions = Vec::new();
        let mut case = 0;
        for app in &apps {
            case = overdue_book(app, 1, d(2026, 4, 20), "collector1").await[0];
            sessions.push(app.login("collector1").await);
        }
        (apps, sessions, case)
    });
    let field = prop_oneof![
        Just("kind"),
        Just("months"),
        Just("amount"),
        Just("pay_by"),
        Just("loan_no"),
        Just("reason"),
        Just("penalty"),
        Just("fees"),
        Just("comment"),
        Just("zzz"),
    ];
    let value = prop_oneof![
        Just(json!(null)),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(3)),
        Just(json!(1e300)),
        Just(json!("settlement")),
        Just(json!("arrears_installments")),
        Just(json!("deferral")),
        Just(json!("2026-05-31")),
        Just(json!("99999999999999999")),
        Just(json!("1.5")),
        Just(json!("")),
        Just(json!([])),
        Just(json!({})),
        Just(json!(true)),
    ];
    let config = ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(fields in prop::collection::btree_map(field, value, 0..6), to_waivers in any::<bool>())| {
        runtime.block_on(async {
            let body = Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
            for (app, session) in apps.iter().zip(&sessions) {
                let path = if to_waivers { format!("/api/v1/cases/{case}/waivers") } else { format!("/api/v1/cases/{case}/plans") };
                let (status, answer) = status_and_json(
                    app.call(Method::POST, &path, Some(session), Some(body.clone())).await,
                ).await;
                assert!(status.is_success() || status.is_client_error(), "{}: {path} {body} -> {status} {answer}", app.backend);
                if status.is_client_error() {
                    assert!(answer["error"].is_string(), "{answer}");
                }
            }
        });
    });
}
