//! Output for people (highlighted text, word diffs) and for programs (JSON lines).

use anyhow::Result;
use std::io::{IsTerminal, Write};
use unspin_core::{Report, SpanKind};

/// When to colour output.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to emit ANSI colours: `auto` colours a terminal unless NO_COLOR is set.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW_BG: &str = "\x1b[43;30m";
const MAGENTA: &str = "\x1b[35m";
const DIM: &str = "\x1b[2m";

/// One JSON object on one line: `{"path", "score", "verdict", "words", "spans"}`.
pub fn json_line(out: &mut impl Write, path: &str, r: &Report) -> Result<()> {
    // A struct, not `json!`, so the keys come out in the documented order.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        path: &'a str,
        score: f64,
        verdict: unspin_core::Verdict,
        words: usize,
        spans: &'a [unspin_core::Span],
    }
    let v = Line {
        path,
        score: (r.score * 10000.0).round() / 10000.0,
        verdict: r.verdict,
        words: r.words,
        spans: &r.spans,
    };
    serde_json::to_writer(&mut *out, &v)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The score and verdict, then the text with every span marked and its suggestion shown.
/// `bar`: for a text unsure for its length, the score it would need to be called spun.
pub fn human(
    out: &mut impl Write,
    path: &str,
    text: &str,
    r: &Report,
    bar: Option<f64>,
    color: bool,
) -> Result<()> {
    let (b, z) = if color { (BOLD, RESET) } else { ("", "") };
    let changes = r.spans.iter().filter(|s| s.suggestion.is_some()).count();
    let needs = bar.map_or(String::new(), |bar| {
        format!(": a text of {} words is called spun from {bar:.2}", r.words)
    });
    writeln!(
        out,
        "{b}{path}{z}: {b}{}{z} (score {:.2}, {} words, {} suspicious spans, {changes} with a suggestion){needs}",
        r.verdict, r.score, r.words, r.spans.len()
    )?;
    writeln!(out)?;
    let mut pos = 0;
    for s in &r.spans {
        out.write_all(&text.as_bytes()[pos..s.start])?;
        let tag = match s.kind {
            SpanKind::Substitution => "",
            SpanKind::Fingerprint => "tortured: ",
            SpanKind::Artifact => "debris: ",
        };
        match (&s.suggestion, color) {
            (Some(sug), true) => write!(
                out,
                "{YELLOW_BG}{}{RESET}{GREEN}{{{tag}{sug}}}{RESET}",
                s.text
            )?,
            (None, true) => write!(out, "{MAGENTA}{}{RESET}{DIM}{{?}}{RESET}", s.text)?,
            (Some(sug), false) => write!(out, "[{} => {tag}{sug}]", s.text)?,
            (None, false) => write!(out, "[{} => ?]", s.text)?,
        }
        pos = s.end;
    }
    out.write_all(&text.as_bytes()[pos..])?;
    if !text.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(())
}

/// A word diff of the restoration: `[-spun-]{+original+}` (red and green on a terminal).
pub fn word_diff(out: &mut impl Write, text: &str, r: &Report, color: bool) -> Result<()> {
    let mut pos = 0;
    for s in r.spans.iter().filter(|s| s.suggestion.is_some()) {
        out.write_all(&text.as_bytes()[pos..s.start])?;
        let sug = s.suggestion.as_deref().unwrap_or_default();
        if color {
            write!(out, "{RED}[-{}-]{RESET}{GREEN}{{+{sug}+}}{RESET}", s.text)?;
        } else {
            write!(out, "[-{}-]{{+{sug}+}}", s.text)?;
        }
        pos = s.end;
    }
    out.write_all(&text.as_bytes()[pos..])?;
    Ok(())
}
