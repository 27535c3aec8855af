//! Signing in and out: tokens and cookies, CSRF, lockout, expiry, no user enumeration.

use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn signing_in_returns_a_bearer_token_and_an_http_only_strict_cookie() {
    for app in spawn_apps().await {
        let response = app.try_login("collector1", "recoup-demo").await;
        assert_eq!(response.status(), StatusCode::OK, "{}", app.backend);
        let cookie = response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        for flag in [
            "recoup_session=",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(
                cookie.contains(flag),
                "{}: {flag} missing in {cookie}",
                app.backend
            );
        }
        let body: Value = response.json().await.unwrap();
        let token = body["token"].as_str().unwrap();
        assert!(cookie.contains(token));
        assert_eq!(body["user"]["username"], "collector1");
        assert_eq!(body["user"]["role"], "collector");
        assert!(body["user"].get("password_hash").is_none());
        let session = Session {
            token: token.to_string(),
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
        };
        let (status, me) = status_and_json(app.get("/api/v1/me", &session).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["user"]["display_name"], "李催收");
        assert_eq!(me["csrf_token"], session.csrf.as_str());
    }
}

#[tokio::test]
async fn a_wrong_password_an_unknown_user_and_a_bad_username_get_the_same_answer() {
    for app in spawn_apps().await {
        let wrong = status_and_json(app.try_login("collector1", "not-the-password").await).await;
        let unknown = status_and_json(app.try_login("nobody", "recoup-demo").await).await;
        let malformed = status_and_json(app.try_login("no body!", "recoup-demo").await).await;
        assert_eq!(wrong.0, StatusCode::UNAUTHORIZED, "{}", app.backend);
        assert_eq!(wrong.1["error"], "invalid_credentials");
        assert_eq!(wrong, unknown);
        assert_eq!(wrong, malformed);
    }
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

#[tokio::test]
async fn repeated_failures_make_the_address_wait_longer_each_time_and_are_audited() {
    for app in spawn_apps().await {
        for _ in 0..3 {
            let response = app.try_login("collector2", "wrong password").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        // Now this address waits a minute: even the right password is not checked.
        let response = app.try_login("collector2", "recoup-demo").await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            app.backend
        );
        assert_eq!(retry_after(&response), Some(60));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "too_many_attempts");
        // After the wait, one more failure doubles it.
        app.clock.advance(TimeDelta::minutes(1));
        assert_eq!(
            app.try_login("collector2", "wrong again").await.status(),
            StatusCode::UNAUTHORIZED
        );
        let response = app.try_login("collector2", "recoup-demo").await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after(&response), Some(120));
        app.clock.advance(TimeDelta::seconds(119));
        assert_eq!(
            app.try_login("collector2", "recoup-demo").await.status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        app.clock.advance(TimeDelta::seconds(1));
        app.login("collector2").await;
        let rows = app.store.audit_rows(None, 100).await.unwrap();
        let mine: Vec<_> = rows
            .iter()
            .filter(|row| row.subject == "user:collector2")
            .collect();
        assert_eq!(mine.first().map(|row| row.action.as_str()), Some("login"));
        let throttled: Vec<_> = mine
            .iter()
            .filter(|row| row.action == "login_throttled")
            .collect();
        assert_eq!(throttled.len(), 2, "a wait started twice: {mine:?}");
        assert!(
            throttled[0].detail.contains(r#""client":"127.0.0.1""#),
            "{}",
            throttled[0].detail
        );
        assert!(mine
            .iter()
            .any(|row| row.action == "login_failed"
                && row.detail.contains(r#""reason":"throttled""#)));
    }
}

#[tokio::test]
async fn an_attacker_guessing_from_one_address_cannot_keep_the_owner_out() {
    let apps = spawn_apps_with(|mut state, _| {
        state.config = std::sync::Arc::new(recoup_server::ServerConfig {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            ..(*state.config).clone()
        });
        state
    })
    .await;
    for app in apps {
        let attacker = "203.0.113.5";
        let mut throttled = 0;
        for _ in 0..20 {
            let status = app
                .try_login_from(attacker, "collector2", "guess")
                .await
                .status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                throttled += 1;
            }
        }
        assert_eq!(
            throttled, 17,
            "{}: all but the first three wait",
            app.backend
        );
        // The owner, at their own address, signs in at once.
        let response = app
            .try_login_from("198.51.100.7", "collector2", "recoup-demo")
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{}", app.backend);
        // The attacker still waits, whatever they put first in the header: the proxy's
        // rightmost entry is the one believed.
        let forged = format!("198.51.100.7, {attacker}");
        assert_eq!(
            app.try_login_from(&forged, "collector2", "recoup-demo")
                .await
                .status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_forwarded_for_buys_no_fresh_attempts() {
    for app in spawn_apps().await {
        let mut statuses = Vec::new();
        for i in 0..5 {
            let client = format!("192.0.2.{i}");
            statuses.push(
                app.try_login_from(&client, "collector2", "guess")
                    .await
                    .status(),
            );
        }
        assert_eq!(
            statuses,
            [
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::TOO_MANY_REQUESTS
            ],
            "{}",
            app.backend
        );
    }
}

#[tokio::test]
async fn unknown_usernames_are_throttled_like_real_ones() {
    for app in spawn_apps().await {
        let mut real = Vec::new();
        let mut unknown = Vec::new();
        for _ in 0..4 {
            real.push(app.try_login("collector1", "guess").await.status());
            unknown.push(app.try_login("nobody-here", "guess").await.status());
        }
        assert_eq!(real, unknown, "{}", app.backend);
        assert_eq!(real[3], StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn one_address_trying_many_accounts_waits_too() {
    for app in spawn_apps().await {
        // 30 failures from one address, at most two per account, start the address's wait.
        let mut last = StatusCode::OK;
        for i in 0..31 {
            last = app
                .try_login(&format!("user{}", i / 2), "guess")
                .await
                .status();
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "{}", app.backend);
    }
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    for app in spawn_apps().await {
        for _ in 0..2 {
            app.try_login("legal", "wrong password").await;
        }
        app.login("legal").await;
        for _ in 0..2 {
            app.try_login("legal", "wrong password").await;
        }
        app.login("legal").await;
    }
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_for_changes_but_not_for_reads() {
    for app in spawn_apps().await {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let response = browser
            .post(app.url("/api/v1/session"))
            .json(&json!({ "username": "admin", "password": "recoup-demo" }))
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_string();
        let me = browser.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::OK, "{}: cookie read", app.backend);

        let new_user =
            json!({ "username": "csrf1", "role": "collector", "password": "correct-horse-42" });
        let without = browser
            .post(app.url("/api/v1/users"))
            .json(&new_user)
            .send()
            .await
            .unwrap();
        let (status, error) = status_and_json(without).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(error["error"], "csrf");
        let wrong = browser
            .post(app.url("/api/v1/users"))
            .header("x-csrf-token", "0".repeat(64))
            .json(&new_user)
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
        let with = browser
            .post(app.url("/api/v1/users"))
            .header("x-csrf-token", &csrf)
            .json(&new_user)
            .send()
            .await
            .unwrap();
        assert_eq!(with.status(), StatusCode::CREATED);

        let logout = browser
            .delete(app.url("/api/v1/session"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            logout.status(),
            StatusCode::FORBIDDEN,
            "logout needs CSRF too"
        );
        let logout = browser
            .delete(app.url("/api/v1/session"))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), StatusCode::NO_CONTENT);
        let cleared = logout
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        let me = browser.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn bearer_requests_need_no_csrf_token_and_signing_out_ends_the_session() {
    for app in spawn_apps().await {
        let session = app.login("admin").await;
        let created = app
            .call(
                Method::POST,
                "/api/v1/users",
                Some(&session),
                Some(json!({ "username": "bearer1", "role": "legal", "password": "correct-horse-42" })),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED, "{}", app.backend);
        let out = app
            .call(Method::DELETE, "/api/v1/session", Some(&session), None)
            .await;
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        let (status, body) = status_and_json(app.get("/api/v1/me", &session).await).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "unauthenticated");
    }
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_the_end_of_their_lifetime() {
    for app in spawn_apps().await {
        let idle = app.login("manager").await;
        app.clock.advance(TimeDelta::minutes(29));
        assert_eq!(app.get("/api/v1/me", &idle).await.status(), StatusCode::OK);
        app.clock.advance(TimeDelta::minutes(29));
        assert_eq!(
            app.get("/api/v1/me", &idle).await.status(),
            StatusCode::OK,
            "{}: use keeps a session alive",
            app.backend
        );
        app.clock.advance(TimeDelta::minutes(31));
        assert_eq!(
            app.get("/api/v1/me", &idle).await.status(),
            StatusCode::UNAUTHORIZED
        );

        let busy = app.login("manager").await;
        for _ in 0..(12 * 3 - 1) {
            app.clock.advance(TimeDelta::minutes(20));
            assert_eq!(app.get("/api/v1/me", &busy).await.status(), StatusCode::OK);
        }
        app.clock.advance(TimeDelta::minutes(20));
        assert_eq!(
            app.get("/api/v1/me", &busy).await.status(),
            StatusCode::UNAUTHORIZED,
            "{}: absolute lifetime",
            app.backend
        );
    }
}

#[tokio::test]
async fn requests_without_a_valid_session_are_refused() {
    for app in spawn_apps().await {
        let none = app.call(Method::GET, "/api/v1/me", None, None).await;
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
        let forged = Session {
            token: "ab".repeat(32),
            csrf: String::new(),
        };
        assert_eq!(
            app.get("/api/v1/me", &forged).await.status(),
            StatusCode::UNAUTHORIZED
        );
        let garbage = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", "Bearer ../../etc/passwd")
            .send()
            .await
            .unwrap();
        assert_eq!(garbage.status(), StatusCode::UNAUTHORIZED);
    }
}
