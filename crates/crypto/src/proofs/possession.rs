//! Schnorr proofs of possession (spec/crypto.md §6.4): a trustee proves it
//! knows the discrete logarithm of each Feldman coefficient commitment it
//! publishes, and of its long-term encryption key. Without them a trustee
//! could publish a commitment computed from the others' (a rogue key) and
//! control the joint key.

use merlin::Transcript;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::context::Fingerprint;
use crate::encoding::Point;
use crate::error::{BatchError, ProofError};
use crate::proofs::batch;
use crate::proofs::sigma::SchnorrProof;
use crate::secret::SecretScalar;
use crate::threshold::TrusteeIndex;
use crate::transcript::{field, protocol, TranscriptProtocol};

/// What the point is, and whose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PossessionClaim {
    /// Coefficient commitment `C_{i,k} = a_{i,k}·G` of dealer `i`.
    Coefficient {
        /// The dealer `i`.
        dealer: TrusteeIndex,
        /// The coefficient index `k ∈ 0..t`.
        index: u32,
    },
    /// Trustee `i`'s long-term encryption key `P_i = x_i·G`.
    TrusteeKey {
        /// The trustee `i`.
        trustee: TrusteeIndex,
    },
}

/// The statement: the prover knows `x` with `point = x·G`.
#[derive(Clone, Copy, Debug)]
pub struct PossessionStatement<'a> {
    /// The ceremony (or election) fingerprint.
    pub fingerprint: &'a Fingerprint,
    /// What the point is.
    pub claim: PossessionClaim,
    /// The point.
    pub point: &'a Point,
}

/// Proof of possession of a discrete logarithm.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PossessionProof(pub SchnorrProof);

impl PossessionStatement<'_> {
    fn transcript(&self) -> Transcript {
        let mut t = match self.claim {
            PossessionClaim::Coefficient { dealer, index } => {
                let mut t = Transcript::new(protocol::COEFFICIENT_POSSESSION);
                t.append_fingerprint(self.fingerprint);
                t.append_u64(field::DEALER, u64::from(dealer.get()));
                t.append_u64(field::COEFFICIENT_INDEX, u64::from(index));
                t
            }
            PossessionClaim::TrusteeKey { trustee } => {
                let mut t = Transcript::new(protocol::TRUSTEE_KEY_POSSESSION);
                t.append_fingerprint(self.fingerprint);
                t.append_u64(field::TRUSTEE, u64::from(trustee.get()));
                t
            }
        };
        t.append_point(field::GENERATOR, &Point::GENERATOR);
        let label = match self.claim {
            PossessionClaim::Coefficient { .. } => field::COEFFICIENT,
            PossessionClaim::TrusteeKey { .. } => field::TRUSTEE_KEY,
        };
        t.append_point(label, self.point);
        t
    }
}

impl PossessionProof {
    /// Proves knowledge of `secret` with `statement.point = secret·G`.
    pub fn prove_with_rng<R: CryptoRngCore + ?Sized>(
        statement: &PossessionStatement<'_>,
        secret: &SecretScalar,
        rng: &mut R,
    ) -> Self {
        PossessionProof(SchnorrProof::prove(
            statement.transcript(),
            secret.expose(),
            rng,
        ))
    }

    /// Verifies the proof. The identity point is rejected outright.
    pub fn verify(&self, statement: &PossessionStatement<'_>) -> Result<(), ProofError> {
        if !statement.point.is_identity() && self.0.verify(statement.transcript(), statement.point)
        {
            Ok(())
        } else {
            Err(ProofError)
        }
    }

    /// Verifies many proofs at once; on failure, names every bad one.
    pub fn verify_batch<R: CryptoRngCore + ?Sized>(
        items: &[(PossessionStatement<'_>, &PossessionProof)],
        rng: &mut R,
    ) -> Result<(), BatchError> {
        batch::verify_batch(
            items,
            2,
            rng,
            |(statement, proof), eq, weights| {
                if statement.point.is_identity() {
                    return false;
                }
                let (c, _) = proof.0.challenge(statement.transcript());
                proof
                    .0
                    .add_equations(statement.point, &c, false, eq, weights);
                true
            },
            |(statement, proof)| proof.verify(statement).is_ok(),
        )
    }
}
