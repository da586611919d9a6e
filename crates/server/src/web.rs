//! The pages (booth, receipt check, results, administration) served from
//! the assets embedded in the binary ([`crate::assets`], built into
//! `web/dist/`), under a strict Content-Security-Policy: no inline script,
//! nothing from another origin.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::assets;

/// The policy on every response: scripts and everything else only from
/// this origin (WebAssembly compiled from it), no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the page routes: any GET outside `/api` that names an asset.
pub fn mount<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .route("/", axum::routing::get(page))
        .route("/{*path}", axum::routing::get(page))
}

async fn page(req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/") {
        return crate::api_error::ApiError::not_found("path", "no such endpoint").into_response();
    }
    match assets::asset(path) {
        Some(asset) => {
            let mut response = (StatusCode::OK, asset.bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            );
            // Hashed assets never change under one name; pages must be revalidated.
            let cache = if asset.content_type.starts_with("text/html") {
                "no-cache"
            } else {
                "public, max-age=3600"
            };
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
        None => crate::api_error::ApiError::not_found("path", "no such page").into_response(),
    }
}
