//! Settings from `recoup.toml` (or `--config FILE`): the lender's time zone, ledger policy,
//! collection planning and the server. Every field is optional; the defaults are the Chinese
//! car-finance conventions. This is also where the clock is read ([`SystemClock`]).

use std::path::Path;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;
use recoup_core::delinquency::{BucketScheme, PenaltyPolicy};
use recoup_core::loan::Product;
use recoup_core::schedule::FirstPeriodInterest;
use recoup_core::servicing::{AllocationMode, Component, LedgerPolicy, Waterfall};
use recoup_core::settlement::{EarlySettlementFee, ProductRules, SettlementInterestRule};
use recoup_core::Fen;
use serde::Deserialize;

/// Settings after parsing and checking.
#[derive(Debug, Clone)]
pub struct Settings {
    pub timezone: Tz,
    pub policy: LedgerPolicy,
    pub collections: Collections,
    pub server: ServerSettings,
    /// `[assignment]`: who works which queue and how cases are handed out.
    pub assignment: recoup_store::AssignmentPolicy,
    /// `[sms]` and `[dialer]`: how SMS and click-to-call leave recoup.
    pub outbound: OutboundSettings,
    /// `[products.<product>]`: early settlement, prepayment and first-period interest.
    pub products: ProductRules,
}

/// The `[sms]` and `[dialer]` tables, checked. Secrets print as `***` in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutboundSettings {
    /// `gateway = "kannel"`; `None` for `"none"` (the default: sending answers 503).
    pub kannel: Option<recoup_channels::KannelSettings>,
    /// The token the delivery-report endpoint requires.
    pub dlr_token: Option<recoup_channels::Secret>,
    /// `{lender}` in templates.
    pub lender: String,
    /// `{phone}` in templates: the lender's service number.
    pub service_phone: String,
    /// `[dialer] url` set; `None` otherwise (calling answers 503).
    pub dialer: Option<recoup_channels::DialerSettings>,
    /// `[sms] outbox_seconds`: how often the server sends the planned SMS that are due
    /// (default 60; 0 turns the outbox off). Only with a gateway.
    pub outbox_interval: Option<std::time::Duration>,
    /// `[sms] outbox_batch`: the most planned SMS one round sends (default 200).
    pub outbox_batch: i64,
}

/// The environment variables that override `[sms]` and `[dialer]` settings (so secrets need
/// not sit in the file): name → setting.
pub const OUTBOUND_ENV: [(&str, &str); 11] = [
    ("RECOUP_SMS_GATEWAY", "sms.gateway"),
    ("RECOUP_SMS_URL", "sms.url"),
    ("RECOUP_SMS_USERNAME", "sms.username"),
    ("RECOUP_SMS_PASSWORD", "sms.password"),
    ("RECOUP_SMS_FROM", "sms.from"),
    ("RECOUP_SMS_DLR_URL", "sms.dlr_url"),
    ("RECOUP_SMS_DLR_TOKEN", "sms.dlr_token"),
    ("RECOUP_SMS_LENDER", "sms.lender"),
    ("RECOUP_SMS_SERVICE_PHONE", "sms.service_phone"),
    ("RECOUP_DIALER_URL", "dialer.url"),
    ("RECOUP_DIALER_TOKEN", "dialer.token"),
];

/// The `[server]` table: where `recoup serve` listens and how sessions and the sign-in throttle behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// `HOST:PORT`; `--listen` and `RECOUP_LISTEN` override it.
    pub listen: String,
    pub config: recoup_server::ServerConfig,
}

impl Default for ServerSettings {
    fn default() -> ServerSettings {
        ServerSettings {
            listen: recoup_server::DEFAULT_LISTEN.to_string(),
            config: recoup_server::ServerConfig::default(),
        }
    }
}

/// The system clock, for the server. The one implementation of [`recoup_server::Clock`] that
/// reads real time lives here, beside the other readings of the clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl recoup_server::Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The shell is where the clock is read.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Which strategy and contact rules plan the collection work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collections {
    /// A strategy file; `None` is the shipped `strategies/cn-default.toml`.
    pub strategy: Option<std::path::PathBuf>,
    /// A contact template file; `None` is the shipped `strategies/templates/zh-CN.toml`.
    pub templates: Option<std::path::PathBuf>,
    /// A shipped profile name (`cn`, `us-regf`) or a profile file.
    pub profile: String,
    /// Days before a due date that a reminder case opens.
    pub pre_due_days: u32,
}

impl Default for Collections {
    fn default() -> Collections {
        Collections {
            strategy: None,
            templates: None,
            profile: "cn".into(),
            pre_due_days: 5,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    timezone: Option<String>,
    ledger: Option<RawLedger>,
    collections: Option<RawCollections>,
    server: Option<RawServer>,
    /// Role code → largest amount forgiven it may approve, yuan, or "unlimited".
    approvals: Option<std::collections::BTreeMap<String, String>>,
    plans: Option<RawPlans>,
    assignment: Option<RawAssignment>,
    cases: Option<RawCases>,
    sms: Option<RawSms>,
    dialer: Option<RawDialer>,
    /// Product code → its early-repayment settings.
    products: Option<std::collections::BTreeMap<String, RawProduct>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProduct {
    /// `pro_rata_days` or `full_period`.
    settlement_interest: Option<String>,
    /// Percent of the principal settled or prepaid, e.g. "2" or "1.5".
    early_settlement_fee_rate: Option<String>,
    /// Months of contract interest on the principal settled or prepaid.
    early_settlement_fee_months: Option<u32>,
    fee_within_months: Option<u32>,
    lock_in_months: Option<u32>,
    /// `full_month` or `actual_days`.
    first_period_interest: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSms {
    gateway: Option<String>,
    url: Option<String>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
    dlr_url: Option<String>,
    dlr_token: Option<String>,
    lender: Option<String>,
    service_phone: Option<String>,
    timeout_seconds: Option<u32>,
    outbox_seconds: Option<u32>,
    outbox_batch: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDialer {
    url: Option<String>,
    token: Option<String>,
    timeout_seconds: Option<u32>,
}

// Hand-written so the raw password and tokens never reach a log through `{:?}`.
impl std::fmt::Debug for RawSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSms")
            .field("gateway", &self.gateway)
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .field("dlr_url", &self.dlr_url)
            .field("dlr_token", &self.dlr_token.as_ref().map(|_| "***"))
            .field("lender", &self.lender)
            .field("service_phone", &self.service_phone)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("outbox_seconds", &self.outbox_seconds)
            .field("outbox_batch", &self.outbox_batch)
            .finish()
    }
}

impl std::fmt::Debug for RawDialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawDialer")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPlans {
    broken_after_days: Option<u32>,
    on_broken: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAssignment {
    rule: Option<String>,
    by_region: Option<bool>,
    by_skill: Option<bool>,
    sticky: Option<bool>,
    /// Queue (or `prefix*`) → role code; merged over the defaults (role `none` removes one).
    queues: Option<std::collections::BTreeMap<String, String>>,
    /// Region → city names; replaces the default regions when given.
    regions: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCases {
    reveal_roles: Option<Vec<String>>,
    reveal_reason_min_chars: Option<u32>,
    promise_horizon_days: Option<u32>,
    note_max_chars: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    session_idle_minutes: Option<u32>,
    session_absolute_hours: Option<u32>,
    login_throttle_after: Option<u32>,
    login_throttle_address_after: Option<u32>,
    login_throttle_first_wait_secs: Option<u32>,
    login_throttle_max_wait_minutes: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
    cookie_secure: Option<bool>,
    body_limit_kib: Option<u32>,
    header_read_timeout_secs: Option<u32>,
    idle_timeout_secs: Option<u32>,
    max_connections: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCollections {
    strategy: Option<std::path::PathBuf>,
    templates: Option<std::path::PathBuf>,
    profile: Option<String>,
    pre_due_days: Option<u32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLedger {
    /// Multiple of the contract rate for penalty interest, as text (e.g. "1.5").
    penalty_multiple: Option<String>,
    day_count: Option<u32>,
    /// Late fee per missed installment in yuan (e.g. "50.00").
    late_fee: Option<String>,
    waterfall: Option<Vec<String>>,
    allocation_mode: Option<String>,
    buckets: Option<Vec<RawBucket>>,
    npl_from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBucket {
    label: String,
    from_dpd: u32,
}

impl Settings {
    /// Reads `path`, or `recoup.toml` in the working directory if it exists, or the defaults.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Settings> {
        let default_path = Path::new("recoup.toml");
        let (text, name) = match path {
            Some(p) => (
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?,
                p.display().to_string(),
            ),
            None if default_path.exists() => (
                std::fs::read_to_string(default_path).context("cannot read recoup.toml")?,
                "recoup.toml".to_string(),
            ),
            None => (String::new(), String::new()),
        };
        Settings::parse_with_env(&text, |name| std::env::var(name).ok())
            .with_context(|| format!("invalid configuration in {name}"))
    }

    /// Parses settings text; TOML errors carry line and column.
    pub fn parse(text: &str) -> anyhow::Result<Settings> {
        Settings::parse_with_env(text, |_| None)
    }

    /// Parses settings text, then lets `env` (a variable lookup) override the settings listed
    /// in [`OUTBOUND_ENV`].
    pub fn parse_with_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Settings> {
        let mut raw: RawSettings = toml::from_str(text)?;
        apply_outbound_env(&mut raw, &env);
        let timezone: Tz = match raw.timezone.as_deref() {
            None => chrono_tz::Asia::Shanghai,
            Some(name) => name
                .parse()
                .map_err(|_| anyhow::anyhow!("timezone: `{name}` is not an IANA time zone"))?,
        };
        let ledger = raw.ledger.unwrap_or_default();
        let mut policy = LedgerPolicy::default();
        if let Some(text) = ledger.penalty_multiple {
            policy.penalty.multiple_bp = parse_multiple_bp(&text)?;
        }
        if let Some(days) = ledger.day_count {
            if days != 360 && days != 365 {
                bail!("ledger.day_count: must be 360 or 365, got {days}");
            }
            policy.penalty = PenaltyPolicy {
                day_count: days,
                ..policy.penalty
            };
        }
        if let Some(text) = ledger.late_fee {
            policy.late_fee =
                Fen::parse_yuan(&text).map_err(|e| anyhow::anyhow!("ledger.late_fee: {e}"))?;
            if policy.late_fee.get() < 0 {
                bail!("ledger.late_fee: must not be negative");
            }
        }
        let mode = match ledger.allocation_mode.as_deref() {
            None | Some("component_first") => AllocationMode::ComponentFirst,
            Some("installment_first") => AllocationMode::InstallmentFirst,
            Some(other) => bail!(
                "ledger.allocation_mode: `{other}` is not component_first or installment_first"
            ),
        };
        let order = match ledger.waterfall {
            None => policy.waterfall.order().to_vec(),
            Some(names) => names
                .iter()
                .map(|n| {
                    Component::parse(n)
                        .ok_or_else(|| anyhow::anyhow!("ledger.waterfall: unknown component `{n}`"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        };
        policy.waterfall =
            Waterfall::new(&order, mode).map_err(|e| anyhow::anyhow!("ledger.waterfall: {e}"))?;
        let npl_from = ledger.npl_from.unwrap_or_else(|| "M3".into());
        policy.buckets = match ledger.buckets {
            None if npl_from == "M3" => BucketScheme::default(),
            None => {
                let defaults = BucketScheme::default();
                let specs: Vec<(String, u32)> = defaults
                    .labels()
                    .iter()
                    .cloned()
                    .zip(defaults.lower_bounds().iter().copied())
                    .collect();
                BucketScheme::new(&specs, &npl_from)
                    .map_err(|e| anyhow::anyhow!("ledger.npl_from: {e}"))?
            }
            Some(buckets) => {
                let specs: Vec<(String, u32)> =
                    buckets.into_iter().map(|b| (b.label, b.from_dpd)).collect();
                BucketScheme::new(&specs, &npl_from)
                    .map_err(|e| anyhow::anyhow!("ledger.buckets: {e}"))?
            }
        };
        let raw_collections = raw.collections.unwrap_or_default();
        let defaults = Collections::default();
        let collections = Collections {
            strategy: raw_collections.strategy,
            templates: raw_collections.templates,
            profile: raw_collections.profile.unwrap_or(defaults.profile),
            pre_due_days: raw_collections
                .pre_due_days
                .unwrap_or(defaults.pre_due_days),
        };
        if collections.pre_due_days > 31 {
            bail!(
                "collections.pre_due_days: at most 31, got {}",
                collections.pre_due_days
            );
        }
        let mut server = parse_server(raw.server.unwrap_or_default())?;
        server.config.plans = parse_plans(raw.approvals, raw.plans.unwrap_or_default())?;
        server.config.buckets = policy.buckets.clone();
        server.config.cases = parse_cases(raw.cases.unwrap_or_default(), timezone)?;
        let assignment = parse_assignment(raw.assignment.unwrap_or_default())?;
        let outbound = parse_outbound(raw.sms.unwrap_or_default(), raw.dialer.unwrap_or_default())?;
        let products = parse_products(raw.products.unwrap_or_default(), policy.penalty.day_count)?;
        server.config.ledger = policy.clone();
        server.config.products = products;
        Ok(Settings {
            timezone,
            policy,
            collections,
            server,
            assignment,
            outbound,
            products,
        })
    }

    /// Today's date in the lender's time zone (never the server's midnight).
    #[allow(clippy::disallowed_methods)] // The shell is where the clock is read.
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.timezone).date_naive()
    }

    /// Now, UTC (for audit rows and users created from the command line).
    #[allow(clippy::disallowed_methods)] // The shell is where the clock is read.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// Wall-clock time for journal rows, UTC, RFC 3339.
    #[allow(clippy::disallowed_methods)] // The shell is where the clock is read.
    pub fn now_text(&self) -> String {
        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}

fn parse_server(raw: RawServer) -> anyhow::Result<ServerSettings> {
    let defaults = ServerSettings::default();
    let mut config = defaults.config;
    let listen = match raw.listen {
        None => defaults.listen,
        Some(text) if text.trim().is_empty() => bail!("server.listen: must be HOST:PORT"),
        Some(text) => text,
    };
    if let Some(minutes) = raw.session_idle_minutes {
        if !(1..=7 * 24 * 60).contains(&minutes) {
            bail!("server.session_idle_minutes: 1 to 10080 (a week), got {minutes}");
        }
        config.auth.session_idle = TimeDelta::minutes(i64::from(minutes));
    }
    if let Some(hours) = raw.session_absolute_hours {
        if !(1..=30 * 24).contains(&hours) {
            bail!("server.session_absolute_hours: 1 to 720 (30 days), got {hours}");
        }
        config.auth.session_absolute = TimeDelta::hours(i64::from(hours));
    }
    if let Some(failures) = raw.login_throttle_after {
        if !(1..=100).contains(&failures) {
            bail!("server.login_throttle_after: 1 to 100, got {failures}");
        }
        config.auth.throttle_after = failures;
    }
    if let Some(failures) = raw.login_throttle_address_after {
        if !(1..=100_000).contains(&failures) {
            bail!("server.login_throttle_address_after: 1 to 100000, got {failures}");
        }
        config.auth.address_throttle_after = failures;
    }
    if let Some(secs) = raw.login_throttle_first_wait_secs {
        if !(1..=3600).contains(&secs) {
            bail!("server.login_throttle_first_wait_secs: 1 to 3600, got {secs}");
        }
        config.auth.throttle_first_wait = TimeDelta::seconds(i64::from(secs));
    }
    if let Some(minutes) = raw.login_throttle_max_wait_minutes {
        if !(1..=24 * 60).contains(&minutes) {
            bail!("server.login_throttle_max_wait_minutes: 1 to 1440 (a day), got {minutes}");
        }
        config.auth.throttle_max_wait = TimeDelta::minutes(i64::from(minutes));
    }
    if config.auth.throttle_first_wait > config.auth.throttle_max_wait {
        bail!("server.login_throttle_first_wait_secs: longer than login_throttle_max_wait_minutes");
    }
    if let Some(proxies) = &raw.trusted_proxies {
        config.trusted_proxies = proxies
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                parse_proxy(entry).with_context(|| format!("server.trusted_proxies[{i}]"))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(secure) = raw.cookie_secure {
        config.cookie_secure = secure;
    }
    if let Some(kib) = raw.body_limit_kib {
        if !(1..=64 * 1024).contains(&kib) {
            bail!("server.body_limit_kib: 1 to 65536, got {kib}");
        }
        config.body_limit = kib as usize * 1024;
    }
    if let Some(secs) = raw.header_read_timeout_secs {
        if !(1..=300).contains(&secs) {
            bail!("server.header_read_timeout_secs: 1 to 300, got {secs}");
        }
        config.connections.header_read_timeout = std::time::Duration::from_secs(secs.into());
    }
    if let Some(secs) = raw.idle_timeout_secs {
        if !(1..=3600).contains(&secs) {
            bail!("server.idle_timeout_secs: 1 to 3600, got {secs}");
        }
        config.connections.idle_timeout = std::time::Duration::from_secs(secs.into());
    }
    if let Some(cap) = raw.max_connections {
        if !(1..=100_000).contains(&cap) {
            bail!("server.max_connections: 1 to 100000, got {cap}");
        }
        config.connections.max_connections = cap as usize;
    }
    Ok(ServerSettings { listen, config })
}

/// `[approvals]` and `[plans]`: who approves how much, and what a broken plan does.
fn parse_plans(
    approvals: Option<std::collections::BTreeMap<String, String>>,
    raw: RawPlans,
) -> anyhow::Result<recoup_store::PlanSettings> {
    let mut settings = recoup_store::PlanSettings::default();
    if let Some(table) = approvals {
        let mut limits = Vec::new();
        for (role_code, limit) in table {
            let role = recoup_core::role::Role::parse(&role_code)
                .map_err(|e| anyhow::anyhow!("approvals.{role_code}: {e}"))?;
            let limit = if limit.trim() == "unlimited" {
                None
            } else {
                let fen = Fen::parse_yuan(&limit).map_err(|_| {
                    anyhow::anyhow!("approvals.{role_code}: `{limit}` is not an amount in yuan or \"unlimited\"")
                })?;
                if fen.get() < 0 {
                    bail!("approvals.{role_code}: must not be negative");
                }
                Some(fen)
            };
            limits.push((role, limit));
        }
        settings.limits = recoup_core::restructure::ApprovalLimits { limits };
    }
    if let Some(days) = raw.broken_after_days {
        if !(0..=365).contains(&days) {
            bail!("plans.broken_after_days: 0 to 365, got {days}");
        }
        settings.broken_after_days = days;
    }
    if let Some(text) = raw.on_broken {
        settings.on_broken = match text.as_str() {
            "restore" => recoup_store::OnBroken::Restore,
            "keep" => recoup_store::OnBroken::Keep,
            other => bail!("plans.on_broken: `restore` or `keep`, got `{other}`"),
        };
    }
    Ok(settings)
}

fn parse_assignment(raw: RawAssignment) -> anyhow::Result<recoup_store::AssignmentPolicy> {
    use recoup_store::{AssignmentPolicy, AssignmentRule};
    let mut policy = AssignmentPolicy::default();
    if let Some(rule) = raw.rule {
        policy.rule = AssignmentRule::parse(&rule).ok_or_else(|| {
            anyhow::anyhow!("assignment.rule: `{rule}` is not round_robin or least_loaded")
        })?;
    }
    policy.by_region = raw.by_region.unwrap_or(policy.by_region);
    policy.by_skill = raw.by_skill.unwrap_or(policy.by_skill);
    policy.sticky = raw.sticky.unwrap_or(policy.sticky);
    for (queue, role) in raw.queues.unwrap_or_default() {
        if role == "none" {
            policy.queue_roles.remove(&queue);
            continue;
        }
        let role = recoup_core::role::Role::parse(&role)
            .map_err(|e| anyhow::anyhow!("assignment.queues.{queue}: {e}"))?;
        policy.queue_roles.insert(queue, role);
    }
    if let Some(regions) = raw.regions {
        policy.regions = regions;
    }
    Ok(policy)
}

fn parse_cases(raw: RawCases, timezone: Tz) -> anyhow::Result<recoup_server::CaseSettings> {
    let mut cases = recoup_server::CaseSettings {
        timezone,
        ..recoup_server::CaseSettings::default()
    };
    if let Some(roles) = raw.reveal_roles {
        cases.reveal_roles = roles
            .iter()
            .map(|r| {
                recoup_core::role::Role::parse(r)
                    .map_err(|e| anyhow::anyhow!("cases.reveal_roles: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
    }
    if let Some(n) = raw.reveal_reason_min_chars {
        if !(1..=200).contains(&n) {
            bail!("cases.reveal_reason_min_chars: 1 to 200, got {n}");
        }
        cases.reveal_reason_min_chars = n as usize;
    }
    if let Some(days) = raw.promise_horizon_days {
        if !(1..=365).contains(&days) {
            bail!("cases.promise_horizon_days: 1 to 365, got {days}");
        }
        cases.promise_horizon_days = days;
    }
    if let Some(n) = raw.note_max_chars {
        if !(1..=20_000).contains(&n) {
            bail!("cases.note_max_chars: 1 to 20000, got {n}");
        }
        cases.note_max_chars = n as usize;
    }
    Ok(cases)
}

fn apply_outbound_env(raw: &mut RawSettings, env: &impl Fn(&str) -> Option<String>) {
    for (name, setting) in OUTBOUND_ENV {
        let Some(value) = env(name) else { continue };
        let sms = RawSms::default;
        let dialer = RawDialer::default;
        let slot = match setting {
            "sms.gateway" => &mut raw.sms.get_or_insert_with(sms).gateway,
            "sms.url" => &mut raw.sms.get_or_insert_with(sms).url,
            "sms.username" => &mut raw.sms.get_or_insert_with(sms).username,
            "sms.password" => &mut raw.sms.get_or_insert_with(sms).password,
            "sms.from" => &mut raw.sms.get_or_insert_with(sms).from,
            "sms.dlr_url" => &mut raw.sms.get_or_insert_with(sms).dlr_url,
            "sms.dlr_token" => &mut raw.sms.get_or_insert_with(sms).dlr_token,
            "sms.lender" => &mut raw.sms.get_or_insert_with(sms).lender,
            "sms.service_phone" => &mut raw.sms.get_or_insert_with(sms).service_phone,
            "dialer.url" => &mut raw.dialer.get_or_insert_with(dialer).url,
            _ => &mut raw.dialer.get_or_insert_with(dialer).token,
        };
        *slot = Some(value);
    }
}

/// `[sms]` and `[dialer]`: a gateway needs its URL, user, the lender's name and service number
/// (templates show them); each is checked as the channel crate would use it.
fn parse_outbound(sms: RawSms, dialer: RawDialer) -> anyhow::Result<OutboundSettings> {
    use recoup_channels::{DialerSettings, KannelSettings, Secret};
    let seconds =
        |field: &str, value: Option<u32>, default: u32| -> anyhow::Result<std::time::Duration> {
            let n = value.unwrap_or(default);
            if !(1..=120).contains(&n) {
                bail!("{field}: 1 to 120 seconds, got {n}");
            }
            Ok(std::time::Duration::from_secs(u64::from(n)))
        };
    let mut settings = OutboundSettings {
        lender: sms.lender.clone().unwrap_or_default(),
        service_phone: sms.service_phone.clone().unwrap_or_default(),
        dlr_token: sms.dlr_token.clone().map(Secret::new),
        ..OutboundSettings::default()
    };
    match sms.gateway.as_deref().unwrap_or("none") {
        "none" => {}
        "kannel" => {
            let required = |field: &str, value: &Option<String>| -> anyhow::Result<String> {
                match value {
                    Some(v) if !v.trim().is_empty() => Ok(v.clone()),
                    _ => bail!("sms.{field}: required with gateway = \"kannel\""),
                }
            };
            let kannel = KannelSettings {
                url: required("url", &sms.url)?,
                username: required("username", &sms.username)?,
                password: Secret::new(required("password", &sms.password)?),
                from: sms.from.clone().unwrap_or_default(),
                dlr_url: sms.dlr_url.clone().filter(|u| !u.trim().is_empty()),
                dlr_token: settings.dlr_token.clone(),
                timeout: seconds("sms.timeout_seconds", sms.timeout_seconds, 10)?,
            };
            required("lender", &sms.lender)?;
            required("service_phone", &sms.service_phone)?;
            recoup_channels::KannelGateway::new(kannel.clone())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            settings.kannel = Some(kannel);
            settings.outbox_interval = match sms.outbox_seconds.unwrap_or(60) {
                0 => None,
                n @ 1..=3600 => Some(std::time::Duration::from_secs(u64::from(n))),
                n => bail!("sms.outbox_seconds: 0 (off) to 3600 seconds, got {n}"),
            };
            settings.outbox_batch = match sms.outbox_batch.unwrap_or(200) {
                n @ 1..=10_000 => i64::from(n),
                n => bail!("sms.outbox_batch: 1 to 10000 messages, got {n}"),
            };
        }
        other => bail!("sms.gateway: `kannel` or `none`, got `{other}`"),
    }
    if let Some(url) = dialer.url.filter(|u| !u.trim().is_empty()) {
        let dialer = DialerSettings {
            url,
            token: dialer.token.filter(|t| !t.is_empty()).map(Secret::new),
            timeout: seconds("dialer.timeout_seconds", dialer.timeout_seconds, 5)?,
        };
        recoup_channels::DialerHook::new(dialer.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
        settings.dialer = Some(dialer);
    }
    Ok(settings)
}

/// "1.5" → 15000 basis points of the contract rate.
/// `[products.<product>]`: each product's early-repayment settings; products not listed keep
/// the defaults (pro rata interest, no fee, no lock-in, a full month's first-period interest).
fn parse_products(
    raw: std::collections::BTreeMap<String, RawProduct>,
    day_count: u32,
) -> anyhow::Result<ProductRules> {
    let mut rules = ProductRules::default();
    for (code, product) in raw {
        let key = format!("products.{code}");
        let kind: Product = code.parse().map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
        let rule = rules.of_mut(kind);
        rule.interest_rule = match product.settlement_interest.as_deref() {
            None | Some("pro_rata_days") => SettlementInterestRule::ProRataDays,
            Some("full_period") => SettlementInterestRule::FullPeriod,
            Some(other) => {
                bail!("{key}.settlement_interest: `{other}` is not pro_rata_days or full_period")
            }
        };
        rule.fee = match (
            product.early_settlement_fee_rate,
            product.early_settlement_fee_months,
        ) {
            (Some(_), Some(_)) => bail!(
                "{key}: give early_settlement_fee_rate or early_settlement_fee_months, not both"
            ),
            (Some(text), None) => {
                // A percentage with at most two decimals is a whole number of basis points.
                let bp = Fen::parse_yuan(&text)
                    .ok()
                    .and_then(|hundredths| u32::try_from(hundredths.get()).ok())
                    .filter(|bp| *bp <= 2_000)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "{key}.early_settlement_fee_rate: `{text}` is not a percentage from 0 to 20 with at most 2 decimals"
                        )
                    })?;
                EarlySettlementFee::Rate { bp }
            }
            (None, Some(months)) if months <= 12 => EarlySettlementFee::MonthsInterest { months },
            (None, Some(months)) => {
                bail!("{key}.early_settlement_fee_months: at most 12, got {months}")
            }
            (None, None) => EarlySettlementFee::None,
        };
        rule.fee_within_months = product.fee_within_months;
        rule.lock_in_months = product.lock_in_months.unwrap_or(0);
        if rule.lock_in_months > recoup_core::loan::MAX_TERM_MONTHS {
            bail!(
                "{key}.lock_in_months: at most {}",
                recoup_core::loan::MAX_TERM_MONTHS
            );
        }
        rule.first_period = match product.first_period_interest.as_deref() {
            None | Some("full_month") => FirstPeriodInterest::FullMonth,
            Some("actual_days") => FirstPeriodInterest::ActualDays { day_count },
            Some(other) => {
                bail!("{key}.first_period_interest: `{other}` is not full_month or actual_days")
            }
        };
    }
    Ok(rules)
}

fn parse_multiple_bp(text: &str) -> anyhow::Result<u32> {
    let fen = Fen::parse_yuan(text).map_err(|_| {
        anyhow::anyhow!(
            "ledger.penalty_multiple: `{text}` is not a multiple such as 1.5 (at most 2 decimals)"
        )
    })?;
    let bp = fen.get() * 100;
    if !(0..=100_000).contains(&bp) {
        bail!("ledger.penalty_multiple: must be between 0 and 10, got {text}");
    }
    Ok(bp as u32)
}

/// A trusted proxy: an address (`127.0.0.1`, `::1`) or a network (`10.0.0.0/8`).
fn parse_proxy(entry: &str) -> anyhow::Result<ipnet::IpNet> {
    if let Ok(net) = entry.parse::<ipnet::IpNet>() {
        return Ok(net);
    }
    entry
        .parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| {
            anyhow::anyhow!("`{entry}` is neither an IP address nor a network such as 10.0.0.0/8")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_and_case_settings_are_read_and_checked() {
        let settings = Settings::parse(
            r#"
[assignment]
rule = "round_robin"
sticky = false
queues = { auto_sms = "collector", agency = "none" }
[cases]
reveal_roles = ["manager"]
promise_horizon_days = 14
"#,
        )
        .unwrap();
        assert_eq!(
            settings.assignment.rule,
            recoup_store::AssignmentRule::RoundRobin
        );
        assert!(!settings.assignment.sticky);
        assert_eq!(
            settings.assignment.role_for("auto_sms"),
            Some(recoup_core::role::Role::Collector)
        );
        assert_eq!(settings.assignment.role_for("agency"), None);
        assert_eq!(
            settings.server.config.cases.reveal_roles,
            vec![recoup_core::role::Role::Manager]
        );
        assert_eq!(settings.server.config.cases.promise_horizon_days, 14);
        for bad in [
            "[assignment]\nrule = \"random\"",
            "[assignment]\nqueues = { x = \"boss\" }",
            "[cases]\nreveal_roles = [\"boss\"]",
            "[cases]\npromise_horizon_days = 0",
            "[cases]\ncolour = 1",
        ] {
            assert!(Settings::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sms_and_dialer_settings_are_read_checked_and_overridden_by_the_environment() {
        let text = r#"
[sms]
gateway = "kannel"
url = "http://127.0.0.1:13013/cgi-bin/sendsms"
username = "recoup"
password = "from-the-file"
from = "10690000"
lender = "某汽车金融"
service_phone = "400-800-8000"
[dialer]
url = "http://pbx.internal/click2call"
timeout_seconds = 3
"#;
        let env = |name: &str| match name {
            "RECOUP_SMS_PASSWORD" => Some("from-the-environment".to_string()),
            "RECOUP_DIALER_TOKEN" => Some("dialer-secret".to_string()),
            _ => None,
        };
        let settings = Settings::parse_with_env(text, env).unwrap();
        let kannel = settings.outbound.kannel.clone().unwrap();
        assert_eq!(kannel.password.expose(), "from-the-environment");
        assert_eq!(kannel.from, "10690000");
        let dialer = settings.outbound.dialer.clone().unwrap();
        assert_eq!(dialer.token.unwrap().expose(), "dialer-secret");
        assert_eq!(dialer.timeout, std::time::Duration::from_secs(3));
        let printed = format!("{:?}", settings.outbound);
        assert!(!printed.contains("from-the-environment") && !printed.contains("dialer-secret"));
        assert_eq!(
            Settings::parse("").unwrap().outbound,
            OutboundSettings::default()
        );
        for (bad, field) in [
            ("[sms]\ngateway = \"twilio\"", "sms.gateway"),
            ("[sms]\ngateway = \"kannel\"\nusername = \"u\"", "sms.url"),
            (
                "[sms]\ngateway = \"kannel\"\nurl = \"http://k/\"\nusername = \"u\"\npassword = \"p\"",
                "sms.lender",
            ),
            ("[dialer]\nurl = \"https://pbx/\"", "dialer.url"),
            ("[dialer]\nurl = \"http://pbx/\"\ntimeout_seconds = 0", "dialer.timeout_seconds"),
        ] {
            let message = format!("{:#}", Settings::parse(bad).unwrap_err());
            assert!(message.contains(field), "{bad}: {message}");
        }
    }

    #[test]
    fn the_example_settings_file_parses() {
        let settings = Settings::parse(include_str!("../../../examples/recoup.toml")).unwrap();
        assert_eq!(settings.outbound.kannel, None);
        assert_eq!(settings.outbound.dialer, None);
    }

    #[test]
    fn empty_settings_are_the_chinese_defaults() {
        let settings = Settings::parse("").unwrap();
        assert_eq!(settings.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(settings.policy, LedgerPolicy::default());
    }

    #[test]
    fn product_settings_are_read_and_default_to_the_contract() {
        let settings = Settings::parse(
            r#"
[ledger]
day_count = 365

[products.used_car]
settlement_interest = "full_period"
early_settlement_fee_rate = "1.5"
fee_within_months = 12
lock_in_months = 3
first_period_interest = "actual_days"

[products.car_mortgage]
early_settlement_fee_months = 2
"#,
        )
        .unwrap();
        let used = settings.products.of(Product::UsedCar);
        assert_eq!(used.interest_rule, SettlementInterestRule::FullPeriod);
        assert_eq!(used.fee, EarlySettlementFee::Rate { bp: 150 });
        assert_eq!(used.fee_within_months, Some(12));
        assert_eq!(used.lock_in_months, 3);
        assert_eq!(
            used.first_period,
            FirstPeriodInterest::ActualDays { day_count: 365 }
        );
        assert_eq!(
            settings.products.of(Product::CarMortgage).fee,
            EarlySettlementFee::MonthsInterest { months: 2 }
        );
        assert_eq!(
            *settings.products.of(Product::NewCar),
            recoup_core::settlement::ProductSettlement::default()
        );
        assert_eq!(settings.server.config.products, settings.products);
    }

    #[test]
    fn every_ledger_setting_is_read() {
        let settings = Settings::parse(
            r#"
timezone = "America/New_York"
[ledger]
penalty_multiple = "1.3"
day_count = 365
late_fee = "50.00"
waterfall = ["interest", "principal", "penalty", "fees"]
allocation_mode = "installment_first"
npl_from = "90+"
buckets = [{ label = "current", from_dpd = 0 }, { label = "30+", from_dpd = 30 }, { label = "90+", from_dpd = 90 }]
"#,
        )
        .unwrap();
        assert_eq!(
            settings.policy.penalty,
            PenaltyPolicy {
                multiple_bp: 13_000,
                day_count: 365
            }
        );
        assert_eq!(settings.policy.late_fee, Fen::from_yuan(50));
        assert_eq!(settings.policy.waterfall.order()[0], Component::Interest);
        assert_eq!(
            settings.policy.waterfall.mode,
            AllocationMode::InstallmentFirst
        );
        assert_eq!(
            settings
                .policy
                .buckets
                .label(settings.policy.buckets.bucket_for(45)),
            "30+"
        );
        assert!(settings.policy.buckets.is_npl(2));
    }

    #[test]
    fn every_server_setting_is_read() {
        let settings = Settings::parse(
            "[server]\nlisten = \"0.0.0.0:9000\"\nsession_idle_minutes = 10\nsession_absolute_hours = 2\n\
             login_throttle_after = 3\nlogin_throttle_address_after = 40\nlogin_throttle_first_wait_secs = 10\n\
             login_throttle_max_wait_minutes = 7\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n\
             cookie_secure = true\nbody_limit_kib = 16\n",
        )
        .unwrap();
        let server = settings.server;
        assert_eq!(server.listen, "0.0.0.0:9000");
        assert_eq!(server.config.auth.session_idle, TimeDelta::minutes(10));
        assert_eq!(server.config.auth.session_absolute, TimeDelta::hours(2));
        assert_eq!(server.config.auth.throttle_after, 3);
        assert_eq!(server.config.auth.address_throttle_after, 40);
        assert_eq!(
            server.config.auth.throttle_first_wait,
            TimeDelta::seconds(10)
        );
        assert_eq!(server.config.auth.throttle_max_wait, TimeDelta::minutes(7));
        assert_eq!(
            server.config.trusted_proxies,
            vec![
                "127.0.0.1/32".parse::<ipnet::IpNet>().unwrap(),
                "10.0.0.0/8".parse().unwrap()
            ]
        );
        assert!(server.config.cookie_secure);
        assert_eq!(server.config.body_limit, 16 * 1024);
        assert_eq!(
            Settings::parse("").unwrap().server,
            ServerSettings::default()
        );
    }

    #[test]
    fn the_connection_limits_are_read_and_checked() {
        let settings = Settings::parse(
            "[server]\nheader_read_timeout_secs = 5\nidle_timeout_secs = 30\nmax_connections = 200\n",
        )
        .unwrap();
        let limits = settings.server.config.connections;
        assert_eq!(
            limits.header_read_timeout,
            std::time::Duration::from_secs(5)
        );
        assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(30));
        assert_eq!(limits.max_connections, 200);
        for (text, named) in [
            (
                "header_read_timeout_secs = 0",
                "server.header_read_timeout_secs",
            ),
            ("idle_timeout_secs = 7200", "server.idle_timeout_secs"),
            ("max_connections = 0", "server.max_connections"),
        ] {
            let error = Settings::parse(&format!("[server]\n{text}\n")).unwrap_err();
            assert!(format!("{error:#}").contains(named), "{error:#}");
        }
    }

    #[test]
    fn bad_settings_name_the_setting_and_position() {
        let cases = [
            ("[ledger]\nday_count = 300\n", "day_count"),
            ("[ledger]\nwaterfall = [\"interest\"]\n", "waterfall"),
            ("[ledger]\nlate_fee = \"abc\"\n", "late_fee"),
            ("timezone = \"Mars/Olympus\"\n", "timezone"),
            ("[ledger]\nunknown = 1\n", "line 2"),
            ("[ledger\n", "line 1"),
            (
                "[server]\nlogin_throttle_after = 0\n",
                "server.login_throttle_after",
            ),
            (
                "[server]\ntrusted_proxies = [\"127.0.0.1\", \"proxy.local\"]\n",
                "server.trusted_proxies[1]",
            ),
            (
                "[server]\nlogin_throttle_first_wait_secs = 600\nlogin_throttle_max_wait_minutes = 5\n",
                "server.login_throttle_first_wait_secs",
            ),
            (
                "[server]\nsession_idle_minutes = 0\n",
                "server.session_idle_minutes",
            ),
            ("[server]\nport = 1\n", "line 2"),
            ("[approvals]\nboss = \"1\"\n", "approvals.boss"),
            ("[approvals]\nmanager = \"lots\"\n", "approvals.manager"),
            ("[plans]\non_broken = \"forget\"\n", "plans.on_broken"),
            ("[products.truck]\n", "products.truck"),
            (
                "[products.new_car]\nsettlement_interest = \"weekly\"\n",
                "products.new_car.settlement_interest",
            ),
            (
                "[products.new_car]\nearly_settlement_fee_rate = \"25\"\n",
                "products.new_car.early_settlement_fee_rate",
            ),
            (
                "[products.new_car]\nearly_settlement_fee_rate = \"1\"\nearly_settlement_fee_months = 1\n",
                "not both",
            ),
            (
                "[products.used_car]\nfirst_period_interest = \"half\"\n",
                "products.used_car.first_period_interest",
            ),
        ];
        for (text, expected) in cases {
            let message = format!("{:#}", Settings::parse(text).unwrap_err());
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }
}
