//! What every request shares: the store, the board's signing key, the
//! admin token's digest, the limits, and a cache of each election's
//! immutable parts (spec/api.md).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use psephos_election::signing::PublicSigningKey;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::api_error::ApiError;
use crate::elections::ElectionCache;
use crate::error::StoreError;
use crate::proof_batch::ProofChecker;
use crate::ratelimit::RateLimiter;
use crate::receipt_mail::ReceiptMailer;
use crate::store::Store;

/// The setting holding the board's checkpoint-signing key (shared by every
/// process on one database).
pub const BOARD_KEY_SETTING: &str = "board_signing_key";
/// The setting holding SHA-256 of the admin token.
pub const ADMIN_TOKEN_SETTING: &str = "admin_token_sha256";

/// Request size limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Any JSON body.
    pub body: usize,
    /// The credential list and the roll.
    pub upload: usize,
}

impl Limits {
    /// 8 MiB.
    pub const DEFAULT_BODY: usize = 8 << 20;
    /// 64 MiB.
    pub const DEFAULT_UPLOAD: usize = 64 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body: Self::DEFAULT_BODY,
            upload: Self::DEFAULT_UPLOAD,
        }
    }
}

/// How the server is run.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Body limits.
    pub limits: Limits,
    /// Requests per second allowed per client address (burst: 4×).
    pub per_client_per_second: u32,
    /// Ballots per minute allowed per public credential (burst: the same).
    pub per_credential_per_minute: u32,
    /// Trust `X-Forwarded-For` for the client address (behind a proxy).
    pub trust_forwarded_for: bool,
    /// Send `Strict-Transport-Security` (served over TLS, or behind a TLS proxy).
    pub hsts: bool,
    /// Ballots appended in one transaction at most.
    pub max_batch: usize,
    /// Ballots whose proofs are checked in one batch at most (1: each alone).
    pub max_proof_batch: usize,
    /// Sends receipts to voters who ask; `None`: the server sends no e-mail.
    pub mailer: Option<Arc<ReceiptMailer>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            limits: Limits::default(),
            per_client_per_second: 200,
            per_credential_per_minute: 20,
            trust_forwarded_for: false,
            hsts: false,
            max_batch: 256,
            max_proof_batch: 16,
            mailer: None,
        }
    }
}

/// The shared state; cloning is cheap.
pub struct AppState<S: Store> {
    inner: Arc<Inner<S>>,
}

impl<S: Store> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<S> {
    store: S,
    config: ServerConfig,
    board_key: SigningKey,
    admin_token_sha256: Option<[u8; 32]>,
    elections: RwLock<HashMap<String, Arc<ElectionCache>>>,
    per_client: RateLimiter<String>,
    per_credential: RateLimiter<[u8; 32]>,
    proofs: ProofChecker,
}

/// SHA-256 of an admin token.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A fresh admin token: 32 random bytes in hex.
pub fn new_admin_token() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(bytes.as_mut());
    Zeroizing::new(hex::encode(bytes.as_ref()))
}

impl<S: Store> AppState<S> {
    /// Builds the state: loads (or, on first start, creates) the board key
    /// from the store, and takes the admin token's digest from
    /// `admin_token` if given, else from the store (set by `psephos admin
    /// init`).
    pub async fn new(
        store: S,
        config: ServerConfig,
        admin_token: Option<&str>,
    ) -> Result<Self, StoreError> {
        let mut fresh = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(fresh.as_mut());
        let stored = Zeroizing::new(
            store
                .init_setting(BOARD_KEY_SETTING, fresh.to_vec())
                .await?,
        );
        let secret: [u8; 32] = stored
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Corrupt("board key setting is not 32 bytes".into()))?;
        let board_key = SigningKey::from_bytes(&secret);
        let admin_token_sha256 = match admin_token {
            Some(token) => Some(token_digest(token)),
            None => match store.setting(ADMIN_TOKEN_SETTING).await? {
                Some(digest) => Some(digest.as_slice().try_into().map_err(|_| {
                    StoreError::Corrupt("admin token digest is not 32 bytes".into())
                })?),
                None => None,
            },
        };
        let per_client = RateLimiter::new(
            f64::from(config.per_client_per_second),
            f64::from(config.per_client_per_second.saturating_mul(4)),
        );
        let per_credential = RateLimiter::new(
            f64::from(config.per_credential_per_minute) / 60.0,
            f64::from(config.per_credential_per_minute),
        );
        let proofs = ProofChecker::new(config.max_proof_batch);
        Ok(AppState {
            inner: Arc::new(Inner {
                store,
                proofs,
                config,
                board_key,
                admin_token_sha256,
                elections: RwLock::new(HashMap::new()),
                per_client,
                per_credential,
            }),
        })
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The ballot checker shared by every request.
    pub(crate) fn proofs(&self) -> &ProofChecker {
        &self.inner.proofs
    }

    /// The board's checkpoint-signing key.
    pub(crate) fn board_key(&self) -> &SigningKey {
        &self.inner.board_key
    }

    /// The board's public key, which manifests must name.
    pub fn board_public_key(&self) -> PublicSigningKey {
        PublicSigningKey::from(&self.inner.board_key)
    }

    /// Checks an admin token in constant time (on its digest, so the
    /// comparison's length never depends on the secret).
    pub(crate) fn check_admin_token(&self, presented: &str) -> Result<(), ApiError> {
        let Some(expected) = &self.inner.admin_token_sha256 else {
            return Err(ApiError::unauthorised());
        };
        let digest = token_digest(presented);
        if bool::from(digest.ct_eq(expected)) {
            Ok(())
        } else {
            Err(ApiError::unauthorised())
        }
    }

    /// Charges one request to a client address.
    pub(crate) fn charge_client(&self, client: &str) -> Result<(), ApiError> {
        self.inner
            .per_client
            .check(client.to_string())
            .map_err(|wait| ApiError::rate_limited(None, secs(wait)))
    }

    /// Charges one ballot to a public credential.
    pub(crate) fn charge_credential(&self, credential: [u8; 32]) -> Result<(), ApiError> {
        self.inner
            .per_credential
            .check(credential)
            .map_err(|wait| ApiError::rate_limited(Some("credential"), secs(wait)))
    }

    /// The cached immutable parts of an election, loading its manifest on
    /// first use.
    pub(crate) async fn election(&self, id: &str) -> Result<Arc<ElectionCache>, ApiError> {
        if let Some(cache) = self.read_cache(id) {
            return Ok(cache);
        }
        let cache = Arc::new(ElectionCache::load(self.store(), id).await?);
        let mut map = self
            .inner
            .elections
            .write()
            .map_err(|_| ApiError::internal(&"election cache poisoned"))?;
        Ok(Arc::clone(map.entry(id.to_string()).or_insert(cache)))
    }

    fn read_cache(&self, id: &str) -> Option<Arc<ElectionCache>> {
        self.inner.elections.read().ok()?.get(id).cloned()
    }
}

fn secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}
