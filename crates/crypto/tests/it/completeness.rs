//! Completeness: honest provers convince, honest ceremonies decrypt correctly.

use psephos_crypto::context::BallotPosition;
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{CiphertextSum, EncryptionNonce};
use psephos_crypto::encoding::Point;
use psephos_crypto::error::{ProverError, ThresholdError};
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{
    DisjunctiveProof, DisjunctiveStatement, MAX_CIPHERTEXTS, MAX_VALUES,
};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{combine, KeyShare, ThresholdParams, TrusteeIndex};
use psephos_crypto::Scalar;
use subtle::Choice;

use crate::common::*;

#[test]
fn bit_proofs_verify_for_zero_and_one() {
    let mut rng = rng(10);
    let sk = secret_key(11);
    let pk = sk.public_key();
    let table = DlogTable::new(4);
    for (option, bit) in [0u8, 1, 1, 0].into_iter().enumerate() {
        let ctx = context(1, 7, 0, Some(option as u32));
        let (ct, nonce) = pk.encrypt_bit_with_rng(Choice::from(bit), &mut rng);
        let statement = DisjunctiveStatement {
            context: &ctx,
            key: pk,
            ciphertexts: std::slice::from_ref(&ct),
            values: &[0, 1],
        };
        let proof =
            DisjunctiveProof::prove_with_rng(&statement, u64::from(bit), &nonce, &mut rng).unwrap();
        assert_eq!(proof.branches.len(), 2);
        proof.verify(&statement).unwrap();
        DisjunctiveProof::verify_batch(&[(statement, &proof)], &mut rng).unwrap();
        assert!(ct.opens_to(pk, u64::from(bit), &nonce.reveal()));
        assert_eq!(
            table.solve(&sk.decrypt_to_point(&ct)).unwrap(),
            u64::from(bit)
        );
    }
}

#[test]
fn sum_proofs_verify_for_every_value_of_each_range() {
    let mut rng = rng(12);
    let sk = secret_key(13);
    let pk = sk.public_key();
    for (min, max) in [(0u64, 1u64), (1, 3), (2, 5), (0, 0), (4, 4)] {
        let values: Vec<u64> = (min..=max).collect();
        let ctx = context(2, 3, 5, None);
        for m in min..=max {
            let (ct, _, proof) = prove_value(pk, &ctx, &values, m, &mut rng);
            let statement = DisjunctiveStatement {
                context: &ctx,
                key: pk,
                ciphertexts: std::slice::from_ref(&ct),
                values: &values,
            };
            assert_eq!(proof.branches.len(), values.len());
            proof.verify(&statement).unwrap();
            DisjunctiveProof::verify_batch(&[(statement, &proof)], &mut rng).unwrap();
        }
    }
}

#[test]
fn sum_of_selection_ciphertexts_proves_with_the_summed_nonce() {
    // A question with five options, choose between 1 and 3: the selections'
    // ciphertexts add up, and so do their nonces.
    let mut rng = rng(14);
    let sk = secret_key(15);
    let pk = sk.public_key();
    let values = [1u64, 2, 3];
    for selections in [[1u8, 0, 0, 0, 0], [0, 1, 0, 1, 0], [1, 1, 1, 0, 0]] {
        let mut sum = CiphertextSum::new();
        let mut nonces = Vec::new();
        let mut options = Vec::new();
        for (option, bit) in selections.iter().enumerate() {
            let ctx = context(3, 4, 2, Some(option as u32));
            let (ct, nonce) = pk.encrypt_bit_with_rng(Choice::from(*bit), &mut rng);
            let statement = DisjunctiveStatement {
                context: &ctx,
                key: pk,
                ciphertexts: std::slice::from_ref(&ct),
                values: &[0, 1],
            };
            DisjunctiveProof::prove_with_rng(&statement, u64::from(*bit), &nonce, &mut rng)
                .unwrap()
                .verify(&statement)
                .unwrap();
            sum.add(&ct);
            options.push(ct);
            nonces.push(nonce);
        }
        let total: u64 = selections.iter().map(|b| u64::from(*b)).sum();
        let ct = sum.finish();
        let nonce = EncryptionNonce::sum(&nonces);
        assert!(ct.opens_to(pk, total, &nonce.reveal()));
        let ctx = context(3, 4, 2, None);
        let statement = DisjunctiveStatement {
            context: &ctx,
            key: pk,
            ciphertexts: std::slice::from_ref(&ct),
            values: &values,
        };
        let proof = DisjunctiveProof::prove_with_rng(&statement, total, &nonce, &mut rng).unwrap();
        proof.verify(&statement).unwrap();
        // The same claim stated over the list of option ciphertexts, as a
        // ballot does, without anyone computing the sum's encoding.
        let listed = DisjunctiveStatement {
            ciphertexts: &options,
            ..statement
        };
        let listed_proof =
            DisjunctiveProof::prove_with_rng(&listed, total, &nonce, &mut rng).unwrap();
        listed_proof.verify(&listed).unwrap();
        DisjunctiveProof::verify_batch(&[(listed, &listed_proof), (statement, &proof)], &mut rng)
            .unwrap();
        assert_eq!(
            DlogTable::new(5).solve(&sk.decrypt_to_point(&ct)).unwrap(),
            total
        );
    }
}

#[test]
fn value_sets_need_not_be_contiguous_or_sorted() {
    let mut rng = rng(16);
    let pk = secret_key(17).public_key().clone();
    let ctx = context(4, 4, 0, None);
    for values in [vec![5u64, 0, 9], vec![1_000_000, 3], vec![u64::MAX, 0]] {
        for &m in &values {
            let (ct, _, proof) = prove_value(&pk, &ctx, &values, m, &mut rng);
            let statement = DisjunctiveStatement {
                context: &ctx,
                key: &pk,
                ciphertexts: std::slice::from_ref(&ct),
                values: &values,
            };
            proof.verify(&statement).unwrap();
        }
    }
}

#[test]
fn malformed_disjunctive_statements_are_refused_by_the_prover() {
    let mut rng = rng(18);
    let pk = secret_key(19).public_key().clone();
    let ctx = context(4, 4, 0, None);
    let (ct, nonce) = pk.encrypt_with_rng(0, &mut rng);
    let empty = DisjunctiveStatement {
        context: &ctx,
        key: &pk,
        ciphertexts: std::slice::from_ref(&ct),
        values: &[],
    };
    assert!(matches!(
        DisjunctiveProof::prove_with_rng(&empty, 0, &nonce, &mut rng),
        Err(ProverError::InvalidStatement(_))
    ));
    let too_many: Vec<u64> = (0..=MAX_VALUES as u64).collect();
    let oversized = DisjunctiveStatement {
        values: &too_many,
        ..empty
    };
    assert!(matches!(
        DisjunctiveProof::prove_with_rng(&oversized, 0, &nonce, &mut rng),
        Err(ProverError::InvalidStatement(_))
    ));
    let valid = DisjunctiveStatement {
        values: &[0, 1],
        ..empty
    };
    DisjunctiveProof::prove_with_rng(&valid, 0, &nonce, &mut rng)
        .unwrap()
        .verify(&valid)
        .unwrap();
    let no_ciphertexts = DisjunctiveStatement {
        ciphertexts: &[],
        ..valid
    };
    assert!(matches!(
        DisjunctiveProof::prove_with_rng(&no_ciphertexts, 0, &nonce, &mut rng),
        Err(ProverError::InvalidStatement(_))
    ));
    let many = vec![ct; MAX_CIPHERTEXTS + 1];
    let too_many_ciphertexts = DisjunctiveStatement {
        ciphertexts: &many,
        ..valid
    };
    assert!(matches!(
        DisjunctiveProof::prove_with_rng(&too_many_ciphertexts, 0, &nonce, &mut rng),
        Err(ProverError::InvalidStatement(_))
    ));
    // Option 0xffffffff is reserved: its encoding would be the sum's.
    let reserved_ctx = context(4, 4, 0, Some(BallotPosition::SUM_SLOT));
    assert!(!reserved_ctx.position.is_valid());
    let reserved = DisjunctiveStatement {
        context: &reserved_ctx,
        ..valid
    };
    assert!(matches!(
        DisjunctiveProof::prove_with_rng(&reserved, 0, &nonce, &mut rng),
        Err(ProverError::InvalidStatement(_))
    ));
}

#[test]
fn randomness_proofs_verify() {
    let mut rng = rng(20);
    let pk = secret_key(21).public_key().clone();
    for m in [0u64, 1, 7, 123_456] {
        let ctx = context(5, 6, 1, Some(m as u32));
        let (ct, nonce) = pk.encrypt_with_rng(m, &mut rng);
        let statement = RandomnessStatement {
            context: &ctx,
            key: &pk,
            ciphertext: &ct,
        };
        let proof = RandomnessProof::prove_with_rng(&statement, &nonce, &mut rng);
        proof.verify(&statement).unwrap();
        RandomnessProof::verify_batch(&[(statement, &proof)], &mut rng).unwrap();
    }
}

#[test]
fn partial_decryption_proofs_verify() {
    let mut rng = rng(22);
    let params = ThresholdParams::new(2, 4).unwrap();
    let fp = fingerprint(6);
    let pk = secret_key(23).public_key().clone();
    for i in 1..=4 {
        let secret = SecretScalar::random(&mut rng);
        let v = Point::new(Point::GENERATOR.point() * secret.expose());
        let share = KeyShare::new(TrusteeIndex::new(i, &params).unwrap(), secret, v).unwrap();
        let (ct, _) = pk.encrypt_with_rng(u64::from(i), &mut rng);
        let partial = share.partial_decrypt_with_rng(&fp, &ct, &mut rng);
        assert_eq!(
            *partial.share.point(),
            ct.alpha.point() * share.secret().expose()
        );
        let statement = DecryptionStatement {
            fingerprint: &fp,
            trustee: share.index(),
            verification_key: share.verification_key(),
            ciphertext: &ct,
            share: &partial.share,
        };
        partial.proof.verify(&statement).unwrap();
        DecryptionProof::verify_batch(&[(statement, &partial.proof)], &mut rng).unwrap();
    }
}

#[test]
fn key_share_rejects_a_mismatched_verification_key() {
    let mut rng = rng(24);
    let params = ThresholdParams::new(1, 1).unwrap();
    let secret = SecretScalar::random(&mut rng);
    let v = bump_point(&Point::new(Point::GENERATOR.point() * secret.expose()));
    assert_eq!(
        KeyShare::new(TrusteeIndex::new(1, &params).unwrap(), secret, v).unwrap_err(),
        ThresholdError::ShareMismatch
    );
}

#[test]
fn possession_proofs_verify_for_coefficients_and_trustee_keys() {
    let mut rng = rng(25);
    let params = ThresholdParams::new(3, 3).unwrap();
    let fp = fingerprint(7);
    for i in params.indices() {
        for k in 0..3u32 {
            let secret = SecretScalar::random(&mut rng);
            let point = Point::new(Point::GENERATOR.point() * secret.expose());
            let statement = PossessionStatement {
                fingerprint: &fp,
                claim: PossessionClaim::Coefficient {
                    dealer: i,
                    index: k,
                },
                point: &point,
            };
            let proof = PossessionProof::prove_with_rng(&statement, &secret, &mut rng);
            proof.verify(&statement).unwrap();
            PossessionProof::verify_batch(&[(statement, &proof)], &mut rng).unwrap();
        }
        let pair = psephos_crypto::dkg::TrusteeKeyPair::generate_with_rng(&mut rng);
        let proof = pair.prove_possession_with_rng(&fp, i, &mut rng);
        let statement = PossessionStatement {
            fingerprint: &fp,
            claim: PossessionClaim::TrusteeKey { trustee: i },
            point: pair.public(),
        };
        proof.verify(&statement).unwrap();
        PossessionProof::verify_batch(&[(statement, &proof)], &mut rng).unwrap();
        // A key pair rebuilt from its secret is the same pair.
        let rebuilt = psephos_crypto::dkg::TrusteeKeyPair::from_secret(pair.secret().clone());
        assert_eq!(rebuilt.public(), pair.public());
    }
}

#[test]
fn dealings_pass_their_public_checks_and_carry_valid_possession_proofs() {
    let c = ceremony(3, 4, 26);
    let t = &c.trustees;
    for dealing in &c.dealings {
        dealing.check_public(&t.fingerprint, &t.params).unwrap();
        assert_eq!(dealing.commitments.len(), 3);
        assert_eq!(dealing.shares.len(), 3);
        let items: Vec<_> = dealing
            .commitments
            .iter()
            .zip(&dealing.proofs)
            .enumerate()
            .map(|(k, (point, proof))| {
                (
                    PossessionStatement {
                        fingerprint: &t.fingerprint,
                        claim: PossessionClaim::Coefficient {
                            dealer: dealing.dealer,
                            index: k as u32,
                        },
                        point,
                    },
                    proof,
                )
            })
            .collect();
        for (statement, proof) in &items {
            proof.verify(statement).unwrap();
        }
        PossessionProof::verify_batch(&items, &mut rng(27)).unwrap();
    }
}

/// Every subset of `1..=n`, as sorted index lists.
fn subsets(n: u32) -> impl Iterator<Item = Vec<u32>> {
    (0u32..(1 << n)).map(move |mask| (1..=n).filter(|i| mask & (1 << (i - 1)) != 0).collect())
}

/// DKG, then threshold decryption of a known tally with every subset of
/// trustees: every subset of at least `t` recovers it, every smaller one is
/// refused.
fn check_ceremony(t: u32, n: u32, seed: u64) {
    let mut rng = rng(seed);
    let c = ceremony(t, n, seed + 1);
    let params = &c.trustees.params;
    let fp = c.trustees.fingerprint;
    assert_eq!(c.outcome.qualified.len(), n as usize);
    assert!(c.outcome.disqualified.is_empty());
    assert!(c.complaints.iter().all(|m| m.complaints.is_empty()));
    assert_eq!(c.outcome.verification_keys.len(), n as usize);

    // An auditor who only reads the board reaches the same outcome.
    let audited =
        psephos_crypto::dkg::resolve(&fp, params, &c.trustees.roster, &c.dealings, &c.complaints)
            .unwrap();
    assert_eq!(audited, c.outcome);

    for share in &c.shares {
        assert_eq!(
            c.outcome.verification_key(share.index()),
            Some(share.verification_key())
        );
    }

    // The joint key is the sum of the constant-term commitments.
    let sum = c
        .dealings
        .iter()
        .fold(psephos_crypto::RistrettoPoint::default(), |acc, d| {
            acc + d.commitments[0].point()
        });
    assert_eq!(*c.outcome.joint_key.point(), Point::new(sum));

    // A tally of 0/1 votes under the joint key.
    let key = &c.outcome.joint_key;
    let votes = [1u64, 1, 0, 1, 0, 1, 1];
    let mut sum = CiphertextSum::new();
    for v in votes {
        sum.add(&key.encrypt_with_rng(v, &mut rng).0);
    }
    let ct = sum.finish();
    let expected: u64 = votes.iter().sum();

    // One partial decryption per trustee, each proof checked, then every subset.
    let partials: Vec<_> = c
        .shares
        .iter()
        .map(|s| s.partial_decrypt_with_rng(&fp, &ct, &mut rng))
        .collect();
    let items: Vec<_> = c
        .shares
        .iter()
        .zip(&partials)
        .map(|(s, p)| {
            (
                DecryptionStatement {
                    fingerprint: &fp,
                    trustee: s.index(),
                    verification_key: s.verification_key(),
                    ciphertext: &ct,
                    share: &p.share,
                },
                &p.proof,
            )
        })
        .collect();
    for (statement, proof) in &items {
        proof.verify(statement).unwrap();
    }
    DecryptionProof::verify_batch(&items, &mut rng).unwrap();

    let table = DlogTable::new(votes.len() as u64);
    let mut tried = 0;
    for subset in subsets(n) {
        let shares: Vec<_> = subset
            .iter()
            .map(|&i| (c.trustees.index(i), &partials[(i - 1) as usize].share))
            .collect();
        match combine(params, &ct, &shares) {
            Ok(m) => {
                assert!(subset.len() >= t as usize, "{subset:?} decrypted");
                assert_eq!(table.solve(&m).unwrap(), expected, "subset {subset:?}");
                tried += 1;
            }
            Err(e) => {
                assert!(subset.len() < t as usize, "{subset:?}: {e}");
                assert_eq!(
                    e,
                    ThresholdError::NotEnoughTrustees {
                        needed: t as usize,
                        available: subset.len()
                    }
                );
            }
        }
    }
    let at_least_t: usize = (t..=n)
        .map(|k| binomial(n as usize, k as usize))
        .sum::<usize>();
    assert_eq!(tried, at_least_t);

    // Any t shares reconstruct the joint secret: Σ λ_i·s_i·G = K.
    let first: Vec<TrusteeIndex> = c
        .shares
        .iter()
        .take(t as usize)
        .map(|s| s.index())
        .collect();
    let lambdas = psephos_crypto::threshold::lagrange_coefficients(&first).unwrap();
    let secret: Scalar = c
        .shares
        .iter()
        .zip(&lambdas)
        .map(|(s, l)| l * s.secret().expose())
        .sum();
    assert_eq!(Point::new(Point::GENERATOR.point() * secret), *key.point());
}

fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

#[test]
fn ceremony_1_of_1() {
    check_ceremony(1, 1, 100);
}

#[test]
fn ceremony_1_of_3() {
    check_ceremony(1, 3, 110);
}

#[test]
fn ceremony_2_of_3() {
    check_ceremony(2, 3, 120);
}

#[test]
fn ceremony_3_of_5() {
    check_ceremony(3, 5, 130);
}

#[test]
fn ceremony_4_of_4() {
    check_ceremony(4, 4, 140);
}

#[test]
fn ceremony_5_of_9() {
    check_ceremony(5, 9, 150);
}

#[test]
fn ceremony_9_of_9() {
    check_ceremony(9, 9, 160);
}

#[test]
fn threshold_decryption_of_a_large_count() {
    let mut rng = rng(170);
    let c = ceremony(2, 3, 171);
    let key = &c.outcome.joint_key;
    let (ct, _) = key.encrypt_with_rng(20_000, &mut rng);
    let shares: Vec<_> = c.shares.iter().skip(1).collect();
    assert_eq!(
        threshold_decrypt(
            &c.trustees.params,
            &c.trustees.fingerprint,
            &shares,
            &ct,
            20_000,
            &mut rng
        ),
        20_000
    );
}

#[test]
fn an_empty_tally_decrypts_to_zero_with_valid_proofs() {
    // The sum of no ciphertexts is (O, O): every decryption share and proof
    // commitment b is the identity, and the proofs still verify.
    let mut rng = rng(180);
    let c = ceremony(2, 3, 181);
    let ct = CiphertextSum::new().finish();
    assert_eq!(ct, psephos_crypto::elgamal::Ciphertext::zero());
    let shares: Vec<_> = c.shares.iter().collect();
    for share in &shares {
        let partial = share.partial_decrypt_with_rng(&c.trustees.fingerprint, &ct, &mut rng);
        assert!(partial.share.is_identity());
        assert!(partial.proof.0.b.is_identity());
    }
    assert_eq!(
        threshold_decrypt(
            &c.trustees.params,
            &c.trustees.fingerprint,
            &shares,
            &ct,
            10,
            &mut rng
        ),
        0
    );
}
