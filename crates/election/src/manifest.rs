//! The election manifest: what is being decided, by whom, when, and who
//! holds the keys (spec/record.md §4). Validation gives precise errors that
//! name the offending field.

use std::collections::HashSet;
use std::time::SystemTime;

use psephos_crypto::encoding::Point;
use psephos_crypto::proofs::possession::{PossessionClaim, PossessionProof, PossessionStatement};
use psephos_crypto::threshold::{ThresholdParams, TrusteeIndex};
use serde::{Deserialize, Serialize};

use crate::error::ManifestError;
use crate::fingerprint::enrolment_fingerprint;
use crate::signing::PublicSigningKey;

/// The manifest format this code reads and writes.
pub const MANIFEST_VERSION: &str = "psephos/manifest/v1";

/// Largest number of options in one question.
pub const MAX_OPTIONS: usize = 1000;

/// An election definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`MANIFEST_VERSION`].
    pub version: String,
    /// Short identifier: 1–64 of `A-Z a-z 0-9 . _ -`.
    pub election_id: String,
    /// The organisation holding the ballot.
    pub organisation: String,
    /// Title shown to voters.
    pub title: String,
    /// When ballots are accepted.
    pub voting_window: VotingWindow,
    /// The trustees and the threshold.
    pub trustees: TrusteePanel,
    /// The bulletin board's checkpoint-signing key.
    pub board_key: PublicSigningKey,
    /// The credential authority's key, which signs the credential list.
    pub credential_authority_key: PublicSigningKey,
    /// Every question, referenced by ballot styles.
    pub questions: Vec<Question>,
    /// Ballot styles (regions): which questions a voter gets.
    pub ballot_styles: Vec<BallotStyle>,
    /// SHA-256 (hex) of the published voting booth build, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booth_hash: Option<String>,
}

/// Opening and closing times, RFC 3339 in UTC (`2026-12-01T09:00:00Z`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VotingWindow {
    /// First instant ballots are accepted.
    pub opens: String,
    /// First instant ballots are refused.
    pub closes: String,
}

/// The trustees who jointly hold the election key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrusteePanel {
    /// Shares needed to decrypt (`t`).
    pub threshold: u32,
    /// Trustees in index order `1..=n`.
    pub members: Vec<TrusteeEntry>,
}

/// One trustee's public identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrusteeEntry {
    /// Index `i` (position + 1).
    pub index: u32,
    /// Human name, for the ceremony status and the verifier's report.
    pub name: String,
    /// Key that signs this trustee's board messages.
    pub signing_key: PublicSigningKey,
    /// Long-term ristretto255 key that DKG shares are sealed to.
    pub encryption_key: Point,
    /// Proof of possession of `encryption_key`, bound to the election id.
    pub possession_proof: PossessionProof,
}

/// A question and its rule.
///
/// In JSON the rule's members sit beside `id` and `text`, tagged by `kind`;
/// decoding goes through [`QuestionWire`] so that a member the kind does
/// not have (say `options` on a referendum) is an error, not ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "QuestionWire")]
pub struct Question {
    /// Identifier, unique in the manifest.
    pub id: String,
    /// The question as voters read it.
    pub text: String,
    /// How it is answered.
    #[serde(flatten)]
    pub rule: QuestionRule,
}

/// How a question is answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum QuestionRule {
    /// Yes / No, or blank.
    Referendum,
    /// Select between `min` and `max` of the options (plurality: max = 1;
    /// approval: max = number of options).
    Choose {
        /// The options (candidates).
        options: Vec<OptionEntry>,
        /// Fewest selections allowed.
        min: u32,
        /// Most selections allowed.
        max: u32,
    },
    /// Ranked choice for `seats` seats, counted by STV. Reserved: the ballot
    /// format and count are specified in a later protocol version, and
    /// validation rejects it for now.
    Ranked {
        /// The candidates.
        candidates: Vec<OptionEntry>,
        /// Seats to fill.
        seats: u32,
    },
}

/// The JSON members a question may have; which are required depends on `kind`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionWire {
    id: String,
    text: String,
    kind: String,
    options: Option<Vec<OptionEntry>>,
    min: Option<u32>,
    max: Option<u32>,
    candidates: Option<Vec<OptionEntry>>,
    seats: Option<u32>,
}

impl TryFrom<QuestionWire> for Question {
    type Error = String;

    fn try_from(w: QuestionWire) -> Result<Self, String> {
        let extra = |names: &[(&str, bool)]| -> Result<(), String> {
            match names.iter().find(|(_, present)| *present) {
                Some((name, _)) => Err(format!(
                    "unknown field `{name}` for question `{}` of kind `{}`",
                    w.id, w.kind
                )),
                None => Ok(()),
            }
        };
        let missing = |name: &str| {
            format!(
                "missing field `{name}` for question `{}` of kind `{}`",
                w.id, w.kind
            )
        };
        let rule = match w.kind.as_str() {
            "referendum" => {
                extra(&[
                    ("options", w.options.is_some()),
                    ("min", w.min.is_some()),
                    ("max", w.max.is_some()),
                    ("candidates", w.candidates.is_some()),
                    ("seats", w.seats.is_some()),
                ])?;
                QuestionRule::Referendum
            }
            "choose" => {
                extra(&[
                    ("candidates", w.candidates.is_some()),
                    ("seats", w.seats.is_some()),
                ])?;
                QuestionRule::Choose {
                    options: w.options.clone().ok_or_else(|| missing("options"))?,
                    min: w.min.ok_or_else(|| missing("min"))?,
                    max: w.max.ok_or_else(|| missing("max"))?,
                }
            }
            "ranked" => {
                extra(&[
                    ("options", w.options.is_some()),
                    ("min", w.min.is_some()),
                    ("max", w.max.is_some()),
                ])?;
                QuestionRule::Ranked {
                    candidates: w.candidates.clone().ok_or_else(|| missing("candidates"))?,
                    seats: w.seats.ok_or_else(|| missing("seats"))?,
                }
            }
            other => {
                return Err(format!(
                    "unknown question kind `{other}`, expected `referendum`, `choose` or `ranked`"
                ))
            }
        };
        Ok(Question {
            id: w.id,
            text: w.text,
            rule,
        })
    }
}

/// One option of a question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionEntry {
    /// Identifier, unique in the question.
    pub id: String,
    /// Text shown to voters.
    pub label: String,
}

/// A ballot style: the questions one group of voters (a region) answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotStyle {
    /// Identifier, unique in the manifest; credentials name it.
    pub id: String,
    /// Human name (e.g. the region).
    pub name: String,
    /// Question ids in ballot order.
    pub questions: Vec<String>,
}

/// Fixed option ids of a referendum question.
pub const REFERENDUM_OPTIONS: [&str; 2] = ["yes", "no"];

impl Question {
    /// Number of options (encrypted selections) in an answer.
    pub fn option_count(&self) -> usize {
        match &self.rule {
            QuestionRule::Referendum => 2,
            QuestionRule::Choose { options, .. } => options.len(),
            QuestionRule::Ranked { candidates, .. } => candidates.len(),
        }
    }

    /// Option ids in order.
    pub fn option_ids(&self) -> Vec<&str> {
        match &self.rule {
            QuestionRule::Referendum => REFERENDUM_OPTIONS.to_vec(),
            QuestionRule::Choose { options, .. } => options.iter().map(|o| o.id.as_str()).collect(),
            QuestionRule::Ranked { candidates, .. } => {
                candidates.iter().map(|o| o.id.as_str()).collect()
            }
        }
    }

    /// `(min, max)` selections.
    pub fn bounds(&self) -> (u32, u32) {
        match &self.rule {
            QuestionRule::Referendum => (0, 1),
            QuestionRule::Choose { min, max, .. } => (*min, *max),
            QuestionRule::Ranked { candidates, .. } => (0, candidates.len() as u32),
        }
    }

    /// The values a question's sum may take: `min..=max`.
    pub fn allowed_sums(&self) -> Vec<u64> {
        let (min, max) = self.bounds();
        (u64::from(min)..=u64::from(max)).collect()
    }
}

fn check_id(field: &str, id: &str) -> Result<(), ManifestError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ManifestError::new(
            field,
            "must be 1-64 characters of A-Z a-z 0-9 . _ -",
        ))
    }
}

fn check_text(field: &str, text: &str, max: usize) -> Result<(), ManifestError> {
    if text.trim().is_empty() {
        Err(ManifestError::new(field, "must not be empty"))
    } else if text.chars().count() > max {
        Err(ManifestError::new(
            field,
            format!("must be at most {max} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Parses an RFC 3339 UTC timestamp.
pub fn parse_time(field: &str, text: &str) -> Result<SystemTime, ManifestError> {
    if !text.ends_with('Z') {
        return Err(ManifestError::new(
            field,
            "must be an RFC 3339 time in UTC, like 2026-12-01T09:00:00Z",
        ));
    }
    humantime::parse_rfc3339(text)
        .map_err(|e| ManifestError::new(field, format!("not an RFC 3339 UTC time: {e}")))
}

impl Manifest {
    /// Parses and validates a manifest from JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, ManifestError> {
        let manifest: Manifest = serde_json::from_slice(json)
            .map_err(|e| ManifestError::new(json_path_hint(&e), e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks every rule of spec/record.md §4.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.version != MANIFEST_VERSION {
            return Err(ManifestError::new(
                "version",
                format!("must be \"{MANIFEST_VERSION}\""),
            ));
        }
        check_id("election_id", &self.election_id)?;
        check_text("organisation", &self.organisation, 200)?;
        check_text("title", &self.title, 200)?;
        let (opens, closes) = self.window()?;
        if opens >= closes {
            return Err(ManifestError::new(
                "voting_window.closes",
                "must be after voting_window.opens",
            ));
        }
        if self.board_key == self.credential_authority_key {
            return Err(ManifestError::new(
                "credential_authority_key",
                "must differ from board_key: the credential authority is a separate party",
            ));
        }
        self.validate_trustees()?;
        self.validate_questions()?;
        self.validate_styles()?;
        if let Some(hash) = &self.booth_hash {
            if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(ManifestError::new(
                    "booth_hash",
                    "must be 64 lowercase hex digits (SHA-256)",
                ));
            }
        }
        Ok(())
    }

    fn validate_trustees(&self) -> Result<(), ManifestError> {
        let members = &self.trustees.members;
        let params = ThresholdParams::new(self.trustees.threshold, members.len() as u32)
            .map_err(|e| ManifestError::new("trustees.threshold", e.to_string()))?;
        let enrolment = enrolment_fingerprint(&self.election_id);
        let mut signing = HashSet::new();
        let mut encryption = HashSet::new();
        for (k, member) in members.iter().enumerate() {
            let at = |f: &str| format!("trustees.members[{k}].{f}");
            if member.index != k as u32 + 1 {
                return Err(ManifestError::new(
                    at("index"),
                    format!(
                        "must be {} (members are listed in index order from 1)",
                        k + 1
                    ),
                ));
            }
            check_text(&at("name"), &member.name, 100)?;
            if member.encryption_key.is_identity() {
                return Err(ManifestError::new(
                    at("encryption_key"),
                    "must not be the identity point",
                ));
            }
            if member.signing_key == self.board_key
                || member.signing_key == self.credential_authority_key
            {
                return Err(ManifestError::new(
                    at("signing_key"),
                    "must differ from the board and credential authority keys",
                ));
            }
            if !signing.insert(*member.signing_key.as_bytes()) {
                return Err(ManifestError::new(
                    at("signing_key"),
                    "is used by another trustee",
                ));
            }
            if !encryption.insert(member.encryption_key) {
                return Err(ManifestError::new(
                    at("encryption_key"),
                    "is used by another trustee",
                ));
            }
            let trustee = TrusteeIndex::new(member.index, &params)
                .map_err(|e| ManifestError::new(at("index"), e.to_string()))?;
            let statement = PossessionStatement {
                fingerprint: &enrolment,
                claim: PossessionClaim::TrusteeKey { trustee },
                point: &member.encryption_key,
            };
            if member.possession_proof.verify(&statement).is_err() {
                return Err(ManifestError::new(
                    at("possession_proof"),
                    "does not prove possession of encryption_key",
                ));
            }
        }
        Ok(())
    }

    fn validate_questions(&self) -> Result<(), ManifestError> {
        if self.questions.is_empty() {
            return Err(ManifestError::new(
                "questions",
                "must list at least one question",
            ));
        }
        let mut ids = HashSet::new();
        for (k, question) in self.questions.iter().enumerate() {
            let at = |f: &str| format!("questions[{k}].{f}");
            check_id(&at("id"), &question.id)?;
            if !ids.insert(question.id.as_str()) {
                return Err(ManifestError::new(
                    at("id"),
                    format!("duplicate question id `{}`", question.id),
                ));
            }
            check_text(&at("text"), &question.text, 2000)?;
            match &question.rule {
                QuestionRule::Referendum => {}
                QuestionRule::Choose { options, min, max } => {
                    if options.is_empty() {
                        return Err(ManifestError::new(
                            at("options"),
                            "must list at least one option",
                        ));
                    }
                    if options.len() > MAX_OPTIONS {
                        return Err(ManifestError::new(
                            at("options"),
                            format!("at most {MAX_OPTIONS} options"),
                        ));
                    }
                    let mut option_ids = HashSet::new();
                    for (o, option) in options.iter().enumerate() {
                        check_id(&at(&format!("options[{o}].id")), &option.id)?;
                        if !option_ids.insert(option.id.as_str()) {
                            return Err(ManifestError::new(
                                at(&format!("options[{o}].id")),
                                format!("duplicate option id `{}`", option.id),
                            ));
                        }
                        check_text(&at(&format!("options[{o}].label")), &option.label, 300)?;
                    }
                    if min > max {
                        return Err(ManifestError::new(
                            at("min"),
                            format!("min ({min}) must not exceed max ({max})"),
                        ));
                    }
                    if *max == 0 {
                        return Err(ManifestError::new(at("max"), "must be at least 1"));
                    }
                    if *max as usize > options.len() {
                        return Err(ManifestError::new(
                            at("max"),
                            format!(
                                "max ({max}) exceeds the number of options ({})",
                                options.len()
                            ),
                        ));
                    }
                }
                QuestionRule::Ranked { .. } => {
                    return Err(ManifestError::new(
                        at("kind"),
                        "ranked (STV) questions are not supported by manifest v1 yet",
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_styles(&self) -> Result<(), ManifestError> {
        if self.ballot_styles.is_empty() {
            return Err(ManifestError::new(
                "ballot_styles",
                "must list at least one ballot style",
            ));
        }
        let mut style_ids = HashSet::new();
        let mut used = HashSet::new();
        for (k, style) in self.ballot_styles.iter().enumerate() {
            let at = |f: &str| format!("ballot_styles[{k}].{f}");
            check_id(&at("id"), &style.id)?;
            if !style_ids.insert(style.id.as_str()) {
                return Err(ManifestError::new(
                    at("id"),
                    format!("duplicate ballot style id `{}`", style.id),
                ));
            }
            check_text(&at("name"), &style.name, 200)?;
            if style.questions.is_empty() {
                return Err(ManifestError::new(
                    at("questions"),
                    "must list at least one question",
                ));
            }
            let mut seen = HashSet::new();
            for (q, id) in style.questions.iter().enumerate() {
                if self.question(id).is_none() {
                    return Err(ManifestError::new(
                        at(&format!("questions[{q}]")),
                        format!("names missing question `{id}`"),
                    ));
                }
                if !seen.insert(id.as_str()) {
                    return Err(ManifestError::new(
                        at(&format!("questions[{q}]")),
                        format!("lists question `{id}` twice"),
                    ));
                }
                used.insert(id.as_str());
            }
        }
        if let Some((k, q)) = self
            .questions
            .iter()
            .enumerate()
            .find(|(_, q)| !used.contains(q.id.as_str()))
        {
            return Err(ManifestError::new(
                format!("questions[{k}].id"),
                format!("question `{}` is in no ballot style", q.id),
            ));
        }
        Ok(())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The ballot style with this id.
    pub fn style(&self, id: &str) -> Option<&BallotStyle> {
        self.ballot_styles.iter().find(|s| s.id == id)
    }

    /// The questions of a style, in ballot order.
    pub fn style_questions(&self, style: &BallotStyle) -> Vec<&Question> {
        style
            .questions
            .iter()
            .filter_map(|id| self.question(id))
            .collect()
    }

    /// `t`-of-`n` parameters.
    pub fn params(&self) -> Result<ThresholdParams, ManifestError> {
        ThresholdParams::new(self.trustees.threshold, self.trustees.members.len() as u32)
            .map_err(|e| ManifestError::new("trustees.threshold", e.to_string()))
    }

    /// Trustees' long-term encryption keys in index order.
    pub fn roster(&self) -> Vec<Point> {
        self.trustees
            .members
            .iter()
            .map(|m| m.encryption_key)
            .collect()
    }

    /// The trustee with this index.
    pub fn trustee(&self, index: u32) -> Option<&TrusteeEntry> {
        index
            .checked_sub(1)
            .and_then(|slot| self.trustees.members.get(slot as usize))
    }

    /// `(opens, closes)` parsed.
    pub fn window(&self) -> Result<(SystemTime, SystemTime), ManifestError> {
        Ok((
            parse_time("voting_window.opens", &self.voting_window.opens)?,
            parse_time("voting_window.closes", &self.voting_window.closes)?,
        ))
    }
}

/// A best-effort field name from a serde_json error message (which names
/// unknown or missing fields in backquotes).
fn json_path_hint(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let names_a_field =
        message.starts_with("unknown field") || message.starts_with("missing field");
    match message.split('`').nth(1) {
        Some(field) if names_a_field => field.to_string(),
        _ => format!("line {} column {}", error.line(), error.column()),
    }
}
