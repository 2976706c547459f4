//! Numbers that a spinner spelled out half-way: "1.five" for "1.5", "61.Eight" for "61.8",
//! "ten,000" for "10,000".
//!
//! Spinners treat the digits on either side of a decimal point or a thousands separator as
//! words of their own and replace one of them with its name. No honest English text writes a
//! number name glued to a digit by a point or a comma, so this is debris, like unresolved
//! spintax: reported as an artifact whose suggestion is the digits.

/// The value and the digits of a one-word number name, lower case.
fn unit(w: &str) -> Option<u32> {
    const NAMES: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(v) = NAMES.iter().position(|&n| n == w) {
        return Some(v as u32);
    }
    TENS.iter()
        .position(|&n| n == w)
        .map(|t| 20 + 10 * t as u32)
}

/// The number name that starts `s` ("five", "Eight", "twenty five", "twenty-five"): its value
/// and its length in bytes. The name must end at a word boundary.
fn name_at(s: &str) -> Option<(u32, usize)> {
    let word_len = |s: &str| {
        s.bytes()
            .position(|b| !b.is_ascii_alphabetic())
            .unwrap_or(s.len())
    };
    let n = word_len(s);
    if n == 0 || n > 9 || s[n..].chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    let v = unit(&s[..n].to_ascii_lowercase())?;
    // "twenty five" / "twenty-five": a tens name followed by a unit from one to nine.
    if v >= 20 {
        let rest = &s[n..];
        if let Some(after) = rest.strip_prefix([' ', '-']) {
            let m = word_len(after);
            if m > 0 && !after[m..].chars().next().is_some_and(char::is_alphanumeric) {
                if let Some(u @ 1..=9) = unit(&after[..m].to_ascii_lowercase()) {
                    return Some((v + u, n + 1 + m));
                }
            }
        }
    }
    Some((v, n))
}

/// A number name glued to digits: its byte range in the text and the digits it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mangled {
    pub start: usize,
    pub end: usize,
    pub digits: String,
}

/// Every number name in `text` glued to digits by a point or a comma, on either side, in text
/// order: "1.five", "61.Eight", "ten,000", "twenty five.3".
pub(crate) fn mangled_numbers(text: &str) -> Vec<Mangled> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() {
        // The separator between a digit and a letter, or a letter and a digit.
        if !(b[i] == b'.' || b[i] == b',') || i == 0 {
            i += 1;
            continue;
        }
        if b[i] == b'.' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_alphabetic() {
            // "1.five": the name follows. A capital after a year is more likely a sentence
            // that lost the space after its full stop ("in 2019.Five years later").
            if let Some((v, len)) = name_at(&text[i + 1..])
                .filter(|_| b[i + 1].is_ascii_lowercase() || !ends_in_year(&b[..i]))
            {
                out.push(Mangled {
                    start: i + 1,
                    end: i + 1 + len,
                    digits: v.to_string(),
                });
                i += 1 + len;
                continue;
            }
        } else if b[i - 1].is_ascii_alphabetic()
            && b[i + 1].is_ascii_digit()
            && (b[i] == b'.' || thousands_follow(&b[i + 1..]))
        {
            // "ten,000": the name precedes; find where it starts, taking "twenty five" whole.
            let word_start = |end: usize| {
                b[..end]
                    .iter()
                    .rposition(|c| !c.is_ascii_alphabetic())
                    .map_or(0, |p| p + 1)
            };
            let s1 = word_start(i);
            let mut found = None;
            if s1 >= 2 && (b[s1 - 1] == b' ' || b[s1 - 1] == b'-') {
                let s0 = word_start(s1 - 1);
                if s0 < s1 - 1 && is_boundary(text, s0) {
                    found = name_at(&text[s0..])
                        .filter(|&(_, len)| s0 + len == i)
                        .map(|f| (s0, f));
                }
            }
            if found.is_none() && is_boundary(text, s1) {
                found = name_at(&text[s1..])
                    .filter(|&(_, len)| s1 + len == i)
                    .map(|f| (s1, f));
            }
            if let Some((s, (v, _))) = found {
                // A spun name already reported from its other side is not reported twice.
                if out.last().is_none_or(|m: &Mangled| m.end <= s) {
                    out.push(Mangled {
                        start: s,
                        end: i,
                        digits: v.to_string(),
                    });
                }
            }
        }
        i += 1;
    }
    out
}

/// Whether `b` ends in a year: four digits from 1000 to 2099, not part of a longer number.
fn ends_in_year(b: &[u8]) -> bool {
    let n = b.len();
    n >= 4
        && b[n - 4..].iter().all(u8::is_ascii_digit)
        && (b[n - 4] == b'1' || (b[n - 4] == b'2' && b[n - 3] == b'0'))
        && (n == 4 || !(b[n - 5].is_ascii_digit() || b[n - 5] == b'.' || b[n - 5] == b','))
}

/// Whether `b` starts with exactly three digits: the group after a thousands separator.
fn thousands_follow(b: &[u8]) -> bool {
    b.len() >= 3
        && b[..3].iter().all(u8::is_ascii_digit)
        && !b.get(3).is_some_and(u8::is_ascii_digit)
}

/// Whether a word may start at byte `at`: the text starts there or the character before is
/// neither a letter nor a digit.
fn is_boundary(text: &str, at: usize) -> bool {
    !text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, String)> {
        mangled_numbers(text)
            .into_iter()
            .map(|m| (&text[m.start..m.end], m.digits))
            .collect()
    }

    #[test]
    fn names_after_the_point() {
        assert_eq!(found("rose 1.five percent"), [("five", "5".to_string())]);
        assert_eq!(found("at 61.Eight."), [("Eight", "8".to_string())]);
        assert_eq!(found("in 2019.five"), [("five", "5".to_string())]);
        assert_eq!(
            found("$2.twenty five billion"),
            [("twenty five", "25".to_string())]
        );
        assert_eq!(found("3.ninety"), [("ninety", "90".to_string())]);
    }

    #[test]
    fn names_before_the_separator() {
        assert_eq!(found("about ten,000 people"), [("ten", "10".to_string())]);
        assert_eq!(found("(five.2%)"), [("five", "5".to_string())]);
        assert_eq!(
            found("some twenty-five,000 fans"),
            [("twenty-five", "25".to_string())]
        );
    }

    #[test]
    fn honest_text_has_none() {
        for t in [
            "It rose 1.5 percent. Five analysts agreed.",
            "Version 2.0, one of many.",
            "one,two,three",
            "He won 3-1. One more.",
            "1.fivefold",
            "someone,000",
            "The score was 10. Nine of them",
            "",
            ".",
            "1.",
            "in 2019.Five years later",
            "items 1,five",
            "one,23 and two,5",
        ] {
            assert_eq!(found(t), [], "{t:?}");
        }
    }

    #[test]
    fn one_name_between_two_numbers_is_reported_once() {
        assert_eq!(found("1.five.2"), [("five", "5".to_string())]);
    }

    #[test]
    fn multibyte_text_is_safe() {
        assert_eq!(found("é1.fiveé"), []);
        assert_eq!(found("€1.five €"), [("five", "5".to_string())]);
        assert_eq!(found("ü.1 ä,2 ten,ü"), []);
    }
}
