//! Compile parsed sources into the model's sections: the reverse channel (spun phrase ->
//! originals, with priors), phrase frequencies, fingerprints and parameters.
//!
//! The channel prior of a pair is a mixture over sources:
//!
//! ```text
//! P(spun | original) = Σ_k π_k · P_k(spun | original)
//! ```
//!
//! where a thesaurus spreads its mass over an original's synonyms (by sense rank where it has
//! one, uniformly where it has not), mined spinner pairs by their observed counts, and word
//! pairs aligned inside the tortured-phrase list by theirs. Lemma pairs are carried to every
//! inflection both sides share, so "mentioned" proposes "said" (past stays past).

use crate::sources::{Inflection, Pos, Source, Synonym, Tortured};
use std::collections::{HashMap, HashSet};
use unspin_core::lexicon::{rank_features, LexiconWriter, Src, RANK_FEATURES};

/// Mixture weights of the thesauri in the channel prior.
const PI_WORDNET: f64 = 0.35;
const PI_MYTHES: f64 = 0.25;
const PI_MOBY: f64 = 0.40;

/// Weight of the original's log10 frequency when ranking candidates without fitted weights: 1
/// is Bayes, P(original | spun) ∝ P(spun | original) · P(original).
pub const RANK_FREQ_WEIGHT: f32 = 1.0;

/// How a spun phrase's candidate originals are ordered before the first `cap` are kept: a
/// weighted sum of [`rank_features`], with weights fitted on the tune split by
/// `bench/fit_rank.py` (`data/rank.txt`), or, without them, Bayes over prior and frequency.
#[derive(Debug)]
pub struct Ranker {
    weights: Option<[f32; RANK_FEATURES.len()]>,
}

impl Ranker {
    /// Log10 prior plus log10 frequency of the original.
    pub fn bayes() -> Ranker {
        Ranker { weights: None }
    }

    /// Parses `name weight` lines, one for each of [`RANK_FEATURES`]; `#` comments and blank
    /// lines are skipped.
    pub fn parse(text: &str) -> anyhow::Result<Ranker> {
        let mut w = [f32::NAN; RANK_FEATURES.len()];
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || anyhow::anyhow!("line {}: expected `feature weight`: {line:?}", n + 1);
            let (name, value) = line.split_once(' ').ok_or_else(bad)?;
            let k = RANK_FEATURES
                .iter()
                .position(|f| *f == name)
                .ok_or_else(|| anyhow::anyhow!("line {}: unknown feature {name:?}", n + 1))?;
            w[k] = value.trim().parse().map_err(|_| bad())?;
        }
        if let Some(k) = w.iter().position(|x| !x.is_finite()) {
            anyhow::bail!("no weight for feature {:?}", RANK_FEATURES[k]);
        }
        Ok(Ranker { weights: Some(w) })
    }

    /// The score of `original` for `spun` (higher first), with channel mass `p` and sources
    /// `src`; `freq` is the log10 frequency of the original's rarest word.
    pub fn score(&self, spun: &str, original: &str, p: f64, src: Src, freq: f32) -> f32 {
        let prior = p.log10() as f32;
        match &self.weights {
            None => prior + RANK_FREQ_WEIGHT * freq.max(-9.0),
            Some(w) => rank_features(spun, original, prior, src, freq)
                .iter()
                .zip(w)
                .map(|(x, w)| x * w)
                .sum(),
        }
    }
}

/// Per-source channel mass, keyed by (spun, original).
#[derive(Default)]
pub struct Channel {
    pairs: HashMap<(String, String), (f64, Src)>,
}

impl Channel {
    /// Adds probability mass `p` for (spun, original) from `src`.
    pub fn add(&mut self, spun: &str, original: &str, p: f64, src: Src) {
        if spun == original || p <= 0.0 {
            return;
        }
        let e = self
            .pairs
            .entry((spun.to_string(), original.to_string()))
            .or_insert((0.0, Src::default()));
        e.0 += p;
        e.1 |= src;
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }
}

/// Spreads each thesaurus's mass over every original's synonyms.
/// `keep_spun` decides which phrases may be read as spun, `keep_orig` which may be proposed as
/// originals: common words are often the originals spinners replace, but reading every "in" as
/// a spun "at" would cost far more precision than it buys.
pub fn add_thesaurus(
    ch: &mut Channel,
    edges: &[Synonym],
    keep_spun: &dyn Fn(&str) -> bool,
    keep_orig: &dyn Fn(&str) -> bool,
) {
    // Weights per head and source: 1 / (rank + 1) for ranked thesauri, uniform for Moby.
    let mut total: HashMap<(&str, Source), f64> = HashMap::new();
    let w = |e: &Synonym| {
        if e.source == Source::Moby {
            1.0
        } else {
            1.0 / (e.rank as f64 + 1.0)
        }
    };
    for e in edges
        .iter()
        .filter(|e| keep_spun(&e.syn) && keep_orig(&e.head))
    {
        *total.entry((e.head.as_str(), e.source)).or_default() += w(e);
    }
    for e in edges
        .iter()
        .filter(|e| keep_spun(&e.syn) && keep_orig(&e.head))
    {
        let (pi, src) = match e.source {
            Source::WordNet => (PI_WORDNET, Src::WORDNET),
            Source::MyThes => (PI_MYTHES, Src::MYTHES),
            Source::Moby => (PI_MOBY, Src::MOBY),
        };
        let p = pi * w(e) / total[&(e.head.as_str(), e.source)];
        ch.add(&e.syn, &e.head, p, src);
    }
}

/// Adds counted pairs (spun, original, count): P(spun | original) = count / Σ count(·, original).
pub fn add_counted(ch: &mut Channel, pairs: &[(String, String, f64)], weight: f64, src: Src) {
    let mut total: HashMap<&str, f64> = HashMap::new();
    for (_, o, c) in pairs {
        *total.entry(o.as_str()).or_default() += c;
    }
    for (s, o, c) in pairs {
        ch.add(s, o, weight * c / total[o.as_str()], src);
    }
}

/// Word pairs aligned inside same-length tortured phrases ("profound learning" / "deep
/// learning" gives profound -> deep), counted: how paper-mill spinners substitute.
pub fn tortured_word_pairs(list: &[Tortured]) -> Vec<(String, String, f64)> {
    let mut counts: HashMap<(String, String), f64> = HashMap::new();
    for t in list {
        let (a, b): (Vec<&str>, Vec<&str>) = (
            t.tortured.split(' ').collect(),
            t.correct.split(' ').collect(),
        );
        if a.len() != b.len() {
            continue;
        }
        let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
        // Only clean alignments: at most two substituted words, the rest identical.
        if diff.is_empty() || diff.len() > 2 {
            continue;
        }
        for i in diff {
            *counts
                .entry((a[i].to_string(), b[i].to_string()))
                .or_default() += 1.0;
        }
    }
    counts.into_iter().map(|((s, o), c)| (s, o, c)).collect()
}

/// Inflection tables: form -> (lemma, pos, tag) and (lemma, pos, tag) -> preferred form.
pub struct Morph {
    forms: HashMap<(String, Pos, String), String>,
    tags: HashMap<(String, Pos), Vec<String>>,
}

impl Morph {
    /// Indexes lemminflect's table.
    pub fn new(infl: &[Inflection]) -> Morph {
        let mut forms = HashMap::new();
        let mut tags: HashMap<(String, Pos), Vec<String>> = HashMap::new();
        for i in infl {
            let k = (i.lemma.clone(), i.pos, i.tag.clone());
            // The first spelling of a (lemma, pos, tag) is the preferred one.
            if let std::collections::hash_map::Entry::Vacant(e) = forms.entry(k) {
                e.insert(i.form.clone());
                tags.entry((i.lemma.clone(), i.pos))
                    .or_default()
                    .push(i.tag.clone());
            }
        }
        Morph { forms, tags }
    }

    fn form(&self, lemma: &str, pos: Pos, tag: &str) -> Option<&str> {
        self.forms
            .get(&(lemma.to_string(), pos, tag.to_string()))
            .map(String::as_str)
    }

    /// Inflects a phrase by its head word: the first word for verbs ("make use of" ->
    /// "made use of"), the last for nouns and adjectives ("stock market" -> "stock markets").
    fn inflect(&self, phrase: &str, pos: Pos, tag: &str) -> Option<String> {
        let words: Vec<&str> = phrase.split(' ').collect();
        let hi = if pos == Pos::Verb { 0 } else { words.len() - 1 };
        let f = self.form(words[hi], pos, tag)?;
        let mut out: Vec<&str> = words.clone();
        out[hi] = f;
        Some(out.join(" "))
    }

    /// Every (tag, spun form, original form) that both sides of a lemma pair share.
    pub fn expand(&self, spun: &str, original: &str, pos: Option<Pos>) -> Vec<(String, String)> {
        let poss: Vec<Pos> = match pos {
            Some(p) => vec![p],
            None => vec![Pos::Noun, Pos::Verb, Pos::Adj, Pos::Adv],
        };
        let mut out = Vec::new();
        for p in poss {
            let head = |s: &str| {
                let w: Vec<&str> = s.split(' ').collect();
                (if p == Pos::Verb { w[0] } else { w[w.len() - 1] }).to_string()
            };
            let Some(tags) = self.tags.get(&(head(original), p)) else {
                continue;
            };
            for t in tags {
                let (Some(o), Some(s)) = (self.inflect(original, p, t), self.inflect(spun, p, t))
                else {
                    continue;
                };
                if (o != original || s != spun) && o != s {
                    out.push((s, o));
                }
            }
        }
        out
    }
}

/// Carries every lemma-level pair to the inflections both sides share.
pub fn inflect_channel(
    ch: &mut Channel,
    morph: &Morph,
    pos_of: &HashMap<(String, String), Option<Pos>>,
) {
    let base: Vec<((String, String), (f64, Src))> =
        ch.pairs.iter().map(|(k, v)| (k.clone(), *v)).collect();
    for ((s, o), (p, src)) in base {
        if src.contains(Src::TORTURED) && !src.contains(Src::MOBY) {
            continue;
        }
        let pos = pos_of.get(&(s.clone(), o.clone())).copied().flatten();
        for (fs, fo) in morph.expand(&s, &o, pos) {
            ch.add(&fs, &fo, p, src | Src::INFLECTED);
        }
    }
}

/// Writes the channel into the lexicon: for every spun phrase the `cap` candidates with the
/// best rank score, where the rank adds the original's frequency to its prior (spinners copy
/// news text, whose words are mostly common).
pub fn write_channel(
    ch: Channel,
    lex: &mut LexiconWriter,
    freq: &dyn Fn(&str) -> f32,
    ranker: &Ranker,
    cap: usize,
) -> usize {
    let mut by_spun: HashMap<String, Vec<(String, f64, Src)>> = HashMap::new();
    for ((s, o), (p, src)) in ch.pairs {
        by_spun.entry(s).or_default().push((o, p, src));
    }
    let mut n = 0;
    let mut keys: Vec<String> = by_spun.keys().cloned().collect();
    keys.sort();
    for s in keys {
        let v = by_spun.remove(&s).unwrap();
        let mut v: Vec<_> = v
            .into_iter()
            .map(|(o, p, src)| (ranker.score(&s, &o, p, src, freq(&o)), o, p, src))
            .collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        v.truncate(cap);
        for (_, o, p, src) in v {
            lex.add_candidate(&s, &o, p.log10() as f32, src);
            n += 1;
        }
    }
    n
}

/// Whether two phrases are the same words but for contractions ("we're" / "we are", "it is" /
/// "it's", "didn't" / "did not"). Spinners contract and expand both ways, and honest text, news
/// quotes above all, is full of both forms, so such a pair could only be a guess: it is left out
/// of the channel, where on real news it made nearly every false change.
pub fn contraction_only(a: &str, b: &str) -> bool {
    // Each phrase as full words, with "has" read as "is" and "had" as "would" ("'s", "'d").
    fn words(p: &str) -> Vec<String> {
        let mut out = Vec::new();
        for w in p.split_whitespace() {
            let w = w.replace('\u{2019}', "'");
            let split = |stem: &str, full: &'static str, out: &mut Vec<String>| {
                out.push(stem.to_string());
                out.push(full.to_string());
            };
            if let Some(stem) = w.strip_suffix("n't") {
                let stem = match stem {
                    "wo" => "will",
                    "ca" => "can",
                    "sha" => "shall",
                    s => s,
                };
                split(stem, "not", &mut out);
            } else if let Some((stem, tail)) = w.rsplit_once('\'') {
                let full = match tail {
                    "s" => "is",
                    "re" => "are",
                    "ve" => "have",
                    "ll" => "will",
                    "m" => "am",
                    "d" => "would",
                    _ => {
                        out.push(w.to_string());
                        continue;
                    }
                };
                split(stem, full, &mut out);
            } else if w == "cannot" {
                split("can", "not", &mut out);
            } else {
                out.push(match w.as_str() {
                    "has" => "is".to_string(),
                    "had" => "would".to_string(),
                    _ => w.to_string(),
                });
            }
        }
        out
    }
    a != b && words(a) == words(b)
}

/// The most frequent words, which thesauri must not rewrite (spinners that do are caught by
/// mined pairs and rules instead): proposing "at" for every "in" would cost far more precision
/// than it could buy.
pub fn stopwords(unigrams: &[(String, u64)], n: usize) -> HashSet<String> {
    let mut v: Vec<&(String, u64)> = unigrams.iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1));
    v.into_iter().take(n).map(|(w, _)| w.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contraction_pairs_are_told_from_spins() {
        for (a, b) in [
            ("we're", "we are"),
            ("it is", "it's"),
            ("won't", "will not"),
            ("it\u{2019}s", "it has"),
            ("there's nonetheless", "there is nonetheless"),
            ("can't", "cannot"),
        ] {
            assert!(contraction_only(a, b), "{a} / {b}");
        }
        for (a, b) in [
            ("didn't", "failed to"),
            ("isn't a", "is no"),
            ("we've got", "we have"),
            ("there's nonetheless", "there is still"),
            ("it's", "it's"),
            ("company's", "firm's"),
        ] {
            assert!(!contraction_only(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn ranker_without_weights_is_bayes() {
        let r = Ranker::bayes();
        // log10 0.1 + log10 frequency -3
        assert!((r.score("big", "large", 0.1, Src::MOBY, -3.0) + 4.0).abs() < 1e-6);
        // A word the counts lack counts as -9, however it was given.
        assert!((r.score("big", "vast", 1.0, Src::MOBY, -20.0) + 9.0).abs() < 1e-6);
    }

    #[test]
    fn ranker_weights_every_feature() {
        let text: String = RANK_FEATURES
            .iter()
            .map(|f| format!("{f} {}\n", if *f == "orig_words" { -2.0 } else { 0.0 }))
            .collect();
        let r = Ranker::parse(&format!("# fitted\n\n{text}")).unwrap();
        let one = r.score("secret", "private", 0.1, Src::MOBY, -4.0);
        let two = r.score("secret", "open secret", 0.1, Src::MOBY, -4.0);
        assert_eq!((one, two), (-2.0, -4.0));
    }

    #[test]
    fn ranker_refuses_incomplete_or_unknown_weights() {
        let e = Ranker::parse("prior 1.0\n").unwrap_err().to_string();
        assert!(e.contains("no weight for feature \"freq_orig\""), "{e}");
        let e = Ranker::parse("colour 1.0\n").unwrap_err().to_string();
        assert!(e.contains("line 1: unknown feature \"colour\""), "{e}");
        let e = Ranker::parse("prior x\n").unwrap_err().to_string();
        assert!(e.contains("line 1: expected `feature weight`"), "{e}");
    }
}
