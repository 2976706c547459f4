//! Moby thesaurus (Grady Ward, public domain), as shipped by the `thesaurus-moby` crate.
//!
//! `thesaurus_moby::uncompress()` returns the whole thesaurus (about 24 MB) decompressed from the
//! binary. The crate's build script lowercases the original `mthesaur.txt` and turns its commas into
//! `|`, so each line is `headword|syn1|syn2|...`. Both `|` and `,` are accepted here as separators.
//! Lists are alphabetical, so every edge gets rank 0. Edges are directed (Moby is not symmetric) and
//! carry no part of speech.

use super::{normalize_cow, EdgeSet, Source, Synonym};

/// Load the Moby thesaurus compiled into this binary.
pub fn load_moby() -> anyhow::Result<Vec<Synonym>> {
    let text = thesaurus_moby::uncompress();
    Ok(parse_moby(&text))
}

/// Parse Moby text: one `headword|syn|syn...` (or comma-separated) line per headword.
pub(crate) fn parse_moby(text: &str) -> Vec<Synonym> {
    // ~2.5M raw edges in the real file; most survive normalization.
    let mut edges = EdgeSet::with_capacity(Source::Moby, text.len() / 10);
    for line in text.lines() {
        let mut fields = line.split(['|', ',']);
        let Some(head) = fields.next().and_then(normalize_cow) else {
            continue;
        };
        for syn in fields.filter_map(normalize_cow) {
            edges.push(&head, &syn, None, 0);
        }
    }
    edges.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pipe_and_comma_lines() {
        let text = "stock|inventory|store|supply|stock|stock market\r\n\
                    Said,mentioned,stated,aforesaid,a.k.a.\n\
                    \n\
                    .22|rifle\n\
                    long|one two three four five|lengthy\n";
        let v = parse_moby(text);
        let pairs: Vec<(&str, &str)> = v
            .iter()
            .map(|s| (s.head.as_str(), s.syn.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("stock", "inventory"),
                ("stock", "store"),
                ("stock", "supply"),
                ("stock", "stock market"),
                ("said", "mentioned"),
                ("said", "stated"),
                ("said", "aforesaid"),
                ("long", "lengthy"),
            ]
        );
        assert!(v
            .iter()
            .all(|s| s.source == Source::Moby && s.pos.is_none() && s.rank == 0));
    }

    #[test]
    fn repeated_headwords_are_merged() {
        // The crate lowercases, so "Bill" and "bill" lines share a head.
        let v = parse_moby("bill|beak|invoice\nbill|invoice|check\n");
        assert_eq!(v.len(), 3);
    }
}
