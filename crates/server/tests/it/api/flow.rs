//! Whole elections through the API: on SQLite in-process, on PostgreSQL,
//! and over a real port; each ends with a record that `psephos-verify`'s
//! library accepts and a result equal to the voters' last choices.

use std::collections::HashMap;

use axum::http::Method;
use psephos_server::store::Store;
use serde_json::json;

use super::helpers::App;
use super::setup::{Options, TestElection};

/// Four voters cast, one audits first, one revotes, one checks its
/// receipt; the window closes, the tally is decrypted by `t` of the `n`
/// trustees and published; the record verifies.
async fn full_election<S: Store + Clone>(app: &App<S>) {
    let options = Options::default();
    let mut e = TestElection::build(app, &options).await;
    let mut last: HashMap<usize, Vec<Vec<usize>>> = HashMap::new();

    let (audited, audited_choices) = e.audited(1, 7);
    let body = app
        .call(Method::POST, e.path("/audits"))
        .json(&audited)
        .send()
        .await
        .ok(201)
        .json();
    assert_eq!(body["choices"], json!(audited_choices));

    let mut receipts = Vec::new();
    for voter in 0..e.voters.len() {
        let (ballot, choices) = e.ballot(voter, voter);
        receipts.push(e.cast(app, &ballot).await);
        last.insert(voter, choices);
    }
    let (revote, choices) = e.ballot(0, 5);
    let receipt = e.cast(app, &revote).await;
    assert_eq!(receipt.supersedes, Some(receipts[0].tracking_code));
    last.insert(0, choices);

    let turnout = app.admin_get_json(&e.admin_path("/turnout")).await;
    assert_eq!(turnout["members"], 4);
    assert_eq!(turnout["voted"], 4);
    assert_eq!(turnout["ballots"], 5);
    assert_eq!(turnout["audits"], 1);

    e.close(app).await;
    let tally = e.tally(app).await;
    for position in 1..=options.threshold as usize {
        let message = e.decryption(position, &tally);
        e.post(app, &message).await.ok(201);
    }
    let result = e.publish(app).await;
    let decrypted_by: Vec<u32> = result.decrypted_by.iter().map(|t| t.get()).collect();
    assert_eq!(decrypted_by, vec![2, 3]);

    // The result counts exactly the last ballot of each voter.
    for style in &result.styles {
        let mut expected: Vec<Vec<u64>> = e
            .election()
            .layout(&style.style)
            .unwrap()
            .questions
            .iter()
            .map(|q| vec![0; q.options])
            .collect();
        let mut ballots = 0;
        for (voter, choices) in &last {
            if e.voters[*voter].style == style.style {
                ballots += 1;
                for (q, chosen) in choices.iter().enumerate() {
                    for option in chosen {
                        expected[q][*option] += 1;
                    }
                }
            }
        }
        assert_eq!(style.ballots, ballots, "style {}", style.style);
        let counts: Vec<Vec<u64>> = style.questions.iter().map(|q| q.counts.clone()).collect();
        assert_eq!(counts, expected, "style {}", style.style);
    }

    let published = app.get_json(&e.path("/result")).await;
    assert_eq!(published["result"], serde_json::to_value(&result).unwrap());
    assert_eq!(published["turnout"]["voted"], 4);
    assert_eq!(published["turnout"]["ballots"], 5);
    assert_eq!(published["turnout"]["members"], 4);
    let by_style = published["turnout"]["by_style"].as_array().unwrap();
    let voted: u64 = by_style.iter().map(|s| s["voted"].as_u64().unwrap()).sum();
    let members: u64 = by_style
        .iter()
        .map(|s| s["members"].as_u64().unwrap())
        .sum();
    assert_eq!((voted, members), (4, 4));
    let view = app.get_json(&e.path("")).await;
    assert_eq!(view["phase"], "published");

    let report = e.verify_record(app).await;
    let failed: Vec<_> = report
        .failed()
        .map(|c| (c.id, c.failures.clone()))
        .collect();
    assert!(report.verified, "the record fails: {failed:?}");
    assert_eq!(report.result.as_ref(), Some(&result));
    assert_eq!(report.leaves, app.size(&e.id).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_election_on_sqlite_verifies() {
    let app = App::sqlite().await;
    full_election(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_election_on_postgres_verifies() {
    let app = App::postgres().await;
    full_election(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_election_over_a_real_port_verifies() {
    let app = App::sqlite().await.serve().await;
    full_election(&app).await;
}
