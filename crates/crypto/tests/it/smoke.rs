use psephos_crypto::dkg::{Dealer, TrusteeKeyPair};
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{CiphertextSum, SecretKey};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::threshold::{combine, ThresholdParams};
use subtle::Choice;

use crate::common::*;

#[test]
fn bit_proof_roundtrip() {
    let mut rng = rng(1);
    let sk = SecretKey::generate_with_rng(&mut rng);
    let pk = sk.public_key();
    let ctx = context(1, 2, 0, Some(0));
    for bit in [0u64, 1] {
        let (ct, nonce) = pk.encrypt_bit_with_rng(Choice::from(bit as u8), &mut rng);
        let st = DisjunctiveStatement {
            context: &ctx,
            key: pk,
            ciphertexts: std::slice::from_ref(&ct),
            values: &[0, 1],
        };
        let proof = DisjunctiveProof::prove_with_rng(&st, bit, &nonce, &mut rng).unwrap();
        proof.verify(&st).unwrap();
        let table = DlogTable::new(10);
        assert_eq!(table.solve(&sk.decrypt_to_point(&ct)).unwrap(), bit);
        let (ct2, nonce2) = pk.encrypt_with_rng(bit, &mut rng);
        assert!(ct2.opens_to(pk, bit, &nonce2.reveal()));
    }
}

#[test]
fn dkg_and_threshold_decryption() {
    let mut rng = rng(2);
    let params = ThresholdParams::new(3, 5).unwrap();
    let fp = fingerprint(9);
    let keys: Vec<TrusteeKeyPair> = (0..5)
        .map(|_| TrusteeKeyPair::generate_with_rng(&mut rng))
        .collect();
    let roster: Vec<_> = keys.iter().map(|k| *k.public()).collect();
    let mut states = Vec::new();
    let mut dealings = Vec::new();
    for (i, index) in params.indices().enumerate() {
        let (s, m) =
            Dealer::deal_with_rng(fp, params, index, keys[i].clone(), roster.clone(), &mut rng)
                .unwrap();
        states.push(s);
        dealings.push(m);
    }
    let mut checked = Vec::new();
    let mut complaints = Vec::new();
    for s in states {
        let (c, m) = s.receive(&dealings, &mut rng).unwrap();
        assert!(m.complaints.is_empty());
        checked.push(c);
        complaints.push(m);
    }
    let mut shares = Vec::new();
    let mut key = None;
    for c in checked {
        let (share, outcome) = c.finish(&dealings, &complaints).unwrap();
        assert_eq!(outcome.qualified.len(), 5);
        key = Some(outcome.joint_key.clone());
        shares.push(share);
    }
    let key = key.unwrap();
    let mut sum = CiphertextSum::new();
    for m in [1u64, 0, 1, 1] {
        sum.add(&key.encrypt_with_rng(m, &mut rng).0);
    }
    let ct = sum.finish();
    let partials: Vec<_> = shares[1..4]
        .iter()
        .map(|s| (s.index(), s.partial_decrypt_with_rng(&fp, &ct, &mut rng)))
        .collect();
    let refs: Vec<_> = partials.iter().map(|(i, p)| (*i, &p.share)).collect();
    let m = combine(&params, &ct, &refs).unwrap();
    assert_eq!(DlogTable::new(10).solve(&m).unwrap(), 3);
}
