//! Ed25519 keys and signatures as wire types (spec/record.md §2).
//!
//! Every signature in Psephos is over `domain || message`, where the
//! domain names what is signed (a ballot, a checkpoint, a trustee message),
//! so no signature can be replayed as another kind. Verification uses
//! `verify_strict`, which rejects non-canonical and small-order inputs.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use psephos_crypto::encoding::{from_hex_array, to_hex};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// An ed25519 public key that decodes and is not of small order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicSigningKey(VerifyingKey);

impl PublicSigningKey {
    /// Decodes 32 bytes; rejects encodings that do not decompress, that are
    /// not canonical (a `y` coordinate of at least p, or a negative zero),
    /// and weak (small-order) keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let key = VerifyingKey::from_bytes(bytes).ok()?;
        let canonical = key.to_edwards().compress().to_bytes() == *bytes;
        (canonical && !key.is_weak()).then_some(PublicSigningKey(key))
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Checks `signature` over `domain || message`.
    pub fn verify(&self, domain: &[u8], message: &[u8], signature: &SignatureBytes) -> bool {
        let signature = Signature::from_bytes(&signature.0);
        let mut signed = Vec::with_capacity(domain.len() + message.len());
        signed.extend_from_slice(domain);
        signed.extend_from_slice(message);
        self.0.verify_strict(&signed, &signature).is_ok()
    }
}

impl From<&SigningKey> for PublicSigningKey {
    fn from(key: &SigningKey) -> Self {
        PublicSigningKey(key.verifying_key())
    }
}

impl fmt::Debug for PublicSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicSigningKey({})", to_hex(self.as_bytes()))
    }
}

impl Serialize for PublicSigningKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(self.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for PublicSigningKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = from_hex_array::<32>(&text).map_err(de::Error::custom)?;
        PublicSigningKey::from_bytes(&bytes)
            .ok_or_else(|| de::Error::custom("not a valid ed25519 public key"))
    }
}

/// A 64-byte ed25519 signature, as 128 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SignatureBytes(pub [u8; 64]);

impl fmt::Debug for SignatureBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureBytes({})", to_hex(&self.0))
    }
}

impl Serialize for SignatureBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for SignatureBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        from_hex_array::<64>(&text)
            .map(SignatureBytes)
            .map_err(de::Error::custom)
    }
}

/// Signs `domain || message`.
pub fn sign(key: &SigningKey, domain: &[u8], message: &[u8]) -> SignatureBytes {
    let mut signed = Vec::with_capacity(domain.len() + message.len());
    signed.extend_from_slice(domain);
    signed.extend_from_slice(message);
    SignatureBytes(key.sign(&signed).to_bytes())
}

/// Signature domains, one per kind of signed object.
pub mod domain {
    /// A cast ballot: `domain || tracking hash`.
    pub const BALLOT_CAST: &[u8] = b"psephos/v1/sign/ballot-cast\n";
    /// A ballot spoiled by a Benaloh audit: `domain || tracking hash`.
    pub const BALLOT_AUDIT: &[u8] = b"psephos/v1/sign/ballot-audit\n";
    /// A board checkpoint.
    pub const CHECKPOINT: &[u8] = b"psephos/v1/sign/checkpoint\n";
    /// A trustee's message: `domain || canonical JSON`.
    pub const TRUSTEE_MESSAGE: &[u8] = b"psephos/v1/sign/trustee-message\n";
    /// The credential authority's credential list: `domain || canonical JSON`.
    pub const CREDENTIAL_LIST: &[u8] = b"psephos/v1/sign/credential-list\n";
    /// A voter's request that the board e-mail a receipt:
    /// `domain || tracking hash || e-mail address`.
    pub const RECEIPT_EMAIL: &[u8] = b"psephos/v1/sign/receipt-email\n";
}
