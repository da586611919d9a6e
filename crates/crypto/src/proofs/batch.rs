//! Verifying many group equations with one multiscalar multiplication.
//!
//! Every proof's verification equations have the form `Σ sᵢ·Pᵢ = 0`. A
//! verifier multiplies each equation by an independent random weight and
//! adds them up; if any equation is false, the weighted sum is the identity
//! with probability at most 2⁻¹²⁸ over the weights. Bases shared by many
//! equations (`G`, the election key `K`, a trustee's verification key) are
//! merged into one term. The sum is checked with a variable-time
//! multiscalar multiplication: everything here is public.
//!
//! Weights are 128-bit, which halves the work for the per-proof points.
//! When a batch fails, each proof is re-checked alone to name the bad ones.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::CryptoRngCore;

use crate::encoding::Point;
use crate::error::BatchError;
use crate::transcript::{field, protocol, TranscriptProtocol};

/// A source of verifier weights.
pub(crate) trait Weights {
    /// The next weight (uniform in `[0, 2^128)`).
    fn next_weight(&mut self) -> Scalar;
}

/// Weights from the verifier's own random number generator.
pub(crate) struct RngWeights<'a, R: CryptoRngCore + ?Sized>(pub &'a mut R);

impl<R: CryptoRngCore + ?Sized> Weights for RngWeights<'_, R> {
    fn next_weight(&mut self) -> Scalar {
        let mut bytes = [0u8; 16];
        self.0.fill_bytes(&mut bytes);
        Scalar::from(u128::from_le_bytes(bytes))
    }
}

/// Deterministic weights for checking a single proof, derived from a
/// transcript that has absorbed the whole proof (commitments and
/// responses), so a prover cannot choose responses after seeing them.
/// The first weight is 1, so no weight choice can erase every equation.
pub(crate) struct TranscriptWeights {
    transcript: Transcript,
    first: bool,
}

impl TranscriptWeights {
    /// Starts from a transcript of the complete statement and proof.
    pub(crate) fn new(mut transcript: Transcript, responses: &[&Scalar]) -> Self {
        transcript.append_message(b"dom-sep", protocol::VERIFIER_WEIGHTS);
        for response in responses {
            transcript.append_scalar(field::RESPONSE, response);
        }
        TranscriptWeights {
            transcript,
            first: true,
        }
    }
}

impl Weights for TranscriptWeights {
    fn next_weight(&mut self) -> Scalar {
        if core::mem::take(&mut self.first) {
            return Scalar::ONE;
        }
        let mut bytes = [0u8; 16];
        self.transcript.challenge_bytes(field::WEIGHTS, &mut bytes);
        Scalar::from(u128::from_le_bytes(bytes))
    }
}

/// An RNG that squeezes a transcript: deterministic batch weights for a
/// message that is already fixed (the weights depend on all of it).
pub(crate) struct TranscriptRng(Transcript);

impl TranscriptRng {
    pub(crate) fn new(transcript: Transcript) -> Self {
        TranscriptRng(transcript)
    }
}

impl rand_core::RngCore for TranscriptRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.challenge_bytes(field::WEIGHTS, dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for TranscriptRng {}

/// A weighted sum of group equations, checked at the end in one go.
#[derive(Default)]
pub(crate) struct Equations {
    generator: Scalar,
    shared: Vec<(Point, Scalar)>,
    scalars: Vec<Scalar>,
    points: Vec<RistrettoPoint>,
}

impl Equations {
    /// An empty sum with room for `terms` per-proof terms.
    pub(crate) fn with_capacity(terms: usize) -> Self {
        Equations {
            generator: Scalar::ZERO,
            shared: Vec::new(),
            scalars: Vec::with_capacity(terms),
            points: Vec::with_capacity(terms),
        }
    }

    /// Adds `s·G`.
    pub(crate) fn add_generator(&mut self, s: Scalar) {
        self.generator += s;
    }

    /// Adds `s·P` for a base that many equations share (merged by encoding).
    pub(crate) fn add_shared(&mut self, base: &Point, s: Scalar) {
        match self.shared.iter_mut().find(|(p, _)| p == base) {
            Some((_, coefficient)) => *coefficient += s,
            None => self.shared.push((*base, s)),
        }
    }

    /// Adds `s·P`.
    pub(crate) fn add(&mut self, s: Scalar, p: &Point) {
        self.scalars.push(s);
        self.points.push(*p.point());
    }

    /// Adds `s·P` for a point without an encoding at hand.
    pub(crate) fn add_point(&mut self, s: Scalar, p: RistrettoPoint) {
        self.scalars.push(s);
        self.points.push(p);
    }

    /// True when the weighted sum is the identity.
    pub(crate) fn hold(self) -> bool {
        let Equations {
            generator,
            shared,
            mut scalars,
            mut points,
        } = self;
        scalars.push(generator);
        points.push(*Point::GENERATOR.point());
        for (base, coefficient) in shared {
            scalars.push(coefficient);
            points.push(*base.point());
        }
        RistrettoPoint::vartime_multiscalar_mul(&scalars, &points).is_identity()
    }
}

/// Verifies a batch: `add` adds one item's weighted equations (or rejects it
/// outright for a structural fault), `verify_one` checks one item alone.
pub(crate) fn verify_batch<T, R>(
    items: &[T],
    terms_per_item: usize,
    rng: &mut R,
    add: impl Fn(&T, &mut Equations, &mut dyn Weights) -> bool,
    verify_one: impl Fn(&T) -> bool,
) -> Result<(), BatchError>
where
    R: CryptoRngCore + ?Sized,
{
    let mut equations = Equations::with_capacity(items.len() * terms_per_item + 8);
    let mut weights = RngWeights(rng);
    let mut structurally_bad = Vec::new();
    for (index, item) in items.iter().enumerate() {
        if !add(item, &mut equations, &mut weights) {
            structurally_bad.push(index);
        }
    }
    if structurally_bad.is_empty() && equations.hold() {
        return Ok(());
    }
    // Find the culprits; an item that passes alone is valid whatever the batch said.
    let failed: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(index, item)| structurally_bad.binary_search(index).is_ok() || !verify_one(item))
        .map(|(index, _)| index)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(BatchError {
            failed,
            total: items.len(),
        })
    }
}
