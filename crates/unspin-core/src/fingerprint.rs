//! Tortured-phrase fingerprints: leftmost-longest matching of whole-word phrases.
//!
//! A fingerprint is a phrase of items separated by single spaces ("profound learning", "man #
//! made consciousness": [`phrase_items`]). It matches a run of whole items of a text, where an
//! item ([`item`]) is a normalized word, a number (`#` and its digits) or a separator (`|` for
//! punctuation, `#` for a hyphen), never part of a word and never across a separator that the
//! phrase does not spell. Matches are reported leftmost first, the longest at
//! each start, and do not overlap; a match may start right where the one before it ends (two
//! tortured phrases side by side are both found).
//!
//! # Why items are encoded
//!
//! Matching the text's bytes costs one automaton step per byte of every word, and almost no
//! word of a text belongs to any fingerprint. So each distinct word of the phrases gets a small
//! id, each item of the text is looked up once in that table, and the automaton runs over the
//! ids, written as fixed-width codes: the first byte of a code has its high bit set and the
//! others do not, so a match can only start where a code does. A run of items that appear in no
//! phrase collapses to one code (id 0) that no phrase contains: such items can neither start
//! nor continue a match, so the matches are the same as over the items one by one, at two or
//! three bytes per phrase word instead of one automaton step per byte of every word.
//!
//! # Composed phrases
//!
//! Phrases composed from the list's word substitutions (2-4 words, several times as many as
//! the listed ones) are looked up in a hash table of word-id sequences instead: an automaton
//! over all of them added about 45 ms to every load, the table a few. Matches are
//! leftmost-longest over both lists as one, and where a listed and a composed phrase of the
//! same length start together, the listed one wins: it is a sighting, the composed one a
//! guess.

//! # Variants of known terms
//!
//! A tortured phrase that no list holds often spins a term that the list's correct phrases
//! use ("ravenous algorithm" for "greedy algorithm"). [`Fingerprints::add_terms`] gives the
//! terms, and for each word the term words it may stand for, with the rank of that reading
//! among the word's candidates; [`Fingerprints::find_all`] then also matches a run of 2-4
//! words that becomes a term when one or two of its words are read so ([`Variants`]). They
//! compete leftmost-longest with the composed phrases, which win a tie.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, Input, MatchKind};

use crate::tokenize::{normalize_word, tokenize, Kind};
use crate::{Error, Result};

/// The item that a token of kind `kind` and text `token` stands for in the stream that
/// fingerprints are matched against: its normalized word, `#` and its digits for a number,
/// `#` for a hyphen, `|` for any other punctuation (which a phrase crosses only where it
/// spells one there too). `buf` holds the item where it is not a constant.
///
/// ```
/// use unspin_core::fingerprint::item;
/// use unspin_core::tokenize::Kind;
/// let mut buf = String::new();
/// assert_eq!(item(Kind::Word, "Profound", &mut buf), "profound");
/// assert_eq!(item(Kind::Number, "19", &mut buf), "#19");
/// assert_eq!(item(Kind::Punct, "-", &mut buf), "#");
/// assert_eq!(item(Kind::Punct, ",", &mut buf), "|");
/// ```
pub fn item<'a>(kind: Kind, token: &str, buf: &'a mut String) -> &'a str {
    match kind {
        Kind::Word => {
            normalize_word(token, buf);
            buf
        }
        Kind::Number => {
            buf.clear();
            buf.push('#');
            buf.push_str(token);
            buf
        }
        Kind::Punct if token != "-" => "|",
        Kind::Punct => "#",
    }
}

/// Whether an item ([`item`]) is a word's, not a number's or a separator's.
pub fn is_word_item(item: &str) -> bool {
    !item.starts_with(['#', '|'])
}

/// A phrase as the items ([`item`]) of its tokens, joined by single spaces: the form in which
/// a text must hold it to match. The list writes "man-made consciousness", a text's tokens read
/// "man", "-", "made", "consciousness", so the phrase is "man # made consciousness"; "excretion
/// of co2" is "excretion of co #2". A phrase of lower-case ASCII words alone is its own items,
/// and is borrowed.
///
/// ```
/// use unspin_core::fingerprint::phrase_items;
/// assert_eq!(phrase_items("man-made consciousness"), "man # made consciousness");
/// assert_eq!(phrase_items("precision, accuracy"), "precision | accuracy");
/// assert_eq!(phrase_items("prophet 12c"), "prophet #12 c");
/// assert_eq!(phrase_items("profound learning"), "profound learning");
/// ```
pub fn phrase_items(phrase: &str) -> Cow<'_, str> {
    if phrase.bytes().all(|b| b.is_ascii_lowercase() || b == b' ') {
        return Cow::Borrowed(phrase);
    }
    let mut buf = String::new();
    let items: Vec<String> = tokenize(phrase)
        .iter()
        .map(|t| item(t.kind, t.text(phrase), &mut buf).to_string())
        .collect();
    Cow::Owned(items.join(" "))
}

/// A `str` hasher for the phrase-word table: one xxh3 call per word.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 ^= xxhash_rust::xxh3::xxh3_64(bytes);
    }

    // `str`'s `Hash` ends with a 0xFF byte, which adds nothing to a whole-word hash.
    fn write_u8(&mut self, _: u8) {}

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A set of fingerprints compiled for matching ([`Fingerprints::find`]).
///
/// ```
/// use unspin_core::fingerprint::Fingerprints;
/// let f = Fingerprints::new(["profound learning", "profound learning model"]).unwrap();
/// let items = ["a", "profound", "learning", "model", "|", "profound", "learning"];
/// let mut found = Vec::new();
/// f.find(items.iter().copied(), |first, len, pattern| found.push((first, len, pattern)));
/// assert_eq!(found, [(1, 3, 1), (5, 2, 0)]);
/// ```
#[derive(Clone, Debug)]
pub struct Fingerprints {
    /// Each phrase word's id, from 1 (0 stands for every other item).
    ids: WordIds,
    /// Bytes per code.
    width: usize,
    /// Ids up to this one are words of listed phrases.
    listed_ids: u32,
    automaton: AhoCorasick,
    /// Composed phrases by their words' ids ([`key`]), to their pattern numbers.
    composed: HashMap<u128, u32, BuildHasherDefault<KeyHasher>>,
    /// By word id: bit `n - 2` is set where a composed phrase of `n` words starts with it.
    starts: Vec<u8>,
    /// Listed and composed phrases: terms are numbered after them.
    patterns: usize,
    /// Known terms by their words' ids ([`key`]), to their numbers among the terms.
    terms: HashMap<u128, u32, BuildHasherDefault<KeyHasher>>,
    /// By word id: whether it is a word of a term.
    in_term: Vec<bool>,
    /// By word id: the term words it may stand for, with the rank of each reading.
    subs: Vec<Box<[(u32, u8)]>>,
}

/// How variants of known terms are matched ([`Fingerprints::find_all`]).
pub struct Variants<'a> {
    /// A variant with one word read as a term word is matched where that reading ranks below
    /// this (0: none are).
    pub rank1: u8,
    /// A variant with two words read so is matched where both rank below this.
    pub rank2: u8,
    /// Whether the run of items `first..first + len` may be a variant of term number `term`
    /// (its place among the terms); asked only of runs that read as a term, so it may be slow.
    pub ok: &'a mut dyn FnMut(usize, usize, usize) -> bool,
}

/// A hasher for composed phrases' keys ([`key`]), which are distinct small integers packed
/// together: a multiply and a fold mix them well enough, at a fraction of SipHash's cost.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u128(&mut self, k: u128) {
        let m = (k as u64 ^ (k >> 64) as u64 ^ self.0) as u128 * 0x9e37_79b9_7f4a_7c15u128;
        self.0 = (m as u64) ^ (m >> 64) as u64;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Phrase words to their ids.
type WordIds = HashMap<Box<str>, u32, BuildHasherDefault<WordHasher>>;

/// The id of phrase word `w`, given the next one (from 1) if it has none yet.
fn id_of(ids: &mut WordIds, w: &str) -> u32 {
    match ids.get(w) {
        Some(&id) => id,
        None => {
            let id = ids.len() as u32 + 1;
            ids.insert(w.into(), id);
            id
        }
    }
}

/// Longest composed phrase, in words.
const MAX_COMPOSED: usize = 4;

/// A run of at most [`MAX_COMPOSED`] word ids as one hash key: the ids (each under 2^29, far
/// more words than any list holds) 29 bits apart, and the length above them.
fn key(ids: &[u32]) -> u128 {
    ids.iter().fold(ids.len() as u128, |k, &id| {
        (k << 29) | (id & 0x1FFF_FFFF) as u128
    })
}

impl Fingerprints {
    /// Compiles `phrases`: a match reports a phrase by its position in this list.
    pub fn new<'a>(phrases: impl IntoIterator<Item = &'a str>) -> Result<Fingerprints> {
        Fingerprints::with_composed(phrases, [])
    }

    /// Compiles `phrases` and `composed` phrases of 2-4 words (longer ones
    /// are skipped). A match reports a phrase by its position in `phrases` followed by
    /// `composed`. The matches are leftmost-longest over both, a listed phrase winning a tie.
    ///
    /// ```
    /// use unspin_core::fingerprint::Fingerprints;
    /// let f = Fingerprints::with_composed(["profound learning"], ["arbitrary timberland"]).unwrap();
    /// let items = ["arbitrary", "timberland", "and", "profound", "learning"];
    /// let mut found = Vec::new();
    /// f.find(items.iter().copied(), |first, len, pattern| found.push((first, len, pattern)));
    /// assert_eq!(found, [(0, 2, 1), (3, 2, 0)]);
    /// ```
    pub fn with_composed<'a>(
        phrases: impl IntoIterator<Item = &'a str>,
        composed: impl IntoIterator<Item = &'a str>,
    ) -> Result<Fingerprints> {
        let phrases: Vec<&str> = phrases.into_iter().collect();
        let composed = composed.into_iter();
        let mut ids: WordIds = HashMap::with_capacity_and_hasher(
            phrases.len() + composed.size_hint().0,
            Default::default(),
        );
        for p in &phrases {
            for w in p.split(' ') {
                id_of(&mut ids, w);
            }
        }
        // Ids past this one belong to composed phrases' words alone: the automaton sees them
        // as other items, so its codes stay as narrow as the listed phrases allow.
        let listed_ids = ids.len() as u32;
        let mut table =
            HashMap::with_capacity_and_hasher(composed.size_hint().0, Default::default());
        let mut starts = Vec::new();
        let mut n_composed = 0;
        for (k, p) in composed.enumerate() {
            n_composed = k + 1;
            let words: Vec<u32> = p.split(' ').map(|w| id_of(&mut ids, w)).collect();
            if !(2..=MAX_COMPOSED).contains(&words.len()) {
                continue;
            }
            if starts.len() <= words[0] as usize {
                starts.resize(words[0] as usize + 1, 0);
            }
            starts[words[0] as usize] |= 1 << (words.len() - 2);
            table
                .entry(key(&words))
                .or_insert((phrases.len() + k) as u32);
        }
        // 7 bits of the id per byte.
        let mut width = 1;
        while (listed_ids as u64 + 1) > 1u64 << (7 * width) {
            width += 1;
        }
        let mut code = Vec::new();
        let patterns: Vec<Vec<u8>> = phrases
            .iter()
            .map(|p| {
                let mut out = Vec::new();
                for w in p.split(' ') {
                    encode(ids[w], width, &mut code);
                    out.extend_from_slice(&code);
                }
                out
            })
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| Error::Corrupt(format!("fingerprints: {e}")))?;
        Ok(Fingerprints {
            ids,
            width,
            automaton,
            listed_ids,
            composed: table,
            starts,
            patterns: phrases.len() + n_composed,
            terms: HashMap::default(),
            in_term: Vec::new(),
            subs: Vec::new(),
        })
    }

    /// Adds known `terms` of 2-4 items (others are skipped; a term with a hyphen or a number
    /// is given as its [`phrase_items`]), and `subs`: (word, term word, rank), the term words
    /// a written word may stand for. A term is reported as pattern number listed + composed +
    /// its position in `terms`. Matched only by [`find_all`](Self::find_all) with
    /// [`Variants`].
    ///
    /// ```
    /// use unspin_core::fingerprint::{Fingerprints, Variants};
    /// let mut f = Fingerprints::new(["profound learning"]).unwrap();
    /// f.add_terms(["greedy algorithm"], [("ravenous", "greedy", 2)]);
    /// let items = ["a", "ravenous", "algorithm"];
    /// let mut found = Vec::new();
    /// let mut ok = |_, _, _| true;
    /// let mut v = Variants { rank1: 3, rank2: 0, ok: &mut ok };
    /// f.find_all(items.iter().copied(), true, Some(&mut v), |a, n, p| found.push((a, n, p)));
    /// assert_eq!(found, [(1, 2, 1)]);
    /// ```
    pub fn add_terms<'a>(
        &mut self,
        terms: impl IntoIterator<Item = &'a str>,
        subs: impl IntoIterator<Item = (&'a str, &'a str, u8)>,
    ) {
        for (k, t) in terms.into_iter().enumerate() {
            let words: Vec<u32> = t.split(' ').map(|w| id_of(&mut self.ids, w)).collect();
            if !(2..=MAX_COMPOSED).contains(&words.len()) {
                continue;
            }
            for &w in &words {
                if self.in_term.len() <= w as usize {
                    self.in_term.resize(w as usize + 1, false);
                }
                self.in_term[w as usize] = true;
            }
            self.terms.entry(key(&words)).or_insert(k as u32);
        }
        let mut by_word: Vec<Vec<(u32, u8)>> = Vec::new();
        for (w, t, rank) in subs {
            let Some(&t) = self.ids.get(t) else { continue };
            if !self.in_term.get(t as usize).copied().unwrap_or(false) {
                continue;
            }
            let w = id_of(&mut self.ids, w);
            if by_word.len() <= w as usize {
                by_word.resize(w as usize + 1, Vec::new());
            }
            by_word[w as usize].push((t, rank));
        }
        self.subs = by_word.into_iter().map(Vec::into_boxed_slice).collect();
    }

    /// Calls `found(first, len, pattern)` for each match in `items` (normalized words and the
    /// separators `|` and `#`): the match covers items `first..first + len` and is phrase
    /// number `pattern`. Matches come in order and never overlap.
    pub fn find<'a>(
        &self,
        items: impl IntoIterator<Item = &'a str>,
        found: impl FnMut(usize, usize, usize),
    ) {
        self.find_with(items, true, found)
    }

    /// [`find`](Self::find), with the composed phrases left out where `composed` is false:
    /// the listed phrases' matches are then those of a matcher that never held the composed
    /// ones (a composed match can displace a listed one).
    pub fn find_with<'a>(
        &self,
        items: impl IntoIterator<Item = &'a str>,
        composed: bool,
        found: impl FnMut(usize, usize, usize),
    ) {
        self.find_all(items, composed, None, found)
    }

    /// [`find_with`](Self::find_with), and with `variants` also the variants of known terms
    /// ([`add_terms`](Self::add_terms)), leftmost-longest with the rest; a composed phrase
    /// wins a tie with a variant. A variant's pattern number is that of its term.
    pub fn find_all<'a>(
        &self,
        items: impl IntoIterator<Item = &'a str>,
        composed: bool,
        mut variants: Option<&mut Variants>,
        mut found: impl FnMut(usize, usize, usize),
    ) {
        let with_variants = variants
            .as_ref()
            .is_some_and(|v| !self.terms.is_empty() && (v.rank1 > 0 || v.rank2 > 0));
        let use_composed = composed && !self.composed.is_empty();
        // Composed phrases and variants are both looked up by the items' ids, not the automaton.
        let by_ids = use_composed || with_variants;
        let mut stream = Vec::new();
        // Every item's id, for the composed phrases and the variants.
        let mut item_ids = Vec::new();
        // The item each code stands for (a collapsed run: its first).
        let mut at = Vec::new();
        let mut code = Vec::new();
        let mut other = false;
        for (k, item) in items.into_iter().enumerate() {
            let id = self.ids.get(item).copied().unwrap_or(0);
            item_ids.push(id);
            let id = if id > self.listed_ids { 0 } else { id };
            if id == 0 && other {
                continue;
            }
            other = id == 0;
            encode(id, self.width, &mut code);
            stream.extend_from_slice(&code);
            at.push(k);
        }
        // Leftmost-longest over both kinds: a composed phrase that starts before a listed
        // match, or at it and is longer, wins, and the automaton restarts after it (the
        // listed match it displaced may have hidden another).
        let n = item_ids.len();
        let listed_from = |item: usize| {
            let code = at.partition_point(|&k| k < item);
            let input = Input::new(&stream).range(code * self.width..);
            self.automaton.find_iter(input).map(|m| {
                let (a, b) = (m.start() / self.width, m.end() / self.width);
                // No phrase holds the code of a collapsed run, so codes `a..b` are single items.
                (at[a], b - a, m.pattern().as_usize())
            })
        };
        let mut listed = listed_from(0);
        let mut pending = listed.next();
        let mut i = 0;
        while i < n {
            let stop = pending.map_or(n, |m| m.0);
            let hit = by_ids
                .then(|| {
                    (i..=stop.min(n - 1)).find_map(|p| {
                        let c = use_composed
                            .then(|| self.composed_at(&item_ids, p))
                            .flatten();
                        let v = match variants.as_deref_mut() {
                            Some(v) if with_variants => self.variant_at(&item_ids, p, v),
                            _ => None,
                        };
                        match (c, v) {
                            (Some(c), Some(v)) => Some((p, if v.0 > c.0 { v } else { c })),
                            (c, v) => Some((p, c.or(v)?)),
                        }
                    })
                })
                .flatten();
            match (hit, pending) {
                (Some((p, (len, pattern))), _) if p < stop || pending.is_none_or(|m| len > m.1) => {
                    found(p, len, pattern);
                    i = p + len;
                    if pending.is_some_and(|m| m.0 < i) {
                        listed = listed_from(i);
                        pending = listed.next();
                    }
                }
                (_, Some((first, len, pattern))) => {
                    found(first, len, pattern);
                    i = first + len;
                    pending = listed.next();
                }
                (_, None) => break,
            }
        }
    }

    /// The longest variant of a known term that starts at item `p` and that `v.ok` accepts:
    /// its length and pattern number. A run whose words read as two terms equally well (the
    /// same number of words read, the same worst rank) is no variant of either.
    fn variant_at(&self, ids: &[u32], p: usize, v: &mut Variants) -> Option<(usize, usize)> {
        let usable = |id: u32| {
            self.in_term.get(id as usize).copied().unwrap_or(false)
                || self.subs.get(id as usize).is_some_and(|s| !s.is_empty())
        };
        if !usable(ids[p]) {
            return None;
        }
        let most = MAX_COMPOSED.min(ids.len() - p);
        let reach = (1..most).find(|&k| !usable(ids[p + k])).unwrap_or(most);
        (2..=reach).rev().find_map(|n| {
            let term = self.best_reading(&ids[p..p + n], v.rank1, v.rank2)?;
            (v.ok)(p, n, term as usize).then_some((n, self.patterns + term as usize))
        })
    }

    /// The term that the words `w` (2-4 ids) become with one or two of them read as term
    /// words, if exactly one reads best: fewest words read, then the best worst rank.
    fn best_reading(&self, w: &[u32], rank1: u8, rank2: u8) -> Option<u32> {
        let mut r = Reading {
            f: self,
            w,
            limits: (rank1, rank2),
            pick: [0; MAX_COMPOSED],
            best: None,
        };
        r.walk(0, 0, 0);
        r.best.filter(|b| !b.3).map(|b| b.2)
    }

    /// The longest composed phrase that starts at item `p`: its length and pattern number.
    #[inline]
    fn composed_at(&self, ids: &[u32], p: usize) -> Option<(usize, usize)> {
        let lens = *self.starts.get(ids[p] as usize)?;
        if lens == 0 {
            return None;
        }
        (2..=MAX_COMPOSED.min(ids.len() - p))
            .rev()
            .filter(|n| lens & (1 << (n - 2)) != 0)
            .find_map(|n| Some((n, *self.composed.get(&key(&ids[p..p + n]))? as usize)))
    }
}

/// A search over the readings of a run of words as a term ([`Fingerprints::best_reading`]).
struct Reading<'a> {
    f: &'a Fingerprints,
    /// The run's word ids.
    w: &'a [u32],
    /// `rank1` and `rank2` of [`Variants`].
    limits: (u8, u8),
    /// The term words chosen so far, one per word of the run.
    pick: [u32; MAX_COMPOSED],
    /// The best reading: (words read, worst rank, term, whether another term ties).
    best: Option<(u8, u8, u32, bool)>,
}

impl Reading<'_> {
    /// Chooses the reading of word `k` on, with `read` words read so far at worst rank `worst`.
    fn walk(&mut self, k: usize, read: u8, worst: u8) {
        let f = self.f;
        if k == self.w.len() {
            let fits = match read {
                1 => worst < self.limits.0,
                2 => worst < self.limits.1,
                _ => false,
            };
            let Some(&term) = fits.then(|| f.terms.get(&key(&self.pick[..k]))).flatten() else {
                return;
            };
            match &mut self.best {
                Some(b) if (b.0, b.1) < (read, worst) => {}
                Some(b) if (b.0, b.1) == (read, worst) => b.3 |= b.2 != term,
                best => *best = Some((read, worst, term, false)),
            }
            return;
        }
        let id = self.w[k];
        if f.in_term.get(id as usize).copied().unwrap_or(false) {
            self.pick[k] = id;
            self.walk(k + 1, read, worst);
        }
        if read < 2 {
            let most = self.limits.0.max(self.limits.1);
            for &(t, r) in f.subs.get(id as usize).map_or(&[][..], |s| &s[..]) {
                if r < most {
                    self.pick[k] = t;
                    self.walk(k + 1, read + 1, worst.max(r));
                }
            }
        }
    }
}

/// Writes id `id` as `width` bytes: the first with its high bit set, the others without.
fn encode(id: u32, width: usize, out: &mut Vec<u8>) {
    out.clear();
    for k in (0..width).rev() {
        out.push(((id >> (7 * k)) & 0x7F) as u8);
    }
    out[0] |= 0x80;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference: at each item, the longest phrase that starts there (the first listed
    /// among equals), then on past it; else the next item.
    fn naive(phrases: &[&str], items: &[&str]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let best = phrases
                .iter()
                .enumerate()
                .map(|(k, p)| (k, p.split(' ').collect::<Vec<_>>()))
                .filter(|(_, w)| items[i..].starts_with(w))
                .max_by_key(|(k, w)| (w.len(), std::cmp::Reverse(*k)));
            match best {
                Some((k, w)) => {
                    out.push((i, w.len(), k));
                    i += w.len();
                }
                None => i += 1,
            }
        }
        out
    }

    fn by_items(phrases: &[&str], items: &[&str]) -> Vec<(usize, usize, usize)> {
        by_items_composed(phrases, &[], items)
    }

    fn by_items_composed(
        phrases: &[&str],
        composed: &[&str],
        items: &[&str],
    ) -> Vec<(usize, usize, usize)> {
        let f =
            Fingerprints::with_composed(phrases.iter().copied(), composed.iter().copied()).unwrap();
        let mut out = Vec::new();
        f.find(items.iter().copied(), |a, n, p| out.push((a, n, p)));
        out
    }

    #[test]
    fn without_composed_phrases_the_listed_ones_match_as_alone() {
        let f = Fingerprints::with_composed(["b c"], ["a b"]).unwrap();
        let items = ["a", "b", "c"];
        let run = |composed| {
            let mut out = Vec::new();
            f.find_with(items.iter().copied(), composed, |a, n, p| {
                out.push((a, n, p))
            });
            out
        };
        assert_eq!(run(true), [(0, 2, 1)]);
        assert_eq!(run(false), [(1, 2, 0)]);
    }

    #[test]
    fn composed_phrases_compete_leftmost_longest() {
        let listed = ["b c", "d e", "c d e f"];
        let composed = ["a b", "d e g", "x y", "c d"];
        // "a b" starts first and displaces "b c"; "c d e f" is longer than "c d"; "d e g"
        // is longer than "d e" at the same start; "x y" sits in a gap.
        let items = [
            "a", "b", "c", "d", "e", "f", "x", "y", "d", "e", "g", "d", "e",
        ];
        let want = [(0, 2, 3), (2, 4, 2), (6, 2, 5), (8, 3, 4), (11, 2, 1)];
        assert_eq!(by_items_composed(&listed, &composed, &items), want);
        let all: Vec<&str> = listed.iter().chain(&composed).copied().collect();
        assert_eq!(naive(&all, &items), want);
        // A composed phrase of one word, or of more than four, is never matched.
        assert_eq!(
            by_items_composed(&[], &["a", "a b c d e"], &["a", "b", "c", "d", "e"]),
            []
        );
    }

    /// Matches with variants of `terms` (`subs`: word, term word, rank), every run accepted
    /// unless `reject` holds its first item.
    fn with_terms(
        listed: &[&str],
        composed: &[&str],
        terms: &[&str],
        subs: &[(&str, &str, u8)],
        (rank1, rank2): (u8, u8),
        items: &[&str],
        reject: Option<usize>,
    ) -> Vec<(usize, usize, usize)> {
        let mut f =
            Fingerprints::with_composed(listed.iter().copied(), composed.iter().copied()).unwrap();
        f.add_terms(terms.iter().copied(), subs.iter().copied());
        let mut ok = |first: usize, _: usize, _: usize| Some(first) != reject;
        let mut v = Variants {
            rank1,
            rank2,
            ok: &mut ok,
        };
        let mut out = Vec::new();
        f.find_all(items.iter().copied(), true, Some(&mut v), |a, n, p| {
            out.push((a, n, p))
        });
        out
    }

    #[test]
    fn variants_of_terms_read_one_or_two_words() {
        let terms = ["greedy algorithm", "breast cancer", "random forest model"];
        let subs = [
            ("ravenous", "greedy", 0),
            ("voracious", "greedy", 4),
            ("bosom", "breast", 1),
            ("tumor", "cancer", 2),
            ("arbitrary", "random", 0),
            ("woodland", "forest", 1),
            ("simulation", "model", 5),
        ];
        let run = |ranks, items: &[&str]| with_terms(&[], &[], &terms, &subs, ranks, items, None);
        // One word read (pattern numbers follow the listed and composed phrases: none here).
        assert_eq!(
            run((3, 0), &["a", "ravenous", "algorithm", "b"]),
            [(1, 2, 0)]
        );
        // Its reading ranks 4: not below 3.
        assert_eq!(run((3, 0), &["voracious", "algorithm"]), []);
        assert_eq!(run((5, 0), &["voracious", "algorithm"]), [(0, 2, 0)]);
        // Two words read need `rank2`, each reading below it.
        assert_eq!(run((3, 0), &["bosom", "tumor"]), []);
        assert_eq!(run((3, 2), &["bosom", "tumor"]), []);
        assert_eq!(run((3, 3), &["bosom", "tumor"]), [(0, 2, 1)]);
        // The longest variant wins; three words read are never a variant.
        assert_eq!(
            run((3, 3), &["arbitrary", "woodland", "model"]),
            [(0, 3, 2)]
        );
        assert_eq!(run((9, 9), &["arbitrary", "woodland", "simulation"]), []);
        // A term as written is no variant.
        assert_eq!(run((9, 9), &["greedy", "algorithm"]), []);
        // Without ranks, nothing.
        assert_eq!(run((0, 0), &["ravenous", "algorithm"]), []);
    }

    #[test]
    fn variants_give_way_to_composed_phrases_and_to_the_check() {
        // "ravenous algorithm" with `terms`, `subs`, `composed` phrases, and a check that
        // refuses runs starting at `reject`.
        let ravenous = |composed: &[&str], terms: &[&str], subs: &[(&str, &str, u8)], reject| {
            let items = ["ravenous", "algorithm"];
            with_terms(&[], composed, terms, subs, (3, 3), &items, reject)
        };
        let terms = ["greedy algorithm", "greedy method"];
        let subs = [("ravenous", "greedy", 0), ("approach", "method", 0)];
        // A composed phrase of the same length wins.
        assert_eq!(
            ravenous(&["ravenous algorithm"], &terms, &subs, None),
            [(0, 2, 0)]
        );
        // Refused by the check: nothing.
        assert_eq!(ravenous(&[], &terms, &subs, Some(0)), []);
        // Two terms that read equally well: neither.
        let terms = ["greedy algorithm", "hungry algorithm"];
        let subs = [("ravenous", "greedy", 1), ("ravenous", "hungry", 1)];
        assert_eq!(ravenous(&[], &terms, &subs, None), []);
        // The better reading wins.
        let subs = [("ravenous", "greedy", 0), ("ravenous", "hungry", 1)];
        assert_eq!(ravenous(&[], &terms, &subs, None), [(0, 2, 0)]);
        // A listed match is found as before, with variants beside it.
        let got = with_terms(
            &["profound learning"],
            &[],
            &terms,
            &subs,
            (3, 3),
            &["profound", "learning", "ravenous", "algorithm"],
            None,
        );
        assert_eq!(got, [(0, 2, 0), (2, 2, 1)]);
    }

    #[test]
    fn leftmost_longest_side_by_side() {
        let phrases = ["a b", "a b c", "c d", "d", "x | y"];
        let items = ["a", "b", "c", "d", "q", "x", "|", "y", "d"];
        assert_eq!(
            by_items(&phrases, &items),
            [(0, 3, 1), (3, 1, 3), (5, 3, 4), (8, 1, 3)]
        );
        assert_eq!(by_items(&phrases, &items), naive(&phrases, &items));
    }

    #[test]
    fn wide_ids() {
        // More phrase words than one byte's seven bits: two-byte codes.
        let words: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        let phrases: Vec<String> = words.chunks(2).map(|c| c.join(" ")).collect();
        let phrases: Vec<&str> = phrases.iter().map(|s| s.as_str()).collect();
        let items = ["w298", "w299", "zz", "w0", "w1", "w1"];
        assert_eq!(by_items(&phrases, &items), [(0, 2, 149), (3, 2, 0)]);
    }

    proptest! {
        #[test]
        fn same_matches_as_item_by_item(
            phrases in prop::collection::vec("[abc|#]( [abc|#]){0,3}", 1..8),
            items in prop::collection::vec("[abcd|#]", 0..40),
        ) {
            let phrases: Vec<&str> = phrases.iter().map(|s| s.as_str()).collect();
            let items: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
            prop_assert_eq!(by_items(&phrases, &items), naive(&phrases, &items));
        }

        #[test]
        fn composed_and_listed_as_one_list(
            phrases in prop::collection::vec("[abc|#]( [abc|#]){0,3}", 0..6),
            composed in prop::collection::vec("[abcd]( [abcd]){1,3}", 0..6),
            items in prop::collection::vec("[abcd|#]", 0..40),
        ) {
            let phrases: Vec<&str> = phrases.iter().map(|s| s.as_str()).collect();
            let composed: Vec<&str> = composed.iter().map(|s| s.as_str()).collect();
            let items: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
            let all: Vec<&str> = phrases.iter().chain(&composed).copied().collect();
            prop_assert_eq!(
                by_items_composed(&phrases, &composed, &items),
                naive(&all, &items)
            );
        }
    }
}
