//! Code shared by unspin-core's tests and the fuzz targets; not part of the API.
//!
//! Compiled for this crate's own tests and with the `test-support` feature, which the fuzz
//! crate (`fuzz/`) and this crate's integration tests (through a dev-dependency on itself)
//! turn on. It holds a writer of small, valid pocketsphinx trie LMs ([`SynthLm`]), written
//! independently of the reader in [`crate::lm`] so that each checks the other, and the
//! *compact* form of such files that the `cmu_lm` fuzz corpus keeps: the file without its
//! 256 KiB quantization tables ([`strip_quant`], [`splice_quant`]), so that libFuzzer mutates
//! the interesting bytes instead of a quarter megabyte of floats.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The text a trie file starts with.
pub const LM_MAGIC: &[u8] = b"Trie Language Model";
/// Entries in one quantization table.
pub const QUANT_BINS: usize = 1 << 16;
/// log10(1.0001): multiply a value in pocketsphinx's log base 1.0001 by this to get log10.
pub const L10: f64 = 4.342_727_686_266_485e-5;

/// Quantization table `t`, entry `c`, in log base 1.0001: even tables hold probabilities, odd
/// tables backoffs (with an exact 0 at code 32768). Simple formulas, so that tests can compute
/// the value a code stands for.
pub fn qv(t: usize, c: u16) -> f32 {
    if t & 1 == 0 {
        -(c as f32) * (2.0 + t as f32) - 1.0
    } else {
        (c as f32 - 32768.0) * 2.0
    }
}

/// Number of quantization tables of an order-`order` file.
pub fn tables_for(order: usize) -> usize {
    if order >= 2 {
        2 * (order - 2) + 1
    } else {
        0
    }
}

/// Byte offset of the quantization tables in an order-`order` file (after the magic, the order,
/// the counts and the unused quantization type).
pub fn quant_at(order: usize) -> usize {
    LM_MAGIC.len() + 1 + 4 * order + 4
}

/// The bytes of the first `n` quantization tables (at most 7, as an order-5 file has).
pub fn quant_tables(n: usize) -> &'static [u8] {
    static TABLES: OnceLock<Vec<u8>> = OnceLock::new();
    let all = TABLES.get_or_init(|| {
        (0..7)
            .flat_map(|t| (0..=u16::MAX).flat_map(move |c| qv(t, c).to_le_bytes()))
            .collect()
    });
    &all[..n * QUANT_BINS * 4]
}

/// A trie file without its quantization tables (the compact form of the `cmu_lm` corpus).
pub fn strip_quant(full: &[u8]) -> Vec<u8> {
    let order = full[LM_MAGIC.len()] as usize;
    let (at, len) = (quant_at(order), tables_for(order) * QUANT_BINS * 4);
    let mut out = full[..at].to_vec();
    out.extend_from_slice(&full[at + len..]);
    out
}

/// Puts the quantization tables back into a compact trie file. Inputs too short to reach the
/// tables, or with an order byte outside 2..=5, are returned as they are (the parser must
/// reject or read them all the same).
pub fn splice_quant(compact: &[u8]) -> Vec<u8> {
    let Some(&order) = compact.get(LM_MAGIC.len()) else {
        return compact.to_vec();
    };
    let order = order as usize;
    if !(2..=5).contains(&order) || compact.len() < quant_at(order) {
        return compact.to_vec();
    }
    let at = quant_at(order);
    let mut out = Vec::with_capacity(compact.len() + tables_for(order) * QUANT_BINS * 4);
    out.extend_from_slice(&compact[..at]);
    out.extend_from_slice(quant_tables(tables_for(order)));
    out.extend_from_slice(&compact[at..]);
    out
}

fn bits_for(x: u32) -> u32 {
    32 - x.leading_zeros()
}

/// A zeroed bit-packed array of `cap + 1` entries of `total` bits, with the reader's 8 bytes of
/// padding.
struct BitWriter(Vec<u8>);

impl BitWriter {
    fn new(cap: u32, total: u32) -> BitWriter {
        BitWriter(vec![
            0u8;
            ((cap as usize + 1) * total as usize).div_ceil(8) + 8
        ])
    }

    fn put(&mut self, bit: usize, width: u32, v: u64) {
        assert!(
            width == 64 || v < 1 << width,
            "{v} does not fit {width} bits"
        );
        for b in 0..width as usize {
            if v >> b & 1 == 1 {
                self.0[(bit + b) / 8] |= 1 << ((bit + b) % 8);
            }
        }
    }
}

/// A model of order 1 to 3 to write as a pocketsphinx trie file.
#[derive(Clone, Debug, Default)]
pub struct SynthLm {
    /// 1, 2 or 3.
    pub order: usize,
    /// The vocabulary, in id order; must hold `<s>` and `</s>`.
    pub words: Vec<String>,
    /// (prob, backoff) per word, in log base 1.0001.
    pub uni: Vec<(f32, f32)>,
    /// (w, h1) for the bigram `h1 w` → (prob code, backoff code).
    pub bi: BTreeMap<(u32, u32), (u16, u16)>,
    /// (w, h1, h2) for the trigram `h2 h1 w` → prob code.
    pub tri: BTreeMap<(u32, u32, u32), u16>,
    /// Unused capacity at the end of the bigram and trigram arrays, as pocketsphinx leaves.
    pub slack: [u32; 2],
}

impl SynthLm {
    /// The full trie file.
    pub fn build(&self) -> Vec<u8> {
        let v = self.words.len() as u32;
        let (nb, nt) = (self.bi.len() as u32, self.tri.len() as u32);
        let caps = [v, nb + self.slack[0], nt + self.slack[1]];
        let mut out = LM_MAGIC.to_vec();
        out.push(self.order as u8);
        for c in &caps[..self.order] {
            out.extend(c.to_le_bytes());
        }
        if self.order >= 2 {
            out.extend(1i32.to_le_bytes());
            out.extend_from_slice(quant_tables(tables_for(self.order)));
        }
        for id in 0..=v {
            let (p, b) = self.uni.get(id as usize).copied().unwrap_or((0.0, 0.0));
            let next = if self.order >= 2 {
                self.bi.range(..(id, 0)).count() as u32
            } else {
                0
            };
            out.extend(p.to_le_bytes());
            out.extend(b.to_le_bytes());
            out.extend(next.to_le_bytes());
        }
        let wb = bits_for(v);
        if self.order == 2 {
            let total = wb + 16;
            let mut a = BitWriter::new(caps[1], total);
            for (i, (&(_, h1), &(p, _))) in self.bi.iter().enumerate() {
                a.put(i * total as usize, wb, h1 as u64);
                a.put(i * total as usize + wb as usize, 16, p as u64);
            }
            out.extend(a.0);
        }
        if self.order == 3 {
            let nbits = bits_for(caps[2]);
            let total = wb + 32 + nbits;
            let mut a = BitWriter::new(caps[1], total);
            for (i, (&(w, h1), &(p, b))) in self.bi.iter().enumerate() {
                let at = i * total as usize;
                a.put(at, wb, h1 as u64);
                a.put(at + wb as usize, 16, b as u64);
                a.put(at + wb as usize + 16, 16, p as u64);
                let next = self.tri.range(..(w, h1, 0)).count();
                a.put(at + wb as usize + 32, nbits, next as u64);
            }
            a.put(
                nb as usize * total as usize + wb as usize + 32,
                nbits,
                nt as u64,
            );
            out.extend(a.0);
            let total = wb + 16;
            let mut a = BitWriter::new(caps[2], total);
            for (i, (&(_, _, h2), &p)) in self.tri.iter().enumerate() {
                a.put(i * total as usize, wb, h2 as u64);
                a.put(i * total as usize + wb as usize, 16, p as u64);
            }
            out.extend(a.0);
        }
        let block: Vec<u8> = self
            .words
            .iter()
            .flat_map(|w| w.bytes().chain([0]))
            .collect();
        out.extend((block.len() as u32).to_le_bytes());
        out.extend(block);
        out
    }

    /// A model of order 1 to 3 trained (roughly: maximum likelihood, quantized) on lowercase
    /// sentences.
    pub fn train(order: usize, sentences: &[&str]) -> SynthLm {
        let mut words: Vec<String> = vec!["</s>".into(), "<s>".into()];
        let mut ids: HashMap<String, u32> = HashMap::new();
        ids.insert("</s>".into(), 0);
        ids.insert("<s>".into(), 1);
        let mut uni: HashMap<u32, u32> = HashMap::new();
        let mut bi: HashMap<(u32, u32), u32> = HashMap::new();
        let mut tri: HashMap<(u32, u32, u32), u32> = HashMap::new();
        let mut total = 0u32;
        for s in sentences {
            let mut seq = vec![1u32];
            for w in s.split_whitespace() {
                let next = words.len() as u32;
                let id = *ids.entry(w.to_string()).or_insert_with(|| {
                    words.push(w.to_string());
                    next
                });
                seq.push(id);
            }
            seq.push(0);
            for i in 1..seq.len() {
                total += 1;
                *uni.entry(seq[i]).or_default() += 1;
                *bi.entry((seq[i], seq[i - 1])).or_default() += 1;
                if i >= 2 {
                    *tri.entry((seq[i], seq[i - 1], seq[i - 2])).or_default() += 1;
                }
            }
        }
        let code = |lp: f64, table: usize| -> u16 {
            // qv(table, c) = -c (2 + table) - 1 in log base 1.0001.
            let raw = -lp / L10;
            (((raw - 1.0) / (2.0 + table as f64)).round()).clamp(0.0, 65_535.0) as u16
        };
        let n = words.len() as u32;
        let uni_p: Vec<(f32, f32)> = (0..n)
            .map(|id| {
                let c = uni.get(&id).copied().unwrap_or(0) as f64 + 0.5;
                let p = (c / (total as f64 + n as f64)).log10();
                ((p / L10) as f32, -2_000.0)
            })
            .collect();
        let mut s = SynthLm {
            order,
            words,
            uni: uni_p,
            slack: [2, 1],
            ..Default::default()
        };
        if order >= 2 {
            for (&(w, h1), &c) in &bi {
                let p = (c as f64 / uni.get(&h1).copied().unwrap_or(1).max(1) as f64).log10();
                s.bi.insert((w, h1), (code(p, 0), 32768 - 500));
            }
        }
        if order >= 3 {
            for (&(w, h1, h2), &c) in &tri {
                let ctx = bi.get(&(h1, h2)).copied().unwrap_or(1).max(1);
                s.tri
                    .insert((w, h1, h2), code((c as f64 / ctx as f64).log10(), 2));
            }
        }
        s
    }
}
