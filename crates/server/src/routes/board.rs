//! Public bulletin-board endpoints (spec/api.md §3): checkpoints, leaves,
//! inclusion and consistency proofs, and the election record streamed as
//! `psephos-verify` reads it.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use tokio_util::io::ReaderStream;

use psephos_election::board::merkle::leaf_hash;

use crate::api_error::ApiError;
use crate::committer::current_checkpoint;
use crate::routes::params;
use crate::routes::voting::json;
use crate::state::AppState;
use crate::store::{write_record_async, Store, MAX_LEAVES_PER_CALL};

/// `GET …/board/checkpoint`: the latest signed checkpoint.
pub async fn checkpoint<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    state.election(&id).await?;
    Ok(json(
        StatusCode::OK,
        &current_checkpoint(&state, &id).await?,
    ))
}

/// `GET …/board/checkpoints/{size}`.
pub async fn checkpoint_at<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<(String, u64)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, size) = params::path(path)?;
    state.election(&id).await?;
    match state.store().checkpoint_at(&id, size).await? {
        Some(c) => Ok(json(StatusCode::OK, &c)),
        None => Err(ApiError::not_found(
            "size",
            format!("no checkpoint was signed for size {size}"),
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Range {
    start: Option<u64>,
    end: Option<u64>,
}

/// `GET …/board/leaves?start&end`: a page of leaves.
pub async fn leaves<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let range: Range = params::query(raw.as_deref())?;
    state.election(&id).await?;
    let size = state.store().size(&id).await?;
    let start = range.start.unwrap_or(0);
    let end = range.end.unwrap_or(size);
    if start > end || end > size {
        return Err(ApiError::not_found(
            "end",
            format!("range {start}..{end} is not within the log of size {size}"),
        ));
    }
    let end = end.min(start.saturating_add(MAX_LEAVES_PER_CALL));
    let leaves = state.store().leaves(&id, start..end).await?;
    // Leaves are JSON already: splice them in rather than re-encoding.
    let mut body = format!("{{\"start\":{start},\"size\":{size},\"leaves\":[").into_bytes();
    for (i, leaf) in leaves.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(leaf);
    }
    body.extend_from_slice(b"]}");
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    index: Option<u64>,
    size: Option<u64>,
    tracking_code: Option<String>,
}

/// `GET …/board/inclusion`: an audit path by index or tracking code.
pub async fn inclusion<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let query: InclusionQuery = params::query(raw.as_deref())?;
    state.election(&id).await?;
    let (index, bytes) = match (query.index, &query.tracking_code) {
        (Some(index), None) => (index, state.store().leaf(&id, index).await?),
        (None, Some(code)) => {
            let code = params::tracking_code(code)?;
            let stored = state
                .store()
                .leaf_by_tracking_code(&id, code)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found("tracking_code", "no cast ballot has this tracking code")
                })?;
            (stored.index, stored.bytes)
        }
        _ => {
            return Err(ApiError::malformed(
                Some("query"),
                "give exactly one of `index` and `tracking_code`",
            ))
        }
    };
    let size = match query.size {
        Some(size) => size,
        None => current_checkpoint(&state, &id).await?.size,
    };
    let proof = state.store().inclusion_proof(&id, index, size).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "leaf_index": index,
            "size": size,
            "leaf_hash": hex::encode(leaf_hash(&bytes)),
            "proof": proof.iter().map(hex::encode).collect::<Vec<_>>(),
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    first: u64,
    second: u64,
}

/// `GET …/board/consistency?first&second`.
pub async fn consistency<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let query: ConsistencyQuery = params::query(raw.as_deref())?;
    state.election(&id).await?;
    if query.first > query.second {
        return Err(ApiError::malformed(
            Some("first"),
            "`first` must not exceed `second`",
        ));
    }
    let proof = state
        .store()
        .consistency_proof(&id, query.first, query.second)
        .await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "first": query.first,
            "second": query.second,
            "proof": proof.iter().map(hex::encode).collect::<Vec<_>>(),
        }),
    ))
}

/// `GET …/record`: the election record, streamed.
pub async fn record<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    state.election(&id).await?;
    let checkpoint = current_checkpoint(&state, &id).await?;
    let (writer, reader) = tokio::io::duplex(1 << 16);
    let store_state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = write_record_async(store_state.store(), &checkpoint, writer).await {
            // The client sees a truncated download, which the verifier rejects.
            tracing::warn!(error = %e, "streaming a record failed");
        }
    });
    let body = Body::from_stream(ReaderStream::new(reader));
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"record.jsonl\"",
            ),
        ],
        body,
    )
        .into_response())
}
