//! The PostgreSQL store, for several server processes sharing one
//! database.
//!
//! An append is one transaction that first locks the election's row with
//! `SELECT … FOR NO KEY UPDATE`: the row holds the log's size, so every
//! other append to the same election — from this process or any other —
//! waits at that statement until the transaction commits, then reads the
//! new size. Leaf indices are therefore dense and the node table always
//! matches the leaves; appends to different elections do not wait for
//! each other, and readers never wait. An append returns after `COMMIT`,
//! which with PostgreSQL's default `synchronous_commit` is durable.
//!
//! A store may keep its tables in a schema of its own (the connection's
//! `search_path`), which is how several stores share a database, and how
//! tests isolate themselves.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, StatementCache};
use psephos_crypto::context::CredentialKey;
use psephos_election::ballot::TrackingCode;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, Hash, Subtree};
use psephos_election::signing::SignatureBytes;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row, Statement};

use crate::error::StoreError;

use super::{
    append_siblings, bytes32, check_dense, check_leaf, completed_nodes, credential_of, db_int,
    from_db_int, page_end, refuses_one_ballot, single, subtree, BallotAppend, BallotLeaf, Guard,
    LeafMeta, RollRow, Store, StoredLeaf, Superseded, TreeQuery, Turnout, VoterBallots, AUDIT_KIND,
    BALLOT_KIND,
};

/// Connections a store keeps open at most.
pub const POOL_SIZE: usize = 16;

/// How long connecting may take when the configuration does not say.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema, one migration per version (version `i + 1` at index `i`).
const MIGRATIONS: &[&str] = &[
    // 1: elections, leaves, tree nodes above the leaves, checkpoints.
    "CREATE TABLE elections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE leaves (
        election_id bigint NOT NULL REFERENCES elections (id),
        idx bigint NOT NULL CHECK (idx >= 0),
        kind text NOT NULL,
        leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32),
        bytes bytea NOT NULL,
        tracking_code bytea CHECK (length(tracking_code) = 32),
        credential bytea CHECK (length(credential) = 32),
        PRIMARY KEY (election_id, idx)
    );
    CREATE UNIQUE INDEX leaves_by_tracking_code ON leaves (election_id, tracking_code)
        WHERE tracking_code IS NOT NULL;
    CREATE INDEX leaves_by_credential ON leaves (election_id, credential, idx)
        WHERE credential IS NOT NULL;
    CREATE TABLE nodes (
        election_id bigint NOT NULL REFERENCES elections (id),
        level integer NOT NULL CHECK (level BETWEEN 1 AND 63),
        idx bigint NOT NULL CHECK (idx >= 0),
        hash bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (election_id, level, idx)
    );
    CREATE TABLE checkpoints (
        election_id bigint NOT NULL REFERENCES elections (id),
        size bigint NOT NULL CHECK (size >= 0),
        root bytea NOT NULL CHECK (length(root) = 32),
        signature bytea NOT NULL CHECK (length(signature) = 64),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (election_id, size)
    );",
    // 2: the election's phase, leaves by kind, server settings, the roll.
    "ALTER TABLE elections ADD COLUMN phase text NOT NULL DEFAULT 'keygen';
    CREATE INDEX leaves_by_kind ON leaves (election_id, kind, idx);
    CREATE TABLE settings (
        name text PRIMARY KEY,
        value bytea NOT NULL
    );
    CREATE TABLE roll (
        election_id bigint NOT NULL REFERENCES elections (id),
        row bigint NOT NULL,
        name text NOT NULL,
        email text NOT NULL,
        style text NOT NULL,
        PRIMARY KEY (election_id, row)
    );",
];

/// The newest schema version this program knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// A store in a PostgreSQL database (or one schema of it). Cloning shares
/// the connection pool.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

/// A connection (or the transaction open on it) and its prepared
/// statements.
struct Db<'a> {
    client: &'a Client,
    cache: &'a StatementCache,
}

impl Db<'_> {
    async fn statement(&self, sql: &str) -> Result<Statement, StoreError> {
        Ok(self.cache.prepare(self.client, sql).await?)
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql).await?;
        Ok(self.client.query(&statement, params).await?)
    }

    async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(sql).await?;
        Ok(self.client.query_opt(&statement, params).await?)
    }

    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        let statement = self.statement(sql).await?;
        Ok(self.client.execute(&statement, params).await?)
    }

    /// The election's row id and log size; with `lock`, holds the row
    /// until the transaction ends, which serialises appends.
    async fn log_of(&self, name: &str, lock: bool) -> Result<(i64, u64), StoreError> {
        let sql = if lock {
            "SELECT id, size FROM elections WHERE name = $1 FOR NO KEY UPDATE"
        } else {
            "SELECT id, size FROM elections WHERE name = $1"
        };
        let row = self
            .query_opt(sql, &[&name])
            .await?
            .ok_or_else(|| StoreError::UnknownElection(name.to_string()))?;
        let size: i64 = row.try_get(1)?;
        Ok((row.try_get(0)?, from_db_int(size, "log size")?))
    }

    /// The election's row id, log size and phase, locking the row until
    /// the transaction ends (which serialises appends).
    async fn lock_state(&self, name: &str) -> Result<(i64, u64, String), StoreError> {
        let row = self
            .query_opt(
                "SELECT id, size, phase FROM elections WHERE name = $1 FOR NO KEY UPDATE",
                &[&name],
            )
            .await?
            .ok_or_else(|| StoreError::UnknownElection(name.to_string()))?;
        let size: i64 = row.try_get(1)?;
        Ok((
            row.try_get(0)?,
            from_db_int(size, "log size")?,
            row.try_get(2)?,
        ))
    }

    /// Moves the log to `phase`, inside the caller's transaction.
    async fn set_phase(&self, election: i64, phase: Option<&str>) -> Result<(), StoreError> {
        if let Some(phase) = phase {
            self.execute(
                "UPDATE elections SET phase = $2 WHERE id = $1",
                &[&election, &phase],
            )
            .await?;
        }
        Ok(())
    }

    /// Fetches the hashes of `wanted` in one query: leaf hashes for level
    /// 0, stored nodes above.
    async fn fetch(
        &self,
        election: i64,
        wanted: &[Subtree],
    ) -> Result<HashMap<Subtree, Hash>, StoreError> {
        let mut out = HashMap::with_capacity(wanted.len());
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut leaf_indices = Vec::new();
        let (mut levels, mut indices) = (Vec::new(), Vec::new());
        for s in wanted {
            if s.level == 0 {
                leaf_indices.push(db_int(s.index)?);
            } else {
                levels.push(
                    i32::try_from(s.level)
                        .map_err(|_| StoreError::Corrupt(format!("tree level {}", s.level)))?,
                );
                indices.push(db_int(s.index)?);
            }
        }
        let rows = self
            .query(
                "SELECT 0::bigint, l.idx, l.leaf_hash FROM leaves l
                     WHERE l.election_id = $1 AND l.idx = ANY ($2::bigint[])
                 UNION ALL
                 SELECT n.level::bigint, n.idx, n.hash
                     FROM unnest($3::integer[], $4::bigint[]) AS q (level, idx)
                     JOIN nodes n ON n.election_id = $1 AND n.level = q.level AND n.idx = q.idx",
                &[&election, &leaf_indices, &levels, &indices],
            )
            .await?;
        for row in rows {
            let node = subtree(row.try_get(0)?, row.try_get(1)?)?;
            let hash: &[u8] = row.try_get(2)?;
            out.insert(node, bytes32(hash, "tree node hash")?);
        }
        Ok(out)
    }

    /// A root or proof of election `name`.
    async fn tree_hashes(&self, name: &str, query: TreeQuery) -> Result<Vec<Hash>, StoreError> {
        let (id, size) = self.log_of(name, false).await?;
        let plan = query.plan(size)?;
        let fetched = self.fetch(id, &plan.subtrees()).await?;
        query.assemble(&plan, &fetched)
    }

    /// The index and leaf hash of the leaf with this tracking code.
    async fn find_code(
        &self,
        election: i64,
        code: &TrackingCode,
    ) -> Result<Option<(u64, Hash)>, StoreError> {
        let row = self
            .query_opt(
                "SELECT idx, leaf_hash FROM leaves WHERE election_id = $1 AND tracking_code = $2",
                &[&election, &&code.0[..]],
            )
            .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((
                from_db_int(row.try_get(0)?, "leaf index")?,
                bytes32(row.try_get(1)?, "leaf hash")?,
            ))),
        }
    }

    /// The latest ballot of `credential` before leaf `before`.
    ///
    /// `kind || ''` keeps the planner off `leaves_by_kind`: for the
    /// prepared statement's generic plan it preferred that index (it also
    /// gives `idx DESC`) and filtered every ballot of the election by
    /// credential, so each cast cost time in proportion to the ballots
    /// already stored. Through `leaves_by_credential` it reads only this
    /// credential's few leaves.
    async fn superseded(
        &self,
        election: i64,
        credential: &CredentialKey,
        before: u64,
    ) -> Result<Option<Superseded>, StoreError> {
        let row = self
            .query_opt(
                "SELECT idx, tracking_code FROM leaves
                 WHERE election_id = $1 AND credential = $2 AND kind || '' = $3 AND idx < $4
                     AND tracking_code IS NOT NULL
                 ORDER BY idx DESC LIMIT 1",
                &[
                    &election,
                    &&credential.as_bytes()[..],
                    &BALLOT_KIND,
                    &db_int(before)?,
                ],
            )
            .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(Superseded {
                index: from_db_int(row.try_get(0)?, "leaf index")?,
                tracking_code: TrackingCode(bytes32(row.try_get(1)?, "tracking code")?),
            })),
        }
    }

    /// Inserts leaf `index` (the log's size) and the nodes it completes,
    /// from their left siblings' hashes in `fetched` ([`append_siblings`]);
    /// inside the caller's locked transaction, which then sets the size
    /// ([`Db::set_size`]). The two inserts are pipelined.
    async fn insert_leaf(
        &self,
        election: i64,
        index: u64,
        leaf: &[u8],
        meta: &LeafMeta,
        fetched: &HashMap<Subtree, Hash>,
    ) -> Result<(), StoreError> {
        let hash = leaf_hash(leaf);
        let nodes = completed_nodes(index, hash, fetched)?;
        let idx = db_int(index)?;
        let code = meta.tracking_code.as_ref().map(|c| &c.0[..]);
        let credential = meta.credential.as_ref().map(|c| &c.as_bytes()[..]);
        let mut levels = Vec::with_capacity(nodes.len());
        let mut indices = Vec::with_capacity(nodes.len());
        let mut hashes = Vec::with_capacity(nodes.len());
        for (node, hash) in &nodes {
            levels.push(
                i32::try_from(node.level)
                    .map_err(|_| StoreError::Corrupt(format!("tree level {}", node.level)))?,
            );
            indices.push(db_int(node.index)?);
            hashes.push(&hash[..]);
        }
        let insert_leaf = async {
            self.execute(
                "INSERT INTO leaves (election_id, idx, kind, leaf_hash, bytes, tracking_code, credential)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &election,
                    &idx,
                    &meta.kind,
                    &&hash[..],
                    &leaf,
                    &code,
                    &credential,
                ],
            )
            .await
        };
        let insert_nodes = async {
            if nodes.is_empty() {
                return Ok(0);
            }
            self.execute(
                "INSERT INTO nodes (election_id, level, idx, hash)
                 SELECT $1::bigint, * FROM unnest($2::integer[], $3::bigint[], $4::bytea[])",
                &[&election, &levels, &indices, &hashes],
            )
            .await
        };
        tokio::try_join!(insert_leaf, insert_nodes)?;
        Ok(())
    }

    /// Records the log's new size, at the end of an append transaction.
    async fn set_size(&self, election: i64, size: u64) -> Result<(), StoreError> {
        self.execute(
            "UPDATE elections SET size = $2 WHERE id = $1",
            &[&election, &db_int(size)?],
        )
        .await?;
        Ok(())
    }

    /// Appends one ballot at `size` unless its tracking code is in the
    /// log; inside the caller's locked transaction. The three lookups are
    /// pipelined.
    async fn cast(
        &self,
        election: i64,
        size: u64,
        ballot: &BallotLeaf,
    ) -> Result<BallotAppend, StoreError> {
        check_leaf(&ballot.leaf)?;
        let siblings = append_siblings(size);
        let (found, supersedes, fetched) = tokio::try_join!(
            self.find_code(election, &ballot.tracking_code),
            self.superseded(election, &ballot.credential, size),
            self.fetch(election, &siblings),
        )?;
        if let Some((index, hash)) = found {
            if hash != leaf_hash(&ballot.leaf) {
                return Err(StoreError::TrackingCodeConflict {
                    tracking_code: ballot.tracking_code,
                    index,
                });
            }
            let supersedes = self.superseded(election, &ballot.credential, index).await?;
            return Ok(BallotAppend {
                index,
                already_present: true,
                supersedes,
            });
        }
        let meta = LeafMeta {
            kind: BALLOT_KIND.to_string(),
            tracking_code: Some(ballot.tracking_code),
            credential: Some(ballot.credential),
        };
        self.insert_leaf(election, size, &ballot.leaf, &meta, &fetched)
            .await?;
        Ok(BallotAppend {
            index: size,
            already_present: false,
            supersedes,
        })
    }

    /// A checkpoint of election `name` from a stored row.
    async fn checkpoint(
        &self,
        name: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let Some(row) = self.query_opt(sql, params).await? else {
            return Ok(None);
        };
        let size: i64 = row.try_get(0)?;
        let root: &[u8] = row.try_get(1)?;
        let signature: &[u8] = row.try_get(2)?;
        Ok(Some(SignedCheckpoint {
            log_id: name.to_string(),
            size: from_db_int(size, "checkpoint size")?,
            root: bytes32(root, "checkpoint root")?,
            signature: SignatureBytes(signature.try_into().map_err(|_| {
                StoreError::Corrupt(format!("checkpoint signature of {} bytes", signature.len()))
            })?),
        }))
    }
}

/// Checks a schema name: a plain lower-case SQL identifier.
fn check_schema(schema: &str) -> Result<(), StoreError> {
    let mut chars = schema.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && schema.len() <= 63 && !schema.starts_with("pg_") {
        Ok(())
    } else {
        Err(StoreError::Database(format!(
            "schema name {schema:?} is not a lower-case identifier of at most 63 characters"
        )))
    }
}

/// Creates the schema if asked, and brings it up to [`SCHEMA_VERSION`] in
/// one transaction, under an advisory lock so that processes starting
/// together migrate one after the other; refuses a newer version.
async fn migrate(pool: &Pool, schema: Option<&str>) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let key = format!("psephos-migrate/{}", schema.unwrap_or(""));
    tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&key])
        .await?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version bigint PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let found: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM schema_version",
            &[],
        )
        .await?
        .try_get(0)?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    let done = usize::try_from(found)
        .map_err(|_| StoreError::Corrupt(format!("schema version {found}")))?;
    for (version, sql) in (1i64..).zip(MIGRATIONS).skip(done) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await?;
        tracing::info!(version, schema, "postgres store: applied schema migration");
    }
    tx.commit().await?;
    Ok(())
}

impl PostgresStore {
    /// Connects with a libpq-style configuration (`host=… user=…
    /// dbname=…` or a `postgresql://` URL), without TLS, and brings the
    /// schema up to date. With `schema`, every connection keeps its tables
    /// in that schema (created if missing), through its `search_path`.
    pub async fn connect(config: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut pg: tokio_postgres::Config = config
            .parse()
            .map_err(|e| StoreError::Database(format!("bad connection configuration: {e}")))?;
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(CONNECT_TIMEOUT);
        }
        if let Some(schema) = schema {
            check_schema(schema)?;
            let options = match pg.get_options() {
                Some(options) => format!("{options} -c search_path={schema}"),
                None => format!("-c search_path={schema}"),
            };
            pg.options(options);
        }
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        migrate(&pool, schema).await?;
        Ok(PostgresStore { pool })
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        Ok(self.pool.get().await?)
    }
}

/// The store's view of a pooled connection.
fn db(client: &deadpool_postgres::Client) -> Db<'_> {
    Db {
        client,
        cache: &client.statement_cache,
    }
}

/// The store's view of a transaction.
fn db_tx<'a>(tx: &'a deadpool_postgres::Transaction<'_>) -> Db<'a> {
    Db {
        client: tx.client(),
        cache: &tx.statement_cache,
    }
}

impl Store for PostgresStore {
    async fn create_election(&self, election: &str) -> Result<(), StoreError> {
        let client = self.client().await?;
        let inserted = db(&client)
            .execute(
                "INSERT INTO elections (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
                &[&election],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::ElectionExists(election.to_string()));
        }
        Ok(())
    }

    async fn append_guarded(
        &self,
        election: &str,
        leaf: Vec<u8>,
        meta: LeafMeta,
        guard: Guard,
    ) -> Result<u64, StoreError> {
        check_leaf(&leaf)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let db = db_tx(&tx);
        let (id, size, phase) = db.lock_state(election).await?;
        guard.check(&phase, size)?;
        let siblings = append_siblings(size);
        let find = async {
            match &meta.tracking_code {
                Some(code) => db.find_code(id, code).await,
                None => Ok(None),
            }
        };
        let (found, fetched) = tokio::try_join!(find, db.fetch(id, &siblings))?;
        if let (Some(code), Some((index, _))) = (meta.tracking_code, found) {
            return Err(StoreError::TrackingCodeConflict {
                tracking_code: code,
                index,
            });
        }
        db.insert_leaf(id, size, &leaf, &meta, &fetched).await?;
        db.set_size(id, size + 1).await?;
        db.set_phase(id, guard.then).await?;
        tx.commit().await?;
        Ok(size)
    }

    async fn append_ballots_guarded(
        &self,
        election: &str,
        ballots: Vec<BallotLeaf>,
        guard: Guard,
    ) -> Result<Vec<Result<BallotAppend, StoreError>>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let db = db_tx(&tx);
        let (id, start, phase) = db.lock_state(election).await?;
        guard.check(&phase, start)?;
        let mut size = start;
        let mut out = Vec::with_capacity(ballots.len());
        for ballot in &ballots {
            match db.cast(id, size, ballot).await {
                Ok(cast) => {
                    size += u64::from(!cast.already_present);
                    out.push(Ok(cast));
                }
                Err(e) if refuses_one_ballot(&e) => out.push(Err(e)),
                Err(e) => return Err(e),
            }
        }
        if size != start {
            db.set_size(id, size).await?;
        }
        db.set_phase(id, guard.then).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn size(&self, election: &str) -> Result<u64, StoreError> {
        let client = self.client().await?;
        Ok(db(&client).log_of(election, false).await?.1)
    }

    async fn leaf(&self, election: &str, index: u64) -> Result<Vec<u8>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, size) = db.log_of(election, false).await?;
        if index >= size {
            return Err(StoreError::OutOfRange { index, size });
        }
        let row = db
            .query_opt(
                "SELECT bytes FROM leaves WHERE election_id = $1 AND idx = $2",
                &[&id, &db_int(index)?],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("leaf {index} of {size} missing")))?;
        Ok(row.try_get(0)?)
    }

    async fn leaves(&self, election: &str, range: Range<u64>) -> Result<Vec<Vec<u8>>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, size) = db.log_of(election, false).await?;
        let end = page_end(&range, size)?;
        if end <= range.start {
            return Ok(Vec::new());
        }
        let rows = db
            .query(
                "SELECT idx, bytes FROM leaves
                 WHERE election_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx",
                &[&id, &db_int(range.start)?, &db_int(end)?],
            )
            .await?;
        let mut indices = Vec::with_capacity(rows.len());
        let mut leaves = Vec::with_capacity(rows.len());
        for row in rows {
            indices.push(from_db_int(row.try_get(0)?, "leaf index")?);
            leaves.push(row.try_get(1)?);
        }
        check_dense(range.start, &indices)?;
        if indices.len() as u64 != end - range.start {
            return Err(StoreError::Corrupt(format!(
                "leaves {}..{end} of a log of size {size} incomplete",
                range.start
            )));
        }
        Ok(leaves)
    }

    async fn leaf_by_tracking_code(
        &self,
        election: &str,
        tracking_code: TrackingCode,
    ) -> Result<Option<StoredLeaf>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        let row = db
            .query_opt(
                "SELECT idx, kind, bytes FROM leaves WHERE election_id = $1 AND tracking_code = $2",
                &[&id, &&tracking_code.0[..]],
            )
            .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some(StoredLeaf {
                index: from_db_int(row.try_get(0)?, "leaf index")?,
                kind: row.try_get(1)?,
                bytes: row.try_get(2)?,
            })),
        }
    }

    async fn root_at(&self, election: &str, size: u64) -> Result<Hash, StoreError> {
        let client = self.client().await?;
        single(
            db(&client)
                .tree_hashes(election, TreeQuery::Root(size))
                .await?,
        )
    }

    async fn inclusion_proof(
        &self,
        election: &str,
        index: u64,
        size: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let client = self.client().await?;
        db(&client)
            .tree_hashes(election, TreeQuery::Inclusion(index, size))
            .await
    }

    async fn consistency_proof(
        &self,
        election: &str,
        first: u64,
        second: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let client = self.client().await?;
        db(&client)
            .tree_hashes(election, TreeQuery::Consistency(first, second))
            .await
    }

    async fn put_checkpoint(&self, checkpoint: &SignedCheckpoint) -> Result<(), StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let mismatch = || StoreError::CheckpointMismatch {
            election: checkpoint.log_id.clone(),
            size: checkpoint.size,
        };
        let (id, _) = db.log_of(&checkpoint.log_id, false).await?;
        let root = match db
            .tree_hashes(&checkpoint.log_id, TreeQuery::Root(checkpoint.size))
            .await
        {
            Err(StoreError::OutOfRange { .. }) => return Err(mismatch()),
            other => single(other?)?,
        };
        if root != checkpoint.root {
            return Err(mismatch());
        }
        db.execute(
            "INSERT INTO checkpoints (election_id, size, root, signature)
             VALUES ($1, $2, $3, $4) ON CONFLICT (election_id, size) DO NOTHING",
            &[
                &id,
                &db_int(checkpoint.size)?,
                &&checkpoint.root[..],
                &&checkpoint.signature.0[..],
            ],
        )
        .await?;
        Ok(())
    }

    async fn latest_checkpoint(
        &self,
        election: &str,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        db.checkpoint(
            election,
            "SELECT size, root, signature FROM checkpoints
             WHERE election_id = $1 ORDER BY size DESC LIMIT 1",
            &[&id],
        )
        .await
    }

    async fn checkpoint_at(
        &self,
        election: &str,
        size: u64,
    ) -> Result<Option<SignedCheckpoint>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        db.checkpoint(
            election,
            "SELECT size, root, signature FROM checkpoints WHERE election_id = $1 AND size = $2",
            &[&id, &db_int(size)?],
        )
        .await
    }

    async fn phase(&self, election: &str) -> Result<String, StoreError> {
        let client = self.client().await?;
        let row = db(&client)
            .query_opt("SELECT phase FROM elections WHERE name = $1", &[&election])
            .await?
            .ok_or_else(|| StoreError::UnknownElection(election.to_string()))?;
        Ok(row.try_get(0)?)
    }

    async fn elections(&self) -> Result<Vec<(String, String)>, StoreError> {
        let client = self.client().await?;
        let rows = db(&client)
            .query("SELECT name, phase FROM elections ORDER BY id", &[])
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }

    async fn leaves_of_kind(
        &self,
        election: &str,
        kind: &str,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        let rows = db
            .query(
                "SELECT idx, bytes FROM leaves WHERE election_id = $1 AND kind = $2 ORDER BY idx",
                &[&id, &kind],
            )
            .await?;
        rows.iter()
            .map(|row| Ok((from_db_int(row.try_get(0)?, "leaf index")?, row.try_get(1)?)))
            .collect()
    }

    async fn voter(
        &self,
        election: &str,
        credential: CredentialKey,
        before: Option<u64>,
    ) -> Result<VoterBallots, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, size) = db.log_of(election, false).await?;
        let size = before.map_or(size, |b| b.min(size));
        // `kind || ''`: through the credential's index, as in `superseded`.
        let row = db
            .query_opt(
                "SELECT count(*) FROM leaves
                 WHERE election_id = $1 AND credential = $2 AND kind || '' = $3 AND idx < $4",
                &[
                    &id,
                    &&credential.as_bytes()[..],
                    &BALLOT_KIND,
                    &db_int(size)?,
                ],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("count returned no row".into()))?;
        Ok(VoterBallots {
            ballots: from_db_int(row.try_get(0)?, "ballot count")?,
            latest: db.superseded(id, &credential, size).await?,
        })
    }

    async fn turnout(&self, election: &str) -> Result<Turnout, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        let counts = db
            .query(
                "SELECT kind, count(*) FROM leaves
                 WHERE election_id = $1 AND kind IN ($2, $3) GROUP BY kind",
                &[&id, &BALLOT_KIND, &AUDIT_KIND],
            )
            .await?;
        let mut turnout = Turnout::default();
        for row in counts {
            let kind: &str = row.try_get(0)?;
            let n = from_db_int(row.try_get(1)?, "leaf count")?;
            if kind == BALLOT_KIND {
                turnout.ballots = n;
            } else {
                turnout.audits = n;
            }
        }
        let voters = db
            .query(
                "SELECT DISTINCT credential FROM leaves
                 WHERE election_id = $1 AND kind = $2 AND credential IS NOT NULL",
                &[&id, &BALLOT_KIND],
            )
            .await?;
        for row in voters {
            turnout.voters.push(credential_of(row.try_get(0)?)?);
        }
        Ok(turnout)
    }

    async fn setting(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.client().await?;
        let row = db(&client)
            .query_opt("SELECT value FROM settings WHERE name = $1", &[&name])
            .await?;
        row.map(|row| Ok(row.try_get(0)?)).transpose()
    }

    async fn init_setting(&self, name: &str, value: Vec<u8>) -> Result<Vec<u8>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        db.execute(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&name, &value],
        )
        .await?;
        let row = db
            .query_opt("SELECT value FROM settings WHERE name = $1", &[&name])
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("setting {name} vanished")))?;
        Ok(row.try_get(0)?)
    }

    async fn put_setting(&self, name: &str, value: Vec<u8>) -> Result<(), StoreError> {
        let client = self.client().await?;
        db(&client)
            .execute(
                "INSERT INTO settings (name, value) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                &[&name, &value],
            )
            .await?;
        Ok(())
    }

    async fn put_roll(
        &self,
        election: &str,
        members: Vec<RollRow>,
        phases: &'static [&'static str],
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let db = db_tx(&tx);
        let (id, size, phase) = db.lock_state(election).await?;
        Guard::in_phases(phases).check(&phase, size)?;
        db.execute("DELETE FROM roll WHERE election_id = $1", &[&id])
            .await?;
        let rows: Vec<i64> = (1..=members.len() as i64).collect();
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        let emails: Vec<&str> = members.iter().map(|m| m.email.as_str()).collect();
        let styles: Vec<&str> = members.iter().map(|m| m.style.as_str()).collect();
        db.execute(
            "INSERT INTO roll (election_id, row, name, email, style)
             SELECT $1::bigint, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[])",
            &[&id, &rows, &names, &emails, &styles],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn roll_has_member(
        &self,
        election: &str,
        email: &str,
        style: &str,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        // `lower` folds more than ASCII in PostgreSQL; fold ASCII only, as
        // SQLite does, so that both stores answer alike.
        let rows = db
            .query(
                "SELECT EXISTS (SELECT 1 FROM roll WHERE election_id = $1 AND style = $2 \
                 AND translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = $3)",
                &[&id, &style, &email.to_ascii_lowercase()],
            )
            .await?;
        match rows.first() {
            Some(row) => Ok(row.try_get(0)?),
            None => Ok(false),
        }
    }

    async fn roll_by_style(&self, election: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let client = self.client().await?;
        let db = db(&client);
        let (id, _) = db.log_of(election, false).await?;
        let rows = db
            .query(
                "SELECT style, count(*) FROM roll WHERE election_id = $1 GROUP BY style ORDER BY style",
                &[&id],
            )
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, from_db_int(row.try_get(1)?, "roll count")?)))
            .collect()
    }
}
