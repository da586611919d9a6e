//! What `keygen` and `decrypt` share: the election as the server describes
//! it, this trustee's place in it, the state file, and verified reads of
//! the board that advance the remembered checkpoint.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::board::merkle::leaf_hash;
use psephos_election::manifest::Manifest;
use rand_core::CryptoRngCore;

use crate::api::{BoardApi, TrusteeStatus};
use crate::board::{snapshot, Scan, Snapshot};
use crate::error::TrusteeError;
use crate::keys::{key_fingerprint, TrusteeKeys};
use crate::progress::Observer;
use crate::sealed::Vault;
use crate::state::CeremonyState;

/// How long to wait for other trustees, and how often to ask.
#[derive(Clone, Copy, Debug)]
pub struct WaitOptions {
    /// `None`: do not wait; do what can be done now and say what is missing.
    pub wait: Option<Duration>,
    /// Time between two status requests.
    pub poll: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            wait: Some(Duration::from_secs(3600)),
            poll: Duration::from_secs(5),
        }
    }
}

/// One trustee's line of the roster, for reading fingerprints aloud.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RosterLine {
    /// Index.
    pub index: u32,
    /// Name.
    pub name: String,
    /// Fingerprint of the trustee's public keys, as `init` printed it.
    pub key_fingerprint: String,
}

/// The manifest's trustees with their key fingerprints.
pub fn roster_lines(manifest: &Manifest) -> Vec<RosterLine> {
    manifest
        .trustees
        .members
        .iter()
        .map(|m| RosterLine {
            index: m.index,
            name: m.name.clone(),
            key_fingerprint: key_fingerprint(&m.signing_key, m.encryption_key.as_bytes()),
        })
        .collect()
}

/// Finds these keys in the manifest.
pub fn find_self(manifest: &Manifest, keys: &TrusteeKeys) -> Result<TrusteeIndex, TrusteeError> {
    let params = manifest
        .params()
        .map_err(|e| TrusteeError::BoardMisbehaved(format!("the manifest is invalid: {e}")))?;
    for entry in &manifest.trustees.members {
        let signing = entry.signing_key == keys.signing_public();
        let encryption = entry.encryption_key == *keys.encryption().public();
        if signing && encryption {
            return TrusteeIndex::new(entry.index, &params).map_err(|e| {
                TrusteeError::BoardMisbehaved(format!("the manifest is invalid: {e}"))
            });
        }
        if signing || encryption {
            let (has, lacks) = if signing {
                ("signing", "encryption")
            } else {
                ("encryption", "signing")
            };
            return Err(TrusteeError::Mismatch(format!(
                "the manifest's trustee {} ({}) has your {has} key but not your {lacks} key: \
                 your public entry was not copied exactly. Ask the administrator to fix the \
                 manifest (print your entry again with `psephos-trustee public`) before the ceremony",
                entry.index, entry.name
            )));
        }
    }
    Err(TrusteeError::Mismatch(format!(
        "your keys (fingerprint {}) are not in the manifest of election `{}`. Check that you \
         use the right key file and server, and that the administrator put your public entry \
         (`psephos-trustee public`) into the manifest",
        keys.fingerprint(),
        manifest.election_id
    )))
}

/// A command's context.
pub struct Session<'a, R: CryptoRngCore> {
    /// The server.
    pub api: &'a dyn BoardApi,
    /// The manifest (checked against leaf 0 at every read).
    pub manifest: Manifest,
    /// This trustee's keys.
    pub keys: &'a TrusteeKeys,
    /// The key the state file is sealed with.
    pub vault: &'a Vault,
    /// The state file.
    pub state: CeremonyState,
    /// This trustee's index.
    pub me: TrusteeIndex,
    /// Progress messages.
    pub observer: &'a dyn Observer,
    /// Randomness for nonces of the sealed files.
    pub rng: &'a mut R,
    /// What was done, for the report.
    pub actions: Vec<String>,
}

impl<'a, R: CryptoRngCore> Session<'a, R> {
    /// Fetches the election and places this trustee in it. With `create`,
    /// makes the state file if there is none; otherwise it must exist.
    pub fn start(
        api: &'a dyn BoardApi,
        keys: &'a TrusteeKeys,
        vault: &'a Vault,
        state_path: &Path,
        create: bool,
        observer: &'a dyn Observer,
        rng: &'a mut R,
    ) -> Result<Self, TrusteeError> {
        let info = api.election()?;
        if info.election_id != keys.election_id() || info.manifest.election_id != keys.election_id()
        {
            return Err(TrusteeError::Mismatch(format!(
                "the key file is for election `{}`, but {} answered for election `{}`: wrong server or wrong --election?",
                keys.election_id(),
                api.describe(),
                info.manifest.election_id
            )));
        }
        if info.board_key != info.manifest.board_key {
            return Err(TrusteeError::BoardMisbehaved(
                "the board key the server announces is not the manifest's".into(),
            ));
        }
        let me = find_self(&info.manifest, keys)?;
        let mut actions = Vec::new();
        let state = if create {
            let (state, created) = CeremonyState::load_or_create(state_path, keys, vault, rng)?;
            if created {
                let line = format!(
                    "created the state file {} (it holds the secret your messages are derived from: keep it with your key file)",
                    state_path.display()
                );
                observer.step(&line);
                actions.push(line);
            }
            state
        } else {
            if !state_path.exists() {
                return Err(TrusteeError::NotYet(format!(
                    "there is no state file at {}: run `psephos-trustee keygen` first (it stores your key share there), or pass the right --state",
                    state_path.display()
                )));
            }
            CeremonyState::load(state_path, keys, vault)?
        };
        if let Some(known) = state.trustee() {
            if known != me {
                return Err(TrusteeError::Mismatch(format!(
                    "the state file says you are trustee {known}, the manifest says {me}"
                )));
            }
        }
        Ok(Session {
            api,
            manifest: info.manifest,
            keys,
            vault,
            state,
            me,
            observer,
            rng,
            actions,
        })
    }

    /// Records and shows an action.
    pub fn did(&mut self, line: String) {
        self.observer.step(&line);
        self.actions.push(line);
    }

    /// Writes the state file.
    pub fn save(&mut self) -> Result<(), TrusteeError> {
        self.state.save(self.vault, self.rng)
    }

    /// Reads the whole board into `scan`, verified against a new checkpoint
    /// consistent with the last one seen, and remembers that checkpoint.
    pub fn sync(&mut self, scan: Scan) -> Result<Snapshot, TrusteeError> {
        let snap = snapshot(
            self.api,
            &self.manifest,
            self.state.last_checkpoint(),
            scan,
            self.observer,
        )?;
        let manifest_hash = leaf_hash(snap.scan.manifest_leaf()?);
        if let Some(known) = self.state.manifest_leaf_hash() {
            if *known != manifest_hash {
                return Err(TrusteeError::HistoryRewritten(
                    "the manifest leaf differs from the one your state file recorded".into(),
                ));
            }
        }
        self.state.set_identity(manifest_hash, self.me);
        self.state.set_last_checkpoint(snap.checkpoint.clone());
        self.save()?;
        Ok(snap)
    }

    /// Polls the trustee status until `missing` returns `None`. Returns
    /// `false` without waiting when no wait is allowed and it is not ready.
    pub fn wait_until(
        &self,
        options: &WaitOptions,
        missing: impl Fn(&TrusteeStatus) -> Option<String>,
    ) -> Result<bool, TrusteeError> {
        let started = Instant::now();
        let mut last_said = String::new();
        loop {
            let status = self.api.trustee_status()?;
            let Some(what) = missing(&status) else {
                return Ok(true);
            };
            let Some(limit) = options.wait else {
                return Ok(false);
            };
            if started.elapsed() >= limit {
                return Err(TrusteeError::Timeout {
                    waited: humanize(limit),
                    waiting_for: what,
                });
            }
            if what != last_said {
                self.observer.waiting(&what);
                last_said = what;
            }
            thread::sleep(options.poll.min(limit.saturating_sub(started.elapsed())));
        }
    }
}

/// `1h 5m 3s`-style durations.
pub fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}

/// The names of the trustees among `rows` for which `pick` says yes:
/// `2 (Bob), 5 (Eve)`.
pub fn names(status: &TrusteeStatus, pick: impl Fn(&crate::api::TrusteeRow) -> bool) -> String {
    status
        .trustees
        .iter()
        .filter(|r| pick(r))
        .map(|r| {
            if r.name.is_empty() {
                r.index.to_string()
            } else {
                format!("{} ({})", r.index, r.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
