//! The credential authority's ed25519 signing key, which signs the
//! credential list (spec/record.md §6.3). Its public half goes into the
//! manifest as `credential_authority_key`.
//!
//! The key file is JSON, written with mode 0600:
//! `{"kind":"psephos/credential-authority-key/v1","secret_key":HEX32,"public_key":HEX32}`.
//! The public key is stored too so that a damaged file is detected on load
//! rather than producing a list signed by an unexpected key.

use std::fmt;
use std::path::Path;

use ed25519_dalek::SigningKey;
use psephos_election::signing::PublicSigningKey;
use rand_core::CryptoRngCore;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::AuthorityError;
use crate::files::{self, Access};

/// The `kind` of a key file.
pub const KEY_FILE_KIND: &str = "psephos/credential-authority-key/v1";

/// The authority's signing key. Zeroized on drop; `Debug` shows only the
/// public key.
pub struct AuthorityKey {
    signing: SigningKey,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kind: String,
    secret_key: String,
    public_key: String,
}

impl AuthorityKey {
    /// A fresh key.
    pub fn generate_with_rng<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        AuthorityKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    /// Wraps an existing ed25519 key.
    pub fn from_signing_key(signing: SigningKey) -> Self {
        AuthorityKey { signing }
    }

    /// The key that signs the credential list.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The public key, as the manifest holds it.
    pub fn public(&self) -> PublicSigningKey {
        PublicSigningKey::from(&self.signing)
    }

    /// The public key as 64 lowercase hex digits.
    pub fn public_hex(&self) -> String {
        hex::encode(self.signing.verifying_key().as_bytes())
    }

    /// Writes the key file (mode 0600), refusing to replace an existing
    /// file unless `force`.
    pub fn save(&self, path: &Path, force: bool) -> Result<(), AuthorityError> {
        let secret = Zeroizing::new(hex::encode(self.signing.to_bytes()));
        // Formatted by hand so that no unzeroized copy of the secret is made;
        // hex needs no JSON escaping.
        let json = Zeroizing::new(format!(
            "{{\n  \"kind\": \"{KEY_FILE_KIND}\",\n  \"secret_key\": \"{}\",\n  \"public_key\": \"{}\"\n}}\n",
            secret.as_str(),
            self.public_hex()
        ));
        files::write_atomic(path, Access::Private, force, |w| {
            w.write_all(json.as_bytes())
        })
    }

    /// Reads a key file, checking that its public key matches its secret.
    pub fn load(path: &Path) -> Result<Self, AuthorityError> {
        let bad = |reason: &str| AuthorityError::KeyFile {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let bytes = Zeroizing::new(files::read(path)?);
        if files::readable_by_others(path) {
            tracing::warn!(
                path = %path.display(),
                "the credential authority key file is readable by other users; chmod 600 it"
            );
        }
        // The serde error is not shown: it could quote part of the secret.
        let file: KeyFile = serde_json::from_slice(&bytes)
            .map_err(|_| bad("expected JSON with kind, secret_key and public_key"))?;
        let KeyFile {
            kind,
            secret_key,
            public_key,
        } = file;
        let secret_key = Zeroizing::new(secret_key);
        if kind != KEY_FILE_KIND {
            return Err(bad(&format!("kind must be {KEY_FILE_KIND:?}")));
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(secret_key.as_bytes(), seed.as_mut())
            .map_err(|_| bad("secret_key must be 64 hex digits"))?;
        let key = AuthorityKey {
            signing: SigningKey::from_bytes(&seed),
        };
        if !key.public_hex().eq_ignore_ascii_case(public_key.trim()) {
            return Err(bad(
                "public_key does not belong to secret_key (damaged file?)",
            ));
        }
        Ok(key)
    }
}

impl fmt::Debug for AuthorityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthorityKey(public {})", self.public_hex())
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn a_saved_key_loads_back_and_debug_hides_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authority.key");
        let key = AuthorityKey::generate_with_rng(&mut ChaCha20Rng::seed_from_u64(1));
        key.save(&path, false).unwrap();
        let loaded = AuthorityKey::load(&path).unwrap();
        assert_eq!(
            loaded.signing_key().to_bytes(),
            key.signing_key().to_bytes()
        );
        assert_eq!(loaded.public(), key.public());
        let secret_hex = hex::encode(key.signing_key().to_bytes());
        assert!(!format!("{loaded:?}").contains(&secret_hex));
        assert!(format!("{loaded:?}").contains(&key.public_hex()));
        assert!(matches!(
            key.save(&path, false),
            Err(AuthorityError::Exists { .. })
        ));
    }

    #[test]
    fn damaged_key_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authority.key");
        let key = AuthorityKey::generate_with_rng(&mut ChaCha20Rng::seed_from_u64(2));
        key.save(&path, false).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let other = AuthorityKey::generate_with_rng(&mut ChaCha20Rng::seed_from_u64(3));
        let cases = [
            text.replace(&key.public_hex(), &other.public_hex()),
            text.replace(KEY_FILE_KIND, "psephos/trustee-key/v1"),
            text.replace(&hex::encode(key.signing_key().to_bytes()), "abcd"),
            "not json".to_string(),
        ];
        for (i, case) in cases.iter().enumerate() {
            let bad = dir.path().join(format!("bad{i}"));
            std::fs::write(&bad, case).unwrap();
            let err = AuthorityKey::load(&bad).unwrap_err();
            assert!(matches!(err, AuthorityError::KeyFile { .. }), "{i}: {err}");
            assert!(!err
                .to_string()
                .contains(&hex::encode(key.signing_key().to_bytes())));
        }
    }
}
