//! Receipts: a voter's proof that the board committed to their ballot.
//! A receipt built from the record is accepted; one whose checkpoint
//! belongs to a forked history is not; inclusion and consistency proofs
//! fail against modified trees.

use std::process::Command;

use ed25519_dalek::SigningKey;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{
    leaf_hash, verify_consistency, verify_inclusion, Hash, MerkleTree,
};
use psephos_election::receipt::{NodeHash, Receipt};
use psephos_verifier::{verify_file, ReceiptCheck, VerifyOptions};

use crate::common::{honest, write_bytes, Fixture, Record};

/// The receipt the board would have handed out for the ballot at `leaf`
/// when the log held `size` leaves, computed over `leaves`.
fn receipt_over(
    fixture: &Fixture,
    leaves: &[Vec<u8>],
    leaf: usize,
    size: usize,
    key: &SigningKey,
) -> Receipt {
    let mut tree = MerkleTree::new();
    for bytes in &leaves[..size] {
        tree.push(leaf_hash(bytes));
    }
    let ballot = fixture.record.ballot(leaf);
    Receipt {
        election_id: fixture.election_id().to_string(),
        tracking_code: ballot.tracking_code(),
        leaf_index: leaf as u64,
        leaf_hash: NodeHash(leaf_hash(&leaves[leaf])),
        checkpoint: SignedCheckpoint::sign(fixture.election_id(), size as u64, tree.root(), key),
        inclusion_proof: tree
            .inclusion_proof(leaf as u64, size as u64)
            .expect("in range")
            .into_iter()
            .map(NodeHash)
            .collect(),
        supersedes: None,
    }
}

fn receipt(leaf: usize, size: usize) -> Receipt {
    let fixture = honest();
    receipt_over(
        fixture,
        &fixture.record.leaves,
        leaf,
        size,
        fixture.board_key(),
    )
}

fn check(record: &Record, receipt: Receipt) -> ReceiptCheck {
    let file = record.write();
    let options = VerifyOptions {
        receipt: Some(receipt),
        ..VerifyOptions::default()
    };
    let (_, check) = verify_file(file.path(), &options).expect("readable");
    check.expect("a receipt check")
}

#[test]
fn a_receipt_for_a_counted_ballot_is_accepted() {
    let fixture = honest();
    let leaf = fixture.record.single_vote();
    for size in [leaf + 1, leaf + 5, fixture.record.leaves.len()] {
        let receipt = receipt(leaf, size);
        receipt
            .verify(&fixture.election.manifest.board_key)
            .expect("the receipt verifies offline");
        assert!(receipt.matches_ballot(&fixture.record.ballot(leaf)));
        let found = check(&fixture.record, receipt);
        assert!(found.ok, "size {size}: {}", found.message);
        assert!(
            found.message.contains("it is the ballot that counts"),
            "{}",
            found.message
        );
    }
}

#[test]
fn a_receipt_for_a_replaced_ballot_says_so() {
    let fixture = honest();
    let (first, _) = fixture.record.revote();
    let found = check(&fixture.record, receipt(first, first + 1));
    assert!(found.ok, "{}", found.message);
    assert!(found.message.contains("replaced it"), "{}", found.message);
}

/// The board showed the voter a checkpoint of a history in which an
/// earlier ballot was different, then published another history.
#[test]
fn a_receipt_from_a_forked_history_is_rejected() {
    let fixture = honest();
    let record = &fixture.record;
    let leaf = record.revote().1;
    let earlier = record.single_vote();
    assert!(earlier < leaf);
    let mut forked = record.leaves.clone();
    forked[earlier] = record.leaves[leaf - 1].clone();
    let receipt = receipt_over(fixture, &forked, leaf, leaf + 1, fixture.board_key());
    receipt
        .verify(&fixture.election.manifest.board_key)
        .expect("the forked receipt is self-consistent");
    let found = check(record, receipt);
    assert!(!found.ok, "{}", found.message);
    assert!(
        found.message.contains("rewrote history"),
        "{}",
        found.message
    );
}

#[test]
fn a_receipt_for_a_ballot_missing_from_the_record_is_rejected() {
    let fixture = honest();
    let leaf = fixture.record.single_vote();
    let receipt = receipt(leaf, leaf + 1);
    let mut record = fixture.tamper();
    record.leaves.remove(leaf);
    record.resign(fixture.board_key());
    let found = check(&record, receipt);
    assert!(!found.ok, "{}", found.message);
}

#[test]
fn a_receipt_signed_by_another_key_is_rejected() {
    let fixture = honest();
    let leaf = fixture.record.single_vote();
    let forged = receipt_over(
        fixture,
        &fixture.record.leaves,
        leaf,
        leaf + 1,
        &SigningKey::from_bytes(&[5; 32]),
    );
    let found = check(&fixture.record, forged);
    assert!(!found.ok, "{}", found.message);
    assert!(
        found.message.contains("does not verify"),
        "{}",
        found.message
    );
}

#[test]
fn a_receipt_with_a_bent_inclusion_proof_is_rejected() {
    let fixture = honest();
    let leaf = fixture.record.single_vote();
    let mut bent = receipt(leaf, leaf + 3);
    bent.inclusion_proof[0].0[0] ^= 1;
    let found = check(&fixture.record, bent);
    assert!(!found.ok, "{}", found.message);
}

#[test]
fn a_receipt_pointing_at_another_leaf_is_rejected() {
    let fixture = honest();
    let leaf = fixture.record.single_vote();
    let mut moved = receipt(leaf, fixture.record.leaves.len());
    // A valid proof for leaf + 1, but claiming this ballot's hash.
    let other = receipt(leaf + 1, fixture.record.leaves.len());
    moved.leaf_index = other.leaf_index;
    moved.inclusion_proof = other.inclusion_proof;
    let found = check(&fixture.record, moved);
    assert!(!found.ok, "{}", found.message);
}

/// The board issued a receipt from a longer log, then published a record
/// without the later leaves.
#[test]
fn a_receipt_from_a_longer_log_is_rejected() {
    let fixture = honest();
    let leaf = fixture.record.single_vote();
    let mut longer = fixture.record.leaves.clone();
    longer.push(fixture.record.leaves[leaf].clone());
    let receipt = receipt_over(fixture, &longer, leaf, longer.len(), fixture.board_key());
    let found = check(&fixture.record, receipt);
    assert!(!found.ok, "{}", found.message);
    assert!(
        found.message.contains("rewrote history"),
        "{}",
        found.message
    );
}

/// The tracking code is not signed by the board: a receipt carrying the
/// voter's tracking code with another ballot's index, hash and proof must
/// not pass.
#[test]
fn a_receipt_naming_another_ballot_is_rejected() {
    let fixture = honest();
    let counted = fixture.record.counted();
    let (mine, theirs) = (counted[0], counted[1]);
    let mut swapped = receipt(theirs, theirs + 1);
    swapped.tracking_code = fixture.record.ballot(mine).tracking_code();
    let found = check(&fixture.record, swapped);
    assert!(!found.ok, "{}", found.message);
    assert!(
        found
            .message
            .contains("is not a cast ballot with tracking code"),
        "{}",
        found.message
    );
}

/// A receipt is for a cast ballot; an audited (spoiled) one never counts.
#[test]
fn a_receipt_for_an_audited_ballot_is_rejected() {
    let fixture = honest();
    let leaf = fixture.record.find("ballot-audit")[0];
    let mut tree = MerkleTree::new();
    for bytes in &fixture.record.leaves[..=leaf] {
        tree.push(leaf_hash(bytes));
    }
    let size = leaf as u64 + 1;
    let audit = Receipt {
        election_id: fixture.election_id().to_string(),
        tracking_code: fixture.record.audit(leaf).ballot.tracking_code(),
        leaf_index: leaf as u64,
        leaf_hash: NodeHash(leaf_hash(&fixture.record.leaves[leaf])),
        checkpoint: SignedCheckpoint::sign(
            fixture.election_id(),
            size,
            tree.root(),
            fixture.board_key(),
        ),
        inclusion_proof: tree
            .inclusion_proof(leaf as u64, size)
            .expect("proof")
            .into_iter()
            .map(NodeHash)
            .collect(),
        supersedes: None,
    };
    let found = check(&fixture.record, audit);
    assert!(!found.ok, "{}", found.message);
}

#[test]
fn the_binary_checks_receipts() {
    let fixture = honest();
    let record = write_bytes(&fixture.bytes);
    let leaf = fixture.record.single_vote();
    let run = |receipt: &[u8]| {
        let file = write_bytes(receipt);
        Command::new(env!("CARGO_BIN_EXE_psephos-verify"))
            .arg("--receipt")
            .arg(file.path())
            .arg(record.path())
            .output()
            .expect("psephos-verify runs")
    };
    let good = serde_json::to_vec(&receipt(leaf, leaf + 2)).expect("JSON");
    let out = run(&good);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("receipt: OK"));

    let mut forked_leaves = fixture.record.leaves.clone();
    forked_leaves[leaf - 1] = b"{}".to_vec();
    let forked = receipt_over(fixture, &forked_leaves, leaf, leaf + 2, fixture.board_key());
    let out = run(&serde_json::to_vec(&forked).expect("JSON"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("receipt: FAILED"));

    let out = run(b"{\"not\":\"a receipt\"}");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a receipt"));
}

// ---------------------------------------------------------------------------
// The Merkle proofs themselves, over the record's real leaves.

fn hashes(leaves: &[Vec<u8>]) -> Vec<Hash> {
    leaves.iter().map(|l| leaf_hash(l)).collect()
}

fn tree_of(hashes: &[Hash]) -> MerkleTree {
    let mut tree = MerkleTree::new();
    for h in hashes {
        tree.push(*h);
    }
    tree
}

#[test]
fn inclusion_proofs_fail_against_modified_trees() {
    let leaves = hashes(&honest().record.leaves);
    let tree = tree_of(&leaves);
    let n = leaves.len() as u64;
    for size in [1, 2, 3, 7, 8, 9, 31, 32, 33, n - 1, n] {
        let root = tree.root_at(size).expect("root");
        for index in (0..size).step_by(5).chain([size - 1]) {
            let proof = tree.inclusion_proof(index, size).expect("proof");
            let leaf = leaves[index as usize];
            verify_inclusion(index, size, &leaf, &proof, &root).expect("the honest proof");
            // Another leaf hash, another index, another size.
            let mut other = leaf;
            other[31] ^= 1;
            assert!(verify_inclusion(index, size, &other, &proof, &root).is_err());
            if size > 1 {
                let moved = (index + 1) % size;
                assert!(verify_inclusion(moved, size, &leaf, &proof, &root).is_err());
            }
            // (The size alone is not bound by the path: an audit path for
            // leaf 0 of 3 leaves also checks as leaf 0 of 4 against the same
            // root. The checkpoint signature binds size and root together.)
            // Every sibling bent in turn.
            for k in 0..proof.len() {
                let mut bent = proof.clone();
                bent[k][0] ^= 0x80;
                assert!(verify_inclusion(index, size, &leaf, &bent, &root).is_err());
            }
            // The same proof against trees where any one leaf changed.
            for changed in [0, index, size - 1] {
                let mut modified = leaves[..size as usize].to_vec();
                modified[changed as usize][0] ^= 1;
                let modified_root = tree_of(&modified).root();
                assert!(
                    verify_inclusion(index, size, &leaf, &proof, &modified_root).is_err(),
                    "size {size}, index {index}, changed {changed}"
                );
            }
            // Against a tree with one more leaf.
            if size < n {
                let grown = tree.root_at(size + 1).expect("root");
                assert!(verify_inclusion(index, size + 1, &leaf, &proof, &grown).is_err());
            }
        }
    }
}

#[test]
fn consistency_proofs_fail_against_forked_trees() {
    let leaves = hashes(&honest().record.leaves);
    let tree = tree_of(&leaves);
    let n = leaves.len() as u64;
    for (first, second) in [
        (1, n),
        (3, 7),
        (4, 8),
        (5, 33),
        (16, 17),
        (31, n),
        (n - 1, n),
    ] {
        let old = tree.root_at(first).expect("root");
        let new = tree.root_at(second).expect("root");
        let proof = tree.consistency_proof(first, second).expect("proof");
        verify_consistency(first, second, &old, &new, &proof).expect("the honest proof");
        // A fork: a leaf of the first tree rewritten in the second.
        for changed in [0, first / 2, first - 1] {
            let mut forked = leaves[..second as usize].to_vec();
            forked[changed as usize][0] ^= 1;
            let forked_tree = tree_of(&forked);
            let forked_root = forked_tree.root();
            assert!(
                verify_consistency(first, second, &old, &forked_root, &proof).is_err(),
                "({first}, {second}) changed {changed}: the honest proof"
            );
            let forked_proof = forked_tree.consistency_proof(first, second).expect("proof");
            assert!(
                verify_consistency(first, second, &old, &forked_root, &forked_proof).is_err(),
                "({first}, {second}) changed {changed}: the fork's own proof"
            );
        }
        // Appending is not forking: a leaf changed after the first tree.
        if second > first + 1 {
            let mut appended = leaves[..second as usize].to_vec();
            appended[second as usize - 1][0] ^= 1;
            let appended_tree = tree_of(&appended);
            let appended_proof = appended_tree
                .consistency_proof(first, second)
                .expect("proof");
            verify_consistency(first, second, &old, &appended_tree.root(), &appended_proof)
                .expect("an extension of the first tree is consistent with it");
        }
        for k in 0..proof.len() {
            let mut bent = proof.clone();
            bent[k][5] ^= 4;
            assert!(verify_consistency(first, second, &old, &new, &bent).is_err());
        }
        if !proof.is_empty() {
            assert!(verify_consistency(first, second, &old, &new, &proof[1..]).is_err());
        }
        assert!(verify_consistency(first, second, &new, &old, &proof).is_err() || old == new);
    }
}
