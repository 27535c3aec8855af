//! Browser security headers on every response: what the page may load and run (CSP), that no
//! other site may frame it (clickjacking), that no address leaks to other sites in the
//! `Referer`, and (behind TLS) that browsers keep to HTTPS.
//!
//! The web UI is built by Vite into same-origin files only, so scripts are `'self'` with no
//! inline script. Styles allow `'unsafe-inline'` because Ant Design writes its styles into
//! `<style>` elements at run time; a style cannot run code. The API docs page loads its viewer
//! from a CDN and sets its own, wider policy ([`DOCS_CSP`]), which this layer keeps.

use axum::http::{header, HeaderMap, HeaderValue};

/// The policy of the web UI and every API answer.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

/// The API docs page: the Scalar viewer from jsDelivr, everything else as [`CSP`].
pub(crate) const DOCS_CSP: &str = "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; \
style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.scalar.com; \
font-src 'self' data: https://cdn.jsdelivr.net https://fonts.scalar.com; img-src 'self' data: blob:; \
connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers a response does not set itself. `tls` adds
/// Strict-Transport-Security (only meaningful when the server is reached over HTTPS, which is
/// what `cookie_secure` says).
pub(crate) fn secure(headers: &mut HeaderMap, tls: bool) {
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    // The CSP's frame-ancestors is the standard; X-Frame-Options is for older browsers.
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Case and borrower ids are in the UI's URLs: never send them to another site.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), payment=(), usb=()"),
    );
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_sets_its_own_policy_keeps_it_and_gets_the_rest() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        secure(&mut headers, false);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], DOCS_CSP);
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        secure(&mut headers, true);
        assert!(headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }

    #[test]
    fn the_ui_policy_runs_only_own_scripts_and_may_not_be_framed() {
        assert!(CSP.contains("script-src 'self';"));
        assert!(!CSP.contains("unsafe-eval"));
        assert!(CSP.contains("frame-ancestors 'none'"));
    }
}
