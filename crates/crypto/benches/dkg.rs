//! The key ceremony, all trustees' work added up (issue 3's target for
//! `n = 9, t = 5`), and each round of one trustee for the breakdown.
//!
//! Long-term trustee key pairs exist before a ceremony and are not timed;
//! everything from dealing to each trustee's final key share is.
//!
//! Run with `cargo bench -p psephos-crypto --bench dkg`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use psephos_crypto::context::Fingerprint;
use psephos_crypto::dkg::{
    Checked, ComplaintsMessage, Dealer, DealerMessage, Dealt, TrusteeKeyPair,
};
use psephos_crypto::encoding::Point;
use psephos_crypto::threshold::{KeyShare, ThresholdParams};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use common::BenchClock;

/// One ceremony's fixed inputs.
struct Ceremony {
    fingerprint: Fingerprint,
    params: ThresholdParams,
    keys: Vec<TrusteeKeyPair>,
    roster: Vec<Point>,
}

impl Ceremony {
    fn new(t: u32, n: u32) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(u64::from(100 * n + t));
        let keys: Vec<TrusteeKeyPair> = (0..n)
            .map(|_| TrusteeKeyPair::generate_with_rng(&mut rng))
            .collect();
        let roster = keys.iter().map(|k| *k.public()).collect();
        Ceremony {
            fingerprint: Fingerprint::from_bytes([0xd6; 32]),
            params: ThresholdParams::new(t, n).unwrap(),
            keys,
            roster,
        }
    }

    fn deal_all(&self, rng: &mut ChaCha20Rng) -> (Vec<Dealt>, Vec<DealerMessage>) {
        self.params
            .indices()
            .map(|me| {
                Dealer::deal_with_rng(
                    self.fingerprint,
                    self.params,
                    me,
                    self.keys[me.get() as usize - 1].clone(),
                    self.roster.clone(),
                    rng,
                )
                .unwrap()
            })
            .unzip()
    }

    fn receive_all(
        dealt: Vec<Dealt>,
        dealings: &[DealerMessage],
        rng: &mut ChaCha20Rng,
    ) -> (Vec<Checked>, Vec<ComplaintsMessage>) {
        dealt
            .into_iter()
            .map(|state| {
                let (checked, message) = state.receive(dealings, rng).unwrap();
                assert!(message.complaints.is_empty());
                (checked, message)
            })
            .unzip()
    }

    fn finish_all(
        checked: Vec<Checked>,
        dealings: &[DealerMessage],
        complaints: &[ComplaintsMessage],
    ) -> Vec<KeyShare> {
        checked
            .into_iter()
            .map(|state| state.finish(dealings, complaints).unwrap().0)
            .collect()
    }

    fn run(&self, rng: &mut ChaCha20Rng) -> Vec<KeyShare> {
        let (dealt, dealings) = self.deal_all(rng);
        let (checked, complaints) = Self::receive_all(dealt, &dealings, rng);
        Self::finish_all(checked, &dealings, &complaints)
    }
}

fn whole_ceremony(c: &mut Criterion<BenchClock>) {
    let mut group = common::group(c, "dkg");
    group.sample_size(15);
    group.measurement_time(Duration::from_secs(8));
    for (t, n) in [(5, 9), (3, 5)] {
        let ceremony = Ceremony::new(t, n);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        group.bench_function(format!("whole ceremony n={n} t={t}"), |b| {
            b.iter(|| ceremony.run(&mut rng))
        });
    }
    group.finish();
}

/// One trustee's share of each round for `n = 9, t = 5`; multiply by 9 to
/// compare with the whole ceremony. The other trustees' messages are dealt
/// once; each iteration re-deals trustee 1 (untimed where it is setup).
fn rounds(c: &mut Criterion<BenchClock>) {
    let ceremony = Ceremony::new(5, 9);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (_, dealings) = ceremony.deal_all(&mut rng);
    let me = ceremony.params.indices().next().unwrap();
    let deal_me = |rng: &mut ChaCha20Rng| {
        let (dealt, message) = Dealer::deal_with_rng(
            ceremony.fingerprint,
            ceremony.params,
            me,
            ceremony.keys[0].clone(),
            ceremony.roster.clone(),
            rng,
        )
        .unwrap();
        let mut board = dealings.clone();
        board[0] = message;
        (dealt, board)
    };
    // Nobody complains in an honest ceremony.
    let confirmations: Vec<ComplaintsMessage> = ceremony
        .params
        .indices()
        .map(|complainer| ComplaintsMessage {
            complainer,
            complaints: Vec::new(),
        })
        .collect();
    let mut setup_rng = ChaCha20Rng::seed_from_u64(3);

    let mut group = common::group(c, "dkg n=9 t=5, one trustee");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("deal", |b| {
        b.iter_batched(
            || (ceremony.keys[0].clone(), ceremony.roster.clone()),
            |(key, roster)| {
                Dealer::deal_with_rng(
                    ceremony.fingerprint,
                    ceremony.params,
                    me,
                    key,
                    roster,
                    &mut rng,
                )
                .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("receive", |b| {
        b.iter_batched(
            || deal_me(&mut setup_rng),
            |(dealt, board)| dealt.receive(&board, &mut rng).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("finish", |b| {
        b.iter_batched(
            || {
                let (dealt, board) = deal_me(&mut setup_rng);
                let (checked, _) = dealt.receive(&board, &mut setup_rng).unwrap();
                (checked, board)
            },
            |(checked, board)| checked.finish(&board, &confirmations).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("check one dealing (public checks)", |b| {
        b.iter(|| {
            dealings[1]
                .check_public(&ceremony.fingerprint, &ceremony.params)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = whole_ceremony, rounds
}
criterion_main!(benches);
