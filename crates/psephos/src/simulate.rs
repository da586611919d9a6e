//! `psephos simulate`: a complete election in one process, written out as
//! an election record that `psephos-verify` checks.
//!
//! Every party runs the real protocol code: trustees run the DKG (one may be
//! configured to cheat, and is caught by a complaint), the credential
//! authority issues credentials, voters encrypt, audit and revote, the board
//! logs everything, trustees decrypt with some of them absent. The plaintext
//! choices are remembered only to check, at the end, that the decrypted
//! result equals them.
//!
//! The simulation draws all randomness from one seeded generator so that a
//! run can be repeated; real elections never do that.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use ed25519_dalek::SigningKey;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use psephos_crypto::dkg::{resolve, Checked, Dealer, DkgOutcome, TrusteeKeyPair};
use psephos_crypto::encoding::Point;
use psephos_crypto::threshold::{KeyShare, ThresholdParams, TrusteeIndex};
use psephos_election::ballot::Ballot;
use psephos_election::board::log::Board;
use psephos_election::board::messages::{
    BoardMessage, DisqualifiedTrustee, ElectionKey, TrusteeSigned, WindowEvent,
};
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::election::Election;
use psephos_election::fingerprint::enrolment_fingerprint;
use psephos_election::manifest::{
    Manifest, TrusteeEntry, TrusteePanel, VotingWindow, MANIFEST_VERSION,
};
use psephos_election::signing::PublicSigningKey;
use psephos_election::tally::{combine_result, ElectionResult, TallyAccumulator, TallyDecryption};
use psephos_election::voter::encrypt_ballot_with_rng;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rayon::prelude::*;
use thiserror::Error;

use crate::scenario::questions_and_styles;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimulationConfig {
    /// Number of voters.
    pub voters: usize,
    /// Referendum questions everyone answers.
    pub proposals: usize,
    /// Candidates in each region's delegate election (0: none).
    pub candidates: usize,
    /// Trustees `n`.
    pub trustees: u32,
    /// Threshold `t`.
    pub threshold: u32,
    /// Trustees absent at decryption (at most `n − t`).
    pub absent: u32,
    /// A trustee index that deals one bad share in the key ceremony.
    pub cheating_dealer: Option<u32>,
    /// Percentage of voters who cast a second ballot later.
    pub revote_percent: u32,
    /// Percentage of voters who audit a ballot before casting.
    pub audit_percent: u32,
    /// Seed of the simulation's random generator.
    pub seed: u64,
    /// Where to write the election record.
    pub output: PathBuf,
    /// Show progress bars.
    pub progress: bool,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            voters: 1000,
            proposals: 17,
            candidates: 12,
            trustees: 5,
            threshold: 3,
            absent: 2,
            cheating_dealer: None,
            revote_percent: 10,
            audit_percent: 5,
            seed: 1,
            output: PathBuf::from("election-record.jsonl"),
            progress: false,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct SimulationReport {
    /// The manifest.
    pub manifest: Manifest,
    /// The decrypted result (equal to the plaintext choices).
    pub result: ElectionResult,
    /// Leaves in the log.
    pub leaves: u64,
    /// Size of the record file.
    pub record_bytes: u64,
    /// Ballots cast (including revotes).
    pub ballots_cast: usize,
    /// Second ballots.
    pub revotes: usize,
    /// Audited (spoiled) ballots.
    pub audits: usize,
    /// Trustees disqualified in the key ceremony.
    pub disqualified: Vec<DisqualifiedTrustee>,
    /// Trustees whose shares decrypted the tally.
    pub decrypted_by: Vec<TrusteeIndex>,
    /// Wall-clock time per phase.
    pub timings: Vec<(&'static str, Duration)>,
    /// Every party's secret keys, so that tests can forge or re-sign
    /// messages; a real election never gathers them in one place.
    pub secrets: SimulationSecrets,
}

/// The secrets the simulation generated, for tests that tamper with a
/// record and re-sign it, to show that a semantic check (not a signature)
/// catches the tampering.
#[derive(Clone)]
pub struct SimulationSecrets {
    /// The board's checkpoint-signing key.
    pub board_key: SigningKey,
    /// The credential authority's key.
    pub authority_key: SigningKey,
    /// Each trustee's message-signing key, trustee `i` at position `i − 1`.
    pub trustee_keys: Vec<SigningKey>,
    /// Each qualified trustee's key share, ascending by index.
    pub key_shares: Vec<KeyShare>,
    /// Each voter's secret credential and ballot style, in voter order.
    pub credentials: Vec<(SecretCredential, String)>,
}

impl std::fmt::Debug for SimulationSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SimulationSecrets(<redacted>)")
    }
}

/// Why a simulation could not complete.
#[derive(Debug, Error)]
pub enum SimulationError {
    /// The configuration is impossible.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Writing the record failed.
    #[error("writing the record: {0}")]
    Io(#[from] std::io::Error),
    /// A protocol step failed.
    #[error("{step}: {reason}")]
    Protocol {
        /// The step.
        step: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The decrypted result differs from what the voters chose.
    #[error("the decrypted result differs from the voters' choices: {0}")]
    Mismatch(String),
}

fn protocol(step: &'static str) -> impl Fn(String) -> SimulationError {
    move |reason| SimulationError::Protocol { step, reason }
}

struct Trustee {
    index: TrusteeIndex,
    signing: SigningKey,
    keys: TrusteeKeyPair,
}

/// One voter's plan.
struct VoterPlan {
    credential: SecretCredential,
    style: usize,
    seed: [u8; 32],
    audits: bool,
    revotes: bool,
}

fn bar(progress: bool, len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len as u64),
        if progress {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// Random choices for one question: a uniformly random allowed count, then
/// that many distinct options.
fn random_choices<R: RngCore>(options: usize, sums: &[u64], rng: &mut R) -> Vec<usize> {
    let count = sums[(rng.next_u32() as usize) % sums.len()] as usize;
    let mut pool: Vec<usize> = (0..options).collect();
    let mut chosen = Vec::with_capacity(count);
    for _ in 0..count.min(options) {
        let k = (rng.next_u32() as usize) % pool.len();
        chosen.push(pool.swap_remove(k));
    }
    chosen.sort_unstable();
    chosen
}

fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Runs the simulation.
pub fn run(config: &SimulationConfig) -> Result<SimulationReport, SimulationError> {
    let params = ThresholdParams::new(config.threshold, config.trustees)
        .map_err(|e| SimulationError::Config(e.to_string()))?;
    let cheaters = u32::from(config.cheating_dealer.is_some());
    if config.absent + cheaters > config.trustees - config.threshold {
        return Err(SimulationError::Config(format!(
            "{} absent and {} disqualified trustees would leave fewer than the threshold {} of {}",
            config.absent, cheaters, config.threshold, config.trustees
        )));
    }
    if let Some(cheater) = config.cheating_dealer {
        if cheater == 0 || cheater > config.trustees || config.trustees < 3 {
            return Err(SimulationError::Config(format!(
                "the cheating dealer must be one of trustees 1..={}, and there must be at least 3 trustees",
                config.trustees
            )));
        }
    }
    if config.voters == 0 || config.proposals + config.candidates == 0 {
        return Err(SimulationError::Config(
            "need at least one voter and one question".into(),
        ));
    }
    let mut timings = Vec::new();
    let started = Instant::now();
    let mut rng = ChaCha20Rng::seed_from_u64(config.seed);
    let election_id = format!("simulation-{}", config.seed);

    // Parties and their keys.
    let board_key = SigningKey::generate(&mut rng);
    let board_secret = board_key.clone();
    let authority_key = SigningKey::generate(&mut rng);
    let trustees: Vec<Trustee> = params
        .indices()
        .map(|index| Trustee {
            index,
            signing: SigningKey::generate(&mut rng),
            keys: TrusteeKeyPair::generate_with_rng(&mut rng),
        })
        .collect();
    let enrolment = enrolment_fingerprint(&election_id);
    let (questions, ballot_styles) = questions_and_styles(config.proposals, config.candidates);
    let opens = SystemTime::now();
    let closes = opens + Duration::from_secs(48 * 3600);
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: election_id.clone(),
        organisation: "Simulated Members' Association".into(),
        title: "Annual all-member ballot (simulation)".into(),
        voting_window: VotingWindow {
            opens: timestamp(opens),
            closes: timestamp(closes),
        },
        trustees: TrusteePanel {
            threshold: config.threshold,
            members: trustees
                .iter()
                .map(|t| TrusteeEntry {
                    index: t.index.get(),
                    name: format!("Trustee {}", t.index),
                    signing_key: PublicSigningKey::from(&t.signing),
                    encryption_key: *t.keys.public(),
                    possession_proof: t
                        .keys
                        .prove_possession_with_rng(&enrolment, t.index, &mut rng),
                })
                .collect(),
        },
        board_key: PublicSigningKey::from(&board_key),
        credential_authority_key: PublicSigningKey::from(&authority_key),
        questions,
        ballot_styles,
        booth_hash: None,
    };
    manifest
        .validate()
        .map_err(|e| SimulationError::Config(e.to_string()))?;

    // Written under a temporary name and renamed when complete, so a failed
    // run never leaves a truncated record behind under the real name.
    let partial = config.output.with_extension("partial");
    let out = BufWriter::with_capacity(1 << 20, File::create(&partial)?);
    let mut board = Board::new(&election_id, board_key, out)?;
    let manifest_leaf = BoardMessage::Manifest(manifest.clone()).to_leaf();
    board.append_leaf(&manifest_leaf)?;
    timings.push(("setup", started.elapsed()));

    // Key ceremony.
    let phase = Instant::now();
    let (shares, key_message, outcome) = key_ceremony(
        config,
        &manifest,
        &manifest_leaf,
        &trustees,
        &mut board,
        &mut rng,
    )?;
    let election = Election::new(
        manifest.clone(),
        &manifest_leaf,
        key_message.joint_key.clone(),
    )
    .map_err(|e| protocol("election")(e.to_string()))?;
    let disqualified = key_message.disqualified.clone();
    board.append(&BoardMessage::ElectionKey(key_message))?;
    timings.push(("key ceremony", phase.elapsed()));

    // Credentials.
    let phase = Instant::now();
    let plans: Vec<VoterPlan> = (0..config.voters)
        .map(|_| {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            VoterPlan {
                credential: SecretCredential::generate_with_rng(&mut rng),
                style: (rng.next_u32() as usize) % election.layouts.len(),
                seed,
                audits: rng.next_u32() % 100 < config.audit_percent,
                revotes: rng.next_u32() % 100 < config.revote_percent,
            }
        })
        .collect();
    let entries: Vec<CredentialEntry> = plans
        .par_iter()
        .map(|p| CredentialEntry {
            credential: p.credential.public(&election_id),
            style: election.layouts[p.style].id.clone(),
        })
        .collect();
    let list = CredentialList::sign(&election_id, entries, &authority_key)
        .map_err(|e| protocol("credential list")(e.to_string()))?;
    board.append(&BoardMessage::CredentialList(list))?;
    board.append(&BoardMessage::VotingOpened(WindowEvent {
        at: timestamp(opens),
    }))?;
    timings.push(("credentials", phase.elapsed()));

    // Voting: first ballots (with audits) for everyone, then the revotes.
    let phase = Instant::now();
    let mut expected: Vec<Vec<Vec<u64>>> = election
        .layouts
        .iter()
        .map(|l| l.questions.iter().map(|q| vec![0; q.options]).collect())
        .collect();
    let mut tally = TallyAccumulator::new(&election);
    let (mut ballots_cast, mut revotes, mut audits) = (0, 0, 0);
    let progress = bar(
        config.progress,
        plans.len() + plans.iter().filter(|p| p.revotes).count(),
        "ballots",
    );
    for round in 0..2 {
        let voting: Vec<&VoterPlan> = plans.iter().filter(|p| round == 0 || p.revotes).collect();
        for chunk in voting.chunks(256) {
            let produced: Vec<Result<VoterOutput, SimulationError>> = chunk
                .par_iter()
                .map(|plan| vote(&election, plan, round))
                .collect();
            for (plan, output) in chunk.iter().zip(produced) {
                let output = output?;
                if let Some(audit) = output.audit {
                    board.append(&audit)?;
                    audits += 1;
                }
                let last = round == 1 || !plan.revotes;
                if last {
                    tally.add(&election, &output.ballot);
                    for (counts, choice) in expected[plan.style].iter_mut().zip(&output.choices) {
                        for option in choice {
                            counts[*option] += 1;
                        }
                    }
                }
                board.append(&BoardMessage::Ballot(output.ballot))?;
                ballots_cast += 1;
                revotes += usize::from(round == 1);
                progress.inc(1);
            }
        }
    }
    progress.finish_and_clear();
    board.append(&BoardMessage::VotingClosed(WindowEvent {
        at: timestamp(closes),
    }))?;
    timings.push(("voting", phase.elapsed()));

    // Tally and decryption with some trustees absent.
    let phase = Instant::now();
    let encrypted = tally.finish(&election);
    board.append(&BoardMessage::Tally(encrypted.clone()))?;
    let present: Vec<&(KeyShare, &Trustee)> =
        shares.iter().rev().skip(config.absent as usize).collect();
    if present.len() < config.threshold as usize {
        return Err(SimulationError::Config(format!(
            "only {} qualified trustees would be present; the threshold is {}",
            present.len(),
            config.threshold
        )));
    }
    let mut decryptions = Vec::new();
    for (share, trustee) in present.iter().rev() {
        let decryption = TallyDecryption::compute_with_rng(&election, share, &encrypted, &mut rng);
        decryption
            .verify(&election, share.index(), &outcome, &encrypted, &mut rng)
            .map_err(|e| protocol("decryption")(e.to_string()))?;
        let signed = TrusteeSigned::sign(
            &election_id,
            "tally-decryption",
            trustee.index,
            decryption.clone(),
            &trustee.signing,
        )
        .map_err(|e| protocol("decryption")(e.to_string()))?;
        board.append(&BoardMessage::TallyDecryption(signed))?;
        decryptions.push((share.index(), decryption));
    }
    let refs: Vec<_> = decryptions.iter().map(|(i, d)| (*i, d)).collect();
    let result = combine_result(&election, &encrypted, &refs)
        .map_err(|e| protocol("combination")(e.to_string()))?;
    for (style, counts) in result.styles.iter().zip(&expected) {
        let decrypted: Vec<&Vec<u64>> = style.questions.iter().map(|q| &q.counts).collect();
        let wanted: Vec<&Vec<u64>> = counts.iter().collect();
        if decrypted != wanted {
            return Err(SimulationError::Mismatch(format!(
                "style `{}`",
                style.style
            )));
        }
    }
    board.append(&BoardMessage::Result(result.clone()))?;
    let leaves = board.size();
    let (_, mut out) = board.finish()?;
    out.flush()?;
    out.get_ref().sync_all()?;
    drop(out);
    std::fs::rename(&partial, &config.output)?;
    timings.push(("tally", phase.elapsed()));
    let record_bytes = std::fs::metadata(&config.output)?.len();
    let secrets = SimulationSecrets {
        board_key: board_secret,
        authority_key,
        trustee_keys: trustees.iter().map(|t| t.signing.clone()).collect(),
        key_shares: shares.iter().map(|(share, _)| share.clone()).collect(),
        credentials: plans
            .iter()
            .map(|p| (p.credential.clone(), election.layouts[p.style].id.clone()))
            .collect(),
    };
    Ok(SimulationReport {
        manifest,
        decrypted_by: result.decrypted_by.clone(),
        result,
        leaves,
        record_bytes,
        ballots_cast,
        revotes,
        audits,
        disqualified,
        timings,
        secrets,
    })
}

struct VoterOutput {
    audit: Option<BoardMessage>,
    ballot: Ballot,
    choices: Vec<Vec<usize>>,
}

fn vote(election: &Election, plan: &VoterPlan, round: u8) -> Result<VoterOutput, SimulationError> {
    let mut seed = plan.seed;
    seed[0] ^= round;
    let mut rng = ChaCha20Rng::from_seed(seed);
    let layout = &election.layouts[plan.style];
    let id = &election.manifest.election_id;
    let pick = |rng: &mut ChaCha20Rng| -> Vec<Vec<usize>> {
        layout
            .questions
            .iter()
            .map(|q| random_choices(q.options, &q.sums, rng))
            .collect()
    };
    let failed = protocol("ballot encryption");
    let audit = if plan.audits && round == 0 {
        let choices = pick(&mut rng);
        let draft =
            encrypt_ballot_with_rng(election, &plan.credential, &layout.id, &choices, &mut rng)
                .map_err(|e| failed(e.to_string()))?;
        Some(BoardMessage::BallotAudit(draft.audit(&plan.credential, id)))
    } else {
        None
    };
    let choices = pick(&mut rng);
    let draft = encrypt_ballot_with_rng(election, &plan.credential, &layout.id, &choices, &mut rng)
        .map_err(|e| failed(e.to_string()))?;
    Ok(VoterOutput {
        audit,
        ballot: draft.cast(&plan.credential, id),
        choices,
    })
}

/// Each qualified trustee's key share, the published outcome, and the outcome itself.
type CeremonyOutput<'t> = (Vec<(KeyShare, &'t Trustee)>, ElectionKey, DkgOutcome);

/// Runs the DKG among all trustees, publishing every message; returns each
/// qualified trustee's key share and the ceremony's outcome.
fn key_ceremony<'t, W: Write>(
    config: &SimulationConfig,
    manifest: &Manifest,
    manifest_leaf: &[u8],
    trustees: &'t [Trustee],
    board: &mut Board<W>,
    rng: &mut ChaCha20Rng,
) -> Result<CeremonyOutput<'t>, SimulationError> {
    let failed = protocol("key ceremony");
    let params = manifest.params().map_err(|e| failed(e.to_string()))?;
    let ceremony = psephos_election::fingerprint::ceremony_fingerprint(manifest_leaf);
    let roster: Vec<Point> = manifest.roster();
    let id = &manifest.election_id;
    let mut states = Vec::new();
    let mut dealings = Vec::new();
    for trustee in trustees {
        let (state, mut dealing) = Dealer::deal_with_rng(
            ceremony,
            params,
            trustee.index,
            trustee.keys.clone(),
            roster.clone(),
            rng,
        )
        .map_err(|e| failed(e.to_string()))?;
        if config.cheating_dealer == Some(trustee.index.get()) {
            // Swap two recipients' sealed payloads: each opens under neither key.
            if dealing.shares.len() >= 2 {
                let sealed = dealing.shares[0].sealed;
                dealing.shares[0].sealed = dealing.shares[1].sealed;
                dealing.shares[1].sealed = sealed;
            }
        }
        let signed = TrusteeSigned::sign(
            id,
            "trustee-dealing",
            trustee.index,
            dealing.clone(),
            &trustee.signing,
        )
        .map_err(|e| failed(e.to_string()))?;
        board.append(&BoardMessage::TrusteeDealing(signed))?;
        states.push(state);
        dealings.push(dealing);
    }
    let mut checked: Vec<Checked> = Vec::new();
    let mut complaints = Vec::new();
    for (state, trustee) in states.into_iter().zip(trustees) {
        // A cheating dealer's own state holds its honest message; give it what it published.
        let result = if config.cheating_dealer == Some(trustee.index.get()) {
            let honest = state.message().clone();
            let mut published = dealings.clone();
            published[trustee.index.get() as usize - 1] = honest;
            state.receive(&published, rng)
        } else {
            state.receive(&dealings, rng)
        };
        let (state, message) = result.map_err(|e| failed(e.to_string()))?;
        let signed = TrusteeSigned::sign(
            id,
            "trustee-complaints",
            trustee.index,
            message.clone(),
            &trustee.signing,
        )
        .map_err(|e| failed(e.to_string()))?;
        board.append(&BoardMessage::TrusteeComplaints(signed))?;
        checked.push(state);
        complaints.push(message);
    }
    let outcome = resolve(&ceremony, &params, &roster, &dealings, &complaints)
        .map_err(|e| failed(e.to_string()))?;
    let mut shares = Vec::new();
    for (state, trustee) in checked.into_iter().zip(trustees) {
        if !outcome.is_qualified(trustee.index) {
            continue;
        }
        let (share, _) = state
            .finish(&dealings, &complaints)
            .map_err(|e| failed(format!("trustee {}: {e}", trustee.index)))?;
        shares.push((share, trustee));
    }
    let fingerprint =
        psephos_election::fingerprint::election_fingerprint(manifest_leaf, &outcome.joint_key);
    let key = ElectionKey {
        joint_key: outcome.joint_key.clone(),
        fingerprint,
        qualified: outcome.qualified.clone(),
        disqualified: outcome
            .disqualified
            .iter()
            .map(|(trustee, why)| DisqualifiedTrustee {
                trustee: *trustee,
                why: why.clone(),
            })
            .collect(),
    };
    Ok((shares, key, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &std::path::Path) -> SimulationConfig {
        SimulationConfig {
            voters: 3,
            proposals: 1,
            candidates: 2,
            trustees: 3,
            threshold: 2,
            absent: 0,
            output: dir.join("record.jsonl"),
            ..SimulationConfig::default()
        }
    }

    #[test]
    fn impossible_configurations_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            SimulationConfig {
                threshold: 4,
                ..config(dir.path())
            },
            SimulationConfig {
                threshold: 0,
                ..config(dir.path())
            },
            SimulationConfig {
                absent: 2,
                ..config(dir.path())
            },
            SimulationConfig {
                cheating_dealer: Some(1),
                absent: 1,
                ..config(dir.path())
            },
            SimulationConfig {
                cheating_dealer: Some(9),
                ..config(dir.path())
            },
            SimulationConfig {
                voters: 0,
                ..config(dir.path())
            },
            SimulationConfig {
                proposals: 0,
                candidates: 0,
                ..config(dir.path())
            },
        ];
        for case in cases {
            let error = run(&case).unwrap_err();
            assert!(
                matches!(error, SimulationError::Config(_)),
                "{case:?}: {error}"
            );
            assert_eq!(
                std::fs::read_dir(dir.path()).unwrap().count(),
                0,
                "{case:?} wrote a file"
            );
        }
    }

    #[test]
    fn a_small_election_decrypts_to_the_voters_choices() {
        let dir = tempfile::tempdir().unwrap();
        let report = run(&SimulationConfig {
            cheating_dealer: Some(3),
            ..config(dir.path())
        })
        .unwrap();
        assert_eq!(report.decrypted_by.len(), 2);
        assert_eq!(report.disqualified.len(), 1);
        assert!(dir.path().join("record.jsonl").exists());
        assert!(!dir.path().join("record.partial").exists());
    }
}
