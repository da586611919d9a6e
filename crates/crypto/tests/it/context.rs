//! Wrong context: a valid proof is rejected for any other election, voter,
//! position, key or statement (strong Fiat–Shamir).

use psephos_crypto::context::{BallotContext, BallotPosition, CredentialKey};
use psephos_crypto::elgamal::{Ciphertext, PublicKey};
use psephos_crypto::encoding::Point;
use psephos_crypto::error::BatchError;
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{ThresholdParams, TrusteeIndex};
use psephos_crypto::Scalar;

use crate::common::*;

/// The base context of these tests and every single-field variation of it.
fn other_contexts(base: &BallotContext) -> Vec<(&'static str, BallotContext)> {
    let question = base.position.question;
    let option = base.position.option.unwrap_or(0);
    let mut out = vec![
        (
            "another election",
            BallotContext {
                fingerprint: fingerprint(base.fingerprint.as_bytes()[0] ^ 1),
                ..*base
            },
        ),
        (
            "another voter",
            BallotContext {
                credential: CredentialKey::from_bytes([base.credential.as_bytes()[0] ^ 1; 32]),
                ..*base
            },
        ),
        (
            "another question",
            BallotContext {
                position: BallotPosition {
                    question: question + 1,
                    ..base.position
                },
                ..*base
            },
        ),
        (
            "another option",
            BallotContext {
                position: BallotPosition::option(question, option + 1),
                ..*base
            },
        ),
    ];
    // Election and voter differ only in one byte.
    let mut fp = *base.fingerprint.as_bytes();
    fp[31] ^= 0x80;
    out.push((
        "another election (last byte)",
        BallotContext {
            fingerprint: psephos_crypto::context::Fingerprint::from_bytes(fp),
            ..*base
        },
    ));
    let mut cred = *base.credential.as_bytes();
    cred[0] ^= 0x01;
    out.push((
        "another voter (first byte)",
        BallotContext {
            credential: CredentialKey::from_bytes(cred),
            ..*base
        },
    ));
    match base.position.option {
        Some(_) => out.push((
            "the sum slot instead of the option",
            BallotContext {
                position: BallotPosition::sum(question),
                ..*base
            },
        )),
        None => out.push((
            "an option instead of the sum slot",
            BallotContext {
                position: BallotPosition::option(question, BallotPosition::SUM_SLOT - 1),
                ..*base
            },
        )),
    }
    out
}

fn assert_disjunctive_rejected(
    what: &str,
    statement: DisjunctiveStatement<'_>,
    proof: &DisjunctiveProof,
    valid: (DisjunctiveStatement<'_>, &DisjunctiveProof),
) {
    assert!(proof.verify(&statement).is_err(), "{what}: verify accepted");
    assert_eq!(
        DisjunctiveProof::verify_batch(&[valid, (statement, proof)], &mut rng(1)),
        Err(BatchError {
            failed: vec![1],
            total: 2
        }),
        "{what}: verify_batch"
    );
}

fn check_disjunctive_context(base: BallotContext, values: &[u64], m: u64, seed: u64) {
    let mut rng = rng(seed);
    let key = secret_key(seed + 1).public_key().clone();
    let other_key = secret_key(seed + 2).public_key().clone();
    let (ct, _, proof) = prove_value(&key, &base, values, m, &mut rng);
    let statement = DisjunctiveStatement {
        context: &base,
        key: &key,
        ciphertexts: std::slice::from_ref(&ct),
        values,
    };
    proof.verify(&statement).unwrap();
    let (valid_ct, _, valid_proof) = prove_value(&key, &base, values, m, &mut rng);
    let valid = (
        DisjunctiveStatement {
            ciphertexts: std::slice::from_ref(&valid_ct),
            ..statement
        },
        &valid_proof,
    );

    for (what, ctx) in other_contexts(&base) {
        let wrong = DisjunctiveStatement {
            context: &ctx,
            ..statement
        };
        assert_disjunctive_rejected(what, wrong, &proof, valid);
    }

    let wrong = DisjunctiveStatement {
        key: &other_key,
        ..statement
    };
    assert_disjunctive_rejected("another key", wrong, &proof, valid);

    let (other_ct, _) = key.encrypt_with_rng(m, &mut rng);
    let wrong = DisjunctiveStatement {
        ciphertexts: std::slice::from_ref(&other_ct),
        ..statement
    };
    assert_disjunctive_rejected("another ciphertext", wrong, &proof, valid);

    // Same number of values, but different ones or in another order.
    let mut reversed = values.to_vec();
    reversed.reverse();
    let mut shifted: Vec<u64> = values.iter().map(|v| v + 1).collect();
    let mut last_changed = values.to_vec();
    if let Some(last) = last_changed.last_mut() {
        *last += 1;
    }
    shifted.sort_unstable();
    for (what, other) in [
        ("values reversed", reversed),
        ("values shifted", shifted),
        ("last value changed", last_changed),
    ] {
        if other.as_slice() == values {
            continue;
        }
        let wrong = DisjunctiveStatement {
            values: &other,
            ..statement
        };
        assert_disjunctive_rejected(what, wrong, &proof, valid);
    }
}

#[test]
fn bit_proofs_are_bound_to_their_context() {
    check_disjunctive_context(context(20, 21, 3, Some(2)), &[0, 1], 1, 400);
    check_disjunctive_context(context(20, 21, 0, Some(0)), &[0, 1], 0, 410);
}

#[test]
fn sum_proofs_are_bound_to_their_context() {
    check_disjunctive_context(context(22, 23, 1, None), &[1, 2, 3], 2, 420);
    check_disjunctive_context(context(22, 23, 4, None), &[2, 3, 4, 5], 5, 430);
}

#[test]
fn bit_proof_values_zero_one_are_not_zero_two_nor_one_zero() {
    let mut rng = rng(440);
    let key = secret_key(441).public_key().clone();
    let ctx = context(24, 25, 0, Some(0));
    for m in [0u64, 1] {
        let (ct, _, proof) = prove_value(&key, &ctx, &[0, 1], m, &mut rng);
        let (valid_ct, _, valid_proof) = prove_value(&key, &ctx, &[0, 1], m, &mut rng);
        let statement = DisjunctiveStatement {
            context: &ctx,
            key: &key,
            ciphertexts: std::slice::from_ref(&ct),
            values: &[0, 1],
        };
        let valid = (
            DisjunctiveStatement {
                ciphertexts: std::slice::from_ref(&valid_ct),
                ..statement
            },
            &valid_proof,
        );
        for other in [[0u64, 2], [1, 0], [1, 1], [0, 0]] {
            let wrong = DisjunctiveStatement {
                values: &other,
                ..statement
            };
            assert_disjunctive_rejected(&format!("{other:?} for {m}"), wrong, &proof, valid);
        }
    }
}

#[test]
fn a_proof_moved_to_another_option_of_the_same_ballot_is_rejected() {
    // The realistic replay: a voter's proof for option 0 pasted under
    // option 1, where the same ciphertext was copied.
    let mut rng = rng(450);
    let key = secret_key(451).public_key().clone();
    let ctx0 = context(26, 27, 0, Some(0));
    let ctx1 = context(26, 27, 0, Some(1));
    let (ct, _, proof) = prove_value(&key, &ctx0, &[0, 1], 1, &mut rng);
    let moved = DisjunctiveStatement {
        context: &ctx1,
        key: &key,
        ciphertexts: std::slice::from_ref(&ct),
        values: &[0, 1],
    };
    assert!(proof.verify(&moved).is_err());
    // Or under the same option of another voter's ballot.
    let ctx_other_voter = context(26, 28, 0, Some(0));
    let copied = DisjunctiveStatement {
        context: &ctx_other_voter,
        ..moved
    };
    assert!(proof.verify(&copied).is_err());
}

#[test]
fn randomness_proofs_are_bound_to_their_context() {
    let mut rng = rng(460);
    let key = secret_key(461).public_key().clone();
    let other_key = secret_key(462).public_key().clone();
    for base in [context(30, 31, 2, Some(4)), context(30, 31, 2, None)] {
        let (ct, nonce) = key.encrypt_with_rng(4, &mut rng);
        let statement = RandomnessStatement {
            context: &base,
            key: &key,
            ciphertext: &ct,
        };
        let proof = RandomnessProof::prove_with_rng(&statement, &nonce, &mut rng);
        proof.verify(&statement).unwrap();
        let (valid_ct, valid_nonce) = key.encrypt_with_rng(4, &mut rng);
        let valid_statement = RandomnessStatement {
            ciphertext: &valid_ct,
            ..statement
        };
        let valid_proof = RandomnessProof::prove_with_rng(&valid_statement, &valid_nonce, &mut rng);
        let check = |what: &str, wrong: RandomnessStatement<'_>| {
            assert!(proof.verify(&wrong).is_err(), "{what}");
            assert_eq!(
                RandomnessProof::verify_batch(
                    &[(valid_statement, &valid_proof), (wrong, &proof)],
                    &mut crate::common::rng(1)
                ),
                Err(BatchError {
                    failed: vec![1],
                    total: 2
                }),
                "{what}"
            );
        };
        for (what, ctx) in other_contexts(&base) {
            check(
                what,
                RandomnessStatement {
                    context: &ctx,
                    ..statement
                },
            );
        }
        check(
            "another key",
            RandomnessStatement {
                key: &other_key,
                ..statement
            },
        );
        // Same α (so the same randomness), different β: the proof binds β too.
        let other_beta = Ciphertext {
            alpha: ct.alpha,
            beta: bump_point(&ct.beta),
        };
        check(
            "another beta",
            RandomnessStatement {
                ciphertext: &other_beta,
                ..statement
            },
        );
        let (other_ct, _) = key.encrypt_with_rng(4, &mut rng);
        check(
            "another ciphertext",
            RandomnessStatement {
                ciphertext: &other_ct,
                ..statement
            },
        );
    }
}

/// A trustee's decryption share of one ciphertext with its proof.
struct DecryptionFixture {
    params: ThresholdParams,
    fingerprint: psephos_crypto::context::Fingerprint,
    verification_key: Point,
    ciphertext: Ciphertext,
    share: Point,
    proof: DecryptionProof,
    valid_ciphertext: Ciphertext,
    valid_share: Point,
    valid_proof: DecryptionProof,
}

impl DecryptionFixture {
    fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        let params = ThresholdParams::new(2, 3).unwrap();
        let fingerprint = fingerprint(32);
        let key: PublicKey = secret_key(seed + 1).public_key().clone();
        let secret = SecretScalar::random(&mut rng);
        let verification_key = Point::new(Point::GENERATOR.point() * secret.expose());
        let trustee = TrusteeIndex::new(2, &params).unwrap();
        let mut make = |m| {
            let (ciphertext, _) = key.encrypt_with_rng(m, &mut rng);
            let share = Point::new(ciphertext.alpha.point() * secret.expose());
            let statement = DecryptionStatement {
                fingerprint: &fingerprint,
                trustee,
                verification_key: &verification_key,
                ciphertext: &ciphertext,
                share: &share,
            };
            let proof = DecryptionProof::prove_with_rng(&statement, &secret, &mut rng);
            proof.verify(&statement).unwrap();
            (ciphertext, share, proof)
        };
        let (ciphertext, share, proof) = make(5);
        let (valid_ciphertext, valid_share, valid_proof) = make(6);
        DecryptionFixture {
            params,
            fingerprint,
            verification_key,
            ciphertext,
            share,
            proof,
            valid_ciphertext,
            valid_share,
            valid_proof,
        }
    }

    fn statement(&self) -> DecryptionStatement<'_> {
        DecryptionStatement {
            fingerprint: &self.fingerprint,
            trustee: TrusteeIndex::new(2, &self.params).unwrap(),
            verification_key: &self.verification_key,
            ciphertext: &self.ciphertext,
            share: &self.share,
        }
    }

    fn assert_rejected(&self, what: &str, wrong: DecryptionStatement<'_>) {
        assert!(self.proof.verify(&wrong).is_err(), "{what}");
        let valid = DecryptionStatement {
            ciphertext: &self.valid_ciphertext,
            share: &self.valid_share,
            ..self.statement()
        };
        assert_eq!(
            DecryptionProof::verify_batch(
                &[(valid, &self.valid_proof), (wrong, &self.proof)],
                &mut rng(1)
            ),
            Err(BatchError {
                failed: vec![1],
                total: 2
            }),
            "{what}"
        );
    }
}

#[test]
fn decryption_proofs_are_bound_to_their_context() {
    let f = DecryptionFixture::new(470);
    let statement = f.statement();
    f.proof.verify(&statement).unwrap();
    let other_fp = fingerprint(33);
    f.assert_rejected(
        "another election",
        DecryptionStatement {
            fingerprint: &other_fp,
            ..statement
        },
    );
    for i in [1, 3] {
        f.assert_rejected(
            "another trustee index",
            DecryptionStatement {
                trustee: TrusteeIndex::new(i, &f.params).unwrap(),
                ..statement
            },
        );
    }
    let other_vk = bump_point(&f.verification_key);
    f.assert_rejected(
        "another verification key",
        DecryptionStatement {
            verification_key: &other_vk,
            ..statement
        },
    );
    let other_share = bump_point(&f.share);
    f.assert_rejected(
        "another share",
        DecryptionStatement {
            share: &other_share,
            ..statement
        },
    );
    // Another trustee's valid share of another ciphertext.
    f.assert_rejected(
        "another ciphertext and share",
        DecryptionStatement {
            ciphertext: &f.valid_ciphertext,
            share: &f.valid_share,
            ..statement
        },
    );
    // Same α, another β: the statement includes the whole ciphertext.
    let other_beta = Ciphertext {
        alpha: f.ciphertext.alpha,
        beta: bump_point(&f.ciphertext.beta),
    };
    f.assert_rejected(
        "another beta",
        DecryptionStatement {
            ciphertext: &other_beta,
            ..statement
        },
    );
    // The negated share (−D) with the negated verification key (−V) is
    // another statement with the same logarithm relation.
    let neg_share = Point::new(-f.share.point());
    let neg_vk = Point::new(-f.verification_key.point());
    f.assert_rejected(
        "negated share and key",
        DecryptionStatement {
            verification_key: &neg_vk,
            share: &neg_share,
            ..statement
        },
    );
}

#[test]
fn possession_proofs_are_bound_to_their_context() {
    let mut rng = rng(480);
    let params = ThresholdParams::new(3, 4).unwrap();
    let fp = fingerprint(34);
    let other_fp = fingerprint(35);
    let idx = |i| TrusteeIndex::new(i, &params).unwrap();
    let secret = SecretScalar::random(&mut rng);
    let point = Point::new(Point::GENERATOR.point() * secret.expose());
    let other_point = bump_point(&point);
    for claim in [
        PossessionClaim::Coefficient {
            dealer: idx(2),
            index: 1,
        },
        PossessionClaim::TrusteeKey { trustee: idx(2) },
    ] {
        let statement = PossessionStatement {
            fingerprint: &fp,
            claim,
            point: &point,
        };
        let proof = PossessionProof::prove_with_rng(&statement, &secret, &mut rng);
        proof.verify(&statement).unwrap();
        let valid_secret = SecretScalar::random(&mut rng);
        let valid_point = Point::new(Point::GENERATOR.point() * valid_secret.expose());
        let valid_statement = PossessionStatement {
            point: &valid_point,
            ..statement
        };
        let valid_proof =
            PossessionProof::prove_with_rng(&valid_statement, &valid_secret, &mut rng);

        let mut wrong_claims = vec![
            PossessionClaim::Coefficient {
                dealer: idx(1),
                index: 1,
            },
            PossessionClaim::Coefficient {
                dealer: idx(2),
                index: 0,
            },
            PossessionClaim::Coefficient {
                dealer: idx(2),
                index: 1,
            },
            PossessionClaim::Coefficient {
                dealer: idx(2),
                index: 2,
            },
            PossessionClaim::Coefficient {
                dealer: idx(3),
                index: 1,
            },
            PossessionClaim::TrusteeKey { trustee: idx(2) },
            PossessionClaim::TrusteeKey { trustee: idx(1) },
        ];
        wrong_claims.retain(|c| *c != claim);
        assert_eq!(wrong_claims.len(), 6);
        let mut wrongs: Vec<(String, PossessionStatement<'_>)> = wrong_claims
            .into_iter()
            .map(|c| {
                (
                    format!("{c:?} instead of {claim:?}"),
                    PossessionStatement {
                        claim: c,
                        ..statement
                    },
                )
            })
            .collect();
        wrongs.push((
            "another election".into(),
            PossessionStatement {
                fingerprint: &other_fp,
                ..statement
            },
        ));
        wrongs.push((
            "another point".into(),
            PossessionStatement {
                point: &other_point,
                ..statement
            },
        ));
        for (what, wrong) in wrongs {
            assert!(proof.verify(&wrong).is_err(), "{what}");
            assert_eq!(
                PossessionProof::verify_batch(
                    &[(valid_statement, &valid_proof), (wrong, &proof)],
                    &mut rng
                ),
                Err(BatchError {
                    failed: vec![1],
                    total: 2
                }),
                "{what}"
            );
        }
    }
}

#[test]
fn trustee_key_possession_is_bound_to_the_trustee_and_ceremony() {
    let mut rng = rng(490);
    let params = ThresholdParams::new(2, 3).unwrap();
    let fp = fingerprint(36);
    let pair = psephos_crypto::dkg::TrusteeKeyPair::generate_with_rng(&mut rng);
    let me = TrusteeIndex::new(1, &params).unwrap();
    let proof = pair.prove_possession_with_rng(&fp, me, &mut rng);
    let statement = PossessionStatement {
        fingerprint: &fp,
        claim: PossessionClaim::TrusteeKey { trustee: me },
        point: pair.public(),
    };
    proof.verify(&statement).unwrap();
    let other = TrusteeIndex::new(2, &params).unwrap();
    assert!(proof
        .verify(&PossessionStatement {
            claim: PossessionClaim::TrusteeKey { trustee: other },
            ..statement
        })
        .is_err());
    assert!(proof
        .verify(&PossessionStatement {
            claim: PossessionClaim::Coefficient {
                dealer: me,
                index: 0
            },
            ..statement
        })
        .is_err());
    let fp2 = fingerprint(37);
    assert!(proof
        .verify(&PossessionStatement {
            fingerprint: &fp2,
            ..statement
        })
        .is_err());
    // The scalar is not part of the statement, but a different secret gives
    // a different key the proof does not cover.
    let shifted = Point::new(pair.public().point() + Point::GENERATOR.point() * Scalar::ONE);
    assert!(proof
        .verify(&PossessionStatement {
            point: &shifted,
            ..statement
        })
        .is_err());
}

#[test]
fn sum_proofs_are_bound_to_the_list_of_ciphertexts() {
    // Reordering, dropping, duplicating or pre-summing the option
    // ciphertexts changes the statement, even where the sum is unchanged.
    let mut rng = rng(500);
    let key = secret_key(501).public_key().clone();
    let ctx = context(38, 39, 1, None);
    let values = [0u64, 1, 2];
    let mut options = Vec::new();
    let mut nonces = Vec::new();
    for bit in [1u64, 0, 1] {
        let (ct, nonce) = key.encrypt_with_rng(bit, &mut rng);
        options.push(ct);
        nonces.push(nonce);
    }
    let nonce = psephos_crypto::elgamal::EncryptionNonce::sum(&nonces);
    let statement = DisjunctiveStatement {
        context: &ctx,
        key: &key,
        ciphertexts: &options,
        values: &values,
    };
    let proof = DisjunctiveProof::prove_with_rng(&statement, 2, &nonce, &mut rng).unwrap();
    proof.verify(&statement).unwrap();
    let (valid_ct, _, valid_proof) = prove_value(&key, &ctx, &values, 1, &mut rng);
    let valid = (
        DisjunctiveStatement {
            ciphertexts: std::slice::from_ref(&valid_ct),
            ..statement
        },
        &valid_proof,
    );

    let reordered = [options[2], options[0], options[1]];
    let summed: psephos_crypto::elgamal::CiphertextSum = options.iter().collect();
    let summed = [summed.finish()];
    let with_zero = [options[0], options[1], options[2], Ciphertext::zero()];
    let duplicated = [options[0], options[0], options[2]];
    let dropped = [options[0], options[2]];
    for (what, list) in [
        ("reordered", &reordered[..]),
        ("pre-summed", &summed[..]),
        ("with an encryption of zero appended", &with_zero[..]),
        ("one option duplicated", &duplicated[..]),
        ("one option dropped", &dropped[..]),
    ] {
        let wrong = DisjunctiveStatement {
            ciphertexts: list,
            ..statement
        };
        assert_disjunctive_rejected(what, wrong, &proof, valid);
    }
}

#[test]
fn a_sum_proof_does_not_verify_at_the_reserved_option_index() {
    let mut rng = rng(510);
    let key = secret_key(511).public_key().clone();
    let sum_ctx = context(40, 41, 2, None);
    let (ct, _, proof) = prove_value(&key, &sum_ctx, &[0, 1, 2], 2, &mut rng);
    let (valid_ct, _, valid_proof) = prove_value(&key, &sum_ctx, &[0, 1, 2], 1, &mut rng);
    let reserved_ctx = context(40, 41, 2, Some(BallotPosition::SUM_SLOT));
    assert_eq!(
        reserved_ctx.position.to_bytes(),
        sum_ctx.position.to_bytes()
    );
    let statement = DisjunctiveStatement {
        context: &sum_ctx,
        key: &key,
        ciphertexts: std::slice::from_ref(&ct),
        values: &[0, 1, 2],
    };
    proof.verify(&statement).unwrap();
    let valid = (
        DisjunctiveStatement {
            ciphertexts: std::slice::from_ref(&valid_ct),
            ..statement
        },
        &valid_proof,
    );
    let wrong = DisjunctiveStatement {
        context: &reserved_ctx,
        ..statement
    };
    assert_disjunctive_rejected("reserved option index", wrong, &proof, valid);
}

#[test]
fn a_randomness_proof_for_the_sum_slot_does_not_verify_at_the_reserved_option_index() {
    // BallotPosition { option: Some(0xffffffff) } encodes exactly like the
    // sum slot; verify_batch refuses it as malformed, so verify must too.
    let mut rng = rng(600);
    let key = secret_key(601).public_key().clone();
    let sum_ctx = context(42, 43, 0, None);
    let reserved_ctx = context(42, 43, 0, Some(BallotPosition::SUM_SLOT));
    let (ct, nonce) = key.encrypt_with_rng(1, &mut rng);
    let statement = RandomnessStatement {
        context: &sum_ctx,
        key: &key,
        ciphertext: &ct,
    };
    let proof = RandomnessProof::prove_with_rng(&statement, &nonce, &mut rng);
    proof.verify(&statement).unwrap();
    let reserved = RandomnessStatement {
        context: &reserved_ctx,
        ..statement
    };
    let batch = RandomnessProof::verify_batch(&[(reserved, &proof)], &mut rng);
    assert!(
        batch.is_err(),
        "verify_batch accepted the reserved position"
    );
    assert!(
        proof.verify(&reserved).is_err(),
        "verify accepts what verify_batch rejects"
    );
}
