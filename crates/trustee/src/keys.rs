//! The trustee's long-term keys: an ed25519 key that signs its board
//! messages and a ristretto255 key pair that DKG shares are sealed to,
//! kept in a passphrase-sealed key file ([`crate::sealed`]).
//!
//! Key file contents (inside the AEAD): the 32-byte ed25519 seed, the
//! 32-byte canonical encryption scalar, then the election id as a
//! little-endian u16 length and its UTF-8 bytes.

use std::fmt;
use std::path::Path;

use data_encoding::BASE32_NOPAD;
use ed25519_dalek::SigningKey;
use psephos_crypto::dkg::TrusteeKeyPair;
use psephos_crypto::encoding::decode_scalar;
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::fingerprint::enrolment_fingerprint;
use psephos_election::manifest::TrusteeEntry;
use psephos_election::signing::PublicSigningKey;
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::TrusteeError;
use crate::sealed::{
    open_with_passphrase, read_file, write_private, FileKind, KdfParams, Passphrase, Vault,
};

/// Domain of the fingerprint trustees read aloud.
const KEY_FINGERPRINT_DOMAIN: &[u8] = b"psephos/v1/trustee-key-fingerprint\n";
/// Longest election id a key file holds.
const MAX_ELECTION_ID: usize = 255;

/// The first 80 bits of `digest` in base32, in four groups of four
/// characters (`ABCD-EFGH-IJKL-MNOP`): short enough to read aloud, long
/// enough that nobody can make another key with the same one.
pub fn short_code(digest: &[u8]) -> String {
    let text = BASE32_NOPAD.encode(&digest[..digest.len().min(10)]);
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The fingerprint of a trustee's two public keys:
/// `SHA-256(domain || signing_key || encryption_key)`, shown as a short code.
pub fn key_fingerprint(signing_key: &PublicSigningKey, encryption_key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(KEY_FINGERPRINT_DOMAIN);
    h.update(signing_key.as_bytes());
    h.update(encryption_key);
    short_code(&h.finalize())
}

/// A trustee's secret keys for one election.
pub struct TrusteeKeys {
    election_id: String,
    signing: SigningKey,
    encryption: TrusteeKeyPair,
}

impl fmt::Debug for TrusteeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrusteeKeys")
            .field("election_id", &self.election_id)
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl TrusteeKeys {
    /// Fresh keys for election `election_id`.
    pub fn generate_with_rng<R: CryptoRngCore + ?Sized>(
        election_id: &str,
        rng: &mut R,
    ) -> Result<Self, TrusteeError> {
        if election_id.is_empty() || election_id.len() > MAX_ELECTION_ID {
            return Err(TrusteeError::Mismatch(format!(
                "the election id must have 1 to {MAX_ELECTION_ID} bytes"
            )));
        }
        Ok(TrusteeKeys {
            election_id: election_id.to_string(),
            signing: SigningKey::generate(&mut RngAdapter(rng)),
            encryption: TrusteeKeyPair::generate_with_rng(rng),
        })
    }

    /// The election these keys were made for.
    pub fn election_id(&self) -> &str {
        &self.election_id
    }

    /// The key that signs this trustee's board messages.
    pub fn signing(&self) -> &SigningKey {
        &self.signing
    }

    /// The public signing key.
    pub fn signing_public(&self) -> PublicSigningKey {
        PublicSigningKey::from(&self.signing)
    }

    /// The long-term encryption key pair.
    pub fn encryption(&self) -> &TrusteeKeyPair {
        &self.encryption
    }

    /// The short code to read aloud.
    pub fn fingerprint(&self) -> String {
        key_fingerprint(&self.signing_public(), self.encryption.public().as_bytes())
    }

    /// Whether a manifest entry names exactly these keys.
    pub fn matches(&self, entry: &TrusteeEntry) -> bool {
        entry.signing_key == self.signing_public()
            && entry.encryption_key == *self.encryption.public()
    }

    /// The manifest entry for trustee `index`, with a fresh proof of
    /// possession of the encryption key bound to the election id.
    pub fn public_entry_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        index: u32,
        name: &str,
        rng: &mut R,
    ) -> Result<TrusteeEntry, TrusteeError> {
        let trustee = TrusteeIndex::try_from(index)
            .map_err(|e| TrusteeError::Mismatch(format!("trustee index {index}: {e}")))?;
        Ok(TrusteeEntry {
            index,
            name: name.to_string(),
            signing_key: self.signing_public(),
            encryption_key: *self.encryption.public(),
            possession_proof: self.encryption.prove_possession_with_rng(
                &enrolment_fingerprint(&self.election_id),
                trustee,
                rng,
            ),
        })
    }

    fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(66 + self.election_id.len()));
        let seed = Zeroizing::new(self.signing.to_bytes());
        out.extend_from_slice(seed.as_ref());
        let scalar = Zeroizing::new(self.encryption.secret().expose().to_bytes());
        out.extend_from_slice(scalar.as_ref());
        out.extend_from_slice(&(self.election_id.len() as u16).to_le_bytes());
        out.extend_from_slice(self.election_id.as_bytes());
        out
    }

    fn from_plaintext(path: &Path, bytes: &[u8]) -> Result<Self, TrusteeError> {
        let bad = |reason: &str| TrusteeError::BadFile {
            path: path.to_path_buf(),
            expected: "key",
            reason: reason.into(),
        };
        if bytes.len() < 66 {
            return Err(bad("the sealed contents are too short"));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[..32]);
        let scalar = decode_scalar(&bytes[32..64])
            .map_err(|_| bad("the encryption key is not a canonical scalar"))?;
        let len = u16::from_le_bytes([bytes[64], bytes[65]]) as usize;
        let id = bytes
            .get(66..)
            .filter(|rest| rest.len() == len && len > 0)
            .and_then(|rest| std::str::from_utf8(rest).ok())
            .ok_or_else(|| bad("the election id is malformed"))?;
        let encryption = TrusteeKeyPair::from_secret(SecretScalar::new(scalar));
        if encryption.public().is_identity() {
            return Err(bad("the encryption key is zero"));
        }
        Ok(TrusteeKeys {
            election_id: id.to_string(),
            signing: SigningKey::from_bytes(&seed),
            encryption,
        })
    }

    /// Writes a new key file (refusing to overwrite one) sealed under a
    /// key derived from `passphrase`; returns the vault for the state file.
    pub fn save_new<R: CryptoRngCore + ?Sized>(
        &self,
        path: &Path,
        passphrase: &Passphrase,
        params: KdfParams,
        rng: &mut R,
    ) -> Result<Vault, TrusteeError> {
        if path.exists() {
            return Err(TrusteeError::Exists(path.to_path_buf()));
        }
        let vault = Vault::create(passphrase, params, rng)?;
        let sealed = vault.seal(FileKind::Key, &self.to_plaintext(), rng);
        write_private(path, &sealed, true)?;
        Ok(vault)
    }

    /// Opens a key file.
    pub fn load(path: &Path, passphrase: &Passphrase) -> Result<(Self, Vault), TrusteeError> {
        let bytes = read_file(path)?;
        let (vault, plaintext) = open_with_passphrase(path, FileKind::Key, &bytes, passphrase)?;
        Ok((Self::from_plaintext(path, &plaintext)?, vault))
    }
}

/// ed25519-dalek wants `rand_core::CryptoRng + RngCore` by value type;
/// this forwards a `CryptoRngCore` trait object.
struct RngAdapter<'a, R: CryptoRngCore + ?Sized>(&'a mut R);

impl<R: CryptoRngCore + ?Sized> rand_core::RngCore for RngAdapter<'_, R> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl<R: CryptoRngCore + ?Sized> rand_core::CryptoRng for RngAdapter<'_, R> {}
