//! The on-disk index: a versioned, checksummed file of sections, memory-mapped and read in place.
//!
//! ```text
//! offset  size  field
//!      0     8  magic b"UNSPINIX"
//!      8     4  format version (u32 LE)
//!     12     4  method (0 unspin, 1 plain)
//!     16     4  shingle size
//!     20     4  LSH bands
//!     24     4  LSH rows per band
//!     28     4  canonicalization version
//!     32     8  model fingerprint (0 for the plain method)
//!     40     8  number of documents
//!     48     8  total file length
//!     56     4  number of sections
//!     60     4  zero
//!     64     8  xxh3-64 of bytes [0, 64) and [72, total length)
//!     72  24*n  section table: tag [u8; 8], offset u64, length u64
//!      …        section payloads, each on an 8-byte boundary
//! ```
//!
//! Sections: document ids (`DOCIDOFF`, `DOCIDSTR`); each document's stored tokens as vocabulary
//! ids (`DOCTOKOF`, `DOCTOKS`); the vocabulary (`VOCABOFF`, `VOCABSTR`, and `VOCABMET`: word
//! hash u64 + canonical entry u32 per word); the canonical table of the model's lexicon
//! (`CANONTBL`, so a query is canonicalized exactly as the index was); and the LSH tables
//! (`BANDOFF`, `BANDS`: per band, `(key u32, doc u32)` pairs sorted by key).
//!
//! Adding documents rewrites the file (to a temporary name, then renamed into place), so a
//! reader never sees a half-written index and lookups stay binary searches over sorted arrays.
//!
//! ```
//! use unspin_trace::index::{Builder, Index, Settings};
//! use unspin_trace::input::Doc;
//! let model = unspin_core::fixture::tiny_model();
//! let path = std::env::temp_dir().join(format!("unspin-index-doc-{}.idx", std::process::id()));
//! let mut b = Builder::new(Settings::default(), model.lexicon(), model.metadata());
//! b.add(vec![Doc { id: "d1".into(), text: "The stock market fell sharply on Monday.".into() }], 1);
//! b.write(&path).unwrap();
//! let idx = Index::open(&path).unwrap();
//! idx.check_model(model.lexicon(), model.metadata()).unwrap();
//! assert_eq!(idx.len(), 1);
//! assert_eq!(idx.doc_id(0), "d1");
//! # std::fs::remove_file(&path).unwrap();
//! ```

use crate::canon::{canon_table, Canonizer, Method, Tok, CANON_VERSION, STOP_BIT};
use crate::input::Doc;
use crate::lsh::{band_keys, Lsh};
use crate::Error;
use std::collections::HashMap;
use std::path::Path;
use unspin_core::lexicon::Lexicon;
use unspin_core::tokenize::normalize_word;
use unspin_core::Bytes;

/// The magic number at the start of every index file.
pub const MAGIC: [u8; 8] = *b"UNSPINIX";
/// The index format version this build reads and writes.
pub const VERSION: u32 = 1;
const HEADER: usize = 72;
const ENTRY: usize = 24;

const T_DOCIDOFF: [u8; 8] = *b"DOCIDOFF";
const T_DOCIDSTR: [u8; 8] = *b"DOCIDSTR";
const T_DOCTOKOF: [u8; 8] = *b"DOCTOKOF";
const T_DOCTOKS: [u8; 8] = *b"DOCTOKS\0";
const T_VOCABOFF: [u8; 8] = *b"VOCABOFF";
const T_VOCABSTR: [u8; 8] = *b"VOCABSTR";
const T_VOCABMET: [u8; 8] = *b"VOCABMET";
const T_CANONTBL: [u8; 8] = *b"CANONTBL";
const T_BANDOFF: [u8; 8] = *b"BANDOFF\0";
const T_BANDS: [u8; 8] = *b"BANDS\0\0\0";
const T_RARE: [u8; 8] = *b"RAREKEYS";
/// How many of a document's rarest content words go into the rare-word table.
pub const RARE_PER_DOC: usize = 12;
const VOCAB_META: usize = 12;

/// How an index tokenizes and hashes: fixed when it is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Canonical tokens or plain words.
    pub method: Method,
    /// Shingle and band settings.
    pub lsh: Lsh,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            method: Method::Unspin,
            lsh: Lsh::default(),
        }
    }
}

/// A fingerprint of the model's lexicon, which decides every canonical id: an index built with
/// one model cannot be searched with another. Hashes the metadata, the sizes and a sample of
/// phrases with their candidates, so it costs microseconds, not a pass over the lexicon.
pub fn model_fingerprint(lex: &Lexicon, metadata: &str) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(metadata.as_bytes());
    h.update(&(lex.len() as u64).to_le_bytes());
    h.update(&(lex.candidate_count() as u64).to_le_bytes());
    h.update(&CANON_VERSION.to_le_bytes());
    let n = lex.len();
    let step = (n / 1024).max(1);
    for id in (0..n).step_by(step) {
        let id = id as u32;
        h.update(lex.phrase(id).as_bytes());
        h.update(&lex.freq(id).to_le_bytes());
        for c in lex.candidates(id) {
            h.update(&c.original.to_le_bytes());
            h.update(&c.prior.to_le_bytes());
        }
    }
    h.digest().max(1)
}

#[inline]
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
}

#[inline]
fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().unwrap())
}

/// A memory-mapped index, validated when opened.
pub struct Index {
    bytes: Bytes,
    path: String,
    settings: Settings,
    model_fp: u64,
    n: usize,
    vocab: usize,
    sec: Sections,
}

#[derive(Default)]
struct Sections {
    docid_off: (usize, usize),
    docid_str: (usize, usize),
    doctok_off: (usize, usize),
    doctoks: (usize, usize),
    vocab_off: (usize, usize),
    vocab_str: (usize, usize),
    vocab_meta: (usize, usize),
    canon: (usize, usize),
    band_off: (usize, usize),
    bands: (usize, usize),
    rare: (usize, usize),
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("path", &self.path)
            .field("docs", &self.n)
            .field("settings", &self.settings)
            .finish()
    }
}

impl Index {
    /// Maps and validates an index file: magic, version, length, checksum and every section's
    /// bounds and internal consistency, so later reads need no checks and cannot panic.
    pub fn open(path: &Path) -> Result<Index, Error> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let bytes = Bytes::map_file(&f).map_err(|e| Error::io(path, e))?;
        Index::from_bytes(bytes, &path.display().to_string())
    }

    /// Validates an index held in memory; `name` is used in errors.
    pub fn from_bytes(bytes: Bytes, name: &str) -> Result<Index, Error> {
        let corrupt = |what: String| Error::Corrupt {
            path: name.to_string(),
            what,
        };
        let b: &[u8] = &bytes;
        if b.len() < 8 || b[..8] != MAGIC {
            return Err(Error::NotAnIndex {
                path: name.to_string(),
            });
        }
        if b.len() < HEADER {
            return Err(corrupt(format!(
                "truncated: {} bytes, shorter than the {HEADER}-byte header",
                b.len()
            )));
        }
        let version = u32_at(b, 8);
        if version != VERSION {
            return Err(Error::Version {
                path: name.to_string(),
                found: version,
                needed: VERSION,
            });
        }
        let total = u64_at(b, 48);
        if total != b.len() as u64 {
            return Err(corrupt(format!(
                "the header says {total} bytes but the file has {}: truncated or padded",
                b.len()
            )));
        }
        let stored = u64_at(b, 64);
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&b[..64]);
        h.update(&b[HEADER..]);
        let computed = h.digest();
        if stored != computed {
            return Err(corrupt(format!(
                "checksum mismatch (stored {stored:016x}, computed {computed:016x}): the file is damaged"
            )));
        }
        let method = Method::from_code(u32_at(b, 12))
            .ok_or_else(|| corrupt(format!("unknown method code {}", u32_at(b, 12))))?;
        let lsh = Lsh {
            shingle: u32_at(b, 16),
            bands: u32_at(b, 20),
            rows: u32_at(b, 24),
        };
        if !(1..=16).contains(&lsh.shingle)
            || !(1..=1024).contains(&lsh.bands)
            || !(1..=64).contains(&lsh.rows)
        {
            return Err(corrupt(format!("implausible LSH settings {lsh:?}")));
        }
        let canon_version = u32_at(b, 28);
        if canon_version != CANON_VERSION {
            return Err(Error::Incompatible {
                path: name.to_string(),
                what: format!(
                    "its tokens were canonicalized by rules version {canon_version}, this build uses version {CANON_VERSION}; rebuild it with `unspin index build`"
                ),
            });
        }
        let model_fp = u64_at(b, 32);
        let n = usize::try_from(u64_at(b, 40)).map_err(|_| corrupt("document count".into()))?;
        let count = u32_at(b, 56) as usize;
        let table_end = count
            .checked_mul(ENTRY)
            .and_then(|x| x.checked_add(HEADER))
            .filter(|&x| x <= b.len())
            .ok_or_else(|| corrupt("section table out of bounds".into()))?;
        let mut found: HashMap<[u8; 8], (usize, usize)> = HashMap::new();
        for e in (HEADER..table_end).step_by(ENTRY) {
            let tag: [u8; 8] = b[e..e + 8].try_into().unwrap();
            let (off, len) = (u64_at(b, e + 8), u64_at(b, e + 16));
            let end = off.checked_add(len).filter(|&x| x <= b.len() as u64);
            if end.is_none() || off < table_end as u64 {
                return Err(corrupt(format!("section {} out of bounds", tag_name(tag))));
            }
            found.insert(tag, (off as usize, len as usize));
        }
        let get = |tag: [u8; 8]| {
            found
                .get(&tag)
                .copied()
                .ok_or_else(|| corrupt(format!("section {} is missing", tag_name(tag))))
        };
        let sec = Sections {
            docid_off: get(T_DOCIDOFF)?,
            docid_str: get(T_DOCIDSTR)?,
            doctok_off: get(T_DOCTOKOF)?,
            doctoks: get(T_DOCTOKS)?,
            vocab_off: get(T_VOCABOFF)?,
            vocab_str: get(T_VOCABSTR)?,
            vocab_meta: get(T_VOCABMET)?,
            canon: get(T_CANONTBL)?,
            band_off: get(T_BANDOFF)?,
            bands: get(T_BANDS)?,
            rare: get(T_RARE)?,
        };
        let vocab = sec.vocab_meta.1 / VOCAB_META;
        let idx = Index {
            bytes: bytes.clone(),
            path: name.to_string(),
            settings: Settings { method, lsh },
            model_fp,
            n,
            vocab,
            sec,
        };
        idx.validate().map_err(corrupt)?;
        Ok(idx)
    }

    /// Checks that every offset table is monotone and in bounds, every id in range and every
    /// string UTF-8, so the accessors can index without failing.
    fn validate(&self) -> Result<(), String> {
        let s = &self.sec;
        let n = self.n;
        let monotone = |sec: (usize, usize), count: usize, limit: usize, what: &str| {
            if count.checked_add(1).and_then(|c| c.checked_mul(8)) != Some(sec.1) {
                return Err(format!("{what}: {} bytes for {count} entries", sec.1));
            }
            let b = &self.bytes[sec.0..sec.0 + sec.1];
            let mut prev = 0u64;
            for i in 0..=count {
                let o = u64_at(b, 8 * i);
                if o < prev || o > limit as u64 || (i == 0 && o != 0) {
                    return Err(format!("{what}: offsets out of order or out of bounds"));
                }
                prev = o;
            }
            if prev != limit as u64 {
                return Err(format!("{what}: offsets do not cover the data"));
            }
            Ok(())
        };
        monotone(s.docid_off, n, s.docid_str.1, "document ids")?;
        if s.doctoks.1 % 4 != 0 || s.vocab_meta.1 % VOCAB_META != 0 || s.canon.1 % 4 != 0 {
            return Err("a fixed-width section has a ragged length".into());
        }
        monotone(s.doctok_off, n, s.doctoks.1 / 4, "document tokens")?;
        monotone(s.vocab_off, self.vocab, s.vocab_str.1, "vocabulary")?;
        let bands = self.settings.lsh.bands as usize;
        if s.bands.1 % 8 != 0 {
            return Err("LSH tables have a ragged length".into());
        }
        monotone(s.band_off, bands, s.bands.1 / 8, "LSH tables")?;
        let toks = &self.bytes[s.doctoks.0..s.doctoks.0 + s.doctoks.1];
        if toks
            .chunks_exact(4)
            .any(|c| u32::from_le_bytes(c.try_into().unwrap()) as usize >= self.vocab)
        {
            return Err("a token's vocabulary id is out of range".into());
        }
        for b in 0..bands {
            if !sorted_pairs_ok(self.band(b), n) {
                return Err(format!(
                    "LSH table {b} is unsorted or names a missing document"
                ));
            }
        }
        if s.rare.1 % 8 != 0 {
            return Err("the rare-word table has a ragged length".into());
        }
        if !sorted_pairs_ok(self.sec(s.rare), n) {
            return Err("the rare-word table is unsorted or names a missing document".into());
        }
        for (off, strs, count, what) in [
            (s.docid_off, s.docid_str, n, "document ids"),
            (s.vocab_off, s.vocab_str, self.vocab, "vocabulary"),
        ] {
            let all = &self.bytes[strs.0..strs.0 + strs.1];
            let Ok(text) = std::str::from_utf8(all) else {
                return Err(format!("{what} are not UTF-8"));
            };
            let offs = &self.bytes[off.0..off.0 + off.1];
            if (0..=count).any(|i| !text.is_char_boundary(u64_at(offs, 8 * i) as usize)) {
                return Err(format!("{what}: a boundary splits a character"));
            }
        }
        if self.settings.method == Method::Plain && self.model_fp != 0 {
            return Err("a plain index with a model fingerprint".into());
        }
        Ok(())
    }

    /// Checks that this index was built with the model whose lexicon is `lex` (plain indexes
    /// do not depend on the model).
    pub fn check_model(&self, lex: &Lexicon, metadata: &str) -> Result<(), Error> {
        if self.settings.method == Method::Plain {
            return Ok(());
        }
        let fp = model_fingerprint(lex, metadata);
        if fp != self.model_fp || self.sec.canon.1 != 4 * lex.len() {
            return Err(Error::ModelMismatch {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// The file name the index was opened from.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the index has no documents.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The index's settings.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Size of the file in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// Number of distinct words.
    pub fn vocab_len(&self) -> usize {
        self.vocab
    }

    /// Number of stored tokens.
    pub fn token_count(&self) -> usize {
        self.sec.doctoks.1 / 4
    }

    fn sec(&self, s: (usize, usize)) -> &[u8] {
        &self.bytes[s.0..s.0 + s.1]
    }

    /// The id of document `d`.
    pub fn doc_id(&self, d: usize) -> &str {
        let offs = self.sec(self.sec.docid_off);
        let (a, b) = (
            u64_at(offs, 8 * d) as usize,
            u64_at(offs, 8 * d + 8) as usize,
        );
        // `validate` checked UTF-8 and boundaries.
        std::str::from_utf8(&self.sec(self.sec.docid_str)[a..b]).unwrap_or("")
    }

    /// The vocabulary ids of document `d`'s stored tokens (content words for the unspin
    /// method, every word for the plain one).
    pub fn doc_tokens(&self, d: usize) -> impl ExactSizeIterator<Item = u32> + '_ {
        let offs = self.sec(self.sec.doctok_off);
        let (a, b) = (
            u64_at(offs, 8 * d) as usize,
            u64_at(offs, 8 * d + 8) as usize,
        );
        self.sec(self.sec.doctoks)[4 * a..4 * b]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
    }

    /// Vocabulary word `v` (lowercase).
    pub fn word(&self, v: u32) -> &str {
        let offs = self.sec(self.sec.vocab_off);
        let v = v as usize;
        let (a, b) = (
            u64_at(offs, 8 * v) as usize,
            u64_at(offs, 8 * v + 8) as usize,
        );
        std::str::from_utf8(&self.sec(self.sec.vocab_str)[a..b]).unwrap_or("")
    }

    /// Vocabulary word `v`'s hash and canonical entry (with [`STOP_BIT`]).
    pub fn word_meta(&self, v: u32) -> (u64, u32) {
        let m = self.sec(self.sec.vocab_meta);
        let i = VOCAB_META * v as usize;
        (u64_at(m, i), u32_at(m, i + 8))
    }

    /// The canonical table the index was built with (little-endian u32 per lexicon phrase).
    pub fn canon_table(&self) -> &[u8] {
        self.sec(self.sec.canon)
    }

    fn band(&self, b: usize) -> &[u8] {
        let offs = self.sec(self.sec.band_off);
        let (x, y) = (
            u64_at(offs, 8 * b) as usize,
            u64_at(offs, 8 * b + 8) as usize,
        );
        &self.sec(self.sec.bands)[8 * x..8 * y]
    }

    /// Calls `f` with every document whose key in band `b` is `key`, unless there are more
    /// than `cap` of them. Returns how many there are.
    ///
    /// A band whose minima come from a shingle nearly every document has ("of the") puts most
    /// of the collection in one bucket; such a bucket says nothing about a source and would
    /// cost a query milliseconds, so it is skipped.
    pub fn band_lookup(&self, b: usize, key: u32, cap: usize, f: impl FnMut(u32)) -> usize {
        pairs_lookup(self.band(b), key, cap, f)
    }

    /// Calls `f` with every document that has canonical id `canon` among its rarest words,
    /// unless there are more than `cap` of them. Returns how many there are.
    pub fn rare_lookup(&self, canon: u32, cap: usize, f: impl FnMut(u32)) -> usize {
        pairs_lookup(self.sec(self.sec.rare), canon, cap, f)
    }
}

/// Whether `t` holds `(key u32, doc u32)` pairs sorted by key, with every doc below `n`.
fn sorted_pairs_ok(t: &[u8], n: usize) -> bool {
    let mut prev = 0u32;
    for (k, e) in t.chunks_exact(8).enumerate() {
        let (key, doc) = (u32_at(e, 0), u32_at(e, 4));
        if doc as usize >= n || (k > 0 && key < prev) {
            return false;
        }
        prev = key;
    }
    true
}

/// Calls `f` with the doc of every pair of `t` (sorted `(key, doc)` pairs) whose key is `key`,
/// unless there are more than `cap`. Returns how many there are.
fn pairs_lookup(t: &[u8], key: u32, cap: usize, mut f: impl FnMut(u32)) -> usize {
    let len = t.len() / 8;
    // First entry with a key >= `bound`.
    let first = |bound: u64| {
        let (mut lo, mut hi) = (0usize, len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if (u32_at(t, 8 * mid) as u64) < bound {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let (lo, hi) = (first(key as u64), first(key as u64 + 1));
    if hi - lo <= cap {
        for i in lo..hi {
            f(u32_at(t, 8 * i + 4));
        }
    }
    hi - lo
}

fn tag_name(tag: [u8; 8]) -> String {
    String::from_utf8_lossy(&tag)
        .trim_end_matches('\0')
        .to_string()
}

/// One document as a worker thread prepared it.
struct Prepared {
    id: String,
    text: String,
    toks: Vec<Tok>,
    keys: Vec<u32>,
    rare: Vec<u32>,
}

/// Builds an index in memory, from nothing or from an existing index, and writes it.
pub struct Builder<'m> {
    settings: Settings,
    lex: Option<&'m Lexicon>,
    model_fp: u64,
    table: Vec<u8>,
    vocab: HashMap<u64, u32>,
    vocab_off: Vec<u64>,
    vocab_str: Vec<u8>,
    vocab_meta: Vec<u8>,
    docid_off: Vec<u64>,
    docid_str: Vec<u8>,
    tok_off: Vec<u64>,
    toks: Vec<u32>,
    bands: Vec<Vec<(u32, u32)>>,
    rare: Vec<(u32, u32)>,
}

/// The canonical ids of a text's rarest content words (at most `k`, rarest first): words the
/// lexicon lacks (names, numbers) before rare words before common ones. Spinners' thesauri have
/// few entries for such words, so they survive spinning and point at the source.
///
/// ```
/// use unspin_trace::canon::{Canonizer, Method};
/// let model = unspin_core::fixture::tiny_model();
/// let table: Vec<u8> = unspin_trace::canon::canon_table(model.lexicon()).iter().flat_map(|x| x.to_le_bytes()).collect();
/// let mut c = Canonizer::new(Method::Unspin, Some(model.lexicon()), &table);
/// let toks = c.tokens("The stock market fell on Monday in Zanzibar.");
/// let rare = unspin_trace::index::rare_keys(&toks, 1);
/// assert_eq!(rare, [c.canon("zanzibar")]);
/// ```
pub fn rare_keys(toks: &[Tok], k: usize) -> Vec<u32> {
    let mut v: Vec<(f32, u32)> = toks
        .iter()
        .filter(|t| !t.stop)
        .map(|t| (t.freq, t.canon))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<u32> = Vec::with_capacity(k);
    for (_, c) in v {
        if out.len() == k {
            break;
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

impl<'m> Builder<'m> {
    /// An empty index with these settings, for the model with lexicon `lex` and metadata
    /// `metadata` (ignored by the plain method).
    pub fn new(settings: Settings, lex: &'m Lexicon, metadata: &str) -> Builder<'m> {
        let unspin = settings.method == Method::Unspin;
        let table = if unspin {
            canon_table(lex)
                .iter()
                .flat_map(|x| x.to_le_bytes())
                .collect()
        } else {
            Vec::new()
        };
        Builder {
            settings,
            lex: unspin.then_some(lex),
            model_fp: if unspin {
                model_fingerprint(lex, metadata)
            } else {
                0
            },
            table,
            vocab: HashMap::new(),
            vocab_off: vec![0],
            vocab_str: Vec::new(),
            vocab_meta: Vec::new(),
            docid_off: vec![0],
            docid_str: Vec::new(),
            tok_off: vec![0],
            toks: Vec::new(),
            bands: vec![Vec::new(); settings.lsh.bands as usize],
            rare: Vec::new(),
        }
    }

    /// A builder holding everything in `idx`, to add documents to it. The caller has checked
    /// that `idx` was built with this model ([`Index::check_model`]).
    pub fn from_index(idx: &Index, lex: &'m Lexicon) -> Builder<'m> {
        let s = idx.settings();
        let mut b = Builder {
            settings: s,
            lex: (s.method == Method::Unspin).then_some(lex),
            model_fp: idx.model_fp,
            table: idx.canon_table().to_vec(),
            vocab: HashMap::with_capacity(idx.vocab_len()),
            vocab_off: idx
                .sec(idx.sec.vocab_off)
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            vocab_str: idx.sec(idx.sec.vocab_str).to_vec(),
            vocab_meta: idx.sec(idx.sec.vocab_meta).to_vec(),
            docid_off: idx
                .sec(idx.sec.docid_off)
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            docid_str: idx.sec(idx.sec.docid_str).to_vec(),
            tok_off: idx
                .sec(idx.sec.doctok_off)
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            toks: idx
                .sec(idx.sec.doctoks)
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            bands: Vec::with_capacity(s.lsh.bands as usize),
            rare: idx
                .sec(idx.sec.rare)
                .chunks_exact(8)
                .map(|e| (u32_at(e, 0), u32_at(e, 4)))
                .collect(),
        };
        for v in 0..idx.vocab_len() as u32 {
            b.vocab.insert(idx.word_meta(v).0, v);
        }
        for band in 0..s.lsh.bands as usize {
            b.bands.push(
                idx.band(band)
                    .chunks_exact(8)
                    .map(|e| (u32_at(e, 0), u32_at(e, 4)))
                    .collect(),
            );
        }
        b
    }

    /// Number of documents so far.
    pub fn len(&self) -> usize {
        self.docid_off.len() - 1
    }

    /// Whether there are no documents yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds documents, canonicalizing and hashing them on `threads` threads.
    pub fn add(&mut self, docs: Vec<Doc>, threads: usize) {
        let threads = threads.clamp(1, 64).min(docs.len().max(1));
        let chunk = docs.len().div_ceil(threads).max(1);
        let (settings, lex, table) = (self.settings, self.lex, &self.table[..]);
        let prepare = move |docs: Vec<Doc>| -> Vec<Prepared> {
            let mut c = Canonizer::new(settings.method, lex, table);
            docs.into_iter()
                .map(|d| {
                    let all = c.tokens(&d.text);
                    let ids: Vec<u32> = all.iter().map(|t| t.canon).collect();
                    let keys = band_keys(&settings.lsh, &ids);
                    // The plain baseline is MinHash alone.
                    let rare = if settings.method == Method::Unspin {
                        rare_keys(&all, RARE_PER_DOC)
                    } else {
                        Vec::new()
                    };
                    let toks = all.into_iter().filter(|t| !t.stop).collect();
                    Prepared {
                        id: d.id,
                        text: d.text,
                        toks,
                        keys,
                        rare,
                    }
                })
                .collect()
        };
        let mut parts: Vec<Vec<Doc>> = Vec::new();
        let mut it = docs.into_iter();
        loop {
            let part: Vec<Doc> = it.by_ref().take(chunk).collect();
            if part.is_empty() {
                break;
            }
            parts.push(part);
        }
        let prepared: Vec<Vec<Prepared>> = if parts.len() <= 1 {
            parts.into_iter().map(prepare).collect()
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = parts
                    .into_iter()
                    .map(|p| s.spawn(move || prepare(p)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("an index worker panicked"))
                    .collect()
            })
        };
        let mut norm = String::new();
        for p in prepared.into_iter().flatten() {
            let d = self.len() as u32;
            self.docid_str.extend_from_slice(p.id.as_bytes());
            self.docid_off.push(self.docid_str.len() as u64);
            for t in &p.toks {
                let v = match self.vocab.get(&t.word) {
                    Some(&v) => v,
                    None => {
                        let v = (self.vocab_off.len() - 1) as u32;
                        normalize_word(&p.text[t.start as usize..t.end as usize], &mut norm);
                        self.vocab_str.extend_from_slice(norm.as_bytes());
                        self.vocab_off.push(self.vocab_str.len() as u64);
                        self.vocab_meta.extend_from_slice(&t.word.to_le_bytes());
                        let entry = t.canon | if t.stop { STOP_BIT } else { 0 };
                        self.vocab_meta.extend_from_slice(&entry.to_le_bytes());
                        self.vocab.insert(t.word, v);
                        v
                    }
                };
                self.toks.push(v);
            }
            self.tok_off.push(self.toks.len() as u64);
            for (b, &k) in p.keys.iter().enumerate() {
                self.bands[b].push((k, d));
            }
            self.rare.extend(p.rare.iter().map(|&c| (c, d)));
        }
    }

    /// Serializes the index and writes it to `path` atomically (a temporary file in the same
    /// folder, renamed into place). Returns the file size.
    pub fn write(mut self, path: &Path) -> Result<u64, Error> {
        let mut band_off = vec![0u64];
        let mut bands = Vec::new();
        for t in &mut self.bands {
            t.sort_unstable();
            for &(k, d) in t.iter() {
                bands.extend_from_slice(&k.to_le_bytes());
                bands.extend_from_slice(&d.to_le_bytes());
            }
            band_off.push((bands.len() / 8) as u64);
        }
        self.rare.sort_unstable();
        let rare: Vec<u8> = self
            .rare
            .iter()
            .flat_map(|&(k, d)| k.to_le_bytes().into_iter().chain(d.to_le_bytes()))
            .collect();
        let u64s = |v: &[u64]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
        let sections: Vec<([u8; 8], Vec<u8>)> = vec![
            (T_DOCIDOFF, u64s(&self.docid_off)),
            (T_DOCIDSTR, std::mem::take(&mut self.docid_str)),
            (T_DOCTOKOF, u64s(&self.tok_off)),
            (
                T_DOCTOKS,
                self.toks.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            (T_VOCABOFF, u64s(&self.vocab_off)),
            (T_VOCABSTR, std::mem::take(&mut self.vocab_str)),
            (T_VOCABMET, std::mem::take(&mut self.vocab_meta)),
            (T_CANONTBL, std::mem::take(&mut self.table)),
            (T_BANDOFF, u64s(&band_off)),
            (T_BANDS, bands),
            (T_RARE, rare),
        ];
        let s = self.settings;
        let bytes = serialize(
            &sections,
            [
                s.method.code(),
                s.lsh.shingle,
                s.lsh.bands,
                s.lsh.rows,
                CANON_VERSION,
            ],
            self.model_fp,
            self.len() as u64,
        );
        write_atomic(path, &bytes)?;
        Ok(bytes.len() as u64)
    }
}

/// Lays out the header, the section table and the payloads, and fills in the checksum.
fn serialize(sections: &[([u8; 8], Vec<u8>)], fields: [u32; 5], model_fp: u64, n: u64) -> Vec<u8> {
    let table_end = HEADER + ENTRY * sections.len();
    let mut out = vec![0u8; table_end];
    let mut entries = Vec::with_capacity(sections.len());
    for (tag, payload) in sections {
        while out.len() % 8 != 0 {
            out.push(0);
        }
        entries.push((*tag, out.len() as u64, payload.len() as u64));
        out.extend_from_slice(payload);
    }
    out[..8].copy_from_slice(&MAGIC);
    out[8..12].copy_from_slice(&VERSION.to_le_bytes());
    for (i, f) in fields.iter().enumerate() {
        out[12 + 4 * i..16 + 4 * i].copy_from_slice(&f.to_le_bytes());
    }
    out[32..40].copy_from_slice(&model_fp.to_le_bytes());
    out[40..48].copy_from_slice(&n.to_le_bytes());
    let total = out.len() as u64;
    out[48..56].copy_from_slice(&total.to_le_bytes());
    out[56..60].copy_from_slice(&(sections.len() as u32).to_le_bytes());
    for (i, (tag, off, len)) in entries.iter().enumerate() {
        let e = HEADER + i * ENTRY;
        out[e..e + 8].copy_from_slice(tag);
        out[e + 8..e + 16].copy_from_slice(&off.to_le_bytes());
        out[e + 16..e + 24].copy_from_slice(&len.to_le_bytes());
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&out[..64]);
    h.update(&out[HEADER..]);
    let sum = h.digest();
    out[64..72].copy_from_slice(&sum.to_le_bytes());
    out
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    // Renamed over, a device such as /dev/null would become a plain file.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file; an index is written beside it and renamed into place",
            ),
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_refuses_what_is_no_regular_file() {
        let dir = std::env::temp_dir().join(format!("unspin-index-{}-atomic", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for path in [dir.as_path(), Path::new("/dev/null")] {
            let e = write_atomic(path, b"x").unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            assert!(!std::fs::metadata(path).unwrap().is_file());
        }
        let file = dir.join("refs.idx");
        write_atomic(&file, b"x").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
