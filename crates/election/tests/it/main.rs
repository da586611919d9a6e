//! Integration tests of the election layer: one binary, one module per area.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod ballots;
mod canonical;
mod common;
mod credentials;
mod manifest;
mod receipt_email;
mod record_and_board;
mod tally;
