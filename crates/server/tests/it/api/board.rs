//! Bulletin board endpoints (spec/api.md §3): checkpoints, leaves by range,
//! inclusion proofs by index and by tracking code, consistency proofs and
//! the record, each checked with the board's own verification functions.

use axum::http::Method;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{
    leaf_hash, verify_consistency, verify_inclusion, Hash, MerkleTree,
};
use psephos_election::board::messages::BoardMessage;
use psephos_election::receipt::Receipt;
use psephos_election::record::{RecordItem, RecordReader};
use psephos_server::store::Store;
use serde_json::{json, Value};

use super::helpers::App;
use super::setup::{Options, TestElection};

fn hashes(value: &Value) -> Vec<Hash> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let mut out = [0u8; 32];
            hex::decode_to_slice(h.as_str().unwrap(), &mut out).unwrap();
            out
        })
        .collect()
}

fn hash(value: &Value) -> Hash {
    hashes(&json!([value]))[0]
}

/// An open election with three ballots cast; their receipts.
async fn with_ballots<S: Store + Clone>(app: &App<S>) -> (TestElection, Vec<Receipt>) {
    let mut e = TestElection::build(app, &Options::default()).await;
    let mut receipts = Vec::new();
    for voter in 0..3 {
        let (ballot, _) = e.ballot(voter, voter);
        receipts.push(e.cast(app, &ballot).await);
    }
    (e, receipts)
}

/// The record's leaves, exactly as stored, and its final checkpoint.
async fn record<S: Store>(app: &App<S>, e: &TestElection) -> (Vec<Vec<u8>>, SignedCheckpoint) {
    let response = app
        .call(Method::GET, e.path("/record"))
        .send()
        .await
        .ok(200);
    assert_eq!(
        response.header("content-type"),
        Some("application/x-ndjson")
    );
    let mut reader = RecordReader::new(&response.body[..]).unwrap();
    let mut leaves = Vec::new();
    loop {
        match reader.next_item().unwrap() {
            Some(RecordItem::Leaf(leaf)) => leaves.push(leaf),
            Some(RecordItem::Checkpoint(c)) => {
                assert!(reader.next_item().unwrap().is_none());
                return (leaves, c);
            }
            None => panic!("the record has no final checkpoint"),
        }
    }
}

#[tokio::test]
async fn checkpoints_and_the_record_agree_with_the_leaves() {
    let app = App::sqlite().await;
    let (e, receipts) = with_ballots(&app).await;
    let size = app.size(&e.id).await;

    let latest: SignedCheckpoint =
        serde_json::from_value(app.get_json(&e.path("/board/checkpoint")).await).unwrap();
    latest.verify(&e.board_key).unwrap();
    assert_eq!((latest.log_id.as_str(), latest.size), (e.id.as_str(), size));

    let (leaves, final_checkpoint) = record(&app, &e).await;
    assert_eq!(leaves.len() as u64, size);
    assert_eq!(final_checkpoint, latest);
    let mut tree = MerkleTree::new();
    for leaf in &leaves {
        tree.push(leaf_hash(leaf));
    }
    assert_eq!(tree.root(), latest.root);
    assert_eq!(leaves[0], e.manifest_leaf);

    // Each receipt's checkpoint is stored under its size and is a root of the log.
    for receipt in &receipts {
        let at = receipt.checkpoint.size;
        let stored: SignedCheckpoint = serde_json::from_value(
            app.get_json(&e.path(&format!("/board/checkpoints/{at}")))
                .await,
        )
        .unwrap();
        assert_eq!(stored, receipt.checkpoint);
        assert_eq!(stored.root, tree.root_at(at).unwrap());
    }
    // No checkpoint was signed during the key ceremony, nor past the end;
    // sizes are numbers.
    app.call(Method::GET, e.path("/board/checkpoints/5"))
        .refused(404, Some("size"))
        .await;
    app.call(
        Method::GET,
        e.path(&format!("/board/checkpoints/{}", size + 1)),
    )
    .refused(404, Some("size"))
    .await;
    app.call(Method::GET, e.path("/board/checkpoints/many"))
        .refused(400, Some("path"))
        .await;
    app.call(Method::GET, e.path("/board/checkpoints/-1"))
        .refused(400, Some("path"))
        .await;
    for suffix in ["/board/checkpoint", "/board/checkpoints/1", "/record"] {
        app.call(Method::GET, format!("/api/elections/nope{suffix}"))
            .refused(404, Some("election_id"))
            .await;
    }
}

#[tokio::test]
async fn leaves_are_paged() {
    let app = App::sqlite().await;
    let (e, _) = with_ballots(&app).await;
    let size = app.size(&e.id).await;
    let (stored, _) = record(&app, &e).await;

    // The leaves come back as the messages they are; re-encoded, each is
    // exactly the stored (canonical) leaf.
    let all = app.get_json(&e.path("/board/leaves")).await;
    assert_eq!(all["start"], 0);
    assert_eq!(all["size"], size);
    let messages: Vec<BoardMessage> = serde_json::from_value(all["leaves"].clone()).unwrap();
    let encoded: Vec<Vec<u8>> = messages.iter().map(BoardMessage::to_leaf).collect();
    assert_eq!(encoded, stored);
    let kinds: Vec<&str> = messages.iter().map(BoardMessage::kind).collect();
    assert_eq!(
        kinds,
        [
            "manifest",
            "trustee-dealing",
            "trustee-dealing",
            "trustee-dealing",
            "trustee-complaints",
            "trustee-complaints",
            "trustee-complaints",
            "election-key",
            "credential-list",
            "voting-opened",
            "ballot",
            "ballot",
            "ballot",
        ]
    );

    let page = app.get_json(&e.path("/board/leaves?start=2&end=5")).await;
    assert_eq!(page["start"], 2);
    assert_eq!(
        page["leaves"],
        json!(all["leaves"].as_array().unwrap()[2..5])
    );
    let tail = app
        .get_json(&e.path(&format!("/board/leaves?start={}", size - 1)))
        .await;
    assert_eq!(tail["leaves"].as_array().unwrap().len(), 1);
    let empty = app
        .get_json(&e.path(&format!("/board/leaves?start={size}")))
        .await;
    assert_eq!(empty["leaves"], json!([]));

    let bad = |query: &str| app.call(Method::GET, e.path(&format!("/board/leaves?{query}")));
    bad("start=5&end=2").refused(404, Some("end")).await;
    bad(&format!("end={}", size + 1))
        .refused(404, Some("end"))
        .await;
    bad(&format!("start={}", size + 1))
        .refused(404, Some("end"))
        .await;
    bad("start=two").refused(400, Some("query")).await;
    bad("start=-1").refused(400, Some("query")).await;
    bad("from=1").refused(400, Some("query")).await;
    app.call(Method::GET, "/api/elections/nope/board/leaves")
        .refused(404, Some("election_id"))
        .await;
}

#[tokio::test]
async fn inclusion_proofs_by_index_and_by_tracking_code_verify() {
    let app = App::sqlite().await;
    let (e, receipts) = with_ballots(&app).await;
    let size = app.size(&e.id).await;
    let (leaves, latest) = record(&app, &e).await;

    for (index, leaf) in leaves.iter().enumerate() {
        let proof = app
            .get_json(&e.path(&format!("/board/inclusion?index={index}")))
            .await;
        assert_eq!(proof["leaf_index"], index);
        assert_eq!(proof["size"], size);
        assert_eq!(hash(&proof["leaf_hash"]), leaf_hash(leaf));
        verify_inclusion(
            index as u64,
            size,
            &leaf_hash(leaf),
            &hashes(&proof["proof"]),
            &latest.root,
        )
        .unwrap();
    }
    for receipt in &receipts {
        // By tracking code, against the latest checkpoint and the receipt's own.
        let code = receipt.tracking_code;
        let proof = app
            .get_json(&e.path(&format!("/board/inclusion?tracking_code={code}")))
            .await;
        assert_eq!(proof["leaf_index"], receipt.leaf_index);
        verify_inclusion(
            receipt.leaf_index,
            size,
            &receipt.leaf_hash.0,
            &hashes(&proof["proof"]),
            &latest.root,
        )
        .unwrap();
        let at = receipt.checkpoint.size;
        let proof = app
            .get_json(&e.path(&format!("/board/inclusion?tracking_code={code}&size={at}")))
            .await;
        assert_eq!(proof["size"], at);
        verify_inclusion(
            receipt.leaf_index,
            at,
            &receipt.leaf_hash.0,
            &hashes(&proof["proof"]),
            &receipt.checkpoint.root,
        )
        .unwrap();
    }

    let bad = |query: String| app.call(Method::GET, e.path(&format!("/board/inclusion?{query}")));
    let code = receipts[0].tracking_code;
    bad(format!("index=1&tracking_code={code}"))
        .refused(400, Some("query"))
        .await;
    bad(String::new()).refused(400, Some("query")).await;
    bad("index=x".into()).refused(400, Some("query")).await;
    bad("index=1&extra=2".into())
        .refused(400, Some("query"))
        .await;
    bad(format!("index={size}"))
        .refused(404, Some("index"))
        .await;
    bad(format!("index=1&size={}", size + 1))
        .refused(404, Some("index"))
        .await;
    bad(format!("tracking_code={}", "0".repeat(64)))
        .refused(404, Some("tracking_code"))
        .await;
    bad("tracking_code=abc".into())
        .refused(400, Some("tracking_code"))
        .await;
    app.call(Method::GET, "/api/elections/nope/board/inclusion?index=0")
        .refused(404, Some("election_id"))
        .await;
}

#[tokio::test]
async fn consistency_proofs_verify_between_checkpoints() {
    let app = App::sqlite().await;
    let (e, receipts) = with_ballots(&app).await;
    let (_, latest) = record(&app, &e).await;
    let mut checkpoints: Vec<SignedCheckpoint> =
        receipts.iter().map(|r| r.checkpoint.clone()).collect();
    checkpoints.push(latest.clone());
    for first in &checkpoints {
        for second in &checkpoints {
            if first.size > second.size {
                continue;
            }
            let proof = app
                .get_json(&e.path(&format!(
                    "/board/consistency?first={}&second={}",
                    first.size, second.size
                )))
                .await;
            assert_eq!(proof["first"], first.size);
            assert_eq!(proof["second"], second.size);
            verify_consistency(
                first.size,
                second.size,
                &first.root,
                &second.root,
                &hashes(&proof["proof"]),
            )
            .unwrap();
        }
    }
    // A proof from size 0 is empty.
    let proof = app
        .get_json(&e.path(&format!(
            "/board/consistency?first=0&second={}",
            latest.size
        )))
        .await;
    assert_eq!(proof["proof"], json!([]));

    let bad = |query: String| app.call(Method::GET, e.path(&format!("/board/consistency?{query}")));
    bad("first=5&second=3".into())
        .refused(400, Some("first"))
        .await;
    bad("first=3".into()).refused(400, Some("query")).await;
    bad("first=a&second=3".into())
        .refused(400, Some("query"))
        .await;
    bad(format!("first=1&second={}", latest.size + 1))
        .refused(404, Some("index"))
        .await;
    app.call(
        Method::GET,
        "/api/elections/nope/board/consistency?first=1&second=2",
    )
    .refused(404, Some("election_id"))
    .await;
}
