//! Oversight endpoints: the KPIs of a period, the collector leaderboard (everyone for report
//! readers, one's own row for everyone else), language-QA flags, the active strategy, the
//! assignment settings, the role matrix and the audit trail's filters — figures from a small
//! seeded book on every backend, the role × endpoint matrix, and bad input naming the field.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// Three closed dates (2026-10-29 to 2026-10-31); the tests ask for 10-30 to 10-31, so the
/// arrears base is 10-29. Borrowers 1–5 with cases, loans for 1–4, allocations, payments,
/// promises, contacts and notes in and around the period.
async fn seed(app: &TestApp) {
    let mut statements = vec![
        "INSERT INTO eod_run (business_date, started_at, finished_at) VALUES \
         ('2026-10-29', '2026-10-29T16:00:00Z', '2026-10-29T16:05:00Z'), \
         ('2026-10-30', '2026-10-30T16:00:00Z', '2026-10-30T16:05:00Z'), \
         ('2026-10-31', '2026-10-31T16:00:00Z', '2026-10-31T16:05:00Z')"
            .to_string(),
        "INSERT INTO portfolio_day (business_date, bucket, bucket_order, loans, principal_outstanding, arrears) VALUES \
         ('2026-10-29', 'M0', 0, 2, 20000000, 0), ('2026-10-29', 'M1', 1, 1, 9000000, 1000000), \
         ('2026-10-29', 'M3', 3, 1, 9000000, 3000000), ('2026-10-30', 'M1', 1, 2, 18000000, 9999999)"
            .to_string(),
    ];
    for id in 1..=4 {
        statements.push(format!(
            "INSERT INTO borrower (id, national_id, name, phones, home_address, booked_at) VALUES \
             ({id}, '11010119900307{id:03}X', '借款人{id}', '1380013800{id}', '北京市朝阳区{id}号', '2026-01-01T00:00:00.000Z')"
        ));
        statements.extend(vehicle_and_loan(id, "2026-11-10", 0, "M0", 0));
    }
    statements.extend(
        [
            "INSERT INTO installment (loan_id, period, due_date, principal_due, interest_due) VALUES \
             (1, 1, '2026-10-01', 300000, 40000), (2, 1, '2026-11-10', 300000, 40000)",
            // Overdue: 300,000 principal of an installment due 10-01 and 5,000 penalty;
            // not overdue: interest of an installment not yet due; not from a payment: credit;
            // outside the period: 10-28.
            "INSERT INTO allocation (loan_id, business_date, payment_id, source, period, component, amount) VALUES \
             (1, '2026-10-30', 1, 'payment', 1, 'principal', 300000), \
             (1, '2026-10-30', 1, 'payment', NULL, 'penalty', 5000), \
             (2, '2026-10-31', 2, 'payment', 1, 'interest', 20000), \
             (1, '2026-10-31', NULL, 'credit', 1, 'principal', 7000), \
             (1, '2026-10-30', 1, 'payment', NULL, 'credit', 900), \
             (1, '2026-10-28', 9, 'payment', 1, 'principal', 99999)",
            "INSERT INTO payment (id, idempotency_key, loan_id, channel, value_date, amount, posted_at, allocated_on) VALUES \
             (1, 'p1', 1, 'bank', '2026-10-30', 305900, '2026-10-30T08:00:00.000Z', '2026-10-30'), \
             (2, 'p2', 2, 'bank', '2026-10-31', 20000, '2026-10-31T08:00:00.000Z', '2026-10-31'), \
             (3, 'p3', 3, 'bank', '2026-10-20', 50000, '2026-10-20T08:00:00.000Z', '2026-10-20')",
            // 1: open, past due (collector1); 2: cured 10-31 (collector1); 3: cured before the
            // period (collector2); 4: pre-due only; 5: cured 10-30 and reopened since
            // (collector2).
            "INSERT INTO collection_case (borrower_id, status, stage, opened_on, stage_since, closed_on, past_due, \
             times_opened, arm, quadrant, contactability, planned_on, assignee) VALUES \
             (1, 'open', 'early', '2026-10-01', '2026-10-01', NULL, 1, 1, 'champion', 'willing_able', 'contactable', '2026-10-31', 'collector1'), \
             (2, 'closed', 'early', '2026-10-05', '2026-10-05', '2026-10-31', 1, 1, 'champion', 'willing_able', 'contactable', '2026-10-31', 'collector1'), \
             (3, 'closed', 'early', '2026-09-01', '2026-09-01', '2026-10-15', 1, 1, 'challenger', 'willing_able', 'contactable', '2026-10-15', 'collector2'), \
             (4, 'open', 'pre_due', '2026-10-30', '2026-10-30', NULL, 0, 1, 'champion', 'willing_able', 'contactable', '2026-10-31', NULL), \
             (5, 'open', 'early', '2026-11-01', '2026-11-01', NULL, 1, 2, 'challenger', 'willing_able', 'contactable', '2026-11-01', 'collector2')",
            "INSERT INTO case_event (borrower_id, business_date, kind, detail) VALUES \
             (2, '2026-10-31', 'cured', 'Cured'), (3, '2026-10-15', 'cured', 'Cured'), \
             (5, '2026-10-30', 'cured', 'Cured'), (1, '2026-10-30', 'stage_changed', 'x')",
            "INSERT INTO promise (borrower_id, amount, due_on, made_on, made_at, made_by, status, paid, settled_on) VALUES \
             (1, 100000, '2026-10-30', '2026-10-25', '2026-10-25T02:00:00.000Z', 'collector1', 'kept', 100000, '2026-10-30'), \
             (1, 50000, '2026-10-31', '2026-10-30', '2026-10-30T02:00:00.000Z', 'collector1', 'broken', 0, '2026-10-31'), \
             (2, 40000, '2026-10-31', '2026-10-30', '2026-10-30T03:00:00.000Z', 'collector2', 'partly_kept', 10000, '2026-10-31'), \
             (2, 30000, '2026-10-31', '2026-10-31', '2026-10-31T03:00:00.000Z', 'collector1', 'open', NULL, NULL), \
             (3, 20000, '2026-11-05', '2026-10-31', '2026-10-31T04:00:00.000Z', 'collector2', 'open', NULL, NULL)",
            // The period is 2026-10-29T16:00Z to 2026-10-31T16:00Z (midnights in Shanghai).
            "INSERT INTO contact_event (borrower_id, loan_id, at, channel, party, address, result, conversation, outcome, recorded_by) VALUES \
             (1, NULL, '2026-10-29T16:00:00+00:00', 'call', 'borrower', '13800138001', 'connected', 1, 'promise_to_pay', 'collector1'), \
             (1, NULL, '2026-10-30T02:00:00.123456789+00:00', 'call', 'borrower', '13800138001', 'attempted', 0, 'no_answer', 'collector1'), \
             (2, NULL, '2026-10-31T15:59:59+00:00', 'call', 'borrower', '13800138002', 'connected', 1, 'right_party_contact', 'collector2'), \
             (2, NULL, '2026-10-30T03:00:00+00:00', 'sms', 'borrower', '13800138002', 'attempted', 0, NULL, NULL), \
             (1, NULL, '2026-10-29T15:59:59+00:00', 'call', 'borrower', '13800138001', 'connected', 1, 'right_party_contact', 'collector1'), \
             (1, NULL, '2026-10-31T16:00:00+00:00', 'call', 'borrower', '13800138001', 'connected', 1, 'right_party_contact', 'collector1')",
            "INSERT INTO case_note (borrower_id, at, author, text, qa_flags) VALUES \
             (1, '2026-10-30T05:00:00.000Z', 'collector1', '再不还就起诉你', '[{\"category\":\"legal_threat\",\"term\":\"起诉\",\"start\":12,\"end\":18}]'), \
             (1, '2026-10-30T06:00:00.000Z', 'collector1', '借款人说下周还款', '[]'), \
             (2, '2026-10-20T05:00:00.000Z', 'collector2', '起诉', '[{\"category\":\"legal_threat\",\"term\":\"起诉\",\"start\":0,\"end\":6}]')",
        ]
        .map(str::to_string),
    );
    for sql in statements {
        app.execute(&sql).await;
    }
}

const PERIOD: &str = "from=2026-10-30&to=2026-10-31";

async fn get_ok(app: &TestApp, session: &Session, path: &str) -> Value {
    let (status, body) = status_and_json(app.get(path, session).await).await;
    assert_eq!(status, StatusCode::OK, "{}: {path}: {body}", app.backend);
    body
}

#[tokio::test]
async fn kpis_count_cures_recovery_promises_and_right_party_contacts() {
    for app in spawn_apps().await {
        seed(&app).await;
        let manager = app.login("manager").await;
        let kpis = get_ok(&app, &manager, &format!("/api/v1/reports/kpis?{PERIOD}")).await;
        let backend = &app.backend;
        assert_eq!(
            (kpis["from"].as_str(), kpis["to"].as_str()),
            (Some("2026-10-30"), Some("2026-10-31"))
        );

        // Cases 1 and 2 were past due in the period by their records, 5 cured in it and has
        // reopened since; 3 closed before, 4 was never past due.
        assert_eq!(kpis["cure"]["cases"], 3, "{backend}: {kpis}");
        assert_eq!(kpis["cure"]["cured"], 2, "{backend}");
        assert_eq!(kpis["cure"]["rate_ppm"], 666_666, "{backend}");

        let recovery = &kpis["recovery"];
        assert_eq!(recovery["base_date"], "2026-10-29", "{backend}");
        assert_eq!(recovery["arrears_at_start_fen"], 4_000_000, "{backend}");
        assert_eq!(
            recovery["collected_overdue_fen"], 305_000,
            "{backend}: {recovery}"
        );
        assert_eq!(recovery["collected_total_fen"], 325_000, "{backend}");
        assert_eq!(recovery["rate_ppm"], 76_250, "{backend}");

        let promises = &kpis["promises"];
        assert_eq!(
            [
                &promises["kept"],
                &promises["partly_kept"],
                &promises["broken"],
                &promises["pending"]
            ],
            [1, 1, 1, 1],
            "{backend}: {promises}"
        );
        assert_eq!(promises["settled"], 3);
        assert_eq!(promises["promised_fen"], 220_000);
        assert_eq!(promises["paid_fen"], 110_000);
        assert_eq!(promises["kept_rate_ppm"], 333_333);
        assert_eq!(promises["kept_or_partly_rate_ppm"], 666_666);

        let contacts = &kpis["contacts"];
        assert_eq!(contacts["attempts"], 4, "{backend}: {contacts}");
        assert_eq!(contacts["right_party"], 2);
        assert_eq!(contacts["rate_ppm"], 500_000);
        let channels = contacts["by_channel"].as_array().unwrap();
        assert_eq!(channels[0]["channel"], "call", "most attempts first");
        assert_eq!(channels[0]["attempts"], 3);
        assert_eq!(channels[0]["right_party"], 2);
        assert_eq!(channels[0]["rate_ppm"], 666_666);
        assert_eq!(channels[1]["channel"], "sms");
        assert_eq!(channels[1]["rate_ppm"], 0);

        // The first closed date is its own base.
        let first = get_ok(
            &app,
            &manager,
            "/api/v1/reports/kpis?from=2026-10-29&to=2026-10-29",
        )
        .await;
        assert_eq!(first["recovery"]["base_date"], "2026-10-29");
        assert_eq!(first["contacts"]["attempts"], 1, "{backend}: {first}");
        assert_eq!(first["promises"]["settled"], 0);
        assert_eq!(first["cure"]["rate_ppm"], 0);
    }
}

#[tokio::test]
async fn the_leaderboard_ranks_holders_for_managers_and_shows_a_collector_only_their_row() {
    for app in spawn_apps().await {
        seed(&app).await;
        let backend = &app.backend;
        let manager = app.login("manager").await;
        let board = get_ok(
            &app,
            &manager,
            &format!("/api/v1/reports/leaderboard?{PERIOD}"),
        )
        .await;
        assert_eq!(board["scope"], "all");
        let rows = board["rows"].as_array().unwrap();
        let names: Vec<&str> = rows
            .iter()
            .map(|r| r["username"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["collector1", "collector2", "agency1", "field1", "legal", "recovery"],
            "{backend}: most collected, then cures, then by name; only the roles assignment gives cases to"
        );
        let first = &rows[0];
        assert_eq!(first["rank"], 1);
        assert_eq!(first["role"], "collector");
        assert_eq!(first["cases_held"], 1, "{backend}: {first}");
        assert_eq!(first["contacts"], 2);
        assert_eq!(first["right_party"], 1);
        assert_eq!(first["rpc_rate_ppm"], 500_000);
        assert_eq!(first["promises_made"], 2);
        assert_eq!(first["promises_kept"], 1);
        assert_eq!(first["promises_settled"], 2);
        assert_eq!(first["promise_kept_rate_ppm"], 500_000);
        assert_eq!(
            first["collected_fen"], 325_900,
            "{backend}: payments on its cases' loans"
        );
        assert_eq!(first["cures"], 1);
        let second = &rows[1];
        assert_eq!(second["cases_held"], 1, "{backend}: {second}");
        assert_eq!(second["contacts"], 1);
        assert_eq!(second["right_party"], 1);
        assert_eq!(second["promises_made"], 2);
        assert_eq!(second["promises_settled"], 1);
        assert_eq!(second["promises_kept"], 0);
        assert_eq!(
            second["collected_fen"], 0,
            "{backend}: case 3 closed before the period"
        );
        assert_eq!(second["cures"], 1);
        assert_eq!(rows[5]["collected_fen"], 0);

        for (username, expected) in [("collector1", 325_900), ("collector2", 0), ("field1", 0)] {
            let session = app.login(username).await;
            let own = get_ok(
                &app,
                &session,
                &format!("/api/v1/reports/leaderboard?{PERIOD}"),
            )
            .await;
            assert_eq!(own["scope"], "own", "{backend}: {username}");
            let rows = own["rows"].as_array().unwrap();
            assert_eq!(
                rows.len(),
                1,
                "{backend}: {username} sees only their own row: {own}"
            );
            assert_eq!(rows[0]["username"], username);
            assert_eq!(rows[0]["collected_fen"], expected);
        }
        // A role that holds no cases and did no work gets no row at all.
        let compliance_row = {
            let session = app.login("compliance").await;
            get_ok(&app, &session, "/api/v1/reports/leaderboard").await
        };
        assert_eq!(compliance_row["scope"], "all", "compliance reads reports");
    }
}

#[tokio::test]
async fn qa_flags_list_flagged_notes_of_the_period_and_flagged_templates() {
    for app in spawn_apps().await {
        seed(&app).await;
        let compliance = app.login("compliance").await;
        let flags = get_ok(
            &app,
            &compliance,
            &format!("/api/v1/reports/qa-flags?{PERIOD}"),
        )
        .await;
        assert_eq!(flags["total"], 1, "{}: {flags}", app.backend);
        let note = &flags["notes"][0];
        assert_eq!(note["case_id"], 1);
        assert_eq!(note["author"], "collector1");
        assert_eq!(note["hits"][0]["term"], "起诉");
        assert_eq!(note["hits"][0]["category"], "legal_threat");
        assert_eq!(flags["templates"][0]["id"], "late_call_script");
        assert_eq!(flags["templates"][0]["terms"][0], "诉讼");

        let wider = get_ok(
            &app,
            &compliance,
            "/api/v1/reports/qa-flags?from=2026-10-29&to=2026-10-31&limit=1",
        )
        .await;
        assert_eq!(
            wider["total"], 1,
            "the note of 10-20 is before the closed range"
        );
        assert_eq!(wider["notes"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_strategy_assignment_and_role_matrix_are_served_as_configured() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let strategy = get_ok(&app, &admin, "/api/v1/strategy").await;
        assert_eq!(strategy["name"], "cn-default");
        assert_eq!(strategy["file"], "strategies/cn-default.toml");
        assert!(!strategy["segments"].as_array().unwrap().is_empty());
        let arms = strategy["arms"].as_array().unwrap();
        assert_eq!(
            arms.iter()
                .map(|a| a["share"].as_i64().unwrap())
                .sum::<i64>(),
            100
        );
        let treatments = strategy["treatments"].as_array().unwrap();
        assert!(treatments
            .iter()
            .any(|t| t["channel"] == "sms" && t["cost_fen"] == 5));

        let assignment = get_ok(&app, &admin, "/api/v1/settings/assignment").await;
        assert_eq!(assignment["rule"], "least_loaded", "{assignment}");
        let queues = assignment["queues"].as_array().unwrap();
        assert!(queues
            .iter()
            .any(|q| q["queue"] == "field_visit" && q["role"] == "field_agent"));
        assert!(assignment["regions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["region"] == "华北"));

        let roles = get_ok(&app, &admin, "/api/v1/roles").await;
        assert_eq!(
            roles["permissions"].as_array().unwrap().len(),
            recoup_core::role::Permission::ALL.len()
        );
        for (role, view) in recoup_core::role::Role::ALL
            .iter()
            .zip(roles["roles"].as_array().unwrap())
        {
            assert_eq!(view["role"], role.code());
            let held: Vec<&str> = view["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            for permission in recoup_core::role::Permission::ALL {
                assert_eq!(
                    held.contains(&permission.code()),
                    role.allows(permission),
                    "{role} {}",
                    permission.code()
                );
            }
        }
    }
}

#[tokio::test]
async fn every_role_gets_exactly_the_oversight_endpoints_its_permissions_allow() {
    use recoup_core::role::Permission;
    for app in spawn_apps().await {
        seed(&app).await;
        for (username, role) in demo_users() {
            let session = app.login(username).await;
            let checks = [
                ("/api/v1/reports/kpis", role.allows(Permission::ViewReports)),
                (
                    "/api/v1/reports/qa-flags",
                    role.allows(Permission::ViewReports),
                ),
                ("/api/v1/strategy", role.allows(Permission::ViewReports)),
                ("/api/v1/reports/leaderboard", true),
                (
                    "/api/v1/settings/assignment",
                    role.allows(Permission::ManageUsers),
                ),
                ("/api/v1/roles", role.allows(Permission::ManageUsers)),
                (
                    "/api/v1/audit?actor=admin&action=login",
                    role.allows(Permission::ReadAudit),
                ),
            ];
            for (path, allowed) in checks {
                let (status, body) = status_and_json(app.get(path, &session).await).await;
                let expected = if allowed {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(
                    status, expected,
                    "{}: {username} GET {path}: {body}",
                    app.backend
                );
            }
        }
        assert_anonymous_refused(
            &app,
            &[
                "/api/v1/reports/kpis",
                "/api/v1/reports/qa-flags",
                "/api/v1/reports/leaderboard",
                "/api/v1/strategy",
                "/api/v1/settings/assignment",
                "/api/v1/roles",
            ],
        )
        .await;
    }
}

#[tokio::test]
async fn the_audit_trail_filters_by_actor_and_action() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let _ = app.try_login("manager", "wrong-password-1").await;
        let _ = app.login("compliance").await;
        let page = get_ok(&app, &admin, "/api/v1/audit?actor=admin").await;
        let entries = page["entries"].as_array().unwrap();
        assert!(!entries.is_empty());
        assert!(entries.iter().all(|e| e["actor"] == "admin"), "{page}");
        let failed = get_ok(&app, &admin, "/api/v1/audit?action=login_failed").await;
        let entries = failed["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{}: {failed}", app.backend);
        let both = get_ok(
            &app,
            &admin,
            "/api/v1/audit?actor=compliance&action=login&limit=5",
        )
        .await;
        assert!(both["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "compliance" && e["action"] == "login"));
        let none = get_ok(&app, &admin, "/api/v1/audit?actor=nobody").await;
        assert_eq!(none["entries"].as_array().unwrap().len(), 0);
        assert!(none["next_before"].is_null());
    }
}

#[tokio::test]
async fn bad_oversight_parameters_are_refused_naming_the_field() {
    for app in spawn_apps().await {
        let manager = app.login("manager").await;
        let (status, body) = status_and_json(app.get("/api/v1/reports/kpis", &manager).await).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("to")),
            "{}: nothing closed yet: {body}",
            app.backend
        );
        seed(&app).await;
        let admin = app.login("admin").await;
        let cases = [
            ("/api/v1/reports/kpis?from=2026-10-3", 400, "from"),
            ("/api/v1/reports/kpis?to=31/10/2026", 400, "to"),
            ("/api/v1/reports/kpis?to=2026-11-30", 422, "to"),
            (
                "/api/v1/reports/kpis?from=2026-10-31&to=2026-10-30",
                422,
                "from",
            ),
            (
                "/api/v1/reports/kpis?from=2020-01-01&to=2026-10-31",
                422,
                "from",
            ),
            ("/api/v1/reports/kpis?date=2026-10-31", 400, "date"),
            ("/api/v1/reports/leaderboard?from=x", 400, "from"),
            ("/api/v1/reports/leaderboard?to=2026-12-01", 422, "to"),
            ("/api/v1/reports/leaderboard?user=collector2", 400, "user"),
            ("/api/v1/reports/qa-flags?limit=0", 400, "limit"),
            ("/api/v1/reports/qa-flags?limit=501", 400, "limit"),
            ("/api/v1/reports/qa-flags?limit=ten", 400, "limit"),
            (
                "/api/v1/reports/qa-flags?from=2026-10-31&to=2026-10-29",
                422,
                "from",
            ),
            ("/api/v1/audit?actor=", 400, "actor"),
            ("/api/v1/audit?action=", 400, "action"),
        ];
        for (path, status, field) in cases {
            let session = if path.starts_with("/api/v1/audit") {
                &admin
            } else {
                &manager
            };
            let (got, body) = status_and_json(app.get(path, session).await).await;
            assert_eq!(
                (got.as_u16(), body["field"].as_str()),
                (status, Some(field)),
                "{}: {path}: {body}",
                app.backend
            );
        }
        // A collector asking for someone else's row still gets only their own.
        let collector = app.login("collector2").await;
        let own = get_ok(
            &app,
            &collector,
            &format!("/api/v1/reports/leaderboard?{PERIOD}"),
        )
        .await;
        assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    }
}
