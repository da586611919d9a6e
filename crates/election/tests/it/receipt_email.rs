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
