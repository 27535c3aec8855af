//! Bad input gets a 4xx JSON error naming the field, never a 5xx: hand-picked cases and random
//! bodies.

use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// Sends raw bytes with a content type (or none).
async fn send_raw(
    app: &TestApp,
    path: &str,
    session: Option<&Session>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = app.client.post(app.url(path)).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(session) = session {
        request = request.bearer_auth(&session.token);
    }
    status_and_json(request.send().await.unwrap()).await
}

/// One hand-picked bad request and the error it must get.
struct Case {
    description: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
}

impl Case {
    fn new(
        description: &'static str,
        path: &'static str,
        content_type: Option<&'static str>,
        body: Vec<u8>,
        status: StatusCode,
        code: &'static str,
        field: Option<&'static str>,
    ) -> Case {
        Case {
            description,
            path,
            content_type,
            body,
            status,
            code,
            field,
        }
    }
}

#[tokio::test]
async fn bad_bodies_get_a_4xx_json_error_naming_the_field() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        let json_type = Some("application/json");
        let cases: Vec<Case> = vec![
            Case::new(
                "an unknown field",
                "/api/v1/session",
                json_type,
                br#"{"username":"a","password":"b","remember":true}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("remember"),
            ),
            Case::new(
                "a missing field",
                "/api/v1/session",
                json_type,
                br#"{"username":"a"}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("password"),
            ),
            Case::new(
                "a wrong type",
                "/api/v1/session",
                json_type,
                br#"{"username":["a"],"password":"b"}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("username"),
            ),
            Case::new(
                "a null",
                "/api/v1/session",
                json_type,
                br#"{"username":null,"password":"b"}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("username"),
            ),
            Case::new(
                "not an object",
                "/api/v1/session",
                json_type,
                br#""admin""#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                None,
            ),
            Case::new(
                "invalid JSON",
                "/api/v1/session",
                json_type,
                br#"{"username":"a","#.to_vec(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
                None,
            ),
            Case::new(
                "trailing garbage",
                "/api/v1/session",
                json_type,
                br#"{"username":"a","password":"b"}}"#.to_vec(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
                None,
            ),
            Case::new(
                "an empty body",
                "/api/v1/session",
                json_type,
                Vec::new(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
                None,
            ),
            Case::new(
                "invalid UTF-8",
                "/api/v1/session",
                json_type,
                b"{\"username\":\"\xff\",\"password\":\"b\"}".to_vec(),
                StatusCode::BAD_REQUEST,
                "invalid_json",
                None,
            ),
            Case::new(
                "no content type",
                "/api/v1/session",
                None,
                br#"{"username":"a","password":"b"}"#.to_vec(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            ),
            Case::new(
                "a form",
                "/api/v1/session",
                Some("application/x-www-form-urlencoded"),
                b"username=a&password=b".to_vec(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
            ),
            Case::new(
                "an oversized body",
                "/api/v1/session",
                json_type,
                format!(r#"{{"username":"a","password":"{}"}}"#, "x".repeat(20_000)).into_bytes(),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                None,
            ),
            Case::new(
                "a nested wrong type",
                "/api/v1/users",
                json_type,
                br#"{"username":"n1","role":{"admin":true},"password":"correct-horse-42"}"#
                    .to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("role"),
            ),
            Case::new(
                "a number as a role",
                "/api/v1/users",
                json_type,
                br#"{"username":"n1","role":1,"password":"correct-horse-42"}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("role"),
            ),
            Case::new(
                "a missing role",
                "/api/v1/users",
                json_type,
                br#"{"username":"n1","password":"correct-horse-42"}"#.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                Some("role"),
            ),
            Case::new(
                "an oversized user",
                "/api/v1/users",
                json_type,
                format!(
                    r#"{{"username":"n1","role":"legal","password":"{}"}}"#,
                    "y".repeat(1 << 20)
                )
                .into_bytes(),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                None,
            ),
        ];
        for Case {
            description,
            path,
            content_type,
            body,
            status,
            code,
            field,
        } in cases
        {
            let (got_status, error) = send_raw(&app, path, Some(&admin), content_type, body).await;
            assert_eq!(
                got_status, status,
                "{}: {description}: {error}",
                app.backend
            );
            assert_eq!(error["error"], code, "{description}: {error}");
            assert_eq!(error["field"].as_str(), field, "{description}: {error}");
            assert!(
                error["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{description}"
            );
        }
    }
}

#[tokio::test]
async fn bad_query_strings_unknown_routes_and_methods_get_json_errors() {
    for app in spawn_apps().await {
        let admin = app.login("admin").await;
        for (path, field) in [
            ("/api/v1/audit?limit=abc", "limit"),
            ("/api/v1/audit?limit=0", "limit"),
            ("/api/v1/audit?limit=100000", "limit"),
            ("/api/v1/audit?before=1.5", "before"),
            ("/api/v1/audit?sort=desc", "sort"),
        ] {
            let (status, error) = status_and_json(app.get(path, &admin).await).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{}: {path}: {error}",
                app.backend
            );
            assert_eq!(error["field"], field, "{path}: {error}");
        }
        let (status, error) = status_and_json(app.get("/api/v1/nothing-here", &admin).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(error["error"], "not_found");
        let (status, error) = status_and_json(
            app.call(Method::PUT, "/api/v1/session", Some(&admin), None)
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(error["error"], "method_not_allowed");
    }
}

/// Random JSON: mostly objects using the real field names, with values of every type.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|x| json!(x)),
        "\\PC{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("admin"),
            Just("collector"),
            Just("agency"),
            Just("field_agent"),
            Just("recoup-demo"),
            Just("correct-horse-42"),
            Just(""),
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(field_name(), inner, 0..7)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop_oneof![
            Just("username"), Just("password"), Just("role"), Just("display_name"),
            Just("agency"), Just("region"),
        ]
        .prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ]
}

#[test]
fn random_bodies_never_get_a_5xx() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (apps, admin) = runtime.block_on(async {
        let apps = spawn_apps().await;
        let mut admins = Vec::new();
        for app in &apps {
            admins.push(app.login("admin").await);
        }
        (apps, admins)
    });
    let config = ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(body in json_value(), to_users in any::<bool>())| {
        runtime.block_on(async {
            for (app, admin) in apps.iter().zip(&admin) {
                let path = if to_users { "/api/v1/users" } else { "/api/v1/session" };
                let (status, error) = send_raw(
                    app, path, Some(admin), Some("application/json"),
                    serde_json::to_vec(&body).unwrap(),
                ).await;
                assert!(
                    status.is_success() || status.is_client_error(),
                    "{}: {path} {body} -> {status} {error}", app.backend
                );
                if status.is_client_error() {
                    assert!(error["error"].is_string(), "{path} {body} -> {error}");
                }
            }
        });
    });
}

/// Every route with an id in its path, as the OpenAPI document lists them, answers a malformed
/// id the same way: 400 `invalid_path` naming the parameter (after the session and role
/// checks, so a role that may not use the route still gets its 403).
#[tokio::test]
async fn a_malformed_path_id_gets_the_same_answer_on_every_route() {
    for app in spawn_apps().await {
        let document: Value = app
            .client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let sessions = [
            app.login("admin").await,
            app.login("manager").await,
            app.login("collector1").await,
        ];
        let mut checked = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            let Some(start) = path.find('{') else {
                continue;
            };
            let name = &path[start + 1..path.find('}').unwrap()];
            if name != "id" && !name.ends_with("_id") {
                continue; // usernames and the like are not numeric ids
            }
            let concrete = path.replace(&format!("{{{name}}}"), "x");
            for (method, _) in item.as_object().unwrap() {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let body = (method != Method::GET).then(|| json!({}));
                let mut told_bad = false;
                for session in &sessions {
                    let response = app
                        .call(method.clone(), &concrete, Some(session), body.clone())
                        .await;
                    let (status, answer) = status_and_json(response).await;
                    match status {
                        StatusCode::BAD_REQUEST => {
                            assert_eq!(
                                answer["error"], "invalid_path",
                                "{method} {concrete}: {answer}"
                            );
                            assert_eq!(answer["field"], name, "{method} {concrete}: {answer}");
                            told_bad = true;
                        }
                        StatusCode::FORBIDDEN => {}
                        other => panic!("{}: {method} {concrete}: {other} {answer}", app.backend),
                    }
                }
                assert!(
                    told_bad,
                    "{}: no role was told the id is malformed: {method} {concrete}",
                    app.backend
                );
                checked += 1;
            }
        }
        assert!(
            checked >= 9,
            "{}: only {checked} routes with an id",
            app.backend
        );
    }
}
