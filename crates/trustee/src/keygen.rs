//! `keygen`: this trustee's part of the distributed key generation
//! (spec/crypto.md §7) over the board.
//!
//! 1. Deal: post the dealing (Feldman commitments, proofs of possession,
//!    a sealed share for each other trustee).
//! 2. Wait until every trustee has dealt.
//! 3. Check the shares addressed to this trustee; post the complaints
//!    message (empty when every share is good).
//! 4. Wait for the board's `election-key` leaf, resolve the ceremony
//!    independently, compare, and keep the key share in the state file.
//!
//! Every step first reads the whole board, verified against a checkpoint
//! consistent with every checkpoint seen before; every message is derived
//! from the state file's seed, so running `keygen` again after an
//! interruption re-posts identical messages (or finds them already there)
//! and never a conflicting one.

use std::path::Path;

use psephos_crypto::context::Fingerprint;
use psephos_crypto::dkg::{Dealer, Disqualification, DkgOutcome};
use psephos_crypto::error::ThresholdError;
use psephos_election::board::messages::{BoardMessage, ElectionKey, TrusteeSigned};
use psephos_election::fingerprint::{ceremony_fingerprint, election_fingerprint};
use rand_core::CryptoRngCore;
use serde::Serialize;

use crate::api::BoardApi;
use crate::board::Scan;
use crate::error::TrusteeError;
use crate::keys::{short_code, TrusteeKeys};
use crate::progress::Observer;
use crate::sealed::Vault;
use crate::session::{names, roster_lines, RosterLine, Session, WaitOptions};

/// A disqualified trustee, for reports.
#[derive(Clone, Debug, Serialize)]
pub struct DisqualifiedLine {
    /// The trustee.
    pub trustee: u32,
    /// Why, in words.
    pub reason: String,
}

/// Explains a disqualification.
pub fn explain(why: &Disqualification) -> String {
    match why {
        Disqualification::NoDealing => "posted no dealing".into(),
        Disqualification::InvalidDealing { detail } => format!("its dealing is invalid: {detail}"),
        Disqualification::BadShare { complainer } => {
            format!("trustee {complainer} proved that the share it was sent is bad")
        }
        Disqualification::FalseComplaint { dealer } => {
            format!("it complained falsely against trustee {dealer}")
        }
        Disqualification::NoConfirmation => "posted no complaints message".into(),
        Disqualification::InvalidComplaints { detail } => {
            format!("its complaints message is invalid: {detail}")
        }
    }
}

/// What `keygen` did and where the ceremony stands.
#[derive(Clone, Debug, Serialize)]
pub struct KeygenReport {
    /// The election.
    pub election_id: String,
    /// This trustee's index.
    pub trustee: u32,
    /// This trustee's name in the manifest.
    pub name: String,
    /// `t`.
    pub threshold: u32,
    /// Short code of the ceremony fingerprint (the manifest leaf): every
    /// trustee must see the same.
    pub manifest_fingerprint: String,
    /// Every trustee with its key fingerprint.
    pub roster: Vec<RosterLine>,
    /// What this run did.
    pub actions: Vec<String>,
    /// Dealers this trustee complained against.
    pub complained_against: Vec<u32>,
    /// Whether the ceremony is over and the key share stored.
    pub complete: bool,
    /// What it is still waiting for, if not complete.
    pub waiting_for: Option<String>,
    /// Short code of the election fingerprint (manifest and joint key),
    /// to read aloud.
    pub joint_key_fingerprint: Option<String>,
    /// The full election fingerprint.
    pub election_fingerprint: Option<String>,
    /// Qualified trustees.
    pub qualified: Vec<u32>,
    /// Disqualified trustees.
    pub disqualified: Vec<DisqualifiedLine>,
    /// The state file.
    pub state_file: String,
    /// What comes next.
    pub next: Vec<String>,
}

fn same_reason(a: &Disqualification, b: &Disqualification) -> bool {
    use Disqualification::*;
    match (a, b) {
        (NoDealing, NoDealing) | (NoConfirmation, NoConfirmation) => true,
        (InvalidDealing { .. }, InvalidDealing { .. }) => true,
        (InvalidComplaints { .. }, InvalidComplaints { .. }) => true,
        (BadShare { complainer: x }, BadShare { complainer: y }) => x == y,
        (FalseComplaint { dealer: x }, FalseComplaint { dealer: y }) => x == y,
        _ => false,
    }
}

/// Compares the board's `election-key` leaf with this trustee's own
/// resolution (spec/record.md §9.4 CheckElectionKey).
pub fn compare_election_key(
    published: &ElectionKey,
    outcome: &DkgOutcome,
    fingerprint: &Fingerprint,
) -> Result<(), String> {
    if published.joint_key != outcome.joint_key {
        return Err("the joint key differs".into());
    }
    if published.fingerprint != *fingerprint {
        return Err("the election fingerprint differs".into());
    }
    if published.qualified != outcome.qualified {
        return Err(format!(
            "the board says trustees {:?} qualified, your computation says {:?}",
            published
                .qualified
                .iter()
                .map(|i| i.get())
                .collect::<Vec<_>>(),
            outcome
                .qualified
                .iter()
                .map(|i| i.get())
                .collect::<Vec<_>>()
        ));
    }
    let same = published.disqualified.len() == outcome.disqualified.len()
        && published
            .disqualified
            .iter()
            .zip(&outcome.disqualified)
            .all(|(p, (i, why))| p.trustee == *i && same_reason(&p.why, why));
    if !same {
        return Err("the disqualified trustees or their reasons differ".into());
    }
    Ok(())
}

fn ceremony_error(e: ThresholdError) -> TrusteeError {
    match e {
        ThresholdError::OwnMessageAltered => TrusteeError::Ceremony(
            "the board does not show your dealing exactly as you dealt it".into(),
        ),
        ThresholdError::SelfDisqualified(why) => TrusteeError::Ceremony(format!(
            "the ceremony disqualified you ({why}); you hold no key share. Talk to the other trustees"
        )),
        other => TrusteeError::Ceremony(other.to_string()),
    }
}

/// Runs (or resumes) this trustee's part of the key ceremony.
#[allow(clippy::too_many_arguments)]
pub fn keygen<R: CryptoRngCore>(
    api: &dyn BoardApi,
    keys: &TrusteeKeys,
    vault: &Vault,
    state_path: &Path,
    options: &WaitOptions,
    observer: &dyn Observer,
    rng: &mut R,
) -> Result<KeygenReport, TrusteeError> {
    let mut s = Session::start(api, keys, vault, state_path, true, observer, rng)?;
    let me = s.me;
    let manifest = s.manifest.clone();
    let id = manifest.election_id.clone();
    let params = manifest
        .params()
        .map_err(|e| TrusteeError::BoardMisbehaved(format!("the manifest is invalid: {e}")))?;
    let n = params.n();
    let snap = s.sync(Scan::new(manifest.clone()))?;
    let leaf0 = snap.scan.manifest_leaf()?.to_vec();
    let ceremony = ceremony_fingerprint(&leaf0);
    let mut report = KeygenReport {
        election_id: id.clone(),
        trustee: me.get(),
        name: manifest
            .trustee(me.get())
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        threshold: params.t(),
        manifest_fingerprint: short_code(ceremony.as_bytes()),
        roster: roster_lines(&manifest),
        actions: Vec::new(),
        complained_against: Vec::new(),
        complete: false,
        waiting_for: None,
        joint_key_fingerprint: None,
        election_fingerprint: None,
        qualified: Vec::new(),
        disqualified: Vec::new(),
        state_file: state_path.display().to_string(),
        next: Vec::new(),
    };
    s.did(format!(
        "you are trustee {me} of {n} in election `{id}`; the manifest fingerprint is {}",
        report.manifest_fingerprint
    ));

    // 1. Deal (the same dealing every time: its randomness comes from the state's seed).
    let mut dealing_rng = s.state.derived_rng("dealing", ceremony.as_bytes());
    let (dealt, dealing) = Dealer::deal_with_rng(
        ceremony,
        params,
        me,
        keys.encryption().clone(),
        manifest.roster(),
        &mut dealing_rng,
    )
    .map_err(ceremony_error)?;
    match snap.scan.dealings.iter().find(|(_, m)| m.trustee == me) {
        Some((leaf, m)) if m.message == dealing => {
            s.state.set_dealing_leaf(*leaf);
            s.did(format!("your dealing is on the board at leaf {leaf}"));
        }
        Some((leaf, _)) => {
            return Err(TrusteeError::Ceremony(format!(
                "the board holds a dealing from you at leaf {leaf} that is not the one this state file produces. \
                 Was the state file lost or replaced? Nothing was posted; find the original state file"
            )))
        }
        None if snap.scan.election_key.is_some() || !snap.scan.complaints.is_empty() => {
            return Err(TrusteeError::Ceremony(
                "the dealing round is over and you did not deal: you are disqualified from this ceremony".into(),
            ))
        }
        None => {
            let signed =
                TrusteeSigned::sign(&id, "trustee-dealing", me, dealing, keys.signing())
                    .map_err(|e| TrusteeError::Ceremony(e.to_string()))?;
            let posted = api.post(&BoardMessage::TrusteeDealing(signed))?;
            s.state.set_dealing_leaf(posted.leaf_index);
            s.save()?;
            s.did(if posted.created {
                format!("posted your dealing at leaf {}", posted.leaf_index)
            } else {
                format!("your dealing was already on the board at leaf {}", posted.leaf_index)
            });
        }
    }

    // 2. Every trustee's dealing.
    let ready = s.wait_until(options, |status| {
        if status.election_key.is_some() || status.trustees.iter().all(|t| t.dealing.is_some()) {
            None
        } else {
            Some(format!(
                "waiting for the dealings of trustee(s) {}",
                names(status, |t| t.dealing.is_none())
            ))
        }
    })?;
    if !ready {
        return Ok(incomplete(s, report, "the dealings of the other trustees"));
    }
    let snap = s.sync(Scan::new(manifest.clone()))?;
    if snap.scan.dealings.len() < n as usize && snap.scan.election_key.is_none() {
        return Err(TrusteeError::BoardMisbehaved(format!(
            "the server's status says every trustee has dealt, but the board holds {} of {n} dealings",
            snap.scan.dealings.len()
        )));
    }

    // 3. Check the shares sent to this trustee; complain about bad ones.
    let dealings = snap.scan.dealer_messages();
    let mut sorted: Vec<&_> = dealings.iter().collect();
    sorted.sort_by_key(|d| d.dealer);
    let context = serde_json::to_vec(&sorted).unwrap_or_default();
    let mut complaints_rng = s.state.derived_rng("complaints", &context);
    let (checked, complaints) = dealt
        .receive(&dealings, &mut complaints_rng)
        .map_err(ceremony_error)?;
    report.complained_against = complaints
        .complaints
        .iter()
        .map(|c| c.dealer.get())
        .collect();
    match snap.scan.complaints.iter().find(|(_, m)| m.trustee == me) {
        Some((leaf, m)) if m.message == complaints => {
            s.state.set_complaints_leaf(*leaf);
            s.did(format!(
                "your complaints message is on the board at leaf {leaf}"
            ));
        }
        Some((leaf, _)) => {
            return Err(TrusteeError::Ceremony(format!(
                "the board holds a complaints message from you at leaf {leaf} that is not the one this state file produces. \
                 Nothing was posted"
            )))
        }
        None if snap.scan.election_key.is_some() => {
            return Err(TrusteeError::Ceremony(
                "the ceremony ended before you confirmed your shares: you are disqualified from this ceremony".into(),
            ))
        }
        None => {
            let against = report.complained_against.clone();
            let signed =
                TrusteeSigned::sign(&id, "trustee-complaints", me, complaints, keys.signing())
                    .map_err(|e| TrusteeError::Ceremony(e.to_string()))?;
            let posted = api.post(&BoardMessage::TrusteeComplaints(signed))?;
            s.state.set_complaints_leaf(posted.leaf_index);
            s.save()?;
            let what = if against.is_empty() {
                "your confirmation (every share you received is good)".to_string()
            } else {
                format!(
                    "your complaints against trustee(s) {} (their shares to you do not verify)",
                    against
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            s.did(if posted.created {
                format!("posted {what} at leaf {}", posted.leaf_index)
            } else {
                format!("{what} was already on the board at leaf {}", posted.leaf_index)
            });
        }
    }

    // 4. The outcome.
    let ready = s.wait_until(options, |status| {
        if status.election_key.is_some() || status.phase != "keygen" {
            None
        } else {
            Some(format!(
                "waiting for the share checks (complaints messages) of trustee(s) {}",
                names(status, |t| t.complaints.is_none())
            ))
        }
    })?;
    if !ready {
        return Ok(incomplete(
            s,
            report,
            "the share checks of the other trustees",
        ));
    }
    let snap = s.sync(Scan::new(manifest.clone()))?;
    let Some((key_leaf, published)) = snap.scan.election_key.clone() else {
        return Err(TrusteeError::BoardMisbehaved(
            "the server says the key ceremony is over, but the board has no election-key leaf"
                .into(),
        ));
    };
    let (share, outcome) = checked
        .finish(
            &snap.scan.dealer_messages(),
            &snap.scan.complaints_messages(),
        )
        .map_err(ceremony_error)?;
    let fingerprint = election_fingerprint(&leaf0, &outcome.joint_key);
    compare_election_key(&published, &outcome, &fingerprint)
        .map_err(TrusteeError::ElectionKeyMismatch)?;
    s.state.set_key_share(&share, fingerprint);
    s.save()?;
    s.did(format!(
        "checked the election key at leaf {key_leaf} against your own computation, and stored your key share in {}",
        state_path.display()
    ));
    report.complete = true;
    report.joint_key_fingerprint = Some(short_code(fingerprint.as_bytes()));
    report.election_fingerprint = Some(fingerprint.to_string());
    report.qualified = outcome.qualified.iter().map(|i| i.get()).collect();
    report.disqualified = outcome
        .disqualified
        .iter()
        .map(|(i, why)| DisqualifiedLine {
            trustee: i.get(),
            reason: explain(why),
        })
        .collect();
    report.next = vec![
        format!(
            "Read the joint key fingerprint aloud: {}. Every trustee must read exactly the same; if one differs, stop and tell the organisers.",
            report.joint_key_fingerprint.as_deref().unwrap_or_default()
        ),
        "Keep your key file, its state file and your passphrase until the result is published: `psephos-trustee decrypt` needs all three after voting closes.".into(),
    ];
    report.actions = s.actions;
    Ok(report)
}

fn incomplete<R: CryptoRngCore>(
    s: Session<'_, R>,
    mut report: KeygenReport,
    what: &str,
) -> KeygenReport {
    report.waiting_for = Some(what.to_string());
    report.next = vec![format!(
        "Run the same `psephos-trustee keygen` command again once {what} are on the board (or with --wait to wait for them); it resumes where it stopped and posts nothing twice."
    )];
    report.actions = s.actions;
    report
}
