//! Server processes for the tests: `psephos serve` started as a child
//! process on a free local port, over a fresh SQLite file or a fresh
//! PostgreSQL schema (dropped at the end), killed with SIGKILL and
//! restarted at will.
//!
//! The process is this crate's own binary running its hidden `serve`
//! subcommand, which is `psephos serve` (the same
//! `psephos::service::serve`), so the tests need no second build; set
//! `PSEPHOS_SERVER_BIN` to the `psephos` binary to run that instead. Server
//! logs go to a file and are printed when a test fails (or to stderr as
//! they come with `TEST_LOG` set).

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use psephos_loadgen::Client;

/// The admin token every test server is started with.
pub const TOKEN: &str = "loadgen-test-admin-token-0123456789abcdef";

/// Where the PostgreSQL tests connect; they fail (they do not skip) when
/// nothing answers there.
pub const POSTGRES_ENV: &str = "PSEPHOS_TEST_POSTGRES";
/// The default: the machine's local server, trust authentication.
pub const POSTGRES_DEFAULT: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

pub fn postgres_config() -> String {
    std::env::var(POSTGRES_ENV).unwrap_or_else(|_| POSTGRES_DEFAULT.to_string())
}

/// Where a server keeps its board.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite(PathBuf),
    Postgres { config: String, schema: String },
}

impl Backend {
    fn args(&self) -> Vec<String> {
        match self {
            Backend::Sqlite(path) => vec!["--db".into(), path.display().to_string()],
            Backend::Postgres { config, schema } => vec![
                "--postgres".into(),
                config.clone(),
                "--postgres-schema".into(),
                schema.clone(),
            ],
        }
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A `psephos serve` child process.
pub struct Server {
    backend: Backend,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
    /// How many times it was started.
    pub starts: u32,
}

impl Server {
    /// Starts a server on a free port and waits until it answers.
    pub fn start(backend: Backend, log_dir: &Path, name: &str) -> Server {
        let mut server = Server {
            backend,
            port: free_port(),
            log: log_dir.join(format!("{name}.log")),
            child: None,
            starts: 0,
        };
        server.spawn();
        server.wait_ready();
        server
    }

    /// Its base URL (the same across restarts).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A client with the admin token.
    pub fn admin(&self) -> Client {
        Client::new(&self.url(), Some(TOKEN), Duration::from_secs(60))
    }

    /// A client without it.
    pub fn client(&self) -> Client {
        Client::new(&self.url(), None, Duration::from_secs(60))
    }

    fn spawn(&mut self) {
        let (program, mut args) = match std::env::var_os("PSEPHOS_SERVER_BIN") {
            Some(bin) => (PathBuf::from(bin), Vec::new()),
            None => (
                PathBuf::from(env!("CARGO_BIN_EXE_psephos-loadgen")),
                Vec::new(),
            ),
        };
        args.push("serve".to_string());
        args.extend(self.backend.args());
        args.extend([
            "--listen".to_string(),
            format!("127.0.0.1:{}", self.port),
            "--per-client-per-second".into(),
            "0".into(),
            "--per-credential-per-minute".into(),
            "0".into(),
        ]);
        let mut command = Command::new(program);
        command
            .args(&args)
            .env("PSEPHOS_ADMIN_TOKEN", TOKEN)
            .env_remove("PSEPHOS_DB")
            .env_remove("PSEPHOS_POSTGRES")
            .env_remove("PSEPHOS_POSTGRES_SCHEMA")
            .env_remove("PSEPHOS_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if std::env::var_os("TEST_LOG").is_some() {
            command
                .env(
                    "RUST_LOG",
                    std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
                )
                .stderr(Stdio::inherit());
        } else {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .unwrap();
            command.env("RUST_LOG", "warn").stderr(Stdio::from(log));
        }
        self.child = Some(command.spawn().unwrap());
        self.starts += 1;
    }

    /// Waits until `/healthz` answers 200 (the store is open and migrated).
    pub fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let client = Client::new(&self.url(), None, Duration::from_secs(5));
        let url = client.url("/healthz");
        loop {
            if client.get("health", &url).is_ok() {
                return;
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "the server exited with {status} at start:\n{}",
                        self.log_tail()
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer within a minute:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` sends SIGKILL on Unix.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again on the same port and store, and waits
    /// until it answers.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
        self.wait_ready();
    }

    /// The last lines the server logged.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "--- log of the server at {} ---\n{}",
                self.url(),
                self.log_tail()
            );
        }
    }
}

/// A fresh PostgreSQL schema for one test, dropped at the end.
pub struct PgSchema {
    pub config: String,
    pub schema: String,
}

fn admin_connection<T>(
    config: &str,
    work: impl AsyncFnOnce(&tokio_postgres::Client) -> Result<T, tokio_postgres::Error>,
) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(config, tokio_postgres::NoTls)
            .await
            .map_err(|e| {
                format!(
                    "{e}: {}",
                    std::error::Error::source(&e).map_or(String::new(), |s| s.to_string())
                )
            })?;
        let driver = tokio::spawn(connection);
        let out = work(&client).await.map_err(|e| e.to_string());
        drop(client);
        let _ = driver.await;
        out
    })
}

impl PgSchema {
    /// A new schema name; checks that PostgreSQL answers (the test fails,
    /// with a clear message, when it does not).
    pub fn new() -> PgSchema {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let schema = format!(
            "loadgen_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let config = postgres_config();
        if let Err(e) = admin_connection(&config, async |c| c.simple_query("SELECT 1").await) {
            panic!(
                "PostgreSQL is unreachable at {config:?} ({e}); set {POSTGRES_ENV} to a \
                 reachable server: these tests must not be skipped"
            );
        }
        PgSchema { config, schema }
    }

    pub fn backend(&self) -> Backend {
        Backend::Postgres {
            config: self.config.clone(),
            schema: self.schema.clone(),
        }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        let dropped = admin_connection(&self.config, async |c| c.batch_execute(&sql).await);
        if let Err(e) = dropped {
            if !std::thread::panicking() {
                panic!("could not drop test schema {}: {e}", self.schema);
            }
        }
    }
}
