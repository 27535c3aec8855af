//! `recoup user add`, `recoup audit verify`, `recoup serve` and the demo's server: the binary
//! end to end, including a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::support::*;

fn recoup_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_recoup"))
        .args(args)
        .current_dir(dir)
        .env_remove("RECOUP_DATABASE_URL")
        .env_remove("RECOUP_CONFIG")
        .env_remove("RECOUP_LISTEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_weak_ones_and_taken_names() {
    let dir = tempfile::tempdir().unwrap();
    let add = |name: &str, role: &str, password: &str| {
        recoup_with_stdin(
            dir.path(),
            &["user", "add", name, "--role", role, "--password-stdin"],
            password,
        )
    };
    let weak = add("collector9", "collector", "short\n");
    assert_eq!(weak.status.code(), Some(1), "{}", stderr(&weak));
    assert!(stderr(&weak).contains("password"), "{}", stderr(&weak));
    let empty = add("collector9", "collector", "\n");
    assert_eq!(empty.status.code(), Some(1));
    let bad_role = add("collector9", "boss", "correct-horse-42\n");
    assert_eq!(bad_role.status.code(), Some(1));
    assert!(
        stderr(&bad_role).contains("field_agent"),
        "{}",
        stderr(&bad_role)
    );
    let agency_without_agency = add("agency9", "agency", "correct-horse-42\n");
    assert_eq!(agency_without_agency.status.code(), Some(1));
    assert!(stderr(&agency_without_agency).contains("agency"));

    let ok = add("Collector9", "collector", "correct-horse-42\n");
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(stdout(&ok), "created user collector9 (collector)\n");
    assert!(!stdout(&ok).contains("correct-horse-42") && !stderr(&ok).contains("correct-horse-42"));
    let again = add("collector9", "collector", "correct-horse-42\n");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already taken"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn audit_verify_passes_an_untouched_trail_and_names_a_tampered_row() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["legal9", "recovery9", "manager9"] {
        let out = recoup_with_stdin(
            dir.path(),
            &["user", "add", name, "--role", "legal", "--password-stdin"],
            "correct-horse-42\n",
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let intact = recoup(dir.path(), &["audit", "verify"]);
    assert!(intact.status.success(), "{}", stderr(&intact));
    assert_eq!(stdout(&intact), "audit trail intact: 3 row(s) checked\n");

    let db = dir.path().join("recoup.db");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", db.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_log SET detail = '{\"role\":\"admin\"}' WHERE seq = 2")
            .execute(&mut conn)
            .await
            .unwrap();
    });
    let broken = recoup(dir.path(), &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("audit trail broken at row 2"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn user_password_deactivate_and_activate_change_an_account_and_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let add = recoup_with_stdin(
        dir.path(),
        &[
            "user",
            "add",
            "admin2",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "correct-horse-42\n",
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let weak = recoup_with_stdin(
        dir.path(),
        &["user", "password", "admin2", "--password-stdin"],
        "admin2-pass\n",
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(stderr(&weak).contains("password"), "{}", stderr(&weak));
    let set = recoup_with_stdin(
        dir.path(),
        &["user", "password", "Admin2", "--password-stdin"],
        "a much better passphrase\n",
    );
    assert!(set.status.success(), "{}", stderr(&set));
    assert_eq!(
        stdout(&set),
        "password set for user admin2; 0 session(s) ended, 0 open case(s) assigned\n"
    );
    assert!(!stdout(&set).contains("passphrase") && !stderr(&set).contains("passphrase"));
    let off = recoup(dir.path(), &["user", "deactivate", "admin2"]);
    assert!(off.status.success(), "{}", stderr(&off));
    assert!(
        stdout(&off).starts_with("deactivated user admin2"),
        "{}",
        stdout(&off)
    );
    let on = recoup(dir.path(), &["user", "activate", "admin2"]);
    assert!(on.status.success(), "{}", stderr(&on));
    let nobody = recoup(dir.path(), &["user", "deactivate", "nobody"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(
        stderr(&nobody).contains("no user named nobody"),
        "{}",
        stderr(&nobody)
    );
    // One creation and three changes, chained and intact.
    let intact = recoup(dir.path(), &["audit", "verify"]);
    assert!(intact.status.success(), "{}", stderr(&intact));
    assert_eq!(stdout(&intact), "audit trail intact: 4 row(s) checked\n");
}

/// Starts `recoup ARGS` and waits for its "serving http://ADDR/" line; returns the child and ADDR.
fn start_server(dir: &Path, args: &[&str]) -> (Child, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_recoup"))
        .args(args)
        .current_dir(dir)
        .env_remove("RECOUP_DATABASE_URL")
        .env_remove("RECOUP_CONFIG")
        .env_remove("RECOUP_LISTEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let Some(line) = lines.next() else {
            let status = child.wait().unwrap();
            panic!("the server stopped ({status}) before serving: {seen:#?}");
        };
        let line = line.unwrap();
        if let Some(rest) = line.split("serving http://").nth(1) {
            let address = rest.split('/').next().unwrap().to_string();
            // Keep draining stderr so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return (child, address, seen);
        }
        seen.push(line);
    }
}

/// One HTTP/1.1 request over a plain socket; returns the whole response as text.
fn http(address: &str, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn stop(mut child: Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a graceful stop exits 0, got {status}");
}

#[test]
fn serve_answers_until_sigterm_and_then_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (child, address, _) = start_server(dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    let health = http(
        &address,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#"{"status":"ok"}"#), "{health}");
    stop(child);
}

#[test]
fn the_demo_creates_one_user_per_role_and_serves_them() {
    let dir = tempfile::tempdir().unwrap();
    let (child, address, before) = start_server(
        dir.path(),
        &[
            "demo",
            "--loans",
            "30",
            "--history-months",
            "2",
            "--as-of",
            "2026-08-15",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let printed = before.join("\n");
    for user in [
        "admin",
        "manager",
        "collector1",
        "collector2",
        "field1",
        "legal",
        "recovery",
        "compliance",
        "agency1",
        "recoup-demo",
        "华信催收服务有限公司",
    ] {
        assert!(printed.contains(user), "{user} missing in\n{printed}");
    }
    let body = r#"{"username":"agency1","password":"recoup-demo"}"#;
    let login = http(
        &address,
        &format!(
            "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(login.contains(r#""role":"agency""#), "{login}");
    stop(child);
}
