//! Checking the ballots cast at the same moment together.
//!
//! A ballot's signature and proofs are the server's main cost (about half
//! of its CPU time per ballot, docs/performance.md). The proofs of several
//! ballots are checked by one multiscalar multiplication with weights drawn
//! from all of them (spec/crypto.md, batch verification;
//! [`Ballot::verify_proofs_together`]), which is cheaper per ballot than
//! one multiplication each. Batches form only from ballots already waiting:
//! a ballot that arrives while a worker is free is checked at once, alone,
//! so batching adds no latency at low load and grows with the queue at high
//! load. The answer for each ballot is exactly what it would get alone.

use std::sync::{Arc, OnceLock};

use psephos_election::ballot::{Ballot, Purpose};
use psephos_election::error::BallotError;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::elections::KeyState;

/// Ballots queued for checking at most; a full queue makes casts wait.
const QUEUE: usize = 1024;

/// A ballot to check and where its answer goes.
struct Job {
    ballot: Ballot,
    key: Arc<KeyState>,
    purpose: Purpose,
    reply: oneshot::Sender<Result<Ballot, BallotError>>,
}

/// The checker shared by every request of a server process.
pub struct ProofChecker {
    max_batch: usize,
    jobs: OnceLock<mpsc::Sender<Job>>,
}

impl ProofChecker {
    /// A checker that puts at most `max_batch` ballots in one batch (1: no
    /// batching). Its dispatcher starts on first use, on the runtime of the
    /// request that uses it.
    pub fn new(max_batch: usize) -> Self {
        ProofChecker {
            max_batch: max_batch.max(1),
            jobs: OnceLock::new(),
        }
    }

    /// Checks a ballot's signature (for `purpose`), structure and proofs
    /// against the election's key; `None` if the checker has stopped.
    pub async fn check(
        &self,
        ballot: Ballot,
        key: Arc<KeyState>,
        purpose: Purpose,
    ) -> Option<Result<Ballot, BallotError>> {
        let jobs = self.jobs.get_or_init(|| spawn(self.max_batch));
        let (reply, answer) = oneshot::channel();
        jobs.send(Job {
            ballot,
            key,
            purpose,
            reply,
        })
        .await
        .ok()?;
        answer.await.ok()
    }
}

/// Starts the dispatcher: one batch per free worker (one worker per core),
/// each batch whatever is waiting, up to `max_batch`.
fn spawn(max_batch: usize) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    let free = Arc::new(Semaphore::new(workers));
    tokio::spawn(async move {
        loop {
            let Ok(permit) = Arc::clone(&free).acquire_owned().await else {
                return;
            };
            let Some(first) = rx.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < max_batch {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            tokio::task::spawn_blocking(move || {
                check_batch(batch);
                drop(permit);
            });
        }
    });
    tx
}

/// Signatures one by one (cheap), then every proof of the signed ballots in
/// one batch.
fn check_batch(batch: Vec<Job>) {
    let mut signed = Vec::with_capacity(batch.len());
    for job in batch {
        let code = job.ballot.tracking_code();
        match job.ballot.verify_signature(&code, job.purpose) {
            Ok(()) => signed.push(job),
            Err(e) => {
                // The caller may have gone (client disconnected): nothing to do.
                let _ = job.reply.send(Err(e));
            }
        }
    }
    let items: Vec<_> = signed
        .iter()
        .map(|job| (&job.ballot, &job.key.election))
        .collect();
    let verdicts = Ballot::verify_proofs_together(&items);
    for (job, verdict) in signed.into_iter().zip(verdicts) {
        let _ = job.reply.send(verdict.map(|()| job.ballot));
    }
}
