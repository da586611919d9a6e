//! Shared fixtures: a valid manifest naming the test authority's key, a
//! roll, and the commands run through their clap surface.

#![allow(dead_code)]

pub mod smtp_sink;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use psephos_authority::keys::AuthorityKey;
use psephos_authority::{AuthorityError, CredentialsCommand, InviteCommand, Report};
use psephos_crypto::dkg::TrusteeKeyPair;
use psephos_crypto::threshold::ThresholdParams;
use psephos_election::fingerprint::enrolment_fingerprint;
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, Question, QuestionRule, TrusteeEntry, TrusteePanel,
    VotingWindow, MANIFEST_VERSION,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub const ELECTION_ID: &str = "branch-ballot.2026";

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The commands as the `psephos` binary mounts them.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Top,
}

#[derive(Subcommand)]
enum Top {
    Credentials {
        #[command(subcommand)]
        command: CredentialsCommand,
    },
    Invite {
        #[command(subcommand)]
        command: InviteCommand,
    },
}

/// Parses `args` (without the program name) and runs the command.
pub fn run<I, S>(args: I) -> Result<Report, AuthorityError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let argv: Vec<String> = std::iter::once("psephos".to_string())
        .chain(args.into_iter().map(|a| a.as_ref().to_string()))
        .collect();
    match Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("bad test arguments: {e}")) {
        Cli {
            command: Top::Credentials { command },
        } => command.run(),
        Cli {
            command: Top::Invite { command },
        } => command.run(),
    }
}

/// A valid manifest: three trustees, two needed to decrypt; a
/// referendum for everyone and a delegate question for London.
pub fn manifest(authority: &AuthorityKey) -> Manifest {
    let mut rng = rng(77);
    let params = ThresholdParams::new(2, 3).unwrap();
    let enrolment = enrolment_fingerprint(ELECTION_ID);
    let members = params
        .indices()
        .map(|index| {
            let keys = TrusteeKeyPair::generate_with_rng(&mut rng);
            TrusteeEntry {
                index: index.get(),
                name: format!("Trustee {index}"),
                signing_key: AuthorityKey::generate_with_rng(&mut rng).public(),
                encryption_key: *keys.public(),
                possession_proof: keys.prove_possession_with_rng(&enrolment, index, &mut rng),
            }
        })
        .collect();
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: ELECTION_ID.into(),
        organisation: "Riverside Tenants' Union".into(),
        title: "Rule changes and London delegate 2026".into(),
        voting_window: VotingWindow {
            opens: "2026-11-02T09:00:00Z".into(),
            closes: "2026-11-11T17:00:00Z".into(),
        },
        trustees: TrusteePanel {
            threshold: 2,
            members,
        },
        board_key: AuthorityKey::generate_with_rng(&mut rng).public(),
        credential_authority_key: authority.public(),
        questions: vec![
            Question {
                id: "rules".into(),
                text: "Adopt the new rules?".into(),
                rule: QuestionRule::Referendum,
            },
            Question {
                id: "london-delegate".into(),
                text: "London delegate".into(),
                rule: QuestionRule::Choose {
                    options: vec![
                        OptionEntry {
                            id: "ana".into(),
                            label: "Ana".into(),
                        },
                        OptionEntry {
                            id: "ben".into(),
                            label: "Ben".into(),
                        },
                    ],
                    min: 0,
                    max: 1,
                },
            },
        ],
        ballot_styles: vec![
            BallotStyle {
                id: "london".into(),
                name: "London".into(),
                questions: vec!["rules".into(), "london-delegate".into()],
            },
            BallotStyle {
                id: "national".into(),
                name: "Rest of the country".into(),
                questions: vec!["rules".into()],
            },
        ],
        booth_hash: None,
    };
    manifest.validate().unwrap();
    manifest
}

/// A member of the test roll.
#[derive(Clone, Debug)]
pub struct RollMember {
    pub name: &'static str,
    pub email: &'static str,
    pub style: &'static str,
}

pub const MEMBERS: [RollMember; 5] = [
    RollMember {
        name: "Ada Okafor",
        email: "ada@example.org",
        style: "london",
    },
    RollMember {
        name: "Bruno Díaz",
        email: "bruno@example.org",
        style: "national",
    },
    RollMember {
        name: "Chen, Li",
        email: "li.chen@example.net",
        style: "london",
    },
    RollMember {
        name: "Dafydd ap Rhys",
        email: "dafydd+vote@example.cymru",
        style: "national",
    },
    RollMember {
        name: "Eve O'Brien",
        email: "Eve@Example.org",
        style: "national",
    },
];

/// The roll CSV of [`MEMBERS`] (columns in an unusual order, one extra).
pub fn roll_csv() -> String {
    let mut csv = String::from("email,member_no,style,name\n");
    for (i, m) in MEMBERS.iter().enumerate() {
        csv.push_str(&format!(
            "{},{},{},\"{}\"\n",
            m.email,
            100 + i,
            m.style,
            m.name
        ));
    }
    csv
}

/// A directory with `authority.key`, `manifest.json` and `roll.csv`.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub key: AuthorityKey,
    pub manifest: Manifest,
}

pub const BASE_URL: &str = "https://vote.example.org/";

impl Setup {
    pub fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let key = AuthorityKey::generate_with_rng(&mut rng(1));
        key.save(&dir.path().join("authority.key"), false).unwrap();
        let manifest = manifest(&key);
        std::fs::write(
            dir.path().join("manifest.json"),
            serde_json::to_vec_pretty(&manifest).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join("roll.csv"), roll_csv()).unwrap();
        Setup { dir, key, manifest }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Runs `credentials generate` on the roll file.
    pub fn generate(&self) -> Result<Report, AuthorityError> {
        run([
            "credentials",
            "generate",
            "--manifest",
            &self.arg("manifest.json"),
            "--roll",
            &self.arg("roll.csv"),
            "--key",
            &self.arg("authority.key"),
            "--base-url",
            BASE_URL,
            "--list-out",
            &self.arg("list.json"),
            "--links-out",
            &self.arg("links.jsonl"),
            "--json",
        ])
    }

    /// The private links, as written by `generate`.
    pub fn links(&self) -> Vec<serde_json::Value> {
        read_jsonl(&self.path("links.jsonl"))
    }
}

pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().unwrap().permissions().mode() & 0o777
}
