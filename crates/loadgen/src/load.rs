//! Casting pre-generated ballots over HTTP from concurrent client threads:
//! closed-loop (each client sends its next ballot as soon as the last is
//! answered) or open-loop at a fixed rate (ballot `k` is due at `k / rate`
//! seconds, and its latency counts from then, so a server that falls
//! behind is charged for the queue it builds), with the outcome of every
//! request; and casting one ballot until it is acknowledged, across server
//! restarts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use psephos_election::receipt::Receipt;
use psephos_election::signing::PublicSigningKey;
use serde::Serialize;

use crate::ballots::{bar, PlannedBallot};
use crate::error::LoadgenError;
use crate::http::Client;
use crate::stats::Latency;

/// How to cast.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Client threads (concurrent requests at most).
    pub concurrency: usize,
    /// Ballots per second to send (open loop); `None`: as fast as the
    /// server answers (closed loop).
    pub rate: Option<f64>,
    /// Show a progress bar.
    pub progress: bool,
}

/// The outcome of one request.
#[derive(Debug)]
pub struct Sent {
    /// The ballot (index into the ballots cast).
    pub ballot: usize,
    /// The answer.
    pub outcome: Result<crate::http::Answer, LoadgenError>,
    /// From when it was due (open loop) or sent (closed loop) to the answer.
    pub latency: Duration,
}

/// What casting achieved.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadReport {
    /// Requests sent.
    pub sent: usize,
    /// New ballots stored (`201`).
    pub accepted: usize,
    /// Ballots already stored (`200`, an idempotent retry).
    pub already_present: usize,
    /// Failed requests by HTTP status and error code, or `transport`.
    pub errors: BTreeMap<String, usize>,
    /// From the first request to the last answer.
    pub seconds: f64,
    /// `accepted / seconds`.
    pub accepted_per_second: f64,
    /// The rate asked for (open loop).
    pub target_rate: Option<f64>,
    /// Latency of the successful requests.
    pub latency: Latency,
    /// Receipts that verified against the board key (signature and
    /// inclusion proof) and match their ballot.
    pub receipts_verified: usize,
    /// Receipts that did not.
    pub receipt_failures: usize,
}

/// The error key of a failed request.
fn error_key(error: &LoadgenError) -> String {
    match error {
        LoadgenError::Api { status, code, .. } => format!("{status} {code}"),
        LoadgenError::Transport { .. } => "transport".to_string(),
        other => format!("other: {other}"),
    }
}

/// Casts every ballot once, spreading them over `clients` in turn (ballot
/// `k` goes to `clients[k % len]`). Returns every request's outcome, in
/// no particular order, and the wall-clock time from the first request
/// to the last answer.
pub fn cast_all(
    clients: &[Client],
    election_id: &str,
    ballots: &[PlannedBallot],
    config: &LoadConfig,
) -> (Vec<Sent>, Duration) {
    let next = AtomicUsize::new(0);
    let shown = bar(config.progress, ballots.len(), "casting");
    let urls: Vec<String> = clients
        .iter()
        .map(|c| c.election_url(election_id, "/ballots"))
        .collect();
    let start = Instant::now();
    let mut sent: Vec<Sent> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..config.concurrency.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(ballot) = ballots.get(k) else {
                            break;
                        };
                        let due = match config.rate {
                            Some(rate) if rate > 0.0 => {
                                let due = start + Duration::from_secs_f64(k as f64 / rate);
                                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                                    std::thread::sleep(wait);
                                }
                                due
                            }
                            _ => Instant::now(),
                        };
                        let client = &clients[k % clients.len()];
                        let outcome =
                            client.post("a ballot", &urls[k % urls.len()], Some(&ballot.body));
                        out.push(Sent {
                            ballot: k,
                            outcome,
                            latency: due.elapsed(),
                        });
                        shown.inc(1);
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let elapsed = start.elapsed();
    shown.finish_and_clear();
    sent.sort_by_key(|s| s.ballot);
    (sent, elapsed)
}

/// Summarises a run, verifying each receipt against `board_key` and its
/// ballot.
pub fn report(
    ballots: &[PlannedBallot],
    sent: &[Sent],
    elapsed: Duration,
    config: &LoadConfig,
    board_key: &PublicSigningKey,
) -> LoadReport {
    let mut r = LoadReport {
        sent: sent.len(),
        seconds: elapsed.as_secs_f64(),
        target_rate: config.rate,
        ..LoadReport::default()
    };
    let mut latencies = Vec::with_capacity(sent.len());
    for s in sent {
        match &s.outcome {
            Ok(answer) => {
                if answer.status == 201 {
                    r.accepted += 1;
                } else {
                    r.already_present += 1;
                }
                latencies.push(s.latency);
                let good = serde_json::from_slice::<Receipt>(&answer.body)
                    .ok()
                    .zip(ballots.get(s.ballot))
                    .is_some_and(|(receipt, ballot)| {
                        receipt.verify(board_key).is_ok()
                            && receipt.tracking_code == ballot.tracking_code
                            && receipt.leaf_hash.0 == ballot.leaf_hash
                    });
                if good {
                    r.receipts_verified += 1;
                } else {
                    r.receipt_failures += 1;
                }
            }
            Err(e) => *r.errors.entry(error_key(e)).or_default() += 1,
        }
    }
    r.latency = Latency::of(latencies);
    if r.seconds > 0.0 {
        r.accepted_per_second = r.accepted as f64 / r.seconds;
    }
    r
}

/// A ballot the server acknowledged.
#[derive(Clone, Debug)]
pub struct Acknowledged {
    /// `201` (stored now) or `200` (already stored).
    pub status: u16,
    /// The receipt.
    pub receipt: Receipt,
    /// Requests it took.
    pub attempts: u32,
}

/// Casts `ballot` until the server acknowledges it, trying again (after a
/// short pause) while the server cannot be reached or answers `5xx`, as a
/// voter's device does while the service restarts; gives up at `deadline`.
pub fn cast_until_acknowledged(
    client: &Client,
    election_id: &str,
    ballot: &PlannedBallot,
    deadline: Instant,
) -> Result<Acknowledged, LoadgenError> {
    let url = client.election_url(election_id, "/ballots");
    let mut attempts = 0;
    loop {
        attempts += 1;
        match client.post("a ballot", &url, Some(&ballot.body)) {
            Ok(answer) => {
                let receipt: Receipt = answer.json(&url)?;
                return Ok(Acknowledged {
                    status: answer.status,
                    receipt,
                    attempts,
                });
            }
            Err(e) if e.is_retryable() && Instant::now() < deadline => {
                tracing::debug!(error = %e, attempts, "casting again");
                std::thread::sleep(Duration::from_millis(20 * u64::from(attempts.min(10))));
            }
            Err(e) => return Err(e),
        }
    }
}
