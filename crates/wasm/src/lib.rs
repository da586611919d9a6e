//! The Psephos voter client, compiled to WebAssembly for the pages in
//! `web/`: it checks the election it is given, reads the voter's secret
//! credential from the voting link, encrypts, proves and signs ballots,
//! produces and checks Benaloh audits, and verifies receipts, checkpoints
//! and consistency proofs, all with the same Rust code as the server and the
//! verifier (`psephos-election`). Randomness comes from
//! `crypto.getRandomValues` (getrandom's `js` backend); nothing is drawn
//! from the server. Build it with `scripts/build-web.sh`.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// The JavaScript interface (wasm-bindgen wrappers of [`client`]).
pub mod bindings;
/// What the pages ask of the device, in plain Rust (tested natively).
pub mod client;
/// Errors with stable codes for the pages' message catalogue.
pub mod error;
