//! Integration tests of the cryptographic core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod batch;
mod common;
mod completeness;
mod context;
mod dkg;
mod encoding;
mod props;
mod smoke;
mod soundness;
mod whole_sets;
