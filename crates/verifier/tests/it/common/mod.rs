//! Shared fixtures: a small election simulated once per test binary (an
//! honest one, and one where a trustee deals a bad share and is caught),
//! held in memory as a [`Record`] that tests edit, re-sign, write to a
//! temporary file and verify.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use psephos::simulate::{run, SimulationConfig, SimulationReport};
use psephos_crypto::context::CredentialKey;
use psephos_election::ballot::Ballot;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, MerkleTree};
use psephos_election::board::messages::BoardMessage;
use psephos_election::election::Election;
use psephos_election::error::RecordError;
use psephos_election::voter::AuditedBallot;
use psephos_verifier::{verify_file, Report, VerifyOptions};
use tempfile::NamedTempFile;

/// The seed of both simulations: 30 voters give 8 revotes and 5 audits.
pub const SEED: u64 = 2;

/// A simulated election: the simulation's report (with every secret) and
/// the record it wrote.
pub struct Fixture {
    pub report: SimulationReport,
    pub record: Record,
    pub election: Election,
    /// The record file exactly as the simulation wrote it.
    pub bytes: Vec<u8>,
}

fn simulate(cheating_dealer: Option<u32>, absent: u32) -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = dir.path().join("record.jsonl");
    let config = SimulationConfig {
        voters: 30,
        proposals: 3,
        candidates: 4,
        trustees: 5,
        threshold: 3,
        absent,
        revote_percent: 20,
        audit_percent: 10,
        seed: SEED,
        output: output.clone(),
        progress: false,
        cheating_dealer,
    };
    let report = run(&config).expect("the simulation runs");
    let bytes = std::fs::read(&output).expect("the record");
    Fixture::new(report, bytes)
}

/// The honest election: 5 trustees, threshold 3, 2 absent at decryption.
pub fn honest() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| simulate(None, 2))
}

/// Trustee 2 deals a bad share and is disqualified; with 4 qualified
/// trustees only one may be absent.
pub fn cheating() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| simulate(Some(2), 1))
}

impl Fixture {
    /// A fixture from a simulation's report and the bytes of a record made
    /// with the same keys.
    pub fn new(report: SimulationReport, bytes: Vec<u8>) -> Fixture {
        let record = Record::parse(&bytes);
        let election = record.election();
        Fixture {
            report,
            record,
            election,
            bytes,
        }
    }

    /// The board's signing key.
    pub fn board_key(&self) -> &SigningKey {
        &self.report.secrets.board_key
    }

    /// Trustee `index`'s message-signing key.
    pub fn trustee_key(&self, index: u32) -> &SigningKey {
        &self.report.secrets.trustee_keys[index as usize - 1]
    }

    /// The election id.
    pub fn election_id(&self) -> &str {
        &self.election.manifest.election_id
    }

    /// A copy of the record to tamper with.
    pub fn tamper(&self) -> Record {
        self.record.clone()
    }
}

/// An election record held in memory: header line, leaf lines, final
/// checkpoint.
#[derive(Clone)]
pub struct Record {
    pub header: Vec<u8>,
    pub leaves: Vec<Vec<u8>>,
    pub checkpoint: SignedCheckpoint,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Trailer {
    checkpoint: SignedCheckpoint,
}

impl Record {
    /// Splits a well-formed record into its parts.
    pub fn parse(bytes: &[u8]) -> Record {
        let text = bytes
            .strip_suffix(b"\n")
            .expect("record ends with a newline");
        let mut lines: Vec<Vec<u8>> = text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        let trailer: Trailer =
            serde_json::from_slice(&lines.pop().expect("a checkpoint line")).expect("checkpoint");
        let header = lines.remove(0);
        Record {
            header,
            leaves: lines,
            checkpoint: trailer.checkpoint,
        }
    }

    /// The file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.header);
        out.push(b'\n');
        for leaf in &self.leaves {
            out.extend_from_slice(leaf);
            out.push(b'\n');
        }
        let trailer = Trailer {
            checkpoint: self.checkpoint.clone(),
        };
        out.extend_from_slice(&serde_json::to_vec(&trailer).expect("checkpoint serialises"));
        out.push(b'\n');
        out
    }

    /// Leaf `index` as a message.
    pub fn message(&self, index: usize) -> BoardMessage {
        BoardMessage::from_leaf(&self.leaves[index])
            .unwrap_or_else(|e| panic!("leaf {index} parses: {e}"))
    }

    /// Replaces leaf `index` with a message.
    pub fn put(&mut self, index: usize, message: &BoardMessage) {
        self.leaves[index] = message.to_leaf();
    }

    /// Inserts a message before leaf `index`.
    pub fn insert(&mut self, index: usize, message: &BoardMessage) {
        self.leaves.insert(index, message.to_leaf());
    }

    /// Edits leaf `index` through its message.
    pub fn edit(&mut self, index: usize, f: impl FnOnce(&mut BoardMessage)) {
        let mut message = self.message(index);
        f(&mut message);
        self.put(index, &message);
    }

    /// Edits the ballot at leaf `index` (a cast ballot or an audit's ballot).
    pub fn edit_ballot(&mut self, index: usize, f: impl FnOnce(&mut Ballot)) {
        self.edit(index, |m| match m {
            BoardMessage::Ballot(ballot) => f(ballot),
            BoardMessage::BallotAudit(audit) => f(&mut audit.ballot),
            other => panic!("leaf {index} is a `{}`, not a ballot", other.kind()),
        });
    }

    /// Indices of the leaves of one kind, in log order.
    pub fn find(&self, kind: &str) -> Vec<usize> {
        let prefix = format!("{{\"type\":\"{kind}\",");
        (0..self.leaves.len())
            .filter(|&i| self.leaves[i].starts_with(prefix.as_bytes()))
            .collect()
    }

    /// The only leaf of one kind.
    pub fn only(&self, kind: &str) -> usize {
        let found = self.find(kind);
        assert_eq!(found.len(), 1, "one `{kind}` leaf");
        found[0]
    }

    /// The cast ballot at leaf `index`.
    pub fn ballot(&self, index: usize) -> Ballot {
        match self.message(index) {
            BoardMessage::Ballot(ballot) => ballot,
            other => panic!("leaf {index} is a `{}`, not a ballot", other.kind()),
        }
    }

    /// The audited ballot at leaf `index`.
    pub fn audit(&self, index: usize) -> AuditedBallot {
        match self.message(index) {
            BoardMessage::BallotAudit(audit) => audit,
            other => panic!("leaf {index} is a `{}`, not an audit", other.kind()),
        }
    }

    /// Cast ballots by credential: the leaves of each credential's ballots.
    pub fn ballots_by_credential(&self) -> HashMap<CredentialKey, Vec<usize>> {
        let mut out: HashMap<CredentialKey, Vec<usize>> = HashMap::new();
        for i in self.find("ballot") {
            out.entry(self.ballot(i).credential).or_default().push(i);
        }
        out
    }

    /// Leaves of ballots that count: the last cast ballot of each
    /// credential, ascending.
    pub fn counted(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .ballots_by_credential()
            .values()
            .map(|leaves| *leaves.last().expect("at least one"))
            .collect();
        out.sort_unstable();
        out
    }

    /// A credential that voted twice: its first and second ballot leaves.
    pub fn revote(&self) -> (usize, usize) {
        let mut pairs: Vec<(usize, usize)> = self
            .ballots_by_credential()
            .values()
            .filter(|leaves| leaves.len() == 2)
            .map(|leaves| (leaves[0], leaves[1]))
            .collect();
        pairs.sort_unstable();
        *pairs.first().expect("someone revoted")
    }

    /// The first counted ballot of a voter who voted once.
    pub fn single_vote(&self) -> usize {
        let by = self.ballots_by_credential();
        let mut once: Vec<usize> = by
            .values()
            .filter(|leaves| leaves.len() == 1)
            .map(|leaves| leaves[0])
            .collect();
        once.sort_unstable();
        once[0]
    }

    /// The election, assembled from the manifest and election-key leaves.
    pub fn election(&self) -> Election {
        let BoardMessage::Manifest(manifest) = self.message(0) else {
            panic!("leaf 0 is the manifest");
        };
        let BoardMessage::ElectionKey(key) = self.message(self.only("election-key")) else {
            panic!("an election key");
        };
        Election::new(manifest, &self.leaves[0], key.joint_key).expect("a valid election")
    }

    /// The Merkle tree of the leaves.
    pub fn tree(&self) -> MerkleTree {
        let mut tree = MerkleTree::new();
        for leaf in &self.leaves {
            tree.push(leaf_hash(leaf));
        }
        tree
    }

    /// Re-signs the final checkpoint over the current leaves.
    pub fn resign(&mut self, key: &SigningKey) {
        let tree = self.tree();
        self.checkpoint =
            SignedCheckpoint::sign(&self.checkpoint.log_id, tree.size(), tree.root(), key);
    }

    /// Writes the record to a temporary file (deleted on drop).
    pub fn write(&self) -> NamedTempFile {
        write_bytes(&self.to_bytes())
    }

    /// Verifies the record; panics if it is unreadable.
    pub fn verify(&self) -> Report {
        verify_bytes(&self.to_bytes())
            .unwrap_or_else(|e| panic!("the record should be readable: {e}"))
    }
}

/// Writes bytes to a temporary file.
pub fn write_bytes(bytes: &[u8]) -> NamedTempFile {
    let file = NamedTempFile::new().expect("temporary file");
    std::fs::write(file.path(), bytes).expect("write record");
    file
}

/// Verifies a record given as bytes.
pub fn verify_bytes(bytes: &[u8]) -> Result<Report, RecordError> {
    let file = write_bytes(bytes);
    verify_file(file.path(), &VerifyOptions::default()).map(|(report, _)| report)
}

/// The ids of the failed checks.
pub fn failed(report: &Report) -> BTreeSet<&'static str> {
    report.failed().map(|c| c.id).collect()
}

/// Every failure, one per line, for assertion messages.
pub fn describe(report: &Report) -> String {
    let mut out = String::new();
    for check in report.failed() {
        for failure in &check.failures {
            let leaf = failure
                .leaf
                .map_or_else(String::new, |l| format!(" (leaf {l})"));
            out.push_str(&format!("  {}{leaf}: {}\n", check.id, failure.message));
        }
    }
    out
}

/// Flips, in the hex string `hex` inside leaf `index`, the first bit at or
/// after `from_bit` for which the leaf still parses (so that the change
/// reaches the verifier's checks rather than its parser). Returns the new
/// hex string.
pub fn flip_hex_bit(record: &mut Record, index: usize, hex: &str, from_bit: usize) -> String {
    let leaf = String::from_utf8(record.leaves[index].clone()).expect("utf-8 leaf");
    assert_eq!(
        leaf.matches(hex).count(),
        1,
        "`{hex}` occurs once in leaf {index}"
    );
    let mut bytes = psephos_crypto::encoding::from_hex(hex).expect("hex");
    for bit in from_bit..bytes.len() * 8 {
        bytes[bit / 8] ^= 1 << (bit % 8);
        let flipped = psephos_crypto::encoding::to_hex(&bytes);
        let candidate = leaf.replace(hex, &flipped);
        if BoardMessage::from_leaf(candidate.as_bytes()).is_ok() {
            record.leaves[index] = candidate.into_bytes();
            return flipped;
        }
        bytes[bit / 8] ^= 1 << (bit % 8);
    }
    panic!("no bit of `{hex}` can be flipped and still parse");
}
