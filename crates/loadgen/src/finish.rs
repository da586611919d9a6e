//! The end of an election run over HTTP: close, tally, the trustees'
//! decryptions, publish; then download the record, verify it with
//! `psephos_verifier`, and audit the board against what it acknowledged
//! (every receipt's ballot at its index, checkpoints consistent, no ballot
//! lost or stored twice, the result equal to the ballots counted).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use psephos_election::ballot::TrackingCode;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, verify_consistency, Hash, MerkleTree};
use psephos_election::board::messages::{BoardMessage, TrusteeSigned};
use psephos_election::receipt::Receipt;
use psephos_election::record::{RecordItem, RecordReader};
use psephos_election::tally::{ElectionResult, TallyDecryption};
use psephos_verifier::{verify_file, Report, VerifyOptions};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::ballots::{expected_counts, PlannedBallot};
use crate::error::LoadgenError;
use crate::http::Client;
use crate::setup::OpenElection;

#[derive(Deserialize)]
struct Posted {
    leaf_index: u64,
}

#[derive(Deserialize)]
struct Published {
    result: ElectionResult,
}

/// Closes voting.
pub fn close(client: &Client, id: &str) -> Result<(), LoadgenError> {
    client.post(
        "closing the election",
        &client.admin_url(id, "/close"),
        None,
    )?;
    Ok(())
}

/// One leaf of the board as a message, fetched by index.
pub fn fetch_leaf(client: &Client, id: &str, index: u64) -> Result<BoardMessage, LoadgenError> {
    #[derive(Deserialize)]
    struct Page {
        leaves: Vec<BoardMessage>,
    }
    let url = client.election_url(
        id,
        &format!("/board/leaves?start={index}&end={}", index + 1),
    );
    let page: Page = client.get_json("a board leaf", &url)?;
    page.leaves
        .into_iter()
        .next()
        .ok_or_else(|| LoadgenError::Board(format!("leaf {index} is missing")))
}

/// With voting closed: asks for the tally, posts the first `threshold`
/// trustees' decryptions, publishes, and returns the published result.
pub fn tally_and_publish<R: RngCore + CryptoRng>(
    client: &Client,
    open: &OpenElection,
    rng: &mut R,
) -> Result<ElectionResult, LoadgenError> {
    let id = open.id();
    let url = client.admin_url(id, "/tally");
    let posted: Posted = client.post("the tally", &url, None)?.json(&url)?;
    let BoardMessage::Tally(tally) = fetch_leaf(client, id, posted.leaf_index)? else {
        return Err(LoadgenError::Board(format!(
            "leaf {} named as the tally is not one",
            posted.leaf_index
        )));
    };
    let failed = LoadgenError::protocol("tally decryption");
    let threshold = open.election.manifest.trustees.threshold as usize;
    for trustee in open.trustees.iter().take(threshold) {
        let decryption =
            TallyDecryption::compute_with_rng(&open.election, &trustee.share, &tally, rng);
        let signed = TrusteeSigned::sign(
            id,
            "tally-decryption",
            trustee.index,
            decryption,
            &trustee.signing,
        )
        .map_err(|e| failed(e.to_string()))?;
        let message = BoardMessage::TallyDecryption(signed);
        client.post(
            "a tally decryption",
            &client.election_url(id, "/trustees/messages"),
            Some(&message.to_leaf()),
        )?;
    }
    let url = client.admin_url(id, "/publish");
    let published: Published = client.post("publishing", &url, None)?.json(&url)?;
    Ok(published.result)
}

/// Downloads the election record to `path`; returns its size in bytes.
pub fn download_record(client: &Client, id: &str, path: &Path) -> Result<u64, LoadgenError> {
    let mut out = BufWriter::new(File::create(path)?);
    let bytes = client.download("the record", &client.election_url(id, "/record"), &mut out)?;
    out.flush()?;
    Ok(bytes)
}

/// Runs the verifier on the record at `path`; fails unless it verifies.
pub fn verify_record(path: &Path) -> Result<Report, LoadgenError> {
    let (report, _) = verify_file(path, &VerifyOptions::default())
        .map_err(|e| LoadgenError::Board(format!("the record cannot be read: {e}")))?;
    if !report.verified {
        let failed: Vec<String> = report
            .failed()
            .map(|c| {
                format!(
                    "{} {} ({} failures, first: {:?})",
                    c.id,
                    c.name,
                    c.failure_count,
                    c.failures.first().map(|f| &f.message)
                )
            })
            .collect();
        return Err(LoadgenError::Board(format!(
            "the record does not verify: {}",
            failed.join("; ")
        )));
    }
    Ok(report)
}

/// A record read back: every leaf's bytes and the final checkpoint.
pub struct Record {
    /// The leaves, in order.
    pub leaves: Vec<Vec<u8>>,
    /// The final checkpoint.
    pub checkpoint: SignedCheckpoint,
}

/// Reads the record at `path` into memory (for small elections).
pub fn read_record(path: &Path) -> Result<Record, LoadgenError> {
    let unreadable = |e: psephos_election::error::RecordError| {
        LoadgenError::Board(format!("the record cannot be read: {e}"))
    };
    let mut reader = RecordReader::new(BufReader::new(File::open(path)?)).map_err(unreadable)?;
    let mut leaves = Vec::new();
    loop {
        match reader.next_item().map_err(unreadable)? {
            Some(RecordItem::Leaf(bytes)) => leaves.push(bytes),
            Some(RecordItem::Checkpoint(checkpoint)) => return Ok(Record { leaves, checkpoint }),
            None => {
                return Err(LoadgenError::Board(
                    "the record ends without a checkpoint".into(),
                ))
            }
        }
    }
}

/// A consistency proof between two sizes from the server.
pub fn consistency(
    client: &Client,
    id: &str,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, LoadgenError> {
    #[derive(Deserialize)]
    struct Proof {
        first: u64,
        second: u64,
        proof: Vec<String>,
    }
    let url = client.election_url(
        id,
        &format!("/board/consistency?first={first}&second={second}"),
    );
    let proof: Proof = client.get_json("a consistency proof", &url)?;
    if (proof.first, proof.second) != (first, second) {
        return Err(LoadgenError::Board(format!(
            "asked for a proof from {first} to {second}, got one from {} to {}",
            proof.first, proof.second
        )));
    }
    proof
        .proof
        .iter()
        .map(|h| {
            let bytes = hex::decode(h).ok();
            bytes
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    LoadgenError::Board(format!("a proof hash {h:?} is not 32 bytes of hex"))
                })
        })
        .collect()
}

/// Checks with the server's consistency proof that the checkpoint
/// `(first, first_root)` is a prefix of `(second, second_root)`.
pub fn check_consistent(
    client: &Client,
    id: &str,
    (first, first_root): (u64, Hash),
    (second, second_root): (u64, Hash),
) -> Result<(), LoadgenError> {
    let (a, b) = if first <= second {
        ((first, first_root), (second, second_root))
    } else {
        ((second, second_root), (first, first_root))
    };
    let proof = consistency(client, id, a.0, b.0)?;
    verify_consistency(a.0, b.0, &a.1, &b.1, &proof).map_err(|e| {
        LoadgenError::Board(format!(
            "the checkpoints of sizes {} and {} are not consistent: {e}",
            a.0, b.0
        ))
    })
}

/// What [`audit`] checked.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Audit {
    /// Leaves in the record.
    pub leaves: u64,
    /// Cast-ballot leaves among them.
    pub ballot_leaves: u64,
    /// Receipts checked.
    pub receipts: usize,
    /// Distinct receipt checkpoints proved consistent with the final one.
    pub checkpoints: usize,
}

/// Audits the board's record against what it acknowledged:
///
/// - the final checkpoint is signed by the board key and is the root of
///   the record's leaves;
/// - every receipt verifies (signature, inclusion proof), is for its
///   ballot, and the record holds that ballot at the receipt's index;
/// - each receipt's checkpoint is the root of a prefix of the record, and
///   the server proves it consistent with the final checkpoint;
/// - no tracking code is stored twice, and when `complete`, the ballots in
///   the record are exactly the acknowledged ones;
/// - with a `result`, it counts exactly the last stored ballot of each voter.
pub fn audit(
    client: &Client,
    open: &OpenElection,
    record: &Record,
    ballots: &[PlannedBallot],
    receipts: &[(usize, Receipt)],
    complete: bool,
    result: Option<&ElectionResult>,
) -> Result<Audit, LoadgenError> {
    let bad = |m: String| Err(LoadgenError::Board(m));
    let id = open.id();
    let final_checkpoint = &record.checkpoint;
    if final_checkpoint.verify(&open.board_key).is_err() || final_checkpoint.log_id != id {
        return bad("the record's checkpoint is not signed by the board key".into());
    }
    let mut tree = MerkleTree::new();
    for leaf in &record.leaves {
        tree.push(leaf_hash(leaf));
    }
    if final_checkpoint.size != tree.size() || final_checkpoint.root != tree.root() {
        return bad(format!(
            "the record's checkpoint (size {}) is not the root of its {} leaves",
            final_checkpoint.size,
            tree.size()
        ));
    }

    // The ballots stored, each once.
    let by_code: HashMap<TrackingCode, &PlannedBallot> =
        ballots.iter().map(|b| (b.tracking_code, b)).collect();
    let mut stored: Vec<&PlannedBallot> = Vec::new();
    let mut codes: HashSet<TrackingCode> = HashSet::new();
    for (index, leaf) in record.leaves.iter().enumerate() {
        if !leaf.starts_with(b"{\"type\":\"ballot\"") {
            continue;
        }
        let Ok(BoardMessage::Ballot(ballot)) = BoardMessage::from_leaf(leaf) else {
            return bad(format!("leaf {index} is not a readable ballot"));
        };
        let code = ballot.tracking_code();
        if !codes.insert(code) {
            return bad(format!("tracking code {} is stored twice", code.short()));
        }
        match by_code.get(&code) {
            Some(planned) => stored.push(planned),
            None => return bad(format!("leaf {index} is a ballot nobody cast")),
        }
    }

    // Every receipt.
    let mut sizes: HashMap<u64, Hash> = HashMap::new();
    let mut acknowledged: HashSet<TrackingCode> = HashSet::new();
    for (k, receipt) in receipts {
        let Some(ballot) = ballots.get(*k) else {
            return bad(format!("a receipt for ballot {k}, which was not cast"));
        };
        let code = receipt.tracking_code.short();
        if receipt.verify(&open.board_key).is_err() {
            return bad(format!("the receipt of {code} does not verify"));
        }
        if receipt.tracking_code != ballot.tracking_code || receipt.leaf_hash.0 != ballot.leaf_hash
        {
            return bad(format!("the receipt of {code} is not for its ballot"));
        }
        let at = usize::try_from(receipt.leaf_index).unwrap_or(usize::MAX);
        match record.leaves.get(at) {
            Some(leaf) if leaf_hash(leaf) == ballot.leaf_hash => {}
            _ => {
                return bad(format!(
                    "the ballot of receipt {code} is not at leaf {} of the record",
                    receipt.leaf_index
                ))
            }
        }
        let size = receipt.checkpoint.size;
        if tree.root_at(size).ok() != Some(receipt.checkpoint.root) {
            return bad(format!(
                "the checkpoint of receipt {code} (size {size}) is not a prefix of the record"
            ));
        }
        sizes.insert(size, receipt.checkpoint.root);
        acknowledged.insert(ballot.tracking_code);
    }
    for (size, root) in &sizes {
        check_consistent(
            client,
            id,
            (*size, *root),
            (final_checkpoint.size, final_checkpoint.root),
        )?;
    }
    if complete && codes != acknowledged {
        return bad(format!(
            "the record holds {} ballots, {} were acknowledged, {} of them in common",
            codes.len(),
            acknowledged.len(),
            codes.intersection(&acknowledged).count()
        ));
    }

    if let Some(result) = result {
        let expected = expected_counts(&open.election, &open.voters, stored.iter().copied());
        let found: Vec<Vec<Vec<u64>>> = result
            .styles
            .iter()
            .map(|s| s.questions.iter().map(|q| q.counts.clone()).collect())
            .collect();
        if found != expected {
            return bad(format!(
                "the published result {found:?} is not the count of the last ballots {expected:?}"
            ));
        }
    }
    Ok(Audit {
        leaves: tree.size(),
        ballot_leaves: codes.len() as u64,
        receipts: receipts.len(),
        checkpoints: sizes.len(),
    })
}
