//! Fingerprints that bind proofs and signatures to one election
//! (spec/record.md §5). Each is `SHA-256(domain || LE64(len(x)) || x || …)`.

use psephos_crypto::context::Fingerprint;
use psephos_crypto::elgamal::PublicKey;
use sha2::{Digest, Sha256};

/// Domain of [`enrolment_fingerprint`].
pub const ENROLMENT_DOMAIN: &[u8] = b"psephos/v1/fingerprint/trustee-enrolment";
/// Domain of [`ceremony_fingerprint`].
pub const CEREMONY_DOMAIN: &[u8] = b"psephos/v1/fingerprint/key-ceremony";
/// Domain of [`election_fingerprint`].
pub const ELECTION_DOMAIN: &[u8] = b"psephos/v1/fingerprint/election";

fn framed(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// Binds trustees' proofs of possession of their long-term keys, made
/// before the manifest exists, to the election id.
pub fn enrolment_fingerprint(election_id: &str) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(ENROLMENT_DOMAIN);
    framed(&mut h, election_id.as_bytes());
    Fingerprint::from_bytes(h.finalize().into())
}

/// Binds the key ceremony to the manifest (leaf 0's exact bytes).
pub fn ceremony_fingerprint(manifest_leaf: &[u8]) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(CEREMONY_DOMAIN);
    framed(&mut h, manifest_leaf);
    Fingerprint::from_bytes(h.finalize().into())
}

/// The election fingerprint: manifest leaf bytes and joint key. Every
/// ballot proof, decryption proof and ballot names it.
pub fn election_fingerprint(manifest_leaf: &[u8], joint_key: &PublicKey) -> Fingerprint {
    let mut h = Sha256::new();
    h.update(ELECTION_DOMAIN);
    framed(&mut h, manifest_leaf);
    framed(&mut h, joint_key.point().as_bytes());
    Fingerprint::from_bytes(h.finalize().into())
}
