//! An in-process bulletin board: appends leaves to a Merkle tree, streams
//! them into an election record, and signs checkpoints. The voting service
//! keeps the same log in its database; both produce the same record.

use std::io::{self, Write};

use ed25519_dalek::SigningKey;

use crate::error::LogError;
use crate::record::RecordWriter;

use super::checkpoint::SignedCheckpoint;
use super::merkle::{leaf_hash, Hash, MerkleTree};
use super::messages::BoardMessage;

/// An append-only log that writes its record as it goes.
pub struct Board<W: Write> {
    log_id: String,
    key: SigningKey,
    tree: MerkleTree,
    record: RecordWriter<W>,
}

impl<W: Write> Board<W> {
    /// A new, empty board for election `log_id`, writing its record to `out`.
    pub fn new(log_id: &str, key: SigningKey, out: W) -> io::Result<Self> {
        Ok(Board {
            log_id: log_id.to_string(),
            key,
            tree: MerkleTree::new(),
            record: RecordWriter::new(out)?,
        })
    }

    /// Appends a message; returns its leaf index.
    pub fn append(&mut self, message: &BoardMessage) -> io::Result<u64> {
        self.append_leaf(&message.to_leaf())
    }

    /// Appends raw leaf bytes (tests use this to publish malformed leaves).
    pub fn append_leaf(&mut self, leaf: &[u8]) -> io::Result<u64> {
        self.record.write_leaf(leaf)?;
        Ok(self.tree.push(leaf_hash(leaf)))
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.tree.size()
    }

    /// The tree, for proofs.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The hash of a leaf.
    pub fn leaf_hash(&self, index: u64) -> Option<Hash> {
        self.tree.leaf(index)
    }

    /// A signed checkpoint of the current tree.
    pub fn checkpoint(&self) -> SignedCheckpoint {
        SignedCheckpoint::sign(&self.log_id, self.tree.size(), self.tree.root(), &self.key)
    }

    /// Audit path of `index` under a checkpoint of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        self.tree.inclusion_proof(index, size)
    }

    /// Writes the final checkpoint and returns it with the output stream.
    pub fn finish(self) -> io::Result<(SignedCheckpoint, W)> {
        let checkpoint = self.checkpoint();
        let out = self.record.finish(&checkpoint)?;
        Ok((checkpoint, out))
    }
}
