//! The credential authority's commands, as clap types that the `psephos`
//! binary mounts as `psephos credentials …` and `psephos invite …`. Each
//! `run` does the work and returns a [`Report`] for the binary to print;
//! errors go back as [`AuthorityError`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use rand_core::OsRng;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::AuthorityError;
use crate::generate::{generate, load_manifest, GenerateOptions};
use crate::invite::smtp::{SmtpSettings, TlsMode};
use crate::invite::{send_invitations, InviteOptions, InviteReport, Rate};
use crate::keys::AuthorityKey;

/// What a command produced: text for people or JSON for machines, and
/// whether it finished its job (the binary exits 1 when it did not).
#[derive(Clone, Debug)]
pub struct Report {
    /// The human-readable result.
    pub text: String,
    /// The same as JSON.
    pub json: serde_json::Value,
    /// Whether `--json` was asked for.
    pub as_json: bool,
    /// False when the work is incomplete (members not mailed).
    pub success: bool,
}

impl Report {
    fn new<T: Serialize>(value: &T, text: String, as_json: bool) -> Result<Self, AuthorityError> {
        Ok(Report {
            text,
            json: serde_json::to_value(value)?,
            as_json,
            success: true,
        })
    }

    /// What to print on stdout.
    pub fn render(&self) -> String {
        if self.as_json {
            serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| self.json.to_string())
        } else {
            self.text.trim_end().to_string()
        }
    }
}

/// `psephos credentials …`: the authority's key and the credentials.
#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// Create the authority's signing key (mode 0600) and print its public
    /// key, which goes into the manifest as credential_authority_key.
    Keygen(KeygenArgs),
    /// Print the public key of an existing key file.
    PublicKey(PublicKeyArgs),
    /// Issue one credential per member of the roll: write the signed public
    /// credential list (to upload) and the private links file (to mail).
    Generate(GenerateArgs),
}

/// Arguments of `credentials keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the key file.
    #[arg(long, short, default_value = "authority.key")]
    pub out: PathBuf,
    /// Replace an existing key file (the old key is lost).
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `credentials public-key`.
#[derive(Debug, Args)]
pub struct PublicKeyArgs {
    /// The key file.
    #[arg(long, default_value = "authority.key")]
    pub key: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `credentials generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The election manifest (JSON); its credential_authority_key must be
    /// this authority's.
    #[arg(long)]
    pub manifest: PathBuf,
    /// The member roll: CSV with columns name, email, style.
    #[arg(long)]
    pub roll: PathBuf,
    /// The authority's key file.
    #[arg(long, default_value = "authority.key")]
    pub key: PathBuf,
    /// The voting service's public URL; links are `<URL>/vote#…`.
    #[arg(long)]
    pub base_url: String,
    /// Where to write the signed credential list (public: upload it to
    /// POST /api/elections/{id}/credential-list).
    #[arg(long, default_value = "credential-list.json")]
    pub list_out: PathBuf,
    /// Where to write the members' personal links (private, mode 0600).
    #[arg(long, default_value = "voting-links.jsonl")]
    pub links_out: PathBuf,
    /// Replace existing output files (links already mailed stop working
    /// once the new list is uploaded).
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl CredentialsCommand {
    /// Runs the command.
    pub fn run(self) -> Result<Report, AuthorityError> {
        match self {
            CredentialsCommand::Keygen(args) => {
                let key = AuthorityKey::generate_with_rng(&mut OsRng);
                key.save(&args.out, args.force)?;
                let value = serde_json::json!({
                    "key_file": args.out,
                    "public_key": key.public_hex(),
                });
                let text = format!(
                    "{}\nwrote {} (keep it secret); put the line above in the manifest as \"credential_authority_key\"",
                    key.public_hex(),
                    args.out.display()
                );
                Report::new(&value, text, args.json)
            }
            CredentialsCommand::PublicKey(args) => {
                let key = AuthorityKey::load(&args.key)?;
                let value =
                    serde_json::json!({ "key_file": args.key, "public_key": key.public_hex() });
                Report::new(&value, key.public_hex(), args.json)
            }
            CredentialsCommand::Generate(args) => {
                let options = GenerateOptions {
                    manifest: args.manifest,
                    roll: args.roll,
                    key: args.key,
                    base_url: args.base_url,
                    list_out: args.list_out,
                    links_out: args.links_out,
                    force: args.force,
                    progress: !args.quiet && !args.json && std::io::stderr().is_terminal(),
                };
                let report = generate(&options)?;
                let mut text = format!(
                    "{} credentials issued for election {}\n",
                    report.members, report.election_id
                );
                for (style, count) in &report.by_style {
                    text.push_str(&format!("  {style}: {count}\n"));
                }
                text.push_str(&format!(
                    "public list:   {}  (upload to POST /api/elections/{}/credential-list)\n\
                     private links: {}  (mode 0600; mail them with `psephos invite send`, then delete it)\n",
                    report.credential_list.display(),
                    report.election_id,
                    report.links.display()
                ));
                Report::new(&report, text, args.json)
            }
        }
    }
}

/// `psephos invite …`: mailing the links.
#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Mail each member their personal voting link over SMTP. Resumable:
    /// members already mailed (per the status file) are skipped.
    Send(Box<SendArgs>),
}

/// How to reach the SMTP server: shared by `invite send` and `psephos
/// serve` (which mails receipts to voters who ask).
#[derive(Debug, Clone, Args)]
pub struct SmtpArgs {
    /// SMTP server host.
    #[arg(long)]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 25, 587 or 465 by --smtp-tls).
    #[arg(long)]
    pub smtp_port: Option<u16>,
    /// Transport security.
    #[arg(long, value_enum, default_value_t = TlsMode::Starttls)]
    pub smtp_tls: TlsMode,
    /// SMTP login name.
    #[arg(long)]
    pub smtp_user: Option<String>,
    /// Environment variable holding the SMTP password.
    #[arg(long, default_value = "PSEPHOS_SMTP_PASSWORD")]
    pub smtp_password_env: String,
    /// File holding the SMTP password (instead of the environment).
    #[arg(long)]
    pub smtp_password_file: Option<PathBuf>,
    /// PEM file of a CA certificate to trust for the SMTP server, in
    /// addition to the public web roots.
    #[arg(long)]
    pub smtp_ca_file: Option<PathBuf>,
    /// Name to greet the server with (EHLO).
    #[arg(long)]
    pub helo_name: Option<String>,
    /// Timeout of each SMTP command, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub smtp_timeout: Duration,
}

impl SmtpArgs {
    /// The settings, reading the password from its file or the environment;
    /// `None` if no host is given (a password file without a login is an
    /// error even then).
    pub fn settings(&self) -> Result<Option<SmtpSettings>, AuthorityError> {
        let password = match (&self.smtp_user, &self.smtp_password_file) {
            (None, Some(_)) => {
                return Err(AuthorityError::Config(
                    "--smtp-password-file needs --smtp-user".into(),
                ))
            }
            (None, None) => None,
            (Some(_), Some(path)) => {
                let text = Zeroizing::new(
                    std::fs::read_to_string(path).map_err(|e| AuthorityError::io(path, e))?,
                );
                Some(Zeroizing::new(
                    text.trim_end_matches(['\r', '\n']).to_string(),
                ))
            }
            (Some(_), None) => std::env::var(&self.smtp_password_env)
                .ok()
                .map(Zeroizing::new),
        };
        let Some(host) = &self.smtp_host else {
            return Ok(None);
        };
        Ok(Some(SmtpSettings {
            host: host.clone(),
            port: self.smtp_port,
            tls: self.smtp_tls,
            username: self.smtp_user.clone(),
            password,
            ca_file: self.smtp_ca_file.clone(),
            helo_name: self.helo_name.clone(),
            timeout: self.smtp_timeout,
        }))
    }
}

/// Arguments of `invite send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The election manifest (JSON): title, organisation, voting window.
    #[arg(long)]
    pub manifest: PathBuf,
    /// The private links file from `credentials generate`.
    #[arg(long, default_value = "voting-links.jsonl")]
    pub links: PathBuf,
    /// The delivery status file (JSONL; default: beside the links file,
    /// `<links>.status.jsonl`).
    #[arg(long)]
    pub status: Option<PathBuf>,
    /// The SMTP server (--smtp-host is required unless --dry-run).
    #[command(flatten)]
    pub smtp: SmtpArgs,
    /// Sender, e.g. "Elections <elections@example.org>".
    #[arg(long)]
    pub from: String,
    /// Reply-To address.
    #[arg(long)]
    pub reply_to: Option<String>,
    /// Subject template ({{title}} etc. are replaced).
    #[arg(long)]
    pub subject: Option<String>,
    /// Plain-text body template file; must contain {{link}}.
    #[arg(long)]
    pub text_template: Option<PathBuf>,
    /// HTML body template file (sent alongside the text); must contain {{link}}.
    #[arg(long)]
    pub html_template: Option<PathBuf>,
    /// Send the built-in HTML body alongside the text.
    #[arg(long, conflicts_with = "html_template")]
    pub html: bool,
    /// Most messages per unit of time: 10/s, 300/min, 5000/h.
    #[arg(long)]
    pub rate: Option<Rate>,
    /// Send at most this many messages in this run.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Further attempts after a 4xx reply or a dropped connection.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Wait before the first retry (doubling after each), e.g. 5s.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub retry_delay: Duration,
    /// Show who would get what (links without their secret); send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also mail members whose earlier send was interrupted before the
    /// server answered (they may get the message twice).
    #[arg(long)]
    pub resend_uncertain: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

impl InviteCommand {
    /// Runs the command (on its own single-threaded async runtime).
    pub fn run(self) -> Result<Report, AuthorityError> {
        match self {
            InviteCommand::Send(args) => {
                let as_json = args.json;
                let options = args.into_options()?;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        AuthorityError::Config(format!("cannot start the async runtime: {e}"))
                    })?;
                let report = runtime.block_on(send_invitations(&options))?;
                let text = invite_text(&report);
                let mut out = Report::new(&report, text, as_json)?;
                out.success = report.complete() || report.dry_run;
                Ok(out)
            }
        }
    }
}

impl SendArgs {
    /// Reads the files the options name and checks the combination.
    pub fn into_options(self) -> Result<InviteOptions, AuthorityError> {
        let manifest = load_manifest(&self.manifest)?;
        let read_text = |path: &Path| -> Result<String, AuthorityError> {
            std::fs::read_to_string(path).map_err(|e| AuthorityError::io(path, e))
        };
        let text_template = self.text_template.as_deref().map(read_text).transpose()?;
        let html_template = match (&self.html_template, self.html) {
            (Some(path), _) => Some(read_text(path)?),
            (None, true) => Some(crate::invite::message::DEFAULT_HTML.to_string()),
            (None, false) => None,
        };
        let smtp = match (self.smtp.settings()?, self.dry_run) {
            (Some(settings), _) => settings,
            (None, true) => SmtpSettings {
                host: String::new(),
                port: None,
                tls: self.smtp.smtp_tls,
                username: None,
                password: None,
                ca_file: None,
                helo_name: None,
                timeout: self.smtp.smtp_timeout,
            },
            (None, false) => {
                return Err(AuthorityError::Config(
                    "--smtp-host is required (or use --dry-run)".into(),
                ))
            }
        };
        let status = self.status.unwrap_or_else(|| {
            let mut name = self.links.as_os_str().to_owned();
            name.push(".status.jsonl");
            PathBuf::from(name)
        });
        if status == self.links {
            return Err(AuthorityError::Config(
                "the status file must not be the links file".into(),
            ));
        }
        Ok(InviteOptions {
            manifest,
            links: self.links,
            status,
            smtp,
            from: self.from,
            reply_to: self.reply_to,
            subject: self.subject,
            text_template,
            html_template,
            rate: self.rate,
            limit: self.limit,
            retries: self.retries,
            retry_delay: self.retry_delay,
            dry_run: self.dry_run,
            resend_uncertain: self.resend_uncertain,
            progress: !self.quiet && !self.json && std::io::stderr().is_terminal(),
        })
    }
}

fn invite_text(report: &InviteReport) -> String {
    let mut text = String::new();
    if report.dry_run {
        text.push_str(&format!(
            "dry run: would mail {} of {} members ({} already sent{}); nothing was sent\n",
            report.previews.len(),
            report.members,
            report.already_sent,
            if report.remaining > 0 {
                format!(", {} left by --limit", report.remaining)
            } else {
                String::new()
            }
        ));
        for preview in &report.previews {
            text.push_str(&format!("  {}  {}\n", preview.to, preview.link));
        }
        if let (Some(first), Some(body)) = (report.previews.first(), &report.sample_body) {
            text.push_str(&format!(
                "\nfirst message (link redacted)\nSubject: {}\n\n{}\n",
                first.subject, body
            ));
        }
        return text;
    }
    text.push_str(&format!(
        "election {}: {} members; {} mailed now, {} already mailed, {} failed, {} uncertain, {} left by --limit\n",
        report.election_id,
        report.members,
        report.sent,
        report.already_sent,
        report.failed.len(),
        report.uncertain.len(),
        report.remaining
    ));
    for failure in &report.failed {
        text.push_str(&format!(
            "  failed{}: {}: {}\n",
            if failure.permanent {
                " (permanent)"
            } else {
                ""
            },
            failure.email,
            failure.reason
        ));
    }
    for email in &report.uncertain {
        text.push_str(&format!(
            "  uncertain: {email}: an earlier run stopped mid-send; check the mail log, then --resend-uncertain if needed\n"
        ));
    }
    text
}
