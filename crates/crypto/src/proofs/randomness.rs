//! Schnorr proof of knowledge of a ciphertext's encryption randomness
//! (spec/crypto.md §6.2), for ciphertexts that carry no range proof (ranked
//! ballots that go through the mixnet). Proves knowledge of `r` with
//! `α = r·G`, bound to the whole ciphertext, the key and the ballot context,
//! so a ciphertext copied from another voter cannot be re-proved.

use merlin::Transcript;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::context::BallotContext;
use crate::elgamal::{Ciphertext, EncryptionNonce, PublicKey};
use crate::encoding::Point;
use crate::error::{BatchError, ProofError};
use crate::proofs::batch;
use crate::proofs::sigma::SchnorrProof;
use crate::transcript::{field, protocol, TranscriptProtocol};

/// The statement: the prover knows `r` with `ciphertext.alpha = r·G`.
#[derive(Clone, Copy, Debug)]
pub struct RandomnessStatement<'a> {
    /// Election, voter and position.
    pub context: &'a BallotContext,
    /// The election key `K`.
    pub key: &'a PublicKey,
    /// The ciphertext `(α, β)`.
    pub ciphertext: &'a Ciphertext,
}

/// Proof of knowledge of the randomness of a ciphertext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RandomnessProof(pub SchnorrProof);

impl RandomnessStatement<'_> {
    fn transcript(&self) -> Transcript {
        let mut t = Transcript::new(protocol::RANDOMNESS);
        t.append_ballot_context(self.context);
        t.append_point(field::GENERATOR, &Point::GENERATOR);
        t.append_point(field::ELECTION_KEY, self.key.point());
        t.append_point(field::ALPHA, &self.ciphertext.alpha);
        t.append_point(field::BETA, &self.ciphertext.beta);
        t
    }
}

impl RandomnessProof {
    /// Proves knowledge of `nonce`, the randomness of `statement.ciphertext`.
    pub fn prove_with_rng<R: CryptoRngCore + ?Sized>(
        statement: &RandomnessStatement<'_>,
        nonce: &EncryptionNonce,
        rng: &mut R,
    ) -> Self {
        RandomnessProof(SchnorrProof::prove(
            statement.transcript(),
            nonce.0.expose(),
            rng,
        ))
    }

    /// Verifies the proof.
    pub fn verify(&self, statement: &RandomnessStatement<'_>) -> Result<(), ProofError> {
        let valid = statement.context.position.is_valid()
            && self
                .0
                .verify(statement.transcript(), &statement.ciphertext.alpha);
        if valid {
            Ok(())
        } else {
            Err(ProofError)
        }
    }

    /// Verifies many proofs at once; on failure, names every bad one.
    pub fn verify_batch<R: CryptoRngCore + ?Sized>(
        items: &[(RandomnessStatement<'_>, &RandomnessProof)],
        rng: &mut R,
    ) -> Result<(), BatchError> {
        batch::verify_batch(
            items,
            2,
            rng,
            |(statement, proof), eq, weights| {
                if !statement.context.position.is_valid() {
                    return false;
                }
                let (c, _) = proof.0.challenge(statement.transcript());
                proof
                    .0
                    .add_equations(&statement.ciphertext.alpha, &c, false, eq, weights);
                true
            },
            |(statement, proof)| proof.verify(statement).is_ok(),
        )
    }
}
