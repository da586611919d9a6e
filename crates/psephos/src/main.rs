//! The `psephos` command.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use psephos::simulate::{run, SimulationConfig, SimulationReport};

#[derive(Parser)]
#[command(
    name = "psephos",
    version,
    about = "Verifiable online voting for member organisations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a complete election in one process and write its record.
    Simulate(SimulateArgs),
    /// Run the voting service.
    Serve(psephos::service::ServeArgs),
    /// Administer the service.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Start the service with a sample election (trustees, members, voting
    /// links), tally when asked, and verify the record.
    Demo(psephos::demo::DemoArgs),
    /// The credential authority: its key and the members' credentials.
    #[command(subcommand)]
    Credentials(psephos_authority::CredentialsCommand),
    /// The credential authority: mail each member their voting link.
    #[command(subcommand)]
    Invite(psephos_authority::InviteCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create the admin token (printed once; its digest is stored).
    Init(psephos::service::AdminInitArgs),
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// Number of voters.
    #[arg(long, default_value_t = 1000)]
    voters: usize,
    /// Referendum questions (yes/no proposals) every voter answers.
    #[arg(long, default_value_t = 17)]
    questions: usize,
    /// Candidates in each region's delegate election (choose 1); 0 for none.
    #[arg(long, default_value_t = 12)]
    candidates: usize,
    /// Number of trustees.
    #[arg(long, default_value_t = 5)]
    trustees: u32,
    /// Trustees needed to decrypt.
    #[arg(long, default_value_t = 3)]
    threshold: u32,
    /// Trustees absent at decryption.
    #[arg(long, default_value_t = 2)]
    absent: u32,
    /// A trustee who deals a bad share in the key ceremony (and is disqualified).
    #[arg(long)]
    cheating_dealer: Option<u32>,
    /// Percentage of voters who change their vote.
    #[arg(long, default_value_t = 10)]
    revote_percent: u32,
    /// Percentage of voters who audit a ballot before casting.
    #[arg(long, default_value_t = 5)]
    audit_percent: u32,
    /// Seed of the simulation's randomness (simulations only; real elections never seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the election record.
    #[arg(long, short, default_value = "election-record.jsonl")]
    output: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Do not run the verifier on the record afterwards.
    #[arg(long)]
    no_verify: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Simulate(args) => simulate(args),
        Command::Serve(args) => {
            init_logging();
            psephos::service::serve(args)
        }
        Command::Admin(AdminCommand::Init(args)) => psephos::service::admin_init(args),
        Command::Demo(args) => {
            init_logging_or("warn");
            psephos::demo::run(&args).map(|_| ()).map_err(Into::into)
        }
        Command::Credentials(command) => {
            init_logging();
            return authority(command.run());
        }
        Command::Invite(command) => {
            init_logging();
            return authority(command.run());
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("psephos: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints a credential-authority report; exits 1 when the work is not
/// finished (members not mailed), 2 on error.
fn authority(
    result: Result<psephos_authority::Report, psephos_authority::AuthorityError>,
) -> ExitCode {
    match result {
        Ok(report) => {
            println!("{}", report.render());
            if report.success {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("psephos: {e}");
            ExitCode::from(2)
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: info).
fn init_logging() {
    init_logging_or("info");
}

/// Logs to stderr, filtered by `RUST_LOG` (default: `default`).
fn init_logging_or(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let config = SimulationConfig {
        voters: args.voters,
        proposals: args.questions,
        candidates: args.candidates,
        trustees: args.trustees,
        threshold: args.threshold,
        absent: args.absent,
        cheating_dealer: args.cheating_dealer,
        revote_percent: args.revote_percent,
        audit_percent: args.audit_percent,
        seed: args.seed,
        output: args.output.clone(),
        progress: !args.quiet && !args.json && std::io::stderr().is_terminal(),
    };
    let report = run(&config).context("simulation failed")?;
    let verification = if args.no_verify {
        None
    } else {
        let options = psephos_verifier::VerifyOptions {
            progress: config.progress,
            receipt: None,
        };
        let started = std::time::Instant::now();
        let (verdict, _) = psephos_verifier::verify_file(&args.output, &options)
            .context("verifying the record")?;
        Some((verdict, started.elapsed()))
    };
    if args.json {
        let json = serde_json::json!({
            "record": args.output,
            "leaves": report.leaves,
            "record_bytes": report.record_bytes,
            "ballots_cast": report.ballots_cast,
            "revotes": report.revotes,
            "audits": report.audits,
            "disqualified": report.disqualified,
            "timings_ms": report.timings.iter().map(|(k, d)| (k.to_string(), d.as_millis() as u64)).collect::<std::collections::BTreeMap<_, _>>(),
            "result": report.result,
            "verified": verification.as_ref().map(|(v, _)| v.verified),
            "verify_seconds": verification.as_ref().map(|(_, t)| t.as_secs_f64()),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print_report(&report, &args.output);
        if let Some((verdict, time)) = &verification {
            println!(
                "psephos-verify: {} ({} checks, {:.2} s)",
                if verdict.verified {
                    "VERIFIED"
                } else {
                    "NOT VERIFIED"
                },
                verdict.checks.len(),
                time.as_secs_f64()
            );
            for check in verdict.failed() {
                println!(
                    "  {} {} failed: {:?}",
                    check.id,
                    check.name,
                    check.failures.first().map(|f| &f.message)
                );
            }
        }
    }
    match verification {
        Some((verdict, _)) if !verdict.verified => {
            anyhow::bail!("the simulated record does not verify")
        }
        _ => Ok(()),
    }
}

fn print_report(report: &SimulationReport, output: &std::path::Path) {
    let m = &report.manifest;
    println!("{} — {}", m.organisation, m.title);
    println!(
        "{} ballots cast ({} revotes), {} audited and spoiled; trustees decrypting: {:?}",
        report.ballots_cast,
        report.revotes,
        report.audits,
        report
            .decrypted_by
            .iter()
            .map(|i| i.get())
            .collect::<Vec<_>>()
    );
    for d in &report.disqualified {
        println!(
            "trustee {} disqualified in the key ceremony: {:?}",
            d.trustee, d.why
        );
    }
    println!();
    println!("{:<28} {:>9}  counts", "question", "ballots");
    for total in &report.result.overall {
        let labels: Vec<String> = m
            .question(&total.question)
            .map(|q| q.option_ids().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default();
        let counts: Vec<String> = labels
            .iter()
            .zip(&total.counts)
            .map(|(l, c)| format!("{l} {c}"))
            .collect();
        println!(
            "{:<28} {:>9}  {}",
            total.question,
            total.ballots,
            counts.join(", ")
        );
    }
    println!();
    for (phase, time) in &report.timings {
        println!("{phase:<14} {:>8.2} s", time.as_secs_f64());
    }
    println!(
        "record: {} ({} leaves, {:.1} MB, {:.1} KB per ballot)",
        output.display(),
        report.leaves,
        report.record_bytes as f64 / 1e6,
        report.record_bytes as f64 / 1e3 / report.ballots_cast.max(1) as f64
    );
    println!("verify it with: psephos-verify {}", output.display());
}
