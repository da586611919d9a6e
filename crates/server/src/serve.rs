//! Running the service: choosing the backend once at start (the `Store`
//! trait is generic, not object-safe), binding, and shutting down
//! gracefully: in-flight requests finish, and every acknowledged ballot is
//! already durable.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::net::TcpListener;

use crate::error::StoreError;
use crate::routes::router;
use crate::state::{AppState, ServerConfig};
use crate::store::{PostgresStore, SqliteStore, Store};

/// Where the board is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL database shared by several processes.
    Postgres {
        /// libpq-style configuration or URL.
        config: String,
        /// A schema to keep the tables in.
        schema: Option<String>,
    },
}

/// Why the service could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Opening or migrating the store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Binding or serving failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the backend and serves on `listener` until `shutdown` completes.
pub async fn run(
    backend: Backend,
    config: ServerConfig,
    admin_token: Option<&str>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    match backend {
        Backend::Sqlite(path) => {
            let store = SqliteStore::open(path).await?;
            serve_store(store, config, admin_token, listener, shutdown).await
        }
        Backend::Postgres { config: pg, schema } => {
            let store = PostgresStore::connect(&pg, schema.as_deref()).await?;
            serve_store(store, config, admin_token, listener, shutdown).await
        }
    }
}

/// Serves one store on `listener` until `shutdown` completes.
pub async fn serve_store<S: Store>(
    store: S,
    config: ServerConfig,
    admin_token: Option<&str>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let state = AppState::new(store, config, admin_token).await?;
    if admin_token.is_none()
        && state
            .store()
            .setting(crate::state::ADMIN_TOKEN_SETTING)
            .await?
            .is_none()
    {
        tracing::warn!(
            "no admin token is set: run `psephos admin init` or set PSEPHOS_ADMIN_TOKEN"
        );
    }
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "psephos serving");
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("psephos stopped");
    Ok(())
}

/// Starts the service on an ephemeral local port in the background (for
/// tests and `psephos demo`); returns its address.
pub async fn spawn<S: Store>(state: AppState<S>) -> Result<SocketAddr, ServeError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "server task failed");
        }
    });
    Ok(addr)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
