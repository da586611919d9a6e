//! Group commit of cast ballots (spec/api.md §2, `POST …/ballots`): each
//! election has one task per process that takes the ballots verified by
//! concurrent requests, appends as many as are waiting in one store
//! transaction (one disk sync for all), signs one checkpoint covering the
//! batch, and answers each request with its receipt. A request is answered
//! only after its ballot is durable.

use std::sync::Arc;

use psephos_election::ballot::TrackingCode;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, Hash};
use psephos_election::receipt::{NodeHash, Receipt};
use tokio::sync::{mpsc, oneshot};

use crate::api_error::ApiError;
use crate::elections::{phase, stored_message};
use crate::state::AppState;
use crate::store::{BallotAppend, BallotLeaf, Guard, Store};
use psephos_election::board::messages::BoardMessage;

/// Ballots waiting for the committer at most, per election and process.
const QUEUE: usize = 4096;

/// A verified ballot waiting to be appended.
pub struct Job {
    /// The ballot's leaf.
    pub ballot: BallotLeaf,
    /// Where the receipt goes.
    pub reply: oneshot::Sender<Result<Committed, ApiError>>,
}

/// A durable ballot.
pub struct Committed {
    /// Its receipt.
    pub receipt: Receipt,
    /// It was already in the log (nothing appended).
    pub already_present: bool,
}

/// The sending end of an election's committer.
pub type Committer = mpsc::Sender<Job>;

/// Starts the committer task of election `id`.
pub fn spawn<S: Store>(state: AppState<S>, id: String) -> Committer {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(run(state, id, rx));
    tx
}

async fn run<S: Store>(state: AppState<S>, id: String, mut rx: mpsc::Receiver<Job>) {
    let max = state.config().max_batch.max(1);
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < max {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        commit(&state, &id, jobs).await;
    }
}

async fn commit<S: Store>(state: &AppState<S>, id: &str, jobs: Vec<Job>) {
    let (ballots, replies): (Vec<BallotLeaf>, Vec<_>) =
        jobs.into_iter().map(|j| (j.ballot, j.reply)).unzip();
    let hashes: Vec<(TrackingCode, Hash)> = ballots
        .iter()
        .map(|b| (b.tracking_code, leaf_hash(&b.leaf)))
        .collect();
    let appended = state
        .store()
        .append_ballots_guarded(id, ballots, Guard::in_phases(&[phase::OPEN]))
        .await;
    let outcomes = match appended {
        Ok(outcomes) => outcomes,
        Err(e) => {
            let error = ApiError::from(e);
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
    };
    let end = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .map(|o| o.index + 1)
        .max();
    let checkpoint = match end {
        Some(size) => match sign_checkpoint(state, id, size).await {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
                return;
            }
        },
        None => None,
    };
    for ((outcome, reply), (code, hash)) in outcomes.into_iter().zip(replies).zip(hashes) {
        match (outcome, &checkpoint) {
            (Ok(append), Some(checkpoint)) => {
                // The ballot is durable and the checkpoint stored: the
                // receipts' inclusion proofs are read concurrently and off
                // the committer's path, so that the next batch's append
                // does not wait for one store round trip per ballot.
                let (state, id) = (state.clone(), id.to_string());
                let checkpoint = Arc::clone(checkpoint);
                tokio::spawn(async move {
                    let result = receipt(&state, &id, code, hash, &append, &checkpoint).await;
                    let _ = reply.send(result);
                });
            }
            (Ok(_), None) => {
                let _ = reply.send(Err(ApiError::internal(
                    &"a ballot was stored but no checkpoint signed",
                )));
            }
            (Err(e), _) => {
                let _ = reply.send(Err(ApiError::from(e)));
            }
        }
    }
}

/// Signs and stores a checkpoint of the first `size` leaves.
pub async fn sign_checkpoint<S: Store>(
    state: &AppState<S>,
    id: &str,
    size: u64,
) -> Result<SignedCheckpoint, ApiError> {
    let root = state.store().root_at(id, size).await?;
    let checkpoint = SignedCheckpoint::sign(id, size, root, state.board_key());
    state.store().put_checkpoint(&checkpoint).await?;
    Ok(checkpoint)
}

/// The latest checkpoint, signing one for the current size if the latest
/// stored is older (or there is none).
pub async fn current_checkpoint<S: Store>(
    state: &AppState<S>,
    id: &str,
) -> Result<SignedCheckpoint, ApiError> {
    let size = state.store().size(id).await?;
    match state.store().latest_checkpoint(id).await? {
        Some(latest) if latest.size >= size => Ok(latest),
        _ => sign_checkpoint(state, id, size).await,
    }
}

async fn receipt<S: Store>(
    state: &AppState<S>,
    id: &str,
    tracking_code: TrackingCode,
    hash: Hash,
    append: &BallotAppend,
    checkpoint: &SignedCheckpoint,
) -> Result<Committed, ApiError> {
    let proof = state
        .store()
        .inclusion_proof(id, append.index, checkpoint.size)
        .await?;
    Ok(Committed {
        receipt: Receipt {
            election_id: id.to_string(),
            tracking_code,
            leaf_index: append.index,
            leaf_hash: NodeHash(hash),
            checkpoint: checkpoint.clone(),
            inclusion_proof: proof.into_iter().map(NodeHash).collect(),
            supersedes: append.supersedes.map(|s| s.tracking_code),
        },
        already_present: append.already_present,
    })
}

/// A receipt for a stored ballot leaf against a checkpoint that covers it.
pub async fn receipt_for<S: Store>(
    state: &AppState<S>,
    id: &str,
    index: u64,
    bytes: &[u8],
) -> Result<Receipt, ApiError> {
    let BoardMessage::Ballot(ballot) = stored_message(bytes)? else {
        return Err(ApiError::internal(
            &"a tracking code names a leaf that is not a ballot",
        ));
    };
    let checkpoint = current_checkpoint(state, id).await?;
    let earlier = state
        .store()
        .voter(id, ballot.credential, Some(index))
        .await?;
    let proof = state
        .store()
        .inclusion_proof(id, index, checkpoint.size)
        .await?;
    Ok(Receipt {
        election_id: id.to_string(),
        tracking_code: ballot.tracking_code(),
        leaf_index: index,
        leaf_hash: NodeHash(leaf_hash(bytes)),
        checkpoint,
        inclusion_proof: proof.into_iter().map(NodeHash).collect(),
        supersedes: earlier.latest.map(|s| s.tracking_code),
    })
}
