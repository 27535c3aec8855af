//! Users: only administrators list and create them; fields are checked; new users can sign in.

use recoup_core::role::{Permission, Role};
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
        }
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
