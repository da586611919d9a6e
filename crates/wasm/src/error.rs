//! Why the client refused an input.
//!
//! Every error has a stable [`ClientError::code`]: the pages look the code
//! up in their message catalogue (English, French) to tell the voter what
//! happened and what to do; the `Display` text is the detail, for the
//! browser console and bug reports.

use psephos_election::error::{BallotError, ChoiceError, LogError, ManifestError};
use thiserror::Error;

/// An input the client cannot use, or a check that failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClientError {
    /// The input is not JSON of the expected shape, or a value in it does
    /// not decode (hex, point, scalar, key).
    #[error("{what} is not well formed: {reason}")]
    Malformed {
        /// What was being read ("election", "receipt", ...).
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The manifest fails validation (spec/record.md §4.4).
    #[error("the manifest is not valid: {0}")]
    Manifest(String),
    /// The manifest the server sent does not re-encode to the leaf hash it
    /// claims for leaf 0, or names another election.
    #[error("the manifest does not match the board's leaf 0")]
    ManifestMismatch,
    /// The published election key's fingerprint is not the one computed
    /// from the manifest leaf and the joint key.
    #[error("the election key's fingerprint does not match the manifest")]
    ElectionKeyMismatch,
    /// The server's board key differs from the manifest's.
    #[error("the board key differs from the manifest's board_key")]
    BoardKeyMismatch,
    /// The key ceremony has not finished: nothing can be encrypted yet.
    #[error("the election has no election key yet")]
    NoElectionKey,
    /// The voting link (or its fragment) does not parse.
    #[error("the voting link is incomplete or damaged")]
    BadLink,
    /// The voting link is for another election than the one loaded.
    #[error("the voting link is for election `{link}`, not `{election}`")]
    OtherElection {
        /// The link's election id.
        link: String,
        /// The loaded election's id.
        election: String,
    },
    /// The choices do not fit the ballot style.
    #[error("the choices do not fit the ballot: {0}")]
    Choices(String),
    /// A ballot fails a check (structure, signature, proof).
    #[error("the ballot does not verify: {0}")]
    Ballot(String),
    /// A Benaloh audit fails a check.
    #[error("the audit does not verify: {0}")]
    Audit(String),
    /// A receipt is for another election, or its checkpoint or inclusion
    /// proof does not verify.
    #[error("the receipt does not verify: {0}")]
    Receipt(String),
    /// A checkpoint is for another log or its signature does not verify.
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
    /// Two checkpoints are not consistent: the board rewrote its log.
    #[error("the board's log is not consistent with the earlier checkpoint: {0}")]
    Inconsistent(String),
    /// A draft is cast or audited with another voter's credential.
    #[error("the ballot was encrypted for another credential")]
    OtherVoter,
}

impl ClientError {
    /// The stable identifier the pages translate.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Malformed { .. } => "malformed",
            ClientError::Manifest(_) => "manifest-invalid",
            ClientError::ManifestMismatch => "manifest-mismatch",
            ClientError::ElectionKeyMismatch => "election-key-mismatch",
            ClientError::BoardKeyMismatch => "board-key-mismatch",
            ClientError::NoElectionKey => "no-election-key",
            ClientError::BadLink => "bad-link",
            ClientError::OtherElection { .. } => "other-election",
            ClientError::Choices(_) => "bad-choices",
            ClientError::Ballot(_) => "bad-ballot",
            ClientError::Audit(_) => "bad-audit",
            ClientError::Receipt(_) => "bad-receipt",
            ClientError::Checkpoint(_) => "bad-checkpoint",
            ClientError::Inconsistent(_) => "inconsistent-log",
            ClientError::OtherVoter => "other-voter",
        }
    }

    pub(crate) fn malformed(what: &'static str, error: impl ToString) -> Self {
        ClientError::Malformed {
            what,
            reason: error.to_string(),
        }
    }
}

impl From<ManifestError> for ClientError {
    fn from(e: ManifestError) -> Self {
        ClientError::Manifest(e.to_string())
    }
}

impl From<ChoiceError> for ClientError {
    fn from(e: ChoiceError) -> Self {
        ClientError::Choices(e.to_string())
    }
}

impl From<BallotError> for ClientError {
    fn from(e: BallotError) -> Self {
        ClientError::Ballot(e.to_string())
    }
}

impl From<LogError> for ClientError {
    fn from(e: LogError) -> Self {
        ClientError::Receipt(e.to_string())
    }
}
