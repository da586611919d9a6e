//! The Psephos credential authority (spec/record.md §6): a party separate
//! from the voting server that draws each member's secret credential,
//! publishes the signed list of public credentials, and hands each member
//! their personal voting link by email. The server only ever receives the
//! public list; the secrets stay in the authority's private links file and
//! in each member's mailbox.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// Command-line surface: `credentials keygen|public-key|generate`, `invite send`.
pub mod cli;
/// Error type.
pub mod error;
/// Private files written atomically with owner-only permissions.
pub(crate) mod files;
/// Issuing credentials: the signed list and the private links file.
pub mod generate;
/// Mailing each member their link over SMTP, resumable.
pub mod invite;
/// The authority's ed25519 signing key and its key file.
pub mod keys;
/// The private file of personal voting links.
pub mod links;

pub use cli::{CredentialsCommand, InviteCommand, Report};
pub use error::AuthorityError;
