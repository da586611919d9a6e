//! Driving the service in tests: an [`App`] is the router over a fresh
//! store (called in-process with `tower::ServiceExt::oneshot`, or over a
//! real port), a [`Call`] one request, and a [`Snapshot`] what the store
//! holds, to show that a refused request changed nothing.

use std::any::Any;
use std::net::SocketAddr;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use psephos_election::board::merkle::Hash;
use psephos_election::signing::PublicSigningKey;
use psephos_server::store::{SqliteStore, Store};
use psephos_server::{AppState, ServerConfig};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tower::ServiceExt;

use psephos_server::routes::ROUTES;

use super::schema::assert_response_conforms;
use crate::common::{Fixture, PostgresFixture, SqliteFixture};

/// The admin token every test server is given.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// How requests reach the service.
enum Transport {
    /// `oneshot` on a clone of the router.
    InProcess(Router),
    /// HTTP/1.1 to a server spawned on a local port.
    Tcp(SocketAddr),
}

/// The service over a fresh store.
pub struct App<S: Store> {
    /// The state the router was built from (its store is inspected directly).
    pub state: AppState<S>,
    transport: Transport,
    /// Keeps the database (temporary directory or schema) alive.
    _fixture: Box<dyn Any + Send + Sync>,
}

impl App<SqliteStore> {
    /// The router over a fresh SQLite file, default configuration.
    pub async fn sqlite() -> Self {
        Self::sqlite_with(ServerConfig::default()).await
    }

    /// The router over a fresh SQLite file.
    pub async fn sqlite_with(config: ServerConfig) -> Self {
        App::on(SqliteFixture::new().await, config).await
    }
}

impl App<psephos_server::store::PostgresStore> {
    /// The router over a fresh PostgreSQL schema.
    pub async fn postgres() -> Self {
        App::on(PostgresFixture::new().await, ServerConfig::default()).await
    }
}

impl<S: Store + Clone> App<S> {
    /// The router over a store opened on `fixture`.
    pub async fn on<F>(fixture: F, config: ServerConfig) -> Self
    where
        F: Fixture<S = S> + 'static,
    {
        let store = fixture.open().await.unwrap();
        let state = AppState::new(store, config, Some(ADMIN_TOKEN))
            .await
            .unwrap();
        App {
            transport: Transport::InProcess(psephos_server::router(state.clone())),
            state,
            _fixture: Box::new(fixture),
        }
    }

    /// The same store served on a real local port
    /// (`psephos_server::serve::spawn`); requests go over TCP.
    pub async fn serve(mut self) -> Self {
        let addr = psephos_server::serve::spawn(self.state.clone())
            .await
            .unwrap();
        self.transport = Transport::Tcp(addr);
        self
    }
}

impl<S: Store> App<S> {
    /// A request to `path`.
    pub fn call(&self, method: Method, path: impl Into<String>) -> Call<'_, S> {
        Call {
            app: self,
            method,
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// `GET path`, expected to succeed with 200; its JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.call(Method::GET, path).send().await.ok(200).json()
    }

    /// `GET path` with the admin token, expected to succeed with 200; its JSON.
    pub async fn admin_get_json(&self, path: &str) -> Value {
        self.call(Method::GET, path)
            .admin()
            .send()
            .await
            .ok(200)
            .json()
    }

    /// The board key from `GET /api/admin/server`.
    pub async fn board_key(&self) -> PublicSigningKey {
        serde_json::from_value(self.admin_get_json("/api/admin/server").await["board_key"].clone())
            .unwrap()
    }

    /// What the store holds now.
    pub async fn snapshot(&self) -> Snapshot {
        let store = self.state.store();
        let mut elections = Vec::new();
        for (id, phase) in store.elections().await.unwrap() {
            let size = store.size(&id).await.unwrap();
            let root = store.root_at(&id, size).await.unwrap();
            let roll = store.roll_by_style(&id).await.unwrap();
            let turnout = store.turnout(&id).await.unwrap();
            elections.push(ElectionSnapshot {
                id,
                phase,
                size,
                root,
                roll,
                ballots: turnout.ballots,
                audits: turnout.audits,
            });
        }
        Snapshot { elections }
    }

    /// The log size of `election`.
    pub async fn size(&self, election: &str) -> u64 {
        self.state.store().size(election).await.unwrap()
    }

    async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = match &self.transport {
            Transport::InProcess(router) => {
                let response = router.clone().oneshot(request).await.unwrap();
                let (parts, body) = response.into_parts();
                let body = body.collect().await.unwrap().to_bytes();
                (parts.status, parts.headers, body)
            }
            Transport::Tcp(addr) => over_tcp(*addr, request).await,
        };
        TestResponse {
            status: response.0,
            headers: response.1,
            body: response.2,
        }
    }
}

/// One HTTP/1.1 exchange on a fresh connection.
async fn over_tcp(addr: SocketAddr, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let (mut parts, body) = request.into_parts();
    parts.headers.insert(
        header::HOST,
        HeaderValue::from_str(&addr.to_string()).unwrap(),
    );
    let response = sender
        .send_request(Request::from_parts(parts, body))
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, body)
}

/// One request being built.
pub struct Call<'a, S: Store> {
    app: &'a App<S>,
    method: Method,
    path: String,
    headers: Vec<(HeaderName, String)>,
    body: Vec<u8>,
}

impl<S: Store> Call<'_, S> {
    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// `Authorization: Bearer <the admin token>`.
    pub fn admin(self) -> Self {
        self.header(header::AUTHORIZATION, format!("Bearer {ADMIN_TOKEN}"))
    }

    /// A JSON body.
    pub fn json(self, value: &impl Serialize) -> Self {
        self.body("application/json", serde_json::to_vec(value).unwrap())
    }

    /// A body with its content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.header(header::CONTENT_TYPE, content_type)
    }

    /// A body with no content type.
    pub fn raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends it.
    pub async fn send(self) -> TestResponse {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.path);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let request = builder.body(Body::from(self.body)).unwrap();
        let response = self.app.send(request).await;
        response.check_described(self.method.as_str(), &self.path);
        response
    }

    /// Sends it, expects the error `status` naming `field`, and checks that
    /// the store is exactly as it was before. Returns the response.
    pub async fn refused(self, status: u16, field: Option<&str>) -> TestResponse {
        let app = self.app;
        let what = format!("{} {}", self.method, self.path);
        let before = app.snapshot().await;
        let response = self.send().await;
        response.error(status, field, &what);
        let after = app.snapshot().await;
        assert_eq!(before, after, "{what}: a refused request changed the store");
        response
    }
}

/// A response, its body read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    /// When the request was to a route of `ROUTES` and the response is
    /// JSON, checks that the OpenAPI description lists its status and that
    /// the body matches the schema given for it.
    fn check_described(&self, method: &str, path: &str) {
        let method = method.to_ascii_lowercase();
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        let Some((_, template)) = ROUTES.iter().find(|(m, template)| {
            let pattern: Vec<&str> = template.split('/').collect();
            *m == method
                && pattern.len() == segments.len()
                && pattern
                    .iter()
                    .zip(&segments)
                    .all(|(p, s)| p.starts_with('{') || p == s)
        }) else {
            return;
        };
        if self.header("content-type") != Some("application/json") {
            return;
        }
        assert_response_conforms(&method, template, self.status.as_u16(), &self.json());
    }

    /// Asserts the status, showing the body if it differs.
    pub fn ok(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    /// The body decoded as `T`.
    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "unexpected body ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(500)])
            )
        })
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error response (spec/api.md §1.1): the status, the code
    /// that goes with it, the field, and a message. Returns the body.
    pub fn error(&self, status: u16, field: Option<&str>, what: &str) -> Value {
        let text = String::from_utf8_lossy(&self.body);
        assert_eq!(self.status.as_u16(), status, "{what}: {text}");
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{what}: an error is JSON"
        );
        let body = self.json();
        let error = &body["error"];
        let expected_code = match status {
            400 | 405 => "malformed",
            401 => "unauthorised",
            404 => "not_found",
            409 => "conflict",
            413 => "too_large",
            415 => "unsupported_media",
            422 => "invalid",
            429 => "rate_limited",
            503 => "unavailable",
            other => panic!("{what}: no code for status {other}"),
        };
        assert_eq!(error["code"], expected_code, "{what}: {text}");
        assert_eq!(
            error["field"],
            field.map_or(Value::Null, |f| Value::String(f.into())),
            "{what}: {text}"
        );
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: an error has a message: {text}"
        );
        let keys: Vec<&String> = error.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3, "{what}: error members {keys:?}");
        body
    }
}

/// What the store holds: per election its phase, log size and root, roll
/// counts and ballot counts.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub elections: Vec<ElectionSnapshot>,
}

/// One election in a [`Snapshot`].
#[derive(Debug, PartialEq, Eq)]
pub struct ElectionSnapshot {
    pub id: String,
    pub phase: String,
    pub size: u64,
    pub root: Hash,
    pub roll: Vec<(String, u64)>,
    pub ballots: u64,
    pub audits: u64,
}
