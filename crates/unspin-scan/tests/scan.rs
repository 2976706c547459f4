//! End-to-end tests of `unspin scan` with the fixture model: every input format and compression,
//! odd records, order, splits, counts, exit codes, and resuming after a real SIGKILL.
//!
//! Tests that need a separate process (standard input and output, being killed) run this test
//! binary again as a child: `child_scan` below runs a scan when `UNSPIN_SCAN_CHILD` holds its
//! arguments, and does nothing otherwise.

mod common;

use common::child;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use unspin_core::Detector;
use unspin_scan::{scan, ScanArgs, Summary};

fn det() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new(unspin_core::fixture::tiny_model()))
}

fn args(a: &[&dyn AsRef<std::ffi::OsStr>]) -> ScanArgs {
    let mut v: Vec<std::ffi::OsString> = a.iter().map(|x| x.as_ref().to_os_string()).collect();
    v.push("--quiet".into());
    ScanArgs::try_parse_from(v).unwrap()
}

fn run_scan(a: &[&dyn AsRef<std::ffi::OsStr>]) -> Summary {
    scan(&args(a), det()).unwrap()
}

fn compress(name: &str, data: &[u8]) -> Vec<u8> {
    if name.ends_with(".gz") {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    } else if name.ends_with(".zst") {
        zstd::encode_all(data, 1).unwrap()
    } else {
        data.to_vec()
    }
}

/// An output file's text, decompressed as its name says.
fn read_out(p: &Path) -> String {
    let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut s = String::new();
    let name = p.to_string_lossy();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(f)
            .read_to_string(&mut s)
            .unwrap();
    } else if name.ends_with(".zst") {
        zstd::stream::read::Decoder::new(f)
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
    } else {
        std::io::BufReader::new(f).read_to_string(&mut s).unwrap();
    }
    s
}

fn lines(p: &Path) -> Vec<Value> {
    read_out(p)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

const SENTENCES: &[&str] = &[
    "The inventory market fell sharply on Monday.",
    "The stock market rose on Tuesday.",
    "She mentioned the inventory market fell.",
    "The president said the economy is strong.",
    "He mentioned at a press convention on Monday that the inventory market fell.",
    "We apply profound learning to {the|a} data.",
    "The minister stated the plan will work. The economic system is sturdy.",
    "Officials said the market will recover.",
];

/// A JSONL corpus: mostly good records with assorted other fields, and bad lines at known
/// places. Returns the text and, per record, whether it is good.
fn corpus(n: usize) -> (String, Vec<bool>) {
    let mut s = String::new();
    let mut good = Vec::new();
    for i in 0..n {
        let text = SENTENCES[i % SENTENCES.len()];
        let line = match i % 17 {
            5 => "{\"id\": 5, \"text\": \"unterminated".to_string(),
            9 => format!("{{\"id\": {i}, \"body\": \"no text field\"}}"),
            12 => format!("{{\"id\": {i}, \"text\": [\"not\", \"a string\"]}}"),
            14 => "[1, 2, 3]".to_string(),
            _ => format!(
                "{{\"id\": {i}, \"n\": 1.50e2, \"text\": {}, \"meta\": {{\"tags\": [\"\u{e9}t\u{e9}\", null, true], \"deep\": {{\"x\": -0.0}}}}}}",
                serde_json::to_string(&format!("{text} \u{1F600} #{i}")).unwrap()
            ),
        };
        good.push(!matches!(i % 17, 5 | 9 | 12 | 14));
        s.push_str(&line);
        s.push('\n');
    }
    (s, good)
}

/// Checks an output against the corpus it came from: one line per record, in order, good
/// records spliced (their original bytes kept), bad ones error records naming their line.
fn check_against(out: &str, input: &str, good: &[bool], source: &str) {
    let outs: Vec<&str> = out.lines().collect();
    let ins: Vec<&str> = input.lines().collect();
    assert_eq!(outs.len(), ins.len());
    for (i, ((o, inp), g)) in outs.iter().zip(&ins).zip(good).enumerate() {
        let v: Value = serde_json::from_str(o).unwrap();
        if *g {
            let cut = inp.rfind('}').unwrap();
            assert!(o.starts_with(&inp[..cut]), "line {}: {o}", i + 1);
            assert!(o[cut..].starts_with(",\"unspin\":{\"score\":"), "{o}");
            assert!(v["unspin"]["score"].is_number());
        } else {
            assert_eq!(v["line"], (i + 1) as u64, "{o}");
            assert_eq!(v["source"], source, "{o}");
            assert!(v["error"].as_str().unwrap().len() > 5);
        }
    }
}

fn assert_adds_up(s: &Summary) {
    let t = &s.totals;
    assert_eq!(t.records, t.scored + t.errors, "{t:?}");
    if s.threshold.is_some() {
        assert_eq!(t.records, t.kept + t.removed, "{t:?}");
    }
    assert!(t.spun <= t.scored);
}

#[test]
fn jsonl_every_compression_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let (text, good) = corpus(300);
    let mut reference: Option<String> = None;
    for inc in ["in.jsonl", "in.jsonl.gz", "in.jsonl.zst"] {
        let input = dir.path().join(inc);
        std::fs::write(&input, compress(inc, text.as_bytes())).unwrap();
        for outc in ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst"] {
            let out = dir.path().join(format!("{inc}-{outc}"));
            let s = run_scan(&[&input, &"-o", &out]);
            assert_adds_up(&s);
            assert_eq!(s.totals.records, 300);
            assert_eq!(s.totals.errors, good.iter().filter(|g| !**g).count() as u64);
            let got = read_out(&out);
            check_against(&got, &text, &good, &input.display().to_string());
            // Same records out whatever the compressions (sources differ only in the name).
            let normalized = got.replace(&input.display().to_string(), "IN");
            match &reference {
                None => reference = Some(normalized),
                Some(r) => assert_eq!(&normalized, r, "{inc} -> {outc}"),
            }
            if outc.ends_with(".gz") {
                assert_eq!(&std::fs::read(&out).unwrap()[..2], b"\x1f\x8b");
            }
            assert!(!unspin_scan_partial(&out).exists());
        }
    }
}

fn unspin_scan_partial(p: &Path) -> PathBuf {
    PathBuf::from(format!("{}.partial", p.display()))
}

#[test]
fn order_is_kept_with_many_threads_and_small_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (text, good) = corpus(3000);
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("out.jsonl");
    let s = run_scan(&[&input, &"-o", &out, &"-j", &"4"]);
    assert_eq!(s.threads, 4);
    assert_adds_up(&s);
    check_against(&read_out(&out), &text, &good, &input.display().to_string());
}

#[test]
fn options_spans_restore_key_field() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.ndjson");
    std::fs::write(
        &input,
        "{\"doc\":{\"body\":\"The inventory market fell sharply on Monday.\"},\"x\":1}\n\
         {\"doc\":{\"body\":\"The stock market rose on Tuesday.\"},\"check\":{\"stale\":1},\"y\":2}\n",
    )
    .unwrap();
    let out = dir.path().join("o.jsonl");
    run_scan(&[
        &input,
        &"-o",
        &out,
        &"--field",
        &"/doc/body",
        &"--key",
        &"check",
        &"--spans",
        &"--restore",
    ]);
    let v = lines(&out);
    assert_eq!(
        v[0]["check"]["restored"],
        "The stock market fell sharply on Monday."
    );
    assert_eq!(v[0]["check"]["spans"][0]["suggestion"], "stock");
    assert_eq!(v[0]["x"], 1);
    // An existing annotation is replaced where it stands, not duplicated.
    let raw = read_out(&out);
    let second = raw.lines().nth(1).unwrap();
    assert_eq!(second.matches("\"check\"").count(), 1);
    assert!(second.ends_with(",\"y\":2}"), "{second}");
    assert!(v[1]["check"]["spans"].as_array().unwrap().is_empty());
}

fn warc_record(kind: &str, id: usize, body: &str) -> String {
    format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: https://example.org/{id}\r\nWARC-Date: 2024-02-20T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:{id:08}>\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
        body.len()
    )
}

#[test]
fn common_crawl_wet_gz_with_one_member_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("CC-MAIN-test.warc.wet.gz");
    let mut data = compress(
        ".gz",
        warc_record("warcinfo", 0, "isPartOf: CC-MAIN-test\r\n").as_bytes(),
    );
    for i in 1..=40 {
        let body = format!(
            "Title {i}\n{}\n{}",
            SENTENCES[i % 8],
            SENTENCES[(i + 3) % 8]
        );
        data.extend(compress(
            ".gz",
            warc_record("conversion", i, &body).as_bytes(),
        ));
    }
    std::fs::write(&input, data).unwrap();
    let out = dir.path().join("o.jsonl.zst");
    let s = run_scan(&[&input, &"-o", &out]);
    assert_eq!((s.totals.records, s.totals.errors), (40, 0));
    let v = lines(&out);
    for (i, r) in v.iter().enumerate() {
        assert_eq!(r["id"], format!("<urn:uuid:{:08}>", i + 1));
        assert_eq!(r["url"], format!("https://example.org/{}", i + 1));
        assert_eq!(r["date"], "2024-02-20T10:00:00Z");
        assert!(r.get("text").is_none(), "no text unless --with-text");
        assert!(r["unspin"]["words"].as_u64().unwrap() > 5);
    }
    let out2 = dir.path().join("o2.jsonl");
    run_scan(&[&input, &"-o", &out2, &"--with-text"]);
    assert!(lines(&out2)[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("Title 1\n"));
}

#[test]
fn directories_of_mixed_formats_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(root.join("b/nested")).unwrap();
    std::fs::write(
        root.join("b/nested/2.txt.zst"),
        compress(".zst", SENTENCES[0].as_bytes()),
    )
    .unwrap();
    std::fs::write(root.join("b/1.txt"), SENTENCES[2]).unwrap();
    std::fs::write(
        root.join("a.jsonl.gz"),
        compress(".gz", b"{\"text\":\"One.\"}\n{\"text\":\"Two.\"}\n"),
    )
    .unwrap();
    std::fs::write(
        root.join("c.warc.wet"),
        warc_record("conversion", 9, SENTENCES[1]),
    )
    .unwrap();
    std::fs::write(root.join("README.md"), "not a corpus file").unwrap();
    std::fs::write(root.join("bad.txt"), b"caf\xe9").unwrap();
    let out = dir.path().join("out.jsonl");
    let s = run_scan(&[&root, &"-o", &out, &"--with-text"]);
    assert_eq!(s.skipped_files, 1);
    assert_eq!(s.sources, 5);
    assert_adds_up(&s);
    let v = lines(&out);
    let ids: Vec<String> = v
        .iter()
        .map(|r| {
            r["id"]
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| r["text"].to_string())
        })
        .collect();
    let rel = |p: &str| root.join(p).display().to_string();
    assert_eq!(
        ids,
        [
            "\"One.\"".to_string(),
            "\"Two.\"".to_string(),
            rel("b/1.txt"),
            rel("b/nested/2.txt.zst"),
            rel("bad.txt"),
            "<urn:uuid:00000009>".to_string(),
        ]
    );
    assert_eq!(v[3]["text"], SENTENCES[0]);
    assert_eq!(v[4]["error"], "invalid UTF-8 at byte 3 of the text");
    assert_eq!(v[4]["source"], rel("bad.txt"));
}

#[test]
fn huge_records_and_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let big = SENTENCES[0].repeat(2_000); // ~90 KB: checked
    let huge = "x".repeat(600_000); // over the limit: an error record, never held whole
    let mut text = String::new();
    for t in [&big, &huge, &"Fine.".to_string()] {
        text += &format!("{{\"text\":{}}}\n", serde_json::to_string(t).unwrap());
    }
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("out.jsonl");
    let s = run_scan(&[&input, &"-o", &out, &"--max-bytes", &"500KB"]);
    assert_adds_up(&s);
    let v = lines(&out);
    assert_eq!(v.len(), 3);
    assert!(v[0]["unspin"]["words"].as_u64().unwrap() > 10_000);
    assert_eq!(
        v[1]["error"],
        "record is 600011 bytes, over the limit of 500000 bytes (--max-bytes raises it)"
    );
    assert_eq!(v[1]["line"], 2);
    assert_eq!(v[2]["unspin"]["verdict"], "unsure");
}

#[test]
fn split_keeps_low_scores_and_removes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (text, good) = corpus(200);
    let input = dir.path().join("in.jsonl.gz");
    std::fs::write(&input, compress(".gz", text.as_bytes())).unwrap();
    let (kept, removed) = (
        dir.path().join("kept.jsonl.zst"),
        dir.path().join("removed.jsonl"),
    );
    let s = run_scan(&[&input, &"--split", &kept, &removed, &"--threshold", &"0.3"]);
    assert_adds_up(&s);
    let (k, r) = (lines(&kept), lines(&removed));
    assert_eq!(
        (k.len() as u64, r.len() as u64),
        (s.totals.kept, s.totals.removed)
    );
    assert!(k
        .iter()
        .all(|v| v["unspin"]["score"].as_f64().unwrap() < 0.3));
    assert!(r
        .iter()
        .all(|v| v.get("error").is_some() || v["unspin"]["score"].as_f64().unwrap() >= 0.3));
    assert!(
        !k.is_empty() && r.iter().any(|v| v.get("unspin").is_some()),
        "the corpus has both"
    );
    assert_eq!(
        r.iter().filter(|v| v.get("error").is_some()).count(),
        good.iter().filter(|g| !**g).count()
    );
    // Within each file, input order is kept.
    for f in [&k, &r] {
        let ids: Vec<u64> = f.iter().filter_map(|v| v["id"].as_u64()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn exit_code_reflects_errors_unless_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"text\":\"Fine.\"}\nnot json\n").unwrap();
    let out = dir.path().join("o.jsonl");
    let stats = dir.path().join("stats.json");
    assert_eq!(
        unspin_scan::run(&args(&[&input, &"-o", &out, &"--stats", &stats]), det()).unwrap(),
        1
    );
    assert!(out.exists(), "the output is complete even with errors");
    let st: Value = serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(st["totals"]["errors"], 1);
    assert_eq!(st["totals"]["records"], 2);
    assert_eq!(
        unspin_scan::run(&args(&[&input, &"-o", &out, &"--keep-going"]), det()).unwrap(),
        0
    );
    std::fs::write(&input, "{\"text\":\"Fine.\"}\n").unwrap();
    assert_eq!(
        unspin_scan::run(&args(&[&input, &"-o", &out]), det()).unwrap(),
        0
    );
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"text\":\"Fine.\"}\n").unwrap();
    let e = scan(&args(&[&input, &"--resume"]), det()).unwrap_err();
    assert!(
        e.to_string().contains("standard output cannot be resumed"),
        "{e}"
    );
    let e = scan(&args(&[&dir.path().join("missing.jsonl")]), det()).unwrap_err();
    assert!(e.to_string().contains("missing.jsonl"), "{e}");
    // An output that exists but is no regular file is refused, and left as it was: renamed
    // over, /dev/null would become a plain file.
    for o in [dir.path().to_path_buf(), PathBuf::from("/dev/null")] {
        let e = scan(&args(&[&input, &"-o", &o]), det()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(!std::fs::metadata(&o).unwrap().is_file());
    }
    assert!(ScanArgs::try_parse_from([
        input.as_os_str(),
        "-o".as_ref(),
        "a".as_ref(),
        "--split".as_ref(),
        "b".as_ref(),
        "c".as_ref()
    ])
    .is_err());
    assert!(
        ScanArgs::try_parse_from([input.as_os_str(), "--threshold".as_ref(), "0.5".as_ref()])
            .is_err()
    );
}

#[test]
fn scanning_into_an_input_directory_skips_the_earlier_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.jsonl"), "{\"text\":\"Fine.\"}\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let a = run_scan(&[&dir.path(), &"-o", &out]);
    let b = run_scan(&[&dir.path(), &"-o", &out]);
    assert_eq!((a.totals.records, b.totals.records), (1, 1));
}

// ---- resume ------------------------------------------------------------------------------------

fn journal_of(out: &Path) -> PathBuf {
    PathBuf::from(format!("{}.resume", out.display()))
}

/// Appends bytes to a file, as a killed writer may leave them.
fn append(p: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn resume_after_a_simulated_kill_with_torn_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = corpus(3000);
    let input = dir.path().join("in.jsonl.zst");
    std::fs::write(&input, compress(".zst", text.as_bytes())).unwrap();
    for name in ["o.jsonl", "o.jsonl.gz", "o.jsonl.zst"] {
        let out = dir.path().join(name);
        let full = run_scan(&[&input, &"-o", &out]);
        let expected = read_out(&out);
        std::fs::remove_file(&out).unwrap();
        // Stop as a kill would after 1234 records, checkpointing after every batch; buffered
        // output is lost, not flushed.
        let a = args(&[
            &input,
            &"-o",
            &out,
            &"--checkpoint-secs",
            &"0.000001",
            &"--abort-after",
            &"1234",
        ]);
        assert!(scan(&a, det()).is_err());
        assert!(!out.exists(), "no file under the real name");
        let partial = unspin_scan_partial(&out);
        // What a kill can also leave: a torn line or member after the checkpoint, and a torn
        // journal line.
        append(&partial, b"{\"id\": 99999, \"text\": \"torn");
        append(&journal_of(&out), b"{\"records\": 99999, \"le");
        let s = run_scan(&[&input, &"-o", &out, &"--resume"]);
        assert!(
            s.resumed_after > 0 && s.resumed_after <= 1234,
            "{}",
            s.resumed_after
        );
        assert_eq!(s.session.records + s.resumed_after, 3000);
        // The totals cover the whole output, across the interruption.
        assert_eq!(s.totals, full.totals, "{name}");
        assert_eq!(read_out(&out), expected, "{name}: no gaps, no duplicates");
        assert!(!partial.exists() && !journal_of(&out).exists());
    }
}

#[test]
fn resume_a_split_and_refuse_a_different_scan() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = corpus(2000);
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, &text).unwrap();
    let (k, r) = (
        dir.path().join("k.jsonl.gz"),
        dir.path().join("r.jsonl.zst"),
    );
    let full = run_scan(&[&input, &"--split", &k, &r, &"--threshold", &"0.3"]);
    let (ek, er) = (read_out(&k), read_out(&r));
    std::fs::remove_file(&k).unwrap();
    std::fs::remove_file(&r).unwrap();
    let a = args(&[
        &input,
        &"--split",
        &k,
        &r,
        &"--threshold",
        &"0.3",
        &"--checkpoint-secs",
        &"0.000001",
        &"--abort-after",
        &"700",
    ]);
    assert!(scan(&a, det()).is_err());
    // Other arguments: refused, and the partial state is left alone.
    let e = scan(
        &args(&[
            &input,
            &"--split",
            &k,
            &r,
            &"--threshold",
            &"0.4",
            &"--resume",
        ]),
        det(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("differs in: threshold"), "{e}");
    let s = run_scan(&[
        &input,
        &"--split",
        &k,
        &r,
        &"--threshold",
        &"0.3",
        &"--resume",
    ]);
    assert!(s.resumed_after > 0);
    assert_eq!(s.totals, full.totals);
    assert_eq!((read_out(&k), read_out(&r)), (ek, er));
}

#[test]
fn without_resume_a_partial_scan_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let (text, _) = corpus(600);
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, &text).unwrap();
    let out = dir.path().join("o.jsonl");
    let full = run_scan(&[&input, &"-o", &out]);
    let expected = read_out(&out);
    std::fs::remove_file(&out).unwrap();
    let a = args(&[
        &input,
        &"-o",
        &out,
        &"--checkpoint-secs",
        &"0.000001",
        &"--abort-after",
        &"300",
    ]);
    assert!(scan(&a, det()).is_err());
    let s = run_scan(&[&input, &"-o", &out]);
    assert_eq!((s.resumed_after, &s.totals), (0, &full.totals));
    assert_eq!(read_out(&out), expected);
    // --resume with nothing to resume starts from the beginning too.
    std::fs::remove_file(&out).unwrap();
    let s = run_scan(&[&input, &"-o", &out, &"--resume"]);
    assert_eq!(s.resumed_after, 0);
    assert_eq!(read_out(&out), expected);
}

// ---- child processes ----------------------------------------------------------------------------

/// Runs a scan when started by one of the tests below; a no-op otherwise.
#[test]
fn child_scan() {
    common::run_child_scan(det(), false);
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn stdin_to_stdout_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (text, good) = corpus(120);
    let file_in = dir.path().join("in.jsonl");
    std::fs::write(&file_in, &text).unwrap();
    let file_out = dir.path().join("out.jsonl");
    run_scan(&[&file_in, &"-o", &file_out]);
    let expected = read_out(&file_out).replace(&s(&file_in), "-");
    let wet = (1..=5)
        .map(|i| warc_record("conversion", i, SENTENCES[i]))
        .collect::<String>();
    for (stdin, extra, want) in [
        (text.as_bytes().to_vec(), vec![], Some(expected.clone())),
        (
            compress(".gz", text.as_bytes()),
            vec![],
            Some(expected.clone()),
        ),
        (
            compress(".zst", text.as_bytes()),
            vec!["--format", "jsonl"],
            Some(expected),
        ),
        (
            compress(".gz", wet.as_bytes()),
            vec!["--format", "wet"],
            None,
        ),
        (
            SENTENCES[0].as_bytes().to_vec(),
            vec!["--format", "txt"],
            None,
        ),
    ] {
        let mut argv = vec!["-".to_string(), "--keep-going".into()];
        argv.extend(extra.iter().map(|x| x.to_string()));
        let mut c = child(&argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut i = c.stdin.take().unwrap();
        let w = std::thread::spawn(move || i.write_all(&stdin));
        let o = c.wait_with_output().unwrap();
        w.join().unwrap().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{argv:?}: {err}");
        assert!(
            err.contains("unspin scan: "),
            "the summary is on stderr: {err}"
        );
        let got = String::from_utf8(o.stdout).unwrap();
        // The test harness announces the test on standard output before the scan writes.
        let got = match got.split_once("test child_scan ... ") {
            Some((_, rest)) => rest.to_string(),
            None => got,
        };
        match want {
            Some(w) => {
                assert_eq!(got, w, "{argv:?}");
                check_against(&got, &text, &good, "-");
            }
            None if extra[1] == "wet" => {
                assert_eq!(got.lines().count(), 5);
                assert!(got.starts_with("{\"id\":\"<urn:uuid:00000001>\""), "{got}");
            }
            None => {
                assert!(
                    got.starts_with("{\"id\":\"-\",\"unspin\":{\"score\":"),
                    "{got}"
                );
                assert_eq!(got.lines().count(), 1);
            }
        }
    }
}

#[test]
fn resume_after_a_real_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    // Enough work that the child is still running when it is killed: grown until it is.
    let mut n = 20_000;
    for attempt in 0..4 {
        let (text, _) = corpus(n);
        let input = dir.path().join(format!("in{attempt}.jsonl.gz"));
        std::fs::write(&input, compress(".gz", text.as_bytes())).unwrap();
        let out = dir.path().join(format!("out{attempt}.jsonl.zst"));
        let argv = vec![
            s(&input),
            "-o".into(),
            s(&out),
            "--quiet".into(),
            "--keep-going".into(),
            "-j".into(),
            "1".into(),
            "--checkpoint-secs".into(),
            "0.05".into(),
        ];
        let mut c = child(&argv).stdout(Stdio::null()).spawn().unwrap();
        // Kill it once the journal shows real progress.
        let t0 = Instant::now();
        let journal = journal_of(&out);
        let killed = loop {
            if let Some(st) = c.try_wait().unwrap() {
                assert!(st.success());
                break false;
            }
            let progress = std::fs::read_to_string(&journal)
                .unwrap_or_default()
                .matches("\"records\"")
                .count();
            if progress >= 4 {
                c.kill().unwrap(); // SIGKILL
                c.wait().unwrap();
                break true;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(120),
                "the child made no progress"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        if !killed {
            n *= 4;
            continue;
        }
        assert!(
            !out.exists(),
            "a killed scan leaves no file under the real name"
        );
        assert!(unspin_scan_partial(&out).exists());
        let s = run_scan(&[
            &input,
            &"-o",
            &out,
            &"--keep-going",
            &"-j",
            &"1",
            &"--checkpoint-secs",
            &"0.05",
            &"--resume",
        ]);
        assert!(s.resumed_after > 0);
        assert_eq!(s.totals.records, n as u64);
        let got = read_out(&out);
        let reference = dir.path().join("reference.jsonl");
        run_scan(&[&input, &"-o", &reference]);
        let want = read_out(&reference);
        assert_eq!(got.lines().count(), want.lines().count());
        assert!(
            got == want,
            "the resumed output differs from an uninterrupted one"
        );
        return;
    }
    panic!("the child always finished before it could be killed");
}

/// A scan killed with SIGKILL at random moments, again and again (`--resume` every time, and
/// sometimes before it has written anything), then resumed to the end: the output is the
/// uninterrupted one, one line per input record, in order, without gaps or duplicates. The
/// random kill times come from `UNSPIN_KILL_SEED` (printed) when set, else from the clock.
#[test]
fn resume_after_repeated_sigkills_at_random_points() {
    let dir = tempfile::tempdir().unwrap();
    let n = 20_000;
    let (text, good) = corpus(n);
    let input = dir.path().join("in.jsonl.gz");
    std::fs::write(&input, compress(".gz", text.as_bytes())).unwrap();
    let out = dir.path().join("out.jsonl.gz");
    let reference = dir.path().join("reference.jsonl");
    let t0 = Instant::now();
    run_scan(&[&input, &"-o", &reference, &"-j", &"2"]);
    let full = t0.elapsed();
    let want = read_out(&reference);

    let seed: u64 = std::env::var("UNSPIN_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("UNSPIN_KILL_SEED={seed} (an uninterrupted scan takes {full:.2?})");
    let mut x = seed | 1;
    let mut rand = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let argv = vec![
        s(&input),
        "-o".into(),
        s(&out),
        "--quiet".into(),
        "--keep-going".into(),
        "-j".into(),
        "2".into(),
        "--checkpoint-secs".into(),
        "0.05".into(),
        "--resume".into(),
    ];
    let journal = journal_of(&out);
    let mut done_at_kill = Vec::new();
    let mut kills = 0;
    // Eight kills, and more until the last one has left a scan to resume.
    while kills < 8 || !journal.exists() {
        assert!(kills < 30, "the scan always finished before it was killed");
        kills += 1;
        let mut c = child(&argv).stdout(Stdio::null()).spawn().unwrap();
        // Anywhere from before the child has started scanning (it first starts a process) to
        // well into the scan.
        let after = Duration::from_millis(rand() % (150 + full.as_millis() as u64 / 3));
        std::thread::sleep(after);
        // SIGKILL, unless it has exited already. An exit code, not a signal, then says that it
        // got to the end, perhaps between the sleep and the kill.
        let _ = c.kill();
        let finished = c.wait().unwrap().code().is_some();
        if finished {
            // It got to the end first: start over from nothing, so the next kills count.
            let _ = std::fs::remove_file(&out);
            done_at_kill.push(u64::MAX);
            continue;
        }
        assert!(
            !out.exists(),
            "a killed scan left its output under the real name"
        );
        // How far the journal says the scan got (its last complete line).
        let j = std::fs::read_to_string(&journal).unwrap_or_default();
        let done = j
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|v| v["records"].as_u64())
            .next_back()
            .unwrap_or(0);
        done_at_kill.push(done);
    }
    let sum = run_scan(&[
        &input,
        &"-o",
        &out,
        &"--keep-going",
        &"-j",
        &"2",
        &"--checkpoint-secs",
        &"0.05",
        &"--resume",
    ]);
    eprintln!(
        "records done at each kill (MAX: finished first, started over): {done_at_kill:?}; \
         the last run resumed after {}",
        sum.resumed_after
    );
    assert_eq!(sum.totals.records, n as u64);
    assert_eq!(sum.totals.records, sum.totals.scored + sum.totals.errors);
    assert!(
        !journal.exists() && !unspin_scan_partial(&out).exists(),
        "the resume left its partial files behind"
    );
    let got = read_out(&out);
    check_against(&got, &text, &good, &s(&input));
    // One line per record, in order, no duplicates: the good records' ids count up.
    let ids: Vec<u64> = got
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_u64())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids out of order");
    assert!(
        got == want,
        "the resumed output differs from an uninterrupted one"
    );
}
