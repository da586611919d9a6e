//! Secret polynomials and their Feldman commitments.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use rand_core::CryptoRngCore;

use crate::encoding::Point;
use crate::secret::SecretScalar;
use crate::threshold::TrusteeIndex;

/// `f(x) = a_0 + a_1·x + … + a_{t−1}·x^{t−1}` with secret coefficients.
pub(crate) struct SecretPolynomial {
    pub coefficients: Vec<SecretScalar>,
}

impl SecretPolynomial {
    pub fn random<R: CryptoRngCore + ?Sized>(degree_plus_one: usize, rng: &mut R) -> Self {
        SecretPolynomial {
            coefficients: (0..degree_plus_one)
                .map(|_| SecretScalar::random(rng))
                .collect(),
        }
    }

    /// `f(i)` by Horner's rule (constant time in the coefficients).
    pub fn evaluate(&self, at: TrusteeIndex) -> SecretScalar {
        let x = at.scalar();
        let mut acc = Scalar::ZERO;
        for a in self.coefficients.iter().rev() {
            acc = acc * x + a.expose();
        }
        SecretScalar::new(acc)
    }
}

/// `Σ_k j^k·C_k`: the public image `f(j)·G` of a committed polynomial.
pub(crate) fn evaluate_commitments(commitments: &[Point], at: TrusteeIndex) -> RistrettoPoint {
    let x = at.scalar();
    let mut power = Scalar::ONE;
    let powers: Vec<Scalar> = commitments
        .iter()
        .map(|_| {
            let current = power;
            power *= x;
            current
        })
        .collect();
    RistrettoPoint::vartime_multiscalar_mul(&powers, commitments.iter().map(|c| *c.point()))
}
