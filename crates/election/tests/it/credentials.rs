//! Secret credentials, voting links and the signed credential list.

use ed25519_dalek::SigningKey;
use psephos_crypto::context::CredentialKey;
use psephos_election::canonical::to_canonical_json;
use psephos_election::credentials::{
    CredentialEntry, CredentialList, SecretCredential, VotingLink, CREDENTIAL_BYTES,
};
use psephos_election::error::CredentialError;
use psephos_election::signing::{domain, sign, PublicSigningKey};
use serde_json::json;

use crate::common::{
    credential_entries, credential_list, fixture, manifest, rng, voter, ELECTION_ID, NORTH, SOUTH,
};

#[test]
fn text_form_round_trips() {
    for n in 0..20 {
        let secret = voter(n);
        let text = secret.to_text();
        assert_eq!(text.len(), 32);
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)));
        let parsed = SecretCredential::parse(&text).unwrap();
        assert_eq!(parsed.to_text(), text);
        assert_eq!(parsed.public(ELECTION_ID), secret.public(ELECTION_ID));
    }
}

#[test]
fn parsing_ignores_case_and_surrounding_whitespace() {
    let secret = voter(3);
    let text = secret.to_text();
    let lower = text.to_ascii_lowercase();
    let mixed: String = text
        .chars()
        .enumerate()
        .map(|(k, c)| {
            if k % 2 == 0 {
                c.to_ascii_lowercase()
            } else {
                c
            }
        })
        .collect();
    for form in [lower, mixed, format!("  {}\n", text.as_str())] {
        assert_eq!(SecretCredential::parse(&form).unwrap().to_text(), text);
    }
}

#[test]
fn malformed_credentials_are_rejected() {
    let text = voter(4).to_text().to_string();
    let bad = [
        String::new(),
        text[..31].to_string(),
        format!("{text}A"),
        format!("{}1", &text[..31]),
        format!("{}0", &text[..31]),
        format!("{}8", &text[..31]),
        format!("{}=", &text[..31]),
        format!("{}-{}", &text[..16], &text[16..31]),
        format!("{}é", &text[..30]),
        "A".repeat(40),
    ];
    for form in bad {
        assert!(
            matches!(
                SecretCredential::parse(&form),
                Err(CredentialError::Malformed)
            ),
            "{form:?} was accepted"
        );
    }
}

#[test]
fn debug_output_never_shows_the_secret() {
    let secret = voter(5);
    let shown = format!("{secret:?}");
    assert_eq!(shown, "SecretCredential(<redacted>)");
    assert!(!shown.contains(secret.to_text().as_str()));
}

#[test]
fn generated_credentials_carry_160_bits() {
    assert_eq!(CREDENTIAL_BYTES, 20);
    let mut r = rng(8);
    let a = SecretCredential::generate_with_rng(&mut r);
    let b = SecretCredential::generate_with_rng(&mut r);
    assert_ne!(a.to_text(), b.to_text());
}

#[test]
fn derivation_is_deterministic_and_bound_to_the_election() {
    let secret = voter(6);
    let again = SecretCredential::parse(&secret.to_text()).unwrap();
    assert_eq!(secret.public(ELECTION_ID), again.public(ELECTION_ID));
    assert_eq!(
        secret.signing_key(ELECTION_ID).to_bytes(),
        again.signing_key(ELECTION_ID).to_bytes()
    );
    // The public credential is the signing key's verifying key.
    assert_eq!(
        secret.public(ELECTION_ID).as_bytes(),
        secret.signing_key(ELECTION_ID).verifying_key().as_bytes()
    );
    // Another election, even one whose id is a prefix or extension, gives
    // an unrelated key.
    let mut keys = vec![secret.public(ELECTION_ID)];
    for other in [
        "agm-2027",
        "agm-2026",
        "agm-2026.members_vot",
        "agm-2026.members_vote2",
    ] {
        let key = secret.public(other);
        assert!(!keys.contains(&key), "{other}");
        keys.push(key);
    }
    // Different secrets give different keys.
    assert_ne!(voter(6).public(ELECTION_ID), voter(7).public(ELECTION_ID));
}

#[test]
fn voting_links_round_trip() {
    let secret = voter(9);
    let link = VotingLink {
        election_id: ELECTION_ID.into(),
        credential: secret.clone(),
    };
    for base in ["https://vote.example.org", "https://vote.example.org/"] {
        let url = link.to_url(base);
        assert_eq!(
            url.as_str(),
            format!(
                "https://vote.example.org/vote#{ELECTION_ID}.{}",
                secret.to_text().as_str()
            )
        );
        let parsed = VotingLink::parse(&url).unwrap();
        assert_eq!(parsed.election_id, ELECTION_ID);
        assert_eq!(parsed.credential.to_text(), secret.to_text());
    }
}

#[test]
fn voting_links_parse_bare_fragments() {
    let secret = voter(10);
    let text = secret.to_text();
    let fragment = format!("{ELECTION_ID}.{}", text.as_str());
    let longest = format!("{}.{}", "x".repeat(64), text.as_str());
    assert_eq!(VotingLink::parse(&longest).unwrap().election_id.len(), 64);
    for form in [
        fragment.clone(),
        format!("#{fragment}"),
        format!("{ELECTION_ID}.{}", text.to_ascii_lowercase()),
    ] {
        let parsed = VotingLink::parse(&form).unwrap();
        assert_eq!(parsed.election_id, ELECTION_ID, "{form}");
        assert_eq!(parsed.credential.to_text(), text);
    }
}

#[test]
fn bad_links_are_rejected() {
    let text = voter(11).to_text().to_string();
    let bad = [
        String::new(),
        "https://vote.example.org/vote".into(),
        "https://vote.example.org/vote#".into(),
        format!("https://vote.example.org/vote#{text}"),
        format!("https://vote.example.org/vote#.{text}"),
        format!(
            "https://vote.example.org/vote#{ELECTION_ID}.{}",
            &text[..31]
        ),
        format!(
            "https://vote.example.org/vote#{ELECTION_ID}.{}1",
            &text[..31]
        ),
        format!("https://vote.example.org/vote#{ELECTION_ID}.{text}."),
        format!("{ELECTION_ID}{text}"),
        // The election id must be a valid id: no URL without a fragment
        // passes for one.
        format!("https://vote.example.org/vote?e.{text}"),
        format!("agm 2026.{text}"),
        format!("{}.{text}", "x".repeat(65)),
    ];
    for link in bad {
        assert!(
            matches!(VotingLink::parse(&link), Err(CredentialError::BadLink)),
            "{link:?} was accepted"
        );
    }
}

#[test]
fn a_signed_list_verifies_and_is_sorted() {
    let list = credential_list(12);
    list.verify(&manifest()).unwrap();
    assert_eq!(list.election_id, ELECTION_ID);
    assert_eq!(list.credentials.len(), 12);
    assert!(list
        .credentials
        .windows(2)
        .all(|w| w[0].credential < w[1].credential));
    // Same list whatever the input order.
    let mut reversed = credential_entries(12);
    reversed.reverse();
    let again = CredentialList::sign(ELECTION_ID, reversed, &fixture().authority_key).unwrap();
    assert_eq!(again, list);
    // And through JSON.
    let json = serde_json::to_vec(&list).unwrap();
    let back: CredentialList = serde_json::from_slice(&json).unwrap();
    back.verify(&manifest()).unwrap();
    assert_eq!(back, list);
}

#[test]
fn find_looks_up_every_credential() {
    let list = credential_list(12);
    for n in 0..12 {
        let key = voter(n).public(ELECTION_ID);
        let entry = list.find(&key).unwrap();
        assert_eq!(entry.credential, key);
        assert_eq!(entry.style, if n % 2 == 0 { NORTH } else { SOUTH });
    }
    assert!(list.find(&voter(12).public(ELECTION_ID)).is_none());
    assert!(list.find(&voter(0).public("agm-2027")).is_none());
    assert!(list.find(&CredentialKey::from_bytes([0; 32])).is_none());
    assert!(list.find(&CredentialKey::from_bytes([0xff; 32])).is_none());
    let empty = CredentialList::sign(ELECTION_ID, Vec::new(), &fixture().authority_key).unwrap();
    empty.verify(&manifest()).unwrap();
    assert!(empty.find(&voter(0).public(ELECTION_ID)).is_none());
}

/// Signs a list body exactly as given (no sorting), as a careless or
/// dishonest authority might.
fn sign_raw(
    election_id: &str,
    credentials: Vec<CredentialEntry>,
    key: &SigningKey,
) -> CredentialList {
    let body = to_canonical_json(&json!({
        "election_id": election_id,
        "credentials": credentials,
    }))
    .unwrap();
    CredentialList {
        election_id: election_id.into(),
        credentials,
        signature: sign(key, domain::CREDENTIAL_LIST, &body),
    }
}

#[track_caller]
fn rejected(list: &CredentialList, expected: CredentialError) {
    assert_eq!(list.verify(&manifest()), Err(expected));
}

#[test]
fn raw_signing_matches_the_authority_tool() {
    let list = credential_list(6);
    let raw = sign_raw(
        ELECTION_ID,
        list.credentials.clone(),
        &fixture().authority_key,
    );
    assert_eq!(raw, list);
}

#[test]
fn tampered_lists_are_rejected() {
    let list = credential_list(8);
    let bad = CredentialError::BadListSignature;

    let mut changed_style = list.clone();
    let entry = &mut changed_style.credentials[3];
    entry.style = if entry.style == NORTH { SOUTH } else { NORTH }.into();
    rejected(&changed_style, bad.clone());

    let mut added = list.clone();
    added.credentials.push(CredentialEntry {
        credential: CredentialKey::from_bytes([0xff; 32]),
        style: NORTH.into(),
    });
    rejected(&added, bad.clone());

    let mut removed = list.clone();
    removed.credentials.remove(0);
    rejected(&removed, bad.clone());

    let mut replaced = list.clone();
    replaced.credentials[5].credential = voter(100).public(ELECTION_ID);
    rejected(&replaced, bad.clone());

    let mut renamed = list.clone();
    renamed.election_id = "agm-2027".into();
    rejected(&renamed, bad.clone());

    let mut flipped = list.clone();
    flipped.signature.0[10] ^= 1;
    rejected(&flipped, bad.clone());

    // Validly signed, but by someone else.
    let impostor = SigningKey::generate(&mut rng(77));
    let forged = CredentialList::sign(ELECTION_ID, credential_entries(8), &impostor).unwrap();
    rejected(&forged, bad.clone());
    // Validly signed by the authority, but for another election.
    let other = sign_raw(
        "agm-2027",
        list.credentials.clone(),
        &fixture().authority_key,
    );
    rejected(&other, bad.clone());
    // The authority's signature under another domain.
    let mut wrong_domain = list.clone();
    let body = to_canonical_json(&json!({
        "election_id": ELECTION_ID,
        "credentials": list.credentials,
    }))
    .unwrap();
    wrong_domain.signature = sign(&fixture().authority_key, domain::TRUSTEE_MESSAGE, &body);
    rejected(&wrong_domain, bad);
}

#[test]
fn wrong_authority_key_in_the_manifest_is_rejected() {
    let list = credential_list(4);
    let mut m = manifest();
    m.credential_authority_key = PublicSigningKey::from(&fixture().board_key);
    assert_eq!(list.verify(&m), Err(CredentialError::BadListSignature));
}

#[test]
fn unsorted_and_duplicate_lists_are_rejected_even_when_signed() {
    let key = &fixture().authority_key;
    let sorted = credential_list(6).credentials;

    let mut unsorted = sorted.clone();
    unsorted.swap(1, 4);
    rejected(
        &sign_raw(ELECTION_ID, unsorted, key),
        CredentialError::Unsorted,
    );

    let mut reversed = sorted.clone();
    reversed.reverse();
    rejected(
        &sign_raw(ELECTION_ID, reversed, key),
        CredentialError::Unsorted,
    );

    // The same credential twice, even with the same style.
    let mut duplicate = sorted.clone();
    duplicate.insert(2, sorted[2].clone());
    rejected(
        &sign_raw(ELECTION_ID, duplicate, key),
        CredentialError::Unsorted,
    );

    // The same credential under two styles.
    let mut two_styles = sorted.clone();
    let mut twin = sorted[2].clone();
    twin.style = if twin.style == NORTH { SOUTH } else { NORTH }.into();
    two_styles.insert(3, twin);
    rejected(
        &sign_raw(ELECTION_ID, two_styles, key),
        CredentialError::Unsorted,
    );

    // CredentialList::sign sorts, but does not drop duplicates.
    let mut entries = credential_entries(4);
    entries.push(entries[0].clone());
    let signed = CredentialList::sign(ELECTION_ID, entries, key).unwrap();
    rejected(&signed, CredentialError::Unsorted);
}

#[test]
fn unknown_styles_are_rejected() {
    let mut entries = credential_entries(5);
    entries[2].style = "west".into();
    let list = CredentialList::sign(ELECTION_ID, entries, &fixture().authority_key).unwrap();
    rejected(&list, CredentialError::UnknownStyle("west".into()));
}

#[test]
fn unknown_fields_are_rejected() {
    let list = credential_list(2);
    let mut v = serde_json::to_value(&list).unwrap();
    v["credentials"][0]["weight"] = json!(2);
    assert!(serde_json::from_value::<CredentialList>(v).is_err());
    let mut v = serde_json::to_value(&list).unwrap();
    v["issued"] = json!("2026-11-01");
    assert!(serde_json::from_value::<CredentialList>(v).is_err());
}
