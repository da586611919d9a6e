//! Exponential ElGamal (spec/crypto.md §5): encryption, homomorphic sum,
//! re-encryption, decryption to `m·G`, and the bounded discrete logarithm.

use curve25519_dalek::scalar::Scalar;
use psephos_crypto::dlog::DlogTable;
use psephos_crypto::elgamal::{Ciphertext, EncryptionNonce};
use psephos_crypto::encoding::Point;
use serde_json::Value;

use crate::common::{election_key, ensure, mul_g, random_scalar, rng, scalar_hex};
use crate::json::Obj;
use crate::scenarios::file;
use crate::{Error, VectorFile};

/// The ElGamal and discrete-logarithm scenarios.
pub fn files() -> Result<Vec<VectorFile>, Error> {
    Ok(vec![elgamal()?, dlog()?])
}

const ELGAMAL_SEED: u64 = 3;

/// Largest plaintext the decryption step searches for.
const DLOG_MAX: u64 = 100;

fn elgamal() -> Result<VectorFile, Error> {
    let mut rng = rng(ELGAMAL_SEED);
    let (x, key) = election_key(&mut rng)?;
    let plaintexts = [0u64, 1, 1, 3];
    let mut encryptions = Vec::new();
    let mut ciphertexts = Vec::new();
    let mut nonces = Vec::new();
    for m in plaintexts {
        let (ciphertext, nonce) = key.encrypt_with_rng(m, &mut rng);
        ensure(
            ciphertext.opens_to(&key, m, &nonce.reveal()),
            "encryption opens",
        )?;
        encryptions.push(
            Obj::new()
                .put("plaintext", &m)?
                .text("nonce", &scalar_hex(&nonce.reveal()))
                .put("ciphertext", &ciphertext)?
                .build(),
        );
        ciphertexts.push(ciphertext);
        nonces.push(nonce);
    }
    let sum = ciphertexts
        .iter()
        .fold(Ciphertext::zero(), |acc, c| acc.add(c));
    let sum_nonce = EncryptionNonce::sum(&nonces);
    let total: u64 = plaintexts.iter().sum();
    ensure(sum.opens_to(&key, total, &sum_nonce.reveal()), "sum opens")?;

    let (reencrypted, re_nonce) = key.reencrypt_with_rng(&sum, &mut rng);
    let combined_nonce = sum_nonce.reveal() + re_nonce.reveal();
    ensure(
        reencrypted.opens_to(&key, total, &combined_nonce),
        "re-encryption opens",
    )?;

    let m_g = Point::new(reencrypted.beta.point() - reencrypted.alpha.point() * x);
    let decoded = DlogTable::new(DLOG_MAX)
        .solve(m_g.point())
        .map_err(Error::crypto)?;
    ensure(decoded == total, "decryption decodes to the total")?;

    let value = Obj::new()
        .text("scenario", "elgamal")
        .text(
            "comment",
            "Exponential ElGamal Enc(m; r) = (r·G, m·G + r·K) under K = x·G. Each \
             encryption is recomputed from (plaintext, nonce); `sum` is the component-wise \
             sum of the ciphertexts and its nonce the sum of their nonces; `reencryption` adds \
             Enc(0; nonce) to the sum; `decryption` computes β − x·α of the re-encrypted sum \
             and finds m by a bounded discrete-logarithm search over 0..=dlog_max.",
        )
        .put("seed", &ELGAMAL_SEED)?
        .text("secret_key", &scalar_hex(&x))
        .put("public_key", &key)?
        .with("encryptions", Value::Array(encryptions))
        .with(
            "sum",
            Obj::new()
                .put("plaintext", &total)?
                .text("nonce", &scalar_hex(&sum_nonce.reveal()))
                .put("ciphertext", &sum)?
                .build(),
        )
        .with(
            "reencryption",
            Obj::new()
                .put("input", &sum)?
                .text("nonce", &scalar_hex(&re_nonce.reveal()))
                .text("combined_nonce", &scalar_hex(&combined_nonce))
                .put("ciphertext", &reencrypted)?
                .build(),
        )
        .with(
            "decryption",
            Obj::new()
                .put("ciphertext", &reencrypted)?
                .put("m_times_g", &m_g)?
                .put("dlog_max", &DLOG_MAX)?
                .put("plaintext", &decoded)?
                .build(),
        )
        .text("expect", "valid")
        .build();
    Ok(file("elgamal", value))
}

const DLOG_SEED: u64 = 4;

/// The table bound of the discrete-logarithm scenario.
const DLOG_TABLE_MAX: u64 = 1000;

fn dlog() -> Result<VectorFile, Error> {
    let mut rng = rng(DLOG_SEED);
    let table = DlogTable::new(DLOG_TABLE_MAX);
    let mut cases = Vec::new();
    let mut push = |name: &str, point: Point, expect: Result<u64, &str>| -> Result<(), Error> {
        let actual = table.solve(point.point());
        let obj = Obj::new().text("name", name).put("point", &point)?;
        let obj = match expect {
            Ok(m) => {
                ensure(actual == Ok(m), format!("dlog case {name:?}"))?;
                obj.put("plaintext", &m)?.text("expect", "valid")
            }
            Err(reason) => {
                ensure(actual.is_err(), format!("dlog case {name:?} must fail"))?;
                obj.text("expect", reason)
            }
        };
        cases.push(obj.build());
        Ok(())
    };
    for m in [0u64, 1, 2, 31, 32, 999, DLOG_TABLE_MAX] {
        push(&format!("{m}·G"), mul_g(&Scalar::from(m)), Ok(m))?;
    }
    push(
        "(max + 1)·G",
        mul_g(&Scalar::from(DLOG_TABLE_MAX + 1)),
        Err("reject: out of range"),
    )?;
    push("−G", mul_g(&-Scalar::ONE), Err("reject: out of range"))?;
    push(
        "random point",
        mul_g(&random_scalar(&mut rng)),
        Err("reject: out of range"),
    )?;
    let value = Obj::new()
        .text("scenario", "dlog")
        .text(
            "comment",
            "Bounded discrete logarithm: find 0 ≤ m ≤ max with m·G = point, or report that \
             the plaintext is out of range (how the search is organised is not normative).",
        )
        .put("seed", &DLOG_SEED)?
        .put("max", &DLOG_TABLE_MAX)?
        .with("cases", Value::Array(cases))
        .build();
    Ok(file("dlog", value))
}
