//! Trustee endpoints (spec/api.md §4): signed DKG dealings, complaints and
//! tally decryptions become leaves after every check anyone could make;
//! when the last complaints arrive, the server resolves the ceremony and
//! publishes the election key.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use rand_core::OsRng;
use serde::Deserialize;
use serde_json::json;

use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::board::messages::{BoardMessage, DisqualifiedTrustee, ElectionKey};
use psephos_election::fingerprint::{ceremony_fingerprint, election_fingerprint};

use crate::api_error::ApiError;
use crate::elections::{phase, stored_message, ElectionCache};
use crate::error::StoreError;
use crate::extract::{decode_value, Json};
use crate::routes::params;
use crate::routes::voting::json;
use crate::state::AppState;
use crate::store::{Guard, LeafMeta, Store};

/// Attempts at a compare-and-append before giving up (another message
/// landed between reading the board and appending).
const ATTEMPTS: usize = 8;

/// A posted board message, `{"type", "body"}`. The body is decoded once the
/// type is known, so that a bad member is named `body.…` whichever of
/// `type` and `body` comes first (serde buffers an adjacently tagged body
/// that precedes its tag, and the path is lost).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Posted {
    /// The message type.
    #[serde(rename = "type")]
    kind: String,
    /// The signed message.
    body: serde_json::Value,
}

impl Posted {
    /// The trustee message it holds.
    fn message(self) -> Result<BoardMessage, ApiError> {
        Ok(match self.kind.as_str() {
            "trustee-dealing" => BoardMessage::TrusteeDealing(decode_value(self.body, "body")?),
            "trustee-complaints" => {
                BoardMessage::TrusteeComplaints(decode_value(self.body, "body")?)
            }
            "tally-decryption" => BoardMessage::TallyDecryption(decode_value(self.body, "body")?),
            _ => {
                return Err(ApiError::invalid(
                    "type",
                    "trustees post `trustee-dealing`, `trustee-complaints` or `tally-decryption`",
                ))
            }
        })
    }
}

/// `POST …/trustees/messages`: a signed dealing, complaints or decryption.
pub async fn post_message<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    Json(posted): Json<Posted>,
) -> Result<Response, ApiError> {
    let message = posted.message()?;
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let (trustee, inner_index, signature_ok) =
        {
            let manifest = &cache.manifest;
            let key_of = |t: TrusteeIndex| {
                manifest
                    .trustees
                    .members
                    .iter()
                    .find(|m| m.index == t.get())
                    .map(|m| m.signing_key)
            };
            match &message {
                BoardMessage::TrusteeDealing(s) => (
                    s.trustee,
                    Some(s.message.dealer),
                    key_of(s.trustee).map(|k| s.verify(&id, message.kind(), &k)),
                ),
                BoardMessage::TrusteeComplaints(s) => (
                    s.trustee,
                    Some(s.message.complainer),
                    key_of(s.trustee).map(|k| s.verify(&id, message.kind(), &k)),
                ),
                BoardMessage::TallyDecryption(s) => (
                    s.trustee,
                    None,
                    key_of(s.trustee).map(|k| s.verify(&id, message.kind(), &k)),
                ),
                _ => return Err(ApiError::invalid(
                    "type",
                    "trustees post `trustee-dealing`, `trustee-complaints` or `tally-decryption`",
                )),
            }
        };
    match signature_ok {
        None => {
            return Err(ApiError::invalid(
                "body.trustee",
                format!("trustee {trustee} is not in the manifest"),
            ))
        }
        Some(false) => {
            return Err(ApiError::invalid(
                "body.signature",
                "the signature does not verify under this trustee's key",
            ))
        }
        Some(true) => {}
    }
    if inner_index.is_some_and(|i| i != trustee) {
        return Err(ApiError::invalid(
            "body.message",
            "the message names another trustee than its signer",
        ));
    }
    let kind = message.kind();
    let leaf = message.to_leaf();
    for _ in 0..ATTEMPTS {
        let size = state.store().size(&id).await?;
        let existing = state.store().leaves_of_kind(&id, kind).await?;
        for (index, bytes) in &existing {
            if signer(&stored_message(bytes)?) == Some(trustee) {
                return if *bytes == leaf {
                    Ok(json(StatusCode::OK, &json!({"leaf_index": index})))
                } else {
                    Err(ApiError::conflict(
                        Some("body"),
                        format!("trustee {trustee} has already posted a different `{kind}` at leaf {index}"),
                    ))
                };
            }
        }
        let required = check(&state, &cache, &message, trustee).await?;
        let guard = Guard {
            phases: required,
            size: Some(size),
            then: None,
        };
        match state
            .store()
            .append_guarded(&id, leaf.clone(), LeafMeta::kind(kind), guard)
            .await
        {
            Ok(index) => {
                if matches!(message, BoardMessage::TrusteeComplaints(_)) {
                    finish_ceremony(&state, &cache).await?;
                }
                return Ok(json(StatusCode::CREATED, &json!({"leaf_index": index})));
            }
            Err(StoreError::Refused { phase, .. }) if required.contains(&phase.as_str()) => {
                continue
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::unavailable(
        "the board is busy; post the message again",
    ))
}

/// The trustee who signed a trustee message.
fn signer(message: &BoardMessage) -> Option<TrusteeIndex> {
    match message {
        BoardMessage::TrusteeDealing(s) => Some(s.trustee),
        BoardMessage::TrusteeComplaints(s) => Some(s.trustee),
        BoardMessage::TallyDecryption(s) => Some(s.trustee),
        _ => None,
    }
}

/// The message's own checks; returns the phases it may be appended in.
async fn check<S: Store>(
    state: &AppState<S>,
    cache: &ElectionCache,
    message: &BoardMessage,
    trustee: TrusteeIndex,
) -> Result<&'static [&'static str], ApiError> {
    let current = state.store().phase(cache.id()).await?;
    let params = cache
        .manifest
        .params()
        .map_err(|e| ApiError::internal(&e))?;
    match message {
        BoardMessage::TrusteeDealing(signed) => {
            if current != phase::KEYGEN {
                return Err(ApiError::conflict(None, "the key ceremony is over"));
            }
            let (_, complaints) = cache.ceremony_messages(state.store()).await?;
            if !complaints.is_empty() {
                return Err(ApiError::conflict(
                    None,
                    "complaints are already being posted: dealings are closed",
                ));
            }
            signed
                .message
                .check_public(&ceremony_fingerprint(&cache.manifest_leaf), &params)
                .map_err(|e| ApiError::invalid("body.message", e.to_string()))?;
            Ok(&[phase::KEYGEN])
        }
        BoardMessage::TrusteeComplaints(_) => {
            if current != phase::KEYGEN {
                return Err(ApiError::conflict(None, "the key ceremony is over"));
            }
            let (dealings, _) = cache.ceremony_messages(state.store()).await?;
            if dealings.len() < params.n() as usize {
                return Err(ApiError::conflict(
                    None,
                    format!(
                        "only {} of {} dealings are on the board; complaints come after all of them",
                        dealings.len(),
                        params.n()
                    ),
                ));
            }
            Ok(&[phase::KEYGEN])
        }
        BoardMessage::TallyDecryption(signed) => {
            if current != phase::TALLIED {
                return Err(ApiError::conflict(
                    None,
                    format!("decryptions are accepted once the tally is published (phase is `{current}`)"),
                ));
            }
            let key = cache
                .key(state.store())
                .await?
                .ok_or_else(|| ApiError::internal(&"tallied without an election key"))?;
            let tally = cache
                .tally(state.store())
                .await?
                .ok_or_else(|| ApiError::internal(&"tallied without a tally leaf"))?;
            let decryption = signed.message.clone();
            tokio::task::spawn_blocking(move || {
                decryption.verify(&key.election, trustee, &key.outcome, &tally.1, &mut OsRng)
            })
            .await
            .map_err(|e| ApiError::internal(&e))?
            .map_err(|e| ApiError::invalid("body.message", e.to_string()))?;
            Ok(&[phase::TALLIED])
        }
        _ => Err(ApiError::invalid("type", "not a trustee message")),
    }
}

/// Once every trustee has posted complaints, resolves the ceremony and
/// appends the `election-key` leaf (once, whichever process gets there).
async fn finish_ceremony<S: Store>(
    state: &AppState<S>,
    cache: &ElectionCache,
) -> Result<(), ApiError> {
    let id = cache.id();
    let size = state.store().size(id).await?;
    let (dealings, complaints) = cache.ceremony_messages(state.store()).await?;
    let n = cache.manifest.trustees.members.len();
    if complaints.len() < n || dealings.len() < n {
        return Ok(());
    }
    let outcome = cache.resolve(&dealings, &complaints)?;
    let key = ElectionKey {
        fingerprint: election_fingerprint(&cache.manifest_leaf, &outcome.joint_key),
        joint_key: outcome.joint_key.clone(),
        qualified: outcome.qualified.clone(),
        disqualified: outcome
            .disqualified
            .iter()
            .map(|(trustee, why)| DisqualifiedTrustee {
                trustee: *trustee,
                why: why.clone(),
            })
            .collect(),
    };
    let message = BoardMessage::ElectionKey(key);
    let guard = Guard {
        phases: &[phase::KEYGEN],
        size: Some(size),
        then: Some(phase::CREDENTIALS),
    };
    match state
        .store()
        .append_guarded(id, message.to_leaf(), LeafMeta::of(&message), guard)
        .await
    {
        Ok(index) => {
            tracing::info!(
                election = id,
                leaf = index,
                "key ceremony resolved; election key published"
            );
            Ok(())
        }
        // Another request (or process) published it first.
        Err(StoreError::Refused { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `GET …/trustees/status`: who has posted what.
pub async fn status<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let current = state.store().phase(&id).await?;
    let mut posted = std::collections::HashMap::new();
    for kind in ["trustee-dealing", "trustee-complaints", "tally-decryption"] {
        for (index, bytes) in state.store().leaves_of_kind(&id, kind).await? {
            if let Some(t) = signer(&stored_message(&bytes)?) {
                posted.insert((kind, t.get()), index);
            }
        }
    }
    let key = cache.key(state.store()).await?;
    let tally = cache.tally(state.store()).await?;
    let trustees: Vec<_> = cache
        .manifest
        .trustees
        .members
        .iter()
        .map(|m| {
            let index = m.index;
            let disqualified = key.as_ref().and_then(|k| {
                k.message
                    .disqualified
                    .iter()
                    .find(|d| d.trustee.get() == index)
            });
            json!({
                "index": index,
                "name": m.name,
                "dealing": posted.get(&("trustee-dealing", index)),
                "complaints": posted.get(&("trustee-complaints", index)),
                "decryption": posted.get(&("tally-decryption", index)),
                "qualified": key.as_ref().map(|k| k.message.qualified.iter().any(|q| q.get() == index)),
                "disqualified": disqualified,
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &json!({
            "phase": current,
            "threshold": cache.manifest.trustees.threshold,
            "trustees": trustees,
            "election_key": key.as_ref().map(|k| &k.message),
            "tally_leaf": tally.as_ref().map(|t| t.0),
        }),
    ))
}
