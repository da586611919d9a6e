//! Public and voter endpoints (spec/api.md §2): health, the election list,
//! the election, a credential's status, casting, audits, receipts and the
//! result, with bad input for each.

use std::time::Duration;

use axum::http::{header, Method};
use psephos_election::ballot::Ballot;
use psephos_election::board::merkle::{leaf_hash, verify_inclusion, Hash};
use psephos_election::credentials::SecretCredential;
use psephos_election::receipt::Receipt;
use psephos_election::voter::encrypt_ballot_with_rng;
use psephos_server::store::Store;
use psephos_server::ServerConfig;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{json, Value};

use super::helpers::App;
use super::setup::{choices, Options, TestElection};

const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[tokio::test]
async fn health_and_the_election_list() {
    let app = App::sqlite().await;
    assert_eq!(app.get_json("/healthz").await, json!({"status": "ok"}));
    assert_eq!(app.get_json("/api/elections").await, json!([]));
    let e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    assert_eq!(
        app.get_json("/api/elections").await,
        json!([{
            "election_id": "api-test",
            "title": "API test election api-test",
            "organisation": "Test Members' Association",
            "phase": "keygen",
        }])
    );
}

#[tokio::test]
async fn the_election_as_a_voter_sees_it() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    let view = app.get_json(&e.path("")).await;
    assert_eq!(view["election_id"], "api-test");
    assert_eq!(view["phase"], "keygen");
    assert_eq!(view["manifest"], serde_json::to_value(&e.manifest).unwrap());
    assert_eq!(
        view["manifest_leaf_hash"],
        hex::encode(leaf_hash(&e.manifest_leaf))
    );
    assert_eq!(view["election_key"], Value::Null);
    assert_eq!(
        view["board_key"],
        serde_json::to_value(e.board_key).unwrap()
    );
    e.ceremony(&app).await;
    let view = app.get_json(&e.path("")).await;
    assert_eq!(view["phase"], "credentials");
    assert_eq!(
        view["election_key"]["fingerprint"],
        serde_json::to_value(e.election().fingerprint).unwrap()
    );

    app.call(Method::GET, "/api/elections/no-such-election")
        .refused(404, Some("election_id"))
        .await;
}

#[tokio::test]
async fn a_credential_status() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    e.ceremony(&app).await;
    let voter0 = e.path(&format!("/voters/{}", e.credential_hex(0)));
    // No list yet.
    app.call(Method::GET, &voter0)
        .refused(404, Some("credential"))
        .await;
    e.publish_credentials(&app).await;
    e.open(&app).await;
    assert_eq!(
        app.get_json(&voter0).await,
        json!({"credential": e.credential_hex(0), "style": "north", "ballots_cast": 0, "latest": null})
    );
    let (ballot, _) = e.ballot(0, 0);
    let first = e.cast(&app, &ballot).await;
    let (ballot, _) = e.ballot(0, 1);
    let second = e.cast(&app, &ballot).await;
    assert_eq!(
        app.get_json(&voter0).await,
        json!({
            "credential": e.credential_hex(0),
            "style": "north",
            "ballots_cast": 2,
            "latest": {"tracking_code": second.tracking_code.to_string(), "leaf_index": second.leaf_index},
        })
    );
    assert_ne!(first.leaf_index, second.leaf_index);
    assert_eq!(
        app.get_json(&e.path(&format!("/voters/{}", e.credential_hex(1))))
            .await["style"],
        "south"
    );

    // Not on the list; not a credential; unknown election.
    let outsider = SecretCredential::generate_with_rng(&mut ChaCha20Rng::seed_from_u64(99));
    let outsider = hex::encode(outsider.public(&e.id).as_bytes());
    app.call(Method::GET, e.path(&format!("/voters/{outsider}")))
        .refused(404, Some("credential"))
        .await;
    for bad in [
        e.credential_hex(0).to_uppercase(),
        e.credential_hex(0)[..62].to_string(),
        "zz".repeat(32),
    ] {
        app.call(Method::GET, e.path(&format!("/voters/{bad}")))
            .refused(400, Some("credential"))
            .await;
    }
    app.call(
        Method::GET,
        format!("/api/elections/nope/voters/{}", e.credential_hex(0)),
    )
    .refused(404, Some("election_id"))
    .await;
}

/// The receipt's inclusion proof, checked with the board's Merkle functions.
fn check_inclusion(receipt: &Receipt) {
    let path: Vec<Hash> = receipt.inclusion_proof.iter().map(|h| h.0).collect();
    verify_inclusion(
        receipt.leaf_index,
        receipt.checkpoint.size,
        &receipt.leaf_hash.0,
        &path,
        &receipt.checkpoint.root,
    )
    .unwrap();
}

#[tokio::test]
async fn a_ballot_is_stored_once_and_its_receipt_verifies() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let size = app.size(&e.id).await;
    let (ballot, _) = e.ballot(0, 0);
    let receipt = e.cast(&app, &ballot).await;
    assert_eq!(receipt.leaf_index, size);
    assert_eq!(receipt.checkpoint.size, size + 1);
    assert_eq!(receipt.tracking_code, ballot.tracking_code());
    assert_eq!(receipt.supersedes, None);
    check_inclusion(&receipt);
    // The checkpoint it names is the board's.
    let stored = app
        .get_json(&e.path(&format!("/board/checkpoints/{}", size + 1)))
        .await;
    assert_eq!(stored, serde_json::to_value(&receipt.checkpoint).unwrap());

    // Sent again: 200, the same receipt, no new leaf.
    let before = app.snapshot().await;
    let again: Receipt = e.send_ballot(&app, &ballot).await.ok(200).parse();
    assert_eq!(again, receipt);
    assert_eq!(app.snapshot().await, before);
    let turnout = app.admin_get_json(&e.admin_path("/turnout")).await;
    assert_eq!(
        (turnout["ballots"].clone(), turnout["voted"].clone()),
        (json!(1), json!(1))
    );
}

#[tokio::test]
async fn a_revote_supersedes_the_earlier_ballot() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let mut receipts = Vec::new();
    for k in 0..3 {
        let (ballot, _) = e.ballot(2, k);
        receipts.push(e.cast(&app, &ballot).await);
    }
    assert_eq!(receipts[0].supersedes, None);
    assert_eq!(receipts[1].supersedes, Some(receipts[0].tracking_code));
    assert_eq!(receipts[2].supersedes, Some(receipts[1].tracking_code));
    // A fresh receipt for each says the same.
    for receipt in &receipts {
        let fresh: Receipt = app
            .get_json(&e.path(&format!("/receipts/{}", receipt.tracking_code)))
            .await
            .pipe(|v| serde_json::from_value(v).unwrap());
        fresh.verify(&e.board_key).unwrap();
        check_inclusion(&fresh);
        assert_eq!(fresh.tracking_code, receipt.tracking_code);
        assert_eq!(fresh.leaf_index, receipt.leaf_index);
        assert_eq!(fresh.leaf_hash, receipt.leaf_hash);
        assert_eq!(fresh.supersedes, receipt.supersedes);
        assert_eq!(fresh.checkpoint.size, app.size(&e.id).await);
    }
    // A ballot of another voter does not supersede.
    let (ballot, _) = e.ballot(1, 0);
    assert_eq!(e.cast(&app, &ballot).await.supersedes, None);
}

/// `serde_json::Value` in a pipeline.
trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl Pipe for Value {}

#[tokio::test]
async fn malformed_ballots_are_refused_naming_the_field() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let (ballot, _) = e.ballot(0, 0);
    let good = serde_json::to_value(&ballot).unwrap();
    let path = e.path("/ballots");
    let post = |body: Vec<u8>| {
        app.call(Method::POST, path.clone())
            .body("application/json", body)
    };

    post(b"{not json".to_vec()).refused(400, None).await;
    post(b"[]".to_vec()).refused(400, None).await;
    let mut trailing = serde_json::to_vec(&good).unwrap();
    trailing.extend_from_slice(b" {}");
    post(trailing).refused(400, None).await;

    // Wrong types and bad values name the field by its path.
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/election", json!(5), "election"),
        ("/credential", json!("abc"), "credential"),
        ("/style", json!(["north"]), "style"),
        ("/answers", json!({}), "answers"),
        ("/answers/0/question", json!(1), "answers.0.question"),
        (
            "/answers/1/ciphertexts/0/alpha",
            json!("zz"),
            "answers.1.ciphertexts.0.alpha",
        ),
        (
            "/answers/0/proofs/1/branches/0/c",
            json!(null),
            "answers.0.proofs.1.branches.0.c",
        ),
        ("/signature", json!("00"), "signature"),
    ];
    for (pointer, value, field) in cases {
        let mut body = good.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        post(serde_json::to_vec(&body).unwrap())
            .refused(400, Some(field))
            .await;
    }
    // A missing or an unknown member is named too.
    let mut body = good.clone();
    body.as_object_mut().unwrap().remove("signature");
    post(serde_json::to_vec(&body).unwrap())
        .refused(400, Some("signature"))
        .await;
    let mut body = good.clone();
    body["answers"][0]["extra"] = json!(1);
    post(serde_json::to_vec(&body).unwrap())
        .refused(400, Some("answers.0.extra"))
        .await;

    // Content type and size.
    app.call(Method::POST, path.clone())
        .body("text/plain", serde_json::to_vec(&good).unwrap())
        .refused(415, Some("content-type"))
        .await;
    app.call(Method::POST, path.clone())
        .raw(serde_json::to_vec(&good).unwrap())
        .refused(415, Some("content-type"))
        .await;
    let mut huge = serde_json::to_vec(&good).unwrap();
    huge.resize(psephos_server::state::Limits::DEFAULT_BODY + 1, b' ');
    post(huge).refused(413, None).await;

    // Unknown election.
    app.call(Method::POST, "/api/elections/nope/ballots")
        .json(&ballot)
        .refused(404, Some("election_id"))
        .await;
    // And the good ballot still goes in.
    e.cast(&app, &ballot).await;
}

#[tokio::test]
async fn invalid_ballots_are_refused_and_nothing_is_stored() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let mut other = TestElection::new(
        &app,
        &Options {
            id: "api-other".into(),
            seed: 2,
            ..Options::default()
        },
    )
    .await;
    other.create(&app).await;
    other.ceremony(&app).await;
    let path = e.path("/ballots");
    let send = |ballot: &Ballot| app.call(Method::POST, path.clone()).json(ballot);
    let north = choices(e.election().layout("north").unwrap(), 0);

    // A credential that is not on the list.
    let outsider = SecretCredential::generate_with_rng(&mut ChaCha20Rng::seed_from_u64(99));
    let ballot = e.ballot_by(&outsider, "north", &north);
    send(&ballot).refused(422, Some("credential")).await;

    // A wrong signature.
    let (mut ballot, _) = e.ballot(0, 0);
    ballot.signature.0[5] ^= 1;
    send(&ballot).refused(422, Some("signature")).await;
    // Signed for an audit, not for casting.
    let (audited, _) = e.audited(0, 0);
    send(&audited.ballot).refused(422, Some("signature")).await;

    // A ballot of another style than the credential's (voter 0 votes north).
    let south = choices(e.election().layout("south").unwrap(), 0);
    let ballot = e.ballot_with(0, "south", &south);
    send(&ballot).refused(422, Some("style")).await;

    // A ballot for another election, as it is...
    let secret = e.voters[0].secret.clone();
    let foreign = other.ballot_by(&secret, "north", &north);
    send(&foreign).refused(422, Some("election")).await;
    // ...and carried over: this election's fingerprint and the voter's
    // credential here, re-signed by the voter; its proofs are bound to the
    // other election, so the first one fails.
    let mut carried = foreign.clone();
    carried.election = e.election().fingerprint;
    carried.credential = secret.public(&e.id);
    let carried = e.resign(carried, &secret);
    send(&carried)
        .refused(422, Some("answers.0.proofs.0"))
        .await;

    // Voter 0's ballot replayed under voter 3's credential (same style):
    // the signature no longer matches (the tracking code covers the
    // credential); re-signed by voter 3, the proofs (bound to voter 0's
    // credential) fail.
    assert_eq!(e.voters[3].style, "north");
    let (ballot, _) = e.ballot(0, 1);
    let mut replay = ballot.clone();
    replay.credential = e.voters[3].secret.public(&e.id);
    send(&replay).refused(422, Some("signature")).await;
    let voter3 = e.voters[3].secret.clone();
    let replay = e.resign(replay, &voter3);
    send(&replay).refused(422, Some("answers.0.proofs.0")).await;
    // Voter 0's own ballot is still accepted.
    e.cast(&app, &ballot).await;

    // Structure: an answer missing, or proofs swapped (re-signed each time).
    let (ballot, _) = e.ballot(1, 0);
    let mut short = ballot.clone();
    short.answers.pop();
    let voter1 = e.voters[1].secret.clone();
    let short = e.resign(short, &voter1);
    send(&short).refused(422, Some("answers")).await;
    let mut swapped = ballot.clone();
    swapped.answers[1].proofs.swap(0, 1);
    let swapped = e.resign(swapped, &voter1);
    send(&swapped)
        .refused(422, Some("answers.1.proofs.0"))
        .await;
    let mut bad_sum = ballot.clone();
    bad_sum.answers[0].sum_proof = ballot.answers[1].sum_proof.clone();
    let bad_sum = e.resign(bad_sum, &voter1);
    send(&bad_sum)
        .refused(422, Some("answers.0.sum_proof"))
        .await;
}

#[tokio::test]
async fn ballots_before_opening_and_after_closing_are_refused() {
    let app = App::sqlite().await;
    let mut e = TestElection::ready(&app, &Options::default()).await;
    let (ballot, _) = e.ballot(0, 0);
    let (audited, _) = e.audited(1, 0);
    app.call(Method::POST, e.path("/ballots"))
        .json(&ballot)
        .refused(409, None)
        .await;
    app.call(Method::POST, e.path("/audits"))
        .json(&audited)
        .refused(409, None)
        .await;
    e.open(&app).await;
    e.cast(&app, &ballot).await;
    e.close(&app).await;
    let (ballot, _) = e.ballot(1, 0);
    app.call(Method::POST, e.path("/ballots"))
        .json(&ballot)
        .refused(409, None)
        .await;
    app.call(Method::POST, e.path("/audits"))
        .json(&audited)
        .refused(409, None)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ballots_after_the_closing_time_are_refused_while_the_phase_is_open() {
    let app = App::sqlite().await;
    let options = Options {
        closes_in: 4,
        ..Options::default()
    };
    let mut e = TestElection::build(&app, &options).await;
    let (ballot, _) = e.ballot(0, 0);
    e.cast(&app, &ballot).await;
    let (_, closes) = e.manifest.window().unwrap();
    while std::time::SystemTime::now() < closes {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.get_json(&e.path("")).await["phase"], "open");
    let (ballot, _) = e.ballot(1, 0);
    app.call(Method::POST, e.path("/ballots"))
        .json(&ballot)
        .refused(409, None)
        .await;
    // The tally closes the window at its closing time.
    e.tally(&app).await;
    let size = app.size(&e.id).await;
    let closed = e.leaf(&app, size - 2).await;
    assert_eq!(
        serde_json::to_value(&closed).unwrap(),
        json!({"type": "voting-closed", "body": {"at": humantime::format_rfc3339_millis(closes).to_string()}})
    );
}

#[tokio::test]
async fn audits_reveal_the_choices_and_bad_openings_are_refused() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let path = e.path("/audits");
    let (audited, chosen) = e.audited(1, 3);
    let size = app.size(&e.id).await;
    let body = app
        .call(Method::POST, path.clone())
        .json(&audited)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(body, json!({"leaf_index": size, "choices": chosen}));
    let leaf = serde_json::to_value(e.leaf(&app, size).await).unwrap();
    assert_eq!(leaf["type"], "ballot-audit");
    let turnout = app.admin_get_json(&e.admin_path("/turnout")).await;
    assert_eq!(
        (turnout["audits"].clone(), turnout["ballots"].clone()),
        (json!(1), json!(0))
    );
    // An audited ballot is not a cast ballot: no receipt, no inclusion by code.
    let code = audited.ballot.tracking_code();
    app.call(Method::GET, e.path(&format!("/receipts/{code}")))
        .refused(404, Some("tracking_code"))
        .await;

    // An opening that does not open its ciphertext.
    let (mut bad, _) = e.audited(1, 4);
    bad.openings[0][0].value ^= 1;
    app.call(Method::POST, path.clone())
        .json(&bad)
        .refused(422, Some("openings"))
        .await;
    let (mut bad, _) = e.audited(1, 4);
    bad.openings[1].pop();
    app.call(Method::POST, path.clone())
        .json(&bad)
        .refused(422, Some("openings"))
        .await;
    // A ballot signed for casting, offered as an audit.
    let (cast, _) = e.ballot(1, 0);
    let (mut bad, _) = e.audited(1, 0);
    bad.ballot = cast;
    app.call(Method::POST, path.clone())
        .json(&bad)
        .refused(422, Some("signature"))
        .await;
    // An unknown credential; another style.
    let outsider = SecretCredential::generate_with_rng(&mut ChaCha20Rng::seed_from_u64(99));
    let (mut bad, _) = e.audited(1, 0);
    bad.ballot.credential = outsider.public(&e.id);
    app.call(Method::POST, path.clone())
        .json(&bad)
        .refused(422, Some("credential"))
        .await;
    let (mut bad, _) = e.audited(0, 0);
    bad.ballot.style = "south".into();
    app.call(Method::POST, path.clone())
        .json(&bad)
        .refused(422, Some("style"))
        .await;
    // Malformed, wrong type, unknown election.
    app.call(Method::POST, path.clone())
        .body("application/json", "{")
        .refused(400, None)
        .await;
    let mut body = serde_json::to_value(&audited).unwrap();
    body["openings"][0][1]["value"] = json!("one");
    app.call(Method::POST, path.clone())
        .json(&body)
        .refused(400, Some("openings.0.1.value"))
        .await;
    app.call(Method::POST, path.clone())
        .body("text/csv", "a,b")
        .refused(415, Some("content-type"))
        .await;
    app.call(Method::POST, "/api/elections/nope/audits")
        .json(&audited)
        .refused(404, Some("election_id"))
        .await;
}

#[tokio::test]
async fn receipts_by_tracking_code() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let (ballot, _) = e.ballot(0, 0);
    let receipt = e.cast(&app, &ballot).await;
    for voter in 1..3 {
        let (ballot, _) = e.ballot(voter, 0);
        e.cast(&app, &ballot).await;
    }
    let fresh: Receipt = serde_json::from_value(
        app.get_json(&e.path(&format!("/receipts/{}", receipt.tracking_code)))
            .await,
    )
    .unwrap();
    fresh.verify(&e.board_key).unwrap();
    assert!(fresh.matches_ballot(&ballot));
    assert_eq!(fresh.leaf_index, receipt.leaf_index);
    assert_eq!(fresh.checkpoint.size, receipt.checkpoint.size + 2);
    check_inclusion(&fresh);

    app.call(Method::GET, e.path(&format!("/receipts/{ZEROS}")))
        .refused(404, Some("tracking_code"))
        .await;
    for bad in [
        "abc".to_string(),
        receipt.tracking_code.to_string().to_uppercase(),
    ] {
        app.call(Method::GET, e.path(&format!("/receipts/{bad}")))
            .refused(400, Some("tracking_code"))
            .await;
    }
    app.call(
        Method::GET,
        format!("/api/elections/nope/receipts/{}", receipt.tracking_code),
    )
    .refused(404, Some("election_id"))
    .await;
}

#[tokio::test]
async fn the_result_is_a_conflict_until_published() {
    let app = App::sqlite().await;
    let e = TestElection::build(&app, &Options::default()).await;
    app.call(Method::GET, e.path("/result"))
        .refused(409, None)
        .await;
    app.call(Method::GET, "/api/elections/nope/result")
        .refused(404, Some("election_id"))
        .await;
}

#[tokio::test]
async fn casting_is_rate_limited_per_credential() {
    let app = App::sqlite_with(ServerConfig {
        per_credential_per_minute: 2,
        ..ServerConfig::default()
    })
    .await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    for k in 0..2 {
        let (ballot, _) = e.ballot(0, k);
        e.cast(&app, &ballot).await;
    }
    let (ballot, _) = e.ballot(0, 2);
    let response = app
        .call(Method::POST, e.path("/ballots"))
        .json(&ballot)
        .refused(429, Some("credential"))
        .await;
    let wait: u64 = response
        .header(header::RETRY_AFTER.as_str())
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    // Other credentials are not held back.
    let (ballot, _) = e.ballot(1, 0);
    e.cast(&app, &ballot).await;
}

/// The same audit posted twice (a client retrying), an audited ballot cast
/// afterwards, and a cast ballot audited afterwards would each make the
/// record fail verification (V16): the first is answered as before, the
/// others are refused, and the record verifies.
async fn audits_keep_the_record_verifiable<S: Store + Clone>(app: &App<S>) {
    let mut e = TestElection::build(app, &Options::default()).await;
    let path = e.path("/audits");
    let (audited, chosen) = e.audited(1, 3);
    let first = app
        .call(Method::POST, path.clone())
        .json(&audited)
        .send()
        .await
        .ok(201)
        .json();
    let before = app.snapshot().await;
    let again = app
        .call(Method::POST, path.clone())
        .json(&audited)
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(again, first);
    assert_eq!(again["choices"], json!(chosen));
    assert_eq!(
        app.snapshot().await,
        before,
        "a repeated audit is stored once"
    );

    // The audited encryption, signed to cast: refused.
    let secret = e.voters[1].secret.clone();
    let cast = e.resign(audited.ballot.clone(), &secret);
    app.call(Method::POST, e.path("/ballots"))
        .json(&cast)
        .refused(409, Some("tracking_code"))
        .await;

    // A cast ballot, then the same encryption audited: refused.
    let voter = &e.voters[2];
    let layout = e.election().layout(&voter.style).unwrap();
    let picked = choices(layout, 1);
    let draft = |seed| {
        encrypt_ballot_with_rng(
            e.election(),
            &voter.secret,
            &voter.style,
            &picked,
            &mut ChaCha20Rng::seed_from_u64(seed),
        )
        .unwrap()
    };
    let cast = draft(7).cast(&voter.secret, &e.id);
    let spoiled = draft(7).audit(&voter.secret, &e.id);
    assert_eq!(cast.tracking_code(), spoiled.ballot.tracking_code());
    e.cast(app, &cast).await;
    app.call(Method::POST, path.clone())
        .json(&spoiled)
        .refused(409, Some("tracking_code"))
        .await;
    // Still no receipt for an audit's tracking code.
    app.call(
        Method::GET,
        e.path(&format!("/receipts/{}", audited.ballot.tracking_code())),
    )
    .refused(404, Some("tracking_code"))
    .await;

    e.close(app).await;
    let tally = e.tally(app).await;
    for position in 0..2 {
        let message = e.decryption(position, &tally);
        e.post(app, &message).await.ok(201);
    }
    e.publish(app).await;
    let report = e.verify_record(app).await;
    let failed: Vec<_> = report
        .failed()
        .map(|c| (c.id, c.failures.clone()))
        .collect();
    assert!(report.verified, "{failed:?}");
}

#[tokio::test]
async fn audits_keep_the_record_verifiable_on_sqlite() {
    audits_keep_the_record_verifiable(&App::sqlite().await).await;
}

#[tokio::test]
async fn audits_keep_the_record_verifiable_on_postgres() {
    audits_keep_the_record_verifiable(&App::postgres().await).await;
}

/// Ballots sent at once go through the group commit: every new one gets
/// its own dense leaf index and a receipt that verifies; the same ballot
/// sent twice at once is stored once, one answer 201 and the other 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_casts_are_committed_together() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    let size = app.size(&e.id).await;
    let ballots: Vec<Ballot> = (0..4).map(|voter| e.ballot(voter, voter).0).collect();
    let e = &e;
    let app = &app;
    let (a, b, c, d, d2) = tokio::join!(
        e.send_ballot(app, &ballots[0]),
        e.send_ballot(app, &ballots[1]),
        e.send_ballot(app, &ballots[2]),
        e.send_ballot(app, &ballots[3]),
        e.send_ballot(app, &ballots[3]),
    );
    let mut indices = Vec::new();
    for (response, ballot) in [(a, &ballots[0]), (b, &ballots[1]), (c, &ballots[2])] {
        let receipt: Receipt = response.ok(201).parse();
        receipt.verify(&e.board_key).unwrap();
        assert!(receipt.matches_ballot(ballot));
        indices.push(receipt.leaf_index);
    }
    let mut twice: Vec<u16> = vec![d.status.as_u16(), d2.status.as_u16()];
    twice.sort_unstable();
    assert_eq!(twice, [200, 201]);
    let (d, d2): (Receipt, Receipt) = (d.parse(), d2.parse());
    assert_eq!(
        (d.leaf_index, d.tracking_code),
        (d2.leaf_index, d2.tracking_code)
    );
    d.verify(&e.board_key).unwrap();
    indices.push(d.leaf_index);
    indices.sort_unstable();
    assert_eq!(indices, (size..size + 4).collect::<Vec<_>>());
    assert_eq!(app.size(&e.id).await, size + 4);
}
