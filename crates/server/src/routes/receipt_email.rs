//! `POST /api/elections/{id}/receipt-email` (spec/api.md §2.1): the server
//! e-mails a voter the receipt of their cast ballot, if they ask with a
//! request signed by the ballot's credential and the address is a roll
//! member's of the ballot's style. The address is not stored or logged.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lettre::message::Mailbox;
use lettre::Address;
use serde_json::json;

use psephos_election::board::messages::BoardMessage;
use psephos_election::receipt_email::{ReceiptEmailRequest, MAX_EMAIL_BYTES};

use crate::api_error::ApiError;
use crate::committer;
use crate::elections::stored_message;
use crate::extract::Json;
use crate::receipt_mail::MailError;
use crate::routes::params;
use crate::routes::voting::{cast_ballot_leaf, json};
use crate::state::AppState;
use crate::store::Store;

/// `POST …/receipt-email`.
pub async fn receipt_email<S: Store>(
    State(state): State<AppState<S>>,
    path: Result<Path<String>, PathRejection>,
    Json(request): Json<ReceiptEmailRequest>,
) -> Result<Response, ApiError> {
    let id = params::path(path)?;
    let cache = state.election(&id).await?;
    let Some(mailer) = state.config().mailer.clone() else {
        return Err(ApiError::unavailable("this server does not send e-mail"));
    };
    let to = mailbox(&request.email)?;
    let stored = cast_ballot_leaf(&state, &id, request.tracking_code).await?;
    let BoardMessage::Ballot(ballot) = stored_message(&stored.bytes)? else {
        return Err(ApiError::internal(&"a ballot leaf of another kind"));
    };
    // One budget with casting: asking for mail is not a way around it.
    state.charge_credential(*ballot.credential.as_bytes())?;
    if !request.verify(&ballot.credential) {
        return Err(ApiError::invalid(
            "signature",
            "not signed by the credential that cast this ballot, for this tracking code and address",
        ));
    }
    if !state
        .store()
        .roll_has_member(&id, &request.email, &ballot.style)
        .await?
    {
        return Err(ApiError::invalid(
            "email",
            "not the address of a member of this ballot style on the roll",
        ));
    }
    let receipt = committer::receipt_for(&state, &id, stored.index, &stored.bytes).await?;
    mailer
        .send(to, &cache.manifest.title, &receipt)
        .await
        .map_err(|e| match e {
            MailError::Build(reason) => ApiError::invalid("email", reason),
            MailError::Send(reason) => {
                tracing::warn!(election = %id, %reason, "receipt e-mail not sent");
                ApiError::unavailable("the mail server did not take the message; try again later")
            }
        })?;
    tracing::info!(election = %id, leaf = stored.index, "receipt e-mailed");
    Ok(json(
        StatusCode::OK,
        &json!({"sent": true, "tracking_code": request.tracking_code}),
    ))
}

/// The address as a recipient: one plain address (no display name, no
/// list), at most [`MAX_EMAIL_BYTES`] long.
fn mailbox(email: &str) -> Result<Mailbox, ApiError> {
    if email.len() > MAX_EMAIL_BYTES {
        return Err(ApiError::invalid(
            "email",
            format!("longer than {MAX_EMAIL_BYTES} bytes"),
        ));
    }
    let address: Address = email
        .parse()
        .map_err(|e| ApiError::invalid("email", format!("not an e-mail address: {e}")))?;
    Ok(Mailbox::new(None, address))
}
