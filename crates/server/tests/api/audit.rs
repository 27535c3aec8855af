//! The audit trail over HTTP: who may read it, what it records, and that tampering is caught.

use recoup_core::role::Permission;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn only_admins_and_compliance_read_and_verify_the_audit_trail() {
    for app in spawn_apps().await {
        for (username, role) in demo_users() {
            let session = app.login(username).await;
            let expected = if role.allows(Permission::ReadAudit) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            for path in ["/api/v1/audit", "/api/v1/audit/verify"] {
                let status = app.get(path, &session).await.status();
                assert_eq!(status, expected, "{}: {username} GET {path}", app.backend);
            }
        }
        let anonymous = app.call(Method::GET, "/api/v1/audit", None, None).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_trail_records_sign_ins_failures_and_new_users_with_the_request_id() {
    for app in spawn_apps().await {
        app.try_login("field1", "wrong password").await;
        let admin = app.login("admin").await;
        let created = app
            .call(
                Method::POST,
                "/api/v1/users",
                Some(&admin),
                Some(json!({ "username": "audited", "role": "recovery", "password": "correct-horse-42" })),
            )
            .await;
        let request_id = created
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let compliance = app.login("compliance").await;
        let (status, page) =
            status_and_json(app.get("/api/v1/audit?limit=4", &compliance).await).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        let entries = page["entries"].as_array().unwrap();
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["login", "user_created", "login", "login_failed"]);
        assert_eq!(entries[1]["event_id"], request_id.as_str());
        assert_eq!(entries[1]["detail"]["role"], "recovery");
        assert_eq!(entries[3]["detail"]["reason"], "wrong_password");
        let next = page["next_before"].as_i64().unwrap();
        let (_, older) = status_and_json(
            app.get(
                &format!("/api/v1/audit?before={next}&limit=1000"),
                &compliance,
            )
            .await,
        )
        .await;
        // The nine demo users were created before.
        assert_eq!(older["entries"].as_array().unwrap().len(), 9);
        assert!(older["next_before"].is_null());
        let (_, verdict) =
            status_and_json(app.get("/api/v1/audit/verify", &compliance).await).await;
        assert_eq!(verdict["intact"], true, "{verdict}");
        assert_eq!(verdict["rows_checked"], 13);
    }
}

#[tokio::test]
async fn an_altered_row_is_named_by_verification() {
    for app in spawn_apps().await {
        app.login("collector1").await;
        app.login("collector2").await;
        let admin = app.login("admin").await;
        let (_, before) = status_and_json(app.get("/api/v1/audit/verify", &admin).await).await;
        assert_eq!(before["intact"], true, "{}: {before}", app.backend);
        app.execute("UPDATE audit_log SET actor = 'someone_else' WHERE seq = 10")
            .await;
        let (_, after) = status_and_json(app.get("/api/v1/audit/verify", &admin).await).await;
        assert_eq!(after["intact"], false, "{}: {after}", app.backend);
        assert_eq!(after["broken_seq"], 10);
        assert!(
            after["reason"].as_str().unwrap().contains("altered"),
            "{after}"
        );
    }
}

#[tokio::test]
async fn a_rehashed_row_a_removed_row_and_a_cut_tail_are_all_caught() {
    for app in spawn_apps().await {
        app.login("legal").await;
        app.login("recovery").await;
        // Rewriting a row and its own hash still breaks the next row's link.
        let row = app.store.audit_rows(Some(11), 1).await.unwrap().remove(0);
        assert_eq!(row.seq, 10);
        let forged_hash = recoup_store::chain_hash(
            &row.prev_hash,
            row.seq,
            &row.at,
            "intruder",
            &row.action,
            &row.subject,
            &row.detail,
            &row.event_id,
        );
        app.execute(&format!(
            "UPDATE audit_log SET actor = 'intruder', hash = '{forged_hash}' WHERE seq = 10"
        ))
        .await;
        let verdict = app.store.verify_audit().await.unwrap();
        assert_eq!(
            verdict.broken.as_ref().map(|b| b.seq),
            Some(11),
            "{}: {verdict:?}",
            app.backend
        );

        let app = spawn_apps().await.remove(0);
        app.login("legal").await;
        app.execute("DELETE FROM audit_log WHERE seq = 5").await;
        let verdict = app.store.verify_audit().await.unwrap();
        assert_eq!(
            verdict.broken.as_ref().map(|b| b.seq),
            Some(5),
            "{verdict:?}"
        );
        assert!(verdict.broken.unwrap().reason.contains("missing"));

        let app = spawn_apps().await.remove(0);
        app.login("legal").await;
        app.execute("DELETE FROM audit_log WHERE seq = 10").await;
        let verdict = app.store.verify_audit().await.unwrap();
        assert_eq!(
            verdict.broken.as_ref().map(|b| b.seq),
            Some(10),
            "{verdict:?}"
        );
        assert!(verdict
            .broken
            .unwrap()
            .reason
            .contains("removed from the end"));
    }
}

#[tokio::test]
async fn concurrent_sign_ins_keep_the_chain_unforked() {
    for app in spawn_apps().await {
        let mut tasks = Vec::new();
        for round in 0..4 {
            for (username, _) in demo_users() {
                let client = app.client.clone();
                let url = app.url("/api/v1/session");
                let password = if round % 2 == 0 {
                    "recoup-demo"
                } else {
                    "wrong password"
                };
                tasks.push(tokio::spawn(async move {
                    client
                        .post(url)
                        .json(&json!({ "username": username, "password": password }))
                        .send()
                        .await
                        .unwrap()
                        .status()
                }));
            }
        }
        for task in tasks {
            let status = task.await.unwrap();
            assert!(
                status == StatusCode::OK || status == StatusCode::UNAUTHORIZED,
                "{status}"
            );
        }
        let verdict = app.store.verify_audit().await.unwrap();
        assert_eq!(verdict.broken, None, "{}", app.backend);
        assert_eq!(verdict.rows_checked, 9 + 36, "{}", app.backend);
    }
}
