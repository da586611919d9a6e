//! `psephos-vectors`: writes the JSON test vectors of `spec/vectors/`, or
//! checks that the checked-in files are exactly what the code produces.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// Generate or check the language-neutral test vectors.
#[derive(Debug, Parser)]
#[command(name = "psephos-vectors", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write every generated vector file into the directory.
    Generate {
        /// Output directory.
        #[arg(long, default_value = "spec/vectors")]
        out: PathBuf,
    },
    /// Recompute every vector and compare with the files in the directory;
    /// exits with status 1 and names each differing file if any differs.
    Check {
        /// Directory holding the checked-in vectors.
        #[arg(long, default_value = "spec/vectors")]
        dir: PathBuf,
    },
}

fn main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Generate { out } => {
            let written = psephos_vectors::write_all(&out)
                .with_context(|| format!("generating vectors into {}", out.display()))?;
            for path in &written {
                println!("wrote {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dir } => {
            let differences = psephos_vectors::check_dir(&dir)
                .with_context(|| format!("checking vectors in {}", dir.display()))?;
            if differences.is_empty() {
                println!("all vectors in {} are up to date", dir.display());
                Ok(ExitCode::SUCCESS)
            } else {
                for difference in &differences {
                    eprintln!("{difference}");
                }
                eprintln!(
                    "{} vector file(s) differ; regenerate deliberately with \
                     `cargo run -p psephos-vectors -- generate` if the protocol changed",
                    differences.len()
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}
