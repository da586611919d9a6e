//! Mailing each member their personal link (`invite send`).
//!
//! Members are mailed one at a time over one reused SMTP connection, at
//! most at the configured rate. Each step is written to the delivery
//! journal ([`status`](crate::invite::status)) and synced before the next, so the command can be
//! stopped at any point and run again: it sends only to members not yet
//! marked sent. A 4xx reply or a dropped connection is retried with
//! exponential backoff; a 5xx reply marks that member failed (tried again
//! on the next run); a server that stays unreachable, or refuses the login,
//! stops the run with an error.
//!
//! As with any SMTP client, a connection lost after the message was
//! transmitted but before the server's reply leaves it unknown whether the
//! server kept the message; the retry may then deliver it a second time
//! (RFC 1047). Every other path mails each member at most once.

/// Subject and bodies of the invitation.
pub mod message;
/// The SMTP connection settings and failure classes.
pub mod smtp;
/// The per-recipient delivery journal.
pub mod status;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use lettre::AsyncTransport;
use psephos_election::manifest::Manifest;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::AuthorityError;
use crate::links::{read_links, PersonalLink};
use message::Composer;
use smtp::{classify, describe, Failure, SmtpSettings};
use status::{Detail, Journal, State, Status};

/// Longest wait between two attempts for one member.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// A sending rate: at most `count` messages per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Messages.
    pub count: u32,
    /// Per this much time.
    pub per: Duration,
}

impl Rate {
    /// The least time between two messages.
    pub fn interval(&self) -> Duration {
        self.per / self.count.max(1)
    }
}

impl FromStr for Rate {
    type Err = String;

    /// `N/s`, `N/min` or `N/h` (also `N/second`, `N/minute`, `N/hour`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (count, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("expected a rate like 10/s, 300/min or 5000/h, not {text:?}"))?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{count:?} is not a whole number of messages"))?;
        if count == 0 {
            return Err("the rate must allow at least one message".into());
        }
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => return Err(format!("unknown time unit {other:?}: use s, min or h")),
        };
        Ok(Rate { count, per })
    }
}

/// Everything `invite send` needs.
#[derive(Clone, Debug)]
pub struct InviteOptions {
    /// The election manifest (for the title, organisation, window, id).
    pub manifest: Manifest,
    /// The private links file written by `credentials generate`.
    pub links: PathBuf,
    /// The delivery journal.
    pub status: PathBuf,
    /// The SMTP server.
    pub smtp: SmtpSettings,
    /// Sender, e.g. `Elections <elections@example.org>`.
    pub from: String,
    /// Reply-To address.
    pub reply_to: Option<String>,
    /// Subject template (default [`message::DEFAULT_SUBJECT`]).
    pub subject: Option<String>,
    /// Plain-text template (default [`message::DEFAULT_TEXT`]).
    pub text_template: Option<String>,
    /// HTML template, sent as an alternative to the text.
    pub html_template: Option<String>,
    /// At most this many messages per unit of time.
    pub rate: Option<Rate>,
    /// Send at most this many messages in this run.
    pub limit: Option<usize>,
    /// Further attempts after a transient failure.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub retry_delay: Duration,
    /// Print what would be sent; send nothing, write nothing.
    pub dry_run: bool,
    /// Also send to members whose earlier send has no recorded outcome.
    pub resend_uncertain: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// One member's message in a dry run (the link redacted).
#[derive(Clone, Debug, Serialize)]
pub struct Preview {
    /// `Name <address>`.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The link without its secret.
    pub link: String,
}

/// A member who could not be mailed.
#[derive(Clone, Debug, Serialize)]
pub struct Undelivered {
    /// The member's address.
    pub email: String,
    /// Why.
    pub reason: String,
    /// Whether retrying is pointless without fixing something.
    pub permanent: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InviteReport {
    /// The election.
    pub election_id: String,
    /// Members in the links file.
    pub members: usize,
    /// Marked sent by an earlier run; skipped.
    pub already_sent: usize,
    /// Sent by this run.
    pub sent: usize,
    /// Could not be mailed in this run (tried again by the next).
    pub failed: Vec<Undelivered>,
    /// An earlier run began sending to these and stopped before recording
    /// the outcome; skipped (check the mail server's log, then use
    /// `--resend-uncertain` if they did not receive it).
    pub uncertain: Vec<String>,
    /// Left for a later run by `--limit`.
    pub remaining: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// The messages a dry run would send.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previews: Vec<Preview>,
    /// A dry run's first message body, with the link redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_body: Option<String>,
}

impl InviteReport {
    /// Whether every member has now been mailed.
    pub fn complete(&self) -> bool {
        !self.dry_run && self.failed.is_empty() && self.uncertain.is_empty() && self.remaining == 0
    }
}

/// Sends the invitations (or, with `dry_run`, shows them).
pub async fn send_invitations(options: &InviteOptions) -> Result<InviteReport, AuthorityError> {
    let manifest = &options.manifest;
    let composer = Composer::new(
        manifest,
        &options.from,
        options.reply_to.as_deref(),
        options.subject.clone(),
        options.text_template.clone(),
        options.html_template.clone(),
    )?;
    let links = read_links(&options.links, manifest)?;
    let mut journal = Journal::open(&options.status, &manifest.election_id)?;

    let mut report = InviteReport {
        election_id: manifest.election_id.clone(),
        members: links.len(),
        dry_run: options.dry_run,
        ..InviteReport::default()
    };
    let mut pending: Vec<&PersonalLink> = Vec::new();
    for link in &links {
        match journal.state(&link.email) {
            Some(State::Sent) => report.already_sent += 1,
            Some(State::Uncertain) if !options.resend_uncertain => {
                report.uncertain.push(link.email.clone())
            }
            _ => pending.push(link),
        }
    }
    if let Some(limit) = options.limit {
        if pending.len() > limit {
            report.remaining = pending.len() - limit;
            pending.truncate(limit);
        }
    }
    let style_name = |style: &str| {
        manifest
            .style(style)
            .map_or_else(|| style.to_string(), |s| s.name.clone())
    };

    if options.dry_run {
        for member in &pending {
            let redacted = member.redacted();
            let (subject, body) =
                composer.render_text(member, &redacted, &style_name(&member.style));
            if report.sample_body.is_none() {
                report.sample_body = Some(body);
            }
            report.previews.push(Preview {
                to: format!("{} <{}>", member.name, member.email),
                subject,
                link: redacted,
            });
        }
        return Ok(report);
    }
    if pending.is_empty() {
        return Ok(report);
    }

    let server = options.smtp.server();
    let transport = options.smtp.transport()?;
    match transport.test_connection().await {
        Ok(true) => {}
        Ok(false) => {
            return Err(AuthorityError::Smtp {
                server,
                reason: "the server does not answer NOOP".into(),
            })
        }
        Err(e) => {
            let reason = if e.is_permanent() {
                format!("login or greeting refused: {}", describe(&e))
            } else {
                format!("cannot connect: {}", describe(&e))
            };
            return Err(AuthorityError::Smtp { server, reason });
        }
    }

    let progress = progress_bar(options.progress, pending.len());
    let interval = options.rate.map(|r| r.interval());
    let mut next_slot = Instant::now();
    let mut outcome = Ok(());
    'members: for member in pending {
        let invitation = match composer.compose(member, &style_name(&member.style)) {
            Ok(invitation) => invitation,
            Err(reason) => {
                journal.record(
                    &member.email,
                    Status::Failed,
                    Detail {
                        attempts: Some(0),
                        reason: Some(reason.clone()),
                        permanent: Some(true),
                        ..Detail::default()
                    },
                )?;
                report.failed.push(Undelivered {
                    email: member.email.clone(),
                    reason,
                    permanent: true,
                });
                progress.inc(1);
                continue;
            }
        };
        journal.record(&member.email, Status::Sending, Detail::default())?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if let Some(interval) = interval {
                tokio::time::sleep_until(next_slot).await;
                next_slot = Instant::now() + interval;
            }
            let error = match transport.send(invitation.message.clone()).await {
                Ok(response) => {
                    let reply = format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    );
                    journal.record(
                        &member.email,
                        Status::Sent,
                        Detail {
                            attempts: Some(attempt),
                            response: Some(reply),
                            ..Detail::default()
                        },
                    )?;
                    tracing::debug!(email = %member.email, attempt, "invitation sent");
                    report.sent += 1;
                    progress.inc(1);
                    continue 'members;
                }
                Err(error) => error,
            };
            let class = classify(&error);
            let reason = describe(&error);
            let retry = class != Failure::Permanent && attempt <= options.retries;
            tracing::warn!(email = %member.email, attempt, %reason, retry, "invitation not accepted");
            if retry {
                let delay = backoff(options.retry_delay, attempt);
                tokio::time::sleep(delay).await;
                continue;
            }
            journal.record(
                &member.email,
                Status::Failed,
                Detail {
                    attempts: Some(attempt),
                    reason: Some(reason.clone()),
                    permanent: Some(class == Failure::Permanent),
                    ..Detail::default()
                },
            )?;
            report.failed.push(Undelivered {
                email: member.email.clone(),
                reason: reason.clone(),
                permanent: class == Failure::Permanent,
            });
            progress.inc(1);
            if class == Failure::Connection {
                outcome = Err(AuthorityError::Smtp {
                    server: server.clone(),
                    reason: format!(
                        "connection lost after {} message(s) in this run ({reason}); run the command again to mail the rest",
                        report.sent
                    ),
                });
                break 'members;
            }
            continue 'members;
        }
    }
    progress.finish_and_clear();
    transport.shutdown().await;
    outcome.map(|()| report)
}

/// `initial · 2^(attempt-1)`, at most [`MAX_BACKOFF`].
fn backoff(initial: Duration, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    initial.saturating_mul(factor).min(MAX_BACKOFF)
}

fn progress_bar(show: bool, length: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} invitations ({eta})")
    {
        bar.set_style(style);
    }
    bar.set_message("mailing");
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        let rate: Rate = "10/s".parse().unwrap();
        assert_eq!(rate.interval(), Duration::from_millis(100));
        let rate: Rate = "300/min".parse().unwrap();
        assert_eq!(rate.interval(), Duration::from_millis(200));
        assert_eq!(
            "3600/h".parse::<Rate>().unwrap().interval(),
            Duration::from_secs(1)
        );
        for bad in ["10", "0/s", "x/s", "10/week", "-1/s"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 2), Duration::from_secs(4));
        assert_eq!(backoff(base, 4), Duration::from_secs(16));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }
}
