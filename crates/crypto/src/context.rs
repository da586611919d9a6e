//! What a proof is bound to besides its statement (spec/crypto.md §3).
//!
//! Strong Fiat–Shamir: every transcript absorbs the election fingerprint,
//! and ballot proofs also absorb the voter's public credential and the
//! position of the ciphertext in the ballot, so that a proof cannot be
//! replayed in another election, by another voter, or in another place.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::encoding::{bytes_hex, to_hex};

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(#[serde(with = "bytes_hex")] [u8; 32]);

        impl $name {
            /// Wraps 32 bytes.
            pub const fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            /// The 32 bytes.
            pub const fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), to_hex(&self.0))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&to_hex(&self.0))
            }
        }
    };
}

hex_id!(
    /// A 32-byte digest that names one election (or one key ceremony): the
    /// election layer computes it over the canonical manifest and parameters
    /// (spec/record.md), and this crate absorbs it into every transcript.
    Fingerprint
);

hex_id!(
    /// A voter's public credential: the 32-byte encoding of the ed25519 key
    /// that signs the voter's ballots. This crate treats it as opaque bytes.
    CredentialKey
);

/// Where a ciphertext sits in a ballot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BallotPosition {
    /// Index of the question in the ballot style.
    pub question: u32,
    /// Index of the option within the question, or `None` for the proof
    /// about the question's sum.
    pub option: Option<u32>,
}

impl BallotPosition {
    /// Encoding of `option = None` in [`BallotPosition::to_bytes`].
    pub const SUM_SLOT: u32 = u32::MAX;

    /// The position of one option's ciphertext.
    pub const fn option(question: u32, option: u32) -> Self {
        BallotPosition {
            question,
            option: Some(option),
        }
    }

    /// The position of a question's sum.
    pub const fn sum(question: u32) -> Self {
        BallotPosition {
            question,
            option: None,
        }
    }

    /// False for `option = Some(0xffffffff)`, whose encoding would collide
    /// with the sum's; proofs at such a position are rejected.
    pub fn is_valid(&self) -> bool {
        self.option != Some(Self::SUM_SLOT)
    }

    /// `LE32(question) || LE32(option)`, with `0xffffffff` for the sum.
    pub fn to_bytes(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&self.question.to_le_bytes());
        let option = self.option.unwrap_or(Self::SUM_SLOT);
        out[4..].copy_from_slice(&option.to_le_bytes());
        out
    }
}

/// Everything a ballot proof is bound to besides its statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BallotContext {
    /// The election.
    pub fingerprint: Fingerprint,
    /// The voter's public credential.
    pub credential: CredentialKey,
    /// The ciphertext's place in the ballot.
    pub position: BallotPosition,
}
