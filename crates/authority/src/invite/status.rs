//! The delivery journal: one JSON object per line, appended and synced
//! after every step, so that a run that stops for any reason can resume
//! without mailing anyone twice.
//!
//! Before a message goes out a `sending` line is written; once the server
//! accepts it, a `sent` line; when it cannot be delivered, a `failed` line.
//! On resume, members with `sent` are skipped, members with `failed` are
//! tried again, and a member whose last line is `sending` (the run died
//! mid-send, so the message may or may not have gone) is skipped and
//! reported as uncertain unless `--resend-uncertain` is given.
//! The journal holds addresses and outcomes, never a link.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::AuthorityError;
use crate::files::{self, Access};

/// The outcome recorded by one journal line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// About to hand the message to the server.
    Sending,
    /// The server accepted the message.
    Sent,
    /// The message could not be delivered.
    Failed,
}

/// One journal line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The election the invitation is for.
    pub election_id: String,
    /// The recipient, as in the links file.
    pub email: String,
    /// What happened.
    pub status: Status,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Delivery attempts made in this run (`sent` and `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The server's reply to an accepted message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    /// Why delivery failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether the failure is permanent (a 5xx reply, a bad address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permanent: Option<bool>,
}

/// A recipient's state according to the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Accepted by the server: never send again.
    Sent,
    /// A send began and its outcome was never recorded.
    Uncertain,
    /// Tried and failed: may be tried again.
    Failed,
}

/// The journal: states read at open, new lines appended and synced.
pub struct Journal {
    path: PathBuf,
    election_id: String,
    states: HashMap<String, State>,
    file: Option<File>,
    /// The file ends in a line without its newline: repaired before the
    /// first append, by truncating it (if it did not parse) or ending it.
    repair: Option<Repair>,
}

#[derive(Clone, Copy, Debug)]
enum Repair {
    Truncate(u64),
    EndLine,
}

/// The key a recipient is known by: the address, lower-cased.
pub fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Journal {
    /// Reads the journal at `path` (absent means empty). A last line cut
    /// short by a crash is ignored; any other bad line is an error, as is a
    /// line for another election.
    pub fn open(path: &Path, election_id: &str) -> Result<Self, AuthorityError> {
        let mut states = HashMap::new();
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(AuthorityError::io(path, e)),
        };
        let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let complete = bytes.last().is_none_or(|b| *b == b'\n');
        let mut repair = (!complete).then_some(Repair::EndLine);
        for (index, line) in lines.iter().enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let torn_tail = index + 1 == lines.len() && !complete;
            let entry: Entry = match serde_json::from_slice(line) {
                Ok(entry) => entry,
                Err(_) if torn_tail => {
                    tracing::warn!(path = %path.display(), "ignoring an incomplete last line of the status file");
                    repair = Some(Repair::Truncate((bytes.len() - line.len()) as u64));
                    break;
                }
                Err(e) => {
                    return Err(AuthorityError::StatusFile {
                        path: path.to_path_buf(),
                        line: index + 1,
                        reason: e.to_string(),
                    })
                }
            };
            if entry.election_id != election_id {
                return Err(AuthorityError::StatusFile {
                    path: path.to_path_buf(),
                    line: index + 1,
                    reason: format!(
                        "this status file is for election {:?}, not {election_id:?}",
                        entry.election_id
                    ),
                });
            }
            let recipient = key(&entry.email);
            let previous = states.get(&recipient).copied();
            let next = match (previous, entry.status) {
                // Once accepted, always accepted.
                (Some(State::Sent), _) | (_, Status::Sent) => State::Sent,
                (_, Status::Sending) => State::Uncertain,
                (_, Status::Failed) => State::Failed,
            };
            states.insert(recipient, next);
        }
        Ok(Journal {
            path: path.to_path_buf(),
            election_id: election_id.to_string(),
            states,
            file: None,
            repair,
        })
    }

    /// The recorded state of a recipient, if any.
    pub fn state(&self, email: &str) -> Option<State> {
        self.states.get(&key(email)).copied()
    }

    /// Appends one line and syncs it to disk before returning.
    pub fn record(
        &mut self,
        email: &str,
        status: Status,
        detail: Detail,
    ) -> Result<(), AuthorityError> {
        let entry = Entry {
            election_id: self.election_id.clone(),
            email: email.to_string(),
            status,
            at: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            attempts: detail.attempts,
            response: detail.response,
            reason: detail.reason,
            permanent: detail.permanent,
        };
        let mut line = serde_json::to_vec(&entry)?;
        line.push(b'\n');
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                let mut file = files::open_append(&self.path, Access::Private)
                    .map_err(|e| AuthorityError::io(&self.path, e))?;
                match self.repair.take() {
                    Some(Repair::Truncate(len)) => file.set_len(len),
                    Some(Repair::EndLine) => file.write_all(b"\n"),
                    None => Ok(()),
                }
                .map_err(|e| AuthorityError::io(&self.path, e))?;
                self.file.insert(file)
            }
        };
        file.write_all(&line)
            .and_then(|()| file.sync_data())
            .map_err(|e| AuthorityError::io(&self.path, e))?;
        let state = match status {
            Status::Sending => State::Uncertain,
            Status::Sent => State::Sent,
            Status::Failed => State::Failed,
        };
        self.states.insert(key(email), state);
        Ok(())
    }
}

/// Optional fields of a journal line.
#[derive(Clone, Debug, Default)]
pub struct Detail {
    /// Attempts made.
    pub attempts: Option<u32>,
    /// The server's reply.
    pub response: Option<String>,
    /// Why it failed.
    pub reason: Option<String>,
    /// Whether the failure is permanent.
    pub permanent: Option<bool>,
}

/// Reads every line of a journal (for reports and tests).
pub fn read_entries(path: &Path) -> Result<Vec<Entry>, AuthorityError> {
    let text = std::fs::read_to_string(path).map_err(|e| AuthorityError::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|e| AuthorityError::StatusFile {
                path: path.to_path_buf(),
                line: index + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_survive_reopening_and_sent_is_final() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.jsonl");
        let mut journal = Journal::open(&path, "e1").unwrap();
        journal
            .record("A@x", Status::Sending, Detail::default())
            .unwrap();
        journal
            .record("a@x", Status::Sent, Detail::default())
            .unwrap();
        journal
            .record("b@x", Status::Sending, Detail::default())
            .unwrap();
        journal
            .record("c@x", Status::Sending, Detail::default())
            .unwrap();
        journal
            .record(
                "c@x",
                Status::Failed,
                Detail {
                    reason: Some("451".into()),
                    ..Detail::default()
                },
            )
            .unwrap();
        // A later stray line cannot undo a delivery.
        journal
            .record("a@x", Status::Failed, Detail::default())
            .unwrap();
        drop(journal);

        let journal = Journal::open(&path, "e1").unwrap();
        assert_eq!(journal.state("a@X"), Some(State::Sent));
        assert_eq!(journal.state("b@x"), Some(State::Uncertain));
        assert_eq!(journal.state("c@x"), Some(State::Failed));
        assert_eq!(journal.state("d@x"), None);
        assert_eq!(read_entries(&path).unwrap().len(), 6);
    }

    #[test]
    fn a_torn_last_line_is_ignored_but_other_damage_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.jsonl");
        let mut journal = Journal::open(&path, "e1").unwrap();
        journal
            .record("a@x", Status::Sent, Detail::default())
            .unwrap();
        drop(journal);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"election_id\":\"e1\",\"email\":\"b@x\",\"sta");
        std::fs::write(&path, &text).unwrap();
        let mut journal = Journal::open(&path, "e1").unwrap();
        assert_eq!(journal.state("a@x"), Some(State::Sent));
        assert_eq!(journal.state("b@x"), None);
        // The next line replaces the torn one.
        journal
            .record("b@x", Status::Sent, Detail::default())
            .unwrap();
        drop(journal);
        assert_eq!(read_entries(&path).unwrap().len(), 2);

        // A complete last line without its newline is kept and ended.
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.trim_end()).unwrap();
        let mut journal = Journal::open(&path, "e1").unwrap();
        assert_eq!(journal.state("b@x"), Some(State::Sent));
        journal
            .record("c@x", Status::Sent, Detail::default())
            .unwrap();
        drop(journal);
        assert_eq!(read_entries(&path).unwrap().len(), 3);
        let text = std::fs::read_to_string(&path).unwrap();

        std::fs::write(&path, format!("garbage\n{text}\n")).unwrap();
        assert!(matches!(
            Journal::open(&path, "e1"),
            Err(AuthorityError::StatusFile { line: 1, .. })
        ));
        let other = dir.path().join("other.jsonl");
        let mut journal = Journal::open(&other, "e2").unwrap();
        journal
            .record("a@x", Status::Sent, Detail::default())
            .unwrap();
        assert!(matches!(
            Journal::open(&other, "e1"),
            Err(AuthorityError::StatusFile { line: 1, .. })
        ));
    }
}
