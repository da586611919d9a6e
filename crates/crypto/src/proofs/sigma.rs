//! The two sigma-protocol shapes every non-disjunctive proof is built from
//! (spec/crypto.md §6.2–§6.5): a Schnorr proof of knowledge of `x` with
//! `X = x·G`, and a Chaum–Pedersen proof that `log_G X = log_H Y`.
//!
//! Both are in commitment form (commitments and response, challenge
//! recomputed), which is what makes them batch-verifiable. The caller
//! supplies the transcript with the protocol label and full statement
//! already absorbed; this module appends the commitments and derives `c`.

use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::elgamal::mul_base;
use crate::encoding::{scalar_hex, Point};
use crate::proofs::batch::{Equations, TranscriptWeights, Weights};
use crate::secret::SecretScalar;
use crate::transcript::{field, TranscriptProtocol};

/// A Schnorr proof of knowledge of `x` such that `X = x·G`:
/// `z·G = a + c·X`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchnorrProof {
    /// Commitment `a = u·G`.
    pub a: Point,
    /// Response `z = u + c·x`.
    #[serde(with = "scalar_hex")]
    pub z: Scalar,
}

impl SchnorrProof {
    pub(crate) fn prove<R: CryptoRngCore + ?Sized>(
        mut transcript: Transcript,
        x: &Scalar,
        rng: &mut R,
    ) -> Self {
        let u = SecretScalar::random(rng);
        let a = Point::new(mul_base(u.expose()));
        transcript.append_point(field::COMMITMENT_A, &a);
        let c = transcript.challenge_scalar(field::CHALLENGE);
        SchnorrProof {
            a,
            z: u.expose() + c * x,
        }
    }

    /// Appends the commitment and derives the challenge.
    pub(crate) fn challenge(&self, mut transcript: Transcript) -> (Scalar, Transcript) {
        transcript.append_point(field::COMMITMENT_A, &self.a);
        let c = transcript.challenge_scalar(field::CHALLENGE);
        (c, transcript)
    }

    /// Adds `ρ·(a + c·X − z·G)` (signed so that `a` keeps its short weight).
    /// `shared_x` merges `X` across equations.
    pub(crate) fn add_equations(
        &self,
        x: &Point,
        c: &Scalar,
        shared_x: bool,
        eq: &mut Equations,
        weights: &mut dyn Weights,
    ) {
        let rho = weights.next_weight();
        eq.add_generator(-(rho * self.z));
        eq.add(rho, &self.a);
        if shared_x {
            eq.add_shared(x, rho * c);
        } else {
            eq.add(rho * c, x);
        }
    }

    /// Verifies alone, with transcript-derived weights.
    pub(crate) fn verify(&self, transcript: Transcript, x: &Point) -> bool {
        let (c, transcript) = self.challenge(transcript);
        let mut weights = TranscriptWeights::new(transcript, &[&self.z]);
        let mut eq = Equations::with_capacity(2);
        self.add_equations(x, &c, false, &mut eq, &mut weights);
        eq.hold()
    }
}

/// A Chaum–Pedersen proof that `log_G X = log_H Y`:
/// `z·G = a + c·X` and `z·H = b + c·Y`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaumPedersenProof {
    /// Commitment `a = u·G`.
    pub a: Point,
    /// Commitment `b = u·H`.
    pub b: Point,
    /// Response `z = u + c·x`.
    #[serde(with = "scalar_hex")]
    pub z: Scalar,
}

/// The public values of a Chaum–Pedersen statement besides `G`.
pub(crate) struct DleqStatement<'a> {
    /// `X = x·G`.
    pub x: &'a Point,
    /// The second base `H`.
    pub h: &'a Point,
    /// `Y = x·H`.
    pub y: &'a Point,
}

impl ChaumPedersenProof {
    pub(crate) fn prove<R: CryptoRngCore + ?Sized>(
        mut transcript: Transcript,
        x: &Scalar,
        h: &Point,
        rng: &mut R,
    ) -> Self {
        let u = SecretScalar::random(rng);
        let a = Point::new(mul_base(u.expose()));
        let b = Point::new(h.point() * u.expose());
        transcript.append_point(field::COMMITMENT_A, &a);
        transcript.append_point(field::COMMITMENT_B, &b);
        let c = transcript.challenge_scalar(field::CHALLENGE);
        ChaumPedersenProof {
            a,
            b,
            z: u.expose() + c * x,
        }
    }

    /// Completes a proof whose commitments `a = u·G`, `b = u·H` the caller
    /// computed (in a batch, to share their compression).
    pub(crate) fn from_commitments(
        mut transcript: Transcript,
        a: Point,
        b: Point,
        u: &SecretScalar,
        x: &Scalar,
    ) -> Self {
        transcript.append_point(field::COMMITMENT_A, &a);
        transcript.append_point(field::COMMITMENT_B, &b);
        let c = transcript.challenge_scalar(field::CHALLENGE);
        ChaumPedersenProof {
            a,
            b,
            z: u.expose() + c * x,
        }
    }

    /// Appends the commitments and derives the challenge.
    pub(crate) fn challenge(&self, mut transcript: Transcript) -> (Scalar, Transcript) {
        transcript.append_point(field::COMMITMENT_A, &self.a);
        transcript.append_point(field::COMMITMENT_B, &self.b);
        let c = transcript.challenge_scalar(field::CHALLENGE);
        (c, transcript)
    }

    /// Adds `ρ·(a + c·X − z·G) + σ·(b + c·Y − z·H)`; `shared_x` merges `X`.
    pub(crate) fn add_equations(
        &self,
        statement: &DleqStatement<'_>,
        c: &Scalar,
        shared_x: bool,
        eq: &mut Equations,
        weights: &mut dyn Weights,
    ) {
        let rho = weights.next_weight();
        let sigma = weights.next_weight();
        eq.add_generator(-(rho * self.z));
        eq.add(rho, &self.a);
        if shared_x {
            eq.add_shared(statement.x, rho * c);
        } else {
            eq.add(rho * c, statement.x);
        }
        eq.add(-(sigma * self.z), statement.h);
        eq.add(sigma, &self.b);
        eq.add(sigma * c, statement.y);
    }

    /// Verifies alone, with transcript-derived weights.
    pub(crate) fn verify(&self, transcript: Transcript, statement: &DleqStatement<'_>) -> bool {
        let (c, transcript) = self.challenge(transcript);
        let mut weights = TranscriptWeights::new(transcript, &[&self.z]);
        let mut eq = Equations::with_capacity(5);
        self.add_equations(statement, &c, false, &mut eq, &mut weights);
        eq.hold()
    }
}
