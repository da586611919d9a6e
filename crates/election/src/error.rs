//! Error types of the election layer. Every variant names what was wrong
//! precisely enough to show to the person who supplied the input.

use thiserror::Error;

/// A value could not be put in canonical JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CanonicalError {
    /// A number that is not an integer of magnitude below 2⁵³.
    #[error("canonical JSON supports only integers below 2^53")]
    UnsupportedNumber,
    /// The value could not be serialised.
    #[error("cannot serialise: {0}")]
    Serialize(String),
}

/// A manifest that is not a valid election definition.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("manifest field `{field}`: {reason}")]
pub struct ManifestError {
    /// JSON path of the offending field, e.g. `questions[3].max`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ManifestError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ManifestError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A voter's choices that do not fit the ballot style, or a ballot that
/// cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChoiceError {
    /// The style does not exist.
    #[error("unknown ballot style `{0}`")]
    UnknownStyle(String),
    /// The number of answers differs from the style's number of questions.
    #[error("expected answers to {expected} questions, got {found}")]
    AnswerCount {
        /// Questions in the style.
        expected: usize,
        /// Answers supplied.
        found: usize,
    },
    /// An answer violates its question's rule.
    #[error("question `{question}`: {reason}")]
    Invalid {
        /// Question id.
        question: String,
        /// What is wrong.
        reason: String,
    },
}

/// Why a ballot is not valid for an election (spec/verify.md lists the
/// corresponding check ids).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BallotError {
    /// The ballot names another election fingerprint.
    #[error("ballot is for another election")]
    WrongElection,
    /// The ballot's credential is not on the published list.
    #[error("credential is not on the credential list")]
    UnknownCredential,
    /// The ballot style differs from the credential's ballot style.
    #[error("ballot style `{found}` differs from the credential's style `{expected}`")]
    WrongStyle {
        /// The credential's style.
        expected: String,
        /// The ballot's style.
        found: String,
    },
    /// The answers do not match the style's questions.
    #[error("ballot structure: {0}")]
    Structure(String),
    /// The credential's signature does not verify.
    #[error("signature does not verify under the ballot's credential")]
    BadSignature,
    /// The credential bytes are not a valid ed25519 key.
    #[error("credential is not a valid ed25519 public key")]
    BadCredential,
    /// A selection's 0/1 proof fails.
    #[error("question {question} option {option}: selection proof fails")]
    SelectionProof {
        /// Question index in the style.
        question: usize,
        /// Option index.
        option: usize,
    },
    /// A question's sum proof fails.
    #[error("question {question}: sum proof fails")]
    SumProof {
        /// Question index in the style.
        question: usize,
    },
}

/// Errors reading or checking credentials and voting links.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CredentialError {
    /// The secret credential is not 32 base32 characters.
    #[error("secret credential must be 32 base32 characters")]
    Malformed,
    /// The voting link has no `#election.credential` fragment.
    #[error("voting link has no valid `#<election>.<credential>` fragment")]
    BadLink,
    /// The credential list's authority signature does not verify.
    #[error("credential list signature does not verify under the credential authority key")]
    BadListSignature,
    /// The list is not sorted by credential, or repeats one.
    #[error("credential list must be sorted by credential without duplicates")]
    Unsorted,
    /// A public credential is not a valid, canonical, non-weak ed25519 key.
    #[error("credential {0} is not a valid ed25519 public key")]
    InvalidKey(String),
    /// A credential names a style the manifest lacks.
    #[error("credential names unknown ballot style `{0}`")]
    UnknownStyle(String),
    /// Canonical encoding failed.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

/// Errors of the transparency log and its proofs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LogError {
    /// An index or size is outside the tree.
    #[error("index {index} is outside a tree of size {size}")]
    OutOfRange {
        /// Requested index or size.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// An inclusion or consistency proof does not verify.
    #[error("{0} proof does not verify")]
    BadProof(&'static str),
    /// A checkpoint's signature does not verify under the board key.
    #[error("checkpoint signature does not verify under the board key")]
    BadCheckpointSignature,
}

/// Errors reading an election record.
#[derive(Debug, Error)]
pub enum RecordError {
    /// Reading the underlying stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The first line is not a record header.
    #[error("line 1: not a psephos election record header")]
    BadHeader,
    /// A line is not valid JSON of the expected shape.
    #[error("line {line} (leaf {leaf}): {reason}")]
    BadLeaf {
        /// 1-based line number in the file.
        line: u64,
        /// 0-based leaf index.
        leaf: u64,
        /// Parser message.
        reason: String,
    },
    /// The file ends without the final checkpoint line.
    #[error(
        "record is truncated: no final checkpoint after {leaves} leaves (byte offset {offset})"
    )]
    Truncated {
        /// Leaves read.
        leaves: u64,
        /// Byte offset where the file ended.
        offset: u64,
    },
    /// Data follows the final checkpoint.
    #[error("line {0}: data after the final checkpoint")]
    TrailingData(u64),
}
