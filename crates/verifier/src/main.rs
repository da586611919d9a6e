//! `psephos-verify`: the auditor's tool. Exit code 0: verified; 1: the
//! record is readable but does not verify; 2: unreadable input or usage.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use psephos_election::receipt::Receipt;
use psephos_verifier::{verify_file, ReceiptCheck, Report, Status, VerifyOptions};
use std::io::{self, Write};

#[derive(Parser)]
#[command(
    name = "psephos-verify",
    version,
    about = "Verify a Psephos election record without trusting anyone"
)]
struct Cli {
    /// The election record (.jsonl) to verify.
    record: PathBuf,
    /// Also check that this receipt's ballot is in the record.
    #[arg(long)]
    receipt: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    /// Print only the verdict.
    #[arg(long, short)]
    quiet: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(threads) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
        {
            eprintln!("psephos-verify: cannot start {threads} threads: {e}");
            return ExitCode::from(2);
        }
    }
    let receipt = match cli.receipt.as_ref().map(read_receipt).transpose() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("psephos-verify: {e}");
            return ExitCode::from(2);
        }
    };
    let options = VerifyOptions {
        progress: !cli.quiet && !cli.json && std::io::stderr().is_terminal(),
        receipt,
    };
    let started = Instant::now();
    let (report, receipt_check) = match verify_file(&cli.record, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "psephos-verify: {}: unreadable record: {e}",
                cli.record.display()
            );
            return ExitCode::from(2);
        }
    };
    let elapsed = started.elapsed();
    let receipt_ok = receipt_check.as_ref().is_none_or(|r| r.ok);
    let verdict = report.verified && receipt_ok;
    // A closed stdout (`psephos-verify … | head`) is not an error of the
    // record: the exit code still tells the verdict.
    let mut out = io::stdout().lock();
    let written = if cli.json {
        let json = serde_json::json!({
            "report": report,
            "receipt": receipt_check,
            "seconds": elapsed.as_secs_f64(),
            "peak_memory_kib": peak_memory_kib(),
        });
        serde_json::to_string_pretty(&json)
            .map_err(io::Error::other)
            .and_then(|text| writeln!(out, "{text}"))
    } else {
        print_text(
            &mut out,
            &cli,
            &report,
            receipt_check.as_ref(),
            verdict,
            elapsed.as_secs_f64(),
        )
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("psephos-verify: writing the report: {e}");
            return ExitCode::from(2);
        }
    }
    if verdict {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The process's peak resident memory (Linux `VmHWM`), if known.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read_receipt(path: &PathBuf) -> Result<Receipt, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not a receipt: {e}", path.display()))
}

fn print_text(
    out: &mut impl Write,
    cli: &Cli,
    report: &Report,
    receipt: Option<&ReceiptCheck>,
    verdict: bool,
    seconds: f64,
) -> io::Result<()> {
    if !cli.quiet {
        print_checks(out, report)?;
    }
    if let Some(r) = receipt {
        writeln!(
            out,
            "receipt: {} — {}",
            if r.ok { "OK" } else { "FAILED" },
            r.message
        )?;
    }
    writeln!(
        out,
        "{}: {} ({} leaves, {seconds:.1} s)",
        report
            .election_id
            .as_deref()
            .unwrap_or("(unknown election)"),
        if verdict { "VERIFIED" } else { "NOT VERIFIED" },
        report.leaves
    )
}

fn print_checks(out: &mut impl Write, report: &Report) -> io::Result<()> {
    for check in &report.checks {
        let status = match check.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
        };
        writeln!(
            out,
            "{:<4} {:<20} {status}  {} {}",
            check.id, check.name, check.checked, check.unit
        )?;
        for failure in &check.failures {
            match failure.leaf {
                Some(leaf) => writeln!(out, "       leaf {leaf}: {}", failure.message)?,
                None => writeln!(out, "       {}", failure.message)?,
            }
        }
        if check.failure_count > check.failures.len() as u64 {
            writeln!(
                out,
                "       … and {} more",
                check.failure_count - check.failures.len() as u64
            )?;
        }
    }
    Ok(())
}
