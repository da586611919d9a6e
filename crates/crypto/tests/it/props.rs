//! Property tests over random messages, keys, encodings and trustee subsets.

use std::sync::OnceLock;

use proptest::prelude::*;
use psephos_crypto::dkg::DealerMessage;
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{Ciphertext, CiphertextSum, EncryptionNonce};
use psephos_crypto::encoding::{decode_scalar, Point};
use psephos_crypto::error::{EncodingError, ProverError, ThresholdError};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::threshold::{combine, PartialDecryption, TrusteeIndex};
use psephos_crypto::Scalar;

use crate::common::*;
use crate::soundness::disjunctive_tamperings;

/// Baby-step table shared by the properties (plaintexts up to 10,000).
fn table() -> &'static DlogTable {
    static TABLE: OnceLock<DlogTable> = OnceLock::new();
    TABLE.get_or_init(|| DlogTable::new(10_000))
}

/// A 5-of-9 ceremony and each trustee's partial decryption of one
/// ciphertext of 321, shared by the subset property.
struct Tally {
    ceremony: Ceremony,
    ciphertext: Ciphertext,
    partials: Vec<PartialDecryption>,
}

fn tally() -> &'static Tally {
    static TALLY: OnceLock<Tally> = OnceLock::new();
    TALLY.get_or_init(|| {
        let mut rng = rng(1000);
        let ceremony = ceremony(5, 9, 1001);
        let (ciphertext, _) = ceremony.outcome.joint_key.encrypt_with_rng(321, &mut rng);
        let partials = ceremony
            .shares
            .iter()
            .map(|s| {
                s.partial_decrypt_with_rng(&ceremony.trustees.fingerprint, &ciphertext, &mut rng)
            })
            .collect();
        Tally {
            ceremony,
            ciphertext,
            partials,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn encryptions_add_up(
        messages in prop::collection::vec(0u64..1_000, 1..8),
        seed in any::<u64>(),
    ) {
        let sk = secret_key(seed);
        let key = sk.public_key();
        let mut rng = rng(seed ^ 1);
        let encrypted: Vec<(Ciphertext, EncryptionNonce)> =
            messages.iter().map(|m| key.encrypt_with_rng(*m, &mut rng)).collect();
        let total: u64 = messages.iter().sum();
        let sum: CiphertextSum = encrypted.iter().map(|(c, _)| c).collect();
        let sum = sum.finish();
        prop_assert_eq!(table().solve(&sk.decrypt_to_point(&sum)), Ok(total));
        // Pairwise addition gives the same ciphertext as the accumulator.
        let folded = encrypted
            .iter()
            .fold(Ciphertext::zero(), |acc, (c, _)| acc.add(c));
        prop_assert_eq!(folded, sum);
        // The sum opens with the sum of the nonces.
        let nonce = EncryptionNonce::sum(encrypted.iter().map(|(_, n)| n));
        prop_assert!(sum.opens_to(key, total, &nonce.reveal()));
        // Taking the first ciphertext out again (a superseded ballot).
        let mut running: CiphertextSum = encrypted.iter().map(|(c, _)| c).collect();
        running.subtract(&encrypted[0].0);
        prop_assert_eq!(
            table().solve(&sk.decrypt_to_point(&running.finish())),
            Ok(total - messages[0])
        );
    }

    #[test]
    fn reencryption_preserves_the_plaintext(m in 0u64..10_000, seed in any::<u64>()) {
        let sk = secret_key(seed);
        let key = sk.public_key();
        let mut rng = rng(seed ^ 2);
        let (ct, nonce) = key.encrypt_with_rng(m, &mut rng);
        let (again, added) = key.reencrypt_with_rng(&ct, &mut rng);
        prop_assert_ne!(again, ct);
        prop_assert_eq!(table().solve(&sk.decrypt_to_point(&again)), Ok(m));
        prop_assert!(again.opens_to(key, m, &(nonce.reveal() + added.reveal())));
        prop_assert!(!again.opens_to(key, m, &nonce.reveal()));
    }

    #[test]
    fn scalars_round_trip(wide in prop::array::uniform32(any::<u8>()), high in prop::array::uniform32(any::<u8>())) {
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&wide);
        bytes[32..].copy_from_slice(&high);
        let s = Scalar::from_bytes_mod_order_wide(&bytes);
        prop_assert_eq!(decode_scalar(s.as_bytes()), Ok(s));
        let proof = psephos_crypto::proofs::sigma::SchnorrProof { a: Point::GENERATOR, z: s };
        let json = serde_json::to_string(&proof).unwrap();
        prop_assert_eq!(
            serde_json::from_str::<psephos_crypto::proofs::sigma::SchnorrProof>(&json).unwrap(),
            proof
        );
    }

    #[test]
    fn stored_encodings_match_their_points(m in 0u64..1_000, bit in any::<bool>(), seed in any::<u64>()) {
        // Points built from halves (one batched compression) must carry the
        // encoding of the point itself.
        let key = secret_key(seed).public_key().clone();
        let mut rng = rng(seed ^ 6);
        let (a, _) = key.encrypt_with_rng(m, &mut rng);
        let (b, nonce) = key.encrypt_bit_with_rng(subtle::Choice::from(u8::from(bit)), &mut rng);
        let c = key.encrypt_with_nonce(&Scalar::from(m), &nonce);
        let (d, _) = key.reencrypt_with_rng(&a, &mut rng);
        let e = a.add(&b);
        let ctx = context(64, 65, 0, Some(0));
        let (f, _, proof) = prove_value(&key, &ctx, &[0, 1, 2], m % 3, &mut rng);
        let mut points: Vec<Point> = [a, b, c, d, e, f]
            .iter()
            .flat_map(|ct| [ct.alpha, ct.beta])
            .collect();
        points.extend(proof.branches.iter().flat_map(|br| [br.a, br.b]));
        for p in points {
            let decoded = Point::decode(p.as_bytes()).unwrap();
            prop_assert!(decoded.point() == p.point(), "{:?}", p);
        }
    }

    #[test]
    fn discrete_logs_are_found_exactly_up_to_the_bound(
        max in 0u64..3_000,
        step in 1u64..100,
        offset in 0u64..3_100,
    ) {
        let m = offset;
        let target = times_g(m);
        let expected = if m <= max { Ok(m) } else { Err(psephos_crypto::error::DlogError::OutOfRange { max }) };
        prop_assert_eq!(DlogTable::with_step(max, step).solve(&target), expected.clone());
        prop_assert_eq!(DlogTable::new(max).solve(&target), expected);
        prop_assert_eq!(DlogTable::new(max).solve(&times_g(max)), Ok(max));
        prop_assert!(DlogTable::new(max).solve(&-times_g(1)).is_err());
    }

    #[test]
    fn arbitrary_scalar_bytes_decode_exactly_when_canonical(bytes in prop::array::uniform32(any::<u8>())) {
        let canonical: Option<Scalar> = Scalar::from_canonical_bytes(bytes).into();
        match decode_scalar(&bytes) {
            Ok(s) => {
                prop_assert_eq!(Some(s), canonical);
                prop_assert_eq!(s.to_bytes(), bytes);
            }
            Err(e) => {
                prop_assert_eq!(e, EncodingError::NonCanonicalScalar);
                prop_assert!(canonical.is_none());
            }
        }
    }

    #[test]
    fn points_round_trip(seed in any::<u64>()) {
        let s = scalar_from_seed(seed);
        let p = Point::new(Point::GENERATOR.point() * s);
        let bytes = p.to_bytes();
        prop_assert_eq!(Point::decode(&bytes), Ok(p));
        prop_assert_eq!(Point::decode_non_identity(&bytes), Ok(p));
        let json = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(serde_json::from_str::<Point>(&json).unwrap(), p);
        prop_assert_eq!(json.to_lowercase(), json);
    }

    #[test]
    fn arbitrary_point_bytes_never_panic_and_decode_canonically(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
        match Point::decode(&bytes) {
            Ok(p) => {
                prop_assert_eq!(bytes.len(), 32);
                prop_assert_eq!(&p.to_bytes()[..], &bytes[..]);
            }
            Err(EncodingError::WrongLength { expected, found }) => {
                prop_assert_eq!(expected, 32);
                prop_assert_eq!(found, bytes.len());
                prop_assert_ne!(found, 32);
            }
            Err(e) => {
                prop_assert_eq!(e, EncodingError::InvalidPoint);
                prop_assert_eq!(bytes.len(), 32);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_decoders(text in "[\\[\\]{}\":,0-9a-fA-Fxz \\-]{0,120}") {
        let _ = serde_json::from_str::<DealerMessage>(&text);
        let _ = serde_json::from_str::<DisjunctiveProof>(&text);
        let _ = serde_json::from_str::<Ciphertext>(&text);
        let _ = serde_json::from_str::<Point>(&text);
        let _ = psephos_crypto::encoding::from_hex(&text);
    }

    #[test]
    fn disjunctive_proofs_over_random_value_sets(
        values in prop::collection::btree_set(0u64..50, 1..6),
        pick in any::<prop::sample::Index>(),
        outside in 50u64..100,
        seed in any::<u64>(),
    ) {
        let values: Vec<u64> = values.into_iter().collect();
        let m = values[pick.index(values.len())];
        let key = secret_key(seed).public_key().clone();
        let mut rng = rng(seed ^ 3);
        let ctx = context(60, 61, 0, None);
        let (ct, _, proof) = prove_value(&key, &ctx, &values, m, &mut rng);
        let statement = DisjunctiveStatement {
            context: &ctx,
            key: &key,
            ciphertexts: std::slice::from_ref(&ct),
            values: &values,
        };
        prop_assert!(proof.verify(&statement).is_ok());
        let (bad_ct, bad_nonce) = key.encrypt_with_rng(outside, &mut rng);
        let bad_statement = DisjunctiveStatement {
            ciphertexts: std::slice::from_ref(&bad_ct),
            ..statement
        };
        prop_assert_eq!(
            DisjunctiveProof::prove_with_rng(&bad_statement, outside, &bad_nonce, &mut rng),
            Err(ProverError::ValueNotAllowed)
        );
        let lie = DisjunctiveProof::prove_with_rng(&bad_statement, m, &bad_nonce, &mut rng).unwrap();
        prop_assert!(lie.verify(&bad_statement).is_err());
    }

    #[test]
    fn any_trustee_subset_of_size_t_decrypts(mask in 0u32..512) {
        let tally = tally();
        let params = &tally.ceremony.trustees.params;
        let shares: Vec<(TrusteeIndex, &Point)> = tally
            .ceremony
            .shares
            .iter()
            .zip(&tally.partials)
            .filter(|(s, _)| mask & (1 << (s.index().get() - 1)) != 0)
            .map(|(s, p)| (s.index(), &p.share))
            .collect();
        let result = combine(params, &tally.ciphertext, &shares);
        if shares.len() >= 5 {
            prop_assert_eq!(table().solve(&result.unwrap()), Ok(321));
        } else {
            prop_assert_eq!(
                result,
                Err(ThresholdError::NotEnoughTrustees { needed: 5, available: shares.len() })
            );
        }
    }

    #[test]
    fn batch_verification_agrees_with_one_by_one(
        spec in prop::collection::vec((any::<bool>(), prop::option::of(0usize..8)), 1..8),
        seed in any::<u64>(),
    ) {
        let key = secret_key(seed).public_key().clone();
        let mut rng = rng(seed ^ 4);
        let contexts: Vec<_> = (0..spec.len()).map(|i| context(62, 63, 0, Some(i as u32))).collect();
        let mut ciphertexts = Vec::new();
        let mut proofs = Vec::new();
        for ((bit, _), ctx) in spec.iter().zip(&contexts) {
            let (ct, _, proof) = prove_value(&key, ctx, &[0, 1], u64::from(*bit), &mut rng);
            ciphertexts.push(ct);
            proofs.push(proof);
        }
        let mut bad = Vec::new();
        for (i, (_, tamper)) in spec.iter().enumerate() {
            if let Some(field) = tamper {
                proofs[i] = disjunctive_tamperings(&proofs[i]).swap_remove(*field).1;
                bad.push(i);
            }
        }
        let items: Vec<_> = (0..spec.len())
            .map(|i| {
                (
                    DisjunctiveStatement {
                        context: &contexts[i],
                        key: &key,
                        ciphertexts: std::slice::from_ref(&ciphertexts[i]),
                        values: &[0, 1],
                    },
                    &proofs[i],
                )
            })
            .collect();
        let one_by_one: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, (s, p))| p.verify(s).is_err())
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(&one_by_one, &bad);
        match DisjunctiveProof::verify_batch(&items, &mut rng) {
            Ok(()) => prop_assert!(bad.is_empty()),
            Err(e) => {
                prop_assert_eq!(e.failed, bad);
                prop_assert_eq!(e.total, spec.len());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn schnorr_and_chaum_pedersen_batches_agree_with_one_by_one(
        spec in prop::collection::vec(prop::option::of(0usize..3), 1..10),
        seed in any::<u64>(),
    ) {
        use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
        use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
        use psephos_crypto::secret::SecretScalar;
        use crate::soundness::{chaum_pedersen_tamperings, schnorr_tamperings};

        let key = secret_key(seed).public_key().clone();
        let mut rng = rng(seed ^ 7);
        let params = psephos_crypto::threshold::ThresholdParams::new(1, 9).unwrap();
        let fp = fingerprint(66);
        let n = spec.len();
        let contexts: Vec<_> = (0..n).map(|i| context(66, 67, 1, Some(i as u32))).collect();
        let encrypted: Vec<(Ciphertext, EncryptionNonce)> =
            (0..n).map(|i| key.encrypt_with_rng(i as u64, &mut rng)).collect();
        let secrets: Vec<SecretScalar> = (0..n).map(|_| SecretScalar::random(&mut rng)).collect();
        let vks: Vec<Point> = secrets
            .iter()
            .map(|s| Point::new(Point::GENERATOR.point() * s.expose()))
            .collect();
        let shares: Vec<Point> = (0..n)
            .map(|i| Point::new(encrypted[i].0.alpha.point() * secrets[i].expose()))
            .collect();
        let rstatement = |i: usize| RandomnessStatement {
            context: &contexts[i],
            key: &key,
            ciphertext: &encrypted[i].0,
        };
        let dstatement = |i: usize| DecryptionStatement {
            fingerprint: &fp,
            trustee: TrusteeIndex::new(i as u32 % 9 + 1, &params).unwrap(),
            verification_key: &vks[i],
            ciphertext: &encrypted[i].0,
            share: &shares[i],
        };
        let mut rproofs: Vec<RandomnessProof> = (0..n)
            .map(|i| RandomnessProof::prove_with_rng(&rstatement(i), &encrypted[i].1, &mut rng))
            .collect();
        let mut dproofs: Vec<DecryptionProof> = (0..n)
            .map(|i| DecryptionProof::prove_with_rng(&dstatement(i), &secrets[i], &mut rng))
            .collect();
        let mut bad = Vec::new();
        for (i, tamper) in spec.iter().enumerate() {
            if let Some(field) = tamper {
                rproofs[i] = RandomnessProof(schnorr_tamperings(&rproofs[i].0).swap_remove(field % 2).1);
                dproofs[i] = DecryptionProof(chaum_pedersen_tamperings(&dproofs[i].0).swap_remove(*field).1);
                bad.push(i);
            }
        }
        let ritems: Vec<_> = (0..n).map(|i| (rstatement(i), &rproofs[i])).collect();
        let ditems: Vec<_> = (0..n).map(|i| (dstatement(i), &dproofs[i])).collect();
        let r_one: Vec<usize> = (0..n).filter(|&i| rproofs[i].verify(&rstatement(i)).is_err()).collect();
        let d_one: Vec<usize> = (0..n).filter(|&i| dproofs[i].verify(&dstatement(i)).is_err()).collect();
        prop_assert_eq!(&r_one, &bad);
        prop_assert_eq!(&d_one, &bad);
        let expected = if bad.is_empty() {
            Ok(())
        } else {
            Err(psephos_crypto::error::BatchError { failed: bad.clone(), total: n })
        };
        prop_assert_eq!(RandomnessProof::verify_batch(&ritems, &mut rng), expected.clone());
        prop_assert_eq!(DecryptionProof::verify_batch(&ditems, &mut rng), expected);
    }
}

proptest! {
    // Each case runs a whole key ceremony.
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_ceremonies_decrypt_with_random_subsets(
        n in 1u32..=5,
        t_pick in any::<prop::sample::Index>(),
        mask in any::<u32>(),
        m in 0u64..1_000,
        seed in any::<u64>(),
    ) {
        let t = t_pick.index(n as usize) as u32 + 1;
        let c = ceremony(t, n, seed);
        let mut rng = rng(seed ^ 5);
        let (ct, _) = c.outcome.joint_key.encrypt_with_rng(m, &mut rng);
        let chosen: Vec<&psephos_crypto::threshold::KeyShare> = c
            .shares
            .iter()
            .filter(|s| mask & (1 << (s.index().get() - 1)) != 0)
            .collect();
        if chosen.len() >= t as usize {
            let got = threshold_decrypt(
                &c.trustees.params,
                &c.trustees.fingerprint,
                &chosen,
                &ct,
                1_000,
                &mut rng,
            );
            prop_assert_eq!(got, m);
        } else {
            let partials: Vec<_> = chosen
                .iter()
                .map(|s| (s.index(), s.partial_decrypt_with_rng(&c.trustees.fingerprint, &ct, &mut rng)))
                .collect();
            let refs: Vec<(TrusteeIndex, &Point)> =
                partials.iter().map(|(i, p)| (*i, &p.share)).collect();
            prop_assert_eq!(
                combine(&c.trustees.params, &ct, &refs),
                Err(ThresholdError::NotEnoughTrustees { needed: t as usize, available: chosen.len() })
            );
        }
    }
}

/// A uniform scalar derived from a seed.
fn scalar_from_seed(seed: u64) -> Scalar {
    *psephos_crypto::secret::SecretScalar::random(&mut rng(seed)).expose()
}
