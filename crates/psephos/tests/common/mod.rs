//! Helpers of the psephos integration tests.

pub mod smtp_sink;
