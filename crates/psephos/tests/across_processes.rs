//! A whole election with every party as its own OS process, talking only
//! over HTTP, SMTP and files (issue 5, "A full election across
//! processes"):
//!
//! - the administrator: `psephos admin init`, then the admin API over HTTP
//!   (as an administrator's script would);
//! - the voting service: `psephos serve` on its SQLite file;
//! - three trustees: `psephos-trustee init | public | keygen | decrypt`
//!   (the key ceremony as three concurrent processes; two decrypt, the
//!   third stays away);
//! - the credential authority: `psephos credentials keygen | generate` and
//!   `psephos invite send` to the test's SMTP server;
//! - the voters: the test itself, as the booth does, from the links found
//!   in the mails (one revotes);
//! - anyone: `psephos-verify` on the downloaded election record.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use common::smtp_sink::{Mail, SmtpSink};
use psephos_election::ballot::{Ballot, TrackingCode};
use psephos_election::board::messages::{BoardMessage, ElectionKey};
use psephos_election::credentials::VotingLink;
use psephos_election::election::Election;
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, Question, QuestionRule, TrusteeEntry, TrusteePanel,
    VotingWindow, MANIFEST_VERSION,
};
use psephos_election::receipt::Receipt;
use psephos_election::signing::PublicSigningKey;
use psephos_election::tally::ElectionResult;
use psephos_election::voter::encrypt_ballot_with_rng;
use rand_core::OsRng;
use serde::de::DeserializeOwned;
use serde::Deserialize;

const ELECTION: &str = "across-processes-2026";
const PASSPHRASE: &str = "correct horse battery staple (test only)";
const TRUSTEES: u32 = 3;
const THRESHOLD: u32 = 2;
/// The roll: name, email, style.
const MEMBERS: [(&str, &str, &str); 5] = [
    ("Ada Lovelace", "ada@example.org", "north"),
    ("Alan Turing", "alan@example.org", "south"),
    ("Grace Hopper", "grace@example.org", "north"),
    ("Edsger Dijkstra", "edsger@example.org", "south"),
    ("Barbara Liskov", "barbara@example.org", "north"),
];

/// Serialises building the binaries, should several tests need them.
static BUILD: Mutex<()> = Mutex::new(());

/// The path of a workspace binary beside `psephos`, built once if missing.
fn binary(name: &str) -> PathBuf {
    let psephos = PathBuf::from(env!("CARGO_BIN_EXE_psephos"));
    let path = psephos.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let _guard = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "-p",
                "psephos",
                "-p",
                "psephos-trustee",
                "-p",
                "psephos-verifier",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("running cargo build");
        assert!(status.success(), "cargo build of the binaries failed");
    }
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// Describes a finished child for an assertion message.
fn describe(what: &str, output: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs a command to its end; it must exit 0. Returns its stdout.
fn run(what: &str, command: &mut Command) -> String {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    assert!(output.status.success(), "{}", describe(what, &output));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn json<T: DeserializeOwned>(what: &str, text: &str) -> T {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: not the JSON expected: {e}\n{text}"))
}

/// The `psephos serve` child, killed when dropped (also on panic).
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The administrator's (and the voters') HTTP client.
struct Api {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Api {
    fn new(base: &str, token: &str) -> Api {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        Api {
            agent: ureq::Agent::new_with_config(config),
            base: base.to_string(),
            token: token.to_string(),
        }
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Sends a request; returns the status and the body.
    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<(u16, Vec<u8>), ureq::Error> {
        let url = format!("{}{path}", self.base);
        let admin = path.starts_with("/api/admin/");
        let mut response = match method {
            "GET" => {
                let mut request = self.agent.get(&url);
                if admin {
                    request = request.header("Authorization", self.auth());
                }
                request.call()?
            }
            _ => {
                let mut request = if method == "PUT" {
                    self.agent.put(&url)
                } else {
                    self.agent.post(&url)
                };
                if admin {
                    request = request.header("Authorization", self.auth());
                }
                match body {
                    Some((content_type, bytes)) => {
                        request.content_type(content_type).send(bytes)?
                    }
                    None => request.send_empty()?,
                }
            }
        };
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()?;
        Ok((status, bytes))
    }

    /// A request whose answer must have status `expect`; returns the body.
    fn expect(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
        expect: u16,
        server: &Server,
    ) -> Vec<u8> {
        let (status, bytes) = self.send(method, path, body).unwrap_or_else(|e| {
            panic!("{method} {path}: {e}\n--- server log ---\n{}", server.log())
        });
        assert_eq!(
            status,
            expect,
            "{method} {path}: {}\n--- server log ---\n{}",
            String::from_utf8_lossy(&bytes),
            server.log()
        );
        bytes
    }

    fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
        expect: u16,
        server: &Server,
    ) -> T {
        let bytes = self.expect(method, path, body, expect, server);
        json(
            &format!("{method} {path}"),
            &String::from_utf8_lossy(&bytes),
        )
    }
}

#[derive(Deserialize)]
struct ServerInfo {
    board_key: PublicSigningKey,
}

#[derive(Deserialize)]
struct ElectionView {
    manifest: Manifest,
    election_key: Option<ElectionKey>,
    board_key: PublicSigningKey,
}

#[derive(Deserialize)]
struct VoterView {
    style: String,
}

#[derive(Deserialize)]
struct Published {
    result: ElectionResult,
}

fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Two referendum questions for everyone and a choose-1 delegate question
/// per region: two ballot styles.
fn questions_and_styles() -> (Vec<Question>, Vec<BallotStyle>) {
    let mut questions = vec![
        Question {
            id: "constitution".into(),
            text: "Adopt the revised constitution?".into(),
            rule: QuestionRule::Referendum,
        },
        Question {
            id: "dues".into(),
            text: "Raise annual dues by 3%?".into(),
            rule: QuestionRule::Referendum,
        },
    ];
    let mut styles = Vec::new();
    for (region, candidates) in [
        ("north", ["amara", "bjorn", "chiara"]),
        ("south", ["dev", "elena", "farid"]),
    ] {
        let id = format!("delegate-{region}");
        questions.push(Question {
            id: id.clone(),
            text: format!("Delegate for the {region} region?"),
            rule: QuestionRule::Choose {
                options: candidates
                    .iter()
                    .map(|c| OptionEntry {
                        id: (*c).into(),
                        label: c.to_uppercase(),
                    })
                    .collect(),
                min: 1,
                max: 1,
            },
        });
        styles.push(BallotStyle {
            id: region.into(),
            name: region.to_uppercase(),
            questions: vec!["constitution".into(), "dues".into(), id],
        });
    }
    (questions, styles)
}

/// The text body of a mail.
fn text_body(mail: &Mail) -> String {
    let parsed = mailparse::parse_mail(mail.data.as_bytes()).expect("a parsable mail");
    if parsed.subparts.is_empty() {
        return parsed.get_body().unwrap();
    }
    parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/plain")
        .expect("a text/plain part")
        .get_body()
        .unwrap()
}

#[test]
fn a_whole_election_with_every_party_in_its_own_process() {
    let started = Instant::now();
    let mut timings: Vec<(&str, Duration)> = Vec::new();
    let mut lap = Instant::now();
    let mut step = |name: &'static str, timings: &mut Vec<(&str, Duration)>| {
        timings.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    let psephos = binary("psephos");
    let trustee_bin = binary("psephos-trustee");
    let verify_bin = binary("psephos-verify");
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let file = |name: &str| dir.join(name);
    step("binaries", &mut timings);

    // The administrator sets up the service.
    let db = file("psephos.db");
    let token = run(
        "psephos admin init",
        Command::new(&psephos)
            .arg("admin")
            .arg("init")
            .arg("--db")
            .arg(&db),
    )
    .trim()
    .to_string();
    assert!(!token.is_empty() && !token.contains(char::is_whitespace));
    let port = free_port();
    let log = file("serve.log");
    let server = Server {
        child: Command::new(&psephos)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(&db)
            .args(["--per-client-per-second", "2000"])
            .env_remove("PSEPHOS_ADMIN_TOKEN")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(fs::File::create(file("serve.out")).unwrap())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("starting psephos serve"),
        log,
    };
    let base = format!("http://127.0.0.1:{port}");
    let api = Api::new(&base, &token);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((200, _)) = api.send("GET", "/healthz", None) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "psephos serve did not become healthy\n{}",
            server.log()
        );
        thread::sleep(Duration::from_millis(50));
    }
    step("server up", &mut timings);

    // Each trustee makes their key file and gives the administrator their
    // manifest entry.
    let key = |i: u32| file(&format!("trustee-{i}.key"));
    let trustee = || {
        let mut command = Command::new(&trustee_bin);
        command.env("PSEPHOS_TRUSTEE_PASSPHRASE", PASSPHRASE);
        command
    };
    let entries: Vec<TrusteeEntry> = (1..=TRUSTEES)
        .map(|i| {
            run(
                "psephos-trustee init",
                trustee()
                    .args(["init", "--election", ELECTION, "--out"])
                    .arg(key(i)),
            );
            let out = run(
                "psephos-trustee public",
                trustee()
                    .args(["--json", "public", "--index", &i.to_string(), "--name"])
                    .arg(format!("Trustee {i}"))
                    .arg("--key")
                    .arg(key(i)),
            );
            let value: serde_json::Value = json("psephos-trustee public", &out);
            serde_json::from_value(value["entry"].clone()).expect("a trustee entry")
        })
        .collect();

    // The credential authority makes its key.
    let authority_key = file("authority.key");
    let out = run(
        "psephos credentials keygen",
        Command::new(&psephos)
            .args(["credentials", "keygen", "--json", "--out"])
            .arg(&authority_key),
    );
    let value: serde_json::Value = json("psephos credentials keygen", &out);
    let authority_public: PublicSigningKey =
        serde_json::from_value(value["public_key"].clone()).expect("the authority's public key");
    step("parties' keys", &mut timings);

    // The administrator writes and posts the manifest.
    let info: ServerInfo = api.call("GET", "/api/admin/server", None, 200, &server);
    let now = SystemTime::now();
    let (questions, ballot_styles) = questions_and_styles();
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: ELECTION.into(),
        organisation: "Test Members' Association".into(),
        title: "Election across processes".into(),
        voting_window: VotingWindow {
            opens: timestamp(now),
            closes: timestamp(now + Duration::from_secs(3600)),
        },
        trustees: TrusteePanel {
            threshold: THRESHOLD,
            members: entries,
        },
        board_key: info.board_key,
        credential_authority_key: authority_public,
        questions,
        ballot_styles,
        booth_hash: None,
    };
    manifest.validate().expect("a valid manifest");
    let manifest_json = serde_json::to_vec_pretty(&manifest).unwrap();
    let manifest_path = file("manifest.json");
    fs::write(&manifest_path, &manifest_json).unwrap();
    api.expect(
        "POST",
        "/api/admin/elections",
        Some(("application/json", &manifest_json)),
        201,
        &server,
    );

    // The key ceremony: the three trustees at once, each its own process.
    let ceremony: Vec<Child> = (1..=TRUSTEES)
        .map(|i| {
            trustee()
                .args([
                    "--json",
                    "keygen",
                    "--server",
                    &base,
                    "--election",
                    ELECTION,
                ])
                .args(["--wait", "120s", "--poll", "200ms", "--key"])
                .arg(key(i))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starting psephos-trustee keygen")
        })
        .collect();
    let fingerprints: Vec<String> = ceremony
        .into_iter()
        .zip(1..)
        .map(|(child, i)| {
            let output = child.wait_with_output().unwrap();
            let what = format!("psephos-trustee keygen (trustee {i})");
            assert!(output.status.success(), "{}", describe(&what, &output));
            let report: serde_json::Value = json(&what, &String::from_utf8_lossy(&output.stdout));
            assert_eq!(report["complete"], true, "{what}: {report}");
            report["joint_key_fingerprint"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: no joint key fingerprint: {report}"))
                .to_string()
        })
        .collect();
    assert!(
        fingerprints.iter().all(|f| *f == fingerprints[0]),
        "the trustees read different joint keys: {fingerprints:?}"
    );
    step("key ceremony", &mut timings);

    // The roll, the credentials, the list, and voting opens.
    let mut csv = String::from("name,email,style\n");
    for (name, email, style) in MEMBERS {
        csv.push_str(&format!("{name},{email},{style}\n"));
    }
    let roll = file("roll.csv");
    fs::write(&roll, &csv).unwrap();
    let admin = format!("/api/admin/elections/{ELECTION}");
    let public = format!("/api/elections/{ELECTION}");
    api.expect(
        "PUT",
        &format!("{admin}/roll"),
        Some(("text/csv", csv.as_bytes())),
        200,
        &server,
    );
    let list = file("credential-list.json");
    let links = file("voting-links.jsonl");
    run(
        "psephos credentials generate",
        Command::new(&psephos)
            .args(["credentials", "generate", "--quiet", "--base-url", &base])
            .arg("--manifest")
            .arg(&manifest_path)
            .arg("--roll")
            .arg(&roll)
            .arg("--key")
            .arg(&authority_key)
            .arg("--list-out")
            .arg(&list)
            .arg("--links-out")
            .arg(&links),
    );
    let list_json = fs::read(&list).unwrap();
    api.expect(
        "POST",
        &format!("{public}/credential-list"),
        Some(("application/json", &list_json)),
        201,
        &server,
    );
    api.expect("POST", &format!("{admin}/open"), None, 201, &server);
    step("credentials", &mut timings);

    // The authority mails the links to the test's SMTP server.
    let sink = SmtpSink::start();
    run(
        "psephos invite send",
        Command::new(&psephos)
            .args(["invite", "send", "--quiet", "--smtp-host", "127.0.0.1"])
            .args([
                "--smtp-port",
                &sink.port().to_string(),
                "--smtp-tls",
                "none",
            ])
            .args(["--from", "Elections <elections@example.org>"])
            .args(["--retry-delay", "1s"])
            .arg("--manifest")
            .arg(&manifest_path)
            .arg("--links")
            .arg(&links)
            .env_remove("PSEPHOS_SMTP_PASSWORD"),
    );
    let mails = sink.mails();
    assert_eq!(mails.len(), MEMBERS.len(), "one mail per member");
    let mut link_of: BTreeMap<String, String> = BTreeMap::new();
    let prefix = format!("{base}/vote#");
    for mail in &mails {
        assert_eq!(mail.to.len(), 1, "one recipient per mail");
        assert!(mail.from.contains("elections@example.org"));
        let body = text_body(mail);
        let found: Vec<&str> = body
            .split_whitespace()
            .filter(|w| w.starts_with(&prefix))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one link in the mail to {:?}:\n{body}",
            mail.to
        );
        let previous = link_of.insert(mail.to[0].to_lowercase(), found[0].to_string());
        assert!(previous.is_none(), "two mails to {}", mail.to[0]);
    }
    step("invitations", &mut timings);

    // The voters, as the booth: fetch the election, encrypt, sign, cast.
    let view: ElectionView = api.call("GET", &public, None, 200, &server);
    let leaf = BoardMessage::Manifest(view.manifest.clone()).to_leaf();
    let election_key = view
        .election_key
        .expect("the election key after the ceremony");
    let election =
        Election::new(view.manifest, &leaf, election_key.joint_key).expect("the election");
    let mut expected: BTreeMap<String, Vec<Vec<u64>>> = election
        .layouts
        .iter()
        .map(|l| {
            let counts = l.questions.iter().map(|q| vec![0; q.options]).collect();
            (l.id.clone(), counts)
        })
        .collect();
    // Everyone once, then the first member again with other choices.
    let mut order: Vec<(usize, usize)> = (0..MEMBERS.len()).map(|k| (k, k)).collect();
    order.push((0, 1));
    let mut last: Vec<Option<(String, Vec<Vec<usize>>)>> = vec![None; MEMBERS.len()];
    let mut previous: Vec<Option<TrackingCode>> = vec![None; MEMBERS.len()];
    for (k, seed) in order {
        let (name, email, style) = MEMBERS[k];
        let link = VotingLink::parse(&link_of[email]).expect("a voting link");
        assert_eq!(link.election_id, ELECTION);
        let credential = serde_json::to_value(link.credential.public(ELECTION)).unwrap();
        let voter: VoterView = api.call(
            "GET",
            &format!("{public}/voters/{}", credential.as_str().unwrap()),
            None,
            200,
            &server,
        );
        assert_eq!(voter.style, style, "{name}'s ballot style");
        let layout = election
            .layouts
            .iter()
            .find(|l| l.id == voter.style)
            .expect("the voter's style");
        let choices: Vec<Vec<usize>> = layout
            .questions
            .iter()
            .enumerate()
            .map(|(q, question)| {
                assert!(question.sums.contains(&1), "one choice is allowed");
                vec![(seed + q) % question.options]
            })
            .collect();
        let ballot: Ballot = encrypt_ballot_with_rng(
            &election,
            &link.credential,
            &voter.style,
            &choices,
            &mut OsRng,
        )
        .expect("encrypting a ballot")
        .cast(&link.credential, ELECTION);
        let body = serde_json::to_vec(&ballot).unwrap();
        let receipt: Receipt = api.call(
            "POST",
            &format!("{public}/ballots"),
            Some(("application/json", &body)),
            201,
            &server,
        );
        receipt.verify(&view.board_key).expect("a valid receipt");
        assert!(receipt.matches_ballot(&ballot));
        assert_eq!(receipt.supersedes, previous[k], "{name}'s receipt");
        previous[k] = Some(receipt.tracking_code);
        last[k] = Some((voter.style, choices));
    }
    assert!(previous[0].is_some());
    for (style, choices) in last.into_iter().flatten() {
        let counts = expected.get_mut(&style).unwrap();
        for (counts, chosen) in counts.iter_mut().zip(&choices) {
            for &option in chosen {
                counts[option] += 1;
            }
        }
    }
    step("voting", &mut timings);

    // Close, tally; trustees 1 and 2 decrypt, trustee 3 stays away.
    api.expect("POST", &format!("{admin}/close"), None, 201, &server);
    api.expect("POST", &format!("{admin}/tally"), None, 201, &server);
    let decrypting: Vec<Child> = (1..=THRESHOLD)
        .map(|i| {
            trustee()
                .args(["decrypt", "--server", &base, "--election", ELECTION])
                .args(["--wait", "120s", "--poll", "200ms", "--key"])
                .arg(key(i))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starting psephos-trustee decrypt")
        })
        .collect();
    for (child, i) in decrypting.into_iter().zip(1..) {
        let output = child.wait_with_output().unwrap();
        let what = format!("psephos-trustee decrypt (trustee {i})");
        assert!(output.status.success(), "{}", describe(&what, &output));
    }
    let published: Published = api.call("POST", &format!("{admin}/publish"), None, 201, &server);
    let result = published.result;
    let decrypted_by: Vec<u32> = result.decrypted_by.iter().map(|i| i.get()).collect();
    assert_eq!(decrypted_by, [1, 2]);
    assert_eq!(result.styles.len(), expected.len());
    for style in &result.styles {
        let got: Vec<Vec<u64>> = style.questions.iter().map(|q| q.counts.clone()).collect();
        assert_eq!(got, expected[&style.style], "style {}", style.style);
    }
    step("tally", &mut timings);

    // Anyone downloads the record and verifies it.
    let record = file("record.jsonl");
    let bytes = api.expect("GET", &format!("{public}/record"), None, 200, &server);
    fs::write(&record, bytes).unwrap();
    run(
        "psephos-verify",
        Command::new(&verify_bin).arg("--quiet").arg(&record),
    );
    step("verify", &mut timings);

    drop(server);
    eprintln!(
        "whole election across processes in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        timings
            .iter()
            .map(|(name, d)| format!("{name} {:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
