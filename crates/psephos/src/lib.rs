//! The `psephos` command's library: a whole election simulated in one
//! process, and (in later modules) the service and credential authority.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// The default election manifest of the simulation.
pub mod scenario;
/// A complete election in one process.
pub mod simulate;
