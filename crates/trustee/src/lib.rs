//! The Psephos trustee's tool: the key ceremony and the tally decryption,
//! one trustee at a time, over the voting service's HTTP API, trusting
//! neither the server nor the other trustees. The ceremony itself is
//! spec/crypto.md §7–§8; the board and its messages spec/record.md §8–§10;
//! the endpoints spec/api.md §3–§4.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// What the tool needs from the voting service, as a trait.
pub mod api;
/// Verified reads of the board: checkpoints, consistency, leaves, order.
pub mod board;
/// `decrypt`: recount, then post a partial decryption of the tally.
pub mod decrypt;
/// Error types.
pub mod error;
/// The voting service over HTTP.
pub mod http;
/// `keygen`: this trustee's part of the distributed key generation.
pub mod keygen;
/// The trustee's long-term keys and the key file.
pub mod keys;
/// Progress reporting.
pub mod progress;
/// Recomputing the encrypted tally from the ballots on the board.
pub mod recount;
/// Passphrase-sealed files (Argon2id + XChaCha20-Poly1305).
pub mod sealed;
/// What `keygen` and `decrypt` share.
pub mod session;
/// The ceremony state file: what was posted, the last checkpoint, the key share.
pub mod state;
/// `status`: where the ceremony stands.
pub mod status;

pub use error::TrusteeError;
