//! `psephos demo`: the whole service on one machine with a sample election.
//!
//! The real server runs in this process on the embedded SQLite store, and
//! every other party talks to it over the real HTTP API (spec/api.md) with
//! its own library code, as it would from its own machine:
//!
//! 1. the administrator creates a manifest naming the server's board key,
//!    three trustees (any two decrypt) and a credential authority;
//! 2. the trustees, one thread each, run the key ceremony with the trustee
//!    library (`psephos_trustee::keygen`) against the board;
//! 3. the administrator imports the member roll; the credential authority
//!    (`psephos_authority`) issues one credential per member, uploads the
//!    signed list and hands out the personal voting links; voting opens;
//! 4. members vote in the browser with their links (or, with
//!    `--auto-vote`, the demo casts real encrypted ballots for them,
//!    including one revote);
//! 5. when asked, voting closes, the server computes the encrypted tally,
//!    two trustees recount and decrypt it (`psephos_trustee::decrypt`; the
//!    third stays away to show the threshold), the result is published,
//!    and the election record is downloaded and checked by the verifier.
//!
//! The keys of every party are generated here and kept in the demo
//! directory, which real parties never do: it is a demonstration.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use indicatif::ProgressBar;
use psephos_authority::generate::issue_credentials_with_rng;
use psephos_authority::keys::AuthorityKey;
use psephos_authority::links::{write_links, PersonalLink};
use psephos_authority::AuthorityError;
use psephos_crypto::encoding::to_hex;
use psephos_election::ballot::{Ballot, TrackingCode};
use psephos_election::board::merkle::leaf_hash;
use psephos_election::board::messages::{BoardMessage, ElectionKey};
use psephos_election::credentials::VotingLink;
use psephos_election::election::Election;
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, Question, QuestionRule, TrusteePanel, VotingWindow,
    MANIFEST_VERSION,
};
use psephos_election::receipt::Receipt;
use psephos_election::roll::parse_roll;
use psephos_election::signing::PublicSigningKey;
use psephos_election::tally::ElectionResult;
use psephos_election::voter::encrypt_ballot_with_rng;
use psephos_server::error::StoreError;
use psephos_server::serve::{serve_store, shutdown_signal, ServeError};
use psephos_server::state::new_admin_token;
use psephos_server::store::SqliteStore;
use psephos_server::ServerConfig;
use psephos_trustee::decrypt::decrypt;
use psephos_trustee::http::HttpBoard;
use psephos_trustee::keygen::keygen;
use psephos_trustee::keys::TrusteeKeys;
use psephos_trustee::progress::Observer;
use psephos_trustee::sealed::{KdfParams, Passphrase, Vault};
use psephos_trustee::session::WaitOptions;
use psephos_trustee::state::default_state_path;
use psephos_trustee::TrusteeError;
use psephos_verifier::{verify_file, Report, VerifyOptions};
use rand_core::{OsRng, RngCore};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::net::TcpListener;
use zeroize::Zeroizing;

/// Trustees in the demo.
pub const TRUSTEES: u32 = 3;
/// Trustees needed to decrypt.
pub const THRESHOLD: u32 = 2;
/// The passphrase of the demo trustees' key files. A real trustee chooses
/// their own and tells nobody.
pub const DEMO_PASSPHRASE: &str = "psephos demo only";
/// Marks a directory as made by `psephos demo`, so that a fresh run may
/// empty it.
const MARKER: &str = ".psephos-demo";
/// The regions of the sample organisation: one ballot style each.
const REGIONS: [(&str, &str, [&str; 3]); 2] = [
    (
        "north",
        "North",
        ["Amara Okafor", "Bjorn Lindqvist", "Chiara Russo"],
    ),
    (
        "south",
        "South",
        ["Dev Patel", "Elena Petrova", "Farid Haddad"],
    ),
];
/// Sample members (the roll goes on with `Member 13`, … past these).
const NAMES: [&str; 12] = [
    "Ada Lovelace",
    "Alan Turing",
    "Grace Hopper",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "Tony Hoare",
    "Margaret Hamilton",
    "John Backus",
    "Radia Perlman",
    "Ken Thompson",
];

/// `psephos demo`.
#[derive(clap::Args, Clone, Debug)]
pub struct DemoArgs {
    /// Directory for the demo's database, keys, links and record. Emptied
    /// at start (only if `psephos demo` made it) unless --keep.
    #[arg(long, default_value = "psephos-demo")]
    pub dir: PathBuf,
    /// The SQLite database, relative to --dir.
    #[arg(long, default_value = "psephos-demo.db")]
    pub db: PathBuf,
    /// Address to serve on (port 0: any free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Members on the sample roll.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub members: u32,
    /// Keep the directory and database of earlier runs (a new election is
    /// added beside the old ones).
    #[arg(long)]
    pub keep: bool,
    /// Tally without waiting for Enter.
    #[arg(long)]
    pub auto: bool,
    /// Cast a random ballot for every member (and one revote) over HTTP,
    /// then tally without waiting for Enter.
    #[arg(long)]
    pub auto_vote: bool,
    /// Stop once the result is published and verified, instead of serving
    /// until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
    /// Print a machine-readable summary on stdout at the end (the narration
    /// goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// No narration.
    #[arg(long, short)]
    pub quiet: bool,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            dir: PathBuf::from("psephos-demo"),
            db: PathBuf::from("psephos-demo.db"),
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            members: 5,
            keep: false,
            auto: false,
            auto_vote: false,
            exit: false,
            json: false,
            quiet: false,
        }
    }
}

/// Why the demo stopped.
#[derive(Debug, Error)]
pub enum DemoError {
    /// The arguments or the demo directory cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A file or directory could not be made, read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Opening or migrating the SQLite store failed.
    #[error("opening the store: {0}")]
    Store(#[from] StoreError),
    /// The server stopped with an error.
    #[error("the server failed: {0}")]
    Serve(#[from] ServeError),
    /// The server answered a request with an unexpected status.
    #[error("{what}: the server answered HTTP {status}: {body}")]
    Http {
        /// The request.
        what: String,
        /// The status received.
        status: u16,
        /// The body received (the API's JSON error).
        body: String,
    },
    /// A request could not be sent, or its answer could not be read.
    #[error("{what}: {reason}")]
    Transport {
        /// The request.
        what: String,
        /// What failed.
        reason: String,
    },
    /// A trustee's key ceremony or decryption failed.
    #[error("trustee {trustee}: {source}")]
    Trustee {
        /// The trustee's index.
        trustee: u32,
        /// What the trustee library said.
        #[source]
        source: TrusteeError,
    },
    /// The credential authority failed.
    #[error("credential authority: {0}")]
    Authority(#[from] AuthorityError),
    /// A protocol object could not be built, or the server's does not check.
    #[error("{0}")]
    Protocol(String),
    /// The published result is not the sum of the ballots the demo cast.
    #[error("the published result differs from the ballots cast: {0}")]
    Mismatch(String),
    /// The verifier could not read the downloaded record.
    #[error("verifying the record {}: {reason}", path.display())]
    Record {
        /// The record file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The downloaded record does not verify.
    #[error("the election record does not verify: {0}")]
    NotVerified(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DemoError {
    let what = what.into();
    move |source| DemoError::Io { what, source }
}

fn protocol(what: &str) -> impl Fn(String) -> DemoError + '_ {
    move |reason| DemoError::Protocol(format!("{what}: {reason}"))
}

/// One member of the sample roll with their personal voting link.
#[derive(Clone, Serialize)]
pub struct DemoMember {
    /// Name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Ballot style (region).
    pub style: String,
    /// The personal voting link (secret: it carries the member's credential).
    pub link: String,
}

/// What the demo did.
#[derive(Clone, Serialize)]
pub struct DemoReport {
    /// The election id.
    pub election_id: String,
    /// Where the service answered.
    pub url: String,
    /// The demo directory.
    pub dir: PathBuf,
    /// The SQLite database.
    pub database: PathBuf,
    /// The admin token (secret).
    pub admin_token: String,
    /// Trustees `n`.
    pub trustees: u32,
    /// Threshold `t`.
    pub threshold: u32,
    /// The joint key's fingerprint every trustee read.
    pub joint_key_fingerprint: String,
    /// The roll with the voting links.
    pub members: Vec<DemoMember>,
    /// Ballots accepted (revotes included).
    pub ballots_cast: u64,
    /// Members who voted.
    pub voted: u64,
    /// Ballots the demo cast itself with `--auto-vote`.
    pub auto_ballots: u64,
    /// Of those, revotes.
    pub auto_revotes: u64,
    /// With `--auto-vote`: per style, question and option, the selections
    /// of each member's last ballot, which the result must equal.
    pub expected: Option<Vec<Vec<Vec<u64>>>>,
    /// Trustees whose decryptions were combined.
    pub decrypted_by: Vec<u32>,
    /// The published result.
    pub result: ElectionResult,
    /// The downloaded election record.
    pub record: PathBuf,
    /// Leaves in the record.
    pub leaves: u64,
    /// Whether `psephos-verify` accepted the record.
    pub verified: bool,
    /// Checks the verifier ran.
    pub checks: usize,
    /// Wall-clock time per step, in milliseconds.
    pub timings_ms: BTreeMap<String, u64>,
}

impl fmt::Debug for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoReport")
            .field("election_id", &self.election_id)
            .field("url", &self.url)
            .field("ballots_cast", &self.ballots_cast)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

/// Narration: stdout normally, stderr under `--json`, nothing under `--quiet`.
struct Say {
    quiet: bool,
    json: bool,
}

impl Say {
    fn line(&self, text: impl fmt::Display) {
        if self.quiet {
            return;
        }
        if self.json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }
}

/// Sends the trustee library's progress to the log.
struct TrusteeLog(u32);

impl Observer for TrusteeLog {
    fn step(&self, message: &str) {
        tracing::debug!(trustee = self.0, "{message}");
    }
    fn waiting(&self, message: &str) {
        tracing::debug!(trustee = self.0, "{message}");
    }
}

/// One demo trustee: keys on disk, sealed under [`DEMO_PASSPHRASE`].
struct DemoTrustee {
    index: u32,
    keys: TrusteeKeys,
    vault: Vault,
    key_path: PathBuf,
    state_path: PathBuf,
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Put,
}

/// The HTTP API as the administrator, authority and voters call it.
struct Api {
    agent: ureq::Agent,
    base: String,
    token: Zeroizing<String>,
}

/// Largest JSON answer read.
const BODY_LIMIT: u64 = 256 << 20;

impl Api {
    fn new(base: &str, token: Zeroizing<String>) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(300)))
            .user_agent(concat!("psephos-demo/", env!("CARGO_PKG_VERSION")))
            .build();
        Api {
            agent: ureq::Agent::new_with_config(config),
            base: base.to_string(),
            token,
        }
    }

    /// Sends a request; the admin token goes only to `/api/admin/…`.
    fn send(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<ureq::http::Response<ureq::Body>, DemoError> {
        let url = format!("{}{path}", self.base);
        let auth = path
            .starts_with("/api/admin/")
            .then(|| Zeroizing::new(format!("Bearer {}", self.token.as_str())));
        let response = match (method, body) {
            (Method::Get, _) => {
                let mut request = self.agent.get(&url);
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth.as_str());
                }
                request.call()
            }
            (Method::Post | Method::Put, body) => {
                let mut request = match method {
                    Method::Put => self.agent.put(&url),
                    _ => self.agent.post(&url),
                };
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth.as_str());
                }
                match body {
                    Some((content_type, bytes)) => request.content_type(content_type).send(bytes),
                    None => request.send_empty(),
                }
            }
        };
        response.map_err(|e| DemoError::Transport {
            what: what.to_string(),
            reason: e.to_string(),
        })
    }

    /// Sends a request and decodes the JSON answer, which must come with
    /// status `expect`.
    fn call<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<(&str, &[u8])>,
        expect: u16,
    ) -> Result<T, DemoError> {
        let mut response = self.send(what, method, path, body)?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| DemoError::Transport {
                what: what.to_string(),
                reason: e.to_string(),
            })?;
        if status != expect {
            return Err(DemoError::Http {
                what: what.to_string(),
                status,
                body: String::from_utf8_lossy(&bytes).chars().take(500).collect(),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| DemoError::Transport {
            what: what.to_string(),
            reason: format!("the answer is not what the API sends: {e}"),
        })
    }

    fn json<T: DeserializeOwned, B: Serialize>(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: &B,
        expect: u16,
    ) -> Result<T, DemoError> {
        let bytes = serde_json::to_vec(body).map_err(|e| DemoError::Protocol(e.to_string()))?;
        self.call(
            what,
            method,
            path,
            Some(("application/json", &bytes)),
            expect,
        )
    }

    /// Streams a download into `path`.
    fn download(&self, what: &str, path: &str, to: &Path) -> Result<u64, DemoError> {
        let mut response = self.send(what, Method::Get, path, None)?;
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            return Err(DemoError::Http {
                what: what.to_string(),
                status,
                body,
            });
        }
        let partial = to.with_extension("partial");
        let mut file =
            fs::File::create(&partial).map_err(io(format!("creating {}", partial.display())))?;
        let mut reader = response.into_body().into_reader();
        let bytes = std::io::copy(&mut reader, &mut file).map_err(|e| DemoError::Transport {
            what: what.to_string(),
            reason: e.to_string(),
        })?;
        file.sync_all()
            .map_err(io(format!("writing {}", partial.display())))?;
        fs::rename(&partial, to).map_err(io(format!("writing {}", to.display())))?;
        Ok(bytes)
    }
}

#[derive(Deserialize)]
struct ServerInfo {
    board_key: PublicSigningKey,
}

#[derive(Deserialize)]
struct ElectionView {
    manifest: Manifest,
    manifest_leaf_hash: String,
    election_key: Option<ElectionKey>,
    board_key: PublicSigningKey,
}

#[derive(Deserialize)]
struct Turnout {
    members: u64,
    voted: u64,
    ballots: u64,
}

#[derive(Deserialize)]
struct Published {
    result: ElectionResult,
}

#[derive(Deserialize)]
struct Ignored {}

fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// `demo-20250102T030405Z`: unique per second, valid as an election id.
fn election_id(now: SystemTime) -> String {
    let stamp: String = timestamp(now)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("demo-{stamp}")
}

/// Makes the demo directory, or empties the one an earlier run made.
fn prepare_dir(dir: &Path, keep: bool) -> Result<(), DemoError> {
    if dir.exists() && !keep {
        let marked = dir.join(MARKER).exists();
        let entries: Vec<fs::DirEntry> = fs::read_dir(dir)
            .map_err(io(format!("reading {}", dir.display())))?
            .collect::<Result<_, _>>()
            .map_err(io(format!("reading {}", dir.display())))?;
        if !marked && !entries.is_empty() {
            return Err(DemoError::Usage(format!(
                "{} exists and was not made by `psephos demo`; choose another --dir (or pass --keep to use it as it is)",
                dir.display()
            )));
        }
        for entry in entries {
            let path = entry.path();
            let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(io(format!("removing {}", path.display())))?;
        }
    }
    fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    fs::write(
        dir.join(MARKER),
        "Made by `psephos demo`, which empties this directory at every run without --keep.\n",
    )
    .map_err(io(format!("writing in {}", dir.display())))
}

/// The address links and clients use: a wildcard listen address is
/// reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// The sample election: three referendum questions for everyone and a
/// delegate election per region.
fn questions_and_styles() -> (Vec<Question>, Vec<BallotStyle>) {
    let motions = [
        (
            "constitution",
            "Should the association adopt the revised constitution?",
        ),
        (
            "dues",
            "Should annual dues rise by 3% from next year to fund the hardship fund?",
        ),
        (
            "conference",
            "Should the annual conference be held online every other year?",
        ),
    ];
    let mut questions: Vec<Question> = motions
        .iter()
        .map(|(id, text)| Question {
            id: (*id).to_string(),
            text: (*text).to_string(),
            rule: QuestionRule::Referendum,
        })
        .collect();
    let mut styles = Vec::new();
    for (region, name, candidates) in REGIONS {
        let id = format!("delegate-{region}");
        questions.push(Question {
            id: id.clone(),
            text: format!("Who should represent the {name} region at conference?"),
            rule: QuestionRule::Choose {
                options: candidates
                    .iter()
                    .map(|candidate| OptionEntry {
                        id: candidate.to_lowercase().replace(' ', "-"),
                        label: (*candidate).to_string(),
                    })
                    .collect(),
                min: 0,
                max: 1,
            },
        });
        let mut style_questions: Vec<String> = motions.iter().map(|(m, _)| m.to_string()).collect();
        style_questions.push(id);
        styles.push(BallotStyle {
            id: region.to_string(),
            name: name.to_string(),
            questions: style_questions,
        });
    }
    (questions, styles)
}

/// The sample roll as CSV (spec/api.md §5.1), members alternating between
/// the regions.
fn roll_csv(members: u32) -> String {
    let mut csv = String::from("name,email,style\n");
    for k in 0..members as usize {
        let name = NAMES
            .get(k)
            .map_or_else(|| format!("Member {}", k + 1), |n| (*n).to_string());
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        let (style, _, _) = REGIONS[k % REGIONS.len()];
        csv.push_str(&format!("{name},{email},{style}\n"));
    }
    csv
}

/// Random choices for one question: blank one time in eight, otherwise a
/// random allowed non-zero number of distinct options.
fn random_choices(options: usize, sums: &[u64]) -> Vec<usize> {
    let filled: Vec<u64> = sums.iter().copied().filter(|&n| n > 0).collect();
    let count = if filled.is_empty() || OsRng.next_u32() % 8 == 0 {
        0
    } else {
        filled[OsRng.next_u32() as usize % filled.len()] as usize
    };
    let mut pool: Vec<usize> = (0..options).collect();
    let mut chosen = Vec::with_capacity(count);
    for _ in 0..count.min(options) {
        let k = OsRng.next_u32() as usize % pool.len();
        chosen.push(pool.swap_remove(k));
    }
    chosen.sort_unstable();
    chosen
}

fn millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

/// Runs the demo: sets up the election, waits (unless `--auto` or
/// `--auto-vote`), tallies, publishes and verifies, then serves until
/// Ctrl-C (unless `--exit`). With `--json` the summary is printed on
/// stdout as soon as the record is verified.
pub fn run(args: &DemoArgs) -> Result<DemoReport, DemoError> {
    let say = Say {
        quiet: args.quiet,
        json: args.json,
    };
    let dir = args.dir.clone();
    let db = dir.join(&args.db);
    if !db.starts_with(&dir) && db.exists() && !args.keep {
        return Err(DemoError::Usage(format!(
            "{} exists outside the demo directory; pass --keep to use it, or choose another --db",
            db.display()
        )));
    }
    prepare_dir(&dir, args.keep)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io("starting the async runtime"))?;
    let token = new_admin_token();
    let (listener, store) = runtime.block_on(async {
        let listener = TcpListener::bind(args.listen).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                DemoError::Usage(format!(
                    "{} is in use: pass another --listen address (port 0 picks a free one)",
                    args.listen
                ))
            } else {
                io(format!("listening on {}", args.listen))(e)
            }
        })?;
        let store = SqliteStore::open(&db).await?;
        Ok::<_, DemoError>((listener, store))
    })?;
    let bound = listener
        .local_addr()
        .map_err(io("reading the listening address"))?;
    let addr = reachable(bound);
    let base = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // Every party of the demo calls from the same loopback address.
    let config = ServerConfig {
        per_client_per_second: 2000,
        ..ServerConfig::default()
    };
    let server_token = token.clone();
    let server = runtime.spawn(async move {
        serve_store(
            store,
            config,
            Some(server_token.as_str()),
            listener,
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    let api = Api::new(&base, token.clone());
    if !wait_until_healthy(&api, &server)? {
        return Err(match runtime.block_on(server) {
            Ok(Err(e)) => e.into(),
            _ => DemoError::Protocol("the server stopped as soon as it started".into()),
        });
    }

    let report = election(args, &say, &api, &dir, &db, &base, token.as_str())?;
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| DemoError::Protocol(e.to_string()))?;
        println!("{json}");
    }
    if !args.exit {
        say.line(format!(
            "\nStill serving on {base} (the board, the result page {base}/results/{}): press Ctrl-C to stop.",
            report.election_id
        ));
        runtime.block_on(shutdown_signal());
    }
    let _ = stop.send(());
    match runtime.block_on(server) {
        Ok(outcome) => outcome?,
        Err(e) => {
            return Err(DemoError::Protocol(format!("the server task failed: {e}")));
        }
    }
    Ok(report)
}

/// Waits for `/healthz` to answer; `false` if the server stopped instead.
fn wait_until_healthy(
    api: &Api,
    server: &tokio::task::JoinHandle<Result<(), ServeError>>,
) -> Result<bool, DemoError> {
    let started = Instant::now();
    loop {
        if server.is_finished() {
            return Ok(false);
        }
        match api.call::<serde_json::Value>("GET /healthz", Method::Get, "/healthz", None, 200) {
            Ok(_) => return Ok(true),
            Err(e) if started.elapsed() > Duration::from_secs(30) => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// The demo election as it goes: where its files and endpoints are, and
/// how long each step took.
struct Demo<'a> {
    say: &'a Say,
    api: &'a Api,
    base: &'a str,
    id: String,
    /// This election's files: keys, roll, links, manifest, record.
    files: PathBuf,
    /// `/api/elections/{id}`.
    elections: String,
    /// `/api/admin/elections/{id}`.
    admin: String,
    wait: WaitOptions,
    timings: BTreeMap<String, u64>,
}

/// Runs `work` for every trustee at once, one thread each, as separate
/// people would on their own machines, each with its own connection.
fn each_trustee<T: Send>(
    base: &str,
    id: &str,
    trustees: &[DemoTrustee],
    work: impl Fn(&DemoTrustee, &HttpBoard) -> Result<T, TrusteeError> + Sync,
) -> Result<Vec<T>, DemoError> {
    thread::scope(|scope| {
        let handles: Vec<_> = trustees
            .iter()
            .map(|t| {
                let work = &work;
                scope.spawn(move || work(t, &HttpBoard::new(base, id)?))
            })
            .collect();
        handles
            .into_iter()
            .zip(trustees)
            .map(|(handle, t)| {
                let outcome = handle.join().map_err(|_| {
                    DemoError::Protocol(format!("trustee {}'s thread panicked", t.index))
                })?;
                outcome.map_err(|source| DemoError::Trustee {
                    trustee: t.index,
                    source,
                })
            })
            .collect()
    })
}

fn list(indices: impl Iterator<Item = u32>) -> String {
    indices
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" and ")
}

impl Demo<'_> {
    /// Runs one step and remembers how long it took.
    fn timed<T>(&mut self, step: &str, work: impl FnOnce(&Self) -> T) -> T {
        let started = Instant::now();
        let outcome = work(self);
        self.timings
            .insert(step.to_string(), millis(started.elapsed()));
        outcome
    }

    /// `POST /api/admin/elections/{id}/{action}`, answered `201`.
    fn admin_post<T: DeserializeOwned>(&self, action: &str) -> Result<T, DemoError> {
        self.api.call(
            &format!("POST {action}"),
            Method::Post,
            &format!("{}/{action}", self.admin),
            None,
            201,
        )
    }

    /// The parties' keys: three trustees' key files, sealed under the demo
    /// passphrase, and the credential authority's key file.
    fn parties(&self) -> Result<(Vec<DemoTrustee>, AuthorityKey), DemoError> {
        let passphrase = Passphrase::new(Zeroizing::new(DEMO_PASSPHRASE.to_string()))
            .map_err(|e| DemoError::Protocol(e.to_string()))?;
        let trustees = (1..=TRUSTEES)
            .map(|index| {
                let trustee = |source| DemoError::Trustee {
                    trustee: index,
                    source,
                };
                let keys = TrusteeKeys::generate_with_rng(&self.id, &mut OsRng).map_err(trustee)?;
                let key_path = self.files.join(format!("trustee-{index}.key"));
                let vault = keys
                    .save_new(&key_path, &passphrase, KdfParams::DEFAULT, &mut OsRng)
                    .map_err(trustee)?;
                Ok(DemoTrustee {
                    index,
                    keys,
                    vault,
                    state_path: default_state_path(&key_path),
                    key_path,
                })
            })
            .collect::<Result<Vec<_>, DemoError>>()?;
        let authority = AuthorityKey::generate_with_rng(&mut OsRng);
        authority.save(&self.files.join("authority.key"), false)?;
        Ok((trustees, authority))
    }

    /// The manifest, naming the server's board key, posted as leaf 0.
    fn create(
        &self,
        now: SystemTime,
        trustees: &[DemoTrustee],
        authority: &AuthorityKey,
    ) -> Result<Manifest, DemoError> {
        let server: ServerInfo = self.api.call(
            "GET /api/admin/server",
            Method::Get,
            "/api/admin/server",
            None,
            200,
        )?;
        let (questions, ballot_styles) = questions_and_styles();
        let manifest = Manifest {
            version: MANIFEST_VERSION.into(),
            election_id: self.id.clone(),
            organisation: "Demo Members' Association".into(),
            title: "Annual all-member ballot (demo)".into(),
            voting_window: VotingWindow {
                opens: timestamp(now),
                closes: timestamp(now + Duration::from_secs(48 * 3600)),
            },
            trustees: TrusteePanel {
                threshold: THRESHOLD,
                members: trustees
                    .iter()
                    .map(|t| {
                        t.keys
                            .public_entry_with_rng(
                                t.index,
                                &format!("Trustee {}", t.index),
                                &mut OsRng,
                            )
                            .map_err(|source| DemoError::Trustee {
                                trustee: t.index,
                                source,
                            })
                    })
                    .collect::<Result<_, _>>()?,
            },
            board_key: server.board_key,
            credential_authority_key: authority.public(),
            questions,
            ballot_styles,
            booth_hash: None,
        };
        manifest
            .validate()
            .map_err(|e| protocol("the demo manifest")(e.to_string()))?;
        let json =
            serde_json::to_vec_pretty(&manifest).map_err(|e| DemoError::Protocol(e.to_string()))?;
        fs::write(self.files.join("manifest.json"), &json).map_err(io("writing the manifest"))?;
        let _: Ignored = self.api.call(
            "POST /api/admin/elections",
            Method::Post,
            "/api/admin/elections",
            Some(("application/json", &json)),
            201,
        )?;
        self.say.line(format!(
            "Election `{}` created: {} of {}, voting window {} to {}",
            self.id,
            manifest.title,
            manifest.organisation,
            manifest.voting_window.opens,
            manifest.voting_window.closes
        ));
        Ok(manifest)
    }

    /// The key ceremony, every trustee at once over HTTP; returns the joint
    /// key fingerprint they all read.
    fn key_ceremony(&self, trustees: &[DemoTrustee]) -> Result<String, DemoError> {
        let reports = each_trustee(self.base, &self.id, trustees, |t, board| {
            keygen(
                board,
                &t.keys,
                &t.vault,
                &t.state_path,
                &self.wait,
                &TrusteeLog(t.index),
                &mut OsRng,
            )
        })?;
        let fingerprints: Vec<Option<&str>> = reports
            .iter()
            .map(|r| r.joint_key_fingerprint.as_deref())
            .collect();
        let fingerprint = match fingerprints.as_slice() {
            [Some(first), rest @ ..] if rest.iter().all(|f| *f == Some(*first)) => *first,
            _ => {
                return Err(DemoError::Protocol(format!(
                    "the trustees did not end the key ceremony with one joint key: {fingerprints:?}"
                )))
            }
        };
        self.say.line(format!(
            "Key ceremony done by the {TRUSTEES} trustees (any {THRESHOLD} decrypt); each reads the joint key fingerprint {fingerprint}"
        ));
        Ok(fingerprint.to_string())
    }

    /// The roll imported, credentials issued by the authority, the list
    /// published, voting opened; returns the members' links.
    fn enrol(
        &self,
        members: u32,
        manifest: &Manifest,
        authority: &AuthorityKey,
    ) -> Result<Vec<PersonalLink>, DemoError> {
        let csv = roll_csv(members);
        fs::write(self.files.join("roll.csv"), &csv).map_err(io("writing the roll"))?;
        let _: Ignored = self.api.call(
            "PUT the roll",
            Method::Put,
            &format!("{}/roll", self.admin),
            Some(("text/csv", csv.as_bytes())),
            200,
        )?;
        // The authority reads the same file.
        let members = parse_roll(csv.as_bytes(), manifest).map_err(|errors| {
            protocol("the demo roll")(
                errors
                    .iter()
                    .map(|e| format!("row {}: {}", e.row, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let (list, links) = issue_credentials_with_rng(
            manifest,
            &members,
            authority,
            self.base,
            &mut OsRng,
            &ProgressBar::hidden(),
        )?;
        write_links(&self.files.join("links.jsonl"), &links, false)?;
        let _: Ignored = self.api.json(
            "POST the credential list",
            Method::Post,
            &format!("{}/credential-list", self.elections),
            &list,
            201,
        )?;
        let _: Ignored = self.admin_post("open")?;
        Ok(links)
    }

    /// Prints the links, the token, the trustees' files and what to do.
    fn introduce(
        &self,
        members: &[DemoMember],
        trustees: &[DemoTrustee],
        token: &str,
        interactive: bool,
    ) {
        let (say, base, id) = (self.say, self.base, &self.id);
        say.line(format!(
            "Voting is open: {} members on the roll, each with a credential from the credential authority.\n",
            members.len()
        ));
        say.line(
            "Personal voting links (each is secret: whoever holds it votes in that member's name):",
        );
        let width = members.iter().map(|m| m.name.len()).max().unwrap_or(0);
        for m in members {
            say.line(format!("  {:<width$}  {:<5}  {}", m.name, m.style, m.link));
        }
        let key_files = trustees
            .iter()
            .map(|t| t.key_path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        say.line(format!(
            "\nAdmin token: {token}\n  (sign in on {base}/admin, or send `Authorization: Bearer <token>`)\n\
             Trustee key files: {key_files}\n  passphrase \"{DEMO_PASSPHRASE}\" (demo only: a real trustee chooses their own and keeps their file to themselves)\n\
             Public board: {base}{}/board/checkpoint; trustees' view: psephos-trustee status --server {base} --election {id}",
            self.elections
        ));
        if interactive {
            say.line(format!(
                "\nWhat to do now:\n\
                 1. Open a voting link in a browser and vote. Vote again with the same link if you like: the last ballot counts.\n\
                 \x20  Keep the tracking code the booth shows; check it later at {base}/receipt.\n\
                 2. Turnout so far: curl -H 'Authorization: Bearer {token}' {base}{}/turnout\n\
                 3. Press Enter to close voting and tally: trustees 1 and 2 recount and decrypt (trustee 3 stays away: {THRESHOLD} of {TRUSTEES} suffice),\n\
                 \x20  the result is published, and the election record is downloaded and verified.",
                self.admin
            ));
        }
    }

    /// Closes voting, tallies, has the first `THRESHOLD` trustees decrypt
    /// (the others stay away) and publishes.
    fn tally(&self, trustees: &[DemoTrustee]) -> Result<(Turnout, ElectionResult), DemoError> {
        let _: Ignored = self.admin_post("close")?;
        let turnout: Turnout = self.api.call(
            "GET turnout",
            Method::Get,
            &format!("{}/turnout", self.admin),
            None,
            200,
        )?;
        self.say.line(format!(
            "\nVoting closed: {} of {} members voted, {} ballots cast (each member's last ballot counts).",
            turnout.voted, turnout.members, turnout.ballots
        ));
        let _: Ignored = self.admin_post("tally")?;
        let (present, absent) = trustees.split_at(THRESHOLD as usize);
        each_trustee(self.base, &self.id, present, |t, board| {
            decrypt(
                board,
                &t.keys,
                &t.vault,
                &t.state_path,
                &self.wait,
                &TrusteeLog(t.index),
                &mut OsRng,
            )
        })?;
        self.say.line(format!(
            "Tallied: trustees {} recounted the ballots on the board and posted their shares of the decryption; trustee {} stayed away.",
            list(present.iter().map(|t| t.index)),
            list(absent.iter().map(|t| t.index)),
        ));
        let published: Published = self.admin_post("publish")?;
        Ok((turnout, published.result))
    }

    /// Downloads the record and runs the verifier on it, which must accept
    /// it and find the published result.
    fn verify(&self, result: &ElectionResult) -> Result<(PathBuf, Report), DemoError> {
        let record = self.files.join("record.jsonl");
        self.api.download(
            "GET the record",
            &format!("{}/record", self.elections),
            &record,
        )?;
        let (verdict, _) =
            verify_file(&record, &VerifyOptions::default()).map_err(|e| DemoError::Record {
                path: record.clone(),
                reason: e.to_string(),
            })?;
        if !verdict.verified {
            return Err(DemoError::NotVerified(
                verdict
                    .failed()
                    .map(|c| {
                        format!(
                            "{} {}: {}",
                            c.id,
                            c.name,
                            c.failures.first().map_or("failed", |f| f.message.as_str())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        if verdict.result.as_ref() != Some(result) {
            return Err(DemoError::Mismatch(
                "the verifier's result is not the one the server published".into(),
            ));
        }
        self.say.line(format!(
            "\npsephos-verify {}: VERIFIED ({} checks over {} leaves)",
            record.display(),
            verdict.checks.len(),
            verdict.leaves
        ));
        Ok((record, verdict))
    }
}

/// Everything between the server starting and it being left to serve.
fn election(
    args: &DemoArgs,
    say: &Say,
    api: &Api,
    dir: &Path,
    db: &Path,
    base: &str,
    token: &str,
) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    let now = SystemTime::now();
    // With --keep, earlier elections' directories tell which ids are taken.
    let mut id = election_id(now);
    for n in 2.. {
        if !dir.join(&id).exists() {
            break;
        }
        id = format!("{}-{n}", election_id(now));
    }
    let files = dir.join(&id);
    fs::create_dir_all(&files).map_err(io(format!("creating {}", files.display())))?;
    let mut demo = Demo {
        say,
        api,
        base,
        elections: format!("/api/elections/{id}"),
        admin: format!("/api/admin/elections/{id}"),
        id,
        files,
        wait: WaitOptions {
            wait: Some(Duration::from_secs(300)),
            poll: Duration::from_millis(100),
        },
        timings: BTreeMap::new(),
    };
    say.line(format!(
        "Psephos demo: serving on {base} (SQLite store {})",
        db.display()
    ));

    let (trustees, authority, manifest) = demo.timed("setup", |d| {
        let (trustees, authority) = d.parties()?;
        let manifest = d.create(now, &trustees, &authority)?;
        Ok::<_, DemoError>((trustees, authority, manifest))
    })?;
    let joint_key_fingerprint = demo.timed("key ceremony", |d| d.key_ceremony(&trustees))?;
    let links = demo.timed("credentials", |d| {
        d.enrol(args.members, &manifest, &authority)
    })?;
    let members: Vec<DemoMember> = links
        .iter()
        .map(|l| DemoMember {
            name: l.name.clone(),
            email: l.email.clone(),
            style: l.style.clone(),
            link: l.link().to_string(),
        })
        .collect();
    let interactive = !(args.auto || args.auto_vote);
    demo.introduce(&members, &trustees, token, interactive);
    if interactive {
        // Enter, the end of the input, or an unreadable stdin: tally.
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    }

    let votes = if args.auto_vote {
        say.line(
            "\nCasting a random ballot for every member (encrypted and signed with their credential, as the booth does), and a revote:",
        );
        Some(demo.timed("voting", |d| auto_vote(say, api, &d.elections, &links))?)
    } else {
        None
    };
    let (turnout, result) = demo.timed("tally", |d| d.tally(&trustees))?;
    say.line(format!("\nResult ({base}/results/{}):", demo.id));
    for line in result_table(&manifest, &result) {
        say.line(line);
    }
    let (record, verdict) = demo.timed("verify", |d| d.verify(&result))?;
    if let Some(votes) = &votes {
        check_result(&result, &votes.expected)?;
        say.line(format!(
            "The result is exactly the sum of the last ballot of each member the demo voted for ({} ballots, {} revote).",
            votes.cast, votes.revotes
        ));
    }
    demo.timings
        .insert("total".to_string(), millis(started.elapsed()));
    say.line(format!(
        "Done in {:.1} s. Files: {}",
        started.elapsed().as_secs_f64(),
        demo.files.display()
    ));

    Ok(DemoReport {
        election_id: demo.id,
        url: base.to_string(),
        dir: dir.to_path_buf(),
        database: db.to_path_buf(),
        admin_token: token.to_string(),
        trustees: TRUSTEES,
        threshold: THRESHOLD,
        joint_key_fingerprint,
        members,
        ballots_cast: turnout.ballots,
        voted: turnout.voted,
        auto_ballots: votes.as_ref().map_or(0, |v| v.cast),
        auto_revotes: votes.as_ref().map_or(0, |v| v.revotes),
        expected: votes.map(|v| v.expected),
        decrypted_by: result.decrypted_by.iter().map(|i| i.get()).collect(),
        result,
        record,
        leaves: verdict.leaves,
        verified: verdict.verified,
        checks: verdict.checks.len(),
        timings_ms: demo.timings,
    })
}

/// The ballots the demo cast itself.
struct AutoVotes {
    /// Ballots cast.
    cast: u64,
    /// Of those, revotes.
    revotes: u64,
    /// Per style, question and option, the selections of each member's
    /// last ballot.
    expected: Vec<Vec<Vec<u64>>>,
}

/// Casts a random ballot for every member, and a second one for the
/// first member, each checked against its receipt.
fn auto_vote(
    say: &Say,
    api: &Api,
    elections: &str,
    links: &[PersonalLink],
) -> Result<AutoVotes, DemoError> {
    let view: ElectionView = api.call("GET the election", Method::Get, elections, None, 200)?;
    let leaf = BoardMessage::Manifest(view.manifest.clone()).to_leaf();
    if to_hex(&leaf_hash(&leaf)) != view.manifest_leaf_hash {
        return Err(DemoError::Protocol(
            "the server's manifest does not hash to its manifest leaf".into(),
        ));
    }
    let key = view
        .election_key
        .ok_or_else(|| DemoError::Protocol("the election has no key after the ceremony".into()))?;
    let election = Election::new(view.manifest, &leaf, key.joint_key)
        .map_err(|e| protocol("the election")(e.to_string()))?;
    let id = election.manifest.election_id.clone();
    let mut expected: Vec<Vec<Vec<u64>>> = election
        .layouts
        .iter()
        .map(|l| l.questions.iter().map(|q| vec![0; q.options]).collect())
        .collect();
    // Each member's last choices, by style.
    let mut last: Vec<Option<(usize, Vec<Vec<usize>>)>> = vec![None; links.len()];
    let mut previous: Vec<Option<TrackingCode>> = vec![None; links.len()];
    // Everyone once, then the first member again.
    let mut order: Vec<usize> = (0..links.len()).collect();
    if !links.is_empty() {
        order.push(0);
    }
    let mut revotes = 0;
    for &k in &order {
        let member = &links[k];
        let link = VotingLink::parse(member.link())
            .map_err(|e| protocol("a voting link")(e.to_string()))?;
        let style = election
            .layouts
            .iter()
            .position(|l| l.id == member.style)
            .ok_or_else(|| protocol("a member's style")(member.style.clone()))?;
        let choices: Vec<Vec<usize>> = election.layouts[style]
            .questions
            .iter()
            .map(|q| random_choices(q.options, &q.sums))
            .collect();
        let ballot: Ballot = encrypt_ballot_with_rng(
            &election,
            &link.credential,
            &member.style,
            &choices,
            &mut OsRng,
        )
        .map_err(|e| protocol("encrypting a ballot")(e.to_string()))?
        .cast(&link.credential, &id);
        let receipt: Receipt = api.json(
            "POST a ballot",
            Method::Post,
            &format!("{elections}/ballots"),
            &ballot,
            201,
        )?;
        receipt
            .verify(&view.board_key)
            .map_err(|e| protocol("a ballot's receipt")(e.to_string()))?;
        if !receipt.matches_ballot(&ballot) {
            return Err(DemoError::Protocol(
                "a receipt does not name the ballot it was given for".into(),
            ));
        }
        if receipt.supersedes != previous[k] {
            return Err(DemoError::Protocol(format!(
                "the receipt of {}'s ballot names {:?} as replaced, expected {:?}",
                member.name, receipt.supersedes, previous[k]
            )));
        }
        let revote = previous[k].is_some();
        revotes += u64::from(revote);
        say.line(format!(
            "  {} {} ({}): tracking code {}, leaf {}",
            if revote { "revoted for" } else { "voted for" },
            member.name,
            member.style,
            receipt.tracking_code,
            receipt.leaf_index
        ));
        previous[k] = Some(receipt.tracking_code);
        last[k] = Some((style, choices));
    }
    for (style, choices) in last.into_iter().flatten() {
        for (counts, chosen) in expected[style].iter_mut().zip(&choices) {
            for &option in chosen {
                counts[option] += 1;
            }
        }
    }
    Ok(AutoVotes {
        cast: order.len() as u64,
        revotes,
        expected,
    })
}

/// Compares the published counts with the demo's own ballots.
fn check_result(result: &ElectionResult, expected: &[Vec<Vec<u64>>]) -> Result<(), DemoError> {
    if result.styles.len() != expected.len() {
        return Err(DemoError::Mismatch(format!(
            "{} styles in the result, {} in the election",
            result.styles.len(),
            expected.len()
        )));
    }
    for (style, wanted) in result.styles.iter().zip(expected) {
        let got: Vec<&Vec<u64>> = style.questions.iter().map(|q| &q.counts).collect();
        let wanted: Vec<&Vec<u64>> = wanted.iter().collect();
        if got != wanted {
            return Err(DemoError::Mismatch(format!(
                "style `{}`: published {got:?}, cast {wanted:?}",
                style.style
            )));
        }
    }
    Ok(())
}

/// The result as lines of a table: per question, each option's count.
fn result_table(manifest: &Manifest, result: &ElectionResult) -> Vec<String> {
    let mut lines = Vec::new();
    for total in &result.overall {
        let Some(question) = manifest.question(&total.question) else {
            continue;
        };
        lines.push(format!("  {} ({} ballots)", question.text, total.ballots));
        let labels: Vec<String> = match &question.rule {
            QuestionRule::Choose { options, .. } => {
                options.iter().map(|o| o.label.clone()).collect()
            }
            _ => question
                .option_ids()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let width = labels.iter().map(String::len).max().unwrap_or(0);
        for (label, count) in labels.iter().zip(&total.counts) {
            lines.push(format!("      {label:<width$}  {count:>6}"));
        }
    }
    lines.push(format!(
        "  decrypted by trustees {}",
        result
            .decrypted_by
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_roll_and_manifest_fit_together() {
        let (questions, styles) = questions_and_styles();
        assert_eq!(questions.len(), 5);
        assert_eq!(styles.len(), 2);
        let csv = roll_csv(14);
        assert!(csv.contains("Ada Lovelace,ada.lovelace@example.org,north"));
        assert!(csv.contains("Member 14,member.14@example.org,south"));
        assert_eq!(csv.lines().count(), 15);
    }

    #[test]
    fn election_ids_are_valid_and_wildcards_are_reached_on_loopback() {
        let id = election_id(SystemTime::UNIX_EPOCH + Duration::from_secs(86_400));
        assert_eq!(id, "demo-19700102T000000Z");
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(reachable(any).to_string(), "127.0.0.1:8080");
        let any6: SocketAddr = "[::]:80".parse().unwrap();
        assert_eq!(reachable(any6).to_string(), "[::1]:80");
    }

    #[test]
    fn a_directory_not_made_by_the_demo_is_never_emptied() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
        let error = prepare_dir(dir.path(), false).unwrap_err();
        assert!(matches!(error, DemoError::Usage(_)), "{error}");
        assert!(dir.path().join("precious.txt").exists());
        // A demo directory is emptied, keeping its marker.
        let demo = dir.path().join("demo");
        prepare_dir(&demo, false).unwrap();
        std::fs::create_dir(demo.join("old-election")).unwrap();
        std::fs::write(demo.join("old.db"), "x").unwrap();
        prepare_dir(&demo, false).unwrap();
        let left: Vec<_> = std::fs::read_dir(&demo).unwrap().collect();
        assert_eq!(left.len(), 1);
        assert!(demo.join(MARKER).exists());
        // --keep leaves everything.
        std::fs::write(demo.join("old.db"), "x").unwrap();
        prepare_dir(&demo, true).unwrap();
        assert!(demo.join("old.db").exists());
    }
}
