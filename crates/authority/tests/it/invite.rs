//! `invite send` against a real SMTP server started by each test.

use std::collections::HashMap;

use mailparse::MailHeaderMap;
use psephos_authority::invite::status::{read_entries, Status};
use psephos_authority::{AuthorityError, Report};

use crate::common::smtp_sink::{Mail, SinkConfig, SinkTls, SmtpSink, TestPki};
use crate::common::{run, Setup, MEMBERS};

/// `invite send` to the sink at `port`, with quick retries, plus `extra`.
fn send(setup: &Setup, port: u16, extra: &[&str]) -> Result<Report, AuthorityError> {
    send_to(setup, "127.0.0.1", port, "none", extra)
}

/// `invite send` to `host:port` with the given `--smtp-tls` mode.
fn send_to(
    setup: &Setup,
    host: &str,
    port: u16,
    tls: &str,
    extra: &[&str],
) -> Result<Report, AuthorityError> {
    let mut args = vec![
        "invite".to_string(),
        "send".into(),
        "--manifest".into(),
        setup.arg("manifest.json"),
        "--links".into(),
        setup.arg("links.jsonl"),
        "--status".into(),
        setup.arg("status.jsonl"),
        "--smtp-host".into(),
        host.into(),
        "--smtp-port".into(),
        port.to_string(),
        "--smtp-tls".into(),
        tls.into(),
        "--smtp-timeout".into(),
        "5s".into(),
        "--from".into(),
        "Riverside elections <elections@riverside.example>".into(),
        "--retry-delay".into(),
        "10ms".into(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    run(args)
}

fn ready() -> Setup {
    let setup = Setup::new();
    setup.generate().unwrap();
    setup
}

/// Each member's link, by lower-cased address.
fn links_by_email(setup: &Setup) -> HashMap<String, String> {
    setup
        .links()
        .iter()
        .map(|l| {
            (
                l["email"].as_str().unwrap().to_lowercase(),
                l["link"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The decoded plain-text body (and HTML body, if any) of a message.
fn bodies(mail: &Mail) -> (String, Option<String>) {
    let parsed = mailparse::parse_mail(mail.data.as_bytes()).unwrap();
    if parsed.subparts.is_empty() {
        return (parsed.get_body().unwrap(), None);
    }
    let mut text = None;
    let mut html = None;
    for part in &parsed.subparts {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = Some(part.get_body().unwrap()),
            "text/html" => html = Some(part.get_body().unwrap()),
            _ => {}
        }
    }
    (text.unwrap(), html)
}

/// Checks that the mails are exactly one per address in `expected`, each
/// addressed to that member and carrying their link and no one else's.
fn assert_each_got_their_own_link(mails: &[Mail], setup: &Setup, expected: &[&str]) {
    let links = links_by_email(setup);
    let mut count: HashMap<String, usize> = HashMap::new();
    for mail in mails {
        assert_eq!(mail.to.len(), 1, "one recipient per message");
        let to = mail.to[0].to_lowercase();
        *count.entry(to.clone()).or_default() += 1;
        let (text, html) = bodies(mail);
        let own = &links[&to];
        assert_eq!(
            text.matches(own.as_str()).count(),
            1,
            "their link once in:\n{text}"
        );
        for (other, link) in &links {
            if *other != to {
                assert!(!text.contains(link.as_str()), "{to} got {other}'s link");
                assert!(!mail.data.contains(link.as_str()));
            }
        }
        if let Some(html) = html {
            assert!(html.contains(own.as_str()));
        }
        let parsed = mailparse::parse_mail(mail.data.as_bytes()).unwrap();
        let header_to = parsed.headers.get_first_value("To").unwrap();
        assert!(header_to.to_lowercase().contains(&to), "{header_to}");
        assert_eq!(mail.from, "elections@riverside.example");
    }
    let mut wanted: Vec<String> = expected.iter().map(|e| e.to_lowercase()).collect();
    wanted.sort();
    let mut got: Vec<String> = count.keys().cloned().collect();
    got.sort();
    assert_eq!(got, wanted);
    assert!(
        count.values().all(|n| *n == 1),
        "someone was mailed twice: {count:?}"
    );
}

fn all_emails() -> Vec<&'static str> {
    MEMBERS.iter().map(|m| m.email).collect()
}

/// Final state per address in the status file.
fn final_status(setup: &Setup) -> HashMap<String, Status> {
    read_entries(&setup.path("status.jsonl"))
        .unwrap()
        .into_iter()
        .map(|e| (e.email.to_lowercase(), e.status))
        .collect()
}

#[test]
fn every_member_gets_exactly_one_mail_with_their_own_link() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig::default());
    let report = send(&setup, sink.port(), &[]).unwrap();
    assert!(report.success, "{}", report.render());
    assert_eq!(report.json["sent"], MEMBERS.len());
    let mails = sink.mails();
    assert_each_got_their_own_link(&mails, &setup, &all_emails());

    // The body says what the link is and when to vote.
    let (text, html) = bodies(&mails[0]);
    assert!(html.is_none());
    assert!(text.contains("personal"));
    assert!(text.contains("change your vote"));
    assert!(text.contains("2026-11-02 09:00 UTC"));
    assert!(text.contains("2026-11-11 17:00 UTC"));
    assert!(text.contains("Rule changes and London delegate 2026"));
    let parsed = mailparse::parse_mail(mails[0].data.as_bytes()).unwrap();
    assert_eq!(
        parsed.headers.get_first_value("Subject").unwrap(),
        "Your personal voting link: Rule changes and London delegate 2026"
    );

    // The status file records each delivery and holds no link.
    let status = final_status(&setup);
    assert_eq!(status.len(), MEMBERS.len());
    assert!(status.values().all(|s| *s == Status::Sent));
    let journal = std::fs::read_to_string(setup.path("status.jsonl")).unwrap();
    for link in links_by_email(&setup).values() {
        let secret = link.rsplit('.').next().unwrap();
        assert!(!journal.contains(secret));
    }
    #[cfg(unix)]
    assert_eq!(crate::common::mode(&setup.path("status.jsonl")), 0o600);

    // Running again mails nobody.
    let again = send(&setup, sink.port(), &[]).unwrap();
    assert!(again.success);
    assert_eq!(again.json["sent"], 0);
    assert_eq!(again.json["already_sent"], MEMBERS.len());
    assert_eq!(sink.mails().len(), MEMBERS.len());
}

#[test]
fn a_451_is_retried_and_the_member_is_mailed_once() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig {
        fail_data: vec![2, 3],
        ..SinkConfig::default()
    });
    let report = send(&setup, sink.port(), &[]).unwrap();
    assert!(report.success, "{}", report.render());
    assert_eq!(sink.data_attempts(), MEMBERS.len() + 2);
    assert_each_got_their_own_link(&sink.mails(), &setup, &all_emails());
    // The second member needed three attempts.
    let entries = read_entries(&setup.path("status.jsonl")).unwrap();
    let second = entries
        .iter()
        .find(|e| e.email == MEMBERS[1].email && e.status == Status::Sent)
        .unwrap();
    assert_eq!(second.attempts, Some(3));
    assert!(second.response.as_deref().unwrap().starts_with("250"));
}

#[test]
fn retries_run_out_and_the_member_is_left_for_the_next_run() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig {
        fail_data: vec![1, 2],
        ..SinkConfig::default()
    });
    let report = send(&setup, sink.port(), &["--retries", "1"]).unwrap();
    assert!(!report.success);
    let failed = report.json["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["email"], MEMBERS[0].email);
    assert_eq!(failed[0]["permanent"], false);
    assert!(failed[0]["reason"].as_str().unwrap().contains("451"));
    assert_eq!(sink.mails().len(), MEMBERS.len() - 1);

    let again = send(&setup, sink.port(), &[]).unwrap();
    assert!(again.success, "{}", again.render());
    assert_eq!(again.json["sent"], 1);
    assert_each_got_their_own_link(&sink.mails(), &setup, &all_emails());
}

#[test]
fn an_interrupted_run_resumes_and_mails_nobody_twice() {
    let setup = ready();
    let first = SmtpSink::start(SinkConfig {
        outage_after: Some(2),
        ..SinkConfig::default()
    });
    let err = send(&setup, first.port(), &["--retries", "2"]).unwrap_err();
    let AuthorityError::Smtp { reason, .. } = &err else {
        panic!("expected an SMTP error, got {err}");
    };
    assert!(reason.contains("run the command again"), "{reason}");
    assert_eq!(first.mails().len(), 2);
    let status = final_status(&setup);
    assert_eq!(status.values().filter(|s| **s == Status::Sent).count(), 2);
    assert_eq!(
        status.get(&MEMBERS[2].email.to_lowercase()),
        Some(&Status::Failed)
    );
    // Nobody further down the roll was tried.
    assert!(!status.contains_key(&MEMBERS[3].email.to_lowercase()));

    // The server is back (here: another one); the rerun mails only the rest.
    let second = SmtpSink::start(SinkConfig::default());
    let report = send(&setup, second.port(), &[]).unwrap();
    assert!(report.success, "{}", report.render());
    assert_eq!(report.json["already_sent"], 2);
    assert_eq!(report.json["sent"], MEMBERS.len() - 2);
    let mut all = first.mails();
    all.extend(second.mails());
    assert_each_got_their_own_link(&all, &setup, &all_emails());
}

#[test]
fn a_limit_stops_early_and_the_next_run_continues() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig::default());
    let report = send(&setup, sink.port(), &["--limit", "2"]).unwrap();
    assert!(!report.success, "more members remain");
    assert_eq!(report.json["sent"], 2);
    assert_eq!(report.json["remaining"], MEMBERS.len() - 2);
    assert_each_got_their_own_link(&sink.mails(), &setup, &[MEMBERS[0].email, MEMBERS[1].email]);

    let report = send(&setup, sink.port(), &["--limit", "2"]).unwrap();
    assert_eq!(report.json["sent"], 2);
    let report = send(&setup, sink.port(), &[]).unwrap();
    assert!(report.success);
    assert_eq!(report.json["sent"], 1);
    assert_each_got_their_own_link(&sink.mails(), &setup, &all_emails());
}

#[test]
fn a_send_cut_off_before_its_outcome_is_not_repeated_unless_asked() {
    let setup = ready();
    // A run that died between "sending" and the server's answer.
    let line = serde_json::json!({
        "election_id": crate::common::ELECTION_ID,
        "email": MEMBERS[0].email,
        "status": "sending",
        "at": "2026-10-01T10:00:00Z",
    });
    std::fs::write(setup.path("status.jsonl"), format!("{line}\n")).unwrap();
    let sink = SmtpSink::start(SinkConfig::default());
    let report = send(&setup, sink.port(), &[]).unwrap();
    assert!(!report.success);
    assert_eq!(
        report.json["uncertain"],
        serde_json::json!([MEMBERS[0].email])
    );
    assert_eq!(report.json["sent"], MEMBERS.len() - 1);
    assert!(report.text.contains("--resend-uncertain"));
    assert!(sink.mails().iter().all(|m| m.to[0] != MEMBERS[0].email));

    let report = send(&setup, sink.port(), &["--resend-uncertain"]).unwrap();
    assert!(report.success);
    assert_eq!(report.json["sent"], 1);
    assert_each_got_their_own_link(&sink.mails(), &setup, &all_emails());
}

#[test]
fn a_dry_run_sends_nothing_and_shows_no_secret() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig::default());
    let report = send(&setup, sink.port(), &["--dry-run"]).unwrap();
    assert_eq!(sink.connections(), 0);
    assert!(sink.mails().is_empty());
    assert!(!setup.path("status.jsonl").exists());
    let previews = report.json["previews"].as_array().unwrap();
    assert_eq!(previews.len(), MEMBERS.len());
    assert!(previews[0]["to"]
        .as_str()
        .unwrap()
        .contains(MEMBERS[0].email));
    assert!(previews[0]["link"]
        .as_str()
        .unwrap()
        .ends_with("#branch-ballot.2026.<secret credential>"));
    // Neither the JSON nor the text form leaks a secret.
    let mut text_report = report.clone();
    text_report.as_json = false;
    for shown in [report.render(), text_report.render()] {
        for link in links_by_email(&setup).values() {
            let secret = link.rsplit('.').next().unwrap();
            assert!(!shown.contains(secret), "a secret in the dry run output");
        }
    }
    assert!(text_report.render().contains("nothing was sent"));
    assert!(text_report.render().contains("Dear Ada Okafor"));

    // A dry run needs no server at all.
    let report = run([
        "invite",
        "send",
        "--manifest",
        &setup.arg("manifest.json"),
        "--links",
        &setup.arg("links.jsonl"),
        "--from",
        "elections@riverside.example",
        "--dry-run",
    ])
    .unwrap();
    assert!(report.success);
}

#[test]
fn wrong_smtp_credentials_give_a_clear_error_and_the_right_ones_work() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig {
        login: Some(("authority".into(), "s3cret pass".into())),
        ..SinkConfig::default()
    });
    std::fs::write(setup.path("wrong.pw"), "not it\n").unwrap();
    let err = send(
        &setup,
        sink.port(),
        &[
            "--smtp-user",
            "authority",
            "--smtp-password-file",
            &setup.arg("wrong.pw"),
        ],
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, AuthorityError::Smtp { .. }), "{message}");
    assert!(message.contains("login"), "{message}");
    assert!(message.contains("535"), "{message}");
    assert!(!message.contains("not it"), "the password is not shown");
    assert!(sink.auth_failures() >= 1);
    assert!(sink.mails().is_empty());

    // A login without any password is refused before connecting.
    let err = send(
        &setup,
        sink.port(),
        &[
            "--smtp-user",
            "authority",
            "--smtp-password-env",
            "PSEPHOS_TEST_UNSET_VARIABLE",
        ],
    )
    .unwrap_err();
    assert!(matches!(err, AuthorityError::Config(_)), "{err}");

    // The password from the environment.
    std::env::set_var("PSEPHOS_TEST_SMTP_PASSWORD_OK", "s3cret pass");
    let report = send(
        &setup,
        sink.port(),
        &[
            "--smtp-user",
            "authority",
            "--smtp-password-env",
            "PSEPHOS_TEST_SMTP_PASSWORD_OK",
        ],
    )
    .unwrap();
    assert!(report.success, "{}", report.render());
    assert_each_got_their_own_link(&sink.mails(), &setup, &all_emails());
}

#[test]
fn an_unreachable_server_gives_a_clear_error_and_records_nothing() {
    let setup = ready();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = send(&setup, port, &[]).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, AuthorityError::Smtp { .. }), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("cannot connect"), "{message}");
    assert!(!setup.path("status.jsonl").exists());
}

#[test]
fn a_refused_recipient_is_recorded_and_the_others_are_mailed() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig {
        reject: vec![MEMBERS[2].email.into()],
        ..SinkConfig::default()
    });
    let report = send(&setup, sink.port(), &[]).unwrap();
    assert!(!report.success);
    let failed = report.json["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["email"], MEMBERS[2].email);
    assert_eq!(failed[0]["permanent"], true);
    assert!(failed[0]["reason"].as_str().unwrap().contains("550"));
    let others: Vec<&str> = all_emails()
        .into_iter()
        .filter(|e| *e != MEMBERS[2].email)
        .collect();
    assert_each_got_their_own_link(&sink.mails(), &setup, &others);
    assert_eq!(
        final_status(&setup).get(&MEMBERS[2].email.to_lowercase()),
        Some(&Status::Failed)
    );
}

#[test]
fn html_invitations_carry_the_link_in_both_parts() {
    let setup = ready();
    let sink = SmtpSink::start(SinkConfig::default());
    std::fs::write(
        setup.path("body.txt"),
        "Hello {{name}} ({{style_name}}), vote at {{link}} before {{closes}}.\n",
    )
    .unwrap();
    let report = send(
        &setup,
        sink.port(),
        &[
            "--html",
            "--text-template",
            &setup.arg("body.txt"),
            "--subject",
            "Ballot: {{title}}",
            "--rate",
            "50/s",
        ],
    )
    .unwrap();
    assert!(report.success);
    let mails = sink.mails();
    assert_each_got_their_own_link(&mails, &setup, &all_emails());
    for mail in &mails {
        let (text, html) = bodies(mail);
        assert!(html
            .unwrap()
            .contains("<a href=\"https://vote.example.org/vote#"));
        assert!(text.starts_with("Hello "), "{text}");
        assert!(text.contains("before 2026-11-11 17:00 UTC."));
    }
    let (text, _) = bodies(&mails[4]);
    assert!(text.contains("Eve O'Brien (Rest of the country)"), "{text}");

    // A template without the link is refused before anything is sent.
    std::fs::write(setup.path("nolink.txt"), "Hello {{name}}\n").unwrap();
    let err = send(
        &setup,
        sink.port(),
        &["--text-template", &setup.arg("nolink.txt")],
    )
    .unwrap_err();
    assert!(matches!(err, AuthorityError::Config(_)), "{err}");
}

#[test]
fn a_links_file_with_a_repeated_address_is_refused() {
    let setup = ready();
    let text = std::fs::read_to_string(setup.path("links.jsonl")).unwrap();
    let first = text.lines().next().unwrap().to_string();
    let doubled = first.replace("ada@example.org", "ADA@example.org");
    std::fs::write(setup.path("links.jsonl"), format!("{text}{doubled}\n")).unwrap();
    let err = send(&setup, 1, &["--dry-run"]).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, AuthorityError::LinksFile { line: 6, .. }),
        "{message}"
    );
    assert!(message.contains("line 1"), "{message}");
    // The error names the line, never the link.
    let secret = first.rsplit('.').next().unwrap().trim_end_matches("\"}");
    assert!(!message.contains(secret), "{message}");
}

/// `invite send` over TLS to `localhost` (the name on the test certificate).
fn send_tls(
    setup: &Setup,
    port: u16,
    mode: &str,
    extra: &[&str],
) -> Result<Report, AuthorityError> {
    send_to(setup, "localhost", port, mode, extra)
}

#[test]
fn starttls_and_implicit_tls_deliver_encrypted_with_a_login() {
    let pki = TestPki::new();
    let setup = ready();
    std::fs::write(setup.path("ca.pem"), &pki.ca_pem).unwrap();
    std::fs::write(setup.path("pw"), "tls pass\n").unwrap();
    let login = [
        "--smtp-ca-file",
        &setup.arg("ca.pem"),
        "--smtp-user",
        "ca",
        "--smtp-password-file",
        &setup.arg("pw"),
    ];

    let starttls = SmtpSink::start(SinkConfig {
        login: Some(("ca".into(), "tls pass".into())),
        ..SinkConfig::with_tls(SinkTls::StartTls, &pki)
    });
    let report = send_tls(
        &setup,
        starttls.port(),
        "starttls",
        &[&login[..], &["--limit", "3"]].concat(),
    )
    .unwrap();
    assert_eq!(report.json["sent"], 3);
    assert!(starttls.mails().iter().all(|m| m.encrypted));

    let implicit = SmtpSink::start(SinkConfig {
        login: Some(("ca".into(), "tls pass".into())),
        ..SinkConfig::with_tls(SinkTls::Implicit, &pki)
    });
    let report = send_tls(&setup, implicit.port(), "tls", &login).unwrap();
    assert!(report.success, "{}", report.render());
    assert_eq!(report.json["sent"], 2);
    assert!(implicit.mails().iter().all(|m| m.encrypted));
    let mut all = starttls.mails();
    all.extend(implicit.mails());
    assert_each_got_their_own_link(&all, &setup, &all_emails());
}

#[test]
fn tls_to_an_untrusted_certificate_or_a_server_without_starttls_is_refused() {
    let pki = TestPki::new();
    let setup = ready();
    // Not told to trust the test CA: the certificate does not verify.
    let sink = SmtpSink::start(SinkConfig::with_tls(SinkTls::StartTls, &pki));
    let err = send_tls(&setup, sink.port(), "starttls", &[]).unwrap_err();
    assert!(matches!(err, AuthorityError::Smtp { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("invalid peer certificate"), "{message}");
    assert!(!message.contains("error: Connection error"), "{message}");
    assert!(sink.mails().is_empty());

    // STARTTLS is required, not opportunistic: a server that does not offer
    // it gets nothing.
    std::fs::write(setup.path("ca.pem"), &pki.ca_pem).unwrap();
    let plain = SmtpSink::start(SinkConfig::default());
    let err = send_tls(
        &setup,
        plain.port(),
        "starttls",
        &["--smtp-ca-file", &setup.arg("ca.pem")],
    )
    .unwrap_err();
    assert!(matches!(err, AuthorityError::Smtp { .. }), "{err}");
    assert!(plain.mails().is_empty());
    assert!(!setup.path("status.jsonl").exists());
}
