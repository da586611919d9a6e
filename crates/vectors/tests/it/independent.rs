//! Independent checking: every vector file is read as JSON, each statement
//! rebuilt from its values alone, and checked with the public decoders and
//! verifiers of `psephos-crypto` (plus curve25519-dalek, merlin and
//! ChaCha20-Poly1305 where the spec asks for a computation the crate keeps
//! private). Nothing here calls the generator.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use psephos_crypto::context::{BallotContext, Fingerprint};
use psephos_crypto::dkg::{resolve, ComplaintsMessage, DealerMessage};
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{Ciphertext, EncryptionNonce, PublicKey};
use psephos_crypto::encoding::{decode_scalar, from_hex, Point};
use psephos_crypto::error::EncodingError;
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::threshold::{combination_coefficients, ThresholdParams, TrusteeIndex};
use serde_json::Value;

use crate::common::*;

/// Every scenario this module knows how to check.
const CHECKED: &[&str] = &[
    "coefficient-possession.json",
    "disjunctive-bit-0.json",
    "disjunctive-bit-1.json",
    "disjunctive-reject.json",
    "disjunctive-sum.json",
    "dkg-2-of-3-bad-share.json",
    "dkg-2-of-3-false-complaint.json",
    "dkg-2-of-3.json",
    "dlog.json",
    "elgamal.json",
    "encoding-points.json",
    "encoding-scalars.json",
    "partial-decryption-reject.json",
    "partial-decryption.json",
    "possession-reject.json",
    "randomness-knowledge-reject.json",
    "randomness-knowledge.json",
    "rfc9496-ristretto255.json",
    "share-sealing.json",
    "threshold-decryption.json",
    "trustee-key-possession.json",
];

#[test]
fn every_vector_file_has_a_checker() {
    assert_eq!(
        json_files(),
        CHECKED,
        "add a checker for each new vector file"
    );
    for name in json_files() {
        let value = load(&name);
        assert_eq!(
            format!("{}.json", text(&value, "scenario")),
            name,
            "a file is named after its scenario"
        );
        assert!(!text(&value, "comment").is_empty(), "{name}: comment");
    }
}

fn g(s: &Scalar) -> RistrettoPoint {
    RISTRETTO_BASEPOINT_TABLE * s
}

fn scalar(value: &Value, key: &str) -> Scalar {
    let bytes = from_hex(text(value, key)).unwrap();
    decode_scalar(&bytes).unwrap_or_else(|e| panic!("{key}: {e}"))
}

fn point(value: &Value, key: &str) -> Point {
    get(value, key)
}

fn u64_of(value: &Value, key: &str) -> u64 {
    value
        .get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("missing integer {key:?}"))
}

// ---------------------------------------------------------------------------
// Encodings.

fn encoding_reason(error: &EncodingError) -> &'static str {
    match error {
        EncodingError::WrongLength { .. } => "reject: wrong length",
        EncodingError::InvalidHex => "reject: invalid hex",
        EncodingError::NonCanonicalScalar => "reject: non-canonical scalar",
        EncodingError::InvalidPoint => "reject: invalid point",
        EncodingError::IdentityPoint => "reject: identity point",
    }
}

#[test]
fn encoding_scalars() {
    let value = load("encoding-scalars.json");
    for case in cases(&value) {
        let hex_text = text(case, "hex");
        let result = from_hex(hex_text).and_then(|b| decode_scalar(&b));
        match result {
            Ok(s) => {
                assert_eq!(text(case, "expect"), "valid", "{case}");
                assert_eq!(hex::encode(s.as_bytes()), hex_text, "re-encoding");
            }
            Err(e) => assert_eq!(text(case, "expect"), encoding_reason(&e), "{case}"),
        }
    }
}

#[test]
fn encoding_points() {
    let value = load("encoding-points.json");
    for case in cases(&value) {
        let hex_text = text(case, "hex");
        let result = from_hex(hex_text).and_then(|b| match text(case, "decoder") {
            "point" => Point::decode(&b),
            "non-identity point" => Point::decode_non_identity(&b),
            "public key" => PublicKey::decode(&b).map(|k| *k.point()),
            other => panic!("unknown decoder {other}"),
        });
        match result {
            Ok(p) => {
                assert_eq!(text(case, "expect"), "valid", "{case}");
                assert_eq!(hex::encode(p.as_bytes()), hex_text, "re-encoding");
                assert_eq!(hex::encode(p.point().compress().as_bytes()), hex_text);
            }
            Err(e) => assert_eq!(text(case, "expect"), encoding_reason(&e), "{case}"),
        }
    }
}

// ---------------------------------------------------------------------------
// ElGamal and discrete logarithms.

/// `(r·G, m·G + r·K)` computed with dalek, not with the crate.
fn encrypt(key: &Point, m: u64, r: &Scalar) -> (RistrettoPoint, RistrettoPoint) {
    (g(r), g(&Scalar::from(m)) + key.point() * r)
}

fn assert_opens(ciphertext: &Ciphertext, key: &Point, m: u64, r: &Scalar) {
    let (alpha, beta) = encrypt(key, m, r);
    assert_eq!(ciphertext.alpha.point(), &alpha, "α = r·G");
    assert_eq!(ciphertext.beta.point(), &beta, "β = m·G + r·K");
}

#[test]
fn elgamal() {
    let value = load("elgamal.json");
    let x = scalar(&value, "secret_key");
    let key: PublicKey = get(&value, "public_key");
    assert_eq!(key.point().point(), &g(&x), "K = x·G");
    let mut alpha = RistrettoPoint::identity();
    let mut beta = RistrettoPoint::identity();
    let mut nonce_sum = Scalar::ZERO;
    let mut total = 0;
    for item in value["encryptions"].as_array().unwrap() {
        let m = u64_of(item, "plaintext");
        let r = scalar(item, "nonce");
        let ciphertext: Ciphertext = get(item, "ciphertext");
        assert_opens(&ciphertext, key.point(), m, &r);
        assert_eq!(
            key.encrypt_with_nonce(&Scalar::from(m), &EncryptionNonce::from_scalar(r)),
            ciphertext
        );
        alpha += ciphertext.alpha.point();
        beta += ciphertext.beta.point();
        nonce_sum += r;
        total += m;
    }
    let sum = &value["sum"];
    let sum_ciphertext: Ciphertext = get(sum, "ciphertext");
    assert_eq!(sum_ciphertext.alpha.point(), &alpha);
    assert_eq!(sum_ciphertext.beta.point(), &beta);
    assert_eq!(u64_of(sum, "plaintext"), total);
    assert_eq!(scalar(sum, "nonce"), nonce_sum);
    assert!(sum_ciphertext.opens_to(&key, total, &nonce_sum));

    let re = &value["reencryption"];
    let input: Ciphertext = get(re, "input");
    assert_eq!(input, sum_ciphertext);
    let r = scalar(re, "nonce");
    let output: Ciphertext = get(re, "ciphertext");
    let (zero_alpha, zero_beta) = encrypt(key.point(), 0, &r);
    assert_eq!(output.alpha.point(), &(input.alpha.point() + zero_alpha));
    assert_eq!(output.beta.point(), &(input.beta.point() + zero_beta));
    assert_eq!(scalar(re, "combined_nonce"), nonce_sum + r);
    assert_opens(&output, key.point(), total, &(nonce_sum + r));

    let dec = &value["decryption"];
    let ciphertext: Ciphertext = get(dec, "ciphertext");
    assert_eq!(ciphertext, output);
    let m_g = point(dec, "m_times_g");
    assert_eq!(
        m_g.point(),
        &(ciphertext.beta.point() - ciphertext.alpha.point() * x)
    );
    assert_eq!(m_g.point(), &g(&Scalar::from(total)));
    let table = DlogTable::new(u64_of(dec, "dlog_max"));
    assert_eq!(table.solve(m_g.point()), Ok(u64_of(dec, "plaintext")));
    assert_eq!(u64_of(dec, "plaintext"), total);
    assert_eq!(text(&value, "expect"), "valid");
}

#[test]
fn dlog() {
    let value = load("dlog.json");
    let table = DlogTable::new(u64_of(&value, "max"));
    for case in cases(&value) {
        let target = point(case, "point");
        match table.solve(target.point()) {
            Ok(m) => {
                assert_eq!(text(case, "expect"), "valid", "{case}");
                assert_eq!(m, u64_of(case, "plaintext"));
                assert_eq!(target.point(), &g(&Scalar::from(m)));
            }
            Err(_) => assert_eq!(text(case, "expect"), "reject: out of range", "{case}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Proofs. Each `check_*` decodes a whole case and verifies it.

fn context(value: &Value) -> Result<BallotContext, String> {
    let context = value.get("context").ok_or("missing context")?;
    Ok(BallotContext {
        fingerprint: field(context, "fingerprint")?,
        credential: field(context, "credential")?,
        position: field(context, "position")?,
    })
}

fn check_disjunctive(case: &Value) -> Outcome {
    let parsed = (|| -> Result<_, String> {
        Ok((
            context(case)?,
            field::<PublicKey>(case, "public_key")?,
            field::<Vec<Ciphertext>>(case, "ciphertexts")?,
            field::<Vec<u64>>(case, "values")?,
            field::<DisjunctiveProof>(case, "proof")?,
        ))
    })();
    let (context, key, ciphertexts, values, proof) = match parsed {
        Ok(parts) => parts,
        Err(e) => return Outcome::Malformed(e),
    };
    let statement = DisjunctiveStatement {
        context: &context,
        key: &key,
        ciphertexts: &ciphertexts,
        values: &values,
    };
    match proof.verify(&statement) {
        Ok(()) => Outcome::Valid,
        Err(_) => Outcome::Rejected,
    }
}

fn check_randomness(case: &Value) -> Outcome {
    let parsed = (|| -> Result<_, String> {
        Ok((
            context(case)?,
            field::<PublicKey>(case, "public_key")?,
            field::<Ciphertext>(case, "ciphertext")?,
            field::<RandomnessProof>(case, "proof")?,
        ))
    })();
    let (context, key, ciphertext, proof) = match parsed {
        Ok(parts) => parts,
        Err(e) => return Outcome::Malformed(e),
    };
    let statement = RandomnessStatement {
        context: &context,
        key: &key,
        ciphertext: &ciphertext,
    };
    match proof.verify(&statement) {
        Ok(()) => Outcome::Valid,
        Err(_) => Outcome::Rejected,
    }
}

fn check_decryption(case: &Value) -> Outcome {
    let parsed = (|| -> Result<_, String> {
        Ok((
            field::<Fingerprint>(case, "fingerprint")?,
            field::<TrusteeIndex>(case, "trustee")?,
            field::<Point>(case, "verification_key")?,
            field::<Ciphertext>(case, "ciphertext")?,
            field::<Point>(case, "share")?,
            field::<DecryptionProof>(case, "proof")?,
        ))
    })();
    let (fingerprint, trustee, verification_key, ciphertext, share, proof) = match parsed {
        Ok(parts) => parts,
        Err(e) => return Outcome::Malformed(e),
    };
    let statement = DecryptionStatement {
        fingerprint: &fingerprint,
        trustee,
        verification_key: &verification_key,
        ciphertext: &ciphertext,
        share: &share,
    };
    match proof.verify(&statement) {
        Ok(()) => Outcome::Valid,
        Err(_) => Outcome::Rejected,
    }
}

fn claim(value: &Value) -> Result<PossessionClaim, String> {
    let claim = value.get("claim").ok_or("missing claim")?;
    match claim.get("kind").and_then(Value::as_str) {
        Some("coefficient") => Ok(PossessionClaim::Coefficient {
            dealer: field(claim, "dealer")?,
            index: field(claim, "index")?,
        }),
        Some("trustee-key") => Ok(PossessionClaim::TrusteeKey {
            trustee: field(claim, "trustee")?,
        }),
        other => Err(format!("unknown claim kind {other:?}")),
    }
}

fn check_possession(case: &Value) -> Outcome {
    let parsed = (|| -> Result<_, String> {
        Ok((
            field::<Fingerprint>(case, "fingerprint")?,
            claim(case)?,
            field::<Point>(case, "point")?,
            field::<PossessionProof>(case, "proof")?,
        ))
    })();
    let (fingerprint, claim, point, proof) = match parsed {
        Ok(parts) => parts,
        Err(e) => return Outcome::Malformed(e),
    };
    let statement = PossessionStatement {
        fingerprint: &fingerprint,
        claim,
        point: &point,
    };
    match proof.verify(&statement) {
        Ok(()) => Outcome::Valid,
        Err(_) => Outcome::Rejected,
    }
}

fn check_single(file: &str, check: fn(&Value) -> Outcome) -> Value {
    let value = load(file);
    let body = value
        .get("statement_and_proof")
        .expect("statement_and_proof");
    assert_eq!(text(&value, "expect"), "valid");
    assert_eq!(check(body), Outcome::Valid, "{file}");
    value
}

fn check_cases(file: &str, check: fn(&Value) -> Outcome) {
    let value = load(file);
    let cases = cases(&value);
    assert!(cases.len() >= 5, "{file}: too few cases");
    let mut rejects = 0;
    for case in cases {
        assert_expected(file, case, check(case));
        rejects += usize::from(text(case, "expect") != "valid");
    }
    assert!(rejects >= 5, "{file}: too few must-reject cases");
}

fn disjunctive_challenge(proof: &DisjunctiveProof) -> Scalar {
    proof.branches.iter().map(|b| b.c).sum()
}

#[test]
fn disjunctive_bits() {
    for (file, bit) in [("disjunctive-bit-0.json", 0), ("disjunctive-bit-1.json", 1)] {
        let value = check_single(file, check_disjunctive);
        let body = &value["statement_and_proof"];
        assert_eq!(u64_of(&value, "plaintext"), bit);
        let key: PublicKey = get(body, "public_key");
        let ciphertexts: Vec<Ciphertext> = get(body, "ciphertexts");
        assert_eq!(ciphertexts.len(), 1);
        assert_opens(&ciphertexts[0], key.point(), bit, &scalar(&value, "nonce"));
        let values: Vec<u64> = get(body, "values");
        assert_eq!(values, [0, 1]);
        let proof: DisjunctiveProof = get(body, "proof");
        assert_eq!(disjunctive_challenge(&proof), scalar(&value, "challenge"));
    }
}

#[test]
fn disjunctive_sum() {
    let value = check_single("disjunctive-sum.json", check_disjunctive);
    let body = &value["statement_and_proof"];
    let key: PublicKey = get(body, "public_key");
    let ciphertexts: Vec<Ciphertext> = get(body, "ciphertexts");
    let plaintexts: Vec<u64> = get(&value, "plaintexts");
    let nonces: Vec<String> = get(&value, "nonces");
    assert_eq!(ciphertexts.len(), plaintexts.len());
    let mut alpha = RistrettoPoint::identity();
    let mut beta = RistrettoPoint::identity();
    let mut nonce_sum = Scalar::ZERO;
    for ((ciphertext, m), r) in ciphertexts.iter().zip(&plaintexts).zip(&nonces) {
        let r = decode_scalar(&from_hex(r).unwrap()).unwrap();
        assert_opens(ciphertext, key.point(), *m, &r);
        alpha += ciphertext.alpha.point();
        beta += ciphertext.beta.point();
        nonce_sum += r;
    }
    let sum: Ciphertext = get(&value, "sum_ciphertext");
    assert_eq!((sum.alpha.point(), sum.beta.point()), (&alpha, &beta));
    assert_eq!(scalar(&value, "sum_nonce"), nonce_sum);
    let total: u64 = plaintexts.iter().sum();
    assert_eq!(u64_of(&value, "sum_plaintext"), total);
    assert_opens(&sum, key.point(), total, &nonce_sum);
    let values: Vec<u64> = get(body, "values");
    assert_eq!(values, [1, 2, 3]);
    assert!(values.contains(&total));
    let proof: DisjunctiveProof = get(body, "proof");
    assert_eq!(disjunctive_challenge(&proof), scalar(&value, "challenge"));
}

#[test]
fn disjunctive_rejects() {
    check_cases("disjunctive-reject.json", check_disjunctive);
}

#[test]
fn randomness_knowledge() {
    let value = check_single("randomness-knowledge.json", check_randomness);
    let body = &value["statement_and_proof"];
    let key: PublicKey = get(body, "public_key");
    let ciphertext: Ciphertext = get(body, "ciphertext");
    assert_opens(
        &ciphertext,
        key.point(),
        u64_of(&value, "plaintext"),
        &scalar(&value, "nonce"),
    );
    check_cases("randomness-knowledge-reject.json", check_randomness);
}

#[test]
fn partial_decryption() {
    let value = check_single("partial-decryption.json", check_decryption);
    let body = &value["statement_and_proof"];
    let s = scalar(&value, "secret_share");
    assert_eq!(point(body, "verification_key").point(), &g(&s));
    let ciphertext: Ciphertext = get(body, "ciphertext");
    assert_eq!(
        point(body, "share").point(),
        &(ciphertext.alpha.point() * s)
    );
    check_cases("partial-decryption-reject.json", check_decryption);
}

#[test]
fn possession() {
    let value = load("coefficient-possession.json");
    assert_eq!(text(&value, "expect"), "valid");
    let proofs = value["proofs"].as_array().unwrap();
    assert_eq!(proofs.len(), 2, "t = 2 coefficients");
    for (k, case) in proofs.iter().enumerate() {
        assert_eq!(check_possession(case), Outcome::Valid);
        match claim(case).unwrap() {
            PossessionClaim::Coefficient { index, .. } => assert_eq!(index as usize, k),
            other => panic!("unexpected claim {other:?}"),
        }
    }
    let value = check_single("trustee-key-possession.json", check_possession);
    let x = scalar(&value, "secret_key");
    assert_eq!(
        point(&value["statement_and_proof"], "point").point(),
        &g(&x)
    );
    check_cases("possession-reject.json", check_possession);
}

// ---------------------------------------------------------------------------
// DKG, share sealing, threshold decryption.

/// Checks a ceremony file: resolving its public messages gives its outcome.
fn check_ceremony(file: &str) -> Value {
    let value = load(file);
    assert_eq!(text(&value, "expect"), "valid");
    let fingerprint: Fingerprint = get(&value, "fingerprint");
    let params: ThresholdParams = get(&value, "params");
    let trustees = value["trustees"].as_array().unwrap();
    assert_eq!(trustees.len() as u32, params.n());
    let mut roster = Vec::new();
    for (slot, trustee) in trustees.iter().enumerate() {
        let index: TrusteeIndex = get(trustee, "index");
        assert_eq!(index.get() as usize, slot + 1);
        let public = point(trustee, "public_key");
        assert_eq!(public.point(), &g(&scalar(trustee, "secret_key")));
        let proof: PossessionProof = get(trustee, "key_proof");
        let statement = PossessionStatement {
            fingerprint: &fingerprint,
            claim: PossessionClaim::TrusteeKey { trustee: index },
            point: &public,
        };
        proof.verify(&statement).expect("trustee key proof");
        roster.push(public);
    }
    let dealings: Vec<DealerMessage> = get(&value, "dealings");
    let complaints: Vec<ComplaintsMessage> = get(&value, "complaints");
    for dealing in &dealings {
        dealing
            .check_public(&fingerprint, &params)
            .expect("every dealing passes the public checks");
    }
    let outcome = resolve(&fingerprint, &params, &roster, &dealings, &complaints)
        .expect("the ceremony resolves");
    let expected = &value["outcome"];
    let qualified: Vec<TrusteeIndex> = get(expected, "qualified");
    assert_eq!(outcome.qualified, qualified, "{file}: qualified");
    let disqualified = expected["disqualified"].as_array().unwrap();
    assert_eq!(outcome.disqualified.len(), disqualified.len());
    for ((index, why), item) in outcome.disqualified.iter().zip(disqualified) {
        assert_eq!(*index, get::<TrusteeIndex>(item, "trustee"));
        assert_eq!(serde_json::to_value(why).unwrap(), item["disqualification"]);
    }
    assert_eq!(outcome.joint_key, get::<PublicKey>(expected, "joint_key"));
    let keys = expected["verification_keys"].as_array().unwrap();
    assert_eq!(outcome.verification_keys.len(), keys.len());
    for ((index, key), item) in outcome.verification_keys.iter().zip(keys) {
        assert_eq!(*index, get::<TrusteeIndex>(item, "trustee"));
        assert_eq!(*key, point(item, "verification_key"));
    }
    // K = Σ_{i∈QUAL} C_{i,0}, recomputed here.
    let joint: RistrettoPoint = dealings
        .iter()
        .filter(|d| qualified.contains(&d.dealer))
        .map(|d| *d.commitments[0].point())
        .sum();
    assert_eq!(outcome.joint_key.point().point(), &joint);

    let shares = value["key_shares"].as_array().unwrap();
    assert_eq!(shares.len(), qualified.len());
    let mut interpolated = Scalar::ZERO;
    let indices: Vec<Scalar> = shares
        .iter()
        .map(|s| Scalar::from(get::<TrusteeIndex>(s, "trustee").get()))
        .collect();
    for (share, i) in shares.iter().zip(&indices) {
        let s = scalar(share, "secret_share");
        let v = point(share, "verification_key");
        assert_eq!(v.point(), &g(&s), "s_j·G = V_j");
        assert_eq!(
            Some(&v),
            outcome.verification_key(get(share, "trustee")),
            "V_j as resolved"
        );
        interpolated += lagrange_at_zero(&indices, i) * s;
    }
    assert_eq!(interpolated, scalar(&value, "joint_secret"));
    assert_eq!(
        &g(&interpolated),
        outcome.joint_key.point().point(),
        "joint_secret·G = K"
    );
    value
}

/// `λ_i = Π_{j≠i} j / (j − i)`, computed here from the definition.
fn lagrange_at_zero(indices: &[Scalar], i: &Scalar) -> Scalar {
    let mut lambda = Scalar::ONE;
    for j in indices.iter().filter(|j| *j != i) {
        lambda *= j * (j - i).invert();
    }
    lambda
}

#[test]
fn dkg_clean() {
    let value = check_ceremony("dkg-2-of-3.json");
    let complaints: Vec<ComplaintsMessage> = get(&value, "complaints");
    assert!(complaints.iter().all(|c| c.complaints.is_empty()));
    assert_eq!(value["outcome"]["qualified"], serde_json::json!([1, 2, 3]));
}

#[test]
fn dkg_bad_share() {
    let value = check_ceremony("dkg-2-of-3-bad-share.json");
    assert_eq!(value["outcome"]["qualified"], serde_json::json!([1, 2]));
    let disqualified = &value["outcome"]["disqualified"][0];
    assert_eq!(disqualified["trustee"], 3);
    assert_eq!(disqualified["disqualification"]["reason"], "bad-share");
    assert_eq!(disqualified["disqualification"]["complainer"], 1);
    // The complaint's revealed value opens the share, which is wrong.
    let fingerprint: Fingerprint = get(&value, "fingerprint");
    let complaints: Vec<ComplaintsMessage> = get(&value, "complaints");
    let complaint = &complaints[0].complaints[0];
    let dealings: Vec<DealerMessage> = get(&value, "dealings");
    let dealing = &dealings[2];
    let sealed = &dealing.shares[0];
    assert_eq!(sealed.recipient.get(), 1);
    let secret = scalar(&value["trustees"][0], "secret_key");
    assert_eq!(
        complaint.shared_secret.point(),
        &(sealed.ephemeral.point() * secret),
        "S = x_1·E"
    );
    let roster_key = point(&value["trustees"][0], "public_key");
    let key = share_key(
        &fingerprint,
        3,
        1,
        &roster_key,
        &sealed.ephemeral,
        &complaint.shared_secret,
    );
    let share = open(&key, &sealed.sealed).expect("the bad share opens");
    let share = decode_scalar(&share).unwrap();
    assert_ne!(
        g(&share),
        *evaluate(&dealing.commitments, 1).point(),
        "but does not match the commitments"
    );
}

#[test]
fn dkg_false_complaint() {
    let value = check_ceremony("dkg-2-of-3-false-complaint.json");
    assert_eq!(value["outcome"]["qualified"], serde_json::json!([1, 3]));
    let disqualified = &value["outcome"]["disqualified"][0];
    assert_eq!(disqualified["trustee"], 2);
    assert_eq!(
        disqualified["disqualification"]["reason"],
        "false-complaint"
    );
    assert_eq!(disqualified["disqualification"]["dealer"], 1);
    // The revealed value is the true one, and the share it opens is good.
    let fingerprint: Fingerprint = get(&value, "fingerprint");
    let complaints: Vec<ComplaintsMessage> = get(&value, "complaints");
    let complaint = &complaints[1].complaints[0];
    let dealings: Vec<DealerMessage> = get(&value, "dealings");
    let dealing = &dealings[0];
    let sealed = &dealing.shares[0];
    assert_eq!(sealed.recipient.get(), 2);
    let secret = scalar(&value["trustees"][1], "secret_key");
    assert_eq!(
        complaint.shared_secret.point(),
        &(sealed.ephemeral.point() * secret)
    );
    let key = share_key(
        &fingerprint,
        1,
        2,
        &point(&value["trustees"][1], "public_key"),
        &sealed.ephemeral,
        &complaint.shared_secret,
    );
    let share = decode_scalar(&open(&key, &sealed.sealed).expect("opens")).unwrap();
    assert_eq!(g(&share), *evaluate(&dealing.commitments, 2).point());
}

/// `Σ_k j^k·C_k`.
fn evaluate(commitments: &[Point], j: u32) -> Point {
    let mut power = Scalar::ONE;
    let mut sum = RistrettoPoint::identity();
    for c in commitments {
        sum += c.point() * power;
        power *= Scalar::from(j);
    }
    Point::new(sum)
}

/// The share key of spec/crypto.md §7.3, written from the spec.
fn share_key(
    fingerprint: &Fingerprint,
    dealer: u64,
    recipient: u64,
    recipient_key: &Point,
    ephemeral: &Point,
    shared_secret: &Point,
) -> [u8; 32] {
    let mut t = Transcript::new(b"psephos/v1/kdf/dkg-share");
    t.append_message(b"fingerprint", fingerprint.as_bytes());
    t.append_u64(b"dealer", dealer);
    t.append_u64(b"recipient", recipient);
    t.append_message(b"recipient-key", recipient_key.as_bytes());
    t.append_message(b"ephemeral", ephemeral.as_bytes());
    t.append_message(b"shared-secret", shared_secret.as_bytes());
    let mut key = [0u8; 32];
    t.challenge_bytes(b"key", &mut key);
    key
}

/// Replays a transcript described as data (protocol, appends, challenge).
fn replay(kdf: &Value) -> Vec<u8> {
    let leak = |s: &str| -> &'static [u8] { Box::leak(s.to_owned().into_boxed_str()).as_bytes() };
    let mut t = Transcript::new(leak(text(kdf, "protocol")));
    for append in kdf["appends"].as_array().unwrap() {
        let label = leak(text(append, "label"));
        if let Some(n) = append.get("u64") {
            t.append_u64(label, n.as_u64().unwrap());
        } else {
            t.append_message(label, &bytes(append, "message"));
        }
    }
    let challenge = &kdf["challenge"];
    let mut out = vec![0u8; u64_of(challenge, "length") as usize];
    t.challenge_bytes(leak(text(challenge, "label")), &mut out);
    out
}

fn open(key: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    ChaCha20Poly1305::new(Key::from_slice(key))
        .decrypt(Nonce::from_slice(&[0u8; 12]), sealed)
        .ok()
}

#[test]
fn share_sealing() {
    let value = load("share-sealing.json");
    let ceremony = load("dkg-2-of-3.json");
    assert_eq!(
        value["seed"], ceremony["seed"],
        "derived from the clean ceremony"
    );
    let dealings: Vec<DealerMessage> = get(&ceremony, "dealings");
    let shares = value["shares"].as_array().unwrap();
    assert_eq!(shares.len(), 6, "every share of a 3-trustee ceremony");
    for item in shares {
        assert_eq!(text(item, "expect"), "valid");
        let fingerprint: Fingerprint = get(item, "fingerprint");
        let dealer: TrusteeIndex = get(item, "dealer");
        let recipient: TrusteeIndex = get(item, "recipient");
        let recipient_key = point(item, "recipient_key");
        let x = scalar(item, "recipient_secret_key");
        assert_eq!(recipient_key.point(), &g(&x));
        let ephemeral = point(item, "ephemeral");
        let shared_secret = point(item, "shared_secret");
        assert_eq!(shared_secret.point(), &(ephemeral.point() * x), "S = x_j·E");
        let key = share_key(
            &fingerprint,
            u64::from(dealer.get()),
            u64::from(recipient.get()),
            &recipient_key,
            &ephemeral,
            &shared_secret,
        );
        assert_eq!(replay(&item["kdf"]), key, "the kdf description is the KDF");
        assert_eq!(bytes(item, "key"), key);
        assert_eq!(bytes(item, "nonce"), [0u8; 12]);
        let sealed = bytes(item, "sealed");
        let plaintext = open(&key, &sealed).expect("the share opens");
        assert_eq!(hex::encode(&plaintext), text(item, "share"));
        let share = scalar(item, "share");
        let commitments: Vec<Point> = get(item, "commitments");
        assert_eq!(g(&share), *evaluate(&commitments, recipient.get()).point());
        assert_eq!(point(item, "share_times_g").point(), &g(&share));
        // The same sealed share is in the ceremony's dealings.
        let published = dealings
            .iter()
            .find(|d| d.dealer == dealer)
            .and_then(|d| d.share_for(recipient))
            .expect("published share");
        assert_eq!(published.sealed.as_slice(), sealed.as_slice());
        assert_eq!(published.ephemeral, ephemeral);
    }
    for case in cases(&value) {
        let key: [u8; 32] = replay(&case["kdf"]).try_into().unwrap();
        assert_eq!(bytes(case, "key"), key, "{}", text(case, "name"));
        let outcome = match open(&key, &bytes(case, "sealed")) {
            Some(_) => Outcome::Valid,
            None => Outcome::Rejected,
        };
        assert_eq!(text(case, "expect"), "reject: authentication failed");
        assert_eq!(outcome, Outcome::Rejected, "{}", text(case, "name"));
    }
}

#[test]
fn threshold_decryption() {
    let value = load("threshold-decryption.json");
    let fingerprint: Fingerprint = get(&value, "fingerprint");
    let params: ThresholdParams = get(&value, "params");
    let key: PublicKey = get(&value["outcome"], "joint_key");
    let mut alpha = RistrettoPoint::identity();
    let mut beta = RistrettoPoint::identity();
    let mut count = 0;
    for ballot in value["ballots"].as_array().unwrap() {
        let ciphertext: Ciphertext = get(ballot, "ciphertext");
        let m = u64_of(ballot, "plaintext");
        assert_opens(&ciphertext, key.point(), m, &scalar(ballot, "nonce"));
        alpha += ciphertext.alpha.point();
        beta += ciphertext.beta.point();
        count += m;
    }
    let tally: Ciphertext = get(&value, "tally");
    assert_eq!((tally.alpha.point(), tally.beta.point()), (&alpha, &beta));
    assert_eq!(u64_of(&value, "count"), count);

    let verification_keys = value["outcome"]["verification_keys"].as_array().unwrap();
    let mut shares = Vec::new();
    for partial in value["partial_decryptions"].as_array().unwrap() {
        let trustee: TrusteeIndex = get(partial, "trustee");
        let v = point(partial, "verification_key");
        assert!(verification_keys
            .iter()
            .any(|k| get::<TrusteeIndex>(k, "trustee") == trustee
                && point(k, "verification_key") == v));
        let share = point(partial, "share");
        let proof: DecryptionProof = get(partial, "proof");
        let statement = DecryptionStatement {
            fingerprint: &fingerprint,
            trustee,
            verification_key: &v,
            ciphertext: &tally,
            share: &share,
        };
        proof.verify(&statement).expect("partial decryption proof");
        shares.push((trustee, share));
    }
    // Secret shares are consistent with the public partial decryptions.
    for item in value["key_shares"].as_array().unwrap() {
        let trustee: TrusteeIndex = get(item, "trustee");
        let s = scalar(item, "secret_share");
        let d = shares.iter().find(|(i, _)| *i == trustee).unwrap();
        assert_eq!(d.1.point(), &(tally.alpha.point() * s), "D_i = s_i·α");
    }

    let table = DlogTable::new(u64_of(&value, "dlog_max"));
    let mut valid = 0;
    for case in cases(&value) {
        let subset: Vec<u32> = get(case, "trustees");
        let indices: Vec<TrusteeIndex> = subset
            .iter()
            .map(|i| TrusteeIndex::new(*i, &params).unwrap())
            .collect();
        match combination_coefficients(&params, &indices) {
            Ok(lambdas) => {
                assert_eq!(text(case, "expect"), "valid", "{case}");
                valid += 1;
                let scalars: Vec<Scalar> = subset.iter().map(|i| Scalar::from(*i)).collect();
                let expected: Vec<String> = get(case, "lagrange_coefficients");
                let mut combined = RistrettoPoint::identity();
                for ((lambda, i), hex_text) in lambdas.iter().zip(&scalars).zip(&expected) {
                    assert_eq!(*lambda, lagrange_at_zero(&scalars, i));
                    assert_eq!(&hex::encode(lambda.as_bytes()), hex_text);
                    let d = shares
                        .iter()
                        .find(|(j, _)| Scalar::from(j.get()) == *i)
                        .unwrap();
                    combined += d.1.point() * lambda;
                }
                assert_eq!(point(case, "combined_share").point(), &combined);
                let m_g = point(case, "m_times_g");
                assert_eq!(m_g.point(), &(tally.beta.point() - combined));
                assert_eq!(table.solve(m_g.point()), Ok(u64_of(case, "count")));
                assert_eq!(u64_of(case, "count"), count);
            }
            Err(_) => assert!(text(case, "expect").starts_with("reject: "), "{case}"),
        }
    }
    assert!(valid >= 3, "every 2-subset of 3 trustees");
}
