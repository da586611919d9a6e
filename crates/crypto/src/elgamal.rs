//! Exponential ElGamal on ristretto255 (spec/crypto.md §5).
//!
//! `Enc_K(m; r) = (α, β) = (r·G, m·G + r·K)`. Ciphertexts add component-wise,
//! so the sum of encryptions of 0/1 selections is an encryption of the count;
//! the count is recovered from `m·G` by [`crate::dlog`].
//!
//! Encryption computes every point with precomputed fixed-base tables (one
//! for `G`, one per election key `K`) and encodes the results with a single
//! batched compression (see [`Point::from_halves`]).

use core::fmt;
use std::sync::{Arc, OnceLock};

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::{Choice, ConditionallySelectable};

use crate::encoding::Point;
use crate::error::EncodingError;
use crate::secret::SecretScalar;

/// `1/2 mod ℓ`, used to compute halves of points for batched compression.
pub(crate) fn half() -> &'static Scalar {
    static HALF: OnceLock<Scalar> = OnceLock::new();
    HALF.get_or_init(|| Scalar::from(2u8).invert())
}

/// `(1/2)·G`.
pub(crate) fn half_generator() -> &'static RistrettoPoint {
    static HALF_G: OnceLock<RistrettoPoint> = OnceLock::new();
    HALF_G.get_or_init(|| RISTRETTO_BASEPOINT_TABLE * half())
}

/// `s·G` with the precomputed basepoint table (constant time in `s`).
pub(crate) fn mul_base(s: &Scalar) -> RistrettoPoint {
    RISTRETTO_BASEPOINT_TABLE * s
}

/// An ElGamal public key `K` (the joint election key) with its fixed-base
/// table, built on first use (verifiers, which never encrypt, never pay for it).
///
/// Never the identity: decoding rejects it, since under `K = 0` every
/// ciphertext reveals its plaintext.
#[derive(Clone)]
pub struct PublicKey {
    point: Point,
    table: Arc<OnceLock<RistrettoBasepointTable>>,
}

impl PublicKey {
    /// Wraps a point as a public key, building its fixed-base table.
    pub fn from_point(point: Point) -> Result<Self, EncodingError> {
        let point = point.require_non_identity()?;
        Ok(PublicKey {
            point,
            table: Arc::new(OnceLock::new()),
        })
    }

    /// Decodes a public key from its 32-byte encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        Self::from_point(Point::decode_non_identity(bytes)?)
    }

    /// The key as a point.
    pub fn point(&self) -> &Point {
        &self.point
    }

    /// `s·K` with the key's fixed-base table (constant time in `s`).
    pub(crate) fn mul(&self, s: &Scalar) -> RistrettoPoint {
        self.table
            .get_or_init(|| RistrettoBasepointTable::create(self.point.point()))
            * s
    }

    /// Encrypts `m` with fresh randomness; returns the ciphertext and its nonce `r`.
    pub fn encrypt_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        m: u64,
        rng: &mut R,
    ) -> (Ciphertext, EncryptionNonce) {
        let nonce = EncryptionNonce(SecretScalar::random(rng));
        (self.encrypt_with_nonce(&Scalar::from(m), &nonce), nonce)
    }

    /// Encrypts a 0/1 selection without branching on it.
    pub fn encrypt_bit_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        bit: Choice,
        rng: &mut R,
    ) -> (Ciphertext, EncryptionNonce) {
        let nonce = EncryptionNonce(SecretScalar::random(rng));
        let r_half = nonce.0.expose() * half();
        let m_half_g =
            RistrettoPoint::conditional_select(&RistrettoPoint::identity(), half_generator(), bit);
        let halves = [mul_base(&r_half), self.mul(&r_half) + m_half_g];
        (Ciphertext::from_halves(&halves), nonce)
    }

    /// Encrypts `m` (a secret scalar plaintext) under a given nonce.
    pub fn encrypt_with_nonce(&self, m: &Scalar, nonce: &EncryptionNonce) -> Ciphertext {
        let r_half = nonce.0.expose() * half();
        let halves = [
            mul_base(&r_half),
            self.mul(&r_half) + mul_base(&(m * half())),
        ];
        Ciphertext::from_halves(&halves)
    }

    /// Re-encrypts: adds a fresh encryption of zero. Returns the new
    /// ciphertext and the added nonce.
    pub fn reencrypt_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        ciphertext: &Ciphertext,
        rng: &mut R,
    ) -> (Ciphertext, EncryptionNonce) {
        let nonce = EncryptionNonce(SecretScalar::random(rng));
        let r = nonce.0.expose();
        let alpha = ciphertext.alpha.point() + mul_base(r);
        let beta = ciphertext.beta.point() + self.mul(r);
        (Ciphertext::from_points(alpha, beta), nonce)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.point == other.point
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?})", self.point)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.point.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let point = Point::deserialize(deserializer)?;
        PublicKey::from_point(point).map_err(serde::de::Error::custom)
    }
}

/// A single-party ElGamal secret key. Elections use threshold keys
/// ([`crate::dkg`]); this type serves tests and one-trustee elections.
#[derive(Clone, Debug)]
pub struct SecretKey {
    secret: SecretScalar,
    public: PublicKey,
}

impl SecretKey {
    /// A fresh random key pair.
    pub fn generate_with_rng<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        loop {
            let secret = SecretScalar::random(rng);
            if let Ok(public) = PublicKey::from_point(Point::new(mul_base(secret.expose()))) {
                return SecretKey { secret, public };
            }
        }
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Decrypts to the group element `m·G`.
    pub fn decrypt_to_point(&self, ciphertext: &Ciphertext) -> RistrettoPoint {
        ciphertext.beta.point() - ciphertext.alpha.point() * self.secret.expose()
    }
}

/// The encryption randomness `r` of one ciphertext. Secret while the ballot
/// may be cast; revealed only in a Benaloh audit.
#[derive(Clone, Debug)]
pub struct EncryptionNonce(pub(crate) SecretScalar);

impl EncryptionNonce {
    /// Wraps a known nonce (for re-checking a Benaloh audit).
    pub fn from_scalar(r: Scalar) -> Self {
        EncryptionNonce(SecretScalar::new(r))
    }

    /// Reveals the nonce, for a Benaloh audit of a ballot that will never be cast.
    pub fn reveal(&self) -> Scalar {
        *self.0.expose()
    }

    /// The nonce of a sum of ciphertexts is the sum of their nonces.
    pub fn sum<'a>(nonces: impl IntoIterator<Item = &'a EncryptionNonce>) -> EncryptionNonce {
        let total = nonces
            .into_iter()
            .fold(Scalar::ZERO, |acc, n| acc + n.0.expose());
        EncryptionNonce(SecretScalar::new(total))
    }
}

/// An exponential ElGamal ciphertext `(α, β)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ciphertext {
    /// `α = r·G`.
    pub alpha: Point,
    /// `β = m·G + r·K`.
    pub beta: Point,
}

impl Ciphertext {
    /// The ciphertext `(0, 0)`: an encryption of zero with zero randomness,
    /// the neutral element of homomorphic addition.
    pub fn zero() -> Self {
        Ciphertext::from_points(RistrettoPoint::identity(), RistrettoPoint::identity())
    }

    /// Wraps two points (two compressions).
    pub fn from_points(alpha: RistrettoPoint, beta: RistrettoPoint) -> Self {
        Ciphertext {
            alpha: Point::new(alpha),
            beta: Point::new(beta),
        }
    }

    fn from_halves(halves: &[RistrettoPoint; 2]) -> Self {
        let points = Point::from_halves(halves);
        Ciphertext {
            alpha: points[0],
            beta: points[1],
        }
    }

    /// Component-wise sum: an encryption of the sum of the plaintexts.
    pub fn add(&self, other: &Ciphertext) -> Ciphertext {
        Ciphertext::from_points(
            self.alpha.point() + other.alpha.point(),
            self.beta.point() + other.beta.point(),
        )
    }

    /// Checks that a revealed `(m, r)` opens this ciphertext (a Benaloh audit).
    pub fn opens_to(&self, key: &PublicKey, m: u64, r: &Scalar) -> bool {
        let alpha = mul_base(r);
        let beta = mul_base(&Scalar::from(m)) + key.mul(r);
        alpha == *self.alpha.point() && beta == *self.beta.point()
    }
}

/// Accumulates many ciphertexts without compressing intermediate sums.
#[derive(Clone, Copy, Debug)]
pub struct CiphertextSum {
    alpha: RistrettoPoint,
    beta: RistrettoPoint,
}

impl Default for CiphertextSum {
    fn default() -> Self {
        CiphertextSum {
            alpha: RistrettoPoint::identity(),
            beta: RistrettoPoint::identity(),
        }
    }
}

impl CiphertextSum {
    /// An empty sum.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one ciphertext.
    pub fn add(&mut self, ciphertext: &Ciphertext) {
        self.alpha += ciphertext.alpha.point();
        self.beta += ciphertext.beta.point();
    }

    /// Subtracts one ciphertext (a ballot superseded by a revote).
    pub fn subtract(&mut self, ciphertext: &Ciphertext) {
        self.alpha -= ciphertext.alpha.point();
        self.beta -= ciphertext.beta.point();
    }

    /// Adds another partial sum.
    pub fn merge(&mut self, other: &CiphertextSum) {
        self.alpha += other.alpha;
        self.beta += other.beta;
    }

    /// Subtracts another partial sum.
    pub fn unmerge(&mut self, other: &CiphertextSum) {
        self.alpha -= other.alpha;
        self.beta -= other.beta;
    }

    /// The sum as a ciphertext.
    pub fn finish(&self) -> Ciphertext {
        Ciphertext::from_points(self.alpha, self.beta)
    }
}

impl<'a> core::iter::FromIterator<&'a Ciphertext> for CiphertextSum {
    fn from_iter<I: IntoIterator<Item = &'a Ciphertext>>(iter: I) -> Self {
        let mut sum = CiphertextSum::new();
        for c in iter {
            sum.add(c);
        }
        sum
    }
}
