//! Administrator endpoints (spec/api.md §5), each behind the admin token,
//! and the credential authority's upload, authenticated by its signature:
//! create an election, import the roll, publish the credential list, open
//! and close the window, turnout, tally and publish.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use psephos_election::board::messages::{BoardMessage, WindowEvent};
use psephos_election::credentials::CredentialList;
use psephos_election::manifest::Manifest;
use psephos_election::roll::parse_roll;
use psephos_election::tally::{combine_result, TallyAccumulator, TallyDecryption};

use crate::api_error::{ApiError, RowError};
use crate::elections::{corrupt, phase, stored_message};
use crate::error::StoreError;
use crate::extract::{decode, read_body, require_content_type};
use crate::routes::params;
use crate::routes::voting::json;
use crate::state::AppState;
use crate::store::{Guard, LeafMeta, RollRow, Store, MAX_LEAVES_PER_CALL};

/// An RFC 3339 UTC time with milliseconds, as window events carry it.
fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// `GET /api/admin/server`: the board key manifests must name.
pub async fn server<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::require_admin(&state, &headers)?;
    Ok(json(
        StatusCode::OK,
        &json!({"board_key": state.board_public_key()}),
    ))
}

/// The instant of the log's `voting-opened` leaf, if there is one.
async fn opened_at<S: Store>(
    state: &AppState<S>,
    id: &str,
) -> Result<Option<SystemTime>, ApiError> {
    let leaves = state.store().leaves_of_kind(id, "voting-opened").await?;
    let Some((_, leaf)) = leaves.first() else {
        return Ok(None);
    };
    match stored_message(leaf)? {
        BoardMessage::VotingOpened(event) => humantime::parse_rfc3339(&event.at)
            .map(Some)
            .map_err(|e| corrupt(format!("stored opening time: {e}"))),
        _ => Ok(None),
    }
}

/// `POST /api/admin/elections`: a validated manifest becomes leaf 0 of a new log.
pub async fn create<S: Store>(
    State(state): State<AppState<S>>,
    req: Request,
) -> Result<Response, ApiError> {
    params::require_admin(&state, req.headers())?;
    require_content_type(&req, "application/json")?;
    let bytes = read_body(req.into_body(), state.config().limits.body).await?;
    let manifest: Manifest = decode(&bytes)?;
    manifest.validate().map_err(|e| {
        // Dotted like every other field (spec/api.md §1.1): `members[1].x` → `members.1.x`.
        let field = e.field.replace('[', ".").replace(']', "");
        ApiError::invalid(&format!("manifest.{field}"), e.reason)
    })?;
    if manifest.board_key != state.board_public_key() {
        return Err(ApiError::invalid(
            "manifest.board_key",
            "must be this server's board key (GET /api/admin/server)",
        ));
    }
    let id = manifest.election_id.clone();
    match state.store().create_election(&id).await {
        Ok(()) => {}
        // A log created by an attempt that failed before its manifest was appended.
        Err(StoreError::ElectionExists(_)) if state.store().size(&id).await? == 0 => {}
        Err(e) => return Err(e.into()),
    }
    let message = BoardMessage::Manifest(manifest);
    let guard = Guard {
        phases: &[],
        size: Some(0),
        then: Some(phase::KEYGEN),
    };
    state
        .store()
        .append_guarded(&id, message.to_leaf(), LeafMeta::of(&message), guard)
        .await
        .map_err(|e| match e {
            StoreError::Refused { .. } => ApiError::conflict(
                Some("election_id"),
                format!("election {id:?} already exists"),
            ),
            other => other.into(),
        })?;
    tracing::info!(election = %id, "election created");
    Ok(json(
        StatusCode::CREATED,
        &json!({"election_id": id, "leaf_index": 0}),
    ))
}

/// `PUT /api/admin/elections/{id}/roll`: replaces the member roll, all rows or none.
pub async fn roll<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    params::require_admin(&state, req.headers())?;
    let id = params::path(path)?;
    require_content_type(&req, "text/csv")?;
    let bytes = read_body(req.into_body(), state.config().limits.upload).await?;
    let cache = state.election(&id).await?;
    let members = parse_roll(&bytes, &cache.manifest).map_err(|rows| {
        let mut e = ApiError::invalid(
            "roll",
            format!(
                "{} row(s) of the roll are invalid; nothing was imported",
                rows.len()
            ),
        );
        e.rows = rows
            .into_iter()
            .map(|r| RowError {
                row: r.row,
                field: r.field,
                message: r.message,
            })
            .collect();
        e
    })?;
    let mut by_style: BTreeMap<String, u64> = BTreeMap::new();
    for m in &members {
        *by_style.entry(m.style.clone()).or_default() += 1;
    }
    let count = members.len();
    let rows = members
        .into_iter()
        .map(|m| RollRow {
            name: m.name,
            email: m.email,
            style: m.style,
        })
        .collect();
    state
        .store()
        .put_roll(&id, rows, &[phase::KEYGEN, phase::CREDENTIALS])
        .await
        .map_err(|e| match e {
            StoreError::Refused { .. } => ApiError::conflict(
                None,
                "the credential list is published: the roll can no longer change",
            ),
            other => other.into(),
        })?;
    Ok(json(
        StatusCode::OK,
        &json!({"members": count, "by_style": by_style}),
    ))
}

/// `POST /api/elections/{id}/credential-list`: the authority's signed list.
pub async fn credential_list<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    require_content_type(&req, "application/json")?;
    let bytes = read_body(req.into_body(), state.config().limits.upload).await?;
    let list: CredentialList = decode(&bytes)?;
    let cache = state.election(&id).await?;
    if list.election_id != id {
        return Err(ApiError::invalid(
            "election_id",
            "the list is for another election",
        ));
    }
    list.verify(&cache.manifest)
        .map_err(|e| ApiError::invalid("credentials", e.to_string()))?;
    let roll = state.store().roll_by_style(&id).await?;
    if !roll.is_empty() {
        let mut listed: BTreeMap<&str, u64> = BTreeMap::new();
        for entry in &list.credentials {
            *listed.entry(entry.style.as_str()).or_default() += 1;
        }
        let rolled: BTreeMap<&str, u64> = roll.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        if listed != rolled {
            return Err(ApiError::invalid(
                "credentials",
                format!("the list's credentials per style {listed:?} differ from the roll's members per style {rolled:?}"),
            ));
        }
    }
    let current = state.store().phase(&id).await?;
    if current == phase::KEYGEN {
        return Err(ApiError::conflict(
            None,
            "the key ceremony has not finished: the list comes after the election key",
        ));
    }
    let message = BoardMessage::CredentialList(list);
    let index = state
        .store()
        .append_guarded(
            &id,
            message.to_leaf(),
            LeafMeta::of(&message),
            Guard {
                phases: &[phase::CREDENTIALS],
                size: None,
                then: Some(phase::READY),
            },
        )
        .await?;
    Ok(json(StatusCode::CREATED, &json!({"leaf_index": index})))
}

/// `POST /api/admin/elections/{id}/open`: appends `voting-opened`.
pub async fn open<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::require_admin(&state, &headers)?;
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let now = SystemTime::now();
    if now < cache.opens || now >= cache.closes {
        return Err(ApiError::conflict(
            None,
            format!(
                "the manifest's window is {} to {}: voting cannot open now",
                cache.manifest.voting_window.opens, cache.manifest.voting_window.closes
            ),
        ));
    }
    let message = BoardMessage::VotingOpened(WindowEvent { at: timestamp(now) });
    let index = state
        .store()
        .append_guarded(
            &id,
            message.to_leaf(),
            LeafMeta::of(&message),
            Guard {
                phases: &[phase::READY],
                size: None,
                then: Some(phase::OPEN),
            },
        )
        .await?;
    tracing::info!(election = %id, "voting opened");
    Ok(json(StatusCode::CREATED, &json!({"leaf_index": index})))
}

/// Appends `voting-closed` at now, or at the closing time if it passed; and
/// never at or before the recorded opening, which the verifier's V9 refuses
/// (spec/verify.md §V9: `opened < at`). An election opened and closed within
/// one millisecond, or by two processes whose clocks disagree, would
/// otherwise close "before" it opened.
async fn close_window<S: Store>(
    state: &AppState<S>,
    id: &str,
    closes: SystemTime,
) -> Result<u64, ApiError> {
    let mut at = SystemTime::now().min(closes);
    if let Some(opened) = opened_at(state, id).await? {
        // `opened < closes` held when it opened, so this stays within the window.
        at = at.max(opened + Duration::from_millis(1)).min(closes);
    }
    let message = BoardMessage::VotingClosed(WindowEvent { at: timestamp(at) });
    let index = state
        .store()
        .append_guarded(
            id,
            message.to_leaf(),
            LeafMeta::of(&message),
            Guard {
                phases: &[phase::OPEN],
                size: None,
                then: Some(phase::CLOSED),
            },
        )
        .await?;
    tracing::info!(election = %id, "voting closed");
    Ok(index)
}

/// `POST /api/admin/elections/{id}/close`: appends `voting-closed`.
pub async fn close<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::require_admin(&state, &headers)?;
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let index = close_window(&state, &id, cache.closes).await?;
    Ok(json(StatusCode::CREATED, &json!({"leaf_index": index})))
}

/// `GET /api/admin/elections/{id}/turnout`: counts only.
pub async fn turnout<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::require_admin(&state, &headers)?;
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let roll = state.store().roll_by_style(&id).await?;
    let turnout = state.store().turnout(&id).await?;
    let mut voted: BTreeMap<String, u64> = BTreeMap::new();
    if let Some(list) = cache.credentials(state.store()).await? {
        for credential in &turnout.voters {
            if let Some(style) = list.get(credential) {
                *voted.entry(style.clone()).or_default() += 1;
            }
        }
    }
    let members: u64 = roll.iter().map(|(_, n)| n).sum();
    let by_style: Vec<_> = cache
        .manifest
        .ballot_styles
        .iter()
        .map(|s| {
            json!({
                "style": s.id,
                "members": roll.iter().find(|(r, _)| *r == s.id).map_or(0, |(_, n)| *n),
                "voted": voted.get(&s.id).copied().unwrap_or(0),
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &json!({
            "phase": state.store().phase(&id).await?,
            "members": members,
            "voted": turnout.voters.len(),
            "ballots": turnout.ballots,
            "audits": turnout.audits,
            "by_style": by_style,
        }),
    ))
}

/// `POST /api/admin/elections/{id}/tally`: the encrypted tally of the last ballot per credential.
pub async fn tally<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::require_admin(&state, &headers)?;
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let mut current = state.store().phase(&id).await?;
    if current == phase::OPEN && SystemTime::now() >= cache.closes {
        close_window(&state, &id, cache.closes).await?;
        current = phase::CLOSED.to_string();
    }
    if current != phase::CLOSED {
        return Err(ApiError::conflict(
            None,
            format!("the tally needs a closed election (phase is `{current}`)"),
        ));
    }
    let key = cache
        .key(state.store())
        .await?
        .ok_or_else(|| ApiError::internal(&"closed without an election key"))?;
    // Closed: no ballot can be added any more, so one pass sees them all.
    let size = state.store().size(&id).await?;
    let mut ballots = Vec::new();
    let mut next = 0;
    while next < size {
        let page = state
            .store()
            .leaves(&id, next..size.min(next + MAX_LEAVES_PER_CALL))
            .await?;
        if page.is_empty() {
            return Err(ApiError::internal(&"the store returned an empty page"));
        }
        next += page.len() as u64;
        for leaf in page {
            if leaf.starts_with(b"{\"type\":\"ballot\"") {
                ballots.push(leaf);
            }
        }
    }
    let election_key = std::sync::Arc::clone(&key);
    let encrypted = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        // The last ballot of each credential counts (spec/record.md §10.1).
        let mut last: std::collections::HashMap<_, _> = std::collections::HashMap::new();
        for leaf in ballots {
            if let BoardMessage::Ballot(b) = stored_message(&leaf)? {
                last.insert(b.credential, b);
            }
        }
        let mut accumulator = TallyAccumulator::new(&election_key.election);
        for ballot in last.values() {
            if !accumulator.add(&election_key.election, ballot) {
                return Err(ApiError::internal(
                    &"a stored ballot does not fit its style",
                ));
            }
        }
        Ok(accumulator.finish(&election_key.election))
    })
    .await
    .map_err(|e| ApiError::internal(&e))??;
    let message = BoardMessage::Tally(encrypted);
    let index = state
        .store()
        .append_guarded(
            &id,
            message.to_leaf(),
            LeafMeta::of(&message),
            Guard {
                phases: &[phase::CLOSED],
                size: Some(size),
                then: Some(phase::TALLIED),
            },
        )
        .await?;
    tracing::info!(election = %id, leaf = index, "encrypted tally published");
    Ok(json(StatusCode::CREATED, &json!({"leaf_index": index})))
}

/// `POST /api/admin/elections/{id}/publish`: combines the decryptions into the result.
pub async fn publish<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    params::require_admin(&state, &headers)?;
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let current = state.store().phase(&id).await?;
    if current != phase::TALLIED {
        return Err(ApiError::conflict(
            None,
            format!("publishing needs the tally and its decryptions (phase is `{current}`)"),
        ));
    }
    let key = cache
        .key(state.store())
        .await?
        .ok_or_else(|| ApiError::internal(&"tallied without an election key"))?;
    let tally = cache
        .tally(state.store())
        .await?
        .ok_or_else(|| ApiError::internal(&"tallied without a tally"))?;
    let size = state.store().size(&id).await?;
    let mut decryptions: Vec<(psephos_crypto::threshold::TrusteeIndex, TallyDecryption)> =
        Vec::new();
    for (_, leaf) in state
        .store()
        .leaves_of_kind(&id, "tally-decryption")
        .await?
    {
        if let BoardMessage::TallyDecryption(signed) = stored_message(&leaf)? {
            decryptions.push((signed.trustee, signed.message));
        }
    }
    let threshold = cache.manifest.trustees.threshold as usize;
    if decryptions.len() < threshold {
        return Err(ApiError::conflict(
            None,
            format!(
                "{} of the {threshold} trustee decryptions needed are on the board",
                decryptions.len()
            ),
        ));
    }
    let refs: Vec<_> = decryptions.iter().map(|(i, d)| (*i, d)).collect();
    let result = combine_result(&key.election, &tally.1, &refs)
        .map_err(|e| ApiError::conflict(None, format!("the decryptions do not combine: {e}")))?;
    let message = BoardMessage::Result(result.clone());
    let index = state
        .store()
        .append_guarded(
            &id,
            message.to_leaf(),
            LeafMeta::of(&message),
            Guard {
                phases: &[phase::TALLIED],
                size: Some(size),
                then: Some(phase::PUBLISHED),
            },
        )
        .await?;
    tracing::info!(election = %id, leaf = index, "result published");
    Ok(json(
        StatusCode::CREATED,
        &json!({"leaf_index": index, "result": result}),
    ))
}
