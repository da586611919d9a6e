//! `POST …/receipt-email` (spec/api.md §2.1): a voter's receipt by e-mail,
//! delivered to a real SMTP server over loopback (the credential
//! authority's test sink), never to a mock of the mailer.

use std::sync::Arc;

use axum::http::Method;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use psephos_election::ballot::TrackingCode;
use psephos_election::receipt::Receipt;
use psephos_election::receipt_email::ReceiptEmailRequest;
use psephos_server::receipt_mail::ReceiptMailer;
use psephos_server::store::SqliteStore;
use psephos_server::ServerConfig;
use serde_json::json;

use super::helpers::App;
use super::setup::{Options, TestElection};

#[allow(dead_code)]
#[path = "../../../../authority/tests/it/common/smtp_sink.rs"]
mod smtp_sink;
use smtp_sink::{Mail, SinkConfig, SmtpSink};

/// A server that mails receipts through the SMTP server at `port`.
async fn app_mailing_to(port: u16) -> App<SqliteStore> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .timeout(Some(std::time::Duration::from_secs(5)))
        .build();
    let mailer = ReceiptMailer::new(
        transport,
        "Elections <vote@example.org>".parse().unwrap(),
        Some("https://vote.example.org/".into()),
    );
    App::sqlite_with(ServerConfig {
        mailer: Some(Arc::new(mailer)),
        ..ServerConfig::default()
    })
    .await
}

/// An open election with voter 0's ballot cast; its receipt.
async fn voted(app: &App<SqliteStore>) -> (TestElection, Receipt) {
    let mut e = TestElection::ready(app, &Options::default()).await;
    e.open(app).await;
    let (ballot, _) = e.ballot(0, 0);
    let receipt = e.cast(app, &ballot).await;
    (e, receipt)
}

fn request(e: &TestElection, voter: usize, code: TrackingCode, email: &str) -> ReceiptEmailRequest {
    ReceiptEmailRequest::sign(&e.voters[voter].secret, &e.id, code, email)
}

/// The message's text part and its attached receipt.
fn parts(mail: &Mail) -> (String, String, Receipt) {
    let parsed = mailparse::parse_mail(mail.data.as_bytes()).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key() == "Subject")
        .unwrap()
        .get_value();
    let text = parsed.subparts[0].get_body().unwrap();
    let attachment = parsed.subparts[1].get_body().unwrap();
    (subject, text, serde_json::from_str(&attachment).unwrap())
}

#[tokio::test]
async fn a_voter_gets_their_receipt_by_email_and_the_board_is_unchanged() {
    let sink = SmtpSink::start(SinkConfig::default());
    let app = app_mailing_to(sink.port()).await;
    let (e, receipt) = voted(&app).await;
    assert_eq!(app.get_json(&e.path("")).await["receipt_email"], true);
    let email = e.voters[0].email.clone();
    let before = app.snapshot().await;
    let answer = app
        .call(Method::POST, e.path("/receipt-email"))
        .json(&request(&e, 0, receipt.tracking_code, &email))
        .send()
        .await
        .ok(200)
        .json();
    assert_eq!(
        answer,
        json!({"sent": true, "tracking_code": receipt.tracking_code})
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "asking for mail adds nothing to the board"
    );

    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec![email]);
    let (subject, text, attached) = parts(&mails[0]);
    assert!(subject.contains(&e.manifest.title), "{subject}");
    assert!(text.contains(&receipt.tracking_code.short()), "{text}");
    assert!(text.contains(&receipt.tracking_code.to_string()), "{text}");
    assert!(
        text.contains(&format!("https://vote.example.org/receipt#{}", e.id)),
        "{text}"
    );
    assert!(!text.contains("replaces"), "{text}");
    attached.verify(&e.board_key).unwrap();
    assert_eq!(attached.tracking_code, receipt.tracking_code);
    assert_eq!(attached.leaf_index, receipt.leaf_index);
}

#[tokio::test]
async fn a_revote_receipt_says_what_it_replaced() {
    let sink = SmtpSink::start(SinkConfig::default());
    let app = app_mailing_to(sink.port()).await;
    let (mut e, first) = voted(&app).await;
    let (again, _) = e.ballot(0, 1);
    let second = e.cast(&app, &again).await;
    // The roll's address in another case is the same member's.
    let email = e.voters[0].email.to_uppercase();
    app.call(Method::POST, e.path("/receipt-email"))
        .json(&request(&e, 0, second.tracking_code, &email))
        .send()
        .await
        .ok(200);
    let (_, text, attached) = parts(&sink.mails()[0]);
    assert!(
        text.contains(&format!(
            "replaces your earlier vote {}",
            first.tracking_code.short()
        )),
        "{text}"
    );
    assert_eq!(attached.supersedes, Some(first.tracking_code));
}

#[tokio::test]
async fn only_the_voter_and_only_to_a_member_of_the_ballots_style() {
    let sink = SmtpSink::start(SinkConfig::default());
    let app = app_mailing_to(sink.port()).await;
    let (mut e, receipt) = voted(&app).await;
    let code = receipt.tracking_code;
    let own = e.voters[0].email.clone();
    let path = e.path("/receipt-email");
    let refuse = |body: serde_json::Value, status: u16, field: &'static str| {
        let call = app.call(Method::POST, path.clone()).json(&body);
        async move {
            call.refused(status, Some(field)).await;
        }
    };
    let as_json = |r: ReceiptEmailRequest| serde_json::to_value(r).unwrap();

    // Signed by another voter, or for another address than sent.
    refuse(as_json(request(&e, 1, code, &own)), 422, "signature").await;
    let mut moved = request(&e, 0, code, &own);
    moved.email = e.voters[1].email.clone();
    refuse(as_json(moved), 422, "signature").await;
    // Signed, but not an address on the roll, or another style's member
    // (voter 1 votes the south ballot; voter 3 the north one, like voter 0,
    // but is another member: only the roll says who is who, so the
    // signature is what keeps voter 0 from mailing voter 3).
    refuse(
        as_json(request(&e, 0, code, "someone@example.net")),
        422,
        "email",
    )
    .await;
    let other_style = e.voters[1].email.clone();
    refuse(as_json(request(&e, 0, code, &other_style)), 422, "email").await;
    // Not an address at all, or too long.
    refuse(
        as_json(request(&e, 0, code, "not an address")),
        422,
        "email",
    )
    .await;
    let long = format!("{}@example.org", "a".repeat(250));
    refuse(as_json(request(&e, 0, code, &long)), 422, "email").await;
    // No cast ballot with this code: unknown, or an audit's.
    refuse(
        as_json(request(&e, 0, TrackingCode([9; 32]), &own)),
        404,
        "tracking_code",
    )
    .await;
    let (audited, _) = e.audited(0, 1);
    let audit_code = audited.ballot.tracking_code();
    app.call(Method::POST, e.path("/audits"))
        .json(&audited)
        .send()
        .await
        .ok(201);
    refuse(
        as_json(request(&e, 0, audit_code, &own)),
        404,
        "tracking_code",
    )
    .await;
    // Malformed bodies.
    let mut extra = as_json(request(&e, 0, code, &own));
    extra["credential"] = json!(e.credential_hex(0));
    refuse(extra, 400, "credential").await;
    let mut short = as_json(request(&e, 0, code, &own));
    short["signature"] = json!("00");
    refuse(short, 400, "signature").await;
    assert!(sink.mails().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn without_a_mail_server_the_request_is_refused_and_nothing_changes() {
    // A server configured without e-mail says so, up front and on request.
    let app = App::sqlite().await;
    let (e, receipt) = voted(&app).await;
    assert_eq!(app.get_json(&e.path("")).await["receipt_email"], false);
    let email = e.voters[0].email.clone();
    app.call(Method::POST, e.path("/receipt-email"))
        .json(&request(&e, 0, receipt.tracking_code, &email))
        .refused(503, None)
        .await;

    // A configured mail server that is down: 503, try again later.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = app_mailing_to(port).await;
    let (e, receipt) = voted(&app).await;
    let email = e.voters[0].email.clone();
    let refused = app
        .call(Method::POST, e.path("/receipt-email"))
        .json(&request(&e, 0, receipt.tracking_code, &email))
        .refused(503, None)
        .await;
    assert!(refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("try again"));
}
