//! [`BoardApi`] over HTTP with `ureq` (spec/api.md). Errors from the
//! server (`{"error": {"code", "field", "message"}}`) become
//! [`TrusteeError::Api`]; anything else that is not the API becomes
//! [`TrusteeError::Transport`].

use std::time::Duration;

use psephos_crypto::encoding::from_hex_array;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::Hash;
use psephos_election::board::messages::BoardMessage;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use ureq::http::Response;
use ureq::{Agent, Body};

use crate::api::{BoardApi, ElectionInfo, Posted, TrusteeStatus};
use crate::error::TrusteeError;

/// Largest response body read (a page of 1024 ballots is a few tens of MiB).
const BODY_LIMIT: u64 = 512 * 1024 * 1024;

/// The voting service at `base` (for example `https://vote.example.org`),
/// for one election.
pub struct HttpBoard {
    agent: Agent,
    base: String,
    election_id: String,
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

#[derive(Deserialize)]
struct LeafIndex {
    leaf_index: u64,
}

#[derive(Deserialize)]
struct Consistency {
    first: u64,
    second: u64,
    proof: Vec<String>,
}

#[derive(Deserialize)]
struct LeafPage {
    start: u64,
    leaves: Vec<serde_json::Value>,
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved).
fn segment(text: &str) -> String {
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

impl HttpBoard {
    /// A client for election `election_id` on the server at `base`.
    pub fn new(base: &str, election_id: &str) -> Result<Self, TrusteeError> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(TrusteeError::Transport {
                url: base,
                reason: "the server address must start with https:// (or http:// for a local test server)".into(),
            });
        }
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(300)))
            .user_agent(concat!("psephos-trustee/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpBoard {
            agent: Agent::new_with_config(config),
            base,
            election_id: election_id.to_string(),
        })
    }

    fn url(&self, rest: &str) -> String {
        format!(
            "{}/api/elections/{}{rest}",
            self.base,
            segment(&self.election_id)
        )
    }

    fn transport(url: &str, reason: impl ToString) -> TrusteeError {
        TrusteeError::Transport {
            url: url.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Reads a response: the JSON body of a 2xx, or the API error.
    fn read<T: DeserializeOwned>(
        what: &str,
        url: &str,
        response: Result<Response<Body>, ureq::Error>,
    ) -> Result<(u16, T), TrusteeError> {
        let mut response = response.map_err(|e| Self::transport(url, e))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(|e| Self::transport(url, e))?;
        if (200..300).contains(&status) {
            let value = serde_json::from_slice(&bytes).map_err(|e| {
                Self::transport(
                    url,
                    format!("the answer to {what} is not what the Psephos API sends: {e}"),
                )
            })?;
            return Ok((status, value));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(TrusteeError::Api {
                what: what.to_string(),
                status,
                code: body.error.code,
                field: body.error.field,
                message: body.error.message,
            }),
            Err(_) => {
                let text = String::from_utf8_lossy(&bytes);
                let snippet: String = text.chars().take(200).collect();
                Err(Self::transport(
                    url,
                    format!("HTTP {status} without a Psephos error body (is this a Psephos server?): {snippet}"),
                ))
            }
        }
    }

    fn get<T: DeserializeOwned>(&self, what: &str, rest: &str) -> Result<T, TrusteeError> {
        let url = self.url(rest);
        tracing::debug!(%url, "GET");
        let response = self.agent.get(&url).call();
        Self::read(what, &url, response).map(|(_, v)| v)
    }
}

fn decode_hashes(url: &str, hashes: &[String]) -> Result<Vec<Hash>, TrusteeError> {
    hashes
        .iter()
        .map(|h| {
            from_hex_array::<32>(h).map_err(|e| {
                HttpBoard::transport(url, format!("a proof hash does not decode: {e}"))
            })
        })
        .collect()
}

impl BoardApi for HttpBoard {
    fn describe(&self) -> String {
        self.base.clone()
    }

    fn election(&self) -> Result<ElectionInfo, TrusteeError> {
        self.get("the election", "")
    }

    fn trustee_status(&self) -> Result<TrusteeStatus, TrusteeError> {
        self.get("the trustee status", "/trustees/status")
    }

    fn checkpoint(&self) -> Result<SignedCheckpoint, TrusteeError> {
        self.get("the board checkpoint", "/board/checkpoint")
    }

    fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, TrusteeError> {
        let rest = format!("/board/consistency?first={first}&second={second}");
        let proof: Consistency = self.get("a consistency proof", &rest)?;
        let url = self.url(&rest);
        if proof.first != first || proof.second != second {
            return Err(Self::transport(
                &url,
                format!(
                    "asked for a proof between {first} and {second}, got one between {} and {}",
                    proof.first, proof.second
                ),
            ));
        }
        decode_hashes(&url, &proof.proof)
    }

    fn leaves(&self, start: u64, end: u64) -> Result<Vec<BoardMessage>, TrusteeError> {
        let rest = format!("/board/leaves?start={start}&end={end}");
        let page: LeafPage = self.get("board leaves", &rest)?;
        let url = self.url(&rest);
        if page.start != start {
            return Err(Self::transport(
                &url,
                format!(
                    "asked for leaves from {start}, got leaves from {}",
                    page.start
                ),
            ));
        }
        page.leaves
            .into_iter()
            .enumerate()
            .map(|(k, value)| {
                serde_json::from_value::<BoardMessage>(value).map_err(|e| {
                    TrusteeError::BoardMisbehaved(format!(
                        "leaf {} is not a board message: {e}",
                        start + k as u64
                    ))
                })
            })
            .collect()
    }

    fn post(&self, message: &BoardMessage) -> Result<Posted, TrusteeError> {
        let url = self.url("/trustees/messages");
        tracing::debug!(%url, kind = message.kind(), "POST");
        let response = self
            .agent
            .post(&url)
            .content_type("application/json")
            .send(&message.to_leaf()[..]);
        let what = format!("your {} message", message.kind());
        let (status, body): (u16, LeafIndex) = Self::read(&what, &url, response)?;
        Ok(Posted {
            leaf_index: body.leaf_index,
            created: status == 201,
        })
    }
}
