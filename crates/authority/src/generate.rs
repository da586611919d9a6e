//! Issuing credentials (spec/record.md §6): one fresh secret credential per
//! member of the roll, the signed list of public credentials with their
//! ballot styles (uploaded to the server), and the private file of personal
//! voting links (mailed by `invite send`, never uploaded).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use psephos_election::credentials::{
    CredentialEntry, CredentialList, SecretCredential, VotingLink,
};
use psephos_election::manifest::Manifest;
use psephos_election::roll::{count_by_style, parse_roll, Member};
use rand_core::{CryptoRngCore, OsRng};
use serde::Serialize;

use crate::error::AuthorityError;
use crate::files::{self, Access};
use crate::keys::AuthorityKey;
use crate::links::{self, PersonalLink};

/// What `generate` reads and writes.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// The election manifest (JSON).
    pub manifest: PathBuf,
    /// The member roll (CSV, spec/api.md §5.1).
    pub roll: PathBuf,
    /// The authority's key file.
    pub key: PathBuf,
    /// The voting service's public URL; links are `<base>/vote#…`.
    pub base_url: String,
    /// Where to write the signed public credential list (JSON).
    pub list_out: PathBuf,
    /// Where to write the private links (JSONL, mode 0600).
    pub links_out: PathBuf,
    /// Replace existing output files.
    pub force: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// What `generate` did.
#[derive(Clone, Debug, Serialize)]
pub struct GenerateReport {
    /// The election.
    pub election_id: String,
    /// Credentials issued (one per member).
    pub members: usize,
    /// Members per ballot style.
    pub by_style: BTreeMap<String, usize>,
    /// The public list written.
    pub credential_list: PathBuf,
    /// The private links written.
    pub links: PathBuf,
    /// The authority's public key (as in the manifest).
    pub authority_key: String,
}

/// Reads the manifest from a file, validating it.
pub fn load_manifest(path: &Path) -> Result<Manifest, AuthorityError> {
    let bytes = files::read(path)?;
    Manifest::from_json(&bytes).map_err(|source| AuthorityError::Manifest {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks that the manifest names this authority's key.
pub fn check_authority_key(manifest: &Manifest, key: &AuthorityKey) -> Result<(), AuthorityError> {
    if manifest.credential_authority_key != key.public() {
        return Err(AuthorityError::KeyMismatch {
            manifest: hex::encode(manifest.credential_authority_key.as_bytes()),
            key: key.public_hex(),
        });
    }
    Ok(())
}

/// Checks the voting service's base URL and removes trailing slashes.
/// It must be `https://host[/path]`, or `http://` to a loopback host (for
/// trials on one machine), with no query or fragment.
pub fn normalise_base_url(url: &str) -> Result<String, AuthorityError> {
    let bad = |reason: &str| AuthorityError::BaseUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = url.trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| bad("expected https://host"))?;
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if trimmed.contains(['#', '?']) || trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(bad("must not contain '#', '?' or white space"));
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
        || rest.starts_with("[::1]");
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(trimmed.to_string()),
        "http" if loopback => Ok(trimmed.to_string()),
        "http" => Err(bad(
            "voting links must use https (http is allowed only for localhost)",
        )),
        _ => Err(bad("expected https://host")),
    }
}

/// Draws one credential per member and signs the list. Returns the list
/// and the members' links, in roll order.
pub fn issue_credentials_with_rng<R: CryptoRngCore + ?Sized>(
    manifest: &Manifest,
    members: &[Member],
    key: &AuthorityKey,
    base_url: &str,
    rng: &mut R,
    progress: &ProgressBar,
) -> Result<(CredentialList, Vec<PersonalLink>), AuthorityError> {
    check_authority_key(manifest, key)?;
    let base_url = normalise_base_url(base_url)?;
    let election_id = manifest.election_id.as_str();
    let mut entries = Vec::with_capacity(members.len());
    let mut links = Vec::with_capacity(members.len());
    for member in members {
        if manifest.style(&member.style).is_none() {
            return Err(psephos_election::error::CredentialError::UnknownStyle(
                member.style.clone(),
            )
            .into());
        }
        let credential = SecretCredential::generate_with_rng(rng);
        entries.push(CredentialEntry {
            credential: credential.public(election_id),
            style: member.style.clone(),
        });
        let link = VotingLink {
            election_id: election_id.to_string(),
            credential,
        };
        links.push(PersonalLink::new(
            member.name.clone(),
            member.email.clone(),
            member.style.clone(),
            &link.to_url(&base_url),
        ));
        progress.inc(1);
    }
    let list = CredentialList::sign(election_id, entries, key.signing_key())?;
    // Two members drawing the same credential (a 2^-160 event, or a broken
    // generator) would share a vote: refuse rather than publish that.
    if list
        .credentials
        .windows(2)
        .any(|w| w[0].credential == w[1].credential)
    {
        return Err(AuthorityError::Config(
            "two members drew the same credential: the random generator is broken".into(),
        ));
    }
    Ok((list, links))
}

/// Runs the whole step with the operating system's random generator.
pub fn generate(options: &GenerateOptions) -> Result<GenerateReport, AuthorityError> {
    generate_with_rng(options, &mut OsRng)
}

/// Runs the whole step: reads and checks every input, then writes the
/// private links file and the public list. Nothing is written if any input
/// is bad or an output exists (without `force`).
pub fn generate_with_rng<R: CryptoRngCore + ?Sized>(
    options: &GenerateOptions,
    rng: &mut R,
) -> Result<GenerateReport, AuthorityError> {
    let manifest = load_manifest(&options.manifest)?;
    let key = AuthorityKey::load(&options.key)?;
    check_authority_key(&manifest, &key)?;
    let base_url = normalise_base_url(&options.base_url)?;
    files::check_absent(&options.links_out, options.force)?;
    files::check_absent(&options.list_out, options.force)?;
    if options.links_out == options.list_out {
        return Err(AuthorityError::Config(
            "the credential list and the links file must be different files".into(),
        ));
    }
    let roll = files::read(&options.roll)?;
    let members = parse_roll(&roll, &manifest).map_err(|errors| AuthorityError::Roll {
        path: options.roll.clone(),
        errors,
    })?;
    let by_style = count_by_style(&members)
        .into_iter()
        .map(|(style, n)| (style.to_string(), n))
        .collect();

    let progress = if options.progress {
        let bar = ProgressBar::new(members.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} credentials ({eta})")
        {
            bar.set_style(style);
        }
        bar.set_message("issuing");
        bar
    } else {
        ProgressBar::hidden()
    };
    let (list, links) =
        issue_credentials_with_rng(&manifest, &members, &key, &base_url, rng, &progress)?;
    progress.finish_and_clear();

    // The private file first: a list without its links is useless, while
    // links without a list can be regenerated with --force before upload.
    links::write_links(&options.links_out, &links, options.force)?;
    files::write_atomic(&options.list_out, Access::Public, options.force, |w| {
        serde_json::to_writer(&mut *w, &list).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })?;
    tracing::info!(
        election = %manifest.election_id,
        members = members.len(),
        "credentials issued"
    );
    Ok(GenerateReport {
        election_id: manifest.election_id.clone(),
        members: members.len(),
        by_style,
        credential_list: options.list_out.clone(),
        links: options.links_out.clone(),
        authority_key: key.public_hex(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_except_on_loopback() {
        assert_eq!(
            normalise_base_url("https://vote.example.org/").unwrap(),
            "https://vote.example.org"
        );
        assert_eq!(
            normalise_base_url("https://example.org/ballots//").unwrap(),
            "https://example.org/ballots"
        );
        assert!(normalise_base_url("http://127.0.0.1:8080").is_ok());
        assert!(normalise_base_url("http://localhost:8080/").is_ok());
        assert!(normalise_base_url("http://[::1]:8080").is_ok());
        for bad in [
            "http://vote.example.org",
            "vote.example.org",
            "ftp://vote.example.org",
            "https://",
            "https://vote.example.org/#x",
            "https://vote.example.org/?a=b",
            "https://vote example.org",
            "http://127.evil.example",
        ] {
            assert!(
                matches!(normalise_base_url(bad), Err(AuthorityError::BaseUrl { .. })),
                "{bad}"
            );
        }
    }
}
