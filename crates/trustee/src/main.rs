//! `psephos-trustee`: the trustee's command line. Exit code 0: done (or
//! resumed and still waiting, as the output says); 1: the board or another
//! trustee misbehaved (history rewritten, tally not matching the ballots, a
//! ceremony failure); 2: usage, file, passphrase or network error.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use psephos_trustee::api::BoardApi;
use psephos_trustee::decrypt::{decrypt, DecryptReport};
use psephos_trustee::http::HttpBoard;
use psephos_trustee::keygen::{keygen, KeygenReport};
use psephos_trustee::keys::TrusteeKeys;
use psephos_trustee::progress::Observer;
use psephos_trustee::sealed::{KdfParams, Passphrase, Vault};
use psephos_trustee::session::WaitOptions;
use psephos_trustee::state::default_state_path;
use psephos_trustee::status::{status, StatusReport};
use psephos_trustee::TrusteeError;
use rand_core::OsRng;
use serde::Serialize;
use zeroize::Zeroizing;

/// Environment variable holding the passphrase, for automation.
const PASSPHRASE_ENV: &str = "PSEPHOS_TRUSTEE_PASSPHRASE";

#[derive(Parser)]
#[command(
    name = "psephos-trustee",
    version,
    about = "The Psephos trustee's tool: key ceremony and tally decryption",
    long_about = "The Psephos trustee's tool. Before the ballot: `init` makes your keys, \
                  `keygen` runs your part of the key ceremony. After it: `decrypt` checks the \
                  tally against every ballot and posts your share of its decryption. `status` \
                  shows where everyone stands. See docs/trustees.md."
)]
struct Cli {
    /// Machine-readable output on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Print only the results, no progress.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// More diagnostics on stderr (repeat for more).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct PassphraseArgs {
    /// Read the passphrase from the first line of this file instead of
    /// asking (the environment variable PSEPHOS_TRUSTEE_PASSPHRASE also works).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Args)]
struct ServerArgs {
    /// The voting service, e.g. https://vote.example.org
    #[arg(long, value_name = "URL")]
    server: String,
    /// The election id.
    #[arg(long, value_name = "ID")]
    election: String,
}

#[derive(Args)]
struct WaitArgs {
    /// How long to wait for the other trustees (e.g. 30m, 2h).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    wait: Option<Duration>,
    /// Do not wait: do what can be done now and say what is missing.
    #[arg(long, conflicts_with = "wait")]
    no_wait: bool,
    /// How often to ask the server while waiting.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    poll: Duration,
}

#[derive(Subcommand)]
enum Command {
    /// Create your key file (a signing key and an encryption key, sealed
    /// under a passphrase) and print your fingerprint.
    Init {
        /// The election the keys are for.
        #[arg(long, value_name = "ID")]
        election: String,
        /// Where to write the key file (never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Your trustee index, if the administrator gave it already: prints
        /// your manifest entry.
        #[arg(long, value_name = "N")]
        index: Option<u32>,
        /// Your name as the manifest should show it.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Print your manifest entry (public keys and proof) for trustee index N.
    Public {
        /// Your key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Your trustee index (your position in the manifest, from 1).
        #[arg(long, value_name = "N")]
        index: u32,
        /// Your name as the manifest should show it.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Run (or resume) your part of the key ceremony.
    Keygen {
        #[command(flatten)]
        server: ServerArgs,
        /// Your key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The state file (default: the key file's name with `.state` appended).
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Check the tally against the ballots and post your decryption share.
    Decrypt {
        #[command(flatten)]
        server: ServerArgs,
        /// Your key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The state file written by keygen.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Show who has posted what, who is missing and what comes next.
    Status {
        #[command(flatten)]
        server: ServerArgs,
    },
}

/// Progress on stderr: lines for steps, a spinner while waiting, a bar
/// while downloading (only on a terminal, never with `--json` or `-q`).
struct Console {
    quiet: bool,
    live: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Console {
    fn clear(&self) {
        if let Ok(mut bar) = self.bar.lock() {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
        }
    }
}

impl Observer for Console {
    fn step(&self, message: &str) {
        self.clear();
        if !self.quiet {
            eprintln!("- {message}");
        }
    }

    fn waiting(&self, message: &str) {
        if self.quiet {
            return;
        }
        if !self.live {
            eprintln!("… {message}");
            return;
        }
        if let Ok(mut bar) = self.bar.lock() {
            let spinner = bar.get_or_insert_with(|| {
                let s = ProgressBar::new_spinner();
                s.enable_steady_tick(Duration::from_millis(200));
                s
            });
            spinner.set_message(message.to_string());
        }
    }

    fn leaves(&self, done: u64, total: u64) {
        if self.quiet || !self.live {
            return;
        }
        if let Ok(mut bar) = self.bar.lock() {
            let b = bar.get_or_insert_with(|| {
                let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                if let Ok(style) =
                    ProgressStyle::with_template("checking the board [{bar:40}] {pos}/{len} leaves")
                {
                    b.set_style(style.progress_chars("=> "));
                }
                b
            });
            b.set_length(total);
            b.set_position(done);
        }
    }

    fn leaves_done(&self) {
        self.clear();
    }
}

fn read_passphrase(args: &PassphraseArgs, confirm: bool, what: &str) -> anyhow::Result<Passphrase> {
    if let Some(path) = &args.passphrase_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the passphrase file {}", path.display()))?,
        );
        let line = text.lines().next().unwrap_or_default();
        return Ok(Passphrase::new(Zeroizing::new(line.to_string()))?);
    }
    if let Ok(text) = std::env::var(PASSPHRASE_ENV) {
        return Ok(Passphrase::new(Zeroizing::new(text))?);
    }
    if !io::stdin().is_terminal() && !io::stderr().is_terminal() {
        bail!("no passphrase: there is no terminal to ask on; use --passphrase-file or {PASSPHRASE_ENV}");
    }
    let first = Zeroizing::new(
        rpassword::prompt_password(format!("Passphrase for {what}: "))
            .context("reading the passphrase")?,
    );
    if confirm {
        let second = Zeroizing::new(
            rpassword::prompt_password("The same passphrase again: ")
                .context("reading the passphrase")?,
        );
        if *first != *second {
            return Err(TrusteeError::Passphrase(
                "the two passphrases differ; nothing was written".into(),
            )
            .into());
        }
    }
    Ok(Passphrase::new(first)?)
}

fn open_keys(
    key: &Path,
    election: &str,
    passphrase: &PassphraseArgs,
) -> anyhow::Result<(TrusteeKeys, Vault)> {
    let pass = read_passphrase(passphrase, false, &key.display().to_string())?;
    let (keys, vault) = TrusteeKeys::load(key, &pass)?;
    if keys.election_id() != election {
        return Err(TrusteeError::Mismatch(format!(
            "{} holds keys for election `{}`, not `{election}`",
            key.display(),
            keys.election_id()
        ))
        .into());
    }
    Ok((keys, vault))
}

fn wait_options(args: &WaitArgs, default: Option<Duration>) -> WaitOptions {
    WaitOptions {
        wait: if args.no_wait {
            None
        } else {
            args.wait.or(default)
        },
        poll: args.poll.max(Duration::from_millis(100)),
    }
}

#[derive(Serialize)]
struct InitReport {
    key_file: String,
    election_id: String,
    fingerprint: String,
    entry: Option<psephos_election::manifest::TrusteeEntry>,
    next: Vec<String>,
}

fn print_json<T: Serialize>(out: &mut impl Write, value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    writeln!(out, "{text}")
}

fn print_lines(out: &mut impl Write, title: &str, lines: &[String]) -> io::Result<()> {
    if !lines.is_empty() {
        writeln!(out, "{title}")?;
        for line in lines {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

fn print_init(out: &mut impl Write, r: &InitReport) -> io::Result<()> {
    writeln!(
        out,
        "Created the key file {} for election `{}`.",
        r.key_file, r.election_id
    )?;
    writeln!(
        out,
        "Your key fingerprint (read it aloud to the other trustees and the administrator):"
    )?;
    writeln!(out, "    {}", r.fingerprint)?;
    if let Some(entry) = &r.entry {
        writeln!(
            out,
            "Your entry for the manifest (give it to the administrator):"
        )?;
        let text = serde_json::to_string_pretty(entry).map_err(io::Error::other)?;
        writeln!(out, "{text}")?;
    }
    print_lines(out, "Next:", &r.next)
}

fn print_keygen(out: &mut impl Write, r: &KeygenReport) -> io::Result<()> {
    writeln!(
        out,
        "Election `{}`: you are trustee {} ({}); {} of {} trustees are needed to decrypt.",
        r.election_id,
        r.trustee,
        r.name,
        r.threshold,
        r.roster.len()
    )?;
    writeln!(
        out,
        "Manifest fingerprint (every trustee must see the same): {}",
        r.manifest_fingerprint
    )?;
    writeln!(
        out,
        "Trustees and their key fingerprints (each must match what that trustee read out at init):"
    )?;
    for t in &r.roster {
        writeln!(out, "  {:>3}  {}  {}", t.index, t.key_fingerprint, t.name)?;
    }
    print_lines(out, "Done:", &r.actions)?;
    if r.complete {
        writeln!(out, "The key ceremony is complete.")?;
        writeln!(
            out,
            "  qualified trustees: {}",
            r.qualified
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for d in &r.disqualified {
            writeln!(out, "  disqualified: trustee {}: {}", d.trustee, d.reason)?;
        }
        writeln!(
            out,
            "JOINT KEY FINGERPRINT: {}",
            r.joint_key_fingerprint.as_deref().unwrap_or_default()
        )?;
    } else if let Some(w) = &r.waiting_for {
        writeln!(out, "Not complete yet: waiting for {w}.")?;
    }
    print_lines(out, "Next:", &r.next)
}

fn print_decrypt(out: &mut impl Write, r: &DecryptReport) -> io::Result<()> {
    writeln!(out, "Election `{}`, trustee {}.", r.election_id, r.trustee)?;
    print_lines(out, "Done:", &r.actions)?;
    writeln!(
        out,
        "Decryptions on the board: {} (trustees {}); {} needed.",
        r.decrypted_by.len(),
        r.decrypted_by
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        r.threshold
    )?;
    print_lines(out, "Next:", &r.next)
}

fn print_status(out: &mut impl Write, r: &StatusReport) -> io::Result<()> {
    writeln!(out, "{} (`{}`): phase {}", r.title, r.election_id, r.phase)?;
    writeln!(
        out,
        "{} of {} trustees needed to decrypt.",
        r.threshold,
        r.trustees.len()
    )?;
    let leaf = |l: Option<u64>| l.map_or("-".to_string(), |l| format!("leaf {l}"));
    writeln!(
        out,
        "  {:>3}  {:<20} {:<11} {:<11} {:<11} status",
        "#", "name", "dealing", "checks", "decryption"
    )?;
    for t in &r.trustees {
        let state = match (&t.disqualified, t.qualified) {
            (Some(why), _) => format!(
                "disqualified ({})",
                why.get("reason")
                    .and_then(|r| r.as_str())
                    .unwrap_or("see the record")
            ),
            (None, Some(false)) => "disqualified".into(),
            (None, Some(true)) => "qualified".into(),
            (None, None) => "-".into(),
        };
        writeln!(
            out,
            "  {:>3}  {:<20} {:<11} {:<11} {:<11} {state}",
            t.index,
            t.name,
            leaf(t.dealing),
            leaf(t.complaints),
            leaf(t.decryption)
        )?;
    }
    if let Some(f) = &r.joint_key_fingerprint {
        writeln!(out, "Joint key fingerprint: {f}")?;
    }
    print_lines(out, "Next:", &r.next)
}

fn run(cli: &Cli, console: &Console) -> anyhow::Result<()> {
    let mut rng = OsRng;
    let mut out = io::stdout().lock();
    let written = match &cli.command {
        Command::Init {
            election,
            out: path,
            index,
            name,
            passphrase,
        } => {
            if path.exists() {
                return Err(TrusteeError::Exists(path.clone()).into());
            }
            let keys = TrusteeKeys::generate_with_rng(election, &mut rng)?;
            let pass = read_passphrase(passphrase, true, &path.display().to_string())?;
            console.step("sealing the key file (this takes a moment)");
            keys.save_new(path, &pass, KdfParams::DEFAULT, &mut rng)?;
            let entry = index
                .map(|i| {
                    let name = name.clone().unwrap_or_else(|| format!("Trustee {i}"));
                    keys.public_entry_with_rng(i, &name, &mut rng)
                })
                .transpose()?;
            let next = if entry.is_some() {
                vec![
                    "Give the entry above to the administrator and read your fingerprint aloud at the ceremony.".into(),
                    "Keep the key file and the passphrase safe: without both you cannot take part.".into(),
                ]
            } else {
                vec![
                    format!("When the administrator gives you your trustee index N, run `psephos-trustee public --key {} --index N --name \"Your Name\"` and give them the entry it prints.", path.display()),
                    "Keep the key file and the passphrase safe: without both you cannot take part.".into(),
                ]
            };
            let report = InitReport {
                key_file: path.display().to_string(),
                election_id: election.clone(),
                fingerprint: keys.fingerprint(),
                entry,
                next,
            };
            if cli.json {
                print_json(&mut out, &report)
            } else {
                print_init(&mut out, &report)
            }
        }
        Command::Public {
            key,
            index,
            name,
            passphrase,
        } => {
            let pass = read_passphrase(passphrase, false, &key.display().to_string())?;
            let (keys, _) = TrusteeKeys::load(key, &pass)?;
            let name = name.clone().unwrap_or_else(|| format!("Trustee {index}"));
            let entry = keys.public_entry_with_rng(*index, &name, &mut rng)?;
            if cli.json {
                print_json(
                    &mut out,
                    &serde_json::json!({
                        "election_id": keys.election_id(),
                        "fingerprint": keys.fingerprint(),
                        "entry": entry,
                    }),
                )
            } else {
                writeln!(
                    out,
                    "Election `{}`; key fingerprint {}.",
                    keys.election_id(),
                    keys.fingerprint()
                )?;
                writeln!(
                    out,
                    "Your entry for the manifest (give it to the administrator):"
                )?;
                print_json(&mut out, &entry)
            }
        }
        Command::Keygen {
            server,
            key,
            state,
            wait,
            passphrase,
        } => {
            let (keys, vault) = open_keys(key, &server.election, passphrase)?;
            let api = HttpBoard::new(&server.server, &server.election)?;
            let state = state.clone().unwrap_or_else(|| default_state_path(key));
            let options = wait_options(wait, Some(Duration::from_secs(3600)));
            let report = keygen(
                &api as &dyn BoardApi,
                &keys,
                &vault,
                &state,
                &options,
                console,
                &mut rng,
            )?;
            console.clear();
            if cli.json {
                print_json(&mut out, &report)
            } else {
                print_keygen(&mut out, &report)
            }
        }
        Command::Decrypt {
            server,
            key,
            state,
            wait,
            passphrase,
        } => {
            let (keys, vault) = open_keys(key, &server.election, passphrase)?;
            let api = HttpBoard::new(&server.server, &server.election)?;
            let state = state.clone().unwrap_or_else(|| default_state_path(key));
            let options = wait_options(wait, None);
            let report = decrypt(
                &api as &dyn BoardApi,
                &keys,
                &vault,
                &state,
                &options,
                console,
                &mut rng,
            )?;
            console.clear();
            if cli.json {
                print_json(&mut out, &report)
            } else {
                print_decrypt(&mut out, &report)
            }
        }
        Command::Status { server } => {
            let api = HttpBoard::new(&server.server, &server.election)?;
            let report = status(&api)?;
            if cli.json {
                print_json(&mut out, &report)
            } else {
                print_status(&mut out, &report)
            }
        }
    };
    // A closed stdout is not the command's failure: what was posted is posted.
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .init();
    let console = Console {
        quiet: cli.quiet,
        live: !cli.quiet && !cli.json && io::stderr().is_terminal(),
        bar: Mutex::new(None),
    };
    match run(&cli, &console) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            console.clear();
            let code = match e.downcast_ref::<TrusteeError>() {
                Some(t) if t.is_verification_failure() => 1,
                _ => 2,
            };
            if cli.json {
                let body = serde_json::json!({ "error": format!("{e:#}"), "exit_code": code });
                println!("{body}");
            }
            eprintln!("psephos-trustee: {e:#}");
            ExitCode::from(code)
        }
    }
}
