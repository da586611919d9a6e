//! Bounded discrete logarithms by baby-step giant-step (spec/crypto.md §5.4).
//!
//! Decrypting an exponential-ElGamal tally yields `M = m·G`; `m` is a count
//! (at most the number of ballots), recovered by searching `0 ≤ m ≤ max`.
//! With `s = ⌈√(max+1)⌉` baby steps `j·G` in a table, `m = i·s + j` is found
//! after at most `s` giant steps `M − i·s·G`. All values here are public
//! (the tally is published), so variable-time arithmetic is fine.
//!
//! Both phases compute points as halves (`j·G/2`) so that encodings come
//! from ristretto255's batched double-and-compress, one field inversion per
//! chunk instead of one inverse square root per point.

use std::collections::HashMap;

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

use crate::elgamal::{half, half_generator, mul_base};
use crate::error::DlogError;

/// Points compressed per batch.
const CHUNK: usize = 256;

/// A baby-step table for solving `m·G = M` with `0 ≤ m ≤ max`.
#[derive(Clone, Debug)]
pub struct DlogTable {
    max: u64,
    step: u64,
    /// Encoding of `j·G` ↦ `j`, for `0 ≤ j < step`.
    baby: HashMap<[u8; 32], u32>,
    /// `−(step/2)·G`: one giant step, halved.
    giant_half: RistrettoPoint,
}

impl DlogTable {
    /// Builds a table for plaintexts `0..=max`, with `⌈√(max+1)⌉` entries.
    ///
    /// `max` is capped at `2^40` (a table of about 2^20 entries).
    pub fn new(max: u64) -> Self {
        let max = max.min(1 << 40);
        let step = integer_sqrt_ceil(max + 1).max(1);
        Self::with_step(max, step)
    }

    /// Builds a table with an explicit number of baby steps (`step ≥ 1`);
    /// a larger table makes each search faster.
    pub fn with_step(max: u64, step: u64) -> Self {
        let step = step.clamp(1, 1 << 24);
        let mut baby = HashMap::with_capacity(step as usize);
        let half_g = *half_generator();
        let mut current = RistrettoPoint::identity();
        let mut j: u64 = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        while j < step {
            chunk.clear();
            while chunk.len() < CHUNK && j + (chunk.len() as u64) < step {
                chunk.push(current);
                current += half_g;
            }
            for (offset, encoding) in RistrettoPoint::double_and_compress_batch(&chunk)
                .into_iter()
                .enumerate()
            {
                baby.insert(encoding.to_bytes(), (j + offset as u64) as u32);
            }
            j += chunk.len() as u64;
        }
        let giant_half = -mul_base(&(Scalar::from(step) * half()));
        DlogTable {
            max,
            step,
            baby,
            giant_half,
        }
    }

    /// The largest value this table searches for.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Finds `m` with `m·G = target` and `0 ≤ m ≤ max`.
    pub fn solve(&self, target: &RistrettoPoint) -> Result<u64, DlogError> {
        let out_of_range = DlogError::OutOfRange { max: self.max };
        let giants = self.max / self.step + 1;
        // Halve once (one variable-base multiplication), then walk in halves.
        let mut current = target * half();
        let mut i: u64 = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        while i < giants {
            chunk.clear();
            while chunk.len() < CHUNK && i + (chunk.len() as u64) < giants {
                chunk.push(current);
                current += self.giant_half;
            }
            for (offset, encoding) in RistrettoPoint::double_and_compress_batch(&chunk)
                .into_iter()
                .enumerate()
            {
                if let Some(&j) = self.baby.get(encoding.as_bytes()) {
                    let m = (i + offset as u64) * self.step + u64::from(j);
                    return if m <= self.max {
                        Ok(m)
                    } else {
                        Err(out_of_range)
                    };
                }
            }
            i += chunk.len() as u64;
        }
        Err(out_of_range)
    }
}

/// `⌈√x⌉` for `x ≥ 1`, exactly.
fn integer_sqrt_ceil(x: u64) -> u64 {
    let mut r = (x as f64).sqrt() as u64;
    while r.saturating_mul(r) < x {
        r += 1;
    }
    while r > 1 && (r - 1).saturating_mul(r - 1) >= x {
        r -= 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_ceil_is_exact() {
        for x in 1..5000u64 {
            let r = integer_sqrt_ceil(x);
            assert!(r * r >= x && (r - 1) * (r - 1) < x, "x = {x}, r = {r}");
        }
    }

    #[test]
    fn solves_every_value_of_a_small_range_and_rejects_the_next() {
        let table = DlogTable::new(300);
        for m in 0..=300u64 {
            assert_eq!(table.solve(&mul_base(&Scalar::from(m))), Ok(m));
        }
        assert_eq!(
            table.solve(&mul_base(&Scalar::from(301u64))),
            Err(DlogError::OutOfRange { max: 300 })
        );
        assert_eq!(
            table.solve(&-mul_base(&Scalar::ONE)),
            Err(DlogError::OutOfRange { max: 300 })
        );
    }

    #[test]
    fn solves_ten_million() {
        let table = DlogTable::new(10_000_000);
        for m in [0u64, 1, 3162, 3163, 9_999_999, 10_000_000] {
            assert_eq!(table.solve(&mul_base(&Scalar::from(m))), Ok(m));
        }
        assert!(table
            .solve(&mul_base(&Scalar::from(10_000_001u64)))
            .is_err());
    }
}
