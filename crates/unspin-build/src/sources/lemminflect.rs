//! lemminflect's inflection lookup table (`infl_lu.csv.gz`, derived from the SPECIALIST Lexicon)
//! and its overrides (`infl_overrides.csv`).
//!
//! `infl_lu.csv.gz` lines are `lemma,category,forms...` where category is `noun`, `verb`, `adj` or
//! `adv` and the form columns are, in Penn-tag terms:
//! - noun: `NNS`
//! - adj, adv: `JJR,JJS` / `RBR,RBS`
//! - verb: `VBD,VBN,VBG,VBZ`
//!
//! Each column holds `/`-separated spellings, the first being lemminflect's default (`form_num=0`);
//! an empty column means no such form (uncountable noun, adjective without comparative, ...).
//! Base forms are implicit: NN, JJ, RB, VB and VBP are the lemma.
//!
//! `infl_overrides.csv` lines are `lemma,tag,form` (`#` comments allowed); lemminflect replaces the
//! table's spellings for that tag with the override.
//!
//! Quirks handled here (lemminflect itself falls back to rules for the first):
//! - VBN is empty for ~6,300 of ~6,700 verbs (regular ones): VBN is then taken to equal VBD.
//! - A few rows are shifted or wrong (`joyride` has its VBG in the VBD column, `torpedo` has VBZ in
//!   VBD, `quid` has VBZ in VBG): spellings are dropped where VBG lacks "ing", VBD/VBN end in
//!   "ing" or "s", or VBZ lacks an "s".
//! - Many overrides are corpus artefacts for lemmas not in the table (`spid,JJR,spider`,
//!   `din,JJR,diner`) or wrong (`weave,VBP,wove`, `sting,VBG,sting`). An override is applied only
//!   when the table has the lemma with the tag's part of speech, never for VBP (always the lemma),
//!   and only if it passes the checks above; it becomes the preferred spelling and the table's
//!   spellings stay as alternates (so `run` VBN is `run`, then `ran`).
//! - Auxiliaries and modals are not in the table: as lemminflect does in code, `be`
//!   (was/were, been, being, am/are, is) and the modals' past forms (can/could, may/might,
//!   will/would, shall/should, must, ought) are added; for modals they come before the table's
//!   spellings (`can` VBD: `could`, then `canned`).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context};

use super::{read_file, Inflection, Pos};

const NOUN_TAGS: &[&str] = &["NNS"];
const ADJ_TAGS: &[&str] = &["JJR", "JJS"];
const ADV_TAGS: &[&str] = &["RBR", "RBS"];
const VERB_TAGS: &[&str] = &["VBD", "VBN", "VBG", "VBZ"];

fn category(cat: &str) -> Option<(Pos, &'static [&'static str], &'static [&'static str])> {
    Some(match cat {
        "noun" => (Pos::Noun, &["NN"], NOUN_TAGS),
        "adj" => (Pos::Adj, &["JJ"], ADJ_TAGS),
        "adv" => (Pos::Adv, &["RB"], ADV_TAGS),
        "verb" => (Pos::Verb, &["VB", "VBP"], VERB_TAGS),
        _ => return None,
    })
}

fn tag_pos(tag: &str) -> Option<Pos> {
    Some(match tag {
        "NN" | "NNS" => Pos::Noun,
        "JJ" | "JJR" | "JJS" => Pos::Adj,
        "RB" | "RBR" | "RBS" => Pos::Adv,
        "VB" | "VBD" | "VBN" | "VBG" | "VBP" | "VBZ" => Pos::Verb,
        _ => return None,
    })
}

/// Whether a spelling is plausible for a tag (catches the table's shifted rows).
fn plausible(tag: &str, form: &str) -> bool {
    match tag {
        "VBG" => form.contains("ing"),
        "VBD" | "VBN" => !form.ends_with("ing") && !form.ends_with('s'),
        "VBZ" => form.contains('s'),
        _ => true,
    }
}

/// Forms of one (lemma, pos): tag -> spellings, preferred first.
struct Entry {
    lemma: String,
    pos: Pos,
    tags: Vec<(&'static str, Vec<String>)>,
}

impl Entry {
    fn spellings(&mut self, tag: &'static str) -> &mut Vec<String> {
        let i = match self.tags.iter().position(|(t, _)| *t == tag) {
            Some(i) => i,
            None => {
                self.tags.push((tag, Vec::new()));
                self.tags.len() - 1
            }
        };
        &mut self.tags[i].1
    }

    fn add(&mut self, tag: &'static str, form: String) {
        let v = self.spellings(tag);
        if !v.contains(&form) {
            v.push(form);
        }
    }

    fn add_first(&mut self, tag: &'static str, form: String) {
        let v = self.spellings(tag);
        v.retain(|f| *f != form);
        v.insert(0, form);
    }
}

#[derive(Default)]
struct Table {
    entries: Vec<Entry>,
    index: HashMap<(String, Pos), usize>,
}

impl Table {
    fn entry(&mut self, lemma: &str, pos: Pos) -> &mut Entry {
        let n = self.entries.len();
        let i = *self.index.entry((lemma.to_owned(), pos)).or_insert(n);
        if i == n {
            self.entries.push(Entry {
                lemma: lemma.to_owned(),
                pos,
                tags: Vec::new(),
            });
        }
        &mut self.entries[i]
    }

    fn get_mut(&mut self, lemma: &str, pos: Pos) -> Option<&mut Entry> {
        let i = *self.index.get(&(lemma.to_owned(), pos))?;
        Some(&mut self.entries[i])
    }

    fn into_inflections(self) -> Vec<Inflection> {
        let mut out = Vec::with_capacity(self.entries.len() * 4);
        for e in self.entries {
            for (tag, forms) in e.tags {
                for form in forms {
                    out.push(Inflection {
                        lemma: e.lemma.clone(),
                        pos: e.pos,
                        tag: tag.to_owned(),
                        form,
                    });
                }
            }
        }
        out
    }
}

/// Load `infl_lu.csv.gz`, applying `infl_overrides.csv` from the same directory if it exists.
pub fn load_inflections(path: &Path) -> anyhow::Result<Vec<Inflection>> {
    let overrides = path.with_file_name("infl_overrides.csv");
    load_inflections_with_overrides(path, overrides.is_file().then_some(overrides.as_path()))
}

/// Load `infl_lu.csv.gz` (gzip) and optionally an overrides file.
pub(crate) fn load_inflections_with_overrides(
    lu: &Path,
    overrides: Option<&Path>,
) -> anyhow::Result<Vec<Inflection>> {
    let gz = read_file(lu)?;
    let mut text = String::with_capacity(gz.len() * 4);
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .with_context(|| format!("cannot decompress {}", lu.display()))?;
    let ov = match overrides {
        Some(p) => String::from_utf8(read_file(p)?)
            .with_context(|| format!("{} is not UTF-8", p.display()))?,
        None => String::new(),
    };
    parse_inflections(&text, &ov).with_context(|| format!("in {}", lu.display()))
}

/// Parse the (decompressed) lookup table and the overrides text.
pub(crate) fn parse_inflections(lu: &str, overrides: &str) -> anyhow::Result<Vec<Inflection>> {
    let mut table = Table::default();
    for (no, line) in lu.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split(',');
        let (Some(lemma), Some(cat)) = (cols.next(), cols.next()) else {
            bail!(
                "line {}: expected `lemma,category,forms...`: {line:?}",
                no + 1
            );
        };
        let Some((pos, base_tags, tags)) = category(cat) else {
            bail!("line {}: unknown category {cat:?}", no + 1);
        };
        let lemma = lemma.trim().to_lowercase();
        if lemma.is_empty() {
            bail!("line {}: empty lemma", no + 1);
        }
        let entry = table.entry(&lemma, pos);
        for &t in base_tags {
            entry.add(t, lemma.clone());
        }
        let cols: Vec<&str> = cols.collect();
        if cols.len() > tags.len() {
            bail!(
                "line {}: {} form columns for {cat}, expected at most {}",
                no + 1,
                cols.len(),
                tags.len()
            );
        }
        for (&tag, col) in tags.iter().zip(&cols) {
            for form in col.split('/').map(str::trim).filter(|f| !f.is_empty()) {
                let form = form.to_lowercase();
                if plausible(tag, &form) {
                    entry.add(tag, form);
                }
            }
        }
        if pos == Pos::Verb {
            // Regular verbs leave VBN empty: it equals VBD.
            let vbd = entry
                .tags
                .iter()
                .find(|(t, _)| *t == "VBD")
                .map(|(_, v)| v.clone());
            let has_vbn = entry.tags.iter().any(|(t, v)| *t == "VBN" && !v.is_empty());
            if let (Some(vbd), false) = (vbd, has_vbn) {
                for f in vbd {
                    entry.add("VBN", f);
                }
            }
        }
    }

    for (no, line) in overrides.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let [lemma, tag, form] = f[..] else {
            bail!(
                "overrides line {}: expected `lemma,tag,form`: {line:?}",
                no + 1
            );
        };
        let Some(pos) = tag_pos(tag) else {
            bail!("overrides line {}: unknown tag {tag:?}", no + 1);
        };
        let Some(tag) = VERB_TAGS
            .iter()
            .chain(NOUN_TAGS)
            .chain(ADJ_TAGS)
            .chain(ADV_TAGS)
            .find(|t| **t == tag)
        else {
            continue; // base-form override (VBP, VB, NN...): base forms are the lemma
        };
        let (lemma, form) = (lemma.to_lowercase(), form.to_lowercase());
        if !plausible(tag, &form) {
            continue;
        }
        if let Some(e) = table.get_mut(&lemma, pos) {
            e.add_first(tag, form);
        }
    }

    // Auxiliary and modal verbs, as hard-coded in lemminflect (not in its table).
    let be = table.entry("be", Pos::Verb);
    for (tag, forms) in [
        ("VB", &["be"][..]),
        ("VBP", &["am", "are"]),
        ("VBZ", &["is"]),
        ("VBD", &["was", "were"]),
        ("VBN", &["been"]),
        ("VBG", &["being"]),
    ] {
        for f in forms.iter().rev() {
            be.add_first(tag, (*f).to_owned());
        }
    }
    for (modal, past) in [
        ("can", Some("could")),
        ("may", Some("might")),
        ("will", Some("would")),
        ("shall", Some("should")),
        ("must", Some("must")),
        ("ought", Some("ought")),
        ("dare", None),
    ] {
        let e = table.entry(modal, Pos::Verb);
        e.add("VB", modal.to_owned());
        e.add("VBP", modal.to_owned());
        if let Some(past) = past {
            e.add_first("VBD", past.to_owned());
        }
    }
    Ok(table.into_inflections())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LU: &str = "\
Aaron,noun,Aarons/Aaron
mention,verb,mentioned,,mentioning,mentions
say,verb,said,said,saying,says
say,noun,say
good,adj,better,best
lonely,adj,,
news,noun,
run,verb,ran,ran,running,runs
joyride,verb,joy-riding/joyriding,,,joyrides
can,verb,canned,,canning,cans
formula,noun,formulas/formulæ
";
    const OVERRIDES: &str = "\
# comment
run,VBN,run
weave,VBP,wove
spid,JJR,spider
mention,VBG,mention
good,JJS,bestest
";

    fn forms(v: &[Inflection], lemma: &str, pos: Pos, tag: &str) -> Vec<String> {
        v.iter()
            .filter(|i| i.lemma == lemma && i.pos == pos && i.tag == tag)
            .map(|i| i.form.clone())
            .collect()
    }

    #[test]
    fn table_with_base_forms_and_vbn_fill() {
        let v = parse_inflections(LU, "").unwrap();
        assert_eq!(forms(&v, "say", Pos::Verb, "VBD"), ["said"]);
        assert_eq!(forms(&v, "say", Pos::Verb, "VBP"), ["say"]);
        assert_eq!(forms(&v, "say", Pos::Noun, "NNS"), ["say"]);
        assert_eq!(forms(&v, "mention", Pos::Verb, "VBN"), ["mentioned"]);
        assert_eq!(forms(&v, "mention", Pos::Verb, "VB"), ["mention"]);
        assert_eq!(forms(&v, "aaron", Pos::Noun, "NNS"), ["aarons", "aaron"]);
        assert_eq!(forms(&v, "good", Pos::Adj, "JJS"), ["best"]);
        assert_eq!(forms(&v, "lonely", Pos::Adj, "JJR"), Vec::<String>::new());
        assert_eq!(forms(&v, "lonely", Pos::Adj, "JJ"), ["lonely"]);
        assert_eq!(forms(&v, "news", Pos::Noun, "NN"), ["news"]);
        assert_eq!(
            forms(&v, "formula", Pos::Noun, "NNS"),
            ["formulas", "formulæ"]
        );
        // shifted row: VBG-like spellings in the VBD column are dropped, and so VBN stays empty
        assert!(forms(&v, "joyride", Pos::Verb, "VBD").is_empty());
        assert!(forms(&v, "joyride", Pos::Verb, "VBN").is_empty());
        assert_eq!(forms(&v, "joyride", Pos::Verb, "VBZ"), ["joyrides"]);
    }

    #[test]
    fn overrides_are_filtered() {
        let v = parse_inflections(LU, OVERRIDES).unwrap();
        assert_eq!(forms(&v, "run", Pos::Verb, "VBN"), ["run", "ran"]);
        assert!(!v
            .iter()
            .any(|i| i.form == "wove" || i.form == "spider" || i.lemma == "spid"));
        assert_eq!(forms(&v, "mention", Pos::Verb, "VBG"), ["mentioning"]);
        assert_eq!(forms(&v, "good", Pos::Adj, "JJS"), ["bestest", "best"]);
    }

    #[test]
    fn aux_and_modals() {
        let v = parse_inflections(LU, "").unwrap();
        assert_eq!(forms(&v, "be", Pos::Verb, "VBD"), ["was", "were"]);
        assert_eq!(forms(&v, "be", Pos::Verb, "VBP"), ["am", "are"]);
        assert_eq!(forms(&v, "be", Pos::Verb, "VBZ"), ["is"]);
        assert_eq!(forms(&v, "can", Pos::Verb, "VBD"), ["could", "canned"]);
        assert_eq!(forms(&v, "may", Pos::Verb, "VBD"), ["might"]);
        assert_eq!(forms(&v, "dare", Pos::Verb, "VB"), ["dare"]);
    }

    #[test]
    fn malformed() {
        assert!(parse_inflections("x,pronoun,y\n", "").is_err());
        assert!(parse_inflections("x\n", "").is_err());
        assert!(parse_inflections("x,noun,a,b\n", "").is_err());
        assert!(parse_inflections("", "a,b\n").is_err());
    }

    #[test]
    fn gzip_file_and_sibling_overrides() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("unspin-lemminflect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("infl_lu.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(LU.as_bytes()).unwrap();
        std::fs::write(&p, enc.finish().unwrap()).unwrap();
        let without = load_inflections(&p).unwrap();
        std::fs::write(dir.join("infl_overrides.csv"), OVERRIDES).unwrap();
        let with = load_inflections(&p).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(forms(&without, "run", Pos::Verb, "VBN"), ["ran"]);
        assert_eq!(forms(&with, "run", Pos::Verb, "VBN"), ["run", "ran"]);
    }
}
