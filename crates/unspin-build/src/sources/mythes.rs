//! MyThes thesaurus data (`th_en_US_v2.dat`, Debian `mythes-en-us`; generated from WordNet 3.0).
//!
//! Format: the first line names the encoding (`UTF-8` here; `ISO8859-1` and friends are also
//! handled). Then each entry is a header line `word|n` followed by exactly `n` meaning lines
//! `(pos)|term|term|...`. A term may end in an annotation: ` (generic term)` (a hypernym),
//! ` (similar term)`, ` (related term)` or ` (antonym)`. A meaning lists the headword's own synset,
//! often including the headword itself (dropped as a self-edge).

use std::path::Path;

use anyhow::{bail, Context};

use super::{normalize_cow, read_file, EdgeSet, Pos, Source, Synonym};

/// What a MyThes term is to its headword, from its annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MythesRelation {
    /// No annotation: a member of the headword's synset.
    Synonym,
    /// `(similar term)`: WordNet "similar to" (adjective satellites).
    Similar,
    /// `(related term)`: WordNet "see also" / derivationally related.
    Related,
    /// `(generic term)`: a hypernym (broader term).
    Generic,
    /// `(antonym)`.
    Antonym,
}

const ANNOTATIONS: [(&str, MythesRelation); 4] = [
    ("(generic term)", MythesRelation::Generic),
    ("(similar term)", MythesRelation::Similar),
    ("(related term)", MythesRelation::Related),
    ("(antonym)", MythesRelation::Antonym),
];

/// Load MyThes edges, antonyms dropped; synonyms, similar, related and generic terms (hypernyms,
/// about half of all edges) kept. Rank = index of the meaning among the headword's meanings of the
/// same part of speech (WordNet sense order). Use [`load_mythes_tagged`] to tell relations apart.
pub fn load_mythes(path: &Path) -> anyhow::Result<Vec<Synonym>> {
    Ok(load_mythes_tagged(path)?
        .into_iter()
        .filter(|(_, rel)| *rel != MythesRelation::Antonym)
        .map(|(s, _)| s)
        .collect())
}

/// Load all MyThes edges, antonyms included, each with its relation.
pub fn load_mythes_tagged(path: &Path) -> anyhow::Result<Vec<(Synonym, MythesRelation)>> {
    parse_mythes(&read_file(path)?).with_context(|| format!("in {}", path.display()))
}

/// Decode the file per its first line (UTF-8, or Latin-1 for `ISO8859-1`/`ISO-8859-1`/`latin1`).
fn decode(bytes: &[u8]) -> anyhow::Result<String> {
    let first_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let enc = String::from_utf8_lossy(&bytes[..first_end])
        .trim()
        .to_ascii_uppercase();
    let enc = enc.replace(['-', '_'], "");
    match enc.as_str() {
        "UTF8" => String::from_utf8(bytes.to_vec()).context("file says UTF-8 but is not"),
        "ISO88591" | "LATIN1" | "ISO885915" | "CP1252" | "WINDOWS1252" => {
            // Latin-1 maps bytes to the first 256 code points (close enough for 8859-15/1252 words).
            Ok(bytes.iter().map(|&b| b as char).collect())
        }
        other => bail!("unsupported MyThes encoding {other:?}"),
    }
}

fn parse_pos(s: &str) -> Pos {
    match s.trim().trim_start_matches('(').trim_end_matches(')') {
        "noun" | "n" => Pos::Noun,
        "verb" | "v" => Pos::Verb,
        "adj" | "a" | "adjective" => Pos::Adj,
        "adv" | "r" | "adverb" => Pos::Adv,
        _ => Pos::Other,
    }
}

/// Split a term into its text and relation.
fn split_annotation(term: &str) -> (&str, MythesRelation) {
    let t = term.trim_end();
    for (ann, rel) in ANNOTATIONS {
        if let Some(rest) = t.strip_suffix(ann) {
            return (rest, rel);
        }
    }
    (t, MythesRelation::Synonym)
}

/// Parse the bytes of a MyThes `.dat` file.
pub(crate) fn parse_mythes(bytes: &[u8]) -> anyhow::Result<Vec<(Synonym, MythesRelation)>> {
    let text = decode(bytes)?;
    let mut lines = text.lines().enumerate().skip(1);
    let mut edges = EdgeSet::with_capacity(Source::MyThes, 800_000);
    let mut rels: Vec<MythesRelation> = Vec::with_capacity(800_000);
    while let Some((no, line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let (word, n) = line
            .rsplit_once('|')
            .and_then(|(w, n)| Some((w, n.trim().parse::<usize>().ok()?)))
            .with_context(|| format!("line {}: expected `word|count`, got {line:?}", no + 1))?;
        let head = normalize_cow(word);
        // Meanings are grouped by part of speech (nouns first, ...): rank counts within one.
        let mut seen_pos: Vec<Pos> = Vec::new();
        for _ in 0..n {
            let Some((mno, mline)) = lines.next() else {
                bail!("line {}: entry {word:?} ends early", no + 1);
            };
            let mut fields = mline.split('|');
            let pos_field = fields.next().unwrap_or_default();
            if !pos_field.starts_with('(') && !pos_field.starts_with('-') {
                bail!("line {}: expected `(pos)|terms...`, got {mline:?}", mno + 1);
            }
            let Some(head) = head.as_deref() else {
                continue;
            };
            let pos = parse_pos(pos_field);
            let rank = seen_pos
                .iter()
                .filter(|p| **p == pos)
                .count()
                .min(u16::MAX as usize) as u16;
            seen_pos.push(pos);
            for term in fields {
                let (term, rel) = split_annotation(term);
                let Some(syn) = normalize_cow(term) else {
                    continue;
                };
                let Some(i) = edges.push(head, &syn, Some(pos), rank) else {
                    continue;
                };
                if i == rels.len() {
                    rels.push(rel);
                } else if strength(rel) > strength(rels[i]) {
                    rels[i] = rel;
                }
            }
        }
    }
    Ok(edges.into_vec().into_iter().zip(rels).collect())
}

/// When a pair occurs more than once (different meanings), the strongest relation is kept; an
/// antonym reading anywhere marks the pair as an antonym, so it is never offered as a synonym.
fn strength(rel: MythesRelation) -> u8 {
    match rel {
        MythesRelation::Antonym => 4,
        MythesRelation::Synonym => 3,
        MythesRelation::Similar => 2,
        MythesRelation::Related => 1,
        MythesRelation::Generic => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "UTF-8\n\
        say|2\n\
        (verb)|state|say|tell|express (generic term)\n\
        (noun)|voice|opportunity (generic term)\n\
        big|2\n\
        (adj)|large|huge (similar term)|small (antonym)|size (related term)\n\
        (adj)|heavy|A.D.|a b c d e\n\
        .22|1\n\
        (noun)|twenty-two|firearm (generic term)\n";

    #[test]
    fn parses_meanings_ranks_relations() {
        let v = parse_mythes(SAMPLE.as_bytes()).unwrap();
        let find = |h: &str, s: &str| v.iter().find(|(x, _)| x.head == h && x.syn == s).cloned();
        let (e, r) = find("say", "state").unwrap();
        assert_eq!(
            (e.pos, e.rank, r),
            (Some(Pos::Verb), 0, MythesRelation::Synonym)
        );
        assert_eq!(find("say", "express").unwrap().1, MythesRelation::Generic);
        let (e, _) = find("say", "voice").unwrap();
        assert_eq!((e.pos, e.rank), (Some(Pos::Noun), 0)); // first noun meaning
        assert_eq!(find("big", "huge").unwrap().1, MythesRelation::Similar);
        assert_eq!(find("big", "small").unwrap().1, MythesRelation::Antonym);
        assert_eq!(find("big", "size").unwrap().1, MythesRelation::Related);
        assert_eq!(find("big", "heavy").unwrap().0.rank, 1);
        assert!(find("say", "say").is_none());
        assert!(v.iter().all(|(e, _)| e.head != ".22" && e.syn != "a.d."));
        assert_eq!(v.len(), 10);
        assert!(v.iter().all(|(e, _)| e.source == Source::MyThes));
    }

    #[test]
    fn load_drops_antonyms() {
        let dir = std::env::temp_dir().join(format!("unspin-mythes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("th.dat");
        std::fs::write(&p, SAMPLE).unwrap();
        let v = load_mythes(&p).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(v.len(), 9);
        assert!(!v.iter().any(|e| e.syn == "small"));
    }

    #[test]
    fn antonym_wins_over_weaker_duplicate() {
        let text = "UTF-8\nhot|2\n(adj)|cold (related term)\n(adj)|cold (antonym)|warm\n";
        let v = parse_mythes(text.as_bytes()).unwrap();
        let cold = v.iter().find(|(e, _)| e.syn == "cold").unwrap();
        assert_eq!(cold.1, MythesRelation::Antonym);
        assert_eq!(cold.0.rank, 0);
    }

    #[test]
    fn latin1_files_decode() {
        let bytes = b"ISO8859-1\ncaf\xe9|1\n(noun)|coffeehouse|bistro\n";
        let v = parse_mythes(bytes).unwrap();
        assert_eq!(v[0].0.head, "café");
        assert!(parse_mythes(b"KOI8-R\n").is_err());
    }

    #[test]
    fn truncated_entry_is_an_error() {
        assert!(parse_mythes(b"UTF-8\nsay|3\n(verb)|state\n").is_err());
        assert!(parse_mythes(b"UTF-8\nsay|x\n").is_err());
    }
}
