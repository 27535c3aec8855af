//! Health, metrics, the OpenAPI document and the docs page; headers on every response.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn health_is_ok_and_every_response_has_a_request_id() {
    for app in spawn_apps().await {
        let response = app.client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{}", app.backend);
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let first = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(first.len(), 16);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        let missing = app.client.get(app.url("/nope")).send().await.unwrap();
        let second = missing.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(first, second);
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_report_gauges() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        app.get("/api/v1/users", &admin).await;
        app.try_login("admin", "wrong password").await;
        app.client
            .get(app.url("/api/no/such/thing"))
            .send()
            .await
            .unwrap();
        app.client
            .get(app.url("/dashboard?date=2026-10-31"))
            .send()
            .await
            .unwrap();
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("application/openmetrics-text"),
            "{content_type}"
        );
        let text = response.text().await.unwrap();
        for line in [
            r#"recoup_http_requests_total{method="GET",route="/api/v1/users",status="200"} 1"#,
            r#"recoup_http_requests_total{method="POST",route="/api/v1/session",status="401"} 1"#,
            r#"recoup_http_requests_total{method="POST",route="/api/v1/session",status="200"} 1"#,
            r#"recoup_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"recoup_http_requests_total{method="GET",route="web",status="200"} 1"#,
            "# TYPE recoup_http_request_duration_seconds histogram",
            "recoup_active_users 9",
            "recoup_live_sessions 1",
            "recoup_open_cases 0",
            "recoup_active_loans 0",
        ] {
            assert!(
                text.contains(line),
                "{}: missing {line} in\n{text}",
                app.backend
            );
        }
        assert!(
            !text.contains("/no/such/thing"),
            "raw paths must not become labels"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_the_docs_page_is_served() {
    let app = spawn_apps().await.remove(0);
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let expected: BTreeSet<String> = [
        "GET /healthz",
        "GET /metrics",
        "POST /api/v1/session",
        "DELETE /api/v1/session",
        "GET /api/v1/me",
        "GET /api/v1/users",
        "POST /api/v1/users",
        "PATCH /api/v1/users/{username}",
        "GET /api/v1/audit",
        "GET /api/v1/audit/verify",
        "GET /api/v1/reports/dates",
        "GET /api/v1/reports/portfolio",
        "GET /api/v1/reports/roll-rates",
        "GET /api/v1/reports/strategy",
        "GET /api/v1/reports/compliance",
        "GET /api/v1/reports/kpis",
        "GET /api/v1/reports/leaderboard",
        "GET /api/v1/reports/qa-flags",
        "GET /api/v1/strategy",
        "GET /api/v1/settings/assignment",
        "GET /api/v1/roles",
        "POST /api/v1/cases/{id}/plans",
        "POST /api/v1/cases/{id}/waivers",
        "GET /api/v1/approvals",
        "POST /api/v1/approvals/{id}/approve",
        "POST /api/v1/approvals/{id}/reject",
        "GET /api/v1/loans/{loan_no}/settlement-quote",
        "POST /api/v1/loans/{loan_no}/settlement",
        "POST /api/v1/loans/{loan_no}/prepayment",
        "GET /api/v1/loans/{loan_no}/settlements",
        "GET /api/v1/queue",
        "GET /api/v1/cases/{borrower_id}",
        "POST /api/v1/cases/{borrower_id}/reveal",
        "POST /api/v1/cases/{borrower_id}/contacts",
        "POST /api/v1/cases/{borrower_id}/promises",
        "POST /api/v1/cases/{borrower_id}/notes",
        "POST /api/v1/cases/reassign",
        "POST /api/v1/cases/{borrower_id}/sms",
        "POST /api/v1/cases/{borrower_id}/calls",
        "GET /api/v1/sms/dlr",
        "GET /api/v1/sms/templates",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(operations, expected);
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("cookie"));
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    // Security and the 401 are declared once for every operation that needs a session.
    let public = [
        "POST /api/v1/session",
        "GET /healthz",
        "GET /metrics",
        "GET /api/v1/sms/dlr",
    ];
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            let security = operation["security"].as_array();
            if public.contains(&name.as_str()) {
                assert!(security.is_none(), "{name} is public: {operation}");
                continue;
            }
            let schemes: Vec<String> = security
                .unwrap_or_else(|| panic!("{name} declares no security"))
                .iter()
                .flat_map(|requirement| requirement.as_object().unwrap().keys().cloned())
                .collect();
            assert_eq!(schemes, ["bearer", "cookie"], "{name}");
            assert_eq!(
                operation["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{name}"
            );
        }
    }
    // The document served is the one the library builds.
    assert_eq!(
        serde_json::to_value(recoup_server::openapi()).unwrap(),
        document
    );

    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(docs.text().await.unwrap().contains("/api/openapi.json"));
}

/// The web client's types are generated from `web/openapi.json`; it must be this server's
/// document. `RECOUP_UPDATE_OPENAPI=1 cargo test -p recoup-server --test api committed_openapi`
/// rewrites it after an API change.
#[test]
fn the_committed_openapi_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/openapi.json");
    let current = recoup_server::openapi().to_pretty_json().unwrap() + "\n";
    if std::env::var_os("RECOUP_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "web/openapi.json is out of date: run RECOUP_UPDATE_OPENAPI=1 cargo test -p recoup-server --test api committed_openapi"
    );
}
