//! # unspin-trace
//!
//! Trace a spun copy to its source in a reference collection.
//!
//! An article spinner swaps words for thesaurus neighbours, which breaks the exact-word shingles
//! that near-duplicate search relies on. This crate indexes reference documents by *canonical*
//! tokens instead: each word is mapped to a representative of its synonym neighbourhood in the
//! model's lexicon ([`canon`]), so "inventory" and "stock" collide. Shingles of canonical tokens
//! go through MinHash with banded LSH ([`lsh`]) into an on-disk, memory-mapped index
//! ([`index`]); each candidate a query meets there is verified by aligning the two token
//! sequences ([`align`]), where a query word may also match any original the lexicon says it
//! could stand for. The alignment gives the similarity figure and the evidence: which spun
//! phrases line up with which source phrases ([`trace`]).
//!
//! ```
//! use unspin_trace::index::{Builder, Index, Settings};
//! use unspin_trace::input::Doc;
//! use unspin_trace::trace::{Tracer, TraceOptions};
//!
//! let model = unspin_core::fixture::tiny_model();
//! let path = std::env::temp_dir().join(format!("unspin-lib-doc-{}.idx", std::process::id()));
//! let mut b = Builder::new(Settings::default(), model.lexicon(), model.metadata());
//! b.add(vec![Doc { id: "src".into(), text: "She said the stock market fell sharply on Monday at a press conference.".into() }], 1);
//! b.write(&path)?;
//!
//! let idx = Index::open(&path)?;
//! idx.check_model(model.lexicon(), model.metadata())?;
//! let found = Tracer::new(&idx, model.lexicon(), TraceOptions::default())
//!     .trace("She mentioned the inventory market fell sharply on Monday at a press convention.");
//! assert_eq!(found.matches[0].id, "src");
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), unspin_trace::Error>(())
//! ```

#![deny(missing_docs)]

pub mod align;
pub mod canon;
pub mod index;
pub mod input;
pub mod lsh;
pub mod trace;

use canon::Method;
use index::{Builder, Index, Settings};
use input::{Docs, Fields};
use lsh::Lsh;
use std::io::Write;
use std::path::{Path, PathBuf};
use trace::{Match, TraceOptions, Traced, Tracer};
use unspin_core::Detector;

/// Errors of indexing and tracing. Every one names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not an unspin index at all.
    #[error("{path}: not an unspin index (bad magic number); build one with `unspin index build`")]
    NotAnIndex {
        /// The file.
        path: String,
    },
    /// The index was written by an incompatible version of the format.
    #[error("{path}: index format version {found} is not supported: this build of unspin reads version {needed}; rebuild the index with `unspin index build`")]
    Version {
        /// The file.
        path: String,
        /// The version stored in the file.
        found: u32,
        /// The version this build reads.
        needed: u32,
    },
    /// The index is damaged: truncated, checksum mismatch, or a malformed section.
    #[error("{path}: corrupt index: {what}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        what: String,
    },
    /// The index was built with another model than the one in use.
    #[error("{path}: this index was built with a different model; search it with the model it was built with (--model), or rebuild it with `unspin index build`")]
    ModelMismatch {
        /// The file.
        path: String,
    },
    /// The index cannot be used this way (other canonicalization rules, other settings).
    #[error("{path}: {what}")]
    Incompatible {
        /// The file.
        path: String,
        /// Why.
        what: String,
    },
    /// A malformed input record.
    #[error("{path}:{line}: {what}")]
    Input {
        /// The file.
        path: String,
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// A bad combination of arguments.
    #[error("{0}")]
    Usage(String),
}

/// A failed write to standard output (a closed pipe among them, which the CLI ends quietly on).
fn stdout_error(e: std::io::Error) -> Error {
    Error::io(Path::new("<stdout>"), e)
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Where documents come from.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Input files: JSON Lines (`.jsonl`, `.ndjson`, `.json`, optionally `.gz`), one document per
    /// line; any other file is one plain-text document named by its path.
    #[arg(long = "input", required = true, num_args = 1.., value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// JSON field holding the text.
    #[arg(long, default_value = "text")]
    pub field: String,
    /// JSON field holding the document id (a record without one is named FILE:LINE).
    #[arg(long = "id-field", default_value = "id")]
    pub id_field: String,
    /// Worker threads (default: the available cores, at most 8).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `unspin index` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IndexCmd {
    /// Build an index of reference documents.
    Build {
        /// Documents to index.
        #[command(flatten)]
        input: InputArgs,
        /// Output index file (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
        /// Tokens: `unspin` (synonym-neighbourhood canonical tokens) or `plain` (raw lowercase
        /// words, the plain MinHash baseline).
        #[arg(long, value_enum, default_value = "unspin")]
        method: Method,
        /// Tokens per shingle.
        #[arg(long, default_value_t = Lsh::default().shingle, value_parser = clap::value_parser!(u32).range(1..=16))]
        shingle: u32,
        /// LSH bands.
        #[arg(long, default_value_t = Lsh::default().bands, value_parser = clap::value_parser!(u32).range(1..=1024))]
        bands: u32,
        /// MinHash rows per band.
        #[arg(long, default_value_t = Lsh::default().rows, value_parser = clap::value_parser!(u32).range(1..=64))]
        rows: u32,
    },
    /// Add documents to an existing index (it is rewritten in place, atomically).
    Add {
        /// The index to extend.
        #[arg(long)]
        index: PathBuf,
        /// Documents to add.
        #[command(flatten)]
        input: InputArgs,
    },
    /// Show what is in an index.
    Info {
        /// The index.
        index: PathBuf,
    },
}

/// `unspin trace` arguments.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The index to search.
    #[arg(long)]
    pub index: PathBuf,
    /// The spun text to trace; `-` or nothing reads standard input.
    #[arg(conflicts_with = "input")]
    pub file: Option<PathBuf>,
    /// Batch mode: trace every record of this JSON Lines file (optionally `.gz`) and write one
    /// JSON result per line, with the query's id.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// JSON field holding the text (batch mode).
    #[arg(long, default_value = "text")]
    pub field: String,
    /// JSON field holding the query id (batch mode).
    #[arg(long = "id-field", default_value = "id")]
    pub id_field: String,
    /// Sources to show at most.
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Write JSON: `{"matches": [{"id", "similarity", "evidence": [...]}, ...]}`.
    #[arg(long)]
    pub json: bool,
    /// Similarity below which a candidate is no plausible source (default: the calibrated
    /// threshold of the index's method).
    #[arg(long)]
    pub min_similarity: Option<f64>,
    /// LSH candidates to verify at most.
    #[arg(long, default_value_t = 32)]
    pub candidates: usize,
    /// Add each query's search time in microseconds to JSON output (for benchmarks).
    #[arg(long, hide = true)]
    pub timings: bool,
}

fn threads(n: Option<usize>) -> usize {
    n.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8)
    })
    .max(1)
}

/// Reads every input in batches and adds it to `b`. Returns the number of documents added.
fn feed(b: &mut Builder, input: &InputArgs) -> Result<usize, Error> {
    let fields = Fields {
        text: input.field.clone(),
        id: input.id_field.clone(),
    };
    let threads = threads(input.threads);
    let mut added = 0;
    for path in &input.inputs {
        let mut docs = Docs::open(path, &fields)?;
        loop {
            let batch = docs
                .by_ref()
                .take(4096)
                .collect::<Result<Vec<_>, Error>>()?;
            if batch.is_empty() {
                break;
            }
            added += batch.len();
            b.add(batch, threads);
        }
        if docs.skipped() > 0 {
            eprintln!(
                "unspin index: {}: skipped {} records without a {:?} field",
                path.display(),
                docs.skipped(),
                input.field
            );
        }
    }
    Ok(added)
}

fn human_size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

/// Runs `unspin index ...`.
pub fn run_index(cmd: &IndexCmd, det: &Detector) -> Result<(), Error> {
    let model = det.model();
    let lex = model.lexicon();
    let t0 = std::time::Instant::now();
    let (out, added, total) = match cmd {
        IndexCmd::Build {
            input,
            out,
            method,
            shingle,
            bands,
            rows,
        } => {
            let settings = Settings {
                method: *method,
                lsh: Lsh {
                    shingle: *shingle,
                    bands: *bands,
                    rows: *rows,
                },
            };
            let mut b = Builder::new(settings, lex, model.metadata());
            let added = feed(&mut b, input)?;
            let total = b.len();
            b.write(out)?;
            (out, added, total)
        }
        IndexCmd::Add { index, input } => {
            let idx = Index::open(index)?;
            idx.check_model(lex, model.metadata())?;
            let mut b = Builder::from_index(&idx, lex);
            let added = feed(&mut b, input)?;
            let total = b.len();
            // The map must be gone before the file is replaced under it.
            drop(idx);
            b.write(index)?;
            (index, added, total)
        }
        IndexCmd::Info { index } => {
            let idx = Index::open(index)?;
            let s = idx.settings();
            let model_ok = match idx.check_model(lex, model.metadata()) {
                Ok(()) => "matches the model in use".to_string(),
                Err(e) => e.to_string(),
            };
            let threshold = match s.method {
                Method::Unspin => trace::MIN_SIMILARITY_UNSPIN,
                Method::Plain => trace::MIN_SIMILARITY_PLAIN,
            };
            // Written, not printed: `unspin index info | head` closes the pipe early, which
            // must end the command quietly rather than panic in `println!`.
            let text = format!(
                "index: {}\ndocuments: {}\nsize: {} bytes\nmethod: {}\n\
                 shingle: {}  bands: {}  rows: {}\ndefault threshold: {threshold}\n\
                 vocabulary: {} words\nstored tokens: {}\nmodel: {model_ok}\n",
                index.display(),
                idx.len(),
                idx.size(),
                s.method.name(),
                s.lsh.shingle,
                s.lsh.bands,
                s.lsh.rows,
                idx.vocab_len(),
                idx.token_count(),
            );
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(stdout_error)?;
            return Ok(());
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    let size = std::fs::metadata(out).map_err(|e| Error::io(out, e))?.len();
    eprintln!(
        "unspin index: {added} documents in {secs:.2} s ({:.0} docs/s); {} holds {total} documents, {}",
        added as f64 / secs.max(1e-9),
        out.display(),
        human_size(size)
    );
    Ok(())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn match_json(m: &Match) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "similarity": round4(m.similarity),
        "aligned": m.aligned,
        "changed": m.changed,
        "query_words": m.query_words,
        "source_words": m.source_words,
        "evidence": m.evidence,
    })
}

fn result_json(r: &Traced, query_id: Option<&str>, micros: Option<u128>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "matches": r.matches.iter().map(match_json).collect::<Vec<_>>(),
    });
    if let Some(id) = query_id {
        v["query_id"] = id.into();
    }
    if let Some(us) = micros {
        v["micros"] = serde_json::json!(us as u64);
        v["candidates"] = r.candidates.into();
        v["best_similarity"] = round4(r.best_similarity).into();
    }
    v
}

/// Writes a result for people: each source with its similarity and a few evidence pairs.
fn human(out: &mut dyn Write, name: &str, r: &Traced, threshold: f64) -> std::io::Result<()> {
    if r.matches.is_empty() {
        return writeln!(
            out,
            "{name}: no plausible source in the index (best similarity {:.2}, threshold {threshold:.2})",
            r.best_similarity
        );
    }
    let n = r.matches.len();
    writeln!(
        out,
        "{name}: {n} plausible source{}",
        if n == 1 { "" } else { "s" }
    )?;
    for (k, m) in r.matches.iter().enumerate() {
        writeln!(
            out,
            "  {}. {}  similarity {:.2}  ({} of {} content words aligned, {} changed; the source has {})",
            k + 1,
            m.id,
            m.similarity,
            m.aligned,
            m.query_words,
            m.changed,
            m.source_words
        )?;
        const SHOW: usize = 8;
        let width = m
            .evidence
            .iter()
            .take(SHOW)
            .map(|e| e.spun.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for e in m.evidence.iter().take(SHOW) {
            let mark = if e.kind == "synonym" { "<-" } else { "<~" };
            let spun = format!("\"{}\"", e.spun.replace('\n', " "));
            writeln!(
                out,
                "       {spun:<w$}  {mark}  \"{}\"",
                e.source,
                w = width + 2
            )?;
        }
        if m.evidence.len() > SHOW {
            writeln!(out, "       ... and {} more", m.evidence.len() - SHOW)?;
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
    } else {
        bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    }
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Runs `unspin trace ...`.
pub fn run_trace(args: &TraceArgs, det: &Detector) -> Result<(), Error> {
    if args.top == 0 {
        return Err(Error::Usage("--top must be at least 1".into()));
    }
    if let Some(t) = args.min_similarity {
        if !(0.0..=1.0).contains(&t) {
            return Err(Error::Usage(
                "--min-similarity must be within [0, 1]".into(),
            ));
        }
    }
    let model = det.model();
    let idx = Index::open(&args.index)?;
    idx.check_model(model.lexicon(), model.metadata())?;
    let tracer = Tracer::new(
        &idx,
        model.lexicon(),
        TraceOptions {
            top: args.top,
            min_similarity: args.min_similarity,
            max_candidates: args.candidates.max(1),
        },
    );
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(input) = &args.input {
        let fields = Fields {
            text: args.field.clone(),
            id: args.id_field.clone(),
        };
        let mut docs = Docs::open(input, &fields)?;
        for doc in docs.by_ref() {
            let doc = doc?;
            let t0 = std::time::Instant::now();
            let r = tracer.trace(&doc.text);
            let us = args.timings.then(|| t0.elapsed().as_micros());
            let v = result_json(&r, Some(&doc.id), us);
            writeln!(out, "{v}").map_err(stdout_error)?;
        }
        if docs.skipped() > 0 {
            eprintln!(
                "unspin trace: {}: skipped {} records without a {:?} field",
                input.display(),
                docs.skipped(),
                args.field
            );
        }
    } else {
        let path = args.file.clone().unwrap_or_else(|| PathBuf::from("-"));
        let text = read_text(&path)?;
        let t0 = std::time::Instant::now();
        let r = tracer.trace(&text);
        let us = args.timings.then(|| t0.elapsed().as_micros());
        if args.json {
            writeln!(out, "{}", result_json(&r, None, us)).map_err(stdout_error)?;
        } else {
            let name = if path == Path::new("-") {
                "<stdin>".to_string()
            } else {
                path.display().to_string()
            };
            human(&mut out, &name, &r, tracer.min_similarity()).map_err(stdout_error)?;
        }
    }
    out.flush().map_err(stdout_error)?;
    Ok(())
}
