//! Checking cast and audited ballots in parallel groups (spec/verify.md
//! V10–V16). A group's proofs are verified together with one multiscalar
//! multiplication; if the batch fails, each ballot is re-checked to name
//! the exact proof.

use psephos_crypto::context::{BallotContext, CredentialKey};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_election::ballot::{Ballot, Purpose, TrackingCode};
use psephos_election::board::merkle::{leaf_hash, Hash};
use psephos_election::board::messages::BoardMessage;
use psephos_election::credentials::CredentialList;
use psephos_election::election::Election;
use psephos_election::error::RecordError;
use psephos_election::tally::TallyAccumulator;
use rand_core::OsRng;
use sha2::{Digest, Sha256};

use crate::checks::Check;

/// Ballots checked with one batch of proofs.
pub(crate) const GROUP: usize = 8;

/// What ballots are checked against.
pub(crate) struct BallotContextData {
    pub election: Election,
    pub credentials: CredentialList,
}

/// The result of checking one ballot leaf.
pub(crate) struct BallotOutcome {
    pub leaf: u64,
    pub hash: Hash,
    pub purpose: Purpose,
    pub credential: CredentialKey,
    pub code: TrackingCode,
    /// First 16 bytes of SHA-256 over all ciphertext encodings: detects replays.
    pub content: [u8; 16],
    /// The encoding of every ciphertext's `α`: an audit's are public from now
    /// on, and a cast ballot's must not be among them.
    pub alphas: Vec<[u8; 32]>,
    pub proofs: u64,
    pub failures: Vec<(Check, String)>,
}

impl BallotOutcome {
    pub fn valid(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A ballot leaf's bytes with its index.
pub(crate) type RawLeaf = (u64, Vec<u8>);

pub(crate) fn unreadable(leaf: u64, reason: impl Into<String>) -> RecordError {
    RecordError::BadLeaf {
        line: leaf + 2,
        leaf,
        reason: reason.into(),
    }
}

fn content_hash(ballot: &Ballot) -> [u8; 16] {
    let mut h = Sha256::new();
    for answer in &ballot.answers {
        for c in &answer.ciphertexts {
            h.update(c.alpha.as_bytes());
            h.update(c.beta.as_bytes());
        }
    }
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The encodings of every ciphertext's `α` in a ballot.
pub(crate) fn alphas(ballot: &Ballot) -> Vec<[u8; 32]> {
    ballot
        .answers
        .iter()
        .flat_map(|a| a.ciphertexts.iter().map(|c| c.alpha.to_bytes()))
        .collect()
}

/// Parses a ballot or audit leaf.
pub(crate) fn parse(
    leaf: u64,
    bytes: &[u8],
) -> Result<(Ballot, Option<psephos_election::voter::AuditedBallot>), RecordError> {
    match BoardMessage::from_leaf(bytes).map_err(|e| unreadable(leaf, e.to_string()))? {
        BoardMessage::Ballot(ballot) => Ok((ballot, None)),
        BoardMessage::BallotAudit(audit) => Ok((audit.ballot.clone(), Some(audit))),
        other => Err(unreadable(
            leaf,
            format!("expected a ballot, found `{}`", other.kind()),
        )),
    }
}

/// Checks a group of ballot leaves; valid cast ballots are added to `tally`.
pub(crate) fn check_group(
    ctx: &BallotContextData,
    group: &[RawLeaf],
    tally: &mut TallyAccumulator,
) -> Result<Vec<BallotOutcome>, RecordError> {
    let election = &ctx.election;
    let mut parsed = Vec::with_capacity(group.len());
    for (leaf, bytes) in group {
        let (ballot, audit) = parse(*leaf, bytes)?;
        parsed.push((*leaf, leaf_hash(bytes), ballot, audit));
    }
    let mut outcomes: Vec<BallotOutcome> = Vec::with_capacity(parsed.len());
    for (leaf, hash, ballot, audit) in &parsed {
        let code = ballot.tracking_code();
        let purpose = if audit.is_some() {
            Purpose::Audit
        } else {
            Purpose::Cast
        };
        let mut failures = Vec::new();
        if let Some(audit) = audit {
            if let Err(e) = audit.verify(election) {
                failures.push((
                    Check::Audits,
                    format!("audited ballot {}: {e}", code.short()),
                ));
            }
            match ctx.credentials.find(&ballot.credential) {
                None => failures.push((
                    Check::Audits,
                    format!(
                        "audited ballot {}: credential is not on the list",
                        code.short()
                    ),
                )),
                Some(entry) if entry.style != ballot.style => failures.push((
                    Check::Audits,
                    format!(
                        "audited ballot {}: style `{}` differs from the credential's `{}`",
                        code.short(),
                        ballot.style,
                        entry.style
                    ),
                )),
                Some(_) => {}
            }
        } else {
            if let Err(e) = ballot.verify_signature(&code, Purpose::Cast) {
                failures.push((Check::BallotSignatures, e.to_string()));
            }
            match ctx.credentials.find(&ballot.credential) {
                None => failures.push((
                    Check::BallotEligibility,
                    "credential is not on the credential list".into(),
                )),
                Some(entry) if entry.style != ballot.style => failures.push((
                    Check::BallotEligibility,
                    format!(
                        "ballot style `{}` differs from the credential's style `{}`",
                        ballot.style, entry.style
                    ),
                )),
                Some(_) => {}
            }
            if let Err(e) = ballot.check_structure(election) {
                failures.push((Check::BallotStructure, e.to_string()));
            }
        }
        outcomes.push(BallotOutcome {
            leaf: *leaf,
            hash: *hash,
            purpose,
            credential: ballot.credential,
            code,
            content: content_hash(ballot),
            alphas: alphas(ballot),
            proofs: 0,
            failures,
        });
    }

    // One batch for the proofs of every structurally sound cast ballot.
    let sound: Vec<usize> = (0..parsed.len())
        .filter(|&k| {
            parsed[k].3.is_none()
                && !outcomes[k]
                    .failures
                    .iter()
                    .any(|(c, _)| *c == Check::BallotStructure)
        })
        .collect();
    let contexts: Vec<Vec<BallotContext>> = sound.iter().map(|&k| parsed[k].2.contexts()).collect();
    let mut statements: Vec<(DisjunctiveStatement<'_>, &DisjunctiveProof)> = Vec::new();
    let mut owners = Vec::new();
    for (&k, ctxs) in sound.iter().zip(&contexts) {
        let ballot = &parsed[k].2;
        if let Some(layout) = election.layout(&ballot.style) {
            let before = statements.len();
            ballot.statements(election, layout, ctxs, &mut statements);
            outcomes[k].proofs = (statements.len() - before) as u64;
            owners.push((k, before, statements.len()));
        }
    }
    if let Err(batch) = DisjunctiveProof::verify_batch(&statements, &mut OsRng) {
        for &(k, start, end) in &owners {
            if let Some(&first_bad) = batch.failed.iter().find(|&&i| i >= start && i < end) {
                let error = parsed[k].2.locate_proof(first_bad - start);
                let bad = batch
                    .failed
                    .iter()
                    .filter(|&&i| i >= start && i < end)
                    .count();
                outcomes[k].failures.push((
                    Check::BallotProofs,
                    format!("{error} ({bad} bad proofs in this ballot)"),
                ));
            }
        }
    }
    for (outcome, (_, _, ballot, _)) in outcomes.iter().zip(&parsed) {
        if outcome.purpose == Purpose::Cast && outcome.valid() {
            tally.add(election, ballot);
        }
    }
    Ok(outcomes)
}
