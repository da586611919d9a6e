//! The durable bulletin board: each election's transparency log
//! (spec/record.md §8–§9) kept in a database, behind one
//! [`Store`](crate::store::Store) trait with two implementations that pass
//! the same test suite: [`SqliteStore`](crate::store::SqliteStore) (one
//! file, the embedded default) and
//! [`PostgresStore`](crate::store::PostgresStore) (shared by several server
//! processes).
//!
//! # What is stored
//!
//! Per election: the leaves (bytes, leaf hash, kind, and for ballots the
//! tracking code and public credential), every complete aligned Merkle
//! subtree hash above the leaves (level `k ≥ 1`, index `i`: leaves
//! `i·2^k .. (i+1)·2^k`, the nodes [`MerkleTree`] keeps in memory), and
//! signed checkpoints. An append inserts the leaf and the nodes it
//! completes, so a root or a proof is a handful of nodes fetched in one
//! query ([`HashPlan`]) and never needs the leaves in memory.
//!
//! # Appends
//!
//! An append is one short transaction that reads the log's size under a
//! lock, inserts the leaf at that index and the completed nodes, and
//! commits; it returns only once the leaf is durable. Appends therefore
//! serialise, within a process and across processes, and leaf indices are
//! dense. Each backend says how it locks. Since each commit waits for the
//! disk, [`Store::append_ballots`](crate::store::Store::append_ballots) takes several ballots in one
//! transaction (group commit) for a server under load.
//!
//! # Why `impl Future + Send` and no `dyn`
//!
//! The trait's methods are declared as returning `impl Future + Send`
//! (Rust's native async functions in traits, implemented with `async fn`)
//! rather than through the `async-trait` crate: no boxing per call, no
//! extra dependency, and the `Send` bound lets a handler spawned on a
//! multi-threaded runtime await them. Such a trait is not object-safe, so
//! callers are generic over `S: Store` (the HTTP layer's state too); the
//! backend is chosen once, at start.
//!
//! [`MerkleTree`]: psephos_election::board::merkle::MerkleTree
//! [`HashPlan`]: psephos_election::board::merkle::HashPlan

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::ops::Range;

use psephos_crypto::context::CredentialKey;
use psephos_election::ballot::TrackingCode;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{empty_root, node_hash, Hash, HashPlan, Subtree};
use psephos_election::board::messages::BoardMessage;
use psephos_election::record::RecordWriter;

use crate::error::StoreError;

/// The PostgreSQL store.
pub mod postgres;
/// Streaming an election record out of a store.
pub mod record;
/// The SQLite store.
pub mod sqlite;

pub use postgres::PostgresStore;
pub use record::{write_record, write_record_async};
pub use sqlite::SqliteStore;

/// The kind of a cast ballot's leaf.
pub(crate) const BALLOT_KIND: &str = "ballot";

/// The kind of an audited (spoiled) ballot's leaf.
pub(crate) const AUDIT_KIND: &str = "ballot-audit";

/// Leaves a store returns at most per call of [`Store::leaves`]; callers
/// page through longer ranges.
pub const MAX_LEAVES_PER_CALL: u64 = 1024;

/// What a store records about a leaf besides its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafMeta {
    /// The message's `type` (spec/record.md §9.2), or anything for leaves
    /// that are not messages.
    pub kind: String,
    /// A cast ballot's tracking code: unique in the log, and how
    /// [`Store::leaf_by_tracking_code`] finds it.
    pub tracking_code: Option<TrackingCode>,
    /// A cast ballot's public credential: how a revote finds the ballot it
    /// supersedes.
    pub credential: Option<CredentialKey>,
}

impl LeafMeta {
    /// A leaf of this kind that is not a cast ballot.
    pub fn kind(kind: &str) -> Self {
        LeafMeta {
            kind: kind.to_string(),
            tracking_code: None,
            credential: None,
        }
    }

    /// The metadata of a message: its kind, and for a cast ballot its
    /// tracking code and credential. (An audited ballot carries neither:
    /// it is not cast, and its tracking code must stay free.)
    pub fn of(message: &BoardMessage) -> Self {
        match message {
            BoardMessage::Ballot(ballot) => LeafMeta {
                kind: message.kind().to_string(),
                tracking_code: Some(ballot.tracking_code()),
                credential: Some(ballot.credential),
            },
            other => LeafMeta::kind(other.kind()),
        }
    }
}

/// An earlier ballot of the same credential that a revote replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Superseded {
    /// Its tracking code.
    pub tracking_code: TrackingCode,
    /// Its leaf index.
    pub index: u64,
}

/// A cast ballot to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotLeaf {
    /// The leaf bytes (the `ballot` message).
    pub leaf: Vec<u8>,
    /// The ballot's tracking code.
    pub tracking_code: TrackingCode,
    /// The ballot's public credential.
    pub credential: CredentialKey,
}

/// The outcome of [`Store::append_ballot`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BallotAppend {
    /// The ballot's leaf index.
    pub index: u64,
    /// The ballot was already in the log (nothing was appended; `index` is
    /// where it was stored the first time).
    pub already_present: bool,
    /// The latest earlier ballot of the same credential, which this one
    /// replaces (the same answer when the ballot is sent again).
    pub supersedes: Option<Superseded>,
}

/// What an append requires of the log, checked under the append's lock,
/// and the phase the log moves to with it. Phases are the server's
/// (spec/api.md §1.2); the store only compares and sets them, so that a
/// ballot is never appended after the window closed, even by another
/// process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guard {
    /// The phases the log may be in (empty: any).
    pub phases: &'static [&'static str],
    /// The size the log must have (compare-and-append), if any.
    pub size: Option<u64>,
    /// The phase the log moves to with this append, if it changes.
    pub then: Option<&'static str>,
}

impl Guard {
    /// Only in one of `phases`.
    pub fn in_phases(phases: &'static [&'static str]) -> Self {
        Guard {
            phases,
            ..Guard::default()
        }
    }

    /// Checks the log's phase and size.
    pub(crate) fn check(&self, phase: &str, size: u64) -> Result<(), StoreError> {
        let phase_ok = self.phases.is_empty() || self.phases.contains(&phase);
        let size_ok = self.size.is_none_or(|want| want == size);
        if phase_ok && size_ok {
            Ok(())
        } else {
            Err(StoreError::Refused {
                phase: phase.to_string(),
                size,
            })
        }
    }
}

/// A credential's ballots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VoterBallots {
    /// Cast ballots, revotes included.
    pub ballots: u64,
    /// The latest, which counts.
    pub latest: Option<Superseded>,
}

/// An election's turnout: counts and who voted, never how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Turnout {
    /// Cast ballot leaves, revotes included.
    pub ballots: u64,
    /// Audited (spoiled) ballot leaves.
    pub audits: u64,
    /// The distinct credentials that cast a ballot.
    pub voters: Vec<CredentialKey>,
}

/// One member of an election's roll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollRow {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Ballot style id.
    pub style: String,
}

/// A leaf found by its tracking code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredLeaf {
    /// Its index.
    pub index: u64,
    /// Its kind.
    pub kind: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A durable store of election logs. All methods are for one election,
/// named by its id (the manifest's `election_id`, which is also the log id
/// of its checkpoints); a server hosts several.
pub trait Store: Send + Sync + 'static {
    /// Creates an empty log for `election`; fails with
    /// [`StoreError::ElectionExists`] if there is one.
    fn create_election(
        &self,
        election: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Appends a leaf; returns its index once it is durable. A tracking
    /// code in `meta` that is already in the log fails with
    /// [`StoreError::TrackingCodeConflict`] (use [`Store::append_ballot`]).
    fn append(
        &self,
        election: &str,
        leaf: Vec<u8>,
        meta: LeafMeta,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.append_guarded(election, leaf, meta, Guard::default())
    }

    /// Appends a leaf as [`Store::append`] does if the log satisfies
    /// `guard` under the append's lock, and moves the log to the guard's
    /// next phase in the same transaction; otherwise fails with
    /// [`StoreError::Refused`] and stores nothing.
    fn append_guarded(
        &self,
        election: &str,
        leaf: Vec<u8>,
        meta: LeafMeta,
        guard: Guard,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Appends a cast ballot, idempotently: if `tracking_code` is already
    /// in the log with the same bytes, returns its index and appends
    /// nothing; with other bytes, fails with
    /// [`StoreError::TrackingCodeConflict`]. Reports the ballot of the same
    /// credential this one supersedes.
    fn append_ballot(
        &self,
        election: &str,
        leaf: Vec<u8>,
        tracking_code: TrackingCode,
        credential: CredentialKey,
    ) -> impl Future<Output = Result<BallotAppend, StoreError>> + Send {
        async move {
            let batch = vec![BallotLeaf {
                leaf,
                tracking_code,
                credential,
            }];
            self.append_ballots(election, batch)
                .await?
                .pop()
                .unwrap_or_else(|| Err(StoreError::Corrupt("a batch of one gave no result".into())))
        }
    }

    /// Appends several cast ballots in one transaction (one disk sync for
    /// all: group commit), in order, each as [`Store::append_ballot`]
    /// would, seeing the ones before it (a ballot sent twice in a batch is
    /// stored once). A ballot refused on its own ([`StoreError::InvalidLeaf`],
    /// [`StoreError::TrackingCodeConflict`]) gets its error in its place and
    /// the others go on; any other error fails the whole batch, and then
    /// nothing of it is stored.
    fn append_ballots(
        &self,
        election: &str,
        ballots: Vec<BallotLeaf>,
    ) -> impl Future<Output = Result<Vec<Result<BallotAppend, StoreError>>, StoreError>> + Send
    {
        self.append_ballots_guarded(election, ballots, Guard::default())
    }

    /// [`Store::append_ballots`], if the log satisfies `guard` (its phases;
    /// its size, if set, is the size before the batch) under the append's
    /// lock; otherwise the whole batch fails with [`StoreError::Refused`].
    fn append_ballots_guarded(
        &self,
        election: &str,
        ballots: Vec<BallotLeaf>,
        guard: Guard,
    ) -> impl Future<Output = Result<Vec<Result<BallotAppend, StoreError>>, StoreError>> + Send;

    /// The log's phase (see [`Guard`]); `keygen` for a new log.
    fn phase(&self, election: &str) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Every election on this server with its phase, in creation order.
    fn elections(&self) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;

    /// The index and bytes of every leaf of this kind, in order. Meant for
    /// the rare kinds (trustee messages, window events), not ballots.
    fn leaves_of_kind(
        &self,
        election: &str,
        kind: &str,
    ) -> impl Future<Output = Result<Vec<(u64, Vec<u8>)>, StoreError>> + Send;

    /// How many ballots this credential has cast, and its latest; with
    /// `before`, only among leaves before that index.
    fn voter(
        &self,
        election: &str,
        credential: CredentialKey,
        before: Option<u64>,
    ) -> impl Future<Output = Result<VoterBallots, StoreError>> + Send;

    /// Counts of cast and audited ballots and the credentials that voted.
    fn turnout(&self, election: &str) -> impl Future<Output = Result<Turnout, StoreError>> + Send;

    /// A server-wide setting, if set.
    fn setting(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Sets a server-wide setting unless it is set; returns the value that
    /// is stored (so processes starting together agree on one).
    fn init_setting(
        &self,
        name: &str,
        value: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// Sets a server-wide setting, replacing any value.
    fn put_setting(
        &self,
        name: &str,
        value: Vec<u8>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the election's member roll, in one transaction, if the log
    /// is in one of `phases` (else [`StoreError::Refused`]).
    fn put_roll(
        &self,
        election: &str,
        members: Vec<RollRow>,
        phases: &'static [&'static str],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether the roll has a member of `style` with this e-mail address
    /// (compared without regard to ASCII case).
    fn roll_has_member(
        &self,
        election: &str,
        email: &str,
        style: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The roll's member count per ballot style, sorted by style.
    fn roll_by_style(
        &self,
        election: &str,
    ) -> impl Future<Output = Result<Vec<(String, u64)>, StoreError>> + Send;

    /// The number of leaves.
    fn size(&self, election: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The bytes of leaf `index`.
    fn leaf(
        &self,
        election: &str,
        index: u64,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// The bytes of the leaves in `range`, in order: all of them, or the
    /// first [`MAX_LEAVES_PER_CALL`] (page on from there). A range past the
    /// end of the log fails with [`StoreError::OutOfRange`].
    fn leaves(
        &self,
        election: &str,
        range: Range<u64>,
    ) -> impl Future<Output = Result<Vec<Vec<u8>>, StoreError>> + Send;

    /// The leaf with this tracking code, if any.
    fn leaf_by_tracking_code(
        &self,
        election: &str,
        tracking_code: TrackingCode,
    ) -> impl Future<Output = Result<Option<StoredLeaf>, StoreError>> + Send;

    /// The Merkle root of the first `size` leaves.
    fn root_at(
        &self,
        election: &str,
        size: u64,
    ) -> impl Future<Output = Result<Hash, StoreError>> + Send;

    /// The audit path of leaf `index` in the tree of the first `size`
    /// leaves (as [`MerkleTree::inclusion_proof`]).
    ///
    /// [`MerkleTree::inclusion_proof`]: psephos_election::board::merkle::MerkleTree::inclusion_proof
    fn inclusion_proof(
        &self,
        election: &str,
        index: u64,
        size: u64,
    ) -> impl Future<Output = Result<Vec<Hash>, StoreError>> + Send;

    /// The consistency proof between the trees of the first `first` and
    /// `second` leaves (as [`MerkleTree::consistency_proof`]).
    ///
    /// [`MerkleTree::consistency_proof`]: psephos_election::board::merkle::MerkleTree::consistency_proof
    fn consistency_proof(
        &self,
        election: &str,
        first: u64,
        second: u64,
    ) -> impl Future<Output = Result<Vec<Hash>, StoreError>> + Send;

    /// Stores a signed checkpoint of the log named by its `log_id`, after
    /// checking that its root is the log's root at its size (the signature
    /// is the caller's business). Storing one again is a no-op; the first
    /// checkpoint stored for a size stays.
    fn put_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The checkpoint of the largest size stored, if any.
    fn latest_checkpoint(
        &self,
        election: &str,
    ) -> impl Future<Output = Result<Option<SignedCheckpoint>, StoreError>> + Send;

    /// The checkpoint stored for exactly `size` leaves, if any.
    fn checkpoint_at(
        &self,
        election: &str,
        size: u64,
    ) -> impl Future<Output = Result<Option<SignedCheckpoint>, StoreError>> + Send;
}

/// A root or proof request, checked against the log's size and turned
/// into the subtrees it needs; shared by the backends.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TreeQuery {
    /// `root_at(size)`.
    Root(u64),
    /// `inclusion_proof(index, size)`.
    Inclusion(u64, u64),
    /// `consistency_proof(first, second)`.
    Consistency(u64, u64),
}

impl TreeQuery {
    /// The plan, or the same range error [`MerkleTree`] gives.
    ///
    /// [`MerkleTree`]: psephos_election::board::merkle::MerkleTree
    pub(crate) fn plan(self, log_size: u64) -> Result<HashPlan, StoreError> {
        let out_of_range = |index, size| StoreError::OutOfRange { index, size };
        match self {
            TreeQuery::Root(size) if size > log_size => Err(out_of_range(size, log_size)),
            TreeQuery::Root(size) => Ok(HashPlan::root(size)),
            TreeQuery::Inclusion(index, size) if index >= size || size > log_size => {
                Err(out_of_range(index, size.min(log_size)))
            }
            TreeQuery::Consistency(first, second) if first > second || second > log_size => {
                Err(out_of_range(second, log_size))
            }
            TreeQuery::Inclusion(index, size) => {
                HashPlan::inclusion(index, size).map_err(|_| out_of_range(index, size))
            }
            TreeQuery::Consistency(first, second) => {
                HashPlan::consistency(first, second).map_err(|_| out_of_range(second, log_size))
            }
        }
    }

    /// The hashes from the fetched subtrees: for a root, one hash (the
    /// empty root for size 0).
    pub(crate) fn assemble(
        self,
        plan: &HashPlan,
        fetched: &HashMap<Subtree, Hash>,
    ) -> Result<Vec<Hash>, StoreError> {
        let hashes = plan
            .hashes(|s| fetched.get(&s).copied())
            .ok_or_else(|| StoreError::Corrupt(format!("missing tree nodes for {self:?}")))?;
        match self {
            TreeQuery::Root(_) if hashes.is_empty() => Ok(vec![empty_root()]),
            _ => Ok(hashes),
        }
    }
}

/// The one hash of a root query.
pub(crate) fn single(hashes: Vec<Hash>) -> Result<Hash, StoreError> {
    match hashes.as_slice() {
        [root] => Ok(*root),
        _ => Err(StoreError::Corrupt(
            "a root query gave no single hash".into(),
        )),
    }
}

/// The subtrees whose hashes appending leaf `index` needs: the left
/// siblings of the nodes it completes, lowest first.
pub(crate) fn append_siblings(index: u64) -> Vec<Subtree> {
    (0..64u32)
        .take_while(|&level| (index >> level) & 1 == 1)
        .map(|level| Subtree {
            level,
            index: (index >> level) - 1,
        })
        .collect()
}

/// The nodes completed by appending the leaf with hash `leaf` at `index`,
/// from the siblings' hashes ([`append_siblings`]).
pub(crate) fn completed_nodes(
    index: u64,
    leaf: Hash,
    fetched: &HashMap<Subtree, Hash>,
) -> Result<Vec<(Subtree, Hash)>, StoreError> {
    let mut node = leaf;
    let mut out = Vec::new();
    for sibling in append_siblings(index) {
        let left = fetched.get(&sibling).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "missing tree node at level {} index {}",
                sibling.level, sibling.index
            ))
        })?;
        node = node_hash(left, &node);
        out.push((
            Subtree {
                level: sibling.level + 1,
                index: sibling.index / 2,
            },
            node,
        ));
    }
    Ok(out)
}

/// Whether an error concerns one ballot of a batch (which goes on without
/// it) rather than the whole transaction.
pub(crate) fn refuses_one_ballot(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::InvalidLeaf(_) | StoreError::TrackingCodeConflict { .. }
    )
}

/// Refuses a leaf that an election record could not carry, by the record
/// writer's own rules.
pub(crate) fn check_leaf(leaf: &[u8]) -> Result<(), StoreError> {
    let mut writer = RecordWriter::new(io::sink())?;
    writer
        .write_leaf(leaf)
        .map_err(|e| StoreError::InvalidLeaf(e.to_string()))
}

/// A `u64` index or size as a database integer.
pub(crate) fn db_int(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange {
        index: value,
        size: i64::MAX as u64,
    })
}

/// A database integer as a `u64` index or size.
pub(crate) fn from_db_int(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative {what}: {value}")))
}

/// A database blob as a 32-byte hash, tracking code or credential.
pub(crate) fn bytes32(value: &[u8], what: &str) -> Result<[u8; 32], StoreError> {
    value
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} of {} bytes, not 32", value.len())))
}

/// A subtree from database integers.
pub(crate) fn credential_of(value: &[u8]) -> Result<CredentialKey, StoreError> {
    Ok(CredentialKey::from_bytes(bytes32(value, "credential")?))
}

pub(crate) fn subtree(level: i64, index: i64) -> Result<Subtree, StoreError> {
    Ok(Subtree {
        level: u32::try_from(level)
            .ok()
            .filter(|l| *l < 64)
            .ok_or_else(|| StoreError::Corrupt(format!("tree level {level}")))?,
        index: from_db_int(index, "node index")?,
    })
}

/// Checks that leaves read for `range` came back with exactly the indices
/// asked for (the first `count` of them).
pub(crate) fn check_dense(start: u64, indices: &[u64]) -> Result<(), StoreError> {
    for (offset, index) in indices.iter().enumerate() {
        let expected = start + offset as u64;
        if *index != expected {
            return Err(StoreError::Corrupt(format!(
                "leaf {expected} missing (found leaf {index} in its place)"
            )));
        }
    }
    Ok(())
}

/// The end of a page of [`Store::leaves`] starting at `range.start`,
/// after checking the range against the log's size.
pub(crate) fn page_end(range: &Range<u64>, log_size: u64) -> Result<u64, StoreError> {
    if range.end > log_size {
        return Err(StoreError::OutOfRange {
            index: range.end,
            size: log_size,
        });
    }
    if range.start >= range.end {
        return Ok(range.start);
    }
    Ok(range
        .end
        .min(range.start.saturating_add(MAX_LEAVES_PER_CALL)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use psephos_election::board::merkle::{leaf_hash, MerkleTree};

    #[test]
    fn appending_completes_the_nodes_the_tree_has() {
        // Replays appends against a map of nodes and checks every root.
        let mut nodes: HashMap<Subtree, Hash> = HashMap::new();
        let mut tree = MerkleTree::new();
        for i in 0..100u64 {
            let leaf = leaf_hash(&i.to_le_bytes());
            let new = completed_nodes(i, leaf, &nodes).unwrap();
            assert_eq!(new.len(), i.trailing_ones() as usize);
            nodes.insert(Subtree { level: 0, index: i }, leaf);
            nodes.extend(new);
            tree.push(leaf);
            let plan = TreeQuery::Root(i + 1).plan(i + 1).unwrap();
            let root = single(TreeQuery::Root(i + 1).assemble(&plan, &nodes).unwrap()).unwrap();
            assert_eq!(root, tree.root());
        }
    }

    #[test]
    fn leaves_a_record_cannot_carry_are_refused() {
        assert!(check_leaf(b"{\"type\":\"x\"}").is_ok());
        assert!(matches!(
            check_leaf(b"a\nb"),
            Err(StoreError::InvalidLeaf(_))
        ));
    }

    #[test]
    fn pages_stop_at_the_limit_and_ranges_at_the_log() {
        assert_eq!(page_end(&(0..10), 10).unwrap(), 10);
        assert_eq!(page_end(&(5..5), 10).unwrap(), 5);
        assert_eq!(page_end(&Range { start: 7, end: 3 }, 10).unwrap(), 7);
        assert_eq!(page_end(&(0..5000), 5000).unwrap(), MAX_LEAVES_PER_CALL);
        assert!(matches!(
            page_end(&(0..11), 10),
            Err(StoreError::OutOfRange {
                index: 11,
                size: 10
            })
        ));
    }
}
