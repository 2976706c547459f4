//! What a check finds: a document score, a verdict and the suspicious spans.

use serde::Serialize;

/// How a span was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// A word or phrase that reads like a thesaurus substitute of a likelier original.
    Substitution,
    /// A known tortured phrase ("counterfeit consciousness" for "artificial intelligence").
    Fingerprint,
    /// Spinner debris such as unresolved spintax (`{the|a}`, `{word}`).
    Artifact,
}

/// The document verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The score is at or above the spun threshold.
    Spun,
    /// The score is below it.
    Clean,
    /// The text is too short to judge.
    Unsure,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Spun => "spun",
            Verdict::Clean => "clean",
            Verdict::Unsure => "unsure",
        })
    }
}

/// One suspicious span of the input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Span {
    /// Byte offset of the span's first byte in the input.
    pub start: usize,
    /// Byte offset one past its last byte.
    pub end: usize,
    /// The span's text, as in the input.
    pub text: String,
    /// The likely original, with the case of the input, or `None` where nothing should replace
    /// the span (it is suspicious, but no original is confident enough).
    pub suggestion: Option<String>,
    /// How sure the engine is that the span was spun (0..1).
    pub confidence: f64,
    /// How the span was found.
    pub kind: SpanKind,
    /// The evidence, for people: which sources propose the original and how much the language
    /// model prefers it.
    pub evidence: String,
}

/// The result of checking one document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Calibrated probability that the text was spun (0..1).
    pub score: f64,
    /// The verdict drawn from the score.
    pub verdict: Verdict,
    /// Number of words in the text.
    pub words: usize,
    /// Suspicious spans, in order, never overlapping.
    pub spans: Vec<Span>,
}

impl Report {
    /// The report for an empty or unjudgeable text.
    pub fn empty(words: usize) -> Report {
        Report {
            score: 0.0,
            verdict: Verdict::Unsure,
            words,
            spans: Vec::new(),
        }
    }
}

/// Replaces every span that has a suggestion and leaves every other byte as it was.
///
/// Spans must be in order and must not overlap (as [`Report::spans`] are).
///
/// ```
/// use unspin_core::report::{apply_spans, Span, SpanKind};
/// let text = "The inventory market fell.";
/// let span = Span { start: 4, end: 20, text: "inventory market".into(), suggestion: Some("stock market".into()),
///                   confidence: 0.9, kind: SpanKind::Substitution, evidence: String::new() };
/// assert_eq!(apply_spans(text, &[span]), "The stock market fell.");
/// ```
pub fn apply_spans(text: &str, spans: &[Span]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut pos = 0;
    for s in spans {
        let Some(sug) = &s.suggestion else { continue };
        // Overlapping or out-of-range spans are skipped rather than sliced backwards.
        if s.start < pos || s.end > text.len() || s.start > s.end {
            continue;
        }
        out.push_str(&text[pos..s.start]);
        out.push_str(sug);
        pos = s.end;
    }
    out.push_str(&text[pos..]);
    out
}
