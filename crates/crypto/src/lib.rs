//! Psephos cryptographic core: the normative protocol is `spec/crypto.md`.
//!
//! Everything is over ristretto255 (RFC 9496) with curve25519-dalek; every
//! proof is a merlin transcript. No I/O, no async, no `unsafe`; builds for
//! `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Ballot context and fingerprints that proofs are bound to.
pub mod context;
/// Pedersen distributed key generation for `t`-of-`n` trustees.
pub mod dkg;
/// Bounded discrete logarithms (baby-step giant-step) for decoding counts.
pub mod dlog;
/// Exponential ElGamal: keys, ciphertexts, homomorphic sums.
pub mod elgamal;
/// Checked wire types and their hex encodings.
pub mod encoding;
/// Error types.
pub mod error;
/// Zero-knowledge proofs and their batch verifiers.
pub mod proofs;
/// Secret scalars (zeroized, redacted).
pub mod secret;
/// Threshold parameters, partial decryption, Lagrange combination.
pub mod threshold;
/// All merlin transcript labels.
pub mod transcript;

pub use curve25519_dalek::ristretto::RistrettoPoint;
pub use curve25519_dalek::scalar::Scalar;
