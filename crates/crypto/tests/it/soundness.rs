//! Soundness: altered proofs, false witnesses and disallowed plaintexts are
//! rejected, by `verify` and by `verify_batch` alike.

use psephos_crypto::elgamal::{Ciphertext, CiphertextSum, EncryptionNonce, PublicKey};
use psephos_crypto::encoding::Point;
use psephos_crypto::error::{BatchError, ProverError};
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{Branch, DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::proofs::sigma::{ChaumPedersenProof, SchnorrProof};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{ThresholdParams, TrusteeIndex};
use psephos_crypto::Scalar;
use rand_chacha::ChaCha20Rng;
use subtle::Choice;

use crate::common::*;

/// The batch error for one bad proof at `index` among `total`.
fn one_failure(index: usize, total: usize) -> BatchError {
    BatchError {
        failed: vec![index],
        total,
    }
}

/// An edit of one field of a branch.
type BranchEdit = fn(&mut Branch);

/// Every variant of a disjunctive proof with exactly one field changed.
pub fn disjunctive_tamperings(proof: &DisjunctiveProof) -> Vec<(String, DisjunctiveProof)> {
    let mut out = Vec::new();
    for j in 0..proof.branches.len() {
        let edits: [(&str, BranchEdit); 4] = [
            ("a", |b| b.a = bump_point(&b.a)),
            ("b", |b| b.b = bump_point(&b.b)),
            ("c", |b| b.c = bump_scalar(&b.c)),
            ("z", |b| b.z = bump_scalar(&b.z)),
        ];
        for (name, edit) in edits {
            let mut p = proof.clone();
            edit(&mut p.branches[j]);
            out.push((format!("branch {j}, field {name}"), p));
        }
    }
    out
}

/// Every variant of a Schnorr proof with exactly one field changed.
pub fn schnorr_tamperings(proof: &SchnorrProof) -> Vec<(String, SchnorrProof)> {
    vec![
        (
            "a".to_string(),
            SchnorrProof {
                a: bump_point(&proof.a),
                ..proof.clone()
            },
        ),
        (
            "z".to_string(),
            SchnorrProof {
                z: bump_scalar(&proof.z),
                ..proof.clone()
            },
        ),
    ]
}

/// Every variant of a Chaum–Pedersen proof with exactly one field changed.
pub fn chaum_pedersen_tamperings(proof: &ChaumPedersenProof) -> Vec<(String, ChaumPedersenProof)> {
    vec![
        (
            "a".to_string(),
            ChaumPedersenProof {
                a: bump_point(&proof.a),
                ..proof.clone()
            },
        ),
        (
            "b".to_string(),
            ChaumPedersenProof {
                b: bump_point(&proof.b),
                ..proof.clone()
            },
        ),
        (
            "z".to_string(),
            ChaumPedersenProof {
                z: bump_scalar(&proof.z),
                ..proof.clone()
            },
        ),
    ]
}

/// Asserts that `bad` is rejected for `statement` alone, and named as the
/// only failure when batched between two valid proofs.
fn assert_disjunctive_rejected(
    what: &str,
    statement: &DisjunctiveStatement<'_>,
    bad: &DisjunctiveProof,
    valid: &[(DisjunctiveStatement<'_>, &DisjunctiveProof); 2],
    rng: &mut ChaCha20Rng,
) {
    assert!(bad.verify(statement).is_err(), "{what}: verify accepted");
    let batch = [valid[0], (*statement, bad), valid[1]];
    assert_eq!(
        DisjunctiveProof::verify_batch(&batch, rng),
        Err(one_failure(1, 3)),
        "{what}: verify_batch"
    );
}

/// Three ciphertexts with proofs under one key, for value set `values`.
struct BallotFixture {
    key: PublicKey,
    contexts: Vec<psephos_crypto::context::BallotContext>,
    ciphertexts: Vec<Ciphertext>,
    nonces: Vec<EncryptionNonce>,
    proofs: Vec<DisjunctiveProof>,
}

impl BallotFixture {
    fn new(values: &[u64], plaintexts: [u64; 3], seed: u64) -> Self {
        let mut rng = rng(seed);
        let key = secret_key(seed + 1).public_key().clone();
        let contexts: Vec<_> = (0..3).map(|o| context(8, 9, 1, Some(o))).collect();
        let mut ciphertexts = Vec::new();
        let mut nonces = Vec::new();
        let mut proofs = Vec::new();
        for (ctx, m) in contexts.iter().zip(plaintexts) {
            let (ct, nonce, proof) = prove_value(&key, ctx, values, m, &mut rng);
            ciphertexts.push(ct);
            nonces.push(nonce);
            proofs.push(proof);
        }
        BallotFixture {
            key,
            contexts,
            ciphertexts,
            nonces,
            proofs,
        }
    }

    fn statement<'a>(&'a self, i: usize, values: &'a [u64]) -> DisjunctiveStatement<'a> {
        DisjunctiveStatement {
            context: &self.contexts[i],
            key: &self.key,
            ciphertexts: std::slice::from_ref(&self.ciphertexts[i]),
            values,
        }
    }
}

fn check_every_disjunctive_field(values: &[u64], plaintexts: [u64; 3], seed: u64) {
    let mut rng = rng(seed + 100);
    let f = BallotFixture::new(values, plaintexts, seed);
    let valid = [
        (f.statement(0, values), &f.proofs[0]),
        (f.statement(2, values), &f.proofs[2]),
    ];
    let statement = f.statement(1, values);
    f.proofs[1].verify(&statement).unwrap();
    let tamperings = disjunctive_tamperings(&f.proofs[1]);
    assert_eq!(tamperings.len(), 4 * values.len());
    for (what, bad) in tamperings {
        assert_disjunctive_rejected(&what, &statement, &bad, &valid, &mut rng);
    }
}

#[test]
fn every_field_of_a_bit_proof_is_bound() {
    check_every_disjunctive_field(&[0, 1], [0, 1, 1], 200);
    check_every_disjunctive_field(&[0, 1], [1, 0, 0], 210);
}

#[test]
fn every_field_of_a_sum_proof_is_bound() {
    check_every_disjunctive_field(&[1, 2, 3], [3, 2, 1], 220);
    check_every_disjunctive_field(&[2, 3, 4, 5], [2, 5, 4], 230);
}

#[test]
fn challenges_that_still_add_up_are_rejected() {
    // Moving challenge weight between branches keeps Σ c_j = c; the group
    // equations must still catch it.
    let mut rng = rng(240);
    let values = [0u64, 1, 2];
    let f = BallotFixture::new(&values, [0, 1, 2], 241);
    let valid = [
        (f.statement(0, &values), &f.proofs[0]),
        (f.statement(2, &values), &f.proofs[2]),
    ];
    let statement = f.statement(1, &values);
    for (from, to) in [(0usize, 1usize), (1, 2), (2, 0)] {
        let mut bad = f.proofs[1].clone();
        bad.branches[from].c += Scalar::ONE;
        bad.branches[to].c -= Scalar::ONE;
        assert_disjunctive_rejected(
            &format!("c {from}->{to}"),
            &statement,
            &bad,
            &valid,
            &mut rng,
        );
        // Adjusting the responses to match the challenges does not help either.
        let mut bad = f.proofs[1].clone();
        bad.branches[from].c += Scalar::ONE;
        bad.branches[from].z += f.nonces[1].reveal();
        bad.branches[to].c -= Scalar::ONE;
        bad.branches[to].z -= f.nonces[1].reveal();
        assert_disjunctive_rejected(
            &format!("c,z {from}->{to}"),
            &statement,
            &bad,
            &valid,
            &mut rng,
        );
    }
    // Swapping two branches moves each onto the wrong value.
    let mut swapped = f.proofs[1].clone();
    swapped.branches.swap(0, 2);
    assert_disjunctive_rejected("swapped", &statement, &swapped, &valid, &mut rng);
    // An identity commitment in place of a real one.
    let mut identity = f.proofs[1].clone();
    identity.branches[1].a = Point::decode(&[0u8; 32]).unwrap();
    assert_disjunctive_rejected("identity a", &statement, &identity, &valid, &mut rng);
    let mut zero = f.proofs[1].clone();
    zero.branches[0].z = Scalar::ZERO;
    assert_disjunctive_rejected("zero z", &statement, &zero, &valid, &mut rng);
}

#[test]
fn branch_count_mismatch_is_rejected() {
    let mut rng = rng(250);
    let values = [0u64, 1];
    let f = BallotFixture::new(&values, [0, 1, 0], 251);
    let valid = [
        (f.statement(0, &values), &f.proofs[0]),
        (f.statement(2, &values), &f.proofs[2]),
    ];
    let statement = f.statement(1, &values);

    let mut missing = f.proofs[1].clone();
    missing.branches.pop();
    assert_disjunctive_rejected("one branch", &statement, &missing, &valid, &mut rng);

    let mut extra = f.proofs[1].clone();
    extra.branches.push(extra.branches[0].clone());
    assert_disjunctive_rejected("three branches", &statement, &extra, &valid, &mut rng);

    let empty = DisjunctiveProof { branches: vec![] };
    assert_disjunctive_rejected("no branches", &statement, &empty, &valid, &mut rng);

    // A proof for {0, 1} checked against {0, 1, 2}.
    let wider = [0u64, 1, 2];
    let wide_statement = f.statement(1, &wider);
    assert_disjunctive_rejected("wider set", &wide_statement, &f.proofs[1], &valid, &mut rng);

    // An empty proof against an empty set of values.
    let nothing = f.statement(1, &[]);
    assert!(empty.verify(&nothing).is_err());
    assert_eq!(
        DisjunctiveProof::verify_batch(&[valid[0], (nothing, &empty)], &mut rng),
        Err(one_failure(1, 2))
    );

    // A valid proof checked against no ciphertexts, or too many.
    let no_ciphertexts = DisjunctiveStatement {
        ciphertexts: &[],
        ..statement
    };
    assert_disjunctive_rejected(
        "no ciphertexts",
        &no_ciphertexts,
        &f.proofs[1],
        &valid,
        &mut rng,
    );
    // MAX_CIPHERTEXTS + 1 ciphertexts whose sum is the proved one.
    let mut many = vec![Ciphertext::zero(); psephos_crypto::proofs::disjunctive::MAX_CIPHERTEXTS];
    many.push(f.ciphertexts[1]);
    let too_many = DisjunctiveStatement {
        ciphertexts: &many,
        ..statement
    };
    assert_disjunctive_rejected(
        "too many ciphertexts",
        &too_many,
        &f.proofs[1],
        &valid,
        &mut rng,
    );
}

/// Tries to prove that `ct` (encrypting something outside `values` with
/// nonce `nonce`) encrypts each allowed value in turn: every such proof
/// must fail to verify.
fn assert_cannot_prove(
    key: &PublicKey,
    ct: &Ciphertext,
    nonce: &EncryptionNonce,
    values: &[u64],
    rng: &mut ChaCha20Rng,
) {
    let ctx = context(10, 11, 0, None);
    let statement = DisjunctiveStatement {
        context: &ctx,
        key,
        ciphertexts: std::slice::from_ref(ct),
        values,
    };
    let (honest_ct, _, honest_proof) = prove_value(key, &ctx, values, values[0], rng);
    let honest = DisjunctiveStatement {
        ciphertexts: std::slice::from_ref(&honest_ct),
        ..statement
    };
    honest_proof.verify(&honest).unwrap();
    for &lie in values {
        let proof = DisjunctiveProof::prove_with_rng(&statement, lie, nonce, rng).unwrap();
        assert!(proof.verify(&statement).is_err(), "claimed {lie} verified");
        assert_eq!(
            DisjunctiveProof::verify_batch(&[(honest, &honest_proof), (statement, &proof)], rng),
            Err(one_failure(1, 2)),
            "claimed {lie} batch-verified"
        );
    }
}

#[test]
fn a_ciphertext_of_two_cannot_be_proved_a_bit() {
    let mut rng = rng(260);
    let key = secret_key(261).public_key().clone();
    let ctx = context(10, 11, 0, Some(0));
    let (ct, nonce) = key.encrypt_with_rng(2, &mut rng);
    let statement = DisjunctiveStatement {
        context: &ctx,
        key: &key,
        ciphertexts: std::slice::from_ref(&ct),
        values: &[0, 1],
    };
    assert_eq!(
        DisjunctiveProof::prove_with_rng(&statement, 2, &nonce, &mut rng),
        Err(ProverError::ValueNotAllowed)
    );
    assert_cannot_prove(&key, &ct, &nonce, &[0, 1], &mut rng);
}

#[test]
fn a_ciphertext_of_minus_one_cannot_be_proved_a_bit() {
    let mut rng = rng(270);
    let key = secret_key(271).public_key().clone();
    let nonce = EncryptionNonce::from_scalar(Scalar::from(987_654_321u64));
    let ct = key.encrypt_with_nonce(&(-Scalar::ONE), &nonce);
    // Adding a ciphertext of 1 gives a ciphertext of 0: it really is −1.
    let (one, one_nonce) = key.encrypt_with_rng(1, &mut rng);
    let zero = ct.add(&one);
    assert!(zero.opens_to(&key, 0, &(nonce.reveal() + one_nonce.reveal())));
    assert_cannot_prove(&key, &ct, &nonce, &[0, 1], &mut rng);
    assert_cannot_prove(&key, &ct, &nonce, &[0, 1, 2, 3], &mut rng);
}

#[test]
fn values_outside_the_set_cannot_be_proved() {
    let mut rng = rng(280);
    let key = secret_key(281).public_key().clone();
    let ctx = context(10, 11, 0, None);
    for (values, outside) in [
        (vec![0u64, 1], vec![2u64, 3, 100, u64::MAX]),
        (vec![1, 2, 3], vec![0, 4, 5]),
        (vec![2, 3, 4, 5], vec![0, 1, 6, 7]),
    ] {
        for m in outside {
            let (ct, nonce) = key.encrypt_with_rng(m, &mut rng);
            let statement = DisjunctiveStatement {
                context: &ctx,
                key: &key,
                ciphertexts: std::slice::from_ref(&ct),
                values: &values,
            };
            assert_eq!(
                DisjunctiveProof::prove_with_rng(&statement, m, &nonce, &mut rng),
                Err(ProverError::ValueNotAllowed),
                "{m} in {values:?}"
            );
            assert_cannot_prove(&key, &ct, &nonce, &values, &mut rng);
        }
        // Plaintexts that are not small integers at all.
        for m in [
            -Scalar::ONE,
            -Scalar::from(2u8),
            Scalar::from(u64::MAX) + Scalar::ONE,
        ] {
            let nonce = EncryptionNonce::from_scalar(Scalar::from(4242u64));
            let ct = key.encrypt_with_nonce(&m, &nonce);
            assert_cannot_prove(&key, &ct, &nonce, &values, &mut rng);
        }
    }
}

#[test]
fn a_wrong_nonce_gives_a_proof_that_does_not_verify() {
    let mut rng = rng(290);
    let key = secret_key(291).public_key().clone();
    let ctx = context(10, 11, 0, Some(1));
    let (ct, nonce) = key.encrypt_with_rng(1, &mut rng);
    let statement = DisjunctiveStatement {
        context: &ctx,
        key: &key,
        ciphertexts: std::slice::from_ref(&ct),
        values: &[0, 1],
    };
    let wrong = EncryptionNonce::from_scalar(nonce.reveal() + Scalar::ONE);
    for m in [0, 1] {
        let proof = DisjunctiveProof::prove_with_rng(&statement, m, &wrong, &mut rng).unwrap();
        assert!(proof.verify(&statement).is_err());
    }
}

#[test]
fn an_overvote_cannot_be_proved() {
    // Choose at most 2 of 3: every selection is a valid bit, the sum is 3.
    let mut rng = rng(300);
    let sk = secret_key(301);
    let key = sk.public_key();
    let mut sum = CiphertextSum::new();
    let mut nonces = Vec::new();
    for option in 0..3 {
        let ctx = context(12, 13, 0, Some(option));
        let (ct, nonce, proof) = prove_value(key, &ctx, &[0, 1], 1, &mut rng);
        let statement = DisjunctiveStatement {
            context: &ctx,
            key,
            ciphertexts: std::slice::from_ref(&ct),
            values: &[0, 1],
        };
        proof.verify(&statement).unwrap();
        sum.add(&ct);
        nonces.push(nonce);
    }
    let total = sum.finish();
    let nonce = EncryptionNonce::sum(&nonces);
    let ctx = context(12, 13, 0, None);
    let values = [0u64, 1, 2];
    let statement = DisjunctiveStatement {
        context: &ctx,
        key,
        ciphertexts: std::slice::from_ref(&total),
        values: &values,
    };
    assert_eq!(
        DisjunctiveProof::prove_with_rng(&statement, 3, &nonce, &mut rng),
        Err(ProverError::ValueNotAllowed)
    );
    assert_cannot_prove(key, &total, &nonce, &values, &mut rng);
    // An undervote below a minimum of 1 is refused the same way.
    let (blank, blank_nonce) = key.encrypt_with_rng(0, &mut rng);
    assert_cannot_prove(key, &blank, &blank_nonce, &[1, 2], &mut rng);
}

#[test]
fn a_proof_for_one_ciphertext_does_not_verify_for_another() {
    let mut rng = rng(310);
    let values = [0u64, 1];
    let f = BallotFixture::new(&values, [1, 1, 0], 311);
    let contexts = f.contexts.clone();
    // Same context, same plaintext, different ciphertext.
    let (other, _) = f.key.encrypt_with_rng(1, &mut rng);
    let two = f.key.encrypt_with_nonce(&Scalar::from(2u8), &f.nonces[1]);
    let rerandomised = f.key.reencrypt_with_rng(&f.ciphertexts[1], &mut rng).0;
    let plus_zero = f.ciphertexts[1].add(&f.key.encrypt_with_rng(0, &mut rng).0);
    let swapped = Ciphertext {
        alpha: f.ciphertexts[1].beta,
        beta: f.ciphertexts[1].alpha,
    };
    for (what, ct) in [
        ("fresh", other),
        ("same nonce, plaintext 2", two),
        ("re-encrypted", rerandomised),
        ("plus an encryption of zero", plus_zero),
        ("alpha and beta swapped", swapped),
        ("another voter's ciphertext", f.ciphertexts[0]),
    ] {
        let statement = DisjunctiveStatement {
            context: &contexts[1],
            key: &f.key,
            ciphertexts: std::slice::from_ref(&ct),
            values: &values,
        };
        let valid = [
            (f.statement(0, &values), &f.proofs[0]),
            (f.statement(2, &values), &f.proofs[2]),
        ];
        assert_disjunctive_rejected(what, &statement, &f.proofs[1], &valid, &mut rng);
    }
}

#[test]
fn every_field_of_a_randomness_proof_is_bound() {
    let mut rng = rng(320);
    let key = secret_key(321).public_key().clone();
    let contexts: Vec<_> = (0..3).map(|o| context(14, 15, 2, Some(o))).collect();
    let mut cts = Vec::new();
    let mut nonces = Vec::new();
    for m in [3u64, 0, 1] {
        let (ct, nonce) = key.encrypt_with_rng(m, &mut rng);
        cts.push(ct);
        nonces.push(nonce);
    }
    let statements: Vec<_> = (0..3)
        .map(|i| RandomnessStatement {
            context: &contexts[i],
            key: &key,
            ciphertext: &cts[i],
        })
        .collect();
    let proofs: Vec<_> = (0..3)
        .map(|i| RandomnessProof::prove_with_rng(&statements[i], &nonces[i], &mut rng))
        .collect();
    let check = |what: &str, bad: &RandomnessProof, rng: &mut ChaCha20Rng| {
        assert!(bad.verify(&statements[1]).is_err(), "{what}");
        let batch = [
            (statements[0], &proofs[0]),
            (statements[1], bad),
            (statements[2], &proofs[2]),
        ];
        assert_eq!(
            RandomnessProof::verify_batch(&batch, rng),
            Err(one_failure(1, 3)),
            "{what}"
        );
    };
    proofs[1].verify(&statements[1]).unwrap();
    for (what, bad) in schnorr_tamperings(&proofs[1].0) {
        check(&what, &RandomnessProof(bad), &mut rng);
    }
    // A proof made with the wrong nonce.
    let wrong = EncryptionNonce::from_scalar(nonces[1].reveal() + Scalar::ONE);
    let bad = RandomnessProof::prove_with_rng(&statements[1], &wrong, &mut rng);
    check("wrong nonce", &bad, &mut rng);
    // Another ciphertext's proof.
    check("other proof", &proofs[0], &mut rng);
}

#[test]
fn every_field_of_a_decryption_proof_is_bound() {
    let mut rng = rng(330);
    let params = ThresholdParams::new(2, 3).unwrap();
    let fp = fingerprint(16);
    let key = secret_key(331).public_key().clone();
    let secrets: Vec<SecretScalar> = (0..3).map(|_| SecretScalar::random(&mut rng)).collect();
    let vks: Vec<Point> = secrets
        .iter()
        .map(|s| Point::new(Point::GENERATOR.point() * s.expose()))
        .collect();
    let cts: Vec<Ciphertext> = (0..3)
        .map(|m| key.encrypt_with_rng(m, &mut rng).0)
        .collect();
    let shares: Vec<Point> = (0..3)
        .map(|i| Point::new(cts[i].alpha.point() * secrets[i].expose()))
        .collect();
    let statements: Vec<_> = (0..3)
        .map(|i| DecryptionStatement {
            fingerprint: &fp,
            trustee: TrusteeIndex::new(i as u32 + 1, &params).unwrap(),
            verification_key: &vks[i],
            ciphertext: &cts[i],
            share: &shares[i],
        })
        .collect();
    let proofs: Vec<_> = (0..3)
        .map(|i| DecryptionProof::prove_with_rng(&statements[i], &secrets[i], &mut rng))
        .collect();
    let check = |what: &str,
                 statement: &DecryptionStatement<'_>,
                 bad: &DecryptionProof,
                 rng: &mut ChaCha20Rng| {
        assert!(bad.verify(statement).is_err(), "{what}");
        let batch = [
            (statements[0], &proofs[0]),
            (*statement, bad),
            (statements[2], &proofs[2]),
        ];
        assert_eq!(
            DecryptionProof::verify_batch(&batch, rng),
            Err(one_failure(1, 3)),
            "{what}"
        );
    };
    proofs[1].verify(&statements[1]).unwrap();
    for (what, bad) in chaum_pedersen_tamperings(&proofs[1].0) {
        check(&what, &statements[1], &DecryptionProof(bad), &mut rng);
    }
    // A false share with an honestly made proof for it (the prover uses
    // its real secret, but the share is not s·α).
    let false_share = bump_point(&shares[1]);
    let false_statement = DecryptionStatement {
        share: &false_share,
        ..statements[1]
    };
    let bad = DecryptionProof::prove_with_rng(&false_statement, &secrets[1], &mut rng);
    check("false share", &false_statement, &bad, &mut rng);
    // A share computed with another secret, proved with that secret.
    let other = SecretScalar::random(&mut rng);
    let other_share = Point::new(cts[1].alpha.point() * other.expose());
    let other_statement = DecryptionStatement {
        share: &other_share,
        ..statements[1]
    };
    let bad = DecryptionProof::prove_with_rng(&other_statement, &other, &mut rng);
    check("wrong secret", &other_statement, &bad, &mut rng);
}

#[test]
fn every_field_of_a_possession_proof_is_bound() {
    let mut rng = rng(340);
    let params = ThresholdParams::new(2, 3).unwrap();
    let fp = fingerprint(17);
    let secrets: Vec<SecretScalar> = (0..3).map(|_| SecretScalar::random(&mut rng)).collect();
    let points: Vec<Point> = secrets
        .iter()
        .map(|s| Point::new(Point::GENERATOR.point() * s.expose()))
        .collect();
    let dealer = TrusteeIndex::new(2, &params).unwrap();
    let claims = [
        PossessionClaim::Coefficient { dealer, index: 0 },
        PossessionClaim::Coefficient { dealer, index: 1 },
        PossessionClaim::TrusteeKey { trustee: dealer },
    ];
    for middle in 0..3 {
        let statements: Vec<_> = (0..3)
            .map(|i| PossessionStatement {
                fingerprint: &fp,
                claim: claims[(i + middle) % 3],
                point: &points[i],
            })
            .collect();
        let proofs: Vec<_> = (0..3)
            .map(|i| PossessionProof::prove_with_rng(&statements[i], &secrets[i], &mut rng))
            .collect();
        proofs[1].verify(&statements[1]).unwrap();
        let check = |what: &str,
                     statement: &PossessionStatement<'_>,
                     bad: &PossessionProof,
                     rng: &mut ChaCha20Rng| {
            assert!(bad.verify(statement).is_err(), "{what}");
            let batch = [
                (statements[0], &proofs[0]),
                (*statement, bad),
                (statements[2], &proofs[2]),
            ];
            assert_eq!(
                PossessionProof::verify_batch(&batch, rng),
                Err(one_failure(1, 3)),
                "{what}"
            );
        };
        for (what, bad) in schnorr_tamperings(&proofs[1].0) {
            check(&what, &statements[1], &PossessionProof(bad), &mut rng);
        }
        let wrong = SecretScalar::new(secrets[1].expose() + Scalar::ONE);
        let bad = PossessionProof::prove_with_rng(&statements[1], &wrong, &mut rng);
        check("wrong secret", &statements[1], &bad, &mut rng);

        // The identity has the known logarithm 0, but is never accepted.
        let identity = Point::decode(&[0u8; 32]).unwrap();
        let identity_statement = PossessionStatement {
            point: &identity,
            ..statements[1]
        };
        let proof = PossessionProof::prove_with_rng(
            &identity_statement,
            &SecretScalar::new(Scalar::ZERO),
            &mut rng,
        );
        check("identity", &identity_statement, &proof, &mut rng);
    }
}

#[test]
fn a_bit_encrypted_without_branching_is_the_same_as_a_plain_encryption() {
    // encrypt_bit_with_rng must encrypt exactly 0 or 1, never anything else.
    let mut rng = rng(350);
    let sk = secret_key(351);
    let key = sk.public_key();
    for bit in [0u8, 1] {
        let (ct, nonce) = key.encrypt_bit_with_rng(Choice::from(bit), &mut rng);
        assert!(ct.opens_to(key, u64::from(bit), &nonce.reveal()));
        assert!(!ct.opens_to(key, u64::from(1 - bit), &nonce.reveal()));
        assert_eq!(
            ct,
            key.encrypt_with_nonce(&Scalar::from(bit), &nonce),
            "bit {bit}"
        );
    }
}
