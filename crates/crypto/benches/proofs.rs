//! Ballot and tally proofs: the figures of issue 3's "Performance" section.
//!
//! Verification benchmarks start from wire bytes (the 32-byte encodings of
//! every point and scalar, no JSON), so decompression is counted: a verifier
//! receives encodings, never decompressed points. The election key is
//! decoded once per election and is not part of the timed work.
//!
//! Run with `cargo bench -p psephos-crypto --bench proofs`. Batch figures
//! report throughput in proofs per second; the amortised cost per proof is
//! the reported time divided by the batch size.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use curve25519_dalek::scalar::Scalar;
use merlin::Transcript;
use psephos_crypto::context::{BallotContext, BallotPosition, CredentialKey, Fingerprint};
use psephos_crypto::elgamal::{Ciphertext, PublicKey, SecretKey};
use psephos_crypto::encoding::{decode_scalar, Point};
use psephos_crypto::proofs::decryption::{DecryptionProof, DecryptionStatement};
use psephos_crypto::proofs::disjunctive::{Branch, DisjunctiveProof, DisjunctiveStatement};
use psephos_crypto::proofs::randomness::{RandomnessProof, RandomnessStatement};
use psephos_crypto::proofs::sigma::{ChaumPedersenProof, SchnorrProof};
use psephos_crypto::secret::SecretScalar;
use psephos_crypto::threshold::{KeyShare, PartialDecryption, ThresholdParams, TrusteeIndex};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use subtle::Choice;

use common::BenchClock;

/// The allowed values of one selection.
const BIT: &[u64] = &[0, 1];

/// Proofs in the large batch (the issue asks for "≥ 10,000").
const BATCH: usize = 10_000;

/// Selections of one ballot verified together.
const BALLOT_SELECTIONS: usize = 5;

/// Entries of the tally that a trustee decrypts.
const TALLY: usize = 1_000;

/// Wire form of a ciphertext and its 0/1 proof:
/// `α || β || (a_j || b_j || c_j || z_j) for j = 0, 1`.
const BALLOT_LEN: usize = 64 + 2 * 128;

/// Wire form of a partial decryption: `D || a || b || z`.
const PARTIAL_LEN: usize = 128;

/// Wire form of a ciphertext and its randomness proof: `α || β || a || z`.
const RANDOMNESS_LEN: usize = 128;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn fingerprint() -> Fingerprint {
    Fingerprint::from_bytes([0x5e; 32])
}

/// A distinct context per voter, as on a real board.
fn context(voter: usize) -> BallotContext {
    let mut credential = [0u8; 32];
    credential[..8].copy_from_slice(&(voter as u64).to_le_bytes());
    BallotContext {
        fingerprint: fingerprint(),
        credential: CredentialKey::from_bytes(credential),
        position: BallotPosition::option(0, (voter % 7) as u32),
    }
}

fn election_key() -> PublicKey {
    SecretKey::generate_with_rng(&mut rng(7))
        .public_key()
        .clone()
}

fn statement<'a>(
    context: &'a BallotContext,
    key: &'a PublicKey,
    ciphertext: &'a Ciphertext,
) -> DisjunctiveStatement<'a> {
    DisjunctiveStatement {
        context,
        key,
        ciphertexts: std::slice::from_ref(ciphertext),
        values: BIT,
    }
}

fn encrypt_and_prove(
    key: &PublicKey,
    context: &BallotContext,
    bit: u64,
    rng: &mut ChaCha20Rng,
) -> (Ciphertext, DisjunctiveProof) {
    let (ciphertext, nonce) = key.encrypt_bit_with_rng(Choice::from(bit as u8), rng);
    let proof =
        DisjunctiveProof::prove_with_rng(&statement(context, key, &ciphertext), bit, &nonce, rng)
            .unwrap();
    (ciphertext, proof)
}

fn put(out: &mut [u8], at: usize, bytes: &[u8; 32]) {
    out[at..at + 32].copy_from_slice(bytes);
}

fn point_at(bytes: &[u8], at: usize) -> Point {
    Point::decode(&bytes[at..at + 32]).unwrap()
}

fn scalar_at(bytes: &[u8], at: usize) -> Scalar {
    decode_scalar(&bytes[at..at + 32]).unwrap()
}

fn encode_ballot(ciphertext: &Ciphertext, proof: &DisjunctiveProof) -> [u8; BALLOT_LEN] {
    let mut out = [0u8; BALLOT_LEN];
    put(&mut out, 0, ciphertext.alpha.as_bytes());
    put(&mut out, 32, ciphertext.beta.as_bytes());
    for (j, branch) in proof.branches.iter().enumerate() {
        let at = 64 + 128 * j;
        put(&mut out, at, branch.a.as_bytes());
        put(&mut out, at + 32, branch.b.as_bytes());
        put(&mut out, at + 64, branch.c.as_bytes());
        put(&mut out, at + 96, branch.z.as_bytes());
    }
    out
}

/// Six decompressions and four scalar checks.
fn decode_ballot(bytes: &[u8; BALLOT_LEN]) -> (Ciphertext, DisjunctiveProof) {
    let ciphertext = Ciphertext {
        alpha: point_at(bytes, 0),
        beta: point_at(bytes, 32),
    };
    let branches = (0..2)
        .map(|j| {
            let at = 64 + 128 * j;
            Branch {
                a: point_at(bytes, at),
                b: point_at(bytes, at + 32),
                c: scalar_at(bytes, at + 64),
                z: scalar_at(bytes, at + 96),
            }
        })
        .collect();
    (ciphertext, DisjunctiveProof { branches })
}

fn encode_partial(partial: &PartialDecryption) -> [u8; PARTIAL_LEN] {
    let mut out = [0u8; PARTIAL_LEN];
    put(&mut out, 0, partial.share.as_bytes());
    put(&mut out, 32, partial.proof.0.a.as_bytes());
    put(&mut out, 64, partial.proof.0.b.as_bytes());
    put(&mut out, 96, partial.proof.0.z.as_bytes());
    out
}

/// Three decompressions and one scalar check.
fn decode_partial(bytes: &[u8; PARTIAL_LEN]) -> PartialDecryption {
    PartialDecryption {
        share: point_at(bytes, 0),
        proof: DecryptionProof(ChaumPedersenProof {
            a: point_at(bytes, 32),
            b: point_at(bytes, 64),
            z: scalar_at(bytes, 96),
        }),
    }
}

fn ballot_proofs(c: &mut Criterion<BenchClock>) {
    let key = election_key();
    let ctx = context(1);
    let mut prover_rng = rng(1);

    let mut group = common::group(c, "ballot 0/1");
    group.bench_function("encrypt + prove", |b| {
        b.iter(|| encrypt_and_prove(&key, &ctx, 1, &mut prover_rng))
    });
    group.bench_function("encrypt only", |b| {
        b.iter(|| key.encrypt_bit_with_rng(Choice::from(1), &mut prover_rng))
    });
    group.bench_function("prove only", |b| {
        b.iter_batched(
            || key.encrypt_bit_with_rng(Choice::from(1), &mut rng(2)),
            |(ciphertext, nonce)| {
                DisjunctiveProof::prove_with_rng(
                    &statement(&ctx, &key, &ciphertext),
                    1,
                    &nonce,
                    &mut prover_rng,
                )
                .unwrap()
            },
            BatchSize::SmallInput,
        )
    });

    let (ciphertext, proof) = encrypt_and_prove(&key, &ctx, 0, &mut prover_rng);
    let wire = encode_ballot(&ciphertext, &proof);
    group.bench_function("verify from bytes", |b| {
        b.iter(|| {
            let (ciphertext, proof) = decode_ballot(black_box(&wire));
            proof.verify(&statement(&ctx, &key, &ciphertext)).unwrap()
        })
    });
    group.bench_function("verify, decoded", |b| {
        b.iter(|| {
            proof
                .verify(&statement(&ctx, &key, black_box(&ciphertext)))
                .unwrap()
        })
    });
    group.bench_function("decode only", |b| {
        b.iter(|| decode_ballot(black_box(&wire)))
    });

    // One ballot's selections checked together: the doublings of the
    // multiscalar multiplication and the G and K terms are shared.
    let contexts: Vec<BallotContext> = (0..BALLOT_SELECTIONS)
        .map(|option| BallotContext {
            position: BallotPosition::option(0, option as u32),
            ..ctx
        })
        .collect();
    let wires: Vec<[u8; BALLOT_LEN]> = contexts
        .iter()
        .enumerate()
        .map(|(i, ctx)| {
            let (ciphertext, proof) =
                encrypt_and_prove(&key, ctx, u64::from(i == 0), &mut prover_rng);
            encode_ballot(&ciphertext, &proof)
        })
        .collect();
    let mut verifier_rng = rng(9);
    group.throughput(Throughput::Elements(BALLOT_SELECTIONS as u64));
    group.bench_function(
        format!("verify {BALLOT_SELECTIONS} selections together from bytes"),
        |b| b.iter(|| verify_board(&key, &contexts, &wires, &mut verifier_rng)),
    );
    group.finish();
}

/// Encrypts and proves `count` selections, each by its own voter.
fn ballot_board(key: &PublicKey, count: usize) -> (Vec<BallotContext>, Vec<[u8; BALLOT_LEN]>) {
    let mut prover_rng = rng(3);
    let contexts: Vec<BallotContext> = (0..count).map(context).collect();
    let wires = contexts
        .iter()
        .enumerate()
        .map(|(i, ctx)| {
            let (ciphertext, proof) = encrypt_and_prove(key, ctx, (i % 2) as u64, &mut prover_rng);
            encode_ballot(&ciphertext, &proof)
        })
        .collect();
    (contexts, wires)
}

fn verify_board(
    key: &PublicKey,
    contexts: &[BallotContext],
    wires: &[[u8; BALLOT_LEN]],
    verifier_rng: &mut ChaCha20Rng,
) {
    let decoded: Vec<(Ciphertext, DisjunctiveProof)> = wires.iter().map(decode_ballot).collect();
    let items: Vec<(DisjunctiveStatement<'_>, &DisjunctiveProof)> = decoded
        .iter()
        .zip(contexts)
        .map(|((ciphertext, proof), ctx)| (statement(ctx, key, ciphertext), proof))
        .collect();
    DisjunctiveProof::verify_batch(&items, verifier_rng).unwrap();
}

fn ballot_batches(c: &mut Criterion<BenchClock>) {
    let key = election_key();
    let (contexts, wires) = ballot_board(&key, BATCH);
    let mut verifier_rng = rng(4);

    let mut group = common::group(c, "ballot 0/1 batch");
    group.sample_size(10);
    for size in [1_000, BATCH] {
        group.throughput(Throughput::Elements(size as u64));
        group.measurement_time(Duration::from_secs(if size == BATCH { 12 } else { 5 }));
        group.bench_function(format!("verify {size} from bytes"), |b| {
            b.iter(|| verify_board(&key, &contexts[..size], &wires[..size], &mut verifier_rng))
        });
    }
    group.throughput(Throughput::Elements(BATCH as u64));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function(format!("decode {BATCH} only"), |b| {
        b.iter(|| {
            wires
                .iter()
                .map(decode_ballot)
                .collect::<Vec<(Ciphertext, DisjunctiveProof)>>()
        })
    });
    group.finish();
}

fn randomness_proofs(c: &mut Criterion<BenchClock>) {
    let key = election_key();
    let ctx = context(1);
    let mut prover_rng = rng(5);
    let (ciphertext, nonce) = key.encrypt_with_rng(1, &mut prover_rng);
    let st = RandomnessStatement {
        context: &ctx,
        key: &key,
        ciphertext: &ciphertext,
    };
    let proof = RandomnessProof::prove_with_rng(&st, &nonce, &mut prover_rng);
    let mut wire = [0u8; RANDOMNESS_LEN];
    put(&mut wire, 0, ciphertext.alpha.as_bytes());
    put(&mut wire, 32, ciphertext.beta.as_bytes());
    put(&mut wire, 64, proof.0.a.as_bytes());
    put(&mut wire, 96, proof.0.z.as_bytes());

    let mut group = common::group(c, "randomness");
    group.bench_function("prove", |b| {
        b.iter(|| RandomnessProof::prove_with_rng(black_box(&st), &nonce, &mut prover_rng))
    });
    group.bench_function("verify from bytes", |b| {
        b.iter(|| {
            let bytes = black_box(&wire);
            let ciphertext = Ciphertext {
                alpha: point_at(bytes, 0),
                beta: point_at(bytes, 32),
            };
            let proof = RandomnessProof(SchnorrProof {
                a: point_at(bytes, 64),
                z: scalar_at(bytes, 96),
            });
            let st = RandomnessStatement {
                context: &ctx,
                key: &key,
                ciphertext: &ciphertext,
            };
            proof.verify(&st).unwrap()
        })
    });
    group.finish();
}

fn tally_decryption(c: &mut Criterion<BenchClock>) {
    let key = election_key();
    let mut setup_rng = rng(6);
    let params = ThresholdParams::new(1, 1).unwrap();
    let index = TrusteeIndex::new(1, &params).unwrap();
    let secret = SecretScalar::random(&mut setup_rng);
    let verification_key = Point::new(psephos_crypto::RistrettoPoint::mul_base(secret.expose()));
    let share = KeyShare::new(index, secret, verification_key).unwrap();
    let fp = fingerprint();
    let tally: Vec<Ciphertext> = (0..TALLY as u64)
        .map(|m| key.encrypt_with_rng(m, &mut setup_rng).0)
        .collect();
    let partials: Vec<PartialDecryption> = tally
        .iter()
        .map(|ciphertext| share.partial_decrypt_with_rng(&fp, ciphertext, &mut setup_rng))
        .collect();
    let wires: Vec<[u8; PARTIAL_LEN]> = partials.iter().map(encode_partial).collect();
    let vk = *share.verification_key();
    let mut prover_rng = rng(7);
    let mut verifier_rng = rng(8);

    let mut group = common::group(c, "tally 1000");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(TALLY as u64));
    group.bench_function("partial decrypt + prove", |b| {
        b.iter(|| {
            tally
                .iter()
                .map(|ciphertext| share.partial_decrypt_with_rng(&fp, ciphertext, &mut prover_rng))
                .collect::<Vec<PartialDecryption>>()
        })
    });
    group.bench_function("verify one by one from bytes", |b| {
        b.iter(|| {
            for (wire, ciphertext) in wires.iter().zip(&tally) {
                let partial = decode_partial(black_box(wire));
                let st = DecryptionStatement {
                    fingerprint: &fp,
                    trustee: index,
                    verification_key: &vk,
                    ciphertext,
                    share: &partial.share,
                };
                partial.proof.verify(&st).unwrap();
            }
        })
    });
    group.bench_function("verify batch from bytes", |b| {
        b.iter(|| {
            let decoded: Vec<PartialDecryption> = wires.iter().map(decode_partial).collect();
            let items: Vec<(DecryptionStatement<'_>, &DecryptionProof)> = decoded
                .iter()
                .zip(&tally)
                .map(|(partial, ciphertext)| {
                    let st = DecryptionStatement {
                        fingerprint: &fp,
                        trustee: index,
                        verification_key: &vk,
                        ciphertext,
                        share: &partial.share,
                    };
                    (st, &partial.proof)
                })
                .collect();
            DecryptionProof::verify_batch(&items, &mut verifier_rng).unwrap()
        })
    });
    group.finish();
}

/// The 0/1 proof's transcript (spec order), rebuilt from merlin calls with
/// the same labels and lengths.
fn bit_transcript(bytes: &[u8; 32]) -> Transcript {
    let mut t = Transcript::new(b"psephos/v1/proof/disjunctive-chaum-pedersen");
    t.append_message(b"fingerprint", bytes);
    t.append_message(b"credential", bytes);
    t.append_message(b"position", &bytes[..8]);
    t.append_message(b"G", bytes);
    t.append_message(b"K", bytes);
    t.append_u64(b"ciphertext-count", 1);
    t.append_message(b"alpha", bytes);
    t.append_message(b"beta", bytes);
    t.append_u64(b"value-count", 2);
    t.append_u64(b"value", 0);
    t.append_u64(b"value", 1);
    for label in [&b"a"[..], b"b", b"a", b"b"] {
        t.append_message(label, bytes);
    }
    t
}

/// Merlin work of one 0/1 proof, to separate hashing from group work.
fn hashing(c: &mut Criterion<BenchClock>) {
    let bytes = [7u8; 32];
    let mut group = common::group(c, "merlin");
    group.bench_function("0/1 proof: statement, commitments, challenge", |b| {
        b.iter(|| {
            let mut t = bit_transcript(black_box(&bytes));
            let mut challenge = [0u8; 64];
            t.challenge_bytes(b"c", &mut challenge);
            challenge
        })
    });
    group.bench_function("0/1 verification: challenge, then 3 weights", |b| {
        b.iter(|| {
            let mut t = bit_transcript(black_box(&bytes));
            let mut challenge = [0u8; 64];
            t.challenge_bytes(b"c", &mut challenge);
            t.append_message(b"dom-sep", b"psephos/v1/verifier-weights");
            for _ in 0..4 {
                t.append_message(b"response", &bytes);
            }
            let mut weight = [0u8; 16];
            for _ in 0..3 {
                t.challenge_bytes(b"weights", &mut weight);
            }
            weight
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = ballot_proofs, ballot_batches, randomness_proofs, tally_decryption, hashing
}
criterion_main!(benches);
