//! The one error type of the HTTP layer (spec/api.md §1.1): every refusal
//! becomes `{"error": {"code", "field", "message"}}` with its status; a
//! server fault is logged here and answered with a generic message, so no
//! detail of the store reaches a client.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::StoreError;

/// An HTTP error response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The stable machine-readable code (spec/api.md §1.1).
    pub code: &'static str,
    /// The offending part of the request, if one is to blame.
    pub field: Option<String>,
    /// For people.
    pub message: String,
    /// Per-row errors of a roll import.
    pub rows: Vec<RowError>,
    /// Seconds after which to retry (429 and 503).
    pub retry_after: Option<u64>,
}

/// One bad row of an uploaded roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based data row (0: the header).
    pub row: usize,
    /// The column, if one is to blame.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, field: Option<&str>, message: String) -> Self {
        ApiError {
            status,
            code,
            field: field.map(str::to_string),
            message,
            rows: Vec::new(),
            retry_after: None,
        }
    }

    /// 400: the body does not decode.
    pub fn malformed(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed", field, message.into())
    }

    /// 401: no valid admin token.
    pub fn unauthorised() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            Some("authorization"),
            "this endpoint needs `Authorization: Bearer <admin token>`".into(),
        )
    }

    /// 404.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            Some(field),
            message.into(),
        )
    }

    /// 409: the election's state refuses the request.
    pub fn conflict(field: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", field, message.into())
    }

    /// 413.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            None,
            format!("the body exceeds the limit of {limit} bytes"),
        )
    }

    /// 415.
    pub fn unsupported_media(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media",
            Some("content-type"),
            format!("expected Content-Type {expected}"),
        )
    }

    /// 422: decodes, but fails validation.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
            message.into(),
        )
    }

    /// 429.
    pub fn rate_limited(field: Option<&str>, retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            field,
            format!("too many requests; retry after {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 503.
    pub fn unavailable(message: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            None,
            message.into(),
        );
        e.retry_after = Some(1);
        e
    }

    /// 500, after logging what went wrong (never sent to the client).
    pub fn internal(what: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %what, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            None,
            "the server failed; the operator can find the details in its log".into(),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UnknownElection(id) => {
                ApiError::not_found("election_id", format!("no election {id:?} on this server"))
            }
            StoreError::ElectionExists(id) => ApiError::conflict(
                Some("election_id"),
                format!("election {id:?} already exists"),
            ),
            StoreError::OutOfRange { index, size } => ApiError::not_found(
                "index",
                format!("index {index} is outside the log of size {size}"),
            ),
            StoreError::TrackingCodeConflict { index, .. } => ApiError::conflict(
                Some("tracking_code"),
                format!("another ballot with this tracking code is at leaf {index}"),
            ),
            StoreError::Refused { phase, .. } => ApiError::conflict(
                None,
                format!("the election is in phase `{phase}`, which does not accept this"),
            ),
            StoreError::Database(_) => {
                tracing::error!(error = %e, "store unavailable");
                ApiError::unavailable("the store is unavailable; try again shortly")
            }
            other => ApiError::internal(&other),
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
    #[serde(skip_serializing_if = "<[RowError]>::is_empty")]
    rows: &'a [RowError],
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    field: Option<&'a str>,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                field: self.field.as_deref(),
                message: &self.message,
            },
            rows: &self.rows,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(seconds) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
