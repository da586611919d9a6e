//! Voter credentials, as in Belenios (spec/record.md §6).
//!
//! The credential authority, a party separate from the server, draws for
//! each voter a secret credential (160 random bits, written as 32 base32
//! characters) and derives from it an ed25519 key pair:
//! `seed = SHA-512(domain || LE64(len(id)) || id || secret)[0..32]`.
//! The public keys, each with its ballot style, form the credential list,
//! sorted by key (so the list's order says nothing about the roll) and
//! signed by the authority. The secret reaches the voter only inside the
//! fragment of their personal voting link, which browsers never send to a
//! server.

use core::fmt;

use data_encoding::BASE32_NOPAD;
use ed25519_dalek::SigningKey;
use psephos_crypto::context::CredentialKey;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::canonical::to_canonical_json;
use crate::error::CredentialError;
use crate::manifest::Manifest;
use crate::signing::{domain, sign, PublicSigningKey, SignatureBytes};

/// Domain of the credential key derivation.
pub const CREDENTIAL_DERIVATION_DOMAIN: &[u8] = b"psephos/v1/credential-seed";

/// Bytes of entropy in a secret credential.
pub const CREDENTIAL_BYTES: usize = 20;

/// A voter's secret credential. Zeroized on drop, never printed.
#[derive(Clone)]
pub struct SecretCredential(Zeroizing<[u8; CREDENTIAL_BYTES]>);

impl SecretCredential {
    /// A fresh random credential.
    pub fn generate_with_rng<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = Zeroizing::new([0u8; CREDENTIAL_BYTES]);
        rng.fill_bytes(bytes.as_mut());
        SecretCredential(bytes)
    }

    /// Parses the 32-character base32 form (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, CredentialError> {
        let upper = Zeroizing::new(text.trim().to_ascii_uppercase());
        if upper.len() != 32 {
            return Err(CredentialError::Malformed);
        }
        let decoded = Zeroizing::new(
            BASE32_NOPAD
                .decode(upper.as_bytes())
                .map_err(|_| CredentialError::Malformed)?,
        );
        let mut bytes = Zeroizing::new([0u8; CREDENTIAL_BYTES]);
        if decoded.len() != CREDENTIAL_BYTES {
            return Err(CredentialError::Malformed);
        }
        bytes.copy_from_slice(&decoded);
        Ok(SecretCredential(bytes))
    }

    /// The 32-character base32 form, for the voting link.
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE32_NOPAD.encode(self.0.as_ref()))
    }

    /// The ed25519 key that signs this voter's ballots in this election.
    pub fn signing_key(&self, election_id: &str) -> SigningKey {
        let mut h = Sha512::new();
        h.update(CREDENTIAL_DERIVATION_DOMAIN);
        h.update((election_id.len() as u64).to_le_bytes());
        h.update(election_id.as_bytes());
        h.update(self.0.as_ref());
        let digest = Zeroizing::new(<[u8; 64]>::from(h.finalize()));
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&digest[..32]);
        SigningKey::from_bytes(&seed)
    }

    /// The public credential.
    pub fn public(&self, election_id: &str) -> CredentialKey {
        CredentialKey::from_bytes(self.signing_key(election_id).verifying_key().to_bytes())
    }
}

impl fmt::Debug for SecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCredential(<redacted>)")
    }
}

/// One published credential and the ballot style it may vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialEntry {
    /// The public credential (ed25519 key).
    pub credential: CredentialKey,
    /// Ballot style id.
    pub style: String,
}

/// The signed part of a credential list.
#[derive(Serialize)]
struct ListBody<'a> {
    election_id: &'a str,
    credentials: &'a [CredentialEntry],
}

/// The credential list the authority publishes before voting opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialList {
    /// The election.
    pub election_id: String,
    /// Entries sorted by credential bytes, no duplicates.
    pub credentials: Vec<CredentialEntry>,
    /// The authority's signature over `domain || JCS({election_id, credentials})`.
    pub signature: SignatureBytes,
}

impl CredentialList {
    /// Sorts the entries and signs them.
    pub fn sign(
        election_id: &str,
        mut credentials: Vec<CredentialEntry>,
        authority: &SigningKey,
    ) -> Result<Self, CredentialError> {
        credentials.sort_by_key(|e| e.credential);
        let body = to_canonical_json(&ListBody {
            election_id,
            credentials: &credentials,
        })?;
        Ok(CredentialList {
            election_id: election_id.to_string(),
            signature: sign(authority, domain::CREDENTIAL_LIST, &body),
            credentials,
        })
    }

    /// Checks the signature, order, uniqueness and styles against the manifest.
    pub fn verify(&self, manifest: &Manifest) -> Result<(), CredentialError> {
        self.verify_signature(&manifest.credential_authority_key, &manifest.election_id)?;
        if !self
            .credentials
            .windows(2)
            .all(|w| w[0].credential < w[1].credential)
        {
            return Err(CredentialError::Unsorted);
        }
        if let Some(entry) = self
            .credentials
            .iter()
            .find(|e| manifest.style(&e.style).is_none())
        {
            return Err(CredentialError::UnknownStyle(entry.style.clone()));
        }
        Ok(())
    }

    fn verify_signature(
        &self,
        authority: &PublicSigningKey,
        election_id: &str,
    ) -> Result<(), CredentialError> {
        if self.election_id != election_id {
            return Err(CredentialError::BadListSignature);
        }
        let body = to_canonical_json(&ListBody {
            election_id: &self.election_id,
            credentials: &self.credentials,
        })?;
        if authority.verify(domain::CREDENTIAL_LIST, &body, &self.signature) {
            Ok(())
        } else {
            Err(CredentialError::BadListSignature)
        }
    }

    /// The entry for a credential (binary search: the list is sorted).
    pub fn find(&self, credential: &CredentialKey) -> Option<&CredentialEntry> {
        self.credentials
            .binary_search_by(|e| e.credential.cmp(credential))
            .ok()
            .map(|i| &self.credentials[i])
    }
}

/// A personal voting link: `<base>/vote#<election_id>.<secret credential>`.
pub struct VotingLink {
    /// The election id.
    pub election_id: String,
    /// The voter's secret credential.
    pub credential: SecretCredential,
}

impl VotingLink {
    /// The link under `base_url` (e.g. `https://vote.example.org`).
    pub fn to_url(&self, base_url: &str) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{}/vote#{}.{}",
            base_url.trim_end_matches('/'),
            self.election_id,
            self.credential.to_text().as_str()
        ))
    }

    /// Parses a whole link or just its fragment.
    pub fn parse(link: &str) -> Result<Self, CredentialError> {
        let fragment = link.rsplit_once('#').map_or(link, |(_, f)| f);
        let (election_id, secret) = fragment.rsplit_once('.').ok_or(CredentialError::BadLink)?;
        let id_ok = !election_id.is_empty()
            && election_id.len() <= 64
            && election_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !id_ok {
            return Err(CredentialError::BadLink);
        }
        Ok(VotingLink {
            election_id: election_id.to_string(),
            credential: SecretCredential::parse(secret).map_err(|_| CredentialError::BadLink)?,
        })
    }
}
