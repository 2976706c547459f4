//! `unspin eval`: restoration and detection metrics over development sets, in process, so that
//! parameter sweeps are quick. The devset format is the one `bench/make_devset.py` writes:
//! spun files hold `{"spun", "spans": [{"start", "end", "original"}]}` per line, clean files
//! `{"text"}`.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::io::Write;
use std::path::PathBuf;
use unspin_core::{Detector, Report, Span};

#[derive(Deserialize)]
struct GoldSpan {
    start: usize,
    end: usize,
    original: String,
}

#[derive(Deserialize)]
struct SpunDoc {
    /// The passage it was spun from; the same for every spinner's copy of it.
    #[serde(default)]
    id: Option<String>,
    spun: String,
    spans: Vec<GoldSpan>,
}

#[derive(Deserialize)]
struct CleanDoc {
    #[serde(default)]
    id: Option<String>,
    text: String,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(p: &PathBuf, limit: usize) -> Result<Vec<T>> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(limit)
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .with_context(|| format!("{}:{}: bad record", p.display(), i + 1))
        })
        .collect()
}

/// Area under the ROC curve of positive vs negative scores (ties count half).
pub fn auroc(pos: &[f64], neg: &[f64]) -> f64 {
    if pos.is_empty() || neg.is_empty() {
        return f64::NAN;
    }
    let mut wins = 0f64;
    for p in pos {
        for n in neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (pos.len() * neg.len()) as f64
}

/// True-positive rate at the threshold that lets through at most `fpr` of the negatives.
pub fn tpr_at(pos: &[f64], neg: &[f64], fpr: f64) -> f64 {
    let mut n = neg.to_vec();
    n.sort_by(|a, b| b.total_cmp(a));
    let k = ((neg.len() as f64) * fpr).floor() as usize;
    let thr = n.get(k).copied().unwrap_or(f64::NEG_INFINITY);
    pos.iter().filter(|&&p| p > thr).count() as f64 / pos.len().max(1) as f64
}

/// For every gold span: is the spun phrase a lexicon key, and at what rank is the original
/// among its candidates? Prints the coverage ceiling of the candidate generator. With `dump`,
/// writes one JSON line per gold span whose phrase is a key: the candidates' rank features
/// ([`unspin_core::lexicon::rank_features`]) in lexicon order, and the gold original's index
/// among them (-1 when it is not one of them), for `bench/fit_rank.py`.
pub fn coverage(
    det: &Detector,
    spun: &[PathBuf],
    limit: usize,
    dump: Option<&PathBuf>,
    out: &mut impl Write,
) -> Result<()> {
    let mut dump = create_dump(dump)?;
    let lex = det.model().lexicon();
    // The log10 frequency of a phrase's rarest word, as the model builder computes it.
    let phrase_freq = |p: &str| {
        p.split(' ')
            .map(|w| lex.find(w).map_or(-9.0, |id| lex.freq(id).max(-9.0)))
            .fold(0f32, f32::min)
    };
    for f in spun {
        let docs: Vec<SpunDoc> = read_jsonl(f, limit)?;
        let (mut n, mut key, mut top6, mut top12, mut any) = (0, 0, 0, 0, 0);
        let mut miss: std::collections::HashMap<String, usize> = Default::default();
        for d in &docs {
            for g in &d.spans {
                n += 1;
                let text = folded(&d.spun[g.start..g.end]);
                let orig = folded(&g.original);
                let Some(id) = lex.find(&text) else {
                    *miss.entry(format!("nokey {text} -> {orig}")).or_default() += 1;
                    continue;
                };
                key += 1;
                // Where the gold original stands in the candidate order, if it is there at all.
                let rank = lex
                    .candidates(id)
                    .position(|c| lex.phrase(c.original) == orig);
                // The word's own forms are outside the order (`Src::is_own_form`).
                if let Some(w) = dump.as_mut() {
                    let ranked = || lex.synonyms(id);
                    let x: Vec<_> = ranked()
                        .map(|c| {
                            let o = lex.phrase(c.original);
                            unspin_core::lexicon::rank_features(
                                &text,
                                o,
                                c.prior,
                                c.src,
                                phrase_freq(o),
                            )
                        })
                        .collect();
                    let gold = ranked()
                        .position(|c| lex.phrase(c.original) == orig)
                        .map_or(-1, |r| r as i64);
                    writeln!(w, "{}", serde_json::json!({"gold": gold, "x": x}))?;
                }
                match rank {
                    Some(r) => {
                        any += 1;
                        top6 += (r < 6) as usize;
                        top12 += (r < 12) as usize;
                    }
                    None => *miss.entry(format!("nocand {text} -> {orig}")).or_default() += 1,
                }
            }
        }
        let mut top: Vec<_> = miss.into_iter().collect();
        // Most frequent first, ties by name: a hash map's order differs from run to run.
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let v = serde_json::json!({"file": f, "gold": n, "key": key as f64 / n as f64,
            "in_candidates": any as f64 / n as f64, "top6": top6 as f64 / n as f64, "top12": top12 as f64 / n as f64,
            "frequent_misses": top.iter().take(25).map(|(k, c)| format!("{c} {k}")).collect::<Vec<_>>()});
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    }
    finish_dump(dump)
}

/// The buffered file a `--dump` or `--rank-dump` writes to, if one was asked for.
fn create_dump(path: Option<&PathBuf>) -> Result<Option<std::io::BufWriter<std::fs::File>>> {
    path.map(|p| {
        let f =
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(std::io::BufWriter::new(f))
    })
    .transpose()
}

/// Flushes a dump, so that a failed write is an error rather than a short file.
fn finish_dump(dump: Option<std::io::BufWriter<std::fs::File>>) -> Result<()> {
    if let Some(mut w) = dump {
        w.flush().context("writing the dump")?;
    }
    Ok(())
}

/// `phrase` as the lexicon writes it: in lowercase, with straight apostrophes. A suggestion
/// writes its apostrophes as the span does, and the original article may write them either way.
fn folded(phrase: &str) -> String {
    phrase.to_lowercase().replace('\u{2019}', "'")
}

/// Whether span `s` puts back gold span `g`'s original exactly (case and the apostrophes'
/// shape aside).
fn puts_back(s: &Span, g: &GoldSpan) -> bool {
    s.start == g.start
        && s.end == g.end
        && s.suggestion
            .as_deref()
            .is_some_and(|sug| folded(sug) == folded(&g.original))
}

/// Whether span `s` puts back one of the gold spans exactly (as [`puts_back`] compares them).
fn is_right(s: &Span, gold: &[GoldSpan]) -> bool {
    gold.iter().any(|g| puts_back(s, g))
}

/// The files `unspin eval` writes its fitting data to, if asked.
pub struct Dumps<'a> {
    /// Every change considered, with its features and whether it is right (`--dump`, for
    /// `bench/fit_scorer.py`).
    pub changes: Option<&'a PathBuf>,
    /// Every phrase expanded, with its gate features and whether a right change was applied
    /// there (`--gate-dump`, for `bench/fit_gate.py`; the detector must record expansions).
    pub gate: Option<&'a PathBuf>,
}

/// Runs the evaluation and prints one JSON line of metrics per spun file, then one for clean text.
pub fn run(
    det: &Detector,
    spun: &[PathBuf],
    clean: Option<&PathBuf>,
    limit: usize,
    dumps: Dumps<'_>,
    out: &mut impl Write,
) -> Result<()> {
    let mut dump = create_dump(dumps.changes)?;
    let mut gate_dump = create_dump(dumps.gate)?;
    let mut doc_index = 0usize;
    let mut write_dump = |id: Option<&str>,
                          r: &Report,
                          ev: &unspin_core::Evidence,
                          gold: &[GoldSpan]|
     -> Result<()> {
        let words = r.words;
        doc_index += 1;
        if let Some(w) = gate_dump.as_mut() {
            for e in &ev.expansions {
                let right = r
                    .spans
                    .iter()
                    .any(|s| s.start == e.start && s.end == e.end && is_right(s, gold));
                let v = serde_json::json!({"doc": doc_index, "y": right as u8, "g": e.features});
                writeln!(w, "{v}")?;
            }
        }
        if let Some(w) = dump.as_mut() {
            let per100 = 100.0 / words.max(1) as f64;
            // `id` names the passage, so that a fit can hold out every copy of it at once.
            let doc = serde_json::json!({"doc": 1, "id": id, "y": !gold.is_empty() as u8, "words": words, "f": [
                ev.changes * per100, ev.gain * per100, ev.fingerprints as f64 * per100,
                ev.artifacts.min(3) as f64, ev.mean_logprob + 3.0]});
            writeln!(w, "{doc}")?;
            for d in &ev.decisions {
                let ok = gold.iter().any(|g| {
                    g.start == d.start && g.end == d.end && folded(&g.original) == d.original
                });
                let v = serde_json::json!({"y": ok as u8, "x": d.features, "clean": gold.is_empty(), "words": words,
                    "at": [d.start, d.end], "original": d.original, "confidence": d.confidence, "chosen": d.chosen});
                writeln!(w, "{v}")?;
            }
        }
        Ok(())
    };
    let mut neg = Vec::new();
    if let Some(c) = clean {
        let docs: Vec<CleanDoc> = read_jsonl(c, limit)?;
        let (mut changes, mut words) = (0usize, 0usize);
        for d in &docs {
            let (r, ev) = det.analyze(&d.text);
            write_dump(d.id.as_deref(), &r, &ev, &[])?;
            changes += r.spans.iter().filter(|s| s.suggestion.is_some()).count();
            words += r.words;
            neg.push(r.score);
        }
        let v = serde_json::json!({"file": c, "docs": docs.len(), "words": words,
            "false_changes_per_1k": 1000.0 * changes as f64 / words.max(1) as f64});
        writeln!(out, "{v}")?;
    }
    for f in spun {
        let docs: Vec<SpunDoc> = read_jsonl(f, limit)?;
        let (mut gold, mut hit, mut made, mut right) = (0usize, 0usize, 0usize, 0usize);
        let mut pos = Vec::new();
        for d in &docs {
            let (r, ev) = det.analyze(&d.spun);
            write_dump(d.id.as_deref(), &r, &ev, &d.spans)?;
            pos.push(r.score);
            gold += d.spans.len();
            for s in r.spans.iter().filter(|s| s.suggestion.is_some()) {
                made += 1;
                right += is_right(s, &d.spans) as usize;
            }
            for g in &d.spans {
                hit += r.spans.iter().any(|s| puts_back(s, g)) as usize;
            }
        }
        let v = serde_json::json!({"file": f, "docs": docs.len(), "gold_spans": gold,
            "recall": hit as f64 / gold.max(1) as f64, "precision": right as f64 / made.max(1) as f64,
            "changes": made, "auroc": auroc(&pos, &neg), "tpr_at_1pct_fpr": tpr_at(&pos, &neg, 0.01)});
        writeln!(out, "{v}")?;
    }
    finish_dump(dump)?;
    finish_dump(gate_dump)
}
