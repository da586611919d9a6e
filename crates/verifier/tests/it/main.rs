//! Integration tests of the verifier: a small election is simulated once
//! per test binary, then tampered with, truncated, garbled and checked
//! against receipts; a frozen record and must-fail vectors are verified
//! from disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod cli;
mod common;
mod frozen;
mod receipts;
mod simulated;
mod tamper;
