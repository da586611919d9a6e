//! The pages (booth, receipt check, results, administration) served from
//! the assets embedded in the binary ([`crate::assets`], built into
//! `web/dist/`), under a strict Content-Security-Policy: no inline script,
//! nothing from another origin.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::assets;

/// The policy on every response: the build's own ([`assets::CONTENT_SECURITY_POLICY`]).
pub const CONTENT_SECURITY_POLICY: &str = assets::CONTENT_SECURITY_POLICY;

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
    let Some(asset) = assets::asset(path) else {
        return crate::api_error::ApiError::not_found("path", "no such page").into_response();
    };
    // Asset names carry no hash, so a browser must revalidate every time
    // (or an upgraded server's pages would meet a stale script that fails
    // its integrity check); the SRI hash is a strong validator for that.
    let etag = format!("\"{}\"", asset.sri);
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, asset.bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}
