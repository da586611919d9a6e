//! A small checker of JSON values against the schemas of
//! `crates/server/openapi.json`: enough of JSON Schema (`$ref`, `oneOf`,
//! `type`, `properties`, `required`, `additionalProperties`, `items`,
//! `maxItems`, `enum`, `const`, `minimum`, hex patterns) to keep the
//! description honest about what the server sends.

use std::sync::OnceLock;

use serde_json::Value;

/// The OpenAPI description, parsed once.
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(psephos_server::routes::OPENAPI).unwrap())
}

/// Resolves a local `$ref`.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("non-local $ref {reference}"));
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

/// Asserts that the JSON body of a `status` response of `method template`
/// matches the description's schema for it.
pub fn assert_response_conforms(method: &str, template: &str, status: u16, body: &Value) {
    let doc = openapi();
    let operation = &doc["paths"][template][method];
    assert!(
        operation.is_object(),
        "{method} {template} is not described"
    );
    let mut response = &operation["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {template} does not describe status {status}"
    );
    if let Some(reference) = response["$ref"].as_str() {
        response = resolve(doc, reference);
    }
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {template} {status} has no JSON schema"
    );
    if let Err(e) = check(doc, schema, body, "$") {
        panic!("{method} {template} {status}: the body does not match the description: {e}\nbody: {body}");
    }
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        other => panic!("unknown type {other}"),
    }
}

/// Checks `value` against `schema`; the error names the path in the value.
pub fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        return check(doc, resolve(doc, reference), value, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        let passing = options
            .iter()
            .filter(|s| check(doc, s, value, at).is_ok())
            .count();
        return if passing == 1 {
            Ok(())
        } else {
            Err(format!("{at}: {passing} of the oneOf schemas match"))
        };
    }
    match &schema["type"] {
        Value::String(t) if !type_matches(t, value) => {
            return Err(format!("{at}: expected {t}, found {value}"))
        }
        Value::Array(types)
            if !types
                .iter()
                .any(|t| type_matches(t.as_str().unwrap(), value)) =>
        {
            return Err(format!("{at}: expected one of {types:?}, found {value}"))
        }
        _ => {}
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            return Err(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            return Err(format!("{at}: {value} is not {constant}"));
        }
    }
    if let (Some(minimum), Some(n)) = (schema["minimum"].as_i64(), value.as_i64()) {
        if n < minimum {
            return Err(format!("{at}: {n} is below {minimum}"));
        }
    }
    if let (Some(pattern), Some(text)) = (schema["pattern"].as_str(), value.as_str()) {
        let hex_digits = match pattern {
            "^[0-9a-f]{64}$" => Some(64),
            "^[0-9a-f]{128}$" => Some(128),
            _ => None,
        };
        if let Some(n) = hex_digits {
            if text.len() != n || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return Err(format!("{at}: {text:?} is not {n} lowercase hex digits"));
            }
        }
    }
    if let Some(object) = value.as_object() {
        if let Some(required) = schema["required"].as_array() {
            for name in required {
                let name = name.as_str().unwrap();
                if !object.contains_key(name) {
                    return Err(format!("{at}: missing member `{name}`"));
                }
            }
        }
        let properties = schema["properties"].as_object();
        for (name, member) in object {
            let at = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(member_schema) => check(doc, member_schema, member, &at)?,
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => return Err(format!("{at}: not described")),
                    extra @ Value::Object(_) => check(doc, extra, member, &at)?,
                    _ => {}
                },
            }
        }
    }
    if let Some(items) = value.as_array() {
        if let Some(max) = schema["maxItems"].as_u64() {
            if items.len() as u64 > max {
                return Err(format!("{at}: more than {max} items"));
            }
        }
        if schema["items"].is_object() {
            for (k, item) in items.iter().enumerate() {
                check(doc, &schema["items"], item, &format!("{at}.{k}"))?;
            }
        }
    }
    Ok(())
}
