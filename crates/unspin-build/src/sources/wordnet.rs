//! WordNet 3.0 database files (`wndb(5WN)` format), from Debian's `wordnet-base`.
//!
//! - `data.{noun,verb,adj,adv}`: one synset a line:
//!   `offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id ...] p_cnt ptrs... | gloss`.
//!   Words use `_` for spaces; adjectives may carry a syntactic marker `(a)`, `(p)` or `(ip)`.
//!   `ss_type` `s` (adjective satellite) lives in `data.adj`.
//! - `index.{noun,verb,adj,adv}`: one lemma a line:
//!   `lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...`, the
//!   offsets in sense order (most frequent sense first, by the semantic-concordance tag counts).
//! - `cntlist.rev`: `sense_key sense_number tag_cnt`, sense_key = `lemma%ss_type:lex_filenum:lex_id:head:head_id`.
//! - `{noun,verb,adj,adv}.exc`: irregular forms, `form lemma [lemma...]`.
//!
//! Lines starting with two spaces (the licence header at the top of data and index files) are skipped.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::path::Path;

use anyhow::{bail, Context};

use super::{normalize_term, read_file, EdgeSet, KeyHasher, Pos, Source, Synonym};

const FILES: [(&str, Pos); 4] = [
    ("noun", Pos::Noun),
    ("verb", Pos::Verb),
    ("adj", Pos::Adj),
    ("adv", Pos::Adv),
];

/// Tagged-sense count of one WordNet sense (from `cntlist.rev`): how often `lemma` in sense
/// `rank` (0-based, as in [`Synonym::rank`]) was tagged in the semantic concordances.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SenseCount {
    pub lemma: String,
    pub pos: Pos,
    pub rank: u16,
    pub count: u32,
}

/// One irregular form from WordNet's exception lists, e.g. ("went", Verb, "go").
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WordNetException {
    pub form: String,
    pub pos: Pos,
    pub lemma: String,
}

/// Load synonym edges from the WordNet directory (the one holding `data.noun` etc.): every ordered
/// pair of distinct lemmas sharing a synset, ranked by the synset's sense rank for the head lemma.
pub fn load_wordnet(dir: &Path) -> anyhow::Result<Vec<Synonym>> {
    let mut edges = EdgeSet::with_capacity(Source::WordNet, 400_000);
    for (name, pos) in FILES {
        let index = read_file(&dir.join(format!("index.{name}")))?;
        let data = read_file(&dir.join(format!("data.{name}")))?;
        let ranks = parse_index(&index).with_context(|| format!("in {name} index"))?;
        parse_data(&data, pos, &ranks, &mut edges)
            .with_context(|| format!("in {}", dir.join(format!("data.{name}")).display()))?;
    }
    Ok(edges.into_vec())
}

/// Sense ranks from an index file: hash of (synset offset, lemma as in the index) -> rank.
pub(crate) type SenseRanks = HashMap<u128, u16, BuildHasherDefault<KeyHasher>>;

fn sense_key(offset: u32, lemma: &str) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&offset.to_le_bytes());
    h.update(lemma.as_bytes());
    h.digest128()
}

pub(crate) fn rank_of(ranks: &SenseRanks, offset: u32, lemma: &str) -> Option<u16> {
    ranks.get(&sense_key(offset, lemma)).copied()
}

pub(crate) fn parse_index(text: &[u8]) -> anyhow::Result<SenseRanks> {
    let text = std::str::from_utf8(text).context("index file is not UTF-8")?;
    let mut ranks = SenseRanks::with_capacity_and_hasher(text.len() / 20, Default::default());
    for (no, line) in text.lines().enumerate() {
        if line.starts_with("  ") || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_ascii_whitespace().collect();
        let bad = || anyhow::anyhow!("malformed index line {}: {line:?}", no + 1);
        if f.len() < 6 {
            return Err(bad());
        }
        let synset_cnt: usize = f[2].parse().map_err(|_| bad())?;
        let p_cnt: usize = f[3].parse().map_err(|_| bad())?;
        let offsets_at = 4 + p_cnt + 2;
        if f.len() != offsets_at + synset_cnt {
            return Err(bad());
        }
        for (rank, off) in f[offsets_at..].iter().enumerate() {
            let off: u32 = off.parse().map_err(|_| bad())?;
            ranks.insert(sense_key(off, f[0]), rank.min(u16::MAX as usize) as u16);
        }
    }
    Ok(ranks)
}

/// Strip an adjective's syntactic marker: `galore(ip)` -> `galore`.
fn strip_marker(word: &str) -> &str {
    for m in ["(a)", "(p)", "(ip)"] {
        if let Some(w) = word.strip_suffix(m) {
            return w;
        }
    }
    word
}

/// Calls `f` with each synset of a data file: its offset and its words as WordNet writes them
/// (case kept, `_` for spaces, an adjective's marker stripped). The licence header is skipped;
/// a malformed line is an error naming it.
fn for_each_synset<'t>(text: &'t str, mut f: impl FnMut(u32, &[&'t str])) -> anyhow::Result<()> {
    let mut words = Vec::new();
    for (no, line) in text.lines().enumerate() {
        if line.starts_with("  ") || line.trim().is_empty() {
            continue;
        }
        let bad = || anyhow::anyhow!("malformed data line {}: {line:.80?}", no + 1);
        let mut fields = line.split_ascii_whitespace();
        let offset: u32 = fields.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let _lex_filenum = fields.next().ok_or_else(bad)?;
        let _ss_type = fields.next().ok_or_else(bad)?;
        let w_cnt = fields
            .next()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .ok_or_else(bad)?;
        words.clear();
        for _ in 0..w_cnt {
            words.push(strip_marker(fields.next().ok_or_else(bad)?));
            let _lex_id = fields.next().ok_or_else(bad)?;
        }
        f(offset, &words);
    }
    Ok(())
}

pub(crate) fn parse_data(
    text: &[u8],
    pos: Pos,
    ranks: &SenseRanks,
    edges: &mut EdgeSet,
) -> anyhow::Result<()> {
    let text = std::str::from_utf8(text).context("data file is not UTF-8")?;
    // (normalized term, index lemma) of the current synset's words
    let mut words: Vec<(String, String)> = Vec::new();
    for_each_synset(text, |offset, written| {
        words.clear();
        for word in written {
            let lemma = word.to_lowercase();
            if let Some(term) = normalize_term(&lemma.replace('_', " ")) {
                words.push((term, lemma));
            }
        }
        for (head, head_lemma) in &words {
            // Every lemma of a synset is in the index; fall back to a low rank just in case.
            let rank = rank_of(ranks, offset, head_lemma).unwrap_or(u16::MAX);
            for (syn, _) in &words {
                edges.push(head, syn, Some(pos), rank);
            }
        }
    })
}

/// The one-word lemmas of the data files in `dir` as WordNet writes them: those in capitals
/// ("FBI"), and those with a lowercase letter, lowercased ("atm").
pub fn load_wordnet_cases(dir: &Path) -> anyhow::Result<(HashSet<String>, HashSet<String>)> {
    let (mut caps, mut lower) = (HashSet::new(), HashSet::new());
    for (name, _) in FILES {
        let path = dir.join(format!("data.{name}"));
        add_cases(&read_file(&path)?, &mut caps, &mut lower)
            .with_context(|| format!("in {}", path.display()))?;
    }
    Ok((caps, lower))
}

/// [`load_wordnet_cases`] for one data file's bytes.
fn add_cases(
    text: &[u8],
    caps: &mut HashSet<String>,
    lower: &mut HashSet<String>,
) -> anyhow::Result<()> {
    let text = std::str::from_utf8(text).context("data file is not UTF-8")?;
    for_each_synset(text, |_, words| {
        for w in words
            .iter()
            .filter(|w| w.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            if w.bytes().all(|b| b.is_ascii_uppercase()) {
                caps.insert(w.to_string());
            } else {
                lower.insert(w.to_ascii_lowercase());
            }
        }
    })
}

/// Load per-sense tag counts from `cntlist.rev` (lemmas normalized like thesaurus terms; senses
/// whose lemma fails normalization are skipped).
pub fn load_wordnet_tag_counts(dir: &Path) -> anyhow::Result<Vec<SenseCount>> {
    let path = dir.join("cntlist.rev");
    parse_cntlist(&read_file(&path)?).with_context(|| format!("in {}", path.display()))
}

pub(crate) fn parse_cntlist(text: &[u8]) -> anyhow::Result<Vec<SenseCount>> {
    let text = std::str::from_utf8(text).context("not UTF-8")?;
    let mut out = Vec::with_capacity(text.len() / 25);
    for (no, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = || anyhow::anyhow!("malformed line {}: {line:?}", no + 1);
        let mut f = line.split_ascii_whitespace();
        let key = f.next().ok_or_else(bad)?;
        let sense: u32 = f.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let count: u32 = f.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let (lemma, rest) = key.split_once('%').ok_or_else(bad)?;
        let pos = match rest.as_bytes().first() {
            Some(b'1') => Pos::Noun,
            Some(b'2') => Pos::Verb,
            Some(b'3') | Some(b'5') => Pos::Adj,
            Some(b'4') => Pos::Adv,
            _ => return Err(bad()),
        };
        if sense == 0 {
            return Err(bad());
        }
        let Some(lemma) = normalize_term(&lemma.replace('_', " ")) else {
            continue;
        };
        out.push(SenseCount {
            lemma,
            pos,
            rank: (sense - 1).min(u16::MAX as u32) as u16,
            count,
        });
    }
    Ok(out)
}

/// Load the irregular-form exception lists (`noun.exc`, `verb.exc`, `adj.exc`, `adv.exc`):
/// lowercased, underscores turned into spaces, one record per (form, lemma).
pub fn load_wordnet_exceptions(dir: &Path) -> anyhow::Result<Vec<WordNetException>> {
    let mut out = Vec::new();
    for (name, pos) in FILES {
        let path = dir.join(format!("{name}.exc"));
        parse_exc(&read_file(&path)?, pos, &mut out)
            .with_context(|| format!("in {}", path.display()))?;
    }
    Ok(out)
}

pub(crate) fn parse_exc(
    text: &[u8],
    pos: Pos,
    out: &mut Vec<WordNetException>,
) -> anyhow::Result<()> {
    let text = std::str::from_utf8(text).context("not UTF-8")?;
    for (no, line) in text.lines().enumerate() {
        let mut f = line.split_ascii_whitespace();
        let Some(form) = f.next() else { continue };
        let form = form.replace('_', " ").to_lowercase();
        let mut any = false;
        for lemma in f {
            any = true;
            out.push(WordNetException {
                form: form.clone(),
                pos,
                lemma: lemma.replace('_', " ").to_lowercase(),
            });
        }
        if !any {
            bail!("line {} has no lemma: {line:?}", no + 1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made-up sample in the real format (offsets are byte offsets in real files; any number works here).
    const INDEX_VERB: &str = "  1 This software and database is being provided to you\n  \
        2 under the following license.\n\
        say v 3 2 @ ~ 3 2 00000100 00000200 00000300  \n\
        state v 2 1 @ 2 1 00000200 00000400  \n\
        tell v 1 0 1 0 00000200  \n\
        mention v 2 1 @ 2 0 00000400 00000100  \n";

    const DATA_VERB: &str = "  1 This software and database is being provided to you\n\
        00000100 32 v 02 say 0 mention 1 001 @ 00000900 v 0000 01 + 08 00 | utter aloud\n\
        00000200 32 v 03 state 0 say 1 tell 2 000 | express in words\n\
        00000300 32 v 01 say 2 000 | have a certain wording\n\
        00000400 32 v 03 mention 0 state 1 Play_it_by_ear 0 000 | make reference to\n";

    #[test]
    fn lemma_cases_keep_wordnets_capitals() {
        let data = b"  1 header line\n\
            08345189 14 n 02 Federal_Bureau_of_Investigation 0 FBI 0 | x\n\
            13650447 23 n 02 standard_atmosphere 0 atm 0 | y\n\
            13650448 23 n 01 ATM 0 | z\n";
        let (mut caps, mut lower) = (HashSet::new(), HashSet::new());
        add_cases(data, &mut caps, &mut lower).unwrap();
        assert!(caps.contains("FBI") && caps.contains("ATM"));
        assert!(lower.contains("atm") && !lower.contains("fbi"));
    }

    #[test]
    fn index_ranks() {
        let r = parse_index(INDEX_VERB.as_bytes()).unwrap();
        assert_eq!(rank_of(&r, 100, "say"), Some(0));
        assert_eq!(rank_of(&r, 300, "say"), Some(2));
        assert_eq!(rank_of(&r, 100, "mention"), Some(1));
        assert_eq!(rank_of(&r, 200, "mention"), None);
        assert_eq!(r.len(), 8);
        assert!(parse_index(b"say v 3 0 1 0 00000100\n").is_err());
    }

    #[test]
    fn synset_edges_both_directions_with_head_rank() {
        let ranks = parse_index(INDEX_VERB.as_bytes()).unwrap();
        let mut e = EdgeSet::new(Source::WordNet);
        parse_data(DATA_VERB.as_bytes(), Pos::Verb, &ranks, &mut e).unwrap();
        let v = e.into_vec();
        let get = |h: &str, s: &str| v.iter().find(|x| x.head == h && x.syn == s).map(|x| x.rank);
        assert_eq!(get("say", "mention"), Some(0));
        assert_eq!(get("mention", "say"), Some(1));
        assert_eq!(get("state", "say"), Some(0));
        assert_eq!(get("say", "state"), Some(1));
        assert_eq!(get("say", "tell"), Some(1));
        assert_eq!(get("tell", "state"), Some(0));
        // "state"->"mention" via synset 400 (rank 1); "mention"->"state" is its rank 0 there.
        assert_eq!(get("state", "mention"), Some(1));
        assert_eq!(get("mention", "state"), Some(0));
        // Underscored phrase with capitals, not in the index: normalized, unknown rank.
        assert_eq!(get("mention", "play it by ear"), Some(0));
        assert_eq!(get("play it by ear", "mention"), Some(u16::MAX));
        assert!(v
            .iter()
            .all(|x| x.pos == Some(Pos::Verb) && x.head != x.syn));
        assert_eq!(v.len(), 2 + 6 + 6);
    }

    #[test]
    fn adjective_markers_and_satellites() {
        let index = "galore a 1 0 1 0 00000500  \nplenty a 1 0 1 0 00000500  \n";
        let data = "00000500 00 s 02 galore(ip) 0 plenty(p) 0 000 | in abundance\n";
        let ranks = parse_index(index.as_bytes()).unwrap();
        let mut e = EdgeSet::new(Source::WordNet);
        parse_data(data.as_bytes(), Pos::Adj, &ranks, &mut e).unwrap();
        let v = e.into_vec();
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].head.as_str(), v[0].syn.as_str(), v[0].rank),
            ("galore", "plenty", 0)
        );
        assert_eq!(v[0].pos, Some(Pos::Adj));
    }

    #[test]
    fn malformed_data_is_an_error() {
        let mut e = EdgeSet::new(Source::WordNet);
        let r = parse_data(
            b"00000100 32 v 03 say 0\n",
            Pos::Verb,
            &SenseRanks::default(),
            &mut e,
        );
        assert!(r.is_err());
    }

    #[test]
    fn cntlist() {
        let text = "say%2:32:00:: 1 1861\nsay%2:32:01:: 2 254\nable%5:00:00:competent:00 3 7\n\
                    ice_cream%1:13:00:: 1 5\n0%1:23:00:: 1 20\n";
        let v = parse_cntlist(text.as_bytes()).unwrap();
        assert_eq!(v.len(), 4); // "0" is not a term
        assert_eq!(
            v[1],
            SenseCount {
                lemma: "say".into(),
                pos: Pos::Verb,
                rank: 1,
                count: 254
            }
        );
        assert_eq!(v[2].pos, Pos::Adj);
        assert_eq!(v[3].lemma, "ice cream");
        assert!(parse_cntlist(b"say 1 2\n").is_err());
    }

    #[test]
    fn exceptions() {
        let mut out = Vec::new();
        parse_exc(
            b"went go\nbetter good well\nmen_of_war man_of_war\n",
            Pos::Verb,
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 4);
        assert_eq!(out[2].lemma, "well");
        assert_eq!(out[3].form, "men of war");
        assert!(parse_exc(b"lonely\n", Pos::Adj, &mut out).is_err());
    }
}
