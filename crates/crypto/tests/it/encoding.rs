//! Wire encodings: malformed input gets a precise error and never a panic;
//! every proof and message type survives a JSON round trip.

use psephos_crypto::context::{BallotPosition, CredentialKey, Fingerprint};
use psephos_crypto::dkg::{ComplaintsMessage, DealerMessage, Disqualification, SEALED_SHARE_LEN};
use psephos_crypto::elgamal::{Ciphertext, PublicKey};
use psephos_crypto::encoding::{decode_scalar, from_hex, from_hex_array, to_hex, Point};
use psephos_crypto::error::{EncodingError, ThresholdError};
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::proofs::sigma::SchnorrProof;
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{combine, PartialDecryption, ThresholdParams, TrusteeIndex};
use psephos_crypto::Scalar;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::common::*;

fn hex32(text: &str) -> [u8; 32] {
    from_hex_array::<32>(text).unwrap()
}

/// ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
const ELL: &str = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
/// ℓ + 1.
const ELL_PLUS_ONE: &str = "eed3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
/// ℓ − 1, the canonical encoding of −1.
const ELL_MINUS_ONE: &str = "ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
/// 2^255 − 1.
const TWO_255_MINUS_ONE: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
/// The ristretto255 generator (RFC 9496 §4.4 and Appendix A.1).
const GENERATOR: &str = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76";

/// Invalid encodings from RFC 9496, Appendix A.2, one group per reason.
const RFC9496_INVALID: &[(&str, &str)] = &[
    (
        "non-canonical field encoding",
        "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ),
    (
        "non-canonical field encoding",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "non-canonical field encoding",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "non-canonical field encoding",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "negative field element",
        "0100000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "negative field element",
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
    (
        "negative field element",
        "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    ),
    (
        "negative field element",
        "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    ),
    (
        "negative field element",
        "c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78",
    ),
    (
        "negative field element",
        "47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24",
    ),
    (
        "negative field element",
        "f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72",
    ),
    (
        "negative field element",
        "87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309",
    ),
    (
        "non-square x^2",
        "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    ),
    (
        "non-square x^2",
        "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
    ),
    (
        "non-square x^2",
        "de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b",
    ),
    (
        "non-square x^2",
        "bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042",
    ),
    (
        "non-square x^2",
        "2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08",
    ),
    (
        "non-square x^2",
        "f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22",
    ),
    (
        "non-square x^2",
        "8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731",
    ),
    (
        "non-square x^2",
        "2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b",
    ),
    (
        "negative xy",
        "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
    ),
    (
        "negative xy",
        "a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220",
    ),
    (
        "negative xy",
        "d483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e",
    ),
    (
        "negative xy",
        "8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32",
    ),
    (
        "negative xy",
        "32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b",
    ),
    (
        "negative xy",
        "227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165",
    ),
    (
        "negative xy",
        "5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e",
    ),
    (
        "s = -1",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ),
];

#[test]
fn non_canonical_scalars_are_rejected() {
    for (what, text) in [
        ("ℓ", ELL),
        ("ℓ + 1", ELL_PLUS_ONE),
        ("2^255 − 1", TWO_255_MINUS_ONE),
        ("2^256 − 1", &"ff".repeat(32)),
    ] {
        assert_eq!(
            decode_scalar(&hex32(text)),
            Err(EncodingError::NonCanonicalScalar),
            "{what}"
        );
    }
    // ℓ with only the top byte different (2^252·k + small): still ≥ ℓ.
    let mut high = hex32(ELL);
    high[31] = 0x20;
    assert_eq!(decode_scalar(&high), Err(EncodingError::NonCanonicalScalar));
    // ℓ − 1 is the largest canonical scalar, −1.
    assert_eq!(decode_scalar(&hex32(ELL_MINUS_ONE)), Ok(-Scalar::ONE));
    assert_eq!(decode_scalar(&[0u8; 32]), Ok(Scalar::ZERO));
    let mut one = [0u8; 32];
    one[0] = 1;
    assert_eq!(decode_scalar(&one), Ok(Scalar::ONE));
}

#[test]
fn scalars_of_the_wrong_length_are_rejected() {
    for len in [0usize, 1, 31, 33, 64] {
        assert_eq!(
            decode_scalar(&vec![0u8; len]),
            Err(EncodingError::WrongLength {
                expected: 32,
                found: len
            }),
            "{len} bytes"
        );
    }
}

#[test]
fn invalid_point_encodings_are_rejected() {
    for (why, text) in RFC9496_INVALID {
        let bytes = hex32(text);
        assert_eq!(
            Point::decode(&bytes),
            Err(EncodingError::InvalidPoint),
            "{why}: {text}"
        );
        assert_eq!(
            Point::decode_non_identity(&bytes),
            Err(EncodingError::InvalidPoint),
            "{why}: {text}"
        );
        assert_eq!(
            PublicKey::decode(&bytes).unwrap_err(),
            EncodingError::InvalidPoint,
            "{why}: {text}"
        );
    }
    // The generator with the (always zero) top bit set.
    let mut high = hex32(GENERATOR);
    high[31] |= 0x80;
    assert_eq!(Point::decode(&high), Err(EncodingError::InvalidPoint));
    // The field prime p = 2^255 − 19 itself (encodes 0 non-canonically).
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    assert_eq!(Point::decode(&p), Err(EncodingError::InvalidPoint));
    // p + 1 encodes the field element 1, which is negative besides.
    p[0] = 0xee;
    assert_eq!(Point::decode(&p), Err(EncodingError::InvalidPoint));
}

#[test]
fn points_of_the_wrong_length_are_rejected() {
    let g = hex32(GENERATOR);
    for len in [0usize, 31, 33, 64] {
        let mut bytes = g.to_vec();
        bytes.resize(len, 0);
        let expected = Err(EncodingError::WrongLength {
            expected: 32,
            found: len,
        });
        assert_eq!(Point::decode(&bytes), expected, "{len} bytes");
        assert_eq!(Point::decode_non_identity(&bytes), expected);
        assert_eq!(
            PublicKey::decode(&bytes).map(|_| ()),
            expected.map(|_: Point| ())
        );
    }
}

#[test]
fn the_identity_is_rejected_where_forbidden() {
    let zeros = [0u8; 32];
    let identity = Point::decode(&zeros).unwrap();
    assert!(identity.is_identity());
    assert_eq!(identity.to_bytes(), zeros);
    assert_eq!(
        Point::decode_non_identity(&zeros),
        Err(EncodingError::IdentityPoint)
    );
    assert_eq!(
        identity.require_non_identity(),
        Err(EncodingError::IdentityPoint)
    );
    assert_eq!(
        PublicKey::decode(&zeros).unwrap_err(),
        EncodingError::IdentityPoint
    );
    assert_eq!(
        PublicKey::from_point(identity).unwrap_err(),
        EncodingError::IdentityPoint
    );
    // Also through serde.
    let json = format!("\"{}\"", "0".repeat(64));
    let err = serde_json::from_str::<PublicKey>(&json).unwrap_err();
    assert!(
        err.to_string()
            .contains(&EncodingError::IdentityPoint.to_string()),
        "{err}"
    );
    // A point that is not the identity passes.
    let g = Point::decode_non_identity(&hex32(GENERATOR)).unwrap();
    assert_eq!(g, Point::GENERATOR);
    assert_eq!(to_hex(Point::GENERATOR.as_bytes()), GENERATOR);
    assert_eq!(
        PublicKey::decode(&hex32(GENERATOR)).unwrap().point(),
        &Point::GENERATOR
    );
}

#[test]
fn hex_text_is_lowercase_and_exact() {
    assert_eq!(from_hex("00ff7a"), Ok(vec![0, 0xff, 0x7a]));
    assert_eq!(from_hex(""), Ok(vec![]));
    for bad in [
        "00FF", "0A", "0g", "zz", "0x00", " 00", "00 ", "0", "abc", "é0",
    ] {
        assert_eq!(from_hex(bad), Err(EncodingError::InvalidHex), "{bad:?}");
    }
    assert_eq!(
        from_hex_array::<32>("00"),
        Err(EncodingError::WrongLength {
            expected: 32,
            found: 1
        })
    );
    assert_eq!(
        from_hex_array::<32>(&"00".repeat(33)),
        Err(EncodingError::WrongLength {
            expected: 32,
            found: 33
        })
    );
    assert_eq!(to_hex(&[0xab, 0x01]), "ab01");
}

/// Asserts that `json` fails to deserialise as `T` with a message naming `expected`.
fn assert_json_error<T: DeserializeOwned + std::fmt::Debug>(json: &str, expected: &EncodingError) {
    match serde_json::from_str::<T>(json) {
        Ok(value) => panic!("accepted {json}: {value:?}"),
        Err(err) => assert!(
            err.to_string().contains(&expected.to_string()),
            "{json}: got {err}, expected {expected}"
        ),
    }
}

#[test]
fn malformed_points_in_json_get_precise_errors() {
    let g = GENERATOR;
    assert_eq!(
        serde_json::from_str::<Point>(&format!("\"{g}\"")).unwrap(),
        Point::GENERATOR
    );
    let upper = g.to_uppercase();
    let mut one_upper = g.to_string();
    one_upper.replace_range(0..1, "E");
    let mut non_hex = g.to_string();
    non_hex.replace_range(10..11, "g");
    for text in [
        upper,
        one_upper,
        non_hex,
        format!("0x{}", &g[2..]),
        g[1..].to_string(),
    ] {
        assert_json_error::<Point>(&format!("\"{text}\""), &EncodingError::InvalidHex);
    }
    for len in [0usize, 31, 33] {
        let text = "00".repeat(len);
        assert_json_error::<Point>(
            &format!("\"{text}\""),
            &EncodingError::WrongLength {
                expected: 32,
                found: len,
            },
        );
    }
    for (_, text) in RFC9496_INVALID {
        assert_json_error::<Point>(&format!("\"{text}\""), &EncodingError::InvalidPoint);
        assert_json_error::<PublicKey>(&format!("\"{text}\""), &EncodingError::InvalidPoint);
    }
    // Not a string at all.
    assert!(serde_json::from_str::<Point>("42").is_err());
    assert!(serde_json::from_str::<Point>("null").is_err());
    assert!(serde_json::from_str::<Point>("[226, 242]").is_err());
}

#[test]
fn malformed_scalars_in_json_get_precise_errors() {
    let good = SchnorrProof {
        a: Point::GENERATOR,
        z: Scalar::from(7u8),
    };
    let json = serde_json::to_string(&good).unwrap();
    assert_eq!(
        json,
        format!("{{\"a\":\"{GENERATOR}\",\"z\":\"07{}\"}}", "0".repeat(62))
    );
    assert_eq!(serde_json::from_str::<SchnorrProof>(&json).unwrap(), good);
    let with_z = |z: &str| format!("{{\"a\":\"{GENERATOR}\",\"z\":\"{z}\"}}");
    for z in [ELL, ELL_PLUS_ONE, TWO_255_MINUS_ONE] {
        assert_json_error::<SchnorrProof>(&with_z(z), &EncodingError::NonCanonicalScalar);
    }
    assert_json_error::<SchnorrProof>(&with_z(&ELL.to_uppercase()), &EncodingError::InvalidHex);
    assert_json_error::<SchnorrProof>(
        &with_z(&"00".repeat(31)),
        &EncodingError::WrongLength {
            expected: 32,
            found: 31,
        },
    );
    // A non-canonical scalar inside a disjunctive proof's branch.
    let branch = |c: &str| {
        format!(
            "{{\"branches\":[{{\"a\":\"{GENERATOR}\",\"b\":\"{GENERATOR}\",\"c\":\"{c}\",\"z\":\"{}\"}}]}}",
            "0".repeat(64)
        )
    };
    assert!(serde_json::from_str::<DisjunctiveProof>(&branch(&"0".repeat(64))).is_ok());
    assert_json_error::<DisjunctiveProof>(&branch(ELL), &EncodingError::NonCanonicalScalar);
    // Missing and unknown fields are errors too, not panics.
    assert!(serde_json::from_str::<SchnorrProof>(&format!("{{\"a\":\"{GENERATOR}\"}}")).is_err());
}

#[test]
fn identifiers_and_parameters_in_json() {
    let fp = fingerprint(0xab);
    let json = serde_json::to_string(&fp).unwrap();
    assert_eq!(json, format!("\"{}\"", "ab".repeat(32)));
    assert_eq!(serde_json::from_str::<Fingerprint>(&json).unwrap(), fp);
    assert_json_error::<Fingerprint>(
        &format!("\"{}\"", "AB".repeat(32)),
        &EncodingError::InvalidHex,
    );
    assert_json_error::<CredentialKey>(
        &format!("\"{}\"", "ab".repeat(31)),
        &EncodingError::WrongLength {
            expected: 32,
            found: 31,
        },
    );
    for position in [BallotPosition::option(3, 7), BallotPosition::sum(2)] {
        let json = serde_json::to_string(&position).unwrap();
        assert_eq!(
            serde_json::from_str::<BallotPosition>(&json).unwrap(),
            position
        );
    }
    assert_eq!(
        BallotPosition::sum(1).to_bytes(),
        [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]
    );
    assert_eq!(
        BallotPosition::option(1, 2).to_bytes(),
        [1, 0, 0, 0, 2, 0, 0, 0]
    );

    let params: ThresholdParams = serde_json::from_str("{\"t\":3,\"n\":5}").unwrap();
    assert_eq!(params, ThresholdParams::new(3, 5).unwrap());
    assert_eq!(serde_json::to_string(&params).unwrap(), "{\"t\":3,\"n\":5}");
    for (t, n) in [(0u32, 5u32), (6, 5), (1, 256), (0, 0)] {
        let err = serde_json::from_str::<ThresholdParams>(&format!("{{\"t\":{t},\"n\":{n}}}"))
            .unwrap_err();
        assert!(
            err.to_string()
                .contains(&ThresholdError::InvalidParameters { t, n }.to_string()),
            "{err}"
        );
        assert_eq!(
            ThresholdParams::new(t, n),
            Err(ThresholdError::InvalidParameters { t, n })
        );
    }
    assert_eq!(
        serde_json::to_string(&TrusteeIndex::new(4, &params).unwrap()).unwrap(),
        "4"
    );
    for (i, n) in [(0u32, 5u32), (6, 5)] {
        assert_eq!(
            TrusteeIndex::new(i, &params),
            Err(ThresholdError::IndexOutOfRange { index: i, n })
        );
    }
}

/// Serialises, checks the text has only lowercase hex where it has hex,
/// deserialises, and checks equality.
fn round_trip<T>(value: &T) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    assert!(
        !json
            .chars()
            .any(|c| c.is_ascii_uppercase() && c.is_ascii_hexdigit()),
        "uppercase hex in {json}"
    );
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value);
    // And the text form is canonical: re-serialising gives the same text.
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    back
}

#[test]
fn ballot_proofs_round_trip_through_json_and_still_verify() {
    let mut rng = rng(500);
    let sk = secret_key(501);
    let key = sk.public_key();
    let back_key = round_trip(key);
    assert_eq!(&back_key, key);
    let ctx = context(40, 41, 0, None);
    let values = [1u64, 2, 3];
    let (ct, nonce, proof) = prove_value(key, &ctx, &values, 2, &mut rng);
    let ct_back = round_trip(&ct);
    let json = serde_json::to_string(&ct).unwrap();
    assert_eq!(
        json,
        format!(
            "{{\"alpha\":\"{}\",\"beta\":\"{}\"}}",
            to_hex(ct.alpha.as_bytes()),
            to_hex(ct.beta.as_bytes())
        )
    );
    let proof_back = round_trip(&proof);
    proof_back
        .verify(&DisjunctiveStatement {
            context: &ctx,
            key: &back_key,
            ciphertexts: std::slice::from_ref(&ct_back),
            values: &values,
        })
        .unwrap();

    let rstatement = RandomnessStatement {
        context: &ctx,
        key: &back_key,
        ciphertext: &ct_back,
    };
    let rproof = RandomnessProof::prove_with_rng(&rstatement, &nonce, &mut rng);
    // RandomnessProof is transparent over its Schnorr proof.
    assert_eq!(
        serde_json::to_string(&rproof).unwrap(),
        serde_json::to_string(&rproof.0).unwrap()
    );
    round_trip(&rproof).verify(&rstatement).unwrap();
}

#[test]
fn trustee_proofs_and_messages_round_trip_through_json() {
    let mut rng = rng(510);
    let c = ceremony(2, 3, 511);
    let t = &c.trustees;
    for dealing in &c.dealings {
        let back = round_trip(dealing);
        back.check_public(&t.fingerprint, &t.params).unwrap();
        for sealed in &back.shares {
            assert_eq!(sealed.sealed.len(), SEALED_SHARE_LEN);
            round_trip(sealed);
        }
        for proof in &back.proofs {
            round_trip(proof);
        }
    }
    for message in &c.complaints {
        round_trip(message);
    }
    assert_eq!(
        psephos_crypto::dkg::resolve(
            &t.fingerprint,
            &t.params,
            &t.roster,
            &round_trip(&c.dealings),
            &round_trip(&c.complaints),
        )
        .unwrap(),
        c.outcome
    );

    let (ct, _) = c.outcome.joint_key.encrypt_with_rng(1, &mut rng);
    let partial = c.shares[0].partial_decrypt_with_rng(&t.fingerprint, &ct, &mut rng);
    let back: PartialDecryption = round_trip(&partial);
    back.proof
        .verify(&DecryptionStatement {
            fingerprint: &t.fingerprint,
            trustee: c.shares[0].index(),
            verification_key: c.shares[0].verification_key(),
            ciphertext: &ct,
            share: &back.share,
        })
        .unwrap();
    let _: DecryptionProof = round_trip(&partial.proof);

    let pair = &t.keys[0];
    let proof = pair.prove_possession_with_rng(&t.fingerprint, t.index(1), &mut rng);
    round_trip(&proof)
        .verify(&PossessionStatement {
            fingerprint: &t.fingerprint,
            claim: PossessionClaim::TrusteeKey {
                trustee: t.index(1),
            },
            point: pair.public(),
        })
        .unwrap();
    let _: PossessionProof = round_trip(&proof);
}

#[test]
fn complaints_and_verdicts_round_trip_through_json() {
    let mut rng = rng(520);
    let trustees = Trustees::new(2, 3, &mut rng);
    let (states, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    let honest = board.clone();
    // Dealer 1's share for trustee 3 is corrupted on the way.
    board[0].shares[1].sealed[0] ^= 1;
    let mut complaints = Vec::new();
    for (i, state) in states {
        let view = if i == 3 { &board } else { &honest };
        complaints.push(state.receive(view, &mut rng).unwrap().1);
    }
    assert_eq!(complaints[2].complaints.len(), 1);
    let back: ComplaintsMessage = round_trip(&complaints[2]);
    assert_eq!(back.complaints[0].dealer, trustees.index(1));
    round_trip(&back.complaints[0]);

    let outcome = psephos_crypto::dkg::resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        &board,
        &complaints,
    )
    .unwrap();
    assert_eq!(
        outcome.disqualified,
        vec![(
            trustees.index(1),
            Disqualification::BadShare {
                complainer: trustees.index(3)
            }
        )]
    );
    for verdict in [
        Disqualification::NoDealing,
        Disqualification::BadShare {
            complainer: trustees.index(3),
        },
        Disqualification::FalseComplaint {
            dealer: trustees.index(2),
        },
        Disqualification::InvalidDealing { detail: "x".into() },
        Disqualification::NoConfirmation,
        Disqualification::InvalidComplaints { detail: "y".into() },
    ] {
        round_trip(&verdict);
    }
    assert_eq!(
        serde_json::to_string(&Disqualification::BadShare {
            complainer: trustees.index(3)
        })
        .unwrap(),
        "{\"reason\":\"bad-share\",\"complainer\":3}"
    );
}

#[test]
fn malformed_dealer_messages_get_precise_errors() {
    let c = ceremony(2, 3, 530);
    let t = &c.trustees;
    let json = serde_json::to_string(&c.dealings[0]).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();

    // A sealed share one byte short.
    let mut short = value.clone();
    let sealed = short["shares"][0]["sealed"].as_str().unwrap().to_string();
    short["shares"][0]["sealed"] = serde_json::Value::String(sealed[2..].to_string());
    assert_json_error::<DealerMessage>(
        &short.to_string(),
        &EncodingError::WrongLength {
            expected: SEALED_SHARE_LEN,
            found: SEALED_SHARE_LEN - 1,
        },
    );
    // A commitment that is not a point; an ephemeral that is uppercase.
    let mut bad_point = value.clone();
    bad_point["commitments"][1] = serde_json::Value::String(RFC9496_INVALID[6].1.to_string());
    assert_json_error::<DealerMessage>(&bad_point.to_string(), &EncodingError::InvalidPoint);
    let mut upper = value.clone();
    let e = upper["shares"][0]["ephemeral"]
        .as_str()
        .unwrap()
        .to_uppercase();
    upper["shares"][0]["ephemeral"] = serde_json::Value::String(e);
    assert_json_error::<DealerMessage>(&upper.to_string(), &EncodingError::InvalidHex);
    // A proof's response that is not canonical.
    let mut bad_scalar = value.clone();
    bad_scalar["proofs"][0]["z"] = serde_json::Value::String(ELL.to_string());
    assert_json_error::<DealerMessage>(&bad_scalar.to_string(), &EncodingError::NonCanonicalScalar);

    // Indices that can never be valid (0, above 255) are refused when decoding.
    for bad_index in [0u64, 256, u64::from(u32::MAX)] {
        let expected = ThresholdError::IndexOutOfRange {
            index: bad_index as u32,
            n: 255,
        };
        let mut v = value.clone();
        v["dealer"] = serde_json::Value::from(bad_index);
        let err = serde_json::from_value::<DealerMessage>(v).unwrap_err();
        assert!(err.to_string().contains(&expected.to_string()), "{err}");
        let mut v = value.clone();
        v["shares"][1]["recipient"] = serde_json::Value::from(bad_index);
        let err = serde_json::from_value::<DealerMessage>(v).unwrap_err();
        assert!(err.to_string().contains(&expected.to_string()), "{err}");
        let mut v = serde_json::to_value(&c.complaints[1]).unwrap();
        v["complainer"] = serde_json::Value::from(bad_index);
        let err = serde_json::from_value::<ComplaintsMessage>(v).unwrap_err();
        assert!(err.to_string().contains(&expected.to_string()), "{err}");
    }
    // A negative index is not a u32 at all.
    let mut v = value.clone();
    v["dealer"] = serde_json::Value::from(-1);
    assert!(serde_json::from_value::<DealerMessage>(v).is_err());

    // Indices above n (but at most 255) parse, and every consumer rejects
    // them with an error, not a panic.
    for bad_index in [4u32, 255] {
        let mut v = value.clone();
        v["dealer"] = serde_json::Value::from(bad_index);
        let message: DealerMessage = serde_json::from_value(v).unwrap();
        let expected = ThresholdError::IndexOutOfRange {
            index: bad_index,
            n: 3,
        };
        assert_eq!(
            message.check_public(&t.fingerprint, &t.params),
            Err(expected.clone())
        );
        let mut board = c.dealings.clone();
        board[0] = message;
        assert_eq!(
            psephos_crypto::dkg::resolve(
                &t.fingerprint,
                &t.params,
                &t.roster,
                &board,
                &c.complaints
            ),
            Err(expected.clone())
        );

        let mut v = serde_json::to_value(&c.complaints[1]).unwrap();
        v["complainer"] = serde_json::Value::from(bad_index);
        let message: ComplaintsMessage = serde_json::from_value(v).unwrap();
        let mut complaints = c.complaints.clone();
        complaints[1] = message;
        assert_eq!(
            psephos_crypto::dkg::resolve(
                &t.fingerprint,
                &t.params,
                &t.roster,
                &c.dealings,
                &complaints
            ),
            Err(expected)
        );

        // A recipient index out of range makes the dealing invalid.
        let mut v = value.clone();
        v["shares"][1]["recipient"] = serde_json::Value::from(bad_index);
        let message: DealerMessage = serde_json::from_value(v).unwrap();
        assert!(matches!(
            message.check_public(&t.fingerprint, &t.params),
            Err(ThresholdError::MalformedMessage { dealer: 1, .. })
        ));
    }
}

#[test]
fn out_of_range_trustee_indices_are_refused_when_combining() {
    let mut rng = rng(540);
    let c = ceremony(2, 3, 541);
    let params = c.trustees.params;
    let (ct, _) = c.outcome.joint_key.encrypt_with_rng(1, &mut rng);
    let partials: Vec<_> = c
        .shares
        .iter()
        .map(|s| s.partial_decrypt_with_rng(&c.trustees.fingerprint, &ct, &mut rng))
        .collect();
    for bad in [0u32, 256, u32::MAX] {
        assert_eq!(
            TrusteeIndex::try_from(bad),
            Err(ThresholdError::IndexOutOfRange { index: bad, n: 255 })
        );
        assert!(serde_json::from_str::<TrusteeIndex>(&bad.to_string()).is_err());
    }
    for bad in [4u32, 255] {
        let index: TrusteeIndex = serde_json::from_str(&bad.to_string()).unwrap();
        let shares = [
            (c.shares[0].index(), &partials[0].share),
            (index, &partials[1].share),
        ];
        assert_eq!(
            combine(&params, &ct, &shares),
            Err(ThresholdError::IndexOutOfRange { index: bad, n: 3 })
        );
    }
    // A repeated index is refused rather than double-counted.
    let shares = [
        (c.shares[0].index(), &partials[0].share),
        (c.shares[0].index(), &partials[0].share),
    ];
    assert_eq!(
        combine(&params, &ct, &shares),
        Err(ThresholdError::DuplicateIndex(1))
    );
}

#[test]
fn garbage_json_never_panics() {
    let samples = [
        "",
        "{",
        "[]",
        "{}",
        "null",
        "\"\"",
        "{\"branches\":null}",
        "{\"branches\":[{}]}",
        "{\"branches\":[{\"a\":1,\"b\":2,\"c\":3,\"z\":4}]}",
        "{\"dealer\":-1,\"commitments\":[],\"proofs\":[],\"shares\":[]}",
        "{\"dealer\":1,\"commitments\":[\"zz\"],\"proofs\":[],\"shares\":[]}",
        "{\"complainer\":1,\"complaints\":[{\"dealer\":2}]}",
        "{\"alpha\":\"00\",\"beta\":\"00\"}",
        "\"\u{0000}\"",
        "\"ｆｆ\"",
    ];
    for sample in samples {
        assert!(
            serde_json::from_str::<DisjunctiveProof>(sample).is_err(),
            "{sample}"
        );
        assert!(
            serde_json::from_str::<DealerMessage>(sample).is_err(),
            "{sample}"
        );
        assert!(
            serde_json::from_str::<ComplaintsMessage>(sample).is_err(),
            "{sample}"
        );
        assert!(
            serde_json::from_str::<Ciphertext>(sample).is_err(),
            "{sample}"
        );
        assert!(
            serde_json::from_str::<PartialDecryption>(sample).is_err(),
            "{sample}"
        );
        assert!(
            serde_json::from_str::<PossessionProof>(sample).is_err(),
            "{sample}"
        );
    }
    // An empty complaints list and an empty branch list are well-formed JSON.
    assert!(
        serde_json::from_str::<ComplaintsMessage>("{\"complainer\":1,\"complaints\":[]}").is_ok()
    );
    assert!(serde_json::from_str::<DisjunctiveProof>("{\"branches\":[]}").is_ok());
}

#[test]
fn secrets_are_never_printed() {
    let mut rng = rng(550);
    let secret = SecretScalar::random(&mut rng);
    let secret_hex = to_hex(secret.expose().as_bytes());
    let printed = format!("{secret:?}");
    assert!(printed.contains("redacted"), "{printed}");
    assert!(!printed.contains(&secret_hex));

    let c = ceremony(2, 2, 551);
    for (share, pair) in c.shares.iter().zip(&c.trustees.keys) {
        let printed = format!("{share:?} {pair:?}");
        assert!(!printed.contains(&to_hex(share.secret().expose().as_bytes())));
        assert!(!printed.contains(&to_hex(pair.secret().expose().as_bytes())));
    }
    let sk = secret_key(552);
    let (_, nonce) = sk.public_key().encrypt_with_rng(1, &mut rng);
    let printed = format!("{sk:?} {nonce:?}");
    assert!(!printed.contains(&to_hex(nonce.reveal().as_bytes())));
}

#[test]
fn duplicate_and_missing_members_are_rejected() {
    let g = GENERATOR;
    let z = "0".repeat(64);
    let twice = format!("{{\"a\":\"{g}\",\"a\":\"{g}\",\"z\":\"{z}\"}}");
    assert!(serde_json::from_str::<SchnorrProof>(&twice).is_err());
    assert!(serde_json::from_str::<RandomnessProof>(&twice).is_err());
    assert!(serde_json::from_str::<PossessionProof>(&twice).is_err());
    let ct_twice = format!("{{\"alpha\":\"{g}\",\"beta\":\"{g}\",\"beta\":\"{g}\"}}");
    assert!(serde_json::from_str::<Ciphertext>(&ct_twice).is_err());
    let ct_missing = format!("{{\"alpha\":\"{g}\"}}");
    assert!(serde_json::from_str::<Ciphertext>(&ct_missing).is_err());
    assert!(serde_json::from_str::<ThresholdParams>("{\"t\":1}").is_err());
    assert!(serde_json::from_str::<ThresholdParams>("{\"t\":1,\"n\":2,\"n\":3}").is_err());
    // Integers only: no quotes, fractions or negatives for indices and params.
    assert!(serde_json::from_str::<TrusteeIndex>("\"1\"").is_err());
    assert!(serde_json::from_str::<TrusteeIndex>("1.5").is_err());
    assert!(serde_json::from_str::<TrusteeIndex>("-1").is_err());
    assert!(serde_json::from_str::<ThresholdParams>("{\"t\":\"1\",\"n\":2}").is_err());
    // A missing option is the sum slot.
    assert_eq!(
        serde_json::from_str::<BallotPosition>("{\"question\":4}").unwrap(),
        BallotPosition::sum(4)
    );
    assert_eq!(
        serde_json::from_str::<BallotPosition>("{\"question\":4,\"option\":null}").unwrap(),
        BallotPosition::sum(4)
    );
}

#[test]
fn identity_points_decode_where_allowed_and_fail_the_later_check() {
    // Ciphertext components, proof commitments and decryption shares may be
    // the identity; a commitment or ephemeral decodes, and the dealing's
    // public check then blames its author.
    let zero = "0".repeat(64);
    let ct: Ciphertext =
        serde_json::from_str(&format!("{{\"alpha\":\"{zero}\",\"beta\":\"{zero}\"}}")).unwrap();
    assert_eq!(ct, Ciphertext::zero());
    let c = ceremony(2, 3, 560);
    let t = &c.trustees;
    let mut v = serde_json::to_value(&c.dealings[1]).unwrap();
    v["commitments"][0] = serde_json::Value::String(zero.clone());
    let message: DealerMessage = serde_json::from_value(v).unwrap();
    assert_eq!(
        message.check_public(&t.fingerprint, &t.params),
        Err(ThresholdError::MalformedMessage {
            dealer: 2,
            reason: "identity coefficient commitment"
        })
    );
    let mut v = serde_json::to_value(&c.dealings[1]).unwrap();
    v["shares"][0]["ephemeral"] = serde_json::Value::String(zero);
    let message: DealerMessage = serde_json::from_value(v).unwrap();
    assert_eq!(
        message.check_public(&t.fingerprint, &t.params),
        Err(ThresholdError::MalformedMessage {
            dealer: 2,
            reason: "identity ephemeral key"
        })
    );
}
