//! Hostile input for `unspin scan`, with the fixture model: lines nested 10,000 levels deep and
//! more, a 100 MB line, binary and NUL bytes, invalid UTF-8, empty and whitespace-only files,
//! WARC records whose lengths lie; and the seeds and regressions of the fuzz targets `jsonl` and
//! `wet`, replayed through their bodies (`fuzz/src/io.rs`, compiled in here).
//!
//! The 100 MB test runs this binary again as a child (see `child_scan`) to measure its memory.

mod common;
#[path = "../../../fuzz/src/io.rs"]
mod fuzzio;

use common::{child, hwm_kib};

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use unspin_scan::{scan, ScanArgs, Summary};

fn args(a: &[&dyn AsRef<std::ffi::OsStr>]) -> ScanArgs {
    let mut v: Vec<std::ffi::OsString> = a.iter().map(|x| x.as_ref().to_os_string()).collect();
    v.push("--quiet".into());
    ScanArgs::try_parse_from(v).unwrap()
}

fn run_scan(a: &[&dyn AsRef<std::ffi::OsStr>]) -> Summary {
    let s = scan(&args(a), fuzzio::detector()).unwrap();
    let t = &s.totals;
    assert_eq!(t.records, t.scored + t.errors, "{t:?}");
    s
}

fn out_lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn json(line: &str) -> Value {
    // Shallow records only: the deep ones are compared as bytes.
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// Scans `data` written to `name` in a fresh directory; the output lines, the summary and the
/// input's path.
fn scan_bytes(name: &str, data: &[u8], extra: &[&str]) -> (Vec<String>, Summary, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let input = dir.join(name);
    std::fs::write(&input, data).unwrap();
    let out = dir.join("out.jsonl");
    let mut a: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&input, &"-o", &out];
    for x in extra {
        a.push(x);
    }
    let s = run_scan(&a);
    let lines = out_lines(&out);
    drop(tmp);
    assert_eq!(lines.len() as u64, s.totals.records);
    (lines, s, input)
}

const TEXT: &str = "The inventory market fell sharply on Monday.";

#[test]
fn lines_nested_ten_thousand_levels_deep() {
    let d = 10_000;
    let arrays = format!("{}{}", "[".repeat(d), "]".repeat(d));
    let objects = format!("{}1{}", "{\"a\":".repeat(d), "}".repeat(d));
    let lines = [
        // 1-2: valid JSON, deep beside the text: checked, every byte kept.
        format!("{{\"id\":1,\"meta\":{arrays},\"text\":\"{TEXT}\"}}"),
        format!("{{\"id\":2,\"text\":\"{TEXT}\",\"meta\":{objects}}}"),
        // 3: the same cut off in the middle.
        format!(
            "{{\"id\":3,\"text\":\"{TEXT}\",\"meta\":{}",
            "{\"a\":".repeat(d)
        ),
        // 4-5: the whole line, and the text field, deep.
        arrays.clone(),
        format!("{{\"id\":5,\"text\":{arrays}}}"),
        // 6: a million levels (2 MB): no recursion, no stack overflow.
        format!(
            "{{\"id\":6,\"text\":\"{TEXT}\",\"meta\":{}{}}}",
            "[".repeat(1_000_000),
            "]".repeat(1_000_000)
        ),
        // 7: the run goes on.
        format!("{{\"id\":7,\"text\":\"{TEXT}\"}}"),
    ];
    let data = lines.join("\n") + "\n";
    let (out, s, input) = scan_bytes("deep.jsonl", data.as_bytes(), &[]);
    assert_eq!((s.totals.records, s.totals.errors), (7, 3));
    let source = input.display().to_string();
    for i in [0, 1, 5] {
        let head = &lines[i][..lines[i].len() - 1];
        assert!(out[i].starts_with(head), "line {}: bytes changed", i + 1);
        assert!(
            out[i][head.len()..].starts_with(",\"unspin\":{\"score\":"),
            "{}",
            &out[i][head.len()..]
        );
    }
    let err = |i: usize| {
        let v = json(&out[i]);
        assert_eq!(v["source"], source.as_str());
        assert_eq!(v["line"], i as u64 + 1);
        v["error"].as_str().unwrap().to_string()
    };
    assert!(
        err(2).starts_with("malformed JSON at column "),
        "{}",
        err(2)
    );
    assert_eq!(err(3), "not a JSON object: the line is an array");
    assert_eq!(err(4), "field \"text\" is an array, not a string");
    assert_eq!(json(&out[4])["id"], 5);
    assert!(json(&out[6])["unspin"]["score"].is_number());
}

// ---- a 100 MB line ------------------------------------------------------------------------------

/// Runs a scan when started by `child`; a no-op otherwise. Reports its peak memory on standard
/// error when asked.
#[test]
fn child_scan() {
    common::run_child_scan(fuzzio::detector(), true);
}

#[test]
fn a_hundred_megabyte_line_is_an_error_record_read_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // 100 MB of text in one line, gzip-compressed (a few hundred KB on disk), then a small
    // record; the default limit is 10 MB.
    let input = dir.path().join("big.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&input).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(b"{\"id\": 1, \"text\": \"").unwrap();
    let chunk = TEXT.as_bytes().repeat(1 << 14);
    let mut n = 0;
    while n < 100_000_000 {
        let k = chunk.len().min(100_000_000 - n);
        gz.write_all(&chunk[..k]).unwrap();
        n += k;
    }
    gz.write_all(b"\"}\n{\"id\": 2, \"text\": \"Fine.\"}\n")
        .unwrap();
    gz.finish().unwrap();
    let line_len = 100_000_000 + 21;
    let out = dir.path().join("out.jsonl");
    let argv = [&input, &out].map(|p| p.display().to_string());
    let o = child(&[
        argv[0].clone(),
        "-o".into(),
        argv[1].clone(),
        "--keep-going".into(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .output()
    .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let lines = out_lines(&out);
    assert_eq!(lines.len(), 2);
    let v = json(&lines[0]);
    assert_eq!(
        v["error"],
        format!(
            "record is {line_len} bytes, over the limit of 10000000 bytes (--max-bytes raises it)"
        )
    );
    assert_eq!(v["line"], 1);
    assert_eq!(json(&lines[1])["id"], 2);
    assert!(err.contains("2 records: 1 scored"), "{err}");
    // Memory: the reader holds at most the limit (10 MB) of a line, plus buffers.
    let kib = hwm_kib(&err);
    eprintln!("peak RSS of a scan of a 100 MB line: {} MiB", kib / 1024);
    assert!(kib < 120 * 1024, "peak RSS {kib} KiB");
}

// ---- binary, NUL, invalid UTF-8 -----------------------------------------------------------------

#[test]
fn binary_and_nul_bytes() {
    let mut data = Vec::new();
    data.extend_from_slice(b"{\"id\":1,\"text\":\"a\0b\"}\n"); // raw NUL in a string: invalid JSON
    data.extend_from_slice(b"{\"id\":2,\"text\":\"The inventory\\u0000market fell.\"}\n"); // escaped: text
    data.extend_from_slice(b"\0\0\0\0\n"); // NUL bytes: not blank, not JSON
    data.extend_from_slice(b"\x89PNG\r\n"); // binary
    data.extend_from_slice(b"{\"id\":5,\"text\":\"\x1b[31mred\x1b[0m\"}\n"); // raw ESC: invalid JSON
    let (out, s, _) = scan_bytes("nul.jsonl", &data, &[]);
    assert_eq!((s.totals.records, s.totals.scored), (5, 1));
    let v: Vec<Value> = out.iter().map(|l| json(l)).collect();
    assert!(v[0]["error"]
        .as_str()
        .unwrap()
        .contains("control character"));
    assert_eq!(v[0]["line"], 1);
    assert_eq!(v[1]["id"], 2);
    assert!(v[1]["unspin"]["words"].as_u64().unwrap() >= 3);
    assert!(v[2]["error"]
        .as_str()
        .unwrap()
        .starts_with("malformed JSON"));
    assert_eq!(v[3]["error"], "invalid UTF-8 at byte 0 of the line");
    assert_eq!(v[4]["line"], 5);

    // A megabyte of random bytes read as JSONL: one record per non-blank line, all errors.
    let mut x = 0x9e3779b97f4a7c15u64;
    let random: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let (out, s, _) = scan_bytes("random.jsonl", &random, &[]);
    let want = fuzzio::jsonl_records(&random).len() as u64;
    assert!(want > 3000, "{want}");
    assert_eq!((s.totals.records, s.totals.errors), (want, want));
    assert_eq!(out.len() as u64, want);
    // The same bytes as WET and as text: no panic, counts add up.
    let (_, s, _) = scan_bytes("random.warc.wet", &random, &[]);
    assert_eq!(s.totals.scored, 0);
    assert!(s.totals.errors >= 1);
    let (out, _, _) = scan_bytes("random.txt", &random, &[]);
    assert!(json(&out[0])["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid UTF-8 at byte "));

    // NUL and control bytes are text in WET bodies and text files.
    let body = "The inventory\0market fell.\x07\x1b[0m";
    let (out, s, _) = scan_bytes(
        "nul.warc.wet",
        warc("conversion", "a", body.as_bytes()).as_slice(),
        &["--with-text"],
    );
    assert_eq!(s.totals.scored, 1);
    assert_eq!(json(&out[0])["text"], body);
    let (out, _, _) = scan_bytes("nul.txt", body.as_bytes(), &[]);
    assert!(json(&out[0])["unspin"]["words"].as_u64().unwrap() >= 3);
}

fn warc(kind: &str, id: &str, body: &[u8]) -> Vec<u8> {
    let mut w = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:{id}>\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    w.extend_from_slice(body);
    w.extend_from_slice(b"\r\n\r\n");
    w
}

#[test]
fn invalid_utf8_is_an_error_record_that_says_where() {
    let mut data = Vec::new();
    data.extend_from_slice(b"{\"id\":1,\"text\":\"caf\xe9\"}\n"); // Latin-1
    data.extend_from_slice(b"{\"id\":2,\"text\":\"\xc0\xaf\"}\n"); // overlong
    data.extend_from_slice(b"{\"id\":3,\"text\":\"\xed\xa0\x80\"}\n"); // a surrogate
    data.extend_from_slice(b"{\"id\":4,\"text\":\"\xe2\x82\"}\n"); // cut off
    data.extend_from_slice(b"{\"id\":5,\"text\":\"fine\"}\n");
    let (out, s, _) = scan_bytes("utf8.jsonl", &data, &[]);
    assert_eq!((s.totals.records, s.totals.errors), (5, 4));
    for (i, at) in [(0, 19), (1, 16), (2, 16), (3, 16)] {
        assert_eq!(
            json(&out[i])["error"],
            format!("invalid UTF-8 at byte {at} of the line"),
            "line {}",
            i + 1
        );
    }
    let mut wet = warc("conversion", "a", b"caf\xe9");
    wet.extend(warc("conversion", "b", "café".as_bytes()));
    let (out, _, _) = scan_bytes("utf8.warc.wet", &wet, &[]);
    assert_eq!(
        out[0],
        format!(
            "{{\"error\":\"invalid UTF-8 at byte 3 of the text\",\"source\":{},\"offset\":0,\"id\":\"<urn:a>\"}}",
            serde_json::to_string(&json(&out[0])["source"]).unwrap()
        )
    );
    assert!(json(&out[1])["unspin"]["score"].is_number());
}

// ---- empty and blank ----------------------------------------------------------------------------

#[test]
fn empty_and_whitespace_only_files() {
    let blanks: [&[u8]; 5] = [
        b"",
        b"\n",
        b"   \n\t\r\n\n\x0c\r\n",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf  \r\n\n",
    ];
    for data in blanks {
        for compression in [0, 1, 2] {
            let bytes = fuzzio::compress(compression, data);
            for name in ["e.jsonl", "e.warc.wet"] {
                if name.ends_with("wet") && data.starts_with(b"\xef") {
                    // A byte order mark is no WARC line: an error record (below).
                    continue;
                }
                let (out, s, _) = scan_bytes(name, &bytes, &[]);
                assert!(out.is_empty(), "{name} {data:?}: {out:?}");
                assert_eq!(s.totals.records, 0);
            }
            // A text file is one document, however empty.
            let (out, s, _) = scan_bytes("e.txt", &bytes, &[]);
            assert_eq!(s.totals.records, 1);
            let v = json(&out[0]);
            assert_eq!(v["unspin"]["verdict"], "unsure", "{v}");
            assert!(v["unspin"]["words"].as_u64().unwrap() <= 1, "{v}");
        }
    }
    let (out, _, _) = scan_bytes("bom.warc.wet", b"\xef\xbb\xbf\r\n", &[]);
    assert!(json(&out[0])["error"]
        .as_str()
        .unwrap()
        .starts_with("malformed WARC: expected a `WARC/` version line"));
    // Unicode whitespace is not blank: a JSONL line of it is a record, and not JSON.
    let (out, _, _) = scan_bytes("nbsp.jsonl", "\u{a0}\u{3000}\n".as_bytes(), &[]);
    assert!(json(&out[0])["error"]
        .as_str()
        .unwrap()
        .starts_with("malformed JSON"));
    // Twenty megabytes of spaces is a blank line too, whatever the limit.
    let mut spaces = vec![b' '; 20_000_000];
    spaces.extend_from_slice(b"\r\n{\"text\":\"x\"}\n");
    let (out, _, _) = scan_bytes("spaces.jsonl", &spaces, &[]);
    assert_eq!(out.len(), 1);
    assert_eq!(json(&out[0])["text"], "x");
}

// ---- WARC records whose lengths lie -------------------------------------------------------------

#[test]
fn warc_records_whose_lengths_lie() {
    let good = |id: &str| warc("conversion", id, TEXT.as_bytes());
    let with_len = |id: &str, len: &str, body: &[u8]| {
        let mut w = format!(
            "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:{id}>\r\nContent-Length: {len}\r\n\r\n"
        )
        .into_bytes();
        w.extend_from_slice(body);
        w.extend_from_slice(b"\r\n\r\n");
        w
    };
    let mut data = good("a");
    // Too short: the rest of the body is garbage until the next record.
    data.extend(with_len("short", "10", TEXT.as_bytes()));
    data.extend(good("b"));
    // Not a number, negative, beyond u64.
    for (id, len) in [
        ("nan", "ten"),
        ("neg", "-5"),
        ("huge", "99999999999999999999999"),
    ] {
        data.extend(with_len(id, len, b"body"));
    }
    data.extend(good("c"));
    // A warcinfo record that claims more than the source holds.
    data.extend_from_slice(
        b"WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Record-ID: <urn:info>\r\nContent-Length: 1000000\r\n\r\nsoftware: x\r\n",
    );
    let (out, s, _) = scan_bytes("lie.warc.wet", &data, &[]);
    let v: Vec<Value> = out.iter().map(|l| json(l)).collect();
    let desc: Vec<String> = v
        .iter()
        .map(|r| match r["error"].as_str() {
            Some(e) => format!("{} error {e}", r["id"].as_str().unwrap_or("-")),
            None => format!("{} ok", r["id"].as_str().unwrap()),
        })
        .collect();
    assert_eq!(
        desc,
        [
            "<urn:a> ok",
            "<urn:short> ok",
            "- error malformed WARC: expected a `WARC/` version line, found \"ory market fell sharply on Monday.\"",
            "<urn:b> ok",
            "<urn:nan> error malformed WARC: Content-Length \"ten\"",
            "<urn:neg> error malformed WARC: Content-Length \"-5\"",
            "<urn:huge> error malformed WARC: Content-Length \"99999999999999999999999\"",
            "<urn:c> ok",
            "<urn:info> error truncated WARC record: Content-Length 1000000 but the source ends after 13 bytes",
        ]
    );
    assert_eq!(s.totals.records, 9);
    // Too long: the record swallows the start of the next, whose rest is garbage.
    let mut data = with_len("long", "120", TEXT.as_bytes());
    data.extend(good("d"));
    data.extend(good("e"));
    let (out, _, _) = scan_bytes("long.warc.wet", &data, &[]);
    let ids: Vec<String> = out
        .iter()
        .map(|l| json(l)["id"].as_str().unwrap_or("-").to_string())
        .collect();
    assert_eq!(ids, ["<urn:long>", "-", "<urn:e>"]);
}

#[test]
fn annotation_keys_that_wet_and_text_records_use_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.txt");
    std::fs::write(&input, TEXT).unwrap();
    for key in ["id", "url", "date", "text"] {
        let e = scan(&args(&[&input, &"--key", &key]), fuzzio::detector()).unwrap_err();
        assert!(
            matches!(&e, unspin_scan::Error::Usage(m) if m.contains("already have a field")),
            "{e}"
        );
    }
    // JSONL records replace a field of that name in place.
    let (out, _, _) = scan_bytes(
        "k.jsonl",
        format!("{{\"id\":1,\"text\":\"{TEXT}\"}}\n").as_bytes(),
        &["--key", "id"],
    );
    assert!(out[0].starts_with("{\"id\":{\"score\":"), "{}", out[0]);
}

// ---- the fuzz targets' inputs -------------------------------------------------------------------

fn fuzz_files(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut v = Vec::new();
    for d in ["corpus", "regressions"] {
        if let Ok(rd) = std::fs::read_dir(root.join(d).join(target)) {
            v.extend(rd.map(|e| e.unwrap().path()));
        }
    }
    v.sort();
    v
}

#[test]
fn fuzz_corpora_replay() {
    let mut n = 0;
    for f in fuzz_files("jsonl") {
        eprintln!("jsonl {}", f.display());
        fuzzio::jsonl(&std::fs::read(&f).unwrap());
        n += 1;
    }
    for f in fuzz_files("wet") {
        eprintln!("wet {}", f.display());
        fuzzio::wet(&std::fs::read(&f).unwrap());
        n += 1;
    }
    assert!(n >= 15, "the seed corpora are in fuzz/corpus: {n} files");
    eprintln!("{n} fuzz corpus files replayed");
}

/// Writes the seed corpora of `jsonl` and `wet` (`cargo test -p unspin-scan --test hostile --
/// --ignored write_seeds`).
#[test]
#[ignore = "writes the seed corpora"]
fn write_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let put = |target: &str, name: &str, bytes: &[u8]| {
        let d = root.join(target);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), bytes).unwrap();
    };
    let good = format!(
        "{{\"id\": 7, \"n\": 1.50e2, \"text\": \"{TEXT} \\u00e9\\ud83d\\ude00\", \"meta\": {{\"tags\": [\"x\", null, true], \"d\": {{\"x\": -0.0}}}}}}"
    );
    let jsonl_seeds: Vec<(&str, u8, String)> = vec![
        ("good", 0, format!("{good}\n")),
        ("good-full", 2, format!("{good}\n{{\"text\": \"She mentioned it.\"}}\n")),
        ("pointer", 1, format!("{{\"doc\": {{\"body\": \"{TEXT}\"}}, \"id\": \"a\"}}\n{{\"doc\": \"flat\"}}\n{{\"doc\": {{}}}}\n")),
        ("crlf-bom-blank", 0, format!("\u{feff}{good}\r\n\r\n  \n\t\n{good}")),
        ("errors", 0, "{\"text\": \"cut\n[1,2]\n\"s\"\n{\"text\": 5}\n{\"text\": null}\n{}\n{\"text\": \"\\ud800\"}\n{\"text\": \"a\", \"text\": \"b\"}\n".into()),
        ("limit", 4, format!("{good}\n{{\"text\": \"short\"}}\n{}\n", " ".repeat(150))),
        ("existing-key", 0, format!("{{\"text\": \"{TEXT}\", \"unspin\": {{\"old\": 1}}, \"z\": 0}}\n")),
        ("key-id", 32, format!("{good}\n{{\"text\": \"x\"}}\n")),
        ("deep", 0, format!("{{\"text\": \"x\", \"m\": {}{}}}\n{{\"id\": {}1{}, \"t\": 0}}\n", "[".repeat(300), "]".repeat(300), "[".repeat(200), "]".repeat(200))),
        ("gzip", 8, format!("{good}\n{{\"text\": \"b\"}}\n")),
        ("zstd", 16, format!("{good}\n")),
        ("spintax", 2, "{\"text\": \"We apply {profound learning|deep learning} to {the|a} data.\"}\n".into()),
    ];
    for (name, b, body) in jsonl_seeds {
        let mut v = vec![b];
        v.extend_from_slice(body.as_bytes());
        put("jsonl", name, &v);
    }
    put(
        "jsonl",
        "bytes",
        b"\x00{\"text\": \"a\xffb\"}\n\x00\x01\n\x1f\x8b\n",
    );
    // WET, raw mode: a small file as Common Crawl writes it, and a broken one.
    let mut wet = warc("warcinfo", "info", b"software: x\r\n");
    wet.extend(warc("conversion", "a", TEXT.as_bytes()));
    wet.extend(warc(
        "conversion",
        "b",
        "Caf\u{e9} \u{1f600}\nSecond line.".as_bytes(),
    ));
    let mut raw = vec![2u8];
    raw.extend(&wet);
    put("wet", "raw", &raw);
    let mut broken = vec![6u8];
    broken.extend(&wet[..wet.len() - 20]);
    broken.extend_from_slice(b"garbage\r\nWARC/1.0\r\nContent-Length: x\r\n\r\nWARC/1.0\r\nWARC-Type: conversion\r\n\r\n");
    put("wet", "raw-broken", &broken);
    // Structured mode: (control, length, body) per record.
    let rec = |c: u8, body: &[u8]| {
        let mut v = vec![c, body.len() as u8];
        v.extend_from_slice(body);
        v
    };
    let mut s = vec![64 | 2];
    s.extend(rec(0, TEXT.as_bytes()));
    s.extend(rec(2, b"software: x"));
    s.extend(rec(8 | 4, b"caf\xc3\xa9\nWARC/1.0\r\n"));
    s.extend(rec(16 | 32, b""));
    s.extend(rec(64 | 1, b"bad \xff utf-8"));
    s.extend(rec(3, b"a response"));
    put("wet", "structured", &s);
    let mut g = vec![64 | 8 | 4];
    g.extend(rec(0, TEXT.as_bytes()));
    g.extend(rec(0, &[b'x'; 150]));
    g.extend(rec(0, b"ok"));
    put("wet", "structured-gzip-limit", &g);
    let mut z = vec![64 | 16];
    z.extend(rec(0, TEXT.as_bytes()));
    z.extend(rec(1, b"\0\0 nul"));
    put("wet", "structured-zstd", &z);
}
