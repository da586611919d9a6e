//! The signed receipt e-mail request (spec/api.md §2.1).

use proptest::prelude::*;
use psephos_election::ballot::TrackingCode;
use psephos_election::receipt_email::ReceiptEmailRequest;

use crate::common::voter as credential;

const ELECTION: &str = "receipt-mail";

fn request() -> ReceiptEmailRequest {
    ReceiptEmailRequest::sign(
        &credential(1),
        ELECTION,
        TrackingCode([7; 32]),
        "ada@example.org",
    )
}

#[test]
fn the_voter_who_cast_the_ballot_can_ask() {
    let public = credential(1).public(ELECTION);
    assert!(request().verify(&public));
}

#[test]
fn every_changed_field_is_refused() {
    let public = credential(1).public(ELECTION);
    let mut code = request();
    code.tracking_code.0[31] ^= 1;
    assert!(!code.verify(&public), "another ballot");
    let mut address = request();
    address.email = "mallory@example.org".into();
    assert!(!address.verify(&public), "another address");
    let mut case = request();
    case.email = "Ada@example.org".into();
    assert!(!case.verify(&public), "the address exactly as signed");
    for byte in [0, 31, 32, 63] {
        let mut signature = request();
        signature.signature.0[byte] ^= 0x40;
        assert!(!signature.verify(&public), "signature byte {byte}");
    }
}

#[test]
fn another_voter_or_election_cannot_ask() {
    assert!(!request().verify(&credential(2).public(ELECTION)));
    assert!(!request().verify(&credential(1).public("another-election")));
}

#[test]
fn the_json_form_is_strict() {
    let text = serde_json::to_string(&request()).unwrap();
    let back: ReceiptEmailRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(back, request());
    let mut extra: serde_json::Value = serde_json::from_str(&text).unwrap();
    extra["credential"] = serde_json::json!("00");
    assert!(serde_json::from_value::<ReceiptEmailRequest>(extra).is_err());
}

proptest! {
    #[test]
    fn any_address_signs_and_verifies_only_as_itself(
        email in "[a-z0-9.]{1,20}@[a-z]{1,10}\\.org",
        other in "[a-z0-9.]{1,20}@[a-z]{1,10}\\.org",
        code in any::<[u8; 32]>(),
    ) {
        let public = credential(3).public(ELECTION);
        let signed = ReceiptEmailRequest::sign(&credential(3), ELECTION, TrackingCode(code), &email);
        prop_assert!(signed.verify(&public));
        let moved = ReceiptEmailRequest { email: other.clone(), ..signed };
        prop_assert_eq!(moved.verify(&public), other == email);
    }
}

/// `spec/vectors/api/receipt-email.json`: fixed inputs (secret credential,
/// election id, tracking code, address), the public credential derived from
/// them, the exact signed bytes and the Ed25519 signature, which is
/// deterministic. Fails if the checked-in file differs from what the code
/// produces; regenerate deliberately with
/// `PSEPHOS_REGENERATE=1 cargo test -p psephos-election --test it receipt_email`.
#[test]
fn the_spec_vector_is_what_the_code_signs() {
    use psephos_crypto::encoding::to_hex;
    use psephos_election::signing::domain;

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/vectors/api/receipt-email.json");
    let secret = credential(7);
    let election_id = "vector-election";
    let code = TrackingCode(std::array::from_fn(|i| i as u8));
    let email = "ada.lovelace@example.org";
    let signed = ReceiptEmailRequest::sign(&secret, election_id, code, email);
    let public = secret.public(election_id);
    assert!(signed.verify(&public));
    let mut message = domain::RECEIPT_EMAIL.to_vec();
    message.extend_from_slice(&code.0);
    message.extend_from_slice(email.as_bytes());
    let vector = serde_json::json!({
        "scenario": "receipt-email",
        "comment": "A voter's request for their receipt by e-mail (spec/api.md §2.1). The public credential is derived from the secret credential and the election id as spec/record.md §6 says; `signed_bytes` is domain || tracking hash || the address's UTF-8 bytes; `signature` is its Ed25519 signature under the credential key (deterministic, RFC 8032). `request` is the JSON body sent to POST /api/elections/{id}/receipt-email.",
        "secret_credential": secret.to_text().as_str(),
        "election_id": election_id,
        "public_credential": to_hex(public.as_bytes()),
        "tracking_code": code.to_string(),
        "email": email,
        "signed_bytes": to_hex(&message),
        "signature": to_hex(&signed.signature.0),
        "request": signed,
    });
    let text = format!("{}\n", serde_json::to_string_pretty(&vector).unwrap());
    if std::env::var_os("PSEPHOS_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        stored,
        text,
        "{} differs from what the code signs",
        path.display()
    );
    // And the file, read as data, verifies on its own terms.
    let read: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let request: ReceiptEmailRequest = serde_json::from_value(read["request"].clone()).unwrap();
    assert!(request.verify(&public));
    // `signed_bytes`, as given, is exactly what the signature covers.
    let key = psephos_election::signing::PublicSigningKey::from_bytes(public.as_bytes()).unwrap();
    assert!(key.verify(&[], &message, &request.signature));
}
