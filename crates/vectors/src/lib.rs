//! Language-neutral JSON test vectors for the Psephos cryptographic core.
//!
//! Every file in `spec/vectors/` except the vendored RFC 9496 vectors is
//! produced here, one scenario per file, from a fixed seed: every random
//! value comes from `ChaCha20Rng::seed_from_u64(seed)`, and the provers of
//! `psephos-crypto` draw only from the rng they are given, so the output is
//! byte-for-byte reproducible. `cargo run -p psephos-vectors -- generate`
//! rewrites the files; `… -- check` recomputes them and names every file
//! that differs.
//!
//! Generation also checks itself: every case marked `valid` must verify
//! with `psephos-crypto`, and every case marked `reject: …` must fail,
//! otherwise generation stops with [`Error::Inconsistent`].
#![forbid(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod common;
pub mod json;
pub mod kdf;
pub mod scenarios;
pub mod transcript;

/// Files in `spec/vectors/` that are not generated (vendored from elsewhere,
/// or documentation); `check` leaves them alone.
pub const NOT_GENERATED: &[&str] = &["README.md", "rfc9496-ristretto255.json"];

/// Why generating or checking vectors failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value did not serialise.
    #[error("JSON serialisation failed: {0}")]
    Json(#[source] serde_json::Error),
    /// Reading or writing a vector file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// `psephos-crypto` refused an operation the scenario needs.
    #[error("psephos-crypto refused a scenario step: {0}")]
    Crypto(String),
    /// A generated case does not behave as its `expect` says, or a value
    /// the generator relies on is missing: the vectors would be wrong.
    #[error("inconsistent vector: {0}")]
    Inconsistent(String),
}

impl Error {
    /// Wraps any crate error as [`Error::Crypto`].
    pub fn crypto(error: impl core::fmt::Display) -> Self {
        Error::Crypto(error.to_string())
    }
}

/// One generated vector file.
#[derive(Debug, Clone)]
pub struct VectorFile {
    /// File name inside `spec/vectors/`, e.g. `elgamal.json`.
    pub file_name: String,
    /// The scenario object.
    pub value: Value,
}

impl VectorFile {
    /// The file's exact bytes (see [`json::render`]).
    pub fn contents(&self) -> Result<String, Error> {
        json::render(&self.value)
    }
}

/// Generates every scenario, in file-name order.
pub fn generate_all() -> Result<Vec<VectorFile>, Error> {
    let mut files = scenarios::all()?;
    files.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    for pair in files.windows(2) {
        if pair[0].file_name == pair[1].file_name {
            return Err(Error::Inconsistent(format!(
                "two scenarios write {}",
                pair[0].file_name
            )));
        }
    }
    Ok(files)
}

/// Writes every generated file into `dir` (created if missing); returns the paths written.
pub fn write_all(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for file in generate_all()? {
        let path = dir.join(&file.file_name);
        fs::write(&path, file.contents()?).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// How a file in the vectors directory differs from what generation produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// Generation produces the file but it is not on disk.
    Missing(String),
    /// The file on disk has other contents.
    Differs(String),
    /// A `.json` file on disk that generation does not produce and that is
    /// not vendored ([`NOT_GENERATED`]): probably a renamed scenario.
    Unexpected(String),
}

impl core::fmt::Display for Difference {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Difference::Missing(name) => write!(f, "{name}: missing"),
            Difference::Differs(name) => write!(f, "{name}: differs from the generated vector"),
            Difference::Unexpected(name) => write!(f, "{name}: not produced by the generator"),
        }
    }
}

/// Recomputes every file and compares it with `dir`; an empty list means
/// the checked-in vectors are exactly what the code produces.
pub fn check_dir(dir: &Path) -> Result<Vec<Difference>, Error> {
    let files = generate_all()?;
    let mut differences = Vec::new();
    for file in &files {
        let path = dir.join(&file.file_name);
        match fs::read(&path) {
            Ok(bytes) if bytes == file.contents()?.as_bytes() => {}
            Ok(_) => differences.push(Difference::Differs(file.file_name.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                differences.push(Difference::Missing(file.file_name.clone()))
            }
            Err(source) => return Err(Error::Io { path, source }),
        }
    }
    let entries = fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut unexpected = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let generated = files.iter().any(|f| f.file_name == name);
        if name.ends_with(".json") && !generated && !NOT_GENERATED.contains(&name.as_str()) {
            unexpected.push(Difference::Unexpected(name));
        }
    }
    unexpected.sort_by_key(|d| d.to_string());
    differences.extend(unexpected);
    Ok(differences)
}
