//! Each election's immutable parts, cached per process: the manifest (leaf
//! 0), and once published the election key, the credential list and the
//! tally. Leaves never change once written, so a cache filled from the
//! store is never stale; what changes (the phase) is always read from the
//! store, and checked again under the append lock (spec/api.md §1.2).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use psephos_crypto::context::CredentialKey;
use psephos_crypto::dkg::{resolve, ComplaintsMessage, DealerMessage, DkgOutcome};
use psephos_election::board::merkle::{leaf_hash, Hash};
use psephos_election::board::messages::{BoardMessage, ElectionKey, TrusteeSigned};
use psephos_election::election::Election;
use psephos_election::fingerprint::ceremony_fingerprint;
use psephos_election::manifest::Manifest;
use psephos_election::tally::EncryptedTally;

use crate::api_error::ApiError;
use crate::error::StoreError;
use crate::store::Store;

/// The phases of spec/api.md §1.2, as the store keeps them.
pub mod phase {
    /// Trustees deal and complain.
    pub const KEYGEN: &str = "keygen";
    /// The key is published; the roll and the credential list come next.
    pub const CREDENTIALS: &str = "credentials";
    /// The credential list is published; voting may open.
    pub const READY: &str = "ready";
    /// Ballots are accepted.
    pub const OPEN: &str = "open";
    /// Voting closed; the tally comes next.
    pub const CLOSED: &str = "closed";
    /// The encrypted tally is published; trustees decrypt.
    pub const TALLIED: &str = "tallied";
    /// The result is published.
    pub const PUBLISHED: &str = "published";
}

/// What the key ceremony produced, and what checking decryptions needs.
pub struct KeyState {
    /// The published `election-key` message.
    pub message: ElectionKey,
    /// The election as ballots are checked against it.
    pub election: Election,
    /// The ceremony's outcome recomputed from the board (verification keys).
    pub outcome: DkgOutcome,
}

/// One election's cached parts.
pub struct ElectionCache {
    /// The manifest.
    pub manifest: Manifest,
    /// The exact bytes of leaf 0.
    pub manifest_leaf: Vec<u8>,
    /// Its leaf hash.
    pub manifest_leaf_hash: Hash,
    /// The window's opening instant.
    pub opens: SystemTime,
    /// The window's closing instant.
    pub closes: SystemTime,
    key: OnceLock<Arc<KeyState>>,
    credentials: OnceLock<Arc<HashMap<CredentialKey, String>>>,
    tally: OnceLock<Arc<(u64, EncryptedTally)>>,
    committer: OnceLock<crate::committer::Committer>,
}

/// A 500 for a stored value that does not read back (the store is damaged).
pub(crate) fn corrupt(what: impl std::fmt::Display) -> ApiError {
    ApiError::internal(&StoreError::Corrupt(what.to_string()))
}

/// Parses a stored leaf (which the server itself checked when it stored it).
pub(crate) fn stored_message(leaf: &[u8]) -> Result<BoardMessage, ApiError> {
    BoardMessage::from_leaf(leaf).map_err(|e| corrupt(format!("stored leaf: {e}")))
}

impl ElectionCache {
    /// Loads leaf 0.
    pub async fn load<S: Store>(store: &S, id: &str) -> Result<Self, ApiError> {
        let leaf = match store.leaf(id, 0).await {
            Err(StoreError::OutOfRange { .. }) => {
                return Err(ApiError::not_found(
                    "election_id",
                    format!("election {id:?} has no manifest yet"),
                ))
            }
            other => other?,
        };
        let BoardMessage::Manifest(manifest) = stored_message(&leaf)? else {
            return Err(corrupt("leaf 0 is not a manifest"));
        };
        let (opens, closes) = manifest.window().map_err(corrupt)?;
        Ok(ElectionCache {
            manifest_leaf_hash: leaf_hash(&leaf),
            manifest,
            manifest_leaf: leaf,
            opens,
            closes,
            key: OnceLock::new(),
            credentials: OnceLock::new(),
            tally: OnceLock::new(),
            committer: OnceLock::new(),
        })
    }

    /// This process's ballot committer for the election, started on first use.
    pub fn committer(
        &self,
        start: impl FnOnce() -> crate::committer::Committer,
    ) -> crate::committer::Committer {
        self.committer.get_or_init(start).clone()
    }

    /// The election id.
    pub fn id(&self) -> &str {
        &self.manifest.election_id
    }

    /// The key ceremony's result, once the `election-key` leaf exists.
    pub async fn key<S: Store>(&self, store: &S) -> Result<Option<Arc<KeyState>>, ApiError> {
        if let Some(key) = self.key.get() {
            return Ok(Some(Arc::clone(key)));
        }
        let leaves = store.leaves_of_kind(self.id(), "election-key").await?;
        let Some((_, leaf)) = leaves.first() else {
            return Ok(None);
        };
        let BoardMessage::ElectionKey(message) = stored_message(leaf)? else {
            return Err(corrupt("election-key leaf of another kind"));
        };
        let (dealings, complaints) = self.ceremony_messages(store).await?;
        let outcome = self.resolve(&dealings, &complaints)?;
        let election = Election::new(
            self.manifest.clone(),
            &self.manifest_leaf,
            message.joint_key.clone(),
        )
        .map_err(corrupt)?;
        let state = Arc::new(KeyState {
            message,
            election,
            outcome,
        });
        Ok(Some(Arc::clone(self.key.get_or_init(|| state))))
    }

    /// The dealings and complaints on the board, each signed message in
    /// leaf order.
    pub async fn ceremony_messages<S: Store>(
        &self,
        store: &S,
    ) -> Result<
        (
            Vec<TrusteeSigned<DealerMessage>>,
            Vec<TrusteeSigned<ComplaintsMessage>>,
        ),
        ApiError,
    > {
        let mut dealings = Vec::new();
        for (_, leaf) in store.leaves_of_kind(self.id(), "trustee-dealing").await? {
            match stored_message(&leaf)? {
                BoardMessage::TrusteeDealing(d) => dealings.push(d),
                _ => return Err(corrupt("trustee-dealing leaf of another kind")),
            }
        }
        let mut complaints = Vec::new();
        for (_, leaf) in store
            .leaves_of_kind(self.id(), "trustee-complaints")
            .await?
        {
            match stored_message(&leaf)? {
                BoardMessage::TrusteeComplaints(c) => complaints.push(c),
                _ => return Err(corrupt("trustee-complaints leaf of another kind")),
            }
        }
        Ok((dealings, complaints))
    }

    /// Resolves the ceremony (spec/crypto.md, DKG resolution) from every
    /// trustee's dealing and complaints, in trustee order.
    pub fn resolve(
        &self,
        dealings: &[TrusteeSigned<DealerMessage>],
        complaints: &[TrusteeSigned<ComplaintsMessage>],
    ) -> Result<DkgOutcome, ApiError> {
        let params = self.manifest.params().map_err(corrupt)?;
        let mut dealings: Vec<DealerMessage> = dealings.iter().map(|d| d.message.clone()).collect();
        dealings.sort_by_key(|d| d.dealer);
        let mut complaints: Vec<ComplaintsMessage> =
            complaints.iter().map(|c| c.message.clone()).collect();
        complaints.sort_by_key(|c| c.complainer);
        resolve(
            &ceremony_fingerprint(&self.manifest_leaf),
            &params,
            &self.manifest.roster(),
            &dealings,
            &complaints,
        )
        .map_err(|e| ApiError::conflict(None, format!("the key ceremony cannot be resolved: {e}")))
    }

    /// The published credential list as a map, once it exists.
    pub async fn credentials<S: Store>(
        &self,
        store: &S,
    ) -> Result<Option<Arc<HashMap<CredentialKey, String>>>, ApiError> {
        if let Some(map) = self.credentials.get() {
            return Ok(Some(Arc::clone(map)));
        }
        let leaves = store.leaves_of_kind(self.id(), "credential-list").await?;
        let Some((_, leaf)) = leaves.first() else {
            return Ok(None);
        };
        let BoardMessage::CredentialList(list) = stored_message(leaf)? else {
            return Err(corrupt("credential-list leaf of another kind"));
        };
        let map: HashMap<CredentialKey, String> = list
            .credentials
            .into_iter()
            .map(|e| (e.credential, e.style))
            .collect();
        Ok(Some(Arc::clone(
            self.credentials.get_or_init(|| Arc::new(map)),
        )))
    }

    /// The published encrypted tally and its leaf index, once it exists.
    pub async fn tally<S: Store>(
        &self,
        store: &S,
    ) -> Result<Option<Arc<(u64, EncryptedTally)>>, ApiError> {
        if let Some(tally) = self.tally.get() {
            return Ok(Some(Arc::clone(tally)));
        }
        let leaves = store.leaves_of_kind(self.id(), "tally").await?;
        let Some((index, leaf)) = leaves.first() else {
            return Ok(None);
        };
        let BoardMessage::Tally(tally) = stored_message(leaf)? else {
            return Err(corrupt("tally leaf of another kind"));
        };
        let entry = Arc::new((*index, tally));
        Ok(Some(Arc::clone(self.tally.get_or_init(|| entry))))
    }
}
