//! The verification driver (spec/verify.md): one streaming pass over the
//! record checks every leaf and sums the counted ballots; a second pass
//! re-reads only the ballots superseded by revotes, to subtract them.
//! Memory stays bounded by the number of voters (a few dozen bytes each),
//! never by the size of the ballots.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::SystemTime;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use psephos_crypto::context::CredentialKey;
use psephos_crypto::dkg::{resolve, ComplaintsMessage, DealerMessage, DkgOutcome};
use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::ballot::{Purpose, TrackingCode};
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, verify_consistency, MerkleTree};
use psephos_election::board::messages::{
    BoardMessage, DisqualifiedTrustee, ElectionKey, TrusteeSigned,
};
use psephos_election::credentials::CredentialList;
use psephos_election::election::Election;
use psephos_election::error::RecordError;
use psephos_election::fingerprint::election_fingerprint;
use psephos_election::manifest::{parse_time, Manifest};
use psephos_election::receipt::Receipt;
use psephos_election::record::{RecordItem, RecordReader};
use psephos_election::tally::{
    combine_result, ElectionResult, EncryptedTally, TallyAccumulator, TallyDecryption,
};
use rand_core::OsRng;
use rayon::prelude::*;
use serde::Serialize;

use crate::ballots::{
    alphas, check_group, parse, unreadable, BallotContextData, BallotOutcome, RawLeaf, GROUP,
};
use crate::checks::Check;
use crate::report::{Recorder, Report};

/// Ballot leaves handed to the workers at once.
const CHUNK: usize = 512;

/// How to verify.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Also check this receipt against the record.
    pub receipt: Option<Receipt>,
}

/// The outcome of checking a receipt against the record.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptCheck {
    /// Whether the receipt's ballot is in the record and its checkpoint is
    /// consistent with the final one.
    pub ok: bool,
    /// What was found.
    pub message: String,
}

/// The phases of a record, in the order spec/record.md §9 requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Start,
    Manifest,
    Dealings,
    Complaints,
    KeyPublished,
    VotingOpen,
    VotingClosed,
    Tallied,
    Decrypting,
    Done,
}

struct State {
    rec: Recorder,
    tree: MerkleTree,
    phase: Phase,
    manifest: Option<(Manifest, Vec<u8>)>,
    dealings: Vec<DealerMessage>,
    complaints: Vec<ComplaintsMessage>,
    trustee_rounds: HashSet<(&'static str, u32)>,
    outcome: Option<DkgOutcome>,
    election: Option<Election>,
    credentials: Option<CredentialList>,
    ballots: Option<std::sync::Arc<BallotContextData>>,
    opened: Option<SystemTime>,
    tally: Option<TallyAccumulator>,
    codes: HashSet<TrackingCode>,
    cast_contents: HashMap<[u8; 16], u64>,
    audit_contents: HashMap<[u8; 16], u64>,
    audit_codes: HashSet<TrackingCode>,
    /// Every audited `α`: its plaintext is public, so it must never be cast.
    audited_alphas: HashSet<[u8; 32]>,
    audited_credentials: HashSet<CredentialKey>,
    last_ballot: HashMap<CredentialKey, u64>,
    superseded: Vec<(u64, CredentialKey)>,
    receipt_leaf: Option<(u64, Vec<u8>)>,
    published_tally: Option<(u64, EncryptedTally)>,
    decryptions: Vec<(u64, TrusteeSigned<TallyDecryption>)>,
    published_result: Option<(u64, ElectionResult)>,
    cast: u64,
    audits: u64,
    pending: Vec<RawLeaf>,
}

/// Verifies the record at `path`. `Err` means the record cannot be read
/// (exit code 2); otherwise the report says whether it verified.
pub fn verify_file(
    path: &Path,
    options: &VerifyOptions,
) -> Result<(Report, Option<ReceiptCheck>), RecordError> {
    let mut reader = RecordReader::new(BufReader::with_capacity(1 << 20, File::open(path)?))?;
    let progress = if options.progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} verifying: {pos} leaves ({per_sec})")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut st = State::new();
    let receipt_index = options.receipt.as_ref().map(|r| r.leaf_index);
    let checkpoint = loop {
        match reader.next_item()? {
            Some(RecordItem::Leaf(bytes)) => {
                let index = st.tree.size() + st.pending.len() as u64;
                if receipt_index == Some(index) {
                    st.receipt_leaf = Some((index, bytes.clone()));
                }
                if is_ballot_leaf(&bytes) && st.ballots.is_some() {
                    st.pending.push((index, bytes));
                    if st.pending.len() >= CHUNK {
                        st.flush()?;
                        progress.set_position(st.tree.size());
                    }
                } else {
                    st.flush()?;
                    st.leaf(index, &bytes)?;
                    progress.set_position(st.tree.size());
                }
            }
            Some(RecordItem::Checkpoint(checkpoint)) => {
                st.flush()?;
                break checkpoint;
            }
            None => {
                return Err(RecordError::Truncated {
                    leaves: reader.leaves(),
                    offset: 0,
                })
            }
        }
    };
    st.rec
        .checked(Check::RecordFormat, st.tree.size(), "leaves");
    st.second_pass(path)?;
    progress.finish_and_clear();
    st.check_checkpoint(&checkpoint);
    let receipt = options
        .receipt
        .as_ref()
        .map(|r| st.check_receipt(r, &checkpoint));
    Ok((st.finish(), receipt))
}

/// Cast ballots and audits are recognised by their first bytes, to parse
/// them in parallel; anything else is parsed in order.
fn is_ballot_leaf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"{\"type\":\"ballot\",") || bytes.starts_with(b"{\"type\":\"ballot-audit\",")
}

impl State {
    fn new() -> Self {
        State {
            rec: Recorder::default(),
            tree: MerkleTree::new(),
            phase: Phase::Start,
            manifest: None,
            dealings: Vec::new(),
            complaints: Vec::new(),
            trustee_rounds: HashSet::new(),
            outcome: None,
            election: None,
            credentials: None,
            ballots: None,
            opened: None,
            tally: None,
            codes: HashSet::new(),
            cast_contents: HashMap::new(),
            audit_contents: HashMap::new(),
            audit_codes: HashSet::new(),
            audited_alphas: HashSet::new(),
            audited_credentials: HashSet::new(),
            last_ballot: HashMap::new(),
            superseded: Vec::new(),
            receipt_leaf: None,
            published_tally: None,
            decryptions: Vec::new(),
            published_result: None,
            cast: 0,
            audits: 0,
            pending: Vec::new(),
        }
    }

    /// Moves to `next` if the message may appear in the current phase.
    fn advance(&mut self, leaf: u64, kind: &str, allowed: &[Phase], next: Phase) {
        if allowed.contains(&self.phase) {
            self.phase = next;
        } else {
            self.rec.fail(
                Check::LeafOrder,
                Some(leaf),
                format!("`{kind}` may not appear after phase {:?}", self.phase),
            );
            self.phase = self.phase.max(next);
        }
    }

    fn leaf(&mut self, index: u64, bytes: &[u8]) -> Result<(), RecordError> {
        self.tree.push(leaf_hash(bytes));
        let message =
            BoardMessage::from_leaf(bytes).map_err(|e| unreadable(index, e.to_string()))?;
        let kind = message.kind();
        use Phase::*;
        match message {
            BoardMessage::Manifest(manifest) => {
                self.advance(index, kind, &[Start], Manifest);
                if index != 0 || self.manifest.is_some() {
                    self.rec
                        .fail(Check::Manifest, Some(index), "a second manifest");
                    return Ok(());
                }
                match manifest.validate() {
                    Ok(()) => {
                        self.rec.checked(Check::Manifest, 1, "manifest");
                        self.manifest = Some((manifest, bytes.to_vec()));
                    }
                    Err(e) => self.rec.fail(Check::Manifest, Some(index), e.to_string()),
                }
            }
            BoardMessage::TrusteeDealing(signed) => {
                self.advance(index, kind, &[Manifest, Dealings], Dealings);
                if self.trustee_message(index, kind, &signed)
                    && signed.message.dealer == signed.trustee
                {
                    self.dealings.push(signed.message);
                } else if signed.message.dealer != signed.trustee {
                    self.rec.fail(
                        Check::TrusteeMessages,
                        Some(index),
                        "dealing signed by another trustee than its dealer",
                    );
                }
            }
            BoardMessage::TrusteeComplaints(signed) => {
                self.advance(index, kind, &[Dealings, Complaints], Complaints);
                if self.trustee_message(index, kind, &signed)
                    && signed.message.complainer == signed.trustee
                {
                    self.complaints.push(signed.message);
                } else if signed.message.complainer != signed.trustee {
                    self.rec.fail(
                        Check::TrusteeMessages,
                        Some(index),
                        "complaints signed by another trustee than the complainer",
                    );
                }
            }
            BoardMessage::ElectionKey(key) => {
                self.advance(index, kind, &[Complaints], KeyPublished);
                self.key_ceremony(index, &key);
            }
            BoardMessage::CredentialList(list) => {
                if !(Manifest..=KeyPublished).contains(&self.phase) || self.credentials.is_some() {
                    self.rec.fail(
                        Check::LeafOrder,
                        Some(index),
                        "the credential list must appear once, before voting opens",
                    );
                }
                match self.manifest.as_ref().map(|(m, _)| list.verify(m)) {
                    Some(Ok(())) => {
                        self.rec.checked(
                            Check::CredentialList,
                            list.credentials.len() as u64,
                            "credentials",
                        );
                        self.credentials = Some(list);
                    }
                    Some(Err(e)) => {
                        self.rec
                            .fail(Check::CredentialList, Some(index), e.to_string())
                    }
                    None => self.rec.fail(
                        Check::CredentialList,
                        Some(index),
                        "no valid manifest to check against",
                    ),
                }
            }
            BoardMessage::VotingOpened(event) => {
                self.advance(index, kind, &[KeyPublished], VotingOpen);
                self.open_voting(index, &event.at);
            }
            BoardMessage::Ballot(_) | BoardMessage::BallotAudit(_) => {
                // Only reached when ballots cannot be checked (no election or
                // credential list), or outside the voting phase.
                if self.phase != VotingOpen {
                    self.rec.fail(
                        Check::LeafOrder,
                        Some(index),
                        format!("`{kind}` outside the voting window"),
                    );
                }
                let check = if kind == "ballot" {
                    Check::BallotProofs
                } else {
                    Check::Audits
                };
                self.rec.fail(
                    check,
                    Some(index),
                    "ballot cannot be checked: no valid election key and credential list",
                );
            }
            BoardMessage::VotingClosed(event) => {
                self.advance(index, kind, &[VotingOpen], VotingClosed);
                self.close_voting(index, &event.at);
            }
            BoardMessage::Tally(tally) => {
                self.advance(index, kind, &[VotingClosed], Tallied);
                self.published_tally = Some((index, tally));
            }
            BoardMessage::TallyDecryption(signed) => {
                self.advance(index, kind, &[Tallied, Decrypting], Decrypting);
                if self.trustee_message(index, kind, &signed) {
                    self.decryptions.push((index, signed));
                }
            }
            BoardMessage::Result(result) => {
                self.advance(index, kind, &[Decrypting], Done);
                self.published_result = Some((index, result));
            }
        }
        Ok(())
    }

    /// V5: the signature, the trustee's existence, one message per round.
    fn trustee_message<T: Serialize>(
        &mut self,
        index: u64,
        kind: &'static str,
        signed: &TrusteeSigned<T>,
    ) -> bool {
        let Some((manifest, _)) = &self.manifest else {
            self.rec
                .fail(Check::TrusteeMessages, Some(index), "no valid manifest");
            return false;
        };
        let trustee = signed.trustee.get();
        let Some(entry) = manifest.trustee(trustee) else {
            self.rec.fail(
                Check::TrusteeMessages,
                Some(index),
                format!("trustee {trustee} is not in the manifest"),
            );
            return false;
        };
        if !signed.verify(&manifest.election_id, kind, &entry.signing_key) {
            self.rec.fail(
                Check::TrusteeMessages,
                Some(index),
                format!("`{kind}` from trustee {trustee}: signature does not verify"),
            );
            return false;
        }
        if !self.trustee_rounds.insert((kind, trustee)) {
            self.rec.fail(
                Check::TrusteeMessages,
                Some(index),
                format!("trustee {trustee} posted a second `{kind}`"),
            );
            return false;
        }
        self.rec.checked(Check::TrusteeMessages, 1, "messages");
        true
    }

    /// V6 and V7.
    fn key_ceremony(&mut self, index: u64, published: &ElectionKey) {
        let Some((manifest, manifest_leaf)) = &self.manifest else {
            self.rec
                .fail(Check::KeyCeremony, Some(index), "no valid manifest");
            return;
        };
        let Ok(params) = manifest.params() else {
            return;
        };
        let ceremony = psephos_election::fingerprint::ceremony_fingerprint(manifest_leaf);
        let outcome = match resolve(
            &ceremony,
            &params,
            &manifest.roster(),
            &self.dealings,
            &self.complaints,
        ) {
            Ok(outcome) => outcome,
            Err(e) => {
                self.rec
                    .fail(Check::KeyCeremony, Some(index), e.to_string());
                return;
            }
        };
        let complaints: usize = self.complaints.iter().map(|c| c.complaints.len()).sum();
        self.rec
            .checked(Check::KeyCeremony, complaints as u64, "complaints decided");
        let fingerprint = election_fingerprint(manifest_leaf, &outcome.joint_key);
        let disqualified: Vec<DisqualifiedTrustee> = outcome
            .disqualified
            .iter()
            .map(|(trustee, why)| DisqualifiedTrustee {
                trustee: *trustee,
                why: why.clone(),
            })
            .collect();
        let mut matches = true;
        if published.joint_key != outcome.joint_key {
            self.rec.fail(
                Check::ElectionKey,
                Some(index),
                "the published joint key differs from the ceremony's",
            );
            matches = false;
        }
        if published.fingerprint != fingerprint {
            self.rec.fail(Check::ElectionKey, Some(index), "the published election fingerprint is not SHA-256 of the manifest leaf and joint key");
            matches = false;
        }
        if published.qualified != outcome.qualified
            || !same_verdicts(&published.disqualified, &disqualified)
        {
            self.rec.fail(
                Check::ElectionKey,
                Some(index),
                "the published qualified or disqualified trustees differ from the ceremony's",
            );
            matches = false;
        }
        if matches {
            self.rec.checked(Check::ElectionKey, 1, "election key");
        }
        // Everything after is checked against the recomputed key, never the published one.
        match Election::new(manifest.clone(), manifest_leaf, outcome.joint_key.clone()) {
            Ok(election) => self.election = Some(election),
            Err(e) => self
                .rec
                .fail(Check::ElectionKey, Some(index), e.to_string()),
        }
        self.outcome = Some(outcome);
    }

    /// V9 (opening) and the context ballots are checked against.
    fn open_voting(&mut self, index: u64, at: &str) {
        let Some((manifest, _)) = &self.manifest else {
            return;
        };
        match (parse_time("at", at), manifest.window()) {
            (Ok(at), Ok((opens, closes))) if at >= opens && at < closes => self.opened = Some(at),
            (Ok(_), Ok(_)) => self.rec.fail(
                Check::VotingWindow,
                Some(index),
                "voting opened outside the manifest's window",
            ),
            _ => self
                .rec
                .fail(Check::VotingWindow, Some(index), "unreadable opening time"),
        }
        if let (Some(election), Some(credentials)) = (&self.election, &self.credentials) {
            self.tally = Some(TallyAccumulator::new(election));
            self.ballots = Some(std::sync::Arc::new(BallotContextData {
                election: election.clone(),
                credentials: credentials.clone(),
            }));
        }
    }

    fn close_voting(&mut self, index: u64, at: &str) {
        let Some((manifest, _)) = &self.manifest else {
            return;
        };
        match (parse_time("at", at), manifest.window(), self.opened) {
            (Ok(at), Ok((_, closes)), Some(opened)) if at > opened && at <= closes => {
                self.rec.checked(Check::VotingWindow, 2, "events")
            }
            (Ok(_), Ok(_), Some(_)) => self.rec.fail(
                Check::VotingWindow,
                Some(index),
                "voting closed outside the window, or before it opened",
            ),
            _ => self.rec.fail(
                Check::VotingWindow,
                Some(index),
                "unreadable closing time, or voting never opened",
            ),
        }
        for (check, unit) in [
            (Check::BallotUniqueness, "ballots"),
            (Check::Revotes, "ballots"),
            (Check::Audits, "audited ballots"),
        ] {
            self.rec.ran(check, unit);
        }
        if self.ballots.is_some() {
            for check in [
                Check::BallotSignatures,
                Check::BallotEligibility,
                Check::BallotStructure,
            ] {
                self.rec.ran(check, "ballots");
            }
            self.rec.ran(Check::BallotProofs, "proofs");
        }
    }

    /// Checks the pending ballot leaves in parallel, then applies the
    /// outcomes in log order.
    fn flush(&mut self) -> Result<(), RecordError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let Some(ctx) = self.ballots.clone() else {
            for (index, bytes) in pending {
                self.leaf(index, &bytes)?;
            }
            return Ok(());
        };
        let groups: Vec<Result<(Vec<BallotOutcome>, TallyAccumulator), RecordError>> = pending
            .par_chunks(GROUP)
            .map(|group| {
                let mut tally = TallyAccumulator::new(&ctx.election);
                check_group(&ctx, group, &mut tally).map(|outcomes| (outcomes, tally))
            })
            .collect();
        for group in groups {
            let (outcomes, tally) = group?;
            if let Some(total) = &mut self.tally {
                total.merge(&tally);
            }
            for outcome in outcomes {
                self.apply(outcome);
            }
        }
        Ok(())
    }

    fn apply(&mut self, outcome: BallotOutcome) {
        self.tree.push(outcome.hash);
        let leaf = Some(outcome.leaf);
        if self.phase != Phase::VotingOpen {
            self.rec
                .fail(Check::LeafOrder, leaf, "a ballot outside the voting window");
        }
        let valid = outcome.valid();
        for (check, message) in &outcome.failures {
            self.rec
                .fail(*check, leaf, format!("{}: {message}", outcome.code.short()));
        }
        match outcome.purpose {
            Purpose::Audit => {
                self.audits += 1;
                self.rec.checked(Check::Audits, 1, "audited ballots");
                if let Some(other) = self.cast_contents.get(&outcome.content) {
                    self.rec.fail(
                        Check::Audits,
                        leaf,
                        format!("audited ballot's ciphertexts were cast at leaf {other}"),
                    );
                }
                if !self.audit_codes.insert(outcome.code) {
                    self.rec.fail(
                        Check::Audits,
                        leaf,
                        format!("audited ballot {} appears twice", outcome.code.short()),
                    );
                }
                self.audit_contents.insert(outcome.content, outcome.leaf);
                self.audited_alphas.extend(outcome.alphas.iter().copied());
                self.audited_credentials.insert(outcome.credential);
            }
            Purpose::Cast => {
                self.cast += 1;
                for check in [
                    Check::BallotSignatures,
                    Check::BallotEligibility,
                    Check::BallotStructure,
                ] {
                    self.rec.checked(check, 1, "ballots");
                }
                self.rec
                    .checked(Check::BallotProofs, outcome.proofs, "proofs");
                self.rec.checked(Check::BallotUniqueness, 1, "ballots");
                if !self.codes.insert(outcome.code) {
                    self.rec.fail(
                        Check::BallotUniqueness,
                        leaf,
                        format!("ballot {} appears twice", outcome.code.short()),
                    );
                }
                if let Some(other) = self.cast_contents.insert(outcome.content, outcome.leaf) {
                    self.rec.fail(
                        Check::BallotUniqueness,
                        leaf,
                        format!("ciphertexts replayed from the ballot at leaf {other}"),
                    );
                }
                if outcome
                    .alphas
                    .iter()
                    .any(|a| self.audited_alphas.contains(a))
                {
                    self.rec.fail(
                        Check::Audits,
                        leaf,
                        "a cast ballot contains a ciphertext revealed by an earlier audit",
                    );
                }
                if let Some(other) = self.audit_contents.get(&outcome.content) {
                    self.rec.fail(
                        Check::Audits,
                        leaf,
                        format!("the ballot audited at leaf {other} was cast"),
                    );
                }
                if valid {
                    self.rec.checked(Check::Revotes, 1, "ballots");
                    if let Some(previous) =
                        self.last_ballot.insert(outcome.credential, outcome.leaf)
                    {
                        self.superseded.push((previous, outcome.credential));
                    }
                }
            }
        }
    }

    /// Second pass, over few leaves: subtract the ballots that later ballots
    /// replaced, and compare every cast ballot of a credential that audited
    /// a ballot with the audited ciphertexts (whose plaintexts are public).
    fn second_pass(&mut self, path: &Path) -> Result<(), RecordError> {
        let Some(ctx) = self.ballots.clone() else {
            return Ok(());
        };
        let superseded: HashSet<u64> = self.superseded.iter().map(|(leaf, _)| *leaf).collect();
        let mut wanted: Vec<u64> = superseded.iter().copied().collect();
        for (leaf, credential) in &self.superseded {
            if self.audited_credentials.contains(credential) {
                wanted.push(*leaf);
            }
        }
        for credential in &self.audited_credentials {
            if let Some(leaf) = self.last_ballot.get(credential) {
                wanted.push(*leaf);
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let mut reader = RecordReader::new(BufReader::with_capacity(1 << 20, File::open(path)?))?;
        let mut next = wanted.iter().peekable();
        let mut batch: Vec<RawLeaf> = Vec::new();
        let mut index = 0u64;
        while let Some(&&target) = next.peek() {
            match reader.next_item()? {
                Some(RecordItem::Leaf(bytes)) => {
                    if index == target {
                        // The file must not have changed since the first pass.
                        if self.tree.leaf(index) != Some(leaf_hash(&bytes)) {
                            return Err(unreadable(
                                index,
                                "the record changed while it was being verified",
                            ));
                        }
                        batch.push((index, bytes));
                        next.next();
                    }
                    index += 1;
                }
                _ => return Err(unreadable(target, "ballot not found on the second pass")),
            }
        }
        let audited = &self.audited_alphas;
        let parts: Vec<Result<(TallyAccumulator, Vec<u64>), RecordError>> = batch
            .par_chunks(GROUP * 8)
            .map(|chunk| {
                let mut removed = TallyAccumulator::new(&ctx.election);
                let mut reused = Vec::new();
                for (leaf, bytes) in chunk {
                    let (ballot, _) = parse(*leaf, bytes)?;
                    if superseded.contains(leaf) {
                        removed.add(&ctx.election, &ballot);
                    }
                    if alphas(&ballot).iter().any(|a| audited.contains(a)) {
                        reused.push(*leaf);
                    }
                }
                Ok((removed, reused))
            })
            .collect();
        for part in parts {
            let (removed, reused) = part?;
            if let Some(tally) = self.tally.as_mut() {
                tally.subtract_all(&removed);
            }
            for leaf in reused {
                self.rec.fail(
                    Check::Audits,
                    Some(leaf),
                    "a cast ballot contains a ciphertext revealed by an audit",
                );
            }
        }
        Ok(())
    }

    /// V2.
    fn check_checkpoint(&mut self, checkpoint: &SignedCheckpoint) {
        let Some((manifest, _)) = &self.manifest else {
            self.rec.fail(
                Check::LogIntegrity,
                None,
                "no valid manifest, so no board key",
            );
            return;
        };
        if checkpoint.log_id != manifest.election_id {
            self.rec.fail(
                Check::LogIntegrity,
                None,
                "the checkpoint is for another log",
            );
        }
        if checkpoint.verify(&manifest.board_key).is_err() {
            self.rec.fail(
                Check::LogIntegrity,
                None,
                "the final checkpoint's signature does not verify under the board key",
            );
        }
        if checkpoint.size != self.tree.size() {
            self.rec.fail(
                Check::LogIntegrity,
                None,
                format!(
                    "the checkpoint covers {} leaves; the record has {}",
                    checkpoint.size,
                    self.tree.size()
                ),
            );
        } else if checkpoint.root != self.tree.root() {
            self.rec.fail(
                Check::LogIntegrity,
                None,
                "the checkpoint's root is not the root of these leaves",
            );
        }
        self.rec.checked(Check::LogIntegrity, 1, "checkpoint");
    }

    fn check_receipt(
        &self,
        receipt: &Receipt,
        final_checkpoint: &SignedCheckpoint,
    ) -> ReceiptCheck {
        let fail = |message: String| ReceiptCheck { ok: false, message };
        let Some((manifest, _)) = &self.manifest else {
            return fail("the record has no valid manifest".into());
        };
        if let Err(e) = receipt.verify(&manifest.board_key) {
            return fail(format!("the receipt itself does not verify: {e}"));
        }
        if receipt.election_id != manifest.election_id {
            return fail(format!(
                "the receipt is for election `{}`",
                receipt.election_id
            ));
        }
        if self.tree.leaf(receipt.leaf_index) != Some(receipt.leaf_hash.0) {
            return fail(format!(
                "leaf {} of the record is not the receipt's ballot",
                receipt.leaf_index
            ));
        }
        let is_the_ballot = match &self.receipt_leaf {
            Some((index, bytes)) if *index == receipt.leaf_index => {
                matches!(BoardMessage::from_leaf(bytes), Ok(BoardMessage::Ballot(b)) if b.tracking_code() == receipt.tracking_code)
            }
            _ => false,
        };
        if !is_the_ballot {
            return fail(format!(
                "leaf {} is not a cast ballot with tracking code {}",
                receipt.leaf_index,
                receipt.tracking_code.short()
            ));
        }
        let (first, second) = (receipt.checkpoint.size, final_checkpoint.size);
        let consistent = self
            .tree
            .consistency_proof(first, second)
            .map_err(|e| e.to_string())
            .and_then(|proof| {
                verify_consistency(
                    first,
                    second,
                    &receipt.checkpoint.root,
                    &self.tree.root(),
                    &proof,
                )
                .map_err(|e| e.to_string())
            });
        match consistent {
            Ok(()) => {
                let counted = self.last_ballot.values().any(|&leaf| leaf == receipt.leaf_index);
                ReceiptCheck {
                    ok: true,
                    message: format!(
                        "ballot {} is leaf {} of the record; the receipt's checkpoint ({} leaves) is consistent with the final one; {}",
                        receipt.tracking_code.short(),
                        receipt.leaf_index,
                        first,
                        if counted { "it is the ballot that counts for its credential" } else { "a later ballot with the same credential replaced it" }
                    ),
                }
            }
            Err(e) => fail(format!("the board rewrote history: the receipt's checkpoint is not consistent with the record ({e})")),
        }
    }

    /// V3 (completeness), V17–V20, then the report.
    fn finish(mut self) -> Report {
        if self.phase == Phase::Done {
            self.rec
                .checked(Check::LeafOrder, self.tree.size(), "leaves");
        } else {
            self.rec.fail(
                Check::LeafOrder,
                None,
                format!(
                    "the record ends before the result (last phase: {:?})",
                    self.phase
                ),
            );
        }
        let election_id = self.manifest.as_ref().map(|(m, _)| m.election_id.clone());
        let leaves = self.tree.size();
        let result = self.check_tally_and_result();
        self.rec.finish(election_id, leaves, result)
    }

    fn check_tally_and_result(&mut self) -> Option<ElectionResult> {
        let (election, outcome) = (self.election.as_ref()?, self.outcome.as_ref()?);
        let (tally_leaf, published) = self.published_tally.as_ref()?;
        let computed = self.tally.as_ref()?.finish(election);
        if computed == *published {
            self.rec
                .checked(Check::Tally, published.len() as u64, "encrypted sums");
        } else {
            let detail = published
                .styles
                .iter()
                .zip(&computed.styles)
                .find(|(p, c)| p != c)
                .map(|(p, c)| {
                    format!(
                        "style `{}`: published {} ballots, recomputed {}",
                        p.style, p.ballots, c.ballots
                    )
                })
                .unwrap_or_else(|| "the tally's shape differs from the ballot styles".into());
            self.rec.fail(
                Check::Tally,
                Some(*tally_leaf),
                format!("the published tally is not the sum of the counted ballots ({detail})"),
            );
        }
        let mut valid: Vec<(TrusteeIndex, &TallyDecryption)> = Vec::new();
        for (leaf, signed) in &self.decryptions {
            match signed
                .message
                .verify(election, signed.trustee, outcome, published, &mut OsRng)
            {
                Ok(()) => {
                    self.rec.checked(
                        Check::DecryptionShares,
                        signed.message.shares.len() as u64,
                        "shares",
                    );
                    valid.push((signed.trustee, &signed.message));
                }
                Err(e) => self
                    .rec
                    .fail(Check::DecryptionShares, Some(*leaf), e.to_string()),
            }
        }
        if self.decryptions.is_empty() {
            self.rec.fail(
                Check::DecryptionShares,
                None,
                "no decryption shares in the record",
            );
        }
        valid.sort_by_key(|(i, _)| *i);
        let result = match combine_result(election, published, &valid) {
            Ok(result) => {
                self.rec
                    .checked(Check::Combination, published.len() as u64, "counts decoded");
                result
            }
            Err(e) => {
                self.rec.fail(Check::Combination, None, e.to_string());
                return None;
            }
        };
        let Some((leaf, claimed)) = &self.published_result else {
            self.rec
                .fail(Check::Result, None, "no result in the record");
            return None;
        };
        let valid_trustees: Vec<TrusteeIndex> = valid.iter().map(|(i, _)| *i).collect();
        let trustees_ok = claimed.decrypted_by == valid_trustees;
        if claimed.styles != result.styles || claimed.overall != result.overall {
            self.rec.fail(
                Check::Result,
                Some(*leaf),
                "the published counts differ from the decrypted tally",
            );
            None
        } else if !trustees_ok {
            self.rec.fail(
                Check::Result,
                Some(*leaf),
                "the result's decrypted_by is not the list of trustees with valid shares",
            );
            None
        } else {
            self.rec.checked(Check::Result, 1, "result");
            Some(claimed.clone())
        }
    }
}

/// Disqualifications compared by trustee and reason, ignoring the
/// free-text `detail` (which another implementation may word differently).
fn same_verdicts(a: &[DisqualifiedTrustee], b: &[DisqualifiedTrustee]) -> bool {
    let key = |d: &DisqualifiedTrustee| {
        let mut value = serde_json::to_value(d).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("detail");
        }
        value
    };
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| key(x) == key(y))
}
