//! A zero-copy reader for the pocketsphinx 5 binary trie language model.
//!
//! # The file format
//!
//! pocketsphinx 5 (`ngram_model_trie.c`, `lm_trie.c`, `lm_trie_quant.c`) writes a quantized,
//! reversed trie in the style of KenLM's `TrieModel`. Everything is little-endian:
//!
//! | bytes                      | content                                                  |
//! |----------------------------|----------------------------------------------------------|
//! | 19                         | the text `Trie Language Model` (no NUL)                  |
//! | 1                          | the order *N* (1 to 5)                                   |
//! | 4 × *N*                    | `u32` n-gram counts: **capacities**, see below           |
//! | 4 (if *N* ≥ 2)             | an unused `i32` (a former quantization type, always 1)   |
//! | 4 × 2¹⁶ × (2(*N*−2) + 1)   | `f32` quantization tables: for each middle order a       |
//! |                            | probability and a backoff table, then one probability   |
//! |                            | table for the highest order                              |
//! | 12 × (*V* + 1)             | unigrams: `f32` prob, `f32` backoff, `u32` index of the  |
//! |                            | first bigram; a sentinel entry ends the array            |
//! | per order 2 … *N*          | a bit-packed array, see below                            |
//! | 4 + *k*                    | `u32` *k*, then *V* NUL-terminated words, in id order    |
//!
//! All probabilities and backoffs are in pocketsphinx's log base 1.0001 (`log10(p) / log10(1.0001)`).
//!
//! The trie is *reversed*: an n-gram `a b c` is found by starting at the unigram entry of `c`, then
//! looking `b` up among the bigram entries that `c`'s entry points to, then `a` among that
//! bigram's trigram entries. With entries *w* bits wide, entry *i* of an order's array occupies
//! bits `[i·w, (i+1)·w)`, counted from bit 0 of the array's first byte (a bit at position *p* is bit
//! `p % 8` of byte `p / 8`). An entry holds, from its lowest bit up:
//!
//! * the word id, in `bits(V)` bits (`bits(x)` is the bit length of `x`, 0 for 0);
//! * middle orders: the backoff code (16 bits), the probability code (16 bits), then the index of
//!   the entry's first child in the next order's array, in `bits(count[n+1])` bits; the children of
//!   entry *i* are `[next(i), next(i+1))`, so each array has one extra entry holding only `next`;
//! * the highest order: the probability code (16 bits).
//!
//! A code indexes the order's quantization table. An array's byte size is
//! `⌈(count + 1) · w / 8⌉ + 8`. Within one parent, children are sorted by word id, which the
//! lookup exploits with an interpolation search.
//!
//! The header counts are **capacities**, not the number of n-grams: pocketsphinx sizes the arrays
//! with an estimate of the blank n-grams it will add (`lm_trie_fix_counts`) that can exceed the
//! n-grams actually inserted, so the arrays can end in unused, zeroed entries (in `en-us.lm.bin`, 6 of the 2 051 547 bigram slots). The real count of an order
//! is the `next` pointer that ends the previous order. pocketsphinx's own ARPA export trusts the
//! header counts; on this file (5.1.1) it writes nonsense bigram probabilities (about −2·10¹⁶)
//! and the process dies partway through the bigrams.
//!
//! *Blank* n-grams: when the ARPA model has a trigram `a b c` but no bigram `b c`, the trie gets a
//! bigram `b c` whose probability is the backed-off `P(c) + bo(b)` and whose backoff is 0, so that
//! the trigram is reachable. Scores are unchanged by this, and the ARPA export writes the blanks as
//! ordinary bigrams (with the same effect on every probability).

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use super::probe::Probe;
use super::WordId;
use crate::{Bytes, Error, Result};

/// The text a pocketsphinx trie file starts with.
const MAGIC: &[u8] = b"Trie Language Model";
/// The highest order pocketsphinx reads (`NGRAM_MAX_ORDER`).
const MAX_ORDER: usize = 5;
/// Bits in a probability or backoff code.
const QUANT_BITS: u32 = 16;
/// Entries in a quantization table.
const QUANT_BINS: usize = 1 << QUANT_BITS;
const QUANT_MASK: u64 = (1 << QUANT_BITS) - 1;
/// Bytes in one unigram record (`f32` prob, `f32` backoff, `u32` next).
const UNIGRAM_BYTES: usize = 12;
/// `log10(1.0001)`: multiply a pocketsphinx log value by this to get a log10 value.
const LOG10_OF_BASE: f64 = 4.342_727_686_266_485e-5;

/// The log10 probability [`CmuLm`] gives an unknown word unless told otherwise
/// ([`CmuLm::set_unk_log10_prob`]).
///
/// This is KenLM's value for a model without `<unk>`; pocketsphinx itself gives unknown words
/// probability zero.
///
/// ```
/// assert_eq!(unspin_core::lm::DEFAULT_UNK_LOG10_PROB, -100.0);
/// ```
pub const DEFAULT_UNK_LOG10_PROB: f32 = -100.0;

fn lm_err(msg: impl Into<String>) -> Error {
    Error::Lm(msg.into())
}

/// The number of bits needed to store every integer up to `max` (`bitarr_required_bits`).
#[inline]
fn bits_for(max: u32) -> u32 {
    32 - max.leading_zeros()
}

/// Reads the `mask`-wide little-endian bit field starting at bit `bit` of `data`.
///
/// The field may straddle bytes; it must be at most 57 bits wide. Reads past the end of `data`
/// give 0 (never happens for validated arrays, which carry 8 bytes of padding).
#[inline(always)]
fn read_bits(data: &[u8], bit: usize, mask: u64) -> u64 {
    let byte = bit >> 3;
    match data.get(byte..byte + 8) {
        Some(b) => {
            let mut w = [0u8; 8];
            w.copy_from_slice(b);
            (u64::from_le_bytes(w) >> (bit & 7)) & mask
        }
        None => 0,
    }
}

#[inline(always)]
fn le_u32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

#[inline(always)]
fn le_f32(b: &[u8], at: usize) -> f32 {
    f32::from_bits(le_u32(b, at))
}

/// A cursor that hands out bounds-checked pieces of the file.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, len: u64, what: &str) -> Result<usize> {
        let start = self.pos;
        let left = (self.data.len() - start) as u64;
        if len > left {
            return Err(lm_err(format!(
                "file truncated: {what} needs {len} bytes at offset {start}, only {left} left"
            )));
        }
        self.pos += len as usize;
        Ok(start)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let at = self.take(4, what)?;
        Ok(le_u32(self.data, at))
    }
}

/// One bit-packed n-gram array (orders 2 … N).
#[derive(Clone, Copy, Debug, Default)]
struct Level {
    /// Bit offset of entry 0, from the start of the file.
    bit_base: usize,
    /// Bits per entry.
    total_bits: usize,
    word_bits: u32,
    word_mask: u64,
    /// 32 for a middle order (backoff + probability), 16 for the highest.
    quant_bits: u32,
    next_mask: u64,
    /// Index of this order's probability table; the backoff table follows it.
    table: usize,
    /// Entries in use (the real n-gram count).
    used: u32,
}

impl Level {
    #[inline(always)]
    fn entry_bit(&self, i: u32) -> usize {
        self.bit_base + i as usize * self.total_bits
    }

    #[inline(always)]
    fn word(&self, d: &[u8], i: u32) -> u32 {
        read_bits(d, self.entry_bit(i), self.word_mask) as u32
    }

    /// The probability code of entry `i`.
    #[inline(always)]
    fn prob_code(&self, d: &[u8], i: u32) -> usize {
        // Middle orders store (prob << 16 | backoff), so the probability is the upper half.
        let skip = self.word_bits + self.quant_bits - QUANT_BITS;
        read_bits(d, self.entry_bit(i) + skip as usize, QUANT_MASK) as usize
    }

    /// The backoff code of entry `i` (middle orders only).
    #[inline(always)]
    fn bo_code(&self, d: &[u8], i: u32) -> usize {
        read_bits(d, self.entry_bit(i) + self.word_bits as usize, QUANT_MASK) as usize
    }

    /// Index of entry `i`'s first child (middle orders only).
    #[inline(always)]
    fn next(&self, d: &[u8], i: u32) -> u32 {
        let skip = (self.word_bits + self.quant_bits) as usize;
        read_bits(d, self.entry_bit(i) + skip, self.next_mask) as u32
    }

    /// The children of entry `i`, `[next(i), next(i+1))`.
    #[inline(always)]
    fn children(&self, d: &[u8], i: u32) -> (u32, u32) {
        (self.next(d, i), self.next(d, i + 1))
    }

    /// Finds `key` among entries `[begin, end)`, which are sorted by word id, all `<= max_key`.
    ///
    /// Interpolation search (the word ids of a node's children are spread fairly evenly over the
    /// vocabulary), falling back to bisection after a few probes so that a skewed or corrupt array
    /// costs at most O(log n). Never reads outside `[begin, end)` and stops on any input.
    #[inline]
    fn find(&self, d: &[u8], begin: u32, end: u32, key: u32, max_key: u32) -> Option<u32> {
        if begin >= end || end > self.used || key > max_key {
            return None;
        }
        let (mut lo, mut hi) = (begin as u64, end as u64);
        // Invariant: the entries in [lo, hi) lie within [lo_v, hi_v] and lo_v <= key <= hi_v.
        let (mut lo_v, mut hi_v) = (0u64, max_key as u64);
        let key = key as u64;
        let mut probes = 0;
        while lo < hi {
            let n = hi - lo;
            let pivot = if probes < 6 {
                lo + (key - lo_v) * n / (hi_v - lo_v + 1)
            } else {
                lo + n / 2
            };
            probes += 1;
            let v = self.word(d, pivot as u32) as u64;
            match v.cmp(&key) {
                std::cmp::Ordering::Less => {
                    lo = pivot + 1;
                    lo_v = v;
                }
                std::cmp::Ordering::Greater => {
                    hi = pivot;
                    hi_v = v;
                }
                std::cmp::Ordering::Equal => return Some(pivot as u32),
            }
        }
        None
    }
}

/// An open-addressing hash index from word to id, over the word strings in the file.
#[derive(Clone)]
struct WordIndex {
    /// The upper 32 bits of the word's hash, then `id + 1`; 0 for an empty slot. The hash bits
    /// let a probe pass over other words without reading their strings.
    slots: Vec<u64>,
    mask: usize,
}

#[inline]
fn word_hash(w: &[u8]) -> usize {
    xxhash_rust::xxh3::xxh3_64(w) as usize
}

/// The bits of a word index slot that hold the tag; the lower half holds `id + 1`.
const TAG_MASK: u64 = !0xFFFF_FFFF;

/// The bits of a word's hash that its index slot keeps: the upper half, where the slot keeps
/// the id in the lower. (On a 32-bit target the tag is 0 and every probe compares strings.)
#[inline]
fn hash_tag(h: usize) -> u64 {
    (h as u64) & TAG_MASK
}

/// The CMU Sphinx US-English trigram model (pocketsphinx 5 binary trie), read in place.
///
/// The n-gram arrays stay in the [`Bytes`] they were parsed from (typically a memory map); parsing
/// checks the layout and builds a word → id hash index, which takes a few milliseconds for the
/// 72 547-word `en-us.lm.bin`.
///
/// Word ids are the model's own: `0 .. vocab_size()`, in the file's order (which for
/// `en-us.lm.bin` is byte order of the lowercase words). The model has no `<unk>` word, so
/// [`unk`](Self::unk) is then a virtual extra id, `vocab_size()`, with probability
/// [`DEFAULT_UNK_LOG10_PROB`] (plus backoffs) and no effect as context.
///
/// ```no_run
/// use unspin_core::{lm::CmuLm, Bytes};
///
/// let file = std::fs::File::open("data/raw/en-us.lm.bin")?;
/// let lm = CmuLm::parse(Bytes::map_file(&file)?)?;
/// assert_eq!(lm.order(), 3);
/// let ids: Vec<_> = ["the", "stock", "market"].iter().map(|w| lm.word_id(w).unwrap()).collect();
/// let p = lm.log10_prob(&ids[..2], ids[2]); // log10 P(market | the stock)
/// assert!(p < 0.0);
/// # Ok::<(), unspin_core::Error>(())
/// ```
#[derive(Clone)]
pub struct CmuLm {
    bytes: Bytes,
    order: usize,
    /// Number of real words (`V`).
    vocab: u32,
    /// Real n-gram counts per order (index 0 = unigrams).
    counts: [u32; MAX_ORDER],
    quant_off: usize,
    unigram_off: usize,
    /// `levels[k]` holds the n-grams of order `k + 2`; `order - 1` of them are used.
    levels: [Level; MAX_ORDER - 1],
    /// The word strings block (NUL-separated).
    words: Bytes,
    /// Start of each word in `words`, plus one final entry just past the last NUL.
    word_starts: Vec<u32>,
    index: WordIndex,
    bos: WordId,
    eos: WordId,
    unk: WordId,
    unk_log10: f32,
    /// The n-grams again, in a hash table built for look-ups ([`CmuLm::with_probe`]); the
    /// trie answers when it is absent.
    probe: Option<Probe>,
}

impl fmt::Debug for CmuLm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CmuLm")
            .field("order", &self.order)
            .field("counts", &self.ngram_counts())
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl CmuLm {
    /// Memory-maps and parses a pocketsphinx binary trie LM file.
    ///
    /// ```no_run
    /// let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// println!("{} words", lm.vocab_size());
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<CmuLm> {
        let file = std::fs::File::open(path)?;
        CmuLm::parse(Bytes::map_file(&file)?)
    }

    /// Parses a pocketsphinx binary trie LM ("Trie Language Model") held in `bytes`, without
    /// copying the n-gram arrays.
    ///
    /// Every offset and size is checked against the buffer, and every probability, backoff and
    /// quantization table entry must be a finite number, so a truncated or corrupt file gives
    /// [`Error::Lm`], never a panic, an out-of-bounds read or a NaN score. (A corrupt file that
    /// passes these checks still gives finite, if meaningless, answers.)
    ///
    /// ```
    /// use unspin_core::{lm::CmuLm, Bytes, Error};
    /// let err = CmuLm::parse(Bytes::from_static(b"Trie Language Model")).unwrap_err();
    /// assert!(matches!(err, Error::Lm(_)));
    /// ```
    pub fn parse(bytes: Bytes) -> Result<CmuLm> {
        let data: &[u8] = &bytes;
        let mut cur = Cursor { data, pos: 0 };

        let at = cur.take(MAGIC.len() as u64, "the header text")?;
        if &data[at..at + MAGIC.len()] != MAGIC {
            return Err(lm_err(
                "not a pocketsphinx trie LM: the file does not start with \"Trie Language Model\"",
            ));
        }
        let at = cur.take(1, "the order")?;
        let order = data[at] as usize;
        if order == 0 || order > MAX_ORDER {
            return Err(lm_err(format!(
                "n-gram order {order} is out of range 1..={MAX_ORDER}"
            )));
        }
        let mut caps = [0u32; MAX_ORDER];
        for (n, cap) in caps.iter_mut().enumerate().take(order) {
            *cap = cur.u32(&format!("the {}-gram count", n + 1))?;
        }
        let vocab = caps[0];
        if vocab == 0 {
            return Err(lm_err("the model has no words"));
        }
        if vocab >= u32::MAX - 1 {
            return Err(lm_err(format!("vocabulary size {vocab} is too large")));
        }

        let mut quant_off = 0;
        if order >= 2 {
            cur.u32("the quantization type")?;
            let tables = 2 * (order - 2) + 1;
            quant_off = cur.take((tables * QUANT_BINS * 4) as u64, "the quantization tables")?;
        }
        let unigram_off = cur.take((vocab as u64 + 1) * UNIGRAM_BYTES as u64, "the unigrams")?;

        let mut levels = [Level::default(); MAX_ORDER - 1];
        let word_bits = bits_for(vocab);
        for k in 0..order - 1 {
            let longest = k == order - 2;
            let cap = caps[k + 1];
            let quant_bits = if longest { QUANT_BITS } else { 2 * QUANT_BITS };
            let next_bits = if longest { 0 } else { bits_for(caps[k + 2]) };
            let total_bits = word_bits + quant_bits + next_bits;
            let size = ((cap as u64 + 1) * total_bits as u64).div_ceil(8) + 8;
            let off = cur.take(size, &format!("the {}-gram array", k + 2))?;
            levels[k] = Level {
                bit_base: off.checked_mul(8).ok_or_else(|| lm_err("file too large"))?,
                total_bits: total_bits as usize,
                word_bits,
                word_mask: (1u64 << word_bits) - 1,
                quant_bits,
                next_mask: (1u64 << next_bits) - 1,
                table: 2 * k,
                used: 0,
            };
        }

        let words_len = cur.u32("the size of the word strings")?;
        let words_off = cur.take(words_len as u64, "the word strings")?;
        let block = &data[words_off..words_off + words_len as usize];
        // Trailing bytes after the word strings are ignored, as pocketsphinx does.

        // Word strings: exactly V NUL-terminated UTF-8 strings.
        if std::str::from_utf8(block).is_err() {
            return Err(lm_err("the word strings are not valid UTF-8"));
        }
        if block.last().is_some_and(|&b| b != 0) {
            return Err(lm_err("the word strings do not end with a NUL"));
        }
        let mut word_starts = Vec::with_capacity(vocab as usize + 1);
        word_starts.push(0u32);
        for (i, &b) in block.iter().enumerate() {
            if b == 0 {
                if word_starts.len() > vocab as usize {
                    return Err(lm_err(format!("more than {vocab} word strings")));
                }
                word_starts.push(i as u32 + 1);
            }
        }
        if word_starts.len() != vocab as usize + 1 {
            return Err(lm_err(format!(
                "{} word strings for {vocab} unigrams",
                word_starts.len() - 1
            )));
        }

        // Unigram child pointers must be sorted and within the bigram array.
        let mut counts = [0u32; MAX_ORDER];
        counts[0] = vocab;
        let mut prev = 0;
        for id in 0..=vocab {
            let next = le_u32(data, unigram_off + id as usize * UNIGRAM_BYTES + 8);
            if next < prev {
                return Err(lm_err(format!(
                    "unigram {id} points before its predecessor"
                )));
            }
            prev = next;
        }
        if order >= 2 {
            if prev > caps[1] {
                return Err(lm_err(format!(
                    "{prev} bigrams in use but only {} stored",
                    caps[1]
                )));
            }
            counts[1] = prev;
            levels[0].used = prev;
        }
        // Each middle array's extra entry says how many entries of the next order are in use.
        for k in 0..order.saturating_sub(2) {
            let used = levels[k].next(data, levels[k].used);
            if used > caps[k + 2] {
                return Err(lm_err(format!(
                    "{used} {}-grams in use but only {} stored",
                    k + 3,
                    caps[k + 2]
                )));
            }
            counts[k + 2] = used;
            levels[k + 1].used = used;
        }

        let words = bytes.slice(words_off..words_off + words_len as usize);
        let mut lm = CmuLm {
            bytes,
            order,
            vocab,
            counts,
            quant_off,
            unigram_off,
            levels,
            words,
            word_starts,
            index: WordIndex {
                slots: Vec::new(),
                mask: 0,
            },
            bos: 0,
            eos: 0,
            unk: vocab,
            unk_log10: DEFAULT_UNK_LOG10_PROB,
            probe: None,
        };
        lm.check_finite()?;
        lm.build_index();
        lm.bos = lm
            .lookup("<s>")
            .ok_or_else(|| lm_err("the vocabulary has no <s>"))?;
        lm.eos = lm
            .lookup("</s>")
            .ok_or_else(|| lm_err("the vocabulary has no </s>"))?;
        lm.unk = lm
            .lookup("<unk>")
            .or_else(|| lm.lookup("<UNK>"))
            .unwrap_or(vocab);
        Ok(lm)
    }

    /// Checks that every quantization table entry and every unigram probability and backoff is
    /// a finite number.
    ///
    /// A NaN or an infinity would turn every score that uses it, and so a detector's document
    /// score and confidences, into NaN. Every entry of a table is checked, used or not, because
    /// a corrupt n-gram can point at any code. pocketsphinx fills the bins it has no values for
    /// with `-FLOAT_INF`, which in `lm_trie_quant.c` is the *integer* `0x7f800000` converted to
    /// float, −2 139 095 040: finite, so sound files pass (the real `en-us.lm.bin` has no such
    /// bin, and no non-finite value anywhere). A file whose ARPA source said −inf (probability
    /// zero) is refused too: the decoder's sums and differences of scores are not defined for
    /// it. The unigram sentinel's probability and backoff are never read and not checked.
    fn check_finite(&self) -> Result<()> {
        let data = self.data();
        let tables = if self.order >= 2 {
            2 * (self.order - 2) + 1
        } else {
            0
        };
        let quant = &data[self.quant_off..self.quant_off + tables * QUANT_BINS * 4];
        if let Some(i) = crate::format::first_non_finite_f32(quant) {
            let (t, code) = (i / QUANT_BINS, i % QUANT_BINS);
            // Tables come in (probability, backoff) pairs per middle order, then the highest
            // order's probabilities.
            let what = if t % 2 == 0 {
                "probabilities"
            } else {
                "backoffs"
            };
            return Err(lm_err(format!(
                "quantization table {t} ({}-gram {what}), entry {code}: {} is not a finite number",
                t / 2 + 2,
                le_f32(quant, 4 * i)
            )));
        }
        let end = self.unigram_off + self.vocab as usize * UNIGRAM_BYTES;
        // Probability and backoff, not the child pointer: the first 8 bytes of each record. A
        // plain loop over 145 000 floats for en-us.lm.bin, a fraction of a millisecond.
        let bad = data[self.unigram_off..end]
            .chunks_exact(UNIGRAM_BYTES)
            .position(|r| !le_f32(r, 0).is_finite() || !le_f32(r, 4).is_finite());
        if let Some(id) = bad {
            let (p, bo, _, _) = self.unigram(id as WordId);
            let (what, v) = if p.is_finite() {
                ("backoff", bo)
            } else {
                ("probability", p)
            };
            return Err(lm_err(format!(
                "unigram {id} ({:?}): {what} {v} is not a finite number",
                self.word(id as WordId)
            )));
        }
        Ok(())
    }

    fn build_index(&mut self) {
        let size = (self.vocab as usize * 2).next_power_of_two().max(2);
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        for id in 0..self.vocab {
            let w = self.word_bytes(id);
            let h = word_hash(w);
            let mut i = h & mask;
            loop {
                let s = slots[i];
                if s == 0 {
                    slots[i] = hash_tag(h) | (id as u64 + 1);
                    break;
                }
                // A duplicate keeps its first id, as in pocketsphinx.
                if self.word_bytes(s as u32 - 1) == w {
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        self.index = WordIndex { slots, mask };
    }

    #[inline]
    fn word_bytes(&self, id: WordId) -> &[u8] {
        let i = id as usize;
        match (self.word_starts.get(i), self.word_starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.words.get(a as usize..b as usize - 1).unwrap_or(&[]),
            _ => &[],
        }
    }

    #[inline]
    fn lookup(&self, word: &str) -> Option<WordId> {
        let w = word.as_bytes();
        let h = word_hash(w);
        let tag = hash_tag(h);
        let mut i = h & self.index.mask;
        loop {
            let s = *self.index.slots.get(i)?;
            if s == 0 {
                return None;
            }
            if s & TAG_MASK == tag && self.word_bytes(s as u32 - 1) == w {
                return Some(s as u32 - 1);
            }
            i = (i + 1) & self.index.mask;
        }
    }

    /// The n-gram order (3 for `en-us.lm.bin`).
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.order(), 3);
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn order(&self) -> usize {
        self.order
    }

    /// The number of words in the model (72 547 for `en-us.lm.bin`). Ids run from 0 to
    /// `vocab_size() - 1`; a virtual [`unk`](Self::unk) may come after them.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.vocab_size(), 72_547);
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn vocab_size(&self) -> usize {
        self.vocab as usize
    }

    /// How many n-grams of each order the model holds, unigrams first (the real counts, which
    /// can be below the capacities in the file header).
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.ngram_counts(), [72_547, 2_051_541, 1_669_625]);
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn ngram_counts(&self) -> &[u32] {
        &self.counts[..self.order]
    }

    /// The id of `word`, which must match exactly (the `en-us` vocabulary is lowercase, with
    /// apostrophes as in `don't`, `'em`, `nation's`). `None` if the model does not know the word,
    /// except that `"<unk>"` always gives [`unk`](Self::unk).
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// let id = lm.word_id("market").unwrap();
    /// assert_eq!(lm.word(id), "market");
    /// assert_eq!(lm.word_id("Market"), None);
    /// assert_eq!(lm.word_id("<unk>"), Some(lm.unk()));
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn word_id(&self, word: &str) -> Option<WordId> {
        match self.lookup(word) {
            Some(id) => Some(id),
            None if word == "<unk>" => Some(self.unk),
            None => None,
        }
    }

    /// The text of word `id`. Ids outside the vocabulary (including a virtual
    /// [`unk`](Self::unk)) give `"<unk>"`.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.word(lm.bos()), "<s>");
    /// assert_eq!(lm.word(lm.unk()), "<unk>");
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn word(&self, id: WordId) -> &str {
        if id >= self.vocab {
            return "<unk>";
        }
        // The block was checked to be UTF-8 and words are split at NUL bytes, so this holds.
        std::str::from_utf8(self.word_bytes(id)).unwrap_or("<unk>")
    }

    /// The sentence-start word `<s>`. As a predicted word it has log10 probability −99 in
    /// `en-us.lm.bin`; it is meant as context only.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.word_id("<s>"), Some(lm.bos()));
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn bos(&self) -> WordId {
        self.bos
    }

    /// The sentence-end word `</s>`.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.word(lm.eos()), "</s>");
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn eos(&self) -> WordId {
        self.eos
    }

    /// The unknown word. `en-us.lm.bin` has no `<unk>`, so this is the virtual id
    /// `vocab_size()`: a unigram with log10 probability
    /// [`unk_log10_prob`](Self::unk_log10_prob), backoff 0 and no n-grams above it, like the
    /// `<unk>` KenLM adds to a model that lacks one. So as context it ends the context, exactly as
    /// pocketsphinx treats an unknown history word, and as a predicted word it pays the backoffs
    /// of its context.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.unk() as usize, lm.vocab_size());
    /// let market = lm.word_id("market").unwrap();
    /// assert_eq!(lm.log10_prob(&[lm.unk()], market), lm.log10_prob(&[], market));
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn unk(&self) -> WordId {
        self.unk
    }

    /// The log10 probability of a virtual unknown word ([`DEFAULT_UNK_LOG10_PROB`] unless set).
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// assert_eq!(lm.unk_log10_prob(), -100.0);
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn unk_log10_prob(&self) -> f32 {
        self.unk_log10
    }

    /// Sets the log10 probability of a virtual unknown word (and of ids past the vocabulary).
    /// No effect on a model that has its own `<unk>` word.
    ///
    /// ```no_run
    /// # let mut lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// lm.set_unk_log10_prob(-12.0);
    /// assert_eq!(lm.log10_prob(&[], lm.unk()), -12.0);
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn set_unk_log10_prob(&mut self, log10_prob: f32) {
        self.unk_log10 = log10_prob;
    }

    #[inline(always)]
    fn data(&self) -> &[u8] {
        &self.bytes
    }

    /// Unigram `id` (`< vocab`): (prob, backoff, first child, end of children).
    #[inline(always)]
    fn unigram(&self, id: WordId) -> (f32, f32, u32, u32) {
        let off = self.unigram_off + id as usize * UNIGRAM_BYTES;
        match self.data().get(off..off + 2 * UNIGRAM_BYTES) {
            Some(b) => (le_f32(b, 0), le_f32(b, 4), le_u32(b, 8), le_u32(b, 20)),
            None => (0.0, 0.0, 0, 0),
        }
    }

    /// Entry `code` of quantization table `table`.
    #[inline(always)]
    fn dequant(&self, table: usize, code: usize) -> f32 {
        le_f32(
            self.data(),
            self.quant_off + 4 * (table * QUANT_BINS + code),
        )
    }

    #[inline(always)]
    fn level_prob(&self, lvl: &Level, i: u32) -> f32 {
        self.dequant(lvl.table, lvl.prob_code(self.data(), i))
    }

    #[inline(always)]
    fn level_bo(&self, lvl: &Level, i: u32) -> f32 {
        self.dequant(lvl.table + 1, lvl.bo_code(self.data(), i))
    }

    /// The backed-off log probability of `word` (`< vocab`) given `hist` (most recent word first,
    /// every id a real word, at most `order - 1` of them), in pocketsphinx's log base 1.0001.
    #[inline]
    fn score_raw(&self, word: WordId, hist: &[WordId]) -> f32 {
        let d = self.data();
        let (mut prob, _, mut begin, mut end) = self.unigram(word);
        // The longest n-gram `hist[..matched] word` in the model gives the probability...
        let mut matched = 0;
        for (k, &h) in hist.iter().enumerate() {
            let lvl = &self.levels[k];
            let Some(i) = lvl.find(d, begin, end, h, self.vocab) else {
                break;
            };
            matched = k + 1;
            prob = self.level_prob(lvl, i);
            if k + 2 == self.order {
                break;
            }
            (begin, end) = lvl.children(d, i);
        }
        if matched == hist.len() {
            return prob;
        }
        // ... plus the backoffs of the contexts longer than the one it used.
        self.add_backoffs(prob, hist, matched)
    }

    /// `prob` plus the backoff weights of contexts `hist[..=k]` for `k >= matched`
    /// (`hist` non-empty, as in [`score_raw`](Self::score_raw)).
    #[inline]
    fn add_backoffs(&self, mut prob: f32, hist: &[WordId], matched: usize) -> f32 {
        let d = self.data();
        let (_, bo, mut begin, mut end) = self.unigram(hist[0]);
        if matched == 0 {
            prob += bo;
        }
        for (k, &h) in hist.iter().enumerate().skip(1) {
            // Context hist[..=k] is an n-gram of order k + 1, stored in level k - 1 (a middle
            // order, since k < hist.len() <= order - 1).
            let lvl = &self.levels[k - 1];
            let Some(i) = lvl.find(d, begin, end, h, self.vocab) else {
                break;
            };
            if k >= matched {
                prob += self.level_bo(lvl, i);
            }
            (begin, end) = lvl.children(d, i);
        }
        prob
    }

    /// [`score_raw`](Self::score_raw) through the probe table: the same codes, dequantized
    /// from the same tables and summed in the same order, so the same bits.
    #[inline]
    fn score_probed(&self, probe: &Probe, word: WordId, hist: &[WordId]) -> f32 {
        let bigram_level = &self.levels[0];
        let (b_prob, b_bo) = (bigram_level.table, bigram_level.table + 1);
        // The bigram `w2 word`, else the unigram backed off through `w2`.
        let backed_off = |bigram: Option<(u16, u16)>, w2: WordId| match bigram {
            Some((p, _)) => self.dequant(b_prob, p as usize),
            None => self.unigram(word).0 + self.unigram(w2).1,
        };
        match *hist {
            [] => self.unigram(word).0,
            [w2] => backed_off(probe.bigram(w2, word), w2),
            [w2, w1, ..] => {
                let q = probe.query(w1, w2, word);
                if let Some(code) = probe.q_trigram(&q) {
                    return self.dequant(self.levels[1].table, code as usize);
                }
                let bo12 = probe.q_context(&q);
                let mut prob = backed_off(probe.q_bigram(&q), w2);
                if let Some((_, bo)) = bo12 {
                    prob += self.dequant(b_bo, bo as usize);
                }
                prob
            }
        }
    }

    #[inline(always)]
    fn score(&self, word: WordId, hist: &[WordId]) -> f32 {
        if word < self.vocab {
            let raw = match &self.probe {
                Some(probe) => self.score_probed(probe, word, hist),
                None => self.score_raw(word, hist),
            };
            return (raw as f64 * LOG10_OF_BASE) as f32;
        }
        // An unknown word is a unigram with no n-grams above it: it pays every backoff.
        if hist.is_empty() {
            return self.unk_log10;
        }
        (self.unk_log10 as f64 + self.add_backoffs(0.0, hist, 0) as f64 * LOG10_OF_BASE) as f32
    }

    /// log10 P(`word` | `context`), with ARPA backoff; `context` holds up to `order() - 1`
    /// previous words, oldest first (more are ignored).
    ///
    /// The context is cut at its most recent word that is not in the vocabulary ([`NONE`],
    /// [`unk`](Self::unk), or any id `>= vocab_size()`), as pocketsphinx does. An unknown `word`
    /// gets [`unk_log10_prob`](Self::unk_log10_prob) plus the context's backoff weights, as in
    /// an ARPA model with a `<unk>` unigram (KenLM); pocketsphinx says probability zero. For
    /// known words the result equals pocketsphinx's `ngram_ng_prob` (times `log10(1.0001)`) to
    /// within float rounding.
    ///
    /// [`NONE`]: super::NONE
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// let id = |w| lm.word_id(w).unwrap();
    /// // A seen trigram scores higher than the same word after an odd context.
    /// let seen = lm.log10_prob(&[id("the"), id("stock")], id("market"));
    /// let odd = lm.log10_prob(&[id("the"), id("inventory")], id("market"));
    /// assert!(seen > odd);
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    #[inline]
    pub fn log10_prob(&self, context: &[WordId], word: WordId) -> f32 {
        let mut hist = [0 as WordId; MAX_ORDER - 1];
        let mut n = 0;
        for &h in context.iter().rev().take(self.order - 1) {
            if h >= self.vocab {
                break;
            }
            hist[n] = h;
            n += 1;
        }
        self.score(word, &hist[..n])
    }

    /// log10 P(`w3` | `w1` `w2`): the decoder's fast path, the same as
    /// `log10_prob(&[w1, w2], w3)` but without building a slice. Pass [`NONE`] for `w1` (bigram)
    /// or for both (unigram). Allocation-free and lock-free; several million calls per second.
    ///
    /// [`NONE`]: super::NONE
    ///
    /// ```no_run
    /// use unspin_core::lm::NONE;
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// let id = |w| lm.word_id(w).unwrap();
    /// let (a, b, c) = (id("of"), id("the"), id("year"));
    /// assert_eq!(lm.log10_prob3(a, b, c), lm.log10_prob(&[a, b], c));
    /// assert_eq!(lm.log10_prob3(NONE, b, c), lm.log10_prob(&[b], c));
    /// assert_eq!(lm.log10_prob3(NONE, NONE, c), lm.log10_prob(&[], c));
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    #[inline]
    pub fn log10_prob3(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        let hist = [w2, w1];
        let n = if self.order < 2 || w2 >= self.vocab {
            0
        } else if self.order < 3 || w1 >= self.vocab {
            1
        } else {
            2
        };
        self.score(w3, &hist[..n])
    }

    /// Whether the model stores the bigram `w1 w2` itself, rather than backing off to `w2`'s
    /// unigram: the n-gram was seen in the LM's training text, so the pair is attested
    /// English. (A bigram the trie holds only as the context of a trigram counts too: that
    /// trigram was seen.) Used by the model builder, not the decoder.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// let id = |w| lm.word_id(w).unwrap();
    /// assert!(lm.has_bigram(id("stock"), id("market")));
    /// assert!(!lm.has_bigram(id("inventory"), id("convention")));
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn has_bigram(&self, w1: WordId, w2: WordId) -> bool {
        if self.order < 2 || w1 >= self.vocab || w2 >= self.vocab {
            return false;
        }
        // The trie is keyed by the last word: `w2`'s children are the words before it.
        let (_, _, begin, end) = self.unigram(w2);
        self.levels[0]
            .find(self.data(), begin, end, w1, self.vocab)
            .is_some()
    }

    /// The bytes of a probe table for this model: the same bigrams and trigrams in a hash table
    /// that answers a look-up in about one cache line instead of a walk down the trie. Store
    /// them beside the trie and pass them to [`with_probe`](Self::with_probe) when loading.
    /// `None` for a model the table does not cover (order 1, or above 3).
    ///
    /// ```no_run
    /// # use unspin_core::{lm::CmuLm, Bytes};
    /// let lm = CmuLm::open("data/raw/en-us.lm.bin")?;
    /// let table = lm.probe_table().expect("a trigram model");
    /// let fast = lm.clone().with_probe(Bytes::from_vec(table))?;
    /// let (a, b, c) = (lm.word_id("of").unwrap(), lm.word_id("the").unwrap(), lm.word_id("year").unwrap());
    /// assert_eq!(fast.log10_prob3(a, b, c), lm.log10_prob3(a, b, c));
    /// # Ok::<(), unspin_core::Error>(())
    /// ```
    pub fn probe_table(&self) -> Option<Vec<u8>> {
        Probe::build(self)
    }

    /// This model with look-ups answered by a probe table from
    /// [`probe_table`](Self::probe_table). Scores are bit for bit the same; look-ups are
    /// faster. A table built for another model is refused.
    pub fn with_probe(mut self, table: Bytes) -> Result<CmuLm> {
        self.probe = Some(Probe::parse(table, &self)?);
        Ok(self)
    }

    /// Starts loading what [`log10_prob3`](Self::log10_prob3)`(w1, w2, w3)` will read from a
    /// probe table, so that several look-ups' trips to memory overlap. A hint: it does nothing
    /// without a table or for unknown words, and never changes an answer.
    #[inline]
    pub fn prefetch(&self, w1: WordId, w2: WordId, w3: WordId) {
        if let Some(probe) = &self.probe {
            if w3 < self.vocab && w2 < self.vocab {
                probe.prefetch(w1.min(self.vocab), w2, w3);
            }
        }
    }

    /// Whether look-ups go through a probe table.
    pub fn has_probe(&self) -> bool {
        self.probe.is_some()
    }

    /// Calls `f(w3, w2, w1, prob_code, backoff_code)` for every bigram `w2 w3` (`w1` is `None`)
    /// and trigram `w1 w2 w3` reachable in the trie (orders up to 3), skipping entries whose
    /// word id is out of range.
    pub(crate) fn for_each_ngram(
        &self,
        mut f: impl FnMut(WordId, WordId, Option<WordId>, u16, u16),
    ) {
        if self.order < 2 {
            return;
        }
        let d = self.data();
        let (l2, l3) = (&self.levels[0], &self.levels[1]);
        for w3 in 0..self.vocab {
            let (_, _, begin, end) = self.unigram(w3);
            for i in begin..end.min(l2.used) {
                let w2 = l2.word(d, i);
                if w2 >= self.vocab {
                    continue;
                }
                f(
                    w3,
                    w2,
                    None,
                    l2.prob_code(d, i) as u16,
                    l2.bo_code(d, i) as u16,
                );
                if self.order < 3 {
                    continue;
                }
                let (b, e) = l2.children(d, i);
                for j in b..e.min(l3.used) {
                    let w1 = l3.word(d, j);
                    if w1 < self.vocab {
                        f(w3, w2, Some(w1), l3.prob_code(d, j) as u16, 0);
                    }
                }
            }
        }
    }

    /// Writes the model as an ARPA file: every n-gram the trie holds (including pocketsphinx's
    /// blank n-grams), with dequantized log10 probabilities and backoffs to 6 decimals. A model
    /// without `<unk>` gets a `<unk>` unigram with [`unk_log10_prob`](Self::unk_log10_prob), so
    /// that KenLM and other readers score unknown words as this reader does.
    ///
    /// ```no_run
    /// # let lm = unspin_core::lm::CmuLm::open("data/raw/en-us.lm.bin")?;
    /// let mut out = std::io::BufWriter::new(std::fs::File::create("/tmp/en-us.arpa")?);
    /// lm.write_arpa(&mut out)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_arpa(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ChunkWriter {
            buf: Vec::with_capacity(1 << 17),
            out,
        };
        let virtual_unk = self.unk >= self.vocab;
        writeln!(w.buf, "\\data\\")?;
        writeln!(w.buf, "ngram 1={}", self.vocab as u64 + virtual_unk as u64)?;
        for n in 2..=self.order {
            writeln!(w.buf, "ngram {n}={}", self.counts[n - 1])?;
        }
        writeln!(w.buf, "\n\\1-grams:")?;
        for id in 0..self.vocab {
            let (p, bo, _, _) = self.unigram(id);
            write!(w.buf, "{:.6}\t{}", log10(p), self.word(id))?;
            if self.order > 1 {
                write!(w.buf, "\t{:.6}", log10(bo))?;
            }
            w.buf.push(b'\n');
            w.flush_if_full()?;
        }
        if virtual_unk {
            write!(w.buf, "{:.6}\t<unk>", self.unk_log10)?;
            if self.order > 1 {
                w.buf.extend_from_slice(b"\t0");
            }
            w.buf.push(b'\n');
        }
        for n in 2..=self.order {
            writeln!(w.buf, "\n\\{n}-grams:")?;
            let mut walk = Walk {
                n,
                path: [0; MAX_ORDER],
                seen_end: [0; MAX_ORDER],
            };
            for id in 0..self.vocab {
                let (_, _, begin, end) = self.unigram(id);
                walk.path[0] = id;
                self.write_ngrams(&mut walk, 1, begin, end, &mut w)?;
            }
        }
        writeln!(w.buf, "\n\\end\\")?;
        w.out.write_all(&w.buf)?;
        w.out.flush()
    }

    /// Writes the n-grams of order `walk.n` below entries `[begin, end)` of level `depth - 1`,
    /// whose words go in `walk.path[depth]`.
    fn write_ngrams(
        &self,
        walk: &mut Walk,
        depth: usize,
        begin: u32,
        end: u32,
        w: &mut ChunkWriter<'_>,
    ) -> io::Result<()> {
        let lvl = &self.levels[depth - 1];
        // In a sound trie the children ranges of one level tile its successor; insisting that
        // they at least never overlap bounds the work on a corrupt file.
        if begin > end || end > lvl.used || begin < walk.seen_end[depth] {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "corrupt trie: bad child range {begin}..{end} in the {}-grams",
                    depth + 1
                ),
            ));
        }
        walk.seen_end[depth] = end;
        let d = self.data();
        for i in begin..end {
            walk.path[depth] = lvl.word(d, i);
            if depth + 1 < walk.n {
                let (b, e) = lvl.children(d, i);
                self.write_ngrams(walk, depth + 1, b, e, w)?;
                continue;
            }
            write!(w.buf, "{:.6}", log10(self.level_prob(lvl, i)))?;
            for &word in walk.path[..walk.n].iter().rev() {
                w.buf.push(b'\t');
                w.buf.extend_from_slice(self.word(word).as_bytes());
            }
            if walk.n < self.order {
                write!(w.buf, "\t{:.6}", log10(self.level_bo(lvl, i)))?;
            }
            w.buf.push(b'\n');
            w.flush_if_full()?;
        }
        Ok(())
    }
}

/// The state of the trie walk in [`CmuLm::write_arpa`].
struct Walk {
    /// The order being written.
    n: usize,
    /// The words on the current path: `path[0]` is the last word of the n-gram.
    path: [WordId; MAX_ORDER],
    /// Per depth, the end of the last child range visited.
    seen_end: [u32; MAX_ORDER],
}

/// Buffers ARPA lines and hands them to the (possibly unbuffered) writer in large chunks.
struct ChunkWriter<'a> {
    buf: Vec<u8>,
    out: &'a mut dyn Write,
}

impl ChunkWriter<'_> {
    #[inline]
    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// A pocketsphinx log value as log10.
#[inline]
fn log10(v: f32) -> f64 {
    v as f64 * LOG10_OF_BASE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log10_of_base_is_exact() {
        assert_eq!(LOG10_OF_BASE, 1.0001f64.log10());
    }

    #[test]
    fn bits_for_matches_pocketsphinx() {
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(1), 1);
        assert_eq!(bits_for(2), 2);
        assert_eq!(bits_for(3), 2);
        assert_eq!(bits_for(4), 3);
        assert_eq!(bits_for(72_547), 17);
        assert_eq!(bits_for(1_669_625), 21);
        assert_eq!(bits_for(u32::MAX), 32);
    }

    /// Packs `(value, width)` fields one after another, lowest bit first.
    fn pack(fields: &[(u64, u32)]) -> Vec<u8> {
        let total: u32 = fields.iter().map(|f| f.1).sum();
        let mut out = vec![0u8; total.div_ceil(8) as usize + 8];
        let mut bit = 0usize;
        for &(v, width) in fields {
            for b in 0..width as usize {
                if v >> b & 1 == 1 {
                    out[(bit + b) / 8] |= 1 << ((bit + b) % 8);
                }
            }
            bit += width as usize;
        }
        out
    }

    #[test]
    fn read_bits_unpacks_straddling_fields() {
        let fields = [
            (0x1_5a5au64, 17u32),
            (0xbeef, 16),
            (0x1234, 16),
            (0x1f_ffff, 21),
            (0, 3),
            (1, 1),
            (0x1ff_ffff, 25),
            (0xdead_beef, 32),
        ];
        let data = pack(&fields);
        let mut bit = 0;
        for &(v, width) in &fields {
            assert_eq!(
                read_bits(&data, bit, (1u64 << width) - 1),
                v,
                "field at bit {bit}"
            );
            bit += width as usize;
        }
        // Past the end: zero, not a panic.
        assert_eq!(read_bits(&data, data.len() * 8, 0xff), 0);
        assert_eq!(read_bits(&data, usize::MAX / 2, 0xff), 0);
    }

    #[test]
    fn level_fields_and_find() {
        // Three middle entries (word 17 bits, bo 16, prob 16, next 5) plus the final `next`.
        let words = [3u64, 70_000, 72_000];
        let mut fields = Vec::new();
        for (i, &w) in words.iter().enumerate() {
            fields.extend([
                (w, 17),
                (100 + i as u64, 16),
                (200 + i as u64, 16),
                (2 * i as u64, 5),
            ]);
        }
        fields.extend([(0, 17), (0, 32), (6, 5)]);
        let data = pack(&fields);
        let lvl = Level {
            bit_base: 0,
            total_bits: 17 + 32 + 5,
            word_bits: 17,
            word_mask: (1 << 17) - 1,
            quant_bits: 32,
            next_mask: 31,
            table: 0,
            used: 3,
        };
        for (i, &w) in words.iter().enumerate() {
            let i = i as u32;
            assert_eq!(lvl.word(&data, i) as u64, w);
            assert_eq!(lvl.bo_code(&data, i), 100 + i as usize);
            assert_eq!(lvl.prob_code(&data, i), 200 + i as usize);
            assert_eq!(
                lvl.children(&data, i),
                (2 * i, if i == 2 { 6 } else { 2 * i + 2 })
            );
            assert_eq!(lvl.find(&data, 0, 3, w as u32, 72_547), Some(i));
        }
        for missing in [0, 4, 69_999, 71_000, 72_001, 72_547] {
            assert_eq!(lvl.find(&data, 0, 3, missing, 72_547), None);
        }
        // Out-of-range keys and ranges are simply not found.
        assert_eq!(lvl.find(&data, 0, 3, 80_000, 72_547), None);
        assert_eq!(lvl.find(&data, 0, 4, 3, 72_547), None);
        assert_eq!(lvl.find(&data, 2, 1, 3, 72_547), None);
        assert_eq!(lvl.find(&data, 1, 3, 3, 72_547), None);
    }

    #[test]
    fn rejects_bad_headers() {
        let bad = |b: &[u8]| match CmuLm::parse(Bytes::from_vec(b.to_vec())) {
            Err(Error::Lm(msg)) => msg,
            other => panic!("expected an Lm error, got {other:?}"),
        };
        assert!(bad(b"").contains("truncated"));
        assert!(bad(b"Darpa Trigram LM\0\0\0\0\0\0\0\0").contains("Trie Language Model"));
        assert!(bad(b"Trie Language Model").contains("order"));
        assert!(bad(b"Trie Language Model\x00").contains("out of range"));
        assert!(bad(b"Trie Language Model\x06").contains("out of range"));
        assert!(bad(b"Trie Language Model\x03\x01\x00").contains("1-gram count"));
        assert!(bad(b"Trie Language Model\x01\x00\x00\x00\x00").contains("no words"));
        let mut huge = b"Trie Language Model\x03".to_vec();
        huge.extend([0xff; 12]);
        assert!(bad(&huge).contains("too large"));
        let mut short = b"Trie Language Model\x03".to_vec();
        short.extend([5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0]);
        assert!(bad(&short).contains("quantization tables"));
    }
}
