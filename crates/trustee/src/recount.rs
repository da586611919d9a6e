//! Recomputing the encrypted tally from the ballots on the board
//! (spec/record.md §10.1–§10.2), so that a trustee never decrypts a tally
//! it has not checked: decrypting the sum of a chosen subset of ballots
//! (in the extreme, one ballot) would reveal how those voters voted.
//!
//! Every cast ballot must be valid (its structure, its credential on the
//! signed list with the ballot's style, its signature, every proof); every
//! audited ballot must pass the audit check; no tracking code may appear
//! twice; no ciphertext of an audited ballot may be cast. A board holding
//! anything else is refused outright: a valid record cannot hold it. The
//! counted ballots are the last cast ballot of each credential, in log
//! order; they are summed with [`TallyAccumulator`].

use std::collections::{HashMap, HashSet};

use psephos_crypto::context::CredentialKey;
use psephos_crypto::elgamal::Ciphertext;
use psephos_crypto::proofs::disjunctive::DisjunctiveProof;
use psephos_election::ballot::{Answer, Ballot, Purpose, TrackingCode};
use psephos_election::credentials::CredentialList;
use psephos_election::election::Election;
use psephos_election::tally::{EncryptedTally, TallyAccumulator};
use psephos_election::voter::AuditedBallot;
use rayon::prelude::*;
use serde::Serialize;

use crate::error::TrusteeError;

/// A ballot leaf of the board.
#[derive(Clone, Debug)]
pub enum BallotLeaf {
    /// A `ballot` leaf.
    Cast(Ballot),
    /// A `ballot-audit` leaf.
    Audit(AuditedBallot),
}

/// Counts from a recount, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecountSummary {
    /// Cast ballots on the board.
    pub cast: u64,
    /// Audited (spoiled) ballots on the board.
    pub audited: u64,
    /// Counted ballots: one per credential that voted.
    pub counted: u64,
    /// Cast ballots replaced by a later ballot of the same credential.
    pub superseded: u64,
}

/// The running recount.
pub struct Recount {
    election: Election,
    credentials: CredentialList,
    codes: HashSet<TrackingCode>,
    audited: HashSet<Ciphertext>,
    /// The last cast ballot of each credential (proofs dropped).
    latest: HashMap<CredentialKey, (u64, Ballot)>,
    summary: RecountSummary,
}

/// What a check of one leaf, run in parallel, found.
struct Checked {
    leaf: u64,
    code: TrackingCode,
    credential: CredentialKey,
    cast: Option<Ballot>,
    audited: Vec<Ciphertext>,
}

fn ciphertexts(ballot: &Ballot) -> impl Iterator<Item = &Ciphertext> {
    ballot.answers.iter().flat_map(|a| a.ciphertexts.iter())
}

/// The ballot without its proofs: all the tally needs.
fn strip(ballot: Ballot) -> Ballot {
    Ballot {
        answers: ballot
            .answers
            .into_iter()
            .map(|a| Answer {
                question: a.question,
                ciphertexts: a.ciphertexts,
                proofs: Vec::new(),
                sum_proof: DisjunctiveProof {
                    branches: Vec::new(),
                },
            })
            .collect(),
        ..ballot
    }
}

impl Recount {
    /// Starts a recount; checks the credential list against the manifest.
    pub fn new(election: Election, credentials: CredentialList) -> Result<Self, TrusteeError> {
        credentials.verify(&election.manifest).map_err(|e| {
            TrusteeError::InvalidBallot(format!("the credential list on the board is invalid: {e}"))
        })?;
        Ok(Recount {
            election,
            credentials,
            codes: HashSet::new(),
            audited: HashSet::new(),
            latest: HashMap::new(),
            summary: RecountSummary::default(),
        })
    }

    /// The election the ballots are checked against.
    pub fn election(&self) -> &Election {
        &self.election
    }

    fn check(&self, leaf: u64, item: BallotLeaf) -> Result<Checked, TrusteeError> {
        let bad = |what: &str, reason: String| {
            TrusteeError::InvalidBallot(format!("the {what} at leaf {leaf} is invalid: {reason}"))
        };
        let (ballot, what, purpose) = match &item {
            BallotLeaf::Cast(b) => (b, "cast ballot", Purpose::Cast),
            BallotLeaf::Audit(a) => (&a.ballot, "audited ballot", Purpose::Audit),
        };
        match self.credentials.find(&ballot.credential) {
            None => return Err(bad(what, "its credential is not on the list".into())),
            Some(entry) if entry.style != ballot.style => {
                return Err(bad(
                    what,
                    format!(
                        "its style `{}` is not its credential's `{}`",
                        ballot.style, entry.style
                    ),
                ))
            }
            Some(_) => {}
        }
        let code = ballot.tracking_code();
        let credential = ballot.credential;
        match item {
            BallotLeaf::Cast(ballot) => {
                ballot
                    .verify_signature(&code, purpose)
                    .map_err(|e| bad(what, e.to_string()))?;
                ballot
                    .verify_proofs(&self.election)
                    .map_err(|e| bad(what, e.to_string()))?;
                Ok(Checked {
                    leaf,
                    code,
                    credential,
                    cast: Some(strip(ballot)),
                    audited: Vec::new(),
                })
            }
            BallotLeaf::Audit(audit) => {
                audit
                    .verify(&self.election)
                    .map_err(|e| bad(what, e.to_string()))?;
                Ok(Checked {
                    leaf,
                    code,
                    credential,
                    cast: None,
                    audited: ciphertexts(&audit.ballot).copied().collect(),
                })
            }
        }
    }

    /// Checks consecutive ballot leaves (in parallel) and takes them into
    /// the recount, in log order.
    pub fn add(&mut self, batch: Vec<(u64, BallotLeaf)>) -> Result<(), TrusteeError> {
        let checked: Vec<Result<Checked, TrusteeError>> = batch
            .into_par_iter()
            .map(|(leaf, item)| self.check(leaf, item))
            .collect();
        for item in checked {
            let item = item?;
            if !self.codes.insert(item.code) {
                return Err(TrusteeError::InvalidBallot(format!(
                    "the ballot at leaf {} repeats tracking code {} of an earlier ballot",
                    item.leaf,
                    item.code.short()
                )));
            }
            match item.cast {
                Some(ballot) => {
                    if ciphertexts(&ballot).any(|c| self.audited.contains(c)) {
                        return Err(TrusteeError::InvalidBallot(format!(
                            "the cast ballot at leaf {} contains a ciphertext of an audited ballot",
                            item.leaf
                        )));
                    }
                    self.summary.cast += 1;
                    if self
                        .latest
                        .insert(item.credential, (item.leaf, ballot))
                        .is_some()
                    {
                        self.summary.superseded += 1;
                    }
                }
                None => {
                    self.summary.audited += 1;
                    self.audited.extend(item.audited);
                }
            }
        }
        Ok(())
    }

    /// The encrypted tally of the counted ballots, after checking that no
    /// counted ballot holds a ciphertext audited later in the log.
    pub fn finish(&self) -> Result<(EncryptedTally, RecountSummary), TrusteeError> {
        let mut accumulator = TallyAccumulator::new(&self.election);
        let mut counted: Vec<&(u64, Ballot)> = self.latest.values().collect();
        counted.sort_unstable_by_key(|(leaf, _)| *leaf);
        for (leaf, ballot) in counted {
            if ciphertexts(ballot).any(|c| self.audited.contains(c)) {
                return Err(TrusteeError::InvalidBallot(format!(
                    "the cast ballot at leaf {leaf} contains a ciphertext of an audited ballot"
                )));
            }
            accumulator.add(&self.election, ballot);
        }
        let summary = RecountSummary {
            counted: self.latest.len() as u64,
            ..self.summary
        };
        Ok((accumulator.finish(&self.election), summary))
    }
}

/// Describes the first difference between the board's tally and the
/// recomputed one, or `Ok` when they are equal.
pub fn compare_tallies(board: &EncryptedTally, ours: &EncryptedTally) -> Result<(), String> {
    if board == ours {
        return Ok(());
    }
    if board.styles.len() != ours.styles.len() {
        return Err(format!(
            "the board's tally has {} ballot styles, the election {}",
            board.styles.len(),
            ours.styles.len()
        ));
    }
    for (theirs, mine) in board.styles.iter().zip(&ours.styles) {
        if theirs.style != mine.style {
            return Err(format!(
                "the board's tally has style `{}` where the election has `{}`",
                theirs.style, mine.style
            ));
        }
        if theirs.ballots != mine.ballots {
            return Err(format!(
                "style `{}`: the board's tally counts {} ballots, the ballots on the board give {}",
                mine.style, theirs.ballots, mine.ballots
            ));
        }
        if theirs.questions.len() != mine.questions.len() {
            return Err(format!(
                "style `{}`: the board's tally has {} questions, the style {}",
                mine.style,
                theirs.questions.len(),
                mine.questions.len()
            ));
        }
        for (tq, mq) in theirs.questions.iter().zip(&mine.questions) {
            if tq.question != mq.question || tq.options.len() != mq.options.len() {
                return Err(format!(
                    "style `{}`: the board's tally has question `{}` with {} options where the style has `{}` with {}",
                    mine.style,
                    tq.question,
                    tq.options.len(),
                    mq.question,
                    mq.options.len()
                ));
            }
            if let Some(option) = tq.options.iter().zip(&mq.options).position(|(a, b)| a != b) {
                return Err(format!(
                    "style `{}`, question `{}`, option {}: the board's encrypted sum is not the sum of the ballots on the board",
                    mine.style, mq.question, option
                ));
            }
        }
    }
    Err("the tallies differ".into())
}
