//! The load generator's errors.

use thiserror::Error;

/// Why a step against the voting service failed.
#[derive(Debug, Error)]
pub enum LoadgenError {
    /// The request did not get an HTTP answer (connection refused or
    /// reset, timeout), or the answer was not what the Psephos API sends.
    #[error("{url}: {reason}")]
    Transport {
        /// The request's URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The server answered with an API error (spec/api.md §1.1).
    #[error("{what}: HTTP {status} {code}{}: {message}", field.as_ref().map(|f| format!(" (field {f})")).unwrap_or_default())]
    Api {
        /// The request, for people.
        what: String,
        /// The HTTP status.
        status: u16,
        /// The error code.
        code: String,
        /// The offending field, if any.
        field: Option<String>,
        /// The server's message.
        message: String,
    },
    /// The protocol could not be run locally (a key ceremony step, an
    /// encryption, a configuration that makes no election).
    #[error("{step}: {reason}")]
    Protocol {
        /// The step.
        step: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The server's board or record does not hold what it acknowledged:
    /// a receipt that does not verify, a lost or duplicated leaf, a
    /// record that fails verification, a result that differs from the
    /// ballots cast.
    #[error("the board misbehaved: {0}")]
    Board(String),
    /// Reading or writing a local file failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl LoadgenError {
    /// A protocol step's failure.
    pub(crate) fn protocol(step: &'static str) -> impl Fn(String) -> LoadgenError {
        move |reason| LoadgenError::Protocol { step, reason }
    }

    /// Whether trying the same request again may succeed: no HTTP answer,
    /// or a 5xx (the server restarting, or its store away).
    pub fn is_retryable(&self) -> bool {
        match self {
            LoadgenError::Transport { .. } => true,
            LoadgenError::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }
}
