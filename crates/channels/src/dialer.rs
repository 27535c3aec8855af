//! The dialer hook: click-to-call as an HTTP POST to the lender's dialer (PBX, call-centre
//! system), which rings the agent's phone and then the borrower.
//!
//! The request body is JSON:
//! `{"call_id", "agent", "agent_extension"?, "to", "borrower_id", "permit": {"profile",
//! "version", "channel", "valid_from", "valid_until"}}`, with `Authorization: Bearer <token>`
//! when a token is configured. A 2xx answer means the dialer took the call; its JSON body may
//! name the dialer's own reference (`reference` or `id`). Anything else, or no answer within
//! the timeout, is a failure.

use std::time::Duration;

use chrono::{DateTime, Utc};
use recoup_compliance::Permit;
use recoup_core::contact::Channel;
use serde::Serialize;

use crate::sms::{check_permit, clip, transport_error, SendError};
use crate::{client, http_url, ConfigError, Secret};

/// The `[dialer]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialerSettings {
    pub url: String,
    /// Sent as a bearer token when set.
    pub token: Option<Secret>,
    pub timeout: Duration,
}

/// The dialer, over HTTP.
#[derive(Debug, Clone)]
pub struct DialerHook {
    url: reqwest::Url,
    token: Option<Secret>,
    client: reqwest::Client,
}

/// One click-to-call request (the number comes from the permit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedCall {
    /// recoup's id of the call.
    pub call_id: i64,
    /// The username of the collector placing it.
    pub agent: String,
    pub agent_extension: Option<String>,
    pub borrower_id: i64,
}

/// The dialer took the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialerAnswer {
    /// The dialer's own reference for the call, when it gave one.
    pub reference: Option<String>,
}

/// Why the dialer did not take a call.
pub type DialError = SendError;

#[derive(Serialize)]
struct Body<'a> {
    call_id: i64,
    agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_extension: Option<&'a str>,
    to: &'a str,
    borrower_id: i64,
    permit: PermitBody<'a>,
}

#[derive(Serialize)]
struct PermitBody<'a> {
    profile: &'a str,
    version: &'a str,
    channel: &'static str,
    valid_from: String,
    valid_until: String,
}

impl DialerHook {
    pub fn new(settings: DialerSettings) -> Result<DialerHook, ConfigError> {
        let url = http_url("dialer.url", &settings.url)?;
        Ok(DialerHook {
            url,
            token: settings.token.filter(|t| !t.is_empty()),
            client: client(settings.timeout)?,
        })
    }

    /// Asks the dialer to connect `call.agent` with `permit.address()`. The permit is consumed
    /// and must be for a call and valid at `now`.
    pub async fn place(
        &self,
        permit: Permit,
        call: &PlacedCall,
        now: DateTime<Utc>,
    ) -> Result<DialerAnswer, DialError> {
        check_permit(&permit, Channel::Call, now)?;
        let body = Body {
            call_id: call.call_id,
            agent: &call.agent,
            agent_extension: call.agent_extension.as_deref(),
            to: permit.address(),
            borrower_id: call.borrower_id,
            permit: PermitBody {
                profile: permit.profile(),
                version: permit.profile_version(),
                channel: permit.channel().code(),
                valid_from: permit.valid_from().to_rfc3339(),
                valid_until: permit.valid_until().to_rfc3339(),
            },
        };
        let json = serde_json::to_vec(&body)
            .map_err(|e| SendError::Unreachable(format!("cannot encode the request: {e}")))?;
        drop(permit);
        let mut request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(json);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token.expose());
        }
        let response = request.send().await.map_err(transport_error)?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            tracing::warn!(
                call_id = call.call_id,
                status = status.as_u16(),
                "the dialer refused a call"
            );
            return Err(SendError::Refused {
                status: status.as_u16(),
                body: clip(&text, 200),
            });
        }
        let reference = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|value| {
                ["reference", "id"]
                    .into_iter()
                    .find_map(|key| match value.get(key)? {
                        serde_json::Value::String(s) if !s.is_empty() => Some(clip(s, 100)),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
            });
        tracing::info!(call_id = call.call_id, "the dialer took a call");
        Ok(DialerAnswer { reference })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_never_printed_and_urls_are_checked() {
        let hook = DialerHook::new(DialerSettings {
            url: "http://pbx.internal/click2call".into(),
            token: Some(Secret::new("s3cret-token")),
            timeout: Duration::from_secs(3),
        })
        .unwrap();
        assert!(!format!("{hook:?}").contains("s3cret"));
        assert!(DialerHook::new(DialerSettings {
            url: "pbx.internal".into(),
            token: None,
            timeout: Duration::from_secs(3),
        })
        .is_err());
    }
}
