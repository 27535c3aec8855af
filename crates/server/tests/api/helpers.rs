//! `spawn_apps()`: one running server per configured backend, with the demo users, a manual
//! clock and request helpers.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use recoup_core::auth::AuthPolicy;
use recoup_server::{AppState, ManualClock, ServerConfig};
use recoup_store::{Store, DEMO_PASSWORD};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

/// The tests' "now" when a server starts.
pub fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap()
}

/// Settings the tests rely on: three failures lock for 15 minutes; sessions idle out after 30
/// minutes and end after 12 hours; bodies up to 16 KiB.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        auth: AuthPolicy {
            throttle_after: 3,
            address_throttle_after: 30,
            throttle_first_wait: TimeDelta::minutes(1),
            throttle_max_wait: TimeDelta::minutes(15),
            throttle_forget: TimeDelta::hours(1),
            session_idle: TimeDelta::minutes(30),
            session_absolute: TimeDelta::hours(12),
        },
        cookie_secure: false,
        body_limit: 16 * 1024,
        buckets: recoup_core::delinquency::BucketScheme::default(),
        oversight: oversight_settings(),
        ..ServerConfig::default()
    }
}

/// The shipped strategy, the default assignment rules and one flagged template, as
/// `recoup serve` would load them.
fn oversight_settings() -> recoup_server::OversightSettings {
    const FILE: &str = "strategies/cn-default.toml";
    let outline = recoup_strategy::outline_strategy(
        FILE,
        include_str!("../../../../strategies/cn-default.toml"),
    )
    .unwrap();
    recoup_server::OversightSettings {
        strategy: Some(Arc::new((FILE.to_string(), outline))),
        template_flags: vec![recoup_server::TemplateFlag {
            id: "late_call_script".into(),
            channel: "call".into(),
            text: "如不处理，我司将依法提起诉讼。".into(),
            terms: vec!["诉讼".into()],
        }],
        ..recoup_server::OversightSettings::default()
    }
}

pub struct TestApp {
    pub backend: String,
    pub address: String,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    /// The state the server runs with (for driving its background work, such as the outbox).
    pub state: AppState,
    /// A client without a cookie jar (bearer tokens only).
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub csrf: String,
}

fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_test_writer()
            .try_init();
    }
}

/// One running app per configured backend (SQLite always; PostgreSQL when configured).
pub async fn spawn_apps() -> Vec<TestApp> {
    spawn_apps_with(|state, _address| state).await
}

/// Like [`spawn_apps`], with `adjust` applied to each app's state before it starts; it gets
/// the app's own address (`http://127.0.0.1:port`), e.g. for a callback URL.
pub async fn spawn_apps_with(adjust: impl Fn(AppState, &str) -> AppState) -> Vec<TestApp> {
    init_logs();
    let mut apps = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("api.db").display());
    apps.push(spawn_app("sqlite", &url, Some(dir), &adjust).await);
    if let Ok(admin) = std::env::var("RECOUP_TEST_POSTGRES") {
        let url = fresh_postgres_database(&admin).await;
        apps.push(spawn_app("postgres", &url, None, &adjust).await);
    }
    apps
}

async fn spawn_app(
    backend: &str,
    url: &str,
    dir: Option<tempfile::TempDir>,
    adjust: &impl Fn(AppState, &str) -> AppState,
) -> TestApp {
    let store = Store::open(url).await.unwrap();
    store.create_demo_users(t0()).await.unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let state = adjust(
        AppState::new(store.clone(), clock.clone(), test_config()),
        &address,
    );
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(recoup_server::serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    TestApp {
        backend: backend.to_string(),
        address,
        store,
        clock,
        state,
        client: reqwest::Client::new(),
        _dir: dir,
        _shutdown: shutdown,
    }
}

/// Creates an empty PostgreSQL database with a unique name and returns its URL (as the store
/// suite does).
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    #[allow(clippy::disallowed_methods)] // A unique database name, not business time.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "recoup_api_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    );
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(admin_url);
    format!("{base}/{name}")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POST /api/v1/session; returns the raw response.
    pub async fn try_login(&self, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// A sign-in attempt that a reverse proxy forwarded for `client` (`X-Forwarded-For`).
    pub async fn try_login_from(&self, client: &str, username: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/v1/session"))
            .header("x-forwarded-for", client)
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Signs in a demo user with the demo password.
    pub async fn login(&self, username: &str) -> Session {
        let response = self.try_login(username, DEMO_PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}: login {username}",
            self.backend
        );
        let body: Value = response.json().await.unwrap();
        Session {
            token: body["token"].as_str().unwrap().to_string(),
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    /// A request with a bearer token (when given) and a JSON body (when given).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        session: Option<&Session>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(session) = session {
            request = request.bearer_auth(&session.token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, session: &Session) -> Response {
        self.call(Method::GET, path, Some(session), None).await
    }

    /// Runs `sql` directly against the database (for tampering tests).
    pub async fn execute(&self, sql: &str) {
        sqlx::query(sql).execute(self.store.pool()).await.unwrap();
    }
}

/// Status and JSON body of a response (Null when the body is not JSON).
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The demo users and their roles.
pub fn demo_users() -> Vec<(&'static str, recoup_core::role::Role)> {
    recoup_store::DEMO_USERS
        .iter()
        .map(|user| (user.username, user.role))
        .collect()
}

/// POST `body` as `session`; status and JSON body.
pub async fn post(
    app: &TestApp,
    path: &str,
    session: &Session,
    body: Value,
) -> (StatusCode, Value) {
    status_and_json(
        app.call(Method::POST, path, Some(session), Some(body))
            .await,
    )
    .await
}

/// GET as `session`; status and JSON body.
pub async fn get(app: &TestApp, path: &str, session: &Session) -> (StatusCode, Value) {
    status_and_json(app.get(path, session).await).await
}

/// One integer from the database (for checking what was stored).
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// One text value from the database.
pub async fn text(app: &TestApp, sql: &str) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// Asserts that a GET of each path without a session is 401.
pub async fn assert_anonymous_refused(app: &TestApp, paths: &[&str]) {
    for path in paths {
        let anonymous = app.call(Method::GET, path, None, None).await.status();
        assert_eq!(
            anonymous,
            StatusCode::UNAUTHORIZED,
            "{}: {path}",
            app.backend
        );
    }
}

/// The statements that store vehicle `id` and its active loan `id` of borrower `id`, with
/// the next installment due on `next_due`, `dpd` days past due (arrears of 10 yuan a day) and
/// delinquent `times_delinquent` times so far.
pub fn vehicle_and_loan(
    id: i64,
    next_due: &str,
    dpd: i64,
    bucket: &str,
    times_delinquent: i64,
) -> [String; 2] {
    [
        format!(
            "INSERT INTO vehicle (id, vin, plate, make, model, model_year, price, lien_status) VALUES \
             ({id}, 'LVIN0000000000{id:03}', '京A1000{id}', '比亚迪', '秦', 2024, 12000000, 'registered')"
        ),
        format!(
            "INSERT INTO loan (id, loan_no, borrower_id, vehicle_id, product, principal, rate_units, term_months, method, \
             disbursement_date, repayment_day, auto_debit_account, dealer, booked_at, status, principal_outstanding, \
             next_due_period, next_due_date, arrears_principal, arrears_interest, fees_balance, penalty_balance, \
             penalty_accrued_total, credit, dpd, bucket, max_dpd, times_delinquent, cures) VALUES \
             ({id}, 'L2026{id:04}', {id}, {id}, 'new_car', 10000000, 500, 36, 'equal_installment', '2026-01-10', 10, \
             '6222000000000{id:03}', '某4S店', '2026-01-01T00:00:00.000Z', 'active', 9000000, 2, '{next_due}', \
             {arrears}, 0, 0, 0, 0, 0, {dpd}, '{bucket}', {dpd}, {times_delinquent}, 0)",
            arrears = dpd * 1000,
        ),
    ]
}

/// Asserts that `sql` (a `COUNT`) gives `expected` on this app's database.
pub async fn assert_count(app: &TestApp, sql: &str, expected: i64) {
    assert_eq!(scalar(app, sql).await, expected, "{}: {sql}", app.backend);
}
