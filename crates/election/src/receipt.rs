//! A voter's receipt (spec/record.md §12): enough to prove, offline and to
//! anyone, that the board committed to the voter's ballot.

use psephos_crypto::encoding::bytes_hex;
use serde::{Deserialize, Serialize};

use crate::ballot::{Ballot, TrackingCode};
use crate::board::checkpoint::SignedCheckpoint;
use crate::board::merkle::{leaf_hash, verify_inclusion, Hash};
use crate::board::messages::BoardMessage;
use crate::error::LogError;
use crate::signing::PublicSigningKey;

/// A 32-byte Merkle hash as hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeHash(#[serde(with = "bytes_hex")] pub Hash);

/// What the board returns when it accepts a ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The election.
    pub election_id: String,
    /// The ballot's tracking code.
    pub tracking_code: TrackingCode,
    /// The ballot's leaf index.
    pub leaf_index: u64,
    /// `SHA-256(0x00 || leaf)`.
    pub leaf_hash: NodeHash,
    /// A checkpoint that includes the leaf.
    pub checkpoint: SignedCheckpoint,
    /// Audit path from the leaf to the checkpoint's root.
    pub inclusion_proof: Vec<NodeHash>,
    /// The tracking code of the earlier ballot this one replaces, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<TrackingCode>,
}

impl Receipt {
    /// Checks the checkpoint signature and the inclusion proof.
    pub fn verify(&self, board_key: &PublicSigningKey) -> Result<(), LogError> {
        if self.checkpoint.log_id != self.election_id {
            return Err(LogError::BadCheckpointSignature);
        }
        self.checkpoint.verify(board_key)?;
        let path: Vec<Hash> = self.inclusion_proof.iter().map(|h| h.0).collect();
        verify_inclusion(
            self.leaf_index,
            self.checkpoint.size,
            &self.leaf_hash.0,
            &path,
            &self.checkpoint.root,
        )
    }

    /// True if the receipt's leaf is exactly this ballot.
    pub fn matches_ballot(&self, ballot: &Ballot) -> bool {
        ballot.tracking_code() == self.tracking_code
            && leaf_hash(&BoardMessage::Ballot(ballot.clone()).to_leaf()) == self.leaf_hash.0
    }
}
