//! Unreadable input: truncated, garbled or empty records give an error
//! that names the line, leaf or byte offset, and never a panic; records
//! corrupted anywhere never verify.

use std::panic::{catch_unwind, AssertUnwindSafe};

use psephos_crypto::encoding::to_hex;
use psephos_election::error::RecordError;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::common::{honest, verify_bytes};

/// Verifies, turning a panic into a test failure that names the input.
fn verify_no_panic(bytes: &[u8], what: &str) -> Result<psephos_verifier::Report, RecordError> {
    catch_unwind(AssertUnwindSafe(|| verify_bytes(bytes)))
        .unwrap_or_else(|_| panic!("the verifier panicked on {what}"))
}

fn unreadable(bytes: &[u8], what: &str) -> String {
    match verify_no_panic(bytes, what) {
        Ok(report) => panic!(
            "{what}: expected an unreadable record, got a report (verified: {})",
            report.verified
        ),
        Err(e) => e.to_string(),
    }
}

/// Byte offset where line `line` (0-based) starts.
fn line_start(bytes: &[u8], line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(line - 1)
        .map(|(i, _)| i + 1)
        .expect("the line exists")
}

#[test]
fn empty_file_is_unreadable_at_line_1() {
    let message = unreadable(b"", "an empty file");
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn wrong_headers_are_unreadable_at_line_1() {
    let body = &honest().bytes[line_start(&honest().bytes, 1)..];
    for header in [
        &b"{\"format\":\"psephos/record/v2\"}\n"[..],
        b"{\"format\":\"psephos/record/v1\",\"extra\":1}\n",
        b"{\"checkpoint\":{}}\n",
        b"psephos/record/v1\n",
        b"\n",
    ] {
        let mut bytes = header.to_vec();
        bytes.extend_from_slice(body);
        let what = format!("header {:?}", String::from_utf8_lossy(header));
        let message = unreadable(&bytes, &what);
        assert!(message.contains("line 1"), "{what}: {message}");
    }
}

#[test]
fn truncated_records_name_the_byte_offset() {
    let bytes = &honest().bytes;
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let checkpoint = line_start(bytes, lines - 1);
    let ballot = line_start(bytes, 1 + honest().record.single_vote());
    let mut cuts = vec![
        line_start(bytes, 1),
        line_start(bytes, 1) + 7,
        line_start(bytes, 2) - 1,
        line_start(bytes, 2),
        ballot + 1000,
        ballot + 1001,
        checkpoint,
        checkpoint + 20,
        bytes.len() - 1,
    ];
    cuts.sort_unstable();
    for cut in cuts {
        let message = unreadable(&bytes[..cut], &format!("a record cut at byte {cut}"));
        assert!(
            message.contains("truncated") && message.contains(&format!("byte offset {cut}")),
            "cut at {cut}: {message}"
        );
    }
}

#[test]
fn records_cut_inside_the_header_are_unreadable() {
    let bytes = &honest().bytes;
    for cut in [1, 10, line_start(bytes, 1) - 1] {
        let message = unreadable(&bytes[..cut], &format!("a header cut at byte {cut}"));
        assert!(message.contains("line 1"), "cut at {cut}: {message}");
    }
}

#[test]
fn random_bytes_are_unreadable() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for len in [1usize, 31, 4096] {
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        unreadable(&bytes, &format!("{len} random bytes"));
        // Random bytes after a valid header.
        let mut framed = honest().record.header.clone();
        framed.push(b'\n');
        framed.extend_from_slice(&bytes);
        framed.push(b'\n');
        let message = unreadable(&framed, &format!("a header then {len} random bytes"));
        assert!(message.contains("line 2"), "{message}");
    }
}

/// Replaces leaf `index` with `line` and expects an error naming it.
fn assert_bad_leaf(index: usize, line: &[u8], what: &str) {
    let mut record = honest().tamper();
    record.leaves[index] = line.to_vec();
    let message = unreadable(&record.to_bytes(), what);
    assert!(
        message.contains(&format!("line {} (leaf {index})", index + 2)),
        "{what}: {message}"
    );
}

#[test]
fn a_non_json_line_names_its_leaf() {
    let leaf = honest().record.single_vote();
    assert_bad_leaf(leaf, b"this is not json", "a non-JSON ballot line");
    assert_bad_leaf(3, b"{\"type\":\"trustee-dealing\"", "a cut-off JSON line");
    assert_bad_leaf(
        leaf,
        b"{\"type\":\"ballot\",\"body\":{\"election\":",
        "a ballot cut short",
    );
}

#[test]
fn a_leaf_of_unknown_type_names_its_leaf() {
    assert_bad_leaf(
        5,
        b"{\"type\":\"ballot-box\",\"body\":{}}",
        "an unknown leaf type",
    );
    let leaf = honest().record.single_vote();
    assert_bad_leaf(
        leaf,
        b"{\"type\":\"ballot\",\"body\":{}}",
        "an empty ballot",
    );
    assert_bad_leaf(0, b"[]", "a manifest that is an array");
}

/// A ciphertext whose encoding is not a ristretto255 point cannot be read.
#[test]
fn a_point_that_does_not_decode_names_its_leaf() {
    let record = &honest().record;
    let leaf = record.single_vote();
    let beta = record.ballot(leaf).answers[0].ciphertexts[0].beta;
    let hex = to_hex(beta.as_bytes());
    let text = String::from_utf8(record.leaves[leaf].clone()).expect("utf-8");
    // The low bit of the first byte is a ristretto255 sign bit, always 0.
    let mut bytes = *beta.as_bytes();
    bytes[0] ^= 1;
    let broken = text.replace(&hex, &to_hex(&bytes));
    assert_bad_leaf(leaf, broken.as_bytes(), "an undecodable point");
}

#[test]
fn data_after_the_checkpoint_is_unreadable() {
    let mut bytes = honest().bytes.clone();
    bytes.extend_from_slice(b"{\"type\":\"result\",\"body\":{}}\n");
    let message = unreadable(&bytes, "a line after the checkpoint");
    assert!(message.contains("after the final checkpoint"), "{message}");
}

#[test]
fn a_garbled_checkpoint_is_unreadable() {
    let record = &honest().record;
    let mut bytes = record.header.clone();
    bytes.push(b'\n');
    for leaf in &record.leaves {
        bytes.extend_from_slice(leaf);
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(b"{\"checkpoint\":{\"size\":\"many\"}}\n");
    let message = unreadable(&bytes, "a garbled checkpoint");
    assert!(message.contains("checkpoint"), "{message}");
    assert!(
        message.contains(&format!("line {}", record.leaves.len() + 2)),
        "{message}"
    );
}

/// One bit flipped anywhere in the file: the record is either unreadable
/// or does not verify, and the verifier never panics.
#[test]
fn single_bit_flips_anywhere_never_verify_nor_panic() {
    let bytes = &honest().bytes;
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut unreadable_count = 0;
    for _ in 0..24 {
        let position = (rng.next_u64() % bytes.len() as u64) as usize;
        let bit = rng.next_u32() % 8;
        let mut flipped = bytes.clone();
        flipped[position] ^= 1 << bit;
        let what = format!("bit {bit} of byte {position} flipped");
        match verify_no_panic(&flipped, &what) {
            Ok(report) => assert!(!report.verified, "{what}: the record still verifies"),
            Err(_) => unreadable_count += 1,
        }
    }
    assert!(
        unreadable_count > 0,
        "some flips make the record unreadable"
    );
}

/// A leaf must be exactly its message's canonical encoding (spec/record.md
/// §9.1), so that no two parsers can read two elections from one record:
/// the same message with a space, its members reordered, an extra member or
/// an uppercase hex digit is unreadable, even under a re-signed checkpoint.
#[test]
fn non_canonical_leaves_are_unreadable() {
    let fixture = honest();
    let ballot = fixture.record.single_vote();
    let key = fixture.record.only("election-key");
    let text = |leaf: usize| String::from_utf8(fixture.record.leaves[leaf].clone()).expect("utf-8");
    let ballot_text = text(ballot);
    let body = ballot_text
        .strip_prefix("{\"type\":\"ballot\",\"body\":")
        .and_then(|rest| rest.strip_suffix('}'))
        .expect("a ballot leaf");
    let signature = to_hex(&fixture.record.ballot(ballot).signature.0);
    let cases = [
        (
            ballot,
            ballot_text.replacen("\"style\":", "\"style\": ", 1),
            "a space",
        ),
        (
            ballot,
            format!("{{\"body\":{body},\"type\":\"ballot\"}}"),
            "members reordered",
        ),
        (
            ballot,
            format!("{{\"type\":\"ballot\",\"body\":{body},\"note\":1}}"),
            "an extra member",
        ),
        (
            ballot,
            ballot_text.replace(&signature, &signature.to_uppercase()),
            "uppercase hex",
        ),
        (
            key,
            text(key).replacen(',', ", ", 1),
            "a space in the election key",
        ),
    ];
    for (leaf, bytes, what) in cases {
        assert_ne!(bytes.as_bytes(), &fixture.record.leaves[leaf][..], "{what}");
        let mut record = fixture.tamper();
        record.leaves[leaf] = bytes.into_bytes();
        record.resign(fixture.board_key());
        let message = unreadable(&record.to_bytes(), what);
        assert!(
            message.contains(&format!("line {} (leaf {leaf})", leaf + 2)),
            "{what}: {message}"
        );
    }
}
