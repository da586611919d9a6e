//! The server's integration tests. The store test suite runs on both
//! backends: each test in `suite` runs once on a fresh SQLite file and once
//! on a fresh PostgreSQL schema (at `PSEPHOS_TEST_POSTGRES`, by default the
//! local server; unreachable is a failure, not a skip). `api` drives every
//! HTTP endpoint through the router against a fresh store per test, and
//! checks the OpenAPI description against the routes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod common;
mod suite;

/// Instantiates each suite test for both stores.
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let fixture = crate::common::SqliteFixture::new().await;
                    crate::suite::$test(&fixture).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let fixture = crate::common::PostgresFixture::new().await;
                    crate::suite::$test(&fixture).await;
                }
            )*
        }
    };
}

on_both_stores!(
    append_and_read_back,
    roots_and_proofs_match_the_merkle_tree,
    ballot_append_is_idempotent,
    revote_reports_what_it_supersedes,
    concurrent_appends_are_dense,
    two_stores_append_concurrently,
    appends_survive_reopening,
    migrations_are_idempotent_and_refuse_a_newer_schema,
    checkpoints_are_stored_and_checked,
    record_streams_byte_for_byte,
    long_logs_are_paged,
    ballot_batches_go_in_one_transaction,
    guarded_appends_check_phase_and_size_under_the_lock,
    concurrent_guarded_appends_at_one_size_admit_one,
    kinds_voters_and_turnout_are_reported,
    settings_and_rolls_are_kept,
);
