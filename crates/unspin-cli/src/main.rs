//! `unspin`: find machine-spun text and put the original words back.

mod eval;
mod input;
mod output;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use unspin_core::{Detector, Model};

#[derive(Parser)]
#[command(
    name = "unspin",
    version,
    about = "Find machine-spun text and put the original words back"
)]
struct Cli {
    /// Model file to use instead of the embedded one (also: UNSPIN_MODEL).
    #[arg(long, global = true, env = "UNSPIN_MODEL")]
    model: Option<PathBuf>,
    /// Override a decoder parameter, as NAME=VALUE (repeatable; `unspin model` lists them).
    #[arg(long = "param", global = true, value_name = "NAME=VALUE")]
    params: Vec<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Score texts and show their suspicious spans with suggestions.
    Check {
        /// One JSON object per document on its own line.
        #[arg(long)]
        json: bool,
        /// Colour: auto, always or never.
        #[arg(long, default_value = "auto")]
        color: output::ColorChoice,
        #[command(flatten)]
        limit: DocLimit,
        /// Files to check; `-` or nothing reads standard input.
        files: Vec<PathBuf>,
    },
    /// Print the text with the spun spans put back; every other byte stays as it was.
    Restore {
        /// Show what changed as a word diff instead of the restored text.
        #[arg(long)]
        diff: bool,
        /// Colour for --diff: auto, always or never.
        #[arg(long, default_value = "auto")]
        color: output::ColorChoice,
        #[command(flatten)]
        limit: DocLimit,
        /// File to restore; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Scan corpora (JSONL, .gz/.zst, Common Crawl WET, text) and add a score to every record.
    Scan(unspin_scan::ScanArgs),
    /// Serve the HTTP API and the web page.
    Serve(unspin_server::ServeArgs),
    /// Build or extend an index of reference documents for `trace`.
    #[command(subcommand)]
    Index(unspin_trace::IndexCmd),
    /// Find the sources of spun copies in an index.
    Trace(unspin_trace::TraceArgs),
    /// Show what is in the model, or the originals it can propose for a phrase.
    Model {
        /// Lists the originals the lexicon holds for this (spun) word or phrase, in the order the
        /// decoder tries them (only the first `max_candidates` are scored, and the word's own
        /// forms, which come last), with their prior log10 P(spun | original) and sources. `-`
        /// reads phrases from standard input, one per line, and lists each in turn.
        #[arg(long, value_name = "PHRASE")]
        candidates: Option<String>,
    },
    /// Plain perplexity pass with the model's trigram LM (the speed baseline).
    Perplexity {
        #[command(flatten)]
        limit: DocLimit,
        /// File to score; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Write the model's trigram LM as an ARPA file (for KenLM baselines).
    #[command(hide = true)]
    ExportArpa {
        /// Output file.
        out: PathBuf,
    },
    /// Measure restoration and detection on development sets (see bench/).
    #[command(hide = true)]
    Eval {
        /// Clean texts (JSONL with "text").
        #[arg(long)]
        clean: Option<PathBuf>,
        /// Records per file at most.
        #[arg(long, default_value_t = usize::MAX)]
        limit: usize,
        /// Write every change considered, with its features and label, as JSON lines.
        #[arg(long)]
        dump: Option<PathBuf>,
        /// Write every phrase the decoder expands, with its gate features and whether a right
        /// change was applied there, as JSON lines (for bench/fit_gate.py).
        #[arg(long)]
        gate_dump: Option<PathBuf>,
        /// Report how often the candidate generator can reach the gold originals instead.
        #[arg(long)]
        coverage: bool,
        /// With --coverage: write every gold span's candidates with their rank features.
        #[arg(long, requires = "coverage")]
        rank_dump: Option<PathBuf>,
        /// Spun texts with gold spans (JSONL with "spun" and "spans").
        spun: Vec<PathBuf>,
    },
}

/// The document size limit of the commands that read whole documents.
#[derive(clap::Args)]
struct DocLimit {
    /// Refuse documents larger than this many bytes (K, M and G suffixes work); memory grows
    /// with the document, about 22 bytes per byte.
    #[arg(long, value_name = "BYTES", default_value = "64M", value_parser = input::parse_size)]
    max_doc_bytes: usize,
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        // `unspin ... | head` closes the pipe early: that is the reader's choice, not an error.
        let broken_pipe = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            std::process::exit(0);
        }
        eprintln!("unspin: {e:#}");
        std::process::exit(2);
    }
}

/// Loads the model: `--model`, else the one embedded at build time.
pub fn load_model(path: Option<&PathBuf>) -> Result<Model> {
    if let Some(p) = path {
        if p.is_dir() {
            anyhow::bail!(
                "cannot load model {}: is a directory, not a model file",
                p.display()
            );
        }
        return Model::open(p).with_context(|| format!("cannot load model {}", p.display()));
    }
    embedded()
}

#[cfg(embedded_model)]
fn embedded() -> Result<Model> {
    static BYTES: &[u8] = include_bytes!(env!("UNSPIN_EMBEDDED_MODEL_PATH"));
    Model::from_bytes(unspin_core::Bytes::from_static(BYTES))
        .context("the embedded model is corrupt")
}

#[cfg(not(embedded_model))]
fn embedded() -> Result<Model> {
    anyhow::bail!(
        "no model: this binary was built without one. Run `scripts/setup.sh` (it fetches the data, builds \
         models/default.unspin and rebuilds unspin with it embedded), or pass --model PATH"
    )
}

/// A detector over the chosen model, with `--param` overrides applied.
fn detector(cli: &Cli) -> Result<Detector> {
    let model = load_model(cli.model.as_ref())?;
    let mut params = model.params().clone();
    for kv in &cli.params {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("--param {kv:?}: expected NAME=VALUE"))?;
        let v: f32 = v
            .parse()
            .with_context(|| format!("--param {kv:?}: {v:?} is not a number"))?;
        params
            .set(k, v)
            .with_context(|| format!("--param {kv:?}"))?;
    }
    Ok(Detector::with_params(model, params))
}

fn run(cli: Cli) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match &cli.cmd {
        Cmd::Check {
            json,
            color,
            files,
            limit,
        } => {
            let det = detector(&cli)?;
            let inputs = if files.is_empty() {
                vec![PathBuf::from("-")]
            } else {
                files.clone()
            };
            let color = color.enabled();
            // A bad input is reported and skipped, as grep does; the exit status says so at the end.
            let mut failed = 0;
            for f in &inputs {
                let doc = match input::read(f, limit.max_doc_bytes) {
                    Ok(d) => d,
                    Err(e) => {
                        out.flush()?;
                        eprintln!("unspin: {e:#}");
                        failed += 1;
                        continue;
                    }
                };
                let report = det.check(&doc.text);
                if *json {
                    output::json_line(&mut out, &doc.name, &report)?;
                } else {
                    // A text long enough for a verdict that is unsure for its length: say
                    // what score it would need.
                    let bar = (report.verdict == unspin_core::Verdict::Unsure
                        && report.words as f32 >= det.params().min_words)
                        .then(|| det.spun_bar(report.words));
                    output::human(&mut out, &doc.name, &doc.text, &report, bar, color)?;
                }
            }
            if failed > 0 {
                out.flush()?;
                anyhow::bail!("{failed} of {} inputs could not be read", inputs.len());
            }
        }
        Cmd::Restore {
            diff,
            color,
            file,
            limit,
        } => {
            let det = detector(&cli)?;
            let doc = input::read(
                file.as_deref().unwrap_or(std::path::Path::new("-")),
                limit.max_doc_bytes,
            )?;
            let report = det.check(&doc.text);
            if *diff {
                output::word_diff(&mut out, &doc.text, &report, color.enabled())?;
            } else {
                out.write_all(
                    unspin_core::report::apply_spans(&doc.text, &report.spans).as_bytes(),
                )?;
            }
        }
        Cmd::Eval {
            coverage: true,
            limit,
            spun,
            rank_dump,
            ..
        } => {
            eval::coverage(&detector(&cli)?, spun, *limit, rank_dump.as_ref(), &mut out)?;
        }
        Cmd::Eval {
            clean,
            limit,
            dump,
            gate_dump,
            spun,
            ..
        } => {
            let mut det = detector(&cli)?;
            det.record_expansions(gate_dump.is_some());
            let dumps = eval::Dumps {
                changes: dump.as_ref(),
                gate: gate_dump.as_ref(),
            };
            eval::run(&det, spun, clean.as_ref(), *limit, dumps, &mut out)?;
        }
        Cmd::Scan(args) => {
            let det = detector(&cli)?;
            let code = unspin_scan::run(args, &det)?;
            out.flush()?;
            if code != 0 {
                std::process::exit(code);
            }
        }
        Cmd::Serve(args) => unspin_server::run(args, detector(&cli)?)?,
        Cmd::Index(cmd) => unspin_trace::run_index(cmd, &detector(&cli)?)?,
        Cmd::Trace(args) => unspin_trace::run_trace(args, &detector(&cli)?)?,
        Cmd::ExportArpa { out: path } => {
            let m = load_model(cli.model.as_ref())?;
            let f = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = std::io::BufWriter::new(f);
            if !m.write_arpa(&mut w)? {
                anyhow::bail!("this model's language model has no ARPA form (a fixture model?)");
            }
            w.flush()?;
        }
        Cmd::Perplexity { file, limit } => {
            let m = load_model(cli.model.as_ref())?;
            let doc = input::read(
                file.as_deref().unwrap_or(std::path::Path::new("-")),
                limit.max_doc_bytes,
            )?;
            let (lp, n) = m.log10_prob(&doc.text);
            let ppl = 10f64.powf(-lp / n.max(1) as f64);
            writeln!(
                out,
                "{{\"path\":{},\"words\":{n},\"log10_prob\":{lp:.3},\"perplexity\":{ppl:.3}}}",
                serde_json::to_string(&doc.name)?
            )?;
        }
        Cmd::Model {
            candidates: Some(phrase),
        } => {
            let det = detector(&cli)?;
            if phrase == "-" {
                // Many phrases for one load of the model: a list of words to look into.
                for line in std::io::stdin().lock().lines() {
                    let line = line.context("reading phrases from standard input")?;
                    if !line.trim().is_empty() {
                        list_candidates(&det, &line, &mut out)?;
                    }
                }
            } else {
                list_candidates(&det, phrase, &mut out)?;
            }
        }
        Cmd::Model { candidates: None } => {
            let m = load_model(cli.model.as_ref())?;
            writeln!(out, "size: {} bytes", m.size())?;
            writeln!(out, "phrases: {}", m.lexicon().len())?;
            writeln!(out, "candidate pairs: {}", m.lexicon().candidate_count())?;
            writeln!(out, "fingerprints: {}", m.fingerprint_count())?;
            writeln!(out, "composed fingerprints: {}", m.composed_count())?;
            writeln!(out, "terms for variants: {}", m.term_count())?;
            match m.forest().len() {
                0 => writeln!(out, "change scorer: linear (c_* parameters)")?,
                n => writeln!(out, "change scorer: {n} decision trees")?,
            }
            match m.gate().len() {
                0 => writeln!(
                    out,
                    "expansion gate: none (every suspect phrase is expanded)"
                )?,
                n => writeln!(out, "expansion gate: {n} decision trees")?,
            }
            writeln!(out, "metadata: {}", m.metadata())?;
            for (k, v) in m.params().entries() {
                writeln!(out, "param {k} {v}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Writes the originals the lexicon holds for `phrase` (`unspin model --candidates`).
fn list_candidates(det: &Detector, phrase: &str, out: &mut impl Write) -> Result<()> {
    let lex = det.model().lexicon();
    // Keys are stored normalized, word by word, as the decoder looks them up.
    let mut key = String::new();
    let mut norm = String::new();
    for w in phrase.split_whitespace() {
        unspin_core::tokenize::normalize_word(w, &mut norm);
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&norm);
    }
    let Some(id) = lex.find(&key) else {
        writeln!(
            out,
            "{key:?}: not in the lexicon (no original is ever proposed for it)"
        )?;
        return Ok(());
    };
    let budget = det.params().max_candidates as usize;
    writeln!(out, "{key:?}: {} originals", lex.candidates(id).len())?;
    if lex.is_spinner_phrase(id) {
        writeln!(
            out,
            "  real spinners are seen to write this phrase: it is tried however well it \
                     fits its context"
        )?;
    }
    for (rank, c) in lex.candidates(id).enumerate() {
        let mark = if rank < budget || c.src.is_own_form() {
            ""
        } else {
            "  (beyond max_candidates)"
        };
        writeln!(
            out,
            "{:>3}  {:<30} prior {:>6.2}  {}{mark}",
            rank + 1,
            lex.phrase(c.original),
            c.prior,
            c.src.names().join("+"),
        )?;
    }
    Ok(())
}
