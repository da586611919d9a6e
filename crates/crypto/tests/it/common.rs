//! Shared fixtures.

#![allow(dead_code)]

use psephos_crypto::context::{BallotContext, BallotPosition, CredentialKey, Fingerprint};
use psephos_crypto::dkg::{
    Checked, ComplaintsMessage, Dealer, DealerMessage, Dealt, DkgOutcome, TrusteeKeyPair,
};
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{Ciphertext, EncryptionNonce, PublicKey, SecretKey};
use psephos_crypto::encoding::Point;
use psephos_crypto::proofs::disjunctive::{DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::threshold::{combine, KeyShare, ThresholdParams, TrusteeIndex};
use psephos_crypto::{RistrettoPoint, Scalar};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn fingerprint(tag: u8) -> Fingerprint {
    Fingerprint::from_bytes([tag; 32])
}

pub fn context(tag: u8, voter: u8, question: u32, option: Option<u32>) -> BallotContext {
    BallotContext {
        fingerprint: fingerprint(tag),
        credential: CredentialKey::from_bytes([voter; 32]),
        position: BallotPosition { question, option },
    }
}

/// `P + G`: a different, valid point.
pub fn bump_point(p: &Point) -> Point {
    Point::new(p.point() + Point::GENERATOR.point())
}

/// `s + 1`.
pub fn bump_scalar(s: &Scalar) -> Scalar {
    s + Scalar::ONE
}

/// `m·G`.
pub fn times_g(m: u64) -> RistrettoPoint {
    Point::GENERATOR.point() * Scalar::from(m)
}

/// A point nobody knows the discrete log of in these tests' terms.
pub fn other_point(tag: u64) -> Point {
    Point::new(times_g(1_000_003 * tag + 17))
}

/// A fresh single-party election key.
pub fn secret_key(seed: u64) -> SecretKey {
    SecretKey::generate_with_rng(&mut rng(seed))
}

/// Encrypts `m` and proves it lies in `values`, returning the ciphertext,
/// its nonce and the proof.
pub fn prove_value(
    key: &PublicKey,
    ctx: &BallotContext,
    values: &[u64],
    m: u64,
    rng: &mut ChaCha20Rng,
) -> (Ciphertext, EncryptionNonce, DisjunctiveProof) {
    let (ct, nonce) = key.encrypt_with_rng(m, rng);
    let statement = DisjunctiveStatement {
        context: ctx,
        key,
        ciphertexts: std::slice::from_ref(&ct),
        values,
    };
    let proof = DisjunctiveProof::prove_with_rng(&statement, m, &nonce, rng)
        .expect("the plaintext is allowed");
    (ct, nonce, proof)
}

/// A `t`-of-`n` key ceremony's fixed inputs: parameters, fingerprint, and
/// every trustee's long-term key pair.
pub struct Trustees {
    pub params: ThresholdParams,
    pub fingerprint: Fingerprint,
    pub keys: Vec<TrusteeKeyPair>,
    pub roster: Vec<Point>,
}

impl Trustees {
    pub fn new(t: u32, n: u32, rng: &mut ChaCha20Rng) -> Self {
        let params = ThresholdParams::new(t, n).unwrap();
        let keys: Vec<TrusteeKeyPair> = (0..n)
            .map(|_| TrusteeKeyPair::generate_with_rng(rng))
            .collect();
        let roster = keys.iter().map(|k| *k.public()).collect();
        Trustees {
            params,
            fingerprint: fingerprint(0xd6),
            keys,
            roster,
        }
    }

    /// The index `i` (1-based).
    pub fn index(&self, i: u32) -> TrusteeIndex {
        TrusteeIndex::new(i, &self.params).unwrap()
    }

    /// Trustee `i` deals.
    pub fn deal(&self, i: u32, rng: &mut ChaCha20Rng) -> (Dealt, DealerMessage) {
        Dealer::deal_with_rng(
            self.fingerprint,
            self.params,
            self.index(i),
            self.keys[(i - 1) as usize].clone(),
            self.roster.clone(),
            rng,
        )
        .unwrap()
    }

    /// The trustees in `present` deal; returns their states and the board.
    pub fn deal_some(
        &self,
        present: &[u32],
        rng: &mut ChaCha20Rng,
    ) -> (Vec<(u32, Dealt)>, Vec<DealerMessage>) {
        let mut states = Vec::new();
        let mut board = Vec::new();
        for &i in present {
            let (state, message) = self.deal(i, rng);
            states.push((i, state));
            board.push(message);
        }
        (states, board)
    }

    /// Every trustee `1..=n`.
    pub fn all(&self) -> Vec<u32> {
        (1..=self.params.n()).collect()
    }

    /// Runs round 2 for every state against the same board.
    pub fn receive_all(
        &self,
        states: Vec<(u32, Dealt)>,
        board: &[DealerMessage],
        rng: &mut ChaCha20Rng,
    ) -> (Vec<(u32, Checked)>, Vec<ComplaintsMessage>) {
        let mut checked = Vec::new();
        let mut complaints = Vec::new();
        for (i, state) in states {
            let (c, m) = state.receive(board, rng).unwrap();
            checked.push((i, c));
            complaints.push(m);
        }
        (checked, complaints)
    }
}

/// The result of an honest, complete ceremony.
pub struct Ceremony {
    pub trustees: Trustees,
    pub dealings: Vec<DealerMessage>,
    pub complaints: Vec<ComplaintsMessage>,
    pub shares: Vec<KeyShare>,
    pub outcome: DkgOutcome,
}

/// Runs an honest `t`-of-`n` ceremony with every trustee present.
pub fn ceremony(t: u32, n: u32, seed: u64) -> Ceremony {
    let mut rng = rng(seed);
    let trustees = Trustees::new(t, n, &mut rng);
    let (states, dealings) = trustees.deal_some(&trustees.all(), &mut rng);
    let (checked, complaints) = trustees.receive_all(states, &dealings, &mut rng);
    let mut shares = Vec::new();
    let mut outcome = None;
    for (_, c) in checked {
        let (share, o) = c.finish(&dealings, &complaints).unwrap();
        if let Some(previous) = &outcome {
            assert_eq!(previous, &o, "trustees disagree on the outcome");
        }
        outcome = Some(o);
        shares.push(share);
    }
    Ceremony {
        trustees,
        dealings,
        complaints,
        shares,
        outcome: outcome.unwrap(),
    }
}

/// Threshold-decrypts `ct` with the given shares (each proof checked) and
/// solves the discrete log up to `max`.
pub fn threshold_decrypt(
    params: &ThresholdParams,
    fingerprint: &Fingerprint,
    shares: &[&KeyShare],
    ct: &Ciphertext,
    max: u64,
    rng: &mut ChaCha20Rng,
) -> u64 {
    use psephos_crypto::proofs::decryption::DecryptionStatement;
    let partials: Vec<_> = shares
        .iter()
        .map(|s| (s, s.partial_decrypt_with_rng(fingerprint, ct, rng)))
        .collect();
    for (s, p) in &partials {
        let statement = DecryptionStatement {
            fingerprint,
            trustee: s.index(),
            verification_key: s.verification_key(),
            ciphertext: ct,
            share: &p.share,
        };
        p.proof.verify(&statement).unwrap();
    }
    let refs: Vec<(TrusteeIndex, &Point)> = partials
        .iter()
        .map(|(s, p)| (s.index(), &p.share))
        .collect();
    let m = combine(params, ct, &refs).unwrap();
    DlogTable::new(max).solve(&m).unwrap()
}
