//! The Psephos voting service (spec/api.md): an axum application over a
//! durable bulletin board on SQLite or PostgreSQL.
#![forbid(unsafe_code)]

/// The HTTP error type.
pub mod api_error;
/// The embedded pages (web/dist/).
pub mod assets;
/// Group commit of ballots and receipts.
pub mod committer;
/// Each election's cached immutable parts and the phases.
pub mod elections;
/// The store's errors.
pub mod error;
/// Our JSON extractor.
pub mod extract;
/// Checking the proofs of ballots cast together in one batch.
pub mod proof_batch;
/// Token-bucket rate limits.
pub mod ratelimit;
/// E-mailing receipts to voters who ask.
pub mod receipt_mail;
/// The router and the handlers.
pub mod routes;
/// Running the service: listener, backend, graceful shutdown.
pub mod serve;
/// Shared state and configuration.
pub mod state;
/// The durable bulletin board: the `Store` trait, SQLite and PostgreSQL.
pub mod store;
/// Page serving and the Content-Security-Policy.
pub mod web;

pub use routes::router;
pub use state::{AppState, ServerConfig};
