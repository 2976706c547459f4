//! Canonical tokens: every word mapped to a representative of its synonym neighbourhood, so that a
//! spun word and the word it replaced usually collide.
//!
//! A spinner writes a thesaurus neighbour `s` in place of an original word `o`. The model's lexicon
//! holds the reverse channel: `candidates(s)` are the originals `s` could stand for, so it usually
//! contains `o`. Each word points at the most frequent word among itself and its (single-word,
//! content) candidates, and the pointers are followed until a word points at itself: the
//! *root*. `s` points at `o` or at a more frequent neighbour of both, and from there both walks
//! tend to end at the same root. Roots are lightly stemmed, so `markets` and `market` agree too.
//!
//! Stop words are kept but marked: spinners rarely touch them, so in shingles they add context
//! that survives spinning, while the alignment that verifies a source skips them (two unrelated
//! passages share plenty of "of the").
//!
//! The plain method (the baseline that `bench/trace.sh` compares against) keeps every word, only
//! lowercased.
//!
//! ```
//! use unspin_trace::canon::{canon_table, Canonizer, Method};
//! let model = unspin_core::fixture::tiny_model();
//! let table: Vec<u8> = canon_table(model.lexicon()).iter().flat_map(|x| x.to_le_bytes()).collect();
//! let mut c = Canonizer::new(Method::Unspin, Some(model.lexicon()), &table);
//! let spun = c.tokens("The inventory market fell.");
//! let orig = c.tokens("The stock market fell.");
//! // "the" is a stop word; "inventory" and "stock" share a canonical id.
//! assert!(spun[0].stop);
//! assert_eq!(spun[1].canon, orig[1].canon);
//! assert_ne!(spun[1].word, orig[1].word);
//! ```

use unspin_core::lexicon::Lexicon;
use unspin_core::tokenize::{normalize_word, prose_tokens, tokenize, Kind};

/// Version of the canonicalization rules. Stored in every index: an index whose tokens were
/// canonicalized by other rules cannot be searched with these ones. Version 2 reads a word that a
/// hyphen breaks across lines ("inven-" and "tory"), or that a soft hyphen or a zero-width
/// character splits, as one word, and skips web addresses, HTML tags and character references,
/// as the detector does. Version 3 skips code (Markdown fences and inline code) as well, and
/// version 4 identifiers written with underscores (`system_info`).
pub const CANON_VERSION: u32 = 4;

/// How words become tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// Synonym-neighbourhood canonical tokens without stop words (the default).
    Unspin,
    /// Raw lowercase words (the plain MinHash baseline).
    Plain,
}

impl Method {
    /// The code stored in index headers.
    pub fn code(self) -> u32 {
        match self {
            Method::Unspin => 0,
            Method::Plain => 1,
        }
    }

    /// The method with header code `c`.
    pub fn from_code(c: u32) -> Option<Method> {
        match c {
            0 => Some(Method::Unspin),
            1 => Some(Method::Plain),
            _ => None,
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::Unspin => "unspin",
            Method::Plain => "plain",
        }
    }
}

/// One token of a text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tok {
    /// Hash of the normalized (lowercase) word: equal words, equal hashes.
    pub word: u64,
    /// Canonical id: equal for words of one synonym neighbourhood.
    pub canon: u32,
    /// A stop word: part of shingles, skipped by alignment.
    pub stop: bool,
    /// log10 frequency of the word in the lexicon (lower is rarer; 0 for the plain method).
    pub freq: f32,
    /// The word's phrase id in the lexicon, if it has one (unspin method).
    pub lex_id: Option<u32>,
    /// Byte offset of the word in its text.
    pub start: u32,
    /// Byte offset one past the word.
    pub end: u32,
}

/// English stop words (NLTK's list, plus a few spinner favourites such as "amongst" and "whilst",
/// which only stand in for stop words).
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "ain",
    "all",
    "also",
    "am",
    "amongst",
    "an",
    "and",
    "any",
    "are",
    "aren",
    "aren't",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "couldn",
    "couldn't",
    "d",
    "did",
    "didn",
    "didn't",
    "do",
    "does",
    "doesn",
    "doesn't",
    "doing",
    "don",
    "don't",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "hadn",
    "hadn't",
    "has",
    "hasn",
    "hasn't",
    "have",
    "haven",
    "haven't",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "isn't",
    "it",
    "it's",
    "its",
    "itself",
    "just",
    "ll",
    "m",
    "ma",
    "may",
    "me",
    "might",
    "mightn",
    "mightn't",
    "more",
    "most",
    "must",
    "mustn",
    "mustn't",
    "my",
    "myself",
    "needn",
    "needn't",
    "no",
    "nor",
    "not",
    "now",
    "o",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "re",
    "s",
    "same",
    "shall",
    "shan",
    "shan't",
    "she",
    "she's",
    "should",
    "should've",
    "shouldn",
    "shouldn't",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "that'll",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "ve",
    "very",
    "was",
    "wasn",
    "wasn't",
    "we",
    "were",
    "weren",
    "weren't",
    "what",
    "when",
    "where",
    "which",
    "while",
    "whilst",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won",
    "won't",
    "would",
    "wouldn",
    "wouldn't",
    "y",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Whether `w` (lowercase) is a stop word.
///
/// ```
/// assert!(unspin_trace::canon::is_stopword("the"));
/// assert!(!unspin_trace::canon::is_stopword("market"));
/// ```
pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.binary_search(&w).is_ok()
}

/// Candidate pairs with a prior below this are loose associations (a rare sense, a long MyThes
/// list) that would merge unrelated neighbourhoods; measured on the tune devset, -1.5 keeps most
/// of the spun/original collisions while unrelated passages stay apart.
const MIN_PRIOR: f32 = -1.5;
/// How many pointer steps a walk takes at most. Walks are short in practice; the bound keeps a
/// pathological lexicon from making one slow.
const MAX_STEPS: usize = 6;
/// Bit of a table entry that marks a stop word (or a word whose neighbourhood is a stop word's).
pub const STOP_BIT: u32 = 1 << 31;
/// Bit of a table entry that marks a multi-word phrase (never a token of its own).
pub const PHRASE_BIT: u32 = 1 << 30;
/// The canonical id part of a table entry.
pub const ID_MASK: u32 = PHRASE_BIT - 1;

/// The canonical id of every lexicon phrase, indexed by phrase id: the stemmed root's hash, with
/// [`STOP_BIT`] set for stop words.
///
/// The walk runs over the candidate graph in both directions: the lexicon lists the originals a
/// spun word could stand for, but a thesaurus is close to symmetric and many spinners draw from
/// it forwards, so an edge either way is evidence that two words can replace each other.
///
/// ```
/// let model = unspin_core::fixture::tiny_model();
/// let lex = model.lexicon();
/// let t = unspin_trace::canon::canon_table(lex);
/// let id = |w| t[lex.find(w).unwrap() as usize];
/// assert_eq!(id("inventory"), id("stock"));
/// ```
pub fn canon_table(lex: &Lexicon) -> Vec<u32> {
    let n = lex.len();
    let single = |id: u32| !lex.phrase(id).contains(' ');
    // Each phrase's next step: its most frequent neighbour, if more frequent than itself.
    let better = |a: u32, b: u32| {
        let (fa, fb) = (lex.freq(a), lex.freq(b));
        // Ties go to the smaller id so the walk does not depend on the candidate order.
        fa > fb || (fa == fb && a < b)
    };
    let mut next: Vec<u32> = (0..n as u32).collect();
    for id in 0..n as u32 {
        if !single(id) {
            continue;
        }
        for c in lex.synonyms(id) {
            if c.prior < MIN_PRIOR || !single(c.original) {
                continue;
            }
            let o = c.original;
            if better(o, next[id as usize]) {
                next[id as usize] = o;
            }
            if better(id, next[o as usize]) {
                next[o as usize] = id;
            }
        }
    }
    (0..n as u32)
        .map(|id| {
            let mut cur = id;
            for _ in 0..MAX_STEPS {
                let x = next[cur as usize];
                if x == cur {
                    break;
                }
                cur = x;
            }
            let root = lex.phrase(cur);
            let stop = if is_stopword(lex.phrase(id)) || is_stopword(root) {
                STOP_BIT
            } else {
                0
            };
            let phrase = if single(id) { 0 } else { PHRASE_BIT };
            canon_hash(root) | stop | phrase
        })
        .collect()
}

/// Maps words to tokens through a canonical table (see [`canon_table`]).
pub struct Canonizer<'a> {
    method: Method,
    lex: Option<&'a Lexicon>,
    table: &'a [u8],
    norm: String,
}

impl<'a> Canonizer<'a> {
    /// A canonizer. For [`Method::Unspin`], `table` holds [`canon_table`] as little-endian u32s
    /// (as stored in an index) for the lexicon `lex`; for [`Method::Plain`] both are ignored.
    pub fn new(method: Method, lex: Option<&'a Lexicon>, table: &'a [u8]) -> Canonizer<'a> {
        let lex = if table.len() == 4 * lex.map_or(0, |l| l.len()) {
            lex
        } else {
            None
        };
        Canonizer {
            method,
            lex,
            table,
            norm: String::new(),
        }
    }

    /// The method in use.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The table entry of one lowercase word: canonical id, with [`STOP_BIT`] for stop words.
    pub fn canon(&self, word: &str) -> u32 {
        self.entry(word).0
    }

    /// The table entry of one lowercase word and its log10 frequency in the lexicon
    /// ([`unspin_core::lexicon::NO_FREQ`] for words it lacks: names, numbers, rare words).
    pub fn entry(&self, word: &str) -> (u32, f32) {
        let (e, f, _) = self.lookup(word);
        (e, f)
    }

    /// [`Canonizer::entry`] and the word's lexicon id.
    fn lookup(&self, word: &str) -> (u32, f32, Option<u32>) {
        match self.method {
            Method::Plain => ((word_hash(word) as u32 & ID_MASK).max(1), 0.0, None),
            Method::Unspin => {
                let id = self.lex.and_then(|l| l.find(word).map(|id| (l, id)));
                match id {
                    Some((l, id)) => {
                        let i = 4 * id as usize;
                        let e = u32::from_le_bytes(self.table[i..i + 4].try_into().unwrap());
                        (e, l.freq(id), Some(id))
                    }
                    None => (
                        canon_hash(word) | if is_stopword(word) { STOP_BIT } else { 0 },
                        unspin_core::lexicon::NO_FREQ,
                        None,
                    ),
                }
            }
        }
    }

    /// The table entry of lexicon phrase `id` (unspin method with a lexicon; 0 otherwise).
    pub fn phrase_entry(&self, id: u32) -> u32 {
        let i = 4 * id as usize;
        match self.table.get(i..i + 4) {
            Some(b) if self.lex.is_some() => u32::from_le_bytes(b.try_into().unwrap()),
            _ => 0,
        }
    }

    /// The tokens of `text`, in order: every word and number. Under [`Method::Unspin`], stop
    /// words are marked ([`Tok::stop`]): they help shingles line up, but alignment skips them,
    /// and a word that a hyphen breaks across lines is one token where the lexicon knows the
    /// joined word (text from PDFs: "inven-" and "tory" match "inventory" in a source).
    pub fn tokens(&mut self, text: &str) -> Vec<Tok> {
        let toks = match (self.method, self.lex) {
            // Read as the detector reads text, with the lexicon for the words it knows.
            (Method::Unspin, Some(lex)) => prose_tokens(text, |w| lex.find(w).is_some()).0,
            _ => tokenize(text),
        };
        let mut out = Vec::with_capacity(text.len() / 5);
        for t in toks {
            if t.kind == Kind::Punct {
                continue;
            }
            normalize_word(t.text(text), &mut self.norm);
            let word = word_hash(&self.norm);
            let (e, freq, lex_id) = self.lookup(&self.norm);
            out.push(Tok {
                word,
                canon: e & ID_MASK,
                stop: e & STOP_BIT != 0,
                freq,
                lex_id,
                start: t.start,
                end: t.end,
            });
        }
        out
    }

    /// The canonical ids of the originals that token `tok` could stand for, by the lexicon's
    /// reverse channel, its own id included: what the word may match in a source.
    pub fn expansions(&self, tok: &Tok, out: &mut Vec<u32>) {
        out.clear();
        out.push(tok.canon);
        if let (Method::Unspin, Some(lex)) = (self.method, self.lex) {
            if let Some(id) = tok.lex_id {
                for c in lex.synonyms(id) {
                    let e = self.phrase_entry(c.original);
                    if e & (STOP_BIT | PHRASE_BIT) == 0 {
                        out.push(e);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Hash of a normalized word.
pub fn word_hash(w: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(w.as_bytes())
}

fn canon_hash(root: &str) -> u32 {
    let mut s = String::with_capacity(root.len());
    stem(root, &mut s);
    // 30 bits (the top two are flags), never zero.
    (xxhash_rust::xxh3::xxh3_64_with_seed(s.as_bytes(), 0x5eed) as u32 & ID_MASK).max(1)
}

/// A light suffix stripper (plural, past, gerund). Both sides of a comparison go through it, so it
/// only has to be consistent, not linguistically right.
///
/// ```
/// let mut s = String::new();
/// unspin_trace::canon::stem("markets", &mut s);
/// assert_eq!(s, "market");
/// unspin_trace::canon::stem("policies", &mut s);
/// assert_eq!(s, "policy");
/// ```
pub fn stem(w: &str, out: &mut String) {
    out.clear();
    let n = w.len();
    let strip = |suf: &str, min: usize| n >= suf.len() + min && w.ends_with(suf);
    if strip("ies", 3) {
        out.push_str(&w[..n - 3]);
        out.push('y');
    } else if strip("sses", 2) {
        out.push_str(&w[..n - 2]);
    } else if strip("ing", 4) {
        out.push_str(&w[..n - 3]);
    } else if strip("ed", 4) {
        out.push_str(&w[..n - 2]);
    } else if strip("s", 3) && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        out.push_str(&w[..n - 1]);
    } else {
        out.push_str(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_bytes(lex: &Lexicon) -> Vec<u8> {
        canon_table(lex)
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect()
    }

    /// Calls `f` with an unspin canonizer over the fixture model's lexicon.
    fn with_canonizer<R>(f: impl FnOnce(&mut Canonizer) -> R) -> R {
        let model = unspin_core::fixture::tiny_model();
        let t = table_bytes(model.lexicon());
        f(&mut Canonizer::new(
            Method::Unspin,
            Some(model.lexicon()),
            &t,
        ))
    }

    /// The text of each token.
    fn texts<'t>(toks: &[Tok], text: &'t str) -> Vec<&'t str> {
        toks.iter()
            .map(|t| &text[t.start as usize..t.end as usize])
            .collect()
    }

    #[test]
    fn stopwords_sorted() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn spun_and_original_collide() {
        with_canonizer(|c| {
            for (s, o) in [
                ("mentioned", "said"),
                ("sturdy", "strong"),
                ("stated", "said"),
            ] {
                assert_eq!(c.canon(s), c.canon(o), "{s} / {o}");
            }
            assert_ne!(c.canon("market"), c.canon("stock"));
            assert!(c.canon("the") & STOP_BIT != 0);
            // Words the lexicon lacks are their own (stemmed) neighbourhood.
            assert_eq!(c.canon("zebras"), c.canon("zebra"));
        });
    }

    #[test]
    fn expansions_include_originals() {
        with_canonizer(|c| {
            let mut e = Vec::new();
            let toks = c.tokens("warned");
            c.expansions(&toks[0], &mut e);
            assert!(e.contains(&c.canon("said")));
            assert!(e.contains(&c.canon("warned")));
        });
    }

    #[test]
    fn plain_keeps_every_word() {
        let mut c = Canonizer::new(Method::Plain, None, &[]);
        let t = c.tokens("The inventory market, the market.");
        assert_eq!(t.len(), 5);
        assert!(t.iter().all(|t| !t.stop));
        assert_eq!(t[0].canon, t[3].canon);
        assert_ne!(t[1].canon, t[2].canon);
    }

    #[test]
    fn offsets_point_at_words() {
        let text = "He MENTIONED the sturdy economy.";
        let mut toks = with_canonizer(|c| c.tokens(text));
        toks.retain(|t| !t.stop);
        assert_eq!(texts(&toks, text), ["MENTIONED", "sturdy", "economy"]);
    }

    #[test]
    fn words_broken_across_lines_and_markup() {
        with_canonizer(|c| {
            let text = "The inven-\ntory market, a zeb-\nra.";
            let toks = c.tokens(text);
            // "zebra" is no word of the lexicon, so its parts stay apart.
            assert_eq!(
                texts(&toks, text),
                ["The", "inven-\ntory", "market", "a", "zeb", "ra"]
            );
            assert_eq!(toks[1].canon, c.canon("inventory"));
            assert_eq!(toks[1].word, word_hash("inventory"));
            // The plain baseline keeps the parts.
            assert_eq!(
                Canonizer::new(Method::Plain, None, &[]).tokens(text).len(),
                7
            );
            // Markup and addresses are no words; an apostrophe reference stays in its word.
            let text = "<p>The stock&#8217;s fall</p> https://example.com/stock";
            assert_eq!(
                texts(&c.tokens(text), text),
                ["The", "stock&#8217;s", "fall"]
            );
        });
    }
}
