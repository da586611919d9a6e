//! The vendored RFC 9496 vectors, checked against curve25519-dalek, and
//! against `psephos-crypto`'s decoder.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::traits::Identity;
use psephos_crypto::encoding::Point;
use serde_json::Value;

use crate::common::{load, text};

const FILE: &str = "rfc9496-ristretto255.json";

fn array32(hex_text: &str) -> [u8; 32] {
    hex::decode(hex_text).unwrap().try_into().unwrap()
}

#[test]
fn provenance_is_recorded() {
    let value = load(FILE);
    let provenance = value.get("provenance").expect("provenance");
    assert!(text(provenance, "document").starts_with("RFC 9496"));
    assert!(provenance
        .get("sections")
        .and_then(Value::as_array)
        .is_some());
}

#[test]
fn multiples_of_the_generator() {
    let value = load(FILE);
    let multiples = value["multiples_of_generator"].as_array().unwrap();
    assert_eq!(multiples.len(), 16);
    let mut current = RistrettoPoint::identity();
    for (i, encoding) in multiples.iter().enumerate() {
        let bytes = array32(encoding.as_str().unwrap());
        assert_eq!(current.compress().to_bytes(), bytes, "B[{i}]: encoding");
        let decoded = CompressedRistretto(bytes).decompress().expect("decodes");
        assert_eq!(decoded, current, "B[{i}]: decoding");
        assert_eq!(
            Point::decode(&bytes).unwrap().point(),
            &current,
            "B[{i}]: psephos decoder"
        );
        current += RISTRETTO_BASEPOINT_POINT;
    }
}

#[test]
fn invalid_encodings_are_rejected() {
    let value = load(FILE);
    let invalid = value["invalid_encodings"].as_array().unwrap();
    assert_eq!(invalid.len(), 29);
    for case in invalid {
        let bytes = array32(text(case, "encoding"));
        assert!(
            CompressedRistretto(bytes).decompress().is_none(),
            "{} must not decode ({})",
            text(case, "encoding"),
            text(case, "reason")
        );
        assert!(Point::decode(&bytes).is_err());
        assert_eq!(text(case, "expect"), "reject: invalid point");
    }
}

#[test]
fn elements_from_uniform_bytes() {
    let value = load(FILE);
    let pairs = value["from_uniform_bytes"].as_array().unwrap();
    assert_eq!(pairs.len(), 7);
    for pair in pairs {
        let input: [u8; 64] = hex::decode(text(pair, "input"))
            .unwrap()
            .try_into()
            .unwrap();
        let output = array32(text(pair, "output"));
        assert_eq!(
            RistrettoPoint::from_uniform_bytes(&input)
                .compress()
                .to_bytes(),
            output,
            "input {}",
            text(pair, "input")
        );
    }
    let same = &value["from_uniform_bytes_same_output"];
    let output = array32(text(same, "output"));
    let inputs = same["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 4);
    for input in inputs {
        let input: [u8; 64] = hex::decode(input.as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            RistrettoPoint::from_uniform_bytes(&input)
                .compress()
                .to_bytes(),
            output
        );
    }
}
