//! Error types of the cryptographic core.
//!
//! Verification failures are deliberately opaque ([`ProofError`]): a proof is
//! either valid for its statement or it is not, and callers (the verifier)
//! attach their own check identifiers. Decoding errors are precise, because
//! they describe untrusted input that a human may have to fix.

use thiserror::Error;

/// A byte or text encoding that is not a valid wire value (spec/crypto.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodingError {
    /// The input had the wrong number of bytes.
    #[error("expected {expected} bytes, found {found}")]
    WrongLength {
        /// Bytes the encoding requires.
        expected: usize,
        /// Bytes that were supplied.
        found: usize,
    },
    /// Hex text contained a character other than `0-9a-f` (uppercase is rejected).
    #[error("not lowercase hexadecimal")]
    InvalidHex,
    /// A scalar encoding was not reduced modulo the group order ℓ.
    #[error("scalar is not canonical (not reduced modulo the group order)")]
    NonCanonicalScalar,
    /// A point encoding was not a canonical ristretto255 encoding.
    #[error("not a canonical ristretto255 point encoding")]
    InvalidPoint,
    /// The identity element appeared where the spec forbids it.
    #[error("the identity point is not allowed here")]
    IdentityPoint,
}

/// A zero-knowledge proof did not verify for the statement it was checked against.
///
/// Intentionally carries no detail: the statement is public, so callers know
/// what was being checked, and a reason string would invite oracles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("proof verification failed")]
pub struct ProofError;

/// A batch of proofs did not verify; `failed` lists the indices of every bad proof.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{} of {total} proofs failed verification (first at index {})", failed.len(), failed.first().copied().unwrap_or(0))]
pub struct BatchError {
    /// Indices (into the batch) of the proofs that fail on their own.
    pub failed: Vec<usize>,
    /// Number of proofs in the batch.
    pub total: usize,
}

/// Errors of the prover side: the witness does not satisfy the statement.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProverError {
    /// The plaintext is not one of the values the proof allows.
    #[error("the plaintext is not in the allowed set of values")]
    ValueNotAllowed,
    /// The statement is malformed (for example an empty or oversized set of values).
    #[error("invalid statement: {0}")]
    InvalidStatement(&'static str),
}

/// Errors of the discrete-logarithm solver.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DlogError {
    /// The point is not `m·G` for any `0 ≤ m ≤ max`.
    #[error("plaintext is outside the range 0..={max}")]
    OutOfRange {
        /// The largest value the table searches.
        max: u64,
    },
}

/// Errors of threshold parameters, key generation and threshold decryption.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ThresholdError {
    /// `t` and `n` do not satisfy `1 ≤ t ≤ n ≤ 255`.
    #[error("invalid threshold parameters: need 1 <= t <= n <= 255, got t = {t}, n = {n}")]
    InvalidParameters {
        /// Threshold.
        t: u32,
        /// Number of trustees.
        n: u32,
    },
    /// A trustee index is outside `1..=n`.
    #[error("trustee index {index} is outside 1..={n}")]
    IndexOutOfRange {
        /// The offending index.
        index: u32,
        /// Number of trustees.
        n: u32,
    },
    /// The same trustee index appears twice.
    #[error("trustee index {0} appears more than once")]
    DuplicateIndex(u32),
    /// Fewer than `t` usable shares or trustees.
    #[error("need at least {needed} trustees, have {available}")]
    NotEnoughTrustees {
        /// Required number (the threshold).
        needed: usize,
        /// Number available.
        available: usize,
    },
    /// The roster of trustee keys does not have `n` entries.
    #[error("roster has {found} trustee keys, expected {expected}")]
    RosterSize {
        /// Expected number of keys (`n`).
        expected: usize,
        /// Number supplied.
        found: usize,
    },
    /// A message from a dealer is structurally invalid; the dealer is disqualified.
    #[error("message from trustee {dealer} is malformed: {reason}")]
    MalformedMessage {
        /// The dealer's index.
        dealer: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// A message was attributed to one trustee but supplied for another.
    #[error("message sender {found} does not match expected trustee {expected}")]
    WrongSender {
        /// Index that was expected.
        expected: u32,
        /// Index found in the message.
        found: u32,
    },
    /// A qualified dealer's share for this trustee was never verified.
    #[error("no verified share from qualified dealer {0}")]
    MissingShare(u32),
    /// The computed secret share does not match its public verification key.
    #[error("secret share does not match the public verification key")]
    ShareMismatch,
    /// The joint public key came out as the identity (needs every dealer to collude).
    #[error("joint public key is the identity")]
    IdentityKey,
    /// This trustee was itself disqualified by the public resolution.
    #[error("this trustee was disqualified: {0}")]
    SelfDisqualified(String),
    /// The dealer messages differ from those this trustee checked in the
    /// previous round (the board changed them).
    #[error("dealer {0}'s message differs from the one checked earlier")]
    MessageChanged(u32),
    /// The message list given back to this trustee does not contain its own
    /// dealing, or contains a different one.
    #[error("own dealing is missing or altered on the board")]
    OwnMessageAltered,
}
