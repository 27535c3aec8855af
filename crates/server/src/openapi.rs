//! The OpenAPI 3.1 document, generated from the handlers' annotations (`utoipa`), served at
//! `/api/openapi.json`, and an interactive page at `/api/docs`.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;

/// The document's fixed parts; paths and schemas are added by the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "recoup API",
        description = "Collections for car-finance lenders. Sign in with POST /api/v1/session; \
                       send the token as `Authorization: Bearer …`, or use the session cookie \
                       and send `X-CSRF-Token` with every change.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecurityAddon),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "users", description = "Users and roles (administrators)"),
        (name = "audit", description = "The hash-chained audit trail (administrators, compliance)"),
        (name = "reports", description = "Portfolio, roll rates, strategy and compliance reports (administrators, managers, compliance)"),
        (name = "cases", description = "The work queue, case files, contacts, promises, notes, reveal and reassignment"),
        (name = "loans", description = "Early settlement quotes, settlements and partial prepayments"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The `token` from POST /api/v1/session"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The session cookie; changes also need the X-CSRF-Token header",
            ))),
        );
    }
}

/// Operations called without a session: signing in, health, metrics, and Kannel's delivery
/// reports (which carry their own token). Every other operation needs a session.
pub(crate) const PUBLIC: [(&str, &str); 4] = [
    ("post", "/api/v1/session"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/api/v1/sms/dlr"),
];

/// Declares, once for the whole document, what every handler would otherwise repeat: each
/// operation outside [`PUBLIC`] takes the bearer token or the session cookie and may answer
/// 401 when there is no valid session.
pub(crate) fn secure_operations(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{RefOr, ResponseBuilder};
    let empty: [&str; 0] = [];
    for (path, item) in document.paths.paths.iter_mut() {
        let operations = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            if PUBLIC.contains(&(method, path.as_str())) {
                continue;
            }
            operation.security = Some(vec![
                SecurityRequirement::new("bearer", empty),
                SecurityRequirement::new("cookie", empty),
            ]);
            operation
                .responses
                .responses
                .entry("401".to_string())
                .or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("No valid session")
                            .content(
                                "application/json",
                                utoipa::openapi::ContentBuilder::new()
                                    .schema(Some(utoipa::openapi::Ref::from_schema_name(
                                        "ErrorBody",
                                    )))
                                    .build(),
                            )
                            .build(),
                    )
                });
        }
    }
}

/// `GET /api/openapi.json`.
pub(crate) fn document_response(json: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        json.to_string(),
    )
        .into_response()
}

/// `GET /api/docs`: the Scalar API reference reading `/api/openapi.json`. The page loads
/// Scalar's script from its public CDN when opened, so nothing is downloaded at build time; on
/// an air-gapped network use the JSON document with any OpenAPI viewer.
pub(crate) async fn docs_page() -> impl axum::response::IntoResponse {
    let page = Html(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>recoup API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <script id="api-reference" data-url="/api/openapi.json"></script>
  <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>
"#,
    );
    (
        [(header::CONTENT_SECURITY_POLICY, crate::headers::DOCS_CSP)],
        page,
    )
}
