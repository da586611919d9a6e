//! Integration tests of the cryptographic core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod smoke;
