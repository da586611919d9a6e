//! Batch verification agrees with one-by-one verification, and names
//! exactly the bad proofs.

use psephos_crypto::context::BallotContext;
use psephos_crypto::elgamal::{Ciphertext, EncryptionNonce};
use psephos_crypto::encoding::Point;
use psephos_crypto::error::BatchError;
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{ThresholdParams, TrusteeIndex};
use psephos_crypto::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

use crate::common::*;
use crate::soundness::{chaum_pedersen_tamperings, disjunctive_tamperings, schnorr_tamperings};

/// Checks a batch result against one-by-one verification and against the
/// indices the test made invalid.
fn assert_agrees(batch: Result<(), BatchError>, one_by_one: &[bool], tampered: &[usize]) {
    let failed: Vec<usize> = (0..one_by_one.len()).filter(|i| !one_by_one[*i]).collect();
    assert_eq!(
        failed, tampered,
        "one-by-one verification disagrees with the test"
    );
    if failed.is_empty() {
        assert_eq!(batch, Ok(()));
    } else {
        assert_eq!(
            batch,
            Err(BatchError {
                failed,
                total: one_by_one.len()
            })
        );
    }
}

/// Random masks of which items to spoil: none, all, each alone, and random.
fn masks(n: usize, rounds: usize, rng: &mut ChaCha20Rng) -> Vec<Vec<usize>> {
    let mut out = vec![vec![], (0..n).collect(), vec![0], vec![n - 1]];
    for _ in 0..rounds {
        let bits = rng.next_u32();
        out.push((0..n).filter(|i| bits & (1 << i) != 0).collect());
    }
    out
}

/// Picks one of `options` at random.
fn pick<T: Clone>(options: &[T], rng: &mut ChaCha20Rng) -> T {
    options[rng.next_u32() as usize % options.len()].clone()
}

struct Ballots {
    key: psephos_crypto::elgamal::PublicKey,
    contexts: Vec<BallotContext>,
    ciphertexts: Vec<Ciphertext>,
    nonces: Vec<EncryptionNonce>,
    values: Vec<u64>,
}

impl Ballots {
    fn new(n: usize, values: &[u64], seed: u64) -> Self {
        let mut rng = rng(seed);
        let key = secret_key(seed + 1).public_key().clone();
        let contexts: Vec<_> = (0..n)
            .map(|i| context(50, i as u8, (i / 4) as u32, Some((i % 4) as u32)))
            .collect();
        let mut ciphertexts = Vec::new();
        let mut nonces = Vec::new();
        for i in 0..n {
            let (ct, nonce) = key.encrypt_with_rng(values[i % values.len()], &mut rng);
            ciphertexts.push(ct);
            nonces.push(nonce);
        }
        Ballots {
            key,
            contexts,
            ciphertexts,
            nonces,
            values: values.to_vec(),
        }
    }

    fn disjunctive(&self, i: usize) -> DisjunctiveStatement<'_> {
        DisjunctiveStatement {
            context: &self.contexts[i],
            key: &self.key,
            ciphertexts: std::slice::from_ref(&self.ciphertexts[i]),
            values: &self.values,
        }
    }

    fn randomness(&self, i: usize) -> RandomnessStatement<'_> {
        RandomnessStatement {
            context: &self.contexts[i],
            key: &self.key,
            ciphertext: &self.ciphertexts[i],
        }
    }
}

fn check_disjunctive(values: &[u64], n: usize, seed: u64) {
    let mut rng = rng(seed);
    let b = Ballots::new(n, values, seed + 2);
    let proofs: Vec<DisjunctiveProof> = (0..n)
        .map(|i| {
            DisjunctiveProof::prove_with_rng(
                &b.disjunctive(i),
                values[i % values.len()],
                &b.nonces[i],
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    for mask in masks(n, 6, &mut rng) {
        let mut round = proofs.clone();
        for &i in &mask {
            let mut spoilt: Vec<DisjunctiveProof> = disjunctive_tamperings(&proofs[i])
                .into_iter()
                .map(|(_, p)| p)
                .collect();
            // Another item's proof, and a proof with a branch missing.
            spoilt.push(proofs[(i + 1) % n].clone());
            let mut short = proofs[i].clone();
            short.branches.pop();
            spoilt.push(short);
            round[i] = pick(&spoilt, &mut rng);
        }
        let items: Vec<_> = (0..n).map(|i| (b.disjunctive(i), &round[i])).collect();
        let one_by_one: Vec<bool> = items.iter().map(|(s, p)| p.verify(s).is_ok()).collect();
        assert_agrees(
            DisjunctiveProof::verify_batch(&items, &mut rng),
            &one_by_one,
            &mask,
        );
    }
}

#[test]
fn disjunctive_bit_proofs_batch_like_one_by_one() {
    check_disjunctive(&[0, 1], 12, 900);
}

#[test]
fn disjunctive_sum_proofs_batch_like_one_by_one() {
    check_disjunctive(&[1, 2, 3], 9, 910);
}

#[test]
fn randomness_proofs_batch_like_one_by_one() {
    let mut rng = rng(920);
    let n = 12;
    let b = Ballots::new(n, &[0, 1, 5], 921);
    let proofs: Vec<RandomnessProof> = (0..n)
        .map(|i| RandomnessProof::prove_with_rng(&b.randomness(i), &b.nonces[i], &mut rng))
        .collect();
    for mask in masks(n, 6, &mut rng) {
        let mut round = proofs.clone();
        for &i in &mask {
            let mut spoilt: Vec<RandomnessProof> = schnorr_tamperings(&proofs[i].0)
                .into_iter()
                .map(|(_, p)| RandomnessProof(p))
                .collect();
            spoilt.push(proofs[(i + 3) % n].clone());
            round[i] = pick(&spoilt, &mut rng);
        }
        let items: Vec<_> = (0..n).map(|i| (b.randomness(i), &round[i])).collect();
        let one_by_one: Vec<bool> = items.iter().map(|(s, p)| p.verify(s).is_ok()).collect();
        assert_agrees(
            RandomnessProof::verify_batch(&items, &mut rng),
            &one_by_one,
            &mask,
        );
    }
}

/// Trustees' partial decryptions of a tally: several trustees, several
/// ciphertexts, so verification keys repeat (and are merged) in the batch.
struct Decryptions {
    params: ThresholdParams,
    fingerprint: psephos_crypto::context::Fingerprint,
    verification_keys: Vec<Point>,
    secrets: Vec<SecretScalar>,
    ciphertexts: Vec<Ciphertext>,
    /// `(trustee slot, ciphertext slot, share)` per item.
    shares: Vec<(usize, usize, Point)>,
}

impl Decryptions {
    fn new(trustees: usize, ciphertexts: usize, seed: u64) -> Self {
        let mut rng = rng(seed);
        let params = ThresholdParams::new(2, trustees as u32).unwrap();
        let key = secret_key(seed + 1).public_key().clone();
        let secrets: Vec<SecretScalar> = (0..trustees)
            .map(|_| SecretScalar::random(&mut rng))
            .collect();
        let verification_keys = secrets
            .iter()
            .map(|s| Point::new(Point::GENERATOR.point() * s.expose()))
            .collect();
        let cts: Vec<Ciphertext> = (0..ciphertexts)
            .map(|m| key.encrypt_with_rng(m as u64, &mut rng).0)
            .collect();
        let mut shares = Vec::new();
        for (t, s) in secrets.iter().enumerate() {
            for (c, ct) in cts.iter().enumerate() {
                shares.push((t, c, Point::new(ct.alpha.point() * s.expose())));
            }
        }
        Decryptions {
            params,
            fingerprint: fingerprint(51),
            verification_keys,
            secrets,
            ciphertexts: cts,
            shares,
        }
    }

    fn statement(&self, item: usize) -> DecryptionStatement<'_> {
        let (t, c, ref share) = self.shares[item];
        DecryptionStatement {
            fingerprint: &self.fingerprint,
            trustee: TrusteeIndex::new(t as u32 + 1, &self.params).unwrap(),
            verification_key: &self.verification_keys[t],
            ciphertext: &self.ciphertexts[c],
            share,
        }
    }
}

#[test]
fn decryption_proofs_batch_like_one_by_one() {
    let mut rng = rng(930);
    let d = Decryptions::new(3, 4, 931);
    let n = d.shares.len();
    let proofs: Vec<DecryptionProof> = (0..n)
        .map(|i| {
            DecryptionProof::prove_with_rng(&d.statement(i), &d.secrets[d.shares[i].0], &mut rng)
        })
        .collect();
    for mask in masks(n, 6, &mut rng) {
        let mut round = proofs.clone();
        for &i in &mask {
            let mut spoilt: Vec<DecryptionProof> = chaum_pedersen_tamperings(&proofs[i].0)
                .into_iter()
                .map(|(_, p)| DecryptionProof(p))
                .collect();
            spoilt.push(proofs[(i + 1) % n].clone());
            round[i] = pick(&spoilt, &mut rng);
        }
        let items: Vec<_> = (0..n).map(|i| (d.statement(i), &round[i])).collect();
        let one_by_one: Vec<bool> = items.iter().map(|(s, p)| p.verify(s).is_ok()).collect();
        assert_agrees(
            DecryptionProof::verify_batch(&items, &mut rng),
            &one_by_one,
            &mask,
        );
    }
}

#[test]
fn possession_proofs_batch_like_one_by_one() {
    let mut rng = rng(940);
    let params = ThresholdParams::new(3, 4).unwrap();
    let fp = fingerprint(52);
    let n = 12;
    let secrets: Vec<SecretScalar> = (0..n).map(|_| SecretScalar::random(&mut rng)).collect();
    let points: Vec<Point> = secrets
        .iter()
        .map(|s| Point::new(Point::GENERATOR.point() * s.expose()))
        .collect();
    let claim = |i: usize| {
        let who = TrusteeIndex::new((i % 4) as u32 + 1, &params).unwrap();
        if i < 8 {
            PossessionClaim::Coefficient {
                dealer: who,
                index: (i / 4) as u32,
            }
        } else {
            PossessionClaim::TrusteeKey { trustee: who }
        }
    };
    let statement = |i: usize| PossessionStatement {
        fingerprint: &fp,
        claim: claim(i),
        point: &points[i],
    };
    let proofs: Vec<PossessionProof> = (0..n)
        .map(|i| PossessionProof::prove_with_rng(&statement(i), &secrets[i], &mut rng))
        .collect();
    for mask in masks(n, 6, &mut rng) {
        let mut round = proofs.clone();
        for &i in &mask {
            let mut spoilt: Vec<PossessionProof> = schnorr_tamperings(&proofs[i].0)
                .into_iter()
                .map(|(_, p)| PossessionProof(p))
                .collect();
            spoilt.push(proofs[(i + 1) % n].clone());
            round[i] = pick(&spoilt, &mut rng);
        }
        let items: Vec<_> = (0..n).map(|i| (statement(i), &round[i])).collect();
        let one_by_one: Vec<bool> = items.iter().map(|(s, p)| p.verify(s).is_ok()).collect();
        assert_agrees(
            PossessionProof::verify_batch(&items, &mut rng),
            &one_by_one,
            &mask,
        );
    }
}

#[test]
fn empty_batches_verify() {
    let mut rng = rng(950);
    assert_eq!(DisjunctiveProof::verify_batch(&[], &mut rng), Ok(()));
    assert_eq!(RandomnessProof::verify_batch(&[], &mut rng), Ok(()));
    assert_eq!(DecryptionProof::verify_batch(&[], &mut rng), Ok(()));
    assert_eq!(PossessionProof::verify_batch(&[], &mut rng), Ok(()));
}

// Errors that cancel in an unweighted sum: each pair below is invisible to a
// verifier that adds the equations with equal weights. Random weights must
// catch both halves.

#[test]
fn cancelling_errors_across_disjunctive_proofs_are_caught() {
    let mut rng = rng(960);
    let b = Ballots::new(3, &[0, 1], 961);
    let mut proofs: Vec<DisjunctiveProof> = (0..3)
        .map(|i| {
            DisjunctiveProof::prove_with_rng(
                &b.disjunctive(i),
                (i % 2) as u64,
                &b.nonces[i],
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let delta = Scalar::from(5u8);
    proofs[0].branches[1].z += delta;
    proofs[2].branches[1].z -= delta;
    let items: Vec<_> = (0..3).map(|i| (b.disjunctive(i), &proofs[i])).collect();
    assert_eq!(
        DisjunctiveProof::verify_batch(&items, &mut rng),
        Err(BatchError {
            failed: vec![0, 2],
            total: 3
        })
    );
    // Within one proof: two branches' errors cancel with equal weights.
    let mut one =
        DisjunctiveProof::prove_with_rng(&b.disjunctive(1), 1, &b.nonces[1], &mut rng).unwrap();
    one.branches[0].z += delta;
    one.branches[1].z -= delta;
    assert!(one.verify(&b.disjunctive(1)).is_err());
    assert_eq!(
        DisjunctiveProof::verify_batch(&[(b.disjunctive(1), &one)], &mut rng),
        Err(BatchError {
            failed: vec![0],
            total: 1
        })
    );
}

#[test]
fn cancelling_errors_across_schnorr_proofs_are_caught() {
    let mut rng = rng(970);
    let b = Ballots::new(4, &[3], 971);
    let mut proofs: Vec<RandomnessProof> = (0..4)
        .map(|i| RandomnessProof::prove_with_rng(&b.randomness(i), &b.nonces[i], &mut rng))
        .collect();
    // z + 1 on one, z − 1 on another; and a ± G on two more.
    proofs[0].0.z += Scalar::ONE;
    proofs[1].0.z -= Scalar::ONE;
    proofs[2].0.a = bump_point(&proofs[2].0.a);
    proofs[3].0.a = Point::new(proofs[3].0.a.point() - Point::GENERATOR.point());
    let items: Vec<_> = (0..4).map(|i| (b.randomness(i), &proofs[i])).collect();
    assert_eq!(
        RandomnessProof::verify_batch(&items, &mut rng),
        Err(BatchError {
            failed: vec![0, 1, 2, 3],
            total: 4
        })
    );
}

#[test]
fn cancelling_errors_across_decryption_shares_of_one_ciphertext_are_caught() {
    // Two trustees decrypting the same ciphertext share the base α; errors
    // of +δ and −δ in their responses cancel without weights.
    let mut rng = rng(980);
    let d = Decryptions::new(2, 1, 981);
    let mut proofs: Vec<DecryptionProof> = (0..2)
        .map(|i| {
            DecryptionProof::prove_with_rng(&d.statement(i), &d.secrets[d.shares[i].0], &mut rng)
        })
        .collect();
    proofs[0].0.z += Scalar::ONE;
    proofs[1].0.z -= Scalar::ONE;
    let items: Vec<_> = (0..2).map(|i| (d.statement(i), &proofs[i])).collect();
    assert_eq!(
        DecryptionProof::verify_batch(&items, &mut rng),
        Err(BatchError {
            failed: vec![0, 1],
            total: 2
        })
    );
}

#[test]
fn a_large_batch_of_bit_proofs_names_its_one_bad_proof() {
    let mut rng = rng(990);
    let n = 200;
    let b = Ballots::new(n, &[0, 1], 991);
    let mut proofs: Vec<DisjunctiveProof> = (0..n)
        .map(|i| {
            DisjunctiveProof::prove_with_rng(
                &b.disjunctive(i),
                (i % 2) as u64,
                &b.nonces[i],
                &mut rng,
            )
            .unwrap()
        })
        .collect();
    let items: Vec<_> = (0..n).map(|i| (b.disjunctive(i), &proofs[i])).collect();
    assert_eq!(DisjunctiveProof::verify_batch(&items, &mut rng), Ok(()));
    proofs[137].branches[0].b = bump_point(&proofs[137].branches[0].b);
    let items: Vec<_> = (0..n).map(|i| (b.disjunctive(i), &proofs[i])).collect();
    assert_eq!(
        DisjunctiveProof::verify_batch(&items, &mut rng),
        Err(BatchError {
            failed: vec![137],
            total: n
        })
    );
}
