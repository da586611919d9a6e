//! Fixtures: a fresh database per test for each backend, and a small
//! simulated election to import.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use psephos::simulate::{run, SimulationConfig};
use psephos_server::error::StoreError;
use psephos_server::store::{PostgresStore, SqliteStore, Store};
use tempfile::TempDir;

/// Where the PostgreSQL tests connect; they fail (they do not skip) when
/// nothing answers there.
pub const POSTGRES_ENV: &str = "PSEPHOS_TEST_POSTGRES";
/// The default: the machine's local server, trust authentication.
pub const POSTGRES_DEFAULT: &str = "host=127.0.0.1 port=5432 user=postgres dbname=test";

pub fn postgres_config() -> String {
    std::env::var(POSTGRES_ENV).unwrap_or_else(|_| POSTGRES_DEFAULT.to_string())
}

/// One test's database: stores opened on it see the same logs, as
/// separate processes would.
pub trait Fixture: Send + Sync {
    type S: Store + Clone;

    /// A new store on the fixture's database (migrating it if needed).
    fn open(&self) -> impl Future<Output = Result<Self::S, StoreError>> + Send;

    /// Records a schema version newer than the code knows.
    fn bump_schema_version(&self) -> impl Future<Output = ()> + Send;

    /// The newest schema version the backend knows.
    fn schema_version(&self) -> i64;
}

/// A fresh SQLite file in a temporary directory.
pub struct SqliteFixture {
    dir: TempDir,
}

impl SqliteFixture {
    pub async fn new() -> Self {
        SqliteFixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("board.sqlite")
    }
}

impl Fixture for SqliteFixture {
    type S = SqliteStore;

    async fn open(&self) -> Result<SqliteStore, StoreError> {
        SqliteStore::open(self.path()).await
    }

    async fn bump_schema_version(&self) {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        conn.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [psephos_server::store::sqlite::SCHEMA_VERSION + 1],
        )
        .unwrap();
    }

    fn schema_version(&self) -> i64 {
        psephos_server::store::sqlite::SCHEMA_VERSION
    }
}

/// A fresh schema in the test database, dropped at the end.
pub struct PostgresFixture {
    config: String,
    schema: String,
}

impl PostgresFixture {
    pub async fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let schema = format!(
            "psephos_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let config = postgres_config();
        // Fails the test at once, with a clear message, when nothing answers.
        connect_admin(&config).await;
        PostgresFixture { config, schema }
    }

    async fn admin(&self) -> tokio_postgres::Client {
        connect_admin(&self.config).await
    }
}

async fn connect_admin(config: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(config, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is unreachable at {config:?} ({e}: {}); set {POSTGRES_ENV} to a \
                 reachable server: these tests must not be skipped",
                std::error::Error::source(&e).map_or(String::new(), |s| s.to_string())
            )
        });
    tokio::spawn(connection);
    client
}

impl Fixture for PostgresFixture {
    type S = PostgresStore;

    async fn open(&self) -> Result<PostgresStore, StoreError> {
        PostgresStore::connect(&self.config, Some(&self.schema)).await
    }

    async fn bump_schema_version(&self) {
        let admin = self.admin().await;
        admin
            .execute(
                &format!(
                    "INSERT INTO {}.schema_version (version) VALUES ($1)",
                    self.schema
                ),
                &[&(psephos_server::store::postgres::SCHEMA_VERSION + 1)],
            )
            .await
            .unwrap();
    }

    fn schema_version(&self) -> i64 {
        psephos_server::store::postgres::SCHEMA_VERSION
    }
}

impl Drop for PostgresFixture {
    fn drop(&mut self) {
        // Inside the test's runtime: drop the schema from a thread of its own.
        let config = self.config.clone();
        let schema = self.schema.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let admin = connect_admin(&config).await;
                admin
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) && !std::thread::panicking() {
            panic!("could not drop test schema {}", self.schema);
        }
    }
}

/// A small complete election, simulated once per test binary: its record
/// file's bytes and how many revotes it has.
pub struct Simulated {
    pub record: Vec<u8>,
    pub revotes: usize,
    pub ballots: usize,
}

pub fn simulated() -> &'static Simulated {
    static SIMULATED: OnceLock<Simulated> = OnceLock::new();
    SIMULATED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("record.jsonl");
        let config = SimulationConfig {
            voters: 12,
            proposals: 2,
            candidates: 3,
            trustees: 3,
            threshold: 2,
            absent: 1,
            cheating_dealer: None,
            revote_percent: 40,
            audit_percent: 20,
            seed: 7,
            output: output.clone(),
            progress: false,
        };
        let report = run(&config).unwrap();
        assert!(report.revotes > 0, "the simulation should revote");
        Simulated {
            record: std::fs::read(&output).unwrap(),
            revotes: report.revotes,
            ballots: report.ballots_cast,
        }
    })
}
