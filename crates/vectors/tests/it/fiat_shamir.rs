//! Fiat–Shamir challenges recomputed from the spec's transcript table
//! (spec/crypto.md §4.4), with the labels written out here, and every
//! verification equation checked with curve25519-dalek: a second,
//! independent verifier of the valid vectors that shares no code with
//! `psephos-crypto`'s proofs.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use psephos_crypto::context::BallotContext;
use psephos_crypto::elgamal::Ciphertext;
use psephos_crypto::encoding::{decode_scalar, from_hex, Point};
use serde_json::{json, Value};

use crate::common::{get, load, text};

const G_HEX: &str = "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76";

/// A merlin transcript that records its appends in the vectors' format.
struct Fs {
    protocol: &'static str,
    transcript: Transcript,
    appends: Vec<Value>,
}

impl Fs {
    fn new(protocol: &'static str) -> Self {
        Fs {
            protocol,
            transcript: Transcript::new(protocol.as_bytes()),
            appends: Vec::new(),
        }
    }

    fn message(&mut self, label: &'static str, bytes: &[u8]) {
        self.transcript.append_message(label.as_bytes(), bytes);
        self.appends
            .push(json!({"label": label, "message": hex::encode(bytes)}));
    }

    fn point(&mut self, label: &'static str, point: &Point) {
        self.message(label, point.as_bytes());
    }

    fn u64(&mut self, label: &'static str, n: u64) {
        self.transcript.append_u64(label.as_bytes(), n);
        self.appends.push(json!({"label": label, "u64": n}));
    }

    fn generator(&mut self) {
        self.message("G", &hex::decode(G_HEX).unwrap());
    }

    fn ballot_context(&mut self, context: &BallotContext) {
        self.message("fingerprint", context.fingerprint.as_bytes());
        self.message("credential", context.credential.as_bytes());
        let mut position = context.position.question.to_le_bytes().to_vec();
        position.extend(context.position.option.unwrap_or(u32::MAX).to_le_bytes());
        self.message("position", &position);
    }

    /// Derives `c`, and asserts that the vector's `transcript` record and
    /// `challenge` are exactly what this transcript gives.
    fn challenge(mut self, vector: &Value) -> Scalar {
        let mut wide = [0u8; 64];
        self.transcript.challenge_bytes(b"c", &mut wide);
        let record = &vector["transcript"];
        assert_eq!(text(record, "protocol"), self.protocol);
        assert_eq!(record["appends"], Value::Array(self.appends), "appends");
        assert_eq!(text(&record["challenge"], "label"), "c");
        assert_eq!(record["challenge"]["length"], 64);
        assert_eq!(text(&record["challenge"], "bytes"), hex::encode(wide));
        let c = Scalar::from_bytes_mod_order_wide(&wide);
        assert_eq!(text(vector, "challenge"), hex::encode(c.as_bytes()));
        c
    }
}

fn g(s: &Scalar) -> RistrettoPoint {
    RISTRETTO_BASEPOINT_TABLE * s
}

fn scalar(value: &Value, key: &str) -> Scalar {
    decode_scalar(&from_hex(text(value, key)).unwrap()).unwrap()
}

fn pt(value: &Value, key: &str) -> RistrettoPoint {
    *get::<Point>(value, key).point()
}

fn ballot_context(body: &Value) -> BallotContext {
    let c = &body["context"];
    BallotContext {
        fingerprint: get(c, "fingerprint"),
        credential: get(c, "credential"),
        position: get(c, "position"),
    }
}

fn check_disjunctive(file: &str) {
    let vector = load(file);
    let body = &vector["statement_and_proof"];
    let key: Point = get(body, "public_key");
    let ciphertexts: Vec<Ciphertext> = get(body, "ciphertexts");
    let values: Vec<u64> = get(body, "values");
    let branches = body["proof"]["branches"].as_array().unwrap();
    assert_eq!(branches.len(), values.len());

    let mut fs = Fs::new("psephos/v1/proof/disjunctive-chaum-pedersen");
    fs.ballot_context(&ballot_context(body));
    fs.generator();
    fs.point("K", &key);
    fs.u64("ciphertext-count", ciphertexts.len() as u64);
    for ct in &ciphertexts {
        fs.point("alpha", &ct.alpha);
        fs.point("beta", &ct.beta);
    }
    fs.u64("value-count", values.len() as u64);
    for v in &values {
        fs.u64("value", *v);
    }
    for branch in branches {
        fs.point("a", &get(branch, "a"));
        fs.point("b", &get(branch, "b"));
    }
    let c = fs.challenge(&vector);

    let alpha: RistrettoPoint = ciphertexts.iter().map(|ct| ct.alpha.point()).sum();
    let beta: RistrettoPoint = ciphertexts.iter().map(|ct| ct.beta.point()).sum();
    let mut sum = Scalar::ZERO;
    for (branch, value) in branches.iter().zip(&values) {
        let (a, b) = (pt(branch, "a"), pt(branch, "b"));
        let (c_j, z_j) = (scalar(branch, "c"), scalar(branch, "z"));
        assert_eq!(g(&z_j), a + alpha * c_j, "{file}: z_j·G = a_j + c_j·α");
        assert_eq!(
            key.point() * z_j,
            b + (beta - g(&Scalar::from(*value))) * c_j,
            "{file}: z_j·K = b_j + c_j·(β − m_j·G)"
        );
        sum += c_j;
    }
    assert_eq!(sum, c, "{file}: Σ c_j = c");
}

#[test]
fn disjunctive() {
    for file in [
        "disjunctive-bit-0.json",
        "disjunctive-bit-1.json",
        "disjunctive-sum.json",
    ] {
        check_disjunctive(file);
    }
}

#[test]
fn randomness_knowledge() {
    let vector = load("randomness-knowledge.json");
    let body = &vector["statement_and_proof"];
    let ct: Ciphertext = get(body, "ciphertext");
    let mut fs = Fs::new("psephos/v1/proof/randomness-knowledge");
    fs.ballot_context(&ballot_context(body));
    fs.generator();
    fs.point("K", &get(body, "public_key"));
    fs.point("alpha", &ct.alpha);
    fs.point("beta", &ct.beta);
    fs.point("a", &get(&body["proof"], "a"));
    let c = fs.challenge(&vector);
    let (a, z) = (pt(&body["proof"], "a"), scalar(&body["proof"], "z"));
    assert_eq!(g(&z), a + ct.alpha.point() * c, "z·G = a + c·α");
}

#[test]
fn partial_decryption() {
    let vector = load("partial-decryption.json");
    let body = &vector["statement_and_proof"];
    let ct: Ciphertext = get(body, "ciphertext");
    let v: Point = get(body, "verification_key");
    let d: Point = get(body, "share");
    let mut fs = Fs::new("psephos/v1/proof/partial-decryption");
    fs.message(
        "fingerprint",
        &hex::decode(text(body, "fingerprint")).unwrap(),
    );
    fs.u64("trustee", body["trustee"].as_u64().unwrap());
    fs.generator();
    fs.point("trustee-key", &v);
    fs.point("alpha", &ct.alpha);
    fs.point("beta", &ct.beta);
    fs.point("decryption-share", &d);
    fs.point("a", &get(&body["proof"], "a"));
    fs.point("b", &get(&body["proof"], "b"));
    let c = fs.challenge(&vector);
    let proof = &body["proof"];
    let z = scalar(proof, "z");
    assert_eq!(g(&z), pt(proof, "a") + v.point() * c, "z·G = a + c·V");
    assert_eq!(
        ct.alpha.point() * z,
        pt(proof, "b") + d.point() * c,
        "z·α = b + c·D"
    );
}

fn check_possession(vector: &Value, body: &Value) {
    let claim = &body["claim"];
    let mut fs = match text(claim, "kind") {
        "coefficient" => {
            let mut fs = Fs::new("psephos/v1/proof/coefficient-possession");
            fs.message(
                "fingerprint",
                &hex::decode(text(body, "fingerprint")).unwrap(),
            );
            fs.u64("dealer", claim["dealer"].as_u64().unwrap());
            fs.u64("coefficient-index", claim["index"].as_u64().unwrap());
            fs.generator();
            fs.point("coefficient", &get(body, "point"));
            fs
        }
        "trustee-key" => {
            let mut fs = Fs::new("psephos/v1/proof/trustee-key-possession");
            fs.message(
                "fingerprint",
                &hex::decode(text(body, "fingerprint")).unwrap(),
            );
            fs.u64("trustee", claim["trustee"].as_u64().unwrap());
            fs.generator();
            fs.point("trustee-key", &get(body, "point"));
            fs
        }
        other => panic!("unknown claim {other}"),
    };
    fs.point("a", &get(&body["proof"], "a"));
    let c = fs.challenge(vector);
    let z = scalar(&body["proof"], "z");
    assert_eq!(g(&z), pt(&body["proof"], "a") + pt(body, "point") * c);
    assert_ne!(pt(body, "point"), RistrettoPoint::identity());
}

#[test]
fn possession() {
    let coefficients = load("coefficient-possession.json");
    for item in coefficients["proofs"].as_array().unwrap() {
        check_possession(item, item);
    }
    let key = load("trustee-key-possession.json");
    check_possession(&key, &key["statement_and_proof"]);
}

#[test]
fn complaints() {
    check_complaint("dkg-2-of-3-bad-share.json");
    check_complaint("dkg-2-of-3-false-complaint.json");
}

fn check_complaint(file: &str) {
    let vector = load(file);
    let record = &vector["complaint_transcript"];
    let complainer = record["complainer"].as_u64().unwrap() as usize;
    let dealer = record["dealer"].as_u64().unwrap() as usize;
    let complaint = vector["complaints"][complainer - 1]["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["dealer"] == dealer)
        .unwrap();
    let share = vector["dealings"][dealer - 1]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["recipient"] == complainer)
        .unwrap();
    let recipient_key: Point = get(&vector["trustees"][complainer - 1], "public_key");
    let ephemeral: Point = get(share, "ephemeral");
    let shared_secret: Point = get(complaint, "shared_secret");
    let mut fs = Fs::new("psephos/v1/proof/dkg-complaint");
    fs.message(
        "fingerprint",
        &hex::decode(text(&vector, "fingerprint")).unwrap(),
    );
    fs.u64("dealer", dealer as u64);
    fs.u64("recipient", complainer as u64);
    fs.generator();
    fs.point("recipient-key", &recipient_key);
    fs.point("ephemeral", &ephemeral);
    fs.point("shared-secret", &shared_secret);
    let proof = &complaint["proof"];
    fs.point("a", &get(proof, "a"));
    fs.point("b", &get(proof, "b"));
    let c = fs.challenge(record);
    let z = scalar(proof, "z");
    assert_eq!(
        g(&z),
        pt(proof, "a") + recipient_key.point() * c,
        "z·G = a + c·P_j"
    );
    assert_eq!(
        ephemeral.point() * z,
        pt(proof, "b") + shared_secret.point() * c,
        "z·E = b + c·S"
    );
}
