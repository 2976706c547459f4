//! Word vectors (GloVe) by language-model word id, for the topic evidence of a change.
//!
//! A spinner draws a synonym from any sense of a word, so its substitutes often belong to another
//! topic than the document ("coronary heart" in a story about a comedian); the original belongs
//! to the document's. The decoder's trigram window cannot see that; the cosine between a word's
//! vector and the mean vector of the document's content words can.
//!
//! # The section (`WORDVEC1`)
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `b"WORDVEC1"` |
//! | 4 | dimensions *d* (little-endian), at most 63 |
//! | 4 | words *n*: the LM's vocabulary size |
//! | 48 | zero |
//! | 64 · *n* | one 64-byte record per LM word id: the unit vector × 127 rounded, as `i8[d]`, zeros, and in the last byte the word's kind: 0 no vector, 1 function word, 2 content word |
//!
//! A record is one cache line, and the records are copied at load to memory aligned on one: the
//! decoder reads a vector for nearly every word of a document, and a vector split over two lines
//! would cost two trips to memory.
//!
//! Function words (the 150 most frequent words of the vectors' corpus) keep their vectors but
//! stay out of a document's topic, which they would only blur.

use crate::{Bytes, Error, Result, WordId};

const MAGIC: &[u8; 8] = b"WORDVEC1";
const HEADER: usize = 64;
/// Bytes per word: a cache line.
const RECORD: usize = 64;

/// What [`WordVectors::kind`] knows of a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No vector.
    None = 0,
    /// A vector, but the word is too common to say anything about the topic.
    Function = 1,
    /// A vector of a content word.
    Content = 2,
}

/// Quantized unit word vectors indexed by LM word id.
#[derive(Clone)]
pub struct WordVectors {
    /// The records, without the header.
    records: Bytes,
    dims: usize,
    n: usize,
}

impl std::fmt::Debug for WordVectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordVectors")
            .field("dims", &self.dims)
            .field("words", &self.n)
            .finish()
    }
}

impl WordVectors {
    /// Parses the section. Word ids beyond its table have no vector.
    pub fn parse(bytes: Bytes) -> Result<WordVectors> {
        let err = |m: String| Error::Corrupt(format!("WORDVEC1 section: {m}"));
        let d: &[u8] = &bytes;
        if d.len() < HEADER || &d[..8] != MAGIC {
            return Err(err("not a word-vector table of a known version".into()));
        }
        let dims = u32::from_le_bytes(d[8..12].try_into().unwrap()) as usize;
        let n = u32::from_le_bytes(d[12..16].try_into().unwrap()) as usize;
        if dims == 0 || dims >= RECORD {
            return Err(err(format!("{dims} dimensions")));
        }
        if d.len() - HEADER != n.saturating_mul(RECORD) {
            return Err(err(format!("{} bytes for {n} words", d.len())));
        }
        let records = &d[HEADER..];
        if (0..n).any(|i| records[i * RECORD + RECORD - 1] > 2) {
            return Err(err("a word kind out of range".into()));
        }
        Ok(WordVectors {
            records: bytes.slice(HEADER..d.len()),
            dims,
            n,
        })
    }

    /// Builds the section: `vector(id)` gives each LM word's vector (any length up to 63; it is
    /// normalized) and whether it is a content word, or `None`.
    ///
    /// ```
    /// use unspin_core::vectors::{Kind, WordVectors};
    /// let v = WordVectors::build(3, 2, |id| match id {
    ///     0 => Some((vec![3.0, 4.0], true)),
    ///     1 => Some((vec![1.0, 0.0], false)),
    ///     _ => None,
    /// });
    /// let v = WordVectors::parse(unspin_core::Bytes::from_vec(v)).unwrap();
    /// assert_eq!(v.kind(0), Kind::Content);
    /// assert_eq!(v.kind(2), Kind::None);
    /// assert_eq!(v.get(0), Some(&[76, 102][..])); // (0.6, 0.8) × 127
    /// ```
    pub fn build(
        n: usize,
        dims: usize,
        vector: impl Fn(u32) -> Option<(Vec<f32>, bool)>,
    ) -> Vec<u8> {
        assert!(dims > 0 && dims < RECORD, "1 to {} dimensions", RECORD - 1);
        let mut out = vec![0u8; HEADER + n * RECORD];
        out[..8].copy_from_slice(MAGIC);
        out[8..12].copy_from_slice(&(dims as u32).to_le_bytes());
        out[12..16].copy_from_slice(&(n as u32).to_le_bytes());
        for (id, rec) in out[HEADER..].chunks_exact_mut(RECORD).enumerate() {
            let Some((v, content)) = vector(id as u32) else {
                continue;
            };
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            for (k, r) in rec[..dims].iter_mut().enumerate() {
                let x = if norm > 0.0 {
                    v.get(k).copied().unwrap_or(0.0) / norm
                } else {
                    0.0
                };
                *r = (x * 127.0).round().clamp(-127.0, 127.0) as i8 as u8;
            }
            rec[RECORD - 1] = if content {
                Kind::Content
            } else {
                Kind::Function
            } as u8;
        }
        out
    }

    /// Dimensions of a vector.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// What is known of word `id` (ids beyond the table have no vector).
    #[inline]
    pub fn kind(&self, id: WordId) -> Kind {
        let i = id as usize;
        if i >= self.n {
            return Kind::None;
        }
        match self.records[i * RECORD + RECORD - 1] {
            1 => Kind::Function,
            2 => Kind::Content,
            _ => Kind::None,
        }
    }

    /// The quantized unit vector of word `id`, if it has one.
    #[inline]
    pub fn get(&self, id: WordId) -> Option<&[i8]> {
        if self.kind(id) == Kind::None {
            return None;
        }
        let at = id as usize * RECORD;
        let b = &self.records[at..at + self.dims];
        // SAFETY: i8 and u8 have the same size and alignment, and every bit pattern is valid.
        Some(unsafe { std::slice::from_raw_parts(b.as_ptr() as *const i8, b.len()) })
    }

    /// Adds word `id`'s quantized vector, times `sign`, to `sum` if it is a content word.
    /// Without a branch on the kind, which no predictor guesses: the loads of a run of words
    /// are then independent, and their trips to memory overlap.
    #[inline]
    pub fn add_content(&self, id: WordId, sum: &mut [i32], sign: i32) {
        let at = id as usize * RECORD;
        let Some(rec) = self.records.get(at..at + RECORD) else {
            return;
        };
        let content = sign * (rec[RECORD - 1] == Kind::Content as u8) as i32;
        for (s, &x) in sum.iter_mut().zip(&rec[..self.dims]) {
            *s += content * (x as i8) as i32;
        }
    }

    /// Adds word `id`'s quantized vector, times `sign`, to `sum`; false (and nothing added) for
    /// a word without one. Sums stay in the quantized units, exact in `i32`: cosines do not
    /// depend on the scale, and integer adds of a few dozen bytes vectorize.
    #[inline]
    pub fn add_to(&self, id: WordId, sum: &mut [i32], sign: i32) -> bool {
        let Some(v) = self.get(id) else {
            return false;
        };
        for (s, &x) in sum.iter_mut().zip(v) {
            *s += sign * x as i32;
        }
        true
    }
}

/// The cosine of two vectors, 0 when either is zero.
pub fn cosine(a: &[i32], b: &[i32]) -> f32 {
    // Integer sums are exact and, unlike floating-point ones, may be reordered: they vectorize.
    let (mut ab, mut aa, mut bb) = (0i64, 0i64, 0i64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (x as i64, y as i64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let (ab, aa, bb) = (ab as f64, aa as f64, bb as f64);
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        (ab / (aa.sqrt() * bb.sqrt())) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let b = WordVectors::build(4, 3, |id| {
            (id % 2 == 0).then(|| (vec![1.0, 1.0, 0.0], id == 0))
        });
        let v = WordVectors::parse(Bytes::from_vec(b.clone())).unwrap();
        assert_eq!(v.kind(0), Kind::Content);
        assert_eq!(v.kind(2), Kind::Function);
        assert_eq!(v.kind(1), Kind::None);
        assert_eq!(v.kind(99), Kind::None);
        assert_eq!(v.get(2), Some(&[90, 90, 0][..]));
        let mut sum = [0i32; 3];
        assert!(v.add_to(0, &mut sum, 1) && !v.add_to(1, &mut sum, 1));
        assert!(v.add_to(2, &mut sum, 2));
        assert_eq!(sum, [270, 270, 0]);
        // Only content words count for a topic.
        let mut topic = [0i32; 3];
        for id in 0..5 {
            v.add_content(id, &mut topic, 1);
        }
        assert_eq!(topic, [90, 90, 0]);
        v.add_content(0, &mut topic, -1);
        assert_eq!(topic, [0, 0, 0]);
        assert!((cosine(&sum, &[1, 1, 0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0; 3], &sum), 0.0);
        // Truncated, bad kind, bad magic.
        assert!(WordVectors::parse(Bytes::from_vec(b[..b.len() - 1].to_vec())).is_err());
        let mut bad = b.clone();
        bad[HEADER + RECORD - 1] = 7;
        assert!(WordVectors::parse(Bytes::from_vec(bad)).is_err());
        assert!(WordVectors::parse(Bytes::from_vec(b"WORDVEC2".to_vec())).is_err());
    }
}
