//! Encrypting a DKG share to its recipient (spec/crypto.md §7.3).
//!
//! Dealer `i` sends `s_{ij}` to trustee `j` (long-term key `P_j = x_j·G`):
//! ephemeral `E = e·G`, Diffie–Hellman value `S = e·P_j = x_j·E`, key
//! `k = KDF(fingerprint, i, j, P_j, E, S)` (a merlin transcript), and the
//! share's 32-byte encoding sealed with ChaCha20-Poly1305 under `k` and an
//! all-zero nonce (each key seals exactly one message).
//!
//! A complaint reveals `S` with a Chaum–Pedersen proof that
//! `log_G P_j = log_E S`, which lets anyone open exactly this one share
//! and decide who lied, without learning `x_j`.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::context::Fingerprint;
use crate::elgamal::mul_base;
use crate::encoding::{decode_scalar, Point};
use crate::secret::SecretScalar;
use crate::threshold::TrusteeIndex;
use crate::transcript::{field, protocol, TranscriptProtocol};

/// Length of a sealed share: 32-byte scalar plus 16-byte tag.
pub const SEALED_SHARE_LEN: usize = 48;

/// Who sends a share to whom, in which ceremony.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShareRoute<'a> {
    pub fingerprint: &'a Fingerprint,
    pub dealer: TrusteeIndex,
    pub recipient: TrusteeIndex,
    pub recipient_key: &'a Point,
}

fn derive_key(
    route: &ShareRoute<'_>,
    ephemeral: &Point,
    shared_secret: &Point,
) -> Zeroizing<[u8; 32]> {
    let mut t = Transcript::new(protocol::SHARE_KEY);
    t.append_fingerprint(route.fingerprint);
    t.append_u64(field::DEALER, u64::from(route.dealer.get()));
    t.append_u64(field::RECIPIENT, u64::from(route.recipient.get()));
    t.append_point(field::RECIPIENT_KEY, route.recipient_key);
    t.append_point(field::EPHEMERAL, ephemeral);
    t.append_point(field::SHARED_SECRET, shared_secret);
    let mut key = Zeroizing::new([0u8; 32]);
    t.challenge_bytes(field::KEY, key.as_mut());
    key
}

/// Seals `share` for the route's recipient; returns `(E, sealed)`.
pub(crate) fn seal<R: CryptoRngCore + ?Sized>(
    route: &ShareRoute<'_>,
    share: &Scalar,
    rng: &mut R,
) -> (Point, [u8; SEALED_SHARE_LEN]) {
    let e = SecretScalar::random(rng);
    let ephemeral = Point::new(mul_base(e.expose()));
    let shared_secret = Point::new(route.recipient_key.point() * e.expose());
    let sealed = seal_with(route, &ephemeral, &shared_secret, share);
    (ephemeral, sealed)
}

/// Seals with a given ephemeral and Diffie–Hellman value (test vectors and
/// the malicious-dealer test harness use this directly).
pub(crate) fn seal_with(
    route: &ShareRoute<'_>,
    ephemeral: &Point,
    shared_secret: &Point,
    share: &Scalar,
) -> [u8; SEALED_SHARE_LEN] {
    let key = derive_key(route, ephemeral, shared_secret);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
    let plaintext = Zeroizing::new(share.to_bytes());
    let mut out = [0u8; SEALED_SHARE_LEN];
    // Encryption of 32 bytes into a fresh Vec cannot fail.
    if let Ok(sealed) = cipher.encrypt(Nonce::from_slice(&[0u8; 12]), plaintext.as_ref()) {
        out.copy_from_slice(&sealed);
    }
    out
}

/// Opens a sealed share given the Diffie–Hellman value `S`. `None` if the
/// tag does not verify or the plaintext is not a canonical scalar.
pub(crate) fn open_with(
    route: &ShareRoute<'_>,
    ephemeral: &Point,
    shared_secret: &Point,
    sealed: &[u8; SEALED_SHARE_LEN],
) -> Option<SecretScalar> {
    let key = derive_key(route, ephemeral, shared_secret);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(Nonce::from_slice(&[0u8; 12]), sealed.as_ref())
            .ok()?,
    );
    decode_scalar(&plaintext).ok().map(SecretScalar::new)
}
