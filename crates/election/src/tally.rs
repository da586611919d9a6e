//! The homomorphic tally and the result (spec/record.md §10).
//!
//! Counted ballots (the last cast ballot of each credential; never an
//! audited one) are summed option by option, per ballot style, so results
//! can be shown per region; a question's overall count is the sum over the
//! styles that ask it. Trustees decrypt every sum; any `t` valid shares
//! give the counts.

use psephos_crypto::dkg::DkgOutcome;
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{Ciphertext, CiphertextSum};
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::threshold::{
    combination_coefficients, combine_with, PartialDecryption, TrusteeIndex,
};
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ballot::Ballot;
use crate::election::Election;

/// Encrypted sums of one question in one style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionTally {
    /// Question id.
    pub question: String,
    /// One encrypted count per option.
    pub options: Vec<Ciphertext>,
}

/// Encrypted sums of one ballot style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleTally {
    /// Style id.
    pub style: String,
    /// Number of counted ballots of this style.
    pub ballots: u64,
    /// Questions of the style, in ballot order.
    pub questions: Vec<QuestionTally>,
}

/// The encrypted tally: every style, in manifest order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedTally {
    /// Per style.
    pub styles: Vec<StyleTally>,
}

impl EncryptedTally {
    /// Every ciphertext in order (style, question, option): the order of
    /// decryption shares.
    pub fn ciphertexts(&self) -> impl Iterator<Item = &Ciphertext> {
        self.styles
            .iter()
            .flat_map(|s| s.questions.iter().flat_map(|q| q.options.iter()))
    }

    /// Number of ciphertexts.
    pub fn len(&self) -> usize {
        self.ciphertexts().count()
    }

    /// True if there is nothing to decrypt.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Running sums, per style, question and option.
#[derive(Clone, Debug)]
pub struct TallyAccumulator {
    styles: Vec<(u64, Vec<Vec<CiphertextSum>>)>,
}

impl TallyAccumulator {
    /// Empty sums shaped like the election's styles.
    pub fn new(election: &Election) -> Self {
        TallyAccumulator {
            styles: election
                .layouts
                .iter()
                .map(|l| {
                    (
                        0,
                        l.questions
                            .iter()
                            .map(|q| vec![CiphertextSum::new(); q.options])
                            .collect(),
                    )
                })
                .collect(),
        }
    }

    fn apply(&mut self, election: &Election, ballot: &Ballot, add: bool) -> bool {
        let Some(style) = election.style_index(&ballot.style) else {
            return false;
        };
        let (count, sums) = &mut self.styles[style];
        if add {
            *count += 1;
        } else {
            *count = count.saturating_sub(1);
        }
        for (answer, question) in ballot.answers.iter().zip(sums.iter_mut()) {
            for (c, sum) in answer.ciphertexts.iter().zip(question.iter_mut()) {
                if add {
                    sum.add(c);
                } else {
                    sum.subtract(c);
                }
            }
        }
        true
    }

    /// Adds a (structurally checked) ballot; false if its style is unknown.
    pub fn add(&mut self, election: &Election, ballot: &Ballot) -> bool {
        self.apply(election, ballot, true)
    }

    /// Removes a ballot added earlier (it was superseded by a revote).
    pub fn remove(&mut self, election: &Election, ballot: &Ballot) -> bool {
        self.apply(election, ballot, false)
    }

    /// Adds another accumulator's sums (from a parallel worker).
    pub fn merge(&mut self, other: &TallyAccumulator) {
        for ((count, sums), (other_count, other_sums)) in self.styles.iter_mut().zip(&other.styles)
        {
            *count += other_count;
            for (q, oq) in sums.iter_mut().zip(other_sums) {
                for (s, os) in q.iter_mut().zip(oq) {
                    s.merge(os);
                }
            }
        }
    }

    /// Subtracts another accumulator's sums (ballots superseded by revotes).
    pub fn subtract_all(&mut self, other: &TallyAccumulator) {
        for ((count, sums), (other_count, other_sums)) in self.styles.iter_mut().zip(&other.styles)
        {
            *count = count.saturating_sub(*other_count);
            for (q, oq) in sums.iter_mut().zip(other_sums) {
                for (s, os) in q.iter_mut().zip(oq) {
                    s.unmerge(os);
                }
            }
        }
    }

    /// The encrypted tally.
    pub fn finish(&self, election: &Election) -> EncryptedTally {
        EncryptedTally {
            styles: election
                .layouts
                .iter()
                .zip(&self.styles)
                .map(|(layout, (count, sums))| StyleTally {
                    style: layout.id.clone(),
                    ballots: *count,
                    questions: layout
                        .questions
                        .iter()
                        .zip(sums)
                        .map(|(q, s)| QuestionTally {
                            question: q.id.clone(),
                            options: s.iter().map(CiphertextSum::finish).collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// One trustee's decryption of the whole tally, in tally order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyDecryption {
    /// One share per tally ciphertext.
    pub shares: Vec<PartialDecryption>,
}

impl TallyDecryption {
    /// Trustee's decryption of every tally ciphertext.
    pub fn compute_with_rng<R: CryptoRngCore + ?Sized>(
        election: &Election,
        share: &psephos_crypto::threshold::KeyShare,
        tally: &EncryptedTally,
        rng: &mut R,
    ) -> Self {
        let ciphertexts: Vec<Ciphertext> = tally.ciphertexts().copied().collect();
        TallyDecryption {
            shares: share.partial_decrypt_all_with_rng(&election.fingerprint, &ciphertexts, rng),
        }
    }

    /// Checks every share's proof against the trustee's verification key.
    pub fn verify<R: CryptoRngCore + ?Sized>(
        &self,
        election: &Election,
        trustee: TrusteeIndex,
        outcome: &DkgOutcome,
        tally: &EncryptedTally,
        rng: &mut R,
    ) -> Result<(), TallyError> {
        let key = outcome
            .verification_key(trustee)
            .ok_or(TallyError::NotQualified(trustee.get()))?;
        if self.shares.len() != tally.len() {
            return Err(TallyError::ShareCount {
                trustee: trustee.get(),
                expected: tally.len(),
                found: self.shares.len(),
            });
        }
        let items: Vec<(DecryptionStatement<'_>, &DecryptionProof)> = tally
            .ciphertexts()
            .zip(&self.shares)
            .map(|(ciphertext, share)| {
                (
                    DecryptionStatement {
                        fingerprint: &election.fingerprint,
                        trustee,
                        verification_key: key,
                        ciphertext,
                        share: &share.share,
                    },
                    &share.proof,
                )
            })
            .collect();
        DecryptionProof::verify_batch(&items, rng).map_err(|e| TallyError::BadShare {
            trustee: trustee.get(),
            entry: e.failed.first().copied().unwrap_or(0),
        })
    }
}

/// Counts of one question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionResult {
    /// Question id.
    pub question: String,
    /// Ballots that included the question.
    pub ballots: u64,
    /// Selections per option.
    pub counts: Vec<u64>,
}

/// Counts of one style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleResult {
    /// Style id.
    pub style: String,
    /// Counted ballots of the style.
    pub ballots: u64,
    /// Per question, in ballot order.
    pub questions: Vec<QuestionResult>,
}

/// The decrypted result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionResult {
    /// Trustees whose shares were combined, ascending.
    pub decrypted_by: Vec<TrusteeIndex>,
    /// Per style, in manifest order.
    pub styles: Vec<StyleResult>,
    /// Per question over all styles, in manifest question order.
    pub overall: Vec<QuestionResult>,
}

/// Why a tally cannot be decrypted or a result does not follow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TallyError {
    /// A share from a trustee outside the qualified set.
    #[error("trustee {0} is not a qualified trustee")]
    NotQualified(u32),
    /// A trustee's share list has the wrong length.
    #[error("trustee {trustee} posted {found} shares for {expected} tally entries")]
    ShareCount {
        /// Trustee.
        trustee: u32,
        /// Tally entries.
        expected: usize,
        /// Shares posted.
        found: usize,
    },
    /// A share's proof fails.
    #[error("trustee {trustee}'s share of tally entry {entry} has an invalid proof")]
    BadShare {
        /// Trustee.
        trustee: u32,
        /// Tally entry (0-based, in tally order).
        entry: usize,
    },
    /// Combination failed (too few or duplicate trustees).
    #[error("cannot combine shares: {0}")]
    Combine(String),
    /// A decrypted count is not a small non-negative integer.
    #[error("tally entry {entry} does not decrypt to a count in 0..={max}")]
    OutOfRange {
        /// Tally entry.
        entry: usize,
        /// Largest possible count (ballots of the style).
        max: u64,
    },
    /// The tally's shape does not match the election.
    #[error("tally does not match the ballot styles: {0}")]
    Shape(String),
}

/// Combines verified decryptions into the result. `decryptions` must all
/// have been checked with [`TallyDecryption::verify`].
pub fn combine_result(
    election: &Election,
    tally: &EncryptedTally,
    decryptions: &[(TrusteeIndex, &TallyDecryption)],
) -> Result<ElectionResult, TallyError> {
    let mut decryptions = decryptions.to_vec();
    decryptions.sort_by_key(|(i, _)| *i);
    let indices: Vec<TrusteeIndex> = decryptions.iter().map(|(i, _)| *i).collect();
    let lambdas = combination_coefficients(&election.params, &indices)
        .map_err(|e| TallyError::Combine(e.to_string()))?;
    if tally.styles.len() != election.layouts.len() {
        return Err(TallyError::Shape("wrong number of styles".into()));
    }
    let max_ballots = tally.styles.iter().map(|s| s.ballots).max().unwrap_or(0);
    let table = DlogTable::new(max_ballots);
    let mut entry = 0usize;
    let mut styles = Vec::with_capacity(tally.styles.len());
    for (style, layout) in tally.styles.iter().zip(&election.layouts) {
        if style.style != layout.id || style.questions.len() != layout.questions.len() {
            return Err(TallyError::Shape(format!("style `{}`", style.style)));
        }
        let mut questions = Vec::with_capacity(style.questions.len());
        for (question, q_layout) in style.questions.iter().zip(&layout.questions) {
            if question.question != q_layout.id || question.options.len() != q_layout.options {
                return Err(TallyError::Shape(format!(
                    "question `{}` of style `{}`",
                    question.question, style.style
                )));
            }
            let mut counts = Vec::with_capacity(question.options.len());
            for ciphertext in &question.options {
                let shares = decryptions
                    .iter()
                    .map(|(i, d)| {
                        d.shares
                            .get(entry)
                            .map(|s| &s.share)
                            .ok_or(TallyError::ShareCount {
                                trustee: i.get(),
                                expected: entry + 1,
                                found: d.shares.len(),
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let point = combine_with(&lambdas, ciphertext, shares);
                let count = table
                    .solve(&point)
                    .ok()
                    .filter(|c| *c <= style.ballots)
                    .ok_or(TallyError::OutOfRange {
                        entry,
                        max: style.ballots,
                    })?;
                counts.push(count);
                entry += 1;
            }
            questions.push(QuestionResult {
                question: question.question.clone(),
                ballots: style.ballots,
                counts,
            });
        }
        styles.push(StyleResult {
            style: style.style.clone(),
            ballots: style.ballots,
            questions,
        });
    }
    let overall = election
        .manifest
        .questions
        .iter()
        .map(|q| {
            let mut total = QuestionResult {
                question: q.id.clone(),
                ballots: 0,
                counts: vec![0; q.option_count()],
            };
            for r in styles
                .iter()
                .flat_map(|s| s.questions.iter())
                .filter(|r| r.question == q.id)
            {
                total.ballots += r.ballots;
                for (t, c) in total.counts.iter_mut().zip(&r.counts) {
                    *t += c;
                }
            }
            total
        })
        .collect();
    Ok(ElectionResult {
        decrypted_by: indices,
        styles,
        overall,
    })
}
