//! Wire encodings of scalars and points (spec/crypto.md §2): canonical
//! encodings that decode, and encodings every decoder must reject.

use curve25519_dalek::scalar::Scalar;
use psephos_crypto::elgamal::PublicKey;
use psephos_crypto::encoding::{decode_scalar, from_hex, Point};
use psephos_crypto::error::EncodingError;
use serde_json::Value;

use crate::common::{add_le, ensure, group_order_bytes, mul_g, random_scalar, rng};
use crate::json::Obj;
use crate::scenarios::file;
use crate::{Error, VectorFile};

/// The `expect` string for a decoding error.
pub fn reason(error: &EncodingError) -> &'static str {
    match error {
        EncodingError::WrongLength { .. } => "reject: wrong length",
        EncodingError::InvalidHex => "reject: invalid hex",
        EncodingError::NonCanonicalScalar => "reject: non-canonical scalar",
        EncodingError::InvalidPoint => "reject: invalid point",
        EncodingError::IdentityPoint => "reject: identity point",
    }
}

/// Both encoding scenarios.
pub fn files() -> Result<Vec<VectorFile>, Error> {
    Ok(vec![scalars()?, points()?])
}

fn outcome<T>(result: Result<T, EncodingError>) -> &'static str {
    match result {
        Ok(_) => "valid",
        Err(e) => reason(&e),
    }
}

struct Case {
    name: &'static str,
    comment: &'static str,
    hex: String,
    expect: &'static str,
}

fn case(name: &'static str, comment: &'static str, hex: String, expect: &'static str) -> Case {
    Case {
        name,
        comment,
        hex,
        expect,
    }
}

const SCALAR_SEED: u64 = 1;

fn scalars() -> Result<VectorFile, Error> {
    let mut rng = rng(SCALAR_SEED);
    let order = group_order_bytes()?;
    let mut one = [0u8; 32];
    one[0] = 1;
    let order_plus_one =
        add_le(&order, &one).ok_or_else(|| Error::Inconsistent("ℓ + 1 overflows".into()))?;
    let random = random_scalar(&mut rng);
    let mut top_bit = [0u8; 32];
    top_bit[31] = 0x80;
    let cases = vec![
        case("zero", "0", hex::encode([0u8; 32]), "valid"),
        case("one", "1, little-endian", hex::encode(one), "valid"),
        case(
            "order minus one",
            "ℓ − 1, the largest canonical scalar",
            hex::encode((-Scalar::ONE).to_bytes()),
            "valid",
        ),
        case(
            "random",
            "a uniformly random scalar",
            hex::encode(random.to_bytes()),
            "valid",
        ),
        case(
            "order",
            "ℓ itself is not reduced",
            hex::encode(order),
            "reject: non-canonical scalar",
        ),
        case(
            "order plus one",
            "ℓ + 1 (which reduces to 1) is not reduced",
            hex::encode(order_plus_one),
            "reject: non-canonical scalar",
        ),
        case(
            "all ones",
            "2^256 − 1",
            hex::encode([0xffu8; 32]),
            "reject: non-canonical scalar",
        ),
        case(
            "top bit",
            "2^255: above ℓ",
            hex::encode(top_bit),
            "reject: non-canonical scalar",
        ),
        case(
            "random plus order",
            "the random scalar above plus ℓ: same residue, not canonical",
            crate::common::non_canonical_hex(&random)?,
            "reject: non-canonical scalar",
        ),
        case(
            "31 bytes",
            "one byte short",
            hex::encode([1u8; 31]),
            "reject: wrong length",
        ),
        case(
            "33 bytes",
            "one byte too many (a valid scalar followed by 00)",
            format!("{}00", hex::encode(one)),
            "reject: wrong length",
        ),
        case(
            "empty",
            "no bytes at all",
            String::new(),
            "reject: wrong length",
        ),
        case(
            "uppercase hex",
            "the random scalar in uppercase digits: hex must be lowercase",
            hex::encode_upper(random.to_bytes()),
            "reject: invalid hex",
        ),
        case(
            "odd digits",
            "63 hex digits",
            hex::encode(one)[..63].to_owned(),
            "reject: invalid hex",
        ),
        case(
            "0x prefix",
            "a prefix is not part of the encoding",
            format!("0x{}", &hex::encode(one)[..62]),
            "reject: invalid hex",
        ),
    ];
    let mut out = Vec::new();
    for c in cases {
        let actual = outcome(from_hex(&c.hex).and_then(|bytes| decode_scalar(&bytes)));
        ensure(
            actual == c.expect,
            format!("scalar case {:?}: crate says {actual}", c.name),
        )?;
        if c.expect == "valid" {
            let bytes = from_hex(&c.hex).map_err(Error::crypto)?;
            let scalar = decode_scalar(&bytes).map_err(Error::crypto)?;
            ensure(
                hex::encode(scalar.as_bytes()) == c.hex,
                "scalar re-encoding",
            )?;
        }
        out.push(
            Obj::new()
                .text("name", c.name)
                .text("comment", c.comment)
                .text("hex", &c.hex)
                .text("expect", c.expect)
                .build(),
        );
    }
    let value = Obj::new()
        .text("scenario", "encoding-scalars")
        .text(
            "comment",
            "Scalar wire encoding: 32 bytes, little-endian, strictly below the group order ℓ, \
             written as exactly 64 lowercase hex digits. Decode each `hex`; a valid one \
             re-encodes to the same text.",
        )
        .put("seed", &SCALAR_SEED)?
        .with("cases", Value::Array(out))
        .build();
    Ok(file("encoding-scalars", value))
}

const POINT_SEED: u64 = 2;

/// Which decoder a point case is for.
#[derive(Clone, Copy)]
enum Decoder {
    /// Any group element, the identity included (e.g. a ciphertext component).
    Point,
    /// A point the spec forbids to be the identity (a commitment, a trustee key).
    NonIdentity,
    /// An ElGamal public key (never the identity).
    PublicKey,
}

impl Decoder {
    fn name(self) -> &'static str {
        match self {
            Decoder::Point => "point",
            Decoder::NonIdentity => "non-identity point",
            Decoder::PublicKey => "public key",
        }
    }

    fn run(self, hex: &str) -> &'static str {
        let bytes = match from_hex(hex) {
            Ok(bytes) => bytes,
            Err(e) => return reason(&e),
        };
        match self {
            Decoder::Point => outcome(Point::decode(&bytes)),
            Decoder::NonIdentity => outcome(Point::decode_non_identity(&bytes)),
            Decoder::PublicKey => outcome(PublicKey::decode(&bytes)),
        }
    }
}

fn points() -> Result<VectorFile, Error> {
    let mut rng = rng(POINT_SEED);
    let g = hex::encode(Point::GENERATOR.as_bytes());
    let two_g = hex::encode(mul_g(&Scalar::from(2u8)).as_bytes());
    let random = hex::encode(mul_g(&random_scalar(&mut rng)).as_bytes());
    let identity = hex::encode([0u8; 32]);
    let mut g_high_bit = Point::GENERATOR.to_bytes();
    g_high_bit[31] |= 0x80;
    let mut field_p = [0xffu8; 32];
    field_p[0] = 0xed;
    field_p[31] = 0x7f;
    let mut negative_one = [0u8; 32];
    negative_one[0] = 1;
    let point_cases: Vec<(&str, &str, Decoder, String, &str)> = vec![
        (
            "identity",
            "the identity (all zero bytes) where it is allowed",
            Decoder::Point,
            identity.clone(),
            "valid",
        ),
        (
            "identity as commitment",
            "the identity where the spec forbids it",
            Decoder::NonIdentity,
            identity.clone(),
            "reject: identity point",
        ),
        (
            "identity as public key",
            "an ElGamal key must not be the identity",
            Decoder::PublicKey,
            identity,
            "reject: identity point",
        ),
        (
            "generator",
            "G (RFC 9496 §4.4)",
            Decoder::Point,
            g.clone(),
            "valid",
        ),
        (
            "generator as public key",
            "G is a valid (if unwise) key",
            Decoder::PublicKey,
            g.clone(),
            "valid",
        ),
        ("two G", "2·G", Decoder::NonIdentity, two_g, "valid"),
        (
            "random",
            "a random multiple of G",
            Decoder::NonIdentity,
            random,
            "valid",
        ),
        (
            "high bit set",
            "G with bit 255 set: not canonical",
            Decoder::Point,
            hex::encode(g_high_bit),
            "reject: invalid point",
        ),
        (
            "field modulus",
            "s = p = 2^255 − 19: a non-canonical field element",
            Decoder::Point,
            hex::encode(field_p),
            "reject: invalid point",
        ),
        (
            "all ones",
            "s = 2^255 − 1 (bit 255 cleared): non-canonical field element",
            Decoder::Point,
            format!("{}7f", "ff".repeat(31)),
            "reject: invalid point",
        ),
        (
            "negative s",
            "s = 1 is negative (odd)",
            Decoder::Point,
            hex::encode(negative_one),
            "reject: invalid point",
        ),
        (
            "non-square",
            "s whose x^2 is not a square (from RFC 9496 §A.2)",
            Decoder::Point,
            "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371".to_owned(),
            "reject: invalid point",
        ),
        (
            "s minus one",
            "s = −1, which makes y = 0 (RFC 9496 §A.2)",
            Decoder::Point,
            crate::common::NON_DECODING_POINT.to_owned(),
            "reject: invalid point",
        ),
        (
            "31 bytes",
            "G without its last byte",
            Decoder::Point,
            g[..62].to_owned(),
            "reject: wrong length",
        ),
        (
            "33 bytes",
            "G followed by 00",
            Decoder::Point,
            format!("{g}00"),
            "reject: wrong length",
        ),
        (
            "uppercase hex",
            "G in uppercase digits",
            Decoder::Point,
            g.to_uppercase(),
            "reject: invalid hex",
        ),
    ];
    let mut out = Vec::new();
    for (name, comment, decoder, hex, expect) in point_cases {
        let actual = decoder.run(&hex);
        ensure(
            actual == expect,
            format!("point case {name:?}: crate says {actual}"),
        )?;
        out.push(
            Obj::new()
                .text("name", name)
                .text("comment", comment)
                .text("decoder", decoder.name())
                .text("hex", &hex)
                .text("expect", expect)
                .build(),
        );
    }
    let value = Obj::new()
        .text("scenario", "encoding-points")
        .text(
            "comment",
            "Point wire encoding: the 32-byte canonical ristretto255 encoding (RFC 9496 §4.3.1), \
             as 64 lowercase hex digits. `decoder` says where the value appears: `point` \
             accepts the identity, `non-identity point` (commitments, trustee keys, ephemeral \
             keys) and `public key` (the election key) reject it. A valid encoding re-encodes \
             to the same text.",
        )
        .put("seed", &POINT_SEED)?
        .with("cases", Value::Array(out))
        .build();
    Ok(file("encoding-points", value))
}
