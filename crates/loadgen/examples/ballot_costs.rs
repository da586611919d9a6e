//! Measures, on one core, what the server spends on one ballot of the
//! default 17-question referendum: decoding its JSON (with every point
//! decompressed), checking its proofs alone and in batches across ballots,
//! its tracking code and leaf encoding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Instant;

use psephos_crypto::proofs::disjunctive::DisjunctiveProof;
use psephos_election::ballot::Ballot;
use psephos_election::board::messages::BoardMessage;
use psephos_loadgen::ballots::{generate, plan};
use psephos_loadgen::setup::{ElectionSpec, OpenElection};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let open: OpenElection =
        psephos_loadgen::setup::local_election(&ElectionSpec::referendum("costs", 256), &mut rng)
            .unwrap();
    let ballots = generate(&open.election, &open.voters, &plan(256, 0), false, &mut rng).unwrap();
    let n = ballots.len() as f64;
    // CPU time of this thread (the machine may be shared), and wall time.
    let cpu = || -> f64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |ns| ns / 1e6)
    };
    let time = |what: &str, f: &mut dyn FnMut()| {
        let (t, c) = (Instant::now(), cpu());
        f();
        println!(
            "{what:<40} {:>8.3} ms CPU/ballot ({:.3} ms wall)",
            (cpu() - c) / n,
            t.elapsed().as_secs_f64() * 1000.0 / n
        );
    };
    let mut decoded: Vec<Ballot> = Vec::new();
    time("serde_json::from_slice", &mut || {
        decoded = ballots
            .iter()
            .map(|b| serde_json::from_slice(&b.body).unwrap())
            .collect();
    });
    time("serde_path_to_error", &mut || {
        for b in &ballots {
            let de = &mut serde_json::Deserializer::from_slice(&b.body);
            let _: Ballot = serde_path_to_error::deserialize(de).unwrap();
        }
    });
    time("serde_json::from_slice (again)", &mut || {
        for b in &ballots {
            std::hint::black_box(serde_json::from_slice::<Ballot>(&b.body).unwrap());
        }
    });
    time("tracking_code", &mut || {
        for b in &decoded {
            std::hint::black_box(b.tracking_code());
        }
    });
    time("verify_signature", &mut || {
        for b in &decoded {
            let code = b.tracking_code();
            b.verify_signature(&code, psephos_election::ballot::Purpose::Cast)
                .unwrap();
        }
    });
    time("verify_proofs (one ballot at a time)", &mut || {
        for b in &decoded {
            b.verify_proofs(&open.election).unwrap();
        }
    });
    for batch in [4, 16, 64] {
        time(&format!("verify_all over {batch} ballots"), &mut || {
            for chunk in decoded.chunks(batch) {
                let contexts: Vec<_> = chunk.iter().map(|b| b.contexts()).collect();
                let mut statements = Vec::new();
                for (b, c) in chunk.iter().zip(&contexts) {
                    let layout = b.check_structure(&open.election).unwrap();
                    b.statements(&open.election, layout, c, &mut statements);
                }
                DisjunctiveProof::verify_all(&statements).unwrap();
            }
        });
    }
    time("to_leaf", &mut || {
        for b in &decoded {
            std::hint::black_box(BoardMessage::Ballot(b.clone()).to_leaf());
        }
    });
    println!("ballot JSON: {} bytes", ballots[0].body.len());
}
