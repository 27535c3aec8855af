//! The SMS gateway: [`SmsGateway`] (send one permitted message) and [`KannelGateway`], a client
//! of Kannel's smsbox `sendsms` interface.
//!
//! Kannel's interface is a GET: `/cgi-bin/sendsms?username=&password=&to=&from=&text=` plus
//! `charset=UTF-8&coding=2`, which tells smsbox the text arrives as UTF-8 and must go out as
//! UCS-2 — the coding Chinese text needs (GSM 7-bit has no Han characters). smsbox answers 202
//! `0: Accepted for delivery` (or `3: Queued for later delivery`) and 4xx with a sentence
//! otherwise. With a `dlr-url`, Kannel later calls that URL for each delivery report; `%d` in
//! it becomes the report type (1 delivered, 2 undelivered, 4 queued on the SMSC, 8 accepted by
//! the SMSC, 16 rejected by the SMSC), read here by [`DeliveryStatus::from_kannel`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use recoup_compliance::Permit;
use recoup_core::contact::{Channel, ContactResult};

use crate::{client, http_url, ConfigError, Secret};

/// A future returned by a gateway.
pub type SendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SendError>> + Send + 'a>>;

/// Sends one SMS. Implementations send `text` to `permit.address()` and nowhere else.
pub trait SmsGateway: Send + Sync + 'static {
    /// Sends `text` under `permit` (consumed: one permit, one message). `message_id` is
    /// recoup's id of the message, which delivery reports carry back. `now` is the caller's
    /// clock: an expired permit or one for another channel is refused before anything is sent.
    fn send<'a>(
        &'a self,
        permit: Permit,
        message_id: i64,
        text: &'a str,
        now: DateTime<Utc>,
    ) -> SendFuture<'a, SentSms>;
}

/// The gateway took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    /// The gateway's answer (Kannel: `0: Accepted for delivery`), at most 200 characters.
    pub response: String,
}

/// Why a message or call did not leave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// A permit for another channel (a caller bug; nothing was sent).
    #[error("the permit is for {got}, not {expected}")]
    WrongChannel { expected: Channel, got: Channel },
    /// The permit expired before the send (nothing was sent).
    #[error("the permit expired at {valid_until}")]
    PermitExpired { valid_until: DateTime<Utc> },
    /// The gateway answered with an error status.
    #[error("the gateway refused it: HTTP {status}: {body}")]
    Refused { status: u16, body: String },
    /// The gateway could not be reached or did not answer in time.
    #[error("the gateway did not answer: {0}")]
    Unreachable(String),
}

/// Checks that `permit` is for `channel` and valid at `now`.
pub(crate) fn check_permit(
    permit: &Permit,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<(), SendError> {
    if permit.channel() != channel {
        return Err(SendError::WrongChannel {
            expected: channel,
            got: permit.channel(),
        });
    }
    if !permit.is_valid_at(now) {
        return Err(SendError::PermitExpired {
            valid_until: permit.valid_until(),
        });
    }
    Ok(())
}

/// A transport error as text, without the request URL (Kannel's URL carries the password).
pub(crate) fn transport_error(error: reqwest::Error) -> SendError {
    let timeout = error.is_timeout();
    let error = error.without_url();
    if timeout {
        SendError::Unreachable(format!("timed out ({error})"))
    } else {
        SendError::Unreachable(error.to_string())
    }
}

/// At most `n` characters of `text`, trimmed.
pub(crate) fn clip(text: &str, n: usize) -> String {
    text.trim().chars().take(n).collect()
}

/// The `[sms]` settings for Kannel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KannelSettings {
    /// The sendsms URL, e.g. `http://127.0.0.1:13013/cgi-bin/sendsms`.
    pub url: String,
    /// A `sendsms-user` of smsbox.
    pub username: String,
    pub password: Secret,
    /// The sender (short code or long number) shown to the borrower; empty lets Kannel choose.
    pub from: String,
    /// recoup's delivery-report endpoint as Kannel reaches it, e.g.
    /// `http://recoup.internal:8080/api/v1/sms/dlr`; `None` asks for no reports.
    pub dlr_url: Option<String>,
    /// The shared secret Kannel passes back in the report URL.
    pub dlr_token: Option<Secret>,
    /// For the whole request.
    pub timeout: Duration,
}

/// Kannel's smsbox, over HTTP.
#[derive(Debug, Clone)]
pub struct KannelGateway {
    settings: KannelSettings,
    url: reqwest::Url,
    client: reqwest::Client,
}

/// The delivery reports recoup asks for: delivered (1), undelivered (2), queued on the SMSC
/// (4), accepted by the SMSC (8), rejected by the SMSC (16).
pub const DLR_MASK: u32 = 31;

impl KannelGateway {
    /// A gateway for `settings`, checked: an http URL, a username, a delivery-report URL only
    /// with a token.
    pub fn new(settings: KannelSettings) -> Result<KannelGateway, ConfigError> {
        let url = http_url("sms.url", &settings.url)?;
        if settings.username.trim().is_empty() {
            return Err(ConfigError::Invalid {
                field: "sms.username",
                message: "Kannel needs a sendsms-user name".into(),
            });
        }
        if let Some(dlr_url) = &settings.dlr_url {
            http_url("sms.dlr_url", dlr_url).or_else(|error| {
                // recoup itself may sit behind TLS; Kannel's own client handles https.
                if dlr_url.starts_with("https://") {
                    Ok(reqwest::Url::parse(dlr_url).map_err(|_| error)?)
                } else {
                    Err(error)
                }
            })?;
            if dlr_url.contains('%') {
                return Err(ConfigError::Invalid {
                    field: "sms.dlr_url",
                    message:
                        "must not contain `%` (Kannel reads `%x` in it as its own escape codes)"
                            .into(),
                });
            }
            let token_ok = settings.dlr_token.as_ref().is_some_and(|token| {
                token.expose().len() >= 16
                    && token
                        .expose()
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            });
            if !token_ok {
                return Err(ConfigError::Invalid {
                    field: "sms.dlr_token",
                    message: "a delivery-report URL needs a token of at least 16 characters from \
                              A-Z a-z 0-9 - _ . (it travels in the URL, so no escaping is needed)"
                        .into(),
                });
            }
        }
        let client = client(settings.timeout)?;
        Ok(KannelGateway {
            settings,
            url,
            client,
        })
    }

    /// The sendsms URL for one message. It carries the password: never log it.
    fn request_url(&self, to: &str, text: &str, message_id: i64) -> reqwest::Url {
        let mut url = self.url.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("username", &self.settings.username)
                .append_pair("password", self.settings.password.expose())
                .append_pair("to", to)
                .append_pair("text", text)
                .append_pair("charset", "UTF-8")
                .append_pair("coding", "2");
            if !self.settings.from.is_empty() {
                query.append_pair("from", &self.settings.from);
            }
            if let (Some(dlr_url), Some(token)) = (&self.settings.dlr_url, &self.settings.dlr_token)
            {
                // Kannel replaces `%d` with the report type when it calls back; the rest of the
                // URL is ours and holds no other `%` (the token is URL-safe by construction).
                let token = token.expose();
                let separator = if dlr_url.contains('?') { '&' } else { '?' };
                query
                    .append_pair("dlr-mask", &DLR_MASK.to_string())
                    .append_pair(
                        "dlr-url",
                        &format!("{dlr_url}{separator}id={message_id}&status=%d&token={token}"),
                    );
            }
        }
        url
    }
}

impl SmsGateway for KannelGateway {
    fn send<'a>(
        &'a self,
        permit: Permit,
        message_id: i64,
        text: &'a str,
        now: DateTime<Utc>,
    ) -> SendFuture<'a, SentSms> {
        Box::pin(async move {
            check_permit(&permit, Channel::Sms, now)?;
            let url = self.request_url(permit.address(), text, message_id);
            // The permit is spent here: from now on the message may reach the phone.
            drop(permit);
            let response = self.client.get(url).send().await.map_err(transport_error)?;
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            if status.is_success() {
                tracing::info!(
                    message_id,
                    status = status.as_u16(),
                    "SMS accepted by Kannel"
                );
                Ok(SentSms {
                    response: clip(&body, 200),
                })
            } else {
                tracing::warn!(
                    message_id,
                    status = status.as_u16(),
                    "Kannel refused an SMS"
                );
                Err(SendError::Refused {
                    status: status.as_u16(),
                    body: clip(&body, 200),
                })
            }
        })
    }
}

/// A delivery report's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// On the phone (Kannel 1).
    Delivered,
    /// Not delivered to the phone (2).
    Undelivered,
    /// Queued on the SMSC (4).
    Queued,
    /// Accepted by the SMSC (8).
    Accepted,
    /// Rejected by the SMSC (16).
    Rejected,
}

impl DeliveryStatus {
    /// The status of Kannel's report type `%d`, `None` for a value Kannel does not send.
    pub fn from_kannel(code: i64) -> Option<DeliveryStatus> {
        match code {
            1 => Some(DeliveryStatus::Delivered),
            2 => Some(DeliveryStatus::Undelivered),
            4 => Some(DeliveryStatus::Queued),
            8 => Some(DeliveryStatus::Accepted),
            16 => Some(DeliveryStatus::Rejected),
            _ => None,
        }
    }

    /// The stored status code.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Undelivered => "undelivered",
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Rejected => "rejected",
        }
    }

    /// Whether no later report can change the outcome. Reports may arrive out of order, so an
    /// intermediate one never overwrites a final one.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Delivered | DeliveryStatus::Undelivered | DeliveryStatus::Rejected
        )
    }

    /// What the contact ledger records for the message from now on: delivered is a contact
    /// that reached the person, undelivered and rejected mark the number as failing (the
    /// "watch SMS delivery failures" rule), the rest leave the sent message as attempted.
    pub fn contact_result(self) -> ContactResult {
        match self {
            DeliveryStatus::Delivered => ContactResult::Connected,
            DeliveryStatus::Undelivered | DeliveryStatus::Rejected => ContactResult::Failed,
            DeliveryStatus::Queued | DeliveryStatus::Accepted => ContactResult::Attempted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> KannelSettings {
        KannelSettings {
            url: "http://127.0.0.1:13013/cgi-bin/sendsms".into(),
            username: "recoup".into(),
            password: Secret::new("p&ss word"),
            from: "10690000".into(),
            dlr_url: Some("http://recoup:8080/api/v1/sms/dlr".into()),
            dlr_token: Some(Secret::new("t0ken-0123456789abcdef")),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn the_sendsms_url_carries_utf8_text_as_ucs2_and_a_dlr_url_with_the_message_id() {
        let gateway = KannelGateway::new(settings()).unwrap();
        let url = gateway.request_url("13800138000", "您好 张三", 42);
        let pairs: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(pairs["to"], "13800138000");
        assert_eq!(pairs["text"], "您好 张三");
        assert_eq!(pairs["password"], "p&ss word");
        assert_eq!(
            (pairs["charset"].as_str(), pairs["coding"].as_str()),
            ("UTF-8", "2")
        );
        assert_eq!(pairs["dlr-mask"], "31");
        assert_eq!(
            pairs["dlr-url"],
            "http://recoup:8080/api/v1/sms/dlr?id=42&status=%d&token=t0ken-0123456789abcdef"
        );
        assert_eq!(url.path(), "/cgi-bin/sendsms");
    }

    #[test]
    fn settings_are_checked_and_the_password_is_never_printed() {
        let gateway = KannelGateway::new(settings()).unwrap();
        assert!(!format!("{gateway:?}").contains("p&ss"));
        let no_token = KannelSettings {
            dlr_token: None,
            ..settings()
        };
        assert!(KannelGateway::new(no_token).is_err());
        let weak_token = KannelSettings {
            dlr_token: Some(Secret::new("short/token")),
            ..settings()
        };
        assert!(KannelGateway::new(weak_token).is_err());
        let tls = KannelSettings {
            url: "https://gw/cgi-bin/sendsms".into(),
            ..settings()
        };
        assert!(KannelGateway::new(tls).is_err());
        let no_user = KannelSettings {
            username: " ".into(),
            ..settings()
        };
        assert!(KannelGateway::new(no_user).is_err());
    }

    #[test]
    fn delivery_reports_map_to_statuses_and_ledger_results() {
        assert_eq!(
            DeliveryStatus::from_kannel(1),
            Some(DeliveryStatus::Delivered)
        );
        assert_eq!(
            DeliveryStatus::from_kannel(16),
            Some(DeliveryStatus::Rejected)
        );
        assert_eq!(DeliveryStatus::from_kannel(3), None);
        assert!(DeliveryStatus::Undelivered.is_final());
        assert!(!DeliveryStatus::Accepted.is_final());
        assert_eq!(
            DeliveryStatus::Undelivered.contact_result(),
            ContactResult::Failed
        );
    }
}
