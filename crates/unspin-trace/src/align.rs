//! Token alignment between a query and a candidate source: the longest common subsequence
//! under a "could be the same word" relation, which yields both the similarity figure and the
//! evidence pairs.
//!
//! ```
//! use unspin_trace::align::align;
//! // Query tokens may match several source ids (a word and the originals it could stand for).
//! let query = vec![vec![1], vec![2, 20], vec![3]];
//! let source = [1, 20, 3, 4];
//! let a = align(&query, &source);
//! assert_eq!(a.pairs, [(0, 0), (1, 1), (2, 2)]);
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hasher for integer keys. The keys here are already hashes (canonical ids)
/// or dense document numbers, so SipHash's protection buys nothing and costs a third of a query.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.0 = (self.0.rotate_left(5) ^ x as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A hash map with [`IdHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Largest DP table (query tokens × source tokens) aligned exactly; longer pairs fall back to a
/// greedy alignment so a huge document cannot stall a query.
const MAX_CELLS: usize = 4_000_000;
/// How far ahead the greedy fallback looks for a query token's match.
const GREEDY_WINDOW: usize = 64;

/// An alignment: matched (query index, source index) pairs, increasing in both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Alignment {
    /// The matched pairs, in order.
    pub pairs: Vec<(usize, usize)>,
}

impl Alignment {
    /// Number of source tokens from the first matched one to the last (0 if none matched).
    pub fn source_span(&self) -> usize {
        match (self.pairs.first(), self.pairs.last()) {
            (Some(a), Some(b)) => b.1 - a.1 + 1,
            _ => 0,
        }
    }
}

/// Aligns a query (each token given as the sorted ids it may match) with a source (one id per
/// token). To align one query with many sources, build a [`Matcher`] once.
pub fn align(query: &[Vec<u32>], source: &[u32]) -> Alignment {
    Matcher::new(query).align(source)
}

/// A query prepared for alignment: which query positions each id matches.
pub struct Matcher {
    n: usize,
    by_id: FastMap<u32, Vec<u32>>,
}

impl Matcher {
    /// Prepares `query` (each token as the sorted ids it may match).
    pub fn new(query: &[Vec<u32>]) -> Matcher {
        let mut by_id: FastMap<u32, Vec<u32>> = FastMap::default();
        for (i, ids) in query.iter().enumerate() {
            for &id in ids {
                by_id.entry(id).or_default().push(i as u32);
            }
        }
        Matcher {
            n: query.len(),
            by_id,
        }
    }

    /// How many tokens of `source` match some query token: a bound on the alignment's length
    /// that costs one hash look-up per token.
    pub fn bag_bound(&self, source: &[u32]) -> usize {
        source
            .iter()
            .filter(|id| self.by_id.contains_key(id))
            .count()
    }

    /// Aligns the query with `source` (one id per token).
    pub fn align(&self, source: &[u32]) -> Alignment {
        let (n, m) = (self.n, source.len());
        if n == 0 || m == 0 {
            return Alignment::default();
        }
        // For each source token, the query positions it matches, ascending.
        let empty = Vec::new();
        let hits: Vec<&Vec<u32>> = source
            .iter()
            .map(|id| self.by_id.get(id).unwrap_or(&empty))
            .collect();
        if n.saturating_mul(m) > MAX_CELLS {
            return greedy(n, &hits);
        }
        // dp[j][i]: LCS of source[..j] and query[..i].
        let w = n + 1;
        let mut dp = vec![0u32; (m + 1) * w];
        for j in 1..=m {
            let (prev, cur) = dp.split_at_mut(j * w);
            let prev = &prev[(j - 1) * w..];
            let cur = &mut cur[..w];
            let mut h = hits[j - 1].iter().peekable();
            for i in 1..=n {
                let matched = h.next_if(|&&x| x as usize == i - 1).is_some();
                cur[i] = if matched {
                    prev[i - 1] + 1
                } else {
                    prev[i].max(cur[i - 1])
                };
            }
        }
        let mut pairs = Vec::with_capacity(dp[m * w + n] as usize);
        let (mut i, mut j) = (n, m);
        while i > 0 && j > 0 {
            let v = dp[j * w + i];
            if v == dp[(j - 1) * w + i - 1] + 1
                && hits[j - 1].binary_search(&(i as u32 - 1)).is_ok()
            {
                pairs.push((i - 1, j - 1));
                i -= 1;
                j -= 1;
            } else if dp[(j - 1) * w + i] >= dp[j * w + i - 1] {
                j -= 1;
            } else {
                i -= 1;
            }
        }
        pairs.reverse();
        Alignment { pairs }
    }
}

/// Linear-time fallback: each source token, in order, takes the first unused query position
/// it matches within a window after the last match.
fn greedy(n: usize, hits: &[&Vec<u32>]) -> Alignment {
    let mut pairs = Vec::new();
    let mut next_i = 0usize;
    for (j, h) in hits.iter().enumerate() {
        let start = h.partition_point(|&x| (x as usize) < next_i);
        if let Some(&i) = h.get(start) {
            if (i as usize) < next_i + GREEDY_WINDOW && (i as usize) < n {
                pairs.push((i as usize, j));
                next_i = i as usize + 1;
            }
        }
    }
    Alignment { pairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(ids: &[u32]) -> Vec<Vec<u32>> {
        ids.iter().map(|&x| vec![x]).collect()
    }

    #[test]
    fn lcs_of_sequences() {
        let a = align(&q(&[1, 2, 3, 4, 5]), &[9, 1, 3, 9, 5, 9]);
        assert_eq!(a.pairs, [(0, 1), (2, 2), (4, 4)]);
        assert_eq!(a.source_span(), 4);
    }

    #[test]
    fn empty_inputs() {
        assert!(align(&[], &[1]).pairs.is_empty());
        assert!(align(&q(&[1]), &[]).pairs.is_empty());
        assert_eq!(Alignment::default().source_span(), 0);
    }

    #[test]
    fn greedy_fallback_is_monotone() {
        let n = 3000;
        let query = q(&(0..n as u32).collect::<Vec<_>>());
        let source: Vec<u32> = (0..n as u32).filter(|x| x % 3 != 0).collect();
        let a = align(&query, &source);
        assert_eq!(a.pairs.len(), source.len());
        assert!(a
            .pairs
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    }
}
