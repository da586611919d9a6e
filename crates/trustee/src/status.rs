//! `status`: where the ceremony stands, from the server's trustee status
//! (spec/api.md §4): who has posted what, who is missing, who is
//! disqualified, and what comes next. Informational: `keygen` and
//! `decrypt` verify the board themselves.

use serde::Serialize;

use crate::api::{BoardApi, TrusteeRow};
use crate::error::TrusteeError;
use crate::keys::short_code;
use crate::session::names;

/// The status of an election's trustees.
#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    /// The election.
    pub election_id: String,
    /// Its title.
    pub title: String,
    /// The phase.
    pub phase: String,
    /// `t`.
    pub threshold: u32,
    /// Every trustee's row.
    pub trustees: Vec<TrusteeRow>,
    /// Short code of the election fingerprint, once the key exists.
    pub joint_key_fingerprint: Option<String>,
    /// The tally's leaf.
    pub tally_leaf: Option<u64>,
    /// What comes next.
    pub next: Vec<String>,
}

/// Asks the server where the ceremony stands.
pub fn status(api: &dyn BoardApi) -> Result<StatusReport, TrusteeError> {
    let info = api.election()?;
    let st = api.trustee_status()?;
    let t = st.threshold;
    let missing = |pick: fn(&TrusteeRow) -> bool| names(&st, pick);
    let disqualified = |r: &TrusteeRow| r.disqualified.is_some() || r.qualified == Some(false);
    let mut next = Vec::new();
    match st.phase.as_str() {
        "keygen" => {
            let no_dealing = missing(|r| r.dealing.is_none());
            if !no_dealing.is_empty() {
                next.push(format!(
                    "Key ceremony: waiting for the dealings of trustee(s) {no_dealing}; each runs `psephos-trustee keygen`. The ceremony needs every trustee."
                ));
            } else {
                next.push(format!(
                    "Key ceremony: every trustee has dealt; waiting for the share checks of trustee(s) {}; each runs (or keeps running) `psephos-trustee keygen`.",
                    missing(|r| r.complaints.is_none())
                ));
            }
        }
        "credentials" => next.push(
            "The key ceremony is over: trustees compare the joint key fingerprint aloud. Next the credential authority publishes the credential list.".into(),
        ),
        "ready" => next.push("The credential list is published: the administrator opens voting.".into()),
        "open" => next.push(format!(
            "Voting is open until {}. Trustees wait; after it closes and the tally is posted, at least {t} qualified trustees run `psephos-trustee decrypt`.",
            info.manifest.voting_window.closes
        )),
        "closed" => next.push("Voting is closed: the administrator computes the tally, then trustees run `psephos-trustee decrypt`.".into()),
        "tallied" => {
            let done = st.trustees.iter().filter(|r| r.decryption.is_some()).count() as u32;
            if done >= t {
                next.push(format!("{done} decryptions are on the board ({t} needed): the administrator publishes the result."));
            } else {
                next.push(format!(
                    "{done} of the {t} decryptions needed are on the board; still able to decrypt: trustee(s) {}. Each runs `psephos-trustee decrypt`.",
                    names(&st, |r| r.decryption.is_none() && !disqualified(r))
                ));
            }
        }
        "published" => next.push("The result is published: anyone can download the election record and check it with `psephos-verify`.".into()),
        other => next.push(format!("The election is in phase `{other}`.")),
    }
    let out_list = names(&st, disqualified);
    if !out_list.is_empty() {
        next.push(format!(
            "Disqualified in the key ceremony: trustee(s) {out_list}."
        ));
    }
    Ok(StatusReport {
        election_id: info.election_id,
        title: info.manifest.title,
        phase: st.phase.clone(),
        threshold: t,
        joint_key_fingerprint: st
            .election_key
            .as_ref()
            .map(|k| short_code(k.fingerprint.as_bytes())),
        tally_leaf: st.tally_leaf,
        trustees: st.trustees,
        next,
    })
}
