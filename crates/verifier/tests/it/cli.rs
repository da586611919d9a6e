//! The `psephos-verify` binary: exit code 0 verified, 1 not verified,
//! 2 unreadable; `--json` output that machines can read.

use std::path::Path;
use std::process::{Command, Output};

use psephos_election::board::messages::BoardMessage;

use crate::common::{honest, write_bytes, Record};

fn psephos_verify(args: &[&str], record: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_psephos-verify"))
        .args(args)
        .arg(record)
        .output()
        .expect("psephos-verify runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The honest record with one count of the published result changed and
/// the checkpoint properly re-signed: only V20 fails.
pub fn tampered_result() -> Record {
    let fixture = honest();
    let mut record = fixture.tamper();
    let leaf = record.only("result");
    record.edit(leaf, |m| {
        if let BoardMessage::Result(result) = m {
            result.overall[0].counts[0] += 1;
        }
    });
    record.resign(fixture.board_key());
    record
}

#[test]
fn a_valid_record_exits_0() {
    let file = write_bytes(&honest().bytes);
    let out = psephos_verify(&[], file.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(": VERIFIED"), "{stdout}");
    for check in psephos_verifier::Check::ALL {
        assert!(
            stdout.contains(check.id()),
            "{} listed: {stdout}",
            check.id()
        );
    }
}

#[test]
fn a_tampered_record_exits_1_and_names_the_check() {
    let file = tampered_result().write();
    let out = psephos_verify(&[], file.path());
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("NOT VERIFIED"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("V20"))
        .expect("a V20 line");
    assert!(line.contains("FAIL"), "{line}");
    assert!(
        stdout.contains("differ from the decrypted tally"),
        "{stdout}"
    );
}

#[test]
fn a_truncated_record_exits_2_and_names_the_offset() {
    let bytes = &honest().bytes;
    let cut = bytes.len() / 2;
    let file = write_bytes(&bytes[..cut]);
    let out = psephos_verify(&[], file.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("byte offset {cut}")), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_garbled_record_exits_2_and_names_the_leaf() {
    let mut record = honest().tamper();
    record.leaves[4] = b"{not json".to_vec();
    let file = record.write();
    let out = psephos_verify(&["--json"], file.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 6 (leaf 4)"), "{stderr}");
}

#[test]
fn a_missing_file_exits_2() {
    let dir = tempfile::tempdir().expect("directory");
    let out = psephos_verify(&[], &dir.path().join("no-such-record.jsonl"));
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).is_empty());
}

#[test]
fn json_output_names_the_failed_check() {
    let file = tampered_result().write();
    let out = psephos_verify(&["--json"], file.path());
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let report = &json["report"];
    assert_eq!(report["verified"], false);
    assert!(
        report.get("result").is_none(),
        "no result when not verified"
    );
    let checks = report["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), psephos_verifier::Check::ALL.len());
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(failed, ["V20"]);
    let v20 = checks.iter().find(|c| c["id"] == "V20").expect("V20");
    let leaf = honest().record.only("result") as u64;
    assert_eq!(v20["failures"][0]["leaf"], leaf);
}

#[test]
fn json_output_of_a_valid_record_has_the_result() {
    let file = write_bytes(&honest().bytes);
    let out = psephos_verify(&["--json", "--threads", "1"], file.path());
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["report"]["verified"], true);
    let result: psephos_election::tally::ElectionResult =
        serde_json::from_value(json["report"]["result"].clone()).expect("a result");
    assert_eq!(result, honest().report.result);
}

#[test]
fn quiet_output_is_only_the_verdict() {
    let file = write_bytes(&honest().bytes);
    let out = psephos_verify(&["-q"], file.path());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("VERIFIED"), "{stdout}");
}

/// FINDING: `psephos-verify record | head -1` panics ("failed printing to
/// stdout: Broken pipe") and exits with 101 instead of ending quietly.
#[test]
fn a_closed_stdout_does_not_panic() {
    let file = write_bytes(&honest().bytes);
    let mut child = Command::new(env!("CARGO_BIN_EXE_psephos-verify"))
        .arg(file.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("psephos-verify runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("waits");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101));
}
