//! Canonical JSON (RFC 8785): properties against an independent reference
//! encoder, and the numbers it must refuse.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use psephos_election::canonical::to_canonical_json;
use psephos_election::error::CanonicalError;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use serde_json::{json, Value};

const MAX_SAFE: i64 = (1 << 53) - 1;

fn canonical(v: &Value) -> String {
    String::from_utf8(to_canonical_json(v).unwrap()).unwrap()
}

/// JCS written out from RFC 8785 §3.2, sharing nothing with the crate.
fn reference(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write!(out, "{}", n.as_i64().unwrap()).unwrap(),
        Value::String(s) => reference_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                reference(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| k.encode_utf16().collect::<Vec<u16>>());
            out.push('{');
            for (k, key) in keys.into_iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                reference_string(key, out);
                out.push(':');
                reference(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn reference_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Prints `v` as valid JSON in a random but equivalent form: keys shuffled,
/// whitespace sprinkled between tokens, strings sometimes fully
/// `\u`-escaped (with surrogate pairs).
fn scramble(v: &Value, rng: &mut ChaCha8Rng, out: &mut String) {
    const SPACE: [&str; 5] = ["", " ", "\n", "\t  ", "\r\n "];
    let ws = |rng: &mut ChaCha8Rng, out: &mut String| {
        out.push_str(SPACE[(rng.next_u32() % 5) as usize]);
    };
    ws(rng, out);
    match v {
        Value::Array(items) => {
            out.push('[');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                scramble(item, rng, out);
            }
            ws(rng, out);
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            for k in (1..entries.len()).rev() {
                let j = (rng.next_u32() as usize) % (k + 1);
                entries.swap(k, j);
            }
            out.push('{');
            for (k, (key, item)) in entries.into_iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                ws(rng, out);
                scramble_string(key, rng, out);
                ws(rng, out);
                out.push(':');
                scramble(item, rng, out);
            }
            ws(rng, out);
            out.push('}');
        }
        Value::String(s) => scramble_string(s, rng, out),
        other => out.push_str(&other.to_string()),
    }
    ws(rng, out);
}

fn scramble_string(s: &str, rng: &mut ChaCha8Rng, out: &mut String) {
    if rng.next_u32() % 2 == 0 {
        out.push_str(&serde_json::to_string(s).unwrap());
        return;
    }
    out.push('"');
    for unit in s.encode_utf16() {
        write!(out, "\\u{unit:04X}").unwrap();
    }
    out.push('"');
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-MAX_SAFE..=MAX_SAFE).prop_map(|i| json!(i)),
        prop_oneof![Just(MAX_SAFE), Just(-MAX_SAFE), Just(0)].prop_map(|i| json!(i)),
        any::<String>().prop_map(Value::String),
        r"[a-c\x00-\x1f\u{e9}\u{7f}\u{2028}\u{ff61}\u{1F600}]{0,4}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec(
                (
                    prop_oneof![any::<String>(), r"[a-c\r\u{e9}\u{ff61}\u{1F600}]{0,3}"],
                    inner
                ),
                0..6
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_form_ignores_key_order_whitespace_and_escapes(
        v in json_value(),
        seeds in (any::<u64>(), any::<u64>()),
    ) {
        let expected = canonical(&v);
        for seed in [seeds.0, seeds.1] {
            let mut text = String::new();
            scramble(&v, &mut ChaCha8Rng::seed_from_u64(seed), &mut text);
            let parsed: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&canonical(&parsed), &expected, "input {}", text);
        }
    }

    #[test]
    fn canonical_form_matches_the_reference_and_is_a_fixed_point(v in json_value()) {
        let text = canonical(&v);
        let mut expected = String::new();
        reference(&v, &mut expected);
        prop_assert_eq!(&text, &expected);
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &v);
        prop_assert_eq!(canonical(&back), text);
    }

    #[test]
    fn integers_beyond_2_pow_53_are_refused(
        big in (1u64 << 53)..=u64::MAX,
        negative in i64::MIN..=-(1i64 << 53),
        depth in 0usize..4,
    ) {
        for n in [json!(big), json!(negative)] {
            let mut v = n;
            for level in 0..depth {
                v = if level % 2 == 0 { json!([1, v]) } else { json!({"a": 1, "k": v}) };
            }
            prop_assert_eq!(to_canonical_json(&v), Err(CanonicalError::UnsupportedNumber));
        }
    }

    #[test]
    fn floats_are_refused(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
        prop_assert_eq!(to_canonical_json(&json!(f)), Err(CanonicalError::UnsupportedNumber));
        prop_assert_eq!(
            to_canonical_json(&json!({"x": [f]})),
            Err(CanonicalError::UnsupportedNumber)
        );
    }
}

#[test]
fn the_safe_integer_boundary() {
    assert_eq!(canonical(&json!(MAX_SAFE)), "9007199254740991");
    assert_eq!(canonical(&json!(-MAX_SAFE)), "-9007199254740991");
    assert_eq!(
        to_canonical_json(&json!(MAX_SAFE + 1)),
        Err(CanonicalError::UnsupportedNumber)
    );
    assert_eq!(
        to_canonical_json(&json!(-MAX_SAFE - 1)),
        Err(CanonicalError::UnsupportedNumber)
    );
    assert_eq!(
        to_canonical_json(&json!(u64::MAX)),
        Err(CanonicalError::UnsupportedNumber)
    );
    // Integral floats are floats.
    assert_eq!(
        to_canonical_json(&json!(2.0)),
        Err(CanonicalError::UnsupportedNumber)
    );
    // Parsed from text, too.
    let parsed: Value = serde_json::from_str("[1e3]").unwrap();
    assert_eq!(
        to_canonical_json(&parsed),
        Err(CanonicalError::UnsupportedNumber)
    );
}

#[test]
fn rfc_8785_examples() {
    // §3.2.2 without its (floating-point) numbers.
    let input = r#"{
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
      }"#;
    let v: Value = serde_json::from_str(input).unwrap();
    assert_eq!(
        canonical(&v),
        "{\"literals\":[null,true,false],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
    );
    // §3.2.3: property sorting by UTF-16 code units.
    let input = r#"{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
      }"#;
    let v: Value = serde_json::from_str(input).unwrap();
    assert_eq!(
        canonical(&v),
        concat!(
            "{\"\\r\":\"Carriage Return\",",
            "\"1\":\"One\",",
            "\"\u{80}\":\"Control\",",
            "\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",",
            "\"\u{20ac}\":\"Euro Sign\",",
            "\"\u{1f600}\":\"Emoji: Grinning Face\",",
            "\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        )
    );
}

#[test]
fn structs_serialise_like_their_values() {
    #[derive(Serialize)]
    struct Message<'a> {
        zeta: u32,
        alpha: &'a str,
        nested: BTreeMap<&'a str, i64>,
        list: Vec<bool>,
        missing: Option<u8>,
    }
    let m = Message {
        zeta: 7,
        alpha: "a\u{7f}\u{2028}",
        nested: [("b", -1), ("a", 2)].into_iter().collect(),
        list: vec![true, false],
        missing: None,
    };
    let bytes = to_canonical_json(&m).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "{\"alpha\":\"a\u{7f}\u{2028}\",\"list\":[true,false],\"missing\":null,\"nested\":{\"a\":2,\"b\":-1},\"zeta\":7}"
    );
    // A map whose keys are not strings cannot be canonicalised.
    let bad: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
    assert!(matches!(
        to_canonical_json(&bad),
        Err(CanonicalError::Serialize(_))
    ));
    // Values that are too big inside a struct are refused.
    #[derive(Serialize)]
    struct Big {
        n: u64,
    }
    assert_eq!(
        to_canonical_json(&Big { n: 1 << 53 }),
        Err(CanonicalError::UnsupportedNumber)
    );
}
