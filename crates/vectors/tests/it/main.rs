//! Tests of the checked-in vectors in spec/vectors/.
//!
//! `regenerate` recomputes every generated file and compares bytes;
//! `independent` and `rfc9496` read the files as any other implementation
//! would, rebuild each statement from the JSON alone and check it with
//! `psephos-crypto` and curve25519-dalek, without calling the generator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;
mod fiat_shamir;
mod independent;
mod regenerate;
mod rfc9496;
