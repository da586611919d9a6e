//! The trustee tool's errors: each variant says when it fires, and its
//! message says what the trustee should do about it.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can stop a trustee command.
#[derive(Debug, Error)]
pub enum TrusteeError {
    /// Reading or writing a local file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A key or state file's tag did not verify: the passphrase is wrong,
    /// or a byte of the file changed.
    #[error("{path}: wrong passphrase or corrupt key file")]
    WrongPassphrase {
        /// The file.
        path: PathBuf,
    },

    /// A key or state file is not in the expected format (wrong magic,
    /// unknown version, truncated, unreasonable parameters).
    #[error("{path}: not a usable psephos-trustee {expected} file: {reason}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// `key` or `state`.
        expected: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// A file the command would create already exists.
    #[error("{0} already exists; refusing to overwrite it (move it away first if you really mean to replace it)")]
    Exists(PathBuf),

    /// The key file, state file or command line name another election or
    /// another trustee than the one at hand.
    #[error("{0}")]
    Mismatch(String),

    /// The passphrase was refused before use (empty, or the two entries differ).
    #[error("{0}")]
    Passphrase(String),

    /// The server could not be reached or answered something that is not
    /// the API (wrong address, not a Psephos server).
    #[error("cannot talk to the server at {url}: {reason}")]
    Transport {
        /// The request's address.
        url: String,
        /// What went wrong.
        reason: String,
    },

    /// The server answered with an API error (`{"error": {…}}`).
    #[error("the server refused {what}: {message} (HTTP {status}, code `{code}`{field})", field = field.as_deref().map(|f| format!(", field `{f}`")).unwrap_or_default())]
    Api {
        /// What was asked.
        what: String,
        /// HTTP status.
        status: u16,
        /// The API error code (`conflict`, `invalid`, …).
        code: String,
        /// The field it names, if any.
        field: Option<String>,
        /// The server's message.
        message: String,
    },

    /// The board signed two checkpoints that are not consistent, or served
    /// leaves that its checkpoint does not cover: it rewrote history.
    #[error("the board rewrote history: {0}. Nothing was posted. Keep your state file: it holds the earlier signed checkpoint, which is evidence. Tell the other trustees and the organisers.")]
    HistoryRewritten(String),

    /// The board served something malformed or not signed as it must be
    /// (a bad checkpoint signature, a trustee message with a bad signature,
    /// leaves out of order).
    #[error("the board is misbehaving: {0}. Nothing was posted.")]
    BoardMisbehaved(String),

    /// The step cannot run yet, or not any more, in the election's phase.
    #[error("{0}")]
    NotYet(String),

    /// The key ceremony failed for this trustee (its own dealing altered,
    /// disqualified, its share does not match the published keys).
    #[error("key ceremony: {0}")]
    Ceremony(String),

    /// The board's `election-key` leaf differs from this trustee's own
    /// resolution of the ceremony.
    #[error("the board's election key differs from your own computation: {0}. Do not let voting start; tell the other trustees and the organisers.")]
    ElectionKeyMismatch(String),

    /// The tally on the board is not the sum of the last valid ballot of
    /// every credential on the board: decrypting it could reveal votes.
    #[error("refusing to decrypt: the tally on the board does not match the ballots on the board ({0}). Nothing was posted. Tell the other trustees and the organisers.")]
    TallyMismatch(String),

    /// The board holds a ballot or audit that a valid record cannot hold.
    #[error("refusing to decrypt: {0}. Nothing was posted.")]
    InvalidBallot(String),

    /// Waiting for other trustees ran out of time.
    #[error("gave up waiting after {waited}: {waiting_for}. Nothing conflicting was posted; run the same command again to resume.")]
    Timeout {
        /// How long it waited.
        waited: String,
        /// What it was waiting for.
        waiting_for: String,
    },
}

impl TrusteeError {
    /// Whether the error is a detected protocol violation (exit code 1)
    /// rather than a usage, file or network problem (exit code 2).
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            TrusteeError::HistoryRewritten(_)
                | TrusteeError::BoardMisbehaved(_)
                | TrusteeError::Ceremony(_)
                | TrusteeError::ElectionKeyMismatch(_)
                | TrusteeError::TallyMismatch(_)
                | TrusteeError::InvalidBallot(_)
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> TrusteeError {
        let path = path.into();
        move |source| TrusteeError::Io { path, source }
    }
}
