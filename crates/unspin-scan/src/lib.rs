//! Scan corpora with unspin: JSONL, gzip/zstd, Common Crawl WET and text, in order, in
//! parallel, never losing a record.
//!
//! `unspin scan` reads records, checks each one with a [`Detector`] on every core, and writes
//! the same records in the same order with an annotation added:
//!
//! ```text
//! {"id": 7, "text": "The inventory market fell.", "unspin": {"score": 0.93, "verdict": "spun", "words": 4}}
//! ```
//!
//! Every input record yields exactly one output line: its annotated record, or an error record
//! that says where it was and what was wrong (`{"error": "...", "source": "...", "line": 12}`).
//! File outputs appear under their real names only when complete, and a killed scan continues
//! with `--resume` (see [`ScanArgs::resume`]).
//!
//! ```
//! use unspin_core::{fixture, Detector};
//! use unspin_scan::{scan, ScanArgs};
//!
//! let dir = tempfile::tempdir()?;
//! let input = dir.path().join("in.jsonl");
//! std::fs::write(&input, "{\"text\": \"The inventory market fell sharply on Monday.\"}\n{\"oops\": 1}\n")?;
//! let output = dir.path().join("out.jsonl.gz");
//! let args = ScanArgs::try_parse_from([input.as_os_str(), "-o".as_ref(), output.as_os_str(), "--quiet".as_ref()])?;
//! let summary = scan(&args, &Detector::new(fixture::tiny_model()))?;
//! assert_eq!((summary.totals.records, summary.totals.scored, summary.totals.errors), (2, 1, 1));
//! assert!(output.exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod format;
mod input;
mod output;
mod pipeline;
mod process;

pub use format::{parse_size, Compression, Format};

use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use unspin_core::Detector;

/// Errors that stop a scan. Problems with single records never do: they become error records.
///
/// ```
/// # use unspin_core::{fixture, Detector};
/// let args = unspin_scan::ScanArgs::try_parse_from(["-", "--resume"]).unwrap();
/// let err = unspin_scan::scan(&args, &Detector::new(fixture::tiny_model())).unwrap_err();
/// assert!(matches!(err, unspin_scan::Error::Usage(_)));
/// ```
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
    /// Arguments that do not make a scan.
    #[error("{0}")]
    Usage(String),
    /// An interrupted scan cannot be resumed.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// `unspin scan` arguments.
///
/// ```
/// let args = unspin_scan::ScanArgs::try_parse_from(["crawl/", "--split", "kept.jsonl.zst", "removed.jsonl.zst", "--threshold", "0.8"]).unwrap();
/// assert_eq!(args.split.as_ref().unwrap().len(), 2);
/// assert_eq!(args.field, "text");
/// ```
#[derive(Clone, Debug, clap::Args)]
pub struct ScanArgs {
    /// Inputs: JSONL, Common Crawl WET or text files, plain or compressed with gzip or zstd;
    /// directories of them (recursively, in sorted order); `-` for standard input (JSONL
    /// unless --format says otherwise).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Write the annotated records to this file (compressed when it ends in .gz or .zst)
    /// instead of standard output. It appears under this name only when complete.
    #[arg(short, long, value_name = "OUTPUT")]
    pub output: Option<PathBuf>,

    /// Write records scoring below --threshold to KEPT and all others, error records
    /// included, to REMOVED.
    #[arg(long, num_args = 2, value_names = ["KEPT", "REMOVED"], conflicts_with = "output")]
    pub split: Option<Vec<PathBuf>>,

    /// With --split: the score from which records are removed [default: the model's spun
    /// threshold].
    #[arg(long, requires = "split", value_name = "T")]
    pub threshold: Option<f64>,

    /// Input format for every input, instead of guessing it from file names.
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// JSONL: the field that holds the text: a top-level key, or a JSON Pointer such as
    /// /doc/body for nested text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub field: String,

    /// The key of the object added to each record (an existing one is replaced in place). With
    /// WET or text inputs, not one of their fields: id, url, date, text.
    #[arg(long, default_value = "unspin", value_name = "NAME")]
    pub key: String,

    /// Add the suspicious spans (offsets are bytes into the text).
    #[arg(long)]
    pub spans: bool,

    /// Add the restored text.
    #[arg(long)]
    pub restore: bool,

    /// WET and text inputs: include each document's text in its output record (JSONL records
    /// always keep theirs).
    #[arg(long)]
    pub with_text: bool,

    /// Largest record (JSONL line, WET record or text file) that is checked; larger ones
    /// become error records and are never held in memory. Units: KB, MB, GB, KiB, MiB, GiB.
    #[arg(long, default_value = "10MB", value_parser = parse_size, value_name = "SIZE")]
    pub max_bytes: u64,

    /// Exit 0 even when some records could not be checked (they are still error records in
    /// the output and in the summary).
    #[arg(long)]
    pub keep_going: bool,

    /// Continue an interrupted scan with the same arguments from its last checkpoint (a few
    /// seconds before it stopped), without gaps or duplicates. Without an interrupted scan to
    /// continue, starts from the beginning.
    #[arg(long)]
    pub resume: bool,

    /// No progress bar, no summary, no warnings.
    #[arg(short, long)]
    pub quiet: bool,

    /// Checking threads [default: one per core, or RAYON_NUM_THREADS].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Also write the summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub stats: Option<PathBuf>,

    /// Seconds between checkpoints of file outputs.
    #[arg(long, default_value_t = 5.0, hide = true)]
    pub checkpoint_secs: f64,

    /// Testing: stop as a killed scan would (output buffers lost, nothing renamed) once this
    /// many records are written, and fail.
    #[arg(long, hide = true, value_name = "N")]
    pub abort_after: Option<u64>,
}

impl ScanArgs {
    /// Parses scan arguments as the command line gives them (without `unspin scan`).
    ///
    /// ```
    /// let a = unspin_scan::ScanArgs::try_parse_from(["-", "--field", "/doc/body", "--spans"]).unwrap();
    /// assert!(a.spans && a.output.is_none());
    /// assert!(unspin_scan::ScanArgs::try_parse_from(["x.jsonl", "--max-bytes", "lots"]).is_err());
    /// ```
    pub fn try_parse_from<I, T>(args: I) -> Result<ScanArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        #[derive(clap::Parser)]
        struct P {
            #[command(flatten)]
            a: ScanArgs,
        }
        use clap::Parser;
        let argv = std::iter::once(OsString::from("scan")).chain(args.into_iter().map(Into::into));
        P::try_parse_from(argv).map(|p| p.a)
    }
}

/// Record counts. `records == scored + errors` always, and with a split
/// `records == kept + removed`.
///
/// ```
/// # use unspin_core::{fixture, Detector};
/// let dir = tempfile::tempdir()?;
/// let input = dir.path().join("in.jsonl");
/// std::fs::write(&input, "{\"text\": \"The inventory market fell sharply on Monday.\"}\n{\"text\": 5}\n")?;
/// let (kept, removed) = (dir.path().join("kept.jsonl"), dir.path().join("removed.jsonl"));
/// let args = unspin_scan::ScanArgs::try_parse_from([
///     input.as_os_str(), "--split".as_ref(), kept.as_os_str(), removed.as_os_str(), "-q".as_ref()])?;
/// let t = unspin_scan::scan(&args, &Detector::new(fixture::tiny_model()))?.totals;
/// assert_eq!((t.records, t.scored, t.errors), (2, 1, 1));
/// assert_eq!(t.kept + t.removed, t.records);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Input records (one output line each).
    pub records: u64,
    /// Records checked.
    pub scored: u64,
    /// Records checked with the verdict "spun".
    pub spun: u64,
    /// Error records.
    pub errors: u64,
    /// With a split: records written to KEPT.
    pub kept: u64,
    /// With a split: records written to REMOVED.
    pub removed: u64,
    /// Bytes of the records as read (uncompressed).
    pub record_bytes: u64,
    /// Bytes of the texts checked.
    pub text_bytes: u64,
}

impl Stats {
    fn count(&mut self, o: &process::Out, kept: Option<bool>) {
        self.records += 1;
        self.record_bytes += o.record_bytes;
        self.text_bytes += o.text_bytes;
        match o.class {
            process::Class::Scored { spun, .. } => {
                self.scored += 1;
                self.spun += spun as u64;
            }
            process::Class::Error => self.errors += 1,
        }
        match kept {
            Some(true) => self.kept += 1,
            Some(false) => self.removed += 1,
            None => {}
        }
    }
}

/// What a scan did.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Counts for the whole output, including what an interrupted run did before `--resume`.
    pub totals: Stats,
    /// Counts for this run only.
    pub session: Stats,
    /// Records done by the interrupted run that this one resumed (0 for a fresh scan).
    pub resumed_after: u64,
    /// Wall-clock seconds of this run.
    pub seconds: f64,
    /// Checking threads.
    pub threads: usize,
    /// Input files (or standard input) read.
    pub sources: usize,
    /// Files in input directories that were left out (unknown format or hidden).
    pub skipped_files: usize,
    /// The outputs written (none for standard output).
    pub outputs: Vec<PathBuf>,
    /// The split threshold, with `--split`.
    pub threshold: Option<f64>,
}

impl Summary {
    /// The summary for people, as printed on standard error at the end of a scan.
    ///
    /// ```text
    /// unspin scan: 80735 records: 80735 scored (8423 spun, 10.4%), 0 errors
    ///   output: scored.jsonl.zst
    ///   199.9 MB in 434.0 s on 2 threads: 186.0 docs/s, 0.46 MB/s (0.23 MB/s per thread)
    /// ```
    pub fn to_text(&self) -> String {
        let t = &self.totals;
        let s = &self.session;
        let secs = self.seconds.max(1e-9);
        let pct = |n: u64, d: u64| 100.0 * n as f64 / d.max(1) as f64;
        let mut out = format!(
            "unspin scan: {} records: {} scored ({} spun, {:.1}%), {} errors\n",
            t.records,
            t.scored,
            t.spun,
            pct(t.spun, t.scored),
            t.errors
        );
        if let (Some(th), [kept, removed]) = (self.threshold, &self.outputs[..]) {
            out += &format!(
                "  kept {} (score < {th}) in {}; removed {} in {}\n",
                t.kept,
                kept.display(),
                t.removed,
                removed.display()
            );
        } else if let [o] = &self.outputs[..] {
            out += &format!("  output: {}\n", o.display());
        }
        let mb = s.record_bytes as f64 / 1e6;
        out += &format!(
            "  {:.1} MB in {:.1} s on {} threads: {:.1} docs/s, {:.2} MB/s ({:.2} MB/s per thread)\n",
            mb,
            self.seconds,
            self.threads,
            s.records as f64 / secs,
            mb / secs,
            mb / secs / self.threads.max(1) as f64
        );
        if self.resumed_after > 0 {
            out += &format!(
                "  resumed after {} records done earlier; this run did {}\n",
                self.resumed_after, s.records
            );
        }
        out
    }
}

/// Scans as `unspin scan` does, without printing the summary. Progress and warnings go to
/// standard error unless `--quiet`.
///
/// ```
/// # use unspin_core::{fixture, Detector};
/// let dir = tempfile::tempdir()?;
/// let input = dir.path().join("a.txt");
/// std::fs::write(&input, "She mentioned the inventory market fell.")?;
/// let out = dir.path().join("out.jsonl");
/// let args = unspin_scan::ScanArgs::try_parse_from([input.as_os_str(), "-o".as_ref(), out.as_os_str(), "-q".as_ref()])?;
/// let s = unspin_scan::scan(&args, &Detector::new(fixture::tiny_model()))?;
/// assert_eq!(s.totals.scored, 1);
/// assert!(std::fs::read_to_string(&out)?.starts_with(r#"{"id":""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scan(args: &ScanArgs, det: &Detector) -> Result<Summary, Error> {
    let started = Instant::now();
    let outputs: Vec<PathBuf> = match (&args.split, &args.output) {
        (Some(s), _) => s.clone(),
        (None, Some(o)) => vec![o.clone()],
        (None, None) => Vec::new(),
    };
    if outputs.is_empty() && args.resume {
        return Err(Error::Usage(
            "--resume needs file outputs (-o or --split): standard output cannot be resumed".into(),
        ));
    }
    if outputs.len() == 2 && outputs[0] == outputs[1] {
        return Err(Error::Usage("--split needs two different files".into()));
    }
    // An output is written under another name and renamed over its own when complete, which
    // would put a plain file in the place of a device such as /dev/null, or of a pipe.
    if let Some(o) = outputs
        .iter()
        .find(|o| std::fs::metadata(o).is_ok_and(|m| !m.is_file()))
    {
        return Err(Error::Usage(format!(
            "{}: not a regular file; scan writes each output file whole and renames it into \
             place, so it cannot write to a device, a pipe or a directory (leave out -o to \
             write to standard output)",
            o.display()
        )));
    }
    if !args.checkpoint_secs.is_finite() || args.checkpoint_secs <= 0.0 {
        return Err(Error::Usage("--checkpoint-secs must be positive".into()));
    }
    let threshold = args
        .split
        .as_ref()
        .map(|_| args.threshold.unwrap_or(det.params().spun_threshold as f64));
    let (mut sources, skipped) = input::resolve(&args.inputs, args.format)?;
    if sources.iter().any(|s| s.format != Format::Jsonl)
        && ["id", "url", "date", "text"].contains(&args.key.as_str())
    {
        return Err(Error::Usage(format!(
            "--key {}: WET and text records already have a field of that name",
            args.key
        )));
    }
    // A scan re-run into a directory it reads must not read its own earlier output.
    let out_ids: Vec<PathBuf> = outputs
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    sources.retain(|s| {
        let id = s.path.as_ref().and_then(|p| p.canonicalize().ok());
        !matches!(id, Some(c) if out_ids.contains(&c))
    });
    let warn = |msg: &str| {
        if !args.quiet {
            eprintln!("unspin scan: {msg}");
        }
    };
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        warn(&format!(
            "left out {} files of unknown format or hidden in input directories ({}{}); --format reads them",
            skipped.len(),
            shown.join(", "),
            if skipped.len() > 3 { ", ..." } else { "" }
        ));
    }

    let ctx = Arc::new(process::Ctx::new(args, det));
    let config = config(args, &sources, &outputs, threshold, det);

    // Where the lines go, and what an interrupted run already did.
    let mut prior = output::Checkpoint::default();
    let dest = if outputs.is_empty() {
        pipeline::Dest::Stdout(BufWriter::with_capacity(
            256 * 1024,
            std::io::stdout().lock(),
        ))
    } else {
        let jpath = output::journal_path(&outputs[0]);
        let partials_exist = outputs.iter().any(|o| output::partial_path(o).exists());
        let state = if args.resume && jpath.exists() {
            let st = output::Journal::load(&jpath)?;
            if st.is_none() {
                warn("the interrupted scan stopped before its first checkpoint: starting from the beginning");
            }
            st
        } else {
            if args.resume {
                warn("nothing to resume: starting from the beginning");
            } else if jpath.exists() || partials_exist {
                warn(
                    "discarding the partial output of an interrupted scan (--resume continues it)",
                );
            }
            None
        };
        match state {
            Some(st) => {
                if st.config != config {
                    return Err(Error::Resume(format!(
                        "{} belongs to a different scan ({}); run without --resume to start over",
                        jpath.display(),
                        differences(&st.config, &config)
                    )));
                }
                prior = st.last;
                if prior.lens.len() != outputs.len() {
                    return Err(Error::Resume(format!(
                        "{} is inconsistent",
                        jpath.display()
                    )));
                }
                if prior.done {
                    // Killed while renaming: finish the renames.
                    for o in &outputs {
                        let p = output::partial_path(o);
                        if p.exists() {
                            std::fs::rename(&p, o).map_err(|e| Error::io(o, e))?;
                        }
                    }
                    std::fs::remove_file(&jpath).map_err(|e| Error::io(&jpath, e))?;
                    return Ok(Summary {
                        session: Stats::default(),
                        resumed_after: prior.records,
                        totals: prior.stats,
                        seconds: started.elapsed().as_secs_f64(),
                        threads: 0,
                        sources: sources.len(),
                        skipped_files: skipped.len(),
                        outputs,
                        threshold,
                    });
                }
                let files = outputs
                    .iter()
                    .zip(&prior.lens)
                    .map(|(o, &len)| output::OutFile::reopen(o, len))
                    .collect::<Result<Vec<_>, _>>()?;
                pipeline::Dest::Files {
                    files,
                    journal: output::Journal::reopen(&jpath)?,
                    split: threshold,
                }
            }
            None => {
                let files = outputs
                    .iter()
                    .map(|o| output::OutFile::create(o))
                    .collect::<Result<Vec<_>, _>>()?;
                pipeline::Dest::Files {
                    files,
                    journal: output::Journal::create(&jpath, &config, outputs.len())?,
                    split: threshold,
                }
            }
        }
    };

    let mut builder = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("unspin-scan-{i}"));
    if let Some(n) = args.threads {
        builder = builder.num_threads(n);
    }
    let pool = builder
        .build()
        .map_err(|e| Error::Internal(format!("cannot start threads: {e}")))?;
    let total_size = sources.iter().map(|s| s.size).sum::<Option<u64>>();
    let progress = pipeline::Progress::new(total_size, !args.quiet);
    if prior.records > 0 {
        progress.println(&format!(
            "unspin scan: resuming after {} records",
            prior.records
        ));
    }
    let mut totals = prior.stats.clone();
    let mut session = Stats::default();
    let mut dest = dest;
    let res = pipeline::run(
        pipeline::Plan {
            sources: &sources,
            read: input::ReadOpts {
                max_bytes: args.max_bytes,
            },
            skip: prior.records,
            pool: &pool,
            ctx,
            checkpoint_every: Duration::from_secs_f64(args.checkpoint_secs),
            abort_after: args.abort_after,
        },
        &mut dest,
        &mut totals,
        &mut session,
        &progress,
    );
    progress.finish();
    if res.is_err() && args.abort_after.is_some() {
        // As after a kill: what sits in buffers never reaches the files.
        std::mem::forget(dest);
        return res.map(|_| unreachable!());
    }
    res?;
    dest.finish(totals.records, &totals)?;
    Ok(Summary {
        resumed_after: prior.records,
        totals,
        session,
        seconds: started.elapsed().as_secs_f64(),
        threads: pool.current_num_threads(),
        sources: sources.len(),
        skipped_files: skipped.len(),
        outputs,
        threshold,
    })
}

/// Reading and checking records held in memory, one after the other, exactly as a scan reads
/// and checks them but without threads or files: for the fuzz targets (`fuzz/src/io.rs`) and
/// tests. Not a stable API.
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// One output line (without its line break) and whether it is an error record.
    #[derive(Clone, Debug)]
    pub struct Line {
        /// The line.
        pub line: Vec<u8>,
        /// Whether it is an error record.
        pub error: bool,
    }

    /// Reads `data` (plain, gzip or zstd) as a source named `name` in `format`, with the
    /// options of `args` (its inputs and outputs are ignored), and returns every output line in
    /// order with the counts a scan would report.
    pub fn lines(
        data: &[u8],
        name: &str,
        format: Format,
        args: &ScanArgs,
        det: &Detector,
    ) -> (Vec<Line>, Stats) {
        let ctx = process::Ctx::new(args, det);
        let src = input::Source {
            path: None,
            name: Arc::from(name),
            format,
            size: Some(data.len() as u64),
        };
        let mut out = Vec::new();
        let mut stats = Stats::default();
        let opts = input::ReadOpts {
            max_bytes: args.max_bytes,
        };
        input::read_bytes(&src, data, opts, &mut |item| {
            let o = process::process(item, &ctx);
            stats.count(&o, None);
            out.push(Line {
                error: o.class == process::Class::Error,
                line: o.line,
            });
            true
        });
        (out, stats)
    }
}

/// Everything that decides what a scan writes: a resumed scan must match it exactly.
fn config(
    args: &ScanArgs,
    sources: &[input::Source],
    outputs: &[PathBuf],
    threshold: Option<f64>,
    det: &Detector,
) -> serde_json::Value {
    let inputs: Vec<serde_json::Value> = sources
        .iter()
        .map(|s| {
            let meta = s.path.as_ref().and_then(|p| std::fs::metadata(p).ok());
            let mtime = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as u64);
            serde_json::json!({
                "name": &*s.name,
                "format": s.format.name(),
                "size": meta.map(|m| m.len()),
                "mtime_ns": mtime,
            })
        })
        .collect();
    serde_json::json!({
        "inputs": inputs,
        "outputs": outputs,
        "field": args.field,
        "key": args.key,
        "spans": args.spans,
        "restore": args.restore,
        "with_text": args.with_text,
        "max_bytes": args.max_bytes,
        "threshold": threshold,
        "model": format!("{} bytes, params {:016x}", det.model().size(), fnv1a(det.params().to_text().as_bytes())),
    })
}

/// Names the top-level keys on which two configurations differ.
fn differences(a: &serde_json::Value, b: &serde_json::Value) -> String {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return "unreadable configuration".into();
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let diff: Vec<&str> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.as_str())
        .collect();
    format!("it differs in: {}", diff.join(", "))
}

/// A stable hash (std's `DefaultHasher` may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Runs `unspin scan`: scans, prints the summary on standard error (unless `--quiet`), writes
/// `--stats`. Returns the process exit code: 1 when some records were error records and
/// `--keep-going` was not given, else 0.
///
/// ```no_run
/// # let det = unspin_core::Detector::new(unspin_core::fixture::tiny_model());
/// let args = unspin_scan::ScanArgs::try_parse_from(["corpus/", "-o", "scored.jsonl.zst"]).unwrap();
/// std::process::exit(unspin_scan::run(&args, &det)?);
/// # Ok::<(), unspin_scan::Error>(())
/// ```
pub fn run(args: &ScanArgs, det: &Detector) -> Result<i32, Error> {
    let s = scan(args, det)?;
    if !args.quiet {
        eprint!("{}", s.to_text());
    }
    if let Some(p) = &args.stats {
        let text = serde_json::to_string_pretty(&s).expect("a summary serializes");
        std::fs::write(p, text + "\n").map_err(|e| Error::io(p, e))?;
    }
    let failed = s.totals.errors > 0 && !args.keep_going;
    if failed && !args.quiet {
        let wher = match &s.outputs[..] {
            [] => "in the output".to_string(),
            [o] => format!("in {}", o.display()),
            [_, r] => format!("in {}", r.display()),
            _ => unreachable!("one or two outputs"),
        };
        eprintln!(
            "unspin scan: {} records could not be checked: see the \"error\" records {wher}; \
             exit status 1 (--keep-going exits 0)",
            s.totals.errors
        );
    }
    Ok(if failed { 1 } else { 0 })
}
