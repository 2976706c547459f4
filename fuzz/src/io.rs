//! Bodies of the fuzz targets `jsonl` and `wet`: the readers of `unspin scan` (crate
//! `unspin-scan`) and the step that turns each record into its output line, on arbitrary input,
//! through `unspin_scan::testing::lines` (the scan's own reader and record code, without its
//! threads and files). The fixture model checks the texts.
//!
//! This file stands alone: it is a module of the fuzz crate and is also compiled, by path, into
//! `crates/unspin-scan/tests/hostile.rs`, which replays every seed and regression file through
//! it.
//!
//! The first input byte chooses the options; the rest is the input:
//!
//! | bits | meaning |
//! | --- | --- |
//! | 0 | JSONL: the text is at `/doc/body` instead of `text` |
//! | 1 | `--spans --restore` (JSONL), `--with-text --spans --restore` (WET) |
//! | 2 | `--max-bytes 100` instead of the default 10 MB |
//! | 3-4 | the input as given (0, 3), gzip-compressed (1), zstd-compressed (2) |
//! | 5 | `--key id` instead of `unspin` (an annotation that replaces a field in place) |
//! | 6 | WET: the rest describes records, which are written as WARC (see [`wet`]) |

use serde::Deserialize;
use serde_json::Value;
use std::io::Write;
use std::sync::OnceLock;
use unspin_core::Detector;
use unspin_scan::testing::{lines, Line};
use unspin_scan::{Format, ScanArgs, Stats};

/// The small `--max-bytes`, reachable by inputs of the fuzzer's sizes.
pub const SMALL_MAX: u64 = 100;
/// The default `--max-bytes`.
pub const DEFAULT_MAX: u64 = 10_000_000;
/// Source names in the records.
pub const JSONL_NAME: &str = "in.jsonl";
pub const WET_NAME: &str = "in.warc.wet";

/// The fixture model's detector.
pub fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new(unspin_core::fixture::tiny_model()))
}

/// The options an input's first byte selects.
pub struct Opts {
    pub args: ScanArgs,
    /// The text is at `/doc/body`.
    pub pointer: bool,
    /// Spans and the restored text are in the annotation (and, for WET, the text).
    pub full: bool,
    pub max: u64,
    /// The annotation key.
    pub key: &'static str,
    /// 0: as given; 1: gzip; 2: zstd.
    pub compression: u8,
}

/// The options of first byte `b`.
pub fn opts(b: u8) -> &'static Opts {
    static ALL: OnceLock<Vec<Opts>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        (0..64u8)
            .map(|b| {
                let pointer = b & 1 != 0;
                let full = b & 2 != 0;
                let max = if b & 4 != 0 { SMALL_MAX } else { DEFAULT_MAX };
                let key = if b & 32 != 0 { "id" } else { "unspin" };
                let mut argv = vec![
                    "-".to_string(),
                    "--quiet".into(),
                    "--field".into(),
                    if pointer { "/doc/body" } else { "text" }.into(),
                    "--key".into(),
                    key.into(),
                    "--max-bytes".into(),
                    max.to_string(),
                ];
                if full {
                    argv.extend(["--spans", "--restore", "--with-text"].map(String::from));
                }
                Opts {
                    args: ScanArgs::try_parse_from(argv).expect("valid arguments"),
                    pointer,
                    full,
                    max,
                    key,
                    compression: match (b >> 3) & 3 {
                        1 => 1,
                        2 => 2,
                        _ => 0,
                    },
                }
            })
            .collect()
    });
    &all[(b & 63) as usize]
}

/// `data` compressed as `how` says (0: not at all).
pub fn compress(how: u8, data: &[u8]) -> Vec<u8> {
    match how {
        1 => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(data).expect("in memory");
            e.finish().expect("in memory")
        }
        2 => zstd::encode_all(data, 1).expect("in memory"),
        _ => data.to_vec(),
    }
}

/// Whether the reader would take these bytes for a compressed stream.
pub fn looks_compressed(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// The error message of a record over the limit.
pub fn too_big(bytes: u64, max: u64) -> String {
    format!("record is {bytes} bytes, over the limit of {max} bytes (--max-bytes raises it)")
}

/// Counts add up, and every output line is one JSON object (of any depth).
fn check_lines(out: &[Line], stats: &Stats) {
    assert_eq!(stats.records, out.len() as u64, "one count per line");
    assert_eq!(stats.records, stats.scored + stats.errors, "{stats:?}");
    assert_eq!(
        stats.errors,
        out.iter().filter(|l| l.error).count() as u64,
        "{stats:?}"
    );
    assert!(stats.spun <= stats.scored);
    for l in out {
        assert!(
            !l.line.contains(&b'\n'),
            "an output line holds a line break"
        );
        let first = l.line.iter().find(|b| !b.is_ascii_whitespace());
        assert_eq!(
            first,
            Some(&b'{'),
            "not an object: {}",
            String::from_utf8_lossy(&l.line)
        );
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&l.line) {
            panic!(
                "output line is not JSON ({e}): {}",
                String::from_utf8_lossy(&l.line)
            );
        }
    }
}

/// An error record: its fields, checked, and its `id` as written: the record's own `id`,
/// copied byte for byte, which may be deeper than serde_json's `Value` goes or hold a lone
/// surrogate escape (valid JSON, but not text).
fn error_record(l: &Line, source: &str) -> (serde_json::Map<String, Value>, Option<String>) {
    let s = std::str::from_utf8(&l.line).expect("output is UTF-8");
    // The fields before it are strings written by serde_json, in which `,"id":` cannot occur
    // unescaped.
    let (own, id) = match s.find(",\"id\":") {
        Some(i) => (format!("{}}}", &s[..i]), Some(&s[i + 6..s.len() - 1])),
        None => (s.to_string(), None),
    };
    let v: Value = serde_json::from_str(&own).unwrap_or_else(|e| panic!("{e}: {s}"));
    let m = v.as_object().expect("an object").clone();
    for k in m.keys() {
        assert!(
            ["error", "source", "line", "offset"].contains(&k.as_str()),
            "unexpected key {k} in an error record: {s}"
        );
    }
    let msg = m["error"].as_str().expect("a message");
    assert!(!msg.is_empty());
    assert_eq!(m["source"], source, "{s}");
    if let Some(id) = id {
        assert!(
            serde_json::from_str::<serde::de::IgnoredAny>(id).is_ok(),
            "id {id}"
        );
    }
    (m, id.map(String::from))
}

/// The annotation of a checked text: as the engine reports on `text`.
fn check_annotation(ann: &Value, text: &str, full: bool) {
    let det = detector();
    let r = det.check(text);
    let score = ann["score"].as_f64().expect("a score");
    assert!((0.0..=1.0).contains(&score), "score {score}");
    assert_eq!(score, (r.score * 1e4).round() / 1e4, "score");
    assert_eq!(ann["verdict"], r.verdict.to_string(), "verdict");
    assert_eq!(ann["words"].as_u64(), Some(r.words as u64), "words");
    if full {
        let spans = ann["spans"].as_array().expect("spans");
        assert_eq!(spans.len(), r.spans.len());
        for (s, want) in spans.iter().zip(&r.spans) {
            let (a, b) = (s["start"].as_u64().unwrap(), s["end"].as_u64().unwrap());
            assert_eq!((a as usize, b as usize), (want.start, want.end));
            assert_eq!(s["text"], text[a as usize..b as usize]);
        }
        assert_eq!(ann["restored"], det.restore(text), "restored text");
    } else {
        assert!(ann.get("spans").is_none() && ann.get("restored").is_none());
    }
}

/// The records of a JSONL stream as the scan must see them: `(line number, line)` for every
/// line that is not blank, without its `\r\n` (and the first line without a byte order mark).
pub fn jsonl_records(doc: &[u8]) -> Vec<(u64, &[u8])> {
    let mut parts: Vec<&[u8]> = doc.split(|&c| c == b'\n').collect();
    // "a\n" splits into "a" and "": the last is no line. "" is no line either.
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    let mut out = Vec::new();
    for (i, mut l) in parts.into_iter().enumerate() {
        if let Some(x) = l.strip_suffix(b"\r") {
            l = x;
        }
        if i == 0 {
            if let Some(x) = l.strip_prefix(b"\xef\xbb\xbf") {
                l = x;
            }
        }
        if l.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.push((i as u64 + 1, l));
    }
    out
}

/// The value at the scan's field, when the record parses with serde_json's `Value`.
fn field(v: &Value, pointer: bool) -> Option<&Value> {
    if pointer {
        v.get("doc")?.get("body")
    } else {
        v.get("text")
    }
}

/// The `jsonl` target. Every non-blank line gives one output line, in order: an error record
/// that names its line, or the record itself with the annotation spliced in, every other field
/// keeping its value and order (its bytes, when the record had no annotation key). Lines over
/// the limit are error records that say their size; valid objects with a string at the field
/// are checked, as the engine checks their text.
pub fn jsonl(data: &[u8]) {
    let Some((&b, doc)) = data.split_first() else {
        return;
    };
    let o = opts(b);
    let input = compress(o.compression, doc);
    let (out, stats) = lines(&input, JSONL_NAME, Format::Jsonl, &o.args, detector());
    check_lines(&out, &stats);
    if o.compression == 0 && looks_compressed(doc) {
        // Read as a (broken) compressed stream: lines and counts are checked above.
        return;
    }
    let recs = jsonl_records(doc);
    assert_eq!(
        out.len(),
        recs.len(),
        "one output line per record: {:?}",
        out.iter()
            .map(|l| String::from_utf8_lossy(&l.line).into_owned())
            .collect::<Vec<_>>()
    );
    for (l, &(no, rec)) in out.iter().zip(&recs) {
        jsonl_record(l, no, rec, o);
    }
}

fn jsonl_record(l: &Line, no: u64, rec: &[u8], o: &Opts) {
    let shown = || String::from_utf8_lossy(&l.line).into_owned();
    // What serde_json's `Value` makes of the record (it stops at 128 levels; the scan does not
    // need to look inside values, so it has no such limit).
    let parsed: Option<Value> = std::str::from_utf8(rec)
        .ok()
        .and_then(|s| serde_json::from_str(s).ok());
    let text = parsed
        .as_ref()
        .filter(|v| v.is_object())
        .and_then(|v| field(v, o.pointer))
        .and_then(Value::as_str)
        .map(str::to_string);
    if rec.len() as u64 > o.max {
        assert!(l.error, "a record over the limit was checked: {}", shown());
        let (m, id) = error_record(l, JSONL_NAME);
        assert!(id.is_none(), "the record was not read");
        assert_eq!(m["error"], too_big(rec.len() as u64, o.max));
        assert_eq!(m["line"], no);
        return;
    }
    if l.error {
        assert!(text.is_none(), "a valid record was refused: {}", shown());
        let (m, id) = error_record(l, JSONL_NAME);
        assert_eq!(m["line"], no, "{}", shown());
        if let (Some(id), Some(v)) = (id, &parsed) {
            let id: Value = serde_json::from_str(&id).expect("as in the record");
            assert_eq!(Some(&id), v.get("id"), "the id of the record");
        }
        return;
    }
    // Checked: the input was a JSON object (of any depth), and the output is the input with
    // the annotation in it.
    let rec_s = std::str::from_utf8(rec).expect("a checked record is UTF-8");
    assert!(serde_json::from_str::<serde::de::IgnoredAny>(rec_s).is_ok());
    let out_s = std::str::from_utf8(&l.line).expect("output is UTF-8");
    let had_key = parsed.as_ref().is_some_and(|v| v.get(o.key).is_some());
    if !had_key && parsed.is_some() {
        // Spliced before the closing brace: every byte before it kept.
        let body = rec_s.trim_end();
        let head = &body[..body.len() - 1];
        assert!(
            out_s.starts_with(head),
            "{out_s} does not start with {head}"
        );
        let key = format!(",{}:", serde_json::to_string(o.key).unwrap());
        assert!(out_s[head.len()..].starts_with(&key), "{out_s}");
        assert!(out_s.ends_with('}'));
    }
    let Some(v) = parsed else {
        // Deeper than serde_json's `Value` goes: the bytes are checked above.
        return;
    };
    let text = text.expect("a checked record has a string at the field");
    let mut w: Value = serde_json::from_str(out_s).expect("as deep as the input");
    let ann = w
        .as_object_mut()
        .unwrap()
        .remove(o.key)
        .expect("the annotation");
    let mut v = v;
    v.as_object_mut().unwrap().remove(o.key);
    assert_eq!(w, v, "the record's other fields");
    check_annotation(&ann, &text, o.full);
}

// ---------------------------------------------------------------------------------------------
// WET.

/// A WARC record the `wet` target writes in its structured mode.
#[derive(Clone, Debug)]
pub struct WarcRec {
    /// `conversion`, `warcinfo`, `response`, `metadata`.
    pub kind: &'static str,
    pub id: String,
    pub url: String,
    pub date: Option<String>,
    pub body: Vec<u8>,
}

/// Turns fuzz bytes into records and their WARC text: per record, a control byte (bits 0-1
/// the type, bit 2 lower-case field names, bit 3 a `WARC-Date`, bit 4 LF line ends, bit 5 a
/// blank line before the record, bit 6 extra fields, bit 7 a 2-byte body length) and a
/// length, then the body. With `members`, each record is its own gzip member, as in Common
/// Crawl files.
pub fn warc_of(mut data: &[u8], members: bool) -> (Vec<WarcRec>, Vec<u8>, Vec<u64>) {
    let mut recs = Vec::new();
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    let mut plain_len = 0u64;
    while let Some((&c, rest)) = data.split_first() {
        data = rest;
        let len = if c & 128 != 0 {
            let n = data.len().min(2);
            let (a, r) = data.split_at(n);
            data = r;
            a.iter().fold(0usize, |acc, &x| acc * 256 + x as usize)
        } else {
            let Some((&n, r)) = data.split_first() else {
                break;
            };
            data = r;
            n as usize
        };
        let (body, r) = data.split_at(len.min(data.len()));
        data = r;
        let i = recs.len();
        let kind = ["conversion", "conversion", "warcinfo", "response"][(c & 3) as usize];
        let rec = WarcRec {
            kind,
            id: format!("<urn:uuid:{i:08}-\"\\\u{e9}>"),
            url: format!("https://example.org/{i}?q=\"x\"&\u{1f600}"),
            date: (c & 8 != 0).then(|| format!("2024-01-{:02}T00:00:00Z", i % 28 + 1)),
            body: body.to_vec(),
        };
        let nl: &[u8] = if c & 16 != 0 { b"\n" } else { b"\r\n" };
        let name = |n: &str| {
            if c & 4 != 0 {
                n.to_ascii_lowercase()
            } else {
                n.to_string()
            }
        };
        let mut w = Vec::new();
        if c & 32 != 0 {
            w.extend_from_slice(nl);
        }
        let start = plain_len + w.len() as u64;
        w.extend_from_slice(b"WARC/1.0");
        w.extend_from_slice(nl);
        let mut field = |k: &str, v: &str| {
            w.extend_from_slice(name(k).as_bytes());
            w.extend_from_slice(b": ");
            w.extend_from_slice(v.as_bytes());
            w.extend_from_slice(nl);
        };
        field("WARC-Type", rec.kind);
        field("WARC-Target-URI", &rec.url);
        if let Some(d) = &rec.date {
            field("WARC-Date", d);
        }
        field("WARC-Record-ID", &rec.id);
        if c & 64 != 0 {
            field("Content-Type", "text/plain");
            field("WARC-Identified-Content-Language", "eng");
        }
        field("Content-Length", &rec.body.len().to_string());
        w.extend_from_slice(nl);
        w.extend_from_slice(&rec.body);
        w.extend_from_slice(nl);
        w.extend_from_slice(nl);
        plain_len += w.len() as u64;
        if rec.kind == "conversion" {
            offsets.push(start);
        }
        if members {
            out.extend(compress(1, &w));
        } else {
            out.extend(w);
        }
        recs.push(rec);
    }
    (recs, out, offsets)
}

/// The `wet` target. Raw mode: any bytes as a WET stream; counts add up, every line is a JSON
/// object, error records name the source and an offset inside the stream, and a document's
/// text (with `--with-text`) is in the stream. Structured mode ([`warc_of`]): exactly one
/// line per `conversion` record, in order, at its offset, with its id, URL and date, its text
/// byte for byte, and the annotation the engine gives; bodies over the limit or not UTF-8 are
/// error records with the record's id.
pub fn wet(data: &[u8]) {
    let Some((&b, doc)) = data.split_first() else {
        return;
    };
    // WET records have an `id` of their own: the annotation is always `unspin`.
    let o = opts(b & !32);
    if b & 64 != 0 {
        return wet_structured(doc, o);
    }
    let input = compress(o.compression, doc);
    let (out, stats) = lines(&input, WET_NAME, Format::Wet, &o.args, detector());
    check_lines(&out, &stats);
    let plain = o.compression != 0 || !looks_compressed(doc);
    for l in &out {
        if l.error {
            let (m, _) = error_record(l, WET_NAME);
            if plain {
                let at = m["offset"].as_u64().expect("an offset") as usize;
                assert!(at <= doc.len(), "offset {at} past the end");
            }
            continue;
        }
        let v: Value = serde_json::from_slice(&l.line).expect("a WET record is shallow");
        let text = o
            .full
            .then(|| v["text"].as_str().expect("--with-text").to_string());
        if let (true, Some(t)) = (plain, &text) {
            assert!(
                t.is_empty() || memchr::memmem::find(doc, t.as_bytes()).is_some(),
                "the text is not in the input: {t:?}"
            );
        }
        if let Some(t) = &text {
            check_annotation(&v[o.key], t, true);
        }
    }
}

fn wet_structured(doc: &[u8], o: &Opts) {
    let (recs, bytes, offsets) = warc_of(doc, o.compression == 1);
    let input = if o.compression == 2 {
        compress(2, &bytes)
    } else {
        bytes
    };
    let (out, stats) = lines(&input, WET_NAME, Format::Wet, &o.args, detector());
    check_lines(&out, &stats);
    let docs: Vec<&WarcRec> = recs.iter().filter(|r| r.kind == "conversion").collect();
    assert_eq!(out.len(), docs.len(), "one line per conversion record");
    for ((l, r), &at) in out.iter().zip(&docs).zip(&offsets) {
        let v: Value = serde_json::from_slice(&l.line).expect("a WET record is shallow");
        let text = std::str::from_utf8(&r.body);
        if r.body.len() as u64 > o.max || text.is_err() {
            assert!(l.error, "{v}");
            let (m, id) = error_record(l, WET_NAME);
            assert_eq!(m["offset"], at, "{v}");
            assert_eq!(id, Some(serde_json::to_string(&r.id).unwrap()), "{v}");
            let want = match text {
                _ if r.body.len() as u64 > o.max => too_big(r.body.len() as u64, o.max),
                Err(e) => format!("invalid UTF-8 at byte {} of the text", e.valid_up_to()),
                Ok(_) => unreachable!(),
            };
            assert_eq!(m["error"], want);
            continue;
        }
        assert!(!l.error, "{v}");
        let text = text.unwrap();
        #[derive(Deserialize)]
        struct Doc {
            id: String,
            url: String,
            date: Option<String>,
            text: Option<String>,
        }
        let d: Doc = serde_json::from_value(v.clone()).expect("a WET document record");
        assert_eq!(d.id, r.id);
        assert_eq!(d.url, r.url);
        assert_eq!(d.date, r.date);
        if o.full {
            assert_eq!(d.text.as_deref(), Some(text), "the text, byte for byte");
        } else {
            assert!(d.text.is_none());
        }
        check_annotation(&v[o.key], text, o.full);
    }
}
