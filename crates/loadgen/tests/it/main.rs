//! End-to-end tests against real `psephos serve` processes: crash safety
//! under SIGKILL on SQLite and PostgreSQL, and two processes on one
//! PostgreSQL schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod crash;
mod scale_out;

use std::time::Duration;

use psephos_loadgen::setup::ElectionSpec;

/// A small election: one referendum question and one "choose one of
/// three", three trustees of whom two decrypt.
pub fn small_election(id: &str, voters: usize) -> ElectionSpec {
    ElectionSpec {
        election_id: id.to_string(),
        proposals: 1,
        candidates: 3,
        trustees: 3,
        threshold: 2,
        voters,
        window: Duration::from_secs(3600),
    }
}
