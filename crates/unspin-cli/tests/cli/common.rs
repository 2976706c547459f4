//! Helpers shared by the CLI tests: running the binary, the fixture model, validating reports.

use serde::Deserialize;
use serde_json::Value;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Exit code of `unspin` for bad input (and of clap for usage errors).
pub const EXIT_BAD_INPUT: i32 = 2;

/// The subcommands that read a document, with their arguments before the file.
pub const READERS: &[&[&str]] = &[
    &["check"],
    &["check", "--json"],
    &["restore"],
    &["restore", "--diff"],
    &["perplexity"],
];

/// The `unspin` binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_unspin")
}

/// What a finished `unspin` process left behind.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    /// Standard output as UTF-8 (every `unspin` output is UTF-8).
    pub fn stdout(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("unspin printed invalid UTF-8")
    }

    /// Asserts exit 0 and returns `self`.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "unspin failed\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.stderr,
            String::from_utf8_lossy(&self.stdout)
        );
        self
    }

    /// Asserts the bad-input contract: exit 2, nothing on standard output, and one message
    /// `unspin: ...` on standard error that contains every one of `needles`.
    #[track_caller]
    pub fn bad_input(&self, needles: &[&str]) {
        assert_eq!(
            self.code,
            Some(EXIT_BAD_INPUT),
            "expected exit 2\n--- stderr ---\n{}",
            self.stderr
        );
        assert!(
            self.stdout.is_empty(),
            "nothing should be printed on stdout, got {:?}",
            String::from_utf8_lossy(&self.stdout)
        );
        assert!(
            self.stderr.starts_with("unspin: "),
            "stderr should start with `unspin: `: {:?}",
            self.stderr
        );
        assert!(
            !self.stderr.contains("panicked"),
            "unspin panicked: {}",
            self.stderr
        );
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr should mention {n:?}: {:?}",
                self.stderr
            );
        }
    }
}

/// Runs `unspin` with `args`, `stdin` on its standard input, and a clean environment
/// (no `UNSPIN_MODEL`, no colour).
pub fn run<I, S>(args: I, stdin: &[u8]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_env(args, stdin, &[])
}

/// [`run`] with extra environment variables.
pub fn run_env<I, S>(args: I, stdin: &[u8], env: &[(&str, &OsStr)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env_remove("UNSPIN_MODEL")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cannot start unspin");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Write from another thread so that a large input cannot deadlock against a full stdout.
    let writer = std::thread::spawn(move || {
        // unspin may exit before reading (e.g. on a bad model); a broken pipe is fine then.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("cannot wait for unspin");
    writer.join().unwrap();
    Output {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The fixture model (`unspin_core::fixture`) written to a file, once per test process.
///
/// It lives in Cargo's per-target temporary directory under a fixed name and is replaced
/// atomically, so concurrent test processes never see a half-written file.
pub fn fixture_model() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("unspin-cli-fixture.unspin");
        let tmp = dir.join(format!(
            "unspin-cli-fixture.unspin.{}.tmp",
            std::process::id()
        ));
        std::fs::write(&tmp, unspin_core::fixture::tiny_model_bytes()).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        path
    })
}

/// Arguments that select the fixture model, followed by `args`.
pub fn with_fixture<'a>(args: &[&'a OsStr]) -> Vec<&'a OsStr> {
    let mut v: Vec<&OsStr> = vec![OsStr::new("--model"), fixture_model().as_os_str()];
    v.extend_from_slice(args);
    v
}

/// `OsStr` shorthand for argument lists.
pub fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

/// A scratch directory with helpers to create input files.
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Scratch {
        Scratch(tempfile::tempdir().expect("cannot create a temporary directory"))
    }

    /// Writes `bytes` to `name` in the scratch directory and returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// The scratch directory itself.
    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// One span of a `check --json` report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub suggestion: Option<String>,
    pub confidence: f64,
    pub kind: String,
    pub evidence: String,
}

/// One `check --json` line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub path: String,
    pub score: f64,
    pub verdict: String,
    pub words: u64,
    pub spans: Vec<Span>,
}

impl Report {
    /// The first span that `found` picks, or a panic naming `what` with the whole report.
    #[track_caller]
    pub fn span(&self, what: &str, found: impl Fn(&Span) -> bool) -> &Span {
        self.spans
            .iter()
            .find(|s| found(s))
            .unwrap_or_else(|| panic!("{what}: {self:#?}"))
    }
}

const REPORT_KEYS: [&str; 5] = ["path", "score", "spans", "verdict", "words"];
const SPAN_KEYS: [&str; 7] = [
    "confidence",
    "end",
    "evidence",
    "kind",
    "start",
    "suggestion",
    "text",
];

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("expected a JSON object, got {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

/// Parses one `check --json` line and checks it against `input`: exactly the documented keys
/// with the documented types and ranges, and spans that are in order, do not overlap, lie on
/// character boundaries and whose `text` is the input between their byte offsets.
#[track_caller]
pub fn parse_report(line: &str, input: &str) -> Report {
    let v: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
    assert_eq!(keys(&v), REPORT_KEYS, "report keys in {line}");
    for s in v["spans"].as_array().expect("spans is an array") {
        assert_eq!(keys(s), SPAN_KEYS, "span keys in {s}");
        assert!(
            s["suggestion"].is_null() || s["suggestion"].is_string(),
            "suggestion is a string or null: {s}"
        );
    }
    let r: Report = serde_json::from_value(v).expect("report fields have the documented types");
    assert!(
        (0.0..=1.0).contains(&r.score),
        "score {} in [0, 1]",
        r.score
    );
    assert!(
        ["spun", "clean", "unsure"].contains(&r.verdict.as_str()),
        "verdict {:?}",
        r.verdict
    );
    let mut prev_end = 0;
    for s in &r.spans {
        assert!(
            s.start < s.end && s.end <= input.len(),
            "span {}..{} inside the input ({} bytes)",
            s.start,
            s.end,
            input.len()
        );
        assert!(
            s.start >= prev_end,
            "spans are in order and disjoint: {:?}",
            r.spans
        );
        assert!(
            input.is_char_boundary(s.start) && input.is_char_boundary(s.end),
            "span {}..{} on character boundaries",
            s.start,
            s.end
        );
        assert_eq!(
            &input[s.start..s.end],
            s.text,
            "span text is the input at its offsets"
        );
        assert!(
            (0.0..=1.0).contains(&s.confidence),
            "confidence {}",
            s.confidence
        );
        assert!(
            ["substitution", "fingerprint", "artifact"].contains(&s.kind.as_str()),
            "kind {:?}",
            s.kind
        );
        if let Some(sug) = &s.suggestion {
            assert!(!sug.is_empty(), "an empty suggestion: {s:?}");
        }
        prev_end = s.end;
    }
    r
}

/// Runs `check --json` on `input` through standard input and returns the validated report.
#[track_caller]
pub fn check_stdin(model_args: &[&OsStr], input: &str) -> Report {
    let mut args = model_args.to_vec();
    args.extend([os("check"), os("--json"), os("-")]);
    let out = run(&args, input.as_bytes());
    out.ok();
    let lines: Vec<&str> = out.stdout().lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one JSON line per document: {:?}",
        out.stdout()
    );
    parse_report(lines[0], input)
}

/// The text with every span that has a suggestion replaced by it: what `restore` must print.
pub fn apply(input: &str, spans: &[Span]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for s in spans {
        if let Some(sug) = &s.suggestion {
            out.push_str(&input[pos..s.start]);
            out.push_str(sug);
            pos = s.end;
        }
    }
    out.push_str(&input[pos..]);
    out
}

/// Checks `restore` against `check` on `input`: restore prints exactly the input with the spans
/// that check reports with a suggestion replaced, and every other byte unchanged. Returns the
/// report and the restored text.
#[track_caller]
pub fn assert_restore_consistent(model_args: &[&OsStr], input: &str) -> (Report, String) {
    let report = check_stdin(model_args, input);
    let mut args = model_args.to_vec();
    args.extend([os("restore"), os("-")]);
    let out = run(&args, input.as_bytes());
    out.ok();
    let restored = out.stdout().to_string();
    let expected = apply(input, &report.spans);
    assert_eq!(
        restored, expected,
        "restore must apply exactly the spans that check reports with a suggestion"
    );
    // The same, said byte by byte: the gaps between the applied spans are the input's bytes.
    let mut pos_in = 0;
    let mut pos_out = 0;
    for s in report.spans.iter().filter(|s| s.suggestion.is_some()) {
        let gap = &input.as_bytes()[pos_in..s.start];
        assert_eq!(
            &restored.as_bytes()[pos_out..pos_out + gap.len()],
            gap,
            "bytes before span {}..{} are kept",
            s.start,
            s.end
        );
        pos_out += gap.len() + s.suggestion.as_ref().unwrap().len();
        pos_in = s.end;
    }
    assert_eq!(&restored.as_bytes()[pos_out..], &input.as_bytes()[pos_in..]);
    (report, restored)
}
