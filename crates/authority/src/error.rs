//! The credential authority's errors. Each says what to fix; none carries a
//! secret credential, a voting link or an SMTP password.

use std::fmt;
use std::path::PathBuf;

use psephos_election::error::{CredentialError, ManifestError};
use psephos_election::roll::RollError;
use thiserror::Error;

/// Roll errors shown in a message before the rest are counted.
const ROLL_ERRORS_SHOWN: usize = 50;

/// Everything that can stop a credential-authority command.
#[derive(Debug, Error)]
pub enum AuthorityError {
    /// A file could not be read, written, renamed or synced.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The manifest file is not a valid election manifest.
    #[error("{}: {source}", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The field at fault.
        source: ManifestError,
    },
    /// The roll has bad rows (all of them are listed).
    #[error("{}: {} bad row(s) in the roll; nothing was written\n{}", path.display(), errors.len(), RollErrors(errors))]
    Roll {
        /// The roll file.
        path: PathBuf,
        /// Every error found, in row order.
        errors: Vec<RollError>,
    },
    /// The authority's key file is missing parts or does not decode.
    #[error("{}: not a credential authority key file: {reason}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The manifest names another credential authority key than the one
    /// given: the list would not verify.
    #[error("the manifest's credential_authority_key is {manifest} but the key file holds {key}: use the matching key, or put {key} in the manifest before it is posted")]
    KeyMismatch {
        /// Hex of the manifest's key.
        manifest: String,
        /// Hex of the key file's public key.
        key: String,
    },
    /// An output file exists and `--force` was not given.
    #[error("{} already exists; refusing to overwrite it (pass --force to replace it)", path.display())]
    Exists {
        /// The existing file.
        path: PathBuf,
    },
    /// The voting service's base URL cannot carry voting links.
    #[error("bad base URL {url:?}: {reason}")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// Building or signing the credential list failed.
    #[error("credential list: {0}")]
    Credential(#[from] CredentialError),
    /// A line of the private links file is not a member's link for this
    /// election.
    #[error("{}: line {line}: {reason}", path.display())]
    LinksFile {
        /// The links file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong (never the link itself).
        reason: String,
    },
    /// A line of the delivery status file does not parse, or the file
    /// belongs to another election.
    #[error("{}: line {line}: {reason}", path.display())]
    StatusFile {
        /// The status file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// An option or template is unusable (missing password, bad address,
    /// a template without the link).
    #[error("{0}")]
    Config(String),
    /// The SMTP server could not be reached, refused the login, or went
    /// away during the run; members not yet marked sent can be mailed by
    /// running the command again.
    #[error("SMTP server {server}: {reason}")]
    Smtp {
        /// `host:port`.
        server: String,
        /// What failed.
        reason: String,
    },
    /// JSON could not be written.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl AuthorityError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AuthorityError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Lists roll errors one per line, cut short after [`ROLL_ERRORS_SHOWN`].
struct RollErrors<'a>(&'a [RollError]);

impl fmt::Display for RollErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().take(ROLL_ERRORS_SHOWN).enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "  {error}")?;
        }
        if self.0.len() > ROLL_ERRORS_SHOWN {
            write!(f, "\n  … and {} more", self.0.len() - ROLL_ERRORS_SHOWN)?;
        }
        Ok(())
    }
}
