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
use std::collections::{BTreeSet, HashMap, HashSet};
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

    /// Adds the bits of `src` to the pair (spun, original) if it has mass, and leaves its
    /// mass alone: for what a source says of a pair beyond its count ([`Src::REPEATED`]).
    pub fn mark(&mut self, spun: &str, original: &str, src: Src) {
        if let Some(e) = self
            .pairs
            .get_mut(&(spun.to_string(), original.to_string()))
        {
            e.1 |= src;
        }
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
pub fn add_counted<S: AsRef<str>>(ch: &mut Channel, pairs: &[(S, S, f64)], weight: f64, src: Src) {
    let mut total: HashMap<&str, f64> = HashMap::new();
    for (_, o, c) in pairs {
        *total.entry(o.as_ref()).or_default() += c;
    }
    for (s, o, c) in pairs {
        ch.add(s.as_ref(), o.as_ref(), weight * c / total[o.as_ref()], src);
    }
}

/// Word pairs aligned inside same-length tortured phrases ("profound learning" / "deep
/// learning" gives profound -> deep), counted: how paper-mill spinners substitute.
///
/// A phrase whose two changed words the rest of the list pairs the other way round is a word
/// order swapped, not two substitutions: "created calculation" for "algorithm developed" would
/// give "calculation" -> "developed", where twenty other phrases write "calculation" for
/// "algorithm". Such a phrase gives no pairs.
pub fn tortured_word_pairs(list: &[Tortured]) -> Vec<(String, String, f64)> {
    // Each phrase's substituted (tortured, correct) word pairs, by position.
    let aligned: Vec<Vec<(&str, &str)>> = list
        .iter()
        .map(|t| {
            let (a, b): (Vec<&str>, Vec<&str>) = (
                t.tortured.split(' ').collect(),
                t.correct.split(' ').collect(),
            );
            if a.len() != b.len() {
                return Vec::new();
            }
            let diff: Vec<(&str, &str)> = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| x != y)
                .map(|(&x, &y)| (x, y))
                .collect();
            // Only clean alignments: at most two substituted words, the rest identical.
            if diff.len() > 2 {
                return Vec::new();
            }
            diff
        })
        .collect();
    let mut counts: HashMap<(&str, &str), f64> = HashMap::new();
    for pairs in &aligned {
        for &p in pairs {
            *counts.entry(p).or_default() += 1.0;
        }
    }
    // How often the rest of the list pairs `p` (its own count less this phrase's).
    let others = |p: (&str, &str), own: f64| counts.get(&p).copied().unwrap_or(0.0) - own;
    let swapped = |pairs: &[(&str, &str)]| match *pairs {
        [(a1, b1), (a2, b2)] => {
            others((a1, b2), 0.0) + others((a2, b1), 0.0)
                > others((a1, b1), 1.0) + others((a2, b2), 1.0)
        }
        _ => false,
    };
    let mut kept: HashMap<(&str, &str), f64> = HashMap::new();
    for pairs in aligned.iter().filter(|pairs| !swapped(pairs)) {
        for &p in pairs {
            *kept.entry(p).or_default() += 1.0;
        }
    }
    kept.into_iter()
        .map(|((s, o), c)| (s.to_string(), o.to_string(), c))
        .collect()
}

/// Closed-class words: a term composed by [`composed_tortured`] neither starts nor ends with
/// one, since "the network" is no technical term and "of the" spins into honest English.
const CLOSED_CLASS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "how", "in",
    "into", "is", "it", "its", "no", "not", "of", "on", "or", "than", "that", "the", "then",
    "these", "this", "those", "to", "was", "were", "what", "when", "where", "which", "who", "whom",
    "whose", "with",
];

/// Most spellings composed for one term: a term of four words with many substitutes each
/// would otherwise give thousands, nearly all of them never written by any spinner.
const COMPOSED_PER_TERM: usize = 200;

/// The list's *terms*: runs of 2-4 words inside its correct phrases that neither start nor end
/// with a closed-class word ("random forest", "deep learning").
pub fn terms(list: &[Tortured]) -> BTreeSet<Vec<&str>> {
    let closed = |w: &str| CLOSED_CLASS.contains(&w);
    let mut terms = BTreeSet::new();
    for t in list {
        let words: Vec<&str> = t.correct.split(' ').collect();
        for n in 2..=4.min(words.len()) {
            for g in words.windows(n) {
                if !closed(g[0]) && !closed(g[n - 1]) {
                    terms.insert(g.to_vec());
                }
            }
        }
    }
    terms
}

/// The words of the list's correct phrases: technical vocabulary, never read as another word.
fn technical(list: &[Tortured]) -> HashSet<&str> {
    list.iter().flat_map(|t| t.correct.split(' ')).collect()
}

/// Tortured phrases the list lacks, composed from its own word substitutions.
///
/// Paper-mill spinners work word by word from one dictionary, so the list's phrases share
/// their substitutions: "profound" is written for "deep" in several of them. A *term* is a run
/// of 2-4 words inside a correct phrase ("random forest", "deep learning") that neither starts
/// nor ends with a closed-class word. Each term is spelled with every combination of its words
/// and their substitutes (`word_pairs`, each seen at least `min_count` times, so that a
/// substitution seen once does not generalize). A spelling is kept when it changes a word, is
/// neither a listed tortured phrase nor a term itself, and is neither technical nor ordinary
/// English: one of the words it changes occurs in no correct phrase of the list ("recognition"
/// for "detection" would turn honest "automatic recognition" into "automatic detection"), and
/// one of its adjacent word pairs is one that `attested` (the LM's stored bigrams) does not
/// know. A spelling that several terms give is kept for the term whose
/// rarest substitution was seen most often, and dropped on a tie.
///
/// Returns (tortured, correct) pairs, sorted, none of them in `list`.
pub fn composed_tortured(
    list: &[Tortured],
    word_pairs: &[(String, String, f64)],
    min_count: f64,
    attested: impl Fn(&str, &str) -> bool,
) -> Vec<(String, String)> {
    let count: HashMap<(&str, &str), f64> = word_pairs
        .iter()
        .map(|(s, o, c)| ((s.as_str(), o.as_str()), *c))
        .collect();
    let mut substitutes: HashMap<&str, Vec<&str>> = HashMap::new();
    for (s, o, c) in word_pairs {
        if *c >= min_count {
            substitutes.entry(o.as_str()).or_default().push(s.as_str());
        }
    }
    for v in substitutes.values_mut() {
        v.sort_unstable();
    }
    let terms = terms(list);
    let listed: HashSet<&str> = list.iter().map(|t| t.tortured.as_str()).collect();
    let technical = technical(list);
    // Spelling -> (term, the count of its rarest substitution, whether another term ties).
    let mut best: HashMap<Vec<&str>, (&Vec<&str>, f64, bool)> = HashMap::new();
    for term in &terms {
        let options: Vec<Vec<&str>> = term
            .iter()
            .map(|w| {
                let mut o = vec![*w];
                o.extend(substitutes.get(w).into_iter().flatten().copied());
                o
            })
            .collect();
        let mut pick = vec![0usize; term.len()];
        for _ in 0..COMPOSED_PER_TERM {
            // The next combination, as an odometer over `options`; all zeros is the term.
            let Some(k) = (0..pick.len())
                .rev()
                .find(|&k| pick[k] + 1 < options[k].len())
            else {
                break;
            };
            pick[k] += 1;
            pick[k + 1..].iter_mut().for_each(|p| *p = 0);
            let spelling: Vec<&str> = pick.iter().zip(&options).map(|(&p, o)| o[p]).collect();
            let changed = || spelling.iter().zip(term).filter(|(s, o)| s != o);
            if terms.contains(&spelling)
                || listed.contains(spelling.join(" ").as_str())
                || changed().all(|(s, _)| technical.contains(s))
                || spelling.windows(2).all(|p| attested(p[0], p[1]))
            {
                continue;
            }
            let weakest = changed()
                .map(|(s, o)| count[&(*s, *o)])
                .fold(f64::INFINITY, f64::min);
            match best.entry(spelling) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert((term, weakest, false));
                }
                std::collections::hash_map::Entry::Occupied(mut e) => {
                    let b = e.get_mut();
                    if weakest > b.1 {
                        *b = (term, weakest, false);
                    } else if weakest == b.1 && b.0 != term {
                        b.2 = true;
                    }
                }
            }
        }
    }
    let mut out: Vec<(String, String)> = best
        .into_iter()
        .filter(|(_, (_, _, tie))| !tie)
        .map(|(s, (term, _, _))| (s.join(" "), term.join(" ")))
        .collect();
    out.sort_unstable();
    out
}

/// Which of the lexicon's one-word pairs read a written word as a word of the list's terms, for
/// matching variants of those terms (`unspin_core::fingerprint::Fingerprints::add_terms`).
///
/// Paper mills spin the vocabulary of science, and a phrase held out of the list often spins a
/// term that other entries correct to ("ravenous algorithm" and "voracious method" both stand
/// for "greedy algorithm"), with a plain thesaurus neighbour the list never used. A pair
/// (spun, original, rank of the original among the spun word's candidates) is kept when its
/// original is a word of a term and ranks below `max_rank`, and its spun word occurs in no
/// correct phrase: a technical word is read as itself ("recognition" for "detection" would
/// turn honest "automatic recognition" into "automatic detection").
pub struct TermReadings<'a> {
    /// The list's terms ([`terms`]).
    pub terms: BTreeSet<Vec<&'a str>>,
    words: HashSet<&'a str>,
    technical: HashSet<&'a str>,
    max_rank: usize,
}

impl<'a> TermReadings<'a> {
    /// The terms of `list`, reading words as theirs below rank `max_rank`.
    pub fn new(list: &'a [Tortured], max_rank: usize) -> TermReadings<'a> {
        let terms = terms(list);
        let words = terms.iter().flatten().copied().collect();
        TermReadings {
            terms,
            words,
            technical: technical(list),
            max_rank,
        }
    }

    /// Whether the pair (spun, original) at `rank` is kept.
    pub fn keeps(&self, spun: &str, original: &str, rank: usize) -> bool {
        rank < self.max_rank
            && !spun.contains(' ')
            && self.words.contains(original)
            && !self.technical.contains(spun)
    }
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

/// Pairs of a word's own forms, lemma and inflection both ways ("law" for "laws", "carry" for
/// "carried", "measuring" for "measure"), marked [`Src::INFLECTED`] and nothing else, which no
/// other pair is. WordNet-random augmenters write a synonym's lemma, and a word's own lemma is
/// among its WordNet synonyms: an eighth of nlpaug's spun spans are the original's lemma. Honest
/// text is full of both forms, so the pair is weak evidence alone; the language model tells
/// "the nation be strong" from "the nations". `keep` decides (spun, original) pairs. Returns
/// the number of pairs added and the lemmas that propose forms of theirs.
pub fn reinflect_channel(
    ch: &mut Channel,
    infl: &[Inflection],
    keep: &dyn Fn(&str, &str) -> bool,
    p: f64,
) -> (usize, Vec<String>) {
    // Every spelling, not only the preferred one: "be" stands for "are" and "were" too.
    let mut pairs: Vec<(&str, &str)> = infl
        .iter()
        .filter(|i| i.lemma != i.form)
        .flat_map(|i| [(i.lemma.as_str(), i.form.as_str()), (&i.form, &i.lemma)])
        .filter(|(s, o)| !s.contains(' ') && !o.contains(' ') && keep(s, o))
        .collect();
    // One pair per (spun, original), whatever the tags that make it: "carried" is both the
    // past and the participle of "carry".
    pairs.sort_unstable();
    pairs.dedup();
    let lemmas: BTreeSet<&str> = infl
        .iter()
        .filter(|i| {
            pairs
                .binary_search(&(i.lemma.as_str(), i.form.as_str()))
                .is_ok()
        })
        .map(|i| i.lemma.as_str())
        .collect();
    let before = ch.len();
    for (s, o) in pairs {
        if !ch.pairs.contains_key(&(s.to_string(), o.to_string())) {
            ch.add(s, o, p, Src::INFLECTED);
        }
    }
    let lemmas = lemmas.into_iter().map(str::to_string).collect();
    (ch.len() - before, lemmas)
}

/// Carries the spinners' own pairs (mined and rules) to their possessives ("corporate's" for
/// "company's"): the table lists words, not their possessives, yet a spinner that swaps
/// "company" swaps it in "company's" too. The thesauri's pairs are not carried: on honest
/// text they made more false changes ("Secretary's" to "President's") than right ones on
/// spun text. A pair of single words is carried where `possessive` takes the original's
/// possessive (a noun's, which the LM knows), whether or not it takes the spun one's:
/// "corporate's" is no word the LM knows. The pair keeps its noun pair's sources, not marked
/// inflected: the change scorer has seen mined pairs only as the table lists them, and read
/// "mined and inflected" as a thesaurus's inflected guess (confidence 0.12 for "corporate's"
/// made "company's", where "corporate" made "company" has 0.94). Returns the phrases it added.
pub fn possessive_channel(ch: &mut Channel, possessive: &dyn Fn(&str) -> bool) -> Vec<String> {
    let base: Vec<((String, String), (f64, Src))> = ch
        .pairs
        .iter()
        .filter(|((s, o), (_, src))| {
            (src.contains(Src::MINED) || src.contains(Src::RULE))
                && !s.contains(' ')
                && !o.contains(' ')
                && !s.ends_with("'s")
                && !o.ends_with("'s")
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let mut added = Vec::new();
    for ((s, o), (p, src)) in base {
        let orig = format!("{o}'s");
        if possessive(&orig) {
            let spun = format!("{s}'s");
            ch.add(&spun, &orig, p, src);
            added.push(spun);
            added.push(orig);
        }
    }
    added.sort_unstable();
    added.dedup();
    added
}

/// Writes the channel into the lexicon: for every spun phrase the `cap` candidates with the
/// best rank score, where the rank adds the original's frequency to its prior (spinners copy
/// news text, whose words are mostly common).
///
/// The `pinned` pairs (mined from real spinners and seen in several article pairs) go first,
/// in rank order among themselves, so that the decoder, which scores only the first
/// `max_candidates`, always tries them. The fitted order weighs an original's frequency and
/// length for the development spinners, which mostly swap one common word for another, and so
/// put "by", "with", "per" and "after" before "according to" for "in keeping with", a pair seen
/// in six real article pairs: a substitution that spinners are seen to make is worth scoring.
/// `kept` hears of every candidate written: (spun, original, its rank among the spun phrase's).
pub fn write_channel(
    ch: Channel,
    lex: &mut LexiconWriter,
    freq: &dyn Fn(&str) -> f32,
    ranker: &Ranker,
    pinned: &dyn Fn(&str, &str) -> bool,
    cap: usize,
    kept: &mut dyn FnMut(&str, &str, usize),
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
        // A word's own forms go last, outside the cap and the order (see `Src::is_own_form`).
        let (own, mut v): (Vec<_>, Vec<_>) = v.into_iter().partition(|c| c.3.is_own_form());
        // A stable sort: pinned pairs first, each group still in rank order.
        v.sort_by_key(|c| !pinned(&s, &c.1));
        v.truncate(cap);
        for (rank, (_, o, p, src)) in v.into_iter().enumerate() {
            lex.add_candidate(&s, &o, p.log10() as f32, src);
            n += 1;
            kept(&s, &o, rank);
        }
        for (_, o, p, src) in own {
            lex.add_candidate(&s, &o, p.log10() as f32, src);
            n += 1;
        }
    }
    n
}

/// The original of a mined pair whose spun phrase is a compound noun turned into an of-phrase.
/// Spinners write "rate of interest" for "interest rate"; a diff of the spun page against its
/// original keeps the word the two share where it stands ("rate") and pairs what is left, so the
/// table reads "rate of interest" as a spelling of "interest" alone, and "hold interest rates
/// steady", spun as "hold rates of interest regular", came back as "hold interest regular".
/// Where the spun phrase is "A of B", its recorded original is B and `attested` (the LM's stored
/// bigrams) knows "B A", the original is "B A"; otherwise `None`.
pub fn of_inversion(
    spun: &str,
    original: &str,
    attested: impl Fn(&str, &str) -> bool,
) -> Option<String> {
    match spun.split(' ').collect::<Vec<_>>().as_slice() {
        [a, "of", b] if *b == original && attested(b, a) => Some(format!("{b} {a}")),
        _ => None,
    }
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
    fn marking_a_pair_adds_bits_and_keeps_its_mass() {
        let mut ch = Channel::default();
        ch.add("mentioned", "said", 0.5, Src::MINED);
        ch.mark("mentioned", "said", Src::REPEATED);
        // A pair without mass is not created by a mark.
        ch.mark("stated", "said", Src::REPEATED);
        assert_eq!(ch.len(), 1);
        assert_eq!(
            ch.pairs[&("mentioned".to_string(), "said".to_string())],
            (0.5, Src::MINED | Src::REPEATED)
        );
    }

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
    fn an_of_phrase_stands_for_the_compound_it_inverts() {
        let known = |a: &str, b: &str| matches!((a, b), ("interest", "rates") | ("coffee", "cup"));
        let inverted = |s, o| of_inversion(s, o, known);
        assert_eq!(
            inverted("rates of interest", "interest").as_deref(),
            Some("interest rates")
        );
        // Another original, or a compound the LM does not know: as mined.
        assert_eq!(inverted("rates of interest", "rates"), None);
        assert_eq!(inverted("kind of people", "people"), None);
        assert_eq!(inverted("a lot of", "many"), None);
    }

    #[test]
    fn spinner_pairs_are_carried_to_possessives() {
        let mut ch = Channel::default();
        ch.add("corporate", "company", 0.5, Src::MINED);
        ch.add("agency", "firm", 0.5, Src::RULE);
        ch.add("allied", "federated", 0.5, Src::MINED);
        ch.add("nation", "country", 0.5, Src::MOBY); // a thesaurus pair
        ch.add("social gathering", "party", 0.5, Src::MINED); // not one word
        let known = |w: &str| matches!(w, "company's" | "firm's" | "country's" | "party's");
        let added = possessive_channel(&mut ch, &known);
        assert_eq!(added, ["agency's", "company's", "corporate's", "firm's"]);
        let got = ch.pairs[&("corporate's".to_string(), "company's".to_string())];
        assert_eq!(got, (0.5, Src::MINED));
        assert!(!ch
            .pairs
            .contains_key(&("nation's".to_string(), "country's".to_string())));
    }

    #[test]
    fn tortured_phrases_are_composed_from_the_lists_substitutions() {
        let list: Vec<Tortured> = [
            ("arbitrary woodland", "random woodland"),
            ("arbitrary variable", "random variable"),
            ("timberland fire", "forest fire"),
            ("timberland cover", "forest cover"),
            ("decision timberland", "decision forest"),
            ("profound learning", "deep learning"),
            ("random forest model", "random forest model"),
            ("arbitrary number", "random number"),
            ("once seen", "seen once"),
            ("great measure", "high measure"),
            ("great value", "high value"),
            ("recognition rate", "detection rate"),
            ("recognition method", "detection method"),
            ("automatic detection", "automatic detection"),
            ("automatic recognition", "automatic recognition"),
        ]
        .into_iter()
        .map(|(t, c)| Tortured {
            tortured: t.into(),
            correct: c.into(),
        })
        .collect();
        let pairs = tortured_word_pairs(&list);
        // "great measure" is English: the LM knows the bigram.
        let attested = |a: &str, b: &str| (a, b) == ("great", "measure");
        let got = composed_tortured(&list, &pairs, 2.0, attested);
        let got: Vec<(&str, &str)> = got.iter().map(|(t, c)| (t.as_str(), c.as_str())).collect();
        assert!(
            got.contains(&("arbitrary timberland", "random forest")),
            "{got:?}"
        );
        assert!(got.contains(&("arbitrary timberland model", "random forest model")));
        // "profound" for "deep" was seen once: it composes nothing.
        assert!(!got.iter().any(|(t, _)| t.contains("profound")));
        // Listed phrases, terms and English are not composed, nor are phrases whose changed
        // words are all technical ("recognition" is a correct word too).
        assert!(!got
            .iter()
            .any(|(t, _)| ["arbitrary woodland", "great measure"].contains(t)));
        assert!(!got.iter().any(|(t, _)| t.contains("recognition")));
        assert!(got.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_swapped_word_order_gives_no_word_pairs() {
        let list: Vec<Tortured> = [
            ("created calculation", "algorithm developed"),
            ("ravenous calculation", "greedy algorithm"),
            ("created model", "developed model"),
            ("profound learning", "deep learning"),
        ]
        .into_iter()
        .map(|(t, c)| Tortured {
            tortured: t.into(),
            correct: c.into(),
        })
        .collect();
        let mut got: Vec<(String, String, f64)> = tortured_word_pairs(&list);
        got.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let got: Vec<(&str, &str, f64)> = got
            .iter()
            .map(|(s, o, c)| (s.as_str(), o.as_str(), *c))
            .collect();
        assert_eq!(
            got,
            [
                ("calculation", "algorithm", 1.0),
                ("created", "developed", 1.0),
                ("profound", "deep", 1.0),
                ("ravenous", "greedy", 1.0)
            ]
        );
    }

    #[test]
    fn term_readings_read_plain_words_as_term_words() {
        let list: Vec<Tortured> = [
            ("ravenous algorithm", "greedy algorithm"),
            ("profound learning", "deep learning"),
            ("the arrangement", "the solution"),
        ]
        .into_iter()
        .map(|(t, c)| Tortured {
            tortured: t.into(),
            correct: c.into(),
        })
        .collect();
        let pair = |s: &str, o: &str, r| (s.to_string(), o.to_string(), r);
        let pairs = [
            pair("voracious", "greedy", 2),
            pair("gluttonous", "greedy", 9),
            pair("heavy", "deep", 0),
            // A technical word stays itself; a word of no term is no term word.
            pair("learning", "algorithm", 0),
            pair("answer", "solution", 0),
        ];
        let readings = TermReadings::new(&list, 8);
        let got: Vec<_> = pairs
            .iter()
            .filter(|(s, o, r)| readings.keeps(s, o, *r))
            .cloned()
            .collect();
        assert_eq!(
            got,
            [pair("voracious", "greedy", 2), pair("heavy", "deep", 0)]
        );
        let terms: Vec<String> = readings.terms.iter().map(|t| t.join(" ")).collect();
        assert_eq!(terms, ["deep learning", "greedy algorithm"]);
    }

    #[test]
    fn pinned_pairs_are_written_first() {
        let mut ch = Channel::default();
        ch.add("in keeping with", "by", 0.3, Src::MOBY);
        ch.add("in keeping with", "with", 0.3, Src::MOBY);
        ch.add(
            "in keeping with",
            "according to",
            0.2,
            Src::MOBY | Src::MINED,
        );
        ch.add("in keeping with", "per", 0.1, Src::MOBY);
        ch.add("in keeping with", "after", 0.1, Src::MOBY);
        let mut lex = LexiconWriter::default();
        let freq = |w: &str| if w.contains(' ') { -4.0 } else { -2.0 };
        let pinned = |s: &str, o: &str| (s, o) == ("in keeping with", "according to");
        let mut kept = Vec::new();
        let n = write_channel(
            ch,
            &mut lex,
            &freq,
            &Ranker::bayes(),
            &pinned,
            3,
            &mut |s, o, rank| kept.push((s.to_string(), o.to_string(), rank)),
        );
        assert_eq!(n, 3);
        // Every candidate written is heard of, with its rank.
        let ranks: Vec<(&str, usize)> = kept.iter().map(|(_, o, r)| (o.as_str(), *r)).collect();
        assert_eq!(ranks, [("according to", 0), ("by", 1), ("with", 2)]);
        let l = lex.into_lexicon().unwrap();
        let key = l.find("in keeping with").unwrap();
        let got: Vec<&str> = l.candidates(key).map(|c| l.phrase(c.original)).collect();
        // By prior and frequency "according to" would come last and be cut.
        assert_eq!(got, ["according to", "by", "with"]);
    }

    #[test]
    fn own_forms_go_both_ways_and_last() {
        let infl = |lemma: &str, tag: &str, form: &str| Inflection {
            lemma: lemma.into(),
            pos: if tag.starts_with('V') {
                Pos::Verb
            } else {
                Pos::Noun
            },
            tag: tag.into(),
            form: form.into(),
        };
        let table = [
            infl("be", "VB", "be"),
            infl("be", "VBD", "was"),
            infl("be", "VBD", "were"),
            infl("carry", "VBD", "carried"),
            infl("carry", "VBN", "carried"),
            infl("law", "NNS", "laws"),
        ];
        let mut ch = Channel::default();
        ch.add("law", "rule", 0.5, Src::MOBY);
        ch.add("law", "act", 0.4, Src::MOBY);
        let keep = |s: &str, _: &str| s != "was";
        // "carried" both past and participle, one pair each way; "was" is never read as spun.
        let (n, lemmas) = reinflect_channel(&mut ch, &table, &keep, 0.05);
        assert_eq!(n, 7);
        assert_eq!(lemmas, ["be", "carry", "law"]);
        let mut lex = LexiconWriter::default();
        let freq = |_: &str| -3.0;
        let n = write_channel(
            ch,
            &mut lex,
            &freq,
            &Ranker::bayes(),
            &|_, _| false,
            1,
            &mut |_, _, _| {},
        );
        // The cap of 1 holds for the synonyms, not for the word's own forms.
        assert_eq!(n, 8);
        let l = lex.into_lexicon().unwrap();
        let cands = |w: &str| -> Vec<(&str, bool)> {
            l.candidates(l.find(w).unwrap())
                .map(|c| (l.phrase(c.original), c.src.is_own_form()))
                .collect()
        };
        assert_eq!(cands("law"), [("rule", false), ("laws", true)]);
        assert_eq!(cands("be"), [("was", true), ("were", true)]);
        assert_eq!(cands("were"), [("be", true)]);
        assert_eq!(cands("carried"), [("carry", true)]);
        assert_eq!(l.candidates(l.find("was").unwrap()).len(), 0);
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
