//! Scale-out (issue 5): two `psephos serve` processes on one PostgreSQL
//! schema, ballots cast concurrently through both. Every checkpoint either
//! process signs, seen while voting goes on or in a receipt, is consistent
//! with every other (consistency proofs between every pair of sizes, asked
//! of either process, and one root per size), and the election ends with
//! one record, the same from both, that verifies.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::Hash;
use psephos_loadgen::ballots::{generate, plan};
use psephos_loadgen::finish::{self, audit, check_consistent, read_record, verify_record};
use psephos_loadgen::load::cast_until_acknowledged;
use psephos_loadgen::setup::open_election;
use psephos_loadgen::Client;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};

use crate::common::{PgSchema, Server};
use crate::small_election;

const VOTERS: usize = 48;
const REVOTES: usize = 12;
const CLIENTS: usize = 4;
/// Sizes whose pairwise consistency is proved, at most.
const SIZES: usize = 40;

#[test]
fn two_processes_on_one_postgres_keep_one_consistent_log() {
    let dir = tempfile::tempdir().unwrap();
    let schema = PgSchema::new();
    // Both start together: the migration runs once, under its lock.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| Server::start(schema.backend(), dir.path(), "a"));
        let b = scope.spawn(|| Server::start(schema.backend(), dir.path(), "b"));
        (a.join().unwrap(), b.join().unwrap())
    });
    let servers = [a.client(), b.client()];
    let admin = a.admin();
    let mut rng = ChaCha20Rng::from_rng(OsRng).unwrap();
    let open = open_election(&admin, &small_election("scale-out", VOTERS), &mut rng).unwrap();
    let id = open.id().to_string();
    let ballots = generate(
        &open.election,
        &open.voters,
        &plan(VOTERS, REVOTES),
        false,
        &mut rng,
    )
    .unwrap();

    // Cast through both processes while a watcher reads both processes'
    // latest checkpoints.
    let done = AtomicBool::new(false);
    let deadline = Instant::now() + Duration::from_secs(120);
    let (receipts, watched) = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut seen: Vec<(usize, SignedCheckpoint)> = Vec::new();
            while !done.load(Ordering::SeqCst) {
                for (s, client) in servers.iter().enumerate() {
                    let url = client.election_url(&id, "/board/checkpoint");
                    seen.push((s, client.get_json("checkpoint", &url).unwrap()));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            seen
        });
        let casters: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (ballots, servers, id) = (&ballots, &servers, &id);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    let mine = ballots
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.cast.voter % CLIENTS == c);
                    for (k, ballot) in mine {
                        let client: &Client = &servers[k % servers.len()];
                        let ack = cast_until_acknowledged(client, id, ballot, deadline).unwrap();
                        assert_eq!(ack.status, 201);
                        out.push((k, ack.receipt));
                    }
                    out
                })
            })
            .collect();
        let receipts: Vec<_> = casters
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        done.store(true, Ordering::SeqCst);
        (receipts, watcher.join().unwrap())
    });
    assert_eq!(receipts.len(), ballots.len());

    // Every checkpoint seen, from either process: signed by the one board
    // key, and one root per size.
    let mut roots: BTreeMap<u64, Hash> = BTreeMap::new();
    let checkpoints = watched
        .iter()
        .map(|(_, c)| c)
        .chain(receipts.iter().map(|(_, r)| &r.checkpoint));
    for checkpoint in checkpoints {
        checkpoint.verify(&open.board_key).unwrap();
        let root = roots.entry(checkpoint.size).or_insert(checkpoint.root);
        assert_eq!(
            *root, checkpoint.root,
            "two roots for size {}",
            checkpoint.size
        );
    }
    let from = |s: usize| watched.iter().filter(|(w, _)| *w == s).count();
    eprintln!(
        "scale-out: {} ballots through two processes; {} checkpoints read ({} from a, {} from b), \
         {} distinct sizes",
        receipts.len(),
        watched.len(),
        from(0),
        from(1),
        roots.len()
    );
    // Each process serves the checkpoints the other signed.
    for (size, root) in &roots {
        for client in &servers {
            let url = client.election_url(&id, &format!("/board/checkpoints/{size}"));
            let stored: SignedCheckpoint = client.get_json("checkpoint", &url).unwrap();
            assert_eq!(stored.root, *root, "size {size}");
        }
    }
    // Pairwise consistency, each proof asked of one process in turn.
    let sizes: Vec<(u64, Hash)> = roots.into_iter().collect();
    let step = sizes.len().div_ceil(SIZES).max(1);
    let mut sample: Vec<(u64, Hash)> = sizes.iter().copied().step_by(step).collect();
    if let Some(last) = sizes.last() {
        if sample.last() != Some(last) {
            sample.push(*last);
        }
    }
    let mut proofs = 0;
    for (i, first) in sample.iter().enumerate() {
        for second in &sample[i + 1..] {
            let client = &servers[proofs % servers.len()];
            check_consistent(client, &id, *first, *second).unwrap();
            proofs += 1;
        }
    }
    eprintln!("scale-out: {proofs} consistency proofs verified");

    // One election, finished across both processes, one record.
    finish::close(&b.admin(), &id).unwrap();
    let result = finish::tally_and_publish(&admin, &open, &mut rng).unwrap();
    let path_a = dir.path().join("a.jsonl");
    let path_b = dir.path().join("b.jsonl");
    finish::download_record(&servers[0], &id, &path_a).unwrap();
    finish::download_record(&servers[1], &id, &path_b).unwrap();
    assert_eq!(
        std::fs::read(&path_a).unwrap(),
        std::fs::read(&path_b).unwrap(),
        "both processes serve the same record"
    );
    verify_record(&path_a).unwrap();
    let record = read_record(&path_a).unwrap();
    let audited = audit(
        &servers[1],
        &open,
        &record,
        &ballots,
        &receipts,
        true,
        Some(&result),
    )
    .unwrap();
    assert_eq!(audited.ballot_leaves, ballots.len() as u64);
    drop((a, b));
}
