//! `credentials keygen` and `credentials generate`.

use std::collections::HashSet;

use psephos_authority::AuthorityError;
use psephos_election::credentials::{CredentialList, VotingLink};

use crate::common::{self, mode, run, Setup, BASE_URL, ELECTION_ID, MEMBERS};

fn list(setup: &Setup) -> CredentialList {
    serde_json::from_slice(&std::fs::read(setup.path("list.json")).unwrap()).unwrap()
}

#[test]
fn keygen_writes_a_private_key_file_and_prints_its_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.key");
    let report = run([
        "credentials",
        "keygen",
        "--out",
        path.to_str().unwrap(),
        "--json",
    ])
    .unwrap();
    let public = report.json["public_key"].as_str().unwrap().to_string();
    assert_eq!(public.len(), 64);
    assert!(public.bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);

    // public-key reads it back; the text form is just the key.
    let again = run(["credentials", "public-key", "--key", path.to_str().unwrap()]).unwrap();
    assert_eq!(again.render(), public);

    // No silent replacement of an authority key.
    let err = run(["credentials", "keygen", "--out", path.to_str().unwrap()]).unwrap_err();
    assert!(matches!(err, AuthorityError::Exists { .. }), "{err}");
    let replaced = run([
        "credentials",
        "keygen",
        "--out",
        path.to_str().unwrap(),
        "--force",
        "--json",
    ])
    .unwrap();
    assert_ne!(replaced.json["public_key"].as_str().unwrap(), public);
}

#[test]
fn generated_list_verifies_and_every_link_is_its_members_credential() {
    let setup = Setup::new();
    let report = setup.generate().unwrap();
    assert!(report.success);
    assert_eq!(report.json["members"], MEMBERS.len());
    assert_eq!(report.json["by_style"]["london"], 2);
    assert_eq!(report.json["by_style"]["national"], 3);
    assert_eq!(report.json["authority_key"], setup.key.public_hex());

    let list = list(&setup);
    list.verify(&setup.manifest).unwrap();
    assert_eq!(list.election_id, ELECTION_ID);
    assert_eq!(list.credentials.len(), MEMBERS.len());

    let links = setup.links();
    assert_eq!(links.len(), MEMBERS.len());
    let mut seen = HashSet::new();
    for (member, line) in MEMBERS.iter().zip(&links) {
        // Roll order, the member's own details.
        assert_eq!(line["name"], member.name);
        assert_eq!(line["email"], member.email);
        assert_eq!(line["style"], member.style);
        let url = line["link"].as_str().unwrap();
        assert!(
            url.starts_with("https://vote.example.org/vote#branch-ballot.2026."),
            "{url}"
        );
        let link = VotingLink::parse(url).unwrap();
        assert_eq!(link.election_id, ELECTION_ID);
        let public = link.credential.public(ELECTION_ID);
        let entry = list
            .find(&public)
            .expect("the member's credential is on the list");
        assert_eq!(entry.style, member.style);
        assert!(seen.insert(public), "two members share a credential");
    }

    // Only the public list is fit for the server: it holds no secret.
    let list_text = std::fs::read_to_string(setup.path("list.json")).unwrap();
    for line in &links {
        let url = line["link"].as_str().unwrap();
        let secret = url.rsplit('.').next().unwrap();
        assert!(!list_text.contains(secret));
        assert!(!list_text.contains(line["email"].as_str().unwrap()));
    }
    #[cfg(unix)]
    assert_eq!(mode(&setup.path("links.jsonl")), 0o600);
}

#[test]
fn a_bad_roll_reports_every_bad_row_and_writes_nothing() {
    let setup = Setup::new();
    std::fs::write(
        setup.path("roll.csv"),
        "name,email,style\n\
         Ada,ada@example.org,london\n\
         ,nobody@example.org,london\n\
         Bob,bob-at-example.org,national\n\
         Cy,cy@example.org,mars\n\
         Ada twin,ADA@example.org,national\n",
    )
    .unwrap();
    let err = setup.generate().unwrap_err();
    let AuthorityError::Roll { errors, .. } = &err else {
        panic!("expected roll errors, got {err}");
    };
    let found: Vec<(usize, Option<&str>)> =
        errors.iter().map(|e| (e.row, e.field.as_deref())).collect();
    assert_eq!(
        found,
        vec![
            (2, Some("name")),
            (3, Some("email")),
            (4, Some("style")),
            (5, Some("email"))
        ]
    );
    let message = err.to_string();
    assert!(message.contains("row 4: style"), "{message}");
    assert!(message.contains("4 bad row(s)"), "{message}");
    assert!(!setup.path("links.jsonl").exists());
    assert!(!setup.path("list.json").exists());

    // An empty roll is refused too.
    std::fs::write(setup.path("roll.csv"), "name,email,style\n").unwrap();
    assert!(matches!(setup.generate(), Err(AuthorityError::Roll { .. })));
    assert!(!setup.path("links.jsonl").exists());
}

#[test]
fn existing_links_are_kept_unless_forced() {
    let setup = Setup::new();
    setup.generate().unwrap();
    let first = std::fs::read(setup.path("links.jsonl")).unwrap();
    let err = setup.generate().unwrap_err();
    assert!(matches!(err, AuthorityError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("--force"));
    assert_eq!(std::fs::read(setup.path("links.jsonl")).unwrap(), first);

    let report = common::run([
        "credentials",
        "generate",
        "--manifest",
        &setup.arg("manifest.json"),
        "--roll",
        &setup.arg("roll.csv"),
        "--key",
        &setup.arg("authority.key"),
        "--base-url",
        BASE_URL,
        "--list-out",
        &setup.arg("list.json"),
        "--links-out",
        &setup.arg("links.jsonl"),
        "--force",
    ])
    .unwrap();
    assert!(report.render().contains("5 credentials issued"));
    // Fresh credentials: the old links are not reissued.
    assert_ne!(std::fs::read(setup.path("links.jsonl")).unwrap(), first);
    list(&setup).verify(&setup.manifest).unwrap();
    // Nothing but the two outputs and the inputs in the directory.
    let mut names: Vec<String> = std::fs::read_dir(setup.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "authority.key",
            "links.jsonl",
            "list.json",
            "manifest.json",
            "roll.csv"
        ]
    );
}

#[test]
fn a_key_the_manifest_does_not_name_is_refused() {
    let setup = Setup::new();
    let other = psephos_authority::keys::AuthorityKey::generate_with_rng(&mut common::rng(99));
    other.save(&setup.path("authority.key"), true).unwrap();
    let err = setup.generate().unwrap_err();
    assert!(matches!(err, AuthorityError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&other.public_hex()));
    assert!(!setup.path("links.jsonl").exists());
    assert!(!setup.path("list.json").exists());
}

#[test]
fn an_http_base_url_for_a_public_host_is_refused() {
    let setup = Setup::new();
    let err = run([
        "credentials",
        "generate",
        "--manifest",
        &setup.arg("manifest.json"),
        "--roll",
        &setup.arg("roll.csv"),
        "--key",
        &setup.arg("authority.key"),
        "--base-url",
        "http://vote.example.org",
        "--list-out",
        &setup.arg("list.json"),
        "--links-out",
        &setup.arg("links.jsonl"),
    ])
    .unwrap_err();
    assert!(matches!(err, AuthorityError::BaseUrl { .. }), "{err}");
    assert!(!setup.path("links.jsonl").exists());
}
