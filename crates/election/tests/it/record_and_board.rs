//! The board's Merkle log, checkpoints, receipts and the record file.

use std::io::Cursor;
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use proptest::collection::vec;
use proptest::prelude::*;
use psephos_crypto::encoding::from_hex_array;
use psephos_election::ballot::Ballot;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::log::Board;
use psephos_election::board::merkle::{
    empty_root, leaf_hash, node_hash, verify_consistency, verify_inclusion, Hash, MerkleTree,
};
use psephos_election::board::messages::{BoardMessage, WindowEvent};
use psephos_election::error::{LogError, RecordError};
use psephos_election::receipt::{NodeHash, Receipt};
use psephos_election::record::{RecordItem, RecordReader, RECORD_FORMAT};
use psephos_election::signing::PublicSigningKey;
use sha2::{Digest, Sha256};

use crate::common::{
    cast, credential_list, draft, fixture, north_ballot, north_choices, rng, south_choices, voter,
    ELECTION_ID, NORTH, SOUTH,
};

fn board_key() -> PublicSigningKey {
    PublicSigningKey::from(&fixture().board_key)
}

/// A small election published on a board, with a receipt for each ballot.
struct Published {
    leaves: Vec<Vec<u8>>,
    ballots: Vec<(u64, Ballot)>,
    receipts: Vec<Receipt>,
    /// Checkpoints taken after each ballot.
    checkpoints: Vec<SignedCheckpoint>,
    final_checkpoint: SignedCheckpoint,
    record: Vec<u8>,
    tree: MerkleTree,
}

fn receipt_for<W: std::io::Write>(board: &Board<W>, index: u64, ballot: &Ballot) -> Receipt {
    let checkpoint = board.checkpoint();
    let proof = board.inclusion_proof(index, checkpoint.size).unwrap();
    Receipt {
        election_id: ELECTION_ID.into(),
        tracking_code: ballot.tracking_code(),
        leaf_index: index,
        leaf_hash: NodeHash(board.leaf_hash(index).unwrap()),
        checkpoint,
        inclusion_proof: proof.into_iter().map(NodeHash).collect(),
        supersedes: None,
    }
}

fn publish() -> Published {
    let f = fixture();
    let mut board = Board::new(ELECTION_ID, f.board_key.clone(), Vec::new()).unwrap();
    let mut leaves = Vec::new();
    let mut append = |board: &mut Board<Vec<u8>>, leaf: Vec<u8>| {
        let index = board.append_leaf(&leaf).unwrap();
        assert_eq!(index, leaves.len() as u64);
        leaves.push(leaf);
        index
    };
    append(&mut board, f.manifest_leaf.clone());
    append(
        &mut board,
        BoardMessage::CredentialList(credential_list(6)).to_leaf(),
    );
    append(
        &mut board,
        BoardMessage::VotingOpened(WindowEvent {
            at: "2026-12-01T09:00:00Z".into(),
        })
        .to_leaf(),
    );
    let audit = draft(0, NORTH, &north_choices(), 70).audit(&voter(0), ELECTION_ID);
    append(&mut board, BoardMessage::BallotAudit(audit).to_leaf());
    let mut ballots = Vec::new();
    let mut receipts = Vec::new();
    let mut checkpoints = Vec::new();
    for n in 0..6u64 {
        let (style, choices) = if n % 2 == 0 {
            (NORTH, north_choices())
        } else {
            (SOUTH, south_choices())
        };
        let ballot = cast(n, style, &choices, 80 + n);
        let index = append(&mut board, BoardMessage::Ballot(ballot.clone()).to_leaf());
        receipts.push(receipt_for(&board, index, &ballot));
        checkpoints.push(board.checkpoint());
        ballots.push((index, ballot));
    }
    // A leaf that is not a board message at all, and an empty leaf.
    append(&mut board, b"not json, but a leaf all the same".to_vec());
    append(&mut board, Vec::new());
    append(
        &mut board,
        BoardMessage::VotingClosed(WindowEvent {
            at: "2026-12-03T17:00:00Z".into(),
        })
        .to_leaf(),
    );
    assert_eq!(board.size(), leaves.len() as u64);
    let tree = board.tree().clone();
    let (final_checkpoint, record) = board.finish().unwrap();
    Published {
        leaves,
        ballots,
        receipts,
        checkpoints,
        final_checkpoint,
        record,
        tree,
    }
}

fn published() -> &'static Published {
    static PUBLISHED: OnceLock<Published> = OnceLock::new();
    PUBLISHED.get_or_init(publish)
}

/// Reads a whole record; returns its leaves and final checkpoint.
fn read_all(bytes: &[u8]) -> Result<(Vec<Vec<u8>>, SignedCheckpoint), RecordError> {
    let mut reader = RecordReader::new(Cursor::new(bytes))?;
    let mut leaves = Vec::new();
    let mut checkpoint = None;
    while let Some(item) = reader.next_item()? {
        match item {
            RecordItem::Leaf(leaf) => {
                assert!(checkpoint.is_none(), "a leaf after the checkpoint");
                leaves.push(leaf);
                assert_eq!(reader.leaves(), leaves.len() as u64);
            }
            RecordItem::Checkpoint(c) => checkpoint = Some(c),
        }
    }
    Ok((leaves, checkpoint.unwrap()))
}

#[test]
fn the_record_reads_back_leaf_for_leaf() {
    let p = published();
    let (leaves, checkpoint) = read_all(&p.record).unwrap();
    assert_eq!(leaves, p.leaves);
    assert_eq!(checkpoint, p.final_checkpoint);
    assert_eq!(checkpoint.size, p.leaves.len() as u64);
    assert_eq!(checkpoint.log_id, ELECTION_ID);
    // The checkpoint commits to exactly these leaves.
    let mut tree = MerkleTree::new();
    for leaf in &leaves {
        tree.push(leaf_hash(leaf));
    }
    assert_eq!(tree.root(), checkpoint.root);
    checkpoint.verify(&board_key()).unwrap();
    // The file is the header, one line per leaf, and the checkpoint.
    let text = std::str::from_utf8(&p.record).unwrap();
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    assert_eq!(lines.len(), p.leaves.len() + 2);
    assert_eq!(lines[0], format!("{{\"format\":\"{RECORD_FORMAT}\"}}"));
    assert!(lines.last().unwrap().starts_with("{\"checkpoint\":"));
    assert!(text.ends_with('\n'));
    // Every leaf parses back into the message that was published.
    assert!(matches!(
        BoardMessage::from_leaf(&leaves[0]).unwrap(),
        BoardMessage::Manifest(m) if m == fixture().manifest
    ));
    for (index, ballot) in &p.ballots {
        match BoardMessage::from_leaf(&leaves[*index as usize]).unwrap() {
            BoardMessage::Ballot(b) => assert_eq!(&b, ballot),
            other => panic!("leaf {index} is a {}", other.kind()),
        }
    }
}

#[test]
fn the_reader_reports_position_and_stops_after_the_checkpoint() {
    let p = published();
    let mut reader = RecordReader::new(Cursor::new(&p.record)).unwrap();
    assert_eq!((reader.line(), reader.leaves()), (1, 0));
    reader.next_item().unwrap().unwrap();
    assert_eq!((reader.line(), reader.leaves()), (2, 1));
    while let Some(RecordItem::Leaf(_)) = reader.next_item().unwrap() {}
    assert_eq!(reader.leaves(), p.leaves.len() as u64);
    assert_eq!(reader.line(), p.leaves.len() as u64 + 2);
    assert!(reader.next_item().unwrap().is_none());
    assert!(reader.next_item().unwrap().is_none());
}

#[test]
fn an_empty_board_writes_a_valid_record() {
    let board = Board::new(ELECTION_ID, fixture().board_key.clone(), Vec::new()).unwrap();
    assert_eq!(board.size(), 0);
    let (checkpoint, bytes) = board.finish().unwrap();
    assert_eq!(checkpoint.size, 0);
    assert_eq!(checkpoint.root, empty_root());
    checkpoint.verify(&board_key()).unwrap();
    let (leaves, read) = read_all(&bytes).unwrap();
    assert!(leaves.is_empty());
    assert_eq!(read, checkpoint);
}

#[test]
fn a_leaf_with_a_newline_is_refused() {
    let mut board = Board::new(ELECTION_ID, fixture().board_key.clone(), Vec::new()).unwrap();
    let err = board.append_leaf(b"two\nlines").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(board.size(), 0);
}

#[test]
fn checkpoint_signatures_bind_every_field() {
    let p = published();
    let good = &p.final_checkpoint;
    good.verify(&board_key()).unwrap();
    let bad = Err(LogError::BadCheckpointSignature);

    let other_key = SigningKey::generate(&mut rng(44));
    assert_eq!(good.verify(&PublicSigningKey::from(&other_key)), bad);
    let authority = PublicSigningKey::from(&fixture().authority_key);
    assert_eq!(good.verify(&authority), bad);

    let mut root = good.clone();
    root.root[0] ^= 1;
    assert_eq!(root.verify(&board_key()), bad);
    let mut size = good.clone();
    size.size -= 1;
    assert_eq!(size.verify(&board_key()), bad);
    let mut log_id = good.clone();
    log_id.log_id = "agm-2027".into();
    assert_eq!(log_id.verify(&board_key()), bad);
    let mut signature = good.clone();
    signature.signature.0[63] ^= 0x10;
    assert_eq!(signature.verify(&board_key()), bad);

    // An earlier checkpoint's signature does not carry over to the final root.
    let mut replayed = good.clone();
    replayed.signature = p.checkpoints[0].signature;
    assert_eq!(replayed.verify(&board_key()), bad);

    // Signed afresh by another key, it verifies only under that key.
    let forged = SignedCheckpoint::sign(ELECTION_ID, good.size, good.root, &other_key);
    forged.verify(&PublicSigningKey::from(&other_key)).unwrap();
    assert_eq!(forged.verify(&board_key()), bad);

    // JSON round trip.
    let back: SignedCheckpoint =
        serde_json::from_slice(&serde_json::to_vec(good).unwrap()).unwrap();
    assert_eq!(&back, good);
    back.verify(&board_key()).unwrap();
}

#[test]
fn every_checkpoint_is_consistent_with_the_final_one() {
    let p = published();
    let last = &p.final_checkpoint;
    for c in &p.checkpoints {
        c.verify(&board_key()).unwrap();
        let proof = p.tree.consistency_proof(c.size, last.size).unwrap();
        verify_consistency(c.size, last.size, &c.root, &last.root, &proof).unwrap();
        let mut wrong = c.root;
        wrong[7] ^= 0x40;
        assert_eq!(
            verify_consistency(c.size, last.size, &wrong, &last.root, &proof),
            Err(LogError::BadProof("consistency"))
        );
    }
}

#[test]
fn receipts_verify_offline() {
    let p = published();
    assert_eq!(p.receipts.len(), p.ballots.len());
    for (receipt, (index, ballot)) in p.receipts.iter().zip(&p.ballots) {
        assert_eq!(receipt.leaf_index, *index);
        receipt.verify(&board_key()).unwrap();
        assert!(receipt.matches_ballot(ballot));
        // Through JSON, as a voter would keep it.
        let json = serde_json::to_string(receipt).unwrap();
        let back: Receipt = serde_json::from_str(&json).unwrap();
        back.verify(&board_key()).unwrap();
        assert_eq!(&back, receipt);
        assert!(!json.contains("supersedes"));
        // The leaf in the record is the one the receipt names.
        assert_eq!(
            leaf_hash(&p.leaves[*index as usize]),
            receipt.leaf_hash.0,
            "leaf {index}"
        );
    }
}

#[test]
fn receipts_do_not_match_other_ballots() {
    let p = published();
    let receipt = &p.receipts[2];
    for (k, (_, ballot)) in p.ballots.iter().enumerate() {
        assert_eq!(receipt.matches_ballot(ballot), k == 2);
    }
    assert!(!receipt.matches_ballot(north_ballot()));
    // Same content, other signature: same tracking code, other leaf.
    let mut resigned = p.ballots[2].1.clone();
    resigned.signature.0[0] ^= 1;
    assert_eq!(resigned.tracking_code(), receipt.tracking_code);
    assert!(!receipt.matches_ballot(&resigned));
}

#[test]
fn tampered_receipts_fail() {
    let p = published();
    let good = &p.receipts[3];
    let other_key = SigningKey::generate(&mut rng(45));
    assert_eq!(
        good.verify(&PublicSigningKey::from(&other_key)),
        Err(LogError::BadCheckpointSignature)
    );
    let inclusion = Err(LogError::BadProof("inclusion"));

    let mut index = good.clone();
    index.leaf_index += 1;
    assert_eq!(index.verify(&board_key()), inclusion);
    let mut leaf = good.clone();
    leaf.leaf_hash.0[0] ^= 1;
    assert_eq!(leaf.verify(&board_key()), inclusion);
    let mut path = good.clone();
    path.inclusion_proof[0].0[31] ^= 1;
    assert_eq!(path.verify(&board_key()), inclusion);
    let mut shorter = good.clone();
    shorter.inclusion_proof.pop();
    assert_eq!(shorter.verify(&board_key()), inclusion);
    let mut longer = good.clone();
    longer.inclusion_proof.push(NodeHash([0; 32]));
    assert_eq!(longer.verify(&board_key()), inclusion);
    let mut past_end = good.clone();
    past_end.leaf_index = good.checkpoint.size;
    assert_eq!(past_end.verify(&board_key()), inclusion);

    // Another ballot's leaf and path under this receipt's checkpoint.
    let other = &p.receipts[1];
    let mut swapped = good.clone();
    swapped.leaf_hash = other.leaf_hash;
    assert_eq!(swapped.verify(&board_key()), inclusion);

    // A checkpoint that is validly signed but for another size.
    let mut later = good.clone();
    later.checkpoint = p.final_checkpoint.clone();
    assert_eq!(later.verify(&board_key()), inclusion);
    // With a fresh path for the later checkpoint, it verifies again.
    later.inclusion_proof = p
        .tree
        .inclusion_proof(good.leaf_index, later.checkpoint.size)
        .unwrap()
        .into_iter()
        .map(NodeHash)
        .collect();
    later.verify(&board_key()).unwrap();

    let mut root = good.clone();
    root.checkpoint.root[0] ^= 1;
    assert_eq!(
        root.verify(&board_key()),
        Err(LogError::BadCheckpointSignature)
    );
    let mut election = good.clone();
    election.election_id = "agm-2027".into();
    assert_eq!(
        election.verify(&board_key()),
        Err(LogError::BadCheckpointSignature)
    );
}

fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(k, _)| k + 1),
    );
    starts
}

#[test]
fn bad_headers_are_rejected() {
    let p = published();
    let body = &p.record[line_starts(&p.record)[1]..];
    let headers: [&[u8]; 7] = [
        b"",
        b"\n",
        b"{\"format\":\"psephos/record/v2\"}\n",
        b"{\"format\":\"psephos/record/v1\",\"extra\":1}\n",
        b"{\"Format\":\"psephos/record/v1\"}\n",
        b"psephos/record/v1\n",
        b"{\"format\":\"psephos/record/v1\"}",
    ];
    for header in headers {
        let mut bytes = header.to_vec();
        if header.ends_with(b"\n") {
            bytes.extend_from_slice(body);
        }
        assert!(
            matches!(
                RecordReader::new(Cursor::new(&bytes)),
                Err(RecordError::BadHeader)
            ),
            "{:?}",
            String::from_utf8_lossy(header)
        );
    }
}

#[test]
fn truncated_records_are_rejected_with_leaves_and_offset() {
    let p = published();
    let starts = line_starts(&p.record);
    let n = p.leaves.len();
    // starts[0] header, starts[1 + k] leaf k, starts[n + 1] checkpoint,
    // starts[n + 2] the end of the file.
    assert_eq!(starts.len(), n + 3);
    assert_eq!(starts[n + 2], p.record.len());

    // No checkpoint at all.
    let cut = starts[n + 1];
    match read_all(&p.record[..cut]) {
        Err(RecordError::Truncated { leaves, offset }) => {
            assert_eq!((leaves, offset), (n as u64, cut as u64))
        }
        other => panic!("{other:?}"),
    }
    // The checkpoint line cut short, or missing its newline.
    for cut in [starts[n + 1] + 10, p.record.len() - 1] {
        match read_all(&p.record[..cut]) {
            Err(RecordError::Truncated { leaves, offset }) => {
                assert_eq!((leaves, offset), (n as u64, cut as u64))
            }
            other => panic!("{other:?}"),
        }
    }
    // A leaf line cut short: the leaves before it were read.
    for k in [0, 3, n - 1] {
        let cut = starts[1 + k] + 5;
        match read_all(&p.record[..cut]) {
            Err(RecordError::Truncated { leaves, offset }) => {
                assert_eq!((leaves, offset), (k as u64, cut as u64), "leaf {k}")
            }
            other => panic!("{other:?}"),
        }
    }
    // Only the header.
    match read_all(&p.record[..starts[1]]) {
        Err(RecordError::Truncated { leaves, offset }) => {
            assert_eq!((leaves, offset), (0, starts[1] as u64))
        }
        other => panic!("{other:?}"),
    }
    // The message names the offset.
    let err = read_all(&p.record[..starts[1] + 5]).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("byte offset {}", starts[1] + 5)),
        "{err}"
    );
}

#[test]
fn data_after_the_checkpoint_is_rejected() {
    let p = published();
    let line = p.leaves.len() as u64 + 3;
    for trailer in [
        &b"x"[..],
        b"\n",
        b"{}\n",
        b"{\"format\":\"psephos/record/v1\"}\n",
    ] {
        let mut bytes = p.record.clone();
        bytes.extend_from_slice(trailer);
        match read_all(&bytes) {
            Err(RecordError::TrailingData(at)) => assert_eq!(at, line),
            other => panic!("{other:?}"),
        }
    }
    // A second checkpoint is trailing data too.
    let mut doubled = p.record.clone();
    let starts = line_starts(&p.record);
    doubled.extend_from_slice(&p.record[starts[p.leaves.len() + 1]..]);
    assert!(matches!(
        read_all(&doubled),
        Err(RecordError::TrailingData(at)) if at == line
    ));
}

#[test]
fn a_malformed_final_checkpoint_names_its_line() {
    let p = published();
    let starts = line_starts(&p.record);
    let n = p.leaves.len();
    let mut bytes = p.record[..starts[n + 1]].to_vec();
    bytes.extend_from_slice(b"{\"checkpoint\":{\"log_id\":\"x\"}}\n");
    match read_all(&bytes) {
        Err(RecordError::BadLeaf { line, leaf, reason }) => {
            assert_eq!((line, leaf), (n as u64 + 2, n as u64));
            assert!(reason.starts_with("bad final checkpoint"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

fn hex32(text: &str) -> Hash {
    from_hex_array::<32>(text).unwrap()
}

/// The leaves of the RFC 6962 reference test data (certificate-transparency),
/// whose roots and proofs below were also recomputed independently.
fn reference_leaves() -> Vec<Vec<u8>> {
    vec![
        vec![],
        vec![0x00],
        vec![0x10],
        vec![0x20, 0x21],
        vec![0x30, 0x31],
        vec![0x40, 0x41, 0x42, 0x43],
        (0x50..0x58).collect(),
        (0x60..0x70).collect(),
    ]
}

#[test]
fn known_answer_roots_and_proofs() {
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let leaves = reference_leaves();
    let mut tree = MerkleTree::new();
    for leaf in &leaves {
        tree.push(leaf_hash(leaf));
    }
    assert_eq!(
        tree.root_at(0).unwrap(),
        hex32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    for (k, root) in roots.iter().enumerate() {
        assert_eq!(
            tree.root_at(k as u64 + 1).unwrap(),
            hex32(root),
            "size {}",
            k + 1
        );
    }
    let inclusion: [(u64, u64, &[&str]); 4] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (index, size, path) in inclusion {
        let expected: Vec<Hash> = path.iter().map(|h| hex32(h)).collect();
        assert_eq!(tree.inclusion_proof(index, size).unwrap(), expected);
        let root = hex32(roots[size as usize - 1]);
        verify_inclusion(
            index,
            size,
            &leaf_hash(&leaves[index as usize]),
            &expected,
            &root,
        )
        .unwrap();
    }
    let consistency: [(u64, u64, &[&str]); 3] = [
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (first, second, proof) in consistency {
        let expected: Vec<Hash> = proof.iter().map(|h| hex32(h)).collect();
        assert_eq!(tree.consistency_proof(first, second).unwrap(), expected);
        verify_consistency(
            first,
            second,
            &hex32(roots[first as usize - 1]),
            &hex32(roots[second as usize - 1]),
            &expected,
        )
        .unwrap();
    }
}

#[test]
fn hashes_are_domain_separated_sha256() {
    let leaf = b"some leaf";
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    assert_eq!(leaf_hash(leaf), <[u8; 32]>::from(h.finalize()));
    let (l, r) = ([1u8; 32], [2u8; 32]);
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    assert_eq!(node_hash(&l, &r), <[u8; 32]>::from(h.finalize()));
    assert_ne!(node_hash(&l, &r), node_hash(&r, &l));
    // A leaf of 64 bytes is not mistaken for an interior node.
    let mut both = l.to_vec();
    both.extend_from_slice(&r);
    assert_ne!(leaf_hash(&both), node_hash(&l, &r));
    assert_eq!(empty_root(), <[u8; 32]>::from(Sha256::digest([])));
}

#[test]
fn out_of_range_requests_are_errors() {
    let tree = &published().tree;
    let n = tree.size();
    assert!(matches!(
        tree.inclusion_proof(n, n),
        Err(LogError::OutOfRange { .. })
    ));
    assert!(matches!(
        tree.inclusion_proof(0, n + 1),
        Err(LogError::OutOfRange { .. })
    ));
    assert!(matches!(
        tree.consistency_proof(3, 2),
        Err(LogError::OutOfRange { .. })
    ));
    assert!(matches!(
        tree.consistency_proof(1, n + 1),
        Err(LogError::OutOfRange { .. })
    ));
    assert!(matches!(
        tree.root_at(n + 1),
        Err(LogError::OutOfRange { .. })
    ));
    assert!(tree.leaf(n).is_none());
}

/// MTH from RFC 9162's recursive definition, independent of the tree's cache.
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

/// Prefixes each leaf with its index.
fn distinct(leaves: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    leaves
        .into_iter()
        .enumerate()
        .map(|(k, leaf)| {
            let mut out = (k as u32).to_le_bytes().to_vec();
            out.extend(leaf);
            out
        })
        .collect()
}

fn build(leaves: &[Vec<u8>]) -> (MerkleTree, Vec<Hash>) {
    let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l)).collect();
    let mut tree = MerkleTree::new();
    for (k, h) in hashes.iter().enumerate() {
        assert_eq!(tree.push(*h), k as u64);
    }
    (tree, hashes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn inclusion_proofs_verify_and_modified_leaves_fail(
        leaves in vec(vec(any::<u8>(), 0..24), 1..40),
        pick in any::<prop::sample::Index>(),
        flip in any::<u8>(),
    ) {
        // Distinct leaves, so that no two subtrees hash alike.
        let leaves = distinct(leaves);
        let (tree, hashes) = build(&leaves);
        let n = tree.size();
        let j = pick.index(leaves.len());
        let mut modified = leaves.clone();
        modified[j].push(flip);
        let (other, _) = build(&modified);
        for size in 1..=n {
            let root = tree.root_at(size).unwrap();
            prop_assert_eq!(root, reference_root(&hashes[..size as usize]));
            for i in 0..size {
                let path = tree.inclusion_proof(i, size).unwrap();
                let leaf = &hashes[i as usize];
                prop_assert!(verify_inclusion(i, size, leaf, &path, &root).is_ok());
                // Another index, or the leaf changed.
                if size > 1 {
                    let elsewhere = (i + 1) % size;
                    prop_assert!(verify_inclusion(elsewhere, size, leaf, &path, &root).is_err());
                }
                prop_assert!(verify_inclusion(i + size, size, leaf, &path, &root).is_err());
                let changed = leaf_hash(&modified[i as usize]);
                if i as usize == j {
                    prop_assert!(verify_inclusion(i, size, &changed, &path, &root).is_err());
                }
                // The modified tree's root, when it covers leaf j.
                if (j as u64) < size {
                    let other_root = other.root_at(size).unwrap();
                    prop_assert!(verify_inclusion(i, size, leaf, &path, &other_root).is_err());
                }
            }
        }
    }

    #[test]
    fn consistency_proofs_verify_and_rewritten_histories_fail(
        leaves in vec(vec(any::<u8>(), 0..16), 1..36),
        pick in any::<prop::sample::Index>(),
    ) {
        let (tree, _) = build(&leaves);
        let n = tree.size();
        let j = pick.index(leaves.len());
        let mut modified = leaves.clone();
        modified[j] = b"rewritten".to_vec();
        if modified[j] == leaves[j] {
            modified[j].push(0);
        }
        let (other, _) = build(&modified);
        for second in 0..=n {
            for first in 0..=second {
                let proof = tree.consistency_proof(first, second).unwrap();
                let (r1, r2) = (tree.root_at(first).unwrap(), tree.root_at(second).unwrap());
                prop_assert!(verify_consistency(first, second, &r1, &r2, &proof).is_ok());
                if first > 0 && first < second {
                    // A proof with a hash dropped or appended fails.
                    let mut shorter = proof.clone();
                    shorter.pop();
                    prop_assert!(verify_consistency(first, second, &r1, &r2, &shorter).is_err());
                    let mut longer = proof.clone();
                    longer.push(r1);
                    prop_assert!(verify_consistency(first, second, &r1, &r2, &longer).is_err());
                }
                // The rewritten log: consistent with the old checkpoint only
                // if the rewrite lies beyond it.
                let forged = other.consistency_proof(first, second).unwrap();
                let forged_root = other.root_at(second).unwrap();
                let verdict = verify_consistency(first, second, &r1, &forged_root, &forged);
                if (j as u64) < first {
                    prop_assert!(verdict.is_err(), "rewrite of {} hidden in {}..{}", j, first, second);
                } else {
                    prop_assert!(verdict.is_ok());
                }
                // The honest proof does not link the old root to the rewritten one.
                if (j as u64) < second && first > 0 && first < second {
                    prop_assert!(verify_consistency(first, second, &r1, &forged_root, &proof).is_err());
                }
            }
        }
    }
}
