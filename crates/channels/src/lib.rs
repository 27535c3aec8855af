//! recoup-channels: how a permitted contact leaves recoup.
//!
//! - [`render`]: a contact template's placeholders (`{name}`, `{amount}`, …) filled with a
//!   case's figures ([`Figures`]; money in fen, shown in yuan with two decimals).
//! - [`sms`]: the [`SmsGateway`] trait and its one implementation, [`KannelGateway`], a client
//!   of Kannel's smsbox `sendsms` HTTP interface; [`DeliveryStatus`] reads Kannel's delivery
//!   reports.
//! - [`dialer`]: the [`DialerHook`], an HTTP POST of a click-to-call request to the lender's
//!   dialer (PBX / call-centre system).
//!
//! Invariant: nothing here sends without a [`recoup_compliance::Permit`]. Every send function
//! takes the permit by value (a permit is used once), sends to the permit's address only, and
//! refuses a permit for another channel or one that has expired by the caller's clock.
//!
//! Invariant: secrets (gateway password, dialer token) are [`Secret`]s, whose `Debug` prints
//! `***`, and no URL or body carrying one is logged.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::indexing_slicing
    )
)]

pub mod dialer;
pub mod render;
pub mod sms;

use std::fmt;

pub use dialer::{DialError, DialerAnswer, DialerHook, DialerSettings, PlacedCall};
pub use render::{render, Figures, RenderError};
pub use sms::{DeliveryStatus, KannelGateway, KannelSettings, SendError, SentSms, SmsGateway};

/// A secret setting (password, token): compared and sent, never printed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compares with `other` in time independent of where they differ (for tokens that arrive
    /// in requests).
    pub fn matches(&self, other: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), other.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// Why a channel's settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
}

/// Checks that `url` is a plain `http://` URL (this build has no TLS client; see
/// docs/outbound.md) and returns it parsed.
fn http_url(field: &'static str, url: &str) -> Result<reqwest::Url, ConfigError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::Invalid {
        field,
        message: format!("`{url}` is not a URL: {e}"),
    })?;
    match parsed.scheme() {
        "http" => Ok(parsed),
        "https" => Err(ConfigError::Invalid {
            field,
            message:
                "https is not supported by this build (no TLS client): reach the gateway over \
                      the internal network, or through a local TLS-terminating proxy"
                    .into(),
        }),
        other => Err(ConfigError::Invalid {
            field,
            message: format!("`{other}` URLs are not supported; use http://"),
        }),
    }
}

/// An HTTP client with `timeout` for the whole request and no proxy from the environment (the
/// gateway and dialer are on the lender's network; an `HTTP_PROXY` meant for browsing must not
/// see a gateway password).
fn client(timeout: std::time::Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .no_proxy()
        .build()
        .map_err(|e| ConfigError::Invalid {
            field: "timeout",
            message: format!("cannot build an HTTP client: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_as_stars_and_compare_exactly() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "\"***\"");
        assert!(secret.matches("hunter2"));
        assert!(!secret.matches("hunter3"));
        assert!(!secret.matches("hunter"));
    }

    #[test]
    fn only_plain_http_urls_are_accepted() {
        assert!(http_url("url", "http://127.0.0.1:13013/cgi-bin/sendsms").is_ok());
        assert!(http_url("url", "https://gw.example/cgi-bin/sendsms").is_err());
        assert!(http_url("url", "ftp://gw.example/").is_err());
        assert!(http_url("url", "not a url").is_err());
    }
}
