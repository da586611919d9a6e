//! Fixtures: trustees with key files, a manifest, a real voting service on
//! a port-0 listener with a fresh SQLite file, the administrator's and
//! voters' requests, and a board that forges its log.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, SystemTime};

use ed25519_dalek::SigningKey;
use psephos_election::ballot::Ballot;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, Hash, MerkleTree};
use psephos_election::board::messages::BoardMessage;
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::election::Election;
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, Question, QuestionRule, TrusteePanel, VotingWindow,
    MANIFEST_VERSION,
};
use psephos_election::signing::PublicSigningKey;
use psephos_election::tally::ElectionResult;
use psephos_election::voter::encrypt_ballot_with_rng;
use psephos_server::state::{AppState, ServerConfig, BOARD_KEY_SETTING};
use psephos_server::store::{SqliteStore, Store};
use psephos_trustee::api::{BoardApi, ElectionInfo, Posted, TrusteeStatus};
use psephos_trustee::decrypt::{decrypt, DecryptReport};
use psephos_trustee::http::HttpBoard;
use psephos_trustee::keygen::{keygen, KeygenReport};
use psephos_trustee::keys::TrusteeKeys;
use psephos_trustee::progress::Silent;
use psephos_trustee::sealed::{KdfParams, Passphrase, Vault};
use psephos_trustee::session::WaitOptions;
use psephos_trustee::state::default_state_path;
use psephos_trustee::TrusteeError;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, RngCore, SeedableRng};
use serde_json::Value;
use tempfile::TempDir;
use zeroize::Zeroizing;

pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn passphrase() -> Passphrase {
    Passphrase::new(Zeroizing::new(PASSPHRASE.to_string())).unwrap()
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Waiting that suits tests: short polls, a bound that fails rather than hangs.
pub fn patient() -> WaitOptions {
    WaitOptions {
        wait: Some(Duration::from_secs(120)),
        poll: Duration::from_millis(50),
    }
}

pub fn no_wait() -> WaitOptions {
    WaitOptions {
        wait: None,
        poll: Duration::from_millis(50),
    }
}

/// A trustee's key file (cheap KDF parameters) and the keys in memory.
pub struct Trustee {
    pub index: u32,
    pub keys: TrusteeKeys,
    pub vault: Vault,
    pub key_path: PathBuf,
    pub state_path: PathBuf,
}

impl Trustee {
    pub fn create(dir: &Path, election_id: &str, index: u32, seed: u64) -> Trustee {
        let mut rng = rng(seed);
        let keys = TrusteeKeys::generate_with_rng(election_id, &mut rng).unwrap();
        let key_path = dir.join(format!("trustee-{index}.key"));
        keys.save_new(
            &key_path,
            &passphrase(),
            KdfParams::INSECURE_FOR_TESTS,
            &mut rng,
        )
        .unwrap();
        // As the command does: open the file again.
        let (keys, vault) = TrusteeKeys::load(&key_path, &passphrase()).unwrap();
        Trustee {
            index,
            keys,
            vault,
            state_path: default_state_path(&key_path),
            key_path,
        }
    }

    pub fn keygen(
        &self,
        api: &dyn BoardApi,
        options: &WaitOptions,
    ) -> Result<KeygenReport, TrusteeError> {
        keygen(
            api,
            &self.keys,
            &self.vault,
            &self.state_path,
            options,
            &Silent,
            &mut OsRng,
        )
    }

    pub fn decrypt(
        &self,
        api: &dyn BoardApi,
        options: &WaitOptions,
    ) -> Result<DecryptReport, TrusteeError> {
        decrypt(
            api,
            &self.keys,
            &self.vault,
            &self.state_path,
            options,
            &Silent,
            &mut OsRng,
        )
    }
}

fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

fn options(ids: &[&str]) -> Vec<OptionEntry> {
    ids.iter()
        .map(|id| OptionEntry {
            id: id.to_string(),
            label: format!("Candidate {id}"),
        })
        .collect()
}

/// Two referendum questions and a choose-up-to-two question, in two styles.
pub fn manifest(
    election_id: &str,
    board_key: &SigningKey,
    authority: &SigningKey,
    trustees: &[Trustee],
    threshold: u32,
) -> Manifest {
    let mut rng = rng(99);
    let now = SystemTime::now();
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: election_id.into(),
        organisation: "Test Members' Association".into(),
        title: "Trustee ceremony test".into(),
        voting_window: VotingWindow {
            opens: timestamp(now - Duration::from_secs(60)),
            closes: timestamp(now + Duration::from_secs(3600)),
        },
        trustees: TrusteePanel {
            threshold,
            members: trustees
                .iter()
                .map(|t| {
                    t.keys
                        .public_entry_with_rng(t.index, &format!("Trustee {}", t.index), &mut rng)
                        .unwrap()
                })
                .collect(),
        },
        board_key: PublicSigningKey::from(board_key),
        credential_authority_key: PublicSigningKey::from(authority),
        questions: vec![
            Question {
                id: "motion-1".into(),
                text: "Adopt motion 1?".into(),
                rule: QuestionRule::Referendum,
            },
            Question {
                id: "motion-2".into(),
                text: "Adopt motion 2?".into(),
                rule: QuestionRule::Referendum,
            },
            Question {
                id: "council".into(),
                text: "Choose up to two councillors".into(),
                rule: QuestionRule::Choose {
                    options: options(&["ada", "bo", "cy"]),
                    min: 0,
                    max: 2,
                },
            },
        ],
        ballot_styles: vec![
            BallotStyle {
                id: "north".into(),
                name: "North".into(),
                questions: vec!["motion-1".into(), "council".into()],
            },
            BallotStyle {
                id: "south".into(),
                name: "South".into(),
                questions: vec!["motion-1".into(), "motion-2".into()],
            },
        ],
        booth_hash: None,
    };
    manifest.validate().unwrap();
    manifest
}

/// The voting service on a port-0 listener over a fresh SQLite file, with
/// a board key and an admin token the test knows.
pub struct TestServer {
    runtime: tokio::runtime::Runtime,
    pub url: String,
    pub token: String,
    pub board_key: SigningKey,
    _dir: TempDir,
}

impl TestServer {
    pub fn start() -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let board_key = SigningKey::generate(&mut OsRng);
        let token = "test-admin-token-0123456789abcdef".to_string();
        let path = dir.path().join("board.sqlite");
        let secret = board_key.to_bytes().to_vec();
        let addr = runtime.block_on(async {
            let store = SqliteStore::open(path).await.unwrap();
            store.init_setting(BOARD_KEY_SETTING, secret).await.unwrap();
            let config = ServerConfig {
                per_client_per_second: 100_000,
                per_credential_per_minute: 10_000,
                ..ServerConfig::default()
            };
            let state = AppState::new(store, config, Some(&token)).await.unwrap();
            psephos_server::serve::spawn(state).await.unwrap()
        });
        TestServer {
            runtime,
            url: format!("http://{addr}"),
            token,
            board_key,
            _dir: dir,
        }
    }

    pub fn api(&self, election_id: &str) -> HttpBoard {
        HttpBoard::new(&self.url, election_id).unwrap()
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
    }

    /// A JSON request; returns the status and the body.
    pub fn request(&self, method: &str, path: &str, body: Option<Vec<u8>>) -> (u16, Value) {
        let url = format!("{}{path}", self.url);
        let agent = Self::agent();
        let auth = format!("Bearer {}", self.token);
        let response = match (method, body) {
            ("GET", _) => agent.get(&url).header("Authorization", &auth).call(),
            ("POST", Some(body)) => agent
                .post(&url)
                .header("Authorization", &auth)
                .content_type("application/json")
                .send(&body[..]),
            ("POST", None) => agent.post(&url).header("Authorization", &auth).send_empty(),
            _ => panic!("unsupported request"),
        };
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    pub fn expect(&self, method: &str, path: &str, body: Option<Vec<u8>>, status: u16) -> Value {
        let (got, value) = self.request(method, path, body);
        assert_eq!(got, status, "{method} {path}: {value}");
        value
    }

    pub fn record(&self, election_id: &str) -> Vec<u8> {
        let url = format!("{}/api/elections/{election_id}/record", self.url);
        let mut response = Self::agent().get(&url).call().unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap()
    }

    /// The board's size now.
    pub fn size(&self, election_id: &str) -> u64 {
        self.api(election_id).checkpoint().unwrap().size
    }
}

/// One voter's plan: a style, and one or two ballots' choices.
pub struct Voter {
    pub credential: SecretCredential,
    pub style: usize,
}

/// A whole election on a real server: trustees, manifest, authority.
pub struct Scenario {
    pub server: TestServer,
    pub dir: TempDir,
    pub id: String,
    pub trustees: Vec<Trustee>,
    pub manifest: Manifest,
    pub authority: SigningKey,
    pub voters: Vec<Voter>,
}

impl Scenario {
    pub fn new(n: u32, t: u32, seed: u64) -> Scenario {
        let server = TestServer::start();
        let dir = tempfile::tempdir().unwrap();
        let id = format!("trustee-test-{seed}");
        let trustees: Vec<Trustee> = (1..=n)
            .map(|i| Trustee::create(dir.path(), &id, i, seed * 100 + u64::from(i)))
            .collect();
        let authority = SigningKey::generate(&mut OsRng);
        let manifest = manifest(&id, &server.board_key, &authority, &trustees, t);
        server.expect(
            "POST",
            "/api/admin/elections",
            Some(serde_json::to_vec(&manifest).unwrap()),
            201,
        );
        Scenario {
            server,
            dir,
            id,
            trustees,
            manifest,
            authority,
            voters: Vec::new(),
        }
    }

    pub fn api(&self) -> HttpBoard {
        self.server.api(&self.id)
    }

    pub fn trustee(&self, index: u32) -> &Trustee {
        &self.trustees[index as usize - 1]
    }

    /// Runs keygen for these trustees at once, one thread each.
    pub fn keygen(&self, which: &[u32]) -> Vec<Result<KeygenReport, TrusteeError>> {
        thread::scope(|scope| {
            let handles: Vec<_> = which
                .iter()
                .map(|&i| {
                    let trustee = self.trustee(i);
                    let api = self.api();
                    scope.spawn(move || trustee.keygen(&api, &patient()))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    pub fn election(&self) -> Election {
        let info: ElectionInfo = self.api().election().unwrap();
        let key = info.election_key.expect("the key ceremony is over");
        Election::new(
            self.manifest.clone(),
            &BoardMessage::Manifest(self.manifest.clone()).to_leaf(),
            key.joint_key,
        )
        .unwrap()
    }

    /// Publishes a credential list for `voters` voters and opens voting.
    pub fn open(&mut self, voters: usize, seed: u64) {
        let mut rng = rng(seed);
        self.voters = (0..voters)
            .map(|k| Voter {
                credential: SecretCredential::generate_with_rng(&mut rng),
                style: k % 2,
            })
            .collect();
        let styles = ["north", "south"];
        let entries = self
            .voters
            .iter()
            .map(|v| CredentialEntry {
                credential: v.credential.public(&self.id),
                style: styles[v.style].into(),
            })
            .collect();
        let list = CredentialList::sign(&self.id, entries, &self.authority).unwrap();
        self.server.expect(
            "POST",
            &format!("/api/elections/{}/credential-list", self.id),
            Some(serde_json::to_vec(&list).unwrap()),
            201,
        );
        self.server.expect(
            "POST",
            &format!("/api/admin/elections/{}/open", self.id),
            None,
            201,
        );
    }

    /// Every voter votes; every third votes again, and the second ballot
    /// counts. Returns the expected counts per style, question and option.
    pub fn vote(&self, seed: u64) -> Vec<Vec<Vec<u64>>> {
        let mut rng = rng(seed);
        let election = self.election();
        let mut expected: Vec<Vec<Vec<u64>>> = election
            .layouts
            .iter()
            .map(|l| l.questions.iter().map(|q| vec![0; q.options]).collect())
            .collect();
        for (k, voter) in self.voters.iter().enumerate() {
            let rounds = if k % 3 == 0 { 2 } else { 1 };
            for round in 0..rounds {
                let layout = &election.layouts[voter.style];
                let choices: Vec<Vec<usize>> = layout
                    .questions
                    .iter()
                    .map(|q| {
                        let count = q.sums[(rng.next_u32() as usize) % q.sums.len()] as usize;
                        let mut pool: Vec<usize> = (0..q.options).collect();
                        let mut chosen: Vec<usize> = (0..count)
                            .map(|_| pool.remove((rng.next_u32() as usize) % pool.len()))
                            .collect();
                        chosen.sort_unstable();
                        chosen
                    })
                    .collect();
                let ballot = encrypt_ballot_with_rng(
                    &election,
                    &voter.credential,
                    &layout.id,
                    &choices,
                    &mut rng,
                )
                .unwrap()
                .cast(&voter.credential, &self.id);
                self.cast(&ballot);
                if round + 1 == rounds {
                    for (counts, chosen) in expected[voter.style].iter_mut().zip(&choices) {
                        for option in chosen {
                            counts[*option] += 1;
                        }
                    }
                }
            }
        }
        expected
    }

    pub fn cast(&self, ballot: &Ballot) {
        self.server.expect(
            "POST",
            &format!("/api/elections/{}/ballots", self.id),
            Some(serde_json::to_vec(ballot).unwrap()),
            201,
        );
    }

    pub fn close_and_tally(&self) {
        self.server.expect(
            "POST",
            &format!("/api/admin/elections/{}/close", self.id),
            None,
            201,
        );
        self.server.expect(
            "POST",
            &format!("/api/admin/elections/{}/tally", self.id),
            None,
            201,
        );
    }

    pub fn publish(&self) -> ElectionResult {
        let value = self.server.expect(
            "POST",
            &format!("/api/admin/elections/{}/publish", self.id),
            None,
            201,
        );
        serde_json::from_value(value["result"].clone()).unwrap()
    }

    /// The record, written to a file and checked by the verifier library.
    pub fn verify_record(&self) -> psephos_verifier::Report {
        let path = self.dir.path().join("record.jsonl");
        std::fs::write(&path, self.server.record(&self.id)).unwrap();
        let (report, _) =
            psephos_verifier::verify_file(&path, &psephos_verifier::VerifyOptions::default())
                .unwrap();
        report
    }

    pub fn size(&self) -> u64 {
        self.server.size(&self.id)
    }
}

/// Every message on a board, read through the API.
pub fn all_leaves(api: &dyn BoardApi) -> Vec<BoardMessage> {
    let size = api.checkpoint().unwrap().size;
    let mut out = Vec::new();
    while (out.len() as u64) < size {
        out.extend(api.leaves(out.len() as u64, size).unwrap());
    }
    out
}

/// A board that shows its own version of the log, signed with the real
/// board key; everything else goes to the real server.
pub struct ForgingBoard {
    pub real: HttpBoard,
    pub key: SigningKey,
    pub id: String,
    pub leaves: Vec<BoardMessage>,
    tree: MerkleTree,
}

impl ForgingBoard {
    pub fn new(real: HttpBoard, key: SigningKey, id: &str, leaves: Vec<BoardMessage>) -> Self {
        let mut tree = MerkleTree::new();
        for leaf in &leaves {
            tree.push(leaf_hash(&leaf.to_leaf()));
        }
        ForgingBoard {
            real,
            key,
            id: id.into(),
            leaves,
            tree,
        }
    }
}

impl BoardApi for ForgingBoard {
    fn describe(&self) -> String {
        "a forging board".into()
    }
    fn election(&self) -> Result<ElectionInfo, TrusteeError> {
        self.real.election()
    }
    fn trustee_status(&self) -> Result<TrusteeStatus, TrusteeError> {
        self.real.trustee_status()
    }
    fn checkpoint(&self) -> Result<SignedCheckpoint, TrusteeError> {
        Ok(SignedCheckpoint::sign(
            &self.id,
            self.tree.size(),
            self.tree.root(),
            &self.key,
        ))
    }
    fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, TrusteeError> {
        Ok(self
            .tree
            .consistency_proof(first, second)
            .unwrap_or_default())
    }
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<BoardMessage>, TrusteeError> {
        let end = end.min(self.leaves.len() as u64);
        Ok(self.leaves[start as usize..end as usize].to_vec())
    }
    fn post(&self, message: &BoardMessage) -> Result<Posted, TrusteeError> {
        self.real.post(message)
    }
}

/// A board whose answers to posts are lost (the message is posted, the
/// response never arrives), as after a dropped connection.
pub struct LossyBoard(pub HttpBoard);

impl BoardApi for LossyBoard {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn election(&self) -> Result<ElectionInfo, TrusteeError> {
        self.0.election()
    }
    fn trustee_status(&self) -> Result<TrusteeStatus, TrusteeError> {
        self.0.trustee_status()
    }
    fn checkpoint(&self) -> Result<SignedCheckpoint, TrusteeError> {
        self.0.checkpoint()
    }
    fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, TrusteeError> {
        self.0.consistency(first, second)
    }
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<BoardMessage>, TrusteeError> {
        self.0.leaves(start, end)
    }
    fn post(&self, message: &BoardMessage) -> Result<Posted, TrusteeError> {
        self.0.post(message)?;
        Err(TrusteeError::Transport {
            url: self.0.describe(),
            reason: "connection reset (simulated)".into(),
        })
    }
}
