//! Shingles, MinHash signatures and LSH band keys.
//!
//! A text's tokens are cut into shingles of `k` consecutive canonical ids; a signature holds, for
//! each of `bands * rows` hash functions, the smallest hash of any shingle; and each band of
//! `rows` minima is hashed to one 32-bit key. Two texts whose shingle sets have Jaccard
//! similarity `J` share a band key with probability `1 - (1 - J^rows)^bands`, so a source and its
//! copy meet in at least one band while unrelated texts almost never do.
//!
//! ```
//! use unspin_trace::lsh::{band_keys, Lsh};
//! let lsh = Lsh { shingle: 2, bands: 16, rows: 2 };
//! let a: Vec<u32> = (1..50).collect();
//! let mut b = a.clone();
//! b[10] = 999; // one token changed
//! let (ka, kb) = (band_keys(&lsh, &a), band_keys(&lsh, &b));
//! assert!(ka.iter().zip(&kb).filter(|(x, y)| x == y).count() > 8);
//! ```

/// LSH settings, stored in the index header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lsh {
    /// Tokens per shingle.
    pub shingle: u32,
    /// Number of bands.
    pub bands: u32,
    /// Minima per band.
    pub rows: u32,
}

impl Default for Lsh {
    fn default() -> Self {
        Lsh {
            shingle: 2,
            bands: 32,
            rows: 2,
        }
    }
}

/// The splitmix64 finalizer: a fast, well-mixed bijection on u64.
#[inline]
pub fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The distinct shingle hashes of a token sequence (`ids` are canonical ids). A text shorter
/// than one shingle has one shingle: itself.
pub fn shingles(k: usize, ids: &[u32]) -> Vec<u64> {
    let k = k.max(1);
    let mut out: Vec<u64> = if ids.is_empty() {
        Vec::new()
    } else if ids.len() < k {
        vec![hash_run(ids)]
    } else {
        ids.windows(k).map(hash_run).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

#[inline]
fn hash_run(run: &[u32]) -> u64 {
    run.iter()
        .fold(0x9e37_79b9_7f4a_7c15u64, |h, &x| mix(h ^ x as u64))
}

/// The band keys of a token sequence: one per band, or none for an empty text.
pub fn band_keys(lsh: &Lsh, ids: &[u32]) -> Vec<u32> {
    let sh = shingles(lsh.shingle as usize, ids);
    if sh.is_empty() {
        return Vec::new();
    }
    let n = (lsh.bands * lsh.rows) as usize;
    // Each hash function is `mix(shingle ^ seed_p)`: seeds from a fixed sequence, so an index
    // and a query built apart agree.
    let mut mins = vec![u64::MAX; n];
    for &s in &sh {
        for (p, m) in mins.iter_mut().enumerate() {
            let h = mix(s ^ mix(p as u64 + 1));
            if h < *m {
                *m = h;
            }
        }
    }
    mins.chunks(lsh.rows as usize)
        .enumerate()
        .map(|(b, rows)| {
            let h = rows.iter().fold(mix(b as u64 + 0x51), |h, &x| mix(h ^ x));
            h as u32
        })
        .collect()
}

/// Exact Jaccard similarity of two sorted, deduplicated shingle sets.
///
/// ```
/// assert_eq!(unspin_trace::lsh::jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
/// ```
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_share_every_band() {
        let lsh = Lsh::default();
        let a: Vec<u32> = (0..40).map(|i| i * 7).collect();
        assert_eq!(band_keys(&lsh, &a), band_keys(&lsh, &a));
        assert_eq!(band_keys(&lsh, &a).len(), lsh.bands as usize);
        assert!(band_keys(&lsh, &[]).is_empty());
    }

    #[test]
    fn unrelated_texts_share_few_bands() {
        let lsh = Lsh::default();
        let a: Vec<u32> = (0..100).collect();
        let b: Vec<u32> = (1000..1100).collect();
        let (ka, kb) = (band_keys(&lsh, &a), band_keys(&lsh, &b));
        assert!(ka.iter().zip(&kb).filter(|(x, y)| x == y).count() <= 1);
    }

    #[test]
    fn short_text_has_one_shingle() {
        assert_eq!(shingles(3, &[5, 6]).len(), 1);
        assert_eq!(shingles(2, &[5, 6, 5, 6]).len(), 2);
    }
}
