//! The test suite every store passes; `main.rs` runs each test on SQLite
//! and on PostgreSQL.

use std::collections::{BTreeMap, HashSet};
use std::io::BufReader;

use ed25519_dalek::SigningKey;
use psephos_crypto::context::CredentialKey;
use psephos_election::ballot::TrackingCode;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{
    leaf_hash, verify_consistency, verify_inclusion, MerkleTree,
};
use psephos_election::board::messages::BoardMessage;
use psephos_election::record::{RecordItem, RecordReader, RecordWriter};
use psephos_election::signing::PublicSigningKey;
use psephos_server::error::StoreError;
use psephos_server::store::{
    write_record, write_record_async, BallotLeaf, LeafMeta, Store, Superseded, MAX_LEAVES_PER_CALL,
};

use crate::common::{simulated, Fixture};

fn leaf(tag: &str, i: u64) -> Vec<u8> {
    format!("{{\"type\":\"{tag}\",\"body\":{i}}}").into_bytes()
}

fn code(i: u64) -> TrackingCode {
    TrackingCode(leaf_hash(format!("code {i}").as_bytes()))
}

fn credential(i: u64) -> CredentialKey {
    CredentialKey::from_bytes(leaf_hash(format!("credential {i}").as_bytes()))
}

fn board_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// A tree of the store's leaves, read back one by one.
async fn tree_of<S: Store>(store: &S, election: &str) -> (MerkleTree, Vec<Vec<u8>>) {
    let size = store.size(election).await.unwrap();
    let leaves = store.leaves(election, 0..size).await.unwrap();
    assert_eq!(leaves.len() as u64, size);
    let mut tree = MerkleTree::new();
    for l in &leaves {
        tree.push(leaf_hash(l));
    }
    (tree, leaves)
}

pub async fn append_and_read_back(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("e1").await.unwrap();
    store.create_election("e2").await.unwrap();
    assert!(matches!(
        store.create_election("e1").await,
        Err(StoreError::ElectionExists(e)) if e == "e1"
    ));
    assert_eq!(store.size("e1").await.unwrap(), 0);
    for i in 0..10 {
        let index = store
            .append("e1", leaf("manifest", i), LeafMeta::kind("manifest"))
            .await
            .unwrap();
        assert_eq!(index, i);
    }
    // A second election has its own indices.
    assert_eq!(
        store
            .append("e2", leaf("other", 0), LeafMeta::kind("other"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.size("e1").await.unwrap(), 10);
    assert_eq!(store.size("e2").await.unwrap(), 1);
    assert_eq!(store.leaf("e1", 3).await.unwrap(), leaf("manifest", 3));
    assert_eq!(
        store.leaves("e1", 2..5).await.unwrap(),
        vec![
            leaf("manifest", 2),
            leaf("manifest", 3),
            leaf("manifest", 4)
        ]
    );
    assert!(store.leaves("e1", 4..4).await.unwrap().is_empty());
    assert!(matches!(
        store.leaf("e1", 10).await,
        Err(StoreError::OutOfRange {
            index: 10,
            size: 10
        })
    ));
    assert!(matches!(
        store.leaves("e1", 5..11).await,
        Err(StoreError::OutOfRange {
            index: 11,
            size: 10
        })
    ));
    for result in [
        store.size("nope").await.map(|_| ()),
        store.leaf("nope", 0).await.map(|_| ()),
        store
            .append("nope", leaf("x", 0), LeafMeta::kind("x"))
            .await
            .map(|_| ()),
        store.root_at("nope", 0).await.map(|_| ()),
        store.latest_checkpoint("nope").await.map(|_| ()),
    ] {
        assert!(matches!(result, Err(StoreError::UnknownElection(e)) if e == "nope"));
    }
    // A leaf the record could not carry is refused and not stored.
    assert!(matches!(
        store
            .append("e1", b"two\nlines".to_vec(), LeafMeta::kind("x"))
            .await,
        Err(StoreError::InvalidLeaf(_))
    ));
    assert_eq!(store.size("e1").await.unwrap(), 10);
    // The kind and metadata of a message.
    let meta = LeafMeta::of(&BoardMessage::VotingOpened(
        psephos_election::board::messages::WindowEvent {
            at: "2026-01-01T00:00:00Z".into(),
        },
    ));
    assert_eq!(meta, LeafMeta::kind("voting-opened"));
}

pub async fn roots_and_proofs_match_the_merkle_tree(fx: &impl Fixture) {
    const N: u64 = 45;
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    let mut tree = MerkleTree::new();
    assert_eq!(store.root_at("e", 0).await.unwrap(), tree.root());
    for i in 0..N {
        let bytes = leaf("x", i * 7919);
        tree.push(leaf_hash(&bytes));
        store.append("e", bytes, LeafMeta::kind("x")).await.unwrap();
        assert_eq!(store.root_at("e", i + 1).await.unwrap(), tree.root());
    }
    for second in 0..=N {
        let root = store.root_at("e", second).await.unwrap();
        assert_eq!(root, tree.root_at(second).unwrap());
        for index in 0..second {
            let path = store.inclusion_proof("e", index, second).await.unwrap();
            assert_eq!(path, tree.inclusion_proof(index, second).unwrap());
            verify_inclusion(index, second, &tree.leaf(index).unwrap(), &path, &root).unwrap();
        }
        for first in 0..=second {
            let proof = store.consistency_proof("e", first, second).await.unwrap();
            assert_eq!(proof, tree.consistency_proof(first, second).unwrap());
            let first_root = tree.root_at(first).unwrap();
            verify_consistency(first, second, &first_root, &root, &proof).unwrap();
        }
    }
    assert!(matches!(
        store.root_at("e", N + 1).await,
        Err(StoreError::OutOfRange { index, size: N }) if index == N + 1
    ));
    assert!(matches!(
        store.inclusion_proof("e", 5, 5).await,
        Err(StoreError::OutOfRange { index: 5, size: 5 })
    ));
    assert!(matches!(
        store.inclusion_proof("e", 0, N + 1).await,
        Err(StoreError::OutOfRange { index: 0, size: N })
    ));
    assert!(matches!(
        store.consistency_proof("e", 6, 5).await,
        Err(StoreError::OutOfRange { index: 5, size: N })
    ));
    assert!(matches!(
        store.consistency_proof("e", 1, N + 1).await,
        Err(StoreError::OutOfRange { .. })
    ));
}

pub async fn ballot_append_is_idempotent(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    store
        .append("e", leaf("manifest", 0), LeafMeta::kind("manifest"))
        .await
        .unwrap();
    let first = store
        .append_ballot("e", leaf("ballot", 1), code(1), credential(1))
        .await
        .unwrap();
    assert_eq!(first.index, 1);
    assert!(!first.already_present);
    assert_eq!(first.supersedes, None);
    let root = store.root_at("e", 2).await.unwrap();
    for _ in 0..3 {
        let again = store
            .append_ballot("e", leaf("ballot", 1), code(1), credential(1))
            .await
            .unwrap();
        assert_eq!(again.index, 1);
        assert!(again.already_present);
        assert_eq!(again.supersedes, None);
    }
    assert_eq!(store.size("e").await.unwrap(), 2);
    assert_eq!(store.root_at("e", 2).await.unwrap(), root);
    let found = store
        .leaf_by_tracking_code("e", code(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.index, 1);
    assert_eq!(found.kind, "ballot");
    assert_eq!(found.bytes, leaf("ballot", 1));
    assert_eq!(
        store.leaf_by_tracking_code("e", code(2)).await.unwrap(),
        None
    );
    // The same tracking code with other bytes is refused, by either call.
    assert!(matches!(
        store
            .append_ballot("e", leaf("ballot", 99), code(1), credential(1))
            .await,
        Err(StoreError::TrackingCodeConflict { index: 1, .. })
    ));
    let meta = LeafMeta {
        kind: "ballot".into(),
        tracking_code: Some(code(1)),
        credential: Some(credential(1)),
    };
    assert!(matches!(
        store.append("e", leaf("ballot", 98), meta).await,
        Err(StoreError::TrackingCodeConflict { index: 1, .. })
    ));
    assert_eq!(store.size("e").await.unwrap(), 2);
    // The same tracking code in another election is another ballot.
    store.create_election("f").await.unwrap();
    let other = store
        .append_ballot("f", leaf("ballot", 1), code(1), credential(1))
        .await
        .unwrap();
    assert_eq!((other.index, other.already_present), (0, false));
}

pub async fn revote_reports_what_it_supersedes(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    let cast = |i: u64, cred: u64| {
        let store = store.clone();
        async move {
            store
                .append_ballot("e", leaf("ballot", i), code(i), credential(cred))
                .await
                .unwrap()
        }
    };
    let a = cast(1, 1).await;
    store
        .append("e", leaf("ballot-audit", 2), LeafMeta::kind("ballot-audit"))
        .await
        .unwrap();
    let b = cast(3, 2).await;
    let c = cast(4, 1).await;
    let d = cast(5, 1).await;
    let e = cast(6, 2).await;
    assert_eq!(a.supersedes, None);
    assert_eq!(b.supersedes, None);
    assert_eq!(
        c.supersedes,
        Some(Superseded {
            tracking_code: code(1),
            index: a.index
        })
    );
    assert_eq!(
        d.supersedes,
        Some(Superseded {
            tracking_code: code(4),
            index: c.index
        })
    );
    assert_eq!(
        e.supersedes,
        Some(Superseded {
            tracking_code: code(3),
            index: b.index
        })
    );
    // Sent again, a ballot reports what it superseded the first time.
    let c_again = cast(4, 1).await;
    assert!(c_again.already_present);
    assert_eq!(c_again.supersedes, c.supersedes);
    assert_eq!(store.size("e").await.unwrap(), 6);
}

/// Appends `tasks × per_task` leaves from concurrent tasks over the given
/// stores (round robin), each task also casting one shared ballot; checks
/// that indices are dense, each leaf is where its append said, the shared
/// ballot was stored once, and the tree is consistent.
async fn append_concurrently<S: Store + Clone>(stores: &[S], tasks: u64, per_task: u64) {
    let election = "e";
    stores[0].create_election(election).await.unwrap();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = stores[t as usize % stores.len()].clone();
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let shared = store
                .append_ballot(election, leaf("ballot", 0), code(0), credential(0))
                .await
                .unwrap();
            for i in 0..per_task {
                let n = 1 + t * per_task + i;
                let bytes = leaf("x", n);
                let index = if i % 2 == 0 {
                    store
                        .append(election, bytes.clone(), LeafMeta::kind("x"))
                        .await
                        .unwrap()
                } else {
                    let cast = store
                        .append_ballot(election, bytes.clone(), code(n), credential(n % 5))
                        .await
                        .unwrap();
                    assert!(!cast.already_present);
                    cast.index
                };
                mine.push((index, bytes));
            }
            let size = store.size(election).await.unwrap();
            let checkpoint = SignedCheckpoint::sign(
                election,
                size,
                store.root_at(election, size).await.unwrap(),
                &board_key(),
            );
            store.put_checkpoint(&checkpoint).await.unwrap();
            (shared, mine, checkpoint)
        }));
    }
    let mut expected = BTreeMap::new();
    let mut shared = HashSet::new();
    let mut fresh = 0;
    let mut checkpoints = Vec::new();
    for handle in handles {
        let (cast, mine, checkpoint) = handle.await.unwrap();
        shared.insert(cast.index);
        fresh += u32::from(!cast.already_present);
        checkpoints.push(checkpoint);
        for (index, bytes) in mine {
            assert!(
                expected.insert(index, bytes).is_none(),
                "index {index} given twice"
            );
        }
    }
    assert_eq!(shared.len(), 1, "the shared ballot has one index");
    assert_eq!(fresh, 1, "the shared ballot was appended once");
    let total = tasks * per_task + 1;
    let store = &stores[0];
    assert_eq!(store.size(election).await.unwrap(), total);
    let (tree, leaves) = tree_of(store, election).await;
    let shared_index = *shared.iter().next().unwrap();
    expected.insert(shared_index, leaf("ballot", 0));
    assert_eq!(
        expected.keys().copied().collect::<Vec<_>>(),
        (0..total).collect::<Vec<_>>(),
        "indices are dense"
    );
    assert_eq!(expected.into_values().collect::<Vec<_>>(), leaves);
    assert_eq!(store.root_at(election, total).await.unwrap(), tree.root());
    for size in (1..=total).step_by(13) {
        assert_eq!(
            store.root_at(election, size).await.unwrap(),
            tree.root_at(size).unwrap()
        );
        let index = size / 2;
        assert_eq!(
            store.inclusion_proof(election, index, size).await.unwrap(),
            tree.inclusion_proof(index, size).unwrap()
        );
        assert_eq!(
            store
                .consistency_proof(election, size / 3, size)
                .await
                .unwrap(),
            tree.consistency_proof(size / 3, size).unwrap()
        );
    }
    // Every task's checkpoint is consistent with every other's.
    checkpoints.sort_by_key(|c| c.size);
    for pair in checkpoints.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let proof = store
            .consistency_proof(election, a.size, b.size)
            .await
            .unwrap();
        verify_consistency(a.size, b.size, &a.root, &b.root, &proof).unwrap();
    }
    let latest = store.latest_checkpoint(election).await.unwrap().unwrap();
    assert_eq!(Some(&latest), checkpoints.last());
}

pub async fn concurrent_appends_are_dense(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    append_concurrently(&[store], 8, 50).await;
}

pub async fn two_stores_append_concurrently(fx: &impl Fixture) {
    // Two stores on one database, as two server processes would have.
    let (a, b) = tokio::join!(fx.open(), fx.open());
    append_concurrently(&[a.unwrap(), b.unwrap()], 8, 40).await;
}

pub async fn appends_survive_reopening(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    for i in 0..20 {
        store
            .append("e", leaf("x", i), LeafMeta::kind("x"))
            .await
            .unwrap();
    }
    let cast = store
        .append_ballot("e", leaf("ballot", 20), code(20), credential(1))
        .await
        .unwrap();
    let root = store.root_at("e", 21).await.unwrap();
    let checkpoint = SignedCheckpoint::sign("e", 21, root, &board_key());
    store.put_checkpoint(&checkpoint).await.unwrap();
    drop(store);

    let reopened = fx.open().await.unwrap();
    assert_eq!(reopened.size("e").await.unwrap(), 21);
    assert_eq!(reopened.root_at("e", 21).await.unwrap(), root);
    assert_eq!(reopened.leaf("e", 7).await.unwrap(), leaf("x", 7));
    assert_eq!(
        reopened.latest_checkpoint("e").await.unwrap(),
        Some(checkpoint)
    );
    let again = reopened
        .append_ballot("e", leaf("ballot", 20), code(20), credential(1))
        .await
        .unwrap();
    assert_eq!((again.index, again.already_present), (cast.index, true));
    // The reopened log goes on growing where it stopped.
    let index = reopened
        .append("e", leaf("x", 21), LeafMeta::kind("x"))
        .await
        .unwrap();
    assert_eq!(index, 21);
    let (tree, _) = tree_of(&reopened, "e").await;
    assert_eq!(reopened.root_at("e", 22).await.unwrap(), tree.root());
}

pub async fn migrations_are_idempotent_and_refuse_a_newer_schema(fx: &impl Fixture) {
    // Opening several times, even at once, is fine and keeps the data.
    let first = fx.open().await.unwrap();
    first.create_election("e").await.unwrap();
    let (a, b) = tokio::join!(fx.open(), fx.open());
    assert_eq!(a.unwrap().size("e").await.unwrap(), 0);
    assert_eq!(b.unwrap().size("e").await.unwrap(), 0);
    drop(first);
    fx.bump_schema_version().await;
    let known = fx.schema_version();
    match fx.open().await {
        Err(StoreError::SchemaTooNew { found, known: k }) => {
            assert_eq!((found, k), (known + 1, known));
        }
        Err(other) => panic!("expected SchemaTooNew, got {other}"),
        Ok(_) => panic!("expected SchemaTooNew, the store opened"),
    }
}

pub async fn checkpoints_are_stored_and_checked(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    assert_eq!(store.latest_checkpoint("e").await.unwrap(), None);
    for i in 0..6 {
        store
            .append("e", leaf("x", i), LeafMeta::kind("x"))
            .await
            .unwrap();
    }
    let sign = |size: u64, root| SignedCheckpoint::sign("e", size, root, &board_key());
    let at3 = sign(3, store.root_at("e", 3).await.unwrap());
    let at5 = sign(5, store.root_at("e", 5).await.unwrap());
    store.put_checkpoint(&at5).await.unwrap();
    store.put_checkpoint(&at3).await.unwrap();
    store.put_checkpoint(&at3).await.unwrap();
    assert_eq!(
        store.latest_checkpoint("e").await.unwrap(),
        Some(at5.clone())
    );
    assert_eq!(
        store.checkpoint_at("e", 3).await.unwrap(),
        Some(at3.clone())
    );
    assert_eq!(store.checkpoint_at("e", 4).await.unwrap(), None);
    let stored = store.checkpoint_at("e", 5).await.unwrap().unwrap();
    stored
        .verify(&PublicSigningKey::from(&board_key()))
        .unwrap();
    // A wrong root, or a size past the end, is not this log's checkpoint.
    let wrong = sign(4, at3.root);
    assert!(matches!(
        store.put_checkpoint(&wrong).await,
        Err(StoreError::CheckpointMismatch { size: 4, .. })
    ));
    let future = sign(7, at5.root);
    assert!(matches!(
        store.put_checkpoint(&future).await,
        Err(StoreError::CheckpointMismatch { size: 7, .. })
    ));
    let elsewhere = SignedCheckpoint::sign("nope", 3, at3.root, &board_key());
    assert!(matches!(
        store.put_checkpoint(&elsewhere).await,
        Err(StoreError::UnknownElection(_))
    ));
    assert_eq!(store.latest_checkpoint("e").await.unwrap(), Some(at5));
}

pub async fn record_streams_byte_for_byte(fx: &impl Fixture) {
    let sim = simulated();
    let mut reader = RecordReader::new(BufReader::new(sim.record.as_slice())).unwrap();
    let mut leaves = Vec::new();
    let checkpoint = loop {
        match reader.next_item().unwrap().unwrap() {
            RecordItem::Leaf(bytes) => leaves.push(bytes),
            RecordItem::Checkpoint(c) => break c,
        }
    };
    let election = checkpoint.log_id.clone();
    let store = fx.open().await.unwrap();
    store.create_election(&election).await.unwrap();
    let (mut ballots, mut revotes) = (0, 0);
    for (i, bytes) in leaves.iter().enumerate() {
        let message = BoardMessage::from_leaf(bytes).unwrap();
        let index = if let BoardMessage::Ballot(ballot) = &message {
            let cast = store
                .append_ballot(
                    &election,
                    bytes.clone(),
                    ballot.tracking_code(),
                    ballot.credential,
                )
                .await
                .unwrap();
            ballots += 1;
            revotes += usize::from(cast.supersedes.is_some());
            cast.index
        } else {
            store
                .append(&election, bytes.clone(), LeafMeta::of(&message))
                .await
                .unwrap()
        };
        assert_eq!(index, i as u64);
    }
    assert_eq!((ballots, revotes), (sim.ballots, sim.revotes));
    assert_eq!(
        store.root_at(&election, checkpoint.size).await.unwrap(),
        checkpoint.root
    );
    store.put_checkpoint(&checkpoint).await.unwrap();

    let written = write_record(&store, &checkpoint, Vec::new()).await.unwrap();
    assert!(
        written == sim.record,
        "the streamed record differs from the original"
    );
    let written = write_record_async(&store, &checkpoint, Vec::new())
        .await
        .unwrap();
    assert!(
        written == sim.record,
        "the async record differs from the original"
    );

    // The streamed file verifies.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.jsonl");
    let file = tokio::fs::File::create(&path).await.unwrap();
    write_record_async(&store, &checkpoint, file).await.unwrap();
    let (report, _) =
        psephos_verifier::verify_file(&path, &psephos_verifier::VerifyOptions::default()).unwrap();
    assert!(
        report.verified,
        "failed checks: {:?}",
        report.failed().collect::<Vec<_>>()
    );

    // A prefix streams with a checkpoint of the prefix; a checkpoint that
    // does not match the log is refused.
    let prefix = SignedCheckpoint::sign(
        &election,
        3,
        store.root_at(&election, 3).await.unwrap(),
        &board_key(),
    );
    let written = write_record(&store, &prefix, Vec::new()).await.unwrap();
    assert_eq!(String::from_utf8(written).unwrap().lines().count(), 5);
    let bad = SignedCheckpoint::sign(&election, 4, prefix.root, &board_key());
    assert!(matches!(
        write_record(&store, &bad, Vec::new()).await,
        Err(StoreError::CheckpointMismatch { size: 4, .. })
    ));
}

pub async fn long_logs_are_paged(fx: &impl Fixture) {
    let total = MAX_LEAVES_PER_CALL + 6;
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    let mut expected = RecordWriter::new(Vec::new()).unwrap();
    let mut tree = MerkleTree::new();
    for i in 0..total {
        let bytes = leaf("x", i);
        expected.write_leaf(&bytes).unwrap();
        tree.push(leaf_hash(&bytes));
        store.append("e", bytes, LeafMeta::kind("x")).await.unwrap();
    }
    let page = store.leaves("e", 0..total).await.unwrap();
    assert_eq!(page.len() as u64, MAX_LEAVES_PER_CALL);
    assert_eq!(page[1000], leaf("x", 1000));
    let rest = store.leaves("e", MAX_LEAVES_PER_CALL..total).await.unwrap();
    assert_eq!(rest.len(), 6);
    assert_eq!(rest[5], leaf("x", total - 1));
    // The record of a log longer than a page is what the in-process
    // writer produces for the same leaves.
    let checkpoint = SignedCheckpoint::sign("e", total, tree.root(), &board_key());
    let expected = expected.finish(&checkpoint).unwrap();
    assert!(write_record(&store, &checkpoint, Vec::new()).await.unwrap() == expected);
    assert!(
        write_record_async(&store, &checkpoint, Vec::new())
            .await
            .unwrap()
            == expected
    );
}

pub async fn ballot_batches_go_in_one_transaction(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("e").await.unwrap();
    let before = store
        .append_ballot("e", leaf("ballot", 1), code(1), credential(1))
        .await
        .unwrap();
    let ballot = |i: u64, cred: u64, bytes: Vec<u8>| BallotLeaf {
        leaf: bytes,
        tracking_code: code(i),
        credential: credential(cred),
    };
    let results = store
        .append_ballots(
            "e",
            vec![
                ballot(2, 2, leaf("ballot", 2)),
                ballot(1, 1, leaf("ballot", 1)),
                ballot(2, 2, leaf("ballot", 2)),
                ballot(2, 2, leaf("ballot", 99)),
                ballot(3, 3, b"a\nb".to_vec()),
                ballot(4, 1, leaf("ballot", 4)),
                ballot(5, 2, leaf("ballot", 5)),
            ],
        )
        .await
        .unwrap();
    assert_eq!(results.len(), 7);
    let ok = |i: usize| *results[i].as_ref().unwrap();
    assert_eq!(
        (ok(0).index, ok(0).already_present, ok(0).supersedes),
        (1, false, None)
    );
    assert_eq!((ok(1).index, ok(1).already_present), (before.index, true));
    assert_eq!((ok(2).index, ok(2).already_present), (1, true));
    assert!(matches!(
        results[3],
        Err(StoreError::TrackingCodeConflict { index: 1, .. })
    ));
    assert!(matches!(results[4], Err(StoreError::InvalidLeaf(_))));
    assert_eq!(
        (ok(5).index, ok(5).supersedes),
        (
            2,
            Some(Superseded {
                tracking_code: code(1),
                index: 0
            })
        )
    );
    assert_eq!(
        (ok(6).index, ok(6).supersedes),
        (
            3,
            Some(Superseded {
                tracking_code: code(2),
                index: 1
            })
        )
    );
    assert_eq!(store.size("e").await.unwrap(), 4);
    let (tree, leaves) = tree_of(&store, "e").await;
    assert_eq!(
        leaves,
        vec![
            leaf("ballot", 1),
            leaf("ballot", 2),
            leaf("ballot", 4),
            leaf("ballot", 5)
        ]
    );
    assert_eq!(store.root_at("e", 4).await.unwrap(), tree.root());
    assert_eq!(
        store.inclusion_proof("e", 2, 4).await.unwrap(),
        tree.inclusion_proof(2, 4).unwrap()
    );
    // An empty batch is fine; an unknown election fails the whole batch.
    assert!(store
        .append_ballots("e", Vec::new())
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store
            .append_ballots("nope", vec![ballot(9, 9, leaf("ballot", 9))])
            .await,
        Err(StoreError::UnknownElection(_))
    ));
}

pub async fn guarded_appends_check_phase_and_size_under_the_lock(fx: &impl Fixture) {
    use psephos_server::store::Guard;
    let store = fx.open().await.unwrap();
    store.create_election("g").await.unwrap();
    assert_eq!(store.phase("g").await.unwrap(), "keygen");
    // A ballot outside the `open` phase is refused, and nothing is stored.
    let ballot = BallotLeaf {
        leaf: leaf("ballot", 0),
        tracking_code: code(0),
        credential: credential(0),
    };
    let refused = store
        .append_ballots_guarded("g", vec![ballot.clone()], Guard::in_phases(&["open"]))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused { ref phase, size: 0 }) if phase == "keygen")
    );
    assert_eq!(store.size("g").await.unwrap(), 0);
    // A wrong expected size is refused; the right one appends and moves the phase.
    let stale = Guard {
        phases: &["keygen"],
        size: Some(3),
        then: Some("open"),
    };
    assert!(matches!(
        store
            .append_guarded("g", leaf("x", 1), LeafMeta::kind("x"), stale)
            .await,
        Err(StoreError::Refused { size: 0, .. })
    ));
    assert_eq!(store.phase("g").await.unwrap(), "keygen");
    let fresh = Guard {
        size: Some(0),
        ..stale
    };
    assert_eq!(
        store
            .append_guarded("g", leaf("x", 1), LeafMeta::kind("x"), fresh)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.phase("g").await.unwrap(), "open");
    let out = store
        .append_ballots_guarded("g", vec![ballot], Guard::in_phases(&["open"]))
        .await
        .unwrap();
    assert_eq!(out[0].as_ref().unwrap().index, 1);
    // Closing moves the phase; a ballot after it is refused.
    let close = Guard {
        phases: &["open"],
        size: None,
        then: Some("closed"),
    };
    store
        .append_guarded(
            "g",
            leaf("voting-closed", 2),
            LeafMeta::kind("voting-closed"),
            close,
        )
        .await
        .unwrap();
    let late = BallotLeaf {
        leaf: leaf("ballot", 3),
        tracking_code: code(3),
        credential: credential(3),
    };
    assert!(matches!(
        store
            .append_ballots_guarded("g", vec![late], Guard::in_phases(&["open"]))
            .await,
        Err(StoreError::Refused { ref phase, size: 3 }) if phase == "closed"
    ));
    assert_eq!(store.size("g").await.unwrap(), 3);
    assert_eq!(
        store.elections().await.unwrap(),
        vec![("g".to_string(), "closed".to_string())]
    );
}

pub async fn concurrent_guarded_appends_at_one_size_admit_one(fx: &impl Fixture) {
    use psephos_server::store::Guard;
    let store = fx.open().await.unwrap();
    store.create_election("c").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let guard = Guard {
                phases: &["keygen"],
                size: Some(0),
                then: Some("credentials"),
            };
            store
                .append_guarded(
                    "c",
                    leaf("election-key", i),
                    LeafMeta::kind("election-key"),
                    guard,
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(index) => {
                assert_eq!(index, 0);
                won += 1;
            }
            Err(StoreError::Refused { .. }) => {}
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert_eq!(won, 1, "exactly one compare-and-append at size 0 wins");
    assert_eq!(store.size("c").await.unwrap(), 1);
    assert_eq!(store.phase("c").await.unwrap(), "credentials");
}

pub async fn kinds_voters_and_turnout_are_reported(fx: &impl Fixture) {
    let store = fx.open().await.unwrap();
    store.create_election("t").await.unwrap();
    store
        .append("t", leaf("manifest", 0), LeafMeta::kind("manifest"))
        .await
        .unwrap();
    for i in 0..3u64 {
        let ballot = BallotLeaf {
            leaf: leaf("ballot", 10 + i),
            tracking_code: code(10 + i),
            credential: credential(i % 2),
        };
        store.append_ballots("t", vec![ballot]).await.unwrap();
    }
    store
        .append(
            "t",
            leaf("ballot-audit", 20),
            LeafMeta::kind("ballot-audit"),
        )
        .await
        .unwrap();
    let manifests = store.leaves_of_kind("t", "manifest").await.unwrap();
    assert_eq!(manifests, vec![(0, leaf("manifest", 0))]);
    assert_eq!(store.leaves_of_kind("t", "tally").await.unwrap(), vec![]);
    // Credential 0 cast at leaves 1 and 3; credential 1 at leaf 2.
    let zero = store.voter("t", credential(0), None).await.unwrap();
    assert_eq!(zero.ballots, 2);
    assert_eq!(
        zero.latest,
        Some(Superseded {
            tracking_code: code(12),
            index: 3
        })
    );
    let before = store.voter("t", credential(0), Some(3)).await.unwrap();
    assert_eq!(before.ballots, 1);
    assert_eq!(before.latest.map(|s| s.index), Some(1));
    assert_eq!(
        store.voter("t", credential(9), None).await.unwrap().ballots,
        0
    );
    let turnout = store.turnout("t").await.unwrap();
    assert_eq!((turnout.ballots, turnout.audits), (3, 1));
    let voters: HashSet<_> = turnout.voters.into_iter().collect();
    assert_eq!(voters, HashSet::from([credential(0), credential(1)]));
}

pub async fn settings_and_rolls_are_kept(fx: &impl Fixture) {
    use psephos_server::store::RollRow;
    let store = fx.open().await.unwrap();
    assert_eq!(store.setting("k").await.unwrap(), None);
    assert_eq!(store.init_setting("k", vec![1]).await.unwrap(), vec![1]);
    // A second init keeps the first value: processes starting together agree.
    assert_eq!(store.init_setting("k", vec![2]).await.unwrap(), vec![1]);
    store.put_setting("k", vec![3]).await.unwrap();
    assert_eq!(store.setting("k").await.unwrap(), Some(vec![3]));

    store.create_election("r").await.unwrap();
    let row = |i: usize, style: &str| RollRow {
        name: format!("Member {i}"),
        email: format!("m{i}@example.org"),
        style: style.to_string(),
    };
    store
        .put_roll(
            "r",
            vec![row(1, "north"), row(2, "south"), row(3, "north")],
            &["keygen"],
        )
        .await
        .unwrap();
    assert_eq!(
        store.roll_by_style("r").await.unwrap(),
        vec![("north".to_string(), 2), ("south".to_string(), 1)]
    );
    // A new roll replaces the old one entirely.
    store
        .put_roll("r", vec![row(4, "south")], &["keygen"])
        .await
        .unwrap();
    assert_eq!(
        store.roll_by_style("r").await.unwrap(),
        vec![("south".to_string(), 1)]
    );
    // Outside the allowed phases nothing changes.
    assert!(matches!(
        store
            .put_roll("r", vec![row(5, "north")], &["credentials"])
            .await,
        Err(StoreError::Refused { .. })
    ));
    assert_eq!(
        store.roll_by_style("r").await.unwrap(),
        vec![("south".to_string(), 1)]
    );
}
