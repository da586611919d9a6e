//! Group-level costs on ristretto255 that every protocol figure is made of.
//!
//! Run with `cargo bench -p psephos-crypto --bench group`. The multiscalar
//! benchmarks report throughput in points per second; the per-point cost is
//! the reported time divided by [`MSM_POINTS`].
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::encoding::Point;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use common::BenchClock;

/// Points in the large multiscalar multiplications (the "16k").
const MSM_POINTS: usize = 16 * 1024;

/// Points per batched double-and-compress (the chunk size `dlog` uses).
const COMPRESS_BATCH: usize = 256;

/// The range the issue asks the discrete-log solver to cover.
const DLOG_MAX: u64 = 10_000_000;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(0x9e05)
}

fn random_point(rng: &mut ChaCha20Rng) -> RistrettoPoint {
    RistrettoPoint::random(rng)
}

fn scalar_128(rng: &mut ChaCha20Rng) -> Scalar {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    Scalar::from(u128::from_le_bytes(bytes))
}

fn single_operations(c: &mut Criterion<BenchClock>) {
    let mut rng = rng();
    let s = Scalar::random(&mut rng);
    let p = random_point(&mut rng);
    let key_table = RistrettoBasepointTable::create(&p);
    let encoding = p.compress().to_bytes();

    let mut group = common::group(c, "group");
    group.bench_function("fixed-base mul (G table)", |b| {
        b.iter(|| RISTRETTO_BASEPOINT_TABLE * black_box(&s))
    });
    group.bench_function("fixed-base mul (key table)", |b| {
        b.iter(|| &key_table * black_box(&s))
    });
    group.bench_function("variable-base mul", |b| {
        b.iter(|| black_box(&p) * black_box(&s))
    });
    group.bench_function("vartime double-base mul (aG + bP)", |b| {
        b.iter(|| {
            RistrettoPoint::vartime_double_scalar_mul_basepoint(
                black_box(&s),
                black_box(&p),
                black_box(&s),
            )
        })
    });
    group.bench_function("decompress (Point::decode)", |b| {
        b.iter(|| Point::decode(black_box(&encoding)).unwrap())
    });
    group.bench_function("compress", |b| b.iter(|| black_box(&p).compress()));
    group.bench_function("point addition", |b| {
        b.iter(|| black_box(&p) + black_box(&p))
    });
    group.bench_function("scalar mul", |b| b.iter(|| black_box(&s) * black_box(&s)));
    group.bench_function("key table create", |b| {
        b.iter(|| RistrettoBasepointTable::create(black_box(&p)))
    });

    let halves: Vec<RistrettoPoint> = (0..COMPRESS_BATCH)
        .map(|_| random_point(&mut rng))
        .collect();
    group.throughput(Throughput::Elements(COMPRESS_BATCH as u64));
    group.bench_function("double-and-compress batch of 256", |b| {
        b.iter(|| RistrettoPoint::double_and_compress_batch(black_box(&halves)))
    });
    group.finish();
}

fn multiscalar(c: &mut Criterion<BenchClock>) {
    let mut rng = rng();
    let points: Vec<RistrettoPoint> = (0..MSM_POINTS).map(|_| random_point(&mut rng)).collect();
    let full: Vec<Scalar> = (0..MSM_POINTS).map(|_| Scalar::random(&mut rng)).collect();
    let short: Vec<Scalar> = (0..MSM_POINTS).map(|_| scalar_128(&mut rng)).collect();

    let mut group = common::group(c, "msm");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(MSM_POINTS as u64));
    group.bench_function("vartime 16k points, 256-bit scalars", |b| {
        b.iter(|| RistrettoPoint::vartime_multiscalar_mul(black_box(&full), &points))
    });
    group.bench_function("vartime 16k points, 128-bit scalars", |b| {
        b.iter(|| RistrettoPoint::vartime_multiscalar_mul(black_box(&short), &points))
    });
    group.finish();
}

fn dlog(c: &mut Criterion<BenchClock>) {
    let table = DlogTable::new(DLOG_MAX);
    let near_max = RISTRETTO_BASEPOINT_TABLE * &Scalar::from(DLOG_MAX - 1);
    assert_eq!(table.solve(&near_max).unwrap(), DLOG_MAX - 1);

    let mut group = common::group(c, "dlog");
    group.sample_size(20);
    group.bench_function("DlogTable::new(10^7)", |b| {
        b.iter(|| DlogTable::new(black_box(DLOG_MAX)))
    });
    group.bench_function("solve 10^7 - 1", |b| {
        b.iter(|| table.solve(black_box(&near_max)).unwrap())
    });
    group.bench_function("new(10^7) + solve 10^7 - 1", |b| {
        b.iter_batched(
            || near_max,
            |target| DlogTable::new(DLOG_MAX).solve(&target).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = single_operations, multiscalar, dlog
}
criterion_main!(benches);
