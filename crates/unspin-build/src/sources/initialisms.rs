//! Initialisms: abbreviations read letter by letter ("FBI", "CEO"), whose letters a spinner
//! recases ("Fbi") but an honest writer never does.
//!
//! An abbreviation read as a word ("NASA", "NATO") is left out on purpose: house styles that
//! write it "Nasa" are honest. So a word is an initialism when
//! - WordNet writes it in capitals (`FBI` is a lemma of its data files, which keep case),
//! - WordNet has no lowercase lemma of the same letters (`atm`, the unit, keeps "Atm" a word),
//! - every pronunciation the CMU pronouncing dictionary gives it (`cmudict-en-us.dict`, in the
//!   same `pocketsphinx` wheel as the LM) is its letters spelled one by one ("fbi":
//!   `EH F B IY AY`; "nasa": `N AE S AH` is not, nor is "ira", which is also a name),
//! - and it has 3 to 6 letters: two-letter ones ("Va.", "Ok") are honest abbreviations too.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;

use super::read_file;

/// The spelled-out pronunciation of each letter, in the dictionary's phones without stress.
const LETTERS: [&str; 26] = [
    "EY",
    "B IY",
    "S IY",
    "D IY",
    "IY",
    "EH F",
    "JH IY",
    "EY CH",
    "AY",
    "JH EY",
    "K EY",
    "EH L",
    "EH M",
    "EH N",
    "OW",
    "P IY",
    "K Y UW",
    "AA R",
    "EH S",
    "T IY",
    "Y UW",
    "V IY",
    "D AH B AH L Y UW",
    "EH K S",
    "W AY",
    "Z IY",
];

/// Length bounds of an initialism, in letters.
const MIN_LETTERS: usize = 3;
const MAX_LETTERS: usize = 6;

/// The initialisms, in lowercase and sorted, from the CMU dictionary at `cmudict` and WordNet's
/// data files in `wordnet_dir`.
pub fn load_initialisms(cmudict: &Path, wordnet_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dict = read_file(cmudict)?;
    let mut wordnet = Vec::new();
    for pos in ["noun", "verb", "adj", "adv"] {
        let path = wordnet_dir.join(format!("data.{pos}"));
        wordnet.push(read_file(&path)?);
    }
    let spelled = spelled_words(&dict).with_context(|| format!("in {}", cmudict.display()))?;
    let (caps, lower) = wordnet_cases(wordnet.iter().map(|b| b.as_slice()));
    let mut out: Vec<String> = spelled
        .into_iter()
        .filter(|w| caps.contains(&w.to_ascii_uppercase()) && !lower.contains(w))
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Words of 3-6 letters all of whose pronunciations are their letters spelled. Lines are
/// `word phone phone ...`, a variant written `word(2)`; dots in a word ("a.m.") are dropped.
fn spelled_words(dict: &[u8]) -> anyhow::Result<Vec<String>> {
    // Latin-1 at worst: every byte is a char, and only ASCII words can be initialisms.
    let text: String = dict.iter().map(|&b| b as char).collect();
    // Per word: whether every pronunciation seen so far is spelled.
    let mut all_spelled: std::collections::HashMap<String, bool> = Default::default();
    let mut phones = String::new();
    for line in text.lines() {
        let mut f = line.split_ascii_whitespace();
        let Some(word) = f.next() else { continue };
        let word = word.split('(').next().unwrap_or(word).replace('.', "");
        if !(MIN_LETTERS..=MAX_LETTERS).contains(&word.len())
            || !word.bytes().all(|b| b.is_ascii_lowercase())
        {
            continue;
        }
        phones.clear();
        for p in f {
            if !phones.is_empty() {
                phones.push(' ');
            }
            phones.push_str(p.trim_end_matches(|c: char| c.is_ascii_digit()));
        }
        let spelled = phones == spell(&word);
        *all_spelled.entry(word).or_insert(true) &= spelled;
    }
    Ok(all_spelled
        .into_iter()
        .filter(|&(_, s)| s)
        .map(|(w, _)| w)
        .collect())
}

/// `word` (lowercase ASCII) spelled letter by letter, in phones.
fn spell(word: &str) -> String {
    word.bytes()
        .map(|b| LETTERS[(b - b'a') as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The single-word lemmas of WordNet data files written in capitals, and those written with
/// a lowercase letter (lowercased).
fn wordnet_cases<'a>(files: impl Iterator<Item = &'a [u8]>) -> (HashSet<String>, HashSet<String>) {
    let (mut caps, mut lower) = (HashSet::new(), HashSet::new());
    for bytes in files {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines().filter(|l| !l.starts_with(' ')) {
            // offset, lex_filenum, ss_type, w_cnt (hex), then w_cnt pairs of word and lex_id.
            let mut f = line.split_ascii_whitespace().skip(3);
            let Some(n) = f.next().and_then(|s| usize::from_str_radix(s, 16).ok()) else {
                continue;
            };
            for w in f.step_by(2).take(n) {
                // An adjective's syntactic marker: `galore(ip)`.
                let w = w.split('(').next().unwrap_or(w);
                if !w.bytes().all(|b| b.is_ascii_alphabetic()) {
                    continue;
                }
                if w.bytes().all(|b| b.is_ascii_uppercase()) {
                    caps.insert(w.to_string());
                } else {
                    lower.insert(w.to_ascii_lowercase());
                }
            }
        }
    }
    (caps, lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_pronunciations_only() {
        let dict = b"fbi EH2 F B IY2 AY1\n\
            nasa N AE1 S AH0\n\
            ira AY1 R AH0\n\
            ira(2) AY2 AA2 R EY1\n\
            c.i.a. S IY2 AY2 EY1\n\
            tv T IY2 V IY1\n";
        let mut got = spelled_words(dict).unwrap();
        got.sort();
        // "ira" is also a name; "tv" is too short.
        assert_eq!(got, ["cia", "fbi"]);
    }

    #[test]
    fn wordnet_case_sets() {
        let data = b"  1 header line\n\
            08345189 14 n 02 Federal_Bureau_of_Investigation 0 FBI 0 | x\n\
            13650447 23 n 02 standard_atmosphere 0 atm 0 | y\n\
            13650448 23 n 01 ATM 0 | z\n";
        let (caps, lower) = wordnet_cases(std::iter::once(&data[..]));
        assert!(caps.contains("FBI") && caps.contains("ATM"));
        assert!(lower.contains("atm") && !lower.contains("fbi"));
    }
}
