//! Canonical JSON (RFC 8785, "JCS") for the values Psephos signs
//! (spec/record.md §3): object keys sorted, no insignificant whitespace,
//! strings escaped as ECMAScript's `JSON.stringify` does, integers only.
//!
//! Our messages hold only objects, arrays, strings, booleans and integers
//! below 2⁵³, for which JCS is exactly this function. Floats are refused
//! rather than canonicalised.

use serde::Serialize;
use serde_json::Value;

use crate::error::CanonicalError;

/// Largest integer JCS represents exactly (2⁵³ − 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The canonical JSON bytes of `value`.
pub fn to_canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let value =
        serde_json::to_value(value).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
    let mut out = Vec::with_capacity(256);
    write_value(&value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            let text = if let Some(u) = n.as_u64() {
                (u <= MAX_SAFE_INTEGER).then(|| u.to_string())
            } else if let Some(i) = n.as_i64() {
                (i.unsigned_abs() <= MAX_SAFE_INTEGER).then(|| i.to_string())
            } else {
                None
            };
            out.extend_from_slice(text.ok_or(CanonicalError::UnsupportedNumber)?.as_bytes());
        }
        Value::String(s) => write_string(s, out)?,
        Value::Array(items) => {
            out.push(b'[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // JCS sorts keys by their UTF-16 code units.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (k, (key, item)) in entries.into_iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                write_string(key, out)?;
                out.push(b':');
                write_value(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// serde_json escapes exactly as JCS does: `\"`, `\\`, `\b \f \n \r \t`,
/// other control characters as lowercase `\u00xx`, everything else verbatim.
fn write_string(s: &str, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    let encoded = serde_json::to_string(s).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
    out.extend_from_slice(encoded.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_strips_whitespace() {
        let v = json!({"b": 1, "a": [true, null, "x\ny"], "\u{e9}": {"z": -3, "y": "\u{1}"}});
        let bytes = to_canonical_json(&v).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "{\"a\":[true,null,\"x\\ny\"],\"b\":1,\"\u{e9}\":{\"y\":\"\\u0001\",\"z\":-3}}"
        );
    }

    #[test]
    fn refuses_floats_and_unsafe_integers() {
        assert_eq!(
            to_canonical_json(&json!(1.5)),
            Err(CanonicalError::UnsupportedNumber)
        );
        assert_eq!(
            to_canonical_json(&json!(1u64 << 53)),
            Err(CanonicalError::UnsupportedNumber)
        );
        assert!(to_canonical_json(&json!((1u64 << 53) - 1)).is_ok());
    }

    #[test]
    fn utf16_order_differs_from_byte_order_where_jcs_says_so() {
        // U+FF61 sorts after U+1F600 in UTF-8 bytes but before it in UTF-16.
        let v = json!({"\u{1F600}": 1, "\u{FF61}": 2});
        let text = String::from_utf8(to_canonical_json(&v).unwrap()).unwrap();
        assert!(text.find('\u{1F600}').unwrap() < text.find('\u{FF61}').unwrap());
    }
}
