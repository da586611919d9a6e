//! The store's errors: what the caller did wrong (an unknown election, an
//! index past the end), what the database said, and what the database
//! holds that it never should.

use psephos_election::ballot::TrackingCode;
use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// No election log with this id exists on this server.
    #[error("unknown election {0:?}")]
    UnknownElection(String),
    /// Creating an election log whose id is already taken.
    #[error("election {0:?} already exists")]
    ElectionExists(String),
    /// A leaf index or tree size beyond the log (for proofs: `index` is
    /// the requested index or size, `size` the size it must stay below or
    /// within).
    #[error("index {index} is outside a log of size {size}")]
    OutOfRange {
        /// The requested index or size.
        index: u64,
        /// The size it was checked against.
        size: u64,
    },
    /// A leaf the election record could not carry (it contains a newline,
    /// or begins like the record's final checkpoint).
    #[error("leaf refused: {0}")]
    InvalidLeaf(String),
    /// A ballot whose tracking code is already in the log with different
    /// leaf bytes (the same ballot content under another signature).
    #[error(
        "tracking code {tracking_code} is already in the log at leaf {index} with other bytes"
    )]
    TrackingCodeConflict {
        /// The tracking code.
        tracking_code: TrackingCode,
        /// Where the stored ballot is.
        index: u64,
    },
    /// A checkpoint that does not describe this log: its size is past the
    /// end, or its root is not the log's root at that size.
    #[error("checkpoint of size {size} does not match the log of election {election:?}")]
    CheckpointMismatch {
        /// The checkpoint's log id.
        election: String,
        /// The checkpoint's size.
        size: u64,
    },
    /// A guarded append or roll import refused: the log's phase or size is
    /// not what the guard requires (spec/api.md §1.2).
    #[error("the log is in phase {phase} at size {size}, which refuses this")]
    Refused {
        /// The log's phase.
        phase: String,
        /// The log's size.
        size: u64,
    },
    /// The database was written by a newer version of this program.
    #[error("database schema version {found} is newer than this program knows ({known})")]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this program knows.
        known: i64,
    },
    /// Writing a record to its output failed.
    #[error("writing the record: {0}")]
    Io(#[from] std::io::Error),
    /// The database failed (connection, I/O, constraint, configuration).
    #[error("database: {0}")]
    Database(String),
    /// The database holds something the store never writes: a gap in the
    /// leaf indices, a missing tree node, a hash of the wrong length.
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// An error and its sources, as one line.
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The `Display` of a server error is only "db error"; its message
        // and detail are in the source.
        StoreError::Database(with_sources(&e))
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Database(with_sources(&e))
    }
}
