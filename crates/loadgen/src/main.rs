//! `psephos-loadgen`: measures a running `psephos serve`. Sets up an
//! election over the API, pre-generates real signed ballots, casts them
//! from concurrent clients (open loop at a fixed rate, or closed loop as
//! fast as the server answers), and reports accepted ballots per second
//! and latency percentiles; with `--finish`, also closes, tallies,
//! decrypts, publishes and verifies the record.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use psephos_loadgen::ballots::{generate, plan, voters_for};
use psephos_loadgen::finish::{self, Audit};
use psephos_loadgen::load::{cast_all, report, LoadConfig, LoadReport};
use psephos_loadgen::setup::{open_election, ElectionSpec};
use psephos_loadgen::{Client, LoadgenError};
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "psephos-loadgen",
    version,
    about = "Load generator for the Psephos voting service",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(Subcommand)]
enum Command {
    /// `psephos serve`, the same code, so that tests can start servers
    /// from this crate's own binary without a second build.
    #[command(hide = true)]
    Serve(psephos::service::ServeArgs),
}

#[derive(Args)]
struct LoadArgs {
    /// The server's base URL; repeat to spread the ballots over several
    /// processes (the election is set up through the first).
    #[arg(long = "server", required = true)]
    servers: Vec<String>,
    /// The admin token.
    #[arg(long, env = "PSEPHOS_ADMIN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Ballots to cast (revotes included).
    #[arg(long, default_value_t = 2000)]
    ballots: usize,
    /// Concurrent client threads.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Ballots per second to send (open loop); without it, as fast as the
    /// server answers (closed loop).
    #[arg(long)]
    rate: Option<f64>,
    /// Percentage of voters who cast a second ballot (sent after all first ballots).
    #[arg(long, default_value_t = 0)]
    revote_percent: u32,
    /// Referendum questions.
    #[arg(long, default_value_t = 17)]
    questions: usize,
    /// Candidates of each region's "choose one" question (0: none).
    #[arg(long, default_value_t = 0)]
    candidates: usize,
    /// Trustees.
    #[arg(long, default_value_t = 3)]
    trustees: u32,
    /// Trustees needed to decrypt.
    #[arg(long, default_value_t = 2)]
    threshold: u32,
    /// The election id (default: `loadgen-<unix time>`).
    #[arg(long)]
    election_id: Option<String>,
    /// Seconds before a request is given up.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Afterwards close, tally, decrypt, publish, download the record,
    /// verify it and audit it against the receipts.
    #[arg(long)]
    finish: bool,
    /// Where to write the record with `--finish` (default: a temporary file).
    #[arg(long, requires = "finish")]
    record: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Serialize)]
struct Output {
    election_id: String,
    servers: Vec<String>,
    voters: usize,
    ballots: usize,
    questions: usize,
    concurrency: usize,
    setup_seconds: f64,
    generate_seconds: f64,
    generated_per_second: f64,
    cast: LoadReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    finish: Option<FinishOutput>,
}

#[derive(Serialize)]
struct FinishOutput {
    seconds: f64,
    record_bytes: u64,
    verify_seconds: f64,
    verified: bool,
    audit: Audit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Serve(args)) = cli.command {
        init_logging("info");
        return match psephos::service::serve(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("psephos: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    init_logging("warn");
    match run(cli.load) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("psephos-loadgen: {e:#}");
            let board = e
                .downcast_ref::<LoadgenError>()
                .is_some_and(|e| matches!(e, LoadgenError::Board(_)));
            ExitCode::from(if board { 1 } else { 2 })
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG`.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Runs the load; `Ok(false)` when a receipt failed or a request erred.
fn run(args: LoadArgs) -> anyhow::Result<bool> {
    let progress = !args.quiet && !args.json && std::io::stderr().is_terminal();
    let say = |text: String| {
        if !args.json && !args.quiet {
            eprintln!("psephos-loadgen: {text}");
        }
    };
    let timeout = Duration::from_secs(args.timeout);
    let admin = Client::new(&args.servers[0], args.token.as_deref(), timeout);
    let clients: Vec<Client> = args
        .servers
        .iter()
        .map(|s| Client::new(s, None, timeout))
        .collect();
    let id = args.election_id.clone().unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("loadgen-{now}")
    });
    let voters = voters_for(args.ballots, args.revote_percent);
    let spec = ElectionSpec {
        proposals: args.questions,
        candidates: args.candidates,
        trustees: args.trustees,
        threshold: args.threshold,
        ..ElectionSpec::referendum(&id, voters)
    };
    let mut rng = ChaCha20Rng::from_rng(OsRng).context("seeding the random generator")?;

    let started = Instant::now();
    say(format!(
        "setting up election {id} ({voters} voters, {} questions) on {}",
        args.questions + usize::from(args.candidates > 0),
        args.servers[0]
    ));
    let open = open_election(&admin, &spec, &mut rng).context("setting up the election")?;
    let setup_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let casts = plan(voters, args.ballots.saturating_sub(voters));
    say(format!("generating {} ballots", casts.len()));
    let ballots = generate(&open.election, &open.voters, &casts, progress, &mut rng)
        .context("generating ballots")?;
    let generate_seconds = started.elapsed().as_secs_f64();

    say(format!(
        "casting {} ballots from {} clients ({})",
        ballots.len(),
        args.concurrency,
        args.rate
            .map_or("closed loop".to_string(), |r| format!("{r} ballots/s")),
    ));
    let config = LoadConfig {
        concurrency: args.concurrency,
        rate: args.rate,
        progress,
    };
    let (sent, elapsed) = cast_all(&clients, open.id(), &ballots, &config);
    let cast = report(&ballots, &sent, elapsed, &config, &open.board_key);

    let finished = if args.finish {
        let started = Instant::now();
        say("closing, tallying, decrypting, publishing".into());
        finish::close(&admin, open.id())?;
        let result = finish::tally_and_publish(&admin, &open, &mut rng)?;
        let dir = tempfile_dir()?;
        let path = args
            .record
            .clone()
            .unwrap_or_else(|| dir.join("record.jsonl"));
        let record_bytes = finish::download_record(&admin, open.id(), &path)?;
        say(format!("verifying the record ({record_bytes} bytes)"));
        let verifying = Instant::now();
        finish::verify_record(&path)?;
        let verify_seconds = verifying.elapsed().as_secs_f64();
        let record = finish::read_record(&path)?;
        let receipts: Vec<_> = sent
            .iter()
            .filter_map(|s| {
                let answer = s.outcome.as_ref().ok()?;
                Some((s.ballot, serde_json::from_slice(&answer.body).ok()?))
            })
            .collect();
        let complete = cast.errors.is_empty();
        let audit = finish::audit(
            &admin,
            &open,
            &record,
            &ballots,
            &receipts,
            complete,
            Some(&result),
        )?;
        if args.record.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Some(FinishOutput {
            seconds: started.elapsed().as_secs_f64(),
            record_bytes,
            verify_seconds,
            verified: true,
            audit,
        })
    } else {
        None
    };

    let ok = cast.errors.is_empty() && cast.receipt_failures == 0;
    let output = Output {
        election_id: id,
        servers: args.servers.clone(),
        voters,
        ballots: ballots.len(),
        questions: args.questions + usize::from(args.candidates > 0),
        concurrency: args.concurrency,
        setup_seconds,
        generate_seconds,
        generated_per_second: ballots.len() as f64 / generate_seconds.max(1e-9),
        cast,
        finish: finished,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else {
        print_text(&output);
    }
    Ok(ok)
}

/// A private directory for the record.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("psephos-loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn print_text(o: &Output) {
    let c = &o.cast;
    println!("election        {}", o.election_id);
    println!(
        "setup           {:.1} s ({} voters, {} questions)",
        o.setup_seconds, o.voters, o.questions
    );
    println!(
        "generation      {} ballots in {:.1} s ({:.0} ballots/s)",
        o.ballots, o.generate_seconds, o.generated_per_second
    );
    let mode = c.target_rate.map_or("closed loop".to_string(), |r| {
        format!("open loop at {r} ballots/s")
    });
    println!(
        "casting         {} requests, {} clients, {mode}, {:.1} s",
        c.sent, o.concurrency, c.seconds
    );
    println!(
        "accepted        {} new, {} already stored: {:.1} ballots/s",
        c.accepted, c.already_present, c.accepted_per_second
    );
    println!(
        "latency (ms)    p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  mean {:.1}",
        c.latency.p50_ms, c.latency.p90_ms, c.latency.p99_ms, c.latency.max_ms, c.latency.mean_ms
    );
    println!(
        "receipts        {} verified, {} failed",
        c.receipts_verified, c.receipt_failures
    );
    if c.errors.is_empty() {
        println!("errors          none");
    } else {
        for (key, n) in &c.errors {
            println!("errors          {n} × {key}");
        }
    }
    if let Some(f) = &o.finish {
        println!(
            "finish          {:.1} s; record {} bytes, {} leaves, verified in {:.1} s; {} receipts audited",
            f.seconds, f.record_bytes, f.audit.leaves, f.verify_seconds, f.audit.receipts
        );
    }
}
