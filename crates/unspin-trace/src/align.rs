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

    /// How well a query of `n` content tokens fits a source of `m`. The similarity is the
    /// highest of
    /// - the matched pairs over the larger of `n` and the source span they cover (a whole copy);
    /// - the most pairs in a run that covers at most `n` source tokens, over `n`: the query is
    ///   an excerpt of a longer source. A longest common subsequence takes every match it can,
    ///   so a few stray matches far beyond the excerpt's place would stretch the span and sink
    ///   the figure (a third of an article copied, 48 of its 52 content words aligned, scored
    ///   0.27);
    /// - the most pairs in a run that covers at most `m` query tokens, over `m`: the source is
    ///   copied inside a longer query (a page that holds the copy among menus, comments and
    ///   other stories). Only for a query half as long again as the source or longer (a page
    ///   with a little more than the copy still fits by the first figure), for sources of
    ///   [`MIN_CONTAINED`] tokens or more (a long query holds most of the words of a short text
    ///   somewhere, in order, by chance), and from [`MIN_CONTAINED_SHARE`] up: a long query
    ///   lines up with part of an unrelated source more readily than a short one, so this
    ///   figure needs a higher bar than the usual threshold.
    ///
    /// Where a run wins, the pairs are cut to it, so stray pairs leave the evidence too.
    ///
    /// ```
    /// use unspin_trace::align::Alignment;
    /// // Three pairs side by side, then one stray match 40 tokens on.
    /// let mut a = Alignment { pairs: vec![(0, 10), (1, 11), (2, 12), (3, 52)] };
    /// let fit = a.tighten(4, 100);
    /// assert_eq!(fit.similarity, 0.75);
    /// assert_eq!(a.pairs, [(0, 10), (1, 11), (2, 12)]);
    /// ```
    pub fn tighten(&mut self, n: usize, m: usize) -> Fit {
        let n = n.max(1);
        let whole = self.pairs.len() as f64 / n.max(self.source_span()) as f64;
        let mut fit = Fit {
            similarity: whole,
            query_share: whole,
        };
        let mut cut = None;
        let (count, at) = densest_run(&self.pairs, |p| p.1, n);
        if count as f64 / n as f64 > fit.similarity {
            fit.similarity = count as f64 / n as f64;
            fit.query_share = fit.similarity;
            cut = Some(at);
        }
        if contained_applies(n, m) {
            let (count, at) = densest_run(&self.pairs, |p| p.0, m);
            let share = count as f64 / m as f64;
            if share >= MIN_CONTAINED_SHARE && share > fit.similarity {
                fit.similarity = share;
                fit.query_share = count as f64 / n as f64;
                cut = Some(at);
            }
        }
        if let Some(at) = cut {
            self.pairs.truncate(at.end);
            self.pairs.drain(..at.start);
        }
        fit
    }

    /// Upper bounds of [`Alignment::tighten`]'s two figures for a query of `n` content tokens
    /// and a source of `m`, when at most `bound` of the source's tokens can match the query.
    pub fn fit_cap(bound: usize, n: usize, m: usize) -> Fit {
        let n = n.max(1);
        let query_share = bound.min(n) as f64 / n as f64;
        let contained = bound.min(m) as f64 / m.max(1) as f64;
        let similarity = if contained_applies(n, m) && contained >= MIN_CONTAINED_SHARE {
            query_share.max(contained)
        } else {
            query_share
        };
        Fit {
            similarity,
            query_share,
        }
    }
}

/// How a query fits a source ([`Alignment::tighten`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// The similarity reported and held against the threshold.
    pub similarity: f64,
    /// The share of the query's content tokens that the kept pairs explain, counted as the
    /// similarity is where that is the query's (a whole copy, an excerpt). Sources are ranked
    /// by it, so that of two sources contained in a query, the one that explains more of it
    /// comes first, and a passage's own source outranks a shorter piece of it.
    pub query_share: f64,
}

/// The lowest share of a source's tokens, lined up within a longer query, that counts as the
/// similarity (see [`Alignment::tighten`]). Copies spun at 25 % inside pages of three passages
/// line up at 0.80 (median; 0.61 at the 5th percentile), while pages of three passages without
/// a source reach 0.56 (`bench/trace.sh`).
pub const MIN_CONTAINED_SHARE: f64 = 0.6;

/// Whether a source of `m` content tokens may be found inside a query of `n` (see
/// [`Alignment::tighten`]).
fn contained_applies(n: usize, m: usize) -> bool {
    m >= MIN_CONTAINED && 2 * n >= 3 * m
}

/// Sources shorter than this many content tokens are never found inside a longer query: see
/// [`Alignment::tighten`].
pub const MIN_CONTAINED: usize = 40;

/// The run of `pairs` (increasing in both coordinates) whose `coord` spans fewer than `limit`
/// positions and holds the most pairs: its length and range (the first such run).
fn densest_run(
    pairs: &[(usize, usize)],
    coord: impl Fn(&(usize, usize)) -> usize,
    limit: usize,
) -> (usize, std::ops::Range<usize>) {
    let (mut best, mut at) = (0, 0..0);
    let mut i = 0;
    for j in 0..pairs.len() {
        while coord(&pairs[j]) - coord(&pairs[i]) >= limit {
            i += 1;
        }
        if j + 1 - i > best {
            best = j + 1 - i;
            at = i..j + 1;
        }
    }
    (best, at)
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
        assert_eq!(Alignment::default().tighten(0, 0).similarity, 0.0);
    }

    #[test]
    fn tighten_cuts_only_what_scores_higher() {
        // Spread over more than the query's length, but no run does better than the whole.
        let pairs = vec![(0, 0), (1, 2), (2, 4), (3, 6)];
        let mut a = Alignment {
            pairs: pairs.clone(),
        };
        assert_eq!(a.tighten(4, 4).similarity, 4.0 / 7.0);
        assert_eq!(a.pairs, pairs);
        // A whole copy: nothing to cut.
        let mut a = align(&q(&[1, 2, 3]), &[1, 2, 3]);
        assert_eq!(a.tighten(3, 3).similarity, 1.0);
        assert_eq!(a.pairs.len(), 3);
        // An excerpt of a long source with stray matches on both sides.
        let source: Vec<u32> = (0..100).collect();
        let mut query: Vec<u32> = vec![5];
        query.extend(40..50);
        query.push(95);
        let mut a = align(&q(&query), &source);
        assert_eq!(a.pairs.len(), 12);
        assert_eq!(a.tighten(12, 100).similarity, 10.0 / 12.0);
        assert_eq!(a.pairs.first(), Some(&(1, 40)));
        assert_eq!(a.source_span(), 10);
        // A source of 50 tokens copied inside a query of 200, with stray matches around it.
        let source: Vec<u32> = (1000..1050).collect();
        let mut query: Vec<u32> = (0..200).collect();
        query[10] = 1000;
        query[100..145].copy_from_slice(&source[2..47]);
        query[190] = 1049;
        let mut a = align(&q(&query), &source);
        assert_eq!(a.pairs.len(), 47);
        let fit = a.tighten(200, 50);
        assert_eq!(fit.similarity, 45.0 / 50.0);
        assert_eq!(fit.query_share, 45.0 / 200.0);
        assert_eq!(a.pairs.first(), Some(&(100, 2)));
        let cap = Alignment::fit_cap(47, 200, 50);
        assert!(cap.similarity >= fit.similarity && cap.query_share >= fit.query_share);
        // A source under MIN_CONTAINED tokens, or one nearly as long as the query: only the
        // query side counts.
        let mut a = align(&q(&query), &source[..30]);
        assert!(a.tighten(200, 30).similarity < 0.2);
        assert!(Alignment::fit_cap(30, 200, 30).similarity < 0.2);
        assert_eq!(Alignment::fit_cap(140, 200, 140).similarity, 0.7);
        // Half of a source inside a long query is not enough.
        let mut query: Vec<u32> = (0..200).collect();
        query[100..125].copy_from_slice(&source[..25]);
        let mut a = align(&q(&query), &source);
        assert_eq!(a.pairs.len(), 25);
        assert_eq!(a.tighten(200, 50).similarity, 25.0 / 200.0);
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
