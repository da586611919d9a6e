//! A small synchronous client of the voting service (spec/api.md) on
//! `ureq`: JSON in and out, API errors decoded, the admin token sent when
//! the endpoint needs it. One [`Client`] is shared by many threads (the
//! agent pools its connections).

use std::io::Write;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use ureq::http::Response;
use ureq::{Agent, Body};

use crate::error::LoadgenError;

/// Largest JSON response read (a page of 1024 leaves of 17-question ballots
/// is about 10 MiB).
const BODY_LIMIT: u64 = 256 << 20;

/// The voting service at one base URL.
#[derive(Clone)]
pub struct Client {
    agent: Agent,
    base: String,
    token: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    #[serde(default)]
    field: Option<String>,
    message: String,
}

/// An answer with a 2xx status.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The status (200, 201, …).
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON of type `T`.
    pub fn json<T: DeserializeOwned>(&self, url: &str) -> Result<T, LoadgenError> {
        serde_json::from_slice(&self.body).map_err(|e| LoadgenError::Transport {
            url: url.to_string(),
            reason: format!("the answer is not what the Psephos API sends: {e}"),
        })
    }
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// A client of the server at `base` (`http://127.0.0.1:8080`), with the
    /// admin token if the caller administers it. Requests time out after
    /// `timeout`.
    pub fn new(base: &str, token: Option<&str>, timeout: Duration) -> Self {
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(timeout))
            .max_idle_connections(1024)
            .max_idle_connections_per_host(1024)
            .user_agent(concat!("psephos-loadgen/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: Agent::new_with_config(config),
            base: base.trim_end_matches('/').to_string(),
            token: token.map(str::to_string),
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The URL of an election's endpoint `rest` (empty, or starting with `/`).
    pub fn election_url(&self, id: &str, rest: &str) -> String {
        format!("{}/api/elections/{}{rest}", self.base, segment(id))
    }

    /// The URL of an election's admin endpoint `rest`.
    pub fn admin_url(&self, id: &str, rest: &str) -> String {
        format!("{}/api/admin/elections/{}{rest}", self.base, segment(id))
    }

    fn bearer(&self) -> Option<String> {
        self.token.as_ref().map(|t| format!("Bearer {t}"))
    }

    /// Reads a response: a 2xx answer, or the API error.
    fn read(
        what: &str,
        url: &str,
        response: Result<Response<Body>, ureq::Error>,
    ) -> Result<Answer, LoadgenError> {
        let transport = |reason: String| LoadgenError::Transport {
            url: url.to_string(),
            reason,
        };
        let mut response = response.map_err(|e| transport(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| transport(e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok(Answer { status, body });
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(e) => Err(LoadgenError::Api {
                what: what.to_string(),
                status,
                code: e.error.code,
                field: e.error.field,
                message: e.error.message,
            }),
            Err(_) => {
                let text: String = String::from_utf8_lossy(&body).chars().take(200).collect();
                Err(transport(format!(
                    "HTTP {status} without a Psephos error body: {text}"
                )))
            }
        }
    }

    /// `GET url`.
    pub fn get(&self, what: &str, url: &str) -> Result<Answer, LoadgenError> {
        let mut request = self.agent.get(url);
        if let Some(bearer) = self.bearer() {
            request = request.header("authorization", bearer);
        }
        Self::read(what, url, request.call())
    }

    /// `GET url` as JSON.
    pub fn get_json<T: DeserializeOwned>(&self, what: &str, url: &str) -> Result<T, LoadgenError> {
        self.get(what, url)?.json(url)
    }

    /// `POST url` with a JSON body (or none).
    pub fn post(&self, what: &str, url: &str, body: Option<&[u8]>) -> Result<Answer, LoadgenError> {
        let mut request = self.agent.post(url);
        if let Some(bearer) = self.bearer() {
            request = request.header("authorization", bearer);
        }
        let response = match body {
            Some(body) => request.content_type("application/json").send(body),
            None => request.send_empty(),
        };
        Self::read(what, url, response)
    }

    /// `POST url` with a JSON body, answer as JSON.
    pub fn post_json<T: DeserializeOwned>(
        &self,
        what: &str,
        url: &str,
        body: &[u8],
    ) -> Result<(u16, T), LoadgenError> {
        let answer = self.post(what, url, Some(body))?;
        Ok((answer.status, answer.json(url)?))
    }

    /// Streams `GET url` into `out` (the election record); returns the
    /// bytes written.
    pub fn download(
        &self,
        what: &str,
        url: &str,
        out: &mut impl Write,
    ) -> Result<u64, LoadgenError> {
        let transport = |reason: String| LoadgenError::Transport {
            url: url.to_string(),
            reason,
        };
        let response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| transport(e.to_string()))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Self::read(what, url, Ok(response)).map(|_| 0);
        }
        let mut reader = response.into_body().into_reader();
        std::io::copy(&mut reader, out).map_err(|e| transport(e.to_string()))
    }
}
