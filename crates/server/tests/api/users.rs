//! Users: only administrators list, create and change them; fields are checked; new users can
//! sign in; a deactivated user is signed out and refused, a new password ends old sessions.

use recoup_core::role::{Permission, Role};
use recoup_store::DEMO_PASSWORD;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn every_role_gets_exactly_the_user_endpoints_its_permissions_allow() {
    for app in spawn_apps().await {
        for (n, (username, role)) in demo_users().into_iter().enumerate() {
            let session = app.login(username).await;
            let allowed = role.allows(Permission::ManageUsers);
            let expected = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            let list = app.get("/api/v1/users", &session).await;
            assert_eq!(
                list.status(),
                expected,
                "{}: {username} GET /users",
                app.backend
            );
            let create = app
                .call(
                    Method::POST,
                    "/api/v1/users",
                    Some(&session),
                    Some(json!({ "username": format!("made{n}"), "role": "collector", "password": "correct-horse-42" })),
                )
                .await;
            let expected = if allowed {
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            };
            let (status, body) = status_and_json(create).await;
            assert_eq!(
                status, expected,
                "{}: {username} POST /users: {body}",
                app.backend
            );
            if !allowed {
                assert_eq!(body["error"], "forbidden");
            }
            let (status, body) = status_and_json(
                app.call(
                    Method::PATCH,
                    "/api/v1/users/collector2",
                    Some(&session),
                    Some(json!({ "display_name": format!("张催收{n}") })),
                )
                .await,
            )
            .await;
            let expected = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(
                status, expected,
                "{}: {username} PATCH /users/collector2: {body}",
                app.backend
            );
        }
        let anonymous = app
            .call(
                Method::PATCH,
                "/api/v1/users/collector2",
                None,
                Some(json!({ "active": false })),
            )
            .await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        for method in [Method::GET, Method::POST] {
            let anonymous = app
                .call(method.clone(), "/api/v1/users", None, Some(json!({})))
                .await;
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method}");
        }
    }
}

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_sign_in() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let (status, created) = status_and_json(
            app.call(
                Method::POST,
                "/api/v1/users",
                Some(&admin),
                Some(json!({
                    "username": "Agency2",
                    "display_name": "钱委外",
                    "role": "agency",
                    "agency": "远东资产管理有限公司",
                    "region": "华南",
                    "password": "long and unusual",
                })),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {created}", app.backend);
        assert_eq!(created["username"], "agency2");
        assert_eq!(created["agency"], "远东资产管理有限公司");
        let login = app.try_login("agency2", "long and unusual").await;
        assert_eq!(login.status(), StatusCode::OK);
        let (_, users) = status_and_json(app.get("/api/v1/users", &admin).await).await;
        let names: Vec<&str> = users
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"agency2") && names.contains(&"collector1"),
            "{names:?}"
        );
        assert_eq!(names.len(), Role::ALL.len() + 2);
        let audit = app.store.audit_rows(None, 10).await.unwrap();
        let created_row = audit
            .iter()
            .find(|row| row.action == "user_created" && row.subject == "user:agency2")
            .unwrap();
        assert_eq!(created_row.actor, "admin");
        assert!(!created_row.detail.contains("long and unusual"));
    }
}

#[tokio::test]
async fn bad_users_are_refused_naming_the_field() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let cases: [(&str, Value, StatusCode, &str); 7] = [
            (
                "a taken username",
                json!({ "username": "collector1", "role": "collector", "password": "correct-horse-42" }),
                StatusCode::CONFLICT,
                "username",
            ),
            (
                "a weak password",
                json!({ "username": "new1", "role": "collector", "password": "short" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "password",
            ),
            (
                "an empty password",
                json!({ "username": "new1", "role": "collector", "password": "" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "password",
            ),
            (
                "an agency user without an agency",
                json!({ "username": "new1", "role": "agency", "password": "correct-horse-42" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "agency",
            ),
            (
                "an unknown role",
                json!({ "username": "new1", "role": "root", "password": "correct-horse-42" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "role",
            ),
            (
                "a bad username",
                json!({ "username": "新用户", "role": "collector", "password": "correct-horse-42" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "username",
            ),
            (
                "an unknown field",
                json!({ "username": "new1", "role": "collector", "password": "correct-horse-42", "is_admin": true }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "is_admin",
            ),
        ];
        for (description, body, expected_status, field) in cases {
            let (status, error) = status_and_json(
                app.call(Method::POST, "/api/v1/users", Some(&admin), Some(body))
                    .await,
            )
            .await;
            assert_eq!(
                status, expected_status,
                "{}: {description}: {error}",
                app.backend
            );
            assert_eq!(error["field"], field, "{description}: {error}");
            assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
}

async fn patch(app: &TestApp, who: &Session, username: &str, body: Value) -> (StatusCode, Value) {
    status_and_json(
        app.call(
            Method::PATCH,
            &format!("/api/v1/users/{username}"),
            Some(who),
            Some(body),
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn a_deactivated_user_is_signed_out_refused_and_can_be_brought_back() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let collector = app.login("collector2").await;
        assert_eq!(
            app.get("/api/v1/me", &collector).await.status(),
            StatusCode::OK
        );
        let (status, body) = patch(&app, &admin, "collector2", json!({ "active": false })).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
        assert_eq!(body["user"]["active"], false);
        assert_eq!(body["sessions_ended"], 1);
        assert_eq!(body["open_cases"], 0);
        // Signed out everywhere, and refused at the door like a wrong password.
        assert_eq!(
            app.get("/api/v1/me", &collector).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let refused = app.try_login("collector2", DEMO_PASSWORD).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        // Back again: signs in with the old password.
        let (status, body) = patch(&app, &admin, "collector2", json!({ "active": true })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["sessions_ended"], 0);
        assert_eq!(
            app.try_login("collector2", DEMO_PASSWORD).await.status(),
            StatusCode::OK
        );
        let trail = app.store.audit_rows(None, 20).await.unwrap();
        let changes: Vec<&str> = trail
            .iter()
            .filter(|row| row.action == "user_changed" && row.subject == "user:collector2")
            .map(|row| row.detail.as_str())
            .collect();
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes.iter().any(|d| d.contains(r#""active":false"#)));
        assert!(trail
            .iter()
            .filter(|row| row.action == "user_changed")
            .all(|row| row.actor == "admin"));
    }
}

#[tokio::test]
async fn a_new_password_ends_old_sessions_clears_the_throttle_and_is_never_journaled() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let old_session = app.login("field1").await;
        // Wrong passwords make this address wait.
        for _ in 0..3 {
            app.try_login("field1", "not the password").await;
        }
        assert_eq!(
            app.try_login("field1", DEMO_PASSWORD).await.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}: throttled",
            app.backend
        );
        let (status, body) = patch(
            &app,
            &admin,
            "field1",
            json!({ "password": "a fresh one for field", "region": "华东" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["region"], "华东");
        assert_eq!(
            app.get("/api/v1/me", &old_session).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.try_login("field1", DEMO_PASSWORD).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.try_login("field1", "a fresh one for field")
                .await
                .status(),
            StatusCode::OK
        );
        let trail = app.store.audit_rows(None, 50).await.unwrap();
        let change = trail
            .iter()
            .find(|row| row.action == "user_changed")
            .unwrap();
        assert!(
            change.detail.contains(r#""password_set":true"#),
            "{}",
            change.detail
        );
        assert!(
            change.detail.contains(r#""throttles_cleared":1"#),
            "{}",
            change.detail
        );
        assert!(trail.iter().all(|row| !row.detail.contains("a fresh one")));
        // A blank region clears it.
        let (_, body) = patch(&app, &admin, "field1", json!({ "region": " " })).await;
        assert!(body["user"]["region"].is_null(), "{body}");
    }
}

#[tokio::test]
async fn bad_user_changes_are_refused_naming_the_field_and_change_nothing() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let cases: [(&str, &str, Value, StatusCode, Option<&str>); 7] = [
            (
                "deactivating oneself",
                "admin",
                json!({ "active": false }),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("active"),
            ),
            (
                "nothing to change",
                "collector1",
                json!({}),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("active"),
            ),
            (
                "a weak password",
                "collector1",
                json!({ "password": "collector1-abc" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("password"),
            ),
            (
                "a blank display name",
                "collector1",
                json!({ "display_name": "  " }),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("display_name"),
            ),
            (
                "an unknown field",
                "collector1",
                json!({ "role": "admin" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("role"),
            ),
            (
                "active as text",
                "collector1",
                json!({ "active": "no" }),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            (
                "no such user",
                "nobody",
                json!({ "active": false }),
                StatusCode::NOT_FOUND,
                None,
            ),
        ];
        for (what, username, body, expected, field) in cases {
            let (status, answer) = patch(&app, &admin, username, body).await;
            assert_eq!(status, expected, "{}: {what}: {answer}", app.backend);
            if let Some(field) = field {
                assert_eq!(answer["field"], field, "{what}: {answer}");
            }
        }
        // Nothing changed: everyone still active, collector1 signs in with the demo password.
        let (_, users) = status_and_json(app.get("/api/v1/users", &admin).await).await;
        assert!(users
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["active"] == true));
        assert_eq!(
            app.try_login("collector1", DEMO_PASSWORD).await.status(),
            StatusCode::OK
        );
        assert!(app
            .store
            .audit_rows(None, 50)
            .await
            .unwrap()
            .iter()
            .all(|row| row.action != "user_changed"));
    }
}
