//! What the outbound endpoints (SMS, click-to-call) need besides the store: the compliance
//! guard of the active profile, the contact templates, the SMS gateway and the dialer hook.
//! Built once by the caller (the CLI from `recoup.toml`, tests by hand) and shared read-only.

use std::sync::Arc;

use recoup_channels::{DialerHook, Secret, SmsGateway};
use recoup_compliance::{Guard, Profile};
use recoup_qa::{Inspector, TemplateBook};

/// The outbound-contact settings in force.
pub struct Outbound {
    /// The active compliance profile (`[collections] profile`).
    pub guard: Guard,
    /// The contact templates (`[collections] templates`), vetted by language QA on load.
    pub templates: TemplateBook,
    /// Which file the templates came from (`zh-CN`, `en`, or a path), for the template list.
    pub templates_source: String,
    /// Language QA, to vet each rendered text once more (a name or number could carry a term).
    pub inspector: Inspector,
    /// `[sms] gateway = "kannel"`; `None` for `"none"` (sending answers 503).
    pub sms: Option<Arc<dyn SmsGateway>>,
    /// The token Kannel's delivery reports must carry (`[sms] dlr_token`).
    pub dlr_token: Option<Secret>,
    /// `{lender}` in templates (`[sms] lender`).
    pub lender: String,
    /// `{phone}` in templates: the lender's service number (`[sms] service_phone`).
    pub service_phone: String,
    /// `[dialer] url`; `None` when unset (calling answers 503).
    pub dialer: Option<DialerHook>,
}

/// Why the shipped defaults cannot be loaded (a build defect).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OutboundError(String);

impl Outbound {
    /// The shipped China profile and zh-CN templates, with no gateway and no dialer: listing
    /// templates works, sending and calling answer 503 until configured.
    pub fn shipped() -> Result<Outbound, OutboundError> {
        let profile =
            Profile::builtin("cn").map_err(|e| OutboundError(format!("profile cn: {e}")))?;
        let inspector = Inspector::shipped()
            .map_err(|e| OutboundError(format!("the shipped QA lexicons: {e}")))?;
        let templates = TemplateBook::parse(
            "strategies/templates/zh-CN.toml",
            recoup_qa::templates::SHIPPED_ZH_CN,
            &inspector,
        )
        .map_err(|e| OutboundError(e.to_string()))?;
        Ok(Outbound {
            guard: Guard::new(profile),
            templates,
            templates_source: "zh-CN".into(),
            inspector,
            sms: None,
            dlr_token: None,
            lender: String::new(),
            service_phone: String::new(),
            dialer: None,
        })
    }
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("profile", &self.guard.profile().name())
            .field("templates", &self.templates_source)
            .field("sms", &self.sms.is_some())
            .field("dlr_token", &self.dlr_token)
            .field("lender", &self.lender)
            .field("dialer", &self.dialer)
            .finish()
    }
}
