//! Encrypted ballots (spec/record.md §7): one ciphertext per option with a
//! proof that it encrypts 0 or 1, one proof per question that the number of
//! selections lies in `[min, max]`, all bound to the election, the voter's
//! credential and the position, and signed with the credential's key.
//!
//! The tracking code is the SHA-256 of the ballot's canonical binary
//! encoding (everything but the signature); the credential signs
//! `domain || tracking hash`, with different domains for a cast ballot and
//! a ballot spoiled by a Benaloh audit, so neither can pass for the other.

use core::fmt;

use data_encoding::BASE32_NOPAD;
use psephos_crypto::context::{BallotContext, BallotPosition, CredentialKey, Fingerprint};
use psephos_crypto::elgamal::Ciphertext;
use psephos_crypto::encoding::{bytes_hex, to_hex, Point};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::election::{Election, StyleLayout};
use crate::error::BallotError;
use crate::signing::{domain, PublicSigningKey, SignatureBytes};

/// Domain prefix of the ballot's canonical encoding.
pub const BALLOT_ENCODING_DOMAIN: &[u8] = b"psephos/v1/ballot\n";

/// Values a single selection may take.
pub const SELECTION_VALUES: [u64; 2] = [0, 1];

/// The encrypted answer to one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Question id (must match the style's question at this position).
    pub question: String,
    /// One encrypted selection (0 or 1) per option.
    pub ciphertexts: Vec<Ciphertext>,
    /// For each ciphertext, the proof that it encrypts 0 or 1.
    pub proofs: Vec<DisjunctiveProof>,
    /// Proof that the selections sum to a value in `[min, max]`.
    pub sum_proof: DisjunctiveProof,
}

/// A signed, encrypted ballot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// The election fingerprint.
    pub election: Fingerprint,
    /// The voter's public credential.
    pub credential: CredentialKey,
    /// The ballot style.
    pub style: String,
    /// One answer per question of the style, in order.
    pub answers: Vec<Answer>,
    /// Credential signature over `domain || tracking hash`.
    pub signature: SignatureBytes,
}

/// SHA-256 of a ballot's canonical encoding; its first 80 bits, in base32,
/// are the short code shown to voters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrackingCode(#[serde(with = "bytes_hex")] pub [u8; 32]);

impl TrackingCode {
    /// The short form: 16 base32 characters in groups of four (80 bits).
    pub fn short(&self) -> String {
        let text = BASE32_NOPAD.encode(&self.0[..10]);
        text.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl fmt::Debug for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrackingCode({})", self.short())
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_point(out: &mut Vec<u8>, p: &Point) {
    out.extend_from_slice(p.as_bytes());
}

fn put_proof(out: &mut Vec<u8>, proof: &DisjunctiveProof) {
    out.extend_from_slice(&(proof.branches.len() as u32).to_le_bytes());
    for b in &proof.branches {
        put_point(out, &b.a);
        put_point(out, &b.b);
        out.extend_from_slice(b.c.as_bytes());
        out.extend_from_slice(b.z.as_bytes());
    }
}

impl Ballot {
    /// The canonical binary encoding (spec/record.md §7.2), without the signature.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + self.answers.len() * 1024);
        out.extend_from_slice(BALLOT_ENCODING_DOMAIN);
        out.extend_from_slice(self.election.as_bytes());
        out.extend_from_slice(self.credential.as_bytes());
        put_str(&mut out, &self.style);
        out.extend_from_slice(&(self.answers.len() as u32).to_le_bytes());
        for answer in &self.answers {
            put_str(&mut out, &answer.question);
            // Counted separately, so that ballots with mismatched counts
            // still have distinct encodings.
            out.extend_from_slice(&(answer.ciphertexts.len() as u32).to_le_bytes());
            for ciphertext in &answer.ciphertexts {
                put_point(&mut out, &ciphertext.alpha);
                put_point(&mut out, &ciphertext.beta);
            }
            out.extend_from_slice(&(answer.proofs.len() as u32).to_le_bytes());
            for proof in &answer.proofs {
                put_proof(&mut out, proof);
            }
            put_proof(&mut out, &answer.sum_proof);
        }
        out
    }

    /// The tracking code.
    pub fn tracking_code(&self) -> TrackingCode {
        TrackingCode(Sha256::digest(self.canonical_bytes()).into())
    }

    /// Checks the credential's signature under the cast or audit domain.
    pub fn verify_signature(
        &self,
        code: &TrackingCode,
        purpose: Purpose,
    ) -> Result<(), BallotError> {
        let key = PublicSigningKey::from_bytes(self.credential.as_bytes())
            .ok_or(BallotError::BadCredential)?;
        if key.verify(purpose.domain(), &code.0, &self.signature) {
            Ok(())
        } else {
            Err(BallotError::BadSignature)
        }
    }

    /// Checks that the answers match the style's layout (counts, ids, branch counts).
    pub fn check_structure<'e>(
        &self,
        election: &'e Election,
    ) -> Result<&'e StyleLayout, BallotError> {
        if self.election != election.fingerprint {
            return Err(BallotError::WrongElection);
        }
        let layout = election.layout(&self.style).ok_or_else(|| {
            BallotError::Structure(format!("unknown ballot style `{}`", self.style))
        })?;
        if self.answers.len() != layout.questions.len() {
            return Err(BallotError::Structure(format!(
                "{} answers for {} questions",
                self.answers.len(),
                layout.questions.len()
            )));
        }
        for (q, (answer, question)) in self.answers.iter().zip(&layout.questions).enumerate() {
            if answer.question != question.id {
                return Err(BallotError::Structure(format!(
                    "answer {q} is for `{}`, expected `{}`",
                    answer.question, question.id
                )));
            }
            if answer.ciphertexts.len() != question.options
                || answer.proofs.len() != question.options
            {
                return Err(BallotError::Structure(format!(
                    "answer {q} has {} ciphertexts and {} proofs for {} options",
                    answer.ciphertexts.len(),
                    answer.proofs.len(),
                    question.options
                )));
            }
            if answer
                .proofs
                .iter()
                .any(|p| p.branches.len() != SELECTION_VALUES.len())
            {
                return Err(BallotError::Structure(format!(
                    "answer {q}: a selection proof has the wrong number of branches"
                )));
            }
            if answer.sum_proof.branches.len() != question.sums.len() {
                return Err(BallotError::Structure(format!(
                    "answer {q}: the sum proof has the wrong number of branches"
                )));
            }
        }
        Ok(layout)
    }

    /// The ballot contexts of every proof, in the order of [`Ballot::statements`]:
    /// for each question, its options then its sum.
    pub fn contexts(&self) -> Vec<BallotContext> {
        let mut out = Vec::new();
        for (q, answer) in self.answers.iter().enumerate() {
            for o in 0..answer.ciphertexts.len() {
                out.push(self.context(BallotPosition::option(q as u32, o as u32)));
            }
            out.push(self.context(BallotPosition::sum(q as u32)));
        }
        out
    }

    fn context(&self, position: BallotPosition) -> BallotContext {
        BallotContext {
            fingerprint: self.election,
            credential: self.credential,
            position,
        }
    }

    /// Appends every proof of a structurally checked ballot, with its
    /// statement, for (batch) verification. `contexts` must come from
    /// [`Ballot::contexts`] of this ballot.
    pub fn statements<'a>(
        &'a self,
        election: &'a Election,
        layout: &'a StyleLayout,
        contexts: &'a [BallotContext],
        out: &mut Vec<(DisjunctiveStatement<'a>, &'a DisjunctiveProof)>,
    ) {
        let mut contexts = contexts.iter();
        for (answer, question) in self.answers.iter().zip(&layout.questions) {
            for (ciphertext, proof) in answer.ciphertexts.iter().zip(&answer.proofs) {
                if let Some(context) = contexts.next() {
                    let statement = DisjunctiveStatement {
                        context,
                        key: &election.key,
                        ciphertexts: core::slice::from_ref(ciphertext),
                        values: &SELECTION_VALUES,
                    };
                    out.push((statement, proof));
                }
            }
            if let Some(context) = contexts.next() {
                let statement = DisjunctiveStatement {
                    context,
                    key: &election.key,
                    ciphertexts: &answer.ciphertexts,
                    values: &question.sums,
                };
                out.push((statement, &answer.sum_proof));
            }
        }
    }

    /// Verifies every proof of this ballot (structure first); names the first bad one.
    pub fn verify_proofs(&self, election: &Election) -> Result<(), BallotError> {
        let layout = self.check_structure(election)?;
        let contexts = self.contexts();
        let mut statements = Vec::new();
        self.statements(election, layout, &contexts, &mut statements);
        match DisjunctiveProof::verify_all(&statements) {
            Ok(()) => {}
            Err(e) => return Err(self.locate_proof(e.failed.first().copied().unwrap_or(0))),
        }
        Ok(())
    }

    /// Verifies the proofs of several ballots (of one or several elections)
    /// with one multiscalar multiplication, as a server does with ballots
    /// cast at the same moment; the answer for each ballot is exactly what
    /// [`Ballot::verify_proofs`] says of it alone. When the batch fails, each
    /// ballot is checked as its own batch, so an invalid ballot costs its
    /// sender's batch-mates one more check each, never a proof-by-proof one.
    pub fn verify_proofs_together(items: &[(&Ballot, &Election)]) -> Vec<Result<(), BallotError>> {
        let layouts: Vec<Result<&StyleLayout, BallotError>> = items
            .iter()
            .map(|(ballot, election)| ballot.check_structure(election))
            .collect();
        let contexts: Vec<Vec<BallotContext>> = items
            .iter()
            .zip(&layouts)
            .map(|((ballot, _), layout)| match layout {
                Ok(_) => ballot.contexts(),
                Err(_) => Vec::new(),
            })
            .collect();
        let mut statements = Vec::new();
        for (((ballot, election), layout), contexts) in items.iter().zip(&layouts).zip(&contexts) {
            if let Ok(layout) = layout {
                ballot.statements(election, layout, contexts, &mut statements);
            }
        }
        let all_hold = DisjunctiveProof::all_hold(&statements);
        items
            .iter()
            .zip(layouts)
            .map(|((ballot, election), layout)| match layout {
                Err(e) => Err(e),
                Ok(_) if all_hold => Ok(()),
                Ok(_) => ballot.verify_proofs(election),
            })
            .collect()
    }

    /// Maps the `k`-th proof of [`Ballot::statements`] to its question and option.
    pub fn locate_proof(&self, mut k: usize) -> BallotError {
        for (question, answer) in self.answers.iter().enumerate() {
            let options = answer.ciphertexts.len();
            if k < options {
                return BallotError::SelectionProof {
                    question,
                    option: k,
                };
            }
            if k == options {
                return BallotError::SumProof { question };
            }
            k -= options + 1;
        }
        BallotError::Structure("proof index out of range".into())
    }
}

/// Which signature domain a ballot is signed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// To be counted.
    Cast,
    /// Spoiled by a Benaloh audit; never counted.
    Audit,
}

impl Purpose {
    pub(crate) fn domain(self) -> &'static [u8] {
        match self {
            Purpose::Cast => domain::BALLOT_CAST,
            Purpose::Audit => domain::BALLOT_AUDIT,
        }
    }
}
