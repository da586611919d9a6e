//! The key ceremony under attack: bad shares, false complaints, rogue keys,
//! duplicate or missing trustees, and messages altered on the board.

use psephos_crypto::dkg::{
    resolve, Checked, Complaint, ComplaintsMessage, DealerMessage, Disqualification, DkgOutcome,
};
use psephos_crypto::elgamal::PublicKey;
use psephos_crypto::encoding::Point;
use psephos_crypto::error::ThresholdError;
use psephos_crypto::threshold::{
    combination_coefficients, KeyShare, ThresholdParams, TrusteeIndex,
};
use psephos_crypto::{RistrettoPoint, Scalar};
use rand_chacha::ChaCha20Rng;

use crate::common::*;

/// Each trustee's index with the result of its last round.
type Finished = Vec<(u32, Result<(KeyShare, DkgOutcome), ThresholdError>)>;

/// Finishes every trustee's ceremony against the same board.
fn finish_all(
    checked: Vec<(u32, Checked)>,
    dealings: &[DealerMessage],
    complaints: &[ComplaintsMessage],
) -> Finished {
    checked
        .into_iter()
        .map(|(i, c)| (i, c.finish(dealings, complaints)))
        .collect()
}

/// Splits finished trustees into key shares (checking they agree on the
/// outcome, and with an auditor) and the errors of the others.
fn shares_and_outcome(
    trustees: &Trustees,
    finished: Finished,
    dealings: &[DealerMessage],
    complaints: &[ComplaintsMessage],
) -> (Vec<KeyShare>, DkgOutcome, Vec<(u32, ThresholdError)>) {
    let audited = resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        dealings,
        complaints,
    )
    .unwrap();
    let mut shares = Vec::new();
    let mut errors = Vec::new();
    for (i, result) in finished {
        match result {
            Ok((share, outcome)) => {
                assert_eq!(outcome, audited, "trustee {i} disagrees with the auditor");
                assert_eq!(share.index().get(), i);
                assert_eq!(
                    outcome.verification_key(share.index()),
                    Some(share.verification_key())
                );
                shares.push(share);
            }
            Err(e) => errors.push((i, e)),
        }
    }
    (shares, audited, errors)
}

/// Encrypts a known count under the joint key and decrypts it with every
/// `t`-subset of `shares`.
fn assert_every_t_subset_decrypts(
    params: &ThresholdParams,
    trustees: &Trustees,
    key: &PublicKey,
    shares: &[KeyShare],
    rng: &mut ChaCha20Rng,
) {
    let t = params.t() as usize;
    assert!(shares.len() >= t);
    let (ct, _) = key.encrypt_with_rng(42, rng);
    for mask in 0u32..(1 << shares.len()) {
        if mask.count_ones() as usize != t {
            continue;
        }
        let subset: Vec<&KeyShare> = shares
            .iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, s)| s)
            .collect();
        let m = threshold_decrypt(params, &trustees.fingerprint, &subset, &ct, 100, rng);
        assert_eq!(m, 42);
    }
}

/// `Σ C_{i,0}` over the given dealings.
fn sum_of_constant_terms<'a>(dealings: impl IntoIterator<Item = &'a DealerMessage>) -> Point {
    Point::new(
        dealings
            .into_iter()
            .fold(RistrettoPoint::default(), |acc, d| {
                acc + d.commitments[0].point()
            }),
    )
}

/// What a dishonest dealer puts on the board instead of an honest share.
enum BadShare {
    /// Flip one bit of the sealed ciphertext: the share does not open.
    Corrupted,
    /// A share sealed properly, but from another polynomial: it opens and
    /// fails the check against the commitments.
    FromAnotherPolynomial,
    /// Another dealer's share for the same recipient, copied: it is sealed
    /// under another route and does not open.
    ReplayedFromAnotherDealer,
}

fn check_bad_share(kind: BadShare, seed: u64) {
    let mut rng = rng(seed);
    let trustees = Trustees::new(3, 5, &mut rng);
    let (bad_dealer, victim) = (2u32, 4u32);
    let (mut states, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    let victim_slot = board[1]
        .shares
        .iter()
        .position(|s| s.recipient == trustees.index(victim))
        .unwrap();
    match kind {
        BadShare::Corrupted => board[1].shares[victim_slot].sealed[17] ^= 0x20,
        BadShare::FromAnotherPolynomial => {
            let (_, other) = trustees.deal(bad_dealer, &mut rng);
            assert_ne!(other.commitments, board[1].commitments);
            board[1].shares[victim_slot] = other.shares[victim_slot].clone();
        }
        BadShare::ReplayedFromAnotherDealer => {
            let copied = board[0].share_for(trustees.index(victim)).unwrap().clone();
            board[1].shares[victim_slot] = copied;
        }
    }
    // The dishonest dealer's message still passes every public check.
    board[1]
        .check_public(&trustees.fingerprint, &trustees.params)
        .unwrap();

    // The dishonest dealer cannot go on with an altered message of its own,
    // and posts an empty complaints message instead.
    let (_, dishonest) = states.remove(1);
    assert_eq!(
        dishonest.receive(&board, &mut rng).unwrap_err(),
        ThresholdError::OwnMessageAltered
    );
    let (checked, mut complaints) = trustees.receive_all(states, &board, &mut rng);
    for message in &complaints {
        if message.complainer == trustees.index(victim) {
            assert_eq!(message.complaints.len(), 1);
            assert_eq!(message.complaints[0].dealer, trustees.index(bad_dealer));
        } else {
            assert!(message.complaints.is_empty(), "{message:?}");
        }
    }
    complaints.insert(
        1,
        ComplaintsMessage {
            complainer: trustees.index(bad_dealer),
            complaints: vec![],
        },
    );

    let finished = finish_all(checked, &board, &complaints);
    let (shares, outcome, errors) = shares_and_outcome(&trustees, finished, &board, &complaints);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        outcome.disqualified,
        vec![(
            trustees.index(bad_dealer),
            Disqualification::BadShare {
                complainer: trustees.index(victim)
            }
        )]
    );
    let qualified: Vec<u32> = outcome.qualified.iter().map(|i| i.get()).collect();
    assert_eq!(qualified, vec![1, 3, 4, 5]);
    assert!(!outcome.is_qualified(trustees.index(bad_dealer)));
    assert_eq!(
        *outcome.joint_key.point(),
        sum_of_constant_terms(
            board
                .iter()
                .filter(|d| d.dealer != trustees.index(bad_dealer))
        )
    );
    assert_eq!(shares.len(), 4);
    assert_every_t_subset_decrypts(
        &trustees.params,
        &trustees,
        &outcome.joint_key,
        &shares,
        &mut rng,
    );
}

#[test]
fn a_corrupted_share_disqualifies_its_dealer() {
    check_bad_share(BadShare::Corrupted, 700);
}

#[test]
fn a_share_of_another_polynomial_disqualifies_its_dealer() {
    check_bad_share(BadShare::FromAnotherPolynomial, 710);
}

#[test]
fn a_share_copied_from_another_dealer_disqualifies_its_dealer() {
    check_bad_share(BadShare::ReplayedFromAnotherDealer, 715);
}

/// A (3, 5) ceremony in which trustee `complainer` saw a corrupted copy of
/// dealer `dealer`'s share, while the board holds the honest message: its
/// complaint is well-formed but false.
struct FalseComplaintScenario {
    trustees: Trustees,
    board: Vec<DealerMessage>,
    checked: Vec<(u32, Checked)>,
    complaints: Vec<ComplaintsMessage>,
}

fn false_complaint_scenario(dealer: u32, complainer: u32, seed: u64) -> FalseComplaintScenario {
    let mut rng = rng(seed);
    let trustees = Trustees::new(3, 5, &mut rng);
    let (states, board) = trustees.deal_some(&trustees.all(), &mut rng);
    let mut seen = board.clone();
    let d = (dealer - 1) as usize;
    let slot = seen[d]
        .shares
        .iter()
        .position(|s| s.recipient == trustees.index(complainer))
        .unwrap();
    seen[d].shares[slot].sealed[0] ^= 1;
    let mut checked = Vec::new();
    let mut complaints = Vec::new();
    for (i, state) in states {
        let view = if i == complainer { &seen } else { &board };
        let (c, m) = state.receive(view, &mut rng).unwrap();
        checked.push((i, c));
        complaints.push(m);
    }
    let k = (complainer - 1) as usize;
    assert_eq!(complaints[k].complaints.len(), 1);
    assert_eq!(complaints[k].complaints[0].dealer, trustees.index(dealer));
    FalseComplaintScenario {
        trustees,
        board,
        checked,
        complaints,
    }
}

#[test]
fn a_false_complaint_disqualifies_the_complainer() {
    let mut rng = rng(720);
    let s = false_complaint_scenario(1, 3, 721);
    let finished = finish_all(s.checked, &s.board, &s.complaints);
    let (shares, outcome, errors) =
        shares_and_outcome(&s.trustees, finished, &s.board, &s.complaints);
    let i = |k| s.trustees.index(k);
    assert_eq!(
        outcome.disqualified,
        vec![(i(3), Disqualification::FalseComplaint { dealer: i(1) })]
    );
    assert_eq!(outcome.qualified, vec![i(1), i(2), i(4), i(5)]);
    // The liar learns it was disqualified; everyone else has a share.
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 3);
    assert!(matches!(errors[0].1, ThresholdError::SelfDisqualified(_)));
    assert_eq!(shares.len(), 4);
    assert_eq!(
        *outcome.joint_key.point(),
        sum_of_constant_terms(s.board.iter().filter(|d| d.dealer != i(3)))
    );
    assert_every_t_subset_decrypts(
        &s.trustees.params,
        &s.trustees,
        &outcome.joint_key,
        &shares,
        &mut rng,
    );
}

#[test]
fn a_complaint_with_an_invalid_proof_is_false() {
    let base = false_complaint_scenario(2, 5, 730);
    let genuine: Complaint = base.complaints[4].complaints[0].clone();
    let edits: Vec<(&str, Complaint)> = vec![
        ("proof a", {
            let mut c = genuine.clone();
            c.proof.0.a = bump_point(&c.proof.0.a);
            c
        }),
        ("proof b", {
            let mut c = genuine.clone();
            c.proof.0.b = bump_point(&c.proof.0.b);
            c
        }),
        ("proof z", {
            let mut c = genuine.clone();
            c.proof.0.z = bump_scalar(&c.proof.0.z);
            c
        }),
        ("shared secret", {
            let mut c = genuine.clone();
            c.shared_secret = bump_point(&c.shared_secret);
            c
        }),
        ("identity shared secret", {
            let mut c = genuine.clone();
            c.shared_secret = Point::decode(&[0u8; 32]).unwrap();
            c
        }),
    ];
    let t = &base.trustees;
    for (what, complaint) in edits {
        let mut complaints = base.complaints.clone();
        complaints[4].complaints = vec![complaint];
        let outcome = resolve(
            &t.fingerprint,
            &t.params,
            &t.roster,
            &base.board,
            &complaints,
        )
        .unwrap();
        assert_eq!(
            outcome.disqualified,
            vec![(
                t.index(5),
                Disqualification::FalseComplaint { dealer: t.index(2) }
            )],
            "{what}"
        );
    }
    // A complaint copied by another trustee does not transfer: the proof is
    // bound to the complainer's key and the share's route.
    let mut complaints = base.complaints.clone();
    complaints[0].complaints = vec![genuine];
    let outcome = resolve(
        &t.fingerprint,
        &t.params,
        &t.roster,
        &base.board,
        &complaints,
    )
    .unwrap();
    assert_eq!(
        outcome.disqualified,
        vec![
            (
                t.index(1),
                Disqualification::FalseComplaint { dealer: t.index(2) }
            ),
            (
                t.index(5),
                Disqualification::FalseComplaint { dealer: t.index(2) }
            ),
        ]
    );
}

#[test]
fn malformed_complaint_lists_disqualify_the_complainer() {
    let mut rng = rng(740);
    let trustees = Trustees::new(2, 4, &mut rng);
    let (states, board) = trustees.deal_some(&trustees.all(), &mut rng);
    // Dealers 1 and 2 both send trustee 4 corrupted shares.
    let mut bad = board.clone();
    bad[0].shares[2].sealed[5] ^= 1;
    bad[1].shares[2].sealed[5] ^= 1;
    let mut complaints = Vec::new();
    for (i, state) in states {
        let view = if i == 4 { &bad } else { &board };
        complaints.push(state.receive(view, &mut rng).unwrap().1);
    }
    assert_eq!(complaints[3].complaints.len(), 2);
    let outcome = resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        &bad,
        &complaints,
    )
    .unwrap();
    let i = |k| trustees.index(k);
    assert_eq!(
        outcome.disqualified,
        vec![
            (i(1), Disqualification::BadShare { complainer: i(4) }),
            (i(2), Disqualification::BadShare { complainer: i(4) }),
        ]
    );

    let invalid = |complaints: &[ComplaintsMessage]| {
        let outcome = resolve(
            &trustees.fingerprint,
            &trustees.params,
            &trustees.roster,
            &bad,
            complaints,
        )
        .unwrap();
        assert_eq!(outcome.disqualified.len(), 1, "{:?}", outcome.disqualified);
        assert_eq!(outcome.disqualified[0].0, i(4));
        assert!(matches!(
            outcome.disqualified[0].1,
            Disqualification::InvalidComplaints { .. }
        ));
    };
    // Out of order.
    let mut swapped = complaints.clone();
    swapped[3].complaints.swap(0, 1);
    invalid(&swapped);
    // Twice against the same dealer.
    let mut repeated = complaints.clone();
    let first = repeated[3].complaints[0].clone();
    repeated[3].complaints = vec![first.clone(), first];
    invalid(&repeated);
    // Against itself.
    let mut against_self = complaints.clone();
    against_self[3].complaints[1].dealer = i(4);
    invalid(&against_self);
    // Against a trustee index beyond n (which still decodes).
    let mut beyond = complaints.clone();
    beyond[3].complaints[1].dealer = serde_json::from_str("5").unwrap();
    invalid(&beyond);
    // A trustee that posts no complaints message at all is disqualified too:
    // with dealers 1 and 2 already out, that leaves too few trustees.
    let mut silent = complaints.clone();
    silent.remove(2);
    assert_eq!(
        resolve(
            &trustees.fingerprint,
            &trustees.params,
            &trustees.roster,
            &bad,
            &silent
        ),
        Err(ThresholdError::NotEnoughTrustees {
            needed: 2,
            available: 1
        })
    );
    // Had trustee 4 not complained, only the silent trustee would be out.
    silent[2].complaints.clear();
    let outcome = resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        &bad,
        &silent,
    )
    .unwrap();
    assert_eq!(
        outcome.disqualified,
        vec![(i(3), Disqualification::NoConfirmation)]
    );
}

/// A rogue dealer publishes `C_0 = X − Σ_{others} C_{i,0}`, so that the
/// joint key would be `X`, whose secret it knows.
fn check_rogue_key(copy_proof_from_other_dealer: bool, seed: u64) {
    let mut rng = rng(seed);
    let trustees = Trustees::new(3, 4, &mut rng);
    let rogue = 4u32;
    let (mut states, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    let x = Scalar::from(123_456_789u64);
    let target = Point::GENERATOR.point() * x;
    let others = sum_of_constant_terms(&board[..3]);
    board[3].commitments[0] = Point::new(target - others.point());
    if copy_proof_from_other_dealer {
        board[3].proofs[0] = board[0].proofs[0].clone();
    }
    // Without the proofs of possession the attack would work:
    assert_eq!(
        sum_of_constant_terms(&board).point(),
        &target,
        "the attack is set up"
    );
    assert_eq!(
        board[3].check_public(&trustees.fingerprint, &trustees.params),
        Err(ThresholdError::MalformedMessage {
            dealer: rogue,
            reason: "invalid proof of possession"
        })
    );
    let _ = states.remove(3);
    let (checked, mut complaints) = trustees.receive_all(states, &board, &mut rng);
    // Nobody needs to complain about a publicly invalid dealing.
    assert!(complaints.iter().all(|m| m.complaints.is_empty()));
    complaints.push(ComplaintsMessage {
        complainer: trustees.index(rogue),
        complaints: vec![],
    });
    let finished = finish_all(checked, &board, &complaints);
    let (shares, outcome, errors) = shares_and_outcome(&trustees, finished, &board, &complaints);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(outcome.disqualified.len(), 1);
    let (who, why) = &outcome.disqualified[0];
    assert_eq!(who.get(), rogue);
    match why {
        Disqualification::InvalidDealing { detail } => {
            assert!(detail.contains("invalid proof of possession"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    assert_ne!(outcome.joint_key.point().point(), &target);
    assert_eq!(*outcome.joint_key.point(), others);
    assert_every_t_subset_decrypts(
        &trustees.params,
        &trustees,
        &outcome.joint_key,
        &shares,
        &mut rng,
    );
}

#[test]
fn a_rogue_key_with_its_own_old_proof_is_rejected() {
    check_rogue_key(false, 750);
}

#[test]
fn a_rogue_key_with_another_dealers_proof_is_rejected() {
    check_rogue_key(true, 760);
}

#[test]
fn a_dealing_from_another_ceremony_is_rejected() {
    let mut rng = rng(770);
    let trustees = Trustees::new(2, 3, &mut rng);
    let (_, board) = trustees.deal_some(&trustees.all(), &mut rng);
    let other_fp = fingerprint(0x77);
    for dealing in &board {
        assert!(matches!(
            dealing.check_public(&other_fp, &trustees.params),
            Err(ThresholdError::MalformedMessage {
                reason: "invalid proof of possession",
                ..
            })
        ));
    }
    // Under another ceremony's fingerprint every dealing is invalid, and
    // no key results.
    let complaints: Vec<_> = trustees
        .all()
        .into_iter()
        .map(|i| ComplaintsMessage {
            complainer: trustees.index(i),
            complaints: vec![],
        })
        .collect();
    assert_eq!(
        resolve(
            &other_fp,
            &trustees.params,
            &trustees.roster,
            &board,
            &complaints
        ),
        Err(ThresholdError::NotEnoughTrustees {
            needed: 2,
            available: 0
        })
    );
}

#[test]
fn structurally_invalid_dealings_are_disqualified() {
    let mut rng = rng(780);
    let trustees = Trustees::new(3, 4, &mut rng);
    let (_, board) = trustees.deal_some(&trustees.all(), &mut rng);
    let identity = Point::decode(&[0u8; 32]).unwrap();
    let mut edits: Vec<(&str, DealerMessage)> = Vec::new();
    let base = &board[1];
    let mut m = base.clone();
    m.commitments.pop();
    edits.push(("wrong number of coefficient commitments", m));
    let mut m = base.clone();
    m.commitments.push(m.commitments[0]);
    edits.push(("wrong number of coefficient commitments", m));
    let mut m = base.clone();
    m.proofs.pop();
    edits.push(("wrong number of proofs of possession", m));
    let mut m = base.clone();
    m.commitments[2] = identity;
    edits.push(("identity coefficient commitment", m));
    let mut m = base.clone();
    m.proofs.swap(0, 1);
    edits.push(("invalid proof of possession", m));
    let mut m = base.clone();
    m.commitments.swap(1, 2);
    edits.push(("invalid proof of possession", m));
    let mut m = base.clone();
    m.proofs[2].0.z = bump_scalar(&m.proofs[2].0.z);
    edits.push(("invalid proof of possession", m));
    // Errors that cancel when the proofs are added with equal weights.
    let mut m = base.clone();
    m.proofs[0].0.z += Scalar::ONE;
    m.proofs[1].0.z -= Scalar::ONE;
    edits.push(("invalid proof of possession", m));
    let mut m = base.clone();
    m.proofs[1].0.a = bump_point(&m.proofs[1].0.a);
    m.proofs[2].0.a = Point::new(m.proofs[2].0.a.point() - Point::GENERATOR.point());
    edits.push(("invalid proof of possession", m));
    let mut m = base.clone();
    m.shares.pop();
    edits.push((
        "shares are not exactly one per other trustee in ascending order",
        m,
    ));
    let mut m = base.clone();
    m.shares.swap(0, 1);
    edits.push((
        "shares are not exactly one per other trustee in ascending order",
        m,
    ));
    let mut m = base.clone();
    let extra = m.shares[0].clone();
    m.shares.insert(0, extra);
    edits.push((
        "shares are not exactly one per other trustee in ascending order",
        m,
    ));
    let mut m = base.clone();
    m.shares[1].ephemeral = identity;
    edits.push(("identity ephemeral key", m));

    let complaints: Vec<_> = trustees
        .all()
        .into_iter()
        .map(|i| ComplaintsMessage {
            complainer: trustees.index(i),
            complaints: vec![],
        })
        .collect();
    for (reason, message) in edits {
        assert_eq!(
            message.check_public(&trustees.fingerprint, &trustees.params),
            Err(ThresholdError::MalformedMessage { dealer: 2, reason }),
            "{reason}"
        );
        let mut altered = board.clone();
        altered[1] = message;
        let outcome = resolve(
            &trustees.fingerprint,
            &trustees.params,
            &trustees.roster,
            &altered,
            &complaints,
        )
        .unwrap();
        assert_eq!(outcome.disqualified.len(), 1, "{reason}");
        assert_eq!(outcome.disqualified[0].0, trustees.index(2));
        match &outcome.disqualified[0].1 {
            Disqualification::InvalidDealing { detail } => {
                assert!(detail.contains(reason), "{detail}")
            }
            other => panic!("{reason}: {other:?}"),
        }
    }
}

#[test]
fn duplicate_trustee_indices_are_rejected() {
    let mut rng = rng(790);
    let trustees = Trustees::new(2, 3, &mut rng);
    let (mut states, board) = trustees.deal_some(&trustees.all(), &mut rng);
    let (_, second) = trustees.deal(2, &mut rng);
    let complaints: Vec<_> = trustees
        .all()
        .into_iter()
        .map(|i| ComplaintsMessage {
            complainer: trustees.index(i),
            complaints: vec![],
        })
        .collect();
    let fp = &trustees.fingerprint;
    let (params, roster) = (&trustees.params, &trustees.roster);

    for extra in [second, board[1].clone()] {
        let mut doubled = board.clone();
        doubled.push(extra);
        assert_eq!(
            resolve(fp, params, roster, &doubled, &complaints),
            Err(ThresholdError::DuplicateIndex(2))
        );
        let (_, state) = states.remove(0);
        assert_eq!(
            state.receive(&doubled, &mut rng).unwrap_err(),
            ThresholdError::DuplicateIndex(2)
        );
        states.insert(0, (1, trustees.deal(1, &mut rng).0));
    }

    let mut doubled = complaints.clone();
    doubled.push(complaints[0].clone());
    assert_eq!(
        resolve(fp, params, roster, &board, &doubled),
        Err(ThresholdError::DuplicateIndex(1))
    );

    // Two roster entries with the same key.
    let mut same_key = roster.clone();
    same_key[2] = same_key[0];
    assert!(matches!(
        resolve(fp, params, &same_key, &board, &complaints),
        Err(ThresholdError::MalformedMessage { dealer: 3, .. })
    ));

    // Decrypting with a repeated trustee index is refused.
    let i = trustees.index(1);
    assert_eq!(
        combination_coefficients(params, &[i, i]),
        Err(ThresholdError::DuplicateIndex(1))
    );
}

#[test]
fn absent_trustees_at_key_generation_and_at_decryption() {
    // 3-of-5: trustee 5 never shows up for the ceremony, trustee 2 is away
    // on decryption day. The remaining three decrypt correctly.
    let mut rng = rng(800);
    let trustees = Trustees::new(3, 5, &mut rng);
    let (states, board) = trustees.deal_some(&[1, 2, 3, 4], &mut rng);
    let (checked, complaints) = trustees.receive_all(states, &board, &mut rng);
    assert!(complaints.iter().all(|m| m.complaints.is_empty()));
    let finished = finish_all(checked, &board, &complaints);
    let (shares, outcome, errors) = shares_and_outcome(&trustees, finished, &board, &complaints);
    assert!(errors.is_empty());
    assert_eq!(
        outcome.disqualified,
        vec![(trustees.index(5), Disqualification::NoDealing)]
    );
    let present: Vec<&KeyShare> = shares.iter().filter(|s| s.index().get() != 2).collect();
    assert_eq!(present.len(), 3);
    let (ct, _) = outcome.joint_key.encrypt_with_rng(77, &mut rng);
    assert_eq!(
        threshold_decrypt(
            &trustees.params,
            &trustees.fingerprint,
            &present,
            &ct,
            100,
            &mut rng
        ),
        77
    );
    // Two present are not enough.
    let partials: Vec<_> = present[..2]
        .iter()
        .map(|s| {
            (
                s.index(),
                s.partial_decrypt_with_rng(&trustees.fingerprint, &ct, &mut rng),
            )
        })
        .collect();
    let refs: Vec<(TrusteeIndex, &Point)> = partials.iter().map(|(i, p)| (*i, &p.share)).collect();
    assert_eq!(
        psephos_crypto::threshold::combine(&trustees.params, &ct, &refs),
        Err(ThresholdError::NotEnoughTrustees {
            needed: 3,
            available: 2
        })
    );
}

#[test]
fn five_of_nine_with_four_absent_at_key_generation() {
    let mut rng = rng(810);
    let trustees = Trustees::new(5, 9, &mut rng);
    let present = [1u32, 3, 4, 7, 9];
    let (states, board) = trustees.deal_some(&present, &mut rng);
    let (checked, complaints) = trustees.receive_all(states, &board, &mut rng);
    let finished = finish_all(checked, &board, &complaints);
    let (shares, outcome, errors) = shares_and_outcome(&trustees, finished, &board, &complaints);
    assert!(errors.is_empty());
    let qualified: Vec<u32> = outcome.qualified.iter().map(|i| i.get()).collect();
    assert_eq!(qualified, present);
    assert_eq!(outcome.disqualified.len(), 4);
    assert!(outcome
        .disqualified
        .iter()
        .all(|(_, why)| *why == Disqualification::NoDealing));
    assert_every_t_subset_decrypts(
        &trustees.params,
        &trustees,
        &outcome.joint_key,
        &shares,
        &mut rng,
    );
}

#[test]
fn too_many_absent_trustees_leave_no_key() {
    let mut rng = rng(820);
    let trustees = Trustees::new(3, 5, &mut rng);
    let (states, board) = trustees.deal_some(&[1, 2], &mut rng);
    let (checked, complaints) = trustees.receive_all(states, &board, &mut rng);
    let expected = ThresholdError::NotEnoughTrustees {
        needed: 3,
        available: 2,
    };
    assert_eq!(
        resolve(
            &trustees.fingerprint,
            &trustees.params,
            &trustees.roster,
            &board,
            &complaints
        ),
        Err(expected.clone())
    );
    for (_, result) in finish_all(checked, &board, &complaints) {
        assert_eq!(result.unwrap_err(), expected);
    }
}

#[test]
fn a_trustee_whose_own_dealing_was_altered_stops() {
    let mut rng = rng(830);
    let trustees = Trustees::new(2, 3, &mut rng);
    // Round 2: the board shows trustee 1 a changed copy of its own dealing, or none.
    type Edit = fn(&mut Vec<DealerMessage>, DealerMessage);
    let edits: [(&str, Edit); 4] = [
        ("share changed", |b, _| b[0].shares[0].sealed[3] ^= 4),
        ("commitment changed", |b, _| {
            b[0].commitments[1] = bump_point(&b[0].commitments[1])
        }),
        ("replaced by another valid dealing", |b, other| b[0] = other),
        ("missing", |b, _| {
            b.remove(0);
        }),
    ];
    for (what, edit) in edits {
        let (mut states, board) = trustees.deal_some(&trustees.all(), &mut rng);
        let (_, other) = trustees.deal(1, &mut rng);
        let mut view = board.clone();
        edit(&mut view, other);
        assert_ne!(view, board);
        let (_, state) = states.remove(0);
        assert_eq!(state.message(), &board[0]);
        assert_eq!(
            state.receive(&view, &mut rng).unwrap_err(),
            ThresholdError::OwnMessageAltered,
            "{what}"
        );
        // The others are not affected by trustee 1's own check.
        let (_, state) = states.remove(0);
        state.receive(&view, &mut rng).unwrap();
    }

    // Round 3: the dealings are swapped after everyone checked them.
    let (states, board) = trustees.deal_some(&trustees.all(), &mut rng);
    let (checked, complaints) = trustees.receive_all(states, &board, &mut rng);
    let (_, new_one) = trustees.deal(1, &mut rng);
    let (_, new_two) = trustees.deal(2, &mut rng);
    let mut swapped = board.clone();
    swapped[0] = new_one;
    swapped[1] = new_two;
    // Both replacement dealings are valid, so the public outcome is fine ...
    resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        &swapped,
        &complaints,
    )
    .unwrap();
    // ... but trustee 1 sees its own dealing changed and trustee 3 sees a
    // dealing other than the one whose share it checked.
    let results = finish_all(checked, &swapped, &complaints);
    assert_eq!(
        results[0].1.as_ref().unwrap_err(),
        &ThresholdError::OwnMessageAltered
    );
    assert_eq!(
        results[2].1.as_ref().unwrap_err(),
        &ThresholdError::MessageChanged(1)
    );
}

#[test]
fn dealing_refuses_inconsistent_inputs() {
    let mut rng = rng(840);
    let trustees = Trustees::new(2, 3, &mut rng);
    let fp = trustees.fingerprint;
    let params = trustees.params;
    let key = trustees.keys[0].clone();
    let me = trustees.index(1);
    assert_eq!(
        psephos_crypto::dkg::Dealer::deal_with_rng(
            fp,
            params,
            me,
            key.clone(),
            trustees.roster[..2].to_vec(),
            &mut rng
        )
        .unwrap_err(),
        ThresholdError::RosterSize {
            expected: 3,
            found: 2
        }
    );
    // My key is not at my index.
    let mut roster = trustees.roster.clone();
    roster.swap(0, 1);
    assert!(matches!(
        psephos_crypto::dkg::Dealer::deal_with_rng(fp, params, me, key.clone(), roster, &mut rng),
        Err(ThresholdError::MalformedMessage { dealer: 1, .. })
    ));
    // An identity key in the roster.
    let mut roster = trustees.roster.clone();
    roster[2] = Point::decode(&[0u8; 32]).unwrap();
    assert!(matches!(
        psephos_crypto::dkg::Dealer::deal_with_rng(fp, params, me, key.clone(), roster, &mut rng),
        Err(ThresholdError::MalformedMessage { .. })
    ));
    // An index from a larger ceremony.
    let big = ThresholdParams::new(2, 9).unwrap();
    let outside = TrusteeIndex::new(7, &big).unwrap();
    assert_eq!(
        psephos_crypto::dkg::Dealer::deal_with_rng(
            fp,
            params,
            outside,
            key,
            trustees.roster.clone(),
            &mut rng
        )
        .unwrap_err(),
        ThresholdError::IndexOutOfRange { index: 7, n: 3 }
    );
}

/// Empty complaints messages (every share confirmed) from the given trustees.
fn confirmations(trustees: &Trustees, from: &[u32]) -> Vec<ComplaintsMessage> {
    from.iter()
        .map(|&i| ComplaintsMessage {
            complainer: trustees.index(i),
            complaints: vec![],
        })
        .collect()
}

#[test]
fn the_first_reason_in_resolution_order_wins() {
    // Dealer 3 sends trustee 1 a bad share and dealer 2 sends trustee 4 a
    // bad share; neither dealer posts a complaints message. Complainer 1
    // comes before 3, so dealer 3 is out for its bad share; dealer 2's own
    // missing confirmation comes before complainer 4.
    let mut rng = rng(850);
    let trustees = Trustees::new(2, 4, &mut rng);
    let (states, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    board[2].shares[0].sealed[9] ^= 1; // dealer 3 → trustee 1
    board[1].shares[2].sealed[9] ^= 1; // dealer 2 → trustee 4
    let mut complaints = Vec::new();
    for (i, state) in states {
        if i == 1 || i == 4 {
            complaints.push(state.receive(&board, &mut rng).unwrap().1);
        }
    }
    assert_eq!(complaints[0].complaints.len(), 1);
    assert_eq!(complaints[1].complaints.len(), 1);
    let outcome = resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        &board,
        &complaints,
    )
    .unwrap();
    let i = |k| trustees.index(k);
    assert_eq!(
        outcome.disqualified,
        vec![
            (i(2), Disqualification::NoConfirmation),
            (i(3), Disqualification::BadShare { complainer: i(1) }),
        ]
    );
    assert_eq!(outcome.qualified, vec![i(1), i(4)]);
}

#[test]
fn a_complaint_counts_even_when_its_author_is_disqualified() {
    // Trustee 3's own dealing turns out invalid, but its complaint about
    // dealer 1's share is evidence all the same.
    let mut rng = rng(860);
    let trustees = Trustees::new(2, 4, &mut rng);
    let (mut states, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    board[0].shares[1].sealed[0] ^= 1; // dealer 1 → trustee 3
    states.remove(0); // the dishonest dealer only confirms
    let (_, mut complaints) = trustees.receive_all(states, &board, &mut rng);
    complaints.insert(0, confirmations(&trustees, &[1]).remove(0));
    assert_eq!(complaints[2].complaints.len(), 1);
    board[2].proofs.swap(0, 1);
    let outcome = resolve(
        &trustees.fingerprint,
        &trustees.params,
        &trustees.roster,
        &board,
        &complaints,
    )
    .unwrap();
    let i = |k| trustees.index(k);
    assert_eq!(outcome.disqualified.len(), 2);
    assert_eq!(
        outcome.disqualified[0],
        (i(1), Disqualification::BadShare { complainer: i(3) })
    );
    assert_eq!(outcome.disqualified[1].0, i(3));
    assert!(matches!(
        outcome.disqualified[1].1,
        Disqualification::InvalidDealing { .. }
    ));
    assert_eq!(outcome.qualified, vec![i(2), i(4)]);
}

#[test]
fn colluding_dealers_cannot_make_the_joint_key_the_identity() {
    // Two dealers who agree on opposite constant terms, each with a valid
    // proof of possession: the joint key would be the identity, and the
    // ceremony must stop instead.
    let mut rng = rng(870);
    let trustees = Trustees::new(1, 2, &mut rng);
    let (_, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    let x = Scalar::from(987_654_321u64);
    for (slot, secret) in [(0usize, x), (1, -x)] {
        let point = Point::new(Point::GENERATOR.point() * secret);
        let statement = psephos_crypto::proofs::possession::PossessionStatement {
            fingerprint: &trustees.fingerprint,
            claim: psephos_crypto::proofs::possession::PossessionClaim::Coefficient {
                dealer: trustees.index(slot as u32 + 1),
                index: 0,
            },
            point: &point,
        };
        let proof = psephos_crypto::proofs::possession::PossessionProof::prove_with_rng(
            &statement,
            &psephos_crypto::secret::SecretScalar::new(secret),
            &mut rng,
        );
        board[slot].commitments[0] = point;
        board[slot].proofs[0] = proof;
        board[slot]
            .check_public(&trustees.fingerprint, &trustees.params)
            .unwrap();
    }
    assert_eq!(
        resolve(
            &trustees.fingerprint,
            &trustees.params,
            &trustees.roster,
            &board,
            &confirmations(&trustees, &[1, 2]),
        ),
        Err(ThresholdError::IdentityKey)
    );
}

#[test]
fn a_trustee_whose_complaint_went_missing_cannot_finish() {
    // Trustee 4 got a bad share from dealer 2 and complained, but the board
    // shows an empty confirmation from it: dealer 2 stays qualified, and
    // trustee 4 has no share from it.
    let mut rng = rng(880);
    let trustees = Trustees::new(2, 4, &mut rng);
    let (mut states, mut board) = trustees.deal_some(&trustees.all(), &mut rng);
    board[1].shares[2].sealed[40] ^= 1; // dealer 2 → trustee 4
    states.remove(1); // the dishonest dealer only confirms
    let (checked, mut complaints) = trustees.receive_all(states, &board, &mut rng);
    complaints.push(confirmations(&trustees, &[2]).remove(0));
    assert_eq!(complaints[2].complainer, trustees.index(4));
    assert_eq!(complaints[2].complaints.len(), 1);
    complaints[2].complaints.clear();
    let results = finish_all(checked, &board, &complaints);
    assert_eq!(results.len(), 3);
    for (i, result) in &results[..2] {
        assert!(result.is_ok(), "trustee {i}: {result:?}");
    }
    assert_eq!(results[2].0, 4);
    assert_eq!(
        results[2].1.as_ref().unwrap_err(),
        &ThresholdError::MissingShare(2)
    );
}

#[test]
fn receiving_a_board_with_an_index_out_of_range_stops() {
    let mut rng = rng(890);
    let trustees = Trustees::new(2, 3, &mut rng);
    let (mut states, board) = trustees.deal_some(&trustees.all(), &mut rng);
    let mut v = serde_json::to_value(&board[2]).unwrap();
    v["dealer"] = serde_json::Value::from(4);
    let mut bad = board.clone();
    bad.push(serde_json::from_value(v).unwrap());
    let (_, state) = states.remove(0);
    assert_eq!(
        state.receive(&bad, &mut rng).unwrap_err(),
        ThresholdError::IndexOutOfRange { index: 4, n: 3 }
    );
}
