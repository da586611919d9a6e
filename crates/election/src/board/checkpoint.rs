//! Signed checkpoints: the board's commitment to the log's first `size`
//! leaves (spec/record.md §8.3). Signed bytes:
//! `domain || LE32(len(log_id)) || log_id || LE64(size) || root`.

use ed25519_dalek::SigningKey;
use psephos_crypto::encoding::bytes_hex;
use serde::{Deserialize, Serialize};

use crate::error::LogError;
use crate::signing::{domain, sign, PublicSigningKey, SignatureBytes};

use super::merkle::Hash;

/// A checkpoint signed by the board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCheckpoint {
    /// The log's identity: the election id.
    pub log_id: String,
    /// Number of leaves covered.
    pub size: u64,
    /// Merkle root of those leaves.
    #[serde(with = "bytes_hex")]
    pub root: Hash,
    /// The board's signature.
    pub signature: SignatureBytes,
}

fn signed_bytes(log_id: &str, size: u64, root: &Hash) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + log_id.len() + 8 + 32);
    out.extend_from_slice(&(log_id.len() as u32).to_le_bytes());
    out.extend_from_slice(log_id.as_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(root);
    out
}

impl SignedCheckpoint {
    /// Signs a checkpoint.
    pub fn sign(log_id: &str, size: u64, root: Hash, key: &SigningKey) -> Self {
        SignedCheckpoint {
            log_id: log_id.to_string(),
            size,
            root,
            signature: sign(key, domain::CHECKPOINT, &signed_bytes(log_id, size, &root)),
        }
    }

    /// Checks the signature under the board key.
    pub fn verify(&self, board_key: &PublicSigningKey) -> Result<(), LogError> {
        if board_key.verify(
            domain::CHECKPOINT,
            &signed_bytes(&self.log_id, self.size, &self.root),
            &self.signature,
        ) {
            Ok(())
        } else {
            Err(LogError::BadCheckpointSignature)
        }
    }
}
