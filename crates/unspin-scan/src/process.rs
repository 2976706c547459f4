//! One record in, one output line out.
//!
//! JSONL records are spliced, never re-serialized: the annotation is inserted before the
//! object's closing brace (or replaces the value of an existing annotation key in place), so
//! every other byte of the line (key order, number spelling, string escapes, whitespace,
//! duplicate keys) passes through exactly. serde_json's `preserve_order` would keep key order
//! but not number spelling, and would change `Map` for every crate of the workspace.

use crate::input::{Body, Item, Loc};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt::Write as _;
use std::io::Write as _;
use unspin_core::{Detector, Report, Verdict};

/// Where the text is in a JSONL record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldPath {
    /// A top-level key.
    Key(String),
    /// A JSON Pointer (RFC 6901) such as `/doc/body`, for nested text.
    Pointer(Vec<String>),
}

impl FieldPath {
    /// `text` is a top-level key; `/a/b` a JSON Pointer.
    pub fn parse(s: &str) -> FieldPath {
        match s.strip_prefix('/') {
            Some(rest) => FieldPath::Pointer(
                rest.split('/')
                    .map(|t| t.replace("~1", "/").replace("~0", "~"))
                    .collect(),
            ),
            None => FieldPath::Key(s.to_string()),
        }
    }

    fn describe(&self) -> String {
        match self {
            FieldPath::Key(k) => format!("{k:?}"),
            FieldPath::Pointer(p) => format!("\"/{}\"", p.join("/")),
        }
    }

    fn steps(&self) -> &[String] {
        match self {
            FieldPath::Key(k) => std::slice::from_ref(k),
            FieldPath::Pointer(p) => p,
        }
    }
}

/// Everything a worker needs to turn records into lines.
pub(crate) struct Ctx {
    pub det: Detector,
    pub field: FieldPath,
    /// The annotation key, JSON-encoded with its quotes.
    pub key_json: String,
    pub key: String,
    pub spans: bool,
    pub restore: bool,
    pub with_text: bool,
}

impl Ctx {
    pub fn new(args: &crate::ScanArgs, det: &Detector) -> Ctx {
        Ctx {
            det: det.clone(),
            field: FieldPath::parse(&args.field),
            key_json: serde_json::to_string(&args.key).expect("a string serializes"),
            key: args.key.clone(),
            spans: args.spans,
            restore: args.restore,
            with_text: args.with_text,
        }
    }
}

/// How a record came out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Class {
    /// Checked; the score as written in the output (rounded).
    Scored { score: f64, spun: bool },
    /// An error record.
    Error,
}

/// One output line (without its line break).
#[derive(Debug)]
pub(crate) struct Out {
    pub line: Vec<u8>,
    pub class: Class,
    /// Size of the record as read.
    pub record_bytes: u64,
    /// Size of the document text checked.
    pub text_bytes: u64,
}

/// A JSON object's members, in order, with their values unparsed.
struct Fields<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = m.next_entry::<String, &'de RawValue>()? {
                    v.push(e);
                }
                Ok(Fields(v))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'a> Fields<'a> {
    /// The last value of `key` (as most JSON readers take it).
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// What kind of JSON value a raw value is, for messages.
fn kind_of(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// serde_json's message without its " at line 1 column N" (a record is one line; the column
/// is given separately).
fn json_message(e: &serde_json::Error) -> String {
    let m = e.to_string();
    match m.rsplit_once(" at line ") {
        Some((a, _)) => a.to_string(),
        None => m,
    }
}

/// The text of a checked document, or why there is none.
fn lookup<'a>(fields: &Fields<'a>, path: &FieldPath) -> Result<&'a RawValue, String> {
    let steps = path.steps();
    let mut cur: Option<&'a RawValue> = None;
    for (i, step) in steps.iter().enumerate() {
        let found = match cur {
            None => fields.get(step),
            Some(raw) => {
                let sub: Fields<'a> = serde_json::from_str(raw.get()).map_err(|_| {
                    format!(
                        "field {} is {}, not an object",
                        FieldPath::Pointer(steps[..i].to_vec()).describe(),
                        kind_of(raw.get())
                    )
                })?;
                sub.get(step)
            }
        };
        cur = Some(found.ok_or_else(|| format!("no field {}", path.describe()))?);
    }
    cur.ok_or_else(|| format!("no field {}", path.describe()))
}

/// Turns one record into its output line.
pub(crate) fn process(item: Item, ctx: &Ctx) -> Out {
    let bytes = item.bytes;
    match item.body {
        Body::Json(line) => json(&item.source, item.loc, line, bytes, ctx),
        Body::Wet {
            id,
            url,
            date,
            text,
        } => {
            let mut head = String::from("{\"id\":");
            push_json_str(&mut head, &id);
            if let Some(u) = &url {
                head.push_str(",\"url\":");
                push_json_str(&mut head, u);
            }
            if let Some(d) = &date {
                head.push_str(",\"date\":");
                push_json_str(&mut head, d);
            }
            document(&item.source, item.loc, Some(&id), head, text, bytes, ctx)
        }
        Body::Text { id, text } => {
            let mut head = String::from("{\"id\":");
            push_json_str(&mut head, &id);
            document(&item.source, item.loc, Some(&id), head, text, bytes, ctx)
        }
        Body::Error { message, id } => {
            let id = id.map(|i| serde_json::to_string(&i).expect("a string serializes"));
            error(&item.source, item.loc, &message, id.as_deref(), bytes)
        }
    }
}

fn push_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("a string serializes"));
}

/// An error record: `{"error": "...", "source": "...", "line": 12, "id": ...}` (`offset` for
/// WET; `id` when the record's id is known).
fn error(source: &str, loc: Loc, message: &str, id_json: Option<&str>, bytes: u64) -> Out {
    let mut s = String::from("{\"error\":");
    push_json_str(&mut s, message);
    s.push_str(",\"source\":");
    push_json_str(&mut s, source);
    match loc {
        Loc::Line(n) => {
            let _ = write!(s, ",\"line\":{n}");
        }
        Loc::Offset(n) => {
            let _ = write!(s, ",\"offset\":{n}");
        }
        Loc::Whole => {}
    }
    if let Some(id) = id_json {
        s.push_str(",\"id\":");
        s.push_str(id);
    }
    s.push('}');
    Out {
        line: s.into_bytes(),
        class: Class::Error,
        record_bytes: bytes,
        text_bytes: 0,
    }
}

/// Checks a text; a panic in the engine becomes an error message instead of ending the scan.
fn check(det: &Detector, text: &str) -> Result<Report, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| det.check(text))).map_err(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("internal error while checking: {what}")
    })
}

/// Rounds a score to 4 decimals: plenty for a probability, and the split decides on the score
/// as written so that an output is consistent with itself.
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// The annotation object: `{"score":..,"verdict":..,"words":..[,"spans":[..]][,"restored":".."]}`.
fn annotation(report: &Report, text: &str, ctx: &Ctx) -> (Vec<u8>, f64) {
    let score = round4(report.score);
    let mut a = Vec::with_capacity(64);
    let _ = write!(
        a,
        "{{\"score\":{},\"verdict\":\"{}\",\"words\":{}",
        serde_json::to_string(&score).expect("a float serializes"),
        report.verdict,
        report.words
    );
    if ctx.spans {
        a.extend_from_slice(b",\"spans\":");
        serde_json::to_writer(&mut a, &report.spans).expect("spans serialize");
    }
    if ctx.restore {
        a.extend_from_slice(b",\"restored\":");
        let restored = unspin_core::report::apply_spans(text, &report.spans);
        serde_json::to_writer(&mut a, &restored).expect("a string serializes");
    }
    a.push(b'}');
    (a, score)
}

fn json(source: &str, loc: Loc, line: Vec<u8>, bytes: u64, ctx: &Ctx) -> Out {
    let s = match std::str::from_utf8(&line) {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to());
            return error(source, loc, &msg, None, bytes);
        }
    };
    let fields: Fields = match serde_json::from_str(s) {
        Ok(f) => f,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            let msg = format!("not a JSON object: the line is {}", kind_of(s));
            return error(source, loc, &msg, None, bytes);
        }
        Err(e) => {
            let msg = format!(
                "malformed JSON at column {}: {}",
                e.column(),
                json_message(&e)
            );
            return error(source, loc, &msg, None, bytes);
        }
    };
    let id = fields.get("id").map(|r| r.get());
    let raw = match lookup(&fields, &ctx.field) {
        Ok(r) => r,
        Err(msg) => return error(source, loc, &msg, id, bytes),
    };
    if !raw.get().starts_with('"') {
        let msg = format!(
            "field {} is {}, not a string",
            ctx.field.describe(),
            kind_of(raw.get())
        );
        return error(source, loc, &msg, id, bytes);
    }
    let text: String = match serde_json::from_str(raw.get()) {
        Ok(t) => t,
        // A lone surrogate escape (\ud800) is valid JSON but not text.
        Err(e) => {
            let msg = format!(
                "field {} is not valid text: {}",
                ctx.field.describe(),
                json_message(&e)
            );
            return error(source, loc, &msg, id, bytes);
        }
    };
    let report = match check(&ctx.det, &text) {
        Ok(r) => r,
        Err(msg) => return error(source, loc, &msg, id, bytes),
    };
    let (ann, score) = annotation(&report, &text, ctx);
    let mut out = Vec::with_capacity(s.len() + ann.len() + ctx.key_json.len() + 2);
    if let Some(old) = fields.get(&ctx.key) {
        // Re-scanning a scanned file: replace the old annotation where it stands.
        let at = old.get().as_ptr() as usize - s.as_ptr() as usize;
        out.extend_from_slice(&s.as_bytes()[..at]);
        out.extend_from_slice(&ann);
        out.extend_from_slice(&s.as_bytes()[at + old.get().len()..]);
    } else {
        // The line parsed as an object, so its last non-blank byte is the closing brace.
        let body = s.trim_end();
        let close = body.len() - 1;
        debug_assert_eq!(body.as_bytes()[close], b'}');
        out.extend_from_slice(&body.as_bytes()[..close]);
        if !fields.0.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(ctx.key_json.as_bytes());
        out.push(b':');
        out.extend_from_slice(&ann);
        out.push(b'}');
    }
    Out {
        line: out,
        class: Class::Scored {
            score,
            spun: report.verdict == Verdict::Spun,
        },
        record_bytes: bytes,
        text_bytes: text.len() as u64,
    }
}

/// WET and text records: `head` is the object so far (`{"id":..,...`), without its brace.
fn document(
    source: &str,
    loc: Loc,
    id: Option<&str>,
    mut head: String,
    text: Vec<u8>,
    bytes: u64,
    ctx: &Ctx,
) -> Out {
    let id_json = id.map(|i| serde_json::to_string(i).expect("a string serializes"));
    let text = match String::from_utf8(text) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!(
                "invalid UTF-8 at byte {} of the text",
                e.utf8_error().valid_up_to()
            );
            return error(source, loc, &msg, id_json.as_deref(), bytes);
        }
    };
    let report = match check(&ctx.det, &text) {
        Ok(r) => r,
        Err(msg) => return error(source, loc, &msg, id_json.as_deref(), bytes),
    };
    if ctx.with_text {
        head.push_str(",\"text\":");
        push_json_str(&mut head, &text);
    }
    let (ann, score) = annotation(&report, &text, ctx);
    let mut out = head.into_bytes();
    out.push(b',');
    out.extend_from_slice(ctx.key_json.as_bytes());
    out.push(b':');
    out.extend_from_slice(&ann);
    out.push(b'}');
    Out {
        line: out,
        class: Class::Scored {
            score,
            spun: report.verdict == Verdict::Spun,
        },
        record_bytes: bytes,
        text_bytes: text.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ctx(field: &str) -> Ctx {
        Ctx {
            det: Detector::new(unspin_core::fixture::tiny_model()),
            field: FieldPath::parse(field),
            key_json: "\"unspin\"".into(),
            key: "unspin".into(),
            spans: false,
            restore: false,
            with_text: false,
        }
    }

    fn run(line: &[u8], c: &Ctx) -> (String, Class) {
        let it = Item {
            source: Arc::from("f.jsonl"),
            loc: Loc::Line(7),
            bytes: line.len() as u64,
            body: Body::Json(line.to_vec()),
        };
        let o = process(it, c);
        let s = String::from_utf8(o.line).unwrap();
        // Every output line is one JSON object.
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert!(v.is_object());
        (s, o.class)
    }

    fn err(line: &[u8], c: &Ctx) -> String {
        let (s, class) = run(line, c);
        assert_eq!(class, Class::Error, "{s}");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["source"], "f.jsonl");
        assert_eq!(v["line"], 7);
        v["error"].as_str().unwrap().to_string()
    }

    #[test]
    fn splices_without_touching_other_bytes() {
        let c = ctx("text");
        let line = br#"{"z": 1.50, "big": 123456789012345678901234567890, "text": "The inventory market fell sharply on Monday.", "a": {"n": [1e5, "\u00e9"]} }"#;
        let (s, class) = run(line, &c);
        let orig = std::str::from_utf8(line).unwrap();
        let cut = orig.rfind('}').unwrap();
        assert!(s.starts_with(&orig[..cut]), "{s}");
        assert!(s[cut..].starts_with(",\"unspin\":{\"score\":"), "{s}");
        assert!(matches!(class, Class::Scored { .. }));
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert!(v["unspin"]["score"].as_f64().unwrap() > 0.0);
        assert_eq!(v["unspin"]["words"], 7);
    }

    #[test]
    fn empty_object_and_existing_key() {
        let c = ctx("text");
        // No text field in an empty object: an error, but the splice must be valid when it works.
        assert_eq!(err(b"{}", &c), "no field \"text\"");
        let (s, _) = run(br#"{"text":"","unspin":{"old":true},"x":1}"#, &c);
        assert_eq!(
            s,
            r#"{"text":"","unspin":{"score":0.0,"verdict":"unsure","words":0},"x":1}"#
        );
    }

    #[test]
    fn nested_field_by_pointer() {
        let c = ctx("/doc/body");
        let (s, _) = run(
            br#"{"doc":{"body":"The inventory market rose on Tuesday."}}"#,
            &c,
        );
        assert!(s.contains("\"unspin\":{\"score\""), "{s}");
        assert_eq!(
            err(br#"{"doc":"flat"}"#, &c),
            "field \"/doc\" is a string, not an object"
        );
        assert_eq!(err(br#"{"doc":{}}"#, &c), "no field \"/doc/body\"");
        assert_eq!(
            FieldPath::parse("/a~1b/c~0"),
            FieldPath::Pointer(vec!["a/b".into(), "c~".into()])
        );
    }

    #[test]
    fn error_records_say_what_is_wrong() {
        let c = ctx("text");
        assert_eq!(
            err(b"{\"text\": \"ab", &c),
            "malformed JSON at column 12: EOF while parsing a string"
        );
        assert!(err(b"{\"text\": 1,}", &c).starts_with("malformed JSON at column 12"));
        assert_eq!(err(b"[1,2]", &c), "not a JSON object: the line is an array");
        assert_eq!(
            err(b"\"text\"", &c),
            "not a JSON object: the line is a string"
        );
        assert_eq!(
            err(b"{\"text\": null}", &c),
            "field \"text\" is null, not a string"
        );
        assert_eq!(
            err(b"{\"text\": {\"a\":1}}", &c),
            "field \"text\" is an object, not a string"
        );
        assert_eq!(
            err(b"{\"text\": 5e3}", &c),
            "field \"text\" is a number, not a string"
        );
        assert_eq!(
            err(b"{\"text\": \"a\xff\"}", &c),
            "invalid UTF-8 at byte 11 of the line"
        );
        assert!(
            err(br#"{"text": "\ud800 x"}"#, &c).starts_with("field \"text\" is not valid text: ")
        );
        // The record's id, when there is one, is carried into the error record.
        let (s, _) = run(br#"{"id": 17, "body": "x"}"#, &c);
        assert!(s.ends_with(r#""line":7,"id":17}"#), "{s}");
    }

    #[test]
    fn unicode_and_escapes_in_text() {
        let c = Ctx {
            restore: true,
            spans: true,
            ..ctx("text")
        };
        let (s, _) = run(
            "{\"text\":\"\u{1F600} The inventory market fell sharply on Monday. \\\"Caf\\u00e9\\\" \u{4e2d}\u{6587}\"}".as_bytes(),
            &c,
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            v["unspin"]["restored"],
            "\u{1F600} The stock market fell sharply on Monday. \"Café\" 中文"
        );
        let span = &v["unspin"]["spans"][0];
        assert_eq!(span["text"], "inventory");
        // Offsets are bytes into the decoded text.
        assert_eq!(span["start"], 9);
    }

    #[test]
    fn wet_and_text_records() {
        let c = Ctx {
            with_text: true,
            ..ctx("text")
        };
        let it = Item {
            source: Arc::from("x.warc.wet"),
            loc: Loc::Offset(0),
            bytes: 5,
            body: Body::Wet {
                id: "<urn:uuid:1>".into(),
                url: Some("http://a/\"b".into()),
                date: None,
                text: b"Hello.".to_vec(),
            },
        };
        let o = process(it, &c);
        let s = String::from_utf8(o.line).unwrap();
        assert!(
            s.starts_with(
                r#"{"id":"<urn:uuid:1>","url":"http://a/\"b","text":"Hello.","unspin":{"#
            ),
            "{s}"
        );
        let it = Item {
            source: Arc::from("a.txt"),
            loc: Loc::Whole,
            bytes: 2,
            body: Body::Text {
                id: "a.txt".into(),
                text: b"\xff\xfe".to_vec(),
            },
        };
        let o = process(it, &c);
        assert_eq!(
            String::from_utf8(o.line).unwrap(),
            r#"{"error":"invalid UTF-8 at byte 0 of the text","source":"a.txt","id":"a.txt"}"#
        );
    }
}
