//! Secret scalars: zeroized on drop, never printed.

use core::fmt;

use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRngCore;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A scalar that must stay secret: a private key, a key share, a nonce.
///
/// Arithmetic on it goes through dalek's constant-time scalar code; its
/// `Debug` output is redacted and its memory is wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretScalar(Scalar);

impl SecretScalar {
    /// Wraps a scalar that is secret from now on.
    pub fn new(scalar: Scalar) -> Self {
        SecretScalar(scalar)
    }

    /// A uniformly random scalar.
    pub fn random<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Self {
        SecretScalar(random_scalar(rng))
    }

    /// Borrows the secret value for constant-time arithmetic.
    pub fn expose(&self) -> &Scalar {
        &self.0
    }
}

impl fmt::Debug for SecretScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretScalar(<redacted>)")
    }
}

/// A uniformly random scalar that is not secret (a public batching weight),
/// or that the caller wraps itself.
pub(crate) fn random_scalar<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    let scalar = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    scalar
}
