//! Request helpers whose failures must be our JSON errors: path segments,
//! query strings and the admin token.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderMap};
use psephos_crypto::context::CredentialKey;
use psephos_election::ballot::TrackingCode;
use serde::de::DeserializeOwned;

use crate::api_error::ApiError;
use crate::state::AppState;
use crate::store::Store;

/// A path's parameters, or a 400 naming the path.
pub fn path<T>(path: Result<Path<T>, PathRejection>) -> Result<T, ApiError> {
    path.map(|Path(t)| t)
        .map_err(|e| ApiError::malformed(Some("path"), e.body_text()))
}

/// A query string decoded into `T`, naming the parameter that failed.
pub fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    let raw = raw.unwrap_or("");
    serde_urlencoded::from_str(raw).map_err(|e| ApiError::malformed(Some("query"), e.to_string()))
}

/// Checks `Authorization: Bearer <token>` against the admin token.
pub fn require_admin<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::unauthorised)?;
    state.check_admin_token(token.trim())
}

fn hex32(text: &str, field: &str) -> Result<[u8; 32], ApiError> {
    let mut out = [0u8; 32];
    if text.len() != 64 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::malformed(
            Some(field),
            "expected 64 lowercase hex digits",
        ));
    }
    hex::decode_to_slice(text, &mut out)
        .map_err(|_| ApiError::malformed(Some(field), "expected 64 lowercase hex digits"))?;
    Ok(out)
}

/// A public credential from a path segment.
pub fn credential(text: &str) -> Result<CredentialKey, ApiError> {
    Ok(CredentialKey::from_bytes(hex32(text, "credential")?))
}

/// A tracking code from a path segment or query.
pub fn tracking_code(text: &str) -> Result<TrackingCode, ApiError> {
    Ok(TrackingCode(hex32(text, "tracking_code")?))
}
