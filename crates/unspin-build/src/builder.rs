//! The model builder: reads every source, compiles the channel and writes the model file.

use crate::{compile, sources};
use anyhow::{bail, Context, Result};
use clap::Parser;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;
use unspin_core::format::ContainerWriter;
use unspin_core::lexicon::{LexiconWriter, Src, FLAG_LEMMA, FLAG_SPINNER};
use unspin_core::lm::CmuLm;
use unspin_core::Bytes;

/// Command-line arguments of `unspin-build`.
#[derive(Parser)]
#[command(about = "Compile unspin's language data into a model file")]
pub struct Args {
    /// Directory filled by scripts/fetch-data.sh.
    #[arg(long, default_value = "data/raw")]
    raw: PathBuf,
    /// Tortured-phrase list (JSON with {"phrases": [{"tortured", "correct"}]}).
    #[arg(long, default_value = "data/tortured-phrases/tortured-phrases.json")]
    tortured: PathBuf,
    /// Mined spinner pairs (TSV: spun, original, count, ...); skipped if absent.
    #[arg(long, default_value = "data/mined/phrase-pairs.tsv")]
    mined: PathBuf,
    /// General English rewrite rules (TSV: spun, original); skipped if absent.
    #[arg(long, default_value = "data/rules.tsv")]
    rules: PathBuf,
    /// Tuned parameters (`name value` lines); defaults if absent.
    #[arg(long, default_value = "data/params.txt")]
    params: PathBuf,
    /// The change scorer's trees (see `unspin_core::forest`); the linear weights of the
    /// parameters score changes if absent.
    #[arg(long, default_value = "data/scorer.txt")]
    scorer: PathBuf,
    /// The expansion gate's trees (fitted by bench/fit_gate.py); without the file every
    /// suspect phrase is expanded.
    #[arg(long, default_value = "data/gate.txt")]
    gate: PathBuf,
    /// Candidate-order weights (`feature weight` lines, fitted by bench/fit_rank.py); without
    /// the file, candidates are ordered by prior and frequency.
    #[arg(long, default_value = "data/rank.txt")]
    rank: PathBuf,
    /// Leave the word vectors out (a smaller model; the topic features of changes are then 0,
    /// which the scorer was not fitted for).
    #[arg(long)]
    no_vectors: bool,
    /// Candidates kept per spun phrase.
    #[arg(long, default_value_t = 24)]
    cap: usize,
    /// Most frequent words that thesauri may not rewrite.
    #[arg(long, default_value_t = 120)]
    stopwords: usize,
    /// Prior of a pair of a word's own forms ("law" for "laws"); 0 leaves them out.
    #[arg(long, default_value_t = 0.05)]
    reinflect: f64,
    /// Output model file.
    #[arg(long, default_value = "models/default.unspin")]
    out: PathBuf,
}

/// log10 of the smallest share of a noun's uses that its possessive must have for a pair to be
/// carried to it (`compile::possessive_channel`).
const POSSESSIVE_SHARE: f32 = -2.2;

/// A mined pair seen in at least this many article pairs is always among the candidates the
/// decoder scores (see [`compile::write_channel`]).
const PIN_DOCS: f64 = 3.0;

/// Term substitutes are stored up to this rank; the `term_rank` parameters choose below it.
const TERM_RANK_CAP: usize = 8;

/// A mined pair seen in at least this many article pairs is marked [`Src::REPEATED`]: the
/// change scorer weighs a pair spinners repeat above one seen once.
const REPEAT_DOCS: f64 = 2.0;

/// Builds the model described by `a`.
pub fn run(a: Args) -> Result<()> {
    let t0 = Instant::now();
    // The model is renamed over `--out` when written, which would put a plain file in the
    // place of a device such as /dev/null: refuse before a minute of work, not after.
    if std::fs::metadata(&a.out).is_ok_and(|m| !m.is_file()) {
        anyhow::bail!(
            "{}: not a regular file; the model is written beside it and renamed into place",
            a.out.display()
        );
    }
    let raw = sources::RawPaths::locate(&a.raw)?;
    let lm_bytes =
        std::fs::read(&raw.lm_bin).with_context(|| format!("reading {}", raw.lm_bin.display()))?;
    let lm = CmuLm::parse(Bytes::from_vec(lm_bytes.clone()))
        .context("parsing the CMU language model")?;

    let unigrams = sources::load_unigrams(&raw.unigrams)?;
    let total: f64 = unigrams.iter().map(|(_, c)| *c as f64).sum();
    let freq_map: HashMap<&str, f32> = unigrams
        .iter()
        .map(|(w, c)| (w.as_str(), (*c as f64 / total).log10() as f32))
        .collect();
    // A possessive the counts lack weighs as its noun: "company's" as "company".
    let freq = |phrase: &str| -> f32 {
        phrase
            .split(' ')
            .map(|w| {
                let known = freq_map.get(w);
                let noun = || w.strip_suffix("'s").and_then(|n| freq_map.get(n));
                known.or_else(noun).copied().unwrap_or(-9.0)
            })
            .fold(0.0f32, f32::min)
    };
    let stop = compile::stopwords(&unigrams, a.stopwords);
    let in_lm = |p: &str| p.split(' ').all(|w| lm.word_id(w).is_some());
    let keep_orig = |p: &str| !p.contains('-') && in_lm(p);
    let keep_spun = |p: &str| keep_orig(p) && !stop.contains(p);

    let mut edges = sources::load_moby()?;
    let n_moby = edges.len();
    edges.extend(sources::load_wordnet(&raw.wordnet_dir)?);
    let n_wn = edges.len() - n_moby;
    edges.extend(sources::load_mythes(&raw.mythes)?);
    let n_my = edges.len() - n_moby - n_wn;
    eprintln!(
        "thesauri: moby {n_moby}, wordnet {n_wn}, mythes {n_my} edges ({:.1?})",
        t0.elapsed()
    );

    let mut ch = compile::Channel::default();
    compile::add_thesaurus(&mut ch, &edges, &keep_spun, &keep_orig);
    let mut pos_of: HashMap<(String, String), Option<sources::Pos>> = HashMap::new();
    for e in &edges {
        pos_of
            .entry((e.syn.clone(), e.head.clone()))
            .or_insert(e.pos);
    }
    drop(edges);
    let infl = sources::load_inflections(&raw.infl_lu)?;
    let morph = compile::Morph::new(&infl);
    compile::inflect_channel(&mut ch, &morph, &pos_of);
    let mut lemmas = Vec::new();
    if a.reinflect > 0.0 {
        // The most frequent words too: "be" for "is" is a WordNet augmenter's commonest own form.
        let keep = |s: &str, o: &str| keep_orig(s) && keep_orig(o);
        let n;
        (n, lemmas) = compile::reinflect_channel(&mut ch, &infl, &keep, a.reinflect);
        eprintln!("a word's own forms: {n} pairs, {} lemmas", lemmas.len());
    }
    eprintln!(
        "thesaurus channel with inflections: {} pairs ({:.1?})",
        ch.len(),
        t0.elapsed()
    );

    let tortured = sources::load_tortured(&a.tortured)?;
    let tw = compile::tortured_word_pairs(&tortured);
    // A pair of words is ordinary English where the LM stores it as a bigram.
    let attested = |a: &str, b: &str| match (lm.word_id(a), lm.word_id(b)) {
        (Some(a), Some(b)) => lm.has_bigram(a, b),
        _ => false,
    };
    let composed = compile::composed_tortured(&tortured, &tw, 2.0, attested);
    let tw: Vec<_> = tw
        .into_iter()
        .filter(|(s, o, _)| in_lm(s) && in_lm(o))
        .collect();
    compile::add_counted(&mut ch, &tw, 0.5, Src::TORTURED);
    let mut extra = 0;
    let mut pinned = HashSet::new();
    for (path, src) in [(&a.mined, Src::MINED), (&a.rules, Src::RULE)] {
        if !path.exists() {
            eprintln!("{}: absent, skipped", path.display());
            continue;
        }
        let pairs: Vec<_> = read_pairs(path)?
            .into_iter()
            .map(|mut p| {
                if let Some(o) = compile::of_inversion(&p.spun, &p.original, attested) {
                    p.original = o;
                }
                p
            })
            .filter(|p| !p.spun.contains('-') && in_lm(&p.original))
            .filter(|p| !compile::contraction_only(&p.spun, &p.original))
            .collect();
        extra += pairs.len();
        // The mined pairs seen in at least `docs` article pairs (the rules have no counts).
        let mined_in = |docs: f64| {
            pairs
                .iter()
                .filter(move |p| src == Src::MINED && p.docs >= docs)
        };
        pinned.extend(mined_in(PIN_DOCS).map(|p| (p.spun.clone(), p.original.clone())));
        let counted: Vec<_> = pairs
            .iter()
            .map(|p| (p.spun.as_str(), p.original.as_str(), p.count))
            .collect();
        compile::add_counted(&mut ch, &counted, 1.0, src);
        for p in mined_in(REPEAT_DOCS) {
            ch.mark(&p.spun, &p.original, Src::REPEATED);
        }
    }
    eprintln!(
        "channel: {} pairs ({} tortured word pairs, {extra} mined/rule pairs); {} tortured \
         phrases listed, {} composed",
        ch.len(),
        tw.len(),
        tortured.len(),
        composed.len()
    );

    // After every source, the mined spinner table's pairs included. A noun's possessive is
    // a word the LM knows, and not a rare one beside the noun: "allied's" (a company's name)
    // is 1 in 700 of "allied", "federated's" 1 in 300, "company's" 1 in 20 of "company",
    // "chief's" 1 in 80. The most frequent words are left out: their "'s" is mostly "is"
    // ("it's", "that's", "one's").
    let unigram = |w: &str| lm.word_id(w).map(|id| lm.log10_prob(&[], id));
    let noun_possessive = |p: &str| {
        let Some(noun) = p.strip_suffix("'s") else {
            return false;
        };
        match (unigram(p), unigram(noun)) {
            (Some(lp), Some(ln)) => !stop.contains(noun) && lp - ln >= POSSESSIVE_SHARE,
            _ => false,
        }
    };
    let before = ch.len();
    let possessives = compile::possessive_channel(&mut ch, &noun_possessive);
    eprintln!(
        "possessives: {} pairs, {} phrases",
        ch.len() - before,
        possessives.len()
    );
    let mut lex = LexiconWriter::default();
    for (w, _) in &unigrams {
        if in_lm(w) {
            lex.set_freq(w, freq(w));
        }
    }
    let ranker = if a.rank.exists() {
        let text = std::fs::read_to_string(&a.rank)
            .with_context(|| format!("reading {}", a.rank.display()))?;
        compile::Ranker::parse(&text).with_context(|| format!("in {}", a.rank.display()))?
    } else {
        eprintln!(
            "{}: absent, candidates ordered by prior and frequency",
            a.rank.display()
        );
        compile::Ranker::bayes()
    };
    for p in &possessives {
        lex.set_freq(p, freq(p));
    }
    eprintln!(
        "pinned: {} mined pairs seen in {PIN_DOCS} article pairs or more",
        pinned.len()
    );
    let is_pinned = |s: &str, o: &str| pinned.contains(&(s.to_string(), o.to_string()));
    // Variants of the list's terms: which term words a written word may stand for.
    let readings = compile::TermReadings::new(&tortured, TERM_RANK_CAP);
    let mut term_subs = Vec::new();
    let n = compile::write_channel(
        ch,
        &mut lex,
        &freq,
        &ranker,
        &is_pinned,
        a.cap,
        &mut |s, o, rank| {
            if readings.keeps(s, o, rank) {
                term_subs.push(format!("{s}\t{o}\t{rank}\n"));
            }
        },
    );
    term_subs.sort_unstable();
    eprintln!("term substitutes: {}", term_subs.len());
    for (s, _) in pinned.iter().filter(|(s, _)| s.contains(' ')) {
        lex.set_flags(s, FLAG_SPINNER);
    }
    for l in &lemmas {
        lex.set_flags(l, FLAG_LEMMA);
    }
    let bigrams = sources::load_bigrams(&raw.bigrams)?;
    for (w1, w2, count) in &bigrams {
        if in_lm(w1) && in_lm(w2) {
            lex.add_bigram(w1, w2, (*count as f64).log10() as f32);
        }
    }
    eprintln!(
        "lexicon: {} phrases, {n} candidates ({:.1?})",
        lex.len(),
        t0.elapsed()
    );

    let mut c = ContainerWriter::new();
    lex.write_with_lm(&mut c, &|w| lm.word_id(w));
    c.add(unspin_core::T_LM_CMU, lm_bytes);
    // The same n-grams in a hash table: the decoder's look-ups cost about one cache line
    // instead of a walk down the bit-packed trie.
    if let Some(table) = lm.probe_table() {
        c.add(unspin_core::T_LM_PROBE, table);
    }
    if !a.no_vectors {
        add_vectors(&mut c, &raw, &lm)?;
    }
    // Both as lines `tortured \t correct`.
    let lines = |pairs: &mut dyn Iterator<Item = (&str, &str)>| -> Vec<u8> {
        pairs
            .flat_map(|(t, c)| [t, "\t", c, "\n"])
            .collect::<String>()
            .into_bytes()
    };
    let listed = &mut tortured
        .iter()
        .map(|t| (t.tortured.as_str(), t.correct.as_str()));
    c.add(unspin_core::T_TORTURED, lines(listed));
    let composed_pairs = &mut composed.iter().map(|(t, c)| (t.as_str(), c.as_str()));
    c.add(unspin_core::T_COMPOSED, lines(composed_pairs));
    let terms: String = readings.terms.iter().map(|t| t.join(" ") + "\n").collect();
    c.add(unspin_core::T_TERMS, terms.into_bytes());
    c.add(unspin_core::T_TERMSUBS, term_subs.concat().into_bytes());
    let initialisms = sources::load_initialisms(&raw.cmudict, &raw.wordnet_dir)?;
    eprintln!("initialisms: {}", initialisms.len());
    c.add(
        unspin_core::T_INITIALS,
        initialisms
            .iter()
            .flat_map(|w| [w, "\n"])
            .collect::<String>()
            .into_bytes(),
    );
    let names = sources::load_names(&raw.names_dir)?;
    eprintln!("names: {}", names.len());
    c.add(unspin_core::T_NAMES, sources::names_section(&names));
    let params = if a.params.exists() {
        let text = std::fs::read_to_string(&a.params)
            .with_context(|| format!("reading {}", a.params.display()))?;
        unspin_core::params::Params::parse(&text)
            .with_context(|| format!("in {}", a.params.display()))?
    } else {
        unspin_core::params::Params::default()
    };
    c.add(unspin_core::T_PARAMS, params.to_text().into_bytes());
    // Trees fitted on other features are refused now rather than at every load.
    let mut add_forest = |path: &PathBuf, features: &[&str], section: &str, tag| -> Result<()> {
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let forest = unspin_core::forest::Forest::parse_section(&text, features, section)
                .with_context(|| format!("in {}", path.display()))?;
            // Stored padded and binary, so that a load copies the trees instead of parsing them.
            c.add(tag, forest.to_bytes());
        }
        Ok(())
    };
    add_forest(
        &a.scorer,
        &unspin_core::FEATURES,
        "SCORER",
        unspin_core::T_SCORER,
    )?;
    add_forest(
        &a.gate,
        &unspin_core::GATE_FEATURES,
        "GATE",
        unspin_core::T_GATE,
    )?;
    let manifest = std::fs::read_to_string(a.raw.join("MANIFEST.txt")).unwrap_or_default();
    let meta = serde_json::json!({
        "format": unspin_core::format::VERSION,
        "builder": env!("CARGO_PKG_VERSION"),
        "fingerprints": tortured.len(),
        "composed_fingerprints": composed.len(),
        "term_substitutes": term_subs.len(),
        "initialisms": initialisms.len(),
        "names": names.len(),
        "candidates": n,
        "sources_manifest_xxh3": format!("{:016x}", xxhash_rust::xxh3::xxh3_64(manifest.as_bytes())),
    });
    c.add(unspin_core::T_META, meta.to_string().into_bytes());
    let bytes = c.finish();
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Written beside the target and renamed, so a reader never maps a half-written model.
    let tmp = a.out.with_extension("tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &a.out).with_context(|| format!("renaming to {}", a.out.display()))?;
    unspin_core::Model::open(&a.out).with_context(|| format!("re-reading {}", a.out.display()))?;
    eprintln!(
        "wrote {} ({:.1} MB) in {:.1?}",
        a.out.display(),
        bytes.len() as f64 / 1e6,
        t0.elapsed()
    );
    Ok(())
}

/// Reads `spun \t original \t count ...` lines (a header line starting with `spun` is skipped).
fn read_pairs(path: &std::path::Path) -> Result<Vec<Pair>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() || (i == 0 && line.starts_with("spun\t"))
        {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 2 {
            bail!(
                "{}:{}: expected `spun<TAB>original[<TAB>count[<TAB>docs]]`",
                path.display(),
                i + 1
            );
        }
        let number = |k: usize| f.get(k).and_then(|c| c.parse::<f64>().ok());
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        out.push(Pair {
            spun: norm(f[0]),
            original: norm(f[1]),
            count: number(2).unwrap_or(1.0),
            docs: number(3).unwrap_or(1.0),
        });
    }
    Ok(out)
}

/// One row of a pair table (`data/mined/phrase-pairs.tsv`): how often a spinner was seen to
/// write `spun` for `original`, and in how many article pairs.
struct Pair {
    spun: String,
    original: String,
    count: f64,
    docs: f64,
}

/// The GloVe row of LM word `word`, given each GloVe word's row in `rank`. GloVe splits a
/// possessive from its noun, so "company's" has no vector of its own: it takes its noun's, as
/// it takes its noun's frequency, and the change scorer sees a possessive pair as its noun's.
fn glove_row(rank: &HashMap<&str, usize>, word: &str) -> Option<usize> {
    rank.get(word)
        .or_else(|| word.strip_suffix("'s").and_then(|noun| rank.get(noun)))
        .copied()
}

/// Adds the word vectors of the LM's words, for the topic features of a change. GloVe's 150
/// most frequent words are function words: they keep a vector but say nothing of a topic.
fn add_vectors(c: &mut ContainerWriter, raw: &sources::RawPaths, lm: &CmuLm) -> Result<()> {
    let glove = sources::load_glove(&raw.glove_vocab, &raw.glove_vectors)?;
    let rank: HashMap<&str, usize> = glove
        .words
        .iter()
        .enumerate()
        .rev()
        .map(|(i, w)| (w.as_str(), i))
        .collect();
    let vocab = lm.vocab_size();
    let vectors = unspin_core::vectors::WordVectors::build(vocab, glove.dims, |id| {
        let r = glove_row(&rank, lm.word(id))?;
        Some((glove.vector(r).to_vec(), r >= 150))
    });
    eprintln!(
        "word vectors: {} of {vocab} LM words",
        (0..vocab as u32)
            .filter(|&id| glove_row(&rank, lm.word(id)).is_some())
            .count()
    );
    c.add(unspin_core::T_VECTORS, vectors);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_possessive_takes_its_nouns_vector() {
        let rank: HashMap<&str, usize> = [("company", 7), ("'s", 9), ("it's", 3)].into();
        assert_eq!(glove_row(&rank, "company"), Some(7));
        assert_eq!(glove_row(&rank, "company's"), Some(7));
        // A word GloVe has keeps its own row.
        assert_eq!(glove_row(&rank, "it's"), Some(3));
        assert_eq!(glove_row(&rank, "corporate's"), None);
    }
}
