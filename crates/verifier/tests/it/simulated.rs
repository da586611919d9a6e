//! The fixtures themselves: the simulated records verify, every check ran
//! and passed, and the record survives the test helpers' round trip
//! byte for byte (so that a mutation changes only what it means to).

use psephos_election::board::messages::BoardMessage;
use psephos_verifier::{Check, Status};

use crate::common::{cheating, describe, honest, verify_bytes, Fixture, Record};

fn assert_verifies(fixture: &Fixture) {
    let report = verify_bytes(&fixture.bytes).expect("readable");
    assert!(report.verified, "failures:\n{}", describe(&report));
    assert_eq!(report.checks.len(), Check::ALL.len());
    for check in &report.checks {
        assert_eq!(check.status, Status::Pass, "{}", check.id);
        assert_eq!(check.failure_count, 0, "{}", check.id);
    }
    assert_eq!(report.leaves, fixture.report.leaves);
    assert_eq!(
        report.result.as_ref(),
        Some(&fixture.report.result),
        "the verified result is the simulation's"
    );
    assert_eq!(
        report.election_id.as_deref(),
        Some(fixture.election.manifest.election_id.as_str())
    );
}

#[test]
fn honest_record_verifies() {
    assert_verifies(honest());
}

#[test]
fn cheating_dealer_record_verifies_with_the_dealer_disqualified() {
    let fixture = cheating();
    assert_verifies(fixture);
    assert_eq!(fixture.report.disqualified.len(), 1);
    assert_eq!(fixture.report.disqualified[0].trustee.get(), 2);
    let report = verify_bytes(&fixture.bytes).expect("readable");
    let ceremony = report
        .checks
        .iter()
        .find(|c| c.id == "V6")
        .expect("V6 in the report");
    assert!(
        ceremony.checked >= 1,
        "the complaints were decided: {ceremony:?}"
    );
}

/// The tamper suite relies on these: revotes, audits, absent trustees,
/// several ballot styles.
#[test]
fn honest_fixture_has_what_the_mutations_need() {
    let fixture = honest();
    let report = &fixture.report;
    assert!(report.revotes >= 2, "{} revotes", report.revotes);
    assert!(report.audits >= 2, "{} audits", report.audits);
    assert_eq!(report.decrypted_by.len(), 3);
    assert!(fixture.election.layouts.len() >= 2);
    let record = &fixture.record;
    assert_eq!(
        record.find("ballot").len() + record.find("ballot-audit").len(),
        report.ballots_cast + report.audits
    );
    assert_eq!(record.counted().len(), 30);
    let (first, second) = record.revote();
    assert!(first < second);
}

#[test]
fn records_round_trip_byte_for_byte() {
    for fixture in [honest(), cheating()] {
        assert_eq!(Record::parse(&fixture.bytes).to_bytes(), fixture.bytes);
        for (index, leaf) in fixture.record.leaves.iter().enumerate() {
            let message = BoardMessage::from_leaf(leaf).expect("parses");
            assert_eq!(&message.to_leaf(), leaf, "leaf {index} re-serialises");
        }
    }
}

#[test]
fn resigning_an_untouched_record_changes_nothing_that_matters() {
    let fixture = honest();
    let mut record = fixture.tamper();
    record.resign(fixture.board_key());
    assert_eq!(record.checkpoint.root, fixture.record.checkpoint.root);
    assert_eq!(record.checkpoint.size, fixture.record.checkpoint.size);
    assert!(record.verify().verified);
}
