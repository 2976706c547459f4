//! A tokenizer that keeps byte offsets and case.
//!
//! Restoration must leave every byte outside a replaced span untouched, so tokens never own text:
//! each is a byte range into the input. Whitespace is not a token; it is simply what lies
//! between tokens, and so it survives restoration as it was.
//!
//! ```
//! use unspin_core::tokenize::{tokenize, Kind};
//!
//! let text = "Mr. Long's \u{201c}inventory market\u{201d} fell 1.5%.";
//! let toks = tokenize(text);
//! let words: Vec<&str> = toks.iter().filter(|t| t.kind == Kind::Word).map(|t| t.text(text)).collect();
//! assert_eq!(words, ["Mr", "Long's", "inventory", "market", "fell"]);
//! // Offsets always point into the input.
//! assert!(toks.iter().all(|t| text.get(t.start as usize..t.end as usize).is_some()));
//! ```

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Letters, with internal apostrophes (`don't`, `nation's`).
    Word,
    /// Digits, with internal `.` or `,` between digits (`1.5`, `10,000`).
    Number,
    /// Any other single non-space character.
    Punct,
}

/// The capitalisation of a word, so that a restored word can follow the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Case {
    /// `market`
    Lower,
    /// `Market`
    Title,
    /// `MARKET` (two letters or more)
    Upper,
    /// `iPhone`, `McDonald`
    Mixed,
}

/// One token: a byte range into the text it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: u32,
    /// Byte offset one past the last byte.
    pub end: u32,
    /// What the token is.
    pub kind: Kind,
}

impl Token {
    /// The token's text.
    #[inline]
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start as usize..self.end as usize]
    }
}

#[inline]
fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Splits `text` into tokens. Offsets are byte offsets on `char` boundaries; tokens are in order
/// and never overlap.
///
/// Texts larger than `u32::MAX` bytes are not supported; callers split them first (the
/// detector's document limit is far below that).
pub fn tokenize(text: &str) -> Vec<Token> {
    debug_assert!(text.len() <= u32::MAX as usize);
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        let (kind, end) = if c.is_alphabetic() {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                if d.is_alphabetic() || is_combining(d) {
                    it.next();
                    end = j + d.len_utf8();
                } else if is_apostrophe(d) || is_invisible(d) {
                    // Keep the apostrophe only when a letter follows: "don't", not "dogs' ".
                    // So with a soft hyphen or a zero-width space inside a word ("inven\u{ad}tory"):
                    // web pages put them there to hint where to hyphenate, and spinners to hide
                    // the word from a checker.
                    let after = text[j + d.len_utf8()..].chars().next();
                    if after.is_some_and(|a| a.is_alphabetic()) {
                        it.next();
                        end = j + d.len_utf8();
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            (Kind::Word, end)
        } else if c.is_ascii_digit() {
            let mut end = i + 1;
            while let Some(&(j, d)) = it.peek() {
                // A digit, or a '.' or ',' between digits ("1.5", "10,000").
                let inner_sep = (d == '.' || d == ',')
                    && text
                        .as_bytes()
                        .get(j + 1)
                        .is_some_and(|b| b.is_ascii_digit());
                if d.is_ascii_digit() || inner_sep {
                    it.next();
                    end = j + 1;
                } else {
                    break;
                }
            }
            (Kind::Number, end)
        } else {
            (Kind::Punct, i + c.len_utf8())
        };
        out.push(Token {
            start: i as u32,
            end: end as u32,
            kind,
        });
    }
    out
}

/// The letters that a Latin ligature stands for: text taken from PDFs writes "ﬁnancial" with
/// one character for "fi".
#[inline]
fn ligature(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{fb00}' => "ff",
        '\u{fb01}' => "fi",
        '\u{fb02}' => "fl",
        '\u{fb03}' => "ffi",
        '\u{fb04}' => "ffl",
        '\u{fb05}' | '\u{fb06}' => "st",
        _ => return None,
    })
}

/// The Latin letter that a letter of another script looks like: Cyrillic "а", "е", "о", "р",
/// "с" and their kin, and the Greek capitals (and "ο") that no one tells from Latin ones. Greek
/// small letters that only resemble Latin ones ("ν", "α") are left out: science writes "hν".
#[inline]
#[rustfmt::skip]
fn latin_lookalike(c: char) -> Option<char> {
    Some(match c {
        'а' => 'a', 'е' => 'e', 'о' => 'o', 'р' => 'p', 'с' => 'c', 'у' => 'y', 'х' => 'x',
        'і' => 'i', 'ј' => 'j', 'ѕ' => 's', 'ԁ' => 'd', 'һ' => 'h', 'ӏ' => 'l',
        'А' => 'A', 'В' => 'B', 'Е' => 'E', 'К' => 'K', 'М' => 'M', 'Н' => 'H', 'О' => 'O',
        'Р' => 'P', 'С' => 'C', 'Т' => 'T', 'Х' => 'X', 'І' => 'I', 'Ј' => 'J', 'Ѕ' => 'S',
        'Α' => 'A', 'Β' => 'B', 'Ε' => 'E', 'Ζ' => 'Z', 'Η' => 'H', 'Ι' => 'I', 'Κ' => 'K',
        'Μ' => 'M', 'Ν' => 'N', 'Ο' => 'O', 'Ρ' => 'P', 'Τ' => 'T', 'Υ' => 'Y', 'Χ' => 'X',
        'ο' => 'o',
        _ => return None,
    })
}

/// `word` spelled in Latin letters only, where it mixes Latin letters with letters of another
/// script that look like them ("mаrket" with a Cyrillic "а"): a trick that hides a word from
/// checkers, and one that honest English never plays. `None` for any other word.
///
/// ```
/// use unspin_core::tokenize::fold_lookalikes;
/// assert_eq!(fold_lookalikes("m\u{430}rket").as_deref(), Some("market"));
/// assert_eq!(fold_lookalikes("market"), None);
/// assert_eq!(fold_lookalikes("\u{43c}\u{430}\u{440}\u{43a}\u{435}\u{442}"), None); // all Cyrillic
/// ```
pub fn fold_lookalikes(word: &str) -> Option<String> {
    if word.is_ascii()
        || !word.bytes().any(|b| b.is_ascii_alphabetic())
        || !word.chars().any(|c| latin_lookalike(c).is_some())
    {
        return None;
    }
    Some(
        word.chars()
            .map(|c| latin_lookalike(c).unwrap_or(c))
            .collect(),
    )
}

/// `word` split before a possessive's ending ("'s", with either apostrophe, "s" in either
/// case), which stays as written where the word is rewritten; the ending is empty where there
/// is none.
///
/// ```
/// use unspin_core::tokenize::split_possessive;
/// assert_eq!(split_possessive("Decide\u{2019}s"), ("Decide", "\u{2019}s"));
/// assert_eq!(split_possessive("FBI'S"), ("FBI", "'S"));
/// assert_eq!(split_possessive("Decide"), ("Decide", ""));
/// assert_eq!(split_possessive("'s"), ("", "'s"));
/// ```
pub fn split_possessive(word: &str) -> (&str, &str) {
    match word.char_indices().rev().nth(1) {
        Some((k, c)) if is_apostrophe(c) && word.ends_with(['s', 'S']) => word.split_at(k),
        _ => (word, ""),
    }
}

/// `word` with the letters of an initialism in capitals, where a spinner recased them ("Fbi"
/// for "FBI", "Ceos" for "CEOs", "Fbi's"): `is_initialism` says whether a word, in lowercase,
/// is an abbreviation read letter by letter. A word in lowercase ("fbi", as in a handle or a
/// hurried note) or already right is `None`, as is any other word.
///
/// ```
/// use unspin_core::tokenize::recased_initialism;
/// let known = |w: &str| matches!(w, "fbi" | "ceo");
/// assert_eq!(recased_initialism("Fbi", known).as_deref(), Some("FBI"));
/// assert_eq!(recased_initialism("Ceos", known).as_deref(), Some("CEOs"));
/// assert_eq!(recased_initialism("Fbi\u{2019}s", known).as_deref(), Some("FBI\u{2019}s"));
/// assert_eq!(recased_initialism("FBI", known), None);
/// assert_eq!(recased_initialism("CEOs", known), None);
/// assert_eq!(recased_initialism("fbi", known), None);
/// assert_eq!(recased_initialism("Nasa", known), None);
/// ```
pub fn recased_initialism(word: &str, is_initialism: impl Fn(&str) -> bool) -> Option<String> {
    // Called on every word: most are rejected by their length or case before any other work.
    // An initialism has at most 6 letters, and a plural one more, before a possessive's ending
    // ("'s", or 4 bytes with a typographic apostrophe).
    if word.len() < 3 || word.len() > 11 {
        return None;
    }
    // A possessive's ending stays as written.
    let (core, ending) = split_possessive(word);
    if !(3..=7).contains(&core.len()) || !core.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let upper = |w: &str| w.bytes().all(|b| b.is_ascii_uppercase());
    if upper(core) || core.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    let mut buf = [0u8; 7];
    let lower = &mut buf[..core.len()];
    lower.copy_from_slice(core.as_bytes());
    lower.make_ascii_lowercase();
    // ASCII letters only, checked above.
    let lower = std::str::from_utf8(lower).ok()?;
    if is_initialism(lower) {
        return Some(core.to_ascii_uppercase() + ending);
    }
    // A plural: "CEOs" is right, "Ceos" and "CeoS" are not.
    let stem = &core[..core.len() - 1];
    if core.ends_with(['s', 'S'])
        && !(upper(stem) && core.ends_with('s'))
        && is_initialism(&lower[..stem.len()])
    {
        return Some(stem.to_ascii_uppercase() + "s" + ending);
    }
    None
}

/// `phrase` (a suggestion, from the lowercase lexicon) with its initialisms in capitals:
/// "fbi's" is written "FBI's" whatever the case the span gave it ("Fbi's").
///
/// ```
/// use unspin_core::tokenize::initialisms_in_capitals;
/// let known = |w: &str| w == "fbi";
/// assert_eq!(initialisms_in_capitals("Fbi's agents".into(), known), "FBI's agents");
/// assert_eq!(initialisms_in_capitals("the fbi".into(), known), "the FBI");
/// assert_eq!(initialisms_in_capitals("the agents".into(), known), "the agents");
/// ```
pub fn initialisms_in_capitals(phrase: String, is_initialism: impl Fn(&str) -> bool) -> String {
    let fix = |w: &str| {
        // In lowercase, recased as the first letter in capitals would be.
        let mut chars = w.chars();
        let first = chars.next()?;
        let titled: String = first.to_uppercase().chain(chars).collect();
        recased_initialism(&titled, &is_initialism)
    };
    let fixed: Vec<Option<String>> = phrase.split(' ').map(fix).collect();
    if fixed.iter().all(Option::is_none) {
        return phrase;
    }
    let words: Vec<String> = phrase
        .split(' ')
        .zip(fixed)
        .map(|(w, f)| f.unwrap_or_else(|| w.to_string()))
        .collect();
    words.join(" ")
}

/// Characters that show nothing inside a word: the soft hyphen, zero-width space, non-joiner
/// and joiner, word joiner and zero-width no-break space. [`normalize_word`] drops them.
#[inline]
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

/// Combining marks stay inside the word they modify, so offsets never split a grapheme's
/// base letter from its accent.
#[inline]
fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x200D)
}

/// The capitalisation of `word`.
///
/// ```
/// use unspin_core::tokenize::{case_of, Case};
/// assert_eq!(case_of("Market"), Case::Title);
/// assert_eq!(case_of("NASA"), Case::Upper);
/// assert_eq!(case_of("A"), Case::Title);
/// ```
pub fn case_of(word: &str) -> Case {
    let mut chars = word.chars().filter(|c| c.is_alphabetic());
    let Some(first) = chars.next() else {
        return Case::Lower;
    };
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in chars {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    match (first.is_uppercase(), upper, lower) {
        (false, 0, _) => Case::Lower,
        (true, 0, _) => Case::Title,
        (true, _, 0) => Case::Upper,
        _ => Case::Mixed,
    }
}

/// Applies `case` to a lowercase `replacement`. Only the first word of a phrase is capitalised
/// for [`Case::Title`], which is how a sentence-initial or name-initial word reads.
///
/// ```
/// use unspin_core::tokenize::{apply_case, Case};
/// assert_eq!(apply_case("stock market", Case::Title), "Stock market");
/// assert_eq!(apply_case("said", Case::Upper), "SAID");
/// ```
pub fn apply_case(replacement: &str, case: Case) -> String {
    match case {
        Case::Lower | Case::Mixed => replacement.to_string(),
        Case::Upper => replacement.to_uppercase(),
        Case::Title => {
            let mut cs = replacement.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect(),
                None => String::new(),
            }
        }
    }
}

/// Whether a span of words with these cases is two words or more, each starting with a
/// capital: a title, a heading or a name ([`apply_span_case`]).
///
/// ```
/// use unspin_core::tokenize::{all_title, Case};
/// assert!(all_title([Case::Title, Case::Title]));
/// assert!(!all_title([Case::Title]));
/// assert!(!all_title([Case::Title, Case::Lower]));
/// ```
pub fn all_title(cases: impl IntoIterator<Item = Case>) -> bool {
    let mut n = 0;
    cases.into_iter().all(|c| {
        n += 1;
        c == Case::Title
    }) && n > 1
}

/// The short words that a title writes in lowercase when they are not its first word: the
/// articles, conjunctions and prepositions that every headline style agrees on. Suggestions are
/// written with these ([`apply_span_case`]).
pub const TITLE_SMALL: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with",
];

/// The words that may stand in lowercase in a title: [`TITLE_SMALL`] and those that some styles
/// write in lowercase and others capitalise ("from", "over", "up"). Reading a sentence as a
/// title accepts any of them; writing one uses only [`TITLE_SMALL`], since a capitalised "Up"
/// or "Over" is never wrong in a headline and "Teams up" would be.
pub const TITLE_LOWER: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "off",
    "on", "or", "over", "per", "so", "the", "to", "up", "via", "vs", "with", "yet",
];

/// [`apply_case`] for the replacement of a span of words whose first word has case `first`.
/// Where the span has two words or more and every one starts with a capital (`all_title`: a
/// title, a heading or a name, "Shifting Common"), each word of the replacement gets one
/// too, except the short function words inside it.
///
/// ```
/// use unspin_core::tokenize::{apply_span_case, Case};
/// assert_eq!(apply_span_case("moving average", Case::Title, true), "Moving Average");
/// assert_eq!(apply_span_case("state of the art", Case::Title, true), "State of the Art");
/// assert_eq!(apply_span_case("moving average", Case::Title, false), "Moving average");
/// ```
pub fn apply_span_case(replacement: &str, first: Case, all_title: bool) -> String {
    if !(all_title && first == Case::Title) {
        return apply_case(replacement, first);
    }
    let mut out = String::with_capacity(replacement.len());
    for (k, w) in replacement.split(' ').enumerate() {
        if k > 0 {
            out.push(' ');
        }
        if k > 0 && TITLE_SMALL.contains(&w) {
            out.push_str(w);
        } else {
            out.push_str(&apply_case(w, Case::Title));
        }
    }
    out
}

/// Applies the case of the `written` span to a lowercase `replacement`: word by word where
/// both have as many words and the written ones differ in case ("triggered Greenback" put
/// back as "caused Dollar", not "caused dollar"), else as [`apply_span_case`] does from the
/// first word's case. Words in capitals beside words with only a first capital, and none in
/// lowercase, were all in capitals: a spinner gives its substitute for a word in capitals only
/// a first capital ("ATOMIC Imperativeness" in a heading is put back as "NUCLEAR ENERGY").
///
/// ```
/// use unspin_core::tokenize::{apply_case_like, Case};
/// assert_eq!(apply_case_like("caused dollar", "triggered Greenback", Case::Lower, false), "caused Dollar");
/// assert_eq!(apply_case_like("stock market", "Inventory market", Case::Title, false), "Stock market");
/// assert_eq!(apply_case_like("trading", "buying and Selling", Case::Lower, false), "trading");
/// assert_eq!(apply_case_like("nuclear energy", "ATOMIC Imperativeness", Case::Upper, false), "NUCLEAR ENERGY");
/// assert_eq!(apply_case_like("artificial intelligence", "Man-Made Consciousness", Case::Title, true), "Artificial Intelligence");
/// ```
pub fn apply_case_like(replacement: &str, written: &str, first: Case, all_title: bool) -> String {
    // A hyphenated word whose parts share a case has theirs: "Man-Made" is in title case.
    let case_of_word = |w: &str| {
        if w.contains('-') {
            let mut parts = w.split('-').filter(|p| !p.is_empty()).map(case_of);
            if let Some(c) = parts.next() {
                if parts.all(|p| p == c) {
                    return c;
                }
            }
        }
        case_of(w)
    };
    let cases: Vec<Case> = written.split_whitespace().map(case_of_word).collect();
    if cases.contains(&Case::Upper)
        && cases
            .iter()
            .all(|&c| matches!(c, Case::Upper | Case::Title))
    {
        return apply_case(replacement, Case::Upper);
    }
    let words = replacement.split(' ');
    if cases.len() < 2
        || cases.len() != words.clone().count()
        || cases.iter().all(|&c| c == cases[0])
    {
        return apply_span_case(replacement, first, all_title);
    }
    let mut out = String::with_capacity(replacement.len());
    for (k, (w, &c)) in words.zip(&cases).enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(&apply_case(w, c));
    }
    out
}

/// `suggestion` with its apostrophes written as `written` writes its own: typographic
/// (U+2019) where the written span has one, as it was ("corporate\u{2019}s" is put back as
/// "company\u{2019}s", not "company's"). The lexicon stores them straight.
///
/// ```
/// use unspin_core::tokenize::apostrophes_as;
/// assert_eq!(apostrophes_as("corporate\u{2019}s", "company's".into()), "company\u{2019}s");
/// assert_eq!(apostrophes_as("corporate's", "company's".into()), "company's");
/// ```
pub fn apostrophes_as(written: &str, suggestion: String) -> String {
    if written.contains('\u{2019}') && suggestion.contains('\'') {
        suggestion.replace('\'', "\u{2019}")
    } else {
        suggestion
    }
}

/// Joins the words that a hyphen breaks across lines ("inven-" at a line's end, "tory" at the
/// next one's start, as text from PDFs is) into one word token, where the joined word is one
/// that `known` knows (so "well-" and "known" stay apart) and the second part is in lowercase.
/// The token spans both parts and the break; [`normalize_word`] reads it as the joined word.
///
/// ```
/// use unspin_core::tokenize::{join_line_hyphens, normalize_word, tokenize};
/// let text = "the inven-\ntory market, a well-\nknown one";
/// let mut toks = tokenize(text);
/// join_line_hyphens(text, &mut toks, |w| w == "inventory");
/// assert_eq!(toks[1].text(text), "inven-\ntory");
/// let mut norm = String::new();
/// normalize_word(toks[1].text(text), &mut norm);
/// assert_eq!(norm, "inventory");
/// assert!(toks.iter().any(|t| t.text(text) == "well"));
/// ```
pub fn join_line_hyphens(text: &str, toks: &mut Vec<Token>, known: impl Fn(&str) -> bool) {
    // One pass over the hyphens, which most texts never break a line after.
    let breaks = text
        .match_indices('-')
        .any(|(i, _)| matches!(text.as_bytes().get(i + 1), Some(b'\n' | b'\r')));
    if !breaks {
        return;
    }
    let mut joined = String::new();
    let mut part = String::new();
    let mut out = 0;
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if let (Some(h), Some(n)) = (toks.get(i + 1), toks.get(i + 2)) {
            let gap = &text[h.end as usize..n.start as usize];
            if t.kind == Kind::Word
                && n.kind == Kind::Word
                && h.start == t.end
                && h.text(text) == "-"
                && gap.matches('\n').count() == 1
                && n.text(text).starts_with(char::is_lowercase)
            {
                normalize_word(t.text(text), &mut joined);
                normalize_word(n.text(text), &mut part);
                joined.push_str(&part);
                if known(&joined) {
                    toks[out] = Token {
                        start: t.start,
                        end: n.end,
                        kind: Kind::Word,
                    };
                    out += 1;
                    i += 3;
                    continue;
                }
            }
        }
        toks[out] = t;
        out += 1;
        i += 1;
    }
    toks.truncate(out);
}

/// The byte ranges of the web addresses, e-mail addresses, hashtags and @-handles in `text`,
/// in order: words in them are names of things, not prose, and changing one ("inventory" in
/// `example.com/inventory-market-news`) would break a link. A range is a run of characters
/// without whitespace that holds `://` (from the scheme on), starts with `www.`, holds an `@`
/// with a letter or digit before it and a dot after it, or is a `#` or `@` followed by a letter;
/// brackets, quotes and punctuation around it are left out.
///
/// ```
/// use unspin_core::tokenize::web_spans;
/// let text = "See (https://example.com/stock-market). Mail press@example.org, or #StockMarket.";
/// let spans: Vec<&str> = web_spans(text).iter().map(|&(a, b)| &text[a..b]).collect();
/// assert_eq!(spans, ["https://example.com/stock-market", "press@example.org", "#StockMarket"]);
/// assert!(web_spans("No links: 10 @ 5 each, item #3.").is_empty());
/// ```
pub fn web_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // Most prose has none of these, which a few fast substring searches say.
    if !(text.contains("://")
        || text.contains('@')
        || text.contains('#')
        || text.contains("www.")
        || text.contains("WWW."))
    {
        return out;
    }
    const OPEN: &[char] = &['(', '[', '{', '<', '"', '\'', '\u{201c}', '\u{2018}'];
    const CLOSE: &[char] = &[
        '.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '"', '\'', '\u{201d}', '\u{2019}',
    ];
    for chunk in text.split(char::is_whitespace) {
        // Where the chunk starts in `text`, which it borrows from.
        let at = chunk.as_ptr() as usize - text.as_ptr() as usize;
        if chunk.len() < 3 {
            continue;
        }
        let from = if let Some(k) = chunk.find("://") {
            // The scheme: the letters right before "://" ("https" in "report](https://").
            let scheme = chunk[..k]
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_alphabetic())
                .last()
                .map(|(i, _)| i);
            match scheme {
                Some(i) => i,
                None => continue,
            }
        } else {
            let trimmed = chunk.trim_start_matches(OPEN);
            let lead = chunk.len() - trimmed.len();
            let lower = trimmed.get(..4).map(str::to_ascii_lowercase);
            let tagged = |c: char| {
                trimmed.starts_with(c) && trimmed[1..].starts_with(|c: char| c.is_alphabetic())
            };
            let mail = trimmed.find('@').is_some_and(|k| {
                k > 0
                    && trimmed[..k].ends_with(|c: char| c.is_alphanumeric())
                    && trimmed[k + 1..].trim_end_matches(CLOSE).contains('.')
            });
            if lower.as_deref() == Some("www.") || tagged('#') || tagged('@') || mail {
                lead
            } else {
                continue;
            }
        };
        let run = chunk[from..].trim_end_matches(CLOSE);
        if run.len() > 1 {
            out.push((at + from, at + from + run.len()));
        }
    }
    out
}

/// The byte ranges of the markup left in `text`: HTML tags (`<p>`, `</a>`, `<a href="...">`: a
/// `<`, an optional `/`, a letter, a name of letters and digits, then `>`, `/` or a space, and
/// everything up to the next `>` on the same line) and character references (`&amp;`,
/// `&#8217;`, `&#x2019;`). Text scraped from the web carries them; their words ("amp", "href")
/// are no prose, and read as words they would sit in the context of the words around them.
/// A comparison written without spaces (`a<b and c>d`) reads as a tag too: a range only keeps
/// its words from being changed, so the rule errs on that side.
///
/// ```
/// use unspin_core::tokenize::markup_spans;
/// let text = "<p>Stocks fell &amp; rose</p> as x < y and R&D; grew.";
/// let spans: Vec<&str> = markup_spans(text).iter().map(|&(a, b)| &text[a..b]).collect();
/// assert_eq!(spans, ["<p>", "&amp;", "</p>"]);
/// ```
pub fn markup_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let end = match c {
            b'<' => {
                let name = i + 1 + usize::from(b.get(i + 1) == Some(&b'/'));
                let len = b[name.min(b.len())..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                let named = b.get(name).is_some_and(u8::is_ascii_alphabetic)
                    && matches!(b.get(name + len), Some(b'>' | b'/' | b' '));
                let close = text[name..]
                    .find(['>', '<', '\n'])
                    .filter(|&k| b[name + k] == b'>' && k <= 1000);
                match close {
                    Some(k) if named => name + k + 1,
                    _ => continue,
                }
            }
            b'&' => {
                let body = i + 1;
                let len = if b.get(body) == Some(&b'#') {
                    let hex = matches!(b.get(body + 1), Some(b'x' | b'X'));
                    let digits = b[(body + 1 + usize::from(hex)).min(b.len())..]
                        .iter()
                        .take_while(|c| {
                            if hex {
                                c.is_ascii_hexdigit()
                            } else {
                                c.is_ascii_digit()
                            }
                        })
                        .count();
                    if digits == 0 || digits > 7 {
                        continue;
                    }
                    1 + usize::from(hex) + digits
                } else {
                    let letters = b[body..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .count();
                    if !(2..=10).contains(&letters) || !b[body].is_ascii_alphabetic() {
                        continue;
                    }
                    letters
                };
                if b.get(body + len) != Some(&b';') {
                    continue;
                }
                body + len + 1
            }
            _ => continue,
        };
        if out.last().is_none_or(|&(_, e)| e <= i) {
            out.push((i, end));
        }
    }
    out
}

/// Replaces the tokens of each [`web_spans`], [`markup_spans`], [`code_spans`] and
/// [`identifier_spans`] range with one punctuation token over it, so that no word of an address,
/// a tag, code or an identifier is read as prose or rewritten, and no phrase runs across one.
/// Returns the byte ranges of those tokens, in order, for the checks that read the text itself
/// (spintax inside an address is none).
///
/// ```
/// use unspin_core::tokenize::{mask_web, tokenize, Kind};
/// let text = "Read www.example.com/stock-market today.";
/// let mut toks = tokenize(text);
/// mask_web(text, &mut toks);
/// let words: Vec<&str> = toks.iter().filter(|t| t.kind == Kind::Word).map(|t| t.text(text)).collect();
/// assert_eq!(words, ["Read", "today"]);
/// assert_eq!(toks[1].text(text), "www.example.com/stock-market");
/// assert_eq!(mask_web(text, &mut tokenize(text)), [(5, 33)]);
/// // An apostrophe written as a reference stays in its word.
/// let text = "It&#8217;s &amp; more";
/// let mut toks = tokenize(text);
/// mask_web(text, &mut toks);
/// let words: Vec<&str> = toks.iter().filter(|t| t.kind == Kind::Word).map(|t| t.text(text)).collect();
/// assert_eq!(words, ["It&#8217;s", "more"]);
/// let mut norm = String::new();
/// unspin_core::tokenize::normalize_word(words[0], &mut norm);
/// assert_eq!(norm, "it's");
/// ```
pub fn mask_web(text: &str, toks: &mut Vec<Token>) -> Vec<(usize, usize)> {
    let mut spans = web_spans(text);
    let web = spans.len();
    spans.extend(code_spans(text));
    spans.extend(identifier_spans(text));
    // Code, identifiers and markup come after the addresses: sorted in and merged below.
    if spans.len() > web || text.contains(['<', '&']) {
        let mut joins = Vec::new();
        for (a, b) in markup_spans(text) {
            // An apostrophe written as a reference inside a word ("It&#8217;s") stays in it.
            let inside_word = text[..a].ends_with(char::is_alphabetic)
                && text[b..].starts_with(char::is_alphabetic);
            if inside_word && APOSTROPHE_REFS.contains(&&text[a..b]) {
                joins.push((a, b));
            } else {
                spans.push((a, b));
            }
        }
        join_apostrophe_refs(toks, &joins);
        // In order, and an address inside a tag's attribute one with the tag.
        spans.sort_unstable();
        spans.dedup_by(|next, cur| {
            if next.0 < cur.1 {
                cur.1 = cur.1.max(next.1);
                true
            } else {
                false
            }
        });
    }
    if spans.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Token> = Vec::with_capacity(toks.len());
    let mut masks = Vec::new(); // where in `out` the masking tokens are
    let mut next = spans.iter().peekable();
    for &t in toks.iter() {
        let (s, e) = (t.start as usize, t.end as usize);
        while next.peek().is_some_and(|&&(_, b)| b <= s) {
            next.next();
        }
        match next.peek() {
            Some(&&(a, b)) if s < b && e > a => {
                // The first token of a range becomes the range; later ones widen it.
                match out.last_mut() {
                    Some(last)
                        if last.kind == Kind::Punct
                            && last.start as usize <= a
                            && last.end as usize > a =>
                    {
                        last.end = last.end.max(t.end);
                    }
                    _ => {
                        masks.push(out.len());
                        out.push(Token {
                            start: t.start.min(a as u32),
                            end: t.end.max(b as u32),
                            kind: Kind::Punct,
                        });
                    }
                }
            }
            _ => out.push(t),
        }
    }
    *toks = out;
    masks
        .into_iter()
        .map(|k| (toks[k].start as usize, toks[k].end as usize))
        .collect()
}

/// The byte ranges of identifiers written with underscores (`system_info`, `max_len`,
/// `build_info_dict`): names in a program, not prose, whose parts ("info") a spinner never wrote.
/// A range is a run of letters, digits and underscores with an underscore between two letters
/// or digits somewhere in it. Emphasis in Markdown (`_very_`, `__bold__`) has none there and
/// stays prose.
///
/// ```
/// use unspin_core::tokenize::identifier_spans;
/// let text = "Pass max_len (or __init__ kwargs) to system_info, or a__b, _very_ carefully.";
/// let spans: Vec<&str> = identifier_spans(text).iter().map(|&(a, b)| &text[a..b]).collect();
/// assert_eq!(spans, ["max_len", "system_info", "a__b"]);
/// assert!(identifier_spans("No identifiers_ here, _nor here.").is_empty());
/// ```
pub fn identifier_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if !text.contains('_') {
        return out;
    }
    let part = |c: char| c.is_alphanumeric() || c == '_';
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !part(c) {
            continue;
        }
        // The run from `start`; `open`: the underscores just read follow a letter or digit.
        let (mut end, mut prev, mut open, mut joined) = (start + c.len_utf8(), c, false, false);
        while let Some(&(i, d)) = chars.peek() {
            if !part(d) {
                break;
            }
            if d == '_' {
                if prev != '_' {
                    open = prev.is_alphanumeric();
                }
            } else if prev == '_' && open {
                joined = true;
            }
            prev = d;
            end = i + d.len_utf8();
            chars.next();
        }
        if joined {
            out.push((start, end));
        }
    }
    out
}

/// The byte ranges of code in Markdown-style text, which is no prose to rewrite: fenced blocks
/// (from a line that starts with three backticks or tildes, after spaces, through the line that
/// closes it, or to the end of the text) and inline code (a run of backticks to the next run of
/// as many on the same line). A backtick inside a word is an apostrophe, as careless text writes
/// it ("don`t"), and opens or closes nothing.
///
/// ```
/// use unspin_core::tokenize::code_spans;
/// let text = "Call `info!(x)` first.\n```rust\nlet info = 1;\n```\nIt`s done, isn`t it?";
/// let spans: Vec<&str> = code_spans(text).iter().map(|&(a, b)| &text[a..b]).collect();
/// assert_eq!(spans, ["`info!(x)`", "```rust\nlet info = 1;\n```"]);
/// assert!(code_spans("No code at all.").is_empty());
/// ```
pub fn code_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if !text.contains(['`', '~']) {
        return out;
    }
    let fence = |line: &str| {
        let t = line.trim_start_matches(' ');
        t.starts_with("```") || t.starts_with("~~~")
    };
    let mut open: Option<usize> = None; // where the fenced block being read starts
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let end = at + line.len();
        if let Some(start) = open {
            if fence(line) {
                out.push((start, end - usize::from(line.ends_with('\n'))));
                open = None;
            }
        } else if fence(line) {
            open = Some(at);
        } else if line.contains('`') {
            inline_code(line, at, &mut out);
        }
        at = end;
    }
    if let Some(start) = open {
        out.push((start, text.len()));
    }
    out
}

/// The inline code of one line that starts at byte `at` of its text ([`code_spans`]), pushed
/// to `out`. Each run of backticks is read once, so a line of ten thousand backticks that close
/// nothing costs one pass.
fn inline_code(line: &str, at: usize, out: &mut Vec<(usize, usize)>) {
    use std::collections::HashMap;
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let b = line.as_bytes();
    // The runs of backticks, (start, length). One opens or closes only outside a word.
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            runs.push((i, n));
            i += n;
        } else {
            i += 1;
        }
    }
    // The runs that can close, by length, each list with the first not yet passed.
    let mut closers: HashMap<usize, (Vec<usize>, usize)> = HashMap::new();
    for &(i, n) in &runs {
        if !word(line[i + n..].chars().next()) {
            closers.entry(n).or_default().0.push(i);
        }
    }
    let mut done = 0; // where the last code span ended
    for &(i, n) in &runs {
        if i < done || word(line[..i].chars().next_back()) {
            continue;
        }
        let Some((list, next)) = closers.get_mut(&n) else {
            continue;
        };
        // Past the runs at or before this one and those with nothing between them and it.
        while list.get(*next).is_some_and(|&j| j <= i + n) {
            *next += 1;
        }
        if let Some(&j) = list.get(*next) {
            out.push((at + i, at + j + n));
            done = j + n;
        }
    }
}

/// The tokens of `text` as the detector reads them: [`tokenize`], with addresses and markup
/// masked ([`mask_web`], whose ranges come back too) and words that a hyphen breaks across
/// lines joined where `known` knows the joined word ([`join_line_hyphens`]). Whatever else
/// reads text the detector's way (`unspin-trace`'s canonical tokens) calls this, so the two
/// never drift apart.
///
/// ```
/// use unspin_core::tokenize::{prose_tokens, Kind};
/// let text = "See www.example.com for the inven-\ntory news";
/// let (toks, masked) = prose_tokens(text, |w| w == "inventory");
/// let words: Vec<&str> = toks.iter().filter(|t| t.kind == Kind::Word).map(|t| t.text(text)).collect();
/// assert_eq!(words, ["See", "for", "the", "inven-\ntory", "news"]);
/// assert_eq!(masked, [(4, 19)]);
/// ```
pub fn prose_tokens(text: &str, known: impl Fn(&str) -> bool) -> (Vec<Token>, Vec<(usize, usize)>) {
    let mut toks = tokenize(text);
    let masked = mask_web(text, &mut toks);
    join_line_hyphens(text, &mut toks, known);
    (toks, masked)
}

/// The character references that write an apostrophe.
const APOSTROPHE_REFS: &[&str] = &[
    "&#8217;", "&#x2019;", "&#X2019;", "&#39;", "&#x27;", "&#X27;", "&rsquo;", "&apos;",
];

/// Makes each word that an apostrophe reference splits (`joins`: the references' ranges, in
/// order, each with a letter on both sides) one word token again.
fn join_apostrophe_refs(toks: &mut Vec<Token>, joins: &[(usize, usize)]) {
    // The runs of tokens to make one word, found on the tokens as they are and then joined
    // where they share a word ("rock&#39;n&rsquo;roll"), so the tokens are rebuilt once:
    // splicing each run in place would cost the square of the text's length.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in joins {
        let first = toks.partition_point(|t| (t.end as usize) < a);
        let last = toks.partition_point(|t| (t.start as usize) < b);
        let (Some(head), Some(tail)) = (toks.get(first), toks.get(last)) else {
            continue;
        };
        if head.kind != Kind::Word || head.end as usize != a || tail.kind != Kind::Word {
            continue;
        }
        match runs.last_mut() {
            Some(run) if first <= run.1 => run.1 = last,
            _ => runs.push((first, last)),
        }
    }
    if runs.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(toks.len());
    let mut next = 0;
    for (first, last) in runs {
        out.extend_from_slice(&toks[next..first]);
        out.push(Token {
            start: toks[first].start,
            end: toks[last].end,
            kind: Kind::Word,
        });
        next = last + 1;
    }
    out.extend_from_slice(&toks[next..]);
    *toks = out;
}

/// Lowercases a word for lexicon and language-model look-ups, folding the typographic
/// apostrophe, and an apostrophe written as a character reference ([`mask_web`]), to `'`,
/// spelling out ligatures ("ﬁ" as "fi"), spelling in Latin the lookalike letters of a word that
/// mixes scripts ([`fold_lookalikes`]) and dropping soft hyphens and zero-width characters. A word broken across lines by a hyphen ([`join_line_hyphens`]) is read
/// as the whole word.
pub fn normalize_word(word: &str, out: &mut String) {
    out.clear();
    if word.as_bytes().contains(&b'\n') {
        let joined: String = word
            .chars()
            .filter(|&c| c != '-' && !c.is_whitespace())
            .collect();
        return normalize_word(&joined, out);
    }
    if word.as_bytes().contains(&b'&') {
        if let Some(r) = APOSTROPHE_REFS.iter().find(|r| word.contains(**r)) {
            return normalize_word(&word.replace(r, "'"), out);
        }
    }
    // Whether the word has a Latin letter, asked at its first lookalike letter and only then:
    // a long word of Cyrillic letters, asked at each one, would cost the square of its length.
    let mut latin: Option<bool> = None;
    for c in word.chars() {
        if c == '\u{2019}' {
            out.push('\'');
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(l) = ligature(c) {
            out.push_str(l);
        } else if latin_lookalike(c).is_some()
            && *latin.get_or_insert_with(|| word.bytes().any(|b| b.is_ascii_alphabetic()))
        {
            // Spelled in Latin where the word mixes scripts ([`fold_lookalikes`]).
            let folded = fold_lookalikes(word).expect("a lookalike beside a Latin letter");
            return normalize_word(&folded, out);
        } else if !is_invisible(c) {
            out.extend(c.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(s: &str) -> Vec<(&str, Kind)> {
        tokenize(s).iter().map(|t| (t.text(s), t.kind)).collect()
    }

    #[test]
    fn code_spans_close_where_markdown_closes_them() {
        let spans = |t: &str| -> Vec<String> {
            code_spans(t)
                .iter()
                .map(|&(a, b)| t[a..b].to_string())
                .collect()
        };
        // A fence left open runs to the end of the text; its closing line is its own.
        assert_eq!(spans("a\n  ```\nx = 1\n"), ["  ```\nx = 1\n"]);
        assert_eq!(spans("~~~\nx\n~~~\ny"), ["~~~\nx\n~~~"]);
        // Inline code closes with as many backticks, on its line; a lone one opens nothing.
        assert_eq!(spans("``a ` b`` and `c`"), ["``a ` b``", "`c`"]);
        assert!(spans("a ` b\nc ` d").is_empty());
        assert!(spans("empty `` here").is_empty());
        // Backticks inside words are apostrophes.
        assert!(spans("don`t and won`t").is_empty());
        assert!(spans("the company`s `x`y profit").is_empty());
    }

    #[test]
    fn invisible_characters_stay_inside_words() {
        let text = "The inven\u{ad}tory market, men\u{200b}tioned \u{feff}here\u{ad} now";
        let words: Vec<&str> = texts(text)
            .into_iter()
            .filter(|t| t.1 == Kind::Word)
            .map(|t| t.0)
            .collect();
        assert_eq!(
            words,
            [
                "The",
                "inven\u{ad}tory",
                "market",
                "men\u{200b}tioned",
                "here",
                "now"
            ]
        );
        let mut n = String::new();
        normalize_word("Inven\u{ad}tory", &mut n);
        assert_eq!(n, "inventory");
        normalize_word("\u{fb01}nancial a\u{fb00}airs", &mut n);
        assert_eq!(n, "financial affairs");
        normalize_word("M\u{430}rk\u{435}t", &mut n);
        assert_eq!(n, "market");
        normalize_word("\u{43c}\u{43e}\u{440}\u{435}", &mut n);
        assert_eq!(n, "\u{43c}\u{43e}\u{440}\u{435}");
    }

    #[test]
    fn apostrophe_refs_join_words() {
        let words = |text: &str| -> Vec<String> {
            let mut toks = tokenize(text);
            mask_web(text, &mut toks);
            toks.iter()
                .filter(|t| t.kind == Kind::Word)
                .map(|t| {
                    let mut n = String::new();
                    normalize_word(t.text(text), &mut n);
                    n
                })
                .collect()
        };
        assert_eq!(
            words("rock&#39;n&rsquo;roll, don&#x2019;t &#8217;quote&#8217;"),
            ["rock'n'roll", "don't", "quote"]
        );
        // Not between letters, or not an apostrophe: masked.
        assert_eq!(words("it&amp;s 5&#39;s"), ["it", "s", "s"]);
    }

    #[test]
    fn title_word_lists() {
        // Sorted, and what suggestions are written with is read as a title too.
        assert!(TITLE_SMALL.windows(2).all(|w| w[0] < w[1]));
        assert!(TITLE_LOWER.windows(2).all(|w| w[0] < w[1]));
        assert!(TITLE_SMALL.iter().all(|w| TITLE_LOWER.contains(w)));
    }

    #[test]
    fn words_numbers_punct() {
        assert_eq!(
            texts("It's 10,000 dollars—ok?"),
            [
                ("It's", Kind::Word),
                ("10,000", Kind::Number),
                ("dollars", Kind::Word),
                ("—", Kind::Punct),
                ("ok", Kind::Word),
                ("?", Kind::Punct)
            ]
        );
    }

    #[test]
    fn trailing_apostrophe_is_punct() {
        assert_eq!(
            texts("the dogs' toys"),
            [
                ("the", Kind::Word),
                ("dogs", Kind::Word),
                ("'", Kind::Punct),
                ("toys", Kind::Word)
            ]
        );
    }

    #[test]
    fn number_then_period() {
        assert_eq!(
            texts("in 1945."),
            [
                ("in", Kind::Word),
                ("1945", Kind::Number),
                (".", Kind::Punct)
            ]
        );
    }

    #[test]
    fn spintax_is_punct_and_words() {
        assert_eq!(
            texts("{the|a}"),
            [
                ("{", Kind::Punct),
                ("the", Kind::Word),
                ("|", Kind::Punct),
                ("a", Kind::Word),
                ("}", Kind::Punct)
            ]
        );
    }

    #[test]
    fn combining_marks_stay_in_word() {
        let s = "cafe\u{301} noir";
        assert_eq!(texts(s)[0].0, "cafe\u{301}");
    }

    #[test]
    fn case_round_trip() {
        assert_eq!(apply_case("market", case_of("MARKET")), "MARKET");
        assert_eq!(case_of("iPhone"), Case::Mixed);
        assert_eq!(case_of("x"), Case::Lower);
    }

    proptest! {
        #[test]
        fn offsets_in_bounds_ordered_on_boundaries(s in "\\PC{0,200}") {
            let toks = tokenize(&s);
            let mut prev = 0u32;
            for t in &toks {
                prop_assert!(t.start >= prev && t.start < t.end && t.end as usize <= s.len());
                prop_assert!(s.is_char_boundary(t.start as usize) && s.is_char_boundary(t.end as usize));
                prev = t.end;
            }
        }

        #[test]
        fn masked_web_tokens_stay_ordered_and_cover_the_addresses(s in "[a-zA-Z0-9:/.@#&;<> ()\n_-]{0,160}") {
            // Words joined across an apostrophe reference: `apostrophe_refs_join_words`.
            prop_assume!(!APOSTROPHE_REFS.iter().any(|r| s.contains(r)));
            let before = tokenize(&s);
            let mut toks = before.clone();
            mask_web(&s, &mut toks);
            prop_assert!(toks.len() <= before.len());
            let mut prev = 0u32;
            for t in &toks {
                prop_assert!(t.start >= prev && t.start < t.end && t.end as usize <= s.len());
                prop_assert!(s.is_char_boundary(t.start as usize) && s.is_char_boundary(t.end as usize));
                prev = t.end;
            }
            // No word token is left inside an address, and none outside one is lost.
            let spans: Vec<(usize, usize)> = web_spans(&s)
                .into_iter()
                .chain(markup_spans(&s))
                .chain(identifier_spans(&s))
                .collect();
            let inside = |t: &Token| spans.iter().any(|&(a, b)| (t.start as usize) < b && t.end as usize > a);
            prop_assert!(toks.iter().all(|t| t.kind == Kind::Punct || !inside(t)));
            let kept = before.iter().filter(|t| !inside(t)).count();
            prop_assert_eq!(toks.iter().filter(|t| !inside(t)).count(), kept);
        }

        #[test]
        fn invisible_characters_never_split_offsets_or_reach_the_lexicon(
            s in "[a-zA-Z '.\u{ad}\u{200b}\u{200d}\u{feff}]{0,80}",
        ) {
            let mut prev = 0u32;
            let mut norm = String::new();
            for t in tokenize(&s) {
                prop_assert!(t.start >= prev && t.start < t.end && t.end as usize <= s.len());
                prop_assert!(s.is_char_boundary(t.start as usize) && s.is_char_boundary(t.end as usize));
                prev = t.end;
                if t.kind == Kind::Word {
                    normalize_word(t.text(&s), &mut norm);
                    prop_assert!(!norm.is_empty() && !norm.chars().any(is_invisible));
                }
            }
        }

        #[test]
        fn apostrophe_refs_join_as_one_splice_each_would(
            s in "([a-c]{1,3}(&#39;|&rsquo;| |&amp;|'|-)){0,12}",
        ) {
            // The reference: each run spliced in place, one join after the other.
            let joins: Vec<(usize, usize)> = markup_spans(&s)
                .into_iter()
                .filter(|&(a, b)| APOSTROPHE_REFS.contains(&&s[a..b]))
                .collect();
            let mut want = tokenize(&s);
            for &(a, b) in &joins {
                let first = want.partition_point(|t| (t.end as usize) < a);
                let last = want.partition_point(|t| (t.start as usize) < b);
                let (Some(head), Some(tail)) = (want.get(first), want.get(last)) else {
                    continue;
                };
                if head.kind == Kind::Word && head.end as usize == a && tail.kind == Kind::Word {
                    let word = Token { start: head.start, end: tail.end, kind: Kind::Word };
                    want.splice(first..=last, [word]);
                }
            }
            let mut got = tokenize(&s);
            join_apostrophe_refs(&mut got, &joins);
            prop_assert_eq!(got, want);
        }

        #[test]
        fn joined_line_hyphens_keep_tokens_ordered_and_whole(
            s in "[a-zA-Z \n\r-]{0,160}",
            every in proptest::bool::ANY,
        ) {
            // Joined or not, tokens stay in order, apart, in bounds and on char boundaries, and
            // a joined token is a word of two parts with a hyphen and one line break between.
            let mut toks = tokenize(&s);
            let before = toks.len();
            join_line_hyphens(&s, &mut toks, |w| every || w.len() % 2 == 0);
            prop_assert!(toks.len() <= before);
            let mut prev = 0u32;
            for t in &toks {
                prop_assert!(t.start >= prev && t.start < t.end && t.end as usize <= s.len());
                prop_assert!(s.is_char_boundary(t.start as usize) && s.is_char_boundary(t.end as usize));
                let text = t.text(&s);
                if text.contains('\n') {
                    prop_assert_eq!(t.kind, Kind::Word);
                    prop_assert_eq!(text.matches('\n').count(), 1);
                    prop_assert!(text.contains("-"));
                    let mut norm = String::new();
                    normalize_word(text, &mut norm);
                    prop_assert!(norm.chars().all(char::is_alphabetic));
                }
                prev = t.end;
            }
        }

        #[test]
        fn gaps_are_whitespace(s in "[a-zA-Z0-9 .,'\u{2019}\n\t{}|é-]{0,120}") {
            // Everything that is not inside a token is whitespace: tokenizing loses nothing.
            let toks = tokenize(&s);
            let mut pos = 0usize;
            for t in &toks {
                prop_assert!(s[pos..t.start as usize].chars().all(char::is_whitespace));
                pos = t.end as usize;
            }
            prop_assert!(s[pos..].chars().all(char::is_whitespace));
        }
    }
}
