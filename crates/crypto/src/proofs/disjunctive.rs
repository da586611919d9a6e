//! Disjunctive Chaum–Pedersen proof that a ciphertext encrypts one of a
//! public set of values (spec/crypto.md §6.1).
//!
//! Used for every selection (values `{0, 1}`) and for each question's sum
//! (values `{min, …, max}`). The statement names a list of ciphertexts and
//! is about their homomorphic sum `(α, β) = (Σ α_o, Σ β_o)`: one ciphertext
//! for a selection, all of a question's options for its sum. The transcript
//! absorbs the listed encodings, so a verifier never compresses the sum.
//! For `(α, β)` under key `K` and
//! allowed values `m_0 … m_{k−1}`, the prover shows that for some `j`,
//! `log_G α = log_K (β − m_j·G)`, without revealing which.
//!
//! Proof: per branch `j`, commitments `a_j, b_j`, challenge `c_j` and
//! response `z_j`, with `Σ c_j = c = H(transcript)` and, for every `j`:
//!
//! ```text
//! z_j·G = a_j + c_j·α
//! z_j·K = b_j + c_j·(β − m_j·G)
//! ```
//!
//! Prover speed: the prover knows `r`, so the simulated branches' commitments
//! `a_j = w_j·G` and `b_j = w_j·K − c_j·(m − m_j)·G` (with `z_j = w_j + c_j·r`)
//! need fixed-base multiplications only, and the real branch has the same
//! shape with `(m − m_j) = 0`. All branches are computed the same way, with
//! constant-time selection on the secret index.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq, ConstantTimeLess};

use crate::context::BallotContext;
use crate::elgamal::{half, mul_base, Ciphertext, EncryptionNonce, PublicKey};
use crate::encoding::{scalar_hex, Point};
use crate::error::{BatchError, ProofError, ProverError};
use crate::proofs::batch::{self, Equations, TranscriptRng, TranscriptWeights, Weights};
use crate::secret::{random_scalar, SecretScalar};
use crate::transcript::{field, protocol, TranscriptProtocol};

/// Largest number of allowed values in one statement.
pub const MAX_VALUES: usize = 1024;

/// Largest number of ciphertexts summed in one statement.
pub const MAX_CIPHERTEXTS: usize = 1024;

/// What a disjunctive proof proves: the sum of `ciphertexts` encrypts one
/// of `values` under `key`, in the ballot context `context`.
#[derive(Clone, Copy, Debug)]
pub struct DisjunctiveStatement<'a> {
    /// Election, voter and position the proof is bound to.
    pub context: &'a BallotContext,
    /// The election key `K`.
    pub key: &'a PublicKey,
    /// The ciphertexts whose sum `(α, β)` is proved (at least one).
    pub ciphertexts: &'a [Ciphertext],
    /// The allowed plaintexts `m_0 … m_{k−1}`, in this order.
    pub values: &'a [u64],
}

/// One branch of a disjunctive proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// `a_j`.
    pub a: Point,
    /// `b_j`.
    pub b: Point,
    /// `c_j`.
    #[serde(with = "scalar_hex")]
    pub c: Scalar,
    /// `z_j`.
    #[serde(with = "scalar_hex")]
    pub z: Scalar,
}

/// A disjunctive Chaum–Pedersen proof: one branch per allowed value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisjunctiveProof {
    /// Branch `j` belongs to `values[j]`.
    pub branches: Vec<Branch>,
}

impl DisjunctiveStatement<'_> {
    fn check_shape(&self) -> Result<(), ProverError> {
        if !self.context.position.is_valid() {
            return Err(ProverError::InvalidStatement(
                "option index 0xffffffff is reserved for the sum",
            ));
        }
        if self.ciphertexts.is_empty() {
            return Err(ProverError::InvalidStatement("no ciphertexts"));
        }
        if self.ciphertexts.len() > MAX_CIPHERTEXTS {
            return Err(ProverError::InvalidStatement("too many ciphertexts"));
        }
        match self.values.len() {
            0 => Err(ProverError::InvalidStatement("no allowed values")),
            n if n > MAX_VALUES => Err(ProverError::InvalidStatement("too many allowed values")),
            _ => Ok(()),
        }
    }

    /// `(Σ α_o, Σ β_o)` as points (no compression).
    fn sum(&self) -> (RistrettoPoint, RistrettoPoint) {
        match self.ciphertexts {
            [one] => (*one.alpha.point(), *one.beta.point()),
            many => many.iter().fold(
                (RistrettoPoint::identity(), RistrettoPoint::identity()),
                |(a, b), c| (a + c.alpha.point(), b + c.beta.point()),
            ),
        }
    }

    /// The transcript up to (not including) the commitments.
    fn transcript(&self) -> Transcript {
        let mut t = Transcript::new(protocol::DISJUNCTIVE);
        t.append_ballot_context(self.context);
        t.append_point(field::GENERATOR, &Point::GENERATOR);
        t.append_point(field::ELECTION_KEY, self.key.point());
        t.append_u64(field::CIPHERTEXT_COUNT, self.ciphertexts.len() as u64);
        for ciphertext in self.ciphertexts {
            t.append_point(field::ALPHA, &ciphertext.alpha);
            t.append_point(field::BETA, &ciphertext.beta);
        }
        t.append_u64(field::VALUE_COUNT, self.values.len() as u64);
        for value in self.values {
            t.append_u64(field::VALUE, *value);
        }
        t
    }
}

impl DisjunctiveProof {
    /// Proves that the sum of `statement.ciphertexts` is
    /// `Enc(plaintext; nonce)` with `plaintext` among `statement.values`
    /// (for a sum, `nonce` is the sum of the nonces: [`EncryptionNonce::sum`]).
    ///
    /// Runs in time independent of which value `plaintext` is. The caller
    /// must pass the true plaintext and nonce; a false witness yields a
    /// proof that does not verify.
    pub fn prove_with_rng<R: CryptoRngCore + ?Sized>(
        statement: &DisjunctiveStatement<'_>,
        plaintext: u64,
        nonce: &EncryptionNonce,
        rng: &mut R,
    ) -> Result<Self, ProverError> {
        statement.check_shape()?;
        let values = statement.values;
        let k = values.len();

        // The real branch ι, found without branching on the secret.
        let mut real = 0u64;
        let mut found = Choice::from(0);
        for (j, value) in values.iter().enumerate() {
            let is_real = value.ct_eq(&plaintext);
            real.conditional_assign(&(j as u64), is_real);
            found |= is_real;
        }
        if !bool::from(found) {
            return Err(ProverError::ValueNotAllowed);
        }
        let m = Scalar::from(plaintext);
        let r = nonce.0.expose();

        // w_j for every branch; c_j for every branch (the real one is replaced below).
        let w: Vec<SecretScalar> = (0..k).map(|_| SecretScalar::random(rng)).collect();
        let mut c: Vec<Scalar> = (0..k).map(|_| random_scalar(rng)).collect();

        // d_j = −c_j·(m − m_j) is zero on the real branch; the k−1 simulated
        // ones are packed into slots so that only k−1 multiplications happen.
        let half = half();
        let d_half: Vec<Scalar> = (0..k)
            .map(|j| -c[j] * (m - Scalar::from(values[j])) * half)
            .collect();
        let slots: Vec<RistrettoPoint> = (0..k.saturating_sub(1))
            .map(|s| {
                let after_real = !(s as u64).ct_lt(&real);
                mul_base(&Scalar::conditional_select(
                    &d_half[s],
                    &d_half[s + 1],
                    after_real,
                ))
            })
            .collect();

        let mut halves = Vec::with_capacity(2 * k);
        for j in 0..k {
            let w_half = w[j].expose() * half;
            let j64 = j as u64;
            let mut d_term = RistrettoPoint::identity();
            if j + 1 < k {
                d_term.conditional_assign(&slots[j], j64.ct_lt(&real));
            }
            if j > 0 {
                d_term.conditional_assign(&slots[j - 1], real.ct_lt(&j64));
            }
            halves.push(mul_base(&w_half));
            halves.push(statement.key.mul(&w_half) + d_term);
        }
        let commitments = Point::from_halves(&halves);

        let mut transcript = statement.transcript();
        for pair in commitments.chunks_exact(2) {
            transcript.append_point(field::COMMITMENT_A, &pair[0]);
            transcript.append_point(field::COMMITMENT_B, &pair[1]);
        }
        let challenge = transcript.challenge_scalar(field::CHALLENGE);

        // c_ι = c − Σ_{j≠ι} c_j.
        let mut simulated_sum = Scalar::ZERO;
        for (j, c_j) in c.iter().enumerate() {
            simulated_sum +=
                Scalar::conditional_select(c_j, &Scalar::ZERO, (j as u64).ct_eq(&real));
        }
        let real_challenge = challenge - simulated_sum;
        for (j, c_j) in c.iter_mut().enumerate() {
            c_j.conditional_assign(&real_challenge, (j as u64).ct_eq(&real));
        }

        let branches = commitments
            .chunks_exact(2)
            .zip(c.iter().zip(w.iter()))
            .map(|(pair, (c_j, w_j))| Branch {
                a: pair[0],
                b: pair[1],
                c: *c_j,
                z: w_j.expose() + c_j * r,
            })
            .collect();
        Ok(DisjunctiveProof { branches })
    }

    /// Recomputes the Fiat–Shamir challenge; returns it with the transcript
    /// (which then serves to derive single-proof verifier weights).
    fn challenge(&self, statement: &DisjunctiveStatement<'_>) -> (Scalar, Transcript) {
        let mut transcript = statement.transcript();
        for branch in &self.branches {
            transcript.append_point(field::COMMITMENT_A, &branch.a);
            transcript.append_point(field::COMMITMENT_B, &branch.b);
        }
        let challenge = transcript.challenge_scalar(field::CHALLENGE);
        (challenge, transcript)
    }

    /// Adds this proof's equations, weighted. Returns false for a structural
    /// fault (wrong branch count, challenges that do not add up to `c`).
    fn add_equations(
        &self,
        statement: &DisjunctiveStatement<'_>,
        challenge: &Scalar,
        eq: &mut Equations,
        weights: &mut dyn Weights,
    ) -> bool {
        if self.branches.len() != statement.values.len() || statement.check_shape().is_err() {
            return false;
        }
        let sum: Scalar = self.branches.iter().map(|b| b.c).sum();
        if sum != *challenge {
            return false;
        }
        // Σ_j ρ_j(a_j + c_j·α − z_j·G) + σ_j(b_j + c_j·β − c_j·m_j·G − z_j·K) = 0,
        // signed so that the per-proof commitments keep their short weights.
        let (mut g, mut k, mut alpha, mut beta) =
            (Scalar::ZERO, Scalar::ZERO, Scalar::ZERO, Scalar::ZERO);
        for (branch, value) in self.branches.iter().zip(statement.values) {
            let rho = weights.next_weight();
            let sigma = weights.next_weight();
            let sigma_c = sigma * branch.c;
            g -= rho * branch.z + sigma_c * Scalar::from(*value);
            k -= sigma * branch.z;
            alpha += rho * branch.c;
            beta += sigma_c;
            eq.add(rho, &branch.a);
            eq.add(sigma, &branch.b);
        }
        eq.add_generator(g);
        eq.add_shared(statement.key.point(), k);
        // Adding points is cheap; only their encodings enter the transcript.
        let (sum_alpha, sum_beta) = statement.sum();
        eq.add_point(alpha, sum_alpha);
        eq.add_point(beta, sum_beta);
        true
    }

    /// Verifies the proof against its statement.
    pub fn verify(&self, statement: &DisjunctiveStatement<'_>) -> Result<(), ProofError> {
        let (challenge, transcript) = self.challenge(statement);
        let responses: Vec<&Scalar> = self.branches.iter().flat_map(|b| [&b.c, &b.z]).collect();
        let mut weights = TranscriptWeights::new(transcript, &responses);
        let mut eq = Equations::with_capacity(4 * self.branches.len() + 2);
        if self.add_equations(statement, &challenge, &mut eq, &mut weights) && eq.hold() {
            Ok(())
        } else {
            Err(ProofError)
        }
    }

    /// Verifies the proofs of one ballot (or any set fixed as a whole) with
    /// one multiscalar multiplication and weights derived from all of them,
    /// so no random generator is needed; on failure, names every bad one.
    pub fn verify_all(
        items: &[(DisjunctiveStatement<'_>, &DisjunctiveProof)],
    ) -> Result<(), BatchError> {
        Self::verify_batch(items, &mut Self::derived_weights(items))
    }

    /// Whether every proof holds, by one multiscalar multiplication with the
    /// weights of [`DisjunctiveProof::verify_all`], without looking for the
    /// bad ones when some fail: for callers that batch several ballots and
    /// fall back to one ballot at a time (each its own batch) on failure,
    /// which costs far less than checking every proof alone.
    pub fn all_hold(items: &[(DisjunctiveStatement<'_>, &DisjunctiveProof)]) -> bool {
        Self::batch_with(items, &mut Self::derived_weights(items), |_| false).is_ok()
    }

    /// Batch weights drawn from a transcript of everything in the batch, so
    /// that no prover can choose proofs after seeing its weights.
    fn derived_weights(items: &[(DisjunctiveStatement<'_>, &DisjunctiveProof)]) -> TranscriptRng {
        let mut t = Transcript::new(protocol::VERIFIER_WEIGHTS);
        for (statement, proof) in items {
            for ciphertext in statement.ciphertexts {
                t.append_point(field::ALPHA, &ciphertext.alpha);
                t.append_point(field::BETA, &ciphertext.beta);
            }
            for branch in &proof.branches {
                t.append_point(field::COMMITMENT_A, &branch.a);
                t.append_point(field::COMMITMENT_B, &branch.b);
                t.append_scalar(field::CHALLENGE, &branch.c);
                t.append_scalar(field::RESPONSE, &branch.z);
            }
        }
        TranscriptRng::new(t)
    }

    /// Verifies many proofs at once; on failure, names every bad one.
    pub fn verify_batch<R: CryptoRngCore + ?Sized>(
        items: &[(DisjunctiveStatement<'_>, &DisjunctiveProof)],
        rng: &mut R,
    ) -> Result<(), BatchError> {
        Self::batch_with(items, rng, |(statement, proof)| {
            proof.verify(statement).is_ok()
        })
    }

    /// One batch equation over every proof; when it fails, `verify_one`
    /// decides which items are named (always `false`: all of them).
    fn batch_with<R: CryptoRngCore + ?Sized>(
        items: &[(DisjunctiveStatement<'_>, &DisjunctiveProof)],
        rng: &mut R,
        verify_one: impl Fn(&(DisjunctiveStatement<'_>, &DisjunctiveProof)) -> bool,
    ) -> Result<(), BatchError> {
        batch::verify_batch(
            items,
            6,
            rng,
            |(statement, proof), eq, weights| {
                let (challenge, _) = proof.challenge(statement);
                proof.add_equations(statement, &challenge, eq, weights)
            },
            verify_one,
        )
    }
}
