//! The messages the bulletin board publishes: each is one leaf of the log,
//! as compact JSON `{"type": …, "body": …}` (spec/record.md §9).

use psephos_crypto::context::Fingerprint;
use psephos_crypto::dkg::{ComplaintsMessage, DealerMessage, Disqualification};
use psephos_crypto::elgamal::PublicKey;
use psephos_crypto::threshold::TrusteeIndex;
use serde::{Deserialize, Serialize};

use ed25519_dalek::SigningKey;

use crate::ballot::Ballot;
use crate::canonical::to_canonical_json;
use crate::credentials::CredentialList;
use crate::error::CanonicalError;
use crate::manifest::Manifest;
use crate::signing::{domain, sign, PublicSigningKey, SignatureBytes};
use crate::tally::{ElectionResult, EncryptedTally, TallyDecryption};
use crate::voter::AuditedBallot;

/// One leaf of the election's log.
// Messages are decoded one at a time and consumed at once, so the size of
// the largest variant costs nothing worth an extra allocation per leaf.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "body", rename_all = "kebab-case")]
pub enum BoardMessage {
    /// Leaf 0: the election definition.
    Manifest(Manifest),
    /// A trustee's DKG dealing.
    TrusteeDealing(TrusteeSigned<DealerMessage>),
    /// A trustee's DKG complaints (empty: all shares confirmed).
    TrusteeComplaints(TrusteeSigned<ComplaintsMessage>),
    /// The outcome of the key ceremony, as the board computed it.
    ElectionKey(ElectionKey),
    /// The credential authority's signed list.
    CredentialList(CredentialList),
    /// The voting window opened.
    VotingOpened(WindowEvent),
    /// A cast ballot.
    Ballot(Ballot),
    /// A ballot spoiled by a Benaloh audit.
    BallotAudit(AuditedBallot),
    /// The voting window closed.
    VotingClosed(WindowEvent),
    /// The encrypted tally.
    Tally(EncryptedTally),
    /// A trustee's decryption of the tally.
    TallyDecryption(TrusteeSigned<TallyDecryption>),
    /// The decrypted result.
    Result(ElectionResult),
}

impl BoardMessage {
    /// The `type` tag, for messages and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            BoardMessage::Manifest(_) => "manifest",
            BoardMessage::TrusteeDealing(_) => "trustee-dealing",
            BoardMessage::TrusteeComplaints(_) => "trustee-complaints",
            BoardMessage::ElectionKey(_) => "election-key",
            BoardMessage::CredentialList(_) => "credential-list",
            BoardMessage::VotingOpened(_) => "voting-opened",
            BoardMessage::Ballot(_) => "ballot",
            BoardMessage::BallotAudit(_) => "ballot-audit",
            BoardMessage::VotingClosed(_) => "voting-closed",
            BoardMessage::Tally(_) => "tally",
            BoardMessage::TallyDecryption(_) => "tally-decryption",
            BoardMessage::Result(_) => "result",
        }
    }

    /// The leaf bytes: compact JSON.
    pub fn to_leaf(&self) -> Vec<u8> {
        // Serialising these types cannot fail: no maps with non-string keys, no floats.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses leaf bytes, which must be exactly the canonical encoding of
    /// the message (spec/record.md §9): one message, one byte string.
    pub fn from_leaf(leaf: &[u8]) -> Result<Self, LeafError> {
        let message: BoardMessage =
            serde_json::from_slice(leaf).map_err(|e| LeafError::Json(e.to_string()))?;
        if message.to_leaf() != leaf {
            return Err(LeafError::NotCanonical);
        }
        Ok(message)
    }
}

/// Why leaf bytes are not a board message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    /// Not JSON of any message type.
    #[error("not a board message: {0}")]
    Json(String),
    /// A valid message, but not in its canonical byte form.
    #[error("not in canonical form (compact JSON with fields in specification order)")]
    NotCanonical,
}

/// When the window opened or closed (RFC 3339, UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowEvent {
    /// The instant.
    pub at: String,
}

/// One disqualified trustee and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisqualifiedTrustee {
    /// The trustee.
    pub trustee: TrusteeIndex,
    /// Why.
    #[serde(flatten)]
    pub why: Disqualification,
}

/// The key ceremony's outcome, published so that voters' devices need not
/// replay the ceremony; auditors recompute and compare it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionKey {
    /// The joint election key.
    pub joint_key: PublicKey,
    /// The election fingerprint (manifest leaf and joint key).
    pub fingerprint: Fingerprint,
    /// Qualified trustees.
    pub qualified: Vec<TrusteeIndex>,
    /// Disqualified trustees.
    pub disqualified: Vec<DisqualifiedTrustee>,
}

/// A trustee's message, signed by the trustee's key from the manifest over
/// `domain || JCS({"election_id", "kind", "trustee", "message"})`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrusteeSigned<T> {
    /// The signer's index.
    pub trustee: TrusteeIndex,
    /// The message.
    pub message: T,
    /// The signature.
    pub signature: SignatureBytes,
}

#[derive(Serialize)]
struct SignedBody<'a, T> {
    election_id: &'a str,
    kind: &'a str,
    trustee: TrusteeIndex,
    message: &'a T,
}

impl<T: Serialize> TrusteeSigned<T> {
    /// Signs `message` as trustee `trustee`.
    pub fn sign(
        election_id: &str,
        kind: &str,
        trustee: TrusteeIndex,
        message: T,
        key: &SigningKey,
    ) -> Result<Self, CanonicalError> {
        let body = to_canonical_json(&SignedBody {
            election_id,
            kind,
            trustee,
            message: &message,
        })?;
        Ok(TrusteeSigned {
            trustee,
            signature: sign(key, domain::TRUSTEE_MESSAGE, &body),
            message,
        })
    }

    /// Checks the signature under the trustee's key.
    pub fn verify(&self, election_id: &str, kind: &str, key: &PublicSigningKey) -> bool {
        to_canonical_json(&SignedBody {
            election_id,
            kind,
            trustee: self.trustee,
            message: &self.message,
        })
        .is_ok_and(|body| key.verify(domain::TRUSTEE_MESSAGE, &body, &self.signature))
    }
}
