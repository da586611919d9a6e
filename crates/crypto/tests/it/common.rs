//! Shared fixtures.

use psephos_crypto::context::{BallotContext, BallotPosition, CredentialKey, Fingerprint};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn fingerprint(tag: u8) -> Fingerprint {
    Fingerprint::from_bytes([tag; 32])
}

pub fn context(tag: u8, voter: u8, question: u32, option: Option<u32>) -> BallotContext {
    BallotContext {
        fingerprint: fingerprint(tag),
        credential: CredentialKey::from_bytes([voter; 32]),
        position: BallotPosition { question, option },
    }
}
