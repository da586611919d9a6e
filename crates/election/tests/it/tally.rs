//! Homomorphic tally, threshold decryption and the result.

use std::sync::OnceLock;

use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::ballot::Ballot;
use psephos_election::tally::{
    combine_result, ElectionResult, EncryptedTally, TallyAccumulator, TallyDecryption, TallyError,
};

use crate::common::{bump_point, cast, election, fixture, rng, NORTH, SOUTH, THRESHOLD};

/// One voter's plaintext ballot.
struct Vote {
    voter: u64,
    style: &'static str,
    choices: Vec<Vec<usize>>,
}

fn votes() -> Vec<Vote> {
    let v = |voter, style, choices: &[&[usize]]| Vote {
        voter,
        style,
        choices: choices.iter().map(|c| c.to_vec()).collect(),
    };
    vec![
        // North: rules (yes, no), board (alice, bob, carol, dan), delegate.
        v(0, NORTH, &[&[0], &[0, 1], &[2]]),
        v(2, NORTH, &[&[1], &[1], &[]]),
        v(4, NORTH, &[&[], &[1, 3], &[0]]),
        v(6, NORTH, &[&[0], &[2], &[2]]),
        v(8, NORTH, &[&[0], &[1, 2], &[]]),
        // South: board, rules.
        v(1, SOUTH, &[&[0], &[1]]),
        v(3, SOUTH, &[&[3, 2], &[]]),
        v(5, SOUTH, &[&[1], &[0]]),
        v(7, SOUTH, &[&[0, 1], &[0]]),
    ]
}

/// The cast ballots of [`votes`], built once.
fn ballots() -> &'static [Ballot] {
    static BALLOTS: OnceLock<Vec<Ballot>> = OnceLock::new();
    BALLOTS.get_or_init(|| {
        votes()
            .iter()
            .map(|v| cast(v.voter, v.style, &v.choices, 500 + v.voter))
            .collect()
    })
}

/// Plaintext counts per style, question (ballot order) and option.
fn expected_counts(votes: &[&Vote]) -> Vec<Vec<Vec<u64>>> {
    election()
        .layouts
        .iter()
        .map(|layout| {
            let mut counts: Vec<Vec<u64>> = layout
                .questions
                .iter()
                .map(|q| vec![0; q.options])
                .collect();
            for vote in votes.iter().filter(|v| v.style == layout.id) {
                for (q, choice) in vote.choices.iter().enumerate() {
                    for &o in choice {
                        counts[q][o] += 1;
                    }
                }
            }
            counts
        })
        .collect()
}

fn accumulate<'a>(ballots: impl IntoIterator<Item = &'a Ballot>) -> TallyAccumulator {
    let mut acc = TallyAccumulator::new(election());
    for b in ballots {
        assert!(acc.add(election(), b));
    }
    acc
}

fn full_tally() -> EncryptedTally {
    accumulate(ballots()).finish(election())
}

fn index(i: u32) -> TrusteeIndex {
    TrusteeIndex::new(i, &election().params).unwrap()
}

/// Trustee `i`'s decryption of `tally`, checked.
fn decrypt(i: u32, tally: &EncryptedTally) -> TallyDecryption {
    let share = &fixture().shares[(i - 1) as usize];
    assert_eq!(share.index(), index(i));
    let d =
        TallyDecryption::compute_with_rng(election(), share, tally, &mut rng(900 + u64::from(i)));
    d.verify(election(), index(i), &fixture().outcome, tally, &mut rng(1))
        .unwrap();
    d
}

fn decrypt_with(trustees: &[u32], tally: &EncryptedTally) -> Result<ElectionResult, TallyError> {
    let decryptions: Vec<(TrusteeIndex, TallyDecryption)> = trustees
        .iter()
        .map(|&i| (index(i), decrypt(i, tally)))
        .collect();
    let refs: Vec<(TrusteeIndex, &TallyDecryption)> =
        decryptions.iter().map(|(i, d)| (*i, d)).collect();
    combine_result(election(), tally, &refs)
}

#[track_caller]
fn assert_result_matches(result: &ElectionResult, votes: &[&Vote]) {
    let expected = expected_counts(votes);
    assert_eq!(result.styles.len(), 2);
    for ((style, counts), layout) in result.styles.iter().zip(&expected).zip(&election().layouts) {
        assert_eq!(style.style, layout.id);
        let n = votes.iter().filter(|v| v.style == layout.id).count() as u64;
        assert_eq!(style.ballots, n);
        for ((q, want), q_layout) in style.questions.iter().zip(counts).zip(&layout.questions) {
            assert_eq!(q.question, q_layout.id);
            assert_eq!(q.ballots, n);
            assert_eq!(
                &q.counts, want,
                "style {} question {}",
                style.style, q.question
            );
        }
    }
    // Overall, in manifest order, summed over the styles that ask each question.
    let ids: Vec<&str> = result.overall.iter().map(|q| q.question.as_str()).collect();
    assert_eq!(ids, ["rules", "board", "north-delegate"]);
    for total in &result.overall {
        let mut counts = vec![0u64; total.counts.len()];
        let mut ballots = 0;
        for style in &result.styles {
            for q in style
                .questions
                .iter()
                .filter(|q| q.question == total.question)
            {
                ballots += q.ballots;
                for (c, k) in counts.iter_mut().zip(&q.counts) {
                    *c += k;
                }
            }
        }
        assert_eq!(total.counts, counts, "{}", total.question);
        assert_eq!(total.ballots, ballots);
    }
}

#[test]
fn the_tally_has_the_election_shape() {
    let tally = full_tally();
    assert_eq!(tally.styles.len(), 2);
    assert_eq!(tally.styles[0].style, NORTH);
    assert_eq!(tally.styles[0].ballots, 5);
    assert_eq!(tally.styles[1].style, SOUTH);
    assert_eq!(tally.styles[1].ballots, 4);
    // North: 2 + 4 + 3 options; south: 4 + 2.
    assert_eq!(tally.len(), 15);
    assert!(!tally.is_empty());
    let ids: Vec<&str> = tally.styles[1]
        .questions
        .iter()
        .map(|q| q.question.as_str())
        .collect();
    assert_eq!(ids, ["board", "rules"]);
}

#[test]
fn threshold_decryption_gives_the_plaintext_counts() {
    let tally = full_tally();
    let all: Vec<Vote> = votes();
    let refs: Vec<&Vote> = all.iter().collect();
    let result = decrypt_with(&[1, 2], &tally).unwrap();
    assert_result_matches(&result, &refs);
    assert_eq!(result.decrypted_by, vec![index(1), index(2)]);
    // Hand-checked figures: north board alice 1, bob 4, carol 2, dan 1;
    // south board 2, 2, 1, 1; overall rules yes 5, no 2 (2 blank).
    assert_eq!(result.styles[0].questions[1].counts, [1, 4, 2, 1]);
    assert_eq!(result.styles[1].questions[0].counts, [2, 2, 1, 1]);
    assert_eq!(result.styles[1].questions[1].counts, [2, 1]);
    assert_eq!(result.overall[0].counts, [5, 2]);
    assert_eq!(result.overall[0].ballots, 9);
    assert_eq!(result.overall[1].counts, [3, 6, 3, 2]);
    assert_eq!(result.overall[2].ballots, 5);
    // Any qualified set gives the same counts.
    for set in [&[2, 3][..], &[1, 3], &[3, 1], &[1, 2, 3]] {
        let other = decrypt_with(set, &tally).unwrap();
        assert_eq!(other.styles, result.styles, "{set:?}");
        assert_eq!(other.overall, result.overall, "{set:?}");
        let mut sorted: Vec<TrusteeIndex> = set.iter().map(|&i| index(i)).collect();
        sorted.sort();
        assert_eq!(other.decrypted_by, sorted, "ascending");
    }
}

#[test]
fn an_empty_tally_decrypts_to_zero() {
    let tally = TallyAccumulator::new(election()).finish(election());
    let result = decrypt_with(&[2, 3], &tally).unwrap();
    assert_result_matches(&result, &[]);
    assert!(result
        .overall
        .iter()
        .all(|q| q.counts.iter().all(|c| *c == 0)));
}

#[test]
fn remove_undoes_add() {
    let all = ballots();
    let without: Vec<&Ballot> = all
        .iter()
        .enumerate()
        .filter(|(k, _)| *k != 2)
        .map(|(_, b)| b)
        .collect();
    let expected = accumulate(without.iter().copied()).finish(election());
    let mut acc = accumulate(all);
    assert!(acc.remove(election(), &all[2]));
    assert_eq!(acc.finish(election()), expected);
    // Adding then removing anything leaves the sums where they were.
    let mut acc = accumulate(all);
    let before = acc.finish(election());
    let extra = cast(20, SOUTH, &[vec![2], vec![1]], 1);
    acc.add(election(), &extra);
    assert_ne!(acc.finish(election()), before);
    acc.remove(election(), &extra);
    assert_eq!(acc.finish(election()), before);
}

#[test]
fn a_revote_replaces_the_earlier_ballot() {
    let all: Vec<Vote> = votes();
    let first = cast(4, NORTH, &[vec![0], vec![0], vec![1]], 77);
    let mut acc = TallyAccumulator::new(election());
    acc.add(election(), &first);
    for b in ballots() {
        acc.add(election(), b);
    }
    acc.remove(election(), &first);
    let tally = acc.finish(election());
    assert_eq!(tally, full_tally());
    let refs: Vec<&Vote> = all.iter().collect();
    assert_result_matches(&decrypt_with(&[1, 3], &tally).unwrap(), &refs);
}

#[test]
fn merge_and_subtract_all() {
    let all = ballots();
    let (left, right) = all.split_at(4);
    let mut merged = accumulate(left);
    merged.merge(&accumulate(right));
    assert_eq!(merged.finish(election()), full_tally());

    let mut rest = accumulate(all);
    rest.subtract_all(&accumulate(right));
    assert_eq!(rest.finish(election()), accumulate(left).finish(election()));

    // Only the later ballots counted, the superseded ones subtracted.
    let superseded: Vec<Ballot> = (0..3)
        .map(|k| cast(30 + k, NORTH, &[vec![1], vec![3], vec![]], 60 + k))
        .collect();
    let mut acc = accumulate(superseded.iter().chain(all));
    acc.subtract_all(&accumulate(&superseded));
    let tally = acc.finish(election());
    assert_eq!(tally, full_tally());
}

#[test]
fn ballots_of_unknown_styles_are_not_added() {
    let mut ballot = ballots()[0].clone();
    ballot.style = "west".into();
    let mut acc = accumulate(ballots());
    assert!(!acc.add(election(), &ballot));
    assert!(!acc.remove(election(), &ballot));
    assert_eq!(acc.finish(election()), full_tally());
}

#[test]
fn per_style_results_for_a_subset() {
    let all: Vec<Vote> = votes();
    let subset: Vec<&Vote> = all.iter().filter(|v| v.voter % 3 != 0).collect();
    let chosen: Vec<&Ballot> = ballots()
        .iter()
        .zip(&all)
        .filter(|(_, v)| v.voter % 3 != 0)
        .map(|(b, _)| b)
        .collect();
    let tally = accumulate(chosen).finish(election());
    assert_result_matches(&decrypt_with(&[2, 1], &tally).unwrap(), &subset);
}

#[test]
fn a_bad_share_is_rejected_naming_trustee_and_entry() {
    let tally = full_tally();
    let honest = decrypt(2, &tally);
    let outcome = &fixture().outcome;
    for entry in [0, 7, tally.len() - 1] {
        let mut bad = honest.clone();
        bad.shares[entry].share = bump_point(&bad.shares[entry].share);
        assert_eq!(
            bad.verify(election(), index(2), outcome, &tally, &mut rng(2)),
            Err(TallyError::BadShare { trustee: 2, entry })
        );
    }
    // A proof moved to another entry.
    let mut moved = honest.clone();
    moved.shares[4].proof = honest.shares[5].proof.clone();
    assert_eq!(
        moved.verify(election(), index(2), outcome, &tally, &mut rng(3)),
        Err(TallyError::BadShare {
            trustee: 2,
            entry: 4
        })
    );
    // Several bad entries: the first is named.
    let mut many = honest.clone();
    for entry in [9, 3, 12] {
        many.shares[entry].share = bump_point(&many.shares[entry].share);
    }
    assert_eq!(
        many.verify(election(), index(2), outcome, &tally, &mut rng(4)),
        Err(TallyError::BadShare {
            trustee: 2,
            entry: 3
        })
    );
    // Trustee 2's shares passed off as trustee 3's.
    assert_eq!(
        honest.verify(election(), index(3), outcome, &tally, &mut rng(5)),
        Err(TallyError::BadShare {
            trustee: 3,
            entry: 0
        })
    );
    // Shares of another tally.
    let other = accumulate(&ballots()[1..]).finish(election());
    let stale = decrypt(2, &other);
    assert_eq!(
        stale.verify(election(), index(2), outcome, &tally, &mut rng(6)),
        Err(TallyError::BadShare {
            trustee: 2,
            entry: 0
        })
    );
}

#[test]
fn share_counts_and_qualification_are_checked() {
    let tally = full_tally();
    let honest = decrypt(1, &tally);
    let mut short = honest.clone();
    short.shares.pop();
    assert_eq!(
        short.verify(
            election(),
            index(1),
            &fixture().outcome,
            &tally,
            &mut rng(7)
        ),
        Err(TallyError::ShareCount {
            trustee: 1,
            expected: 15,
            found: 14
        })
    );
    // An outcome in which trustee 3 was disqualified.
    let mut outcome = fixture().outcome.clone();
    outcome.qualified.retain(|i| i.get() != 3);
    outcome.verification_keys.retain(|(i, _)| i.get() != 3);
    let third = decrypt(3, &tally);
    assert_eq!(
        third.verify(election(), index(3), &outcome, &tally, &mut rng(8)),
        Err(TallyError::NotQualified(3))
    );
}

#[test]
fn fewer_than_t_trustees_cannot_combine() {
    assert_eq!(THRESHOLD, 2);
    let tally = full_tally();
    let one = decrypt(1, &tally);
    match combine_result(election(), &tally, &[(index(1), &one)]) {
        Err(TallyError::Combine(reason)) => {
            assert!(
                reason.contains("need at least 2 trustees, have 1"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        combine_result(election(), &tally, &[]),
        Err(TallyError::Combine(_))
    ));
    // The same trustee twice does not make two.
    match combine_result(election(), &tally, &[(index(1), &one), (index(1), &one)]) {
        Err(TallyError::Combine(reason)) => {
            assert!(reason.contains("appears more than once"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn combination_checks_the_tally_shape_and_range() {
    let tally = full_tally();
    let d1 = decrypt(1, &tally);
    let d2 = decrypt(2, &tally);
    let pair = [(index(1), &d1), (index(2), &d2)];

    let mut reordered = tally.clone();
    reordered.styles.swap(0, 1);
    assert!(matches!(
        combine_result(election(), &reordered, &pair),
        Err(TallyError::Shape(_))
    ));
    let mut dropped = tally.clone();
    dropped.styles.pop();
    assert!(matches!(
        combine_result(election(), &dropped, &pair),
        Err(TallyError::Shape(_))
    ));
    let mut renamed = tally.clone();
    renamed.styles[1].questions[0].question = "rules".into();
    assert!(matches!(
        combine_result(election(), &renamed, &pair),
        Err(TallyError::Shape(_))
    ));

    // A ballot count lowered below a decrypted count: the first entry of
    // north with a count above 1 is rules/yes (3 in north).
    let mut undercounted = tally.clone();
    undercounted.styles[0].ballots = 1;
    assert_eq!(
        combine_result(election(), &undercounted, &pair),
        Err(TallyError::OutOfRange { entry: 0, max: 1 })
    );

    // A share list too short for the tally.
    let mut short = d2.clone();
    short.shares.truncate(3);
    assert!(matches!(
        combine_result(election(), &tally, &[(index(1), &d1), (index(2), &short)]),
        Err(TallyError::ShareCount { trustee: 2, .. })
    ));
}

#[test]
fn decryptions_round_trip_through_json() {
    let tally = full_tally();
    let d = decrypt(3, &tally);
    let back: TallyDecryption = serde_json::from_slice(&serde_json::to_vec(&d).unwrap()).unwrap();
    assert_eq!(back, d);
    back.verify(
        election(),
        index(3),
        &fixture().outcome,
        &tally,
        &mut rng(9),
    )
    .unwrap();
    let t: EncryptedTally = serde_json::from_slice(&serde_json::to_vec(&tally).unwrap()).unwrap();
    assert_eq!(t, tally);
}
