//! The embedded store: one SQLite file, nothing to install.
//!
//! The file is in WAL mode with `synchronous=FULL`, so a committed append
//! has reached the disk (the WAL is synced at every commit) and readers
//! never wait for the writer. One writer connection sits behind a mutex;
//! every append is a `BEGIN IMMEDIATE` transaction, which takes SQLite's
//! write lock at once, so appends also serialise with other processes that
//! open the same file (they wait up to [`BUSY_TIMEOUT`](crate::store::sqlite::BUSY_TIMEOUT)). Reads use a small
//! pool of read-only connections. SQLite calls block, so each operation
//! runs on tokio's blocking pool.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use psephos_crypto::context::CredentialKey;
use psephos_election::ballot::TrackingCode;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, Hash, Subtree};
use psephos_election::signing::SignatureBytes;
use rusqlite::{
    params, params_from_iter, Connection, OpenFlags, OptionalExtension, TransactionBehavior,
};

use crate::error::StoreError;

use super::{
    append_siblings, bytes32, check_dense, check_leaf, completed_nodes, credential_of, db_int,
    from_db_int, page_end, refuses_one_ballot, single, subtree, BallotAppend, BallotLeaf, Guard,
    LeafMeta, RollRow, Store, StoredLeaf, Superseded, TreeQuery, Turnout, VoterBallots, AUDIT_KIND,
    BALLOT_KIND,
};

/// How long a transaction waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle read connections kept open.
const KEEP_READERS: usize = 8;

/// The schema, one migration per version (version `i + 1` at index `i`).
const MIGRATIONS: &[&str] = &[
    // 1: elections, leaves, tree nodes above the leaves, checkpoints.
    "CREATE TABLE elections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE leaves (
        election_id INTEGER NOT NULL REFERENCES elections (id),
        idx INTEGER NOT NULL CHECK (idx >= 0),
        kind TEXT NOT NULL,
        leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
        bytes BLOB NOT NULL,
        tracking_code BLOB CHECK (length(tracking_code) = 32),
        credential BLOB CHECK (length(credential) = 32),
        PRIMARY KEY (election_id, idx)
    );
    CREATE UNIQUE INDEX leaves_by_tracking_code ON leaves (election_id, tracking_code)
        WHERE tracking_code IS NOT NULL;
    CREATE INDEX leaves_by_credential ON leaves (election_id, credential, idx)
        WHERE credential IS NOT NULL;
    CREATE TABLE nodes (
        election_id INTEGER NOT NULL REFERENCES elections (id),
        level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 63),
        idx INTEGER NOT NULL CHECK (idx >= 0),
        hash BLOB NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (election_id, level, idx)
    ) WITHOUT ROWID;
    CREATE TABLE checkpoints (
        election_id INTEGER NOT NULL REFERENCES elections (id),
        size INTEGER NOT NULL CHECK (size >= 0),
        root BLOB NOT NULL CHECK (length(root) = 32),
        signature BLOB NOT NULL CHECK (length(signature) = 64),
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (election_id, size)
    ) WITHOUT ROWID;",
    // 2: the election's phase, leaves by kind, server settings, the roll.
    "ALTER TABLE elections ADD COLUMN phase TEXT NOT NULL DEFAULT 'keygen';
    CREATE INDEX leaves_by_kind ON leaves (election_id, kind, idx);
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE roll (
        election_id INTEGER NOT NULL REFERENCES elections (id),
        row INTEGER NOT NULL,
        name TEXT NOT NULL,
        email TEXT NOT NULL,
        style TEXT NOT NULL,
        PRIMARY KEY (election_id, row)
    );",
];

/// The newest schema version this program knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A store in one SQLite file. Cloning shares the connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn poisoned() -> StoreError {
    StoreError::Database("a store connection was poisoned by a panic".into())
}

/// Runs blocking database work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Database(format!("store task failed: {e}")))?
}

/// The writer connection: WAL, `synchronous=FULL`, foreign keys.
fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode = journal_mode_wal(&conn)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!(
            "{} cannot use write-ahead logging (journal mode {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Switches to write-ahead logging. The switch needs a lock that SQLite
/// does not wait for (the busy handler is not consulted), so when another
/// process opens the same new file at the same moment it fails at once
/// with SQLITE_BUSY: retry for up to [`BUSY_TIMEOUT`].
fn journal_mode_wal(conn: &Connection) -> Result<String, StoreError> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0)) {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            other => return Ok(other?),
        }
    }
}

/// A read connection.
fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction; refuses
/// a newer one.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )",
    )?;
    let found: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |row| row.get(0),
    )?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    let done = usize::try_from(found)
        .map_err(|_| StoreError::Corrupt(format!("schema version {found}")))?;
    for (version, sql) in (1i64..).zip(MIGRATIONS).skip(done) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version],
        )?;
        tracing::info!(version, "sqlite store: applied schema migration");
    }
    tx.commit()?;
    Ok(())
}

/// The election's row id and log size.
fn log_of(conn: &Connection, name: &str) -> Result<(i64, u64), StoreError> {
    let row = conn
        .prepare_cached("SELECT id, size FROM elections WHERE name = ?1")?
        .query_row([name], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
        })
        .optional()?;
    let (id, size) = row.ok_or_else(|| StoreError::UnknownElection(name.to_string()))?;
    Ok((id, from_db_int(size, "log size")?))
}

/// The election's row id, log size and phase.
fn state_of(conn: &Connection, name: &str) -> Result<(i64, u64, String), StoreError> {
    let row = conn
        .prepare_cached("SELECT id, size, phase FROM elections WHERE name = ?1")?
        .query_row([name], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let (id, size, phase) = row.ok_or_else(|| StoreError::UnknownElection(name.to_string()))?;
    Ok((id, from_db_int(size, "log size")?, phase))
}

/// Moves the log to `phase`, inside the caller's transaction.
fn set_phase(conn: &Connection, election: i64, phase: Option<&str>) -> Result<(), StoreError> {
    if let Some(phase) = phase {
        conn.prepare_cached("UPDATE elections SET phase = ?2 WHERE id = ?1")?
            .execute(params![election, phase])?;
    }
    Ok(())
}

/// Fetches the hashes of `wanted` in one query: leaf hashes for level 0,
/// stored nodes above.
fn fetch(
    conn: &Connection,
    election: i64,
    wanted: &[Subtree],
) -> Result<HashMap<Subtree, Hash>, StoreError> {
    let mut out = HashMap::with_capacity(wanted.len());
    if wanted.is_empty() {
        return Ok(out);
    }
    let values: Vec<String> = (0..wanted.len())
        .map(|i| format!("(?{}, ?{})", 2 * i + 2, 2 * i + 3))
        .collect();
    let sql = format!(
        "WITH q (level, idx) AS (VALUES {})
         SELECT 0, l.idx, l.leaf_hash FROM q
             JOIN leaves l ON l.election_id = ?1 AND l.idx = q.idx
             WHERE q.level = 0
         UNION ALL
         SELECT n.level, n.idx, n.hash FROM q
             JOIN nodes n ON n.election_id = ?1 AND n.level = q.level AND n.idx = q.idx
             WHERE q.level > 0",
        values.join(", ")
    );
    let mut args = Vec::with_capacity(1 + 2 * wanted.len());
    args.push(election);
    for s in wanted {
        args.push(i64::from(s.level));
        args.push(db_int(s.index)?);
    }
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params_from_iter(args))?;
    while let Some(row) = rows.next()? {
        let node = subtree(row.get(0)?, row.get(1)?)?;
        let hash: Vec<u8> = row.get(2)?;
        out.insert(node, bytes32(&hash, "tree node hash")?);
    }
    Ok(out)
}

/// A root or proof of election `name`.
fn tree_hashes(conn: &Connection, name: &str, query: TreeQuery) -> Result<Vec<Hash>, StoreError> {
    let (id, size) = log_of(conn, name)?;
    let plan = query.plan(size)?;
    let fetched = fetch(conn, id, &plan.subtrees())?;
    query.assemble(&plan, &fetched)
}

/// The index and leaf hash of the leaf with this tracking code.
fn find_code(
    conn: &Connection,
    election: i64,
    code: &TrackingCode,
) -> Result<Option<(u64, Hash)>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT idx, leaf_hash FROM leaves WHERE election_id = ?1 AND tracking_code = ?2",
        )?
        .query_row(params![election, &code.0[..]], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    row.map(|(idx, hash)| {
        Ok((
            from_db_int(idx, "leaf index")?,
            bytes32(&hash, "leaf hash")?,
        ))
    })
    .transpose()
}

/// The latest ballot of `credential` before leaf `before`.
///
/// The unary `+` on `kind` keeps SQLite's planner off `leaves_by_kind`:
/// without statistics it prefers that index (it also gives `idx DESC`)
/// and then walks every ballot of the election, newest first, reading each
/// one's credential past its bytes' overflow pages, which made every cast
/// cost time in proportion to the ballots already stored. Through
/// `leaves_by_credential` it reads only this credential's few leaves.
fn superseded(
    conn: &Connection,
    election: i64,
    credential: &CredentialKey,
    before: u64,
) -> Result<Option<Superseded>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT idx, tracking_code FROM leaves
             WHERE election_id = ?1 AND credential = ?2 AND +kind = ?3 AND idx < ?4
                 AND tracking_code IS NOT NULL
             ORDER BY idx DESC LIMIT 1",
        )?
        .query_row(
            params![
                election,
                &credential.as_bytes()[..],
                BALLOT_KIND,
                db_int(before)?
            ],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    row.map(|(idx, code)| {
        Ok(Superseded {
            index: from_db_int(idx, "leaf index")?,
            tracking_code: TrackingCode(bytes32(&code, "tracking code")?),
        })
    })
    .transpose()
}

/// Inserts leaf `index` (the log's size) and the nodes it completes;
/// inside the caller's write transaction, which then sets the size
/// ([`set_size`]).
fn insert_leaf(
    conn: &Connection,
    election: i64,
    index: u64,
    leaf: &[u8],
    meta: &LeafMeta,
) -> Result<(), StoreError> {
    let hash = leaf_hash(leaf);
    let fetched = fetch(conn, election, &append_siblings(index))?;
    let nodes = completed_nodes(index, hash, &fetched)?;
    conn.prepare_cached(
        "INSERT INTO leaves (election_id, idx, kind, leaf_hash, bytes, tracking_code, credential)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        election,
        db_int(index)?,
        meta.kind,
        &hash[..],
        leaf,
        meta.tracking_code.as_ref().map(|c| &c.0[..]),
        meta.credential.as_ref().map(|c| &c.as_bytes()[..]),
    ])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO nodes (election_id, level, idx, hash) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (node, hash) in &nodes {
        insert.execute(params![
            election,
            node.level,
            db_int(node.index)?,
            &hash[..]
        ])?;
    }
    Ok(())
}

/// Records the log's new size, at the end of an append transaction.
fn set_size(conn: &Connection, election: i64, size: u64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE elections SET size = ?2 WHERE id = ?1")?
        .execute(params![election, db_int(size)?])?;
    Ok(())
}

/// Appends one ballot at `size` unless its tracking code is in the log;
/// inside the caller's write transaction.
fn cast(
    conn: &Connection,
    election: i64,
    size: u64,
    ballot: &BallotLeaf,
) -> Result<BallotAppend, StoreError> {
    check_leaf(&ballot.leaf)?;
    if let Some((index, hash)) = find_code(conn, election, &ballot.tracking_code)? {
        if hash != leaf_hash(&ballot.leaf) {
            return Err(StoreError::TrackingCodeConflict {
                tracking_code: ballot.tracking_code,
                index,
            });
        }
        return Ok(BallotAppend {
            index,
            already_present: true,
            supersedes: superseded(conn, election, &ballot.credential, index)?,
        });
    }
    let supersedes = superseded(conn, election, &ballot.credential, size)?;
    let meta = LeafMeta {
        kind: BALLOT_KIND.to_string(),
        tracking_code: Some(ballot.tracking_code),
        credential: Some(ballot.credential),
    };
    insert_leaf(conn, election, size, &ballot.leaf, &meta)?;
    Ok(BallotAppend {
        index: size,
        already_present: false,
        supersedes,
    })
}

fn checkpoint_row(name: &str, row: &rusqlite::Row<'_>) -> Result<SignedCheckpoint, StoreError> {
    let size: i64 = row.get(0)?;
    let root: Vec<u8> = row.get(1)?;
    let signature: Vec<u8> = row.get(2)?;
    Ok(SignedCheckpoint {
        log_id: name.to_string(),
        size: from_db_int(size, "checkpoint size")?,
        root: bytes32(&root, "checkpoint root")?,
        signature: SignatureBytes(signature.as_slice().try_into().map_err(|_| {
            StoreError::Corrupt(format!("checkpoint signature of {} bytes", signature.len()))
        })?),
    })
}

impl SqliteStore {
    /// Opens (creating if needed) the store in the file at `path`, and
    /// brings its schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        blocking(move || {
            let mut writer = open_writer(&path)?;
            migrate(&mut writer)?;
            Ok(SqliteStore {
                inner: Arc::new(Inner {
                    path,
                    writer: Mutex::new(writer),
                    readers: Mutex::new(Vec::new()),
                }),
            })
        })
        .await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` on the writer connection.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let mut conn = inner.writer.lock().map_err(|_| poisoned())?;
            work(&mut conn)
        })
        .await
    }

    /// Runs `work` on a read connection.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            let idle = inner.readers.lock().map_err(|_| poisoned())?.pop();
            let conn = match idle {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = work(&conn);
            let mut readers = inner.readers.lock().map_err(|_| poisoned())?;
            if readers.len() < KEEP_READERS {
                readers.push(conn);
            }
            result
        })
        .await
    }

    /// Runs `work` in a `BEGIN IMMEDIATE` transaction on the writer, and
    /// commits if it succeeds.
    async fn transact<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = work(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }
}

impl Store for SqliteStore {
    async fn create_election(&self, election: &str) -> Result<(), StoreError> {
        let name = election.to_string();
        self.transact(move |tx| {
            let inserted = tx.execute(
                "INSERT INTO elections (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [&name],
            )?;
            if inserted == 0 {
                return Err(StoreError::ElectionExists(name));
            }
            Ok(())
        })
        .await
    }

    async fn append_guarded(
        &self,
        election: &str,
        leaf: Vec<u8>,
        meta: LeafMeta,
        guard: Guard,
    ) -> Result<u64, StoreError> {
        check_leaf(&leaf)?;
        let name = election.to_string();
        self.transact(move |tx| {
            let (id, size, phase) = state_of(tx, &name)?;
            guard.check(&phase, size)?;
            if let Some(code) = &meta.tracking_code {
                if let Some((index, _)) = find_code(tx, id, code)? {
                    return Err(StoreError::TrackingCodeConflict {
                        tracking_code: *code,
                        index,
                    });
                }
            }
            insert_leaf(tx, id, size, &leaf, &meta)?;
            set_size(tx, id, size + 1)?;
            set_phase(tx, id, guard.then)?;
            Ok(size)
        })
        .await
    }

    async fn append_ballots_guarded(
        &self,
        election: &str,
        ballots: Vec<BallotLeaf>,
        guard: Guard,
    ) -> Result<Vec<Result<BallotAppend, StoreError>>, StoreError> {
        let name = election.to_string();
        self.transact(move |tx| {
            let (id, start, phase) = state_of(tx, &name)?;
            guard.check(&phase, start)?;
            let mut size = start;
            let mut out = Vec::with_capacity(ballots.len());
            for ballot in &ballots {
                match cast(tx, id, size, ballot) {
                    Ok(cast) => {
                        size += u64::from(!cast.already_present);
                        out.push(Ok(cast));
                    }
                    Err(e) if refuses_one_ballot(&e) => out.push(Err(e)),
                    Err(e) => return Err(e),
                }
            }
            if size != start {
                set_size(tx, id, size)?;
            }
            set_phase(tx, id, guard.then)?;
            Ok(out)
        })
        .await
    }

    async fn size(&self, election: &str) -> Result<u64, StoreError> {
        let name = election.to_string();
        self.read(move |conn| Ok(log_of(conn, &name)?.1)).await
    }

    async fn leaf(&self, election: &str, index: u64) -> Result<Vec<u8>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, size) = log_of(conn, &name)?;
            if index >= size {
                return Err(StoreError::OutOfRange { index, size });
            }
            let bytes = conn
                .prepare_cached("SELECT bytes FROM leaves WHERE election_id = ?1 AND idx = ?2")?
                .query_row(params![id, db_int(index)?], |row| row.get::<_, Vec<u8>>(0))
                .optional()?;
            bytes.ok_or_else(|| StoreError::Corrupt(format!("leaf {index} of {size} missing")))
        })
        .await
    }

    async fn leaves(&self, election: &str, range: Range<u64>) -> Result<Vec<Vec<u8>>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, size) = log_of(conn, &name)?;
            let end = page_end(&range, size)?;
            if end <= range.start {
                return Ok(Vec::new());
            }
            let mut stmt = conn.prepare_cached(
                "SELECT idx, bytes FROM leaves
                 WHERE election_id = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
            )?;
            let mut rows = stmt.query(params![id, db_int(range.start)?, db_int(end)?])?;
            let mut indices = Vec::new();
            let mut leaves = Vec::new();
            while let Some(row) = rows.next()? {
                indices.push(from_db_int(row.get(0)?, "leaf index")?);
                leaves.push(row.get::<_, Vec<u8>>(1)?);
            }
            check_dense(range.start, &indices)?;
            if indices.len() as u64 != end - range.start {
                return Err(StoreError::Corrupt(format!(
                    "leaves {}..{end} of a log of size {size} incomplete",
                    range.start
                )));
            }
            Ok(leaves)
        })
        .await
    }

    async fn leaf_by_tracking_code(
        &self,
        election: &str,
        tracking_code: TrackingCode,
    ) -> Result<Option<StoredLeaf>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let row = conn
                .prepare_cached(
                    "SELECT idx, kind, bytes FROM leaves
                     WHERE election_id = ?1 AND tracking_code = ?2",
                )?
                .query_row(params![id, &tracking_code.0[..]], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Vec<u8>>(2)?,
                    ))
                })
                .optional()?;
            row.map(|(idx, kind, bytes)| {
                Ok(StoredLeaf {
                    index: from_db_int(idx, "leaf index")?,
                    kind,
                    bytes,
                })
            })
            .transpose()
        })
        .await
    }

    async fn root_at(&self, election: &str, size: u64) -> Result<Hash, StoreError> {
        let name = election.to_string();
        self.read(move |conn| single(tree_hashes(conn, &name, TreeQuery::Root(size))?))
            .await
    }

    async fn inclusion_proof(
        &self,
        election: &str,
        index: u64,
        size: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| tree_hashes(conn, &name, TreeQuery::Inclusion(index, size)))
            .await
    }

    async fn consistency_proof(
        &self,
        election: &str,
        first: u64,
        second: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| tree_hashes(conn, &name, TreeQuery::Consistency(first, second)))
            .await
    }

    async fn put_checkpoint(&self, checkpoint: &SignedCheckpoint) -> Result<(), StoreError> {
        let checkpoint = checkpoint.clone();
        self.transact(move |tx| {
            let (id, _) = log_of(tx, &checkpoint.log_id)?;
            let mismatch = || StoreError::CheckpointMismatch {
                election: checkpoint.log_id.clone(),
                size: checkpoint.size,
            };
            let root = match tree_hashes(tx, &checkpoint.log_id, TreeQuery::Root(checkpoint.size)) {
                Err(StoreError::OutOfRange { .. }) => return Err(mismatch()),
                other => single(other?)?,
            };
            if root != checkpoint.root {
                return Err(mismatch());
            }
            tx.prepare_cached(
                "INSERT INTO checkpoints (election_id, size, root, signature)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (election_id, size) DO NOTHING",
            )?
            .execute(params![
                id,
                db_int(checkpoint.size)?,
                &checkpoint.root[..],
                &checkpoint.signature.0[..],
            ])?;
            Ok(())
        })
        .await
    }

    async fn latest_checkpoint(
        &self,
        election: &str,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let mut stmt = conn.prepare_cached(
                "SELECT size, root, signature FROM checkpoints
                 WHERE election_id = ?1 ORDER BY size DESC LIMIT 1",
            )?;
            let mut rows = stmt.query([id])?;
            rows.next()?
                .map(|row| checkpoint_row(&name, row))
                .transpose()
        })
        .await
    }

    async fn checkpoint_at(
        &self,
        election: &str,
        size: u64,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let mut stmt = conn.prepare_cached(
                "SELECT size, root, signature FROM checkpoints WHERE election_id = ?1 AND size = ?2",
            )?;
            let mut rows = stmt.query(params![id, db_int(size)?])?;
            rows.next()?.map(|row| checkpoint_row(&name, row)).transpose()
        })
        .await
    }

    async fn phase(&self, election: &str) -> Result<String, StoreError> {
        let name = election.to_string();
        self.read(move |conn| Ok(state_of(conn, &name)?.2)).await
    }

    async fn elections(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached("SELECT name, phase FROM elections ORDER BY id")?;
            let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn leaves_of_kind(
        &self,
        election: &str,
        kind: &str,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let (name, kind) = (election.to_string(), kind.to_string());
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let mut stmt = conn.prepare_cached(
                "SELECT idx, bytes FROM leaves WHERE election_id = ?1 AND kind = ?2 ORDER BY idx",
            )?;
            let mut rows = stmt.query(params![id, kind])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push((from_db_int(row.get(0)?, "leaf index")?, row.get(1)?));
            }
            Ok(out)
        })
        .await
    }

    async fn voter(
        &self,
        election: &str,
        credential: CredentialKey,
        before: Option<u64>,
    ) -> Result<VoterBallots, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, size) = log_of(conn, &name)?;
            let size = before.map_or(size, |b| b.min(size));
            // `+kind`: through the credential's index, as in `superseded`.
            let ballots: i64 = conn
                .prepare_cached(
                    "SELECT count(*) FROM leaves
                     WHERE election_id = ?1 AND credential = ?2 AND +kind = ?3 AND idx < ?4",
                )?
                .query_row(
                    params![id, &credential.as_bytes()[..], BALLOT_KIND, db_int(size)?],
                    |row| row.get(0),
                )?;
            Ok(VoterBallots {
                ballots: from_db_int(ballots, "ballot count")?,
                latest: superseded(conn, id, &credential, size)?,
            })
        })
        .await
    }

    async fn turnout(&self, election: &str) -> Result<Turnout, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let count = |kind: &str| -> Result<u64, StoreError> {
                let n: i64 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM leaves WHERE election_id = ?1 AND kind = ?2",
                    )?
                    .query_row(params![id, kind], |row| row.get(0))?;
                from_db_int(n, "leaf count")
            };
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT credential FROM leaves
                 WHERE election_id = ?1 AND kind = ?2 AND credential IS NOT NULL",
            )?;
            let mut rows = stmt.query(params![id, BALLOT_KIND])?;
            let mut voters = Vec::new();
            while let Some(row) = rows.next()? {
                voters.push(credential_of(&row.get::<_, Vec<u8>>(0)?)?);
            }
            Ok(Turnout {
                ballots: count(BALLOT_KIND)?,
                audits: count(AUDIT_KIND)?,
                voters,
            })
        })
        .await
    }

    async fn setting(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let name = name.to_string();
        self.read(move |conn| {
            Ok(conn
                .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
                .query_row([&name], |row| row.get(0))
                .optional()?)
        })
        .await
    }

    async fn init_setting(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let name = name.to_string();
        self.transact(move |tx| {
            tx.prepare_cached(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            )?
            .execute(params![name, value])?;
            Ok(tx
                .prepare_cached("SELECT value FROM settings WHERE name = ?1")?
                .query_row([&name], |row| row.get(0))?)
        })
        .await
    }

    async fn put_setting(&self, name: &str, value: Vec<u8>) -> Result<(), StoreError> {
        let name = name.to_string();
        self.transact(move |tx| {
            tx.prepare_cached(
                "INSERT INTO settings (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![name, value])?;
            Ok(())
        })
        .await
    }

    async fn put_roll(
        &self,
        election: &str,
        members: Vec<RollRow>,
        phases: &'static [&'static str],
    ) -> Result<(), StoreError> {
        let name = election.to_string();
        self.transact(move |tx| {
            let (id, size, phase) = state_of(tx, &name)?;
            Guard::in_phases(phases).check(&phase, size)?;
            tx.prepare_cached("DELETE FROM roll WHERE election_id = ?1")?
                .execute([id])?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO roll (election_id, row, name, email, style) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (row, member) in (1i64..).zip(&members) {
                insert.execute(params![id, row, member.name, member.email, member.style])?;
            }
            Ok(())
        })
        .await
    }

    async fn roll_has_member(
        &self,
        election: &str,
        email: &str,
        style: &str,
    ) -> Result<bool, StoreError> {
        let (name, email, style) = (
            election.to_string(),
            email.to_ascii_lowercase(),
            style.to_string(),
        );
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let mut stmt = conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM roll WHERE election_id = ?1 AND style = ?2 AND lower(email) = ?3)",
            )?;
            Ok(stmt.query_row(params![id, style, email], |row| row.get(0))?)
        })
        .await
    }

    async fn roll_by_style(&self, election: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let name = election.to_string();
        self.read(move |conn| {
            let (id, _) = log_of(conn, &name)?;
            let mut stmt = conn.prepare_cached(
                "SELECT style, count(*) FROM roll WHERE election_id = ?1 GROUP BY style ORDER BY style",
            )?;
            let mut rows = stmt.query([id])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push((row.get(0)?, from_db_int(row.get(1)?, "roll count")?));
            }
            Ok(out)
        })
        .await
    }
}
