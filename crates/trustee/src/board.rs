//! Reading the bulletin board without trusting it (spec/record.md §8–§9).
//!
//! 1. **Checkpoint**: the board's latest signed checkpoint must name this
//!    election and carry a valid signature under the manifest's
//!    `board_key`.
//! 2. **Consistency**: it must extend the last checkpoint this trustee
//!    verified (kept in the state file), by an RFC 9162 consistency proof;
//!    a smaller tree, or a proof that fails, means the board rewrote its
//!    history.
//! 3. **Leaves**: every leaf up to the checkpoint's size is downloaded,
//!    re-encoded canonically and hashed; the Merkle root of the hashes must
//!    be the checkpoint's root, so the messages used are exactly those the
//!    board signed.
//! 4. **Messages** ([`Scan`]): leaves must come in the order of §9.6, and
//!    every trustee message must be signed by the trustee it names.
//!
//! Only after all four does a command act on what it read.

use psephos_crypto::dkg::{ComplaintsMessage, DealerMessage};
use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, verify_consistency, Hash, MerkleTree};
use psephos_election::board::messages::{BoardMessage, ElectionKey, TrusteeSigned};
use psephos_election::credentials::CredentialList;
use psephos_election::election::Election;
use psephos_election::manifest::Manifest;
use psephos_election::signing::PublicSigningKey;
use psephos_election::tally::{EncryptedTally, TallyDecryption};
use serde::Serialize;

use crate::api::BoardApi;
use crate::error::TrusteeError;
use crate::progress::Observer;
use crate::recount::{BallotLeaf, Recount};

/// Leaves asked for per request (the API's page limit).
pub const PAGE: u64 = 1024;

fn hex(hash: &Hash) -> String {
    psephos_crypto::encoding::to_hex(hash)
}

/// Checks that checkpoint `newer` extends `older`, given the board's
/// consistency proof between them.
pub fn check_consistency(
    older: &SignedCheckpoint,
    newer: &SignedCheckpoint,
    proof: &[Hash],
) -> Result<(), TrusteeError> {
    if newer.size < older.size {
        return Err(TrusteeError::HistoryRewritten(format!(
            "its log now has {} leaves, but it signed a checkpoint of {} leaves earlier",
            newer.size, older.size
        )));
    }
    verify_consistency(older.size, newer.size, &older.root, &newer.root, proof).map_err(|_| {
        TrusteeError::HistoryRewritten(format!(
            "its checkpoint of {} leaves (root {}) does not extend the checkpoint of {} leaves (root {}) it signed earlier",
            newer.size,
            hex(&newer.root),
            older.size,
            hex(&older.root)
        ))
    })
}

/// Fetches the board's latest checkpoint and verifies its signature and
/// its consistency with `last` (the last checkpoint verified).
pub fn verified_checkpoint(
    api: &dyn BoardApi,
    election_id: &str,
    board_key: &PublicSigningKey,
    last: Option<&SignedCheckpoint>,
) -> Result<SignedCheckpoint, TrusteeError> {
    let checkpoint = api.checkpoint()?;
    if checkpoint.log_id != election_id {
        return Err(TrusteeError::BoardMisbehaved(format!(
            "its checkpoint is for log `{}`, not election `{election_id}`",
            checkpoint.log_id
        )));
    }
    checkpoint.verify(board_key).map_err(|_| {
        TrusteeError::BoardMisbehaved(
            "its checkpoint's signature does not verify under the manifest's board key".into(),
        )
    })?;
    if let Some(last) = last {
        if checkpoint.size < last.size {
            return check_consistency(last, &checkpoint, &[]).map(|_| checkpoint);
        }
        let proof = if checkpoint.size == last.size {
            Vec::new()
        } else {
            api.consistency(last.size, checkpoint.size)?
        };
        check_consistency(last, &checkpoint, &proof)?;
    }
    Ok(checkpoint)
}

/// Downloads the leaves `0 .. checkpoint.size`, hands them to `visit` page
/// by page (with their canonical bytes), and checks that they hash to the
/// checkpoint's root. `visit`'s conclusions must not be acted on if this
/// returns an error.
pub fn read_leaves(
    api: &dyn BoardApi,
    checkpoint: &SignedCheckpoint,
    observer: &dyn Observer,
    mut visit: impl FnMut(u64, Vec<(Vec<u8>, BoardMessage)>) -> Result<(), TrusteeError>,
) -> Result<(), TrusteeError> {
    let mut tree = MerkleTree::new();
    let size = checkpoint.size;
    while tree.size() < size {
        let start = tree.size();
        let end = size.min(start + PAGE);
        let messages = api.leaves(start, end)?;
        if messages.is_empty() || messages.len() as u64 > end - start {
            return Err(TrusteeError::HistoryRewritten(format!(
                "asked for leaves {start}..{end} of the {size} its checkpoint covers, it served {}",
                messages.len()
            )));
        }
        let page: Vec<(Vec<u8>, BoardMessage)> =
            messages.into_iter().map(|m| (m.to_leaf(), m)).collect();
        for (bytes, _) in &page {
            tree.push(leaf_hash(bytes));
        }
        visit(start, page)?;
        observer.leaves(tree.size(), size);
    }
    observer.leaves_done();
    if tree.root() != checkpoint.root {
        return Err(TrusteeError::HistoryRewritten(format!(
            "the {size} leaves it serves do not hash to the root {} of its own signed checkpoint",
            hex(&checkpoint.root)
        )));
    }
    Ok(())
}

/// The position of each message kind in the order of spec/record.md §9.6.
fn rank(message: &BoardMessage) -> u8 {
    match message {
        BoardMessage::Manifest(_) => 0,
        BoardMessage::TrusteeDealing(_) => 1,
        BoardMessage::TrusteeComplaints(_) => 2,
        BoardMessage::ElectionKey(_) => 3,
        // Placed anywhere before `voting-opened`; checked separately.
        BoardMessage::CredentialList(_) => 0,
        BoardMessage::VotingOpened(_) => 4,
        BoardMessage::Ballot(_) | BoardMessage::BallotAudit(_) => 5,
        BoardMessage::VotingClosed(_) => 6,
        BoardMessage::Tally(_) => 7,
        BoardMessage::TallyDecryption(_) => 8,
        BoardMessage::Result(_) => 9,
    }
}

/// Who posted what, in a form for reports.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Posted {
    /// `(trustee, leaf)` of each dealing.
    pub dealings: Vec<(u32, u64)>,
    /// `(trustee, leaf)` of each complaints message.
    pub complaints: Vec<(u32, u64)>,
    /// `(trustee, leaf)` of each tally decryption.
    pub decryptions: Vec<(u32, u64)>,
}

/// The election's messages as read from a verified board.
pub struct Scan {
    manifest: Manifest,
    board_manifest: Option<Vec<u8>>,
    rank: u8,
    /// Trustee dealings with their leaves, in log order.
    pub dealings: Vec<(u64, TrusteeSigned<DealerMessage>)>,
    /// Trustee complaints messages with their leaves, in log order.
    pub complaints: Vec<(u64, TrusteeSigned<ComplaintsMessage>)>,
    /// The published key ceremony outcome.
    pub election_key: Option<(u64, ElectionKey)>,
    /// The credential list.
    pub credentials: Option<(u64, CredentialList)>,
    /// Whether voting opened and closed.
    pub voting: (Option<u64>, Option<u64>),
    /// The encrypted tally.
    pub tally: Option<(u64, EncryptedTally)>,
    /// Tally decryptions with their leaves.
    pub decryptions: Vec<(u64, TrusteeSigned<TallyDecryption>)>,
    /// The result's leaf.
    pub result: Option<u64>,
    /// The recount, when asked for ([`Scan::with_recount`]).
    pub recount: Option<Recount>,
    recounting: bool,
    pending: Vec<(u64, BallotLeaf)>,
    /// Bytes of the ballot leaves seen (cast and audited).
    pub ballot_leaves: u64,
}

impl Scan {
    /// A scan of the board of the election with this manifest (as the
    /// server's election endpoint gave it; leaf 0 must be the same).
    pub fn new(manifest: Manifest) -> Self {
        Scan {
            manifest,
            board_manifest: None,
            rank: 0,
            dealings: Vec::new(),
            complaints: Vec::new(),
            election_key: None,
            credentials: None,
            voting: (None, None),
            tally: None,
            decryptions: Vec::new(),
            result: None,
            recount: None,
            recounting: false,
            pending: Vec::new(),
            ballot_leaves: 0,
        }
    }

    /// Also recounts the ballots (for decryption).
    pub fn with_recount(mut self) -> Self {
        self.recounting = true;
        self
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The exact bytes of leaf 0.
    pub fn manifest_leaf(&self) -> Result<&[u8], TrusteeError> {
        self.board_manifest
            .as_deref()
            .ok_or_else(|| TrusteeError::BoardMisbehaved("its log is empty".into()))
    }

    /// Who posted what.
    pub fn posted(&self) -> Posted {
        Posted {
            dealings: self
                .dealings
                .iter()
                .map(|(l, m)| (m.trustee.get(), *l))
                .collect(),
            complaints: self
                .complaints
                .iter()
                .map(|(l, m)| (m.trustee.get(), *l))
                .collect(),
            decryptions: self
                .decryptions
                .iter()
                .map(|(l, m)| (m.trustee.get(), *l))
                .collect(),
        }
    }

    fn misbehaved(leaf: u64, reason: impl std::fmt::Display) -> TrusteeError {
        TrusteeError::BoardMisbehaved(format!("leaf {leaf}: {reason}"))
    }

    fn check_signed<T: Serialize>(
        &self,
        leaf: u64,
        kind: &str,
        signed: &TrusteeSigned<T>,
        named: TrusteeIndex,
        seen: &[(u64, TrusteeSigned<T>)],
    ) -> Result<(), TrusteeError> {
        let entry = self.manifest.trustee(signed.trustee.get()).ok_or_else(|| {
            Self::misbehaved(
                leaf,
                format!(
                    "a {kind} from trustee {} who is not in the manifest",
                    signed.trustee
                ),
            )
        })?;
        if !signed.verify(&self.manifest.election_id, kind, &entry.signing_key) {
            return Err(Self::misbehaved(
                leaf,
                format!(
                    "the {kind} of trustee {} has a bad signature",
                    signed.trustee
                ),
            ));
        }
        if named != signed.trustee {
            return Err(Self::misbehaved(
                leaf,
                format!(
                    "trustee {}'s {kind} names trustee {named} as its author",
                    signed.trustee
                ),
            ));
        }
        if let Some((earlier, _)) = seen.iter().find(|(_, m)| m.trustee == signed.trustee) {
            return Err(Self::misbehaved(
                leaf,
                format!(
                    "a second {kind} from trustee {} (the first is at leaf {earlier})",
                    signed.trustee
                ),
            ));
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TrusteeError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        match &mut self.recount {
            Some(recount) => recount.add(batch),
            None => Ok(()),
        }
    }

    fn start_recount(&mut self, leaf: u64) -> Result<(), TrusteeError> {
        let (Some((_, key)), Some((_, list))) = (&self.election_key, &self.credentials) else {
            return Err(Self::misbehaved(
                leaf,
                "voting opened before the election key and the credential list were published",
            ));
        };
        let election = Election::new(
            self.manifest.clone(),
            self.manifest_leaf()?,
            key.joint_key.clone(),
        )
        .map_err(|e| Self::misbehaved(0, format!("the manifest is invalid: {e}")))?;
        self.recount = Some(Recount::new(election, list.clone())?);
        Ok(())
    }

    /// Takes one page of leaves starting at leaf `start`.
    pub fn page(
        &mut self,
        start: u64,
        page: Vec<(Vec<u8>, BoardMessage)>,
    ) -> Result<(), TrusteeError> {
        for (k, (bytes, message)) in page.into_iter().enumerate() {
            let leaf = start + k as u64;
            self.message(leaf, bytes, message)?;
        }
        self.flush()
    }

    fn message(
        &mut self,
        leaf: u64,
        bytes: Vec<u8>,
        message: BoardMessage,
    ) -> Result<(), TrusteeError> {
        if leaf == 0 {
            match &message {
                BoardMessage::Manifest(m) if *m == self.manifest => {}
                BoardMessage::Manifest(_) => return Err(Self::misbehaved(
                    0,
                    "the manifest in the log differs from the one the server's election page shows",
                )),
                other => {
                    return Err(Self::misbehaved(
                        0,
                        format!("the log starts with `{}`, not the manifest", other.kind()),
                    ))
                }
            }
            self.board_manifest = Some(bytes);
            return Ok(());
        }
        let rank = rank(&message);
        let out_of_order = match &message {
            BoardMessage::Manifest(_) => true,
            BoardMessage::CredentialList(_) => self.credentials.is_some() || self.rank > 3,
            BoardMessage::ElectionKey(_) => self.election_key.is_some() || self.rank > 3,
            BoardMessage::VotingOpened(_) => self.voting.0.is_some() || self.rank > 4,
            BoardMessage::VotingClosed(_) => self.voting.1.is_some() || self.rank > 6,
            BoardMessage::Tally(_) => self.tally.is_some() || self.rank > 7,
            BoardMessage::Result(_) => self.result.is_some(),
            _ => rank < self.rank || self.result.is_some(),
        };
        let needs = match &message {
            BoardMessage::VotingOpened(_) => {
                self.election_key.is_none() || self.credentials.is_none()
            }
            BoardMessage::Ballot(_) | BoardMessage::BallotAudit(_) => self.voting.0.is_none(),
            BoardMessage::VotingClosed(_) => self.voting.0.is_none(),
            BoardMessage::Tally(_) => self.voting.1.is_none(),
            BoardMessage::TallyDecryption(_) | BoardMessage::Result(_) => self.tally.is_none(),
            _ => false,
        };
        if out_of_order || needs || self.result.is_some() {
            return Err(Self::misbehaved(
                leaf,
                format!(
                    "a `{}` leaf out of the order spec/record.md §9.6 requires",
                    message.kind()
                ),
            ));
        }
        if !matches!(message, BoardMessage::CredentialList(_)) {
            self.rank = self.rank.max(rank);
        }
        if !matches!(
            message,
            BoardMessage::Ballot(_) | BoardMessage::BallotAudit(_)
        ) {
            self.flush()?;
        }
        match message {
            BoardMessage::Manifest(_) => {}
            BoardMessage::TrusteeDealing(signed) => {
                let named = signed.message.dealer;
                self.check_signed(leaf, "trustee-dealing", &signed, named, &self.dealings)?;
                self.dealings.push((leaf, signed));
            }
            BoardMessage::TrusteeComplaints(signed) => {
                let named = signed.message.complainer;
                self.check_signed(leaf, "trustee-complaints", &signed, named, &self.complaints)?;
                self.complaints.push((leaf, signed));
            }
            BoardMessage::ElectionKey(key) => self.election_key = Some((leaf, key)),
            BoardMessage::CredentialList(list) => self.credentials = Some((leaf, list)),
            BoardMessage::VotingOpened(_) => {
                self.voting.0 = Some(leaf);
                if self.recounting {
                    self.start_recount(leaf)?;
                }
            }
            BoardMessage::Ballot(ballot) => {
                self.ballot_leaves += 1;
                if self.recounting {
                    self.pending.push((leaf, BallotLeaf::Cast(ballot)));
                }
            }
            BoardMessage::BallotAudit(audit) => {
                self.ballot_leaves += 1;
                if self.recounting {
                    self.pending.push((leaf, BallotLeaf::Audit(audit)));
                }
            }
            BoardMessage::VotingClosed(_) => self.voting.1 = Some(leaf),
            BoardMessage::Tally(tally) => self.tally = Some((leaf, tally)),
            BoardMessage::TallyDecryption(signed) => {
                let trustee = signed.trustee;
                self.check_signed(
                    leaf,
                    "tally-decryption",
                    &signed,
                    trustee,
                    &self.decryptions,
                )?;
                self.decryptions.push((leaf, signed));
            }
            BoardMessage::Result(_) => self.result = Some(leaf),
        }
        Ok(())
    }

    /// The dealing messages, in log order.
    pub fn dealer_messages(&self) -> Vec<DealerMessage> {
        self.dealings
            .iter()
            .map(|(_, s)| s.message.clone())
            .collect()
    }

    /// The complaints messages, in log order.
    pub fn complaints_messages(&self) -> Vec<ComplaintsMessage> {
        self.complaints
            .iter()
            .map(|(_, s)| s.message.clone())
            .collect()
    }
}

/// A verified view of the whole board.
pub struct Snapshot {
    /// The checkpoint the leaves were checked against.
    pub checkpoint: SignedCheckpoint,
    /// What the leaves say.
    pub scan: Scan,
}

/// Verifies the latest checkpoint against `last` and reads every leaf
/// into `scan`.
pub fn snapshot(
    api: &dyn BoardApi,
    manifest: &Manifest,
    last: Option<&SignedCheckpoint>,
    mut scan: Scan,
    observer: &dyn Observer,
) -> Result<Snapshot, TrusteeError> {
    let checkpoint = verified_checkpoint(api, &manifest.election_id, &manifest.board_key, last)?;
    read_leaves(api, &checkpoint, observer, |start, page| {
        scan.page(start, page)
    })?;
    if checkpoint.size == 0 {
        return Err(TrusteeError::BoardMisbehaved("its log is empty".into()));
    }
    Ok(Snapshot { checkpoint, scan })
}
