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

use std::path::Path;

use super::{load_wordnet_cases, read_file};

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
    let spelled = spelled_words(&read_file(cmudict)?);
    let (caps, lower) = load_wordnet_cases(wordnet_dir)?;
    let mut out: Vec<String> = spelled
        .into_iter()
        .filter(|w| caps.contains(&w.to_ascii_uppercase()) && !lower.contains(w))
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// Words of 3-6 letters all of whose pronunciations are their letters spelled. Lines are
/// `word phone phone ...`, a variant written `word(2)`; dots in a word ("a.m.") are dropped.
fn spelled_words(dict: &[u8]) -> Vec<String> {
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
    all_spelled
        .into_iter()
        .filter(|&(_, s)| s)
        .map(|(w, _)| w)
        .collect()
}

/// `word` (lowercase ASCII) spelled letter by letter, in phones.
fn spell(word: &str) -> String {
    word.bytes()
        .map(|b| LETTERS[(b - b'a') as usize])
        .collect::<Vec<_>>()
        .join(" ")
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
        let mut got = spelled_words(dict);
        got.sort();
        // "ira" is also a name; "tv" is too short.
        assert_eq!(got, ["cia", "fbi"]);
    }
}
