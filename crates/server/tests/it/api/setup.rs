//! A whole election built through the API, as `psephos simulate` builds one
//! in-process: trustee keys, a manifest naming the server's board key, the
//! DKG messages posted by each trustee (the server publishes the election
//! key), the roll, a credential list signed by an authority key generated
//! here, and the window opened. Voters then encrypt real ballots.

use std::time::{Duration, SystemTime};

use axum::http::Method;
use ed25519_dalek::SigningKey;
use psephos::scenario::questions_and_styles;
use psephos_crypto::dkg::{
    Checked, ComplaintsMessage, Dealer, DealerMessage, Dealt, DkgOutcome, TrusteeKeyPair,
};
use psephos_crypto::threshold::{KeyShare, ThresholdParams, TrusteeIndex};
use psephos_election::ballot::Ballot;
use psephos_election::board::merkle::leaf_hash;
use psephos_election::board::messages::{BoardMessage, ElectionKey, TrusteeSigned};
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::election::{Election, StyleLayout};
use psephos_election::fingerprint::{ceremony_fingerprint, enrolment_fingerprint};
use psephos_election::manifest::{
    Manifest, TrusteeEntry, TrusteePanel, VotingWindow, MANIFEST_VERSION,
};
use psephos_election::receipt::Receipt;
use psephos_election::signing::{domain, sign, PublicSigningKey};
use psephos_election::tally::{ElectionResult, EncryptedTally, TallyDecryption};
use psephos_election::voter::{encrypt_ballot_with_rng, AuditedBallot};
use psephos_server::store::Store;
use psephos_verifier::{verify_file, Report, VerifyOptions};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{json, Value};

use super::helpers::{App, TestResponse};

/// The shape of a test election.
#[derive(Clone, Debug)]
pub struct Options {
    /// Election id.
    pub id: String,
    /// Trustees `n`.
    pub trustees: u32,
    /// Threshold `t`.
    pub threshold: u32,
    /// Referendum questions for everyone.
    pub proposals: usize,
    /// Candidates of each region's delegate question (0: none).
    pub candidates: usize,
    /// Voters, given the styles north, south, london in turn.
    pub voters: usize,
    /// Seconds from now to the window's opening (negative: already open).
    pub opens_in: i64,
    /// Seconds from now to the window's closing.
    pub closes_in: i64,
    /// Import a roll of the voters before the credential list.
    pub roll: bool,
    /// Seed of the test's randomness.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            id: "api-test".into(),
            trustees: 3,
            threshold: 2,
            proposals: 1,
            candidates: 2,
            voters: 4,
            opens_in: -60,
            closes_in: 3600,
            roll: true,
            seed: 1,
        }
    }
}

/// One trustee's keys and ceremony state.
pub struct TestTrustee {
    pub index: TrusteeIndex,
    pub signing: SigningKey,
    pub keys: TrusteeKeyPair,
    pub dealt: Option<Dealt>,
    pub checked: Option<Checked>,
    pub share: Option<KeyShare>,
}

/// A voter: a secret credential (never sent) and a style.
pub struct Voter {
    pub secret: SecretCredential,
    pub style: String,
    pub name: String,
    pub email: String,
}

/// An election driven through the API.
pub struct TestElection {
    pub id: String,
    pub manifest: Manifest,
    pub manifest_leaf: Vec<u8>,
    pub board_key: PublicSigningKey,
    pub authority: SigningKey,
    pub trustees: Vec<TestTrustee>,
    pub dealings: Vec<DealerMessage>,
    pub complaints: Vec<ComplaintsMessage>,
    pub election: Option<Election>,
    pub outcome: Option<DkgOutcome>,
    pub voters: Vec<Voter>,
    pub rng: ChaCha20Rng,
}

fn timestamp(offset: i64) -> String {
    let now = SystemTime::now();
    let at = if offset >= 0 {
        now + Duration::from_secs(offset as u64)
    } else {
        now - Duration::from_secs(offset.unsigned_abs())
    };
    humantime::format_rfc3339_seconds(at).to_string()
}

/// Choices for the `k`-th ballot of a style: one option per question,
/// rotating with `k`.
pub fn choices(layout: &StyleLayout, k: usize) -> Vec<Vec<usize>> {
    layout
        .questions
        .iter()
        .enumerate()
        .map(|(q, question)| vec![(k + q) % question.options])
        .collect()
}

impl TestElection {
    /// Keys and a manifest naming the server's board key; nothing posted.
    pub async fn new<S: Store>(app: &App<S>, options: &Options) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(options.seed);
        let board_key = app.board_key().await;
        let params = ThresholdParams::new(options.threshold, options.trustees).unwrap();
        let authority = SigningKey::generate(&mut rng);
        let trustees: Vec<TestTrustee> = params
            .indices()
            .map(|index| TestTrustee {
                index,
                signing: SigningKey::generate(&mut rng),
                keys: TrusteeKeyPair::generate_with_rng(&mut rng),
                dealt: None,
                checked: None,
                share: None,
            })
            .collect();
        let enrolment = enrolment_fingerprint(&options.id);
        let (questions, ballot_styles) =
            questions_and_styles(options.proposals, options.candidates);
        let manifest = Manifest {
            version: MANIFEST_VERSION.into(),
            election_id: options.id.clone(),
            organisation: "Test Members' Association".into(),
            title: format!("API test election {}", options.id),
            voting_window: VotingWindow {
                opens: timestamp(options.opens_in),
                closes: timestamp(options.closes_in),
            },
            trustees: TrusteePanel {
                threshold: options.threshold,
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
            board_key,
            credential_authority_key: PublicSigningKey::from(&authority),
            questions,
            ballot_styles,
            booth_hash: None,
        };
        manifest.validate().unwrap();
        let styles: Vec<String> = manifest
            .ballot_styles
            .iter()
            .map(|s| s.id.clone())
            .collect();
        let voters = (0..options.voters)
            .map(|i| Voter {
                secret: SecretCredential::generate_with_rng(&mut rng),
                style: styles[i % styles.len()].clone(),
                name: format!("Member {i}"),
                email: format!("member{i}@example.org"),
            })
            .collect();
        TestElection {
            id: options.id.clone(),
            manifest_leaf: BoardMessage::Manifest(manifest.clone()).to_leaf(),
            manifest,
            board_key,
            authority,
            trustees,
            dealings: Vec::new(),
            complaints: Vec::new(),
            election: None,
            outcome: None,
            voters,
            rng,
        }
    }

    /// Everything up to an open election: create, key ceremony, roll (if
    /// asked), credential list, open.
    pub async fn build<S: Store>(app: &App<S>, options: &Options) -> Self {
        let e = Self::ready(app, options).await;
        e.open(app).await;
        e
    }

    /// Everything up to the published credential list (phase `ready`).
    pub async fn ready<S: Store>(app: &App<S>, options: &Options) -> Self {
        let mut e = Self::new(app, options).await;
        e.create(app).await;
        e.ceremony(app).await;
        if options.roll {
            e.import_roll(app).await;
        }
        e.publish_credentials(app).await;
        e
    }

    /// `/api/elections/{id}{suffix}`.
    pub fn path(&self, suffix: &str) -> String {
        format!("/api/elections/{}{suffix}", self.id)
    }

    /// `/api/admin/elections/{id}{suffix}`.
    pub fn admin_path(&self, suffix: &str) -> String {
        format!("/api/admin/elections/{}{suffix}", self.id)
    }

    /// The election as voters see it (after the key ceremony).
    pub fn election(&self) -> &Election {
        self.election.as_ref().expect("the key ceremony has run")
    }

    /// `POST /api/admin/elections`.
    pub async fn create<S: Store>(&self, app: &App<S>) {
        let body = app
            .call(Method::POST, "/api/admin/elections")
            .admin()
            .json(&self.manifest)
            .send()
            .await
            .ok(201)
            .json();
        assert_eq!(body, json!({"election_id": self.id, "leaf_index": 0}));
        let inclusion = app.get_json(&self.path("/board/inclusion?index=0")).await;
        assert_eq!(
            inclusion["leaf_hash"],
            hex::encode(leaf_hash(&self.manifest_leaf)),
            "leaf 0 is the manifest's canonical leaf"
        );
    }

    /// A trustee message signed by trustee `position + 1`.
    pub fn signed<T: serde::Serialize>(
        &self,
        position: usize,
        kind: &str,
        message: T,
    ) -> TrusteeSigned<T> {
        let t = &self.trustees[position];
        TrusteeSigned::sign(&self.id, kind, t.index, message, &t.signing).unwrap()
    }

    /// Every trustee deals (round 1); the signed messages, not posted.
    pub fn deal(&mut self) -> Vec<BoardMessage> {
        let params = self.manifest.params().unwrap();
        let ceremony = ceremony_fingerprint(&self.manifest_leaf);
        let roster = self.manifest.roster();
        let mut messages = Vec::new();
        self.dealings.clear();
        for position in 0..self.trustees.len() {
            let t = &self.trustees[position];
            let (dealt, dealing) = Dealer::deal_with_rng(
                ceremony,
                params,
                t.index,
                t.keys.clone(),
                roster.clone(),
                &mut self.rng,
            )
            .unwrap();
            self.trustees[position].dealt = Some(dealt);
            self.dealings.push(dealing.clone());
            messages.push(BoardMessage::TrusteeDealing(self.signed(
                position,
                "trustee-dealing",
                dealing,
            )));
        }
        messages
    }

    /// Every trustee checks the dealings (round 2); the signed complaints
    /// messages, not posted.
    pub fn complain(&mut self) -> Vec<BoardMessage> {
        let mut messages = Vec::new();
        self.complaints.clear();
        for position in 0..self.trustees.len() {
            let dealt = self.trustees[position].dealt.take().unwrap();
            let (checked, complaints) = dealt.receive(&self.dealings, &mut self.rng).unwrap();
            self.trustees[position].checked = Some(checked);
            self.complaints.push(complaints.clone());
            messages.push(BoardMessage::TrusteeComplaints(self.signed(
                position,
                "trustee-complaints",
                complaints,
            )));
        }
        messages
    }

    /// `POST …/trustees/messages`.
    pub async fn post<S: Store>(&self, app: &App<S>, message: &BoardMessage) -> TestResponse {
        app.call(Method::POST, self.path("/trustees/messages"))
            .json(message)
            .send()
            .await
    }

    /// The key ceremony through the API: dealings, then complaints; then
    /// the election key the server published, and each trustee's share.
    pub async fn ceremony<S: Store>(&mut self, app: &App<S>) {
        for message in self.deal() {
            self.post(app, &message).await.ok(201);
        }
        for message in self.complain() {
            self.post(app, &message).await.ok(201);
        }
        self.finish_ceremony(app).await;
    }

    /// Reads the published election key and finishes each trustee's share.
    pub async fn finish_ceremony<S: Store>(&mut self, app: &App<S>) {
        let view = app.get_json(&self.path("")).await;
        assert_eq!(view["phase"], "credentials");
        let key: ElectionKey = serde_json::from_value(view["election_key"].clone()).unwrap();
        for t in &mut self.trustees {
            let (share, outcome) = t
                .checked
                .take()
                .unwrap()
                .finish(&self.dealings, &self.complaints)
                .unwrap();
            assert_eq!(outcome.joint_key, key.joint_key);
            t.share = Some(share);
            self.outcome = Some(outcome);
        }
        let election =
            Election::new(self.manifest.clone(), &self.manifest_leaf, key.joint_key).unwrap();
        assert_eq!(election.fingerprint, key.fingerprint);
        self.election = Some(election);
    }

    /// The roll of the voters as CSV.
    pub fn roll_csv(&self) -> String {
        let mut csv = String::from("name,email,style\n");
        for v in &self.voters {
            csv.push_str(&format!("{},{},{}\n", v.name, v.email, v.style));
        }
        csv
    }

    /// `PUT …/roll` with the voters.
    pub async fn import_roll<S: Store>(&self, app: &App<S>) -> Value {
        app.call(Method::PUT, self.admin_path("/roll"))
            .admin()
            .body("text/csv", self.roll_csv())
            .send()
            .await
            .ok(200)
            .json()
    }

    /// The voters' public credentials, signed by the authority.
    pub fn credential_list(&self) -> CredentialList {
        let entries = self
            .voters
            .iter()
            .map(|v| CredentialEntry {
                credential: v.secret.public(&self.id),
                style: v.style.clone(),
            })
            .collect();
        CredentialList::sign(&self.id, entries, &self.authority).unwrap()
    }

    /// `POST …/credential-list`.
    pub async fn publish_credentials<S: Store>(&self, app: &App<S>) -> u64 {
        let body = app
            .call(Method::POST, self.path("/credential-list"))
            .json(&self.credential_list())
            .send()
            .await
            .ok(201)
            .json();
        body["leaf_index"].as_u64().unwrap()
    }

    /// `POST …/open`.
    pub async fn open<S: Store>(&self, app: &App<S>) -> u64 {
        let body = app
            .call(Method::POST, self.admin_path("/open"))
            .admin()
            .send()
            .await
            .ok(201)
            .json();
        body["leaf_index"].as_u64().unwrap()
    }

    /// `POST …/close`.
    pub async fn close<S: Store>(&self, app: &App<S>) -> u64 {
        let body = app
            .call(Method::POST, self.admin_path("/close"))
            .admin()
            .send()
            .await
            .ok(201)
            .json();
        body["leaf_index"].as_u64().unwrap()
    }

    /// A voter's public credential in hex.
    pub fn credential_hex(&self, voter: usize) -> String {
        hex::encode(self.voters[voter].secret.public(&self.id).as_bytes())
    }

    /// Voter `voter`'s ballot with the `k`-th choices; also the choices.
    pub fn ballot(&mut self, voter: usize, k: usize) -> (Ballot, Vec<Vec<usize>>) {
        let style = self.voters[voter].style.clone();
        let layout = self.election().layout(&style).unwrap().clone();
        let choices = choices(&layout, k);
        (self.ballot_with(voter, &style, &choices), choices)
    }

    /// Voter `voter`'s ballot of `style` with `choices`, signed to cast.
    pub fn ballot_with(&mut self, voter: usize, style: &str, choices: &[Vec<usize>]) -> Ballot {
        let secret = self.voters[voter].secret.clone();
        self.ballot_by(&secret, style, choices)
    }

    /// A ballot of `style` encrypted and signed with any secret credential
    /// (listed or not).
    pub fn ballot_by(
        &mut self,
        secret: &SecretCredential,
        style: &str,
        choices: &[Vec<usize>],
    ) -> Ballot {
        let election = self.election.as_ref().unwrap();
        encrypt_ballot_with_rng(election, secret, style, choices, &mut self.rng)
            .unwrap()
            .cast(secret, &self.id)
    }

    /// The ballot signed for casting in this election by `secret`, whatever
    /// it holds (the signature covers the tracking code).
    pub fn resign(&self, mut ballot: Ballot, secret: &SecretCredential) -> Ballot {
        let code = ballot.tracking_code();
        ballot.signature = sign(&secret.signing_key(&self.id), domain::BALLOT_CAST, &code.0);
        ballot
    }

    /// Voter `voter`'s audited ballot with the `k`-th choices.
    pub fn audited(&mut self, voter: usize, k: usize) -> (AuditedBallot, Vec<Vec<usize>>) {
        let election = self.election.as_ref().unwrap();
        let v = &self.voters[voter];
        let layout = election.layout(&v.style).unwrap();
        let choices = choices(layout, k);
        let audited =
            encrypt_ballot_with_rng(election, &v.secret, &v.style, &choices, &mut self.rng)
                .unwrap()
                .audit(&v.secret, &self.id);
        (audited, choices)
    }

    /// `POST …/ballots`.
    pub async fn send_ballot<S: Store>(&self, app: &App<S>, ballot: &Ballot) -> TestResponse {
        app.call(Method::POST, self.path("/ballots"))
            .json(ballot)
            .send()
            .await
    }

    /// Casts a new ballot: 201 and a receipt that verifies.
    pub async fn cast<S: Store>(&self, app: &App<S>, ballot: &Ballot) -> Receipt {
        let receipt: Receipt = self.send_ballot(app, ballot).await.ok(201).parse();
        receipt.verify(&self.board_key).unwrap();
        assert!(receipt.matches_ballot(ballot));
        assert_eq!(receipt.election_id, self.id);
        receipt
    }

    /// `POST …/tally`; the published encrypted tally.
    pub async fn tally<S: Store>(&self, app: &App<S>) -> EncryptedTally {
        let body = app
            .call(Method::POST, self.admin_path("/tally"))
            .admin()
            .send()
            .await
            .ok(201)
            .json();
        let index = body["leaf_index"].as_u64().unwrap();
        match self.leaf(app, index).await {
            BoardMessage::Tally(tally) => tally,
            other => panic!("leaf {index} is a {}", other.kind()),
        }
    }

    /// Leaf `index` from `GET …/board/leaves`.
    pub async fn leaf<S: Store>(&self, app: &App<S>, index: u64) -> BoardMessage {
        let page = app
            .get_json(&self.path(&format!("/board/leaves?start={index}&end={}", index + 1)))
            .await;
        serde_json::from_value(page["leaves"][0].clone()).unwrap()
    }

    /// Trustee `position + 1`'s signed decryption of the tally.
    pub fn decryption(&mut self, position: usize, tally: &EncryptedTally) -> BoardMessage {
        let election = self.election.as_ref().unwrap();
        let share = self.trustees[position].share.as_ref().unwrap();
        let decryption = TallyDecryption::compute_with_rng(election, share, tally, &mut self.rng);
        BoardMessage::TallyDecryption(self.signed(position, "tally-decryption", decryption))
    }

    /// `POST …/publish`; the result.
    pub async fn publish<S: Store>(&self, app: &App<S>) -> ElectionResult {
        let body = app
            .call(Method::POST, self.admin_path("/publish"))
            .admin()
            .send()
            .await
            .ok(201)
            .json();
        serde_json::from_value(body["result"].clone()).unwrap()
    }

    /// `GET …/record`, checked by `psephos-verify`'s library.
    pub async fn verify_record<S: Store>(&self, app: &App<S>) -> Report {
        let response = app
            .call(Method::GET, self.path("/record"))
            .send()
            .await
            .ok(200);
        assert_eq!(
            response.header("content-type"),
            Some("application/x-ndjson")
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &response.body).unwrap();
        let (report, _) = tokio::task::spawn_blocking(move || {
            verify_file(file.path(), &VerifyOptions::default())
        })
        .await
        .unwrap()
        .unwrap();
        report
    }
}
