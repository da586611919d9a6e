//! The DKG share encryption of spec/crypto.md §7.3, written out from the
//! spec so that the vectors can show the derived key and the plaintext share
//! (`psephos-crypto` keeps both private) and so that a dealer can be made to
//! send a share that opens but is wrong.
//!
//! `key = merlin("psephos/v1/kdf/dkg-share")` absorbing fingerprint, dealer,
//! recipient, recipient key, ephemeral key and shared secret, then 32
//! challenge bytes labelled `key`; the share's 32-byte encoding is sealed
//! with ChaCha20-Poly1305 under `key` and the all-zero 12-byte nonce. The
//! generator checks this against the crate by opening the shares the crate
//! sealed: a wrong key fails the authentication tag.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use merlin::Transcript;
use psephos_crypto::context::Fingerprint;
use psephos_crypto::encoding::Point;
use psephos_crypto::transcript::{field, protocol};
use serde_json::Value;

use crate::json::{hex_value, Obj};
use crate::Error;

/// The nonce of every share encryption (each key seals one message).
pub const NONCE: [u8; 12] = [0u8; 12];

/// Who sends a share to whom, in which ceremony, under which DH values.
#[derive(Clone, Copy, Debug)]
pub struct Route<'a> {
    /// The ceremony fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// The dealer `i`.
    pub dealer: u32,
    /// The recipient `j`.
    pub recipient: u32,
    /// The recipient's long-term key `P_j`.
    pub recipient_key: &'a Point,
    /// The ephemeral key `E = e·G`.
    pub ephemeral: &'a Point,
    /// The Diffie–Hellman value `S = e·P_j = x_j·E`.
    pub shared_secret: &'a Point,
}

fn label(bytes: &[u8]) -> Value {
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

impl Route<'_> {
    /// The 32-byte share key.
    pub fn derive_key(&self) -> [u8; 32] {
        let mut t = Transcript::new(protocol::SHARE_KEY);
        t.append_message(field::FINGERPRINT, self.fingerprint.as_bytes());
        t.append_u64(field::DEALER, u64::from(self.dealer));
        t.append_u64(field::RECIPIENT, u64::from(self.recipient));
        t.append_message(field::RECIPIENT_KEY, self.recipient_key.as_bytes());
        t.append_message(field::EPHEMERAL, self.ephemeral.as_bytes());
        t.append_message(field::SHARED_SECRET, self.shared_secret.as_bytes());
        let mut key = [0u8; 32];
        t.challenge_bytes(field::KEY, &mut key);
        key
    }

    /// The key derivation as data: the protocol label, every append in
    /// order (`message` as hex bytes, `u64` as merlin's `append_u64`), and
    /// the challenge label and length.
    pub fn transcript_json(&self) -> Result<Value, Error> {
        let message = |l: &[u8], bytes: &[u8]| {
            Obj::new()
                .with("label", label(l))
                .with("message", hex_value(bytes))
                .build()
        };
        let number = |l: &[u8], n: u32| -> Result<Value, Error> {
            Ok(Obj::new().with("label", label(l)).put("u64", &n)?.build())
        };
        Ok(Obj::new()
            .with("protocol", label(protocol::SHARE_KEY))
            .with(
                "appends",
                Value::Array(vec![
                    message(field::FINGERPRINT, self.fingerprint.as_bytes()),
                    number(field::DEALER, self.dealer)?,
                    number(field::RECIPIENT, self.recipient)?,
                    message(field::RECIPIENT_KEY, self.recipient_key.as_bytes()),
                    message(field::EPHEMERAL, self.ephemeral.as_bytes()),
                    message(field::SHARED_SECRET, self.shared_secret.as_bytes()),
                ]),
            )
            .with(
                "challenge",
                Obj::new()
                    .with("label", label(field::KEY))
                    .put("length", &32u32)?
                    .build(),
            )
            .build())
    }
}

/// Opens a sealed share; `None` if the tag does not verify.
pub fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(Nonce::from_slice(&NONCE), sealed)
        .ok()
}

/// Seals a plaintext (for a dealer that sends a wrong but well-formed share).
pub fn seal(key: &[u8; 32], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    ChaCha20Poly1305::new(Key::from_slice(key))
        .encrypt(Nonce::from_slice(&NONCE), plaintext)
        .map_err(|_| Error::Inconsistent("ChaCha20-Poly1305 refused to seal".into()))
}
