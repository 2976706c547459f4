//! The vendored tortured-phrase list (`data/tortured-phrases/tortured-phrases.json`):
//! `{"phrases": [{"tortured": "...", "correct": "..."}, ...], ...}`; other fields are ignored.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use super::{read_file, Tortured};

#[derive(Deserialize)]
struct File {
    phrases: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    tortured: String,
    correct: String,
}

/// Where the vendored list sits, given the `data/raw` directory: `data/tortured-phrases/tortured-phrases.json`.
pub fn default_tortured_path(data_raw: &Path) -> PathBuf {
    data_raw
        .parent()
        .unwrap_or(Path::new("."))
        .join("tortured-phrases/tortured-phrases.json")
}

/// Load the list; phrases are trimmed with whitespace collapsed, entries with an empty side dropped.
pub fn load_tortured(path: &Path) -> anyhow::Result<Vec<Tortured>> {
    parse_tortured(&read_file(path)?).with_context(|| format!("in {}", path.display()))
}

pub(crate) fn parse_tortured(bytes: &[u8]) -> anyhow::Result<Vec<Tortured>> {
    let file: File = serde_json::from_slice(bytes).context("invalid tortured-phrase JSON")?;
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok(file
        .phrases
        .into_iter()
        .map(|e| Tortured {
            tortured: clean(&e.tortured),
            correct: clean(&e.correct),
        })
        .filter(|t| !t.tortured.is_empty() && !t.correct.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let json = br#"{"version": "1.0.0", "totalPhrases": 3, "phrases": [
            {"tortured": "profound learning", "correct": "deep learning", "extra": 1},
            {"tortured": " counterfeit  consciousness ", "correct": "artificial intelligence"},
            {"tortured": "", "correct": "nothing"}]}"#;
        let v = parse_tortured(json).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].tortured, "counterfeit consciousness");
        assert_eq!(v[0].correct, "deep learning");
        assert!(parse_tortured(br#"{"phrases": [{"tortured": "x"}]}"#).is_err());
    }

    #[test]
    fn default_path() {
        assert_eq!(
            default_tortured_path(Path::new("data/raw")),
            Path::new("data/tortured-phrases/tortured-phrases.json")
        );
    }
}
