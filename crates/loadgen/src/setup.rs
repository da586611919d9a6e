//! Setting up a real election on a running server over its HTTP API
//! (spec/api.md): the manifest, the trustees' key ceremony, the signed
//! credential list, and opening the window. Every party runs the real
//! protocol code in this process (as `psephos simulate` does); the server
//! sees only what each would send it.

use std::time::{Duration, Instant, SystemTime};

use ed25519_dalek::SigningKey;
use psephos::scenario::questions_and_styles;
use psephos_crypto::dkg::{ComplaintsMessage, Dealer, DealerMessage, TrusteeKeyPair};
use psephos_crypto::threshold::{KeyShare, ThresholdParams, TrusteeIndex};
use psephos_election::board::messages::{BoardMessage, ElectionKey, TrusteeSigned};
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::election::Election;
use psephos_election::fingerprint::{ceremony_fingerprint, enrolment_fingerprint};
use psephos_election::manifest::{
    Manifest, TrusteeEntry, TrusteePanel, VotingWindow, MANIFEST_VERSION,
};
use psephos_election::signing::PublicSigningKey;
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, RngCore, SeedableRng};
use rayon::prelude::*;
use serde::Deserialize;

use crate::error::LoadgenError;
use crate::http::Client;

/// The election to set up.
#[derive(Clone, Debug)]
pub struct ElectionSpec {
    /// The election id (unique on the server).
    pub election_id: String,
    /// Referendum (yes/no) questions every voter answers.
    pub proposals: usize,
    /// Candidates of each region's "choose one" question (0: none).
    pub candidates: usize,
    /// Trustees `n`.
    pub trustees: u32,
    /// Threshold `t`.
    pub threshold: u32,
    /// Voters (credentials on the list).
    pub voters: usize,
    /// How long the voting window stays open from now.
    pub window: Duration,
}

impl ElectionSpec {
    /// The default 17-question referendum (three regional ballot styles),
    /// three trustees of whom two decrypt, for `voters` voters.
    pub fn referendum(election_id: &str, voters: usize) -> Self {
        ElectionSpec {
            election_id: election_id.to_string(),
            proposals: 17,
            candidates: 0,
            trustees: 3,
            threshold: 2,
            voters,
            window: Duration::from_secs(48 * 3600),
        }
    }
}

/// A trustee who took part in the ceremony and holds a key share.
pub struct Trustee {
    /// Its index.
    pub index: TrusteeIndex,
    /// Its message-signing key (named in the manifest).
    pub signing: SigningKey,
    /// Its share of the election's decryption key.
    pub share: KeyShare,
}

/// A voter: the secret credential from the voting link, and its ballot style.
pub struct Voter {
    /// The secret credential.
    pub credential: SecretCredential,
    /// The ballot style id.
    pub style: String,
}

/// A set-up, open election: what casting and tallying need. Holds every
/// party's secrets, which a real election never gathers in one place.
pub struct OpenElection {
    /// The election as ballots are encrypted for it (manifest, joint key,
    /// fingerprints, layouts).
    pub election: Election,
    /// The board's checkpoint-signing key, as the server reports it.
    pub board_key: PublicSigningKey,
    /// The trustees, ascending by index.
    pub trustees: Vec<Trustee>,
    /// The voters, in credential-list order of generation.
    pub voters: Vec<Voter>,
    /// Wall-clock time of each step.
    pub timings: Vec<(&'static str, Duration)>,
}

impl OpenElection {
    /// The election id.
    pub fn id(&self) -> &str {
        &self.election.manifest.election_id
    }
}

impl std::fmt::Debug for OpenElection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenElection")
            .field("election_id", &self.id())
            .field("trustees", &self.trustees.len())
            .field("voters", &self.voters.len())
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ServerInfo {
    board_key: PublicSigningKey,
}

/// `GET /api/elections/{id}`, the parts used here.
#[derive(Deserialize)]
pub struct ElectionInfo {
    /// The phase.
    pub phase: String,
    /// SHA-256 leaf hash of leaf 0, hex.
    pub manifest_leaf_hash: String,
    /// The published election key, once the ceremony is over.
    pub election_key: Option<ElectionKey>,
    /// The board key.
    pub board_key: PublicSigningKey,
}

fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

struct Party {
    index: TrusteeIndex,
    signing: SigningKey,
    keys: TrusteeKeyPair,
}

/// Posts a signed trustee message.
fn post_trustee(client: &Client, id: &str, message: &BoardMessage) -> Result<u64, LoadgenError> {
    #[derive(Deserialize)]
    struct Posted {
        leaf_index: u64,
    }
    let url = client.election_url(id, "/trustees/messages");
    let (_, posted): (u16, Posted) = client.post_json(message.kind(), &url, &message.to_leaf())?;
    Ok(posted.leaf_index)
}

/// Sets up `spec` on the server behind `client` (which must carry the
/// admin token) and opens it for voting.
pub fn open_election<R: RngCore + CryptoRng>(
    client: &Client,
    spec: &ElectionSpec,
    rng: &mut R,
) -> Result<OpenElection, LoadgenError> {
    run_setup(Some(client), spec, rng)
}

/// The same election set up in this process only, with a board key of its
/// own and nothing sent anywhere: for measuring what ballots cost.
pub fn local_election<R: RngCore + CryptoRng>(
    spec: &ElectionSpec,
    rng: &mut R,
) -> Result<OpenElection, LoadgenError> {
    run_setup(None, spec, rng)
}

/// Sets up `spec`, posting every step to `server` if there is one.
fn run_setup<R: RngCore + CryptoRng>(
    server: Option<&Client>,
    spec: &ElectionSpec,
    rng: &mut R,
) -> Result<OpenElection, LoadgenError> {
    let config = LoadgenError::protocol("configuration");
    let params =
        ThresholdParams::new(spec.threshold, spec.trustees).map_err(|e| config(e.to_string()))?;
    if spec.voters == 0 || spec.proposals + spec.candidates == 0 {
        return Err(config("need at least one voter and one question".into()));
    }
    let mut timings = Vec::new();
    let id = spec.election_id.as_str();

    // The parties.
    let step = Instant::now();
    let board_key = match server {
        Some(client) => {
            let info: ServerInfo =
                client.get_json("the server's board key", &client.url("/api/admin/server"))?;
            info.board_key
        }
        None => PublicSigningKey::from(&SigningKey::generate(rng)),
    };
    let authority = SigningKey::generate(rng);
    let parties: Vec<Party> = params
        .indices()
        .map(|index| Party {
            index,
            signing: SigningKey::generate(rng),
            keys: TrusteeKeyPair::generate_with_rng(rng),
        })
        .collect();
    let enrolment = enrolment_fingerprint(id);
    let (questions, ballot_styles) = questions_and_styles(spec.proposals, spec.candidates);
    // A minute back, so that `open` is within the window whatever the clocks' rounding.
    let opens = SystemTime::now() - Duration::from_secs(60);
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: id.to_string(),
        organisation: "Load Test Members' Association".into(),
        title: format!("Load test ballot {id}"),
        voting_window: VotingWindow {
            opens: timestamp(opens),
            closes: timestamp(SystemTime::now() + spec.window),
        },
        trustees: TrusteePanel {
            threshold: spec.threshold,
            members: parties
                .iter()
                .map(|p| TrusteeEntry {
                    index: p.index.get(),
                    name: format!("Trustee {}", p.index),
                    signing_key: PublicSigningKey::from(&p.signing),
                    encryption_key: *p.keys.public(),
                    possession_proof: p.keys.prove_possession_with_rng(&enrolment, p.index, rng),
                })
                .collect(),
        },
        board_key,
        credential_authority_key: PublicSigningKey::from(&authority),
        questions,
        ballot_styles,
        booth_hash: None,
    };
    manifest.validate().map_err(|e| config(e.to_string()))?;
    let manifest_leaf = BoardMessage::Manifest(manifest.clone()).to_leaf();
    if let Some(client) = server {
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| config(e.to_string()))?;
        client.post(
            "creating the election",
            &client.url("/api/admin/elections"),
            Some(&manifest_bytes),
        )?;
        let info: ElectionInfo = client.get_json("the election", &client.election_url(id, ""))?;
        let local_hash = hex::encode(psephos_election::board::merkle::leaf_hash(&manifest_leaf));
        if info.manifest_leaf_hash != local_hash {
            return Err(LoadgenError::Board(format!(
                "leaf 0 has hash {}, not that of the manifest sent ({local_hash})",
                info.manifest_leaf_hash
            )));
        }
    }
    timings.push(("manifest", step.elapsed()));

    // The key ceremony: every dealing, then every trustee's complaints.
    let step = Instant::now();
    let failed = LoadgenError::protocol("key ceremony");
    let ceremony = ceremony_fingerprint(&manifest_leaf);
    let roster = manifest.roster();
    let mut states = Vec::new();
    let mut dealings: Vec<DealerMessage> = Vec::new();
    for party in &parties {
        let (state, dealing) = Dealer::deal_with_rng(
            ceremony,
            params,
            party.index,
            party.keys.clone(),
            roster.clone(),
            rng,
        )
        .map_err(|e| failed(e.to_string()))?;
        let signed = TrusteeSigned::sign(
            id,
            "trustee-dealing",
            party.index,
            dealing.clone(),
            &party.signing,
        )
        .map_err(|e| failed(e.to_string()))?;
        if let Some(client) = server {
            post_trustee(client, id, &BoardMessage::TrusteeDealing(signed))?;
        }
        states.push(state);
        dealings.push(dealing);
    }
    let mut checked = Vec::new();
    let mut complaints: Vec<ComplaintsMessage> = Vec::new();
    for (state, party) in states.into_iter().zip(&parties) {
        let (state, message) = state
            .receive(&dealings, rng)
            .map_err(|e| failed(e.to_string()))?;
        let signed = TrusteeSigned::sign(
            id,
            "trustee-complaints",
            party.index,
            message.clone(),
            &party.signing,
        )
        .map_err(|e| failed(e.to_string()))?;
        if let Some(client) = server {
            post_trustee(client, id, &BoardMessage::TrusteeComplaints(signed))?;
        }
        checked.push(state);
        complaints.push(message);
    }
    let mut trustees = Vec::new();
    let mut joint_key = None;
    for (state, party) in checked.into_iter().zip(parties) {
        let (share, outcome) = state
            .finish(&dealings, &complaints)
            .map_err(|e| failed(format!("trustee {}: {e}", party.index)))?;
        joint_key = Some(outcome.joint_key.clone());
        trustees.push(Trustee {
            index: party.index,
            signing: party.signing,
            share,
        });
    }
    let Some(joint_key) = joint_key else {
        return Err(failed("no trustee finished the ceremony".into()));
    };
    if let Some(client) = server {
        let info: ElectionInfo = client.get_json("the election", &client.election_url(id, ""))?;
        if info.board_key != board_key {
            return Err(LoadgenError::Board(
                "the election names another board key than the server reports".into(),
            ));
        }
        let Some(published) = info.election_key else {
            return Err(LoadgenError::Board(
                "every trustee posted complaints, but no election key was published".into(),
            ));
        };
        if published.joint_key != joint_key {
            return Err(LoadgenError::Board(
                "the published election key is not the one the trustees computed".into(),
            ));
        }
    }
    let election =
        Election::new(manifest, &manifest_leaf, joint_key).map_err(|e| failed(e.to_string()))?;
    timings.push(("key ceremony", step.elapsed()));

    // The credential authority: one credential per voter, styles in turn.
    let step = Instant::now();
    let seeds: Vec<[u8; 32]> = (0..spec.voters)
        .map(|_| {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            seed
        })
        .collect();
    let styles: Vec<String> = election.layouts.iter().map(|l| l.id.clone()).collect();
    let voters: Vec<Voter> = seeds
        .par_iter()
        .enumerate()
        .map(|(k, seed)| Voter {
            credential: SecretCredential::generate_with_rng(&mut ChaCha20Rng::from_seed(*seed)),
            style: styles[k % styles.len()].clone(),
        })
        .collect();
    let entries: Vec<CredentialEntry> = voters
        .par_iter()
        .map(|v| CredentialEntry {
            credential: v.credential.public(id),
            style: v.style.clone(),
        })
        .collect();
    let list = CredentialList::sign(id, entries, &authority)
        .map_err(|e| LoadgenError::protocol("credential list")(e.to_string()))?;
    if let Some(client) = server {
        let list_bytes = serde_json::to_vec(&list)
            .map_err(|e| LoadgenError::protocol("credential list")(e.to_string()))?;
        client.post(
            "the credential list",
            &client.election_url(id, "/credential-list"),
            Some(&list_bytes),
        )?;
    }
    timings.push(("credentials", step.elapsed()));

    if let Some(client) = server {
        client.post("opening the election", &client.admin_url(id, "/open"), None)?;
    }
    Ok(OpenElection {
        election,
        board_key,
        trustees,
        voters,
        timings,
    })
}
