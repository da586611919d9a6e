//! `psephos serve` and `psephos admin init`: running the voting service
//! (spec/api.md) on the embedded SQLite store or on PostgreSQL.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use lettre::message::Mailbox;
use psephos_authority::cli::SmtpArgs;
use psephos_server::receipt_mail::ReceiptMailer;
use psephos_server::serve::{run, shutdown_signal, Backend};
use psephos_server::state::{new_admin_token, token_digest, ADMIN_TOKEN_SETTING};
use psephos_server::store::{PostgresStore, SqliteStore, Store};
use psephos_server::ServerConfig;
use tokio::net::TcpListener;
use zeroize::Zeroizing;

/// Where the board is kept, as the command line gives it.
#[derive(clap::Args, Clone, Debug)]
pub struct StoreArgs {
    /// The SQLite database file (the embedded default store).
    #[arg(long, default_value = "psephos.db", env = "PSEPHOS_DB")]
    pub db: PathBuf,
    /// A PostgreSQL connection (`host=… user=… dbname=…` or a URL) instead
    /// of SQLite; several `psephos serve` processes may share it.
    #[arg(long, env = "PSEPHOS_POSTGRES")]
    pub postgres: Option<String>,
    /// The PostgreSQL schema to keep the tables in.
    #[arg(long, env = "PSEPHOS_POSTGRES_SCHEMA", requires = "postgres")]
    pub postgres_schema: Option<String>,
}

impl StoreArgs {
    /// The backend these arguments name.
    pub fn backend(&self) -> Backend {
        match &self.postgres {
            Some(config) => Backend::Postgres {
                config: config.clone(),
                schema: self.postgres_schema.clone(),
            },
            None => Backend::Sqlite(self.db.clone()),
        }
    }
}

/// `psephos serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "PSEPHOS_LISTEN")]
    pub listen: SocketAddr,
    /// Where the board is kept.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Requests per second per client address (0: unlimited).
    #[arg(long, default_value_t = 200)]
    pub per_client_per_second: u32,
    /// Ballots per minute per voter credential (0: unlimited).
    #[arg(long, default_value_t = 20)]
    pub per_credential_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (behind a proxy only).
    #[arg(long)]
    pub trust_forwarded_for: bool,
    /// Send Strict-Transport-Security (when a TLS proxy fronts the service).
    #[arg(long)]
    pub hsts: bool,
    /// Ballots whose proofs are checked together at most (1: each alone).
    /// Batches form only from ballots already waiting, so this adds no
    /// latency; it raises throughput under load.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub proof_batch: u16,
    /// Sender of receipt e-mails, e.g. "Elections <vote@example.org>".
    /// With --smtp-host, voters can ask for their receipt by e-mail.
    #[arg(long)]
    pub mail_from: Option<String>,
    /// The site's public address (e.g. https://vote.example.org), for the
    /// receipt check link in receipt e-mails.
    #[arg(long)]
    pub public_url: Option<String>,
    /// The SMTP server receipts are sent through (none: no e-mail).
    #[command(flatten)]
    pub smtp: SmtpArgs,
}

/// Runs the service until SIGINT or SIGTERM. The admin token comes from
/// `PSEPHOS_ADMIN_TOKEN` if set, else from the store (`psephos admin init`).
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let token = std::env::var("PSEPHOS_ADMIN_TOKEN")
        .ok()
        .map(Zeroizing::new);
    let config = ServerConfig {
        per_client_per_second: args.per_client_per_second,
        per_credential_per_minute: args.per_credential_per_minute,
        trust_forwarded_for: args.trust_forwarded_for,
        hsts: args.hsts,
        max_proof_batch: usize::from(args.proof_batch),
        ..ServerConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let config = ServerConfig {
            mailer: receipt_mailer(&args)?.map(Arc::new),
            ..config
        };
        let listener = TcpListener::bind(args.listen).await?;
        eprintln!("psephos: serving on http://{}", listener.local_addr()?);
        run(
            args.store.backend(),
            config,
            token.as_ref().map(|t| t.as_str()),
            listener,
            shutdown_signal(),
        )
        .await?;
        Ok(())
    })
}

/// The receipt mailer the options describe, if any (inside the runtime:
/// the SMTP pool starts its housekeeping task there).
fn receipt_mailer(args: &ServeArgs) -> anyhow::Result<Option<ReceiptMailer>> {
    let settings = args.smtp.settings()?;
    let (settings, from) = match (settings, &args.mail_from) {
        (None, None) => return Ok(None),
        (Some(settings), Some(from)) => (settings, from),
        (None, Some(_)) => anyhow::bail!("--mail-from needs --smtp-host"),
        (Some(_), None) => {
            anyhow::bail!("--smtp-host needs --mail-from (the sender of receipt e-mails)")
        }
    };
    let from: Mailbox = from
        .parse()
        .map_err(|e| anyhow::anyhow!("--mail-from {from:?}: {e}"))?;
    eprintln!(
        "psephos: voters can ask for their receipt by e-mail (via {})",
        settings.server()
    );
    Ok(Some(ReceiptMailer::new(
        settings.transport()?,
        from,
        args.public_url.clone(),
    )))
}

/// `psephos admin init`.
#[derive(clap::Args, Debug)]
pub struct AdminInitArgs {
    /// Where the board is kept.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Replace an existing admin token.
    #[arg(long)]
    pub rotate: bool,
}

/// Creates the admin token, stores its SHA-256 in the store, and prints
/// the token once.
pub fn admin_init(args: AdminInitArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match args.store.backend() {
            Backend::Sqlite(path) => init_token(&SqliteStore::open(path).await?, args.rotate).await,
            Backend::Postgres { config, schema } => {
                let store = PostgresStore::connect(&config, schema.as_deref()).await?;
                init_token(&store, args.rotate).await
            }
        }
    })
}

async fn init_token<S: Store>(store: &S, rotate: bool) -> anyhow::Result<()> {
    if store.setting(ADMIN_TOKEN_SETTING).await?.is_some() && !rotate {
        anyhow::bail!(
            "an admin token already exists; pass --rotate to replace it (the old one stops working)"
        );
    }
    let token = new_admin_token();
    store
        .put_setting(ADMIN_TOKEN_SETTING, token_digest(&token).to_vec())
        .await?;
    println!("{}", token.as_str());
    eprintln!(
        "psephos: this is the admin token; it is shown once. Keep it secret: give it as \
         `Authorization: Bearer <token>`, or sign in with it on /admin."
    );
    Ok(())
}
