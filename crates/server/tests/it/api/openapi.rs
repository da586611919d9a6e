//! The OpenAPI description (`crates/server/openapi.json`, served at
//! `/api/openapi.json`) against the router: the same set of routes, each
//! of them really routed, and a description complete enough to use.

use std::collections::BTreeSet;

use axum::http::{header, Method};
use psephos_server::routes::{OPENAPI, ROUTES};
use serde_json::Value;

use super::helpers::App;
use super::schema::{openapi, resolve};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn described() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in openapi()["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(METHODS.contains(&method.as_str()), "{path}: {method}");
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

#[test]
fn the_description_lists_exactly_the_routes() {
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(routes.len(), ROUTES.len(), "ROUTES has duplicates");
    let described = described();
    let missing: Vec<_> = routes.difference(&described).collect();
    let extra: Vec<_> = described.difference(&routes).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes not described: {missing:?}; described but not routed: {extra:?}"
    );
}

/// Every `$ref` in the document resolves.
fn refs_resolve(doc: &Value, value: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                resolve(doc, reference);
            }
            map.values().for_each(|v| refs_resolve(doc, v));
        }
        Value::Array(items) => items.iter().for_each(|v| refs_resolve(doc, v)),
        _ => {}
    }
}

#[test]
fn the_description_is_complete() {
    let doc = openapi();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    refs_resolve(doc, doc);
    let error = &doc["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
    let inner = &error["properties"]["error"];
    assert_eq!(
        inner["required"],
        serde_json::json!(["code", "field", "message"])
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["adminToken"],
        serde_json::json!({
            "type": "http",
            "scheme": "bearer",
            "description": doc["components"]["securitySchemes"]["adminToken"]["description"],
        })
    );
    let mut operation_ids = BTreeSet::new();
    for (method, path) in described() {
        let op = &doc["paths"][&path][&method];
        let what = format!("{method} {path}");
        assert!(
            operation_ids.insert(op["operationId"].as_str().unwrap().to_string()),
            "{what}: operationId not unique"
        );
        assert!(op["summary"].is_string(), "{what}: no summary");
        // Every `{name}` of the path is a declared path parameter, and no more.
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .inspect(|p| assert_eq!(p["required"], true, "{what}"))
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(in_path, declared, "{what}: path parameters");
        // Admin endpoints, and only they, need the bearer token.
        let admin = path.starts_with("/api/admin/");
        assert_eq!(
            op["security"] == serde_json::json!([{"adminToken": []}]),
            admin,
            "{what}: security"
        );
        let responses = op["responses"].as_object().unwrap();
        assert_eq!(responses.contains_key("401"), admin, "{what}: 401");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{what}: no success response"
        );
        for (status, response) in responses {
            let response = match response["$ref"].as_str() {
                Some(r) => resolve(doc, r),
                None => response,
            };
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{what} {status}: errors use the error schema"
                );
            }
        }
        // A body where the handler reads one.
        let takes_body = method == "post" || method == "put";
        let reads_body = takes_body
            && !path.ends_with("/open")
            && !path.ends_with("/close")
            && !path.ends_with("/tally")
            && !path.ends_with("/publish");
        assert_eq!(op["requestBody"].is_object(), reads_body, "{what}: body");
    }
}

#[tokio::test]
async fn the_description_is_served() {
    let app = App::sqlite().await;
    let response = app
        .call(Method::GET, "/api/openapi.json")
        .send()
        .await
        .ok(200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(&response.body[..], OPENAPI.as_bytes());
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap();
    assert_eq!(file, OPENAPI.as_bytes());
}

/// Each route answers for itself (with its own error about the unknown
/// election, a bad body or a bad parameter), never with the router's
/// fallback 404 (`field` `path`) or 405.
#[tokio::test]
async fn every_route_is_routed() {
    let app = App::sqlite().await;
    // The fallback, for comparison.
    let fallback = app.call(Method::GET, "/api/no-such-endpoint").send().await;
    fallback.error(404, Some("path"), "fallback");
    let zeros = "0".repeat(64);
    for (method, template) in ROUTES {
        let path = template
            .replace("{id}", "no-such-election")
            .replace("{credential}", &zeros)
            .replace("{code}", &zeros)
            .replace("{size}", "1");
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let content_type = if template.ends_with("/roll") {
            "text/csv"
        } else {
            "application/json"
        };
        let response = app
            .call(method.clone(), path.clone())
            .admin()
            .header(header::CONTENT_TYPE, content_type)
            .raw("{}")
            .send()
            .await;
        let what = format!("{method} {path}");
        assert_ne!(response.status.as_u16(), 405, "{what}: method not routed");
        if response.status.as_u16() == 404 {
            let body = response.json();
            assert_ne!(body["error"]["field"], "path", "{what}: not routed");
        }
        if method == Method::GET && !template.contains('{') {
            assert!(response.status.is_success(), "{what}: {}", response.status);
        } else {
            assert!(
                response.status.is_client_error(),
                "{what}: {}",
                response.status
            );
        }
    }
}
