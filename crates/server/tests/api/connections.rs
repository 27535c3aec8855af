//! Slow and idle clients and the connection cap, over raw TCP; and the browser security
//! headers on the UI, the API and the docs page.

use std::sync::Arc;
use std::time::{Duration, Instant};

use recoup_server::{ConnectionLimits, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

const LIMITS: ConnectionLimits = ConnectionLimits {
    header_read_timeout: Duration::from_millis(400),
    idle_timeout: Duration::from_millis(800),
    max_connections: 4,
};

async fn apps_with_tight_limits() -> Vec<TestApp> {
    spawn_apps_with(|mut state, _| {
        state.config = Arc::new(ServerConfig {
            connections: LIMITS,
            ..(*state.config).clone()
        });
        state
    })
    .await
}

fn socket_address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (or `limit` passes); returns what was read
/// and how long the server kept the connection.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open for {limit:?}"),
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn half_a_request_header_is_timed_out() {
    for app in apps_with_tight_limits().await {
        let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        let (_, open_for) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(
            open_for < Duration::from_secs(2),
            "{}: open for {open_for:?}",
            app.backend
        );
    }
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    for app in apps_with_tight_limits().await {
        let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
        let (_, open_for) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(open_for < Duration::from_secs(2), "{}", app.backend);
    }
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    for app in apps_with_tight_limits().await {
        let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (answer, open_for) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{}: {answer}",
            app.backend
        );
        assert!(
            open_for >= Duration::from_millis(300) && open_for < Duration::from_secs(3),
            "{}: {open_for:?}",
            app.backend
        );
    }
}

#[tokio::test]
async fn past_the_cap_a_connection_gets_503_and_the_open_ones_keep_working() {
    for app in apps_with_tight_limits().await {
        let address = socket_address(&app);
        // Three slow clients hold slots; the fourth is a real client on keep-alive.
        let mut slow = Vec::new();
        for _ in 0..3 {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\n")
                .await
                .unwrap();
            slow.push(stream);
        }
        let mut client = TcpStream::connect(&address).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut over = TcpStream::connect(&address).await.unwrap();
        let (answer, _) = read_until_closed(&mut over, Duration::from_secs(2)).await;
        assert!(
            answer.starts_with("HTTP/1.1 503") && answer.contains("Retry-After: 1"),
            "{}: {answer}",
            app.backend
        );
        client
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let (answer, _) = read_until_closed(&mut client, Duration::from_secs(2)).await;
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{}: {answer}",
            app.backend
        );
        // Once the slow ones are timed out, new clients get in again.
        for mut stream in slow {
            read_until_closed(&mut stream, Duration::from_secs(5)).await;
        }
        let response = app
            .client
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", app.backend);
        let metrics = app
            .client
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("recoup_http_refused_connections_total 1"),
            "{}: {metrics}",
            app.backend
        );
        assert!(
            metrics.contains("recoup_http_timed_out_connections_total"),
            "{}",
            app.backend
        );
    }
}

#[tokio::test]
async fn the_ui_the_api_and_the_docs_send_security_headers() {
    for app in spawn_apps().await {
        for path in ["/", "/login", "/api/v1/cases", "/healthz", "/api/docs"] {
            let response = app
                .client
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
            let headers = response.headers();
            let csp = headers
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp:?}");
            assert!(csp.contains("object-src 'none'"), "{path}: {csp:?}");
            if path == "/api/docs" {
                assert!(csp.contains("https://cdn.jsdelivr.net"), "{csp}");
            } else {
                assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
            }
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
            assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            // The test server is plain HTTP: no HSTS.
            assert!(!headers.contains_key("strict-transport-security"), "{path}");
        }
    }
}
