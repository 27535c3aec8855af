//! The application state every handler receives: the store, the clock, the configuration and
//! the metrics registry. Cloning is cheap (everything is behind `Arc`s or is a pool handle).

use std::sync::Arc;

use recoup_core::auth::AuthPolicy;
use recoup_core::delinquency::BucketScheme;
use recoup_core::role::{Permission, Role};
use recoup_core::servicing::LedgerPolicy;
use recoup_core::settlement::ProductRules;
use recoup_store::{AssignmentPolicy, PlanSettings, Store};
use recoup_strategy::StrategyOutline;

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::outbound::Outbound;
use crate::queue_totals::QueueTotals;

/// Server settings (the `[server]` table of recoup.toml, less the listen address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The sign-in throttle after failed logins, session idle and absolute lifetimes.
    pub auth: AuthPolicy,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`[server] trusted_proxies`);
    /// empty: the TCP peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Mark the session cookie `Secure` (sent only over HTTPS). Turn on behind TLS; off by
    /// default because the default listener is plain HTTP on loopback.
    pub cookie_secure: bool,
    /// Largest request body accepted, in bytes; larger bodies get 413.
    pub body_limit: usize,
    /// Approval limits and what happens to broken plans (`[approvals]`, `[plans]`).
    pub plans: PlanSettings,
    /// The aging buckets the book was closed with (`[ledger] buckets`): for the reports and to
    /// write a restructured loan's bucket label.
    pub buckets: BucketScheme,
    /// Case work: who may reveal personal data, promise and note limits.
    pub cases: CaseSettings,
    /// What the strategy, compliance and admin pages show of the configuration.
    pub oversight: OversightSettings,
    /// Header-read and idle timeouts and the cap on open connections.
    pub connections: crate::ConnectionLimits,
    /// The ledger policy (`[ledger]`): settlement quotes step a loan forward with it.
    pub ledger: LedgerPolicy,
    /// Early settlement, prepayment and first-period settings per product (`[products.*]`).
    pub products: ProductRules,
}

/// The configuration the oversight pages show: the active strategy, the `[assignment]` rules
/// and the contact templates language QA flagged. Set by `recoup serve` from recoup.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OversightSettings {
    /// The active strategy file (its name and outline); `None` when the server was started
    /// without one (the API tests).
    pub strategy: Option<Arc<(String, StrategyOutline)>>,
    /// `[assignment]`: which role works each queue and how cases are handed out.
    pub assignment: AssignmentPolicy,
    /// Contact templates with warn-tier language-QA terms.
    pub template_flags: Vec<TemplateFlag>,
}

/// A contact template with the warn-tier terms language QA found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFlag {
    pub id: String,
    pub channel: String,
    pub text: String,
    pub terms: Vec<String>,
}

/// The `[cases]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSettings {
    /// Roles that may reveal unmasked personal data of the cases they can see. Default: the
    /// roles holding [`Permission::RevealPii`] (manager, collector, field agent, legal,
    /// recovery; never agency).
    pub reveal_roles: Vec<Role>,
    /// Shortest reason a reveal accepts, in characters.
    pub reveal_reason_min_chars: usize,
    /// Latest due date a promise to pay may have, in days after today.
    pub promise_horizon_days: u32,
    /// Longest note, in characters.
    pub note_max_chars: usize,
    /// The lender's time zone: "today" for promises and reassignment events.
    pub timezone: chrono_tz::Tz,
}

impl Default for CaseSettings {
    fn default() -> CaseSettings {
        CaseSettings {
            reveal_roles: Role::ALL
                .into_iter()
                .filter(|role| role.allows(Permission::RevealPii))
                .collect(),
            reveal_reason_min_chars: 10,
            promise_horizon_days: 30,
            note_max_chars: 4000,
            timezone: chrono_tz::Asia::Shanghai,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            auth: AuthPolicy::default(),
            trusted_proxies: Vec::new(),
            cookie_secure: false,
            body_limit: 64 * 1024,
            plans: PlanSettings::default(),
            buckets: BucketScheme::default(),
            cases: CaseSettings::default(),
            oversight: OversightSettings::default(),
            connections: crate::ConnectionLimits::default(),
            ledger: LedgerPolicy::default(),
            products: ProductRules::default(),
        }
    }
}

/// Everything a handler needs, passed with `Router::with_state` and read with `State`.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServerConfig>,
    pub(crate) metrics: Arc<Metrics>,
    /// Guard, templates, SMS gateway and dialer for the outbound endpoints; `None` only if the
    /// shipped defaults failed to load (the endpoints then answer 503).
    pub outbound: Option<Arc<Outbound>>,
    /// Recent queue counts (see [`crate::queue_totals`]).
    pub(crate) queue_totals: Arc<QueueTotals>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, config: ServerConfig) -> AppState {
        AppState {
            store,
            clock,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            queue_totals: Arc::new(QueueTotals::default()),
            outbound: match Outbound::shipped() {
                Ok(outbound) => Some(Arc::new(outbound)),
                Err(error) => {
                    tracing::error!(%error, "outbound contact is unavailable");
                    None
                }
            },
        }
    }

    /// The same state with `outbound` as the SMS, dialer and compliance settings.
    pub fn with_outbound(mut self, outbound: Outbound) -> AppState {
        self.outbound = Some(Arc::new(outbound));
        self
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Today in the lender's time zone, by the injected clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now()
            .with_timezone(&self.config.cases.timezone)
            .date_naive()
    }
}
