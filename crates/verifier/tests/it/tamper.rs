//! The tamper suite: each case applies one mutation to a valid simulated
//! record and names the checks that must fail — exactly those, so that a
//! mutation caught for the wrong reason, or caught by fewer checks than
//! before, shows up here.
//!
//! Where the mutation needs a signature to stay valid (the board's
//! checkpoint, a trustee's message, the credential list, a voter's ballot),
//! the case re-signs it with the simulation's real key, so that the test
//! shows the semantic check catching the change, not a broken signature.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
use ed25519_dalek::SigningKey;
use psephos_crypto::context::Fingerprint;
use psephos_crypto::elgamal::{EncryptionNonce, PublicKey};
use psephos_crypto::encoding::{to_hex, Point};
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::threshold::TrusteeIndex;
use psephos_election::ballot::Ballot;
use psephos_election::board::checkpoint::SignedCheckpoint;
use psephos_election::board::messages::{BoardMessage, TrusteeSigned};
use psephos_election::credentials::{CredentialList, SecretCredential};
use psephos_election::signing::{domain, sign};
use psephos_election::tally::{combine_result, TallyAccumulator, TallyDecryption};
use psephos_election::voter::encrypt_ballot_with_rng;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::common::{cheating, describe, failed, flip_hex_bit, honest, Fixture, Record};

/// One mutation and the checks it must fail.
pub struct Case {
    pub name: &'static str,
    base: fn() -> &'static Fixture,
    /// The check the mutation is about first, then every other check that
    /// must fail with it.
    pub expect: &'static [&'static str],
    pub mutate: fn(&mut Record, &Fixture),
}

macro_rules! cases {
    ($($name:ident on $base:ident => [$($id:literal),+ $(,)?];)+) => {
        pub const CASES: &[Case] = &[
            $(Case { name: stringify!($name), base: $base, expect: &[$($id),+], mutate: $name },)+
        ];

        /// One test per case.
        mod each {
            $(
                #[test]
                fn $name() {
                    super::run(stringify!($name));
                }
            )+
        }
    };
}

cases! {
    // Ballots.
    ciphertext_bit_flipped on honest => ["V13", "V10", "V17"];
    selection_proof_bit_flipped on honest => ["V13", "V10", "V17"];
    sum_proof_bit_flipped on honest => ["V13", "V10", "V17"];
    ballot_signature_bit_flipped on honest => ["V10", "V17"];
    ballot_signature_malleated on honest => ["V10", "V17"];
    proofs_swapped_between_ballots on honest => ["V13", "V10", "V17"];
    proofs_swapped_between_options on honest => ["V13", "V10", "V17"];
    sum_proofs_swapped_between_questions on honest => ["V13", "V10", "V17"];
    selections_swapped_with_their_proofs on honest => ["V13", "V10", "V17"];
    ballot_removed_checkpoint_stale on honest => ["V2", "V17"];
    ballot_removed_checkpoint_resigned on honest => ["V17"];
    ballot_duplicated on honest => ["V14"];
    ballot_replayed_under_another_credential on honest => ["V13", "V14"];
    ballot_replayed_keeping_the_signature on honest => ["V10", "V13", "V14"];
    ballot_under_unknown_credential on honest => ["V11"];
    ballot_of_another_style on honest => ["V11"];
    ballot_style_field_edited on honest => ["V11", "V10", "V12", "V17"];
    ballot_for_another_election on honest => ["V12"];
    ballot_after_voting_closed on honest => ["V3"];
    revotes_reordered on honest => ["V17"];
    audited_ballot_counted on honest => ["V10"];
    audited_ballot_recast on honest => ["V16"];
    audit_opening_altered on honest => ["V16"];
    audit_duplicated on honest => ["V16"];
    audited_answer_cast_by_its_voter on honest => ["V16"];
    audited_ballot_cast_last_and_counted on honest => ["V16"];
    old_ballot_reappended_after_revote on honest => ["V14"];
    audited_ciphertexts_cast_by_another_voter on honest => ["V16"];
    // FINDING: not caught (the record verifies).
    audited_ciphertexts_counted_for_another_voter on honest => ["V16"];
    // FINDING (spec/verify.md D5): not caught (the record verifies).
    audit_of_another_style on honest => ["V16"];
    ballot_with_an_extra_answer on honest => ["V12"];
    // Tally, decryption, result.
    result_count_changed on honest => ["V20"];
    result_overall_count_changed on honest => ["V20"];
    result_names_an_absent_trustee on honest => ["V20"];
    result_decrypted_by_repeated on honest => ["V20"];
    result_decrypted_by_unsorted on honest => ["V20"];
    tally_ballot_count_changed on honest => ["V17", "V20"];
    tally_published_twice on honest => ["V3"];
    tally_replaced_by_subset_sum on honest => ["V17", "V18", "V19", "V20"];
    tally_replaced_by_subset_sum_and_redecrypted on honest => ["V17"];
    decryption_share_altered on honest => ["V5", "V19", "V20"];
    decryption_share_altered_and_resigned on honest => ["V18", "V19", "V20"];
    share_moved_to_another_trustee on honest => ["V5", "V19", "V20"];
    share_resigned_by_another_trustee on honest => ["V18", "V19", "V20"];
    fewer_than_t_shares on honest => ["V19", "V20"];
    decryption_duplicated on honest => ["V5"];
    decryption_missing_a_share on honest => ["V18", "V19", "V20"];
    decryption_before_the_tally on honest => ["V3"];
    decryption_by_disqualified_trustee on cheating => ["V18"];
    // Key ceremony and manifest.
    dealing_duplicated on honest => ["V5"];
    joint_key_replaced on honest => ["V7"];
    fingerprint_replaced on honest => ["V7"];
    qualified_trustees_reordered on honest => ["V7"];
    disqualification_hidden on cheating => ["V7"];
    // Everything after is checked against the recomputed key: ballots and
    // shares made under the published key all fail.
    complaints_withheld on honest => ["V7", "V12", "V16", "V17", "V18", "V19", "V20"];
    complaint_against_cheater_hidden on cheating => ["V7"];
    // Without a valid manifest nothing can be checked: every check but the
    // file format and the order of leaves fails closed.
    possession_proof_forged on honest => [
        "V4", "V2", "V5", "V6", "V7", "V8", "V9", "V10", "V11", "V12", "V13", "V14", "V15",
        "V16", "V17", "V18", "V19", "V20"
    ];
    // The key ceremony is bound to the manifest's exact bytes: every dealing
    // fails, no key results, and everything after fails closed.
    manifest_edited_checkpoint_stale on honest => [
        "V2", "V6", "V7", "V10", "V11", "V12", "V13", "V16", "V17", "V18", "V19", "V20"
    ];
    manifest_edited_checkpoint_resigned on honest => [
        "V6", "V7", "V10", "V11", "V12", "V13", "V16", "V17", "V18", "V19", "V20"
    ];
    // Credentials and the voting window.
    // Without the credential list no ballot can be checked (fail closed).
    credential_list_signature_broken on honest => [
        "V8", "V10", "V11", "V12", "V13", "V16", "V17", "V18", "V19", "V20"
    ];
    // The voter had also audited a ballot: that audit is flagged too.
    credential_removed_and_list_resigned on honest => ["V11", "V16", "V17"];
    voting_opened_before_the_window on honest => ["V9"];
    voting_closed_after_the_window on honest => ["V9"];
    voting_closed_before_it_opened on honest => ["V9"];
    voting_opened_twice on honest => ["V3"];
    // The log.
    leaves_reordered_checkpoint_stale on honest => ["V2"];
    tally_before_voting_closed on honest => ["V3"];
    log_truncated_before_result on honest => ["V3", "V20"];
    log_truncated_after_tally on honest => ["V3", "V18", "V19", "V20"];
    checkpoint_root_changed on honest => ["V2"];
    checkpoint_size_changed on honest => ["V2"];
    checkpoint_covers_a_prefix on honest => ["V2"];
    board_key_swapped on honest => ["V2"];
    checkpoint_for_another_log on honest => ["V2"];
}

/// The case called `name`.
pub fn case(name: &str) -> &'static Case {
    CASES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case `{name}`"))
}

fn run(name: &str) {
    let case = case(name);
    let fixture = (case.base)();
    let mut record = fixture.tamper();
    (case.mutate)(&mut record, fixture);
    assert_ne!(
        record.to_bytes(),
        fixture.record.to_bytes(),
        "{name}: the mutation changed nothing"
    );
    let report = record.verify();
    let found = failed(&report);
    assert!(!report.verified, "{name}: the tampered record verified");
    assert!(
        report.failed_check(case.expect[0]),
        "{name}: {} did not fail; failures:\n{}",
        case.expect[0],
        describe(&report)
    );
    let mut expected: Vec<&str> = case.expect.to_vec();
    expected.sort_unstable();
    let mut actual: Vec<&str> = found.into_iter().collect();
    actual.sort_unstable();
    assert_eq!(
        actual,
        expected,
        "{name}: unexpected set of failed checks; failures:\n{}",
        describe(&report)
    );
}

#[test]
fn at_least_thirty_distinct_mutations() {
    let mut seen = std::collections::HashSet::new();
    seen.insert(honest().record.to_bytes());
    seen.insert(cheating().record.to_bytes());
    for case in CASES {
        let fixture = (case.base)();
        let mut record = fixture.tamper();
        (case.mutate)(&mut record, fixture);
        assert!(
            seen.insert(record.to_bytes()),
            "{}: the same record as another case",
            case.name
        );
    }
    assert!(CASES.len() >= 30, "{} cases", CASES.len());
}

// ---------------------------------------------------------------------------
// Helpers.

fn resign(record: &mut Record, fixture: &Fixture) {
    record.resign(fixture.board_key());
}

/// The leaf of the voting-closed event: new ballots go just before it.
fn end_of_voting(record: &Record) -> usize {
    record.only("voting-closed")
}

/// Signs a ballot as cast with a voter's secret credential.
fn cast_with(ballot: &mut Ballot, credential: &SecretCredential, election_id: &str) {
    let key = credential.signing_key(election_id);
    ballot.signature = sign(&key, domain::BALLOT_CAST, &ballot.tracking_code().0);
}

/// The secret credential and style of the voter whose ballot is at `leaf`.
fn voter_of(fixture: &Fixture, ballot: &Ballot) -> (SecretCredential, String) {
    let id = fixture.election_id();
    fixture
        .report
        .secrets
        .credentials
        .iter()
        .find(|(secret, _)| secret.public(id) == ballot.credential)
        .cloned()
        .expect("the ballot's voter")
}

/// Another voter of the same style than the ballot's.
fn other_voter_of_same_style(fixture: &Fixture, ballot: &Ballot) -> SecretCredential {
    let id = fixture.election_id();
    fixture
        .report
        .secrets
        .credentials
        .iter()
        .find(|(secret, style)| *style == ballot.style && secret.public(id) != ballot.credential)
        .map(|(secret, _)| secret.clone())
        .expect("another voter of the style")
}

/// Choices that select the first option of every question.
fn first_options(fixture: &Fixture, style: &str) -> Vec<Vec<usize>> {
    let layout = fixture.election.layout(style).expect("style");
    layout.questions.iter().map(|_| vec![0]).collect()
}

fn generator() -> Point {
    Point::new(RISTRETTO_BASEPOINT_POINT)
}

fn plus_generator(point: &Point) -> Point {
    Point::new(point.point() + RISTRETTO_BASEPOINT_POINT)
}

fn decryption_leaves(record: &Record) -> Vec<usize> {
    record.find("tally-decryption")
}

fn decryption(record: &Record, leaf: usize) -> TrusteeSigned<TallyDecryption> {
    match record.message(leaf) {
        BoardMessage::TallyDecryption(signed) => signed,
        other => panic!("leaf {leaf} is a `{}`", other.kind()),
    }
}

fn resign_trustee<T: serde::Serialize + Clone>(
    fixture: &Fixture,
    kind: &str,
    signer: u32,
    message: &T,
) -> TrusteeSigned<T> {
    TrusteeSigned::sign(
        fixture.election_id(),
        kind,
        TrusteeIndex::try_from(signer).expect("index"),
        message.clone(),
        fixture.trustee_key(signer),
    )
    .expect("signs")
}

fn edit_result(record: &mut Record, f: impl FnOnce(&mut psephos_election::tally::ElectionResult)) {
    let leaf = record.only("result");
    record.edit(leaf, |m| match m {
        BoardMessage::Result(result) => f(result),
        other => panic!("not a result: {}", other.kind()),
    });
}

/// Moves one year in an RFC 3339 time by `years`.
fn shift_year(time: &str, years: i32) -> String {
    let year: i32 = time[..4].parse().expect("a year");
    format!("{:04}{}", year + years, &time[4..])
}

// ---------------------------------------------------------------------------
// Ballots.

fn ciphertext_bit_flipped(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let beta = r.ballot(leaf).answers[0].ciphertexts[0].beta;
    flip_hex_bit(r, leaf, &to_hex(beta.as_bytes()), 0);
    resign(r, f);
}

fn selection_proof_bit_flipped(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let z = r.ballot(leaf).answers[1].proofs[0].branches[1].z;
    flip_hex_bit(r, leaf, &to_hex(z.as_bytes()), 0);
    resign(r, f);
}

fn sum_proof_bit_flipped(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let c = r.ballot(leaf).answers[0].sum_proof.branches[0].c;
    flip_hex_bit(r, leaf, &to_hex(c.as_bytes()), 0);
    resign(r, f);
}

fn ballot_signature_bit_flipped(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let signature = r.ballot(leaf).signature;
    flip_hex_bit(r, leaf, &to_hex(&signature.0), 0);
    resign(r, f);
}

/// The order of the ed25519 group, little-endian: `2^252 + 27742317777372353535851937790883648493`.
const ED25519_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// The same signature with `S + ℓ` for `S`: still a solution of the
/// verification equation, but not canonical, so strict verification
/// refuses it (a signature must have one encoding).
fn ballot_signature_malleated(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    r.edit_ballot(leaf, |b| {
        let mut carry = 0u16;
        for (s, l) in b.signature.0[32..].iter_mut().zip(ED25519_ORDER) {
            let sum = u16::from(*s) + u16::from(l) + carry;
            *s = sum as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0);
    });
    resign(r, f);
}

fn proofs_swapped_between_ballots(r: &mut Record, f: &Fixture) {
    let counted = r.counted();
    let (a, b) = (counted[0], counted[1]);
    let (mut first, mut second) = (r.ballot(a), r.ballot(b));
    std::mem::swap(
        &mut first.answers[0].proofs[0],
        &mut second.answers[0].proofs[0],
    );
    r.put(a, &BoardMessage::Ballot(first));
    r.put(b, &BoardMessage::Ballot(second));
    resign(r, f);
}

fn proofs_swapped_between_options(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    r.edit_ballot(leaf, |b| b.answers[0].proofs.swap(0, 1));
    resign(r, f);
}

fn sum_proofs_swapped_between_questions(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    r.edit_ballot(leaf, |b| {
        let first = b.answers[0].sum_proof.clone();
        b.answers[0].sum_proof = std::mem::replace(&mut b.answers[1].sum_proof, first);
    });
    resign(r, f);
}

/// Yes becomes No: both selections move, each with its own valid proof.
fn selections_swapped_with_their_proofs(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    r.edit_ballot(leaf, |b| {
        b.answers[0].ciphertexts.swap(0, 1);
        b.answers[0].proofs.swap(0, 1);
    });
    resign(r, f);
}

fn ballot_removed_checkpoint_stale(r: &mut Record, _: &Fixture) {
    let leaf = r.single_vote();
    r.leaves.remove(leaf);
}

fn ballot_removed_checkpoint_resigned(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    r.leaves.remove(leaf);
    resign(r, f);
}

fn ballot_duplicated(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let copy = r.leaves[leaf].clone();
    r.leaves.insert(leaf + 1, copy);
    resign(r, f);
}

/// Another voter of the same style casts a copy of someone's ballot,
/// properly signed with their own credential.
fn ballot_replayed_under_another_credential(r: &mut Record, f: &Fixture) {
    let mut ballot = r.ballot(r.single_vote());
    let thief = other_voter_of_same_style(f, &ballot);
    ballot.credential = thief.public(f.election_id());
    cast_with(&mut ballot, &thief, f.election_id());
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    resign(r, f);
}

fn ballot_replayed_keeping_the_signature(r: &mut Record, f: &Fixture) {
    let mut ballot = r.ballot(r.single_vote());
    let thief = other_voter_of_same_style(f, &ballot);
    ballot.credential = thief.public(f.election_id());
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    resign(r, f);
}

fn ballot_under_unknown_credential(r: &mut Record, f: &Fixture) {
    let mut rng = ChaCha20Rng::seed_from_u64(101);
    let stranger = SecretCredential::generate_with_rng(&mut rng);
    let style = f.election.layouts[0].id.clone();
    let ballot = encrypt_ballot_with_rng(
        &f.election,
        &stranger,
        &style,
        &first_options(f, &style),
        &mut rng,
    )
    .expect("encrypts")
    .cast(&stranger, f.election_id());
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    resign(r, f);
}

/// A voter casts a valid, properly signed ballot of a style that is not
/// theirs (as their last ballot).
fn ballot_of_another_style(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let (secret, style) = voter_of(f, &r.ballot(leaf));
    let other = f
        .election
        .layouts
        .iter()
        .find(|l| l.id != style)
        .expect("another style")
        .id
        .clone();
    let mut rng = ChaCha20Rng::seed_from_u64(102);
    let ballot = encrypt_ballot_with_rng(
        &f.election,
        &secret,
        &other,
        &first_options(f, &other),
        &mut rng,
    )
    .expect("encrypts")
    .cast(&secret, f.election_id());
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    resign(r, f);
}

fn ballot_style_field_edited(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let style = r.ballot(leaf).style;
    let other = f
        .election
        .layouts
        .iter()
        .find(|l| l.id != style)
        .expect("another style")
        .id
        .clone();
    r.edit_ballot(leaf, |b| b.style = other);
    resign(r, f);
}

/// A fresh ballot naming another election fingerprint, signed by its voter.
fn ballot_for_another_election(r: &mut Record, f: &Fixture) {
    let (secret, style) = voter_of(f, &r.ballot(r.single_vote()));
    let mut rng = ChaCha20Rng::seed_from_u64(104);
    let mut ballot = encrypt_ballot_with_rng(
        &f.election,
        &secret,
        &style,
        &first_options(f, &style),
        &mut rng,
    )
    .expect("encrypts")
    .cast(&secret, f.election_id());
    ballot.election = Fingerprint::from_bytes([7; 32]);
    cast_with(&mut ballot, &secret, f.election_id());
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    resign(r, f);
}

fn ballot_after_voting_closed(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let ballot = r.leaves.remove(leaf);
    let closed = end_of_voting(r);
    r.leaves.insert(closed + 1, ballot);
    resign(r, f);
}

fn revotes_reordered(r: &mut Record, f: &Fixture) {
    let (first, second) = r.revote();
    r.leaves.swap(first, second);
    resign(r, f);
}

/// The board publishes a spoiled ballot as a cast one.
fn audited_ballot_counted(r: &mut Record, f: &Fixture) {
    let leaf = r.find("ballot-audit")[0];
    let audit = r.audit(leaf);
    r.put(leaf, &BoardMessage::Ballot(audit.ballot));
    resign(r, f);
}

/// The audited ballot is also cast, signed under the cast domain by its
/// voter (before the voter's real ballot, which replaces it).
fn audited_ballot_recast(r: &mut Record, f: &Fixture) {
    let leaf = r.find("ballot-audit")[0];
    let mut ballot = r.audit(leaf).ballot;
    let (secret, _) = voter_of(f, &ballot);
    cast_with(&mut ballot, &secret, f.election_id());
    r.insert(leaf + 1, &BoardMessage::Ballot(ballot));
    resign(r, f);
}

fn audit_opening_altered(r: &mut Record, f: &Fixture) {
    let leaf = r.find("ballot-audit")[0];
    r.edit(leaf, |m| {
        if let BoardMessage::BallotAudit(audit) = m {
            audit.openings[0][0].value ^= 1;
        }
    });
    resign(r, f);
}

/// The same audit published twice.
fn audit_duplicated(r: &mut Record, f: &Fixture) {
    let leaf = r.find("ballot-audit")[0];
    let copy = r.leaves[leaf].clone();
    r.leaves.insert(leaf + 1, copy);
    resign(r, f);
}

/// The voter whose ballot was audited casts a ballot whose first answer is
/// the audited one (ciphertexts and proofs, all valid for this voter), then
/// their real ballot, which replaces it.
fn audited_answer_cast_by_its_voter(r: &mut Record, f: &Fixture) {
    let leaf = r.find("ballot-audit")[0];
    let audited = r.audit(leaf).ballot;
    let cast = *r.ballots_by_credential()[&audited.credential]
        .last()
        .expect("the voter cast a ballot");
    assert!(cast > leaf);
    let mut ballot = r.ballot(cast);
    ballot.answers[0] = audited.answers[0].clone();
    let (secret, _) = voter_of(f, &ballot);
    cast_with(&mut ballot, &secret, f.election_id());
    r.insert(leaf + 1, &BoardMessage::Ballot(ballot));
    resign(r, f);
}

/// Another voter (who never audited) casts, before their real ballot, a
/// ballot whose first answer holds the audited ciphertexts, with proofs
/// made afresh for their own credential from the revealed nonces
/// (spec/record.md §10.1 rule 4: no audited ciphertext in any cast ballot).
fn audited_ciphertexts_cast_by_another_voter(r: &mut Record, f: &Fixture) {
    let (target, ballot) = ballot_with_audited_ciphertexts(r, f);
    r.insert(target, &BoardMessage::Ballot(ballot));
    resign(r, f);
}

/// The same ballot as the other voter's last, counted one, with the tally,
/// decryptions and result made over it.
fn audited_ciphertexts_counted_for_another_voter(r: &mut Record, f: &Fixture) {
    let (_, ballot) = ballot_with_audited_ciphertexts(r, f);
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    recount(r, f);
    resign(r, f);
}

/// A voter audits a ballot of a style that is not theirs (spec/record.md
/// §10.1 rule 2: the credential must be on the list with the ballot's style).
fn audit_of_another_style(r: &mut Record, f: &Fixture) {
    let leaf = r.single_vote();
    let (secret, style) = voter_of(f, &r.ballot(leaf));
    let other = f
        .election
        .layouts
        .iter()
        .find(|l| l.id != style)
        .expect("another style")
        .id
        .clone();
    let mut rng = ChaCha20Rng::seed_from_u64(106);
    let audit = encrypt_ballot_with_rng(
        &f.election,
        &secret,
        &other,
        &first_options(f, &other),
        &mut rng,
    )
    .expect("encrypts")
    .audit(&secret, f.election_id());
    r.insert(leaf, &BoardMessage::BallotAudit(audit));
    resign(r, f);
}

/// A ballot of a voter who never audited, whose first answer holds the
/// first audit's ciphertexts with fresh proofs; and that voter's only ballot.
fn ballot_with_audited_ciphertexts(r: &Record, f: &Fixture) -> (usize, Ballot) {
    let audit_leaf = r.find("ballot-audit")[0];
    let audit = r.audit(audit_leaf);
    let auditors: Vec<_> = r
        .find("ballot-audit")
        .into_iter()
        .map(|l| r.audit(l).ballot.credential)
        .collect();
    let by = r.ballots_by_credential();
    let mut others: Vec<usize> = by
        .iter()
        .filter(|(c, leaves)| leaves.len() == 1 && !auditors.contains(c))
        .map(|(_, leaves)| leaves[0])
        .filter(|&l| l > audit_leaf)
        .collect();
    others.sort_unstable();
    let target = others[0];
    let mut ballot = r.ballot(target);
    let (secret, _) = voter_of(f, &ballot);
    let mut rng = ChaCha20Rng::seed_from_u64(105);
    let answer = &mut ballot.answers[0];
    answer.ciphertexts = audit.ballot.answers[0].ciphertexts.clone();
    let openings = &audit.openings[0];
    let layout = f.election.layout(&ballot.style).expect("style");
    let sums = &layout.questions[0].sums;
    let context = |position| psephos_crypto::context::BallotContext {
        fingerprint: f.election.fingerprint,
        credential: ballot.credential,
        position,
    };
    let mut proofs = Vec::new();
    for (o, (ciphertext, opening)) in answer.ciphertexts.iter().zip(openings).enumerate() {
        let ctx = context(psephos_crypto::context::BallotPosition::option(0, o as u32));
        let statement = DisjunctiveStatement {
            context: &ctx,
            key: &f.election.key,
            ciphertexts: core::slice::from_ref(ciphertext),
            values: &[0, 1],
        };
        let nonce = EncryptionNonce::from_scalar(opening.nonce);
        proofs.push(
            DisjunctiveProof::prove_with_rng(&statement, opening.value, &nonce, &mut rng)
                .expect("proves"),
        );
    }
    let ctx = context(psephos_crypto::context::BallotPosition::sum(0));
    let statement = DisjunctiveStatement {
        context: &ctx,
        key: &f.election.key,
        ciphertexts: &answer.ciphertexts,
        values: sums,
    };
    let total: u64 = openings.iter().map(|o| o.value).sum();
    let nonces: Vec<EncryptionNonce> = openings
        .iter()
        .map(|o| EncryptionNonce::from_scalar(o.nonce))
        .collect();
    answer.sum_proof = DisjunctiveProof::prove_with_rng(
        &statement,
        total,
        &EncryptionNonce::sum(&nonces),
        &mut rng,
    )
    .expect("proves");
    answer.proofs = proofs;
    cast_with(&mut ballot, &secret, f.election_id());
    (target, ballot)
}

/// The audited ballot replaces its voter's real ballot, properly signed
/// as cast, and the tally, decryptions and result are all made over it.
fn audited_ballot_cast_last_and_counted(r: &mut Record, f: &Fixture) {
    let leaf = r.find("ballot-audit")[0];
    let mut ballot = r.audit(leaf).ballot;
    let cast = *r.ballots_by_credential()[&ballot.credential]
        .last()
        .expect("the voter cast a ballot");
    let (secret, _) = voter_of(f, &ballot);
    cast_with(&mut ballot, &secret, f.election_id());
    r.put(cast, &BoardMessage::Ballot(ballot));
    recount(r, f);
    resign(r, f);
}

/// After a voter's revote, the board appends their first ballot again so
/// that it counts, and publishes the matching tally and result.
fn old_ballot_reappended_after_revote(r: &mut Record, f: &Fixture) {
    let (first, _) = r.revote();
    let copy = r.leaves[first].clone();
    r.leaves.insert(end_of_voting(r), copy);
    recount(r, f);
    resign(r, f);
}

/// A ballot with one answer too many, signed by its voter.
fn ballot_with_an_extra_answer(r: &mut Record, f: &Fixture) {
    let mut ballot = r.ballot(r.single_vote());
    let extra = ballot.answers[0].clone();
    ballot.answers.push(extra);
    let (secret, _) = voter_of(f, &ballot);
    cast_with(&mut ballot, &secret, f.election_id());
    r.insert(end_of_voting(r), &BoardMessage::Ballot(ballot));
    resign(r, f);
}

// ---------------------------------------------------------------------------
// Tally, decryption, result.

fn result_count_changed(r: &mut Record, f: &Fixture) {
    edit_result(r, |result| {
        result.styles[0].questions[0].counts[0] += 1;
        result.overall[0].counts[0] += 1;
    });
    resign(r, f);
}

fn result_overall_count_changed(r: &mut Record, f: &Fixture) {
    edit_result(r, |result| result.overall[0].counts[1] += 1);
    resign(r, f);
}

fn result_decrypted_by_repeated(r: &mut Record, f: &Fixture) {
    edit_result(r, |result| result.decrypted_by[1] = result.decrypted_by[0]);
    resign(r, f);
}

fn result_decrypted_by_unsorted(r: &mut Record, f: &Fixture) {
    edit_result(r, |result| result.decrypted_by.swap(0, 1));
    resign(r, f);
}

fn tally_ballot_count_changed(r: &mut Record, f: &Fixture) {
    let leaf = r.only("tally");
    r.edit(leaf, |m| {
        if let BoardMessage::Tally(tally) = m {
            tally.styles[0].ballots += 1;
        }
    });
    resign(r, f);
}

fn tally_published_twice(r: &mut Record, f: &Fixture) {
    let leaf = r.only("tally");
    let copy = r.leaves[leaf].clone();
    r.leaves.insert(leaf + 1, copy);
    resign(r, f);
}

fn result_names_an_absent_trustee(r: &mut Record, f: &Fixture) {
    let absent = TrusteeIndex::try_from(5).expect("index");
    edit_result(r, |result| {
        assert!(!result.decrypted_by.contains(&absent));
        result.decrypted_by[0] = absent;
        result.decrypted_by.sort_unstable();
    });
    resign(r, f);
}

/// The encrypted tally of every counted ballot but one.
fn subset_tally(r: &Record, f: &Fixture) -> psephos_election::tally::EncryptedTally {
    let mut tally = TallyAccumulator::new(&f.election);
    for leaf in r.counted().into_iter().skip(1) {
        tally.add(&f.election, &r.ballot(leaf));
    }
    tally.finish(&f.election)
}

fn tally_replaced_by_subset_sum(r: &mut Record, f: &Fixture) {
    let tally = subset_tally(r, f);
    r.put(r.only("tally"), &BoardMessage::Tally(tally));
    resign(r, f);
}

/// The board and every present trustee collude: the tally of a subset,
/// correctly decrypted, with its true result. Only the aggregation check
/// can tell.
fn tally_replaced_by_subset_sum_and_redecrypted(r: &mut Record, f: &Fixture) {
    let tally = subset_tally(r, f);
    publish_tally(r, f, tally);
    resign(r, f);
}

/// Recomputes the tally over the last cast ballot of each credential (all
/// taken as valid), and what follows from it, as colluding trustees would.
fn recount(r: &mut Record, f: &Fixture) {
    let mut tally = TallyAccumulator::new(&f.election);
    for leaf in r.counted() {
        tally.add(&f.election, &r.ballot(leaf));
    }
    publish_tally(r, f, tally.finish(&f.election));
}

/// Publishes `tally` with every present trustee's decryption of it and the
/// result they give.
fn publish_tally(r: &mut Record, f: &Fixture, tally: psephos_election::tally::EncryptedTally) {
    r.put(r.only("tally"), &BoardMessage::Tally(tally.clone()));
    let mut rng = ChaCha20Rng::seed_from_u64(103);
    let mut decryptions = Vec::new();
    for leaf in decryption_leaves(r) {
        let trustee = decryption(r, leaf).trustee;
        let share = f
            .report
            .secrets
            .key_shares
            .iter()
            .find(|s| s.index() == trustee)
            .expect("the trustee's key share");
        let message = TallyDecryption::compute_with_rng(&f.election, share, &tally, &mut rng);
        let signed = resign_trustee(f, "tally-decryption", trustee.get(), &message);
        r.put(leaf, &BoardMessage::TallyDecryption(signed));
        decryptions.push((trustee, message));
    }
    let refs: Vec<_> = decryptions.iter().map(|(i, d)| (*i, d)).collect();
    let result = combine_result(&f.election, &tally, &refs).expect("combines");
    r.put(r.only("result"), &BoardMessage::Result(result));
}

fn decryption_share_altered(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    r.edit(leaf, |m| {
        if let BoardMessage::TallyDecryption(signed) = m {
            let share = &mut signed.message.shares[0].share;
            *share = plus_generator(share);
        }
    });
    resign(r, f);
}

fn decryption_share_altered_and_resigned(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    let mut signed = decryption(r, leaf);
    let share = &mut signed.message.shares[0].share;
    *share = plus_generator(share);
    let trustee = signed.trustee.get();
    let signed = resign_trustee(f, "tally-decryption", trustee, &signed.message);
    r.put(leaf, &BoardMessage::TallyDecryption(signed));
    resign(r, f);
}

fn absent_trustee(r: &Record) -> u32 {
    let present: Vec<u32> = decryption_leaves(r)
        .into_iter()
        .map(|leaf| decryption(r, leaf).trustee.get())
        .collect();
    (1..=5)
        .rev()
        .find(|i| !present.contains(i))
        .expect("an absent trustee")
}

fn share_moved_to_another_trustee(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    let absent = TrusteeIndex::try_from(absent_trustee(r)).expect("index");
    r.edit(leaf, |m| {
        if let BoardMessage::TallyDecryption(signed) = m {
            signed.trustee = absent;
        }
    });
    resign(r, f);
}

fn share_resigned_by_another_trustee(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    let signed = resign_trustee(
        f,
        "tally-decryption",
        absent_trustee(r),
        &decryption(r, leaf).message,
    );
    r.put(leaf, &BoardMessage::TallyDecryption(signed));
    resign(r, f);
}

fn decryption_missing_a_share(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    let mut signed = decryption(r, leaf);
    signed.message.shares.pop();
    let signed = resign_trustee(f, "tally-decryption", signed.trustee.get(), &signed.message);
    r.put(leaf, &BoardMessage::TallyDecryption(signed));
    resign(r, f);
}

fn decryption_before_the_tally(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    let tally = r.only("tally");
    let moved = r.leaves.remove(leaf);
    r.leaves.insert(tally, moved);
    resign(r, f);
}

fn fewer_than_t_shares(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    r.leaves.remove(leaf);
    resign(r, f);
}

fn decryption_duplicated(r: &mut Record, f: &Fixture) {
    let leaf = decryption_leaves(r)[0];
    let copy = r.leaves[leaf].clone();
    r.leaves.insert(leaf + 1, copy);
    resign(r, f);
}

/// The disqualified trustee posts (another trustee's) decryption, signed
/// with its own key.
fn decryption_by_disqualified_trustee(r: &mut Record, f: &Fixture) {
    let leaves = decryption_leaves(r);
    let message = decryption(r, leaves[0]).message;
    let signed = resign_trustee(f, "tally-decryption", 2, &message);
    r.insert(
        leaves[leaves.len() - 1] + 1,
        &BoardMessage::TallyDecryption(signed),
    );
    resign(r, f);
}

// ---------------------------------------------------------------------------
// Key ceremony and manifest.

fn dealing_duplicated(r: &mut Record, f: &Fixture) {
    let leaf = r.find("trustee-dealing")[0];
    let copy = r.leaves[leaf].clone();
    r.leaves.insert(leaf + 1, copy);
    resign(r, f);
}

fn edit_election_key(
    r: &mut Record,
    f: impl FnOnce(&mut psephos_election::board::messages::ElectionKey),
) {
    let leaf = r.only("election-key");
    r.edit(leaf, |m| match m {
        BoardMessage::ElectionKey(key) => f(key),
        other => panic!("not an election key: {}", other.kind()),
    });
}

fn joint_key_replaced(r: &mut Record, f: &Fixture) {
    edit_election_key(r, |key| {
        key.joint_key = PublicKey::from_point(generator()).expect("a key");
    });
    resign(r, f);
}

fn fingerprint_replaced(r: &mut Record, f: &Fixture) {
    edit_election_key(r, |key| key.fingerprint = Fingerprint::from_bytes([9; 32]));
    resign(r, f);
}

fn qualified_trustees_reordered(r: &mut Record, f: &Fixture) {
    edit_election_key(r, |key| key.qualified.swap(0, 1));
    resign(r, f);
}

/// The board hides that trustee 2 was disqualified.
fn disqualification_hidden(r: &mut Record, f: &Fixture) {
    edit_election_key(r, |key| {
        assert_eq!(key.disqualified.len(), 1);
        key.disqualified.clear();
        key.qualified = (1..=5)
            .map(|i| TrusteeIndex::try_from(i).expect("index"))
            .collect();
    });
    resign(r, f);
}

/// A trustee's confirmation round goes missing: that trustee is
/// disqualified, so the published key is not the ceremony's.
fn complaints_withheld(r: &mut Record, f: &Fixture) {
    let last = *r.find("trustee-complaints").last().expect("complaints");
    r.leaves.remove(last);
    resign(r, f);
}

/// The first complaint against the cheating dealer is withdrawn (and
/// re-signed by its trustee): the dealer is still disqualified on the
/// second complaint, but not as published.
fn complaint_against_cheater_hidden(r: &mut Record, f: &Fixture) {
    let leaf = r.find("trustee-complaints")[0];
    let BoardMessage::TrusteeComplaints(mut signed) = r.message(leaf) else {
        panic!("complaints");
    };
    assert_eq!(signed.message.complaints.len(), 1, "trustee 1 complained");
    signed.message.complaints.clear();
    let signed = resign_trustee(
        f,
        "trustee-complaints",
        signed.trustee.get(),
        &signed.message,
    );
    r.put(leaf, &BoardMessage::TrusteeComplaints(signed));
    resign(r, f);
}

fn possession_proof_forged(r: &mut Record, f: &Fixture) {
    r.edit(0, |m| {
        if let BoardMessage::Manifest(manifest) = m {
            let other = manifest.trustees.members[1].possession_proof.clone();
            manifest.trustees.members[0].possession_proof = other;
        }
    });
    resign(r, f);
}

fn edit_title(r: &mut Record) {
    r.edit(0, |m| {
        if let BoardMessage::Manifest(manifest) = m {
            manifest.title.push_str(" (amended)");
        }
    });
}

fn manifest_edited_checkpoint_stale(r: &mut Record, _: &Fixture) {
    edit_title(r);
}

fn manifest_edited_checkpoint_resigned(r: &mut Record, f: &Fixture) {
    edit_title(r);
    resign(r, f);
}

// ---------------------------------------------------------------------------
// Credentials and the voting window.

fn credential_list_signature_broken(r: &mut Record, f: &Fixture) {
    let leaf = r.only("credential-list");
    let BoardMessage::CredentialList(list) = r.message(leaf) else {
        panic!("a credential list");
    };
    flip_hex_bit(r, leaf, &to_hex(&list.signature.0), 0);
    resign(r, f);
}

/// The authority withdraws a voter's credential after the fact.
fn credential_removed_and_list_resigned(r: &mut Record, f: &Fixture) {
    let voter = r.ballot(r.single_vote()).credential;
    let leaf = r.only("credential-list");
    let BoardMessage::CredentialList(list) = r.message(leaf) else {
        panic!("a credential list");
    };
    let entries = list
        .credentials
        .into_iter()
        .filter(|e| e.credential != voter)
        .collect();
    let list = CredentialList::sign(f.election_id(), entries, &f.report.secrets.authority_key)
        .expect("signs");
    r.put(leaf, &BoardMessage::CredentialList(list));
    resign(r, f);
}

fn edit_window_event(r: &mut Record, kind: &str, years: i32) {
    let leaf = r.only(kind);
    r.edit(leaf, |m| match m {
        BoardMessage::VotingOpened(event) | BoardMessage::VotingClosed(event) => {
            event.at = shift_year(&event.at, years);
        }
        other => panic!("not a window event: {}", other.kind()),
    });
}

fn voting_opened_before_the_window(r: &mut Record, f: &Fixture) {
    edit_window_event(r, "voting-opened", -1);
    resign(r, f);
}

fn voting_closed_after_the_window(r: &mut Record, f: &Fixture) {
    edit_window_event(r, "voting-closed", 1);
    resign(r, f);
}

fn voting_closed_before_it_opened(r: &mut Record, f: &Fixture) {
    let opened = r.only("voting-opened");
    let BoardMessage::VotingOpened(event) = r.message(opened) else {
        panic!("voting-opened");
    };
    let closed = r.only("voting-closed");
    r.put(closed, &BoardMessage::VotingClosed(event));
    resign(r, f);
}

fn voting_opened_twice(r: &mut Record, f: &Fixture) {
    let opened = r.only("voting-opened");
    let copy = r.leaves[opened].clone();
    r.leaves.insert(opened + 1, copy);
    resign(r, f);
}

// ---------------------------------------------------------------------------
// The log.

fn leaves_reordered_checkpoint_stale(r: &mut Record, _: &Fixture) {
    let counted = r.counted();
    r.leaves.swap(counted[0], counted[1]);
}

fn tally_before_voting_closed(r: &mut Record, f: &Fixture) {
    let (closed, tally) = (r.only("voting-closed"), r.only("tally"));
    r.leaves.swap(closed, tally);
    resign(r, f);
}

fn log_truncated_before_result(r: &mut Record, f: &Fixture) {
    let result = r.only("result");
    r.leaves.truncate(result);
    resign(r, f);
}

fn log_truncated_after_tally(r: &mut Record, f: &Fixture) {
    let tally = r.only("tally");
    r.leaves.truncate(tally + 1);
    resign(r, f);
}

fn checkpoint_root_changed(r: &mut Record, _: &Fixture) {
    r.checkpoint.root[0] ^= 1;
}

fn checkpoint_size_changed(r: &mut Record, f: &Fixture) {
    let tree = r.tree();
    r.checkpoint = SignedCheckpoint::sign(
        &r.checkpoint.log_id,
        tree.size() - 1,
        tree.root(),
        f.board_key(),
    );
}

/// A correctly signed checkpoint of all leaves but the last.
fn checkpoint_covers_a_prefix(r: &mut Record, f: &Fixture) {
    let tree = r.tree();
    let size = tree.size() - 1;
    r.checkpoint = SignedCheckpoint::sign(
        &r.checkpoint.log_id,
        size,
        tree.root_at(size).expect("root"),
        f.board_key(),
    );
}

fn board_key_swapped(r: &mut Record, _: &Fixture) {
    r.resign(&SigningKey::from_bytes(&[42; 32]));
}

fn checkpoint_for_another_log(r: &mut Record, f: &Fixture) {
    let tree = r.tree();
    r.checkpoint =
        SignedCheckpoint::sign("simulation-999", tree.size(), tree.root(), f.board_key());
}
