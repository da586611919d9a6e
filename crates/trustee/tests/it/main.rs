//! Integration tests of psephos-trustee: sealed files and resumable state,
//! verified board reads and the tally recount in process, and the whole
//! ceremony over a running voting service.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod board_checks;
mod ceremony;
mod cli;
mod common;
mod files;
