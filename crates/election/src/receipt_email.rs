//! A voter's request that the board e-mail them the receipt of their cast
//! ballot (spec/api.md §2.1, `POST …/receipt-email`).
//!
//! The request is signed by the credential that cast the ballot, over the
//! tracking code and the address: only the voter can ask, and a signature
//! cannot be replayed to send the receipt elsewhere. Nothing of it goes on
//! the board; the address is used once and not kept.

use serde::{Deserialize, Serialize};

use crate::ballot::TrackingCode;
use crate::credentials::SecretCredential;
use crate::signing::{domain, sign, PublicSigningKey, SignatureBytes};
use psephos_crypto::context::CredentialKey;

/// The longest address accepted (RFC 5321 §4.5.3.1.3 limits a path to 256
/// octets including the angle brackets).
pub const MAX_EMAIL_BYTES: usize = 254;

/// The body of `POST /api/elections/{id}/receipt-email`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptEmailRequest {
    /// The cast ballot whose receipt is wanted.
    pub tracking_code: TrackingCode,
    /// Where to send it, exactly as signed.
    pub email: String,
    /// `Sign(sk_cred, "psephos/v1/sign/receipt-email\n", H || email)`.
    pub signature: SignatureBytes,
}

/// The signed bytes after the domain: the 32-byte tracking hash, then the
/// address's UTF-8 bytes (its length is implied: it runs to the end).
fn signed_message(code: &TrackingCode, email: &str) -> Vec<u8> {
    let mut message = Vec::with_capacity(32 + email.len());
    message.extend_from_slice(&code.0);
    message.extend_from_slice(email.as_bytes());
    message
}

impl ReceiptEmailRequest {
    /// The voter's request, signed with their credential for `election_id`.
    pub fn sign(
        credential: &SecretCredential,
        election_id: &str,
        tracking_code: TrackingCode,
        email: &str,
    ) -> Self {
        let key = credential.signing_key(election_id);
        ReceiptEmailRequest {
            tracking_code,
            email: email.to_string(),
            signature: sign(
                &key,
                domain::RECEIPT_EMAIL,
                &signed_message(&tracking_code, email),
            ),
        }
    }

    /// Whether `credential` (the cast ballot's) signed this request.
    pub fn verify(&self, credential: &CredentialKey) -> bool {
        PublicSigningKey::from_bytes(credential.as_bytes()).is_some_and(|key| {
            key.verify(
                domain::RECEIPT_EMAIL,
                &signed_message(&self.tracking_code, &self.email),
                &self.signature,
            )
        })
    }
}
