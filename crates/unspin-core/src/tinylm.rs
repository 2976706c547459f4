//! A small trigram model trained from text with stupid backoff, stored as a model section.
//!
//! The shipped models carry the CMU trigram LM. This one exists so that tests and fixtures can
//! build a complete model from a few sentences, with no downloaded data.
//!
//! ```
//! use unspin_core::tinylm::{TinyLm, TinyLmWriter};
//! use unspin_core::Scorer;
//!
//! let lm = TinyLm::parse(unspin_core::Bytes::from_vec(TinyLmWriter::train(["the stock market fell"]))).unwrap();
//! let id = |w: &str| lm.lookup(w).unwrap();
//! let (the, stock, market) = (id("the"), id("stock"), id("market"));
//! assert!(lm.logp(the, stock, market) > lm.logp(the, market, stock));
//! ```

use crate::format::{f32_at, first_non_finite_f32, u32_at, u64_at};
use crate::{Bytes, Error, Result, Scorer, WordId, NO_WORD};
use std::collections::{BTreeMap, HashMap};

const BACKOFF: f32 = -0.4; // log10(0.4), the usual stupid-backoff factor

/// Trains a [`TinyLm`] and serializes it.
pub struct TinyLmWriter;

fn key(a: u32, b: u32, c: u32) -> u64 {
    ((a as u64 & 0x1F_FFFF) << 42) | ((b as u64 & 0x1F_FFFF) << 21) | (c as u64 & 0x1F_FFFF)
}

impl TinyLmWriter {
    /// Trains on lowercase sentences (words separated by spaces) and returns the section bytes.
    pub fn train<'a>(sentences: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
        let sents: Vec<Vec<String>> = sentences
            .into_iter()
            .map(|s| s.split_whitespace().map(|w| w.to_lowercase()).collect())
            .collect();
        let mut vocab: Vec<String> = vec!["<unk>".into(), "<s>".into(), "</s>".into()];
        let mut words: Vec<&String> = sents.iter().flatten().collect();
        words.sort();
        words.dedup();
        vocab.extend(
            words
                .into_iter()
                .filter(|w| !vocab.contains(w))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let ids: HashMap<&str, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_str(), i as u32))
            .collect();
        let mut uni: HashMap<u32, u32> = HashMap::new();
        let mut bi: HashMap<(u32, u32), u32> = HashMap::new();
        let mut tri: HashMap<(u32, u32, u32), u32> = HashMap::new();
        let mut bi_ctx: HashMap<u32, u32> = HashMap::new();
        let mut tri_ctx: HashMap<(u32, u32), u32> = HashMap::new();
        let mut total = 0u32;
        for s in &sents {
            let mut seq = vec![1u32, 1];
            seq.extend(s.iter().map(|w| ids[w.as_str()]));
            seq.push(2);
            for i in 2..seq.len() {
                let (a, b, c) = (seq[i - 2], seq[i - 1], seq[i]);
                total += 1;
                *uni.entry(c).or_default() += 1;
                *bi.entry((b, c)).or_default() += 1;
                *tri.entry((a, b, c)).or_default() += 1;
                *bi_ctx.entry(b).or_default() += 1;
                *tri_ctx.entry((a, b)).or_default() += 1;
            }
        }
        let mut probs: BTreeMap<u64, f32> = BTreeMap::new();
        let v = vocab.len() as f32;
        for (&c, &n) in &uni {
            probs.insert(
                key(NO_WORD, NO_WORD, c),
                ((n as f32 + 1.0) / (total as f32 + v)).log10(),
            );
        }
        for (&(b, c), &n) in &bi {
            probs.insert(key(NO_WORD, b, c), (n as f32 / bi_ctx[&b] as f32).log10());
        }
        for (&(a, b, c), &n) in &tri {
            probs.insert(key(a, b, c), (n as f32 / tri_ctx[&(a, b)] as f32).log10());
        }
        let unseen = (1.0 / (total as f32 + v)).log10();
        let mut out = Vec::new();
        out.extend_from_slice(&(vocab.len() as u32).to_le_bytes());
        out.extend_from_slice(&(probs.len() as u32).to_le_bytes());
        out.extend_from_slice(&unseen.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        let mut off = 0u32;
        for w in &vocab {
            out.extend_from_slice(&off.to_le_bytes());
            off += w.len() as u32;
        }
        out.extend_from_slice(&off.to_le_bytes());
        for w in &vocab {
            out.extend_from_slice(w.as_bytes());
        }
        while !out.len().is_multiple_of(8) {
            out.push(0);
        }
        for k in probs.keys() {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for p in probs.values() {
            out.extend_from_slice(&p.to_le_bytes());
        }
        out
    }
}

/// A trained stupid-backoff trigram model, read in place.
#[derive(Debug, Clone)]
pub struct TinyLm {
    bytes: Bytes,
    vocab: HashMap<String, u32>,
    words: Vec<String>,
    keys_at: usize,
    probs_at: usize,
    n: usize,
    unseen: f32,
}

impl TinyLm {
    /// Parses a section written by [`TinyLmWriter::train`]. A malformed section, or one holding
    /// a NaN or infinite probability, is [`Error::Lm`].
    pub fn parse(bytes: Bytes) -> Result<TinyLm> {
        let bad = || Error::Lm("tiny LM section is malformed".into());
        if bytes.len() < 16 {
            return Err(bad());
        }
        let v = u32_at(&bytes, 0) as usize;
        let n = u32_at(&bytes, 4) as usize;
        let unseen = f32_at(&bytes, 8);
        let offs_at: usize = 16;
        let strs_at = offs_at
            .checked_add(
                v.checked_add(1)
                    .ok_or_else(bad)?
                    .checked_mul(4)
                    .ok_or_else(bad)?,
            )
            .ok_or_else(bad)?;
        if strs_at > bytes.len() {
            return Err(bad());
        }
        let total = u32_at(&bytes, strs_at - 4) as usize;
        let keys_at = (strs_at + total).div_ceil(8) * 8;
        let probs_at = keys_at + 8 * n;
        if probs_at + 4 * n > bytes.len() {
            return Err(bad());
        }
        // NaN or infinite log probabilities would make every score that uses them NaN, so they
        // are refused here, with the value and where it is.
        let not_finite = |what: String, v: f32| {
            Error::Lm(format!(
                "tiny LM section is malformed: {what} is {v}, not a finite number"
            ))
        };
        if !unseen.is_finite() {
            return Err(not_finite("the unseen-word probability".into(), unseen));
        }
        if let Some(i) = first_non_finite_f32(&bytes[probs_at..probs_at + 4 * n]) {
            let v = f32_at(&bytes, probs_at + 4 * i);
            return Err(not_finite(format!("probability {i} of {n}"), v));
        }
        let mut words = Vec::with_capacity(v);
        for i in 0..v {
            let (a, b) = (
                u32_at(&bytes, offs_at + 4 * i) as usize,
                u32_at(&bytes, offs_at + 4 * i + 4) as usize,
            );
            if a > b || strs_at + b > bytes.len() {
                return Err(bad());
            }
            words.push(
                String::from_utf8(bytes[strs_at + a..strs_at + b].to_vec()).map_err(|_| bad())?,
            );
        }
        let vocab = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        Ok(TinyLm {
            bytes,
            vocab,
            words,
            keys_at,
            probs_at,
            n,
            unseen,
        })
    }

    fn get(&self, k: u64) -> Option<f32> {
        let (mut lo, mut hi) = (0, self.n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let m = u64_at(&self.bytes, self.keys_at + 8 * mid);
            match m.cmp(&k) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    return Some(f32_at(&self.bytes, self.probs_at + 4 * mid))
                }
            }
        }
        None
    }
}

impl Scorer for TinyLm {
    fn lookup(&self, word: &str) -> Option<WordId> {
        self.vocab.get(word).copied()
    }
    fn unk(&self) -> WordId {
        0
    }
    fn bos(&self) -> WordId {
        1
    }
    fn eos(&self) -> WordId {
        2
    }
    fn word(&self, id: WordId) -> &str {
        self.words.get(id as usize).map_or("<unk>", |s| s.as_str())
    }
    fn has_bigram(&self, w1: WordId, w2: WordId) -> bool {
        self.get(key(NO_WORD, w1, w2)).is_some()
    }
    fn logp(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        if w1 != NO_WORD && w2 != NO_WORD {
            if let Some(p) = self.get(key(w1, w2, w3)) {
                return p;
            }
        }
        if w2 != NO_WORD {
            if let Some(p) = self.get(key(NO_WORD, w2, w3)) {
                return p + if w1 != NO_WORD { BACKOFF } else { 0.0 };
            }
        }
        let b =
            if w2 != NO_WORD { BACKOFF } else { 0.0 } + if w1 != NO_WORD { BACKOFF } else { 0.0 };
        self.get(key(NO_WORD, NO_WORD, w3)).unwrap_or(self.unseen) + b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section() -> Vec<u8> {
        TinyLmWriter::train(["the stock market fell", "the market rose"])
    }

    fn parse(b: Vec<u8>) -> Result<TinyLm> {
        TinyLm::parse(Bytes::from_vec(b))
    }

    #[test]
    fn non_finite_probabilities_are_refused_with_their_index() {
        let good = section();
        let n = u32_at(&good, 4) as usize;
        let probs_at = good.len() - 4 * n;
        assert!(parse(good.clone()).is_ok());
        for (v, shown) in [
            (f32::NAN, "NaN"),
            (f32::INFINITY, "inf"),
            (f32::NEG_INFINITY, "-inf"),
        ] {
            let mut b = good.clone();
            b[8..12].copy_from_slice(&v.to_le_bytes());
            let e = parse(b).unwrap_err().to_string();
            assert!(
                e.contains(&format!(
                    "the unseen-word probability is {shown}, not a finite"
                )),
                "{e}"
            );
            for i in [0, n / 2, n - 1] {
                let mut b = good.clone();
                let at = probs_at + 4 * i;
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
                match parse(b) {
                    Err(Error::Lm(m)) => assert_eq!(
                        m,
                        format!(
                            "tiny LM section is malformed: probability {i} of {n} is {shown}, \
                             not a finite number"
                        )
                    ),
                    other => panic!("probability {i} = {v}: {other:?}"),
                }
            }
        }
        // Finite extremes are not corruption.
        let mut b = good;
        b[probs_at..probs_at + 4].copy_from_slice(&f32::MIN.to_le_bytes());
        assert!(parse(b).is_ok());
    }
}
