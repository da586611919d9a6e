//! Small helpers shared by the scenarios: seeded randomness, scalar and
//! point arithmetic on wire values, and malformed encodings.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::scalar::Scalar;
use psephos_crypto::context::{BallotContext, BallotPosition, CredentialKey, Fingerprint};
use psephos_crypto::elgamal::PublicKey;
use psephos_crypto::encoding::Point;
use psephos_crypto::threshold::{ThresholdParams, TrusteeIndex};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::Value;

use crate::json::Obj;
use crate::Error;

/// The only source of randomness of every scenario.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// 32 random bytes.
pub fn random_bytes(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// A uniformly random scalar (64 random bytes reduced modulo ℓ).
pub fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// A random election fingerprint.
pub fn fingerprint(rng: &mut ChaCha20Rng) -> Fingerprint {
    Fingerprint::from_bytes(random_bytes(rng))
}

/// A random voter credential (opaque 32 bytes to the crypto core).
pub fn credential(rng: &mut ChaCha20Rng) -> CredentialKey {
    CredentialKey::from_bytes(random_bytes(rng))
}

/// A ballot context with random fingerprint and credential.
pub fn context(rng: &mut ChaCha20Rng, position: BallotPosition) -> BallotContext {
    BallotContext {
        fingerprint: fingerprint(rng),
        credential: credential(rng),
        position,
    }
}

/// The ballot context as a JSON object.
pub fn context_json(context: &BallotContext) -> Result<Value, Error> {
    Ok(Obj::new()
        .put("fingerprint", &context.fingerprint)?
        .put("credential", &context.credential)?
        .put("position", &context.position)?
        .build())
}

/// `s·G` as a wire point.
pub fn mul_g(s: &Scalar) -> Point {
    Point::new(RISTRETTO_BASEPOINT_TABLE * s)
}

/// `P + G`: a different, valid point, for altering one value of a statement.
pub fn plus_g(p: &Point) -> Point {
    Point::new(p.point() + Point::GENERATOR.point())
}

/// A fresh election key pair `(x, K = x·G)`.
pub fn election_key(rng: &mut ChaCha20Rng) -> Result<(Scalar, PublicKey), Error> {
    let x = random_scalar(rng);
    let key = PublicKey::from_point(mul_g(&x)).map_err(Error::crypto)?;
    Ok((x, key))
}

/// Lowercase hex of a scalar's canonical encoding.
pub fn scalar_hex(s: &Scalar) -> String {
    hex::encode(s.as_bytes())
}

/// Little-endian addition of two 32-byte integers; `None` on overflow past 2^256.
pub fn add_le(a: &[u8; 32], b: &[u8; 32]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    (carry == 0).then_some(out)
}

/// The group order ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
pub fn group_order_bytes() -> Result<[u8; 32], Error> {
    let l_minus_one = (-Scalar::ONE).to_bytes();
    let mut one = [0u8; 32];
    one[0] = 1;
    add_le(&l_minus_one, &one).ok_or_else(|| Error::Inconsistent("ℓ overflows".into()))
}

/// The non-canonical encoding `s + ℓ` of a scalar (it fits in 256 bits,
/// since `s < ℓ < 2^253`).
pub fn non_canonical_hex(s: &Scalar) -> Result<String, Error> {
    let sum = add_le(s.as_bytes(), &group_order_bytes()?)
        .ok_or_else(|| Error::Inconsistent("s + ℓ overflows".into()))?;
    Ok(hex::encode(sum))
}

/// An encoding that does not decode to a ristretto255 point: `s = −1`
/// (RFC 9496 §A.2 lists it; it makes `y = 0`).
pub const NON_DECODING_POINT: &str =
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";

/// Checked threshold parameters.
pub fn params(t: u32, n: u32) -> Result<ThresholdParams, Error> {
    ThresholdParams::new(t, n).map_err(Error::crypto)
}

/// A checked trustee index.
pub fn trustee(index: u32, params: &ThresholdParams) -> Result<TrusteeIndex, Error> {
    TrusteeIndex::new(index, params).map_err(Error::crypto)
}

/// Fails generation with a message unless `condition` holds.
pub fn ensure(condition: bool, what: impl Into<String>) -> Result<(), Error> {
    if condition {
        Ok(())
    } else {
        Err(Error::Inconsistent(what.into()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn group_order_is_the_rfc_value() {
        assert_eq!(
            hex::encode(group_order_bytes().unwrap()),
            "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"
        );
    }

    #[test]
    fn non_canonical_encoding_reduces_to_the_scalar() {
        let s = Scalar::from(12345u64);
        let bytes: [u8; 32] = hex::decode(non_canonical_hex(&s).unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(Scalar::from_bytes_mod_order(bytes), s);
        assert!(bool::from(Scalar::from_canonical_bytes(bytes).is_none()));
    }
}
