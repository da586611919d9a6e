//! Encrypting, casting, verifying and auditing ballots.

use psephos_crypto::context::{CredentialKey, Fingerprint};
use psephos_election::ballot::{Ballot, Purpose, TrackingCode};
use psephos_election::error::{BallotError, ChoiceError};
use psephos_election::voter::{encrypt_ballot_with_rng, AuditedBallot};

use crate::common::{
    bump_point, bump_scalar, cast, draft, election, north_ballot, north_choices, rng,
    south_choices, voter, ELECTION_ID, NORTH, SOUTH,
};

fn code(ballot: &Ballot) -> TrackingCode {
    ballot.tracking_code()
}

#[test]
fn a_cast_ballot_is_signed_for_casting_only() {
    let ballot = north_ballot();
    let code = ballot.tracking_code();
    ballot.verify_signature(&code, Purpose::Cast).unwrap();
    assert_eq!(
        ballot.verify_signature(&code, Purpose::Audit),
        Err(BallotError::BadSignature)
    );
    assert_eq!(ballot.credential, voter(1).public(ELECTION_ID));
    assert_eq!(ballot.election, election().fingerprint);
    assert_eq!(ballot.style, NORTH);
}

#[test]
fn a_cast_ballot_has_valid_proofs_and_structure() {
    let ballot = north_ballot();
    ballot.verify_proofs(election()).unwrap();
    let layout = ballot.check_structure(election()).unwrap();
    assert_eq!(layout.id, NORTH);
    let ids: Vec<&str> = ballot.answers.iter().map(|a| a.question.as_str()).collect();
    assert_eq!(ids, ["rules", "board", "north-delegate"]);
    let sizes: Vec<usize> = ballot.answers.iter().map(|a| a.ciphertexts.len()).collect();
    assert_eq!(sizes, [2, 4, 3]);
    let south = cast(2, SOUTH, &south_choices(), 12);
    south.verify_proofs(election()).unwrap();
    let ids: Vec<&str> = south.answers.iter().map(|a| a.question.as_str()).collect();
    assert_eq!(ids, ["board", "rules"]);
}

#[test]
fn every_allowed_choice_encrypts_and_verifies() {
    // Every referendum answer (blank, yes, no) and every size of board
    // selection (1, 2), with and without a delegate.
    let cases = [
        vec![vec![], vec![0], vec![]],
        vec![vec![1], vec![3, 1], vec![2]],
        vec![vec![0], vec![0, 1], vec![0]],
        vec![vec![], vec![2], vec![1]],
    ];
    for (k, choices) in cases.iter().enumerate() {
        let ballot = cast(3, NORTH, choices, 100 + k as u64);
        ballot.verify_proofs(election()).unwrap();
        ballot
            .verify_signature(&ballot.tracking_code(), Purpose::Cast)
            .unwrap();
    }
}

#[track_caller]
fn refused(style: &str, choices: &[Vec<usize>], expected: ChoiceError) {
    let result = encrypt_ballot_with_rng(election(), &voter(1), style, choices, &mut rng(1));
    match result {
        Ok(_) => panic!("{choices:?} was accepted"),
        Err(e) => assert_eq!(e, expected),
    }
}

fn invalid(question: &str, reason: &str) -> ChoiceError {
    ChoiceError::Invalid {
        question: question.into(),
        reason: reason.into(),
    }
}

#[test]
fn invalid_choices_are_refused_naming_the_question() {
    refused(
        NORTH,
        &[vec![0], vec![0, 4], vec![]],
        invalid("board", "option 4 does not exist"),
    );
    refused(
        NORTH,
        &[vec![2], vec![0], vec![]],
        invalid("rules", "option 2 does not exist"),
    );
    refused(
        NORTH,
        &[vec![0], vec![1, 1], vec![]],
        invalid("board", "option 1 selected twice"),
    );
    refused(
        NORTH,
        &[vec![0], vec![0, 1, 2], vec![]],
        invalid("board", "3 selections; allowed 1..=2"),
    );
    refused(
        NORTH,
        &[vec![0], vec![], vec![]],
        invalid("board", "0 selections; allowed 1..=2"),
    );
    refused(
        NORTH,
        &[vec![0, 1], vec![0], vec![]],
        invalid("rules", "2 selections; allowed 0..=1"),
    );
    refused(
        NORTH,
        &[vec![0], vec![0], vec![0, 2]],
        invalid("north-delegate", "2 selections; allowed 0..=1"),
    );
    // South asks the board first: the same mistake names the same question.
    refused(
        SOUTH,
        &[vec![], vec![0]],
        invalid("board", "0 selections; allowed 1..=2"),
    );
    refused(
        SOUTH,
        &[vec![1], vec![5]],
        invalid("rules", "option 5 does not exist"),
    );
}

#[test]
fn wrong_answer_counts_and_styles_are_refused() {
    refused(
        NORTH,
        &south_choices(),
        ChoiceError::AnswerCount {
            expected: 3,
            found: 2,
        },
    );
    refused(
        SOUTH,
        &north_choices(),
        ChoiceError::AnswerCount {
            expected: 2,
            found: 3,
        },
    );
    refused(
        NORTH,
        &[],
        ChoiceError::AnswerCount {
            expected: 3,
            found: 0,
        },
    );
    refused(
        "west",
        &north_choices(),
        ChoiceError::UnknownStyle("west".into()),
    );
}

/// Every proof position of the north ballot, as `(question, Some(option))`
/// or `(question, None)` for the sum, in verification order.
fn positions(ballot: &Ballot) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for (q, answer) in ballot.answers.iter().enumerate() {
        for o in 0..answer.ciphertexts.len() {
            out.push((q, Some(o)));
        }
        out.push((q, None));
    }
    out
}

fn expected_error(position: (usize, Option<usize>)) -> BallotError {
    match position {
        (question, Some(option)) => BallotError::SelectionProof { question, option },
        (question, None) => BallotError::SumProof { question },
    }
}

#[test]
fn tampering_any_proof_names_its_place() {
    let ballot = north_ballot();
    for position in positions(ballot) {
        for component in 0..4 {
            for branch in 0..2 {
                let mut bad = ballot.clone();
                let answer = &mut bad.answers[position.0];
                let proof = match position.1 {
                    Some(o) => &mut answer.proofs[o],
                    None => &mut answer.sum_proof,
                };
                let b = &mut proof.branches[branch];
                match component {
                    0 => b.a = bump_point(&b.a),
                    1 => b.b = bump_point(&b.b),
                    2 => b.c = bump_scalar(&b.c),
                    _ => b.z = bump_scalar(&b.z),
                }
                assert_eq!(
                    bad.verify_proofs(election()),
                    Err(expected_error(position)),
                    "{position:?} branch {branch} component {component}"
                );
            }
        }
    }
}

#[test]
fn tampering_any_ciphertext_names_its_option() {
    let ballot = north_ballot();
    for (q, answer) in ballot.answers.iter().enumerate() {
        for o in 0..answer.ciphertexts.len() {
            for half in 0..2 {
                let mut bad = ballot.clone();
                let c = &mut bad.answers[q].ciphertexts[o];
                if half == 0 {
                    c.alpha = bump_point(&c.alpha);
                } else {
                    c.beta = bump_point(&c.beta);
                }
                assert_eq!(
                    bad.verify_proofs(election()),
                    Err(BallotError::SelectionProof {
                        question: q,
                        option: o
                    }),
                    "question {q} option {o} half {half}"
                );
            }
        }
    }
}

#[test]
fn proofs_swapped_between_options_or_ballots_fail() {
    let ballot = north_ballot();
    // Two options of the board question.
    let mut swapped = ballot.clone();
    swapped.answers[1].proofs.swap(1, 2);
    assert_eq!(
        swapped.verify_proofs(election()),
        Err(BallotError::SelectionProof {
            question: 1,
            option: 1
        })
    );
    // Ciphertext and proof moved together to another option: the position
    // is in the transcript.
    let mut moved = ballot.clone();
    moved.answers[1].proofs.swap(0, 3);
    moved.answers[1].ciphertexts.swap(0, 3);
    assert_eq!(
        moved.verify_proofs(election()),
        Err(BallotError::SelectionProof {
            question: 1,
            option: 0
        })
    );
    // Another voter's whole answer, proofs included.
    let other = cast(2, NORTH, &north_choices(), 21);
    let mut replayed = ballot.clone();
    replayed.answers[2] = other.answers[2].clone();
    assert_eq!(
        replayed.verify_proofs(election()),
        Err(BallotError::SelectionProof {
            question: 2,
            option: 0
        })
    );
    // Another voter's ballot under this voter's credential.
    let mut stolen = other.clone();
    stolen.credential = ballot.credential;
    assert_eq!(
        stolen.verify_proofs(election()),
        Err(BallotError::SelectionProof {
            question: 0,
            option: 0
        })
    );
}

#[test]
fn a_sum_proof_for_another_sum_fails() {
    // The board answer of a one-selection ballot with the sum proof of a
    // two-selection ballot by the same voter.
    let one = cast(1, NORTH, &[vec![], vec![3], vec![]], 31);
    let two = north_ballot();
    let mut bad = one.clone();
    bad.answers[1].sum_proof = two.answers[1].sum_proof.clone();
    assert_eq!(
        bad.verify_proofs(election()),
        Err(BallotError::SumProof { question: 1 })
    );
}

#[track_caller]
fn structure_error(ballot: &Ballot, contains: &str) {
    match ballot.check_structure(election()) {
        Err(BallotError::Structure(reason)) => {
            assert!(reason.contains(contains), "{reason:?} lacks {contains:?}")
        }
        other => panic!("expected a structure error, got {other:?}"),
    }
    // verify_proofs checks the structure first.
    assert!(matches!(
        ballot.verify_proofs(election()),
        Err(BallotError::Structure(_))
    ));
}

#[test]
fn check_structure_errors() {
    let ballot = north_ballot();

    let mut other_election = ballot.clone();
    other_election.election = Fingerprint::from_bytes([7; 32]);
    assert_eq!(
        other_election.check_structure(election()).unwrap_err(),
        BallotError::WrongElection
    );
    assert_eq!(
        other_election.verify_proofs(election()).unwrap_err(),
        BallotError::WrongElection
    );

    let mut unknown_style = ballot.clone();
    unknown_style.style = "west".into();
    structure_error(&unknown_style, "unknown ballot style `west`");

    let mut wrong_style = ballot.clone();
    wrong_style.style = SOUTH.into();
    structure_error(&wrong_style, "3 answers for 2 questions");

    let mut missing = ballot.clone();
    missing.answers.pop();
    structure_error(&missing, "2 answers for 3 questions");

    let mut extra = ballot.clone();
    extra.answers.push(ballot.answers[0].clone());
    structure_error(&extra, "4 answers for 3 questions");

    let mut renamed = ballot.clone();
    renamed.answers[1].question = "budget".into();
    structure_error(&renamed, "answer 1 is for `budget`, expected `board`");

    let mut reordered = ballot.clone();
    reordered.answers.swap(0, 1);
    structure_error(&reordered, "answer 0 is for `board`, expected `rules`");

    let mut fewer = ballot.clone();
    fewer.answers[1].ciphertexts.pop();
    structure_error(
        &fewer,
        "answer 1 has 3 ciphertexts and 4 proofs for 4 options",
    );

    let mut more = ballot.clone();
    let c = more.answers[2].ciphertexts[0];
    more.answers[2].ciphertexts.push(c);
    structure_error(
        &more,
        "answer 2 has 4 ciphertexts and 3 proofs for 3 options",
    );

    let mut proofless = ballot.clone();
    proofless.answers[0].proofs.pop();
    structure_error(
        &proofless,
        "answer 0 has 2 ciphertexts and 1 proofs for 2 options",
    );

    let mut branches = ballot.clone();
    branches.answers[1].proofs[2].branches.pop();
    structure_error(
        &branches,
        "answer 1: a selection proof has the wrong number of branches",
    );

    let mut sum_branches = ballot.clone();
    let extra_branch = sum_branches.answers[2].sum_proof.branches[0].clone();
    sum_branches.answers[2]
        .sum_proof
        .branches
        .push(extra_branch);
    structure_error(
        &sum_branches,
        "answer 2: the sum proof has the wrong number of branches",
    );
}

/// Every single-field change to a ballot's content.
fn content_mutations(ballot: &Ballot) -> Vec<(String, Ballot)> {
    let mut out = Vec::new();
    let mut push = |what: String, f: &dyn Fn(&mut Ballot)| {
        let mut b = ballot.clone();
        f(&mut b);
        out.push((what, b));
    };
    push("election".into(), &|b| {
        let mut bytes = *b.election.as_bytes();
        bytes[31] ^= 1;
        b.election = Fingerprint::from_bytes(bytes);
    });
    push("credential".into(), &|b| {
        let mut bytes = *b.credential.as_bytes();
        bytes[0] ^= 0x80;
        b.credential = CredentialKey::from_bytes(bytes);
    });
    push("style".into(), &|b| b.style = SOUTH.into());
    push("style length".into(), &|b| b.style.push(' '));
    for (q, answer) in ballot.answers.iter().enumerate() {
        push(format!("q{q} id"), &|b| b.answers[q].question.push('x'));
        for o in 0..answer.ciphertexts.len() {
            push(format!("q{q} o{o} alpha"), &|b| {
                let c = &mut b.answers[q].ciphertexts[o];
                c.alpha = bump_point(&c.alpha);
            });
            push(format!("q{q} o{o} beta"), &|b| {
                let c = &mut b.answers[q].ciphertexts[o];
                c.beta = bump_point(&c.beta);
            });
        }
        for p in 0..=answer.proofs.len() {
            let branches = if p < answer.proofs.len() {
                answer.proofs[p].branches.len()
            } else {
                answer.sum_proof.branches.len()
            };
            for k in 0..branches {
                for component in 0..4 {
                    push(
                        format!("q{q} proof {p} branch {k} part {component}"),
                        &|b| {
                            let answer = &mut b.answers[q];
                            let proof = if p < answer.proofs.len() {
                                &mut answer.proofs[p]
                            } else {
                                &mut answer.sum_proof
                            };
                            let br = &mut proof.branches[k];
                            match component {
                                0 => br.a = bump_point(&br.a),
                                1 => br.b = bump_point(&br.b),
                                2 => br.c = bump_scalar(&br.c),
                                _ => br.z = bump_scalar(&br.z),
                            }
                        },
                    );
                }
            }
        }
    }
    push("answer dropped".into(), &|b| {
        b.answers.pop();
    });
    push("answers swapped".into(), &|b| b.answers.swap(0, 1));
    out
}

#[test]
fn the_tracking_code_covers_all_content_but_not_the_signature() {
    let ballot = north_ballot();
    let original = code(ballot);
    let mutations = content_mutations(ballot);
    // 4 header fields, 3 ids, 9 ciphertexts × 2 halves, (9 + 3) × 2 branch
    // proofs... : every field of the ballot is covered.
    assert!(mutations.len() > 100, "{}", mutations.len());
    let mut codes = std::collections::HashSet::new();
    codes.insert(original);
    for (what, mutated) in &mutations {
        let c = code(mutated);
        assert_ne!(c, original, "{what} does not change the tracking code");
        assert!(codes.insert(c), "{what} collides with another mutation");
        // The signature is over the code, so it no longer verifies.
        assert!(
            mutated.verify_signature(&c, Purpose::Cast).is_err(),
            "{what}"
        );
    }
    let mut resigned = ballot.clone();
    resigned.signature.0[5] ^= 4;
    assert_eq!(code(&resigned), original);
    assert_eq!(
        resigned.verify_signature(&original, Purpose::Cast),
        Err(BallotError::BadSignature)
    );
    // The encoding starts with its domain and holds the signature nowhere.
    let bytes = ballot.canonical_bytes();
    assert!(bytes.starts_with(psephos_election::ballot::BALLOT_ENCODING_DOMAIN));
    assert!(!bytes
        .windows(64)
        .any(|w| w == ballot.signature.0.as_slice()));
}

#[test]
fn the_tracking_code_is_known_before_casting_and_unique_per_encryption() {
    let d = draft(1, NORTH, &north_choices(), 11);
    let before = d.tracking_code();
    let ballot = d.cast(&voter(1), ELECTION_ID);
    assert_eq!(ballot.tracking_code(), before);
    assert_eq!(before, north_ballot().tracking_code());
    // The same choices encrypted again get another code.
    let again = cast(1, NORTH, &north_choices(), 12);
    assert_ne!(again.tracking_code(), before);
}

#[test]
fn short_tracking_codes() {
    let code = north_ballot().tracking_code();
    let short = code.short();
    assert_eq!(short.len(), 19);
    let groups: Vec<&str> = short.split('-').collect();
    assert_eq!(groups.len(), 4);
    for group in groups {
        assert_eq!(group.len(), 4);
        assert!(group
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
    }
    // 80 bits of the hash.
    let decoded = data_encoding_free_base32(&short.replace('-', ""));
    assert_eq!(decoded, code.0[..10]);
    // Known answer: all-zero and all-one hashes.
    assert_eq!(TrackingCode([0; 32]).short(), "AAAA-AAAA-AAAA-AAAA");
    assert_eq!(TrackingCode([0xff; 32]).short(), "7777-7777-7777-7777");
    // Display is the full hash in hex; Debug shows the short form.
    assert_eq!(code.to_string().len(), 64);
    assert_eq!(format!("{code:?}"), format!("TrackingCode({short})"));
}

/// RFC 4648 base32 decoding, written out so the test does not share the
/// implementation's library.
fn data_encoding_free_base32(text: &str) -> Vec<u8> {
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        };
        bits = (bits << 5) | u64::from(v);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

#[test]
fn ballots_round_trip_through_json() {
    let ballot = north_ballot();
    let json = serde_json::to_string(ballot).unwrap();
    let back: Ballot = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, ballot);
    assert_eq!(back.tracking_code(), ballot.tracking_code());
    back.verify_proofs(election()).unwrap();
    back.verify_signature(&back.tracking_code(), Purpose::Cast)
        .unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // Unknown fields are refused.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["weight"] = serde_json::json!(2);
    assert!(serde_json::from_value::<Ballot>(v).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["answers"][0]["note"] = serde_json::json!("x");
    assert!(serde_json::from_value::<Ballot>(v).is_err());
}

#[test]
fn a_signature_by_another_credential_fails() {
    let mut ballot = north_ballot().clone();
    ballot.signature = cast(2, NORTH, &north_choices(), 11).signature;
    assert_eq!(
        ballot.verify_signature(&ballot.tracking_code(), Purpose::Cast),
        Err(BallotError::BadSignature)
    );
    // A credential that is not an ed25519 point.
    let mut bad_key = north_ballot().clone();
    let mut bytes = [0u8; 32];
    bytes[0] = 1; // the identity: a weak key
    bad_key.credential = CredentialKey::from_bytes(bytes);
    assert_eq!(
        bad_key.verify_signature(&bad_key.tracking_code(), Purpose::Cast),
        Err(BallotError::BadCredential)
    );
}

fn audited(n: u64, style: &str, choices: &[Vec<usize>], seed: u64) -> AuditedBallot {
    draft(n, style, choices, seed).audit(&voter(n), ELECTION_ID)
}

#[test]
fn an_audit_reveals_the_choices() {
    for (n, style, choices) in [
        (1, NORTH, north_choices()),
        (2, SOUTH, south_choices()),
        (3, NORTH, vec![vec![], vec![3, 0], vec![]]),
    ] {
        let audit = audited(n, style, &choices, 40 + n);
        let mut sorted = choices.clone();
        for c in &mut sorted {
            c.sort_unstable();
        }
        assert_eq!(audit.verify(election()).unwrap(), sorted);
        // The audited ballot is signed for auditing, never for casting.
        let code = audit.ballot.tracking_code();
        audit
            .ballot
            .verify_signature(&code, Purpose::Audit)
            .unwrap();
        assert_eq!(
            audit.ballot.verify_signature(&code, Purpose::Cast),
            Err(BallotError::BadSignature)
        );
        // It survives JSON.
        let json = serde_json::to_vec(&audit).unwrap();
        let back: AuditedBallot = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.verify(election()).unwrap(), sorted);
    }
}

#[test]
fn an_audit_and_a_cast_of_the_same_draft_differ_only_in_signature() {
    let audit = audited(1, NORTH, &north_choices(), 11);
    let ballot = north_ballot();
    assert_eq!(audit.ballot.tracking_code(), ballot.tracking_code());
    assert_ne!(audit.ballot.signature, ballot.signature);
    // A cast signature does not pass for an audit.
    let forged = AuditedBallot {
        ballot: ballot.clone(),
        openings: audit.openings.clone(),
    };
    assert_eq!(forged.verify(election()), Err(BallotError::BadSignature));
}

#[track_caller]
fn audit_structure_error(audit: &AuditedBallot, contains: &str) {
    match audit.verify(election()) {
        Err(BallotError::Structure(reason)) => {
            assert!(reason.contains(contains), "{reason:?} lacks {contains:?}")
        }
        other => panic!("expected a structure error, got {other:?}"),
    }
}

#[test]
fn wrong_openings_are_rejected() {
    let audit = audited(1, NORTH, &north_choices(), 11);
    let cannot_open = "the revealed nonce does not open the ciphertext";

    // North choices: rules yes (option 0), board {0, 2}, delegate 1.
    let mut flipped = audit.clone();
    flipped.openings[1][1].value = 1;
    audit_structure_error(&flipped, &format!("answer 1 option 1: {cannot_open}"));

    let mut unselected = audit.clone();
    unselected.openings[0][0].value = 0;
    audit_structure_error(&unselected, &format!("answer 0 option 0: {cannot_open}"));

    let mut two = audit.clone();
    two.openings[2][1].value = 2;
    audit_structure_error(&two, &format!("answer 2 option 1: {cannot_open}"));

    let mut nonce = audit.clone();
    nonce.openings[2][2].nonce = bump_scalar(&nonce.openings[2][2].nonce);
    audit_structure_error(&nonce, &format!("answer 2 option 2: {cannot_open}"));

    let mut swapped = audit.clone();
    swapped.openings[1].swap(0, 1);
    audit_structure_error(&swapped, &format!("answer 1 option 0: {cannot_open}"));

    let mut short = audit.clone();
    short.openings[1].pop();
    audit_structure_error(&short, "answer 1: openings do not match the options");

    let mut missing = audit.clone();
    missing.openings.pop();
    audit_structure_error(&missing, "openings do not match the answers");

    // Openings of another encryption of the same choices.
    let other = audited(1, NORTH, &north_choices(), 12);
    let mut foreign = audit.clone();
    foreign.openings = other.openings.clone();
    audit_structure_error(&foreign, &format!("answer 0 option 0: {cannot_open}"));
}

#[test]
fn a_tampered_audit_fails_its_signature_or_proofs() {
    let audit = audited(2, SOUTH, &south_choices(), 50);
    let mut tampered = audit.clone();
    let c = &mut tampered.ballot.answers[0].ciphertexts[3];
    c.beta = bump_point(&c.beta);
    assert_eq!(tampered.verify(election()), Err(BallotError::BadSignature));
}

#[test]
fn ballots_verified_together_get_the_answer_each_gets_alone() {
    let good: Vec<Ballot> = (0..4)
        .map(|k| match k % 2 {
            0 => cast(k + 1, NORTH, &north_choices(), 300 + k),
            _ => cast(k + 1, SOUTH, &south_choices(), 300 + k),
        })
        .collect();
    let items: Vec<_> = good.iter().map(|b| (b, election())).collect();
    assert!(Ballot::verify_proofs_together(&items)
        .iter()
        .all(Result::is_ok));

    // A tampered proof, a bad structure and another election's fingerprint
    // among good ballots: each bad one named as alone, the good ones pass.
    let mut batch = good.clone();
    batch[1].answers[0].proofs[1].branches[0].z =
        bump_scalar(&batch[1].answers[0].proofs[1].branches[0].z);
    batch[2].answers.pop();
    batch[3].election = Fingerprint::from_bytes([7; 32]);
    let items: Vec<_> = batch.iter().map(|b| (b, election())).collect();
    let together = Ballot::verify_proofs_together(&items);
    let alone: Vec<_> = batch.iter().map(|b| b.verify_proofs(election())).collect();
    assert_eq!(together, alone);
    assert!(together[0].is_ok());
    assert_eq!(
        together[1],
        Err(BallotError::SelectionProof {
            question: 0,
            option: 1
        })
    );
    assert!(matches!(together[2], Err(BallotError::Structure(_))));
    assert_eq!(together[3], Err(BallotError::WrongElection));
    assert!(Ballot::verify_proofs_together(&[]).is_empty());
}
