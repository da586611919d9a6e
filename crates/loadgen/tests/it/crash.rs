//! Crash safety (issue 5): concurrent clients cast and revote while the
//! server process is killed with SIGKILL and restarted several times; the
//! clients try again on connection errors, as a voter's device does.
//! Afterwards every acknowledged receipt's ballot is in the log at its
//! index, receipts verify and their checkpoints are consistent with the
//! final one, no ballot is lost or stored twice, and the election
//! completes with a record that passes the verifier and counts exactly the
//! last ballot of each voter.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_loadgen::ballots::{generate, plan, PlannedBallot};
use psephos_loadgen::finish::{self, audit, read_record, verify_record};
use psephos_loadgen::load::{cast_until_acknowledged, Acknowledged};
use psephos_loadgen::setup::open_election;
use psephos_loadgen::Client;
use rand::seq::index::sample;
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};

use crate::common::{Backend, PgSchema, Server};
use crate::small_election;

const VOTERS: usize = 72;
const REVOTES: usize = 24;
const CLIENTS: usize = 4;
const KILLS: usize = 5;

/// The acknowledged count after which each kill comes: distinct, at least
/// two apart, none in the first or last few ballots.
fn kill_points(total: usize) -> Vec<usize> {
    let mut rng = rand::thread_rng();
    loop {
        let mut points: Vec<usize> = sample(&mut rng, total - 8, KILLS)
            .into_iter()
            .map(|p| p + 4)
            .collect();
        points.sort_unstable();
        if points.windows(2).all(|w| w[1] - w[0] >= 2) {
            return points;
        }
    }
}

/// Each client casts its voters' ballots in plan order (a voter's revote
/// after its first ballot), one at a time, with short random pauses.
fn cast_concurrently_while_killing(
    server: &mut Server,
    election_id: &str,
    ballots: &[PlannedBallot],
) -> Vec<(usize, Acknowledged)> {
    let acknowledged = AtomicUsize::new(0);
    let deadline = Instant::now() + Duration::from_secs(120);
    let url = server.url();
    let points = kill_points(ballots.len());
    std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let client = Client::new(&url, None, Duration::from_secs(20));
                let acknowledged = &acknowledged;
                scope.spawn(move || {
                    let mut rng = rand::thread_rng();
                    let mut out = Vec::new();
                    let mine = ballots
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.cast.voter % CLIENTS == c);
                    for (k, ballot) in mine {
                        let ack = cast_until_acknowledged(&client, election_id, ballot, deadline)
                            .unwrap_or_else(|e| panic!("ballot {k} was never acknowledged: {e}"));
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                        out.push((k, ack));
                        std::thread::sleep(Duration::from_millis(rng.gen_range(0..8)));
                    }
                    out
                })
            })
            .collect();
        let mut rng = rand::thread_rng();
        for point in points {
            while acknowledged.load(Ordering::SeqCst) < point {
                assert!(Instant::now() < deadline, "casting stalled");
                std::thread::sleep(Duration::from_millis(1));
            }
            // Land somewhere inside the next requests and commits.
            std::thread::sleep(Duration::from_micros(rng.gen_range(0..15_000)));
            server.kill();
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..100)));
            server.restart();
        }
        clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect()
    })
}

fn crash_safety(backend: Backend, dir: &Path, name: &str) {
    let mut server = Server::start(backend, dir, name);
    let admin = server.admin();
    let mut rng = ChaCha20Rng::from_rng(OsRng).unwrap();
    let open = open_election(&admin, &small_election(name, VOTERS), &mut rng).unwrap();
    let id = open.id().to_string();
    let before: SignedCheckpoint = admin
        .get_json("checkpoint", &admin.election_url(&id, "/board/checkpoint"))
        .unwrap();
    let ballots = generate(
        &open.election,
        &open.voters,
        &plan(VOTERS, REVOTES),
        false,
        &mut rng,
    )
    .unwrap();

    let started = Instant::now();
    let receipts = cast_concurrently_while_killing(&mut server, &id, &ballots);
    let retried = receipts.iter().filter(|(_, a)| a.attempts > 1).count();
    let already = receipts.iter().filter(|(_, a)| a.status == 200).count();
    eprintln!(
        "{name}: {} ballots acknowledged in {:.1} s across {} server starts; {retried} needed \
         more than one request, {already} were found already stored",
        receipts.len(),
        started.elapsed().as_secs_f64(),
        server.starts
    );
    assert_eq!(receipts.len(), ballots.len());
    assert_eq!(server.starts as usize, KILLS + 1);

    // A revote's receipt names the ballot it replaces, across restarts.
    let first: HashMap<usize, _> = ballots
        .iter()
        .filter(|b| b.cast.round == 0)
        .map(|b| (b.cast.voter, b.tracking_code))
        .collect();
    for (k, ack) in &receipts {
        let ballot = &ballots[*k];
        let expected = (ballot.cast.round > 0).then(|| first[&ballot.cast.voter]);
        assert_eq!(ack.receipt.supersedes, expected, "ballot {k}");
    }

    // Casting again after the crashes stores nothing new.
    let client = server.client();
    let deadline = Instant::now() + Duration::from_secs(30);
    for (k, ack) in receipts.iter().step_by(13) {
        let again = cast_until_acknowledged(&client, &id, &ballots[*k], deadline).unwrap();
        assert_eq!(again.status, 200, "ballot {k} sent again");
        assert_eq!(again.receipt.leaf_index, ack.receipt.leaf_index);
    }

    finish::close(&admin, &id).unwrap();
    let result = finish::tally_and_publish(&admin, &open, &mut rng).unwrap();
    let path = dir.join(format!("{name}.jsonl"));
    finish::download_record(&admin, &id, &path).unwrap();
    verify_record(&path).unwrap();
    let record = read_record(&path).unwrap();
    let receipts: Vec<_> = receipts.into_iter().map(|(k, a)| (k, a.receipt)).collect();
    let audited = audit(
        &admin,
        &open,
        &record,
        &ballots,
        &receipts,
        true,
        Some(&result),
    )
    .unwrap();
    assert_eq!(audited.ballot_leaves, ballots.len() as u64);
    // Nothing else was appended: the setup's leaves, the ballots, then
    // close, tally, the threshold's decryptions and the result.
    let threshold = u64::from(open.election.manifest.trustees.threshold);
    assert_eq!(
        audited.leaves,
        before.size + ballots.len() as u64 + 3 + threshold
    );
}

#[test]
fn acknowledged_ballots_survive_sigkill_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.sqlite");
    crash_safety(Backend::Sqlite(db), dir.path(), "crash-sqlite");
}

#[test]
fn acknowledged_ballots_survive_sigkill_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let schema = PgSchema::new();
    crash_safety(schema.backend(), dir.path(), "crash-postgres");
}
