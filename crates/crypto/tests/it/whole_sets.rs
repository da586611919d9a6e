//! The whole-set APIs: decrypting a whole tally at once, and verifying all
//! the proofs of one ballot with weights derived from them.

use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use rand_core::RngCore;

use crate::common::*;

#[test]
fn decrypting_a_whole_tally_equals_decrypting_entry_by_entry() {
    let c = ceremony(2, 3, 900);
    let share = &c.shares[1];
    let fp = fingerprint(9);
    let mut r = rng(901);
    let ciphertexts: Vec<_> = (0..20u64)
        .map(|m| c.outcome.joint_key.encrypt_with_rng(m % 3, &mut r).0)
        .collect();
    let together = share.partial_decrypt_all_with_rng(&fp, &ciphertexts, &mut rng(902));
    let mut one_rng = rng(902);
    let one_by_one: Vec<_> = ciphertexts
        .iter()
        .map(|ct| share.partial_decrypt_with_rng(&fp, ct, &mut one_rng))
        .collect();
    assert_eq!(together, one_by_one);
    let key = c.outcome.verification_key(share.index()).unwrap();
    for (ct, d) in ciphertexts.iter().zip(&together) {
        let statement = DecryptionStatement {
            fingerprint: &fp,
            trustee: share.index(),
            verification_key: key,
            ciphertext: ct,
            share: &d.share,
        };
        DecryptionProof::verify(&d.proof, &statement).unwrap();
        assert_eq!(*d.share.point(), ct.alpha.point() * share.secret().expose());
    }
}

#[test]
fn verify_all_accepts_a_ballots_proofs_and_names_each_bad_one() {
    let key = secret_key(910).public_key().clone();
    let mut r = rng(911);
    let contexts: Vec<_> = (0..6u32).map(|o| context(3, 4, 0, Some(o))).collect();
    let made: Vec<_> = contexts
        .iter()
        .map(|ctx| prove_value(&key, ctx, &[0, 1], u64::from(r.next_u32() % 2), &mut r))
        .collect();
    let statements =
        |proofs: &[DisjunctiveProof]| -> Vec<(DisjunctiveStatement<'_>, DisjunctiveProof)> {
            contexts
                .iter()
                .zip(&made)
                .zip(proofs)
                .map(|((ctx, (ct, _, _)), p)| {
                    (
                        DisjunctiveStatement {
                            context: ctx,
                            key: &key,
                            ciphertexts: std::slice::from_ref(ct),
                            values: &[0, 1],
                        },
                        p.clone(),
                    )
                })
                .collect()
        };
    let good: Vec<DisjunctiveProof> = made.iter().map(|(_, _, p)| p.clone()).collect();
    let items = statements(&good);
    let refs: Vec<_> = items.iter().map(|(s, p)| (*s, p)).collect();
    DisjunctiveProof::verify_all(&refs).unwrap();
    assert!(DisjunctiveProof::all_hold(&refs));

    // One tampered field anywhere makes the whole batch fail `all_hold`.
    for k in 0..good.len() {
        for field in 0..4 {
            let mut bad = good.clone();
            let branch = &mut bad[k].branches[field % 2];
            match field {
                0 => branch.z = bump_scalar(&branch.z),
                1 => branch.c = bump_scalar(&branch.c),
                2 => branch.a = bump_point(&branch.a),
                _ => branch.b = bump_point(&branch.b),
            }
            let items = statements(&bad);
            let refs: Vec<_> = items.iter().map(|(s, p)| (*s, p)).collect();
            assert!(
                !DisjunctiveProof::all_hold(&refs),
                "proof {k}, field {field}"
            );
        }
    }

    let mut bad = good.clone();
    bad[1].branches[0].z = bump_scalar(&bad[1].branches[0].z);
    bad[4].branches[1].a = bump_point(&bad[4].branches[1].a);
    let items = statements(&bad);
    let refs: Vec<_> = items.iter().map(|(s, p)| (*s, p)).collect();
    assert_eq!(
        DisjunctiveProof::verify_all(&refs).unwrap_err().failed,
        vec![1, 4]
    );
}
