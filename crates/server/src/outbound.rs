//! What the outbound endpoints (SMS, click-to-call) need besides the store: the compliance
//! guard of the active profile, the contact templates, the SMS gateway and the dialer hook.
//! Built once by the caller (the CLI from `recoup.toml`, tests by hand) and shared read-only.

use std::sync::Arc;

use recoup_channels::{render, DialerHook, Figures, Secret, SmsGateway};
use recoup_compliance::{Guard, Profile};
use recoup_qa::templates::Template;
use recoup_qa::{Inspector, TemplateBook};
use recoup_store::OutboundCase;

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

/// Why an SMS text cannot be made from a template for a case.
#[derive(Debug, thiserror::Error)]
pub enum SmsTextError {
    #[error("unknown template `{0}`")]
    Unknown(String),
    #[error("template `{id}` is a {channel} template, not an SMS one")]
    NotSms { id: String, channel: String },
    #[error("template `{id}` cannot be filled in for this case: {reason}")]
    CannotFill { id: String, reason: String },
    #[error("language QA blocks the rendered text (terms: {0}); nothing was sent")]
    QaBlocked(String),
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

impl Outbound {
    /// SMS template `id`.
    pub fn sms_template(&self, id: &str) -> Result<&Template, SmsTextError> {
        match self.templates.get(id) {
            Some(template) if template.channel == "sms" => Ok(template),
            Some(template) => Err(SmsTextError::NotSms {
                id: id.to_string(),
                channel: template.channel.clone(),
            }),
            None => Err(SmsTextError::Unknown(id.to_string())),
        }
    }

    /// The text of SMS template `id` for `case`: the case's figures filled in (name, amount in
    /// yuan, due date, loan number, days past due, lender, service number), then vetted by
    /// language QA once more, since a name or number could carry a blocked term. The same for
    /// a person's SMS and the outbox's.
    pub fn sms_text(&self, id: &str, case: &OutboundCase) -> Result<String, SmsTextError> {
        let template = self.sms_template(id)?;
        let figures = Figures {
            name: case.name.clone(),
            amount: case.figures.amount,
            due_date: case.figures.due_date,
            loan_no: case.figures.loan_no.clone(),
            lender: self.lender.clone(),
            service_phone: self.service_phone.clone(),
            days_past_due: case.figures.days_past_due,
        };
        let text = render(&template.text, &figures).map_err(|e| SmsTextError::CannotFill {
            id: id.to_string(),
            reason: e.to_string(),
        })?;
        if let Err(refused) = self.inspector.vet_template(&text) {
            let terms: Vec<&str> = refused
                .blocking
                .iter()
                .map(|hit| hit.term.as_str())
                .collect();
            return Err(SmsTextError::QaBlocked(terms.join(", ")));
        }
        Ok(text)
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
