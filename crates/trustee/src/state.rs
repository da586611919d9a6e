//! The trustee's ceremony state, sealed beside the key file: what it has
//! posted, the last checkpoint it has verified, the secret seed its
//! messages are derived from, and, after the key ceremony, its key share.
//!
//! **Resuming.** Every random choice of the trustee's messages (the
//! dealing's polynomial, proofs and ephemeral keys; the complaint proofs;
//! the decryption proofs) is drawn from a generator seeded with
//! `SHA-256(domain || label || seed || SHA-256(context))`, where `seed` is
//! 32 secret bytes written to this file *before* anything is posted and
//! `context` is the public input of the message (the ceremony fingerprint,
//! the dealings, the tally). Running a step again after an interruption
//! therefore rebuilds the identical message, which the server accepts as
//! a repeat, never a conflicting second message. Because the context is
//! hashed in, a different input (a board that shows another tally) gets
//! unrelated randomness: no proof nonce is ever reused for two statements.
//!
//! The plaintext is JSON; secret members are hex strings that are wiped
//! from memory after use.

use std::fmt;
use std::path::{Path, PathBuf};

use psephos_crypto::context::Fingerprint;
use psephos_crypto::encoding::{bytes_hex, decode_scalar, Point};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{KeyShare, TrusteeIndex};
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::signing::PublicSigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRngCore, SeedableRng};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::TrusteeError;
use crate::keys::TrusteeKeys;
use crate::sealed::{read_file, write_private, FileKind, Vault};

/// Version of the state document.
const STATE_VERSION: u32 = 1;
/// Domain of the derived generators.
const RNG_DOMAIN: &[u8] = b"psephos-trustee/v1/derived-rng\n";

/// 32 secret bytes, hex in JSON, wiped on drop.
#[derive(Clone)]
struct Secret32(Zeroizing<[u8; 32]>);

impl Serialize for Secret32 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = Zeroizing::new(String::with_capacity(64));
        for b in self.0.iter() {
            text.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            text.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
        }
        serializer.serialize_str(&text)
    }
}

struct Secret32Visitor;

impl de::Visitor<'_> for Secret32Visitor {
    type Value = Secret32;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("64 lowercase hex digits")
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Secret32, E> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(E::custom("expected 64 hex digits"));
        }
        let mut out = Zeroizing::new([0u8; 32]);
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            let digit = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            match (digit(pair[0]), digit(pair[1])) {
                (Some(hi), Some(lo)) => out[i] = hi << 4 | lo,
                _ => return Err(E::custom("expected lowercase hex digits")),
            }
        }
        Ok(Secret32(out))
    }
}

impl<'de> Deserialize<'de> for Secret32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Secret32Visitor)
    }
}

/// The key share as stored.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredShare {
    index: TrusteeIndex,
    secret: Secret32,
    verification_key: Point,
}

/// What the state file holds.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateDoc {
    version: u32,
    election_id: String,
    signing_key: PublicSigningKey,
    seed: Secret32,
    #[serde(default, with = "opt_hash", skip_serializing_if = "Option::is_none")]
    manifest_leaf_hash: Option<[u8; 32]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trustee: Option<TrusteeIndex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_checkpoint: Option<SignedCheckpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dealing_leaf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    complaints_leaf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    election_fingerprint: Option<Fingerprint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_share: Option<StoredShare>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    decryption_leaf: Option<u64>,
}

mod opt_hash {
    use super::bytes_hex;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(serde::Serialize, Deserialize)]
    struct Wrapped(#[serde(with = "bytes_hex")] [u8; 32]);

    pub fn serialize<S: Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(h) => s.serialize_some(&Wrapped(*h)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

/// The state file of one trustee for one election.
pub struct CeremonyState {
    path: PathBuf,
    doc: StateDoc,
}

impl fmt::Debug for CeremonyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CeremonyState")
            .field("path", &self.path)
            .field("trustee", &self.doc.trustee)
            .field("dealing_leaf", &self.doc.dealing_leaf)
            .field("complaints_leaf", &self.doc.complaints_leaf)
            .field("decryption_leaf", &self.doc.decryption_leaf)
            .field("has_key_share", &self.doc.key_share.is_some())
            .finish_non_exhaustive()
    }
}

/// Where the state file of a key file lives by default: beside it, with
/// `.state` appended to its name.
pub fn default_state_path(key_file: &Path) -> PathBuf {
    let mut name = key_file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".state");
    key_file.with_file_name(name)
}

impl CeremonyState {
    /// Opens the state file at `path`, checking that it belongs to `keys`.
    pub fn load(path: &Path, keys: &TrusteeKeys, vault: &Vault) -> Result<Self, TrusteeError> {
        let bytes = read_file(path)?;
        let plaintext = vault.open(path, FileKind::State, &bytes)?;
        let doc: StateDoc =
            serde_json::from_slice(&plaintext).map_err(|e| TrusteeError::BadFile {
                path: path.to_path_buf(),
                expected: "state",
                reason: format!("its contents do not decode: {e}"),
            })?;
        if doc.version != STATE_VERSION {
            return Err(TrusteeError::BadFile {
                path: path.to_path_buf(),
                expected: "state",
                reason: format!("state version {}", doc.version),
            });
        }
        if doc.election_id != keys.election_id() || doc.signing_key != keys.signing_public() {
            return Err(TrusteeError::Mismatch(format!(
                "{}: this state file belongs to another key file or election (`{}`)",
                path.display(),
                doc.election_id
            )));
        }
        Ok(CeremonyState {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// Opens the state file, or creates it with a fresh secret seed (and
    /// writes it at once, before anything is posted).
    pub fn load_or_create<R: CryptoRngCore + ?Sized>(
        path: &Path,
        keys: &TrusteeKeys,
        vault: &Vault,
        rng: &mut R,
    ) -> Result<(Self, bool), TrusteeError> {
        if path.exists() {
            return Ok((Self::load(path, keys, vault)?, false));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        let state = CeremonyState {
            path: path.to_path_buf(),
            doc: StateDoc {
                version: STATE_VERSION,
                election_id: keys.election_id().to_string(),
                signing_key: keys.signing_public(),
                seed: Secret32(seed),
                manifest_leaf_hash: None,
                trustee: None,
                last_checkpoint: None,
                dealing_leaf: None,
                complaints_leaf: None,
                election_fingerprint: None,
                key_share: None,
                decryption_leaf: None,
            },
        };
        state.save_new(vault, rng)?;
        Ok((state, true))
    }

    fn plaintext(&self) -> Result<Zeroizing<Vec<u8>>, TrusteeError> {
        // Sized up front so that the buffer holding secrets is never
        // reallocated (which would leave unwiped copies behind).
        let mut out = Zeroizing::new(Vec::with_capacity(64 * 1024));
        serde_json::to_writer(&mut *out, &self.doc).map_err(|e| TrusteeError::BadFile {
            path: self.path.clone(),
            expected: "state",
            reason: e.to_string(),
        })?;
        Ok(out)
    }

    fn save_new<R: CryptoRngCore + ?Sized>(
        &self,
        vault: &Vault,
        rng: &mut R,
    ) -> Result<(), TrusteeError> {
        let sealed = vault.seal(FileKind::State, &self.plaintext()?, rng);
        write_private(&self.path, &sealed, true)
    }

    /// Writes the state (atomically).
    pub fn save<R: CryptoRngCore + ?Sized>(
        &self,
        vault: &Vault,
        rng: &mut R,
    ) -> Result<(), TrusteeError> {
        let sealed = vault.seal(FileKind::State, &self.plaintext()?, rng);
        write_private(&self.path, &sealed, false)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A generator for the message `label` with public input `context`
    /// (see the module documentation).
    pub fn derived_rng(&self, label: &str, context: &[u8]) -> ChaCha20Rng {
        let mut h = Sha256::new();
        h.update(RNG_DOMAIN);
        h.update((label.len() as u32).to_le_bytes());
        h.update(label.as_bytes());
        h.update(self.doc.seed.0.as_ref());
        h.update(Sha256::digest(context));
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&h.finalize());
        ChaCha20Rng::from_seed(*seed)
    }

    /// The last checkpoint verified.
    pub fn last_checkpoint(&self) -> Option<&SignedCheckpoint> {
        self.doc.last_checkpoint.as_ref()
    }

    /// Remembers a verified checkpoint (call [`CeremonyState::save`] after).
    pub fn set_last_checkpoint(&mut self, checkpoint: SignedCheckpoint) {
        self.doc.last_checkpoint = Some(checkpoint);
    }

    /// The hash of the manifest leaf first seen.
    pub fn manifest_leaf_hash(&self) -> Option<&[u8; 32]> {
        self.doc.manifest_leaf_hash.as_ref()
    }

    /// Records the manifest leaf hash and this trustee's index.
    pub fn set_identity(&mut self, manifest_leaf_hash: [u8; 32], trustee: TrusteeIndex) {
        self.doc.manifest_leaf_hash = Some(manifest_leaf_hash);
        self.doc.trustee = Some(trustee);
    }

    /// This trustee's index, once found in the manifest.
    pub fn trustee(&self) -> Option<TrusteeIndex> {
        self.doc.trustee
    }

    /// Where the dealing was posted.
    pub fn dealing_leaf(&self) -> Option<u64> {
        self.doc.dealing_leaf
    }

    /// Records the dealing's leaf.
    pub fn set_dealing_leaf(&mut self, leaf: u64) {
        self.doc.dealing_leaf = Some(leaf);
    }

    /// Where the complaints message was posted.
    pub fn complaints_leaf(&self) -> Option<u64> {
        self.doc.complaints_leaf
    }

    /// Records the complaints message's leaf.
    pub fn set_complaints_leaf(&mut self, leaf: u64) {
        self.doc.complaints_leaf = Some(leaf);
    }

    /// Where the tally decryption was posted.
    pub fn decryption_leaf(&self) -> Option<u64> {
        self.doc.decryption_leaf
    }

    /// Records the tally decryption's leaf.
    pub fn set_decryption_leaf(&mut self, leaf: u64) {
        self.doc.decryption_leaf = Some(leaf);
    }

    /// The election fingerprint the key ceremony ended with.
    pub fn election_fingerprint(&self) -> Option<&Fingerprint> {
        self.doc.election_fingerprint.as_ref()
    }

    /// Stores the key share and the election fingerprint it belongs to.
    pub fn set_key_share(&mut self, share: &KeyShare, election_fingerprint: Fingerprint) {
        self.doc.key_share = Some(StoredShare {
            index: share.index(),
            secret: Secret32(Zeroizing::new(share.secret().expose().to_bytes())),
            verification_key: *share.verification_key(),
        });
        self.doc.election_fingerprint = Some(election_fingerprint);
    }

    /// The key share, checked against its verification key.
    pub fn key_share(&self) -> Result<Option<KeyShare>, TrusteeError> {
        let Some(stored) = &self.doc.key_share else {
            return Ok(None);
        };
        let bad = |reason: &str| TrusteeError::BadFile {
            path: self.path.clone(),
            expected: "state",
            reason: reason.into(),
        };
        let scalar = decode_scalar(stored.secret.0.as_ref())
            .map_err(|_| bad("the key share is not a canonical scalar"))?;
        KeyShare::new(
            stored.index,
            SecretScalar::new(scalar),
            stored.verification_key,
        )
        .map(Some)
        .map_err(|_| bad("the key share does not match its verification key"))
    }
}
