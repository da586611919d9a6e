//! The router (spec/api.md): every endpoint, the middleware every request
//! passes (client rate limit, security headers, body limits), and the
//! route table the OpenAPI description is checked against.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Router};

use crate::api_error::ApiError;
use crate::state::AppState;
use crate::store::Store;

/// Administrator endpoints.
pub mod admin;
/// Public board endpoints.
pub mod board;
/// Request helpers: paths, queries, the admin token.
pub mod params;
/// E-mailing a receipt to the voter who asks.
pub mod receipt_email;
/// Trustee endpoints.
pub mod trustees;
/// Voter and public election endpoints.
pub mod voting;

/// Every API route as (method, path), in the OpenAPI description's form.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/openapi.json"),
    ("get", "/api/elections"),
    ("get", "/api/elections/{id}"),
    ("get", "/api/elections/{id}/voters/{credential}"),
    ("post", "/api/elections/{id}/ballots"),
    ("post", "/api/elections/{id}/audits"),
    ("get", "/api/elections/{id}/receipts/{code}"),
    ("post", "/api/elections/{id}/receipt-email"),
    ("get", "/api/elections/{id}/result"),
    ("get", "/api/elections/{id}/board/checkpoint"),
    ("get", "/api/elections/{id}/board/checkpoints/{size}"),
    ("get", "/api/elections/{id}/board/leaves"),
    ("get", "/api/elections/{id}/board/inclusion"),
    ("get", "/api/elections/{id}/board/consistency"),
    ("get", "/api/elections/{id}/record"),
    ("post", "/api/elections/{id}/trustees/messages"),
    ("get", "/api/elections/{id}/trustees/status"),
    ("post", "/api/elections/{id}/credential-list"),
    ("get", "/api/admin/server"),
    ("post", "/api/admin/elections"),
    ("put", "/api/admin/elections/{id}/roll"),
    ("post", "/api/admin/elections/{id}/open"),
    ("post", "/api/admin/elections/{id}/close"),
    ("get", "/api/admin/elections/{id}/turnout"),
    ("post", "/api/admin/elections/{id}/tally"),
    ("post", "/api/admin/elections/{id}/publish"),
];

/// The OpenAPI description served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// The service's router.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let api = Router::new()
        .route("/healthz", get(voting::healthz::<S>))
        .route("/api/openapi.json", get(openapi))
        .route("/api/elections", get(voting::list::<S>))
        .route("/api/elections/{id}", get(voting::election::<S>))
        .route(
            "/api/elections/{id}/voters/{credential}",
            get(voting::voter::<S>),
        )
        .route("/api/elections/{id}/ballots", post(voting::cast::<S>))
        .route("/api/elections/{id}/audits", post(voting::audit::<S>))
        .route(
            "/api/elections/{id}/receipts/{code}",
            get(voting::receipt::<S>),
        )
        .route(
            "/api/elections/{id}/receipt-email",
            post(receipt_email::receipt_email::<S>),
        )
        .route("/api/elections/{id}/result", get(voting::result::<S>))
        .route(
            "/api/elections/{id}/board/checkpoint",
            get(board::checkpoint::<S>),
        )
        .route(
            "/api/elections/{id}/board/checkpoints/{size}",
            get(board::checkpoint_at::<S>),
        )
        .route("/api/elections/{id}/board/leaves", get(board::leaves::<S>))
        .route(
            "/api/elections/{id}/board/inclusion",
            get(board::inclusion::<S>),
        )
        .route(
            "/api/elections/{id}/board/consistency",
            get(board::consistency::<S>),
        )
        .route("/api/elections/{id}/record", get(board::record::<S>))
        .route(
            "/api/elections/{id}/trustees/messages",
            post(trustees::post_message::<S>),
        )
        .route(
            "/api/elections/{id}/trustees/status",
            get(trustees::status::<S>),
        )
        .route(
            "/api/elections/{id}/credential-list",
            post(admin::credential_list::<S>),
        )
        .route("/api/admin/server", get(admin::server::<S>))
        .route("/api/admin/elections", post(admin::create::<S>))
        .route("/api/admin/elections/{id}/roll", put(admin::roll::<S>))
        .route("/api/admin/elections/{id}/open", post(admin::open::<S>))
        .route("/api/admin/elections/{id}/close", post(admin::close::<S>))
        .route(
            "/api/admin/elections/{id}/turnout",
            get(admin::turnout::<S>),
        )
        .route("/api/admin/elections/{id}/tally", post(admin::tally::<S>))
        .route(
            "/api/admin/elections/{id}/publish",
            post(admin::publish::<S>),
        );
    let api = crate::web::mount(api);
    let hsts = state.config().hsts;
    let limits = state.config().limits;
    api.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limit_clients::<S>,
        ))
        .layer(middleware::from_fn(move |req, next| {
            security_headers(hsts, req, next)
        }))
        .layer(Extension(limits))
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("path", "no such endpoint")
}

async fn method_not_allowed(method: Method) -> ApiError {
    let mut e = ApiError::malformed(Some("method"), format!("{method} is not allowed here"));
    e.status = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    e
}

/// The client's address: the connection's peer, or with
/// `trust_forwarded_for` the first `X-Forwarded-For` entry.
fn client_of<S: Store>(state: &AppState<S>, req: &Request) -> String {
    if state.config().trust_forwarded_for {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return first.trim().to_string();
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

async fn limit_clients<S: Store>(
    State(state): State<AppState<S>>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let client = client_of(&state, &req);
    state.charge_client(&client)?;
    Ok(next.run(req).await)
}

async fn security_headers(hsts: bool, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::web::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}
