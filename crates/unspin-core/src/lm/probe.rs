//! A probing hash table over a [`CmuLm`]'s bigrams and trigrams, built for look-up speed.
//!
//! The pocketsphinx trie is compact, but a trigram look-up walks it: the unigram record of the
//! word, an interpolation search among that word's bigrams, then another among the bigram's
//! trigrams, each probe a likely cache miss in a bit-packed array. The decoder asks millions of
//! such questions, most of them about word sequences that are *not* in the model (candidate
//! originals in odd places), so its time goes to cache misses. This table answers "is `a b c`
//! in the model, and with which codes" in one probe sequence, usually one cache line, the way
//! KenLM's probing model does. The trie stays the source of truth: the table holds exactly the
//! trie's reachable entries and their quantization codes, and scores are computed from the same
//! tables in the same order, so a model with the table gives bit-identical scores.
//!
//! # The section (`LMPROBE`)
//!
//! Little-endian throughout:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `b"NGPROBE1"` |
//! | 4 | vocabulary size of the trie it was built from |
//! | 4 | the trie's order (2 or 3) |
//! | 4 | bigram entries |
//! | 4 | trigram entries |
//! | 8 | slot count *n* (more than the entries: at least one slot is empty) |
//! | 12 × *n* | slots: `u64` key, `u16` probability code, `u16` backoff code |
//!
//! A key packs three 20-bit word ids, `w1 << 40 | w2 << 20 | w3`, for the n-gram `w1 w2 w3`; a
//! bigram `w2 w3` has `w1 = 0xFFFFF`. An empty slot holds `u64::MAX`. A key's home slot is
//! `⌊hash(key) · n / 2⁶⁴⌋` and collisions go to the next slot (linear probing, wrapping).
//! Codes index the trie's quantization tables: bigram probability and backoff, trigram
//! probability (its backoff code is 0 and unused).

use super::cmu::CmuLm;
use super::WordId;
use crate::{Bytes, Error, Result};

/// The section's magic number; the digit is the layout version.
const MAGIC: &[u8; 8] = b"NGPROBE1";
const HEADER: usize = 32;
const SLOT: usize = 12;
const EMPTY: u64 = u64::MAX;
/// Bits per word id in a key.
const ID_BITS: u32 = 20;
const ID_MASK: u64 = (1 << ID_BITS) - 1;
/// The `w1` field of a bigram's key.
const NO_W1: u64 = ID_MASK;
/// Slots per entry: a load factor of about 0.55 keeps an unsuccessful search, the common case,
/// to about three slots, all in one or two cache lines.
const SLOTS_PER_ENTRY: f64 = 1.8;

/// Whether a vocabulary of `vocab` words fits the 20-bit key fields (with `0xFFFFF` spare).
pub(crate) fn fits(vocab: u32) -> bool {
    (vocab as u64) < ID_MASK
}

#[inline(always)]
fn key3(w1: WordId, w2: WordId, w3: WordId) -> u64 {
    (w1 as u64) << (2 * ID_BITS) | (w2 as u64) << ID_BITS | w3 as u64
}

#[inline(always)]
fn key2(w2: WordId, w3: WordId) -> u64 {
    NO_W1 << (2 * ID_BITS) | (w2 as u64) << ID_BITS | w3 as u64
}

#[inline(always)]
fn home(key: u64, slots: usize) -> usize {
    // A strong 64-bit mix (splitmix64's finalizer), then a multiply-shift to [0, slots): any
    // slot count works, not only powers of two.
    let mut h = key;
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    h ^= h >> 31;
    ((h as u128 * slots as u128) >> 64) as usize
}

/// A hint to load the cache line holding `p`; nothing on targets without one. It reads nothing
/// and cannot fault.
#[inline(always)]
fn prefetch_read(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The keys of a trigram look-up and their home slots ([`Probe::query`]).
pub(crate) struct Query {
    keys: [u64; 3],
    homes: [usize; 3],
}

/// The parsed table: its slots, read where the model lies (mapped or embedded), not copied.
#[derive(Clone)]
pub(crate) struct Probe {
    slots: Bytes,
    n: usize,
}

impl Probe {
    /// The codes stored for `key`, if the model has that n-gram.
    #[inline(always)]
    fn get(&self, key: u64) -> Option<(u16, u16)> {
        self.get_at(key, home(key, self.n))
    }

    /// [`get`](Self::get) with the key's home slot already computed.
    #[inline(always)]
    fn get_at(&self, key: u64, home: usize) -> Option<(u16, u16)> {
        let d: &[u8] = &self.slots;
        let mut i = home;
        // Bounded by the slot count, so a corrupt table without an empty slot still stops.
        for _ in 0..self.n {
            let s = &d[i * SLOT..i * SLOT + SLOT];
            let k = u64::from_le_bytes(s[..8].try_into().unwrap());
            if k == key {
                return Some((
                    u16::from_le_bytes([s[8], s[9]]),
                    u16::from_le_bytes([s[10], s[11]]),
                ));
            }
            if k == EMPTY {
                return None;
            }
            i += 1;
            if i == self.n {
                i = 0;
            }
        }
        None
    }

    /// Asks the CPU to start loading the home slots of the n-grams a trigram look-up may need,
    /// `w1 w2 w3`, `w1 w2` and `w2 w3`. The table is far larger than the caches, so each probe
    /// is a trip to memory; started together, the three trips overlap instead of following one
    /// another.
    #[inline(always)]
    pub(crate) fn prefetch(&self, w1: WordId, w2: WordId, w3: WordId) {
        self.query(w1, w2, w3);
    }

    /// The keys and home slots of `w1 w2 w3`, `w1 w2` and `w2 w3`, with their loads started
    /// ([`prefetch`](Self::prefetch)): a trigram look-up hashes each key once.
    #[inline(always)]
    pub(crate) fn query(&self, w1: WordId, w2: WordId, w3: WordId) -> Query {
        let slots: &[u8] = &self.slots;
        let keys = [key3(w1, w2, w3), key2(w1, w2), key2(w2, w3)];
        let homes = keys.map(|k| home(k, self.n));
        for h in homes {
            prefetch_read(slots[h * SLOT..].as_ptr());
        }
        Query { keys, homes }
    }

    /// Probability code of the trigram of `q`.
    #[inline(always)]
    pub(crate) fn q_trigram(&self, q: &Query) -> Option<u16> {
        self.get_at(q.keys[0], q.homes[0]).map(|(p, _)| p)
    }

    /// Codes of the context bigram `w1 w2` of `q`.
    #[inline(always)]
    pub(crate) fn q_context(&self, q: &Query) -> Option<(u16, u16)> {
        self.get_at(q.keys[1], q.homes[1])
    }

    /// Codes of the bigram `w2 w3` of `q`.
    #[inline(always)]
    pub(crate) fn q_bigram(&self, q: &Query) -> Option<(u16, u16)> {
        self.get_at(q.keys[2], q.homes[2])
    }

    /// Codes of the bigram `w2 w3`.
    #[inline(always)]
    pub(crate) fn bigram(&self, w2: WordId, w3: WordId) -> Option<(u16, u16)> {
        self.get(key2(w2, w3))
    }

    /// Checks a section against the trie it must mirror and returns the table.
    pub(crate) fn parse(bytes: Bytes, lm: &CmuLm) -> Result<Probe> {
        let err = |m: String| Error::Corrupt(format!("LMPROBE section: {m}"));
        let d: &[u8] = &bytes;
        if d.len() < HEADER || &d[..8] != MAGIC {
            return Err(err("not an n-gram probe table of a known version".into()));
        }
        let u32_at = |at: usize| u32::from_le_bytes(d[at..at + 4].try_into().unwrap());
        let (vocab, order, bigrams, trigrams) = (u32_at(8), u32_at(12), u32_at(16), u32_at(20));
        let n = u64::from_le_bytes(d[24..32].try_into().unwrap());
        let counts = lm.ngram_counts();
        let want_tri = counts.get(2).copied().unwrap_or(0);
        if vocab as usize != lm.vocab_size()
            || order as usize != lm.order()
            || !(2..=3).contains(&order)
            || !fits(vocab)
            || bigrams != counts[1]
            || trigrams != want_tri
        {
            return Err(err(format!(
                "built for a model of {vocab} words, order {order}, {bigrams} bigrams and \
                 {trigrams} trigrams, not this one ({} words, order {}, {:?})",
                lm.vocab_size(),
                lm.order(),
                counts
            )));
        }
        let entries = bigrams as u64 + trigrams as u64;
        if n <= entries || (d.len() - HEADER) as u64 != n.saturating_mul(SLOT as u64) {
            return Err(err(format!(
                "{n} slots for {entries} entries in {} bytes",
                d.len() - HEADER
            )));
        }
        Ok(Probe {
            slots: bytes.slice(HEADER..d.len()),
            n: n as usize,
        })
    }

    /// Builds the section for `lm`: every bigram and trigram reachable in its trie. `None` when
    /// the model's order is not 2 or 3 or its vocabulary does not fit the key.
    pub(crate) fn build(lm: &CmuLm) -> Option<Vec<u8>> {
        let order = lm.order();
        if !(2..=3).contains(&order) || !fits(lm.vocab_size() as u32) {
            return None;
        }
        let mut entries: Vec<(u64, u16, u16)> = Vec::new();
        lm.for_each_ngram(|w3, w2, w1, prob, bo| {
            let key = match w1 {
                Some(w1) => key3(w1, w2, w3),
                None => key2(w2, w3),
            };
            entries.push((key, prob, bo));
        });
        let counts = lm.ngram_counts();
        let n = ((entries.len() as f64 * SLOTS_PER_ENTRY) as usize).max(entries.len() + 1);
        let mut out = vec![0u8; HEADER + n * SLOT];
        out[..8].copy_from_slice(MAGIC);
        out[8..12].copy_from_slice(&(lm.vocab_size() as u32).to_le_bytes());
        out[12..16].copy_from_slice(&(order as u32).to_le_bytes());
        out[16..20].copy_from_slice(&counts[1].to_le_bytes());
        out[20..24].copy_from_slice(&counts.get(2).copied().unwrap_or(0).to_le_bytes());
        out[24..32].copy_from_slice(&(n as u64).to_le_bytes());
        let slots = &mut out[HEADER..];
        for s in slots.chunks_exact_mut(SLOT) {
            s[..8].copy_from_slice(&EMPTY.to_le_bytes());
        }
        for (key, prob, bo) in entries {
            let mut i = home(key, n);
            loop {
                let s = &mut slots[i * SLOT..i * SLOT + SLOT];
                let k = u64::from_le_bytes(s[..8].try_into().unwrap());
                if k == EMPTY {
                    s[..8].copy_from_slice(&key.to_le_bytes());
                    s[8..10].copy_from_slice(&prob.to_le_bytes());
                    s[10..12].copy_from_slice(&bo.to_le_bytes());
                    break;
                }
                if k == key {
                    // A trie never holds one n-gram twice; if a corrupt one did, its search
                    // would find one of them: keep the first, as the trie's order does.
                    break;
                }
                i = if i + 1 == n { 0 } else { i + 1 };
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_bigrams_and_trigrams_never_collide() {
        assert_ne!(key2(1, 2), key3(0, 1, 2));
        assert_ne!(key2(0, 0), EMPTY);
        assert_ne!(
            key3(ID_MASK as u32 - 1, ID_MASK as u32 - 1, ID_MASK as u32 - 1),
            EMPTY
        );
        assert!(fits(1_000_000));
        assert!(!fits(ID_MASK as u32));
    }

    #[test]
    fn home_slots_are_in_range_and_spread() {
        let n = 1000;
        let mut seen = vec![0u32; n];
        for w in 0..10_000u32 {
            let h = home(key2(w, w + 1), n);
            assert!(h < n);
            seen[h] += 1;
        }
        assert!(seen.iter().all(|&c| c < 40), "{:?}", seen.iter().max());
    }
}
