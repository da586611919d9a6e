//! Verified board reads against boards built in process with the Merkle
//! tree, and the tally recount.

use ed25519_dalek::SigningKey;
use psephos_crypto::dkg::TrusteeKeyPair;
use psephos_crypto::elgamal::PublicKey;
use psephos_election::ballot::Ballot;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::merkle::{leaf_hash, Hash, MerkleTree};
use psephos_election::board::messages::{BoardMessage, WindowEvent};
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::election::Election;
use psephos_election::signing::{domain, sign};
use psephos_election::tally::TallyAccumulator;
use psephos_election::voter::encrypt_ballot_with_rng;
use psephos_trustee::api::{BoardApi, ElectionInfo, Posted, TrusteeStatus};
use psephos_trustee::board::{check_consistency, read_leaves, verified_checkpoint};
use psephos_trustee::progress::Silent;
use psephos_trustee::recount::{compare_tallies, BallotLeaf, Recount};
use psephos_trustee::TrusteeError;

use crate::common::{manifest, rng, Trustee};

const LOG: &str = "board-test";

fn event(i: u64) -> BoardMessage {
    BoardMessage::VotingOpened(WindowEvent {
        at: format!("2026-01-01T00:{:02}:{:02}Z", i / 60, i % 60),
    })
}

/// A log in memory that answers the board's read endpoints.
struct StaticBoard {
    leaves: Vec<BoardMessage>,
    tree: MerkleTree,
    key: SigningKey,
    /// Serve this checkpoint instead of one over `leaves`.
    checkpoint: Option<SignedCheckpoint>,
}

impl StaticBoard {
    fn new(leaves: Vec<BoardMessage>, key: &SigningKey) -> Self {
        let mut tree = MerkleTree::new();
        for leaf in &leaves {
            tree.push(leaf_hash(&leaf.to_leaf()));
        }
        StaticBoard {
            leaves,
            tree,
            key: key.clone(),
            checkpoint: None,
        }
    }

    fn signed(&self) -> SignedCheckpoint {
        SignedCheckpoint::sign(LOG, self.tree.size(), self.tree.root(), &self.key)
    }
}

impl BoardApi for StaticBoard {
    fn describe(&self) -> String {
        "static".into()
    }
    fn election(&self) -> Result<ElectionInfo, TrusteeError> {
        Err(TrusteeError::NotYet("not served".into()))
    }
    fn trustee_status(&self) -> Result<TrusteeStatus, TrusteeError> {
        Err(TrusteeError::NotYet("not served".into()))
    }
    fn checkpoint(&self) -> Result<SignedCheckpoint, TrusteeError> {
        Ok(self.checkpoint.clone().unwrap_or_else(|| self.signed()))
    }
    fn consistency(&self, first: u64, second: u64) -> Result<Vec<Hash>, TrusteeError> {
        Ok(self.tree.consistency_proof(first, second).unwrap())
    }
    fn leaves(&self, start: u64, end: u64) -> Result<Vec<BoardMessage>, TrusteeError> {
        Ok(self.leaves[start as usize..end.min(self.leaves.len() as u64) as usize].to_vec())
    }
    fn post(&self, _: &BoardMessage) -> Result<Posted, TrusteeError> {
        panic!("nothing may be posted to this board")
    }
}

fn history(range: std::ops::Range<u64>, offset: u64) -> Vec<BoardMessage> {
    range.map(|i| event(i + offset)).collect()
}

#[test]
fn a_board_that_extends_its_log_passes() {
    let key = SigningKey::from_bytes(&[1; 32]);
    let before = StaticBoard::new(history(0..8, 0), &key);
    let seen = before.signed();
    let after = StaticBoard::new(history(0..13, 0), &key);
    let checkpoint = verified_checkpoint(&after, LOG, &(&key).into(), Some(&seen)).unwrap();
    assert_eq!(checkpoint.size, 13);
    let mut pages = 0;
    read_leaves(&after, &checkpoint, &Silent, |_, _| {
        pages += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(pages, 1);
    // The same checkpoint again is consistent with itself.
    verified_checkpoint(&after, LOG, &(&key).into(), Some(&checkpoint)).unwrap();
}

#[test]
fn a_board_that_rewrote_history_is_caught() {
    let key = SigningKey::from_bytes(&[2; 32]);
    let board_key = (&key).into();
    let honest = StaticBoard::new(history(0..8, 0), &key);
    let seen = honest.signed();
    // Same first four leaves, then different ones: a fork after leaf 3.
    let mut forked_leaves = history(0..4, 0);
    forked_leaves.extend(history(4..13, 1000));
    let forked = StaticBoard::new(forked_leaves, &key);
    let error = verified_checkpoint(&forked, LOG, &board_key, Some(&seen)).unwrap_err();
    assert!(
        matches!(error, TrusteeError::HistoryRewritten(_)),
        "{error}"
    );
    let text = error.to_string();
    assert!(text.starts_with("the board rewrote history:"), "{text}");
    assert!(
        text.contains("checkpoint of 13 leaves") && text.contains("8 leaves"),
        "{text}"
    );
    assert!(error.is_verification_failure());
    // Directly: the honest proof between 8 and 13 does not join the forked root.
    let longer = StaticBoard::new(history(0..13, 0), &key);
    let proof = longer.tree.consistency_proof(8, 13).unwrap();
    assert!(check_consistency(&seen, &longer.signed(), &proof).is_ok());
    assert!(check_consistency(&seen, &forked.signed(), &proof).is_err());
    // A shorter log.
    let shorter = StaticBoard::new(history(0..5, 0), &key);
    let error = verified_checkpoint(&shorter, LOG, &board_key, Some(&seen)).unwrap_err();
    assert!(error.to_string().contains("now has 5 leaves"), "{error}");
    // A log of the same size with another root.
    let same_size = StaticBoard::new(history(0..8, 500), &key);
    assert!(matches!(
        verified_checkpoint(&same_size, LOG, &board_key, Some(&seen)),
        Err(TrusteeError::HistoryRewritten(_))
    ));
}

#[test]
fn checkpoints_and_leaves_must_be_the_boards_own() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let board_key = (&key).into();
    let mut board = StaticBoard::new(history(0..6, 0), &key);
    // Signed by another key.
    let other = SigningKey::from_bytes(&[4; 32]);
    board.checkpoint = Some(SignedCheckpoint::sign(LOG, 6, board.tree.root(), &other));
    let error = verified_checkpoint(&board, LOG, &board_key, None).unwrap_err();
    assert!(matches!(error, TrusteeError::BoardMisbehaved(_)), "{error}");
    // For another log.
    board.checkpoint = Some(SignedCheckpoint::sign("other", 6, board.tree.root(), &key));
    let error = verified_checkpoint(&board, LOG, &board_key, None).unwrap_err();
    assert!(error.to_string().contains("log `other`"), "{error}");
    // Leaves that are not those the checkpoint commits to.
    let other_leaves = StaticBoard::new(history(0..6, 77), &key);
    board.checkpoint = Some(other_leaves.signed());
    let checkpoint = verified_checkpoint(&board, LOG, &board_key, None).unwrap();
    let error = read_leaves(&board, &checkpoint, &Silent, |_, _| Ok(())).unwrap_err();
    assert!(
        error.to_string().contains("do not hash to the root"),
        "{error}"
    );
    // A checkpoint claiming more leaves than the board serves.
    let longer = StaticBoard::new(history(0..9, 0), &key);
    board.checkpoint = Some(longer.signed());
    let checkpoint = verified_checkpoint(&board, LOG, &board_key, None).unwrap();
    let error = read_leaves(&board, &checkpoint, &Silent, |_, _| Ok(())).unwrap_err();
    assert!(
        matches!(error, TrusteeError::HistoryRewritten(_)),
        "{error}"
    );
}

struct Voting {
    election: Election,
    list: CredentialList,
    voters: Vec<(SecretCredential, &'static str)>,
}

fn voting() -> Voting {
    let dir = tempfile::tempdir().unwrap();
    let id = "recount-test";
    let trustees: Vec<Trustee> = (1..=2)
        .map(|i| Trustee::create(dir.path(), id, i, i.into()))
        .collect();
    let board = SigningKey::from_bytes(&[5; 32]);
    let authority = SigningKey::from_bytes(&[6; 32]);
    let manifest = manifest(id, &board, &authority, &trustees, 2);
    let mut rng = rng(10);
    let joint = TrusteeKeyPair::generate_with_rng(&mut rng);
    let key = PublicKey::from_point(*joint.public()).unwrap();
    let leaf = BoardMessage::Manifest(manifest.clone()).to_leaf();
    let election = Election::new(manifest, &leaf, key).unwrap();
    let voters: Vec<(SecretCredential, &str)> = (0..5)
        .map(|k| {
            (
                SecretCredential::generate_with_rng(&mut rng),
                if k % 2 == 0 { "north" } else { "south" },
            )
        })
        .collect();
    let list = CredentialList::sign(
        id,
        voters
            .iter()
            .map(|(c, s)| CredentialEntry {
                credential: c.public(id),
                style: s.to_string(),
            })
            .collect(),
        &authority,
    )
    .unwrap();
    Voting {
        election,
        list,
        voters,
    }
}

fn ballot(v: &Voting, voter: usize, seed: u64) -> Ballot {
    let (credential, style) = &v.voters[voter];
    let layout = v.election.layout(style).unwrap();
    let choices: Vec<Vec<usize>> = layout.questions.iter().map(|_| vec![0]).collect();
    encrypt_ballot_with_rng(&v.election, credential, style, &choices, &mut rng(seed))
        .unwrap()
        .cast(credential, &v.election.manifest.election_id)
}

#[test]
fn the_recount_counts_the_last_ballot_of_each_voter_and_refuses_another_tally() {
    let v = voting();
    let ballots: Vec<Ballot> = vec![
        ballot(&v, 0, 1),
        ballot(&v, 1, 2),
        ballot(&v, 2, 3),
        ballot(&v, 0, 4), // voter 0 votes again: this one counts
        ballot(&v, 3, 5),
    ];
    let mut recount = Recount::new(v.election.clone(), v.list.clone()).unwrap();
    recount
        .add(
            ballots
                .iter()
                .enumerate()
                .map(|(i, b)| (10 + i as u64, BallotLeaf::Cast(b.clone())))
                .collect(),
        )
        .unwrap();
    let (ours, summary) = recount.finish().unwrap();
    assert_eq!(
        (summary.cast, summary.counted, summary.superseded),
        (5, 4, 1)
    );
    // What the board should have posted: the last ballot per voter.
    let mut honest = TallyAccumulator::new(&v.election);
    for b in &ballots[1..] {
        honest.add(&v.election, b);
    }
    let honest = honest.finish(&v.election);
    assert_eq!(compare_tallies(&honest, &ours), Ok(()));
    // A tally that omits a ballot.
    let mut omitting = TallyAccumulator::new(&v.election);
    for b in &ballots[2..] {
        omitting.add(&v.election, b);
    }
    let error = compare_tallies(&omitting.finish(&v.election), &ours).unwrap_err();
    assert!(
        error.contains("counts 1 ballots, the ballots on the board give 2"),
        "{error}"
    );
    // A tally that counts the superseded ballot instead of the later one.
    let mut stale = TallyAccumulator::new(&v.election);
    for b in &ballots[..3] {
        stale.add(&v.election, b);
    }
    stale.add(&v.election, &ballots[4]);
    let error = compare_tallies(&stale.finish(&v.election), &ours).unwrap_err();
    assert!(error.contains("encrypted sum is not the sum"), "{error}");
}

#[test]
fn the_recount_refuses_a_board_with_invalid_ballots() {
    let v = voting();
    let id = v.election.manifest.election_id.clone();
    let check = |leaves: Vec<BallotLeaf>| {
        let mut recount = Recount::new(v.election.clone(), v.list.clone()).unwrap();
        let batch = leaves
            .into_iter()
            .enumerate()
            .map(|(i, l)| (i as u64, l))
            .collect();
        recount
            .add(batch)
            .and_then(|_| recount.finish().map(|_| ()))
    };
    assert!(check(vec![BallotLeaf::Cast(ballot(&v, 0, 1))]).is_ok());
    // A replayed ballot.
    let b = ballot(&v, 1, 2);
    let error = check(vec![BallotLeaf::Cast(b.clone()), BallotLeaf::Cast(b)]).unwrap_err();
    assert!(
        error.to_string().contains("repeats tracking code"),
        "{error}"
    );
    // A voter who is not on the list.
    let stranger = SecretCredential::generate_with_rng(&mut rng(77));
    let layout = v.election.layout("north").unwrap();
    let choices: Vec<Vec<usize>> = layout.questions.iter().map(|_| Vec::new()).collect();
    let outsider = encrypt_ballot_with_rng(&v.election, &stranger, "north", &choices, &mut rng(3))
        .unwrap()
        .cast(&stranger, &id);
    let error = check(vec![BallotLeaf::Cast(outsider)]).unwrap_err();
    assert!(error.to_string().contains("not on the list"), "{error}");
    // A forged signature.
    let mut forged = ballot(&v, 2, 4);
    forged.signature.0[0] ^= 1;
    let error = check(vec![BallotLeaf::Cast(forged)]).unwrap_err();
    assert!(matches!(error, TrusteeError::InvalidBallot(_)), "{error}");
    // An audited ballot whose ciphertexts are then cast.
    let (credential, style) = &v.voters[3];
    let layout = v.election.layout(style).unwrap();
    let choices: Vec<Vec<usize>> = layout.questions.iter().map(|_| vec![0]).collect();
    let audit = encrypt_ballot_with_rng(&v.election, credential, style, &choices, &mut rng(5))
        .unwrap()
        .audit(credential, &id);
    let mut cast = audit.ballot.clone();
    let code = cast.tracking_code();
    cast.signature = sign(&credential.signing_key(&id), domain::BALLOT_CAST, &code.0);
    let error = check(vec![BallotLeaf::Audit(audit), BallotLeaf::Cast(cast)]).unwrap_err();
    assert!(matches!(error, TrusteeError::InvalidBallot(_)), "{error}");
}
