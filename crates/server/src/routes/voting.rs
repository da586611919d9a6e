//! Public election and voter endpoints (spec/api.md §2): the election as a
//! voter's device needs it, a credential's status, casting (verified here,
//! appended by the [committer](crate::committer)), audits, receipts, the
//! result.

use std::time::SystemTime;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use psephos_election::ballot::{Ballot, Purpose, TrackingCode};
use psephos_election::board::messages::BoardMessage;
use psephos_election::error::BallotError;
use psephos_election::tally::ElectionResult;
use psephos_election::voter::AuditedBallot;

use crate::api_error::ApiError;
use crate::committer::{self, Job};
use crate::elections::{phase, stored_message, ElectionCache, KeyState};
use crate::error::StoreError;
use crate::extract::Json;
use crate::routes::params;
use crate::state::AppState;
use crate::store::{BallotLeaf, Guard, LeafMeta, Store, StoredLeaf};

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

/// `GET /healthz`: the store answers.
pub async fn healthz<S: Store>(State(state): State<AppState<S>>) -> Response {
    match state.store().elections().await {
        Ok(_) => json(StatusCode::OK, &json!({"status": "ok"})),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /api/elections`.
pub async fn list<S: Store>(State(state): State<AppState<S>>) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    for (id, phase) in state.store().elections().await? {
        match state.election(&id).await {
            Ok(cache) => out.push(json!({
                "election_id": id,
                "title": cache.manifest.title,
                "organisation": cache.manifest.organisation,
                "phase": phase,
            })),
            // A log created but not yet given its manifest is not an election yet.
            Err(e) if e.status == StatusCode::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    Ok(json(StatusCode::OK, &out))
}

/// `GET /api/elections/{id}`: what a voter's device needs.
pub async fn election<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let phase = state.store().phase(&id).await?;
    let key = cache.key(state.store()).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "election_id": id,
            "phase": phase,
            "manifest": cache.manifest,
            "manifest_leaf_hash": hex::encode(cache.manifest_leaf_hash),
            "election_key": key.as_ref().map(|k| &k.message),
            "board_key": state.board_public_key(),
            "receipt_email": state.config().mailer.is_some(),
        }),
    ))
}

/// `GET …/voters/{credential}`: the credential's style and ballots.
pub async fn voter<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, credential) = params::path(path)?;
    let credential = params::credential(&credential)?;
    let cache = state.election(&id).await?;
    let Some(list) = cache.credentials(state.store()).await? else {
        return Err(ApiError::not_found(
            "credential",
            "the credential list is not published yet",
        ));
    };
    let Some(style) = list.get(&credential) else {
        return Err(ApiError::not_found(
            "credential",
            "this credential is not on the election's list",
        ));
    };
    let ballots = state.store().voter(&id, credential, None).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "credential": credential,
            "style": style,
            "ballots_cast": ballots.ballots,
            "latest": ballots.latest.map(|l| json!({
                "tracking_code": l.tracking_code,
                "leaf_index": l.index,
            })),
        }),
    ))
}

/// Checks that the election takes ballots now, and returns its key.
async fn accepting<S: Store>(
    state: &AppState<S>,
    cache: &ElectionCache,
) -> Result<std::sync::Arc<KeyState>, ApiError> {
    if SystemTime::now() >= cache.closes {
        return Err(ApiError::conflict(None, "the voting window has ended"));
    }
    let phase = state.store().phase(cache.id()).await?;
    if phase != phase::OPEN {
        return Err(ApiError::conflict(
            None,
            format!("voting is not open (the election is in phase `{phase}`)"),
        ));
    }
    cache
        .key(state.store())
        .await?
        .ok_or_else(|| ApiError::internal(&"voting is open without an election key"))
}

/// Maps a ballot check's failure to the field it concerns.
fn ballot_error(e: BallotError) -> ApiError {
    let field = match &e {
        BallotError::WrongElection => "election".to_string(),
        BallotError::UnknownCredential | BallotError::BadCredential => "credential".to_string(),
        BallotError::WrongStyle { .. } => "style".to_string(),
        BallotError::Structure(_) => "answers".to_string(),
        BallotError::BadSignature => "signature".to_string(),
        BallotError::SelectionProof { question, option } => {
            format!("answers.{question}.proofs.{option}")
        }
        BallotError::SumProof { question } => format!("answers.{question}.sum_proof"),
    };
    ApiError::invalid(&field, e.to_string())
}

/// Everything about a ballot that can be checked before appending it.
async fn check_ballot<S: Store>(
    state: &AppState<S>,
    cache: &ElectionCache,
    key: &std::sync::Arc<KeyState>,
    ballot: Ballot,
    purpose: Purpose,
) -> Result<Ballot, ApiError> {
    if ballot.election != key.election.fingerprint {
        return Err(ballot_error(BallotError::WrongElection));
    }
    let list = cache
        .credentials(state.store())
        .await?
        .ok_or_else(|| ApiError::internal(&"voting is open without a credential list"))?;
    let Some(style) = list.get(&ballot.credential) else {
        return Err(ballot_error(BallotError::UnknownCredential));
    };
    if *style != ballot.style {
        return Err(ballot_error(BallotError::WrongStyle {
            expected: style.clone(),
            found: ballot.style.clone(),
        }));
    }
    state.charge_credential(*ballot.credential.as_bytes())?;
    // Proof checking is the heavy part: off the async threads, batched
    // with whatever other ballots are waiting.
    state
        .proofs()
        .check(ballot, std::sync::Arc::clone(key), purpose)
        .await
        .ok_or_else(|| ApiError::unavailable("the server is shutting down"))?
        .map_err(ballot_error)
}

/// `POST …/ballots`: verifies a ballot, then answers with its receipt once it is durable.
pub async fn cast<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    Json(ballot): Json<Ballot>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let key = accepting(&state, &cache).await?;
    let ballot = check_ballot(&state, &cache, &key, ballot, Purpose::Cast).await?;
    let leaf = BallotLeaf {
        tracking_code: ballot.tracking_code(),
        credential: ballot.credential,
        leaf: BoardMessage::Ballot(ballot).to_leaf(),
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    let committer = cache.committer(|| committer::spawn(state.clone(), id.clone()));
    committer
        .send(Job {
            ballot: leaf,
            reply,
        })
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down"))?;
    let committed = answer
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down"))??;
    let status = if committed.already_present {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(json(status, &committed.receipt))
}

/// `POST …/audits`: a spoiled ballot with its openings.
pub async fn audit<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    Json(audited): Json<AuditedBallot>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let key = accepting(&state, &cache).await?;
    let AuditedBallot { ballot, openings } = audited;
    let ballot = check_ballot(&state, &cache, &key, ballot, Purpose::Audit).await?;
    let audited = AuditedBallot { ballot, openings };
    let election_key = std::sync::Arc::clone(&key);
    let (audited, choices) = tokio::task::spawn_blocking(move || {
        let choices = audited.verify(&election_key.election);
        (audited, choices)
    })
    .await
    .map_err(|e| ApiError::internal(&e))?;
    let choices = choices.map_err(|e| ApiError::invalid("openings", e.to_string()))?;
    let code = audited.ballot.tracking_code();
    let message = BoardMessage::BallotAudit(audited);
    let leaf = message.to_leaf();
    // The audit's tracking code goes into the log's unique index, so that
    // the record never holds the same audit twice, nor a cast ballot with
    // the ciphertexts an audit revealed (the verifier fails both).
    let meta = LeafMeta {
        tracking_code: Some(code),
        ..LeafMeta::of(&message)
    };
    match state
        .store()
        .append_guarded(&id, leaf.clone(), meta, Guard::in_phases(&[phase::OPEN]))
        .await
    {
        Ok(index) => Ok(json(
            StatusCode::CREATED,
            &json!({"leaf_index": index, "choices": choices}),
        )),
        Err(StoreError::TrackingCodeConflict { index, .. }) => {
            // The identical audit again (a retry) gets the same answer.
            if state.store().leaf(&id, index).await? == leaf {
                Ok(json(
                    StatusCode::OK,
                    &json!({"leaf_index": index, "choices": choices}),
                ))
            } else {
                Err(ApiError::conflict(
                    Some("tracking_code"),
                    format!("this ballot is already on the board at leaf {index}; audit a new encryption"),
                ))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET …/receipts/{code}`: a fresh receipt.
pub async fn receipt<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let (id, code) = params::path(path)?;
    let code = params::tracking_code(&code)?;
    state.election(&id).await?;
    let stored = cast_ballot_leaf(&state, &id, code).await?;
    let receipt = committer::receipt_for(&state, &id, stored.index, &stored.bytes).await?;
    Ok(json(StatusCode::OK, &receipt))
}

/// The stored cast ballot with this tracking code (`404` naming
/// `tracking_code` if there is none).
pub(crate) async fn cast_ballot_leaf<S: Store>(
    state: &AppState<S>,
    id: &str,
    code: TrackingCode,
) -> Result<StoredLeaf, ApiError> {
    state
        .store()
        .leaf_by_tracking_code(id, code)
        .await?
        // An audit's tracking code is indexed too, but it is not a cast ballot.
        .filter(|stored| stored.kind == "ballot")
        .ok_or_else(|| {
            ApiError::not_found("tracking_code", "no cast ballot has this tracking code")
        })
}

/// `GET …/result`: the published result.
pub async fn result<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let leaves = state.store().leaves_of_kind(&id, "result").await?;
    let Some((index, leaf)) = leaves.first() else {
        return Err(ApiError::conflict(None, "the result is not published yet"));
    };
    let BoardMessage::Result(result) = stored_message(leaf)? else {
        return Err(ApiError::internal(&"result leaf of another kind"));
    };
    let result: ElectionResult = result;
    let turnout = state.store().turnout(&id).await?;
    // Members are counted from the published credential list, not the
    // roll: the list is on the board, so anyone can check the figure.
    let list = cache.credentials(state.store()).await?;
    let mut by_style: std::collections::BTreeMap<&str, (u64, u64)> = cache
        .manifest
        .ballot_styles
        .iter()
        .map(|s| (s.id.as_str(), (0, 0)))
        .collect();
    if let Some(list) = &list {
        for style in list.values() {
            if let Some(entry) = by_style.get_mut(style.as_str()) {
                entry.0 += 1;
            }
        }
        for credential in &turnout.voters {
            if let Some(entry) = list
                .get(credential)
                .and_then(|s| by_style.get_mut(s.as_str()))
            {
                entry.1 += 1;
            }
        }
    }
    let by_style: Vec<_> = by_style
        .into_iter()
        .map(
            |(style, (members, voted))| json!({"style": style, "members": members, "voted": voted}),
        )
        .collect();
    Ok(json(
        StatusCode::OK,
        &json!({
            "leaf_index": index,
            "result": result,
            "turnout": {
                "members": list.as_ref().map(|l| l.len()),
                "voted": turnout.voters.len(),
                "ballots": turnout.ballots,
                "audits": turnout.audits,
                "by_style": by_style,
            },
        }),
    ))
}
