//! Reports: only administrators, managers and compliance read them; figures come from what
//! end-of-day and planning stored; bad parameters are named; the web UI is served beside them.

use recoup_core::role::Permission;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

const REPORT_PATHS: [&str; 8] = [
    "/api/v1/reports/dates",
    "/api/v1/reports/kpis",
    "/api/v1/reports/qa-flags",
    "/api/v1/strategy",
    "/api/v1/reports/portfolio",
    "/api/v1/reports/roll-rates",
    "/api/v1/reports/strategy",
    "/api/v1/reports/compliance",
];

/// A small closed book written straight into the report tables: two closed dates
/// (2026-10-30 and 2026-10-31, a month-end), month-end snapshots for September and October,
/// two strategy arms and a day of planned treatments.
async fn seed_reports(app: &TestApp) {
    let statements = [
        "INSERT INTO eod_run (business_date, started_at, finished_at) VALUES \
         ('2026-10-30', '2026-10-30T16:00:00Z', '2026-10-30T16:05:00Z'), \
         ('2026-10-31', '2026-10-31T16:00:00Z', '2026-10-31T16:05:00Z'), \
         ('2026-11-01', '2026-11-01T16:00:00Z', NULL)",
        "INSERT INTO portfolio_day (business_date, bucket, bucket_order, loans, principal_outstanding, arrears) VALUES \
         ('2026-10-31', 'M0', 0, 90, 900000000, 0), \
         ('2026-10-31', 'M1', 1, 6, 60000000, 1500000), \
         ('2026-10-31', 'M3', 3, 3, 30000000, 4500000), \
         ('2026-10-31', 'M6+', 6, 1, 10000000, 9000000), \
         ('2026-10-30', 'M0', 0, 100, 1000000000, 0)",
        "INSERT INTO loan_month_end (month, loan_id, status, bucket, dpd, principal_outstanding, total_arrears) VALUES \
         ('2026-09', 1, 'active', 'M0', 0, 1, 0), ('2026-10', 1, 'active', 'M0', 0, 1, 0), \
         ('2026-09', 2, 'active', 'M0', 0, 1, 0), ('2026-10', 2, 'active', 'M1', 5, 1, 1), \
         ('2026-09', 3, 'active', 'M0', 0, 1, 0), ('2026-10', 3, 'paid_off', 'M0', 0, 0, 0), \
         ('2026-09', 4, 'active', 'M1', 20, 1, 1), ('2026-10', 4, 'active', 'M2', 50, 1, 1)",
        "INSERT INTO collection_case (borrower_id, status, stage, opened_on, stage_since, past_due, times_opened, \
         arm, quadrant, contactability, planned_on) VALUES \
         (1, 'open', 'early', '2026-10-01', '2026-10-01', 1, 1, 'champion', 'willing_able', 'contactable', '2026-10-31'), \
         (2, 'open', 'early', '2026-10-01', '2026-10-01', 1, 1, 'challenger', 'willing_able', 'contactable', '2026-10-31')",
        "INSERT INTO treatment (business_date, borrower_id, treatment, channel, template, queue, priority, stage, arm, \
         due_on, cost, decision, rule) VALUES \
         ('2026-10-31', 1, 't', 'sms', 'x', 'q', 1, 'early', 'champion', '2026-10-31', 10, 'permitted', NULL), \
         ('2026-10-31', 1, 't', 'call', 'x', 'q', 1, 'early', 'champion', '2026-10-31', 300, 'permitted', NULL), \
         ('2026-10-31', 2, 't', 'call', 'x', 'q', 1, 'early', 'challenger', '2026-10-31', 300, 'blocked', 'cn.quiet_hours'), \
         ('2026-10-31', 2, 't', 'legal_referral', 'x', 'q', 1, 'early', 'challenger', '2026-10-31', 0, 'internal', NULL)",
    ];
    for sql in statements {
        app.execute(sql).await;
    }
}

#[tokio::test]
async fn every_role_gets_exactly_the_reports_its_permissions_allow() {
    for app in spawn_apps().await {
        seed_reports(&app).await;
        for (username, role) in demo_users() {
            let session = app.login(username).await;
            let expected = if role.allows(Permission::ViewReports) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            for path in REPORT_PATHS {
                let (status, body) = status_and_json(app.get(path, &session).await).await;
                assert_eq!(
                    status, expected,
                    "{}: {username} GET {path}: {body}",
                    app.backend
                );
                if status == StatusCode::FORBIDDEN {
                    assert_eq!(body["error"], "forbidden");
                }
            }
        }
        assert_anonymous_refused(&app, &REPORT_PATHS).await;
    }
}

#[tokio::test]
async fn reports_show_what_end_of_day_and_planning_stored() {
    for app in spawn_apps().await {
        seed_reports(&app).await;
        let manager = app.login("manager").await;
        let get = |path: &'static str| {
            let (app, manager) = (&app, &manager);
            async move {
                let (status, body) = status_and_json(app.get(path, manager).await).await;
                assert_eq!(status, StatusCode::OK, "{}: {path}: {body}", app.backend);
                body
            }
        };

        let dates = get("/api/v1/reports/dates").await;
        assert_eq!(
            dates["first"], "2026-10-30",
            "an unfinished run is not closed"
        );
        assert_eq!(dates["last"], "2026-10-31");

        let portfolio = get("/api/v1/reports/portfolio").await;
        assert_eq!(
            portfolio["date"], "2026-10-31",
            "the last closed date by default"
        );
        assert_eq!(portfolio["loans"], 100);
        assert_eq!(portfolio["principal_fen"], 1_000_000_000_i64);
        assert_eq!(portfolio["npl_from"], "M3");
        assert_eq!(portfolio["npl_principal_fen"], 40_000_000_i64);
        assert_eq!(portfolio["npl_ratio_ppm"], 40_000);
        let labels: Vec<&str> = portfolio["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["M0", "M1", "M2", "M3", "M4", "M5", "M6+"]);
        assert_eq!(portfolio["buckets"][1]["arrears_fen"], 1_500_000);
        assert_eq!(portfolio["buckets"][3]["npl"], true);
        assert_eq!(portfolio["buckets"][2]["npl"], false);

        let earlier = get("/api/v1/reports/portfolio?date=2026-10-30").await;
        assert_eq!(earlier["loans"], 100);
        assert_eq!(earlier["npl_ratio_ppm"], 0);

        let roll = get("/api/v1/reports/roll-rates").await;
        assert_eq!(roll["from_month"], "2026-09");
        assert_eq!(roll["to_month"], "2026-10");
        assert_eq!(roll["columns"][7], "paid_off");
        assert_eq!(roll["rows"][0]["from"], "M0");
        assert_eq!(roll["rows"][0]["loans"], 3);
        // One of three M0 loans stayed, one rolled to M1, one paid off.
        assert_eq!(roll["rows"][0]["counts"][0], 1);
        assert_eq!(roll["rows"][0]["counts"][1], 1);
        assert_eq!(roll["rows"][0]["counts"][7], 1);
        assert_eq!(roll["rows"][0]["rates_ppm"][1], 333_333);
        assert_eq!(roll["rows"][1]["rates_ppm"][2], 1_000_000);
        assert_eq!(
            get("/api/v1/reports/roll-rates?month=2026-10").await,
            roll,
            "the month given is the default"
        );

        let strategy = get("/api/v1/reports/strategy").await;
        assert_eq!(
            strategy["from"], "2026-10-30",
            "a week back, clamped to the first date"
        );
        assert_eq!(strategy["to"], "2026-10-31");
        let arms = strategy["arms"].as_array().unwrap();
        assert_eq!(arms.len(), 2);
        let champion = arms.iter().find(|a| a["arm"] == "champion").unwrap();
        assert_eq!(champion["cases"], 1);
        assert_eq!(champion["contacts_total"], 2);
        assert_eq!(champion["blocked"], 0);
        let challenger = arms.iter().find(|a| a["arm"] == "challenger").unwrap();
        assert_eq!(challenger["contacts_total"], 0);
        assert_eq!(challenger["blocked"], 1);

        let compliance = get("/api/v1/reports/compliance?from=2026-10-31&to=2026-10-31").await;
        assert_eq!(compliance["permitted"], 2);
        assert_eq!(
            compliance["blocked"], 1,
            "internal actions are not contacts"
        );
        let blocked: Vec<&Value> = compliance["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|line| line["decision"] == "blocked")
            .collect();
        assert_eq!(blocked.len(), 1);
        assert_eq!(blocked[0]["rule"], "cn.quiet_hours");
        assert_eq!(blocked[0]["channel"], "call");
    }
}

#[tokio::test]
async fn bad_report_parameters_are_refused_naming_the_field() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let (status, body) =
            status_and_json(app.get("/api/v1/reports/portfolio", &admin).await).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("date")),
            "{}: nothing closed yet: {body}",
            app.backend
        );
        let dates = app.get("/api/v1/reports/dates", &admin).await;
        let (status, body) = status_and_json(dates).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, serde_json::json!({ "first": null, "last": null }));

        seed_reports(&app).await;
        let cases = [
            (
                "malformed date",
                "/api/v1/reports/portfolio?date=2026-13-01",
                400,
                "date",
            ),
            (
                "date without zero padding",
                "/api/v1/reports/portfolio?date=2026-10-1",
                400,
                "date",
            ),
            (
                "date not closed",
                "/api/v1/reports/portfolio?date=2026-11-01",
                422,
                "date",
            ),
            (
                "date before the book",
                "/api/v1/reports/portfolio?date=2020-01-01",
                422,
                "date",
            ),
            (
                "unknown parameter",
                "/api/v1/reports/portfolio?day=2026-10-31",
                400,
                "day",
            ),
            (
                "repeated parameter",
                "/api/v1/reports/portfolio?date=2026-10-31&date=2026-10-30",
                400,
                "date",
            ),
            (
                "malformed month",
                "/api/v1/reports/roll-rates?month=2026-1",
                400,
                "month",
            ),
            (
                "month with a day",
                "/api/v1/reports/roll-rates?month=2026-10-31",
                400,
                "month",
            ),
            (
                "month without snapshots",
                "/api/v1/reports/roll-rates?month=2026-06",
                422,
                "month",
            ),
            (
                "from after to",
                "/api/v1/reports/strategy?from=2026-10-31&to=2026-10-30",
                422,
                "from",
            ),
            (
                "malformed to",
                "/api/v1/reports/strategy?to=yesterday",
                400,
                "to",
            ),
            (
                "to not closed",
                "/api/v1/reports/compliance?to=2026-12-31",
                422,
                "to",
            ),
            (
                "malformed from",
                "/api/v1/reports/compliance?from=31/10/2026",
                400,
                "from",
            ),
        ];
        for (description, path, status, field) in cases {
            let (got, body) = status_and_json(app.get(path, &admin).await).await;
            assert_eq!(
                (got.as_u16(), body["field"].as_str()),
                (status, Some(field)),
                "{}: {description}: {path}: {body}",
                app.backend
            );
        }
    }
}

#[tokio::test]
async fn the_web_ui_is_served_at_the_root_with_a_fallback_for_its_routes() {
    for app in spawn_apps().await {
        let client = &app.client;
        for path in ["/", "/dashboard?date=2026-10-31", "/login"] {
            let response = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let content_type = response.headers()["content-type"].to_str().unwrap();
            assert!(
                content_type.starts_with("text/html"),
                "{path}: {content_type}"
            );
            assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
            assert!(response.text().await.unwrap().contains("<html"), "{path}");
        }
        for path in ["/api/v1/nothing", "/api", "/assets/missing-0000.js"] {
            let (status, body) =
                status_and_json(client.get(app.url(path)).send().await.unwrap()).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(body["error"], "not_found", "{path}");
        }
        let post = client.post(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
