//! Psephos elections: everything between the cryptographic core and the
//! programs that run an election. Normative formats: `spec/record.md`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Encrypted ballots, tracking codes, signatures.
pub mod ballot;
/// The bulletin board: Merkle log, checkpoints, message types.
pub mod board;
/// Canonical JSON (RFC 8785) for signed messages.
pub mod canonical;
/// Voter credentials, the credential list, voting links.
pub mod credentials;
/// A validated election: manifest, key, fingerprints, layouts.
pub mod election;
/// Error types.
pub mod error;
/// Fingerprints that bind proofs to an election.
pub mod fingerprint;
/// The election manifest.
pub mod manifest;
/// Voter receipts.
pub mod receipt;
pub mod receipt_email;
/// The election record file.
pub mod record;
/// The member roll: CSV parsing with per-row errors.
pub mod roll;
/// Ed25519 wire types and signature domains.
pub mod signing;
/// Homomorphic tally and result.
pub mod tally;
/// The voter's side: encrypting, casting, Benaloh audits.
pub mod voter;
