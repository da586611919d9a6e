//! `decrypt`: after the tally is posted, this trustee recomputes it from
//! the ballots on the board ([`crate::recount`]) and, only if the board's
//! tally is exactly that sum, posts its partial decryption of every tally
//! entry with proofs (spec/record.md §10.3).

use std::path::Path;

use psephos_crypto::dkg::resolve;
use psephos_election::board::messages::{BoardMessage, TrusteeSigned};
use psephos_election::tally::TallyDecryption;
use rand_core::CryptoRngCore;
use serde::Serialize;

use crate::api::BoardApi;
use crate::board::Scan;
use crate::error::TrusteeError;
use crate::keys::TrusteeKeys;
use crate::progress::Observer;
use crate::recount::{compare_tallies, RecountSummary};
use crate::sealed::Vault;
use crate::session::{Session, WaitOptions};

/// What `decrypt` did.
#[derive(Clone, Debug, Serialize)]
pub struct DecryptReport {
    /// The election.
    pub election_id: String,
    /// This trustee.
    pub trustee: u32,
    /// What this run did.
    pub actions: Vec<String>,
    /// The recount.
    pub recount: RecountSummary,
    /// Leaf of the tally checked.
    pub tally_leaf: u64,
    /// Where this trustee's decryption is.
    pub decryption_leaf: Option<u64>,
    /// Trustees whose decryptions are on the board (including this one).
    pub decrypted_by: Vec<u32>,
    /// Decryptions needed.
    pub threshold: u32,
    /// Whether the result is already published.
    pub published: bool,
    /// What comes next.
    pub next: Vec<String>,
}

/// Checks the tally against the board and posts this trustee's decryption.
pub fn decrypt<R: CryptoRngCore>(
    api: &dyn BoardApi,
    keys: &TrusteeKeys,
    vault: &Vault,
    state_path: &Path,
    options: &WaitOptions,
    observer: &dyn Observer,
    rng: &mut R,
) -> Result<DecryptReport, TrusteeError> {
    let mut s = Session::start(api, keys, vault, state_path, false, observer, rng)?;
    let me = s.me;
    let manifest = s.manifest.clone();
    let id = manifest.election_id.clone();
    let share = s.state.key_share()?.ok_or_else(|| {
        TrusteeError::NotYet(
            "the key ceremony has not finished for you: run `psephos-trustee keygen` to finish it first".into(),
        )
    })?;
    let Some(expected_fingerprint) = s.state.election_fingerprint().copied() else {
        return Err(TrusteeError::NotYet(
            "the key ceremony has not finished for you: run `psephos-trustee keygen`".into(),
        ));
    };
    let ready = s.wait_until(options, |status| {
        if status.tally_leaf.is_some() {
            None
        } else {
            Some(format!(
                "waiting for the tally (the election is in phase `{}`; the administrator closes voting and computes the tally)",
                status.phase
            ))
        }
    })?;
    if !ready {
        let status = api.trustee_status()?;
        return Err(TrusteeError::NotYet(format!(
            "there is no tally to decrypt yet (the election is in phase `{}`): the administrator closes voting and computes the tally; run `psephos-trustee decrypt` again then, or with --wait",
            status.phase
        )));
    }
    s.observer
        .step("downloading and checking every leaf of the board, and recounting the ballots");
    let snap = s.sync(Scan::new(manifest.clone()).with_recount())?;
    let scan = snap.scan;
    let Some((_, key)) = &scan.election_key else {
        return Err(TrusteeError::BoardMisbehaved(
            "the board has a tally but no election key".into(),
        ));
    };
    if key.fingerprint != expected_fingerprint {
        return Err(TrusteeError::ElectionKeyMismatch(
            "the election key on the board is not the one your key ceremony ended with".into(),
        ));
    }
    let Some((tally_leaf, tally)) = &scan.tally else {
        return Err(TrusteeError::BoardMisbehaved(
            "the server says there is a tally, but the board has no tally leaf".into(),
        ));
    };
    let Some(recount) = &scan.recount else {
        return Err(TrusteeError::BoardMisbehaved(
            "the board has a tally but voting never opened".into(),
        ));
    };
    let (ours, summary) = recount.finish()?;
    compare_tallies(tally, &ours).map_err(TrusteeError::TallyMismatch)?;
    s.did(format!(
        "recounted the board: {} cast ballots ({} replaced by a later ballot of the same voter), {} audited, {} counted; the tally at leaf {tally_leaf} is exactly their sum",
        summary.cast, summary.superseded, summary.audited, summary.counted
    ));
    let election = recount.election();
    let params = election.params;
    let outcome = resolve(
        &election.ceremony,
        &params,
        &manifest.roster(),
        &scan.dealer_messages(),
        &scan.complaints_messages(),
    )
    .map_err(|e| {
        TrusteeError::BoardMisbehaved(format!(
            "the key ceremony on the board does not resolve: {e}"
        ))
    })?;
    if outcome.verification_key(me) != Some(share.verification_key()) {
        return Err(TrusteeError::Ceremony(
            "your stored key share does not match the key ceremony on the board".into(),
        ));
    }
    let tally_bytes = BoardMessage::Tally(tally.clone()).to_leaf();
    let mut decryption_rng = s.state.derived_rng("tally-decryption", &tally_bytes);
    let decryption =
        TallyDecryption::compute_with_rng(election, &share, tally, &mut decryption_rng);
    decryption
        .verify(election, me, &outcome, tally, &mut *s.rng)
        .map_err(|e| TrusteeError::Ceremony(format!("your own decryption does not verify: {e}")))?;
    let mut decrypted_by: Vec<u32> = scan
        .decryptions
        .iter()
        .map(|(_, m)| m.trustee.get())
        .collect();
    let existing = scan.decryptions.iter().find(|(_, m)| m.trustee == me);
    let leaf = match existing {
        Some((leaf, m)) if m.message == decryption => {
            s.did(format!("your decryption is on the board at leaf {leaf}"));
            Some(*leaf)
        }
        Some((leaf, _)) => {
            return Err(TrusteeError::Ceremony(format!(
                "the board holds a decryption from you at leaf {leaf} that is not the one this state file produces. Nothing was posted"
            )))
        }
        None if scan.result.is_some() => {
            s.did("the result is already published without your decryption; there is nothing left for you to do".into());
            None
        }
        None => {
            let signed = TrusteeSigned::sign(&id, "tally-decryption", me, decryption, keys.signing())
                .map_err(|e| TrusteeError::Ceremony(e.to_string()))?;
            let posted = api.post(&BoardMessage::TallyDecryption(signed))?;
            s.state.set_decryption_leaf(posted.leaf_index);
            s.save()?;
            s.did(if posted.created {
                format!("posted your decryption of the tally at leaf {}", posted.leaf_index)
            } else {
                format!("your decryption was already on the board at leaf {}", posted.leaf_index)
            });
            decrypted_by.push(me.get());
            Some(posted.leaf_index)
        }
    };
    if let Some(leaf) = leaf {
        if s.state.decryption_leaf() != Some(leaf) {
            s.state.set_decryption_leaf(leaf);
            s.save()?;
        }
    }
    decrypted_by.sort_unstable();
    let t = params.t();
    let have = decrypted_by.len() as u32;
    let next = if scan.result.is_some() {
        vec!["The result is published: download the election record and check it with `psephos-verify`.".into()]
    } else if have >= t {
        vec![format!(
            "{have} of the {t} decryptions needed are on the board: the administrator can publish the result now."
        )]
    } else {
        vec![format!(
            "{have} of the {t} decryptions needed are on the board: {} more qualified trustee(s) must run `psephos-trustee decrypt`.",
            t - have
        )]
    };
    Ok(DecryptReport {
        election_id: id,
        trustee: me.get(),
        actions: s.actions,
        recount: summary,
        tally_leaf: *tally_leaf,
        decryption_leaf: leaf,
        decrypted_by,
        threshold: t,
        published: scan.result.is_some(),
        next,
    })
}
