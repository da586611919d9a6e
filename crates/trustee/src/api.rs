//! What the trustee needs from the voting service (spec/api.md §2–§4), as
//! a trait: [`crate::http::HttpBoard`] implements it over HTTP, and tests
//! can implement it in process.
//!
//! Nothing an implementation returns is trusted: checkpoints are checked
//! against the manifest's board key, leaves against the checkpoint, and
//! every message is re-verified ([`crate::board`]).

use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::Hash;
use psephos_election::board::messages::{BoardMessage, ElectionKey};
use psephos_election::manifest::Manifest;
use psephos_election::signing::PublicSigningKey;
use serde::{Deserialize, Serialize};

use crate::error::TrusteeError;

/// `GET /api/elections/{id}`.
#[derive(Clone, Debug, Deserialize)]
pub struct ElectionInfo {
    /// The election id.
    pub election_id: String,
    /// The phase (`keygen`, `credentials`, `ready`, `open`, `closed`,
    /// `tallied`, `published`).
    pub phase: String,
    /// The manifest (leaf 0).
    pub manifest: Manifest,
    /// The election key once the ceremony is over.
    #[serde(default)]
    pub election_key: Option<ElectionKey>,
    /// The key that signs checkpoints.
    pub board_key: PublicSigningKey,
}

/// One trustee's row in `GET /api/elections/{id}/trustees/status`: the
/// leaf indices of its messages.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TrusteeRow {
    /// The trustee's index.
    pub index: u32,
    /// The trustee's name.
    #[serde(default)]
    pub name: String,
    /// Leaf index of its dealing.
    #[serde(default)]
    pub dealing: Option<u64>,
    /// Leaf index of its complaints message.
    #[serde(default)]
    pub complaints: Option<u64>,
    /// Leaf index of its tally decryption.
    #[serde(default)]
    pub decryption: Option<u64>,
    /// Whether it is qualified (known once the ceremony is over).
    #[serde(default)]
    pub qualified: Option<bool>,
    /// Why it was disqualified, if it was.
    #[serde(default)]
    pub disqualified: Option<serde_json::Value>,
}

/// `GET /api/elections/{id}/trustees/status`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct TrusteeStatus {
    /// The phase.
    pub phase: String,
    /// `t`.
    pub threshold: u32,
    /// Every manifest trustee, by index.
    pub trustees: Vec<TrusteeRow>,
    /// The election key once published.
    #[serde(default)]
    pub election_key: Option<ElectionKey>,
    /// Leaf index of the tally once posted.
    #[serde(default)]
    pub tally_leaf: Option<u64>,
}

/// The server's answer to a posted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Posted {
    /// Where the message is.
    pub leaf_index: u64,
    /// False when the identical message was already on the board.
    pub created: bool,
}

/// The voting service, as the trustee sees it.
pub trait BoardApi {
    /// The server's address, for messages.
    fn describe(&self) -> String;
    /// `GET /api/elections/{id}`.
    fn election(&self) -> Result<ElectionInfo, TrusteeError>;
    /// `GET /api/elections/{id}/trustees/status`.
    fn trustee_status(&self) -> Result<TrusteeStatus, TrusteeError>;
    /// `GET /api/elections/{id}/board/checkpoint`.
    fn checkpoint(&self) -> Result<SignedCheckpoint, TrusteeError>;
    /// `GET /api/elections/{id}/board/consistency?first=&second=`.
    fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, TrusteeError>;
    /// `GET /api/elections/{id}/board/leaves?start=&end=`: the messages
    /// from `start` on, at most up to `end` (a server may return fewer).
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<BoardMessage>, TrusteeError>;
    /// `POST /api/elections/{id}/trustees/messages`.
    fn post(&self, message: &BoardMessage) -> Result<Posted, TrusteeError>;
}
