//! Pedersen DKG (spec/crypto.md §7): a clean 2-of-3 ceremony, one where a
//! dealer sends a bad share and is disqualified through a complaint, and
//! the share encryption with its key derivation.

use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use psephos_crypto::context::Fingerprint;
use psephos_crypto::dkg::{
    resolve, ComplaintsMessage, Dealer, DealerMessage, DkgOutcome, TrusteeKeyPair, SEALED_SHARE_LEN,
};
use psephos_crypto::encoding::{decode_scalar, Point};
use psephos_crypto::error::ThresholdError;
use psephos_crypto::proofs::possession::PossessionProof;
use psephos_crypto::threshold::{lagrange_coefficients, KeyShare, ThresholdParams};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

use crate::common::{ensure, fingerprint, mul_g, params, plus_g, random_scalar, rng, scalar_hex};
use crate::json::{hex_value, Obj};
use crate::kdf::{self, Route};
use crate::scenarios::file;
use crate::transcript::Log;
use crate::{Error, VectorFile};
use psephos_crypto::dkg::{Complaint, ComplaintProof};
use psephos_crypto::proofs::sigma::ChaumPedersenProof;
use psephos_crypto::transcript::{field, protocol};

/// The DKG scenarios.
pub fn files() -> Result<Vec<VectorFile>, Error> {
    Ok(vec![
        clean()?,
        bad_share()?,
        false_complaint_scenario()?,
        sealing()?,
    ])
}

const CLEAN_SEED: u64 = 50;
const BAD_SHARE_SEED: u64 = 51;
const FALSE_COMPLAINT_SEED: u64 = 52;

/// How one trustee cheats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cheat {
    /// The dealer seals to the recipient a share that opens but is wrong.
    BadShare,
    /// The recipient complains against an honest dealer, revealing the
    /// true Diffie–Hellman value with a valid proof.
    FalseComplaint,
}

/// A cheat between one dealer and one recipient.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Corruption {
    pub dealer: u32,
    pub recipient: u32,
    pub cheat: Cheat,
}

/// Everything a ceremony produced, public and secret.
pub(crate) struct Ceremony {
    pub fingerprint: Fingerprint,
    pub params: ThresholdParams,
    pub keys: Vec<TrusteeKeyPair>,
    pub key_proofs: Vec<PossessionProof>,
    pub roster: Vec<Point>,
    /// The dealings as published (after any corruption).
    pub dealings: Vec<DealerMessage>,
    pub complaints: Vec<ComplaintsMessage>,
    pub outcome: DkgOutcome,
    /// Key shares of the qualified trustees, ascending.
    pub shares: Vec<KeyShare>,
}

impl Ceremony {
    fn route<'a>(
        &'a self,
        dealing: &'a DealerMessage,
        recipient: u32,
        shared_secret: &'a Point,
    ) -> Result<Route<'a>, Error> {
        let sealed = dealing
            .shares
            .iter()
            .find(|s| s.recipient.get() == recipient)
            .ok_or_else(|| Error::Inconsistent("no share for recipient".into()))?;
        Ok(Route {
            fingerprint: &self.fingerprint,
            dealer: dealing.dealer.get(),
            recipient,
            recipient_key: &self.roster[(recipient - 1) as usize],
            ephemeral: &sealed.ephemeral,
            shared_secret,
        })
    }

    /// `S = x_j·E` for dealer `dealing`'s share to `recipient`.
    fn shared_secret(&self, dealing: &DealerMessage, recipient: u32) -> Result<Point, Error> {
        let sealed = dealing
            .shares
            .iter()
            .find(|s| s.recipient.get() == recipient)
            .ok_or_else(|| Error::Inconsistent("no share for recipient".into()))?;
        let secret = self.keys[(recipient - 1) as usize].secret().expose();
        Ok(Point::new(sealed.ephemeral.point() * secret))
    }
}

/// `Σ_k j^k·C_k`.
fn evaluate(commitments: &[Point], at: u32) -> Point {
    let x = Scalar::from(at);
    let mut power = Scalar::ONE;
    let mut powers = Vec::with_capacity(commitments.len());
    for _ in commitments {
        powers.push(power);
        power *= x;
    }
    Point::new(
        curve25519_dalek::ristretto::RistrettoPoint::vartime_multiscalar_mul(
            &powers,
            commitments.iter().map(|c| *c.point()),
        ),
    )
}

/// Runs a whole ceremony with the public API of `psephos-crypto`.
pub(crate) fn run(
    rng: &mut ChaCha20Rng,
    t: u32,
    n: u32,
    corruption: Option<Corruption>,
) -> Result<Ceremony, Error> {
    let params = params(t, n)?;
    let fp = fingerprint(rng);
    let keys: Vec<TrusteeKeyPair> = (0..n)
        .map(|_| TrusteeKeyPair::generate_with_rng(rng))
        .collect();
    let key_proofs = params
        .indices()
        .zip(&keys)
        .map(|(i, k)| k.prove_possession_with_rng(&fp, i, rng))
        .collect();
    let roster: Vec<Point> = keys.iter().map(|k| *k.public()).collect();

    let mut states = Vec::new();
    let mut honest = Vec::new();
    for (index, key) in params.indices().zip(&keys) {
        let (state, message) =
            Dealer::deal_with_rng(fp, params, index, key.clone(), roster.clone(), rng)
                .map_err(Error::crypto)?;
        states.push(state);
        honest.push(message);
    }

    let mut ceremony = Ceremony {
        fingerprint: fp,
        params,
        keys,
        key_proofs,
        roster,
        dealings: honest.clone(),
        complaints: Vec::new(),
        outcome: placeholder_outcome(params)?,
        shares: Vec::new(),
    };
    if let Some(bad) = corruption.filter(|c| c.cheat == Cheat::BadShare) {
        let dealing = &honest[(bad.dealer - 1) as usize];
        let shared_secret = ceremony.shared_secret(dealing, bad.recipient)?;
        let key = ceremony
            .route(dealing, bad.recipient, &shared_secret)?
            .derive_key();
        let sealed = dealing
            .share_for(
                psephos_crypto::threshold::TrusteeIndex::new(bad.recipient, &params)
                    .map_err(Error::crypto)?,
            )
            .ok_or_else(|| Error::Inconsistent("no share to corrupt".into()))?;
        let plaintext = kdf::open(&key, &sealed.sealed)
            .ok_or_else(|| Error::Inconsistent("own KDF does not open the crate's share".into()))?;
        let share = decode_scalar(&plaintext).map_err(Error::crypto)?;
        let wrong: [u8; SEALED_SHARE_LEN] = kdf::seal(&key, &(share + Scalar::ONE).to_bytes())?
            .try_into()
            .map_err(|_| Error::Inconsistent("sealed share length".into()))?;
        let published = &mut ceremony.dealings[(bad.dealer - 1) as usize];
        for s in &mut published.shares {
            if s.recipient.get() == bad.recipient {
                s.sealed = wrong;
            }
        }
    }

    let mut checked = Vec::new();
    for (slot, state) in states.into_iter().enumerate() {
        // A cheating dealer checks the board as it would have it: with its
        // own dealing unaltered (the crate insists on that).
        let view = match corruption {
            Some(bad) if bad.cheat == Cheat::BadShare && bad.dealer as usize == slot + 1 => &honest,
            _ => &ceremony.dealings,
        };
        let (state, message) = state.receive(view, rng).map_err(Error::crypto)?;
        checked.push(state);
        ceremony.complaints.push(message);
    }
    if let Some(bad) = corruption.filter(|c| c.cheat == Cheat::FalseComplaint) {
        let complaint = false_complaint(&ceremony, bad, rng)?;
        let slot = (bad.recipient - 1) as usize;
        let message = ceremony
            .complaints
            .get_mut(slot)
            .ok_or_else(|| Error::Inconsistent("no complaints slot".into()))?;
        message.complaints = vec![complaint];
    }

    let outcome = resolve(
        &ceremony.fingerprint,
        &ceremony.params,
        &ceremony.roster,
        &ceremony.dealings,
        &ceremony.complaints,
    )
    .map_err(Error::crypto)?;
    for state in checked {
        match state.finish(&ceremony.dealings, &ceremony.complaints) {
            Ok((share, theirs)) => {
                ensure(theirs == outcome, "every trustee resolves the same outcome")?;
                ceremony.shares.push(share);
            }
            Err(ThresholdError::SelfDisqualified(_)) => {}
            Err(e) => return Err(Error::crypto(e)),
        }
    }
    ensure(
        ceremony.shares.len() == outcome.qualified.len(),
        "every qualified trustee holds a share",
    )?;
    ceremony.outcome = outcome;
    Ok(ceremony)
}

/// A stand-in until the real outcome is known (never written out).
fn placeholder_outcome(params: ThresholdParams) -> Result<DkgOutcome, Error> {
    let key =
        psephos_crypto::elgamal::PublicKey::from_point(Point::GENERATOR).map_err(Error::crypto)?;
    Ok(DkgOutcome {
        params,
        qualified: Vec::new(),
        disqualified: Vec::new(),
        joint_key: key,
        verification_keys: Vec::new(),
    })
}

/// The public outcome as JSON.
pub(crate) fn outcome_json(outcome: &DkgOutcome) -> Result<Value, Error> {
    let mut disqualified = Vec::new();
    for (trustee, why) in &outcome.disqualified {
        disqualified.push(
            Obj::new()
                .put("trustee", trustee)?
                .put("disqualification", why)?
                .build(),
        );
    }
    let mut verification_keys = Vec::new();
    for (trustee, key) in &outcome.verification_keys {
        verification_keys.push(
            Obj::new()
                .put("trustee", trustee)?
                .put("verification_key", key)?
                .build(),
        );
    }
    Ok(Obj::new()
        .put("qualified", &outcome.qualified)?
        .with("disqualified", Value::Array(disqualified))
        .put("joint_key", &outcome.joint_key)?
        .with("verification_keys", Value::Array(verification_keys))
        .build())
}

/// Trustees with their long-term keys and proofs of possession.
pub(crate) fn trustees_json(ceremony: &Ceremony) -> Result<Value, Error> {
    let mut trustees = Vec::new();
    for ((index, key), proof) in ceremony
        .params
        .indices()
        .zip(&ceremony.keys)
        .zip(&ceremony.key_proofs)
    {
        trustees.push(
            Obj::new()
                .put("index", &index)?
                .text("secret_key", &scalar_hex(key.secret().expose()))
                .put("public_key", key.public())?
                .put("key_proof", proof)?
                .build(),
        );
    }
    Ok(Value::Array(trustees))
}

/// Key shares and the secret they interpolate to (checked against the joint key).
pub(crate) fn shares_json(ceremony: &Ceremony) -> Result<(Value, Scalar), Error> {
    let mut items = Vec::new();
    for share in &ceremony.shares {
        items.push(
            Obj::new()
                .put("trustee", &share.index())?
                .text("secret_share", &scalar_hex(share.secret().expose()))
                .put("verification_key", share.verification_key())?
                .build(),
        );
    }
    let indices: Vec<_> = ceremony.shares.iter().map(KeyShare::index).collect();
    let lambdas = lagrange_coefficients(&indices).map_err(Error::crypto)?;
    let secret: Scalar = lambdas
        .iter()
        .zip(&ceremony.shares)
        .map(|(l, s)| l * s.secret().expose())
        .sum();
    ensure(
        mul_g(&secret) == *ceremony.outcome.joint_key.point(),
        "the key shares interpolate to the joint secret",
    )?;
    Ok((Value::Array(items), secret))
}

const DKG_COMMENT: &str = "Pedersen DKG, t-of-n. Each trustee has a long-term key with a \
    proof of possession (`trustees`). Round 1: each dealer publishes a `dealings` entry: \
    Feldman commitments C_{i,k} = a_{i,k}·G (k = 0..t) with proofs of possession, and its \
    share s_ij = f_i(j) sealed to every other trustee j (ephemeral E and 48 sealed bytes). \
    Round 2: each trustee publishes its complaints (empty confirms every share). Resolving \
    the public messages must give exactly `outcome`: the qualified set, disqualifications \
    with their reason, the joint key K = Σ_{i∈QUAL} C_{i,0}, and V_j = Σ_{i∈QUAL} Σ_k \
    j^k·C_{i,k}. `key_shares` are the trustees' secret shares s_j (s_j·G = V_j) and \
    `joint_secret` their Lagrange interpolation at 0 (joint_secret·G = K).";

fn ceremony_value(
    scenario: &str,
    comment: &str,
    seed: u64,
    ceremony: &Ceremony,
    extras: Vec<(&str, Value)>,
) -> Result<Value, Error> {
    let (shares, secret) = shares_json(ceremony)?;
    let mut obj = Obj::new()
        .text("scenario", scenario)
        .text("comment", &format!("{comment} {DKG_COMMENT}"))
        .put("seed", &seed)?
        .put("fingerprint", &ceremony.fingerprint)?
        .put("params", &ceremony.params)?
        .with("trustees", trustees_json(ceremony)?)
        .put("dealings", &ceremony.dealings)?
        .put("complaints", &ceremony.complaints)?
        .with("outcome", outcome_json(&ceremony.outcome)?)
        .with("key_shares", shares)
        .text("joint_secret", &scalar_hex(&secret))
        .text("expect", "valid");
    for (key, value) in extras {
        obj = obj.with(key, value);
    }
    Ok(obj.build())
}

fn clean() -> Result<VectorFile, Error> {
    let mut rng = rng(CLEAN_SEED);
    let ceremony = run(&mut rng, 2, 3, None)?;
    ensure(
        ceremony.outcome.qualified.len() == 3
            && ceremony.complaints.iter().all(|c| c.complaints.is_empty()),
        "clean ceremony qualifies everyone",
    )?;
    let value = ceremony_value(
        "dkg-2-of-3",
        "A 2-of-3 ceremony in which every trustee is honest: no complaints, all qualified.",
        CLEAN_SEED,
        &ceremony,
        Vec::new(),
    )?;
    Ok(file("dkg-2-of-3", value))
}

fn bad_share() -> Result<VectorFile, Error> {
    let mut rng = rng(BAD_SHARE_SEED);
    let corruption = Corruption {
        dealer: 3,
        recipient: 1,
        cheat: Cheat::BadShare,
    };
    let ceremony = run(&mut rng, 2, 3, Some(corruption))?;
    let bad = ceremony
        .outcome
        .disqualified
        .iter()
        .any(|(i, why)| {
            i.get() == 3
                && matches!(why, psephos_crypto::dkg::Disqualification::BadShare { complainer } if complainer.get() == 1)
        });
    ensure(
        bad && ceremony.outcome.qualified.len() == 2,
        "dealer 3 is disqualified by trustee 1's complaint",
    )?;
    let value = ceremony_value(
        "dkg-2-of-3-bad-share",
        "A 2-of-3 ceremony in which dealer 3 seals to trustee 1 a share that opens but is \
         wrong (f_3(1) + 1, under the correct key). Trustee 1 publishes a complaint revealing \
         the Diffie–Hellman value S with a Chaum–Pedersen proof (log_G P_1 = log_E S); anyone \
         can then open the share and see it does not match dealer 3's commitments, so dealer 3 \
         is disqualified and the ceremony completes with trustees 1 and 2. \
         `complaint_transcript` is the Fiat–Shamir transcript of the complaint proof, in the \
         format of the proof vectors (see disjunctive-bit-0.json).",
        BAD_SHARE_SEED,
        &ceremony,
        vec![
            (
                "corruption",
                Obj::new()
                    .put("dealer", &corruption.dealer)?
                    .put("recipient", &corruption.recipient)?
                    .text("what", "the sealed share opens to f_3(1) + 1")
                    .build(),
            ),
            ("complaint_transcript", complaint_transcript(&ceremony)?),
        ],
    )?;
    Ok(file("dkg-2-of-3-bad-share", value))
}

/// The complaint proof's transcript (spec/crypto.md §6.5) up to the challenge.
fn complaint_log(
    ceremony: &Ceremony,
    dealer: u32,
    recipient: u32,
    ephemeral: &Point,
    shared_secret: &Point,
    a: &Point,
    b: &Point,
) -> Log {
    let mut log = Log::new(protocol::COMPLAINT);
    log.fingerprint(&ceremony.fingerprint);
    log.u64(field::DEALER, u64::from(dealer));
    log.u64(field::RECIPIENT, u64::from(recipient));
    log.point(field::GENERATOR, &Point::GENERATOR);
    log.point(
        field::RECIPIENT_KEY,
        &ceremony.roster[(recipient - 1) as usize],
    );
    log.point(field::EPHEMERAL, ephemeral);
    log.point(field::SHARED_SECRET, shared_secret);
    log.point(field::COMMITMENT_A, a);
    log.point(field::COMMITMENT_B, b);
    log
}

/// A complaint by `bad.recipient` against the honest `bad.dealer`, with the
/// true `S = x_j·E` and a valid Chaum–Pedersen proof made here
/// (`psephos-crypto` keeps its complaint prover private).
fn false_complaint(
    ceremony: &Ceremony,
    bad: Corruption,
    rng: &mut ChaCha20Rng,
) -> Result<Complaint, Error> {
    let dealing = ceremony
        .dealings
        .get((bad.dealer - 1) as usize)
        .ok_or_else(|| Error::Inconsistent("no dealing to accuse".into()))?;
    let ephemeral = dealing
        .shares
        .iter()
        .find(|s| s.recipient.get() == bad.recipient)
        .map(|s| s.ephemeral)
        .ok_or_else(|| Error::Inconsistent("no share for the complainer".into()))?;
    let shared_secret = ceremony.shared_secret(dealing, bad.recipient)?;
    let x = ceremony.keys[(bad.recipient - 1) as usize]
        .secret()
        .expose();
    let u = random_scalar(rng);
    let a = mul_g(&u);
    let b = Point::new(ephemeral.point() * u);
    let log = complaint_log(
        ceremony,
        bad.dealer,
        bad.recipient,
        &ephemeral,
        &shared_secret,
        &a,
        &b,
    );
    let (c, _) = log.challenge()?;
    Ok(Complaint {
        dealer: dealing.dealer,
        shared_secret,
        proof: ComplaintProof(ChaumPedersenProof { a, b, z: u + c * x }),
    })
}

/// The transcript of trustee 1's complaint proof (spec/crypto.md §6.5),
/// with its challenge; checks z·G = a + c·P_j and z·E = b + c·S.
fn complaint_transcript(ceremony: &Ceremony) -> Result<Value, Error> {
    let message = ceremony
        .complaints
        .iter()
        .find(|m| !m.complaints.is_empty())
        .ok_or_else(|| Error::Inconsistent("no complaint".into()))?;
    let complaint = message
        .complaints
        .first()
        .ok_or_else(|| Error::Inconsistent("no complaint".into()))?;
    let recipient = message.complainer.get();
    let dealing = ceremony
        .dealings
        .iter()
        .find(|d| d.dealer == complaint.dealer)
        .ok_or_else(|| Error::Inconsistent("no dealing for the complaint".into()))?;
    let sealed = dealing
        .shares
        .iter()
        .find(|s| s.recipient == message.complainer)
        .ok_or_else(|| Error::Inconsistent("no share for the complainer".into()))?;
    let recipient_key = &ceremony.roster[(recipient - 1) as usize];
    let proof = &complaint.proof.0;
    let log = complaint_log(
        ceremony,
        complaint.dealer.get(),
        recipient,
        &sealed.ephemeral,
        &complaint.shared_secret,
        &proof.a,
        &proof.b,
    );
    let (c, record) = log.challenge()?;
    ensure(
        *mul_g(&proof.z).point() == proof.a.point() + recipient_key.point() * c
            && sealed.ephemeral.point() * proof.z
                == proof.b.point() + complaint.shared_secret.point() * c,
        "complaint proof equations with the spec's challenge",
    )?;
    Ok(Obj::new()
        .put("complainer", &message.complainer)?
        .put("dealer", &complaint.dealer)?
        .text("challenge", &scalar_hex(&c))
        .with("transcript", record)
        .build())
}

fn false_complaint_scenario() -> Result<VectorFile, Error> {
    let mut rng = rng(FALSE_COMPLAINT_SEED);
    let corruption = Corruption {
        dealer: 1,
        recipient: 2,
        cheat: Cheat::FalseComplaint,
    };
    let ceremony = run(&mut rng, 2, 3, Some(corruption))?;
    let caught = ceremony.outcome.disqualified.iter().any(|(i, why)| {
        i.get() == 2
            && matches!(why, psephos_crypto::dkg::Disqualification::FalseComplaint { dealer } if dealer.get() == 1)
    });
    ensure(
        caught && ceremony.outcome.disqualified.len() == 1,
        "trustee 2 is disqualified for its false complaint, and only it",
    )?;
    let value = ceremony_value(
        "dkg-2-of-3-false-complaint",
        "A 2-of-3 ceremony in which every dealer is honest but trustee 2 complains against \
         dealer 1, revealing the true Diffie–Hellman value S = x_2·E with a valid proof. \
         Anyone can then open dealer 1's share to trustee 2 and see that it matches dealer 1's \
         commitments, so the complainer, not the dealer, is disqualified; the ceremony \
         completes with trustees 1 and 3. `complaint_transcript` is the Fiat–Shamir \
         transcript of the complaint proof, in the format of the proof vectors.",
        FALSE_COMPLAINT_SEED,
        &ceremony,
        vec![
            (
                "corruption",
                Obj::new()
                    .put("dealer", &corruption.dealer)?
                    .put("recipient", &corruption.recipient)?
                    .text(
                        "what",
                        "trustee 2 complains against dealer 1, whose share is good",
                    )
                    .build(),
            ),
            ("complaint_transcript", complaint_transcript(&ceremony)?),
        ],
    )?;
    Ok(file("dkg-2-of-3-false-complaint", value))
}

const SEALING_COMMENT: &str = "DKG share encryption. For dealer i, recipient j with long-term \
    key P_j = x_j·G, ephemeral key E and shared secret S = x_j·E (= e·P_j): the key is 32 \
    challenge bytes of the merlin transcript described by `kdf` (protocol label, then each \
    append in order; `u64` is merlin's append_u64, the 8-byte little-endian integer); \
    `sealed` is ChaCha20-Poly1305 under that key and the all-zero 12-byte nonce of the \
    share's 32-byte scalar encoding (ciphertext then 16-byte tag). The opened `share` \
    satisfies share·G = Σ_k j^k·C_{i,k} with the dealer's `commitments`. A recipient holds \
    x_j, not the dealer's ephemeral secret e, which these vectors therefore do not show.";

fn sealing() -> Result<VectorFile, Error> {
    let mut rng = rng(CLEAN_SEED);
    let ceremony = run(&mut rng, 2, 3, None)?;
    let mut shares = Vec::new();
    let mut first: Option<(Value, [u8; 32], Vec<u8>)> = None;
    for dealing in &ceremony.dealings {
        for sealed in &dealing.shares {
            let j = sealed.recipient.get();
            let shared_secret = ceremony.shared_secret(dealing, j)?;
            let route = ceremony.route(dealing, j, &shared_secret)?;
            let key = route.derive_key();
            let plaintext = kdf::open(&key, &sealed.sealed).ok_or_else(|| {
                Error::Inconsistent("own KDF does not open the crate's sealed share".into())
            })?;
            let share = decode_scalar(&plaintext).map_err(Error::crypto)?;
            ensure(
                mul_g(&share) == evaluate(&dealing.commitments, j),
                "opened share matches the commitments",
            )?;
            let body = Obj::new()
                .put("fingerprint", &ceremony.fingerprint)?
                .put("dealer", &dealing.dealer)?
                .put("recipient", &sealed.recipient)?
                .put("recipient_key", route.recipient_key)?
                .text(
                    "recipient_secret_key",
                    &scalar_hex(ceremony.keys[(j - 1) as usize].secret().expose()),
                )
                .put("ephemeral", &sealed.ephemeral)?
                .put("shared_secret", &shared_secret)?
                .with("kdf", route.transcript_json()?)
                .with("key", hex_value(&key))
                .with("nonce", hex_value(&kdf::NONCE))
                .with("sealed", hex_value(&sealed.sealed))
                .text("share", &scalar_hex(&share))
                .put("commitments", &dealing.commitments)?
                .put("share_times_g", &mul_g(&share))?
                .text("expect", "valid")
                .build();
            if first.is_none() {
                first = Some((body.clone(), key, sealed.sealed.to_vec()));
            }
            shares.push(body);
        }
    }
    let (base, key, sealed) =
        first.ok_or_else(|| Error::Inconsistent("ceremony without shares".into()))?;

    // Reject cases: each alters one input of the opening; the recipient must
    // refuse the share (complain).
    let mut cases = Vec::new();
    let flipped = |index: usize| -> Vec<u8> {
        let mut copy = sealed.clone();
        copy[index] ^= 0x01;
        copy
    };
    let tag_altered = flipped(47);
    let body_altered = flipped(0);
    let mut push = |name: &str,
                    comment: &str,
                    change: &dyn Fn(&mut Value) -> Result<(), Error>|
     -> Result<(), Error> {
        let mut case = base.clone();
        change(&mut case)?;
        if let Value::Object(map) = &mut case {
            map.insert("name".into(), Value::from(name));
            map.insert("comment".into(), Value::from(comment));
            map.insert(
                "expect".into(),
                Value::from("reject: authentication failed"),
            );
        }
        cases.push(case);
        Ok(())
    };
    push(
        "tag altered",
        "last byte of the Poly1305 tag flipped",
        &|c| crate::json::replace_at(c, &["sealed"], hex_value(&tag_altered)),
    )?;
    push(
        "ciphertext altered",
        "first ciphertext byte flipped",
        &|c| crate::json::replace_at(c, &["sealed"], hex_value(&body_altered)),
    )?;
    ensure(
        kdf::open(&key, &tag_altered).is_none(),
        "altered tag refused",
    )?;
    ensure(
        kdf::open(&key, &body_altered).is_none(),
        "altered body refused",
    )?;

    // Keys derived from a wrong input must not open the share.
    let dealing = ceremony
        .dealings
        .first()
        .ok_or_else(|| Error::Inconsistent("no dealing".into()))?;
    let recipient = dealing
        .shares
        .first()
        .map(|s| s.recipient.get())
        .ok_or_else(|| Error::Inconsistent("no share".into()))?;
    let shared_secret = ceremony.shared_secret(dealing, recipient)?;
    let good = ceremony.route(dealing, recipient, &shared_secret)?;
    let wrong_secret = plus_g(&shared_secret);
    let other_fp = fingerprint(&mut rng);
    let wrong_routes: Vec<(&str, &str, Route<'_>)> = vec![
        (
            "wrong shared secret",
            "S + G: a complainer that reveals a false S",
            Route {
                shared_secret: &wrong_secret,
                ..good
            },
        ),
        (
            "wrong recipient",
            "the key derived for recipient 3 instead of 2",
            Route {
                recipient: 3,
                ..good
            },
        ),
        (
            "wrong dealer",
            "the key derived for dealer 2 instead of 1",
            Route { dealer: 2, ..good },
        ),
        (
            "wrong fingerprint",
            "the key derived under another ceremony's fingerprint",
            Route {
                fingerprint: &other_fp,
                ..good
            },
        ),
    ];
    for (name, comment, route) in wrong_routes {
        let wrong_key = route.derive_key();
        ensure(
            kdf::open(&wrong_key, &sealed).is_none(),
            format!("{name} refused"),
        )?;
        let transcript = route.transcript_json()?;
        let mut case = base.clone();
        crate::json::replace_at(&mut case, &["kdf"], transcript)?;
        crate::json::replace_at(&mut case, &["key"], hex_value(&wrong_key))?;
        if let Value::Object(map) = &mut case {
            map.insert("name".into(), Value::from(name));
            map.insert("comment".into(), Value::from(comment));
            map.insert(
                "expect".into(),
                Value::from("reject: authentication failed"),
            );
        }
        cases.push(case);
    }

    let value = Obj::new()
        .text("scenario", "share-sealing")
        .text(
            "comment",
            &format!(
                "Every sealed share of the dkg-2-of-3 ceremony (same seed), opened. `cases` \
                 alter one input each: the tag must not verify. In a case with a wrong key \
                 input, `kdf` and `key` are those of the altered input. {SEALING_COMMENT}"
            ),
        )
        .put("seed", &CLEAN_SEED)?
        .with("shares", Value::Array(shares))
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("share-sealing", value))
}
