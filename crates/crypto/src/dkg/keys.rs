//! A trustee's long-term encryption key pair, to which DKG shares are sealed.

use rand_core::CryptoRngCore;

use crate::context::Fingerprint;
use crate::elgamal::mul_base;
use crate::encoding::Point;
use crate::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use crate::secret::SecretScalar;
use crate::threshold::TrusteeIndex;

/// `x` and `P = x·G`. The secret is zeroized on drop and never printed.
#[derive(Clone, Debug)]
pub struct TrusteeKeyPair {
    secret: SecretScalar,
    public: Point,
}

impl TrusteeKeyPair {
    /// A fresh key pair (never the identity).
    pub fn generate_with_rng<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        loop {
            let secret = SecretScalar::random(rng);
            let public = Point::new(mul_base(secret.expose()));
            if !public.is_identity() {
                return TrusteeKeyPair { secret, public };
            }
        }
    }

    /// Rebuilds a key pair from its stored secret.
    pub fn from_secret(secret: SecretScalar) -> Self {
        let public = Point::new(mul_base(secret.expose()));
        TrusteeKeyPair { secret, public }
    }

    /// `P = x·G`.
    pub fn public(&self) -> &Point {
        &self.public
    }

    /// `x`.
    pub fn secret(&self) -> &SecretScalar {
        &self.secret
    }

    /// Proves possession of `x`, bound to `fingerprint` and `trustee`.
    pub fn prove_possession_with_rng<R: CryptoRngCore + ?Sized>(
        &self,
        fingerprint: &Fingerprint,
        trustee: TrusteeIndex,
        rng: &mut R,
    ) -> PossessionProof {
        let statement = PossessionStatement {
            fingerprint,
            claim: PossessionClaim::TrusteeKey { trustee },
            point: &self.public,
        };
        PossessionProof::prove_with_rng(&statement, &self.secret, rng)
    }
}
