//! Checked wire types: ristretto255 points and scalars (spec/crypto.md §2).
//!
//! Every value that crosses the wire is decoded here and nowhere else.
//! Points are canonical 32-byte ristretto255 encodings (RFC 9496 §4.3.1);
//! scalars are canonical 32-byte little-endian integers below the group
//! order ℓ. Text form (JSON) is lowercase hexadecimal, exactly 64 digits.
//!
//! A [`Point`] keeps both the decompressed point and its encoding, because
//! transcripts hash encodings and arithmetic needs points: decoding pays the
//! decompression once, and nothing is compressed twice.

use core::fmt;

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_COMPRESSED, RISTRETTO_BASEPOINT_POINT};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

use crate::error::EncodingError;

/// Length of a point or scalar encoding.
pub const ENCODING_LEN: usize = 32;

/// A ristretto255 group element together with its canonical encoding.
#[derive(Clone, Copy)]
pub struct Point {
    point: RistrettoPoint,
    encoding: CompressedRistretto,
}

impl Point {
    /// The standard generator `G` (RFC 9496 §4.4).
    pub const GENERATOR: Point = Point {
        point: RISTRETTO_BASEPOINT_POINT,
        encoding: RISTRETTO_BASEPOINT_COMPRESSED,
    };

    /// Wraps a point, computing its encoding (one compression).
    pub fn new(point: RistrettoPoint) -> Self {
        Point {
            point,
            encoding: point.compress(),
        }
    }

    /// Wraps many points with one batched compression.
    ///
    /// `halves[i]` must satisfy `2·halves[i] = P_i`; the result holds the `P_i`.
    /// Callers that compute points from known scalars get halves for free by
    /// halving the scalars, and ristretto255 encodes doubles in a batch with a
    /// single field inversion instead of one inverse square root per point.
    pub(crate) fn from_halves(halves: &[RistrettoPoint]) -> Vec<Point> {
        let encodings = RistrettoPoint::double_and_compress_batch(halves);
        halves
            .iter()
            .zip(encodings)
            .map(|(half, encoding)| Point {
                point: half + half,
                encoding,
            })
            .collect()
    }

    /// Decodes a canonical encoding; the identity is allowed.
    pub fn decode(bytes: &[u8]) -> Result<Self, EncodingError> {
        let array: [u8; ENCODING_LEN] =
            bytes.try_into().map_err(|_| EncodingError::WrongLength {
                expected: ENCODING_LEN,
                found: bytes.len(),
            })?;
        let encoding = CompressedRistretto(array);
        // dalek's decompression rejects non-canonical field elements, negative
        // `s`, and encodings of points outside the ristretto255 group.
        let point = encoding.decompress().ok_or(EncodingError::InvalidPoint)?;
        Ok(Point { point, encoding })
    }

    /// Decodes a canonical encoding and rejects the identity.
    pub fn decode_non_identity(bytes: &[u8]) -> Result<Self, EncodingError> {
        let point = Self::decode(bytes)?;
        point.require_non_identity()
    }

    /// Returns `self`, or [`EncodingError::IdentityPoint`] if it is the identity.
    pub fn require_non_identity(self) -> Result<Self, EncodingError> {
        if self.is_identity() {
            Err(EncodingError::IdentityPoint)
        } else {
            Ok(self)
        }
    }

    /// True for the identity element (encoding of all zero bytes).
    pub fn is_identity(&self) -> bool {
        self.encoding.is_identity()
    }

    /// The decompressed point.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// The canonical 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; ENCODING_LEN] {
        self.encoding.as_bytes()
    }

    /// The canonical 32-byte encoding, by value.
    pub fn to_bytes(&self) -> [u8; ENCODING_LEN] {
        self.encoding.to_bytes()
    }
}

impl From<RistrettoPoint> for Point {
    fn from(point: RistrettoPoint) -> Self {
        Point::new(point)
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Self) -> bool {
        // Encodings are canonical, so equal points have equal bytes.
        self.encoding == other.encoding
    }
}

impl Eq for Point {}

impl core::hash::Hash for Point {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.encoding.as_bytes().hash(state);
    }
}

impl fmt::Debug for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Point({})", to_hex(self.as_bytes()))
    }
}

impl Serialize for Point {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(self.as_bytes()))
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = from_hex(&text).map_err(de::Error::custom)?;
        Point::decode(&bytes).map_err(de::Error::custom)
    }
}

/// Decodes a canonical scalar (32 bytes, little-endian, below ℓ).
pub fn decode_scalar(bytes: &[u8]) -> Result<Scalar, EncodingError> {
    let array: [u8; ENCODING_LEN] = bytes.try_into().map_err(|_| EncodingError::WrongLength {
        expected: ENCODING_LEN,
        found: bytes.len(),
    })?;
    Option::from(Scalar::from_canonical_bytes(array)).ok_or(EncodingError::NonCanonicalScalar)
}

/// Lowercase hexadecimal of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Parses lowercase hexadecimal; uppercase digits are rejected so that every
/// value has exactly one text form.
pub fn from_hex(text: &str) -> Result<Vec<u8>, EncodingError> {
    if text
        .bytes()
        .any(|b| !matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(EncodingError::InvalidHex);
    }
    hex::decode(text).map_err(|_| EncodingError::InvalidHex)
}

/// Parses exactly `N` bytes of lowercase hexadecimal.
pub fn from_hex_array<const N: usize>(text: &str) -> Result<[u8; N], EncodingError> {
    let bytes = from_hex(text)?;
    let found = bytes.len();
    bytes
        .try_into()
        .map_err(|_| EncodingError::WrongLength { expected: N, found })
}

/// Serde adapter: a [`Scalar`] as 64 lowercase hex digits, canonical on input.
pub mod scalar_hex {
    use super::*;

    /// Serialises a scalar.
    pub fn serialize<S: Serializer>(scalar: &Scalar, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(scalar.as_bytes()))
    }

    /// Deserialises a scalar, rejecting non-canonical encodings.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Scalar, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = from_hex(&text).map_err(de::Error::custom)?;
        decode_scalar(&bytes).map_err(de::Error::custom)
    }
}

/// Serde adapter for fixed-size byte arrays as lowercase hex.
pub mod bytes_hex {
    use super::*;

    /// Serialises bytes as hex.
    pub fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(bytes))
    }

    /// Deserialises exactly `N` bytes of hex.
    pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        deserializer: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(deserializer)?;
        from_hex_array::<N>(&text).map_err(de::Error::custom)
    }
}

/// Serde adapter for variable-length byte strings as lowercase hex.
pub mod vec_hex {
    use super::*;

    /// Serialises bytes as hex.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_hex(bytes))
    }

    /// Deserialises hex into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        from_hex(&text).map_err(de::Error::custom)
    }
}
