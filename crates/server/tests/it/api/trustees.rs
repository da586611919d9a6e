//! Trustee endpoints (spec/api.md §4): dealings, complaints and tally
//! decryptions signed by the manifest's trustee keys, their order, their
//! idempotent repetition, and the status page.

use axum::http::Method;
use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::board::messages::{BoardMessage, TrusteeSigned, WindowEvent};
use psephos_election::tally::{TallyAccumulator, TallyDecryption};
use serde_json::{json, Value};

use super::helpers::App;
use super::setup::{Options, TestElection};

fn leaf_index(value: &Value) -> u64 {
    value["leaf_index"].as_u64().unwrap()
}

#[tokio::test]
async fn the_key_ceremony_through_the_api() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    let status = app.get_json(&e.path("/trustees/status")).await;
    assert_eq!(status["phase"], "keygen");
    assert_eq!(status["threshold"], 2);
    assert_eq!(status["election_key"], Value::Null);
    assert_eq!(status["tally_leaf"], Value::Null);
    assert_eq!(
        status["trustees"][0],
        json!({"index": 1, "name": "Trustee 1", "dealing": null, "complaints": null,
               "decryption": null, "qualified": null, "disqualified": null})
    );

    let dealings = e.deal();
    let complaints = e.complain();
    let path = e.path("/trustees/messages");
    let post = |message: &BoardMessage| app.call(Method::POST, path.clone()).json(message);

    // Trustee 1 deals; the identical message again is the same leaf; a
    // different dealing of trustee 1 is a conflict.
    let first = post(&dealings[0]).send().await.ok(201).json();
    assert_eq!(leaf_index(&first), 1);
    let again = post(&dealings[0]).send().await.ok(200).json();
    assert_eq!(again, first);
    let BoardMessage::TrusteeDealing(signed) = &dealings[0] else {
        unreachable!()
    };
    let mut other = signed.message.clone();
    other.shares.swap(0, 1);
    let other = BoardMessage::TrusteeDealing(e.signed(0, "trustee-dealing", other));
    post(&other).refused(409, Some("body")).await;

    // Complaints before every dealing is on the board.
    post(&dealings[1]).send().await.ok(201);
    post(&complaints[0]).refused(409, None).await;

    // Trustee 3's dealing: signed with trustee 2's key; signed by an index
    // not in the manifest; naming another dealer; failing its public
    // checks; of a kind trustees do not post; malformed.
    let BoardMessage::TrusteeDealing(third) = &dealings[2] else {
        unreachable!()
    };
    let forged = TrusteeSigned::sign(
        &e.id,
        "trustee-dealing",
        third.trustee,
        third.message.clone(),
        &e.trustees[1].signing,
    )
    .unwrap();
    post(&BoardMessage::TrusteeDealing(forged))
        .refused(422, Some("body.signature"))
        .await;
    let stranger = TrusteeSigned::sign(
        &e.id,
        "trustee-dealing",
        TrusteeIndex::try_from(9).unwrap(),
        third.message.clone(),
        &e.trustees[2].signing,
    )
    .unwrap();
    post(&BoardMessage::TrusteeDealing(stranger))
        .refused(422, Some("body.trustee"))
        .await;
    // Signed for another kind or another election.
    let wrong_kind = TrusteeSigned::sign(
        &e.id,
        "trustee-complaints",
        third.trustee,
        third.message.clone(),
        &e.trustees[2].signing,
    )
    .unwrap();
    post(&BoardMessage::TrusteeDealing(wrong_kind))
        .refused(422, Some("body.signature"))
        .await;
    let wrong_election = TrusteeSigned::sign(
        "another-election",
        "trustee-dealing",
        third.trustee,
        third.message.clone(),
        &e.trustees[2].signing,
    )
    .unwrap();
    post(&BoardMessage::TrusteeDealing(wrong_election))
        .refused(422, Some("body.signature"))
        .await;
    let BoardMessage::TrusteeDealing(second) = &dealings[1] else {
        unreachable!()
    };
    let impostor = e.signed(2, "trustee-dealing", second.message.clone());
    post(&BoardMessage::TrusteeDealing(impostor))
        .refused(422, Some("body.message"))
        .await;
    let mut broken = third.message.clone();
    broken.commitments.swap(0, 1);
    let broken = e.signed(2, "trustee-dealing", broken);
    post(&BoardMessage::TrusteeDealing(broken))
        .refused(422, Some("body.message"))
        .await;
    let window = BoardMessage::VotingOpened(WindowEvent {
        at: "2026-01-01T00:00:00Z".into(),
    });
    post(&window).refused(422, Some("type")).await;
    app.call(Method::POST, path.clone())
        .json(&json!({"type": "trustee-dealing", "body": {"trustee": 3}}))
        .refused(400, Some("body.message"))
        .await;
    let mut wrong_type = serde_json::to_value(&dealings[2]).unwrap();
    wrong_type["body"]["signature"] = json!(5);
    app.call(Method::POST, path.clone())
        .json(&wrong_type)
        .refused(400, Some("body.signature"))
        .await;
    let mut wrong_type = serde_json::to_value(&dealings[2]).unwrap();
    wrong_type["body"]["trustee"] = json!(0);
    app.call(Method::POST, path.clone())
        .json(&wrong_type)
        .refused(400, Some("body.trustee"))
        .await;
    app.call(Method::POST, path.clone())
        .json(&json!({"type": "no-such-type", "body": {}}))
        .refused(422, Some("type"))
        .await;
    app.call(Method::POST, path.clone())
        .json(&json!({"type": "trustee-dealing"}))
        .refused(400, Some("body"))
        .await;
    // The body's members are named whether `type` comes first or not.
    let mut text = serde_json::to_string(&dealings[2]).unwrap();
    assert!(text.starts_with(r#"{"type":"trustee-dealing","body":{"trustee":3,"#));
    text = text.replacen(r#""trustee":3,"#, r#""trustee":"3","#, 1);
    app.call(Method::POST, path.clone())
        .body("application/json", text)
        .refused(400, Some("body.trustee"))
        .await;
    app.call(Method::POST, path.clone())
        .body("text/plain", serde_json::to_vec(&dealings[2]).unwrap())
        .refused(415, Some("content-type"))
        .await;
    app.call(Method::POST, "/api/elections/nope/trustees/messages")
        .json(&dealings[2])
        .refused(404, Some("election_id"))
        .await;
    let dealt = leaf_index(&post(&dealings[2]).send().await.ok(201).json());

    // Complaints; the last one makes the server publish the election key.
    let c1 = leaf_index(&post(&complaints[0]).send().await.ok(201).json());
    post(&complaints[1]).send().await.ok(201);
    let status = app.get_json(&e.path("/trustees/status")).await;
    assert_eq!(status["trustees"][2]["dealing"], dealt);
    assert_eq!(status["trustees"][0]["complaints"], c1);
    assert_eq!(status["trustees"][2]["complaints"], Value::Null);
    assert_eq!(status["election_key"], Value::Null);
    let size = app.size(&e.id).await;
    post(&complaints[2]).send().await.ok(201);
    assert_eq!(app.size(&e.id).await, size + 2, "complaints and the key");
    let key = e.leaf(&app, size + 1).await;
    assert_eq!(key.kind(), "election-key");
    e.finish_ceremony(&app).await;
    let status = app.get_json(&e.path("/trustees/status")).await;
    assert_eq!(status["phase"], "credentials");
    assert_eq!(
        status["election_key"],
        serde_json::to_value(&key).unwrap()["body"]
    );
    for t in status["trustees"].as_array().unwrap() {
        assert_eq!(t["qualified"], true);
        assert_eq!(t["disqualified"], Value::Null);
    }

    // After the ceremony: identical messages are still the same leaf,
    // different ones conflict, a dealing is out of phase.
    assert_eq!(post(&dealings[0]).send().await.ok(200).json(), first);
    post(&other).refused(409, Some("body")).await;
    let mut late = e.complaints[0].clone();
    late.complaints.clear();
    late.complainer = e.trustees[0].index;
    let BoardMessage::TrusteeComplaints(posted) = &complaints[0] else {
        unreachable!()
    };
    assert_eq!(posted.message, late, "trustee 1 had no complaints");
    // A decryption before the tally.
    let empty = TallyAccumulator::new(e.election()).finish(e.election());
    let decryption = e.decryption(0, &empty);
    post(&decryption).refused(409, None).await;
}

#[tokio::test]
async fn a_cheating_dealer_is_disqualified_by_the_server() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    let mut dealings = e.deal();
    // Trustee 3 swaps two recipients' sealed shares: neither opens.
    let mut bad = e.dealings[2].clone();
    let sealed = bad.shares[0].sealed;
    bad.shares[0].sealed = bad.shares[1].sealed;
    bad.shares[1].sealed = sealed;
    let honest = std::mem::replace(&mut e.dealings[2], bad.clone());
    dealings[2] = BoardMessage::TrusteeDealing(e.signed(2, "trustee-dealing", bad));
    for message in &dealings {
        e.post(&app, message).await.ok(201);
    }
    for position in 0..3 {
        let dealt = e.trustees[position].dealt.take().unwrap();
        let mut seen = e.dealings.clone();
        if position == 2 {
            seen[2] = honest.clone();
        }
        let (_, complaints) = dealt.receive(&seen, &mut e.rng).unwrap();
        assert_eq!(complaints.complaints.len(), usize::from(position < 2));
        let message =
            BoardMessage::TrusteeComplaints(e.signed(position, "trustee-complaints", complaints));
        e.post(&app, &message).await.ok(201);
    }
    let status = app.get_json(&e.path("/trustees/status")).await;
    assert_eq!(status["phase"], "credentials");
    assert_eq!(status["election_key"]["qualified"], json!([1, 2]));
    assert_eq!(status["trustees"][2]["qualified"], false);
    assert_eq!(status["trustees"][2]["disqualified"]["trustee"], 3);
    assert_eq!(status["trustees"][0]["disqualified"], Value::Null);
}

#[tokio::test]
async fn tally_decryptions_are_checked_and_counted_once() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    for voter in 0..2 {
        let (ballot, _) = e.ballot(voter, voter);
        e.cast(&app, &ballot).await;
    }
    e.close(&app).await;
    let tally = e.tally(&app).await;
    let tally_leaf = app.size(&e.id).await - 1;
    let path = e.path("/trustees/messages");
    let post = |message: &BoardMessage| app.call(Method::POST, path.clone()).json(message);

    // Publishing needs t = 2 decryptions.
    app.call(Method::POST, e.admin_path("/publish"))
        .admin()
        .refused(409, None)
        .await;
    let first = e.decryption(0, &tally);
    let posted = post(&first).send().await.ok(201).json();
    assert_eq!(post(&first).send().await.ok(200).json(), posted);
    app.call(Method::POST, e.admin_path("/publish"))
        .admin()
        .refused(409, None)
        .await;
    let status = app.get_json(&e.path("/trustees/status")).await;
    assert_eq!(status["phase"], "tallied");
    assert_eq!(status["tally_leaf"], tally_leaf);
    assert_eq!(status["trustees"][0]["decryption"], posted["leaf_index"]);
    assert_eq!(status["trustees"][1]["decryption"], Value::Null);

    // Trustee 1 again with a different decryption; trustee 2 with shares
    // in the wrong order, for another tally, or signed by trustee 3.
    let again = e.decryption(0, &tally);
    post(&again).refused(409, Some("body")).await;
    let BoardMessage::TallyDecryption(good) = e.decryption(1, &tally) else {
        unreachable!()
    };
    let mut swapped = good.message.clone();
    swapped.shares.swap(0, 1);
    let swapped = BoardMessage::TallyDecryption(e.signed(1, "tally-decryption", swapped));
    post(&swapped).refused(422, Some("body.message")).await;
    let empty = TallyAccumulator::new(e.election()).finish(e.election());
    let BoardMessage::TallyDecryption(of_other) = e.decryption(1, &empty) else {
        unreachable!()
    };
    let other_tally =
        BoardMessage::TallyDecryption(e.signed(1, "tally-decryption", of_other.message));
    post(&other_tally).refused(422, Some("body.message")).await;
    let mut short: TallyDecryption = good.message.clone();
    short.shares.pop();
    let short = BoardMessage::TallyDecryption(e.signed(1, "tally-decryption", short));
    post(&short).refused(422, Some("body.message")).await;
    let forged = TrusteeSigned::sign(
        &e.id,
        "tally-decryption",
        good.trustee,
        good.message.clone(),
        &e.trustees[2].signing,
    )
    .unwrap();
    post(&BoardMessage::TallyDecryption(forged))
        .refused(422, Some("body.signature"))
        .await;

    post(&BoardMessage::TallyDecryption(good))
        .send()
        .await
        .ok(201);
    let result = e.publish(&app).await;
    assert_eq!(result.styles.iter().map(|s| s.ballots).sum::<u64>(), 2);
    // Published: nothing more.
    let late = e.decryption(2, &tally);
    post(&late).refused(409, None).await;
    app.call(Method::POST, e.admin_path("/publish"))
        .admin()
        .refused(409, None)
        .await;
}
