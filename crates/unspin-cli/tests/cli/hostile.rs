//! Hostile input (issue 7): each case gives a valid result or a clear error, in bounded time
//! and memory.
//!
//! - empty and whitespace-only files; NUL and control bytes (valid UTF-8: text);
//! - binary data and invalid UTF-8: exit 2 with the input's name and the byte offset;
//! - combining marks, right-to-left text, emoji; words of 100,000 characters;
//! - a large single-line document (`UNSPIN_HOSTILE_MB`, 1 MB by default; 100 MB for the
//!   figures in RELIABILITY.md), through the real model when there is one, else the fixture,
//!   with wall time and peak RSS printed;
//! - the document limit (`--max-doc-bytes`): a larger document is refused, naming the input,
//!   the limit and the flag;
//! - regressions: spintax around a tortured phrase (overlapping spans crashed `restore`), many
//!   spintax artifacts (quadratic time), non-finite `--param` values.
//!
//! `UNSPIN_HOSTILE_BIN` runs another binary (e.g. `target/release/unspin`) in the size test.

use crate::common::*;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `--model <fixture>` followed by `args`.
fn fx<'a>(args: &[&'a str]) -> Vec<&'a OsStr> {
    with_fixture(&args.iter().map(|a| os(a)).collect::<Vec<_>>())
}

/// The model arguments of every model to test with: the fixture, and the real model when
/// `models/default.unspin` exists.
fn models() -> Vec<Vec<OsString>> {
    let mut v = vec![vec![
        OsString::from("--model"),
        fixture_model().as_os_str().to_owned(),
    ]];
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default.unspin");
    if real.is_file() {
        v.push(vec!["--model".into(), real.into_os_string()]);
    }
    v
}

fn refs(v: &[OsString]) -> Vec<&OsStr> {
    v.iter().map(OsString::as_os_str).collect()
}

// ---------------------------------------------------------------------------------------------
// The document limit.

#[test]
fn documents_over_the_limit_are_refused() {
    let s = Scratch::new();
    let text = "The inventory market fell sharply. ".repeat(40); // 1,400 bytes
    let big = s.file("big.txt", &text);
    for cmd in [&["check", "--json"][..], &["restore"], &["perplexity"]] {
        let mut args = fx(cmd);
        args.extend([os("--max-doc-bytes"), os("1K"), big.as_os_str()]);
        run(args, b"").bad_input(&["big.txt", "limit of 1024 bytes", "--max-doc-bytes"]);
        // The same on standard input.
        run(
            fx(&[cmd, &["--max-doc-bytes", "1K", "-"]].concat()),
            text.as_bytes(),
        )
        .bad_input(&["-: document larger than the limit"]);
        // At the limit exactly, the document is read.
        let mut args = fx(cmd);
        let n = text.len().to_string();
        args.extend([os("--max-doc-bytes"), os(&n), big.as_os_str()]);
        run(args, b"").ok();
    }
    // A bad size is a usage error.
    let out = run(fx(&["check", "--max-doc-bytes", "lots", "-"]), b"x");
    assert_eq!(out.code, Some(EXIT_BAD_INPUT));
    assert!(out.stderr.contains("not a size in bytes"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// Empty, whitespace, NUL and control bytes.

#[test]
fn empty_and_whitespace_only_files() {
    let s = Scratch::new();
    let docs: [(&str, &[u8]); 6] = [
        ("empty.txt", b""),
        ("space.txt", b" "),
        ("newlines.txt", b"\n\n\n"),
        ("crlf.txt", b"\r\n\r\n"),
        ("tabs.txt", b"\t \x0b\x0c\t\n"),
        (
            "unicode-space.txt",
            "\u{a0}\u{2003}\u{3000}\u{2028}\u{85}".as_bytes(),
        ),
    ];
    for (name, bytes) in docs {
        let f = s.file(name, bytes);
        let text = std::str::from_utf8(bytes).unwrap();
        let out = run(
            fx(&["check", "--json"]).into_iter().chain([f.as_os_str()]),
            b"",
        );
        out.ok();
        let r = parse_report(out.stdout().trim_end(), text);
        assert_eq!(
            (r.words, r.verdict.as_str(), r.spans.len(), r.score),
            (0, "unsure", 0, 0.0),
            "{name}"
        );
        // Human output, restore and the diff all succeed; restore gives the input back.
        run(fx(&["check"]).into_iter().chain([f.as_os_str()]), b"").ok();
        let out = run(fx(&["restore"]).into_iter().chain([f.as_os_str()]), b"");
        out.ok();
        assert_eq!(out.stdout, bytes, "{name}");
        let out = run(
            fx(&["restore", "--diff"])
                .into_iter()
                .chain([f.as_os_str()]),
            b"",
        );
        out.ok();
        assert_eq!(out.stdout, bytes, "{name}");
        // The same through standard input.
        let out = run(fx(&["restore", "-"]), bytes);
        out.ok();
        assert_eq!(out.stdout, bytes, "{name} on stdin");
    }
    // Several empty files in one `check`: one line each.
    let a = s.file("a.txt", "");
    let b = s.file("b.txt", "");
    let out = run(
        fx(&["check", "--json"])
            .into_iter()
            .chain([a.as_os_str(), b.as_os_str()]),
        b"",
    );
    out.ok();
    assert_eq!(out.stdout().lines().count(), 2);
}

#[test]
fn nul_and_control_bytes_are_text() {
    for m in models() {
        let m = refs(&m);
        for input in [
            "\0",
            "\0\0\0\n",
            "She mentioned the inventory\0market fell sharply on Monday.\0",
            "\x01\x02\x1b[31mThe inventory market fell sharply on Monday.\x1b[0m\x7f\n",
            "\u{feff}The inventory market fell sharply on Monday.\r\n",
            "\u{fffd}\u{fffe}\u{ffff}\u{10ffff} text \u{e000}",
        ] {
            let (_, restored) = assert_restore_consistent(&m, input);
            // Nothing but replaced spans changes: the NULs and escapes are all still there.
            assert_eq!(restored.matches('\0').count(), input.matches('\0').count());
            assert_eq!(
                restored.matches('\x1b').count(),
                input.matches('\x1b').count()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Binary data and invalid UTF-8: exit 2, the input named, the byte offset given.

/// Byte offset of the first invalid UTF-8 sequence.
fn bad_offset(b: &[u8]) -> usize {
    std::str::from_utf8(b).unwrap_err().valid_up_to()
}

fn random_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

#[test]
fn binary_files_are_refused_with_the_byte_offset() {
    let s = Scratch::new();
    let mut valid_mb = "The inventory market fell. ".repeat(40_000).into_bytes();
    valid_mb.extend_from_slice(b"\xff tail");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("png.bin", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("gzip.bin", b"\x1f\x8b\x08\0\0\0\0\0\0\x03".to_vec()),
        ("elf.bin", {
            let mut e = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0".to_vec();
            e.extend_from_slice(&[0xe0, 0x10, 0, 0]);
            e
        }),
        ("utf16.txt", b"\xff\xfeT\0h\0e\0".to_vec()),
        ("latin1.txt", b"caf\xe9 cr\xe8me".to_vec()),
        ("overlong.txt", b"abc \xc0\xaf".to_vec()),
        ("surrogate.txt", b"ab \xed\xa0\x80 cd".to_vec()),
        ("too-high.txt", b"x\xf4\x90\x80\x80".to_vec()),
        ("cut-emoji.txt", b"smile \xf0\x9f\x98".to_vec()),
        ("random.bin", random_bytes(7, 1 << 20)),
        ("late.txt", valid_mb),
    ];
    for (name, bytes) in &cases {
        let at = bad_offset(bytes);
        let f = s.file(name, bytes);
        for pre in READERS {
            let out = run(fx(pre).into_iter().chain([f.as_os_str()]), b"");
            out.bad_input(&[name, "invalid UTF-8", &format!("byte offset {at}")]);
        }
        // Standard input is named `-`.
        let out = run(fx(&["check", "--json", "-"]), bytes);
        out.bad_input(&["-: ", &format!("byte offset {at}")]);
    }
    // A bad file among good ones: the good ones are checked, the bad one named, exit 2.
    let good = s.file("good.txt", "The inventory market fell sharply on Monday.");
    let bad = s.file("bad.bin", b"\x89PNG\r\n");
    let out = run(
        fx(&["check", "--json"]).into_iter().chain([
            good.as_os_str(),
            bad.as_os_str(),
            good.as_os_str(),
        ]),
        b"",
    );
    assert_eq!(out.code, Some(EXIT_BAD_INPUT), "{}", out.stderr);
    assert_eq!(out.stdout().lines().count(), 2, "{}", out.stdout());
    assert!(
        out.stderr.contains("bad.bin") && out.stderr.contains("byte offset 0"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Unicode.

const UNICODE_DOCS: &[&str] = &[
    "cafe\u{301} na\u{308}ive re\u{301}sume\u{301}: the inventory market fell.",
    "Z\u{36b}\u{343}\u{36a}\u{302}\u{33d}\u{34f}\u{334}a\u{310}\u{30b}l\u{30e}g\u{30d}o. She mentioned the inventory market fell.",
    "\u{301}\u{302} inventory \u{301}market",
    "\u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{5e2}\u{5d5}\u{5dc}\u{5dd}. The inventory market fell sharply on Monday.",
    "\u{627}\u{644}\u{633}\u{648}\u{642} \u{647}\u{628}\u{637}\u{62a}. \u{202e}The inventory market fell sharply on Monday.\u{202c}",
    "\u{200f}mentioned\u{200e} \u{2067}stated\u{2069} \u{61c}the inventory market\u{61c}",
    "The inventory market fell \u{1f4c9} sharply on Monday \u{1f631}.",
    "\u{1f468}\u{1f3fd}\u{200d}\u{1f469}\u{200d}\u{1f467} \u{1f1eb}\u{1f1f7} 1\u{fe0f}\u{20e3} \u{2764}\u{fe0f} inventory\u{200d}market",
    "\u{130}NVENTORY MARKET. \u{130}stanbul stra\u{df}e \u{1e9e} \u{3a3}\u{391}\u{3a3} \u{fb01}nance",
    "the inventory\u{2019}s market isn\u{2019}t \u{2018}stated\u{2019} o' 'tis",
];

#[test]
fn combining_marks_right_to_left_and_emoji() {
    for m in models() {
        let m = refs(&m);
        for d in UNICODE_DOCS {
            assert_restore_consistent(&m, d);
            // Human output and the diff work too.
            let mut args = m.clone();
            args.extend([os("check"), os("-")]);
            run(&args, d.as_bytes()).ok();
            let mut args = m.clone();
            args.extend([os("restore"), os("--diff"), os("-")]);
            run(&args, d.as_bytes()).ok();
        }
    }
}

#[test]
fn words_of_a_hundred_thousand_characters() {
    const N: usize = 100_000;
    let words = [
        "a".repeat(N),
        "\u{e9}".repeat(N),
        "e\u{301}".repeat(N / 2),
        "\u{4e2d}".repeat(N),
        "9".repeat(N),
        "inventory".repeat(N / 9),
        "\u{1f600}".repeat(N),
    ];
    for m in models() {
        let m = refs(&m);
        for w in &words {
            let d = format!("She mentioned the inventory market {w} fell sharply. {w}\n");
            let t = Instant::now();
            let (r, restored) = assert_restore_consistent(&m, &d);
            assert!(
                r.spans.iter().all(|s| s.text.len() < 1000),
                "a long word is never a span"
            );
            assert_eq!(restored.matches(w.as_str()).count(), 2);
            assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A large single-line document: time and memory.

/// The binary to run for the size test: `UNSPIN_HOSTILE_BIN`, else the one under test.
fn size_bin() -> PathBuf {
    std::env::var_os("UNSPIN_HOSTILE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(bin()))
}

/// What a bounded run measured.
struct Measured {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    wall: Duration,
    /// Peak resident set size in KiB (VmHWM, read from /proc while the process runs).
    peak_rss_kb: u64,
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `bin args` with its output in files, killing it after `limit`; samples its peak RSS.
fn run_measured(bin: &Path, args: &[&OsStr], limit: Duration) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(bin)
        .args(args)
        .env_remove("UNSPIN_MODEL")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("cannot start unspin");
    let t = Instant::now();
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if t.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Measured {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
        wall: t.elapsed(),
        peak_rss_kb: peak,
    }
}

/// About `mb` MB of spun prose on one line, with sentence punctuation but no newline.
fn spun_line(mb: usize) -> String {
    let para = "The minister stated the plan will work and the economic system is sturdy; \
                she mentioned the inventory market fell sharply on Monday, the administration \
                mentioned in an announcement. ";
    let mut s = para.repeat(mb * 1_000_000 / para.len() + 1);
    s.truncate(mb * 1_000_000);
    let cut = s.trim_end_matches(|c: char| !c.is_whitespace()).len();
    s.truncate(cut);
    s
}

/// A single-line document of `UNSPIN_HOSTILE_MB` MB (1 by default) through `check --json` and
/// `restore`: a valid report, restore consistent with it, and the figures printed. The real
/// model is used when present, else the fixture. With `UNSPIN_HOSTILE_MB=100
/// UNSPIN_HOSTILE_BIN=target/release/unspin` this is the measurement in RELIABILITY.md.
#[test]
fn huge_single_line_document() {
    let mb: usize = std::env::var("UNSPIN_HOSTILE_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let s = Scratch::new();
    let text = spun_line(mb);
    let f = s.file("huge.txt", &text);
    let model = models().pop().unwrap();
    let model_name = Path::new(&model[1])
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let bin = size_bin();
    // Generous bounds: 3 minutes plus 10 per 100 MB, and 16 GiB per 100 MB, since tests share
    // the machine. A hang or a blow-up fails; normal speed (about 0.7 MB/s per core in release)
    // passes with room to spare.
    let limit = Duration::from_secs(180 + 6 * mb as u64);
    // Above the default document limit (64 MiB) the test raises it.
    let max = OsString::from((text.len() + 1).to_string());
    let mut args = refs(&model);
    args.extend([
        os("check"),
        os("--json"),
        os("--max-doc-bytes"),
        &max,
        f.as_os_str(),
    ]);
    let check = run_measured(&bin, &args, limit);
    let mut args = refs(&model);
    args.extend([os("restore"), os("--max-doc-bytes"), &max, f.as_os_str()]);
    let restore = run_measured(&bin, &args, limit);
    for (what, m) in [("check --json", &check), ("restore", &restore)] {
        eprintln!(
            "{mb} MB single line, {model_name}, {what}: exit {:?}, {:.1} s ({:.2} MB/s), peak RSS {} MiB",
            m.code,
            m.wall.as_secs_f64(),
            text.len() as f64 / 1e6 / m.wall.as_secs_f64(),
            m.peak_rss_kb / 1024
        );
        assert_eq!(
            m.code,
            Some(0),
            "{what} did not finish within {limit:?}: {}",
            m.stderr
        );
        assert!(
            m.peak_rss_kb < 16 * 1024 * 1024 * mb.max(7) as u64 / 100,
            "{what}: peak RSS {} MiB",
            m.peak_rss_kb / 1024
        );
    }
    let line = std::str::from_utf8(&check.stdout).unwrap();
    let r = parse_report(line.trim_end(), &text);
    assert!(r.words > 0 && !r.spans.is_empty());
    let restored = std::str::from_utf8(&restore.stdout).unwrap();
    assert!(
        restored == apply(&text, &r.spans),
        "restore applies exactly the spans of check"
    );
    eprintln!(
        "{mb} MB: {} words, {} spans, {} with a suggestion",
        r.words,
        r.spans.len(),
        r.spans.iter().filter(|s| s.suggestion.is_some()).count()
    );
}

// ---------------------------------------------------------------------------------------------
// Regressions (RELIABILITY.md, B1-B3).

/// B1: a tortured phrase inside spintax braces was reported twice, as an artifact and as a
/// fingerprint inside it; the overlapping spans made `check`, `restore` and `restore --diff`
/// panic. The artifact now owns its bytes. With the real model: `{information mining}`.
#[test]
fn spintax_around_a_tortured_phrase() {
    for input in [
        "We apply {profound learning} to data.",
        "We apply {profound learning|deep learning} to data.",
    ] {
        // check --json: valid, disjoint spans; restore consistent with it.
        assert_restore_consistent(&fx(&[]), input);
        for pre in [&["check", "-"][..], &["restore", "--diff", "-"]] {
            let out = run(fx(pre), input.as_bytes());
            out.ok();
        }
    }
}

/// B2: n spintax artifacts took O(n²) time (a 1 MB document, minutes). 250,000 `{a}` must be
/// checked in well under a minute.
#[test]
fn many_spintax_artifacts_finish_quickly() {
    let s = Scratch::new();
    let f = s.file("spintax.txt", "{a} ".repeat(250_000));
    let args = fx(&["check", "--json"])
        .into_iter()
        .chain([f.as_os_str()])
        .collect::<Vec<_>>();
    let m = run_measured(Path::new(bin()), &args, Duration::from_secs(60));
    assert_eq!(m.code, Some(0), "not done after {:?} (killed)", m.wall);
}

/// B3: `--param` accepted nan and inf, and a NaN parameter made the score NaN, which the JSON
/// output wrote as `null`. Non-finite values are refused.
#[test]
fn non_finite_params_are_refused() {
    for v in ["nan", "inf", "-inf"] {
        let p = format!("d_bias={v}");
        let out = run(
            fx(&["--param", &p, "check", "--json", "-"]),
            b"The inventory market fell sharply on Monday.",
        );
        out.bad_input(&["d_bias"]);
    }
}
