//! A small real SMTP server for the tests: it speaks enough of RFC 5321
//! (EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with dot-unstuffing,
//! RSET, NOOP, QUIT, and STARTTLS or implicit TLS with a test certificate)
//! for lettre to deliver to it over loopback TCP, keeps
//! every accepted message, and can be told to misbehave: a 451 for chosen
//! DATA attempts, a 550 for chosen recipients, a login it insists on, or
//! an outage after some number of accepted messages.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use data_encoding::BASE64;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

/// How the sink offers TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkTls {
    /// Advertise STARTTLS after EHLO.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Implicit,
}

/// A test CA and a server certificate it issued for `localhost` and
/// `127.0.0.1`.
pub struct TestPki {
    /// The CA certificate, PEM (what the client is told to trust).
    pub ca_pem: String,
    acceptor: TlsAcceptor,
}

impl TestPki {
    pub fn new() -> TestPki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Psephos test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let server_key = KeyPair::generate().unwrap();
        let server_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
            )
            .unwrap();
        TestPki {
            ca_pem: ca_cert.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }
    }
}

/// How the sink behaves.
#[derive(Clone, Default)]
pub struct SinkConfig {
    /// Require this login before MAIL.
    pub login: Option<(String, String)>,
    /// DATA attempts (1-based, counted over the sink's life) answered 451.
    pub fail_data: Vec<usize>,
    /// Recipients refused with 550.
    pub reject: Vec<String>,
    /// After this many accepted messages, the server "goes down": the
    /// next DATA gets no reply and every later connection is closed at once.
    pub outage_after: Option<usize>,
    /// Offer TLS with this certificate.
    pub tls: Option<(SinkTls, TlsAcceptor)>,
    /// Refuse MAIL until the connection is encrypted.
    pub require_tls: bool,
}

impl SinkConfig {
    pub fn with_tls(mode: SinkTls, pki: &TestPki) -> SinkConfig {
        SinkConfig {
            tls: Some((mode, pki.acceptor.clone())),
            require_tls: true,
            ..SinkConfig::default()
        }
    }
}

/// A message the sink accepted.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message after dot-unstuffing, CRLF line ends.
    pub data: String,
    /// Whether it came over TLS.
    pub encrypted: bool,
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    data_attempts: usize,
    connections: usize,
    auth_failures: usize,
}

pub struct SmtpSink {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts a sink on 127.0.0.1 on a free port, on its own thread.
    pub fn start(config: SinkConfig) -> SmtpSink {
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stopped) = oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let shared = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready_tx.send(listener.local_addr().unwrap()).unwrap();
                let config = Arc::new(config);
                tokio::select! {
                    _ = stopped => {}
                    _ = accept_loop(listener, config, shared) => {}
                }
            });
        });
        let addr = ready_rx.recv().unwrap();
        SmtpSink {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.state.lock().unwrap().mails.clone()
    }

    pub fn data_attempts(&self) -> usize {
        self.state.lock().unwrap().data_attempts
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    pub fn auth_failures(&self) -> usize {
        self.state.lock().unwrap().auth_failures
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, config: Arc<SinkConfig>, state: Arc<Mutex<State>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let down = {
            let mut s = state.lock().unwrap();
            s.connections += 1;
            config.outage_after.is_some_and(|n| s.mails.len() >= n)
        };
        if down {
            drop(stream);
            continue;
        }
        let config = Arc::clone(&config);
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let _ = session(stream, &config, &state).await;
        });
    }
}

/// What one connection has said so far.
#[derive(Default)]
struct Envelope {
    from: Option<String>,
    to: Vec<String>,
}

const MAX_LINE: usize = 4096;

async fn session(
    stream: TcpStream,
    config: &SinkConfig,
    state: &Mutex<State>,
) -> std::io::Result<()> {
    match &config.tls {
        Some((SinkTls::Implicit, acceptor)) => {
            let stream = acceptor.accept(stream).await?;
            conversation(stream, true, config, state).await?;
        }
        _ => {
            if let Some(plain) = conversation(stream, false, config, state).await? {
                if let Some((_, acceptor)) = &config.tls {
                    let stream = acceptor.accept(plain).await?;
                    conversation(stream, true, config, state).await?;
                }
            }
        }
    }
    Ok(())
}

/// One SMTP conversation; returns the stream when the client asked for
/// STARTTLS (to be upgraded and talked to afresh, RFC 3207 §4.2).
async fn conversation<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    encrypted: bool,
    config: &SinkConfig,
    state: &Mutex<State>,
) -> std::io::Result<Option<S>> {
    let mut reader = BufReader::new(stream);
    let mut authed = config.login.is_none();
    let mut envelope = Envelope::default();
    let starttls = matches!(config.tls, Some((SinkTls::StartTls, _))) && !encrypted;
    let greet = !(encrypted && matches!(config.tls, Some((SinkTls::StartTls, _))));
    if greet {
        say(&mut reader, b"220 sink.test ESMTP ready\r\n").await?;
    }
    loop {
        let Some(line) = read_line(&mut reader).await? else {
            return Ok(None);
        };
        let upper = line.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("").to_string();
        let reply: String = match verb.as_str() {
            "EHLO" => {
                let mut r = String::from("250-sink.test greets you\r\n250-8BITMIME\r\n");
                if starttls {
                    r.push_str("250-STARTTLS\r\n");
                }
                if config.login.is_some() {
                    r.push_str("250-AUTH PLAIN LOGIN\r\n");
                }
                r.push_str("250 SIZE 10485760\r\n");
                r
            }
            "HELO" => "250 sink.test\r\n".into(),
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "RSET" => {
                envelope = Envelope::default();
                "250 2.0.0 OK\r\n".into()
            }
            "QUIT" => {
                say(&mut reader, b"221 2.0.0 Bye\r\n").await?;
                return Ok(None);
            }
            "STARTTLS" if starttls => {
                say(&mut reader, b"220 2.0.0 Ready to start TLS\r\n").await?;
                return Ok(Some(reader.into_inner()));
            }
            "MAIL" if config.require_tls && !encrypted => {
                "530 5.7.0 Must issue a STARTTLS command first\r\n".into()
            }
            "AUTH" => {
                let words: Vec<&str> = line.split_whitespace().collect();
                let mechanism = words.get(1).map(|m| m.to_ascii_uppercase());
                let (user, pass) = match mechanism.as_deref() {
                    Some("PLAIN") => {
                        let encoded = match words.get(2) {
                            Some(w) => w.to_string(),
                            None => {
                                say(&mut reader, b"334 \r\n").await?;
                                read_line(&mut reader).await?.unwrap_or_default()
                            }
                        };
                        let decoded = BASE64.decode(encoded.trim().as_bytes()).unwrap_or_default();
                        let parts: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
                        match parts.as_slice() {
                            [_, user, pass] => (
                                String::from_utf8_lossy(user).into_owned(),
                                String::from_utf8_lossy(pass).into_owned(),
                            ),
                            _ => (String::new(), String::new()),
                        }
                    }
                    Some("LOGIN") => {
                        say(&mut reader, b"334 VXNlcm5hbWU6\r\n").await?;
                        let user = read_line(&mut reader).await?.unwrap_or_default();
                        say(&mut reader, b"334 UGFzc3dvcmQ6\r\n").await?;
                        let pass = read_line(&mut reader).await?.unwrap_or_default();
                        let decode = |s: &str| {
                            String::from_utf8_lossy(
                                &BASE64.decode(s.trim().as_bytes()).unwrap_or_default(),
                            )
                            .into_owned()
                        };
                        (decode(&user), decode(&pass))
                    }
                    _ => {
                        say(
                            &mut reader,
                            b"504 5.5.4 Unrecognised authentication type\r\n",
                        )
                        .await?;
                        continue;
                    }
                };
                if config.login.as_ref() == Some(&(user, pass)) {
                    authed = true;
                    "235 2.7.0 Authentication successful\r\n".into()
                } else {
                    state.lock().unwrap().auth_failures += 1;
                    "535 5.7.8 Authentication credentials invalid\r\n".into()
                }
            }
            "MAIL" if !authed => "530 5.7.0 Authentication required\r\n".into(),
            "MAIL" => {
                envelope = Envelope {
                    from: Some(path_of(&line)),
                    to: Vec::new(),
                };
                "250 2.1.0 OK\r\n".into()
            }
            "RCPT" if envelope.from.is_none() => "503 5.5.1 MAIL first\r\n".into(),
            "RCPT" => {
                let to = path_of(&line);
                if config.reject.iter().any(|r| r.eq_ignore_ascii_case(&to)) {
                    "550 5.1.1 No such mailbox here\r\n".into()
                } else {
                    envelope.to.push(to);
                    "250 2.1.5 OK\r\n".into()
                }
            }
            "DATA" if envelope.to.is_empty() => "503 5.5.1 RCPT first\r\n".into(),
            "DATA" => {
                say(&mut reader, b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut data = String::new();
                loop {
                    let Some(line) = read_line(&mut reader).await? else {
                        return Ok(None);
                    };
                    if line == "." {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 §4.5.2).
                    let line = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(line);
                    data.push_str("\r\n");
                }
                let (attempt, down) = {
                    let mut s = state.lock().unwrap();
                    s.data_attempts += 1;
                    let down = config.outage_after.is_some_and(|n| s.mails.len() >= n);
                    (s.data_attempts, down)
                };
                if down {
                    // Gone before answering: the message is not kept.
                    return Ok(None);
                }
                let mail = Mail {
                    from: envelope.from.clone().unwrap_or_default(),
                    to: std::mem::take(&mut envelope.to),
                    data,
                    encrypted,
                };
                envelope = Envelope::default();
                if config.fail_data.contains(&attempt) {
                    "451 4.3.0 Temporarily unable to accept, try again\r\n".into()
                } else {
                    let mut s = state.lock().unwrap();
                    s.mails.push(mail);
                    format!("250 2.0.0 OK queued as {}\r\n", s.mails.len())
                }
            }
            _ => "502 5.5.2 Command not recognised\r\n".into(),
        };
        say(&mut reader, reply.as_bytes()).await?;
    }
}

/// Sends a reply (flushed: TLS streams buffer).
async fn say<S: AsyncRead + AsyncWrite + Unpin>(
    reader: &mut BufReader<S>,
    text: &[u8],
) -> std::io::Result<()> {
    let stream = reader.get_mut();
    stream.write_all(text).await?;
    stream.flush().await
}

/// One line without its CRLF, or `None` at end of stream.
async fn read_line<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader.read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE * 256 {
        return Err(std::io::Error::other("line too long"));
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// The address inside `<…>` of a MAIL FROM or RCPT TO line.
fn path_of(line: &str) -> String {
    match (line.find('<'), line.rfind('>')) {
        (Some(start), Some(end)) if start < end => line[start + 1..end].to_string(),
        _ => line
            .split_once(':')
            .map(|(_, rest)| rest.trim().to_string())
            .unwrap_or_default(),
    }
}
