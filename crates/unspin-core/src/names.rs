//! Given names and surnames with how common they are, read in place from a model section.
//!
//! Spinners rewrite the words of people's names like any others: "Aaron Judge" becomes "Aaron
//! Decide", "Tom Long" becomes "Tom Lengthy". A surname list tells such a word from an honest
//! surname that is also an English word ("Kevin Hart", "Mike Trout"): "Decide" is no surname,
//! "Judge" is a common one. The default model's lists are the 1990 US Census files of given names
//! and surnames.
//!
//! ```
//! use unspin_core::names::Names;
//! use unspin_core::Bytes;
//!
//! let names = Names::parse(Bytes::from_static(b"aaron\t77\t0\njudge\t0\t3262\n")).unwrap();
//! assert_eq!(names.given_rank("aaron"), Some(77));
//! assert_eq!(names.surname_rank("judge"), Some(3262));
//! assert_eq!(names.surname_rank("decide"), None);
//! ```

use crate::engine::overlaps_any;
use crate::report::{Span, SpanKind};
use crate::tokenize::{apply_case, case_of, split_possessive, Case, Kind, Token, TITLE_LOWER};
use crate::{Bytes, Error, Result};
use std::collections::HashMap;

/// The name lists: one line per name, `name\tgiven_rank\tsurname_rank\n`, in lowercase, sorted by
/// name (bytewise), with rank 1 for the most common name and 0 where the name is not on that
/// list. A look-up is a binary search over the bytes themselves, finding line starts as it
/// goes, so a load reads nothing but the UTF-8 check: a model loads as fast with the lists as
/// without them. A line that is not of that form is no name, and lists out of order give wrong
/// answers but never a panic (the builder writes them sorted, and the model's checksum keeps
/// them so).
#[derive(Clone)]
pub struct Names {
    bytes: Bytes,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Names")
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl Names {
    /// Reads a names section, checking that it is UTF-8 and ends its last line.
    pub fn parse(bytes: Bytes) -> Result<Names> {
        std::str::from_utf8(&bytes)
            .map_err(|_| Error::Corrupt("the names section is not UTF-8".into()))?;
        if bytes.last().is_some_and(|&b| b != b'\n') {
            return Err(Error::Corrupt(
                "the names section does not end with a line break".into(),
            ));
        }
        Ok(Names { bytes })
    }

    /// Number of names (a pass over the lines: for information, not for look-ups).
    pub fn len(&self) -> usize {
        self.bytes.iter().filter(|&&b| b == b'\n').count()
    }

    /// Whether there are no names.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The (given, surname) ranks of `name` (lowercase), 0 where it is not on a list.
    pub(crate) fn ranks(&self, name: &str) -> Option<(u32, u32)> {
        let b: &[u8] = &self.bytes;
        // `lo` is always a line start; `hi` a line start or the end.
        let (mut lo, mut hi) = (0usize, b.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = b[lo..mid]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(lo, |p| lo + p + 1);
            let end = b[start..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| start + p + 1);
            let line = &b[start..end];
            let key = line.split(|&c| c == b'\t').next().unwrap_or(line);
            match key.cmp(name.as_bytes()) {
                std::cmp::Ordering::Equal => {
                    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\n');
                    let mut f = line.split('\t').skip(1);
                    let g = f.next()?.parse().ok()?;
                    let s = f.next()?.parse().ok()?;
                    return Some((g, s));
                }
                std::cmp::Ordering::Less => lo = end,
                std::cmp::Ordering::Greater => hi = start,
            }
        }
        None
    }

    /// How common `name` (lowercase) is as a given name: 1 for the most common, `None` when it
    /// is not on the list.
    pub fn given_rank(&self, name: &str) -> Option<u32> {
        self.ranks(name).map(|r| r.0).filter(|&r| r > 0)
    }

    /// How common `name` (lowercase) is as a surname: 1 for the most common, `None` when it is
    /// not on the list.
    pub fn surname_rank(&self, name: &str) -> Option<u32> {
        self.ranks(name).map(|r| r.1).filter(|&r| r > 0)
    }
}

/// A given name at least this common (rank) starts a name whose next word is checked.
const GIVEN_MAX_RANK: u32 = 2000;
/// A word at least this common as a surname is taken for one and left alone: "Trump" (8,608),
/// "Truss" (8,095) and "Pence" (2,882) are English words too.
const NOT_SURNAME_RANK: u32 = 20_000;
/// The original put back must be at least this common a surname ("Judge" is 3,262nd).
const SURNAME_MAX_RANK: u32 = 5000;
/// How many of the lexicon's originals of the spun word are looked at, best first.
pub(crate) const MAX_ORIGINALS: usize = 8;
/// The original must be one a spinner writes the word for this readily (log10 prior)...
const MIN_PRIOR: f32 = -1.0;
/// ...that this many sources propose: a single thesaurus also lists places and titles as a
/// word's neighbours ("islands" for "Trinidad", "emperor" for "Kaiser"), which are surnames too.
const MIN_VOTES: usize = 2;
/// ...and beat any other surname among the originals by this much (log10).
const PRIOR_MARGIN: f32 = 0.5;
/// The given name and the spun word have at least this many letters: "George W. Bush" has an
/// initial, "In Space" a preposition that is a given name on the census list.
const MIN_LETTERS: usize = 3;
/// Words looked at on each side of a name, in its line, for the lowercase words that show it
/// is running text rather than a headline in title case or a list of names.
const CONTEXT_WORDS: usize = 8;
/// How many lowercase words (other than the small words titles keep lowercase) make running text.
const MIN_LOWER_WORDS: usize = 2;
/// The confidence reported for a surname put back.
const CONFIDENCE: f64 = 0.85;
/// The confidence reported for a broken name, which has no suggestion.
const FLAG_CONFIDENCE: f64 = 0.5;

/// One original of a spun word or phrase, as the lexicon proposes it.
#[derive(Clone, Debug)]
pub struct NameOriginal {
    /// The original, in lowercase.
    pub original: String,
    /// log10 P(spun | original).
    pub prior: f32,
    /// How many independent sources propose it ([`Src::votes`](crate::lexicon::Src::votes)).
    pub votes: usize,
    /// Who proposes it, for the evidence ("moby+mythes+mined").
    pub sources: String,
}

/// Spun surnames in `text`: a word in title case right after a common given name, that is no
/// surname itself but which spinners write for a common surname ("Aaron Decide" for "Aaron
/// Judge", "Tom Lengthy" for "Tom Long", "Tim Prepare dinner" for "Tim Cook"), and every other
/// capitalised use of the same word inside a sentence of the text ("Boone said after Decide
/// homered") or at the start of one before what follows a name ("Decide has gone deeper").
///
/// `originals(key)` gives the lexicon's originals of a lowercase word or phrase, best first.
/// Each span's suggestion is the surname, capitalised; a possessive ending stays outside the
/// span. Spans overlapping `taken` (sorted, disjoint byte ranges) are left out. What counts as
/// strong enough evidence is written in the constants above: honest names that are English words
/// ("Kevin Hart", "Mike Trout", "Emily Blunt") are surnames on the list, and a name's word that
/// is on neither list ("Musk", "Biden") has no surname among its originals.
///
/// ```
/// use unspin_core::names::{spun_surnames, NameOriginal, Names};
/// use unspin_core::tokenize::tokenize;
/// use unspin_core::Bytes;
///
/// let names = Names::parse(Bytes::from_static(b"aaron\t77\t0\njudge\t0\t3262\n")).unwrap();
/// let originals = |key: &str| match key {
///     "decide" => vec![NameOriginal {
///         original: "judge".into(),
///         prior: -0.1,
///         votes: 2,
///         sources: "moby+mythes".into(),
///     }],
///     _ => vec![],
/// };
/// let text = "The slugger Aaron Decide hit two home runs, and Decide's team won.";
/// let spans = spun_surnames(text, &tokenize(text), &names, originals, &[]);
/// let fixed: Vec<_> = spans.iter().map(|s| (s.text.as_str(), s.suggestion.as_deref())).collect();
/// assert_eq!(fixed, [("Decide", Some("Judge")), ("Decide", Some("Judge"))]);
/// ```
pub fn spun_surnames(
    text: &str,
    toks: &[Token],
    names: &Names,
    originals: impl Fn(&str) -> Vec<NameOriginal>,
    taken: &[(usize, usize)],
) -> Vec<Span> {
    // Each word's case, read once: every step below asks it.
    let cases = word_cases(text, toks);
    let title = |k: usize| cases.get(k).copied().flatten() == Some(Case::Title);
    let capital = |k: usize| {
        cases
            .get(k)
            .copied()
            .flatten()
            .is_some_and(|c| c != Case::Lower)
    };
    let joined = |a: usize, b: usize| joined(text, toks, a, b);
    let mut spans: Vec<Span> = Vec::new();
    // Spun key -> (suggestion in lowercase, the evidence of its first finding).
    let mut found: HashMap<String, (String, String)> = HashMap::new();
    let mut given_names: HashMap<&str, bool> = HashMap::new();
    for k in 0..toks.len().saturating_sub(1) {
        if !title(k) || !title(k + 1) || !joined(k, k + 1) {
            continue;
        }
        let given = toks[k].text(text);
        // A text names the same people again and again: each word is looked up once.
        let is_given = *given_names
            .entry(given)
            .or_insert_with(|| given.len() >= MIN_LETTERS && common_given_name(names, given));
        if !is_given {
            continue;
        }
        let start = toks[k + 1].start as usize;
        if overlaps_any(taken, start, toks[k + 1].end as usize, |&r| r)
            || spans.last().is_some_and(|s| s.end > start)
        {
            continue;
        }
        let reading = name_word(text, toks, &cases, k + 1, names, &joined)
            .into_iter()
            .filter(|&(end, _, next)| {
                !capital(next)
                    && running_text(text, toks, &cases, k, next)
                    && !overlaps_any(taken, start, end, |&r| r)
            })
            .find_map(|(end, key, _)| Some((end, surname_original(&originals(&key), names)?, key)));
        let Some((end, best, key)) = reading else {
            continue;
        };
        let spun = &text[start..end];
        let evidence = format!(
            "a spun surname: \"{spun}\" follows the given name \"{given}\" but is no surname, and \
             spinners write it for the surname \"{}\" ({})",
            apply_case(&best.original, Case::Title),
            best.sources
        );
        spans.push(name_span(
            text,
            start,
            end,
            &best.original,
            evidence.clone(),
        ));
        found.entry(key).or_insert((best.original, evidence));
    }
    if found.is_empty() {
        return spans;
    }
    // The same spun word elsewhere, capitalised inside a sentence: the surname alone.
    let firsts: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
    let mut more = Vec::new();
    // The first word of each spun key, to pass over other words without reading them whole.
    let firsts_words: Vec<&str> = found
        .keys()
        .map(|k| k.split(' ').next().unwrap_or(k))
        .collect();
    for k in 0..toks.len() {
        if !title(k) {
            continue;
        }
        // Inside a sentence; or at its start, where a capital says nothing, only when what
        // follows is what follows a person's name.
        let inside = inside_sentence(text, toks, &cases, k);
        if !inside && !sentence_start(text, toks, k) {
            continue;
        }
        let (w, possessive) = split_possessive(toks[k].text(text));
        if !firsts_words
            .iter()
            .any(|f| f.eq_ignore_ascii_case(w) || (!w.is_ascii() && w.to_lowercase() == *f))
        {
            continue;
        }
        let start = toks[k].start as usize;
        let reading = name_word(text, toks, &cases, k, names, &joined)
            .into_iter()
            .find(|(_, key, _)| found.contains_key(key));
        let Some((end, key, next)) = reading else {
            continue;
        };
        let (original, first) = &found[&key];
        if !inside && possessive.is_empty() && !follows_a_name(text, toks, next) {
            continue;
        }
        if capital(next)
            || !running_text(text, toks, &cases, k, next)
            || overlaps_any(taken, start, end, |&r| r)
            || overlaps_any(&firsts, start, end, |&r| r)
        {
            continue;
        }
        let evidence = format!("the same spun surname as elsewhere in the text: {first}");
        more.push(name_span(text, start, end, original, evidence));
    }
    spans.extend(more);
    spans.sort_by_key(|s| s.start);
    spans
}

/// Names broken by a spinner where no list can say what they were: a common given name, then a
/// word in title case that is on neither census list and a lowercase word, the two read as one
/// English phrase, in running text and with no capital after them ("Kevin Coronary heart said",
/// where a spinner wrote "coronary heart" for "Hart"). Spinners keep the capital of a
/// substitute's first word only, and a name does not go on in lowercase; but which surname the
/// phrase stands for, no source says, so each span comes without a suggestion, as a flag.
///
/// `collocation(a, b)` says whether the two lowercase words read as one phrase: in the default
/// model, a bigram that Google Books counts millions of times and at least a twentieth as often
/// as its second word ("coronary heart", not "doctrine and"), which a surname and the word after
/// it are not. Spans overlapping `taken` (sorted, disjoint byte ranges) are left out. They are no
/// evidence for the document score, as spun surnames are not.
///
/// ```
/// use unspin_core::names::{broken_names, Names};
/// use unspin_core::tokenize::tokenize;
/// use unspin_core::Bytes;
///
/// let names = Names::parse(Bytes::from_static(b"kevin\t30\t0\n")).unwrap();
/// let text = "The comedian Kevin Coronary heart said he would tour again.";
/// let spans = broken_names(text, &tokenize(text), &names, |a, b| (a, b) == ("coronary", "heart"), &[]);
/// let flagged: Vec<_> = spans.iter().map(|s| (s.text.as_str(), s.suggestion.as_deref())).collect();
/// assert_eq!(flagged, [("Coronary heart", None)]);
/// ```
pub fn broken_names(
    text: &str,
    toks: &[Token],
    names: &Names,
    collocation: impl Fn(&str, &str) -> bool,
    taken: &[(usize, usize)],
) -> Vec<Span> {
    let cases = word_cases(text, toks);
    let case = |k: usize| cases.get(k).copied().flatten();
    let joined = |a: usize, b: usize| joined(text, toks, a, b);
    let mut spans: Vec<Span> = Vec::new();
    for k in 0..toks.len().saturating_sub(3) {
        let (given, w1, w2) = (k, k + 1, k + 2);
        if case(given) != Some(Case::Title)
            || case(w1) != Some(Case::Title)
            || case(w2) != Some(Case::Lower)
            || !joined(given, w1)
            || !joined(w1, w2)
            || spans
                .last()
                .is_some_and(|s| s.end > toks[w1].start as usize)
        {
            continue;
        }
        let lower = |k: usize| toks[k].text(text).to_lowercase();
        let first = lower(w1);
        let (second_text, _) = split_possessive(toks[w2].text(text));
        let second = second_text.to_lowercase();
        let plain = |w: &str| w.len() >= MIN_LETTERS && w.bytes().all(|b| b.is_ascii_lowercase());
        // A name inside a sentence, or at its start before what follows a name ("Kevin
        // Coronary heart said"): there a given name is as often a word ("May God bless"). What
        // follows a name ("Government has") is read as a surname's next word.
        if !(inside_sentence(text, toks, &cases, given) || follows_a_name(text, toks, w2 + 1))
            || !plain(&first)
            || !plain(&second)
            || AFTER_A_NAME.contains(&second.as_str())
            || [&first, &second]
                .iter()
                .any(|w| TITLE_LOWER.contains(&w.as_str()))
            || names.ranks(&first).is_some_and(|r| r != (0, 0))
            || !common_given_name(names, toks[given].text(text))
        {
            continue;
        }
        let next = w2 + 1;
        let (start, end) = (
            toks[w1].start as usize,
            toks[w2].start as usize + second.len(),
        );
        if case(next).is_some_and(|c| c != Case::Lower)
            || !running_text(text, toks, &cases, given, next)
            || overlaps_any(taken, start, end, |&r| r)
            || !collocation(&first, &second)
        {
            continue;
        }
        let spun = &text[start..end];
        spans.push(Span {
            start,
            end,
            text: spun.to_string(),
            suggestion: None,
            confidence: FLAG_CONFIDENCE,
            kind: SpanKind::Substitution,
            evidence: format!(
                "a broken name: \"{spun}\" follows the given name \"{}\", but a name does not \
                 go on in lowercase, and \"{first} {second}\" is an English phrase, which spinners \
                 write for a word of a name; which name, no source says",
                toks[given].text(text)
            ),
        });
    }
    spans
}

/// Whether `word` is a given name among the [`GIVEN_MAX_RANK`] most common. The census lists
/// are in ASCII: a word of other letters is no name of theirs, and one of ASCII letters is
/// lowercased without an allocation.
fn common_given_name(names: &Names, word: &str) -> bool {
    let mut buf = [0u8; 32];
    ascii_lower(word, &mut buf)
        .and_then(|lower| names.given_rank(lower))
        .is_some_and(|r| r <= GIVEN_MAX_RANK)
}

/// Whether token `k` stands inside a sentence: after a word or a comma.
fn inside_sentence(text: &str, toks: &[Token], cases: &[Option<Case>], k: usize) -> bool {
    k > 0 && (cases[k - 1].is_some() || toks[k - 1].text(text) == ",")
}

/// Whether token `k` is what follows a person's name ([`AFTER_A_NAME`]), a space after the
/// token before it.
fn follows_a_name(text: &str, toks: &[Token], k: usize) -> bool {
    toks.get(k)
        .is_some_and(|t| joined(text, toks, k - 1, k) && AFTER_A_NAME.contains(&t.text(text)))
}

/// Each token's case, `None` for tokens that are no words.
fn word_cases(text: &str, toks: &[Token]) -> Vec<Option<Case>> {
    toks.iter()
        .map(|t| (t.kind == Kind::Word).then(|| case_of(t.text(text))))
        .collect()
}

/// Whether only a space stands between tokens `a` and `b`: no line break, no punctuation.
fn joined(text: &str, toks: &[Token], a: usize, b: usize) -> bool {
    text[toks[a].end as usize..toks[b].start as usize] == *" "
}

/// Words that follow a person's name at the start of a sentence ("Lengthy added that ..."),
/// and that follow no sentence-opening adjective or imperative ("Lengthy delays", "Decide
/// for yourself"): verbs of saying and the auxiliaries, in the forms that agree with a name.
const AFTER_A_NAME: &[&str] = &[
    "said",
    "says",
    "told",
    "tells",
    "added",
    "adds",
    "noted",
    "notes",
    "stated",
    "states",
    "mentioned",
    "explained",
    "wrote",
    "writes",
    "asked",
    "replied",
    "recalled",
    "insisted",
    "admitted",
    "acknowledged",
    "announced",
    "confirmed",
    "declined",
    "is",
    "was",
    "has",
    "had",
    "will",
    "would",
    "could",
    "can",
    "did",
    "does",
    "also",
];

/// Whether token `k` starts a sentence: nothing but spaces, quotation marks that open and
/// brackets stand between it and the start of the text, the start of its line, or a sentence's
/// final punctuation (and the quotation marks that close it).
fn sentence_start(text: &str, toks: &[Token], k: usize) -> bool {
    let before = text[..toks[k].start as usize]
        .trim_end_matches(|c: char| c == ' ' || c == '\t' || "\"'(\u{201c}\u{2018}[".contains(c));
    before.is_empty()
        || before.ends_with('\n')
        || before
            .trim_end_matches(|c: char| "\"'\u{201d}\u{2019})]".contains(c))
            .ends_with(['.', '!', '?', '\u{2026}'])
}

/// The readings of the spun name word at token `k` (title case, no given name, no common
/// surname), longest first: where each ends (before a possessive "'s"), its lexicon key, and
/// the token after it. A word followed by a lowercase word is read as a phrase with it as well
/// ("Prepare dinner", "Coronary heart": spinners capitalise a substitute's first word only).
fn name_word(
    text: &str,
    toks: &[Token],
    cases: &[Option<Case>],
    k: usize,
    names: &Names,
    joined: &impl Fn(usize, usize) -> bool,
) -> Vec<(usize, String, usize)> {
    let t = toks[k];
    let w = t.text(text);
    let (stem, _) = split_possessive(w);
    let lower = stem.to_lowercase();
    let (given, surname) = names.ranks(&lower).unwrap_or((0, 0));
    if stem.chars().count() < MIN_LETTERS
        || given > 0
        || (surname > 0 && surname <= NOT_SURNAME_RANK)
    {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(2);
    if stem.len() == w.len() && cases.get(k + 1) == Some(&Some(Case::Lower)) && joined(k, k + 1) {
        let n = toks[k + 1];
        out.push((n.end as usize, format!("{lower} {}", n.text(text)), k + 2));
    }
    out.push((t.start as usize + stem.len(), lower, k + 1));
    out
}

/// The one original among `originals` that is a common surname, proposed readily, and clearly
/// ahead of any other surname among them.
fn surname_original(originals: &[NameOriginal], names: &Names) -> Option<NameOriginal> {
    let surnames: Vec<&NameOriginal> = originals
        .iter()
        .take(MAX_ORIGINALS)
        .filter(|o| {
            !o.original.contains(' ')
                && names
                    .surname_rank(&o.original)
                    .is_some_and(|r| r <= SURNAME_MAX_RANK)
        })
        .collect();
    let best = *surnames.iter().max_by(|a, b| a.prior.total_cmp(&b.prior))?;
    let clear = surnames
        .iter()
        .all(|o| std::ptr::eq(*o, best) || o.prior + PRIOR_MARGIN <= best.prior);
    (best.prior >= MIN_PRIOR && best.votes >= MIN_VOTES && clear).then(|| best.clone())
}

/// Whether the words around tokens `from..to` in their line hold lowercase words other than
/// the small ones that titles leave lowercase: running text, not a headline or a list.
/// `cases` holds each token's case, as in [`spun_surnames`].
fn running_text(
    text: &str,
    toks: &[Token],
    cases: &[Option<Case>],
    from: usize,
    to: usize,
) -> bool {
    let line_break =
        |a: usize, b: usize| text[toks[a].end as usize..toks[b].start as usize].contains('\n');
    let lower =
        |k: usize| cases[k] == Some(Case::Lower) && !TITLE_LOWER.contains(&toks[k].text(text));
    let mut n = 0;
    let mut seen = 0;
    let mut k = from;
    while k > 0 && seen < CONTEXT_WORDS && !line_break(k - 1, k) {
        k -= 1;
        seen += (toks[k].kind == Kind::Word) as usize;
        n += lower(k) as usize;
    }
    let (mut k, mut seen) = (to, 0);
    while k < toks.len() && seen < CONTEXT_WORDS && (k == 0 || !line_break(k - 1, k)) {
        seen += (toks[k].kind == Kind::Word) as usize;
        n += lower(k) as usize;
        k += 1;
    }
    n >= MIN_LOWER_WORDS
}

/// `w` in lowercase, written into `buf`, if it is ASCII and fits.
fn ascii_lower<'b>(w: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    let out = buf.get_mut(..w.len()).filter(|_| w.is_ascii())?;
    out.copy_from_slice(w.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// A span that puts `original` back, capitalised, over `start..end`.
fn name_span(text: &str, start: usize, end: usize, original: &str, evidence: String) -> Span {
    Span {
        start,
        end,
        text: text[start..end].to_string(),
        suggestion: Some(apply_case(original, Case::Title)),
        confidence: CONFIDENCE,
        kind: SpanKind::Substitution,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn names(text: &'static str) -> Result<Names> {
        Names::parse(Bytes::from_static(text.as_bytes()))
    }

    #[test]
    fn looks_up_both_lists() {
        let n = names("aaron\t77\t0\nhart\t0\t179\njudge\t0\t3262\nlong\t900\t86\n").unwrap();
        assert_eq!(n.len(), 4);
        assert_eq!(n.given_rank("aaron"), Some(77));
        assert_eq!(n.surname_rank("aaron"), None);
        assert_eq!(n.surname_rank("long"), Some(86));
        assert_eq!(n.given_rank("long"), Some(900));
        for missing in ["", "a", "aaro", "aaronx", "decide", "zzz"] {
            assert_eq!(n.given_rank(missing), None, "{missing}");
            assert_eq!(n.surname_rank(missing), None, "{missing}");
        }
    }

    /// Census-like lists and a lexicon for the spun-surname tests.
    fn census() -> Names {
        names(
            "aaron\t77\t0\nblank\t0\t2160\ncook\t0\t120\ndonald\t40\t0\ngeorge\t16\t0\n\
             german\t756\t0\nhart\t0\t179\nin\t1979\t0\njudge\t0\t3262\nkaiser\t0\t1500\n\
             kevin\t23\t0\nlong\t900\t86\nsettle\t0\t3831\ntim\t170\t0\ntom\t154\t0\n\
             trump\t0\t8608\n",
        )
        .unwrap()
    }

    fn originals(key: &str) -> Vec<NameOriginal> {
        let o = |original: &str, prior: f32, votes: usize| NameOriginal {
            original: original.into(),
            prior,
            votes,
            sources: "moby+mythes".into(),
        };
        match key {
            "decide" => vec![
                o("judge", -0.01, 3),
                o("determine", 0.01, 3),
                o("settle", -1.4, 3),
            ],
            "lengthy" => vec![o("long", 0.13, 3)],
            "prepare dinner" => vec![o("cook", -0.3, 2)],
            "prepare" => vec![o("ready", -0.2, 2)],
            "heart" => vec![o("hart", -0.5, 2)],
            "trump" => vec![o("best", -1.1, 3)],
            "emperor" => vec![o("kaiser", -0.6, 1)],
            "space" => vec![o("blank", -0.95, 3)],
            "choose" => vec![o("judge", -0.3, 2), o("settle", -0.4, 2)],
            _ => vec![],
        }
    }

    /// (spun text, suggestion) of the spans found in `text`.
    fn fixes(text: &str) -> Vec<(String, String)> {
        spun_surnames(text, &tokenize(text), &census(), originals, &[])
            .into_iter()
            .map(|s| {
                assert_eq!(&text[s.start..s.end], s.text);
                (s.text, s.suggestion.unwrap())
            })
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_spun_surname_after_a_given_name_and_its_other_uses() {
        assert_eq!(
            fixes(
                "The slugger Aaron Decide hit two home runs, and fans said that Decide was back."
            ),
            pairs(&[("Decide", "Judge"), ("Decide", "Judge")])
        );
        // The possessive stays as it is; a phrase whose first word alone is capitalised is one.
        assert_eq!(
            fixes(
                "We watched Aaron Decide\u{2019}s swing, and then Tim Prepare dinner spoke to us."
            ),
            pairs(&[("Decide", "Judge"), ("Prepare dinner", "Cook")])
        );
        // At the start of a sentence, before a verb of saying or an auxiliary, or as a
        // possessive.
        assert_eq!(
            fixes(
                "The slugger Aaron Decide hit two home runs. Decide said he was fine. \u{201c}It \
                 was fun.\u{201d} Decide\u{2019}s bat broke.\nDecide has won."
            ),
            pairs(&[
                ("Decide", "Judge"),
                ("Decide", "Judge"),
                ("Decide", "Judge"),
                ("Decide", "Judge")
            ])
        );
        assert_eq!(
            fixes("the striker Tom Lengthy scored twice in the second half"),
            pairs(&[("Lengthy", "Long")])
        );
    }

    #[test]
    fn honest_names_and_weak_evidence_stay() {
        for text in [
            // Surnames on the list, however English they look.
            "The comedian Kevin Hart said that Donald Trump was on the phone.",
            // An initial, a title-case headline, a name going on after the word.
            "We met George W. Bush and his wife at the ranch.",
            "Aaron Decide Hits Two Home Runs In Boston",
            "He said Aaron Decide Smith was on the team.",
            // One thesaurus alone, two surnames close together, nothing proposed at all.
            "The old German Emperor said that the war was over.",
            "the crew said that In Space the days are long",
            "the coach said Aaron Choose was back in the lineup",
            "the coach said Aaron Musk was back in the lineup",
            // Sentence-initial capitals are no name's.
            "Decide for yourself whether the plan will work.",
        ] {
            assert_eq!(fixes(text), vec![], "{text}");
        }
        // At a sentence's start only before what follows a name ("Decide for yourself" is
        // an imperative, "Lengthy delays" an adjective).
        assert_eq!(
            fixes(
                "The slugger Aaron Decide hit two home runs. Decide for yourself.\nDecide, they \
                 said, was back."
            ),
            pairs(&[("Decide", "Judge")])
        );
        assert_eq!(
            fixes("the striker Tom Lengthy scored twice. \"Lengthy delays\" are no news."),
            pairs(&[("Lengthy", "Long")])
        );
        // The word elsewhere is changed only where a name was found.
        assert_eq!(
            fixes("the fans said that Decide was back on the field"),
            vec![]
        );
    }

    #[test]
    fn a_broken_name_is_flagged_where_a_phrase_goes_on_in_lowercase() {
        let n = names("kevin\t30\t0\nmay\t200\t0\nrock\t0\t3000\n").unwrap();
        let phrases = [("coronary", "heart"), ("rock", "music"), ("god", "bless")];
        let flags = |text: &str| -> Vec<String> {
            let toks = tokenize(text);
            broken_names(text, &toks, &n, |a, b| phrases.contains(&(a, b)), &[])
                .into_iter()
                .map(|s| {
                    assert!(s.suggestion.is_none());
                    s.text
                })
                .collect()
        };
        assert_eq!(
            flags("the comedian Kevin Coronary heart's new tour"),
            ["Coronary heart"]
        );
        assert_eq!(
            flags("Kevin Coronary heart said he would tour."),
            ["Coronary heart"]
        );
        // A surname ("Rock"), a sentence's start before no verb, a name that goes on in
        // capitals, a phrase of words that are no collocation, a headline: no flag.
        assert!(flags("fans of Kevin Rock music came").is_empty());
        assert!(flags("May God bless our country.").is_empty());
        assert!(flags("the doctors of Kevin Coronary heart Clinic said").is_empty());
        assert!(flags("the comedian Kevin Coronary arteries said").is_empty());
        assert!(flags("Kevin Coronary heart").is_empty());
    }

    #[test]
    fn empty_and_bad_sections() {
        assert!(names("").unwrap().is_empty());
        assert!(names("aaron\t1\t0").is_err());
        assert!(Names::parse(Bytes::from_static(b"aaron\t\xff\t0\n")).is_err());
        // Lines of another form are no names, and do not stop the search.
        let n = names("aaron\t1\naaronx\tone\t0\nbob\t2\t0\nzed\t0\t9\n").unwrap();
        assert_eq!(n.given_rank("aaron"), None);
        assert_eq!(n.given_rank("aaronx"), None);
        assert_eq!(n.given_rank("bob"), Some(2));
        assert_eq!(n.surname_rank("zed"), Some(9));
    }
}
