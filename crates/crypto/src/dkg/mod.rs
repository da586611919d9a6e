//! Pedersen's distributed key generation for `t`-of-`n` trustees
//! (spec/crypto.md §7).
//!
//! 1. **Deal** ([`Dealer::deal_with_rng`]): each trustee `i` picks a random
//!    polynomial `f_i` of degree `t−1`, publishes Feldman commitments
//!    `C_{i,k} = a_{i,k}·G` with proofs of possession, and each share
//!    `s_{ij} = f_i(j)` sealed to trustee `j`'s long-term key.
//! 2. **Check** ([`Dealt::receive`]): each trustee opens the shares
//!    addressed to it, checks `s_{ij}·G = Σ_k j^k·C_{i,k}`, and publishes its
//!    complaints (possibly none) with the revealed Diffie–Hellman value.
//! 3. **Resolve** ([`resolve`], run by everyone, including auditors): decide
//!    every complaint publicly, disqualify cheaters, and derive the joint key
//!    `K = Σ_{i∈QUAL} C_{i,0}` and each verification key
//!    `V_j = Σ_{i∈QUAL} Σ_k j^k·C_{i,k}`; each trustee then takes its key
//!    share `s_j = Σ_{i∈QUAL} s_{ij}` ([`Checked::finish`]).
//!
//! Each round consumes the previous state, so rounds cannot be skipped or
//! repeated.

mod ceremony;
mod keys;
mod messages;
mod polynomial;
mod resolve;
pub(crate) mod share_encryption;

pub use ceremony::{Checked, Dealer, Dealt};
pub use keys::TrusteeKeyPair;
pub use messages::{Complaint, ComplaintProof, ComplaintsMessage, DealerMessage, SealedShare};
pub use resolve::{resolve, Disqualification, DkgOutcome};
pub use share_encryption::SEALED_SHARE_LEN;
