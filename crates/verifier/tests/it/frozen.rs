//! Records on disk: the frozen record in `tests/data/frozen-v1/` that this
//! and every later version must verify, and the must-fail records in
//! `spec/vectors/records/`, each rejected with the check its sidecar names.
//!
//! The must-fail records are the frozen record with one tamper-suite
//! mutation each. To write them again (only when adding a vector), run
//! `PSEPHOS_WRITE_RECORD_VECTORS=1 cargo test -p psephos-verifier --test it frozen::`:
//! the keys are recovered by simulating the frozen election again with the
//! same seed, and the frozen record itself is never rewritten.

use std::path::{Path, PathBuf};

use psephos::simulate::{run, SimulationConfig};
use psephos_election::tally::ElectionResult;
use serde::{Deserialize, Serialize};

use crate::common::{describe, failed, verify_bytes, Fixture};
use crate::tamper::case;

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn frozen_dir() -> PathBuf {
    workspace().join("tests/data/frozen-v1")
}

fn vectors_dir() -> PathBuf {
    workspace().join("spec/vectors/records")
}

fn frozen_bytes() -> Vec<u8> {
    std::fs::read(frozen_dir().join("record.jsonl")).expect("the frozen record")
}

#[test]
fn frozen_record_verifies() {
    let report = verify_bytes(&frozen_bytes()).expect("the frozen record is readable");
    assert!(report.verified, "failures:\n{}", describe(&report));
    assert_eq!(report.election_id.as_deref(), Some("simulation-10"));
    assert_eq!(report.leaves, 28);
    let expected: ElectionResult = serde_json::from_slice(
        &std::fs::read(frozen_dir().join("result.json")).expect("result.json"),
    )
    .expect("a result");
    assert_eq!(report.result, Some(expected));
}

/// A must-fail record's sidecar.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sidecar {
    /// What was done to the frozen record.
    comment: String,
    /// The record file, beside the sidecar.
    record: String,
    /// The tamper-suite case that made it.
    mutation: String,
    /// The check the mutation is about, or `unreadable` (exit code 2).
    expect: String,
    /// Every check that fails, sorted.
    failed_checks: Vec<String>,
}

#[test]
fn must_fail_records_are_rejected_with_their_check() {
    if std::env::var_os("PSEPHOS_WRITE_RECORD_VECTORS").is_some() {
        write_vectors();
    }
    let frozen = frozen_bytes();
    let mut sidecars: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("spec/vectors/records")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    sidecars.sort();
    assert!(sidecars.len() >= 10, "{} vectors", sidecars.len());
    for path in &sidecars {
        let sidecar: Sidecar =
            serde_json::from_slice(&std::fs::read(path).expect("sidecar")).expect("a sidecar");
        let name = path.display();
        let bytes = std::fs::read(vectors_dir().join(&sidecar.record)).expect("the record");
        assert_ne!(bytes, frozen, "{name}: the record is the frozen one");
        assert!(bytes.len() < 200_000, "{name}: keep vectors small");
        match verify_bytes(&bytes) {
            Err(e) => assert_eq!(sidecar.expect, "unreadable", "{name}: unreadable: {e}"),
            Ok(report) => {
                assert!(!report.verified, "{name}: verifies");
                assert!(
                    report.failed_check(&sidecar.expect),
                    "{name}: {} did not fail:\n{}",
                    sidecar.expect,
                    describe(&report)
                );
                let found: Vec<String> = sorted(failed(&report).into_iter());
                assert_eq!(
                    found,
                    sidecar.failed_checks,
                    "{name}:\n{}",
                    describe(&report)
                );
            }
        }
    }
}

fn sorted<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = ids.map(str::to_string).collect();
    out.sort_unstable_by_key(|id| id[1..].parse::<u32>().unwrap_or(0));
    out
}

/// The must-fail vectors: a tamper-suite case and what it does, in words.
const VECTORS: &[(&str, &str)] = &[
    (
        "ciphertext_bit_flipped",
        "One bit flipped in a counted ballot's first ciphertext (still a valid point); checkpoint re-signed.",
    ),
    (
        "selections_swapped_with_their_proofs",
        "A counted ballot's Yes and No selections swapped, each with its own valid proof; checkpoint re-signed.",
    ),
    (
        "ballot_removed_checkpoint_resigned",
        "A counted ballot removed from the log; checkpoint re-signed over the remaining leaves.",
    ),
    (
        "ballot_duplicated",
        "A counted ballot published twice in a row; checkpoint re-signed.",
    ),
    (
        "ballot_under_unknown_credential",
        "A valid ballot signed by a credential that is not on the credential list; checkpoint re-signed.",
    ),
    (
        "revotes_reordered",
        "A voter's first and second ballots swapped, so the earlier choice counts; checkpoint re-signed.",
    ),
    (
        "audited_ballot_counted",
        "A Benaloh-audited ballot published as a cast ballot (its signature is under the audit domain); checkpoint re-signed.",
    ),
    (
        "tally_replaced_by_subset_sum_and_redecrypted",
        "The encrypted tally of all counted ballots but one, correctly decrypted by the trustees, with its true result; checkpoint re-signed.",
    ),
    (
        "result_count_changed",
        "One count of the published result increased, per style and overall; checkpoint re-signed.",
    ),
    (
        "fewer_than_t_shares",
        "A trustee's decryption removed, leaving fewer than t shares; checkpoint re-signed.",
    ),
    (
        "joint_key_replaced",
        "The joint key in the election-key leaf replaced by the generator; checkpoint re-signed.",
    ),
    (
        "checkpoint_root_changed",
        "One bit flipped in the final checkpoint's root.",
    ),
];

/// The frozen election, simulated again for its keys.
fn frozen_fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("directory");
    let config = SimulationConfig {
        voters: 6,
        proposals: 2,
        candidates: 2,
        trustees: 4,
        threshold: 2,
        absent: 1,
        cheating_dealer: Some(3),
        revote_percent: 30,
        audit_percent: 30,
        seed: 10,
        output: dir.path().join("record.jsonl"),
        progress: false,
    };
    let report = run(&config).expect("simulates");
    let fixture = Fixture::new(report, frozen_bytes());
    assert_eq!(
        fixture.report.manifest.board_key, fixture.election.manifest.board_key,
        "the simulation no longer reproduces the frozen record's keys"
    );
    fixture
}

fn write_vectors() {
    let fixture = frozen_fixture();
    let dir = vectors_dir();
    std::fs::create_dir_all(&dir).expect("directory");
    for (mutation, comment) in VECTORS {
        let case = case(mutation);
        let mut record = fixture.tamper();
        (case.mutate)(&mut record, &fixture);
        let report = record.verify();
        let mut expected = sorted(case.expect.iter().copied());
        expected.dedup();
        let found = sorted(failed(&report).into_iter());
        assert_eq!(found, expected, "{mutation}:\n{}", describe(&report));
        let stem = mutation.replace('_', "-");
        write(
            &dir,
            &stem,
            &record.to_bytes(),
            mutation,
            comment,
            case.expect[0],
            found,
        );
    }
    let bytes = frozen_bytes();
    let cut = bytes.len() * 2 / 3;
    write(
        &dir,
        "truncated",
        &bytes[..cut],
        "none",
        &format!("The frozen record cut at byte {cut}, mid-line: no final checkpoint."),
        "unreadable",
        Vec::new(),
    );
}

fn write(
    dir: &Path,
    stem: &str,
    bytes: &[u8],
    mutation: &str,
    comment: &str,
    expect: &str,
    failed_checks: Vec<String>,
) {
    let record = format!("{stem}.jsonl");
    std::fs::write(dir.join(&record), bytes).expect("write record");
    let sidecar = Sidecar {
        comment: comment.to_string(),
        record,
        mutation: mutation.to_string(),
        expect: expect.to_string(),
        failed_checks,
    };
    let mut json = serde_json::to_vec_pretty(&sidecar).expect("JSON");
    json.push(b'\n');
    std::fs::write(dir.join(format!("{stem}.json")), json).expect("write sidecar");
}
