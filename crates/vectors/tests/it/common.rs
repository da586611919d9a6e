//! Reading vector files.

use std::fs;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// `spec/vectors/` of this repository.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors")
}

/// Every `.json` file name in the vectors directory, sorted.
pub fn json_files() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(vectors_dir())
        .expect("spec/vectors exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// A vector file, parsed.
pub fn load(name: &str) -> Value {
    let path = vectors_dir().join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Deserialises `value[key]` with the crate's own decoders; `Err` carries the reason.
pub fn field<T: DeserializeOwned>(value: &Value, key: &str) -> Result<T, String> {
    let item = value
        .get(key)
        .ok_or_else(|| format!("missing field {key:?}"))?;
    serde_json::from_value(item.clone()).map_err(|e| format!("{key}: {e}"))
}

/// Like [`field`], panicking on failure (for values that must decode).
pub fn get<T: DeserializeOwned>(value: &Value, key: &str) -> T {
    field(value, key).unwrap_or_else(|e| panic!("{e}"))
}

/// A string field.
pub fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string {key:?}"))
}

/// The `cases` array.
pub fn cases(value: &Value) -> &Vec<Value> {
    value
        .get("cases")
        .and_then(Value::as_array)
        .expect("a cases array")
}

/// Raw bytes of a hex field.
pub fn bytes(value: &Value, key: &str) -> Vec<u8> {
    hex::decode(text(value, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
}

/// What happened to a case.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Decoded and verified.
    Valid,
    /// A value did not decode (the reason is the decoder's message).
    Malformed(String),
    /// Decoded, but verification failed.
    Rejected,
}

/// Reasons that name a decoding failure rather than a verification failure.
pub const DECODING_REASONS: &[&str] = &[
    "reject: non-canonical scalar",
    "reject: invalid point",
    "reject: identity point",
    "reject: wrong length",
    "reject: invalid hex",
];

/// Asserts that `outcome` is what the case's `expect` says.
pub fn assert_expected(file: &str, case: &Value, outcome: Outcome) {
    let expect = text(case, "expect");
    let name = case
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("(top level)");
    match (&outcome, expect) {
        (Outcome::Valid, "valid") => {}
        (Outcome::Malformed(_), e) if DECODING_REASONS.contains(&e) => {}
        (Outcome::Rejected, e) if e.starts_with("reject: ") && !DECODING_REASONS.contains(&e) => {}
        _ => panic!("{file}: case {name:?} expects {expect:?}, got {outcome:?}"),
    }
}
