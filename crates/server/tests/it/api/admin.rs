//! Administrator endpoints (spec/api.md §5) and the credential authority's
//! upload: the token, creating an election, the roll, the credential list,
//! opening and closing, turnout, tally and publication.

use axum::http::{header, Method};
use psephos_election::board::messages::BoardMessage;
use psephos_election::credentials::{CredentialEntry, CredentialList};
use psephos_server::routes::ROUTES;
use psephos_server::store::SqliteStore;
use psephos_server::{AppState, ServerConfig};
use serde_json::{json, Value};

use super::helpers::{App, ADMIN_TOKEN};
use super::setup::{Options, TestElection};
use crate::common::{Fixture, SqliteFixture};

/// Every admin route, with an existing election's id.
fn admin_routes(id: &str) -> Vec<(Method, String)> {
    ROUTES
        .iter()
        .filter(|(_, path)| path.starts_with("/api/admin/"))
        .map(|(method, path)| {
            (
                Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap(),
                path.replace("{id}", id),
            )
        })
        .collect()
}

#[tokio::test]
async fn admin_endpoints_need_the_token() {
    let app = App::sqlite().await;
    let e = TestElection::build(&app, &Options::default()).await;
    let routes = admin_routes(&e.id);
    assert_eq!(routes.len(), 8);
    let bad_headers = [
        None,
        Some(format!("Bearer {ADMIN_TOKEN}x")),
        Some("Bearer ".to_string()),
        Some(format!("Basic {ADMIN_TOKEN}")),
        Some(ADMIN_TOKEN.to_string()),
    ];
    for (method, path) in &routes {
        for authorization in &bad_headers {
            let mut call = app.call(method.clone(), path.clone());
            if let Some(value) = authorization {
                call = call.header(header::AUTHORIZATION, value.clone());
            }
            // Checked before the body and before the election is looked up.
            call.body("application/json", "{")
                .refused(401, Some("authorization"))
                .await;
        }
    }
    app.call(Method::POST, "/api/admin/elections/nope/open")
        .refused(401, Some("authorization"))
        .await;
}

#[tokio::test]
async fn without_a_configured_token_admin_endpoints_are_closed() {
    let fixture = SqliteFixture::new().await;
    let store: SqliteStore = fixture.open().await.unwrap();
    let state = AppState::new(store, ServerConfig::default(), None)
        .await
        .unwrap();
    let router = psephos_server::router(state);
    use tower::ServiceExt;
    for token in ["", ADMIN_TOKEN] {
        let request = axum::http::Request::get("/api/admin/server")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 401);
    }
}

#[tokio::test]
async fn creating_an_election() {
    let app = App::sqlite().await;
    let server = app.admin_get_json("/api/admin/server").await;
    assert_eq!(
        server,
        json!({"board_key": serde_json::to_value(app.state.board_public_key()).unwrap()})
    );
    let e = TestElection::new(&app, &Options::default()).await;
    let good = serde_json::to_value(&e.manifest).unwrap();
    let create = |body: &Value| {
        app.call(Method::POST, "/api/admin/elections")
            .admin()
            .json(body)
    };

    // Manifest rules, named by field.
    let invalid: Vec<(&str, Value, &str)> = vec![
        ("/version", json!("psephos/manifest/v0"), "manifest.version"),
        ("/election_id", json!("no spaces"), "manifest.election_id"),
        ("/title", json!(" "), "manifest.title"),
        (
            "/voting_window/closes",
            good["voting_window"]["opens"].clone(),
            "manifest.voting_window.closes",
        ),
        (
            "/voting_window/opens",
            json!("2026-01-01 09:00"),
            "manifest.voting_window.opens",
        ),
        (
            "/trustees/threshold",
            json!(4),
            "manifest.trustees.threshold",
        ),
        (
            "/questions/1/id",
            good["questions"][0]["id"].clone(),
            "manifest.questions.1.id",
        ),
        (
            "/trustees/members/1/possession_proof",
            good["trustees"]["members"][0]["possession_proof"].clone(),
            "manifest.trustees.members.1.possession_proof",
        ),
        (
            "/credential_authority_key",
            good["board_key"].clone(),
            "manifest.credential_authority_key",
        ),
    ];
    for (pointer, value, field) in invalid {
        let mut body = good.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        create(&body).refused(422, Some(field)).await;
    }
    // A valid manifest naming another board key.
    let mut other = e.manifest.clone();
    other.board_key = other.credential_authority_key;
    other.credential_authority_key = e.board_key;
    create(&serde_json::to_value(&other).unwrap())
        .refused(422, Some("manifest.board_key"))
        .await;
    // Malformed, wrong types, missing members, content type.
    app.call(Method::POST, "/api/admin/elections")
        .admin()
        .body("application/json", "{\"version\":")
        .refused(400, None)
        .await;
    let decoding: Vec<(&str, Value, &str)> = vec![
        ("/title", json!(5), "title"),
        ("/trustees/threshold", json!("two"), "trustees.threshold"),
        (
            "/trustees/members/0/signing_key",
            json!("xyz"),
            "trustees.members.0.signing_key",
        ),
        (
            "/ballot_styles/1/questions",
            json!("proposal-1"),
            "ballot_styles.1.questions",
        ),
    ];
    for (pointer, value, field) in decoding {
        let mut body = good.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        create(&body).refused(400, Some(field)).await;
    }
    let mut body = good.clone();
    body.as_object_mut().unwrap().remove("questions");
    create(&body).refused(400, Some("questions")).await;
    app.call(Method::POST, "/api/admin/elections")
        .admin()
        .body("text/plain", serde_json::to_vec(&good).unwrap())
        .refused(415, Some("content-type"))
        .await;
    assert_eq!(app.get_json("/api/elections").await, json!([]));

    // Created once; the same id again is a conflict.
    e.create(&app).await;
    create(&good).refused(409, Some("election_id")).await;
    let mut retitled = e.manifest.clone();
    retitled.title = "Another title".into();
    create(&serde_json::to_value(&retitled).unwrap())
        .refused(409, Some("election_id"))
        .await;
    assert_eq!(
        app.get_json("/api/elections")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn turnout_members(turnout: &Value) -> Value {
    turnout["members"].clone()
}

#[tokio::test]
async fn the_roll_is_imported_whole_or_not_at_all() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    let roll = e.admin_path("/roll");
    let put = |csv: &str| {
        app.call(Method::PUT, roll.clone())
            .admin()
            .body("text/csv", csv.to_string())
    };

    // During the key ceremony; then replaced by a shorter one.
    assert_eq!(
        e.import_roll(&app).await,
        json!({"members": 4, "by_style": {"london": 1, "north": 2, "south": 1}})
    );
    let shorter = "email,style,name,notes\na@example.org,north,A,x\nb@example.org,south,B,\nc@example.org,north,C,\n";
    assert_eq!(
        put(shorter).send().await.ok(200).json(),
        json!({"members": 3, "by_style": {"north": 2, "south": 1}})
    );
    let turnout = app.admin_get_json(&e.admin_path("/turnout")).await;
    assert_eq!(turnout_members(&turnout), 3);
    assert_eq!(
        turnout["by_style"],
        json!([
            {"style": "north", "members": 2, "voted": 0},
            {"style": "south", "members": 1, "voted": 0},
            {"style": "london", "members": 0, "voted": 0},
        ])
    );

    // Bad rows: every one reported, nothing imported.
    let bad = "name,email,style\nGood,good@example.org,north\n,noname@example.org,north\nBad Mail,not-an-address,south\nNowhere,x@example.org,east\nDuplicate,GOOD@example.org,north\n";
    let body = put(bad).refused(422, Some("roll")).await.json();
    let rows: Vec<(u64, Option<&str>)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["field"].as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (2, Some("name")),
            (3, Some("email")),
            (4, Some("style")),
            (5, Some("email")),
        ]
    );
    assert!(body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["message"].as_str().is_some_and(|m| !m.is_empty())));
    let body = put("name,style\nA,north\n")
        .refused(422, Some("roll"))
        .await
        .json();
    assert_eq!(body["rows"][0]["row"], 0);
    put("").refused(422, Some("roll")).await;
    let turnout = app.admin_get_json(&e.admin_path("/turnout")).await;
    assert_eq!(
        turnout_members(&turnout),
        3,
        "nothing of a bad roll was imported"
    );

    // Content type, unknown election.
    app.call(Method::PUT, roll.clone())
        .admin()
        .body("application/json", "[]")
        .refused(415, Some("content-type"))
        .await;
    app.call(Method::PUT, "/api/admin/elections/nope/roll")
        .admin()
        .body("text/csv", e.roll_csv())
        .refused(404, Some("election_id"))
        .await;

    // After the credential list, the roll is fixed.
    e.ceremony(&app).await;
    e.import_roll(&app).await;
    e.publish_credentials(&app).await;
    put(&e.roll_csv()).refused(409, None).await;
}

#[tokio::test]
async fn the_credential_list() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    let path = e.path("/credential-list");
    let post = |list: &CredentialList| app.call(Method::POST, path.clone()).json(list);
    let list = e.credential_list();

    // Before the election key.
    post(&list).refused(409, None).await;
    e.ceremony(&app).await;

    // Signed by another key; for another election; with an unknown style.
    let forged =
        CredentialList::sign(&e.id, list.credentials.clone(), &e.trustees[0].signing).unwrap();
    post(&forged).refused(422, Some("credentials")).await;
    let elsewhere =
        CredentialList::sign("api-other", list.credentials.clone(), &e.authority).unwrap();
    post(&elsewhere).refused(422, Some("election_id")).await;
    let mut entries = list.credentials.clone();
    entries[0].style = "east".into();
    let unknown_style = CredentialList::sign(&e.id, entries, &e.authority).unwrap();
    post(&unknown_style).refused(422, Some("credentials")).await;
    let mut unsorted = list.clone();
    unsorted.credentials.swap(0, 1);
    post(&unsorted).refused(422, Some("credentials")).await;

    // The roll's members per style must match the list's.
    let mut roll = String::from("name,email,style\n");
    for (k, v) in e.voters.iter().enumerate().skip(1) {
        roll.push_str(&format!("M{k},m{k}@example.org,{}\n", v.style));
    }
    roll.push_str("Extra,extra@example.org,south\n");
    app.call(Method::PUT, e.admin_path("/roll"))
        .admin()
        .body("text/csv", roll)
        .send()
        .await
        .ok(200);
    post(&list).refused(422, Some("credentials")).await;
    let fewer: Vec<CredentialEntry> = list.credentials[1..].to_vec();
    let fewer = CredentialList::sign(&e.id, fewer, &e.authority).unwrap();
    post(&fewer).refused(422, Some("credentials")).await;

    // Malformed, wrong types, content type, unknown election.
    app.call(Method::POST, path.clone())
        .body("application/json", "{")
        .refused(400, None)
        .await;
    let mut body = serde_json::to_value(&list).unwrap();
    body["credentials"][2]["style"] = json!(7);
    app.call(Method::POST, path.clone())
        .json(&body)
        .refused(400, Some("credentials.2.style"))
        .await;
    app.call(Method::POST, path.clone())
        .body("text/csv", serde_json::to_vec(&list).unwrap())
        .refused(415, Some("content-type"))
        .await;
    app.call(Method::POST, "/api/elections/nope/credential-list")
        .json(&list)
        .refused(404, Some("election_id"))
        .await;

    // With the matching roll (no admin token needed: the signature is the authority).
    e.import_roll(&app).await;
    let index = e.publish_credentials(&app).await;
    assert_eq!(index, app.size(&e.id).await - 1);
    assert_eq!(app.get_json(&e.path("")).await["phase"], "ready");
    post(&list).refused(409, None).await;
}

#[tokio::test]
async fn opening_and_closing_the_window() {
    let app = App::sqlite().await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    e.create(&app).await;
    let (open_path, close_path) = (e.admin_path("/open"), e.admin_path("/close"));
    let open = || app.call(Method::POST, open_path.clone()).admin();
    let close = || app.call(Method::POST, close_path.clone()).admin();
    open().refused(409, None).await;
    e.ceremony(&app).await;
    open().refused(409, None).await;
    close().refused(409, None).await;
    e.publish_credentials(&app).await;
    close().refused(409, None).await;
    let opened = e.open(&app).await;
    let leaf = serde_json::to_value(e.leaf(&app, opened).await).unwrap();
    assert_eq!(leaf["type"], "voting-opened");
    open().refused(409, None).await;
    let closed = e.close(&app).await;
    assert_eq!(closed, opened + 1);
    // Closed within the same millisecond as it opened, the closing time
    // still comes strictly after the opening (spec/verify.md §V9).
    let (BoardMessage::VotingOpened(opening), BoardMessage::VotingClosed(closing)) =
        (e.leaf(&app, opened).await, e.leaf(&app, closed).await)
    else {
        panic!("not the window events");
    };
    let instant = |at: &str| humantime::parse_rfc3339(at).unwrap();
    assert!(
        instant(&closing.at) > instant(&opening.at),
        "{} then {}",
        opening.at,
        closing.at
    );
    close().refused(409, None).await;
    open().refused(409, None).await;
    assert_eq!(app.get_json(&e.path("")).await["phase"], "closed");

    // Outside the manifest's window, a ready election cannot open.
    let later = TestElection::ready(
        &app,
        &Options {
            id: "api-later".into(),
            opens_in: 3600,
            closes_in: 7200,
            seed: 3,
            ..Options::default()
        },
    )
    .await;
    app.call(Method::POST, later.admin_path("/open"))
        .admin()
        .refused(409, None)
        .await;
    for action in ["open", "close", "tally", "publish"] {
        app.call(Method::POST, format!("/api/admin/elections/nope/{action}"))
            .admin()
            .refused(404, Some("election_id"))
            .await;
    }
    app.call(Method::GET, "/api/admin/elections/nope/turnout")
        .admin()
        .refused(404, Some("election_id"))
        .await;
}

#[tokio::test]
async fn turnout_is_counts_only() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    for (voter, k) in [(0, 0), (0, 1), (1, 0)] {
        let (ballot, _) = e.ballot(voter, k);
        e.cast(&app, &ballot).await;
    }
    let (audited, _) = e.audited(2, 0);
    app.call(Method::POST, e.path("/audits"))
        .json(&audited)
        .send()
        .await
        .ok(201);
    let turnout = app.admin_get_json(&e.admin_path("/turnout")).await;
    assert_eq!(
        turnout,
        json!({
            "phase": "open",
            "members": 4,
            "voted": 2,
            "ballots": 3,
            "audits": 1,
            "by_style": [
                {"style": "north", "members": 2, "voted": 1},
                {"style": "south", "members": 1, "voted": 1},
                {"style": "london", "members": 1, "voted": 0},
            ],
        })
    );
    let text = turnout.to_string();
    for k in 0..4 {
        assert!(!text.contains(&e.credential_hex(k)));
        assert!(!text.contains(&e.voters[k].email));
    }
}

#[tokio::test]
async fn the_tally_needs_a_closed_election_and_happens_once() {
    let app = App::sqlite().await;
    let mut e = TestElection::ready(&app, &Options::default()).await;
    let (tally_path, publish_path) = (e.admin_path("/tally"), e.admin_path("/publish"));
    let tally = || app.call(Method::POST, tally_path.clone()).admin();
    let publish = || app.call(Method::POST, publish_path.clone()).admin();
    tally().refused(409, None).await;
    publish().refused(409, None).await;
    e.open(&app).await;
    tally().refused(409, None).await;
    let (ballot, _) = e.ballot(0, 0);
    e.cast(&app, &ballot).await;
    e.close(&app).await;
    publish().refused(409, None).await;
    let encrypted = e.tally(&app).await;
    assert_eq!(encrypted.styles.iter().map(|s| s.ballots).sum::<u64>(), 1);
    tally().refused(409, None).await;
    assert_eq!(app.get_json(&e.path("")).await["phase"], "tallied");
}

/// No ballot at all: the tally is of zeros, and the record still verifies.
#[tokio::test]
async fn an_election_without_ballots_publishes_zeros() {
    let app = App::sqlite().await;
    let mut e = TestElection::build(&app, &Options::default()).await;
    e.close(&app).await;
    let tally = e.tally(&app).await;
    for position in [0, 2] {
        let message = e.decryption(position, &tally);
        e.post(&app, &message).await.ok(201);
    }
    let result = e.publish(&app).await;
    assert!(result
        .overall
        .iter()
        .all(|q| q.ballots == 0 && q.counts.iter().all(|c| *c == 0)));
    let published = app.get_json(&e.path("/result")).await;
    // Nobody voted, yet every credential of the list counts as a member.
    let mut members: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for voter in &e.voters {
        *members.entry(voter.style.as_str()).or_default() += 1;
    }
    let by_style: Vec<_> = members
        .iter()
        .map(|(style, n)| json!({"style": style, "members": n, "voted": 0}))
        .collect();
    assert_eq!(
        published["turnout"],
        json!({"members": e.voters.len(), "voted": 0, "ballots": 0, "audits": 0, "by_style": by_style})
    );
    let report = e.verify_record(&app).await;
    let failed: Vec<_> = report
        .failed()
        .map(|c| (c.id, c.failures.clone()))
        .collect();
    assert!(report.verified, "{failed:?}");
}
