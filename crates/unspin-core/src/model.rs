//! A complete model: container, lexicon, language model, fingerprints and tuned parameters.

use crate::fingerprint::{phrase_items, Fingerprints};
use crate::forest::Forest;
use crate::format::Container;
use crate::lexicon::Lexicon;
use crate::names::Names;
use crate::params::Params;
use crate::tinylm::TinyLm;
use crate::vectors::WordVectors;
use crate::{Bytes, Error, Result, Scorer, WordId};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

/// Section holding the CMU Sphinx binary trie LM, byte for byte.
pub const T_LM_CMU: [u8; 8] = *b"LMCMU\0\0\0";
/// Section holding the CMU LM's n-grams again as a probe table
/// ([`CmuLm::probe_table`](crate::lm::CmuLm::probe_table)): optional, for speed only.
pub const T_LM_PROBE: [u8; 8] = *b"LMPROBE\0";
/// Section holding a [`TinyLm`] (fixtures and tests).
pub const T_LM_TINY: [u8; 8] = *b"LMTINY\0\0";
/// Section holding the tortured-phrase fingerprints: lines `tortured\tcorrect`.
pub const T_TORTURED: [u8; 8] = *b"TORTURED";
/// Section holding tortured phrases composed from the list's own word substitutions
/// (`unspin-build`'s `composed_tortured`), matched like the listed ones but reported as
/// composed: lines `tortured\tcorrect`. Optional.
pub const T_COMPOSED: [u8; 8] = *b"COMPOSED";
/// Section holding the terms that variants are matched against: runs of 2-4 words of the
/// list's correct phrases (`unspin-build`'s `terms`), one per line. Optional.
pub const T_TERMS: [u8; 8] = *b"TERMS\0\0\0";
/// Section holding, for written words, the term words they may stand for: lines
/// `word\tterm word\trank`, the rank being the term word's place among the written word's
/// candidates (see [`Fingerprints::add_terms`]). Optional.
pub const T_TERMSUBS: [u8; 8] = *b"TERMSUBS";
/// Section holding decoder and detector parameters: lines `name value`.
pub const T_PARAMS: [u8; 8] = *b"PARAMS\0\0";
/// Section holding the change scorer's trees ([`Forest::to_bytes`], or the text form):
/// optional; without it the linear `c_*` weights of the parameters score changes.
pub const T_SCORER: [u8; 8] = *b"SCORER\0\0";
/// Section holding the expansion gate's trees ([`Forest`] over
/// [`GATE_FEATURES`](crate::engine::GATE_FEATURES)): optional; without it, or with the `gate`
/// parameter at 0, every suspect phrase's candidates are scored.
pub const T_GATE: [u8; 8] = *b"GATE\0\0\0\0";
/// Section holding word vectors by LM word id ([`WordVectors`]): optional; without it the
/// topic features of a change are 0.
pub const T_VECTORS: [u8; 8] = *b"WORDVEC\0";
/// Section holding the initialisms: abbreviations read letter by letter ("fbi", "ceo"), one
/// per line in lowercase and sorted, which a word recased by a spinner ("Fbi") is checked
/// against. Optional: without it no recasing is reported.
pub const T_INITIALS: [u8; 8] = *b"INITIALS";
/// Section holding given names and surnames with their ranks ([`Names`]), which tell a spun
/// surname ("Aaron Decide") from an honest one. Optional: without it no surname is restored.
pub const T_NAMES: [u8; 8] = *b"NAMES\0\0\0";
/// Section holding build metadata (JSON text), shown by `unspin model info`.
pub const T_META: [u8; 8] = *b"METADATA";

/// Lines `first\tsecond` of a text section, read in place: each pair is found by its number
/// without an allocation of its own (tens of thousands of tortured phrases), and no copy of
/// the section is made (freeing a large copy during a load costs every core a TLB flush).
pub(crate) struct PhrasePairs {
    bytes: Bytes,
    /// Per pair: where it starts, its tab, and where it ends, in `bytes`.
    at: Vec<[usize; 3]>,
}

impl PhrasePairs {
    /// The lines of `bytes` (UTF-8) that hold a tab.
    fn parse(bytes: Bytes) -> Result<PhrasePairs> {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Error::Corrupt("a text section is not UTF-8".into()))?;
        let mut at = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let l = line.trim_end_matches(['\n', '\r']);
            if let Some(tab) = l.find('\t') {
                at.push([start, start + tab, start + l.len()]);
            }
            start += line.len();
        }
        Ok(PhrasePairs { bytes, at })
    }

    pub(crate) fn len(&self) -> usize {
        self.at.len()
    }

    /// Pair `k`.
    pub(crate) fn get(&self, k: usize) -> (&str, &str) {
        let [a, tab, b] = self.at[k];
        // Cut at ASCII bytes of text checked whole, so both halves are UTF-8.
        let s = |r: std::ops::Range<usize>| std::str::from_utf8(&self.bytes[r]).unwrap_or("");
        (s(a..tab), s(tab + 1..b))
    }
}

/// A loaded model. Cheap to clone and share between threads: everything large stays in the
/// memory map.
#[derive(Clone)]
pub struct Model {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub container: Container,
    pub lexicon: Lexicon,
    pub lm: Box<dyn Scorer>,
    /// The listed tortured phrases, and those composed from their substitutions: a
    /// fingerprint match reports its phrase by its place in both, one after the other
    /// ([`Inner::phrase`]).
    pub tortured: PhrasePairs,
    pub composed: PhrasePairs,
    /// [`T_TERMS`]: a variant of term `k` is reported as pattern listed + composed + `k`.
    pub terms: Vec<Box<str>>,
    /// The same terms as the items a text's tokens give ([`phrase_items`]): "k-nearest
    /// neighbors" is "k # nearest neighbors", the form that variants are matched and read in.
    pub term_items: Vec<Box<str>>,
    pub fingerprints: Option<Fingerprints>,
    pub params: Params,
    pub forest: Forest,
    pub gate: Forest,
    pub vectors: Option<WordVectors>,
    /// [`T_INITIALS`], sorted.
    pub initialisms: Vec<Box<str>>,
    /// [`T_NAMES`].
    pub names: Option<Names>,
    pub meta: String,
    /// Unique per load, so that per-thread caches of LM scores never mix two models.
    pub id: u64,
}

impl Inner {
    /// Fingerprint `pattern`'s (tortured, correct) phrases, and where it comes from. A
    /// term's variant has no tortured phrase of its own: it is what the text says.
    pub(crate) fn phrase(&self, pattern: usize) -> (&str, &str, PhraseKind) {
        let n = self.tortured.len();
        if pattern < n {
            let (t, c) = self.tortured.get(pattern);
            return (t, c, PhraseKind::Listed);
        }
        if pattern < n + self.composed.len() {
            let (t, c) = self.composed.get(pattern - n);
            return (t, c, PhraseKind::Composed);
        }
        let term = &self.terms[pattern - n - self.composed.len()];
        ("", term, PhraseKind::Term)
    }

    /// Term `pattern`'s items ([`Inner::term_items`]); `pattern` must be a term's.
    pub(crate) fn term_items(&self, pattern: usize) -> &str {
        &self.term_items[pattern - self.tortured.len() - self.composed.len()]
    }
}

/// Where a fingerprint match comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PhraseKind {
    /// A phrase of the tortured list: a sighting.
    Listed,
    /// Composed from the list's word substitutions.
    Composed,
    /// A known term with one or two of its words written as thesaurus neighbours.
    Term,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("bytes", &self.inner.container.len())
            .field("phrases", &self.inner.lexicon.len())
            .field("fingerprints", &self.inner.tortured.len())
            .finish()
    }
}

impl Model {
    /// Memory-maps and parses a model file.
    pub fn open(path: impl AsRef<Path>) -> Result<Model> {
        let f = std::fs::File::open(path.as_ref())?;
        Model::from_bytes(Bytes::map_file(&f)?)
    }

    /// Parses a model from bytes (a map, a vector or `include_bytes!` data), verifying its magic
    /// number, version and checksum.
    pub fn from_bytes(bytes: Bytes) -> Result<Model> {
        let container = match Container::parse_unverified(bytes.clone()) {
            Ok(c) => c,
            // A corrupt section table is reported as the checksum's error, as `parse` does.
            Err(e) => return Err(Container::parse(bytes).err().unwrap_or(e)),
        };
        // Hashing the whole file is a large share of a load (about 12 ms of 66 for the default
        // model on one core), so a large model is hashed on a second thread while this one reads
        // the sections, where a second core is free to run it. Every reader refuses corrupt bytes
        // with an error, and the checksum's error comes first: a corrupt file explains
        // whatever else went wrong.
        let parse = || Model::from_container(container.clone());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (verified, model) = if container.len() < (16 << 20) || cores < 2 {
            (container.verify(), parse())
        } else {
            std::thread::scope(|s| {
                match std::thread::Builder::new().spawn_scoped(s, || container.verify()) {
                    Ok(hashing) => {
                        let model = parse();
                        let verified = hashing.join().unwrap_or_else(|_| {
                            Err(Error::Corrupt("the checksum thread panicked".into()))
                        });
                        (verified, model)
                    }
                    Err(_) => (container.verify(), parse()),
                }
            })
        };
        verified?;
        model
    }

    /// The sections of `container`, whose checksum [`from_bytes`](Self::from_bytes) verifies.
    fn from_container(container: Container) -> Result<Model> {
        let mut lexicon = Lexicon::parse(&container)?;
        let lm: Box<dyn Scorer> = if container.has(T_LM_CMU) {
            let lm = crate::lm::CmuLm::parse(container.section(T_LM_CMU)?)?;
            if container.has(T_LM_PROBE) {
                Box::new(lm.with_probe(container.section(T_LM_PROBE)?)?)
            } else {
                Box::new(lm)
            }
        } else {
            Box::new(TinyLm::parse(container.section(T_LM_TINY)?)?)
        };
        lexicon.check_word_ids(|id| lm.word(id));
        let text = |tag| -> Result<String> {
            if !container.has(tag) {
                return Ok(String::new());
            }
            String::from_utf8(container.section(tag)?.to_vec())
                .map_err(|_| Error::Corrupt("a text section is not UTF-8".into()))
        };
        let pairs = |tag| -> Result<PhrasePairs> {
            if !container.has(tag) {
                return PhrasePairs::parse(Bytes::from_static(b""));
            }
            PhrasePairs::parse(container.section(tag)?)
        };
        let tortured = pairs(T_TORTURED)?;
        let composed = pairs(T_COMPOSED)?;
        let terms: Vec<Box<str>> = text(T_TERMS)?.lines().map(Box::from).collect();
        let term_items: Vec<Box<str>> = terms.iter().map(|t| phrase_items(t).into()).collect();
        let fingerprints = if tortured.len() + composed.len() == 0 {
            None
        } else {
            // Matched as a text's tokens read them: "man-made consciousness" is "man # made
            // consciousness" (`phrase_items`); written whole, no text would ever hold it.
            let listed: Vec<Cow<str>> = (0..tortured.len())
                .map(|k| phrase_items(tortured.get(k).0))
                .collect();
            let spelled: Vec<Cow<str>> = (0..composed.len())
                .map(|k| phrase_items(composed.get(k).0))
                .collect();
            let mut f = Fingerprints::with_composed(
                listed.iter().map(|p| &**p),
                spelled.iter().map(|p| &**p),
            )?;
            if !terms.is_empty() {
                let subs = text(T_TERMSUBS)?;
                let mut triples = Vec::new();
                for (n, line) in subs.lines().enumerate() {
                    let mut it = line.split('\t');
                    let (Some(w), Some(t), Some(r), None) =
                        (it.next(), it.next(), it.next(), it.next())
                    else {
                        return Err(Error::Corrupt(format!(
                            "term substitutes, line {}: expected `word\\tterm word\\trank`",
                            n + 1
                        )));
                    };
                    let r: u8 = r.parse().map_err(|_| {
                        Error::Corrupt(format!("term substitutes, line {}: bad rank {r:?}", n + 1))
                    })?;
                    triples.push((w, t, r));
                }
                f.add_terms(term_items.iter().map(|t| &**t), triples);
            }
            Some(f)
        };
        let params = Params::parse(&text(T_PARAMS)?)?;
        let forest_at = |tag, features: &[&str], name| -> Result<Forest> {
            if !container.has(tag) {
                return Ok(Forest::default());
            }
            Forest::from_section(&container.section(tag)?, features, name)
        };
        let forest = forest_at(T_SCORER, &crate::FEATURES, "SCORER")?;
        let gate = forest_at(T_GATE, &crate::engine::GATE_FEATURES, "GATE")?;
        let vectors = if container.has(T_VECTORS) {
            Some(WordVectors::parse(container.section(T_VECTORS)?)?)
        } else {
            None
        };
        let meta = text(T_META)?;
        let mut initialisms: Vec<Box<str>> = text(T_INITIALS)?.lines().map(Box::from).collect();
        initialisms.sort_unstable();
        let names = if container.has(T_NAMES) {
            Some(Names::parse(container.section(T_NAMES)?)?)
        } else {
            None
        };
        Ok(Model {
            inner: Arc::new(Inner {
                container,
                lexicon,
                lm,
                tortured,
                composed,
                terms,
                term_items,
                fingerprints,
                params,
                forest,
                gate,
                vectors,
                initialisms,
                names,
                meta,
                id: {
                    static NEXT: std::sync::atomic::AtomicU64 =
                        std::sync::atomic::AtomicU64::new(1);
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                },
            }),
        })
    }

    /// The lexicon.
    pub fn lexicon(&self) -> &Lexicon {
        &self.inner.lexicon
    }

    /// The language model.
    pub fn lm(&self) -> &dyn Scorer {
        &*self.inner.lm
    }

    /// Writes the model's trigram LM as an ARPA file (for KenLM and other toolkits), if it is
    /// the CMU LM. Returns false for fixture models, which have no ARPA form.
    pub fn write_arpa(&self, out: &mut dyn std::io::Write) -> Result<bool> {
        if !self.inner.container.has(T_LM_CMU) {
            return Ok(false);
        }
        let lm = crate::lm::CmuLm::parse(self.inner.container.section(T_LM_CMU)?)?;
        lm.write_arpa(out)?;
        Ok(true)
    }

    /// The parameters stored in the model.
    pub fn params(&self) -> &Params {
        &self.inner.params
    }

    /// The change scorer's trees (empty when the model scores changes linearly).
    pub fn forest(&self) -> &Forest {
        &self.inner.forest
    }

    /// The expansion gate's trees (empty when every suspect phrase is expanded).
    pub fn gate(&self) -> &Forest {
        &self.inner.gate
    }

    /// The word vectors, if the model has them.
    pub fn vectors(&self) -> Option<&WordVectors> {
        self.inner.vectors.as_ref()
    }

    /// Whether `word` (in lowercase) is an initialism, an abbreviation read letter by letter
    /// that is written in capitals ([`T_INITIALS`]).
    pub fn is_initialism(&self, word: &str) -> bool {
        self.inner
            .initialisms
            .binary_search_by(|w| (**w).cmp(word))
            .is_ok()
    }

    /// The given names and surnames ([`T_NAMES`]), if the model has them.
    pub fn names(&self) -> Option<&Names> {
        self.inner.names.as_ref()
    }

    /// Build metadata (JSON text, possibly empty).
    pub fn metadata(&self) -> &str {
        &self.inner.meta
    }

    /// Size of the model in bytes.
    pub fn size(&self) -> usize {
        self.inner.container.len()
    }

    /// Number of listed tortured-phrase fingerprints.
    pub fn fingerprint_count(&self) -> usize {
        self.inner.tortured.len()
    }

    /// Number of tortured phrases composed from the list's word substitutions, matched as
    /// fingerprints too.
    pub fn composed_count(&self) -> usize {
        self.inner.composed.len()
    }

    /// Number of terms whose variants are matched as fingerprints ([`T_TERMS`]).
    pub fn term_count(&self) -> usize {
        self.inner.terms.len()
    }

    /// log10 probability of a whole text under the language model, and the number of words
    /// scored (out-of-vocabulary words are skipped): the plain perplexity pass that detection
    /// is compared against.
    pub fn log10_prob(&self, text: &str) -> (f64, usize) {
        let lm = self.lm();
        let mut norm = String::new();
        let (mut total, mut n) = (0f64, 0usize);
        let (mut h1, mut h2) = (crate::NO_WORD, lm.bos());
        for t in crate::tokenize::tokenize(text) {
            match t.kind {
                crate::tokenize::Kind::Word | crate::tokenize::Kind::Number => {
                    crate::tokenize::normalize_word(t.text(text), &mut norm);
                    let w: WordId = lm.lookup(&norm).unwrap_or(lm.unk());
                    // Out-of-vocabulary words are left out of the sum, as perplexity filters do.
                    if w != lm.unk() {
                        total += lm.logp(h1, h2, w) as f64;
                        n += 1;
                    }
                    (h1, h2) = (h2, w);
                }
                crate::tokenize::Kind::Punct if matches!(t.text(text), "." | "!" | "?") => {
                    total += lm.logp(h1, h2, lm.eos()) as f64;
                    (h1, h2) = (crate::NO_WORD, lm.bos());
                }
                _ => {}
            }
        }
        (total, n)
    }
}
