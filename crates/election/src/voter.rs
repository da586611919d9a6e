//! The voter's side (spec/record.md §7.3): turn choices into an encrypted,
//! proved ballot; then either sign it to cast, or spoil it in a Benaloh
//! audit that reveals every nonce so any device can re-check it.

use ed25519_dalek::SigningKey;
use psephos_crypto::context::{BallotContext, BallotPosition};
use psephos_crypto::elgamal::{Ciphertext, EncryptionNonce};
use psephos_crypto::encoding::scalar_hex;
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::Scalar;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use subtle::Choice;

use crate::ballot::{Answer, Ballot, Purpose, TrackingCode, SELECTION_VALUES};
use crate::credentials::SecretCredential;
use crate::election::Election;
use crate::error::{BallotError, ChoiceError};
use crate::signing::{sign, SignatureBytes};

/// An encrypted ballot not yet signed, with the nonces that open it.
pub struct BallotDraft {
    ballot: Ballot,
    code: TrackingCode,
    choices: Vec<Vec<bool>>,
    nonces: Vec<Vec<EncryptionNonce>>,
}

/// Encrypts `choices` (for each question of the style, in order, the
/// indices of the selected options; empty for a blank answer).
pub fn encrypt_ballot_with_rng<R: CryptoRngCore + ?Sized>(
    election: &Election,
    credential: &SecretCredential,
    style: &str,
    choices: &[Vec<usize>],
    rng: &mut R,
) -> Result<BallotDraft, ChoiceError> {
    let layout = election
        .layout(style)
        .ok_or_else(|| ChoiceError::UnknownStyle(style.to_string()))?;
    if choices.len() != layout.questions.len() {
        return Err(ChoiceError::AnswerCount {
            expected: layout.questions.len(),
            found: choices.len(),
        });
    }
    let credential_key = credential.public(&election.manifest.election_id);
    let mut answers = Vec::with_capacity(choices.len());
    let mut all_bits = Vec::with_capacity(choices.len());
    let mut all_nonces = Vec::with_capacity(choices.len());
    for (q, (selected, question)) in choices.iter().zip(&layout.questions).enumerate() {
        let invalid = |reason: String| ChoiceError::Invalid {
            question: question.id.clone(),
            reason,
        };
        let mut bits = vec![false; question.options];
        for &option in selected {
            let slot = bits
                .get_mut(option)
                .ok_or_else(|| invalid(format!("option {option} does not exist")))?;
            if *slot {
                return Err(invalid(format!("option {option} selected twice")));
            }
            *slot = true;
        }
        let count = selected.len() as u64;
        if !question.sums.contains(&count) {
            return Err(invalid(format!(
                "{count} selections; allowed {}..={}",
                question.sums.first().copied().unwrap_or(0),
                question.sums.last().copied().unwrap_or(0)
            )));
        }
        let mut ciphertexts = Vec::with_capacity(bits.len());
        let mut proofs = Vec::with_capacity(bits.len());
        let mut nonces = Vec::with_capacity(bits.len());
        for (o, bit) in bits.iter().enumerate() {
            let (ciphertext, nonce) = election
                .key
                .encrypt_bit_with_rng(Choice::from(u8::from(*bit)), rng);
            let context = BallotContext {
                fingerprint: election.fingerprint,
                credential: credential_key,
                position: BallotPosition::option(q as u32, o as u32),
            };
            let statement = DisjunctiveStatement {
                context: &context,
                key: &election.key,
                ciphertexts: core::slice::from_ref(&ciphertext),
                values: &SELECTION_VALUES,
            };
            let proof = DisjunctiveProof::prove_with_rng(&statement, u64::from(*bit), &nonce, rng)
                .map_err(|e| invalid(e.to_string()))?;
            ciphertexts.push(ciphertext);
            proofs.push(proof);
            nonces.push(nonce);
        }
        let context = BallotContext {
            fingerprint: election.fingerprint,
            credential: credential_key,
            position: BallotPosition::sum(q as u32),
        };
        let statement = DisjunctiveStatement {
            context: &context,
            key: &election.key,
            ciphertexts: &ciphertexts,
            values: &question.sums,
        };
        let sum_proof = DisjunctiveProof::prove_with_rng(
            &statement,
            count,
            &EncryptionNonce::sum(&nonces),
            rng,
        )
        .map_err(|e| invalid(e.to_string()))?;
        answers.push(Answer {
            question: question.id.clone(),
            ciphertexts,
            proofs,
            sum_proof,
        });
        all_bits.push(bits);
        all_nonces.push(nonces);
    }
    let ballot = Ballot {
        election: election.fingerprint,
        credential: credential_key,
        style: style.to_string(),
        answers,
        signature: SignatureBytes([0; 64]),
    };
    let code = ballot.tracking_code();
    Ok(BallotDraft {
        ballot,
        code,
        choices: all_bits,
        nonces: all_nonces,
    })
}

impl BallotDraft {
    /// The tracking code the ballot will have once cast.
    pub fn tracking_code(&self) -> TrackingCode {
        self.code
    }

    /// Signs the ballot for casting; the nonces are dropped (and zeroized).
    pub fn cast(self, credential: &SecretCredential, election_id: &str) -> Ballot {
        let key: SigningKey = credential.signing_key(election_id);
        let mut ballot = self.ballot;
        ballot.signature = sign(&key, Purpose::Cast.domain(), &self.code.0);
        ballot
    }

    /// Spoils the ballot: signs it under the audit domain and reveals every
    /// choice and nonce. The voter then encrypts afresh.
    pub fn audit(self, credential: &SecretCredential, election_id: &str) -> AuditedBallot {
        let key: SigningKey = credential.signing_key(election_id);
        let mut ballot = self.ballot;
        ballot.signature = sign(&key, Purpose::Audit.domain(), &self.code.0);
        let openings = self
            .choices
            .iter()
            .zip(&self.nonces)
            .map(|(bits, nonces)| {
                bits.iter()
                    .zip(nonces)
                    .map(|(bit, nonce)| Opening {
                        value: u64::from(*bit),
                        nonce: nonce.reveal(),
                    })
                    .collect()
            })
            .collect();
        AuditedBallot { ballot, openings }
    }
}

/// The revealed plaintext and nonce of one ciphertext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    /// The plaintext (0 or 1).
    pub value: u64,
    /// The nonce `r`.
    #[serde(with = "scalar_hex")]
    pub nonce: Scalar,
}

/// A ballot spoiled by a Benaloh audit, with everything that opens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditedBallot {
    /// The ballot, signed under the audit domain.
    pub ballot: Ballot,
    /// For each answer, for each option, the opening.
    pub openings: Vec<Vec<Opening>>,
}

impl AuditedBallot {
    /// Checks the audit completely: audit signature, structure, every proof,
    /// and that every ciphertext opens to its revealed 0/1 value. Returns
    /// the revealed choices (selected option indices per question).
    pub fn verify(&self, election: &Election) -> Result<Vec<Vec<usize>>, BallotError> {
        let code = self.ballot.tracking_code();
        self.ballot.verify_signature(&code, Purpose::Audit)?;
        self.ballot.verify_proofs(election)?;
        if self.openings.len() != self.ballot.answers.len() {
            return Err(BallotError::Structure(
                "openings do not match the answers".into(),
            ));
        }
        let mut choices = Vec::with_capacity(self.openings.len());
        for (q, (answer, openings)) in self.ballot.answers.iter().zip(&self.openings).enumerate() {
            if openings.len() != answer.ciphertexts.len() {
                return Err(BallotError::Structure(format!(
                    "answer {q}: openings do not match the options"
                )));
            }
            let mut selected = Vec::new();
            for (o, (ciphertext, opening)) in answer.ciphertexts.iter().zip(openings).enumerate() {
                if opening.value > 1 || !opens(ciphertext, election, opening) {
                    return Err(BallotError::Structure(format!(
                        "answer {q} option {o}: the revealed nonce does not open the ciphertext"
                    )));
                }
                if opening.value == 1 {
                    selected.push(o);
                }
            }
            choices.push(selected);
        }
        Ok(choices)
    }
}

fn opens(ciphertext: &Ciphertext, election: &Election, opening: &Opening) -> bool {
    ciphertext.opens_to(&election.key, opening.value, &opening.nonce)
}
