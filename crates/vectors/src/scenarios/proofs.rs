//! Zero-knowledge proofs (spec/crypto.md §6): one valid vector per proof
//! kind, and one file per kind with must-reject cases, each case a whole
//! statement and proof so that it can be checked on its own.

use curve25519_dalek::scalar::Scalar;
use psephos_crypto::context::{BallotContext, BallotPosition, Fingerprint};
use psephos_crypto::dkg::{Dealer, TrusteeKeyPair};
use psephos_crypto::elgamal::{Ciphertext, EncryptionNonce, PublicKey};
use psephos_crypto::encoding::Point;
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{KeyShare, TrusteeIndex};
use rand_chacha::ChaCha20Rng;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::common::{
    context, context_json, election_key, ensure, fingerprint, mul_g, non_canonical_hex, params,
    plus_g, random_scalar, rng, scalar_hex, trustee, NON_DECODING_POINT,
};
use crate::json::{replace_at, Obj};
use crate::scenarios::file;
use crate::transcript::Log;
use crate::{Error, VectorFile};
use psephos_crypto::transcript::{field, protocol};

/// Every proof scenario.
pub fn files() -> Result<Vec<VectorFile>, Error> {
    Ok(vec![
        disjunctive_bit(0, BIT_0_SEED)?,
        disjunctive_bit(1, BIT_1_SEED)?,
        disjunctive_sum()?,
        disjunctive_reject()?,
        randomness_valid()?,
        randomness_reject()?,
        decryption_valid()?,
        decryption_reject()?,
        coefficient_possession()?,
        trustee_key_possession()?,
        possession_reject()?,
    ])
}

/// Reasons shared by several proof kinds.
mod reason {
    pub const CHALLENGE_SUM: &str = "reject: challenge sum mismatch";
    pub const EQUATION: &str = "reject: verification equation fails";
    pub const NON_CANONICAL: &str = "reject: non-canonical scalar";
    pub const INVALID_POINT: &str = "reject: invalid point";
    pub const BRANCH_COUNT: &str = "reject: branch count mismatch";
    pub const FINGERPRINT: &str = "reject: wrong fingerprint";
    pub const CREDENTIAL: &str = "reject: wrong credential";
    pub const POSITION: &str = "reject: wrong position";
    pub const KEY: &str = "reject: wrong key";
    pub const VALUES: &str = "reject: wrong value set";
    pub const CIPHERTEXT: &str = "reject: wrong ciphertext";
    pub const NOT_IN_SET: &str = "reject: plaintext not in value set";
    pub const OVERVOTE: &str = "reject: overvote";
}

/// How the valid vectors show their Fiat–Shamir transcript.
const TRANSCRIPT_NOTE: &str = "`transcript` is the merlin transcript a verifier builds: the \
    protocol label, every append in order (`message`: bytes in hex; `u64`: merlin's \
    append_u64, the 8-byte little-endian integer), then 64 challenge bytes labelled `c` \
    (`bytes`), read as a little-endian integer and reduced modulo ℓ to `challenge`.";

/// A finished case: checks that the crate agrees with `expect`.
fn case_value(
    name: &str,
    comment: &str,
    expect: &str,
    body: Value,
    verifies: bool,
) -> Result<Value, Error> {
    ensure(
        verifies == (expect == "valid"),
        format!("case {name:?}: expected {expect}, crate says verifies = {verifies}"),
    )?;
    let Value::Object(mut map) = body else {
        return Err(Error::Inconsistent("case body is not an object".into()));
    };
    map.insert("name".into(), Value::from(name));
    map.insert("comment".into(), Value::from(comment));
    map.insert("expect".into(), Value::from(expect));
    Ok(Value::Object(map))
}

/// A case whose proof has a malformed encoding at `path` (inside `proof`):
/// checks that the proof type refuses to decode it.
fn malformed_case<P: DeserializeOwned>(
    name: &str,
    comment: &str,
    expect: &str,
    mut body: Value,
    path: &[&str],
    replacement: String,
) -> Result<Value, Error> {
    let mut full_path = vec!["proof"];
    full_path.extend_from_slice(path);
    replace_at(&mut body, &full_path, Value::String(replacement))?;
    let proof = body
        .get("proof")
        .cloned()
        .ok_or_else(|| Error::Inconsistent("case without proof".into()))?;
    ensure(
        serde_json::from_value::<P>(proof).is_err(),
        format!("case {name:?}: malformed proof decodes"),
    )?;
    let Value::Object(mut map) = body else {
        return Err(Error::Inconsistent("case body is not an object".into()));
    };
    map.insert("name".into(), Value::from(name));
    map.insert("comment".into(), Value::from(comment));
    map.insert("expect".into(), Value::from(expect));
    Ok(Value::Object(map))
}

fn one(scalar: Scalar) -> Scalar {
    scalar + Scalar::ONE
}

// ---------------------------------------------------------------------------
// Disjunctive proofs.

#[derive(Clone)]
struct Disjunctive {
    context: BallotContext,
    key: PublicKey,
    ciphertexts: Vec<Ciphertext>,
    values: Vec<u64>,
    proof: DisjunctiveProof,
}

impl Disjunctive {
    fn prove(
        context: BallotContext,
        key: PublicKey,
        ciphertexts: Vec<Ciphertext>,
        values: Vec<u64>,
        plaintext: u64,
        nonce: &EncryptionNonce,
        rng: &mut ChaCha20Rng,
    ) -> Result<Self, Error> {
        let statement = DisjunctiveStatement {
            context: &context,
            key: &key,
            ciphertexts: &ciphertexts,
            values: &values,
        };
        let proof = DisjunctiveProof::prove_with_rng(&statement, plaintext, nonce, rng)
            .map_err(Error::crypto)?;
        Ok(Disjunctive {
            context,
            key,
            ciphertexts,
            values,
            proof,
        })
    }

    fn verifies(&self) -> bool {
        let statement = DisjunctiveStatement {
            context: &self.context,
            key: &self.key,
            ciphertexts: &self.ciphertexts,
            values: &self.values,
        };
        self.proof.verify(&statement).is_ok()
    }

    fn challenge(&self) -> Scalar {
        self.proof.branches.iter().map(|b| b.c).sum()
    }

    /// The Fiat–Shamir transcript from the spec; checks Σ c_j = c and every
    /// branch's two equations with it.
    fn transcript(&self) -> Result<(Scalar, Value), Error> {
        let mut log = Log::new(protocol::DISJUNCTIVE);
        log.ballot_context(&self.context);
        log.point(field::GENERATOR, &Point::GENERATOR);
        log.point(field::ELECTION_KEY, self.key.point());
        log.u64(field::CIPHERTEXT_COUNT, self.ciphertexts.len() as u64);
        for ciphertext in &self.ciphertexts {
            log.point(field::ALPHA, &ciphertext.alpha);
            log.point(field::BETA, &ciphertext.beta);
        }
        log.u64(field::VALUE_COUNT, self.values.len() as u64);
        for value in &self.values {
            log.u64(field::VALUE, *value);
        }
        for branch in &self.proof.branches {
            log.point(field::COMMITMENT_A, &branch.a);
            log.point(field::COMMITMENT_B, &branch.b);
        }
        let (c, record) = log.challenge()?;
        ensure(
            c == self.challenge(),
            "Σ c_j = c (transcript as in the spec)",
        )?;
        let sum = self
            .ciphertexts
            .iter()
            .fold(Ciphertext::zero(), |acc, ct| acc.add(ct));
        let (alpha, beta) = (sum.alpha.point(), sum.beta.point());
        for (branch, value) in self.proof.branches.iter().zip(&self.values) {
            let m_g = mul_g(&Scalar::from(*value));
            ensure(
                *mul_g(&branch.z).point() == branch.a.point() + alpha * branch.c
                    && self.key.point().point() * branch.z
                        == branch.b.point() + (beta - m_g.point()) * branch.c,
                "disjunctive branch equations",
            )?;
        }
        Ok((c, record))
    }

    fn body(&self) -> Result<Value, Error> {
        Ok(Obj::new()
            .with("context", context_json(&self.context)?)
            .put("public_key", &self.key)?
            .put("ciphertexts", &self.ciphertexts)?
            .put("values", &self.values)?
            .put("proof", &self.proof)?
            .build())
    }

    fn case(&self, name: &str, comment: &str, expect: &str) -> Result<Value, Error> {
        case_value(name, comment, expect, self.body()?, self.verifies())
    }

    fn altered(&self, change: impl FnOnce(&mut Disjunctive)) -> Disjunctive {
        let mut copy = self.clone();
        change(&mut copy);
        copy
    }
}

const BIT_0_SEED: u64 = 10;
const BIT_1_SEED: u64 = 11;
const SUM_SEED: u64 = 12;
const DISJUNCTIVE_REJECT_SEED: u64 = 13;

const DISJUNCTIVE_COMMENT: &str = "Disjunctive Chaum–Pedersen proof that the sum (α, β) of \
    `ciphertexts` encrypts one of `values` under `public_key`, bound to the ballot context \
    (fingerprint, credential, position; `option: null` is the question's sum). Branch j \
    belongs to values[j]; the Fiat–Shamir challenge c (given as `challenge`) must equal \
    Σ c_j, and z_j·G = a_j + c_j·α, z_j·K = b_j + c_j·(β − values[j]·G) for every j.";

fn bit_proof(
    rng: &mut ChaCha20Rng,
    bit: u64,
    position: BallotPosition,
) -> Result<(Disjunctive, EncryptionNonce), Error> {
    let (_, key) = election_key(rng)?;
    let ctx = context(rng, position);
    let (ciphertext, nonce) = key.encrypt_with_rng(bit, rng);
    let proof = Disjunctive::prove(ctx, key, vec![ciphertext], vec![0, 1], bit, &nonce, rng)?;
    Ok((proof, nonce))
}

fn disjunctive_bit(bit: u64, seed: u64) -> Result<VectorFile, Error> {
    let mut rng = rng(seed);
    let (proof, nonce) = bit_proof(&mut rng, bit, BallotPosition::option(0, bit as u32))?;
    let scenario = format!("disjunctive-bit-{bit}");
    let value = Obj::new()
        .text("scenario", &scenario)
        .text(
            "comment",
            &format!(
                "A selection encrypting {bit}, proved to encrypt 0 or 1. {DISJUNCTIVE_COMMENT} \
                 {TRANSCRIPT_NOTE}"
            ),
        )
        .put("seed", &seed)?
        .put("plaintext", &bit)?
        .text("nonce", &scalar_hex(&nonce.reveal()))
        .text("challenge", &scalar_hex(&proof.transcript()?.0))
        .with("transcript", proof.transcript()?.1)
        .with("statement_and_proof", proof.body()?)
        .text("expect", "valid")
        .build();
    ensure(proof.verifies(), "bit proof verifies")?;
    Ok(file(&scenario, value))
}

/// Three option ciphertexts of `bits` and a proof that their sum is in `values`.
fn sum_proof(
    rng: &mut ChaCha20Rng,
    bits: &[u64],
    values: Vec<u64>,
    claimed: Option<u64>,
) -> Result<(Disjunctive, Vec<EncryptionNonce>), Error> {
    let (_, key) = election_key(rng)?;
    let ctx = context(rng, BallotPosition::sum(0));
    let mut ciphertexts = Vec::new();
    let mut nonces = Vec::new();
    for bit in bits {
        let (ciphertext, nonce) = key.encrypt_with_rng(*bit, rng);
        ciphertexts.push(ciphertext);
        nonces.push(nonce);
    }
    let total = claimed.unwrap_or_else(|| bits.iter().sum());
    let nonce = EncryptionNonce::sum(&nonces);
    let proof = Disjunctive::prove(ctx, key, ciphertexts, values, total, &nonce, rng)?;
    Ok((proof, nonces))
}

fn disjunctive_sum() -> Result<VectorFile, Error> {
    let mut rng = rng(SUM_SEED);
    let bits = [1u64, 1, 0];
    let (proof, nonces) = sum_proof(&mut rng, &bits, vec![1, 2, 3], None)?;
    ensure(proof.verifies(), "sum proof verifies")?;
    let sum = proof
        .ciphertexts
        .iter()
        .fold(Ciphertext::zero(), |acc, c| acc.add(c));
    let nonce_hex: Vec<String> = nonces.iter().map(|n| scalar_hex(&n.reveal())).collect();
    let value = Obj::new()
        .text("scenario", "disjunctive-sum")
        .text(
            "comment",
            &format!(
                "A question with three options selected as [1, 1, 0]; the proof shows that the \
                 sum of the three option ciphertexts encrypts 1, 2 or 3 (min 1, max 3). \
                 `sum_ciphertext` and `sum_nonce` are intermediate values: the transcript \
                 absorbs the listed ciphertexts, not their sum. {DISJUNCTIVE_COMMENT} \
                 {TRANSCRIPT_NOTE}"
            ),
        )
        .put("seed", &SUM_SEED)?
        .put("plaintexts", &bits)?
        .put("nonces", &nonce_hex)?
        .put("sum_plaintext", &bits.iter().sum::<u64>())?
        .text(
            "sum_nonce",
            &scalar_hex(&EncryptionNonce::sum(&nonces).reveal()),
        )
        .put("sum_ciphertext", &sum)?
        .text("challenge", &scalar_hex(&proof.transcript()?.0))
        .with("transcript", proof.transcript()?.1)
        .with("statement_and_proof", proof.body()?)
        .text("expect", "valid")
        .build();
    Ok(file("disjunctive-sum", value))
}

fn disjunctive_reject() -> Result<VectorFile, Error> {
    let mut rng = rng(DISJUNCTIVE_REJECT_SEED);
    let (base, _) = bit_proof(&mut rng, 1, BallotPosition::option(1, 2))?;
    let (sum, _) = sum_proof(&mut rng, &[0, 1, 1], vec![1, 2, 3], None)?;
    let other = context(&mut rng, BallotPosition::option(1, 2));
    let (_, other_key) = election_key(&mut rng)?;
    let (other_ciphertext, _) = base.key.encrypt_with_rng(1, &mut rng);
    use reason::*;
    let mut cases = vec![
        base.case(
            "valid bit proof",
            "the unaltered proof that every case below alters",
            "valid",
        )?,
        sum.case(
            "valid sum proof",
            "the unaltered sum proof (values [1, 2, 3]) used below",
            "valid",
        )?,
    ];
    for j in 0..2 {
        let jj = j.to_string();
        cases.push(
            base.altered(|d| d.proof.branches[j].a = plus_g(&d.proof.branches[j].a))
                .case(
                    &format!("branch {j} a altered"),
                    &format!("a_{j} + G: the recomputed challenge changes"),
                    CHALLENGE_SUM,
                )?,
        );
        cases.push(
            base.altered(|d| d.proof.branches[j].b = plus_g(&d.proof.branches[j].b))
                .case(
                    &format!("branch {j} b altered"),
                    &format!("b_{j} + G: the recomputed challenge changes"),
                    CHALLENGE_SUM,
                )?,
        );
        cases.push(
            base.altered(|d| d.proof.branches[j].c = one(d.proof.branches[j].c))
                .case(
                    &format!("branch {j} c altered"),
                    &format!("c_{j} + 1"),
                    CHALLENGE_SUM,
                )?,
        );
        cases.push(
            base.altered(|d| d.proof.branches[j].z = one(d.proof.branches[j].z))
                .case(
                    &format!("branch {j} z altered"),
                    &format!("z_{j} + 1"),
                    EQUATION,
                )?,
        );
        cases.push(malformed_case::<DisjunctiveProof>(
            &format!("branch {j} z non-canonical"),
            &format!("z_{j} + ℓ: same residue, but not a canonical encoding"),
            NON_CANONICAL,
            base.body()?,
            &["branches", &jj, "z"],
            non_canonical_hex(&base.proof.branches[j].z)?,
        )?);
        cases.push(malformed_case::<DisjunctiveProof>(
            &format!("branch {j} a not a point"),
            &format!("a_{j} replaced by an encoding that does not decode"),
            INVALID_POINT,
            base.body()?,
            &["branches", &jj, "a"],
            NON_DECODING_POINT.to_owned(),
        )?);
    }
    cases.push(
        base.altered(|d| {
            d.proof.branches[0].c = one(d.proof.branches[0].c);
            d.proof.branches[1].c -= Scalar::ONE;
        })
        .case(
            "challenge moved between branches",
            "c_0 + 1 and c_1 − 1: the sum still matches, the equations do not",
            EQUATION,
        )?,
    );
    cases.push(base.altered(|d| d.proof.branches.swap(0, 1)).case(
        "branches swapped",
        "branch order is bound to the order of `values`",
        CHALLENGE_SUM,
    )?);
    cases.push(
        base.altered(|d| {
            d.proof.branches.pop();
        })
        .case("branch dropped", "one branch for two values", BRANCH_COUNT)?,
    );
    cases.push(
        base.altered(|d| {
            let extra = d.proof.branches[1].clone();
            d.proof.branches.push(extra);
        })
        .case(
            "branch added",
            "three branches for two values",
            BRANCH_COUNT,
        )?,
    );
    cases.push(
        base.altered(|d| d.context.fingerprint = other.fingerprint)
            .case(
                "wrong fingerprint",
                "the proof replayed in another election",
                FINGERPRINT,
            )?,
    );
    cases.push(
        base.altered(|d| d.context.credential = other.credential)
            .case(
                "wrong credential",
                "the proof replayed by another voter",
                CREDENTIAL,
            )?,
    );
    cases.push(
        base.altered(|d| d.context.position = BallotPosition::option(1, 3))
            .case(
                "wrong option position",
                "the proof moved to another option",
                POSITION,
            )?,
    );
    cases.push(
        base.altered(|d| d.context.position = BallotPosition::option(0, 2))
            .case(
                "wrong question position",
                "the proof moved to another question",
                POSITION,
            )?,
    );
    cases.push(
        base.altered(|d| d.context.position = BallotPosition::sum(1))
            .case(
                "option proof as sum proof",
                "the option's proof presented as its question's sum proof",
                POSITION,
            )?,
    );
    cases.push(base.altered(|d| d.key = other_key.clone()).case(
        "wrong key",
        "verified under another election key",
        KEY,
    )?);
    cases.push(base.altered(|d| d.values = vec![1, 0]).case(
        "values reordered",
        "values [1, 0]: the order is part of the statement",
        VALUES,
    )?);
    cases.push(base.altered(|d| d.values = vec![0, 2]).case(
        "wrong values",
        "values [0, 2] instead of [0, 1]",
        VALUES,
    )?);
    cases.push(
        base.altered(|d| d.ciphertexts = vec![other_ciphertext])
            .case(
                "wrong ciphertext",
                "another encryption of 1 under the same key",
                CIPHERTEXT,
            )?,
    );
    cases.push(
        base.altered(|d| d.ciphertexts[0].beta = plus_g(&d.ciphertexts[0].beta))
            .case("beta altered", "β + G: now an encryption of 2", CIPHERTEXT)?,
    );

    // Statements whose plaintext is outside the allowed set: the prover,
    // given a false witness, produces a proof that must not verify.
    let (_, key) = election_key(&mut rng)?;
    let ctx = context(&mut rng, BallotPosition::option(0, 0));
    let nonce = EncryptionNonce::from_scalar(random_scalar(&mut rng));
    let two = key.encrypt_with_nonce(&Scalar::from(2u8), &nonce);
    cases.push(
        Disjunctive::prove(ctx, key.clone(), vec![two], vec![0, 1], 1, &nonce, &mut rng)?.case(
            "encryption of 2",
            "a ciphertext of 2 with a proof made from the false claim that it encrypts 1",
            NOT_IN_SET,
        )?,
    );
    let minus_one = key.encrypt_with_nonce(&-Scalar::ONE, &nonce);
    cases.push(
        Disjunctive::prove(ctx, key, vec![minus_one], vec![0, 1], 0, &nonce, &mut rng)?
            .case("encryption of −1", "a ciphertext of ℓ − 1 (that is, −1) with a proof made from the false claim that it encrypts 0", NOT_IN_SET)?,
    );
    let (overvote, _) = sum_proof(&mut rng, &[1, 1, 1], vec![1, 2], Some(2))?;
    cases.push(overvote.case(
        "overvote",
        "three options all selected (sum 3) with a sum proof for [min 1, max 2] made from the false claim that the sum is 2",
        OVERVOTE,
    )?);
    cases.push(
        sum.altered(|d| {
            d.ciphertexts.pop();
        })
        .case(
            "sum with an option dropped",
            "the sum proof checked against two of the three option ciphertexts",
            CIPHERTEXT,
        )?,
    );
    cases.push(sum.altered(|d| d.ciphertexts.swap(0, 2)).case(
        "sum with options reordered",
        "the same ciphertexts in another order: the list, not just the sum, is bound",
        CIPHERTEXT,
    )?);
    cases.push(sum.altered(|d| d.values = vec![2, 3, 4]).case(
        "sum with shifted values",
        "values [2, 3, 4] instead of [1, 2, 3]",
        VALUES,
    )?);
    cases.push(
        sum.altered(|d| d.context.position = BallotPosition::option(0, BallotPosition::SUM_SLOT))
            .case(
                "reserved option index",
                "the sum proof of question 0 presented for option 0xffffffff of question 0, \
                 whose position bytes equal the sum's: the option index 0xffffffff is reserved",
                "reject: reserved position",
            )?,
    );
    cases.push(
        sum.altered(|d| d.context.position = BallotPosition::option(0, 0))
            .case(
                "sum proof as option proof",
                "the sum proof presented for option 0",
                POSITION,
            )?,
    );

    let value = Obj::new()
        .text("scenario", "disjunctive-reject")
        .text(
            "comment",
            &format!(
                "Must-reject disjunctive proofs. Each case is a complete statement and proof; \
                 `expect` names why it fails (a decoding error for malformed encodings, \
                 otherwise verification). {DISJUNCTIVE_COMMENT}"
            ),
        )
        .put("seed", &DISJUNCTIVE_REJECT_SEED)?
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("disjunctive-reject", value))
}

// ---------------------------------------------------------------------------
// Proof of knowledge of the encryption randomness.

#[derive(Clone)]
struct Randomness {
    context: BallotContext,
    key: PublicKey,
    ciphertext: Ciphertext,
    proof: RandomnessProof,
}

impl Randomness {
    fn verifies(&self) -> bool {
        let statement = RandomnessStatement {
            context: &self.context,
            key: &self.key,
            ciphertext: &self.ciphertext,
        };
        self.proof.verify(&statement).is_ok()
    }

    fn body(&self) -> Result<Value, Error> {
        Ok(Obj::new()
            .with("context", context_json(&self.context)?)
            .put("public_key", &self.key)?
            .put("ciphertext", &self.ciphertext)?
            .put("proof", &self.proof)?
            .build())
    }

    /// The transcript from the spec; checks z·G = a + c·α with its challenge.
    fn transcript(&self) -> Result<(Scalar, Value), Error> {
        let mut log = Log::new(protocol::RANDOMNESS);
        log.ballot_context(&self.context);
        log.point(field::GENERATOR, &Point::GENERATOR);
        log.point(field::ELECTION_KEY, self.key.point());
        log.point(field::ALPHA, &self.ciphertext.alpha);
        log.point(field::BETA, &self.ciphertext.beta);
        log.point(field::COMMITMENT_A, &self.proof.0.a);
        let (c, record) = log.challenge()?;
        ensure(
            *mul_g(&self.proof.0.z).point()
                == self.proof.0.a.point() + self.ciphertext.alpha.point() * c,
            "randomness proof equation with the spec's challenge",
        )?;
        Ok((c, record))
    }

    fn case(&self, name: &str, comment: &str, expect: &str) -> Result<Value, Error> {
        case_value(name, comment, expect, self.body()?, self.verifies())
    }

    fn altered(&self, change: impl FnOnce(&mut Randomness)) -> Randomness {
        let mut copy = self.clone();
        change(&mut copy);
        copy
    }
}

const RANDOMNESS_SEED: u64 = 20;
const RANDOMNESS_REJECT_SEED: u64 = 21;

const RANDOMNESS_COMMENT: &str = "Schnorr proof of knowledge of r with α = r·G for the \
    ciphertext (α, β), bound to the ballot context, the key and both components: \
    z·G = a + c·α with c the Fiat–Shamir challenge (commitment form: the proof is (a, z)).";

fn randomness_proof(
    rng: &mut ChaCha20Rng,
    plaintext: u64,
    position: BallotPosition,
) -> Result<(Randomness, EncryptionNonce), Error> {
    let (_, key) = election_key(rng)?;
    let ctx = context(rng, position);
    let (ciphertext, nonce) = key.encrypt_with_rng(plaintext, rng);
    let statement = RandomnessStatement {
        context: &ctx,
        key: &key,
        ciphertext: &ciphertext,
    };
    let proof = RandomnessProof::prove_with_rng(&statement, &nonce, rng);
    Ok((
        Randomness {
            context: ctx,
            key,
            ciphertext,
            proof,
        },
        nonce,
    ))
}

fn randomness_valid() -> Result<VectorFile, Error> {
    let mut rng = rng(RANDOMNESS_SEED);
    let plaintext = 3;
    let (proof, nonce) = randomness_proof(&mut rng, plaintext, BallotPosition::option(2, 4))?;
    ensure(proof.verifies(), "randomness proof verifies")?;
    let value = Obj::new()
        .text("scenario", "randomness-knowledge")
        .text(
            "comment",
            &format!(
                "A ranked-ballot entry (rank 3) with its proof. {RANDOMNESS_COMMENT} \
                 {TRANSCRIPT_NOTE}"
            ),
        )
        .put("seed", &RANDOMNESS_SEED)?
        .put("plaintext", &plaintext)?
        .text("nonce", &scalar_hex(&nonce.reveal()))
        .text("challenge", &scalar_hex(&proof.transcript()?.0))
        .with("transcript", proof.transcript()?.1)
        .with("statement_and_proof", proof.body()?)
        .text("expect", "valid")
        .build();
    Ok(file("randomness-knowledge", value))
}

fn randomness_reject() -> Result<VectorFile, Error> {
    let mut rng = rng(RANDOMNESS_REJECT_SEED);
    let (base, _) = randomness_proof(&mut rng, 1, BallotPosition::option(2, 4))?;
    let other = context(&mut rng, BallotPosition::option(2, 4));
    let (_, other_key) = election_key(&mut rng)?;
    use reason::*;
    let cases = vec![
        base.case(
            "valid",
            "the unaltered proof that every case below alters",
            "valid",
        )?,
        base.altered(|d| d.proof.0.a = plus_g(&d.proof.0.a)).case(
            "a altered",
            "a + G",
            EQUATION,
        )?,
        base.altered(|d| d.proof.0.a = Point::new(Scalar::ZERO * Point::GENERATOR.point()))
            .case("a is the identity", "a replaced by the identity", EQUATION)?,
        base.altered(|d| d.proof.0.z = one(d.proof.0.z))
            .case("z altered", "z + 1", EQUATION)?,
        malformed_case::<RandomnessProof>(
            "z non-canonical",
            "z + ℓ",
            NON_CANONICAL,
            base.body()?,
            &["z"],
            non_canonical_hex(&base.proof.0.z)?,
        )?,
        malformed_case::<RandomnessProof>(
            "a not a point",
            "a replaced by an encoding that does not decode",
            INVALID_POINT,
            base.body()?,
            &["a"],
            NON_DECODING_POINT.to_owned(),
        )?,
        base.altered(|d| d.context.fingerprint = other.fingerprint)
            .case(
                "wrong fingerprint",
                "replayed in another election",
                FINGERPRINT,
            )?,
        base.altered(|d| d.context.credential = other.credential)
            .case(
                "wrong credential",
                "a ciphertext and proof copied into another voter's ballot",
                CREDENTIAL,
            )?,
        base.altered(|d| d.context.position = BallotPosition::option(2, 5))
            .case("wrong position", "moved to another candidate", POSITION)?,
        base.altered(|d| d.key = other_key.clone()).case(
            "wrong key",
            "verified under another election key",
            KEY,
        )?,
        base.altered(|d| d.ciphertext.alpha = plus_g(&d.ciphertext.alpha))
            .case("alpha altered", "α + G", CIPHERTEXT)?,
        base.altered(|d| d.ciphertext.beta = plus_g(&d.ciphertext.beta))
            .case(
                "beta altered",
                "β + G: β is not in the proved relation but is bound by the transcript",
                CIPHERTEXT,
            )?,
    ];
    let value = Obj::new()
        .text("scenario", "randomness-knowledge-reject")
        .text(
            "comment",
            &format!("Must-reject proofs of knowledge of the randomness. {RANDOMNESS_COMMENT}"),
        )
        .put("seed", &RANDOMNESS_REJECT_SEED)?
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("randomness-knowledge-reject", value))
}

// ---------------------------------------------------------------------------
// Proof of a correct partial decryption.

#[derive(Clone)]
struct Decryption {
    fingerprint: Fingerprint,
    trustee: TrusteeIndex,
    verification_key: Point,
    ciphertext: Ciphertext,
    share: Point,
    proof: DecryptionProof,
}

impl Decryption {
    fn verifies(&self) -> bool {
        let statement = DecryptionStatement {
            fingerprint: &self.fingerprint,
            trustee: self.trustee,
            verification_key: &self.verification_key,
            ciphertext: &self.ciphertext,
            share: &self.share,
        };
        self.proof.verify(&statement).is_ok()
    }

    fn body(&self) -> Result<Value, Error> {
        Ok(Obj::new()
            .put("fingerprint", &self.fingerprint)?
            .put("trustee", &self.trustee)?
            .put("verification_key", &self.verification_key)?
            .put("ciphertext", &self.ciphertext)?
            .put("share", &self.share)?
            .put("proof", &self.proof)?
            .build())
    }

    /// The transcript from the spec; checks z·G = a + c·V and z·α = b + c·D.
    fn transcript(&self) -> Result<(Scalar, Value), Error> {
        let mut log = Log::new(protocol::DECRYPTION);
        log.fingerprint(&self.fingerprint);
        log.u64(field::TRUSTEE, u64::from(self.trustee.get()));
        log.point(field::GENERATOR, &Point::GENERATOR);
        log.point(field::TRUSTEE_KEY, &self.verification_key);
        log.point(field::ALPHA, &self.ciphertext.alpha);
        log.point(field::BETA, &self.ciphertext.beta);
        log.point(field::DECRYPTION_SHARE, &self.share);
        log.point(field::COMMITMENT_A, &self.proof.0.a);
        log.point(field::COMMITMENT_B, &self.proof.0.b);
        let (c, record) = log.challenge()?;
        let z = self.proof.0.z;
        ensure(
            *mul_g(&z).point() == self.proof.0.a.point() + self.verification_key.point() * c
                && self.ciphertext.alpha.point() * z
                    == self.proof.0.b.point() + self.share.point() * c,
            "decryption proof equations with the spec's challenge",
        )?;
        Ok((c, record))
    }

    fn case(&self, name: &str, comment: &str, expect: &str) -> Result<Value, Error> {
        case_value(name, comment, expect, self.body()?, self.verifies())
    }

    fn altered(&self, change: impl FnOnce(&mut Decryption)) -> Decryption {
        let mut copy = self.clone();
        change(&mut copy);
        copy
    }
}

const DECRYPTION_SEED: u64 = 30;
const DECRYPTION_REJECT_SEED: u64 = 31;

const DECRYPTION_COMMENT: &str = "Chaum–Pedersen proof that log_G V = log_α D for trustee \
    `trustee` with verification key V = s·G and decryption share D = s·α of the ciphertext \
    (α, β): z·G = a + c·V and z·α = b + c·D (commitment form: the proof is (a, b, z)).";

/// A trustee with a secret share, a ciphertext, and the trustee's partial decryption.
fn decryption_proof(
    rng: &mut ChaCha20Rng,
    index: u32,
) -> Result<(Decryption, Scalar, Point), Error> {
    let params = params(2, 3)?;
    let index = trustee(index, &params)?;
    let secret = random_scalar(rng);
    let verification_key = mul_g(&secret);
    let share =
        KeyShare::new(index, SecretScalar::new(secret), verification_key).map_err(Error::crypto)?;
    let fp = fingerprint(rng);
    let (_, key) = election_key(rng)?;
    let (ciphertext, _) = key.encrypt_with_rng(4, rng);
    let partial = share.partial_decrypt_with_rng(&fp, &ciphertext, rng);
    let other_key = mul_g(&random_scalar(rng));
    Ok((
        Decryption {
            fingerprint: fp,
            trustee: index,
            verification_key,
            ciphertext,
            share: partial.share,
            proof: partial.proof,
        },
        secret,
        other_key,
    ))
}

fn decryption_valid() -> Result<VectorFile, Error> {
    let mut rng = rng(DECRYPTION_SEED);
    let (proof, secret, _) = decryption_proof(&mut rng, 2)?;
    ensure(proof.verifies(), "decryption proof verifies")?;
    let value = Obj::new()
        .text("scenario", "partial-decryption")
        .text(
            "comment",
            &format!(
                "Trustee 2's partial decryption of one ciphertext, with `secret_share` s \
                 (the witness: V = s·G and D = s·α). {DECRYPTION_COMMENT} {TRANSCRIPT_NOTE}"
            ),
        )
        .put("seed", &DECRYPTION_SEED)?
        .text("secret_share", &scalar_hex(&secret))
        .text("challenge", &scalar_hex(&proof.transcript()?.0))
        .with("transcript", proof.transcript()?.1)
        .with("statement_and_proof", proof.body()?)
        .text("expect", "valid")
        .build();
    Ok(file("partial-decryption", value))
}

fn decryption_reject() -> Result<VectorFile, Error> {
    let mut rng = rng(DECRYPTION_REJECT_SEED);
    let (base, _, other_key) = decryption_proof(&mut rng, 1)?;
    let other_fingerprint = fingerprint(&mut rng);
    let params = params(2, 3)?;
    let trustee_three = trustee(3, &params)?;
    use reason::*;
    let cases = vec![
        base.case(
            "valid",
            "the unaltered proof that every case below alters",
            "valid",
        )?,
        base.altered(|d| d.proof.0.a = plus_g(&d.proof.0.a)).case(
            "a altered",
            "a + G",
            EQUATION,
        )?,
        base.altered(|d| d.proof.0.b = plus_g(&d.proof.0.b)).case(
            "b altered",
            "b + G",
            EQUATION,
        )?,
        base.altered(|d| d.proof.0.z = one(d.proof.0.z))
            .case("z altered", "z + 1", EQUATION)?,
        malformed_case::<DecryptionProof>(
            "z non-canonical",
            "z + ℓ",
            NON_CANONICAL,
            base.body()?,
            &["z"],
            non_canonical_hex(&base.proof.0.z)?,
        )?,
        malformed_case::<DecryptionProof>(
            "b not a point",
            "b replaced by an encoding that does not decode",
            INVALID_POINT,
            base.body()?,
            &["b"],
            NON_DECODING_POINT.to_owned(),
        )?,
        base.altered(|d| d.share = plus_g(&d.share)).case(
            "share altered",
            "D + G: a wrong decryption share",
            "reject: wrong decryption share",
        )?,
        base.altered(|d| d.trustee = trustee_three).case(
            "wrong trustee",
            "the share attributed to trustee 3",
            "reject: wrong trustee",
        )?,
        base.altered(|d| d.verification_key = other_key).case(
            "wrong verification key",
            "checked against another trustee's verification key",
            "reject: wrong verification key",
        )?,
        base.altered(|d| d.fingerprint = other_fingerprint).case(
            "wrong fingerprint",
            "replayed in another election",
            FINGERPRINT,
        )?,
        base.altered(|d| d.ciphertext.alpha = plus_g(&d.ciphertext.alpha))
            .case("alpha altered", "α + G", CIPHERTEXT)?,
        base.altered(|d| d.ciphertext.beta = plus_g(&d.ciphertext.beta))
            .case("beta altered", "β + G: bound by the transcript", CIPHERTEXT)?,
    ];
    let value = Obj::new()
        .text("scenario", "partial-decryption-reject")
        .text(
            "comment",
            &format!("Must-reject partial decryption proofs. {DECRYPTION_COMMENT}"),
        )
        .put("seed", &DECRYPTION_REJECT_SEED)?
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("partial-decryption-reject", value))
}

// ---------------------------------------------------------------------------
// Proofs of possession.

#[derive(Clone)]
struct Possession {
    fingerprint: Fingerprint,
    claim: PossessionClaim,
    point: Point,
    proof: PossessionProof,
}

/// The claim as JSON: `{"kind": "coefficient", "dealer", "index"}` or
/// `{"kind": "trustee-key", "trustee"}`.
pub fn claim_json(claim: &PossessionClaim) -> Result<Value, Error> {
    Ok(match claim {
        PossessionClaim::Coefficient { dealer, index } => Obj::new()
            .text("kind", "coefficient")
            .put("dealer", dealer)?
            .put("index", index)?
            .build(),
        PossessionClaim::TrusteeKey { trustee } => Obj::new()
            .text("kind", "trustee-key")
            .put("trustee", trustee)?
            .build(),
    })
}

impl Possession {
    fn verifies(&self) -> bool {
        let statement = PossessionStatement {
            fingerprint: &self.fingerprint,
            claim: self.claim,
            point: &self.point,
        };
        self.proof.verify(&statement).is_ok()
    }

    fn body(&self) -> Result<Value, Error> {
        Ok(Obj::new()
            .put("fingerprint", &self.fingerprint)?
            .with("claim", claim_json(&self.claim)?)
            .put("point", &self.point)?
            .put("proof", &self.proof)?
            .build())
    }

    /// The transcript from the spec; checks z·G = a + c·point.
    fn transcript(&self) -> Result<(Scalar, Value), Error> {
        let mut log = match self.claim {
            PossessionClaim::Coefficient { dealer, index } => {
                let mut log = Log::new(protocol::COEFFICIENT_POSSESSION);
                log.fingerprint(&self.fingerprint);
                log.u64(field::DEALER, u64::from(dealer.get()));
                log.u64(field::COEFFICIENT_INDEX, u64::from(index));
                log
            }
            PossessionClaim::TrusteeKey { trustee } => {
                let mut log = Log::new(protocol::TRUSTEE_KEY_POSSESSION);
                log.fingerprint(&self.fingerprint);
                log.u64(field::TRUSTEE, u64::from(trustee.get()));
                log
            }
        };
        log.point(field::GENERATOR, &Point::GENERATOR);
        let label = match self.claim {
            PossessionClaim::Coefficient { .. } => field::COEFFICIENT,
            PossessionClaim::TrusteeKey { .. } => field::TRUSTEE_KEY,
        };
        log.point(label, &self.point);
        log.point(field::COMMITMENT_A, &self.proof.0.a);
        let (c, record) = log.challenge()?;
        ensure(
            *mul_g(&self.proof.0.z).point() == self.proof.0.a.point() + self.point.point() * c,
            "possession proof equation with the spec's challenge",
        )?;
        Ok((c, record))
    }

    /// The body with the transcript and challenge added.
    fn body_with_transcript(&self) -> Result<Value, Error> {
        let (c, record) = self.transcript()?;
        let Value::Object(mut map) = self.body()? else {
            return Err(Error::Inconsistent("body is not an object".into()));
        };
        map.insert("challenge".into(), Value::String(scalar_hex(&c)));
        map.insert("transcript".into(), record);
        Ok(Value::Object(map))
    }

    fn case(&self, name: &str, comment: &str, expect: &str) -> Result<Value, Error> {
        case_value(name, comment, expect, self.body()?, self.verifies())
    }

    fn altered(&self, change: impl FnOnce(&mut Possession)) -> Possession {
        let mut copy = self.clone();
        change(&mut copy);
        copy
    }
}

const COEFFICIENT_SEED: u64 = 40;
const TRUSTEE_KEY_SEED: u64 = 41;
const POSSESSION_REJECT_SEED: u64 = 42;

const POSSESSION_COMMENT: &str = "Schnorr proof of possession of x with point = x·G: \
    z·G = a + c·point. A coefficient claim binds the dealer and the coefficient index k \
    (transcript psephos/v1/proof/coefficient-possession), a trustee-key claim the trustee \
    (psephos/v1/proof/trustee-key-possession); both bind the fingerprint. The identity is \
    never accepted.";

/// Dealer 1's commitments and proofs of possession in a 2-of-3 ceremony.
fn coefficient_proofs(rng: &mut ChaCha20Rng) -> Result<(Fingerprint, Vec<Possession>), Error> {
    let params = params(2, 3)?;
    let fp = fingerprint(rng);
    let keys: Vec<TrusteeKeyPair> = (0..3)
        .map(|_| TrusteeKeyPair::generate_with_rng(rng))
        .collect();
    let roster: Vec<Point> = keys.iter().map(|k| *k.public()).collect();
    let me = trustee(1, &params)?;
    let (_, message) = Dealer::deal_with_rng(fp, params, me, keys[0].clone(), roster, rng)
        .map_err(Error::crypto)?;
    let proofs = message
        .commitments
        .iter()
        .zip(&message.proofs)
        .enumerate()
        .map(|(k, (point, proof))| Possession {
            fingerprint: fp,
            claim: PossessionClaim::Coefficient {
                dealer: me,
                index: k as u32,
            },
            point: *point,
            proof: proof.clone(),
        })
        .collect();
    Ok((fp, proofs))
}

fn trustee_key_proof(rng: &mut ChaCha20Rng) -> Result<(Possession, Scalar), Error> {
    let params = params(2, 3)?;
    let fp = fingerprint(rng);
    let pair = TrusteeKeyPair::generate_with_rng(rng);
    let index = trustee(2, &params)?;
    let proof = pair.prove_possession_with_rng(&fp, index, rng);
    Ok((
        Possession {
            fingerprint: fp,
            claim: PossessionClaim::TrusteeKey { trustee: index },
            point: *pair.public(),
            proof,
        },
        *pair.secret().expose(),
    ))
}

fn coefficient_possession() -> Result<VectorFile, Error> {
    let mut rng = rng(COEFFICIENT_SEED);
    let (_, proofs) = coefficient_proofs(&mut rng)?;
    let mut items = Vec::new();
    for proof in &proofs {
        ensure(proof.verifies(), "coefficient proof verifies")?;
        items.push(proof.body_with_transcript()?);
    }
    let value = Obj::new()
        .text("scenario", "coefficient-possession")
        .text(
            "comment",
            &format!(
                "Dealer 1 of a 2-of-3 ceremony: its Feldman commitments C_0, C_1 with their \
                 proofs of possession, as published in its dealing. {POSSESSION_COMMENT} \
                 {TRANSCRIPT_NOTE}"
            ),
        )
        .put("seed", &COEFFICIENT_SEED)?
        .with("proofs", Value::Array(items))
        .text("expect", "valid")
        .build();
    Ok(file("coefficient-possession", value))
}

fn trustee_key_possession() -> Result<VectorFile, Error> {
    let mut rng = rng(TRUSTEE_KEY_SEED);
    let (proof, secret) = trustee_key_proof(&mut rng)?;
    ensure(proof.verifies(), "trustee key proof verifies")?;
    let value = Obj::new()
        .text("scenario", "trustee-key-possession")
        .text(
            "comment",
            &format!(
                "Trustee 2's long-term encryption key P = x·G (x given as `secret_key`) with \
                 its proof of possession. {POSSESSION_COMMENT} {TRANSCRIPT_NOTE}"
            ),
        )
        .put("seed", &TRUSTEE_KEY_SEED)?
        .text("secret_key", &scalar_hex(&secret))
        .text("challenge", &scalar_hex(&proof.transcript()?.0))
        .with("transcript", proof.transcript()?.1)
        .with("statement_and_proof", proof.body()?)
        .text("expect", "valid")
        .build();
    Ok(file("trustee-key-possession", value))
}

fn possession_reject() -> Result<VectorFile, Error> {
    let mut rng = rng(POSSESSION_REJECT_SEED);
    let (_, coefficients) = coefficient_proofs(&mut rng)?;
    let coefficient = coefficients
        .get(1)
        .cloned()
        .ok_or_else(|| Error::Inconsistent("no coefficient 1".into()))?;
    let (key, _) = trustee_key_proof(&mut rng)?;
    let other_fingerprint = fingerprint(&mut rng);
    let params = params(2, 3)?;
    let (one_index, two, three) = (
        trustee(1, &params)?,
        trustee(2, &params)?,
        trustee(3, &params)?,
    );
    let identity = Point::new(Scalar::ZERO * Point::GENERATOR.point());
    let identity_statement = PossessionStatement {
        fingerprint: &coefficient.fingerprint,
        claim: coefficient.claim,
        point: &identity,
    };
    let identity_proof = PossessionProof::prove_with_rng(
        &identity_statement,
        &SecretScalar::new(Scalar::ZERO),
        &mut rng,
    );
    let cases = vec![
        coefficient.case("valid coefficient proof", "dealer 1's proof for C_1, altered below", "valid")?,
        key.case("valid trustee-key proof", "trustee 2's key proof, altered below", "valid")?,
        coefficient
            .altered(|d| d.proof.0.a = plus_g(&d.proof.0.a))
            .case("a altered", "a + G", reason::EQUATION)?,
        coefficient
            .altered(|d| d.proof.0.z = one(d.proof.0.z))
            .case("z altered", "z + 1", reason::EQUATION)?,
        malformed_case::<PossessionProof>(
            "z non-canonical",
            "z + ℓ",
            reason::NON_CANONICAL,
            coefficient.body()?,
            &["z"],
            non_canonical_hex(&coefficient.proof.0.z)?,
        )?,
        coefficient
            .altered(|d| d.point = plus_g(&d.point))
            .case("commitment altered", "C_1 + G", "reject: wrong point")?,
        coefficient
            .altered(|d| {
                d.claim = PossessionClaim::Coefficient {
                    dealer: two,
                    index: 1,
                }
            })
            .case("wrong dealer", "dealer 1's proof claimed for dealer 2 (a copied commitment: the rogue-key attempt)", "reject: wrong dealer")?,
        coefficient
            .altered(|d| {
                d.claim = PossessionClaim::Coefficient {
                    dealer: one_index,
                    index: 0,
                }
            })
            .case("wrong coefficient index", "the proof for C_1 claimed for C_0", "reject: wrong coefficient index")?,
        coefficient
            .altered(|d| d.fingerprint = other_fingerprint)
            .case("coefficient proof, wrong fingerprint", "replayed in another ceremony", reason::FINGERPRINT)?,
        coefficient
            .altered(|d| d.claim = PossessionClaim::TrusteeKey { trustee: one_index })
            .case("coefficient proof as trustee-key proof", "domain separation between the two claims", "reject: wrong claim kind")?,
        key.altered(|d| {
            d.claim = PossessionClaim::Coefficient {
                dealer: two,
                index: 0,
            }
        })
        .case("trustee-key proof as coefficient proof", "domain separation between the two claims", "reject: wrong claim kind")?,
        key.altered(|d| d.claim = PossessionClaim::TrusteeKey { trustee: three })
            .case("wrong trustee", "trustee 2's key proof claimed for trustee 3", "reject: wrong trustee")?,
        key.altered(|d| d.fingerprint = other_fingerprint)
            .case("trustee-key proof, wrong fingerprint", "replayed in another ceremony", reason::FINGERPRINT)?,
        key.altered(|d| d.proof.0.z = one(d.proof.0.z))
            .case("trustee-key z altered", "z + 1", reason::EQUATION)?,
        Possession {
            fingerprint: coefficient.fingerprint,
            claim: coefficient.claim,
            point: identity,
            proof: identity_proof,
        }
        .case("identity commitment", "C = identity with an otherwise correct proof for x = 0: rejected outright", "reject: identity commitment")?,
    ];
    let value = Obj::new()
        .text("scenario", "possession-reject")
        .text(
            "comment",
            &format!("Must-reject proofs of possession. {POSSESSION_COMMENT}"),
        )
        .put("seed", &POSSESSION_REJECT_SEED)?
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("possession-reject", value))
}
