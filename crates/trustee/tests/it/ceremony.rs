//! The ceremony over a running voting service: key generation by every
//! trustee at once, voting, tally, decryption with trustees absent, the
//! record checked by the verifier; a cheating dealer; resuming,
//! duplicates and messages out of order; boards that rewrite history or
//! post a tally that is not the sum of the ballots.

use std::thread;

use psephos_crypto::dkg::{Dealer, Disqualification};
use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::board::messages::{BoardMessage, TrusteeSigned};
use psephos_election::fingerprint::ceremony_fingerprint;
use psephos_election::tally::TallyAccumulator;
use psephos_trustee::api::BoardApi;
use psephos_trustee::http::HttpBoard;
use psephos_trustee::status::status;
use psephos_trustee::TrusteeError;
use rand_core::OsRng;

use crate::common::{all_leaves, no_wait, patient, ForgingBoard, LossyBoard, Scenario};

fn decrypt_all(s: &Scenario, which: &[u32]) {
    thread::scope(|scope| {
        for &i in which {
            let trustee = s.trustee(i);
            let api = s.api();
            scope.spawn(move || {
                let report = trustee.decrypt(&api, &no_wait()).unwrap();
                assert!(report.decryption_leaf.is_some());
                assert_eq!(report.recount.counted, s.voters.len() as u64);
            });
        }
    });
}

fn check_result(s: &Scenario, expected: &[Vec<Vec<u64>>], decrypted_by: &[u32]) {
    let result = s.publish();
    assert_eq!(
        result
            .decrypted_by
            .iter()
            .map(|i| i.get())
            .collect::<Vec<_>>(),
        decrypted_by
    );
    for (style, counts) in result.styles.iter().zip(expected) {
        let got: Vec<&Vec<u64>> = style.questions.iter().map(|q| &q.counts).collect();
        let want: Vec<&Vec<u64>> = counts.iter().collect();
        assert_eq!(got, want, "style {}", style.style);
    }
}

#[test]
fn five_trustees_generate_a_key_and_three_decrypt_the_result() {
    let mut s = Scenario::new(5, 3, 1);
    let before = status(&s.api()).unwrap();
    assert_eq!(before.phase, "keygen");
    assert!(
        before.next[0].contains("waiting for the dealings"),
        "{:?}",
        before.next
    );

    let reports: Vec<_> = s
        .keygen(&[1, 2, 3, 4, 5])
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let fingerprint = reports[0].joint_key_fingerprint.clone().unwrap();
    for (k, report) in reports.iter().enumerate() {
        assert_eq!(report.trustee, k as u32 + 1);
        assert!(report.complete, "{report:?}");
        assert_eq!(report.joint_key_fingerprint.as_ref(), Some(&fingerprint));
        assert_eq!(report.manifest_fingerprint, reports[0].manifest_fingerprint);
        assert_eq!(report.qualified, vec![1, 2, 3, 4, 5]);
        assert!(report.disqualified.is_empty());
        assert!(report.complained_against.is_empty());
        assert!(report.next[0].contains(&fingerprint));
        assert!(
            report
                .actions
                .iter()
                .any(|a| a.contains("posted your dealing")),
            "{:?}",
            report.actions
        );
    }
    let after = status(&s.api()).unwrap();
    assert_eq!(after.phase, "credentials");
    assert_eq!(after.joint_key_fingerprint.as_ref(), Some(&fingerprint));
    assert!(after
        .trustees
        .iter()
        .all(|t| t.dealing.is_some() && t.complaints.is_some()));

    // Running keygen again after the ceremony posts nothing and says the same.
    let size = s.size();
    let again = s.trustee(2).keygen(&s.api(), &no_wait()).unwrap();
    assert!(again.complete);
    assert_eq!(again.joint_key_fingerprint.as_ref(), Some(&fingerprint));
    assert_eq!(s.size(), size);

    s.open(12, 2);
    let expected = s.vote(3);
    // Before the tally, decrypt says so and posts nothing.
    let size = s.size();
    let early = s.trustee(1).decrypt(&s.api(), &no_wait()).unwrap_err();
    assert!(matches!(early, TrusteeError::NotYet(_)), "{early}");
    assert!(early.to_string().contains("no tally"), "{early}");
    assert_eq!(s.size(), size);

    s.close_and_tally();
    // Trustees 2 and 4 are absent.
    decrypt_all(&s, &[1, 3, 5]);
    let tallied = status(&s.api()).unwrap();
    assert!(
        tallied.next[0].contains("3 decryptions are on the board"),
        "{:?}",
        tallied.next
    );
    // A second run posts nothing twice.
    let size = s.size();
    let again = s.trustee(3).decrypt(&s.api(), &no_wait()).unwrap();
    assert!(again
        .actions
        .iter()
        .any(|a| a.contains("your decryption is on the board")));
    assert_eq!(again.decrypted_by, vec![1, 3, 5]);
    assert_eq!(s.size(), size);

    check_result(&s, &expected, &[1, 3, 5]);
    let report = s.verify_record();
    assert!(report.verified, "{:?}", report.failed().collect::<Vec<_>>());
    assert_eq!(status(&s.api()).unwrap().phase, "published");
}

#[test]
fn a_dealer_who_sends_a_bad_share_is_disqualified_and_the_ceremony_completes() {
    let mut s = Scenario::new(5, 3, 4);
    let cheater = s.trustee(5);
    let api = s.api();
    let info = api.election().unwrap();
    let leaf0 = BoardMessage::Manifest(info.manifest.clone()).to_leaf();
    let params = info.manifest.params().unwrap();
    let me = TrusteeIndex::new(5, &params).unwrap();
    let (dealt, honest) = Dealer::deal_with_rng(
        ceremony_fingerprint(&leaf0),
        params,
        me,
        cheater.keys.encryption().clone(),
        info.manifest.roster(),
        &mut OsRng,
    )
    .unwrap();
    // Trustees 1 and 2 each get the other's sealed share: neither opens.
    let mut bad = honest.clone();
    let sealed = bad.shares[0].sealed;
    bad.shares[0].sealed = bad.shares[1].sealed;
    bad.shares[1].sealed = sealed;
    let signed = TrusteeSigned::sign(
        &s.id,
        "trustee-dealing",
        me,
        bad.clone(),
        cheater.keys.signing(),
    )
    .unwrap();
    assert!(
        api.post(&BoardMessage::TrusteeDealing(signed))
            .unwrap()
            .created
    );

    let reports = thread::scope(|scope| {
        let honest_trustees = scope.spawn(|| s.keygen(&[1, 2, 3, 4]));
        // The cheater confirms its shares once every dealing is there.
        loop {
            let st = api.trustee_status().unwrap();
            if st.trustees.iter().all(|t| t.dealing.is_some()) {
                break;
            }
            thread::sleep(std::time::Duration::from_millis(50));
        }
        let published: Vec<_> = all_leaves(&api)
            .into_iter()
            .filter_map(|m| match m {
                BoardMessage::TrusteeDealing(d) if d.trustee != me => Some(d.message),
                _ => None,
            })
            .chain(std::iter::once(honest))
            .collect();
        let (_, complaints) = dealt.receive(&published, &mut OsRng).unwrap();
        assert!(complaints.complaints.is_empty());
        let signed = TrusteeSigned::sign(
            &s.id,
            "trustee-complaints",
            me,
            complaints,
            cheater.keys.signing(),
        )
        .unwrap();
        api.post(&BoardMessage::TrusteeComplaints(signed)).unwrap();
        honest_trustees.join().unwrap()
    });
    let reports: Vec<_> = reports.into_iter().map(|r| r.unwrap()).collect();
    for report in &reports {
        assert!(report.complete);
        assert_eq!(report.qualified, vec![1, 2, 3, 4]);
        assert_eq!(report.disqualified.len(), 1);
        assert_eq!(report.disqualified[0].trustee, 5);
        assert!(report.disqualified[0]
            .reason
            .contains("proved that the share"));
        let expected: Vec<u32> = if report.trustee <= 2 { vec![5] } else { vec![] };
        assert_eq!(
            report.complained_against, expected,
            "trustee {}",
            report.trustee
        );
        assert_eq!(
            report.joint_key_fingerprint,
            reports[0].joint_key_fingerprint
        );
    }
    let key = api.election().unwrap().election_key.unwrap();
    assert_eq!(key.disqualified.len(), 1);
    assert_eq!(key.disqualified[0].trustee.get(), 5);
    assert_eq!(
        key.disqualified[0].why,
        Disqualification::BadShare {
            complainer: TrusteeIndex::try_from(1).unwrap()
        }
    );
    let st = status(&s.api()).unwrap();
    assert_eq!(st.trustees[4].qualified, Some(false));
    assert!(
        st.next
            .iter()
            .any(|l| l.contains("Disqualified") && l.contains('5')),
        "{:?}",
        st.next
    );

    s.open(6, 5);
    let expected = s.vote(6);
    s.close_and_tally();
    // Trustee 4 is absent; the disqualified dealer holds no share.
    decrypt_all(&s, &[1, 2, 3]);
    check_result(&s, &expected, &[1, 2, 3]);
    let report = s.verify_record();
    assert!(report.verified, "{:?}", report.failed().collect::<Vec<_>>());
    // The verifier decided the complaint itself (check V6, the key ceremony).
    let ceremony = report.checks.iter().find(|c| c.id == "V6").unwrap();
    assert_eq!(ceremony.status, psephos_verifier::Status::Pass);
    assert!(ceremony.checked > 0);
}

#[test]
fn resuming_duplicates_and_messages_out_of_order_post_nothing_twice() {
    let s = Scenario::new(3, 2, 7);
    let api = s.api();
    let one = s.trustee(1);

    // The answer to the first post is lost: the dealing is on the board, the trustee does not know.
    let error = one.keygen(&LossyBoard(s.api()), &no_wait()).unwrap_err();
    assert!(matches!(error, TrusteeError::Transport { .. }), "{error}");
    assert_eq!(s.size(), 2);
    // Running again finds it there and posts nothing.
    let report = one.keygen(&api, &no_wait()).unwrap();
    assert!(!report.complete);
    assert!(
        report
            .actions
            .iter()
            .any(|a| a.contains("your dealing is on the board at leaf 1")),
        "{:?}",
        report.actions
    );
    assert!(report.next[0].contains("again"), "{:?}", report.next);
    assert_eq!(s.size(), 2);

    // Posting the identical message again is answered with the same leaf.
    let dealing = match &all_leaves(&api)[1] {
        BoardMessage::TrusteeDealing(d) => d.clone(),
        other => panic!("{other:?}"),
    };
    let again = api
        .post(&BoardMessage::TrusteeDealing(dealing.clone()))
        .unwrap();
    assert_eq!((again.leaf_index, again.created), (1, false));
    // A different dealing from the same trustee is refused.
    let info = api.election().unwrap();
    let leaf0 = BoardMessage::Manifest(info.manifest.clone()).to_leaf();
    let params = info.manifest.params().unwrap();
    let (_, other) = Dealer::deal_with_rng(
        ceremony_fingerprint(&leaf0),
        params,
        dealing.trustee,
        one.keys.encryption().clone(),
        info.manifest.roster(),
        &mut OsRng,
    )
    .unwrap();
    let signed = TrusteeSigned::sign(
        &s.id,
        "trustee-dealing",
        dealing.trustee,
        other,
        one.keys.signing(),
    )
    .unwrap();
    let error = api.post(&BoardMessage::TrusteeDealing(signed)).unwrap_err();
    match &error {
        TrusteeError::Api { status, code, .. } => {
            assert_eq!((*status, code.as_str()), (409, "conflict"))
        }
        other => panic!("{other}"),
    }
    assert!(
        error.to_string().contains("already posted a different"),
        "{error}"
    );
    assert_eq!(s.size(), 2);

    // A lost state file cannot produce the same dealing: refused, nothing posted.
    let saved = s.dir.path().join("saved.state");
    std::fs::rename(&one.state_path, &saved).unwrap();
    let error = one.keygen(&api, &no_wait()).unwrap_err();
    assert!(matches!(error, TrusteeError::Ceremony(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("not the one this state file produces"),
        "{error}"
    );
    assert_eq!(s.size(), 2);
    std::fs::rename(&saved, &one.state_path).unwrap();

    // Complaints before every dealing is on the board: refused by the server.
    let two = s.trustee(2);
    let complaints = psephos_crypto::dkg::ComplaintsMessage {
        complainer: TrusteeIndex::try_from(2).unwrap(),
        complaints: Vec::new(),
    };
    let signed = TrusteeSigned::sign(
        &s.id,
        "trustee-complaints",
        complaints.complainer,
        complaints,
        two.keys.signing(),
    )
    .unwrap();
    let error = api
        .post(&BoardMessage::TrusteeComplaints(signed))
        .unwrap_err();
    assert!(
        error.to_string().contains("complaints come after"),
        "{error}"
    );
    assert_eq!(s.size(), 2);

    // Decrypting before the ceremony is over.
    let error = two.decrypt(&api, &no_wait()).unwrap_err();
    assert!(error.to_string().contains("keygen"), "{error}");

    // The wrong election, the wrong server.
    let error = two
        .keygen(
            &HttpBoard::new(&s.server.url, "no-such-election").unwrap(),
            &no_wait(),
        )
        .unwrap_err();
    assert!(
        matches!(error, TrusteeError::Api { status: 404, .. }),
        "{error}"
    );
    let error = two
        .keygen(
            &HttpBoard::new("http://127.0.0.1:9", &s.id).unwrap(),
            &no_wait(),
        )
        .unwrap_err();
    assert!(matches!(error, TrusteeError::Transport { .. }), "{error}");
    assert!(HttpBoard::new("vote.example.org", &s.id).is_err());

    // Everyone finishes; trustee 1 resumes where it stopped.
    let reports = s.keygen(&[1, 2, 3]);
    assert!(
        reports.iter().all(|r| r.as_ref().is_ok_and(|r| r.complete)),
        "{reports:?}"
    );
    assert_eq!(status(&api).unwrap().phase, "credentials");
    // Keys that are not in the manifest are refused before anything is posted.
    let late = crate::common::Trustee::create(s.dir.path(), &s.id, 9, 99);
    let error = late.keygen(&api, &no_wait()).unwrap_err();
    assert!(error.to_string().contains("not in the manifest"), "{error}");
}

#[test]
fn a_board_that_rewrites_history_or_posts_another_tally_is_refused() {
    let mut s = Scenario::new(3, 2, 11);
    let reports = s.keygen(&[1, 2, 3]);
    assert!(reports.iter().all(|r| r.is_ok()), "{reports:?}");
    let api = s.api();
    let honest = all_leaves(&api);
    let key = s.server.board_key.clone();

    // The dealings of trustees 1 and 2 swapped: a different log of the same messages.
    let mut swapped = honest.clone();
    swapped.swap(1, 2);
    let forged = ForgingBoard::new(s.api(), key.clone(), &s.id, swapped);
    let size = s.size();
    let error = s.trustee(1).keygen(&forged, &no_wait()).unwrap_err();
    assert!(
        matches!(error, TrusteeError::HistoryRewritten(_)),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("the board rewrote history"),
        "{error}"
    );
    // A log cut short.
    let mut cut = honest.clone();
    cut.pop();
    let forged = ForgingBoard::new(s.api(), key.clone(), &s.id, cut);
    let error = s.trustee(2).keygen(&forged, &no_wait()).unwrap_err();
    assert!(
        error.to_string().contains("it signed a checkpoint of"),
        "{error}"
    );
    assert_eq!(s.size(), size);

    s.open(6, 12);
    s.vote(13);
    s.close_and_tally();
    // A tally that omits the last ballot, on an otherwise faithful log.
    let mut leaves = all_leaves(&api);
    let election = s.election();
    let tally_at = leaves
        .iter()
        .position(|m| matches!(m, BoardMessage::Tally(_)))
        .unwrap();
    let mut latest = std::collections::HashMap::new();
    for m in &leaves {
        if let BoardMessage::Ballot(b) = m {
            latest.insert(b.credential, b.clone());
        }
    }
    let omitted = leaves
        .iter()
        .rev()
        .find_map(|m| match m {
            BoardMessage::Ballot(b) => Some(b.credential),
            _ => None,
        })
        .unwrap();
    let mut partial = TallyAccumulator::new(&election);
    for (credential, ballot) in &latest {
        if *credential != omitted {
            partial.add(&election, ballot);
        }
    }
    leaves[tally_at] = BoardMessage::Tally(partial.finish(&election));
    let forged = ForgingBoard::new(s.api(), key, &s.id, leaves);
    let size = s.size();
    let error = s.trustee(1).decrypt(&forged, &no_wait()).unwrap_err();
    assert!(matches!(error, TrusteeError::TallyMismatch(_)), "{error}");
    assert!(
        error.to_string().starts_with("refusing to decrypt"),
        "{error}"
    );
    assert!(
        error.to_string().contains("ballots on the board give"),
        "{error}"
    );
    assert_eq!(s.size(), size);
    // Trustee 1 now holds two checkpoints of the same size with different roots,
    // both signed with the board key: the honest board is caught equivocating.
    let error = s.trustee(1).decrypt(&api, &no_wait()).unwrap_err();
    assert!(
        matches!(error, TrusteeError::HistoryRewritten(_)),
        "{error}"
    );
    assert_eq!(s.size(), size);
    // Trustee 2, who saw only the honest board, decrypts it.
    let report = s.trustee(2).decrypt(&api, &patient()).unwrap();
    assert_eq!(report.decrypted_by, vec![2]);
    assert!(report.next[0].contains("1 more"), "{:?}", report.next);
}
