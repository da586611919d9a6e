//! The RFC 9162 Merkle tree behind the bulletin board (spec/record.md §8).
//!
//! Leaf hash `SHA-256(0x00 || leaf)`, interior node `SHA-256(0x01 || l || r)`,
//! the tree over `n` leaves split at the largest power of two below `n`.
//! Inclusion (audit path) and consistency proofs and their verification
//! follow RFC 9162 §2.1.3–§2.1.4.
//!
//! The tree keeps every complete, aligned power-of-two subtree hash
//! (`levels[k][i]` covers leaves `i·2^k .. (i+1)·2^k`), so roots and proofs
//! cost `O(log² n)` hashes, and appending costs `O(1)` amortised.

use sha2::{Digest, Sha256};

use crate::error::LogError;

/// A 32-byte SHA-256 node or leaf hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Largest power of two strictly below `n` (`n ≥ 2`).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// An append-only Merkle tree of leaf hashes.
#[derive(Clone, Debug, Default)]
pub struct MerkleTree {
    levels: Vec<Vec<Hash>>,
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        MerkleTree::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut node = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(node);
            let len = self.levels[level].len();
            if len % 2 == 1 {
                break;
            }
            node = node_hash(&self.levels[level][len - 2], &self.levels[level][len - 1]);
            level += 1;
        }
        index
    }

    /// The hash of leaf `index`.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()
            .and_then(|l| l.get(index as usize))
            .copied()
    }

    /// `MTH(D[lo:hi])` for `lo < hi ≤ size`, where `D[lo:…]` is aligned as
    /// RFC 9162's recursion produces it.
    fn range(&self, lo: u64, hi: u64) -> Hash {
        let width = hi - lo;
        if width.is_power_of_two() && lo % width == 0 {
            let level = width.trailing_zeros() as usize;
            if let Some(h) = self
                .levels
                .get(level)
                .and_then(|l| l.get((lo / width) as usize))
            {
                return *h;
            }
        }
        let k = split(width);
        node_hash(&self.range(lo, lo + k), &self.range(lo + k, hi))
    }

    /// The root of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, LogError> {
        match size {
            0 => Ok(empty_root()),
            s if s > self.size() => Err(LogError::OutOfRange {
                index: s,
                size: self.size(),
            }),
            s => Ok(self.range(0, s)),
        }
    }

    /// The current root.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or_else(|_| empty_root())
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        if index >= size || size > self.size() {
            return Err(LogError::OutOfRange {
                index,
                size: size.min(self.size()),
            });
        }
        let mut path = Vec::new();
        self.path(index, 0, size, &mut path);
        Ok(path)
    }

    fn path(&self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out);
            out.push(self.range(lo + k, hi));
        } else {
            self.path(m - k, lo + k, hi, out);
            out.push(self.range(lo, lo + k));
        }
    }

    /// The consistency proof between the trees of `first` and `second` leaves.
    pub fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, LogError> {
        if first > second || second > self.size() {
            return Err(LogError::OutOfRange {
                index: second,
                size: self.size(),
            });
        }
        let mut proof = Vec::new();
        if first > 0 && first < second {
            self.subproof(first, 0, second, true, &mut proof);
        }
        Ok(proof)
    }

    fn subproof(&self, m: u64, lo: u64, hi: u64, complete: bool, out: &mut Vec<Hash>) {
        let n = hi - lo;
        if m == n {
            if !complete {
                out.push(self.range(lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, complete, out);
            out.push(self.range(lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false, out);
            out.push(self.range(lo, lo + k));
        }
    }
}

/// A complete, aligned subtree of the log: level `k`, index `i` covers
/// leaves `i·2^k .. (i+1)·2^k` (level 0 is a leaf hash). These are the
/// hashes [`MerkleTree`] keeps, and what a database-backed log stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subtree {
    /// `k`: the subtree covers `2^k` leaves.
    pub level: u32,
    /// `i`: the subtree's position among those of its level.
    pub index: u64,
}

/// The hashes a root or a proof is made of, for a log that keeps its
/// complete subtree hashes outside memory: [`HashPlan::subtrees`] lists
/// every [`Subtree`] needed (so a store can fetch them at once), and
/// [`HashPlan::hashes`] assembles the result from them. The results equal
/// [`MerkleTree::root_at`], [`MerkleTree::inclusion_proof`] and
/// [`MerkleTree::consistency_proof`] over the same leaves.
///
/// Each hash is `MTH(D[lo:hi])` of a range that RFC 9162's recursion
/// produces; such a range is the complete subtrees of the binary expansion
/// of `hi − lo` (largest first, from `lo`), folded from the right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashPlan {
    ranges: Vec<(u64, u64)>,
}

impl HashPlan {
    /// The root of the first `size` leaves: one hash, or none for
    /// `size = 0`, whose root is [`empty_root`].
    pub fn root(size: u64) -> Self {
        HashPlan {
            ranges: if size == 0 {
                Vec::new()
            } else {
                vec![(0, size)]
            },
        }
    }

    /// The audit path of leaf `index` in the tree of the first `size`
    /// leaves; `index ≥ size` is out of range.
    pub fn inclusion(index: u64, size: u64) -> Result<Self, LogError> {
        if index >= size {
            return Err(LogError::OutOfRange { index, size });
        }
        let mut ranges = Vec::new();
        let (mut m, mut lo, mut hi) = (index, 0, size);
        while hi - lo > 1 {
            let k = split(hi - lo);
            if m < k {
                ranges.push((lo + k, hi));
                hi = lo + k;
            } else {
                ranges.push((lo, lo + k));
                m -= k;
                lo += k;
            }
        }
        // The recursion pushes on its way back up: deepest range first.
        ranges.reverse();
        Ok(HashPlan { ranges })
    }

    /// The consistency proof between the trees of `first` and `second`
    /// leaves (empty for `first = 0` or `first = second`); `first > second`
    /// is out of range.
    pub fn consistency(first: u64, second: u64) -> Result<Self, LogError> {
        if first > second {
            return Err(LogError::OutOfRange {
                index: first,
                size: second,
            });
        }
        let mut ranges = Vec::new();
        if first > 0 && first < second {
            let (mut m, mut lo, mut hi, mut complete) = (first, 0, second, true);
            loop {
                let n = hi - lo;
                if m == n {
                    if !complete {
                        ranges.push((lo, hi));
                    }
                    break;
                }
                let k = split(n);
                if m <= k {
                    ranges.push((lo + k, hi));
                    hi = lo + k;
                } else {
                    ranges.push((lo, lo + k));
                    m -= k;
                    lo += k;
                    complete = false;
                }
            }
            ranges.reverse();
        }
        Ok(HashPlan { ranges })
    }

    /// Every subtree the hashes need, ascending and without repeats.
    pub fn subtrees(&self) -> Vec<Subtree> {
        let mut all: Vec<Subtree> = self
            .ranges
            .iter()
            .flat_map(|&(lo, hi)| range_subtrees(lo, hi))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The root or proof, from the subtree hashes `lookup` gives; `None`
    /// if it lacks one of [`HashPlan::subtrees`].
    pub fn hashes(&self, mut lookup: impl FnMut(Subtree) -> Option<Hash>) -> Option<Vec<Hash>> {
        self.ranges
            .iter()
            .map(|&(lo, hi)| {
                let parts = range_subtrees(lo, hi)
                    .map(&mut lookup)
                    .collect::<Option<Vec<Hash>>>()?;
                let (last, rest) = parts.split_last()?;
                Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
            })
            .collect()
    }
}

/// The complete subtrees of `D[lo:hi]` as RFC 9162's recursion splits it:
/// one per bit of `hi − lo`, largest first.
fn range_subtrees(lo: u64, hi: u64) -> impl Iterator<Item = Subtree> {
    let width = hi - lo;
    let mut start = lo;
    (0..64u32).rev().filter_map(move |level| {
        if width & (1 << level) == 0 {
            return None;
        }
        let subtree = Subtree {
            level,
            index: start >> level,
        };
        start += 1 << level;
        Some(subtree)
    })
}

/// Verifies an audit path (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    path: &[Hash],
    root: &Hash,
) -> Result<(), LogError> {
    let bad = LogError::BadProof("inclusion");
    if index >= size {
        return Err(bad);
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return Err(bad);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && r == *root {
        Ok(())
    } else {
        Err(bad)
    }
}

/// Verifies a consistency proof (RFC 9162 §2.1.4.2). A tree of size 0 is
/// consistent with every tree (with an empty proof).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), LogError> {
    let bad = LogError::BadProof("consistency");
    if first > second {
        return Err(bad);
    }
    if first == second {
        return if proof.is_empty() && first_root == second_root {
            Ok(())
        } else {
            Err(bad)
        };
    }
    if first == 0 {
        return if proof.is_empty() { Ok(()) } else { Err(bad) };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((seed, rest)) = path.split_first() else {
        return Err(bad);
    };
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if s == 0 {
            return Err(bad);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s == 0 && fr == *first_root && sr == *second_root {
        Ok(())
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTH computed straight from the RFC's recursive definition.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn tree(n: u64) -> (MerkleTree, Vec<Hash>) {
        let mut t = MerkleTree::new();
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_le_bytes())).collect();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    #[test]
    fn roots_match_the_recursive_definition() {
        let (t, leaves) = tree(70);
        for n in 0..=70u64 {
            assert_eq!(
                t.root_at(n).unwrap(),
                reference_root(&leaves[..n as usize]),
                "size {n}"
            );
        }
    }

    #[test]
    fn every_inclusion_proof_verifies_and_tampering_fails() {
        let (t, leaves) = tree(33);
        for size in 1..=33u64 {
            let root = t.root_at(size).unwrap();
            for i in 0..size {
                let path = t.inclusion_proof(i, size).unwrap();
                verify_inclusion(i, size, &leaves[i as usize], &path, &root).unwrap();
                let other = leaves[((i + 1) % 33) as usize];
                assert!(verify_inclusion(i, size, &other, &path, &root).is_err());
                assert!(
                    verify_inclusion(i + size, size, &leaves[i as usize], &path, &root).is_err()
                );
                if let Some(first) = path.first() {
                    let mut bent = path.clone();
                    bent[0] = node_hash(first, first);
                    assert!(verify_inclusion(i, size, &leaves[i as usize], &bent, &root).is_err());
                }
            }
        }
    }

    fn lookup(t: &MerkleTree) -> impl Fn(Subtree) -> Option<Hash> + '_ {
        |s| {
            t.levels
                .get(s.level as usize)
                .and_then(|l| l.get(s.index as usize))
                .copied()
        }
    }

    #[test]
    fn hash_plans_equal_the_trees_roots_and_proofs() {
        let (t, _) = tree(45);
        for second in 0..=45u64 {
            let root = HashPlan::root(second).hashes(lookup(&t)).unwrap();
            assert_eq!(
                root.first().copied().unwrap_or_else(empty_root),
                t.root_at(second).unwrap()
            );
            for index in 0..second {
                let plan = HashPlan::inclusion(index, second).unwrap();
                assert_eq!(
                    plan.hashes(lookup(&t)).unwrap(),
                    t.inclusion_proof(index, second).unwrap(),
                    "inclusion {index} {second}"
                );
            }
            for first in 0..=second {
                let plan = HashPlan::consistency(first, second).unwrap();
                assert_eq!(
                    plan.hashes(lookup(&t)).unwrap(),
                    t.consistency_proof(first, second).unwrap(),
                    "consistency {first} {second}"
                );
                // Every subtree is complete in the tree of `second` leaves.
                for s in plan.subtrees() {
                    assert!((s.index + 1) << s.level <= second);
                }
            }
        }
        assert!(HashPlan::inclusion(3, 3).is_err());
        assert!(HashPlan::consistency(4, 3).is_err());
        let plan = HashPlan::root(5);
        assert!(plan.hashes(|s| (s.level > 0).then_some([0; 32])).is_none());
    }

    #[test]
    fn every_consistency_proof_verifies_and_tampering_fails() {
        let (t, _) = tree(40);
        for second in 0..=40u64 {
            for first in 0..=second {
                let proof = t.consistency_proof(first, second).unwrap();
                let (r1, r2) = (t.root_at(first).unwrap(), t.root_at(second).unwrap());
                verify_consistency(first, second, &r1, &r2, &proof).unwrap();
                if first > 0 && first < second {
                    let wrong = node_hash(&r1, &r1);
                    assert!(verify_consistency(first, second, &wrong, &r2, &proof).is_err());
                    assert!(verify_consistency(first, second, &r1, &wrong, &proof).is_err());
                    let mut bent = proof.clone();
                    bent[0] = wrong;
                    assert!(verify_consistency(first, second, &r1, &r2, &bent).is_err());
                }
            }
        }
    }
}
