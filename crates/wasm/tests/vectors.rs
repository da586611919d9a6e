//! The client's vectors: what the native build of `psephos-wasm` answers for
//! the spec's election records (`tests/data/frozen-v1`, the must-fail
//! records of `spec/vectors/records/`) and for seeded encryptions, written
//! to `crates/wasm/tests/vectors/client.json`. The WebAssembly build must
//! answer the same, byte for byte (`tests/browser/wasm.test.mjs`, run by
//! `scripts/test-web.sh`).
//!
//! This test fails if the checked-in file differs from what the code now
//! produces; regenerate deliberately with
//! `PSEPHOS_REGENERATE=1 cargo test -p psephos-wasm --test vectors`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use psephos_crypto::encoding::to_hex;
use psephos_election::ballot::TrackingCode;
use psephos_election::board::merkle::{leaf_hash, MerkleTree};
use psephos_wasm::client::{self, to_json, ElectionView, Voter};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn outcome<T: serde::Serialize>(result: Result<T, psephos_wasm::error::ClientError>) -> Value {
    match result {
        Ok(report) => json!({ "ok": serde_json::to_value(report).unwrap() }),
        Err(e) => json!({ "error": e.code() }),
    }
}

/// The body of `GET /api/elections/{id}` a server would give for the
/// record: leaf 0's manifest, its leaf hash, the first election-key leaf.
fn view_of(leaves: &[&str]) -> Value {
    let manifest: Value = serde_json::from_str::<Value>(leaves[0]).unwrap()["body"].clone();
    let key = leaves
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|m| m["type"] == "election-key")
        .map(|m| m["body"].clone())
        .unwrap_or(Value::Null);
    json!({
        "election_id": manifest["election_id"],
        "phase": "published",
        "manifest_leaf_hash": to_hex(&leaf_hash(leaves[0].as_bytes())),
        "election_key": key,
        "board_key": manifest["board_key"],
        "manifest": manifest,
    })
}

/// Records whose receipts are written out (every ballot's, against the
/// trailer's checkpoint): the valid one and those whose log or checkpoint
/// was changed. The others differ from frozen-v1 in ways receipts ignore.
const RECEIPT_RECORDS: [&str; 3] = [
    "frozen-v1",
    "checkpoint-root-changed",
    "ballot-removed-checkpoint-resigned",
];

fn record_case(name: &str, path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let leaves: Vec<&str> = lines[1..]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("{\"checkpoint\":"))
        .collect();
    let trailer: Option<Value> = lines
        .iter()
        .find(|l| l.starts_with("{\"checkpoint\":"))
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["checkpoint"].clone());
    let view_json = view_of(&leaves).to_string();
    let view = ElectionView::from_json(&view_json);
    let mut case = json!({
        "name": name,
        "record": path,
        "view": outcome(view.as_ref().map(|v| json!({
            "election_id": v.election_id,
            "fingerprint": v.fingerprint_hex(),
        })).map_err(Clone::clone)),
    });
    let Ok(view) = view else { return case };
    let mut tree = MerkleTree::new();
    for leaf in &leaves {
        tree.push(leaf_hash(leaf.as_bytes()));
    }
    let mut ballots = Vec::new();
    let mut audits = Vec::new();
    let mut receipts = Vec::new();
    for (index, leaf) in leaves.iter().enumerate() {
        // A truncated record ends with a partial line: not a message.
        let Ok(message) = serde_json::from_str::<Value>(leaf) else {
            continue;
        };
        let body = message["body"].to_string();
        match message["type"].as_str() {
            Some("ballot") => {
                ballots.push(json!({
                    "leaf_index": index,
                    "expect": outcome(client::verify_ballot(&view, &body)),
                }));
                if let Some(checkpoint) =
                    trailer.as_ref().filter(|_| RECEIPT_RECORDS.contains(&name))
                {
                    let size = checkpoint["size"].as_u64().unwrap();
                    if (index as u64) < size {
                        let code = TrackingCode(
                            Sha256::digest(
                                psephos_election::board::messages::BoardMessage::from_leaf(
                                    leaf.as_bytes(),
                                )
                                .map(|m| match m {
                                    psephos_election::board::messages::BoardMessage::Ballot(b) => {
                                        b.canonical_bytes()
                                    }
                                    _ => Vec::new(),
                                })
                                .unwrap_or_default(),
                            )
                            .into(),
                        );
                        let receipt = json!({
                            "election_id": view.election_id,
                            "tracking_code": code.to_string(),
                            "leaf_index": index,
                            "leaf_hash": to_hex(&leaf_hash(leaf.as_bytes())),
                            "checkpoint": checkpoint,
                            "inclusion_proof": tree.inclusion_proof(index as u64, size).unwrap().iter().map(|h| to_hex(h)).collect::<Vec<_>>(),
                        });
                        let mut wrong = receipt.clone();
                        wrong["leaf_index"] = json!((index + 1) as u64 % size);
                        for (variant, receipt) in
                            [("as issued", receipt), ("another leaf index", wrong)]
                        {
                            let text = receipt.to_string();
                            receipts.push(json!({
                                "variant": variant,
                                "ballot_leaf": index,
                                "receipt": receipt,
                                "matches_ballot": client::receipt_matches_ballot(&text, &body).unwrap(),
                                "expect": outcome(client::verify_receipt(&view, &text)),
                            }));
                        }
                    }
                }
            }
            Some("ballot-audit") => audits.push(json!({
                "leaf_index": index,
                "expect": outcome(client::verify_audit(&view, &body)),
            })),
            _ => {}
        }
    }
    case["ballots"] = json!(ballots);
    case["audits"] = json!(audits);
    case["receipts"] = json!(receipts);
    if let Some(checkpoint) = trailer {
        case["trailer"] = json!({
            "checkpoint": checkpoint,
            "expect": outcome(client::verify_checkpoint(&view, &checkpoint.to_string())),
        });
    }
    case
}

fn encryptions() -> Value {
    let text = std::fs::read_to_string(root().join("tests/data/frozen-v1/record.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let view_json = view_of(&lines[1..lines.len() - 1]).to_string();
    let view = ElectionView::from_json(&view_json).unwrap();
    // The spec's example secret (record.md §6.2), in this election.
    let link = "https://vote.example.org/vote#simulation-10.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT";
    let voter = Voter::from_link(&view, link).unwrap();
    let cases: [(u64, &str, &str); 4] = [
        (1, "north", "[[0],[1],[1]]"),
        (2, "south", "[[],[],[]]"),
        (3, "london", "[[1],[],[0]]"),
        (4, "north", "[[0],[0],[]]"),
    ];
    let mut out = Vec::new();
    for (seed, style, choices) in cases {
        let parsed = client::parse_choices(choices).unwrap();
        let draft = |seed| {
            voter
                .encrypt_with_rng(&view, style, &parsed, &mut ChaCha20Rng::seed_from_u64(seed))
                .unwrap()
        };
        let cast = draft(seed);
        let code = cast.tracking_code();
        let ballot = to_json(&cast.cast(&voter).unwrap());
        let audit = to_json(&draft(seed).audit(&voter).unwrap());
        out.push(json!({
            "seed": seed,
            "link": link,
            "style": style,
            "choices": choices,
            "public_credential": voter.public_hex(),
            "tracking_code": code.to_string(),
            "short_code": code.short(),
            "ballot": ballot,
            "audit": audit,
        }));
    }
    let bad_choices = voter
        .encrypt_with_rng(
            &view,
            "north",
            &[vec![0, 1], vec![], vec![]],
            &mut ChaCha20Rng::seed_from_u64(9),
        )
        .err()
        .map(|e| e.code());
    json!({ "cases": out, "too_many_choices": bad_choices })
}

fn links() -> Value {
    let cases = [
        "https://vote.example.org/vote#simulation-10.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT",
        "simulation-10.aaaqeayeaudaocajbifqydiob4ibceqt",
        "#simulation-10.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQ",
        "#simulation-10.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQ1",
        "#simulation-10AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT",
        "#other.election.AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT",
        "",
    ];
    json!(cases
        .iter()
        .map(|link| json!({ "link": link, "expect": outcome(client::link_election_id(link)) }))
        .collect::<Vec<_>>())
}

fn generate() -> String {
    let mut records = vec![record_case(
        "frozen-v1",
        "tests/data/frozen-v1/record.jsonl",
    )];
    let dir = root().join("spec/vectors/records");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    names.sort();
    for name in names {
        records.push(record_case(
            name.trim_end_matches(".jsonl"),
            &format!("spec/vectors/records/{name}"),
        ));
    }
    let abc = to_hex(&Sha256::digest(b"abc"));
    let value = json!({
        "comment": "What the native psephos-wasm client answers; the WebAssembly build must answer the same. Generated by crates/wasm/tests/vectors.rs.",
        "short_codes": [{ "hex": abc, "expect": outcome(client::short_code(&abc)) }, { "hex": "zz", "expect": outcome(client::short_code("zz")) }],
        "links": links(),
        "records": records,
        "encryptions": encryptions(),
    });
    format!("{}\n", serde_json::to_string_pretty(&value).unwrap())
}

#[test]
fn vectors_file_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/client.json");
    let fresh = generate();
    if std::env::var_os("PSEPHOS_REGENERATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == fresh,
        "{} differs from what the client now answers; regenerate with PSEPHOS_REGENERATE=1 if intended",
        path.display()
    );
}

#[test]
fn the_spec_examples_hold() {
    let abc = to_hex(&Sha256::digest(b"abc"));
    assert_eq!(client::short_code(&abc).unwrap(), "XJ4B-NP4P-AHH6-UQKB");
}
