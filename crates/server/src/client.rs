//! The client address of a request, for the sign-in throttle and the audit log.
//!
//! The address is the TCP peer, unless the peer is one of the configured `trusted_proxies`:
//! then `X-Forwarded-For` is read from the right (the entry the proxy nearest to us appended)
//! and the first address that is not itself a trusted proxy is the client. An untrusted peer's
//! `X-Forwarded-For` is ignored, so a client cannot pick a fresh address per guess.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::state::AppState;

/// The caller's address as the throttle sees it (`unknown` when the connection has none, as
/// in requests built inside the process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddress, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        let address =
            peer.map(|peer| client_ip(peer, &parts.headers, &state.config.trusted_proxies));
        Ok(ClientAddress(address.map_or_else(
            || "unknown".to_string(),
            |ip| ip.to_string(),
        )))
    }
}

/// The client's IP: `peer`, or when `peer` is a trusted proxy, the rightmost untrusted entry of
/// `X-Forwarded-For` (all of its headers, in order). A malformed entry stops the walk at the
/// last address known good, since anything left of it cannot be trusted.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Ok(ip) = entry.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers(&["198.51.100.1"]), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers(&[]), &[]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_is_the_client() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        // The client forged the first entry; the proxies appended the real one and themselves.
        let forwarded = headers(&["1.2.3.4, 198.51.100.7", "10.1.2.3"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &forwarded, &trusted),
            ip("198.51.100.7")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers(&[]), &trusted),
            ip("10.0.0.1")
        );
        // A malformed entry stops the walk at the last good address.
        let broken = headers(&["198.51.100.7, not-an-ip, 10.9.9.9"]);
        assert_eq!(client_ip(ip("10.0.0.1"), &broken, &trusted), ip("10.9.9.9"));
        assert_eq!(
            client_ip(
                ip("::1"),
                &headers(&["2001:db8::5"]),
                &["::1/128".parse().unwrap()]
            ),
            ip("2001:db8::5")
        );
    }
}
