//! The private links file: one JSON object per line,
//! `{"name":…,"email":…,"style":…,"link":…}`, one per member, in roll
//! order. Whoever holds a link can vote in that member's name, so the file
//! is written with mode 0600, read only by `invite send`, and should be
//! deleted once the invitations are out.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use psephos_election::credentials::VotingLink;
use psephos_election::manifest::Manifest;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::AuthorityError;
use crate::files::{self, Access};
use crate::invite::status;

/// Shown instead of the secret credential wherever a link is displayed.
pub const REDACTED: &str = "<secret credential>";

/// One member's personal voting link. The link is zeroized on drop and
/// never shown by `Debug`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalLink {
    /// The member's name.
    pub name: String,
    /// The member's email address.
    pub email: String,
    /// The member's ballot style id.
    pub style: String,
    link: String,
}

impl PersonalLink {
    /// A member's link.
    pub fn new(name: String, email: String, style: String, link: &str) -> Self {
        PersonalLink {
            name,
            email,
            style,
            link: link.to_string(),
        }
    }

    /// The whole link, secret included: only for the member's own message.
    pub fn link(&self) -> &str {
        &self.link
    }

    /// The link with its secret credential replaced by [`REDACTED`], for
    /// dry runs and logs.
    pub fn redacted(&self) -> String {
        redact(&self.link)
    }
}

impl Drop for PersonalLink {
    fn drop(&mut self) {
        self.link.zeroize();
    }
}

impl fmt::Debug for PersonalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonalLink")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("style", &self.style)
            .field("link", &self.redacted())
            .finish()
    }
}

/// `…#election.SECRET` becomes `…#election.<secret credential>`.
pub fn redact(link: &str) -> String {
    match link.rsplit_once('#') {
        Some((base, fragment)) => match fragment.rsplit_once('.') {
            Some((election, _)) => format!("{base}#{election}.{REDACTED}"),
            None => format!("{base}#{REDACTED}"),
        },
        None => REDACTED.to_string(),
    }
}

/// Writes the links file atomically with mode 0600.
pub fn write_links(path: &Path, links: &[PersonalLink], force: bool) -> Result<(), AuthorityError> {
    files::write_atomic(path, Access::Private, force, |w| {
        for link in links {
            let line = Zeroizing::new(serde_json::to_vec(link).map_err(std::io::Error::other)?);
            w.write_all(&line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Reads a links file and checks each line: a member with a name and
/// email, a style of the manifest, and a link that parses for this
/// election. Error messages never quote a link.
pub fn read_links(path: &Path, manifest: &Manifest) -> Result<Vec<PersonalLink>, AuthorityError> {
    let bytes = Zeroizing::new(files::read(path)?);
    if files::readable_by_others(path) {
        tracing::warn!(
            path = %path.display(),
            "the links file is readable by other users; chmod 600 it"
        );
    }
    let bad = |line: usize, reason: String| AuthorityError::LinksFile {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut links = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let number = index + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let link: PersonalLink = serde_json::from_slice(line).map_err(|e| {
            bad(
                number,
                format!(
                    "expected a JSON object with name, email, style and link ({:?} error at column {})",
                    e.classify(),
                    e.column()
                ),
            )
        })?;
        let parsed = VotingLink::parse(link.link())
            .map_err(|_| bad(number, "the link is not a voting link".into()))?;
        if parsed.election_id != manifest.election_id {
            return Err(bad(
                number,
                format!(
                    "the link is for election {:?}, the manifest is {:?}",
                    parsed.election_id, manifest.election_id
                ),
            ));
        }
        if manifest.style(&link.style).is_none() {
            return Err(bad(
                number,
                format!("unknown ballot style {:?}", link.style),
            ));
        }
        if link.email.trim().is_empty() {
            return Err(bad(number, "the email address is empty".into()));
        }
        // The delivery journal knows members by address: two lines with one
        // address would leave one of them unmailed.
        if let Some(first) = first_line_of.insert(status::key(&link.email), number) {
            return Err(bad(
                number,
                format!("{} is also the address on line {first}", link.email),
            ));
        }
        links.push(link);
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_the_election_and_drops_the_secret() {
        let link = "https://vote.example.org/vote#agm-2026.v2.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT";
        assert_eq!(
            redact(link),
            "https://vote.example.org/vote#agm-2026.v2.<secret credential>"
        );
        assert_eq!(redact("no fragment"), REDACTED);
        let member = PersonalLink::new("Ada".into(), "a@b".into(), "north".into(), link);
        let debug = format!("{member:?}");
        assert!(!debug.contains("AAAQEAYE"), "{debug}");
        assert!(debug.contains("Ada"));
    }
}
