//! Shared fixtures: one complete election, built once per test binary.
//!
//! Three trustees (threshold 2) enrol with proofs of possession bound to the
//! election id and run the real Pedersen DKG; the manifest has a referendum
//! and two "choose" questions, in two ballot styles that order their
//! questions differently.

#![allow(dead_code)]

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use psephos_crypto::dkg::{resolve, DkgOutcome, TrusteeKeyPair};
use psephos_crypto::encoding::Point;
use psephos_crypto::threshold::{KeyShare, TrusteeIndex};
use psephos_crypto::Scalar;
use psephos_election::ballot::Ballot;
use psephos_election::board::messages::BoardMessage;
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::election::Election;
use psephos_election::fingerprint::{ceremony_fingerprint, enrolment_fingerprint};
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, Question, QuestionRule, TrusteeEntry, TrusteePanel,
    VotingWindow, MANIFEST_VERSION,
};
use psephos_election::signing::PublicSigningKey;
use psephos_election::voter::{encrypt_ballot_with_rng, BallotDraft};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// The fixture election's id.
pub const ELECTION_ID: &str = "agm-2026.members_vote";

/// Style `north`: rules, board, north-delegate (3 questions).
pub const NORTH: &str = "north";
/// Style `south`: board, rules (2 questions, in the other order).
pub const SOUTH: &str = "south";

/// Trustees `n` and threshold `t`.
pub const TRUSTEES: u32 = 3;
pub const THRESHOLD: u32 = 2;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// One trustee's private material.
pub struct Trustee {
    pub index: TrusteeIndex,
    pub signing: SigningKey,
    pub keys: TrusteeKeyPair,
}

/// A complete election after its key ceremony.
pub struct Fixture {
    pub manifest: Manifest,
    pub manifest_leaf: Vec<u8>,
    pub election: Election,
    pub board_key: SigningKey,
    pub authority_key: SigningKey,
    pub trustees: Vec<Trustee>,
    /// Key shares of trustees 1, 2, 3 (all qualified).
    pub shares: Vec<KeyShare>,
    pub outcome: DkgOutcome,
}

fn option(id: &str, label: &str) -> OptionEntry {
    OptionEntry {
        id: id.into(),
        label: label.into(),
    }
}

/// The fixture's questions: `rules` (referendum), `board` (choose 1–2 of
/// 4), `north-delegate` (choose 0–1 of 3).
pub fn questions() -> Vec<Question> {
    vec![
        Question {
            id: "rules".into(),
            text: "Adopt the revised rule book?".into(),
            rule: QuestionRule::Referendum,
        },
        Question {
            id: "board".into(),
            text: "Elect up to two board members".into(),
            rule: QuestionRule::Choose {
                options: vec![
                    option("alice", "Alice Adams"),
                    option("bob", "Bob Brown"),
                    option("carol", "Carol Chen"),
                    option("dan", "Dan Diaz"),
                ],
                min: 1,
                max: 2,
            },
        },
        Question {
            id: "north-delegate".into(),
            text: "Delegate for the northern region".into(),
            rule: QuestionRule::Choose {
                options: vec![
                    option("erin", "Erin Evans"),
                    option("frank", "Frank Fox"),
                    option("grace", "Grace Green"),
                ],
                min: 0,
                max: 1,
            },
        },
    ]
}

pub fn styles() -> Vec<BallotStyle> {
    vec![
        BallotStyle {
            id: NORTH.into(),
            name: "Northern region".into(),
            questions: vec!["rules".into(), "board".into(), "north-delegate".into()],
        },
        BallotStyle {
            id: SOUTH.into(),
            name: "Southern region".into(),
            questions: vec!["board".into(), "rules".into()],
        },
    ]
}

/// Proofs of possession of every trustee's key for `election_id`.
pub fn possession_entries(trustees: &[Trustee], election_id: &str, seed: u64) -> Vec<TrusteeEntry> {
    let mut rng = rng(seed);
    let enrolment = enrolment_fingerprint(election_id);
    trustees
        .iter()
        .map(|t| TrusteeEntry {
            index: t.index.get(),
            name: format!("Trustee {}", t.index),
            signing_key: PublicSigningKey::from(&t.signing),
            encryption_key: *t.keys.public(),
            possession_proof: t
                .keys
                .prove_possession_with_rng(&enrolment, t.index, &mut rng),
        })
        .collect()
}

fn build() -> Fixture {
    let mut rng = rng(0x5eed);
    let board_key = SigningKey::generate(&mut rng);
    let authority_key = SigningKey::generate(&mut rng);
    let params = psephos_crypto::threshold::ThresholdParams::new(THRESHOLD, TRUSTEES).unwrap();
    let trustees: Vec<Trustee> = params
        .indices()
        .map(|index| Trustee {
            index,
            signing: SigningKey::generate(&mut rng),
            keys: TrusteeKeyPair::generate_with_rng(&mut rng),
        })
        .collect();
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: ELECTION_ID.into(),
        organisation: "Example Members' Association".into(),
        title: "Annual general meeting 2026".into(),
        voting_window: VotingWindow {
            opens: "2026-12-01T09:00:00Z".into(),
            closes: "2026-12-03T17:00:00Z".into(),
        },
        trustees: TrusteePanel {
            threshold: THRESHOLD,
            members: possession_entries(&trustees, ELECTION_ID, 1),
        },
        board_key: PublicSigningKey::from(&board_key),
        credential_authority_key: PublicSigningKey::from(&authority_key),
        questions: questions(),
        ballot_styles: styles(),
        booth_hash: Some("ab".repeat(32)),
    };
    manifest.validate().unwrap();
    let manifest_leaf = BoardMessage::Manifest(manifest.clone()).to_leaf();

    // The key ceremony, every trustee honest.
    let ceremony = ceremony_fingerprint(&manifest_leaf);
    let roster: Vec<Point> = manifest.roster();
    let mut states = Vec::new();
    let mut dealings = Vec::new();
    for t in &trustees {
        let (state, dealing) = psephos_crypto::dkg::Dealer::deal_with_rng(
            ceremony,
            params,
            t.index,
            t.keys.clone(),
            roster.clone(),
            &mut rng,
        )
        .unwrap();
        states.push(state);
        dealings.push(dealing);
    }
    let mut checked = Vec::new();
    let mut complaints = Vec::new();
    for state in states {
        let (c, m) = state.receive(&dealings, &mut rng).unwrap();
        assert!(m.complaints.is_empty());
        checked.push(c);
        complaints.push(m);
    }
    let outcome = resolve(&ceremony, &params, &roster, &dealings, &complaints).unwrap();
    assert_eq!(outcome.qualified.len(), TRUSTEES as usize);
    let shares: Vec<KeyShare> = checked
        .into_iter()
        .map(|c| c.finish(&dealings, &complaints).unwrap().0)
        .collect();
    let election =
        Election::new(manifest.clone(), &manifest_leaf, outcome.joint_key.clone()).unwrap();
    Fixture {
        manifest,
        manifest_leaf,
        election,
        board_key,
        authority_key,
        trustees,
        shares,
        outcome,
    }
}

/// The shared fixture election.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

/// The fixture's election.
pub fn election() -> &'static Election {
    &fixture().election
}

/// A fresh copy of the valid manifest, to mutate.
pub fn manifest() -> Manifest {
    fixture().manifest.clone()
}

/// Voter `n`'s secret credential (deterministic).
pub fn voter(n: u64) -> SecretCredential {
    SecretCredential::generate_with_rng(&mut rng(0xc0ffee + n))
}

/// Encrypts a ballot for voter `n` (not yet signed).
pub fn draft(n: u64, style: &str, choices: &[Vec<usize>], seed: u64) -> BallotDraft {
    encrypt_ballot_with_rng(election(), &voter(n), style, choices, &mut rng(seed)).unwrap()
}

/// A cast ballot for voter `n`.
pub fn cast(n: u64, style: &str, choices: &[Vec<usize>], seed: u64) -> Ballot {
    draft(n, style, choices, seed).cast(&voter(n), ELECTION_ID)
}

/// A valid north ballot: yes, board {alice, carol}, delegate frank.
pub fn north_choices() -> Vec<Vec<usize>> {
    vec![vec![0], vec![0, 2], vec![1]]
}

/// A valid south ballot: board {dan}, rules blank.
pub fn south_choices() -> Vec<Vec<usize>> {
    vec![vec![3], vec![]]
}

/// A cast north ballot of voter 1 (built once).
pub fn north_ballot() -> &'static Ballot {
    static BALLOT: OnceLock<Ballot> = OnceLock::new();
    BALLOT.get_or_init(|| cast(1, NORTH, &north_choices(), 11))
}

/// The credential list of voters `0..count`, even voters north, odd south.
pub fn credential_entries(count: u64) -> Vec<CredentialEntry> {
    (0..count)
        .map(|n| CredentialEntry {
            credential: voter(n).public(ELECTION_ID),
            style: if n % 2 == 0 { NORTH } else { SOUTH }.into(),
        })
        .collect()
}

pub fn credential_list(count: u64) -> CredentialList {
    CredentialList::sign(
        ELECTION_ID,
        credential_entries(count),
        &fixture().authority_key,
    )
    .unwrap()
}

/// `P + G`: another valid point.
pub fn bump_point(p: &Point) -> Point {
    Point::new(p.point() + Point::GENERATOR.point())
}

/// `s + 1`.
pub fn bump_scalar(s: &Scalar) -> Scalar {
    s + Scalar::ONE
}
