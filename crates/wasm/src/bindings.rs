//! The JavaScript interface (wasm-bindgen). Objects cross as JSON strings,
//! so the module needs no serialisation glue; errors are thrown as `Error`s
//! whose message starts with a stable code (`bad-link: …`), which the pages
//! translate.

use rand_core::OsRng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::client::{self, to_json, ElectionView};
use crate::error::ClientError;

fn js_error(e: ClientError) -> JsError {
    JsError::new(&format!("{}: {}", e.code(), e))
}

/// The fragment of the page's own URL (`location.hash`), read here rather
/// than in the page's script so that the secret credential it carries is
/// never held in a JavaScript variable by our code.
fn location_fragment() -> Result<Zeroizing<String>, ClientError> {
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key));
    let location = get(&js_sys::global(), "location").map_err(|_| ClientError::BadLink)?;
    if location.is_undefined() || location.is_null() {
        return Err(ClientError::BadLink);
    }
    let hash = get(&location, "hash").map_err(|_| ClientError::BadLink)?;
    hash.as_string()
        .filter(|h| h.len() > 1)
        .map(Zeroizing::new)
        .ok_or(ClientError::BadLink)
}

/// An election as the voter's device checked it: parsed from the body of
/// `GET /api/elections/{id}`.
#[wasm_bindgen(js_name = Election)]
pub struct JsElection(ElectionView);

#[wasm_bindgen(js_class = Election)]
impl JsElection {
    /// Checks the election (manifest against its leaf hash, election key
    /// against the fingerprint); throws `manifest-mismatch`, … otherwise.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> Result<JsElection, JsError> {
        ElectionView::from_json(json)
            .map(JsElection)
            .map_err(js_error)
    }

    /// The election id.
    #[wasm_bindgen(getter, js_name = electionId)]
    pub fn election_id(&self) -> String {
        self.0.election_id.clone()
    }

    /// The phase the server reported.
    #[wasm_bindgen(getter)]
    pub fn phase(&self) -> String {
        self.0.phase.clone()
    }

    /// The election fingerprint (hex), or `undefined` before the key ceremony.
    #[wasm_bindgen(getter)]
    pub fn fingerprint(&self) -> Option<String> {
        self.0.fingerprint_hex()
    }

    /// The booth hash the manifest publishes, if any.
    #[wasm_bindgen(getter, js_name = boothHash)]
    pub fn booth_hash(&self) -> Option<String> {
        self.0.manifest.booth_hash.clone()
    }

    /// Checks a Benaloh audit; returns `{tracking_code, short_code, style,
    /// choices}` as JSON.
    #[wasm_bindgen(js_name = verifyAudit)]
    pub fn verify_audit(&self, audit: &str) -> Result<String, JsError> {
        client::verify_audit(&self.0, audit)
            .map(|r| to_json(&r))
            .map_err(js_error)
    }

    /// Checks a cast ballot's signature and proofs; returns
    /// `{tracking_code, short_code, credential, style}` as JSON.
    #[wasm_bindgen(js_name = verifyBallot)]
    pub fn verify_ballot(&self, ballot: &str) -> Result<String, JsError> {
        client::verify_ballot(&self.0, ballot)
            .map(|r| to_json(&r))
            .map_err(js_error)
    }

    /// Checks a receipt's checkpoint signature and inclusion proof; returns
    /// a report as JSON.
    #[wasm_bindgen(js_name = verifyReceipt)]
    pub fn verify_receipt(&self, receipt: &str) -> Result<String, JsError> {
        client::verify_receipt(&self.0, receipt)
            .map(|r| to_json(&r))
            .map_err(js_error)
    }

    /// Checks a signed checkpoint; returns `{size, root}` as JSON.
    #[wasm_bindgen(js_name = verifyCheckpoint)]
    pub fn verify_checkpoint(&self, checkpoint: &str) -> Result<String, JsError> {
        client::verify_checkpoint(&self.0, checkpoint)
            .map(|r| to_json(&r))
            .map_err(js_error)
    }

    /// Checks that checkpoint `newer` extends checkpoint `older`, given the
    /// body of the board's consistency endpoint; returns `{size, root}` of
    /// `newer` as JSON.
    #[wasm_bindgen(js_name = verifyConsistency)]
    pub fn verify_consistency(
        &self,
        older: &str,
        newer: &str,
        proof: &str,
    ) -> Result<String, JsError> {
        client::verify_consistency(&self.0, older, newer, proof)
            .map(|r| to_json(&r))
            .map_err(js_error)
    }
}

/// The voter, holding the secret credential from the voting link.
#[wasm_bindgen]
pub struct Voter(client::Voter);

#[wasm_bindgen]
impl Voter {
    /// Reads the credential from the page's own URL fragment.
    #[wasm_bindgen(js_name = fromLocation)]
    pub fn from_location(election: &JsElection) -> Result<Voter, JsError> {
        let fragment = location_fragment().map_err(js_error)?;
        client::Voter::from_link(&election.0, &fragment)
            .map(Voter)
            .map_err(js_error)
    }

    /// Reads the credential from a link the voter pasted.
    #[wasm_bindgen(js_name = fromLink)]
    pub fn from_link(election: &JsElection, link: &str) -> Result<Voter, JsError> {
        client::Voter::from_link(&election.0, link)
            .map(Voter)
            .map_err(js_error)
    }

    /// The public credential (hex).
    #[wasm_bindgen(getter, js_name = publicCredential)]
    pub fn public_credential(&self) -> String {
        self.0.public_hex()
    }

    /// The signed body of `POST …/receipt-email` (JSON): the receipt of the
    /// ballot with this tracking code (hex), to be sent to `email`.
    #[wasm_bindgen(js_name = receiptEmailRequest)]
    pub fn receipt_email_request(
        &self,
        tracking_code: &str,
        email: &str,
    ) -> Result<String, JsError> {
        self.0
            .receipt_email_request(tracking_code, email)
            .map(|r| to_json(&r))
            .map_err(js_error)
    }

    /// Encrypts, proves and commits to a ballot of `style`; `choices` is a
    /// JSON array with, per question of the style, the selected option
    /// indices. Randomness comes from `crypto.getRandomValues`.
    pub fn encrypt(
        &self,
        election: &JsElection,
        style: &str,
        choices: &str,
    ) -> Result<Draft, JsError> {
        let choices = client::parse_choices(choices).map_err(js_error)?;
        self.0
            .encrypt_with_rng(&election.0, style, &choices, &mut OsRng)
            .map(Draft)
            .map_err(js_error)
    }

    /// [`Voter::encrypt`] with randomness from a seed, for the tests that
    /// compare this build with the native one. Not in the booth's build.
    #[cfg(feature = "seeded")]
    #[wasm_bindgen(js_name = encryptSeeded)]
    pub fn encrypt_seeded(
        &self,
        election: &JsElection,
        style: &str,
        choices: &str,
        seed: u64,
    ) -> Result<Draft, JsError> {
        use rand_chacha::rand_core::SeedableRng;
        let choices = client::parse_choices(choices).map_err(js_error)?;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        self.0
            .encrypt_with_rng(&election.0, style, &choices, &mut rng)
            .map(Draft)
            .map_err(js_error)
    }
}

/// An encrypted ballot, committed to by its tracking code, not yet cast or
/// audited.
#[wasm_bindgen]
pub struct Draft(client::Draft);

#[wasm_bindgen]
impl Draft {
    /// The tracking code (hex).
    #[wasm_bindgen(getter, js_name = trackingCode)]
    pub fn tracking_code(&self) -> String {
        self.0.tracking_code().to_string()
    }

    /// The short tracking code shown to the voter.
    #[wasm_bindgen(getter, js_name = shortCode)]
    pub fn short_code(&self) -> String {
        self.0.tracking_code().short()
    }

    /// Signs the ballot for casting and returns it as JSON (the body of
    /// `POST /api/elections/{id}/ballots`). The draft is consumed.
    pub fn cast(self, voter: &Voter) -> Result<String, JsError> {
        self.0.cast(&voter.0).map(|b| to_json(&b)).map_err(js_error)
    }

    /// Spoils the ballot for a Benaloh audit and returns the audited ballot
    /// as JSON (the body of `POST /api/elections/{id}/audits`). The draft
    /// is consumed; encrypt afresh to vote.
    pub fn audit(self, voter: &Voter) -> Result<String, JsError> {
        self.0
            .audit(&voter.0)
            .map(|a| to_json(&a))
            .map_err(js_error)
    }
}

/// The election id of the voting link in the page's URL fragment; throws
/// `bad-link` if the fragment is missing or damaged.
#[wasm_bindgen(js_name = linkElectionIdFromLocation)]
pub fn link_election_id_from_location() -> Result<String, JsError> {
    let fragment = location_fragment().map_err(js_error)?;
    client::link_election_id(&fragment).map_err(js_error)
}

/// The election id of a pasted voting link; throws `bad-link`.
#[wasm_bindgen(js_name = linkElectionId)]
pub fn link_election_id(link: &str) -> Result<String, JsError> {
    client::link_election_id(link).map_err(js_error)
}

/// Whether a receipt names exactly this ballot (tracking code and leaf hash).
#[wasm_bindgen(js_name = receiptMatchesBallot)]
pub fn receipt_matches_ballot(receipt: &str, ballot: &str) -> Result<bool, JsError> {
    client::receipt_matches_ballot(receipt, ballot).map_err(js_error)
}

/// The short form of a tracking code given in hex.
#[wasm_bindgen(js_name = shortCode)]
pub fn short_code(hex: &str) -> Result<String, JsError> {
    client::short_code(hex).map_err(js_error)
}

/// SHA-256 of `bytes`, as hex.
#[wasm_bindgen(js_name = sha256Hex)]
pub fn sha256_hex(bytes: &[u8]) -> String {
    client::sha256_hex(bytes)
}

/// The version of this client.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
