//! Integration tests of the credential authority: issuing credentials from
//! a roll, and mailing the links to a real SMTP server run by the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod generate;
mod invite;
