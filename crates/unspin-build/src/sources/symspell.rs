//! SymSpell frequency dictionaries (from the `symspellpy` wheel), derived from Google Books Ngrams.
//!
//! - `frequency_dictionary_en_82_765.txt`: `word count` per line (82,833 lines, lowercase ASCII;
//!   sorted by count, descending). The last 67 lines are hand-added entries with a flat count of
//!   300000 (contractions such as "don't", "you're", plus "covid", "hi").
//! - `frequency_bigramdictionary_en_243_342.txt`: `word1 word2 count` per line (242,342 lines;
//!   alphabetical; only bigrams with count >= 6.4M, so it is a head of the distribution).
//!
//! Words are kept as they are (already lowercase). Fields are separated by spaces or tabs.

use std::path::Path;

use anyhow::{bail, Context};

use super::read_file;

/// Load `word count` lines.
pub fn load_unigrams(path: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    parse_unigrams(&read_file(path)?).with_context(|| format!("in {}", path.display()))
}

/// Load `word1 word2 count` lines.
pub fn load_bigrams(path: &Path) -> anyhow::Result<Vec<(String, String, u64)>> {
    parse_bigrams(&read_file(path)?).with_context(|| format!("in {}", path.display()))
}

fn count(s: &str, no: usize, line: &str) -> anyhow::Result<u64> {
    s.parse()
        .with_context(|| format!("line {}: bad count in {line:?}", no + 1))
}

pub(crate) fn parse_unigrams(bytes: &[u8]) -> anyhow::Result<Vec<(String, u64)>> {
    let text = std::str::from_utf8(bytes).context("not UTF-8")?;
    let mut out = Vec::with_capacity(text.len() / 14);
    for (no, line) in text.lines().enumerate() {
        let mut f = line.split_ascii_whitespace();
        let (Some(w), Some(c), None) = (f.next(), f.next(), f.next()) else {
            if line.trim().is_empty() {
                continue;
            }
            bail!("line {}: expected `word count`, got {line:?}", no + 1);
        };
        out.push((w.to_owned(), count(c, no, line)?));
    }
    Ok(out)
}

pub(crate) fn parse_bigrams(bytes: &[u8]) -> anyhow::Result<Vec<(String, String, u64)>> {
    let text = std::str::from_utf8(bytes).context("not UTF-8")?;
    let mut out = Vec::with_capacity(text.len() / 20);
    for (no, line) in text.lines().enumerate() {
        let mut f = line.split_ascii_whitespace();
        let (Some(a), Some(b), Some(c), None) = (f.next(), f.next(), f.next(), f.next()) else {
            if line.trim().is_empty() {
                continue;
            }
            bail!(
                "line {}: expected `word1 word2 count`, got {line:?}",
                no + 1
            );
        };
        out.push((a.to_owned(), b.to_owned(), count(c, no, line)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unigrams() {
        let v = parse_unigrams(b"the 23135851162\r\nof\t13151942776\n\ndon't 300000\n").unwrap();
        assert_eq!(
            v,
            vec![
                ("the".into(), 23135851162),
                ("of".into(), 13151942776),
                ("don't".into(), 300000)
            ]
        );
        assert!(parse_unigrams(b"the\n").is_err());
        assert!(parse_unigrams(b"the x\n").is_err());
        assert!(parse_unigrams(b"the 1 2\n").is_err());
    }

    #[test]
    fn bigrams() {
        let v = parse_bigrams(b"stock market 168249600\nzoom lens 31642560\n").unwrap();
        assert_eq!(v[0], ("stock".into(), "market".into(), 168249600));
        assert_eq!(v.len(), 2);
        assert!(parse_bigrams(b"stock market\n").is_err());
        assert!(parse_bigrams(b"a b -1\n").is_err());
    }
}
