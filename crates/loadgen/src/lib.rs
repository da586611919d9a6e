//! Psephos load generator and end-to-end harness: sets up a real election
//! on a running `psephos serve` over its HTTP API, casts pre-generated
//! ballots from concurrent clients, then tallies, downloads the record,
//! verifies it and audits the board against every receipt it gave. The
//! `psephos-loadgen` binary measures throughput and latency with it; the
//! crash-safety and scale-out tests drive it against server processes
//! they kill and restart.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Pre-generating signed ballots.
pub mod ballots;
/// The load generator's errors.
pub mod error;
/// Close, tally, decrypt, publish; the record verified and audited.
pub mod finish;
/// The HTTP client.
pub mod http;
/// Casting: concurrent clients, open or closed loop; casting until acknowledged.
pub mod load;
/// Setting up and opening an election over HTTP.
pub mod setup;
/// Latency percentiles.
pub mod stats;

pub use error::LoadgenError;
pub use http::Client;
