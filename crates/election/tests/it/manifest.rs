//! Manifest validation: every rule names the exact field and the reason.

use psephos_crypto::elgamal::Ciphertext;
use psephos_election::error::ManifestError;
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, QuestionRule, MANIFEST_VERSION,
};
use psephos_election::signing::PublicSigningKey;
use serde_json::{json, Value};

use crate::common::{fixture, manifest, possession_entries, rng};

/// Applies `mutate` to a valid manifest and expects exactly this error.
#[track_caller]
fn rejects(mutate: impl FnOnce(&mut Manifest), field: &str, reason: &str) {
    let mut m = manifest();
    mutate(&mut m);
    assert_eq!(
        m.validate(),
        Err(ManifestError {
            field: field.into(),
            reason: reason.into(),
        })
    );
}

/// As [`rejects`], for reasons that embed another library's message.
#[track_caller]
fn rejects_with(mutate: impl FnOnce(&mut Manifest), field: &str, reason_starts: &str) {
    let mut m = manifest();
    mutate(&mut m);
    let err = m.validate().unwrap_err();
    assert_eq!(err.field, field, "{err}");
    assert!(
        err.reason.starts_with(reason_starts),
        "reason {:?} should start with {reason_starts:?}",
        err.reason
    );
}

/// Regenerates every trustee's proof of possession for the current id.
fn reprove(m: &mut Manifest) {
    m.trustees.members = possession_entries(&fixture().trustees, &m.election_id, 99);
}

fn choose(m: &mut Manifest, q: usize) -> (&mut Vec<OptionEntry>, &mut u32, &mut u32) {
    match &mut m.questions[q].rule {
        QuestionRule::Choose { options, min, max } => (options, min, max),
        other => panic!("question {q} is {other:?}"),
    }
}

const ID_RULE: &str = "must be 1-64 characters of A-Z a-z 0-9 . _ -";

#[test]
fn the_fixture_manifest_is_valid() {
    manifest().validate().unwrap();
}

#[test]
fn version() {
    rejects(
        |m| m.version = "psephos/manifest/v2".into(),
        "version",
        "must be \"psephos/manifest/v1\"",
    );
    rejects(
        |m| m.version.clear(),
        "version",
        "must be \"psephos/manifest/v1\"",
    );
}

#[test]
fn election_id_characters_and_length() {
    for bad in ["", "agm 2026", "agm/2026", "ağm", "agm#1", &"x".repeat(65)] {
        rejects(|m| m.election_id = bad.into(), "election_id", ID_RULE);
    }
    // The longest id and every allowed punctuation mark are accepted (once
    // the trustees have proved possession for that id).
    for good in ["x".repeat(64), "A.b_C-9".into(), "0".into()] {
        let mut m = manifest();
        m.election_id = good;
        reprove(&mut m);
        m.validate().unwrap();
    }
}

#[test]
fn organisation_and_title_must_not_be_empty_or_too_long() {
    rejects(|m| m.title.clear(), "title", "must not be empty");
    rejects(|m| m.title = " \t\n".into(), "title", "must not be empty");
    rejects(
        |m| m.organisation.clear(),
        "organisation",
        "must not be empty",
    );
    rejects(
        |m| m.title = "é".repeat(201),
        "title",
        "must be at most 200 characters",
    );
    // Characters, not bytes: 200 two-byte characters are fine.
    let mut m = manifest();
    m.title = "é".repeat(200);
    m.validate().unwrap();
}

#[test]
fn voting_window_order() {
    rejects(
        |m| m.voting_window.closes = "2026-11-30T09:00:00Z".into(),
        "voting_window.closes",
        "must be after voting_window.opens",
    );
    rejects(
        |m| m.voting_window.closes = m.voting_window.opens.clone(),
        "voting_window.closes",
        "must be after voting_window.opens",
    );
}

#[test]
fn voting_window_times_must_be_utc_rfc3339() {
    let utc = "must be an RFC 3339 time in UTC, like 2026-12-01T09:00:00Z";
    rejects(
        |m| m.voting_window.opens = "2026-12-01T09:00:00+01:00".into(),
        "voting_window.opens",
        utc,
    );
    rejects(
        |m| m.voting_window.closes = "2026-12-03T17:00:00".into(),
        "voting_window.closes",
        utc,
    );
    rejects_with(
        |m| m.voting_window.opens = "next tuesdayZ".into(),
        "voting_window.opens",
        "not an RFC 3339 UTC time",
    );
    rejects_with(
        |m| m.voting_window.opens = "2026-13-01T09:00:00Z".into(),
        "voting_window.opens",
        "not an RFC 3339 UTC time",
    );
}

#[test]
fn threshold_must_be_between_1_and_n() {
    for t in [0, 4, 100] {
        rejects_with(
            |m| m.trustees.threshold = t,
            "trustees.threshold",
            "invalid threshold parameters",
        );
    }
    rejects_with(
        |m| m.trustees.members.clear(),
        "trustees.threshold",
        "invalid threshold parameters",
    );
    for t in 1..=3 {
        let mut m = manifest();
        m.trustees.threshold = t;
        m.validate().unwrap();
    }
}

#[test]
fn members_must_be_listed_in_index_order() {
    rejects(
        |m| m.trustees.members[1].index = 3,
        "trustees.members[1].index",
        "must be 2 (members are listed in index order from 1)",
    );
    rejects(
        |m| m.trustees.members.swap(0, 2),
        "trustees.members[0].index",
        "must be 1 (members are listed in index order from 1)",
    );
    rejects(
        |m| m.trustees.members[0].index = 0,
        "trustees.members[0].index",
        "must be 1 (members are listed in index order from 1)",
    );
}

#[test]
fn trustee_names_must_not_be_empty() {
    rejects(
        |m| m.trustees.members[2].name = "  ".into(),
        "trustees.members[2].name",
        "must not be empty",
    );
}

#[test]
fn trustee_keys_must_be_distinct() {
    rejects(
        |m| m.trustees.members[2].signing_key = m.trustees.members[0].signing_key,
        "trustees.members[2].signing_key",
        "is used by another trustee",
    );
    rejects(
        |m| m.trustees.members[1].encryption_key = m.trustees.members[0].encryption_key,
        "trustees.members[1].encryption_key",
        "is used by another trustee",
    );
}

#[test]
fn each_role_has_its_own_signing_key() {
    rejects(
        |m| m.credential_authority_key = m.board_key,
        "credential_authority_key",
        "must differ from board_key: the credential authority is a separate party",
    );
    rejects(
        |m| m.trustees.members[0].signing_key = m.board_key,
        "trustees.members[0].signing_key",
        "must differ from the board and credential authority keys",
    );
    rejects(
        |m| m.trustees.members[2].signing_key = m.credential_authority_key,
        "trustees.members[2].signing_key",
        "must differ from the board and credential authority keys",
    );
}

#[test]
fn identity_encryption_key_is_rejected() {
    rejects(
        |m| m.trustees.members[0].encryption_key = Ciphertext::zero().alpha,
        "trustees.members[0].encryption_key",
        "must not be the identity point",
    );
}

#[test]
fn forged_possession_proofs_are_rejected() {
    let forged = "does not prove possession of encryption_key";
    // Another trustee's proof.
    rejects(
        |m| m.trustees.members[0].possession_proof = m.trustees.members[1].possession_proof.clone(),
        "trustees.members[0].possession_proof",
        forged,
    );
    // A proof for another election id.
    let other = possession_entries(&fixture().trustees, "another-election", 5);
    rejects(
        |m| m.trustees.members[1].possession_proof = other[1].possession_proof.clone(),
        "trustees.members[1].possession_proof",
        forged,
    );
    // A proof by the right key but for another index.
    let t = &fixture().trustees[2];
    let enrolment =
        psephos_election::fingerprint::enrolment_fingerprint(crate::common::ELECTION_ID);
    let wrong_index =
        t.keys
            .prove_possession_with_rng(&enrolment, fixture().trustees[0].index, &mut rng(3));
    rejects(
        |m| m.trustees.members[2].possession_proof = wrong_index,
        "trustees.members[2].possession_proof",
        forged,
    );
    // A key swapped in without its secret.
    rejects(
        |m| {
            m.trustees.members[1].encryption_key =
                crate::common::bump_point(&m.trustees.members[1].encryption_key)
        },
        "trustees.members[1].possession_proof",
        forged,
    );
    // Renaming the election invalidates every enrolment.
    rejects(
        |m| m.election_id = "agm-2027".into(),
        "trustees.members[0].possession_proof",
        forged,
    );
}

#[test]
fn questions_must_exist_and_be_unique() {
    rejects(
        |m| m.questions.clear(),
        "questions",
        "must list at least one question",
    );
    rejects(
        |m| m.questions[2].id = "rules".into(),
        "questions[2].id",
        "duplicate question id `rules`",
    );
    rejects(
        |m| m.questions[1].id = "board members".into(),
        "questions[1].id",
        ID_RULE,
    );
    rejects(
        |m| m.questions[0].text = String::new(),
        "questions[0].text",
        "must not be empty",
    );
}

#[test]
fn choose_options_rules() {
    rejects(
        |m| choose(m, 1).0.clear(),
        "questions[1].options",
        "must list at least one option",
    );
    rejects(
        |m| choose(m, 1).0[2].id = "alice".into(),
        "questions[1].options[2].id",
        "duplicate option id `alice`",
    );
    rejects(
        |m| choose(m, 2).0[1].id = String::new(),
        "questions[2].options[1].id",
        ID_RULE,
    );
    rejects(
        |m| choose(m, 2).0[0].label = " ".into(),
        "questions[2].options[0].label",
        "must not be empty",
    );
    rejects(
        |m| {
            let options = choose(m, 1).0;
            *options = (0..1001)
                .map(|k| OptionEntry {
                    id: format!("o{k}"),
                    label: format!("Option {k}"),
                })
                .collect();
        },
        "questions[1].options",
        "at most 1000 options",
    );
}

#[test]
fn choose_bounds_rules() {
    rejects(
        |m| *choose(m, 1).1 = 3,
        "questions[1].min",
        "min (3) must not exceed max (2)",
    );
    rejects(
        |m| *choose(m, 2).2 = 0,
        "questions[2].max",
        "must be at least 1",
    );
    rejects(
        |m| *choose(m, 1).2 = 5,
        "questions[1].max",
        "max (5) exceeds the number of options (4)",
    );
    // Approval (max = options) and min = max are allowed.
    let mut m = manifest();
    let (_, min, max) = choose(&mut m, 1);
    (*min, *max) = (4, 4);
    m.validate().unwrap();
}

#[test]
fn ranked_questions_are_rejected_for_now() {
    rejects(
        |m| {
            m.questions[2].rule = QuestionRule::Ranked {
                candidates: vec![OptionEntry {
                    id: "erin".into(),
                    label: "Erin".into(),
                }],
                seats: 1,
            }
        },
        "questions[2].kind",
        "ranked (STV) questions are not supported by manifest v1 yet",
    );
}

#[test]
fn ballot_style_rules() {
    rejects(
        |m| m.ballot_styles.clear(),
        "ballot_styles",
        "must list at least one ballot style",
    );
    rejects(
        |m| m.ballot_styles[1].id = "north".into(),
        "ballot_styles[1].id",
        "duplicate ballot style id `north`",
    );
    rejects(
        |m| m.ballot_styles[0].id = "north region".into(),
        "ballot_styles[0].id",
        ID_RULE,
    );
    rejects(
        |m| m.ballot_styles[1].name.clear(),
        "ballot_styles[1].name",
        "must not be empty",
    );
    rejects(
        |m| m.ballot_styles[1].questions.clear(),
        "ballot_styles[1].questions",
        "must list at least one question",
    );
    rejects(
        |m| m.ballot_styles[0].questions[1] = "budget".into(),
        "ballot_styles[0].questions[1]",
        "names missing question `budget`",
    );
    rejects(
        |m| m.ballot_styles[1].questions.push("board".into()),
        "ballot_styles[1].questions[2]",
        "lists question `board` twice",
    );
    rejects(
        |m| {
            m.ballot_styles[0].questions.pop();
        },
        "questions[2].id",
        "question `north-delegate` is in no ballot style",
    );
}

#[test]
fn a_question_may_appear_in_several_styles() {
    let mut m = manifest();
    m.ballot_styles.push(BallotStyle {
        id: "east".into(),
        name: "Eastern region".into(),
        questions: vec!["north-delegate".into(), "rules".into()],
    });
    m.validate().unwrap();
}

#[test]
fn booth_hash_must_be_lowercase_sha256_hex() {
    let reason = "must be 64 lowercase hex digits (SHA-256)";
    rejects(
        |m| m.booth_hash = Some("AB".repeat(32)),
        "booth_hash",
        reason,
    );
    rejects(
        |m| m.booth_hash = Some("ab".repeat(31)),
        "booth_hash",
        reason,
    );
    rejects(
        |m| m.booth_hash = Some("ab".repeat(33)),
        "booth_hash",
        reason,
    );
    rejects(
        |m| m.booth_hash = Some(format!("{}g", "a".repeat(63))),
        "booth_hash",
        reason,
    );
    rejects(|m| m.booth_hash = Some(String::new()), "booth_hash", reason);
    let mut m = manifest();
    m.booth_hash = None;
    m.validate().unwrap();
}

fn to_value(m: &Manifest) -> Value {
    serde_json::to_value(m).unwrap()
}

#[track_caller]
fn from_value(v: &Value) -> Result<Manifest, ManifestError> {
    Manifest::from_json(&serde_json::to_vec(v).unwrap())
}

#[test]
fn a_valid_manifest_round_trips_through_json() {
    let m = manifest();
    let compact = serde_json::to_vec(&m).unwrap();
    assert_eq!(Manifest::from_json(&compact).unwrap(), m);
    let pretty = serde_json::to_vec_pretty(&m).unwrap();
    assert_eq!(Manifest::from_json(&pretty).unwrap(), m);
    // Re-serialising gives the same bytes.
    assert_eq!(
        serde_json::to_vec(&Manifest::from_json(&compact).unwrap()).unwrap(),
        compact
    );
    // Kinds are spelled as the spec says.
    let v = to_value(&m);
    assert_eq!(v["version"], json!(MANIFEST_VERSION));
    assert_eq!(v["questions"][0]["kind"], json!("referendum"));
    assert_eq!(v["questions"][1]["kind"], json!("choose"));
    assert_eq!(v["questions"][1]["min"], json!(1));
    // Without a booth hash the field is omitted and still reads back.
    let mut m = manifest();
    m.booth_hash = None;
    let v = to_value(&m);
    assert!(v.get("booth_hash").is_none());
    assert_eq!(from_value(&v).unwrap(), m);
}

#[test]
fn from_json_validates() {
    let mut v = to_value(&manifest());
    v["questions"][1]["min"] = json!(3);
    let err = from_value(&v).unwrap_err();
    assert_eq!(err.field, "questions[1].min");
}

#[test]
fn unknown_fields_are_rejected_and_named() {
    let paths: [&[&str]; 6] = [
        &[],
        &["voting_window"],
        &["trustees"],
        &["trustees", "members", "1"],
        &["ballot_styles", "0"],
        &["questions", "1", "options", "0"],
    ];
    for path in paths {
        let mut v = to_value(&manifest());
        let mut at = &mut v;
        for step in path {
            at = match step.parse::<usize>() {
                Ok(k) => &mut at[k],
                Err(_) => &mut at[*step],
            };
        }
        at.as_object_mut()
            .unwrap()
            .insert("surplus".into(), json!(1));
        let err = from_value(&v).unwrap_err();
        assert_eq!(err.field, "surplus", "at {path:?}: {err}");
        assert!(err.reason.contains("unknown field"), "{err}");
    }
}

#[test]
fn missing_fields_are_named() {
    for field in ["title", "voting_window", "board_key", "ballot_styles"] {
        let mut v = to_value(&manifest());
        v.as_object_mut().unwrap().remove(field);
        let err = from_value(&v).unwrap_err();
        assert_eq!(err.field, field, "{err}");
        assert!(err.reason.contains("missing field"), "{err}");
    }
    let mut v = to_value(&manifest());
    v["questions"][1].as_object_mut().unwrap().remove("max");
    assert_eq!(from_value(&v).unwrap_err().field, "max");
}

#[test]
fn malformed_json_names_the_line() {
    let text = serde_json::to_string_pretty(&manifest()).unwrap();
    // Cut in the middle of line 5.
    let cut: usize = text.lines().take(4).map(|l| l.len() + 1).sum::<usize>() + 3;
    let err = Manifest::from_json(&text.as_bytes()[..cut]).unwrap_err();
    assert!(err.field.starts_with("line 5 column "), "{err}");
    // A syntax error at the end of line 2.
    let broken = text.replacen(",\n", ",,\n", 1);
    let err = Manifest::from_json(broken.as_bytes()).unwrap_err();
    assert!(err.field.starts_with("line 2 column "), "{err}");
    assert_eq!(
        Manifest::from_json(b"").unwrap_err().field,
        "line 1 column 0"
    );
    // A key that is not an ed25519 point.
    let mut v = to_value(&manifest());
    v["board_key"] = json!("00".repeat(31));
    let err = from_value(&v).unwrap_err();
    assert!(err.field.starts_with("line 1 column "), "{err}");
}

#[test]
fn weak_and_malformed_signing_keys_are_refused_on_decode() {
    // The identity (a small-order point) is not an acceptable ed25519 key.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(PublicSigningKey::from_bytes(&identity).is_none());
    let mut v = to_value(&manifest());
    v["credential_authority_key"] = json!(psephos_crypto::encoding::to_hex(&identity));
    assert!(from_value(&v).is_err());
    // y = 3 is a point of the curve; written as p + 3 it is not canonical.
    let mut three = [0u8; 32];
    three[0] = 3;
    assert!(PublicSigningKey::from_bytes(&three).is_some());
    let mut non_canonical = [0xff; 32];
    non_canonical[0] = 0xf0;
    non_canonical[31] = 0x7f;
    assert!(PublicSigningKey::from_bytes(&non_canonical).is_none());
    let mut v = to_value(&manifest());
    v["board_key"] = json!(psephos_crypto::encoding::to_hex(&non_canonical));
    assert!(from_value(&v).is_err());
}

#[test]
fn ranked_questions_in_json_are_read_then_rejected() {
    let mut v = to_value(&manifest());
    v["questions"][2] = json!({
        "id": "north-delegate",
        "text": "Delegates",
        "kind": "ranked",
        "candidates": [{"id": "erin", "label": "Erin"}],
        "seats": 1
    });
    let err = from_value(&v).unwrap_err();
    assert_eq!(err.field, "questions[2].kind");
}

#[test]
fn the_election_fingerprint_binds_the_manifest_leaf_and_the_key() {
    use psephos_election::election::Election;
    use psephos_election::fingerprint::{ceremony_fingerprint, election_fingerprint};
    let f = fixture();
    let e = &f.election;
    assert_eq!(e.ceremony, ceremony_fingerprint(&f.manifest_leaf));
    assert_eq!(
        e.fingerprint,
        election_fingerprint(&f.manifest_leaf, &e.key)
    );
    assert_ne!(e.fingerprint, e.ceremony);
    // Another byte of the leaf, or another key, is another election.
    let mut leaf = f.manifest_leaf.clone();
    leaf.push(b' ');
    let other = Election::new(f.manifest.clone(), &leaf, e.key.clone()).unwrap();
    assert_ne!(other.fingerprint, e.fingerprint);
    assert_ne!(other.ceremony, e.ceremony);
    let other_key = psephos_crypto::elgamal::SecretKey::generate_with_rng(&mut rng(12));
    let rekeyed = Election::new(
        f.manifest.clone(),
        &f.manifest_leaf,
        other_key.public_key().clone(),
    )
    .unwrap();
    assert_ne!(rekeyed.fingerprint, e.fingerprint);
    assert_eq!(rekeyed.ceremony, e.ceremony);
    // The layouts follow the styles: options and allowed sums per question.
    let north = e.layout("north").unwrap();
    let shape: Vec<(&str, usize, Vec<u64>)> = north
        .questions
        .iter()
        .map(|q| (q.id.as_str(), q.options, q.sums.clone()))
        .collect();
    assert_eq!(
        shape,
        [
            ("rules", 2, vec![0, 1]),
            ("board", 4, vec![1, 2]),
            ("north-delegate", 3, vec![0, 1]),
        ]
    );
    assert_eq!(e.style_index("south"), Some(1));
    assert!(e.layout("west").is_none());
    // An invalid manifest makes no election.
    let mut m = manifest();
    m.title.clear();
    let err = Election::new(m, &f.manifest_leaf, e.key.clone()).unwrap_err();
    assert_eq!(err.field, "title");
}
