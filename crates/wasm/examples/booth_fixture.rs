//! Writes an election ready for voting, with its voters' secret links, for
//! the browser tests' stand-in server (tests/browser/mock-server.mjs): the
//! default scenario's 17 yes/no proposals plus, per region, "choose up to 1
//! of 12 candidates", the window open from now for two days.
//!
//!   cargo run -p psephos-wasm --example booth_fixture -- OUT.json [SEED]
//!
//! The joint key is a single test key (the booth does not replay the key
//! ceremony; the election-key leaf is what it reads). Secrets are printed in
//! the output: this is test data, never an election.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, SystemTime};

use ed25519_dalek::SigningKey;
use psephos_crypto::dkg::TrusteeKeyPair;
use psephos_crypto::elgamal::SecretKey;
use psephos_crypto::encoding::to_hex;
use psephos_crypto::threshold::{ThresholdParams, TrusteeIndex};
use psephos_election::board::messages::{BoardMessage, ElectionKey, WindowEvent};
use psephos_election::credentials::{CredentialEntry, CredentialList, SecretCredential};
use psephos_election::fingerprint::{election_fingerprint, enrolment_fingerprint};
use psephos_election::manifest::{
    BallotStyle, Manifest, OptionEntry, Question, QuestionRule, TrusteeEntry, TrusteePanel,
    VotingWindow, MANIFEST_VERSION,
};
use psephos_election::signing::PublicSigningKey;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const REGIONS: [(&str, &str); 3] = [("north", "North"), ("south", "South"), ("london", "London")];

fn questions_and_styles() -> (Vec<Question>, Vec<BallotStyle>) {
    let mut questions: Vec<Question> = (1..=17)
        .map(|k| Question {
            id: format!("proposal-{k}"),
            text: format!("Rule change proposal {k}: should the conference adopt motion {k}?"),
            rule: QuestionRule::Referendum,
        })
        .collect();
    let referendum: Vec<String> = questions.iter().map(|q| q.id.clone()).collect();
    let mut styles = Vec::new();
    for (region, name) in REGIONS {
        let id = format!("delegate-{region}");
        questions.push(Question {
            id: id.clone(),
            text: format!("Choose the delegate for {name}"),
            rule: QuestionRule::Choose {
                options: (1..=12)
                    .map(|c| OptionEntry {
                        id: format!("{region}-candidate-{c}"),
                        label: format!("Candidate {c} ({name})"),
                    })
                    .collect(),
                min: 0,
                max: 1,
            },
        });
        let mut style_questions = referendum.clone();
        style_questions.push(id);
        styles.push(BallotStyle {
            id: region.to_string(),
            name: name.to_string(),
            questions: style_questions,
        });
    }
    (questions, styles)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: booth_fixture OUT.json [SEED]");
    let seed: u64 = args.next().map_or(7, |s| s.parse().expect("seed"));
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let election_id = format!("booth-test-{seed}");

    let mut board_seed = [0u8; 32];
    rng.fill_bytes(&mut board_seed);
    let board_key = SigningKey::from_bytes(&board_seed);
    let authority_key = SigningKey::generate(&mut rng);
    let enrolment = enrolment_fingerprint(&election_id);
    let params = ThresholdParams::new(2, 3).expect("parameters");
    let trustees: Vec<(SigningKey, TrusteeKeyPair)> = (0..3)
        .map(|_| {
            (
                SigningKey::generate(&mut rng),
                TrusteeKeyPair::generate_with_rng(&mut rng),
            )
        })
        .collect();
    let now = SystemTime::now();
    let time = |t: SystemTime| humantime_rfc3339(t);
    let (questions, ballot_styles) = questions_and_styles();
    let manifest = Manifest {
        version: MANIFEST_VERSION.into(),
        election_id: election_id.clone(),
        organisation: "Test Members' Association".into(),
        title: "All-member ballot (browser test)".into(),
        voting_window: VotingWindow {
            opens: time(now - Duration::from_secs(60)),
            closes: time(now + Duration::from_secs(48 * 3600)),
        },
        trustees: TrusteePanel {
            threshold: 2,
            members: trustees
                .iter()
                .enumerate()
                .map(|(k, (signing, keys))| {
                    let index = TrusteeIndex::new(k as u32 + 1, &params).expect("index");
                    TrusteeEntry {
                        index: k as u32 + 1,
                        name: format!("Trustee {}", k + 1),
                        signing_key: PublicSigningKey::from(signing),
                        encryption_key: *keys.public(),
                        possession_proof: keys
                            .prove_possession_with_rng(&enrolment, index, &mut rng),
                    }
                })
                .collect(),
        },
        board_key: PublicSigningKey::from(&board_key),
        credential_authority_key: PublicSigningKey::from(&authority_key),
        questions,
        ballot_styles,
        booth_hash: None,
    };
    manifest.validate().expect("valid manifest");
    let manifest_leaf = BoardMessage::Manifest(manifest.clone()).to_leaf();
    let joint = SecretKey::generate_with_rng(&mut rng).public_key().clone();
    let key = ElectionKey {
        fingerprint: election_fingerprint(&manifest_leaf, &joint),
        joint_key: joint,
        qualified: (1..=3)
            .map(|i| TrusteeIndex::new(i, &params).expect("index"))
            .collect(),
        disqualified: Vec::new(),
    };
    let voters: Vec<(SecretCredential, &str)> = (0..6)
        .map(|k| {
            (
                SecretCredential::generate_with_rng(&mut rng),
                REGIONS[k % REGIONS.len()].0,
            )
        })
        .collect();
    let list = CredentialList::sign(
        &election_id,
        voters
            .iter()
            .map(|(c, style)| CredentialEntry {
                credential: c.public(&election_id),
                style: style.to_string(),
            })
            .collect(),
        &authority_key,
    )
    .expect("credential list");
    let leaves: Vec<String> = [
        BoardMessage::Manifest(manifest),
        BoardMessage::ElectionKey(key),
        BoardMessage::CredentialList(list),
        BoardMessage::VotingOpened(WindowEvent { at: time(now) }),
    ]
    .iter()
    .map(|m| String::from_utf8(m.to_leaf()).expect("utf-8"))
    .collect();
    let fixture = serde_json::json!({
        "election_id": election_id,
        "board_seed": to_hex(&board_seed),
        "leaves": leaves,
        "voters": voters.iter().map(|(c, style)| serde_json::json!({
            "fragment": format!("{}.{}", election_id, c.to_text().as_str()),
            "credential": c.public(&election_id).to_string(),
            "style": style,
        })).collect::<Vec<_>>(),
    });
    std::fs::write(&out, format!("{fixture:#}\n")).expect("write fixture");
}

fn humantime_rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
