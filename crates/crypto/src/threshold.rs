//! Threshold parameters, trustee indices, partial decryption and Lagrange
//! combination (spec/crypto.md §8).
//!
//! After the key ceremony ([`crate::dkg`]) trustee `i` holds a share `s_i`
//! of the election secret `s` (a degree `t−1` polynomial evaluated at `i`),
//! and everyone knows its verification key `V_i = s_i·G`. To decrypt `(α, β)`
//! each present trustee publishes `D_i = s_i·α` with a Chaum–Pedersen proof
//! that `log_G V_i = log_α D_i`; any `t` valid shares give
//! `s·α = Σ λ_i·D_i` with Lagrange coefficients at zero, and `m·G = β − s·α`.

use core::fmt;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::context::Fingerprint;
use crate::elgamal::Ciphertext;
use crate::encoding::Point;
use crate::error::ThresholdError;
use crate::proofs::decryption::{DecryptionProof, DecryptionStatement};
use crate::proofs::sigma::ChaumPedersenProof;
use crate::secret::SecretScalar;

/// Largest number of trustees.
pub const MAX_TRUSTEES: u32 = 255;

/// A trustee's index `i ∈ 1..=n`, the point at which its share is evaluated.
/// Decoding rejects 0 and values above 255; the bound `n` is checked
/// wherever the parameters are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct TrusteeIndex(u32);

impl TryFrom<u32> for TrusteeIndex {
    type Error = ThresholdError;
    fn try_from(index: u32) -> Result<Self, ThresholdError> {
        if index == 0 || index > MAX_TRUSTEES {
            Err(ThresholdError::IndexOutOfRange {
                index,
                n: MAX_TRUSTEES,
            })
        } else {
            Ok(TrusteeIndex(index))
        }
    }
}

impl From<TrusteeIndex> for u32 {
    fn from(index: TrusteeIndex) -> u32 {
        index.0
    }
}

impl TrusteeIndex {
    /// Checks `1 ≤ index ≤ n`.
    pub fn new(index: u32, params: &ThresholdParams) -> Result<Self, ThresholdError> {
        if index == 0 || index > params.n() {
            Err(ThresholdError::IndexOutOfRange {
                index,
                n: params.n(),
            })
        } else {
            Ok(TrusteeIndex(index))
        }
    }

    /// The index as an integer.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The index as a scalar (the evaluation point).
    pub fn scalar(self) -> Scalar {
        Scalar::from(self.0)
    }

    /// Position in 0-based arrays ordered by index.
    pub(crate) fn slot(self) -> usize {
        self.0.saturating_sub(1) as usize
    }

    /// Constructor for indices already known to be in range.
    pub(crate) fn from_slot(slot: usize) -> Self {
        TrusteeIndex(slot as u32 + 1)
    }
}

impl fmt::Display for TrusteeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `t`-of-`n` threshold parameters: `1 ≤ t ≤ n ≤ 255`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawParams", into = "RawParams")]
pub struct ThresholdParams {
    t: u32,
    n: u32,
}

#[derive(Serialize, Deserialize)]
struct RawParams {
    t: u32,
    n: u32,
}

impl TryFrom<RawParams> for ThresholdParams {
    type Error = ThresholdError;
    fn try_from(raw: RawParams) -> Result<Self, ThresholdError> {
        ThresholdParams::new(raw.t, raw.n)
    }
}

impl From<ThresholdParams> for RawParams {
    fn from(p: ThresholdParams) -> Self {
        RawParams { t: p.t, n: p.n }
    }
}

impl ThresholdParams {
    /// Validates `1 ≤ t ≤ n ≤ 255`.
    pub fn new(t: u32, n: u32) -> Result<Self, ThresholdError> {
        if t == 0 || t > n || n > MAX_TRUSTEES {
            Err(ThresholdError::InvalidParameters { t, n })
        } else {
            Ok(ThresholdParams { t, n })
        }
    }

    /// The threshold `t`: shares needed to decrypt.
    pub fn t(&self) -> u32 {
        self.t
    }

    /// The number of trustees `n`.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// All indices `1..=n`.
    pub fn indices(&self) -> impl Iterator<Item = TrusteeIndex> {
        (1..=self.n).map(TrusteeIndex)
    }
}

/// Lagrange coefficients at zero for the given distinct indices:
/// `λ_i = Π_{j≠i} j / (j − i)`.
pub fn lagrange_coefficients(indices: &[TrusteeIndex]) -> Result<Vec<Scalar>, ThresholdError> {
    for (k, i) in indices.iter().enumerate() {
        if indices[..k].contains(i) {
            return Err(ThresholdError::DuplicateIndex(i.get()));
        }
    }
    let mut numerators = Vec::with_capacity(indices.len());
    let mut denominators = Vec::with_capacity(indices.len());
    for i in indices {
        let (mut num, mut den) = (Scalar::ONE, Scalar::ONE);
        for j in indices.iter().filter(|j| *j != i) {
            num *= j.scalar();
            den *= j.scalar() - i.scalar();
        }
        numerators.push(num);
        denominators.push(den);
    }
    Scalar::batch_invert(&mut denominators);
    Ok(numerators
        .into_iter()
        .zip(denominators)
        .map(|(n, d)| n * d)
        .collect())
}

/// A trustee's final secret share `s_i`, with its public verification key.
#[derive(Clone, Debug)]
pub struct KeyShare {
    index: TrusteeIndex,
    secret: SecretScalar,
    verification_key: Point,
}

impl KeyShare {
    /// Assembles a key share, checking `s_i·G = V_i`.
    pub fn new(
        index: TrusteeIndex,
        secret: SecretScalar,
        verification_key: Point,
    ) -> Result<Self, ThresholdError> {
        if crate::elgamal::mul_base(secret.expose()) != *verification_key.point() {
            return Err(ThresholdError::ShareMismatch);
        }
        Ok(KeyShare {
            index,
            secret,
            verification_key,
        })
    }

    /// This trustee's index.
    pub fn index(&self) -> TrusteeIndex {
        self.index
    }

    /// `V_i = s_i·G`.
    pub fn verification_key(&self) -> &Point {
        &self.verification_key
    }

    /// The secret share, for encrypted storage by the trustee tool.
    pub fn secret(&self) -> &SecretScalar {
        &self.secret
    }

    /// Computes `D_i = s_i·α` and proves it correct.
    pub fn partial_decrypt_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        fingerprint: &Fingerprint,
        ciphertext: &Ciphertext,
        rng: &mut R,
    ) -> PartialDecryption {
        let share = Point::new(ciphertext.alpha.point() * self.secret.expose());
        let statement = DecryptionStatement {
            fingerprint,
            trustee: self.index,
            verification_key: &self.verification_key,
            ciphertext,
            share: &share,
        };
        let proof = DecryptionProof::prove_with_rng(&statement, &self.secret, rng);
        PartialDecryption { share, proof }
    }
}

impl KeyShare {
    /// Decrypts many ciphertexts (a whole tally): the same shares and proofs
    /// as [`KeyShare::partial_decrypt_with_rng`] on each in turn, with the
    /// same draws from `rng`, but every point is computed as a half and all
    /// are encoded with one batched compression.
    pub fn partial_decrypt_all_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        fingerprint: &Fingerprint,
        ciphertexts: &[Ciphertext],
        rng: &mut R,
    ) -> Vec<PartialDecryption> {
        let half = crate::elgamal::half();
        let s_half = self.secret.expose() * half;
        let nonces: Vec<SecretScalar> = ciphertexts
            .iter()
            .map(|_| SecretScalar::random(rng))
            .collect();
        let mut halves = Vec::with_capacity(3 * ciphertexts.len());
        for (ciphertext, u) in ciphertexts.iter().zip(&nonces) {
            let u_half = u.expose() * half;
            halves.push(ciphertext.alpha.point() * s_half);
            halves.push(crate::elgamal::mul_base(&u_half));
            halves.push(ciphertext.alpha.point() * u_half);
        }
        let points = Point::from_halves(&halves);
        ciphertexts
            .iter()
            .zip(&nonces)
            .zip(points.chunks_exact(3))
            .map(|((ciphertext, u), p)| {
                let statement = DecryptionStatement {
                    fingerprint,
                    trustee: self.index,
                    verification_key: &self.verification_key,
                    ciphertext,
                    share: &p[0],
                };
                let proof = ChaumPedersenProof::from_commitments(
                    statement.transcript(),
                    p[1],
                    p[2],
                    u,
                    self.secret.expose(),
                );
                PartialDecryption {
                    share: p[0],
                    proof: DecryptionProof(proof),
                }
            })
            .collect()
    }
}

/// One trustee's decryption share of one ciphertext, with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialDecryption {
    /// `D_i = s_i·α`.
    pub share: Point,
    /// Proof that `log_G V_i = log_α D_i`.
    pub proof: DecryptionProof,
}

/// Combines partial decryptions `(i, D_i)` of one ciphertext (already
/// verified) into `m·G = β − Σ λ_i·D_i`. Needs at least `t` distinct trustees.
pub fn combine(
    params: &ThresholdParams,
    ciphertext: &Ciphertext,
    shares: &[(TrusteeIndex, &Point)],
) -> Result<RistrettoPoint, ThresholdError> {
    let indices: Vec<TrusteeIndex> = shares.iter().map(|(i, _)| *i).collect();
    let lambdas = combination_coefficients(params, &indices)?;
    Ok(combine_with(
        &lambdas,
        ciphertext,
        shares.iter().map(|(_, d)| *d),
    ))
}

/// Lagrange coefficients for a set of decrypting trustees, after checking
/// that there are at least `t` of them and that each index is in range.
/// Compute once and reuse for every ciphertext of a tally.
pub fn combination_coefficients(
    params: &ThresholdParams,
    indices: &[TrusteeIndex],
) -> Result<Vec<Scalar>, ThresholdError> {
    if indices.len() < params.t() as usize {
        return Err(ThresholdError::NotEnoughTrustees {
            needed: params.t() as usize,
            available: indices.len(),
        });
    }
    for i in indices {
        TrusteeIndex::new(i.get(), params)?;
    }
    lagrange_coefficients(indices)
}

/// `β − Σ λ_i·D_i` with precomputed coefficients (public data: variable time).
pub fn combine_with<'a>(
    lambdas: &[Scalar],
    ciphertext: &Ciphertext,
    shares: impl IntoIterator<Item = &'a Point>,
) -> RistrettoPoint {
    let combined =
        RistrettoPoint::vartime_multiscalar_mul(lambdas, shares.into_iter().map(|d| *d.point()));
    ciphertext.beta.point() - combined
}
