//! The Psephos verifier: re-checks an election record from end to end
//! without trusting the organisation, the server or the trustees. The
//! checks are numbered as in `spec/verify.md`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Checking ballots and audits in parallel groups.
mod ballots;
/// The numbered checks.
pub mod checks;
/// The report.
pub mod report;
/// The streaming verification driver.
pub mod verify;

pub use checks::Check;
pub use report::{Report, Status};
pub use verify::{verify_file, ReceiptCheck, VerifyOptions};
