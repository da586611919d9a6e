//! Our own JSON extractor: a body that is too large, of the wrong type or
//! not the expected JSON becomes an [`ApiError`] naming the field (by its
//! path, from `serde_path_to_error`), never the framework's plain text.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::api_error::ApiError;
use crate::state::Limits;

/// A JSON request body of type `T`, decoded with path-aware errors.
#[derive(Debug)]
pub struct Json<T>(pub T);

/// Reads a whole body up to `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // `to_bytes` reports an exceeded limit as a `LengthLimitError` somewhere in its sources.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(cause) = source {
            if cause.is::<http_body_util_limit::LengthLimitError>() {
                return ApiError::too_large(limit);
            }
            source = cause.source();
        }
        ApiError::malformed(None, format!("reading the body: {e}"))
    })
}

/// `http-body-util`'s limit error, named through axum's re-export of the
/// error chain (checked by type, not by message).
mod http_body_util_limit {
    pub use http_body_util::LengthLimitError;
}

/// Decodes JSON bytes into `T`, naming the field that failed.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = field_path(e.path(), e.inner());
        ApiError::malformed(field.as_deref(), e.into_inner().to_string())
    })?;
    de.end()
        .map_err(|e| ApiError::malformed(None, format!("trailing data after the JSON: {e}")))?;
    Ok(value)
}

/// Decodes a JSON value (a member of a body already read) into `T`, naming
/// the field that failed by its path under `prefix`.
pub fn decode_value<T: DeserializeOwned>(
    value: serde_json::Value,
    prefix: &str,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = match field_path(e.path(), e.inner()) {
            Some(path) => format!("{prefix}.{path}"),
            None => prefix.to_string(),
        };
        ApiError::malformed(Some(&field), e.into_inner().to_string())
    })
}

/// The dotted path (spec/api.md §1.1: `answers.3.proofs`) of the value a
/// decoding error concerns: `None` when the body is not JSON at all; for a
/// missing member, the path it should be at.
fn field_path(path: &serde_path_to_error::Path, error: &serde_json::Error) -> Option<String> {
    use serde_path_to_error::Segment;
    if !error.is_data() {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => parts.push(index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => parts.push(key.clone()),
            Segment::Unknown => break,
        }
    }
    // The path ends at the object a member is missing from; serde names
    // the member in backquotes ("missing field `x`").
    let message = error.to_string();
    if message.starts_with("missing field `") {
        if let Some(member) = message.split('`').nth(1) {
            parts.push(member.to_string());
        }
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// Checks that the request says it carries `expected` (ignoring parameters
/// such as `charset`).
pub fn require_content_type(req: &Request, expected: &str) -> Result<(), ApiError> {
    let found = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if found.as_deref() == Some(expected) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media(expected))
    }
}

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        require_content_type(&req, "application/json")?;
        let limit = req
            .extensions()
            .get::<Limits>()
            .map_or(Limits::DEFAULT_BODY, |l| l.body);
        let bytes = read_body(req.into_body(), limit).await?;
        Ok(Json(decode(&bytes)?))
    }
}
