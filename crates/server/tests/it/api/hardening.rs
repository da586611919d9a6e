//! What every request passes through (spec/api.md §1, issue 5 §8):
//! security headers, the router's fallbacks, body limits, the per-client
//! rate limit, and the store being unavailable.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, Method};
use psephos_server::state::Limits;
use psephos_server::store::PostgresStore;
use psephos_server::web::CONTENT_SECURITY_POLICY;
use psephos_server::{AppState, ServerConfig};
use serde_json::json;

use super::helpers::{App, TestResponse};
use super::setup::{Options, TestElection};
use crate::common::postgres_config;

fn assert_security_headers(response: &TestResponse, hsts: bool, what: &str) {
    assert_eq!(
        response.header("content-security-policy"),
        Some(CONTENT_SECURITY_POLICY),
        "{what}"
    );
    assert!(CONTENT_SECURITY_POLICY.contains("default-src 'self'"));
    assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"));
    assert_eq!(
        response.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(response.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        response.header("strict-transport-security").is_some(),
        hsts,
        "{what}"
    );
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    for hsts in [false, true] {
        let app = App::sqlite_with(ServerConfig {
            hsts,
            ..ServerConfig::default()
        })
        .await;
        let e = TestElection::build(&app, &Options::default()).await;
        let responses = [
            app.call(Method::GET, "/healthz").send().await,
            app.call(Method::GET, e.path("")).send().await,
            app.call(Method::GET, e.path("/record")).send().await,
            app.call(Method::GET, "/api/elections/nope").send().await,
            app.call(Method::POST, e.path("/ballots"))
                .body("application/json", "{")
                .send()
                .await,
            app.call(Method::GET, "/api/admin/server").send().await,
            app.call(Method::GET, "/api/nope").send().await,
            app.call(Method::DELETE, "/api/elections").send().await,
            app.call(Method::GET, "/").send().await,
        ];
        for (k, response) in responses.iter().enumerate() {
            assert_security_headers(response, hsts, &format!("response {k} (hsts {hsts})"));
        }
        // API answers are never cached.
        assert_eq!(responses[1].header("cache-control"), Some("no-store"));
        assert_eq!(responses[3].header("cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let app = App::sqlite().await;
    for path in [
        "/api/nope",
        "/api/elections/x/nope",
        "/api/admin/nope",
        "/api/elections/x/board/leaves/3",
    ] {
        app.call(Method::GET, path).refused(404, Some("path")).await;
    }
    for (method, path) in [
        (Method::DELETE, "/api/elections"),
        (Method::PUT, "/healthz"),
        (Method::GET, "/api/elections/x/ballots"),
        (Method::POST, "/api/admin/elections/x/roll"),
    ] {
        app.call(method, path).refused(405, Some("method")).await;
    }
}

#[tokio::test]
async fn bodies_over_the_limits_are_refused() {
    let limits = Limits {
        body: 8 << 10,
        upload: 32 << 10,
    };
    let app = App::sqlite_with(ServerConfig {
        limits,
        ..ServerConfig::default()
    })
    .await;
    let mut e = TestElection::new(&app, &Options::default()).await;
    let padded = |value: &serde_json::Value, size: usize| {
        let mut bytes = serde_json::to_vec(value).unwrap();
        bytes.resize(size, b' ');
        bytes
    };
    let manifest = serde_json::to_value(&e.manifest).unwrap();
    app.call(Method::POST, "/api/admin/elections")
        .admin()
        .body("application/json", padded(&manifest, limits.body + 1))
        .refused(413, None)
        .await;
    app.call(Method::POST, "/api/admin/elections")
        .admin()
        .body("application/json", padded(&manifest, limits.body))
        .send()
        .await
        .ok(201);
    let dealings = e.deal();
    let dealing = serde_json::to_value(&dealings[0]).unwrap();
    app.call(Method::POST, e.path("/trustees/messages"))
        .body("application/json", padded(&dealing, limits.body + 1))
        .refused(413, None)
        .await;
    for message in &dealings {
        e.post(&app, message).await.ok(201);
    }
    for message in e.complain() {
        e.post(&app, &message).await.ok(201);
    }
    e.finish_ceremony(&app).await;
    // The roll and the credential list have the larger upload limit.
    let mut roll = e.roll_csv().into_bytes();
    roll.resize(limits.upload + 1, b'\n');
    app.call(Method::PUT, e.admin_path("/roll"))
        .admin()
        .body("text/csv", roll.clone())
        .refused(413, None)
        .await;
    roll.truncate(limits.upload);
    app.call(Method::PUT, e.admin_path("/roll"))
        .admin()
        .body("text/csv", roll)
        .send()
        .await
        .ok(200);
    let list = serde_json::to_value(e.credential_list()).unwrap();
    app.call(Method::POST, e.path("/credential-list"))
        .body("application/json", padded(&list, limits.upload + 1))
        .refused(413, None)
        .await;
    app.call(Method::POST, e.path("/credential-list"))
        .body("application/json", padded(&list, limits.upload))
        .send()
        .await
        .ok(201);
    e.open(&app).await;
    let (ballot, _) = e.ballot(0, 0);
    let ballot = serde_json::to_value(&ballot).unwrap();
    app.call(Method::POST, e.path("/ballots"))
        .body("application/json", padded(&ballot, limits.body + 1))
        .refused(413, None)
        .await;
    let (audited, _) = e.audited(0, 0);
    app.call(Method::POST, e.path("/audits"))
        .body(
            "application/json",
            padded(&serde_json::to_value(&audited).unwrap(), limits.body + 1),
        )
        .refused(413, None)
        .await;
}

#[tokio::test]
async fn requests_are_rate_limited_per_client() {
    let app = App::sqlite_with(ServerConfig {
        per_client_per_second: 1,
        ..ServerConfig::default()
    })
    .await;
    // A burst of four, then 429 with Retry-After.
    for _ in 0..4 {
        app.call(Method::GET, "/healthz").send().await.ok(200);
    }
    let response = app.call(Method::GET, "/healthz").refused(429, None).await;
    let wait: u64 = response.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(wait, 1);
    // Without trust_forwarded_for, X-Forwarded-For does not make a new client.
    app.call(Method::GET, "/api/elections")
        .header(
            header::HeaderName::from_static("x-forwarded-for"),
            "203.0.113.9",
        )
        .refused(429, None)
        .await;

    // Behind a proxy, each forwarded address has its own bucket.
    let app = App::sqlite_with(ServerConfig {
        per_client_per_second: 1,
        trust_forwarded_for: true,
        ..ServerConfig::default()
    })
    .await;
    let from = |address: &str| {
        app.call(Method::GET, "/healthz").header(
            header::HeaderName::from_static("x-forwarded-for"),
            format!("{address}, 10.0.0.1"),
        )
    };
    for _ in 0..4 {
        from("203.0.113.1").send().await.ok(200);
    }
    from("203.0.113.1").refused(429, None).await;
    from("203.0.113.2").send().await.ok(200);
}

/// A store that stops answering: 503 with Retry-After, and health says so.
#[tokio::test]
async fn an_unreachable_store_is_unavailable() {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!("psephos_api_gone_{}_{nanos}", std::process::id());
    let config = postgres_config();
    let store = PostgresStore::connect(&config, Some(&schema))
        .await
        .unwrap();
    let state = AppState::new(store, ServerConfig::default(), Some("t"))
        .await
        .unwrap();
    let router = psephos_server::router(state);
    let (admin, connection) = tokio_postgres::connect(&config, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    for path in ["/healthz", "/api/elections", "/api/elections/x"] {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers()["retry-after"], "1");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "unavailable", "{path}");
        assert_eq!(body["error"]["field"], json!(null));
        // The database's own words stay in the log.
        assert!(!body.to_string().contains(&schema), "{body}");
    }
}

#[tokio::test]
async fn pages_are_revalidated_by_their_integrity_hash() {
    let app = App::sqlite().await;
    for (path, asset) in psephos_server::assets::ASSETS {
        let first = app.call(Method::GET, *path).send().await;
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.header("content-type"), Some(asset.content_type));
        // Names carry no hash: a stale cached script would fail its
        // integrity check after an upgrade, so nothing is cached unchecked.
        assert_eq!(first.header("cache-control"), Some("no-cache"), "{path}");
        let etag = format!("\"{}\"", asset.sri);
        assert_eq!(first.header("etag"), Some(etag.as_str()), "{path}");
        let again = app
            .call(Method::GET, *path)
            .header(header::IF_NONE_MATCH, etag.clone())
            .send()
            .await;
        assert_eq!(again.status, 304, "{path}");
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        let other = app
            .call(Method::GET, *path)
            .header(header::IF_NONE_MATCH, "\"sha384-other\"")
            .send()
            .await;
        assert_eq!(other.status, 200, "{path}");
    }
}
