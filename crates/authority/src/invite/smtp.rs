//! The SMTP connection: host, port, TLS mode and login, and how failures
//! are classified (retry, give up on one recipient, or stop the run).

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use zeroize::Zeroizing;

use crate::error::AuthorityError;

/// How the connection to the SMTP server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// Plain TCP (only for a relay on this machine or a trusted network).
    None,
    /// Plain TCP upgraded with STARTTLS, which is required (port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl TlsMode {
    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        }
    }
}

/// Where and how to connect.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Server host name (also the name its certificate must carry).
    pub host: String,
    /// Port; the mode's default when `None`.
    pub port: Option<u16>,
    /// Transport security.
    pub tls: TlsMode,
    /// Login name, if the server requires a login.
    pub username: Option<String>,
    /// Password for `username`.
    pub password: Option<Zeroizing<String>>,
    /// Extra PEM root certificate(s) to trust (a private CA).
    pub ca_file: Option<PathBuf>,
    /// Name to greet the server with (EHLO); `localhost` when `None`.
    pub helo_name: Option<String>,
    /// Timeout of each SMTP command.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port())
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl SmtpSettings {
    /// The port in use.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.tls.default_port())
    }

    /// `host:port`, for messages.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port())
    }

    fn is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// Builds the transport (connecting lazily).
    pub fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, AuthorityError> {
        let config = |reason: String| AuthorityError::Config(reason);
        if self.host.trim().is_empty() {
            return Err(config("--smtp-host is required".into()));
        }
        match (&self.username, &self.password) {
            (Some(_), None) => {
                return Err(config(
                    "--smtp-user needs a password: set it in the environment variable named by --smtp-password-env, or give --smtp-password-file".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(config("an SMTP password was given without --smtp-user".into()))
            }
            _ => {}
        }
        if self.tls == TlsMode::None && self.username.is_some() && !self.is_loopback() {
            return Err(config(
                "refusing to send the SMTP password without TLS to a remote server: use --smtp-tls starttls or tls".into(),
            ));
        }
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(self.host.clone())
                .port(self.port())
                .timeout(Some(self.timeout))
                .pool_config(PoolConfig::new().max_size(1))
                .hello_name(ClientId::Domain(
                    self.helo_name.clone().unwrap_or_else(|| "localhost".into()),
                ));
        if self.tls != TlsMode::None {
            let mut parameters = TlsParameters::builder(self.host.clone());
            if let Some(path) = &self.ca_file {
                let pem = std::fs::read(path).map_err(|e| AuthorityError::io(path, e))?;
                // lettre accepts a file without any certificate (trusting
                // nothing more), which would hide a wrong path or format.
                if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                    return Err(config(format!(
                        "{}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
                        path.display()
                    )));
                }
                let certificate = Certificate::from_pem(&pem).map_err(|e| {
                    config(format!("{}: not a PEM certificate: {e}", path.display()))
                })?;
                parameters = parameters.add_root_certificate(certificate);
            }
            let parameters = parameters
                .build_rustls()
                .map_err(|e| config(format!("TLS setup: {e}")))?;
            builder = builder.tls(match self.tls {
                TlsMode::Tls => Tls::Wrapper(parameters),
                _ => Tls::Required(parameters),
            });
        }
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.as_str().to_owned()));
        }
        Ok(builder.build())
    }
}

/// What to do after a failed send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A 4xx reply: the server refused for now; try again later.
    Transient,
    /// A 5xx reply or an unusable message: this recipient cannot be
    /// reached this way; record it and go on.
    Permanent,
    /// The connection failed (refused, dropped, timed out, TLS): try again,
    /// and stop the run if it keeps failing.
    Connection,
}

pub(crate) fn classify(error: &lettre::transport::smtp::Error) -> Failure {
    if error.is_permanent() || error.is_client() {
        Failure::Permanent
    } else if error.is_transient() {
        Failure::Transient
    } else {
        Failure::Connection
    }
}

/// The error's text with its causes (lettre's own text is often just
/// "Connection error").
pub(crate) fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if cause_text.starts_with(&text) {
            text = cause_text;
        } else if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    // lettre nests its own kind names ("Connection error: Connection
    // error: …"); say each once.
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split(": ") {
        if parts.last() != Some(&part) {
            parts.push(part);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(
        host: &str,
        tls: TlsMode,
        user: Option<&str>,
        password: Option<&str>,
    ) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port: None,
            tls,
            username: user.map(str::to_string),
            password: password.map(|p| Zeroizing::new(p.to_string())),
            ca_file: None,
            helo_name: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// The connection pool spawns its reaper on the current runtime.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_password_never_travels_in_clear_to_a_remote_server() {
        let rt = runtime();
        let _inside = rt.enter();
        let remote = settings("smtp.example.org", TlsMode::None, Some("u"), Some("p"));
        let err = remote.transport().unwrap_err().to_string();
        assert!(err.contains("without TLS"), "{err}");
        assert!(settings("127.0.0.1", TlsMode::None, Some("u"), Some("p"))
            .transport()
            .is_ok());
        assert!(settings("localhost", TlsMode::None, Some("u"), Some("p"))
            .transport()
            .is_ok());
        assert!(
            settings("smtp.example.org", TlsMode::Starttls, Some("u"), Some("p"))
                .transport()
                .is_ok()
        );
        assert!(settings("smtp.example.org", TlsMode::Tls, None, None)
            .transport()
            .is_ok());
    }

    #[test]
    fn logins_need_both_halves_and_debug_hides_the_password() {
        let rt = runtime();
        let _inside = rt.enter();
        assert!(settings("h", TlsMode::Tls, Some("u"), None)
            .transport()
            .is_err());
        assert!(settings("h", TlsMode::Tls, None, Some("p"))
            .transport()
            .is_err());
        assert!(settings("", TlsMode::Tls, None, None).transport().is_err());
        let s = settings("h", TlsMode::Tls, Some("u"), Some("hunter2"));
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.server(), "h:465");
        assert_eq!(settings("h", TlsMode::Starttls, None, None).port(), 587);
        assert_eq!(settings("h", TlsMode::None, None, None).port(), 25);
    }

    #[test]
    fn a_ca_file_must_be_pem() {
        let rt = runtime();
        let _inside = rt.enter();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let mut s = settings("smtp.example.org", TlsMode::Tls, None, None);
        s.ca_file = Some(path);
        assert!(matches!(s.transport(), Err(AuthorityError::Config(_))));
    }
}
