//! Building vector objects and writing them byte for byte the same way on
//! every platform and under every feature set of `serde_json`.
//!
//! `serde_json::Map` is ordered by key unless some crate in the build turns
//! on `preserve_order`, in which case it keeps insertion order. The files
//! must not depend on that, so [`render`] fixes the order itself: the keys
//! of [`HEADER_KEYS`] first, in that order, then every other key sorted
//! bytewise, then [`TRAILER_KEYS`].

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Error;

/// Keys written first, in this order, wherever they appear.
pub const HEADER_KEYS: &[&str] = &["scenario", "name", "comment", "provenance", "seed"];

/// Keys written last, in this order, wherever they appear.
pub const TRAILER_KEYS: &[&str] = &["cases", "expect"];

/// Serialises any value through its own `Serialize` impl (for crate types,
/// the hex encodings of `psephos-crypto`).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(Error::Json)
}

/// A JSON object under construction.
#[derive(Debug, Default, Clone)]
pub struct Obj(Map<String, Value>);

impl Obj {
    /// An empty object.
    pub fn new() -> Self {
        Obj(Map::new())
    }

    /// Adds `key`, serialising `value` with its own `Serialize` impl.
    pub fn put<T: Serialize + ?Sized>(mut self, key: &str, value: &T) -> Result<Self, Error> {
        self.0.insert(key.to_owned(), to_value(value)?);
        Ok(self)
    }

    /// Adds `key` with an already-built value.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.0.insert(key.to_owned(), value);
        self
    }

    /// Adds `key` with a string.
    pub fn text(self, key: &str, value: &str) -> Self {
        self.with(key, Value::String(value.to_owned()))
    }

    /// The finished object.
    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// Lowercase hex as a JSON string.
pub fn hex_value(bytes: &[u8]) -> Value {
    Value::String(hex::encode(bytes))
}

/// Replaces the value at a path of object keys and array indices (given as
/// decimal strings), for building malformed cases from well-formed ones.
pub fn replace_at(target: &mut Value, path: &[&str], new: Value) -> Result<(), Error> {
    let mut current = target;
    for step in path {
        current = match current {
            Value::Object(map) => map.get_mut(*step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| Error::Inconsistent(format!("no value at {path:?}")))?;
    }
    *current = new;
    Ok(())
}

/// Reads the string at a path (see [`replace_at`]).
pub fn string_at(target: &Value, path: &[&str]) -> Result<String, Error> {
    let mut current = target;
    for step in path {
        current = match current {
            Value::Object(map) => map.get(*step),
            Value::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
        .ok_or_else(|| Error::Inconsistent(format!("no value at {path:?}")))?;
    }
    current
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::Inconsistent(format!("value at {path:?} is not a string")))
}

/// Pretty JSON (two-space indentation) with the fixed key order described
/// in the module documentation, ending in a newline.
pub fn render(value: &Value) -> Result<String, Error> {
    let mut out = String::new();
    write_value(&mut out, value, 0)?;
    out.push('\n');
    Ok(out)
}

fn ordered_keys(map: &Map<String, Value>) -> Vec<&String> {
    let rank = |key: &str| -> (u8, usize) {
        if let Some(i) = HEADER_KEYS.iter().position(|k| *k == key) {
            (0, i)
        } else if let Some(i) = TRAILER_KEYS.iter().position(|k| *k == key) {
            (2, i)
        } else {
            (1, 0)
        }
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    keys
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, value: &Value, level: usize) -> Result<(), Error> {
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) => {
            out.push_str("{\n");
            let keys = ordered_keys(map);
            for (i, key) in keys.iter().enumerate() {
                indent(out, level + 1);
                out.push_str(&serde_json::to_string(key).map_err(Error::Json)?);
                out.push_str(": ");
                if let Some(item) = map.get(*key) {
                    write_value(out, item, level + 1)?;
                }
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, level);
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(out, level + 1);
                write_value(out, item, level + 1)?;
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, level);
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).map_err(Error::Json)?),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn header_keys_first_trailer_last_rest_sorted() {
        let value = Obj::new()
            .text("expect", "valid")
            .text("zeta", "z")
            .text("alpha", "a")
            .text("scenario", "s")
            .with("cases", Value::Array(vec![]))
            .build();
        let text = render(&value).unwrap();
        assert_eq!(
            text,
            "{\n  \"scenario\": \"s\",\n  \"alpha\": \"a\",\n  \"zeta\": \"z\",\n  \"cases\": [],\n  \"expect\": \"valid\"\n}\n"
        );
    }

    #[test]
    fn replace_at_follows_keys_and_indices() {
        let mut value: Value = serde_json::from_str(r#"{"a": [{"b": "x"}, {"b": "y"}]}"#).unwrap();
        replace_at(&mut value, &["a", "1", "b"], Value::from("z")).unwrap();
        assert_eq!(string_at(&value, &["a", "1", "b"]).unwrap(), "z");
        assert!(replace_at(&mut value, &["a", "2", "b"], Value::Null).is_err());
    }
}
