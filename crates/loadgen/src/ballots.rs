//! Pre-generating real ballots: each voter's random choices, encrypted
//! with proofs and signed with the voter's credential, ready to POST, so
//! that casting measures the server and not the voters' devices.

use std::collections::HashMap;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use psephos_election::ballot::TrackingCode;
use psephos_election::board::merkle::{leaf_hash, Hash};
use psephos_election::board::messages::BoardMessage;
use psephos_election::election::Election;
use psephos_election::voter::encrypt_ballot_with_rng;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use rayon::prelude::*;

use crate::error::LoadgenError;
use crate::setup::Voter;

/// Who casts a ballot: the voter, and which of its ballots it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cast {
    /// The voter (index into [`OpenElection::voters`](crate::setup::OpenElection::voters)).
    pub voter: usize,
    /// 0 for the first ballot, 1 for the first revote, …
    pub round: u32,
}

/// A ballot ready to cast.
#[derive(Clone, Debug)]
pub struct PlannedBallot {
    /// Who casts it.
    pub cast: Cast,
    /// Its tracking code.
    pub tracking_code: TrackingCode,
    /// The request body (the ballot's JSON).
    pub body: Vec<u8>,
    /// The hash of its board leaf.
    pub leaf_hash: Hash,
    /// The choices it encrypts (per question, the selected options).
    pub choices: Vec<Vec<usize>>,
}

/// Every voter's first ballot, then one revote each by `revotes` of the
/// voters (spread evenly over them; at most one per voter), in that order.
pub fn plan(voters: usize, revotes: usize) -> Vec<Cast> {
    let revotes = revotes.min(voters);
    let mut casts: Vec<Cast> = (0..voters).map(|voter| Cast { voter, round: 0 }).collect();
    casts.extend((0..revotes).map(|k| Cast {
        voter: k * voters / revotes.max(1),
        round: 1,
    }));
    casts
}

/// `total` ballots from `voters` voters, `revote_percent` of them revotes:
/// the voters needed for that.
pub fn voters_for(total: usize, revote_percent: u32) -> usize {
    let share = 100 + u64::from(revote_percent.min(100));
    ((total as u64 * 100).div_ceil(share) as usize).max(1)
}

/// Random choices for one question: a uniformly random allowed count,
/// then that many distinct options.
fn random_choices<R: RngCore>(options: usize, sums: &[u64], rng: &mut R) -> Vec<usize> {
    let count = sums[(rng.next_u32() as usize) % sums.len().max(1)] as usize;
    let mut pool: Vec<usize> = (0..options).collect();
    let mut chosen = Vec::with_capacity(count);
    for _ in 0..count.min(options) {
        let k = (rng.next_u32() as usize) % pool.len();
        chosen.push(pool.swap_remove(k));
    }
    chosen.sort_unstable();
    chosen
}

/// A progress bar on stderr, or hidden.
pub fn bar(show: bool, len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len as u64),
        if show {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// Encrypts and signs one ballot for each of `casts`, in parallel, with
/// random choices.
pub fn generate<R: RngCore + CryptoRng>(
    election: &Election,
    voters: &[Voter],
    casts: &[Cast],
    progress: bool,
    rng: &mut R,
) -> Result<Vec<PlannedBallot>, LoadgenError> {
    let failed = LoadgenError::protocol("ballot encryption");
    let seeds: Vec<[u8; 32]> = casts
        .iter()
        .map(|_| {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            seed
        })
        .collect();
    let id = election.manifest.election_id.as_str();
    let shown = bar(progress, casts.len(), "ballots");
    let out = casts
        .par_iter()
        .zip(seeds)
        .map(|(cast, seed)| {
            let voter = voters
                .get(cast.voter)
                .ok_or_else(|| failed(format!("no voter {}", cast.voter)))?;
            let layout = election
                .layout(&voter.style)
                .ok_or_else(|| failed(format!("no ballot style {}", voter.style)))?;
            let mut rng = ChaCha20Rng::from_seed(seed);
            let choices: Vec<Vec<usize>> = layout
                .questions
                .iter()
                .map(|q| random_choices(q.options, &q.sums, &mut rng))
                .collect();
            let draft = encrypt_ballot_with_rng(
                election,
                &voter.credential,
                &voter.style,
                &choices,
                &mut rng,
            )
            .map_err(|e| failed(e.to_string()))?;
            let ballot = draft.cast(&voter.credential, id);
            let body = serde_json::to_vec(&ballot).map_err(|e| failed(e.to_string()))?;
            let tracking_code = ballot.tracking_code();
            let leaf = BoardMessage::Ballot(ballot).to_leaf();
            shown.inc(1);
            Ok(PlannedBallot {
                cast: *cast,
                tracking_code,
                body,
                leaf_hash: leaf_hash(&leaf),
                choices,
            })
        })
        .collect();
    shown.finish_and_clear();
    out
}

/// The counts the tally must show: per ballot style (manifest order), per
/// question, per option, over the last ballot of each voter in `counted`
/// (ballots in log order).
pub fn expected_counts<'a>(
    election: &Election,
    voters: &[Voter],
    counted: impl IntoIterator<Item = &'a PlannedBallot>,
) -> Vec<Vec<Vec<u64>>> {
    let mut last: HashMap<usize, &PlannedBallot> = HashMap::new();
    for ballot in counted {
        last.insert(ballot.cast.voter, ballot);
    }
    let mut counts: Vec<Vec<Vec<u64>>> = election
        .layouts
        .iter()
        .map(|l| l.questions.iter().map(|q| vec![0; q.options]).collect())
        .collect();
    for ballot in last.values() {
        let Some(style) = voters
            .get(ballot.cast.voter)
            .and_then(|v| election.style_index(&v.style))
        else {
            continue;
        };
        for (question, choice) in counts[style].iter_mut().zip(&ballot.choices) {
            for option in choice {
                if let Some(count) = question.get_mut(*option) {
                    *count += 1;
                }
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_plan_puts_every_first_ballot_before_the_revotes() {
        let casts = plan(100, 30);
        assert_eq!(casts.len(), 130);
        assert!(casts[..100]
            .iter()
            .enumerate()
            .all(|(k, c)| c.voter == k && c.round == 0));
        assert!(casts[100..].iter().all(|c| c.round == 1));
        let mut revoters: Vec<usize> = casts[100..].iter().map(|c| c.voter).collect();
        revoters.dedup();
        assert_eq!(revoters.len(), 30, "one revote per voter at most");
        assert_eq!(plan(3, 10).len(), 6);
    }

    #[test]
    fn voters_for_a_ballot_count() {
        assert_eq!(voters_for(1000, 0), 1000);
        assert_eq!(voters_for(1100, 10), 1000);
        assert_eq!(voters_for(1, 50), 1);
    }
}
