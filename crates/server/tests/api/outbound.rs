//! Outbound contact: SMS from a template through a real Kannel (bearerbox + smsbox started per
//! test, with a generic HTTP SMSC pointing at a receiver the test runs), its delivery reports
//! back through Kannel, click-to-call to a dialer the test runs, compliance blocks that never
//! reach the gateway or dialer, gateway and dialer failures, bad input, and the permission
//! matrix of the new endpoints.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::RawQuery;
use axum::routing::get;
use chrono::{DateTime, TimeDelta, Utc};
use recoup_channels::{
    DialerHook, DialerSettings, KannelGateway, KannelSettings, Secret, SendError, SentSms,
    SmsGateway,
};
use recoup_compliance::Permit;
use recoup_server::{AppState, Outbound};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cases::seed;
use crate::helpers::*;

const DLR_TOKEN: &str = "dlr-token-0123456789abcdef";
const LENDER: &str = "某汽车金融";
const SERVICE_PHONE: &str = "400-800-8000";

/// The text of `early_overdue_sms` for case 1 (张三, 10 days past due, arrears 100.00 yuan).
fn expected_case1_text() -> String {
    format!(
        "【{LENDER}】尊敬的张三您好，您的车贷（合同号L20260001）已逾期10天，应还金额100.00元。\
         请您尽快安排还款，如有困难请致电{SERVICE_PHONE}与我们沟通还款方案。"
    )
}

/// The shipped outbound settings with `sms` and `dialer`.
fn outbound(sms: Option<Arc<dyn SmsGateway>>, dialer: Option<DialerHook>) -> Outbound {
    Outbound {
        sms,
        dialer,
        dlr_token: Some(Secret::new(DLR_TOKEN)),
        lender: LENDER.into(),
        service_phone: SERVICE_PHONE.into(),
        ..Outbound::shipped().unwrap()
    }
}

/// Outbound settings whose Kannel gateway is at `url`, where nothing listens.
fn unreachable_kannel(url: &str) -> Outbound {
    let gateway = KannelGateway::new(KannelSettings {
        url: url.to_string(),
        username: "recoup".into(),
        password: Secret::new("kannel-secret"),
        from: String::new(),
        dlr_url: None,
        dlr_token: None,
        timeout: Duration::from_secs(2),
    })
    .unwrap();
    outbound(Some(Arc::new(gateway)), None)
}

fn dialer_hook(url: &str) -> DialerHook {
    DialerHook::new(DialerSettings {
        url: url.to_string(),
        token: Some(Secret::new("dialer-token")),
        timeout: Duration::from_secs(2),
    })
    .unwrap()
}

/// Seeded apps with the given outbound settings (built per app: it gets the app's address).
async fn apps_with(make: impl Fn(&str) -> Outbound) -> Vec<TestApp> {
    let apps = spawn_apps_with(|state: AppState, address| state.with_outbound(make(address))).await;
    for app in &apps {
        seed(app).await;
    }
    apps
}

/// Sets the clock to `hh:mm` local (Asia/Shanghai) on the tests' day after t0.
fn local(app: &TestApp, hour: u32, minute: u32) {
    let day = (t0() + TimeDelta::hours(8)).date_naive() + chrono::Days::new(1);
    let local = day.and_hms_opt(hour, minute, 0).unwrap();
    app.clock
        .set(DateTime::<Utc>::from_naive_utc_and_offset(local, Utc) - TimeDelta::hours(8));
}

// ---------------------------------------------------------------------------------------------
// Test doubles for the unit-level paths: a recording gateway and a dialer that runs over HTTP.

/// An SMS gateway that records what it is asked to send.
#[derive(Default)]
struct RecordingGateway {
    sent: Mutex<Vec<(String, String)>>,
}

impl SmsGateway for RecordingGateway {
    fn send<'a>(
        &'a self,
        permit: Permit,
        _message_id: i64,
        text: &'a str,
        _now: DateTime<Utc>,
    ) -> recoup_channels::sms::SendFuture<'a, SentSms> {
        Box::pin(async move {
            self.sent
                .lock()
                .unwrap()
                .push((permit.address().to_string(), text.to_string()));
            Ok::<_, SendError>(SentSms {
                response: "0: Accepted for delivery".into(),
            })
        })
    }
}

/// Each request a test dialer got: its `Authorization` header and JSON body.
type DialerCalls = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A dialer on a random port: records each POST's bearer token and JSON body and answers
/// `{"reference": "pbx-<n>"}`.
struct TestDialer {
    url: String,
    calls: DialerCalls,
}

async fn start_dialer() -> TestDialer {
    let calls: DialerCalls = Arc::default();
    let recorded = calls.clone();
    let app = axum::Router::new().route(
        "/call",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let recorded = recorded.clone();
                async move {
                    let token = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let mut calls = recorded.lock().unwrap();
                    calls.push((token, body));
                    axum::Json(json!({ "reference": format!("pbx-{}", calls.len()) }))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/call", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestDialer { url, calls }
}

/// A loopback URL nothing listens on.
async fn dead_url(path: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}{path}")
}

// ---------------------------------------------------------------------------------------------
// Kannel.

/// One message as the SMSC receiver got it from Kannel.
#[derive(Debug, Clone)]
struct SmscMessage {
    to: String,
    from: String,
    coding: String,
    text: String,
    foreign_id: String,
}

/// `bearerbox` and `smsbox` with a generic HTTP SMSC whose send-url is the receiver's.
struct Kannel {
    sendsms_url: String,
    /// Where the SMSC (our receiver) posts delivery reports back to bearerbox.
    smsc_url: String,
    received: Arc<Mutex<Vec<SmscMessage>>>,
    _boxes: Vec<tokio::process::Child>,
    _dir: tempfile::TempDir,
}

/// Debian puts Kannel's daemons in /usr/sbin, which a non-root PATH may lack.
fn kannel_binary(name: &str) -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` not found: the SMS tests need Kannel's bearerbox and smsbox. Run .ci/run \
                 (it installs Debian's kannel package) or `apt-get install kannel`"
            )
        })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Percent-decodes a query component to bytes (`+` is a space): Kannel sends UCS-2 text as raw
/// UTF-16BE bytes, which are not UTF-8.
fn decode_component(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'+' => out.push(b' '),
            b'%' if idx + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[idx + 1..idx + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                idx += 2;
            }
            other => out.push(other),
        }
        idx += 1;
    }
    out
}

fn query_bytes(query: &str) -> std::collections::HashMap<String, Vec<u8>> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.to_string(), decode_component(value)))
        .collect()
}

async fn start_kannel() -> Kannel {
    let bearerbox = kannel_binary("bearerbox");
    let smsbox = kannel_binary("smsbox");
    // The SMSC: answers `OK id=<n>`, which the config's regexes read as success and the
    // message's id for delivery reports.
    let received: Arc<Mutex<Vec<SmscMessage>>> = Arc::default();
    let recorded = received.clone();
    let smsc = axum::Router::new().route(
        "/send",
        get(move |RawQuery(query): RawQuery| {
            let recorded = recorded.clone();
            async move {
                let fields = query_bytes(&query.unwrap_or_default());
                let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
                let coding = String::from_utf8(field("coding")).unwrap();
                let raw = field("text");
                // coding 2 is UCS-2: UTF-16 big-endian code units.
                let text = if coding == "2" {
                    let units: Vec<u16> = raw
                        .chunks(2)
                        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                        .collect();
                    String::from_utf16(&units).unwrap()
                } else {
                    String::from_utf8(raw).unwrap()
                };
                let mut messages = recorded.lock().unwrap();
                let foreign_id = format!("smsc{}", messages.len() + 1);
                messages.push(SmscMessage {
                    to: String::from_utf8(field("to")).unwrap(),
                    from: String::from_utf8(field("from")).unwrap(),
                    coding,
                    text,
                    foreign_id: foreign_id.clone(),
                });
                format!("OK id={foreign_id}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let smsc_address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, smsc).await });

    let dir = tempfile::tempdir().unwrap();
    let (admin, box_port, smsc_port, sendsms_port) =
        (free_port(), free_port(), free_port(), free_port());
    let path = |name: &str| dir.path().join(name).display().to_string();
    // max-sms-octets lets a long Chinese text go to the HTTP SMSC as one request (an HTTP
    // provider splits it itself); sendsms-user `concatenation`/`max-messages` keep smsbox from
    // cutting it.
    let config = format!(
        r#"group = core
admin-port = {admin}
admin-password = "admin-{admin}"
smsbox-port = {box_port}
log-file = "{bearer_log}"
log-level = 1
dlr-storage = internal
store-type = spool
store-location = "{spool}"

group = smsc
smsc = http
smsc-id = test
system-type = generic
port = {smsc_port}
send-url = "http://{smsc_address}/send?to=%p&from=%P&text=%b&coding=%c"
status-success-regex = "^OK"
generic-foreign-id-regex = "id=([a-z0-9]+)"
max-sms-octets = 1000

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {sendsms_port}
log-file = "{smsbox_log}"
log-level = 1

group = sendsms-user
username = recoup
password = "kannel-secret"
max-messages = 10
concatenation = true
"#,
        bearer_log = path("bearerbox.log"),
        spool = path("spool"),
        smsbox_log = path("smsbox.log"),
    );
    std::fs::create_dir(path("spool")).unwrap();
    let config_path = path("kannel.conf");
    std::fs::write(&config_path, config).unwrap();
    let start = |binary: &std::path::Path| {
        tokio::process::Command::new(binary)
            .arg(&config_path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let bearer = start(&bearerbox);
    // smsbox gives up when bearerbox is not listening yet.
    wait_for_port(box_port).await;
    let sms = start(&smsbox);
    wait_for_port(sendsms_port).await;
    // smsbox opens its port before it has joined bearerbox, and a busy machine can take
    // seconds to finish: wait until bearerbox lists the smsbox and the SMSC is online.
    wait_for_bearerbox(admin).await;
    Kannel {
        sendsms_url: format!("http://127.0.0.1:{sendsms_port}/cgi-bin/sendsms"),
        smsc_url: format!("http://127.0.0.1:{smsc_port}/"),
        received,
        _boxes: vec![sms, bearer],
        _dir: dir,
    }
}

async fn wait_for_bearerbox(admin: u16) {
    let url = format!("http://127.0.0.1:{admin}/status.txt?password=admin-{admin}");
    let client = reqwest::Client::new();
    let mut last = String::new();
    for _ in 0..400 {
        if let Ok(response) = client.get(&url).send().await {
            last = response.text().await.unwrap_or_default();
            if last.contains("smsbox:") && last.contains("online") {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("bearerbox did not list a connected smsbox and an online SMSC within 20 s:\n{last}");
}

async fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Kannel did not open port {port} within 10 s");
}

impl Kannel {
    fn gateway(&self, dlr_url: &str) -> Arc<dyn SmsGateway> {
        Arc::new(
            KannelGateway::new(KannelSettings {
                url: self.sendsms_url.clone(),
                username: "recoup".into(),
                password: Secret::new("kannel-secret"),
                from: "10690000".into(),
                dlr_url: Some(dlr_url.to_string()),
                dlr_token: Some(Secret::new(DLR_TOKEN)),
                // Generous: a loaded CI machine can be slow to route the first message.
                timeout: Duration::from_secs(15),
            })
            .unwrap(),
        )
    }

    /// Waits for the `n`th message (1-based) at the SMSC.
    async fn message(&self, n: usize) -> SmscMessage {
        for _ in 0..400 {
            if let Some(message) = self.received.lock().unwrap().get(n - 1) {
                return message.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the SMSC did not receive message {n} within 20 s");
    }
}

async fn wait_for_status(app: &TestApp, id: i64, status: &str) {
    let mut last = String::new();
    for _ in 0..400 {
        last = text(
            app,
            &format!("SELECT status FROM outbound_message WHERE id = {id}"),
        )
        .await;
        if last == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{}: message {id} is `{last}`, not `{status}`", app.backend);
}

#[tokio::test]
async fn an_sms_goes_through_kannel_to_the_smsc_in_ucs2_and_its_delivery_reports_come_back() {
    let kannel = start_kannel().await;
    let apps = apps_with(|address| {
        outbound(
            Some(kannel.gateway(&format!("{address}/api/v1/sms/dlr"))),
            None,
        )
    })
    .await;
    for (app_idx, app) in apps.iter().enumerate() {
        let collector = app.login("collector1").await;
        let (status, sms) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {sms}", app.backend);
        assert_eq!(sms["text"], expected_case1_text());
        assert_eq!(sms["to"], "138****8001");
        assert_eq!(sms["permit"]["profile"], "cn");
        assert_eq!(sms["permit"]["version"], "2026.1");
        let id = sms["id"].as_i64().unwrap();

        // server → smsbox → bearerbox → generic HTTP SMSC: the full number, and the Chinese
        // text intact after UTF-8 → UCS-2.
        let received = kannel.message(app_idx + 1).await;
        assert_eq!(received.to, "13800138001", "{}", app.backend);
        assert_eq!(received.from, "10690000");
        assert_eq!(received.coding, "2");
        assert_eq!(received.text, expected_case1_text(), "{}", app.backend);

        // The SMSC's acknowledgement makes Kannel report "accepted by the SMSC" (8).
        wait_for_status(app, id, "accepted").await;
        // The SMSC reports the handset delivery (1) to bearerbox, which calls our dlr-url.
        let answer = reqwest::Client::new()
            .get(format!(
                "{}?dlr-mask=1&dlr-mid={}&to={}",
                kannel.smsc_url, received.foreign_id, received.to
            ))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
        wait_for_status(app, id, "delivered").await;
        // The ledger has the one SMS, now as a contact that reached the phone.
        let ledger = app
            .store
            .contact_ledger(1, t0() - TimeDelta::days(1))
            .await
            .unwrap();
        let sms_events: Vec<_> = ledger
            .iter()
            .filter(|e| e.channel == recoup_core::contact::Channel::Sms)
            .collect();
        assert_eq!(sms_events.len(), 1, "{}", app.backend);
        assert_eq!(
            sms_events[0].result,
            recoup_core::contact::ContactResult::Connected
        );
        assert_eq!(sms_events[0].address, "13800138001");
        // An audit row names who sent what.
        assert_count(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sms_sent'",
            1,
        )
        .await;
    }
}

#[tokio::test]
async fn a_blocked_sms_never_reaches_kannel_and_names_the_rule() {
    let kannel = start_kannel().await;
    let apps = apps_with(|address| {
        outbound(
            Some(kannel.gateway(&format!("{address}/api/v1/sms/dlr"))),
            None,
        )
    })
    .await;
    for app in &apps {
        // 22:30 in Shanghai: quiet hours.
        local(app, 22, 30);
        let collector = app.login("collector1").await;
        let (status, body) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{}: {body}", app.backend);
        assert_eq!(body["error"], "blocked");
        assert_eq!(body["rule"], "cn.quiet_hours");
        assert_count(app, "SELECT COUNT(*) FROM outbound_message", 0).await;
        assert_count(
            app,
            "SELECT COUNT(*) FROM contact_event WHERE channel = 'sms'",
            0,
        )
        .await;
        // In hours it goes; a second one 10 minutes later is inside the 30-minute gap.
        local(app, 9, 0);
        let collector = app.login("collector1").await;
        let (status, body) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms", "phone_index": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {body}", app.backend);
        assert_eq!(body["to"], "139****9001");
        app.clock.advance(TimeDelta::minutes(10));
        let (status, body) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{}: {body}", app.backend);
        assert_eq!(body["rule"], "cn.minimum_gap");
    }
    // Only the permitted message reached the SMSC (one per backend).
    let first = kannel.message(apps.len()).await;
    assert_eq!(first.to, "13900139001");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(kannel.received.lock().unwrap().len(), apps.len());
}

#[tokio::test]
async fn a_gateway_failure_is_a_502_stored_as_failed_and_not_counted_in_the_ledger() {
    let down = dead_url("/cgi-bin/sendsms").await;
    let apps = apps_with(|_| unreachable_kannel(&down)).await;
    for app in &apps {
        let collector = app.login("collector1").await;
        for attempt in 1..=2 {
            // The second attempt right after the first is not held back by the 30-minute
            // gap: the failed message never left, so the ledger does not count it.
            let (status, body) = post(
                app,
                "/api/v1/cases/1/sms",
                &collector,
                json!({"template": "debit_failed_sms"}),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_GATEWAY, "{}: {body}", app.backend);
            assert_eq!(body["error"], "bad_gateway");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains("recorded as failed"), "{message}");
            assert!(!message.contains("kannel-secret"), "{message}");
            assert_count(app, "SELECT COUNT(*) FROM outbound_message WHERE status = 'failed' AND contact_event_id IS NULL", attempt).await;
        }
        assert_count(
            app,
            "SELECT COUNT(*) FROM contact_event WHERE channel = 'sms'",
            0,
        )
        .await;
    }
}

#[tokio::test]
async fn sms_without_a_gateway_is_503_and_bad_input_names_the_field() {
    // The default state: shipped profile and templates, no gateway, no dialer.
    let apps = spawn_apps().await;
    for app in &apps {
        seed(app).await;
        let collector = app.login("collector1").await;
        let (status, body) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .contains("SMS gateway not configured"));
        let (status, body) = post(app, "/api/v1/cases/1/calls", &collector, json!({})).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    }
    let gateway = Arc::new(RecordingGateway::default());
    let dialer = start_dialer().await;
    let apps = apps_with(|_| {
        outbound(
            Some(gateway.clone() as Arc<dyn SmsGateway>),
            Some(dialer_hook(&dialer.url)),
        )
    })
    .await;
    for app in &apps {
        let collector = app.login("collector1").await;
        let cases = [
            (
                "/api/v1/cases/1/sms",
                json!({"template": "no_such_template"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("template"),
            ),
            (
                "/api/v1/cases/1/sms",
                json!({"template": "early_call"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("template"),
            ),
            (
                "/api/v1/cases/1/sms",
                json!({"template": "early_overdue_sms", "phone_index": 2}),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("phone_index"),
            ),
            (
                "/api/v1/cases/1/sms",
                json!({"template": "early_overdue_sms", "colour": "red"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            (
                "/api/v1/cases/1/sms",
                json!({"phone_index": 0}),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            (
                "/api/v1/cases/1/calls",
                json!({"phone_index": 7}),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("phone_index"),
            ),
            (
                "/api/v1/cases/1/calls",
                json!({"agent_extension": "80a1"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("agent_extension"),
            ),
            (
                "/api/v1/cases/1/calls",
                json!({"to": "13800000000"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            ),
            // Not a case of collector1's, and no case at all: the same 404.
            (
                "/api/v1/cases/2/sms",
                json!({"template": "early_overdue_sms"}),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                "/api/v1/cases/999/calls",
                json!({}),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                "/api/v1/cases/x/calls",
                json!({}),
                StatusCode::BAD_REQUEST,
                Some("borrower_id"),
            ),
        ];
        for (path, body, expected, field) in cases {
            let (status, answer) = post(app, path, &collector, body.clone()).await;
            assert_eq!(status, expected, "{}: {path} {body}: {answer}", app.backend);
            if let Some(field) = field {
                assert_eq!(answer["field"], field, "{path} {body}: {answer}");
            }
        }
        // A random text body is never a 5xx.
        let response = app
            .client
            .post(app.url("/api/v1/cases/1/sms"))
            .bearer_auth(&collector.token)
            .header("content-type", "application/json")
            .body("{\"template\": [1, 2")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    assert!(gateway.sent.lock().unwrap().is_empty());
    assert!(dialer.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn delivery_reports_need_the_token_and_never_step_back_from_a_final_status() {
    let gateway = Arc::new(RecordingGateway::default());
    let apps = apps_with(|_| outbound(Some(gateway.clone() as Arc<dyn SmsGateway>), None)).await;
    for app in &apps {
        let collector = app.login("collector1").await;
        let (status, sms) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{sms}");
        assert_eq!(sms["status"], "sent");
        let id = sms["id"].as_i64().unwrap();
        let dlr = |query: String| {
            let url = app.url(&format!("/api/v1/sms/dlr?{query}"));
            async move { status_and_json(reqwest::get(url).await.unwrap()).await }
        };
        let (status, _) = dlr(format!("id={id}&status=1&token=wrong-token-0123456789")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = dlr(format!("id={id}&status=1")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, body) = dlr(format!("id={id}&status=3&token={DLR_TOKEN}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["field"], "status");
        let (status, _) = dlr(format!("id=99999&status=1&token={DLR_TOKEN}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Undelivered: the ledger entry becomes a failed contact (a number to check).
        let (status, body) = dlr(format!("id={id}&status=2&token={DLR_TOKEN}")).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("undelivered"))
        );
        // A late "accepted by the SMSC" does not undo it.
        let (_, body) = dlr(format!("id={id}&status=8&token={DLR_TOKEN}")).await;
        assert_eq!(body["status"], "undelivered");
        assert_eq!(
            text(
                app,
                &format!(
                    "SELECT e.result FROM contact_event e JOIN outbound_message m ON m.contact_event_id = e.id WHERE m.id = {id}"
                )
            )
            .await,
            "failed"
        );
        // The template list is the configured book's SMS templates.
        let (status, list) =
            status_and_json(app.get("/api/v1/sms/templates", &collector).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["source"], "zh-CN");
        let ids: Vec<&str> = list["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"early_overdue_sms") && !ids.contains(&"early_call"),
            "{ids:?}"
        );
    }
    // Without a configured token the endpoint refuses everything.
    let apps = spawn_apps().await;
    let (status, _) = status_and_json(
        reqwest::get(apps[0].url("/api/v1/sms/dlr?id=1&status=1&token=anything"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

// ---------------------------------------------------------------------------------------------
// Click-to-call.

#[tokio::test]
async fn a_call_reaches_the_dialer_with_the_permit_and_the_logged_outcome_is_one_ledger_entry() {
    let dialer = start_dialer().await;
    let apps = apps_with(|_| outbound(None, Some(dialer_hook(&dialer.url)))).await;
    for app in &apps {
        dialer.calls.lock().unwrap().clear();
        local(app, 9, 0);
        for round in 1..=4 {
            let collector = app.login("collector1").await;
            let (status, call) = post(
                app,
                "/api/v1/cases/1/calls",
                &collector,
                json!({"phone_index": 0, "agent_extension": "8001"}),
            )
            .await;
            if round == 4 {
                // Three connected calls today: the fourth is blocked and never dialled.
                assert_eq!(status, StatusCode::CONFLICT, "{}: {call}", app.backend);
                assert_eq!(call["rule"], "cn.daily_connected_calls");
                break;
            }
            assert_eq!(status, StatusCode::CREATED, "{}: {call}", app.backend);
            assert_eq!(call["status"], "placed");
            assert_eq!(call["dialer_ref"], format!("pbx-{round}"));
            assert_eq!(call["to"], "138****8001");
            let call_id = call["call_id"].as_i64().unwrap();
            {
                let calls = dialer.calls.lock().unwrap();
                let (token, body) = calls.last().unwrap();
                assert_eq!(token.as_deref(), Some("Bearer dialer-token"));
                assert_eq!(body["to"], "13800138001");
                assert_eq!(body["call_id"], call_id);
                assert_eq!(body["agent"], "collector1");
                assert_eq!(body["agent_extension"], "8001");
                assert_eq!(body["borrower_id"], 1);
                assert_eq!(body["permit"]["profile"], "cn");
                assert_eq!(body["permit"]["channel"], "call");
                assert_eq!(body["permit"]["valid_until"], call["permit"]["valid_until"]);
            }
            // Until the outcome is logged the call counts as an unanswered attempt.
            let ledger = app
                .store
                .contact_ledger(1, t0() - TimeDelta::days(1))
                .await
                .unwrap();
            assert_eq!(ledger.len(), round as usize, "{}", app.backend);
            let body = if round == 1 {
                // Explicitly.
                json!({"channel": "call", "outcome": "right_party_contact", "call_id": call_id})
            } else {
                // Implicitly: the newest open dialer call to the same number.
                json!({"channel": "call", "outcome": "promise_to_pay"})
            };
            let (status, logged) = post(app, "/api/v1/cases/1/contacts", &collector, body).await;
            assert_eq!(status, StatusCode::CREATED, "{}: {logged}", app.backend);
            let ledger = app
                .store
                .contact_ledger(1, t0() - TimeDelta::days(1))
                .await
                .unwrap();
            assert_eq!(
                ledger.len(),
                round as usize,
                "{}: one call, one entry",
                app.backend
            );
            assert!(ledger
                .iter()
                .all(|e| e.result == recoup_core::contact::ContactResult::Connected));
            // Logging the same call twice is refused.
            if round == 1 {
                let (status, again) = post(
                    app,
                    "/api/v1/cases/1/contacts",
                    &collector,
                    json!({"channel": "call", "outcome": "no_answer", "call_id": call_id}),
                )
                .await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
                assert_eq!(again["field"], "call_id");
            }
            // Past the 30-minute gap for the next call.
            app.clock.advance(TimeDelta::minutes(31));
        }
        assert_eq!(dialer.calls.lock().unwrap().len(), 3, "{}", app.backend);
        assert_count(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'call_placed'",
            3,
        )
        .await;
    }
}

#[tokio::test]
async fn a_call_out_of_hours_never_reaches_the_dialer_and_a_dead_dialer_is_a_502() {
    let dialer = start_dialer().await;
    let down = dead_url("/call").await;
    let apps = apps_with(|_| outbound(None, Some(dialer_hook(&dialer.url)))).await;
    for app in &apps {
        local(app, 7, 30);
        let collector = app.login("collector1").await;
        let (status, body) = post(app, "/api/v1/cases/1/calls", &collector, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["rule"], "cn.quiet_hours");
        assert_count(app, "SELECT COUNT(*) FROM outbound_call", 0).await;
    }
    assert!(dialer.calls.lock().unwrap().is_empty());
    let apps = apps_with(|_| outbound(None, Some(dialer_hook(&down)))).await;
    for app in &apps {
        let collector = app.login("collector1").await;
        let (status, body) = post(app, "/api/v1/cases/1/calls", &collector, json!({})).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert!(body["message"].as_str().unwrap().contains("dialer"));
        assert_eq!(
            text(app, "SELECT status FROM outbound_call").await,
            "failed"
        );
        assert_eq!(
            scalar(app, "SELECT COUNT(*) FROM contact_event").await,
            0,
            "{}: a call that never rang is not in the ledger",
            app.backend
        );
        // Its id cannot be used to log an outcome.
        let call_id = scalar(app, "SELECT id FROM outbound_call").await;
        let (status, body) = post(
            app,
            "/api/v1/cases/1/contacts",
            &collector,
            json!({"channel": "call", "outcome": "no_answer", "call_id": call_id}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
}

// ---------------------------------------------------------------------------------------------
// Permissions.

/// Who gets what from the outbound endpoints on case 1 (collector1's, stage early), as the
/// case matrix does for the other case endpoints.
#[tokio::test]
async fn permission_matrix_covers_every_role_and_outbound_endpoint() {
    let ok = StatusCode::OK;
    let created = StatusCode::CREATED;
    let forbidden = StatusCode::FORBIDDEN;
    let missing = StatusCode::NOT_FOUND;
    // user: sms, call, templates
    let matrix = [
        ("admin", [created, created, ok]),
        ("manager", [created, created, ok]),
        ("collector1", [created, created, ok]),
        ("collector2", [missing, missing, ok]),
        ("field1", [forbidden, forbidden, forbidden]),
        ("legal", [forbidden, forbidden, forbidden]),
        ("recovery", [forbidden, forbidden, forbidden]),
        ("compliance", [forbidden, forbidden, forbidden]),
        ("agency1", [missing, missing, ok]),
    ];
    assert_eq!(matrix.len(), demo_users().len());
    let gateway = Arc::new(RecordingGateway::default());
    let dialer = start_dialer().await;
    let apps = apps_with(|_| {
        outbound(
            Some(gateway.clone() as Arc<dyn SmsGateway>),
            Some(dialer_hook(&dialer.url)),
        )
    })
    .await;
    for app in &apps {
        local(app, 8, 30);
        for (username, expected) in &matrix {
            let mut got = Vec::new();
            for (path, body) in [
                (
                    "/api/v1/cases/1/sms",
                    Some(json!({"template": "early_overdue_sms"})),
                ),
                ("/api/v1/cases/1/calls", Some(json!({}))),
                ("/api/v1/sms/templates", None),
            ] {
                // Each permitted contact must clear the previous one's 30-minute gap.
                app.clock.advance(TimeDelta::minutes(31));
                let session = app.login(username).await;
                let method = if body.is_some() {
                    Method::POST
                } else {
                    Method::GET
                };
                got.push(app.call(method, path, Some(&session), body).await.status());
            }
            assert_eq!(&got, expected, "{}: {username}", app.backend);
        }
        for (method, path) in [
            (Method::POST, "/api/v1/cases/1/sms"),
            (Method::POST, "/api/v1/cases/1/calls"),
            (Method::GET, "/api/v1/sms/templates"),
        ] {
            let body = (method == Method::POST).then(|| json!({}));
            let response = app.call(method.clone(), path, None, body).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
        }
    }
    assert_eq!(gateway.sent.lock().unwrap().len(), 3 * apps.len());
    assert_eq!(dialer.calls.lock().unwrap().len(), 3 * apps.len());
}

#[tokio::test]
async fn the_openapi_document_lists_the_outbound_routes() {
    let document = serde_json::to_value(recoup_server::openapi()).unwrap();
    for path in [
        "/api/v1/cases/{borrower_id}/sms",
        "/api/v1/cases/{borrower_id}/calls",
        "/api/v1/sms/dlr",
        "/api/v1/sms/templates",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
}

#[tokio::test]
async fn two_sms_at_once_to_one_borrower_get_one_permit() {
    let gateway = Arc::new(RecordingGateway::default());
    let apps = apps_with(|_| outbound(Some(gateway.clone() as Arc<dyn SmsGateway>), None)).await;
    for app in &apps {
        let manager = app.login("manager").await;
        let collector = app.login("collector1").await;
        let body = json!({"template": "early_overdue_sms"});
        // The reservation locks the case row, so the second check sees the first's ledger
        // entry and the 30-minute gap blocks it, whichever comes first.
        let (first, second) = tokio::join!(
            post(app, "/api/v1/cases/1/sms", &manager, body.clone()),
            post(app, "/api/v1/cases/1/sms", &collector, body.clone()),
        );
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{}: {} / {}",
            app.backend,
            first.1,
            second.1
        );
        let blocked = if first.0 == StatusCode::CONFLICT {
            first.1
        } else {
            second.1
        };
        assert_eq!(blocked["rule"], "cn.minimum_gap");
    }
    assert_eq!(gateway.sent.lock().unwrap().len(), apps.len());
}

fn random_outbound_body() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        prop_oneof![
            Just("early_overdue_sms"),
            Just("pre_due_reminder_sms"),
            Just("early_call"),
            Just("call"),
            Just("no_answer"),
            Just("8001"),
            Just("#*+"),
            Just("{name}"),
            Just("\u{0}"),
            Just(""),
        ]
        .prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let field = prop_oneof![
        4 => prop_oneof![
            Just("template"), Just("phone_index"), Just("agent_extension"), Just("call_id"),
            Just("channel"), Just("outcome"),
        ]
        .prop_map(str::to_string),
        1 => "\\PC{0,8}",
    ];
    prop::collection::btree_map(field, value, 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

#[test]
fn random_bodies_to_outbound_endpoints_never_get_a_5xx() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let gateway = Arc::new(RecordingGateway::default());
    let (apps, sessions, _dialer) = runtime.block_on(async {
        let dialer = start_dialer().await;
        let apps = apps_with(|_| {
            outbound(
                Some(gateway.clone() as Arc<dyn SmsGateway>),
                Some(dialer_hook(&dialer.url)),
            )
        })
        .await;
        let mut sessions = Vec::new();
        for app in &apps {
            sessions.push(app.login("collector1").await);
        }
        (apps, sessions, dialer)
    });
    let paths = [
        "/api/v1/cases/1/sms",
        "/api/v1/cases/1/calls",
        "/api/v1/cases/1/contacts",
    ];
    let config = proptest::test_runner::Config {
        cases: 48,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    };
    proptest::proptest!(config, |(body in random_outbound_body(), path_idx in 0..3usize)| {
        runtime.block_on(async {
            for (app, session) in apps.iter().zip(&sessions) {
                let path = paths[path_idx];
                let (status, error) = post(app, path, session, body.clone()).await;
                assert!(
                    status.is_success() || status.is_client_error(),
                    "{}: {path} {body} -> {status} {error}",
                    app.backend
                );
                if status.is_client_error() {
                    assert!(error["error"].is_string(), "{path} {body} -> {error}");
                }
            }
        });
    });
}

// ---------------------------------------------------------------------------------------------
// The outbox: planned SMS.

/// A permitted SMS treatment for `borrower` planned on `business_date`, due `due_on`.
async fn plan_sms(app: &TestApp, borrower: i64, business_date: &str, due_on: &str, priority: i64) {
    app.execute(&format!(
        "INSERT INTO treatment (business_date, borrower_id, treatment, channel, template, queue, priority, \
         stage, segment, arm, due_on, cost, decision, rule, reason, permit_valid_until) VALUES \
         ('{business_date}', {borrower}, 'early_sms', 'sms', 'early_overdue_sms', 'auto_sms', {priority}, \
         'early', NULL, 'champion', '{due_on}', 5, 'permitted', NULL, NULL, '{business_date}T02:30:00+00:00')"
    ))
    .await;
}

#[tokio::test]
async fn the_outbox_sends_each_planned_sms_once_when_due_and_waits_out_quiet_hours() {
    let gateway = Arc::new(RecordingGateway::default());
    let apps = apps_with(|_| outbound(Some(gateway.clone() as Arc<dyn SmsGateway>), None)).await;
    for app in &apps {
        gateway.sent.lock().unwrap().clear();
        let day = (t0() + TimeDelta::hours(8)).date_naive() + chrono::Days::new(1);
        let planned = (day - chrono::Days::new(1)).to_string();
        let older = (day - chrono::Days::new(2)).to_string();
        let tomorrow = (day + chrono::Days::new(1)).to_string();
        let today = day.to_string();
        // Due today: case 1 (sent), case 2 (its case has closed), case 3 (disputed: blocked).
        plan_sms(app, 1, &planned, &today, 10).await;
        plan_sms(app, 2, &planned, &planned, 20).await;
        plan_sms(app, 3, &planned, &today, 30).await;
        // Not due yet, and a superseded plan: neither is touched.
        plan_sms(app, 4, &planned, &tomorrow, 40).await;
        plan_sms(app, 5, &older, &older, 50).await;
        app.execute("UPDATE collection_case SET status = 'closed', closed_on = '2026-11-01' WHERE borrower_id = 2")
            .await;
        app.execute("UPDATE borrower SET dispute = 1 WHERE id = 3")
            .await;

        // 07:30 local: quiet hours hold case 1 back; the closed case is skipped and the
        // disputed one blocked at once (flags come before the hour).
        local(app, 7, 30);
        let round = recoup_server::dispatch_due_sms(&app.state, 100)
            .await
            .unwrap();
        assert_eq!(
            (round.sent, round.deferred, round.skipped, round.blocked),
            (0, 1, 1, 1),
            "{}: {round:?}",
            app.backend
        );
        assert!(gateway.sent.lock().unwrap().is_empty());

        // 10:00: case 1 goes out with its figures.
        local(app, 10, 0);
        let round = recoup_server::dispatch_due_sms(&app.state, 100)
            .await
            .unwrap();
        assert_eq!((round.sent, round.settled()), (1, 1), "{round:?}");
        let sent = gateway.sent.lock().unwrap().clone();
        assert_eq!(
            sent,
            vec![("13800138001".to_string(), expected_case1_text())]
        );

        // A second round sends nothing again.
        let round = recoup_server::dispatch_due_sms(&app.state, 100)
            .await
            .unwrap();
        assert_eq!(round, recoup_server::OutboxRound::default());
        assert_eq!(gateway.sent.lock().unwrap().len(), 1);

        assert_eq!(
            text(app, "SELECT dispatch || ':' || COALESCE(dispatch_detail, '') FROM treatment WHERE borrower_id = 3").await,
            "blocked:cn.flag.dispute"
        );
        assert_eq!(
            text(app, "SELECT dispatch FROM treatment WHERE borrower_id = 2").await,
            "skipped"
        );
        assert_eq!(
            scalar(app, "SELECT COUNT(*) FROM treatment WHERE dispatch IS NULL").await,
            2,
            "not due, and superseded"
        );
        assert_count(app, "SELECT COUNT(*) FROM treatment t JOIN outbound_message m ON m.id = t.outbound_message_id \
                 WHERE t.dispatch = 'sent' AND m.requested_by = 'outbox' AND m.contact_event_id IS NOT NULL", 1).await;
        assert_count(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sms_sent' AND actor = 'outbox'",
            1,
        )
        .await;
        let figures = app
            .store
            .outbox_figures(day - chrono::Days::new(1))
            .await
            .unwrap();
        assert_eq!(
            figures,
            vec![
                ("blocked".to_string(), 1),
                ("pending".to_string(), 1),
                ("sent".to_string(), 1),
                ("skipped".to_string(), 1),
            ]
        );
    }
}

#[tokio::test]
async fn the_outbox_records_a_gateway_failure_and_does_nothing_without_a_gateway() {
    let down = dead_url("/cgi-bin/sendsms").await;
    let apps = apps_with(|_| unreachable_kannel(&down)).await;
    for app in &apps {
        let day = (t0() + TimeDelta::hours(8)).date_naive() + chrono::Days::new(1);
        plan_sms(
            app,
            1,
            &(day - chrono::Days::new(1)).to_string(),
            &day.to_string(),
            10,
        )
        .await;
        local(app, 10, 0);
        let round = recoup_server::dispatch_due_sms(&app.state, 100)
            .await
            .unwrap();
        assert_eq!(
            (round.sent, round.failed),
            (0, 1),
            "{}: {round:?}",
            app.backend
        );
        assert_eq!(
            text(app, "SELECT m.status FROM treatment t JOIN outbound_message m ON m.id = t.outbound_message_id").await,
            "failed"
        );
        // A failed message is not a contact: the ledger holds nothing.
        assert_count(app, "SELECT COUNT(*) FROM contact_event", 0).await;
    }
    // The default state has no gateway: the outbox leaves everything pending.
    for app in spawn_apps().await {
        seed(&app).await;
        let day = (t0() + TimeDelta::hours(8)).date_naive() + chrono::Days::new(1);
        plan_sms(
            &app,
            1,
            &(day - chrono::Days::new(1)).to_string(),
            &day.to_string(),
            10,
        )
        .await;
        local(&app, 10, 0);
        let round = recoup_server::dispatch_due_sms(&app.state, 100)
            .await
            .unwrap();
        assert_eq!(round, recoup_server::OutboxRound::default());
        assert_count(
            &app,
            "SELECT COUNT(*) FROM treatment WHERE dispatch IS NULL",
            1,
        )
        .await;
    }
}

#[tokio::test]
async fn the_guard_counts_hours_in_the_borrowers_own_time_zone() {
    let gateway = Arc::new(RecordingGateway::default());
    let apps = apps_with(|_| outbound(Some(gateway.clone() as Arc<dyn SmsGateway>), None)).await;
    for app in &apps {
        // 14:00 in Shanghai is 22:00 the evening before in Los Angeles: quiet hours there.
        app.execute("UPDATE borrower SET time_zone = 'America/Los_Angeles' WHERE id = 1")
            .await;
        local(app, 14, 0);
        let collector = app.login("collector1").await;
        let (status, body) = post(
            app,
            "/api/v1/cases/1/sms",
            &collector,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{}: {body}", app.backend);
        assert_eq!(body["rule"], "cn.quiet_hours");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("America/Los_Angeles"),
            "{body}"
        );
        // Borrower 2 has no zone of their own: the profile's (Shanghai), where it is 14:00.
        let (status, body) = post(
            app,
            "/api/v1/cases/2/sms",
            &app.login("collector2").await,
            json!({"template": "early_overdue_sms"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {body}", app.backend);
    }
}
