//! Threshold decryption (spec/crypto.md §8): a tally decrypted by
//! partial decryptions with proofs, combined by Lagrange interpolation from
//! every `t`-subset of trustees.

use curve25519_dalek::traits::VartimeMultiscalarMul;
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::Ciphertext;
use psephos_crypto::encoding::Point;
use psephos_crypto::proofs::decryption::DecryptionStatement;
use psephos_crypto::threshold::{combination_coefficients, combine_with, TrusteeIndex};
use serde_json::Value;

use crate::common::{ensure, rng, scalar_hex};
use crate::json::Obj;
use crate::scenarios::dkg::{outcome_json, run, shares_json};
use crate::scenarios::file;
use crate::{Error, VectorFile};

/// The threshold decryption scenario.
pub fn files() -> Result<Vec<VectorFile>, Error> {
    Ok(vec![decryption()?])
}

const SEED: u64 = 60;

/// The largest count the discrete-logarithm search looks for.
const DLOG_MAX: u64 = 100;

fn decryption() -> Result<VectorFile, Error> {
    let mut rng = rng(SEED);
    let ceremony = run(&mut rng, 2, 3, None)?;
    let key = &ceremony.outcome.joint_key;
    let votes = [1u64, 0, 1, 1, 0, 1];
    let mut ballots = Vec::new();
    let mut tally = Ciphertext::zero();
    for vote in votes {
        let (ciphertext, nonce) = key.encrypt_with_rng(vote, &mut rng);
        tally = tally.add(&ciphertext);
        ballots.push(
            Obj::new()
                .put("plaintext", &vote)?
                .text("nonce", &scalar_hex(&nonce.reveal()))
                .put("ciphertext", &ciphertext)?
                .build(),
        );
    }
    let count: u64 = votes.iter().sum();

    let mut partials = Vec::new();
    let mut shares: Vec<(TrusteeIndex, Point)> = Vec::new();
    for share in &ceremony.shares {
        let partial = share.partial_decrypt_with_rng(&ceremony.fingerprint, &tally, &mut rng);
        let statement = DecryptionStatement {
            fingerprint: &ceremony.fingerprint,
            trustee: share.index(),
            verification_key: share.verification_key(),
            ciphertext: &tally,
            share: &partial.share,
        };
        ensure(
            partial.proof.verify(&statement).is_ok(),
            "partial decryption verifies",
        )?;
        partials.push(
            Obj::new()
                .put("trustee", &share.index())?
                .put("verification_key", share.verification_key())?
                .put("share", &partial.share)?
                .put("proof", &partial.proof)?
                .build(),
        );
        shares.push((share.index(), partial.share));
    }

    let table = DlogTable::new(DLOG_MAX);
    let params = ceremony.params;
    let mut cases = Vec::new();
    let subsets: [(&str, &[u32], &str); 7] = [
        ("trustees 1 and 2", &[1, 2], "valid"),
        ("trustees 1 and 3", &[1, 3], "valid"),
        ("trustees 2 and 3", &[2, 3], "valid"),
        ("trustees 3 and 1", &[3, 1], "valid"),
        ("all three trustees", &[1, 2, 3], "valid"),
        ("one trustee", &[2], "reject: not enough trustees"),
        ("trustee 1 twice", &[1, 1], "reject: duplicate trustee"),
    ];
    for (name, subset, expect) in subsets {
        let mut obj = Obj::new().text("name", name).put("trustees", subset)?;
        let indices: Vec<TrusteeIndex> = subset
            .iter()
            .map(|i| TrusteeIndex::new(*i, &params))
            .collect::<Result<_, _>>()
            .map_err(Error::crypto)?;
        match combination_coefficients(&params, &indices) {
            Ok(lambdas) => {
                ensure(
                    expect == "valid",
                    format!("subset {name:?} must be refused"),
                )?;
                let chosen: Vec<&Point> = indices
                    .iter()
                    .filter_map(|i| shares.iter().find(|(j, _)| j == i).map(|(_, d)| d))
                    .collect();
                ensure(chosen.len() == indices.len(), "a share for every trustee")?;
                let combined = Point::new(
                    curve25519_dalek::ristretto::RistrettoPoint::vartime_multiscalar_mul(
                        &lambdas,
                        chosen.iter().map(|d| *d.point()),
                    ),
                );
                let m_g = Point::new(combine_with(&lambdas, &tally, chosen.iter().copied()));
                let decoded = table.solve(m_g.point()).map_err(Error::crypto)?;
                ensure(decoded == count, "threshold decryption gives the count")?;
                let lambda_hex: Vec<String> = lambdas.iter().map(scalar_hex).collect();
                obj = obj
                    .put("lagrange_coefficients", &lambda_hex)?
                    .put("combined_share", &combined)?
                    .put("m_times_g", &m_g)?
                    .put("count", &decoded)?;
            }
            Err(_) => ensure(expect != "valid", format!("subset {name:?} must combine"))?,
        }
        cases.push(obj.text("expect", expect).build());
    }

    let (key_shares, secret) = shares_json(&ceremony)?;
    let value = Obj::new()
        .text("scenario", "threshold-decryption")
        .text(
            "comment",
            "2-of-3 threshold decryption of a tally. The trustees ran a clean DKG (`outcome`, \
             `key_shares`, `joint_secret` as in dkg-2-of-3); six 0/1 votes were encrypted \
             under the joint key (`ballots`) and summed component-wise (`tally`). Each trustee \
             published D_i = s_i·α with a partial-decryption proof (`partial_decryptions`). \
             For each subset in `cases`, λ_i = Π_{j≠i} j/(j − i) over the subset (in the \
             subset's order), combined_share = Σ λ_i·D_i, m_times_g = β − combined_share, and \
             `count` is the discrete logarithm of m_times_g. Fewer than t trustees, or a \
             repeated trustee, must be refused.",
        )
        .put("seed", &SEED)?
        .put("fingerprint", &ceremony.fingerprint)?
        .put("params", &params)?
        .with("outcome", outcome_json(&ceremony.outcome)?)
        .with("key_shares", key_shares)
        .text("joint_secret", &scalar_hex(&secret))
        .with("ballots", Value::Array(ballots))
        .put("tally", &tally)?
        .put("count", &count)?
        .put("dlog_max", &DLOG_MAX)?
        .with("partial_decryptions", Value::Array(partials))
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("threshold-decryption", value))
}
