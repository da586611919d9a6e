//! Non-interactive zero-knowledge proofs (spec/crypto.md §6), all
//! Fiat–Shamir over merlin transcripts that absorb the protocol label, the
//! fingerprint, the full statement and (for ballots) the voter's credential
//! and position before any commitment.
//!
//! Every proof kind has `prove_with_rng`, `verify`, and `verify_batch`,
//! which checks many proofs with one multiscalar multiplication and, if the
//! batch fails, names each bad proof.

pub(crate) mod batch;
pub mod decryption;
pub mod disjunctive;
pub mod possession;
pub mod randomness;
pub mod sigma;
