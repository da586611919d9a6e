//! The `psephos` command's library: a whole election simulated in one
//! process, and (in later modules) the service and credential authority.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// `psephos demo`: the service with a sample election on one machine.
pub mod demo;
/// The default election manifest of the simulation.
pub mod scenario;
/// `psephos serve` and `psephos admin init`.
pub mod service;
/// A complete election in one process.
pub mod simulate;
