//! Tortured-phrase fingerprints: leftmost-longest matching of whole-word phrases.
//!
//! A fingerprint is a phrase of words separated by single spaces ("profound learning"). It
//! matches a run of whole items of a text, where an item is a normalized word or a separator
//! (`|` for punctuation, `#` for a number or a hyphen), never part of a word and never across a
//! separator that the phrase does not spell. Matches are reported leftmost first, the longest at
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

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::{Error, Result};

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
    ids: HashMap<Box<str>, u32, BuildHasherDefault<WordHasher>>,
    /// Bytes per code.
    width: usize,
    automaton: AhoCorasick,
}

impl Fingerprints {
    /// Compiles `phrases`: a match reports a phrase by its position in this list.
    pub fn new<'a>(phrases: impl IntoIterator<Item = &'a str>) -> Result<Fingerprints> {
        let phrases: Vec<&str> = phrases.into_iter().collect();
        let mut ids: HashMap<Box<str>, u32, BuildHasherDefault<WordHasher>> = HashMap::default();
        for p in &phrases {
            for w in p.split(' ') {
                let next = ids.len() as u32 + 1;
                ids.entry(w.into()).or_insert(next);
            }
        }
        // 7 bits of the id per byte.
        let mut width = 1;
        while (ids.len() as u64 + 1) > 1u64 << (7 * width) {
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
        })
    }

    /// Calls `found(first, len, pattern)` for each match in `items` (normalized words and the
    /// separators `|` and `#`): the match covers items `first..first + len` and is phrase
    /// number `pattern`. Matches come in order and never overlap.
    pub fn find<'a>(
        &self,
        items: impl IntoIterator<Item = &'a str>,
        mut found: impl FnMut(usize, usize, usize),
    ) {
        let mut stream = Vec::new();
        // The item each code stands for (a collapsed run: its first).
        let mut at = Vec::new();
        let mut code = Vec::new();
        let mut other = false;
        for (k, item) in items.into_iter().enumerate() {
            let id = self.ids.get(item).copied().unwrap_or(0);
            if id == 0 && other {
                continue;
            }
            other = id == 0;
            encode(id, self.width, &mut code);
            stream.extend_from_slice(&code);
            at.push(k);
        }
        for m in self.automaton.find_iter(&stream) {
            let (a, b) = (m.start() / self.width, m.end() / self.width);
            // No phrase holds the code of a collapsed run, so codes `a..b` are single items.
            found(at[a], b - a, m.pattern().as_usize());
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
        let f = Fingerprints::new(phrases.iter().copied()).unwrap();
        let mut out = Vec::new();
        f.find(items.iter().copied(), |a, n, p| out.push((a, n, p)));
        out
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
    }
}
