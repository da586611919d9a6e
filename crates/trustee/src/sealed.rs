//! Files sealed under a passphrase: the trustee's key file and its
//! ceremony state file.
//!
//! The key is `Argon2id(passphrase, salt, m, t, p)` (RFC 9106, version
//! 0x13, 32-byte output); the contents are encrypted with
//! XChaCha20-Poly1305 under a fresh 24-byte random nonce, and the whole
//! header is the associated data, so that changing any byte of the file
//! (the parameters, the salt, the nonce, the kind, the ciphertext) makes
//! opening fail.
//!
//! Layout (integers little-endian):
//!
//! | offset | bytes | field |
//! |---|---|---|
//! | 0 | 16 | magic `psephos-trustee\n` |
//! | 16 | 1 | format version, 1 |
//! | 17 | 1 | kind: 1 key file, 2 state file |
//! | 18 | 1 | key derivation: 1 Argon2id v0x13 |
//! | 19 | 1 | cipher: 1 XChaCha20-Poly1305 |
//! | 20 | 4 | Argon2 memory `m` in KiB |
//! | 24 | 4 | Argon2 passes `t` |
//! | 28 | 4 | Argon2 lanes `p` |
//! | 32 | 16 | salt |
//! | 48 | 24 | nonce |
//! | 72 | rest | ciphertext and 16-byte tag |
//!
//! A state file is sealed under the same derived key as its key file (its
//! header repeats the key file's salt and parameters), so the passphrase
//! is stretched once per command.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::error::TrusteeError;

/// The first 16 bytes of every sealed file.
pub const MAGIC: &[u8; 16] = b"psephos-trustee\n";
/// The format version this code writes and reads.
pub const FORMAT_VERSION: u8 = 1;
const KDF_ARGON2ID: u8 = 1;
const CIPHER_XCHACHA20POLY1305: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Length of the header (the associated data).
pub const HEADER_LEN: usize = 72;

/// Largest memory cost accepted when reading a file (2 GiB), so that a
/// doctored file cannot make the tool allocate without bound.
pub const MAX_MEMORY_KIB: u32 = 2 * 1024 * 1024;
/// Largest number of passes accepted when reading.
pub const MAX_PASSES: u32 = 64;
/// Largest number of lanes accepted when reading.
pub const MAX_LANES: u32 = 16;

/// What a sealed file holds; part of the authenticated header, so that a
/// state file cannot be passed off as a key file or the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// The trustee's long-term secret keys.
    Key,
    /// The trustee's ceremony state and key share.
    State,
}

impl FileKind {
    fn byte(self) -> u8 {
        match self {
            FileKind::Key => 1,
            FileKind::State => 2,
        }
    }

    /// `key` or `state`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Key => "key",
            FileKind::State => "state",
        }
    }
}

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub passes: u32,
    /// Lanes.
    pub lanes: u32,
}

impl KdfParams {
    /// What `init` uses: 64 MiB, 3 passes, 1 lane (RFC 9106's second
    /// recommended option), well under a second on a laptop.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        passes: 3,
        lanes: 1,
    };

    /// Cheap parameters for tests only: a file sealed with them is as easy
    /// to brute-force as its passphrase.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };

    fn check(&self) -> Result<Params, String> {
        if self.lanes == 0 || self.lanes > MAX_LANES {
            return Err(format!(
                "Argon2 lanes {} outside 1..={MAX_LANES}",
                self.lanes
            ));
        }
        if self.passes == 0 || self.passes > MAX_PASSES {
            return Err(format!(
                "Argon2 passes {} outside 1..={MAX_PASSES}",
                self.passes
            ));
        }
        if self.memory_kib < 8 * self.lanes || self.memory_kib > MAX_MEMORY_KIB {
            return Err(format!(
                "Argon2 memory {} KiB outside {}..={MAX_MEMORY_KIB}",
                self.memory_kib,
                8 * self.lanes
            ));
        }
        Params::new(self.memory_kib, self.passes, self.lanes, Some(32)).map_err(|e| e.to_string())
    }
}

/// A passphrase, wiped from memory when dropped and never printed.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase; refuses an empty one.
    pub fn new(text: Zeroizing<String>) -> Result<Self, TrusteeError> {
        if text.is_empty() {
            return Err(TrusteeError::Passphrase(
                "the passphrase is empty; choose a long passphrase (several words)".into(),
            ));
        }
        Ok(Passphrase(text))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// A key derived from a passphrase, with the salt and parameters it was
/// derived with. Seals any number of files (each under a fresh nonce).
pub struct Vault {
    key: Zeroizing<[u8; 32]>,
    salt: [u8; SALT_LEN],
    params: KdfParams,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<Zeroizing<[u8; 32]>, String> {
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.check()?);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.bytes(), salt, key.as_mut())
        .map_err(|e| e.to_string())?;
    Ok(key)
}

impl Vault {
    /// Derives a key under a fresh random salt.
    pub fn create<R: CryptoRngCore + ?Sized>(
        passphrase: &Passphrase,
        params: KdfParams,
        rng: &mut R,
    ) -> Result<Self, TrusteeError> {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let key = derive(passphrase, &salt, &params).map_err(TrusteeError::Passphrase)?;
        Ok(Vault { key, salt, params })
    }

    /// The parameters the key was derived with.
    pub fn params(&self) -> KdfParams {
        self.params
    }

    fn header(&self, kind: FileKind, nonce: &[u8; NONCE_LEN]) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..16].copy_from_slice(MAGIC);
        h[16] = FORMAT_VERSION;
        h[17] = kind.byte();
        h[18] = KDF_ARGON2ID;
        h[19] = CIPHER_XCHACHA20POLY1305;
        h[20..24].copy_from_slice(&self.params.memory_kib.to_le_bytes());
        h[24..28].copy_from_slice(&self.params.passes.to_le_bytes());
        h[28..32].copy_from_slice(&self.params.lanes.to_le_bytes());
        h[32..48].copy_from_slice(&self.salt);
        h[48..72].copy_from_slice(nonce);
        h
    }

    /// Seals `plaintext` as a file of `kind`.
    pub fn seal<R: CryptoRngCore + ?Sized>(
        &self,
        kind: FileKind,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let header = self.header(kind, &nonce);
        let cipher = XChaCha20Poly1305::new(Key::from_slice(self.key.as_ref()));
        // Encryption fails only for plaintexts beyond 256 GiB.
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &header,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a file sealed under this vault's key (a state file beside its
    /// key file).
    pub fn open(
        &self,
        path: &Path,
        kind: FileKind,
        bytes: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, TrusteeError> {
        let parsed = Parsed::parse(path, kind, bytes)?;
        if parsed.salt != self.salt || parsed.params != self.params {
            return Err(TrusteeError::Mismatch(format!(
                "{}: this state file was not written with this key file",
                path.display()
            )));
        }
        parsed.decrypt(path, &self.key, bytes)
    }
}

struct Parsed {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

impl Parsed {
    fn parse(path: &Path, kind: FileKind, bytes: &[u8]) -> Result<Self, TrusteeError> {
        let bad = |reason: String| TrusteeError::BadFile {
            path: path.to_path_buf(),
            expected: kind.name(),
            reason,
        };
        if bytes.len() < HEADER_LEN + TAG_LEN || &bytes[..16] != MAGIC {
            return Err(bad(
                "it does not start with the psephos-trustee header, or is too short".into(),
            ));
        }
        if bytes[16] != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {} (this program reads version {FORMAT_VERSION})",
                bytes[16]
            )));
        }
        if bytes[17] != kind.byte() {
            let other = if bytes[17] == FileKind::Key.byte() {
                "a key file"
            } else if bytes[17] == FileKind::State.byte() {
                "a state file"
            } else {
                "of an unknown kind"
            };
            return Err(bad(format!("it is {other}")));
        }
        if bytes[18] != KDF_ARGON2ID || bytes[19] != CIPHER_XCHACHA20POLY1305 {
            return Err(bad("unknown key derivation or cipher".into()));
        }
        let params = KdfParams {
            memory_kib: le32(bytes, 20),
            passes: le32(bytes, 24),
            lanes: le32(bytes, 28),
        };
        params.check().map_err(bad)?;
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[32..48]);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[48..72]);
        Ok(Parsed {
            params,
            salt,
            nonce,
        })
    }

    fn decrypt(
        &self,
        path: &Path,
        key: &[u8; 32],
        bytes: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, TrusteeError> {
        let cipher = XChaCha20Poly1305::new(Key::from_slice(key));
        cipher
            .decrypt(
                XNonce::from_slice(&self.nonce),
                Payload {
                    msg: &bytes[HEADER_LEN..],
                    aad: &bytes[..HEADER_LEN],
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| TrusteeError::WrongPassphrase {
                path: path.to_path_buf(),
            })
    }
}

/// Opens a sealed file with a passphrase; returns the vault (to seal the
/// state file with) and the contents.
pub fn open_with_passphrase(
    path: &Path,
    kind: FileKind,
    bytes: &[u8],
    passphrase: &Passphrase,
) -> Result<(Vault, Zeroizing<Vec<u8>>), TrusteeError> {
    let parsed = Parsed::parse(path, kind, bytes)?;
    let key = derive(passphrase, &parsed.salt, &parsed.params).map_err(|reason| {
        TrusteeError::BadFile {
            path: path.to_path_buf(),
            expected: kind.name(),
            reason,
        }
    })?;
    let plaintext = parsed.decrypt(path, &key, bytes)?;
    Ok((
        Vault {
            key,
            salt: parsed.salt,
            params: parsed.params,
        },
        plaintext,
    ))
}

/// Reads a whole file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, TrusteeError> {
    fs::read(path).map_err(TrusteeError::io(path))
}

/// Writes `bytes` to `path` atomically: a private temporary file in the
/// same directory, flushed to disk, then renamed over `path`. On Unix the
/// file is readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8], create_new: bool) -> Result<(), TrusteeError> {
    if create_new && path.exists() {
        return Err(TrusteeError::Exists(path.to_path_buf()));
    }
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp: PathBuf = path.with_file_name(name);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Makes the rename durable; not every platform lets a directory be opened.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(TrusteeError::io(path))
}
