//! Inputs: which files a scan reads, and the records in them.
//!
//! Reading is sequential and cheap next to checking, so one thread does it. Every record the
//! reader meets becomes exactly one [`Item`], including the ones it cannot use (too big, cut
//! off, unreadable): those carry their problem so that the output accounts for them.

use crate::format::{Compression, Format};
use crate::Error;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Buffer size for reading inputs and their decompressed streams.
const BUF: usize = 256 * 1024;
/// Longest WARC header line; anything longer is not a header.
const MAX_HEADER_LINE: usize = 64 * 1024;

/// One input stream: a file or standard input.
#[derive(Clone, Debug)]
pub(crate) struct Source {
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    /// The name that records and errors cite.
    pub name: Arc<str>,
    pub format: Format,
    /// Size on disk (compressed), when known.
    pub size: Option<u64>,
}

/// The sources named by a scan's inputs, in order: directories expanded recursively with their
/// entries sorted, and the files in directories that are not of a known format (or hidden)
/// listed separately so the caller can say they were left out.
pub(crate) fn resolve(
    inputs: &[PathBuf],
    forced: Option<Format>,
) -> Result<(Vec<Source>, Vec<PathBuf>), Error> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    let mut stdin_seen = false;
    for p in inputs {
        if p.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::Usage("`-` (standard input) is given twice".into()));
            }
            stdin_seen = true;
            out.push(Source {
                path: None,
                name: Arc::from("-"),
                format: forced.unwrap_or(Format::Jsonl),
                size: None,
            });
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if meta.is_dir() {
            walk(p, forced, &mut out, &mut skipped)?;
        } else {
            let format = forced.or_else(|| Format::from_path(p)).ok_or_else(|| {
                Error::Usage(format!(
                    "{}: unknown format (name it .jsonl, .warc.wet or .txt, optionally .gz or \
                     .zst, or pass --format)",
                    p.display()
                ))
            })?;
            out.push(Source {
                name: Arc::from(p.display().to_string()),
                path: Some(p.clone()),
                format,
                size: Some(meta.len()),
            });
        }
    }
    Ok((out, skipped))
}

fn walk(
    dir: &Path,
    forced: Option<Format>,
    out: &mut Vec<Source>,
    skipped: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let e = e.map_err(|e| Error::io(dir, e))?;
        entries.push(e.path());
    }
    // Sorted so that a scan, and so a resumed scan, sees the records in the same order.
    entries.sort();
    for p in entries {
        // Hidden files include editors' and our own leftovers (`.partial` outputs are not
        // hidden, but they are not of a known format either).
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        let meta = std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?;
        if meta.is_dir() {
            if !hidden {
                walk(&p, forced, out, skipped)?;
            }
            continue;
        }
        match forced.or_else(|| Format::from_path(&p)) {
            Some(format) if !hidden => out.push(Source {
                name: Arc::from(p.display().to_string()),
                path: Some(p),
                format,
                size: Some(meta.len()),
            }),
            _ => skipped.push(p),
        }
    }
    Ok(())
}

/// Where a record is in its source, for error records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// 1-based line number (JSONL).
    Line(u64),
    /// Byte offset in the decompressed stream (WET).
    Offset(u64),
    /// The whole source (text files).
    Whole,
}

/// What a record holds.
#[derive(Debug)]
pub(crate) enum Body {
    /// A JSONL line without its line break.
    Json(Vec<u8>),
    /// A WET `conversion` record.
    Wet {
        id: String,
        url: Option<String>,
        date: Option<String>,
        text: Vec<u8>,
    },
    /// A whole text file.
    Text { id: String, text: Vec<u8> },
    /// A record that could not be read, and why.
    Error { message: String, id: Option<String> },
}

/// One record, as read.
#[derive(Debug)]
pub(crate) struct Item {
    pub source: Arc<str>,
    pub loc: Loc,
    /// Size of the record as read (the line, the WET body, the file).
    pub bytes: u64,
    pub body: Body,
}

/// How to read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadOpts {
    /// Records larger than this become error records (and are never held in memory whole).
    pub max_bytes: u64,
}

/// Counts the bytes read from the underlying file, for progress: it sees compressed bytes, which
/// is what the total size (from the file system) is measured in.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a source as a buffered, decompressed stream.
fn open(src: &Source, counter: &Arc<AtomicU64>) -> io::Result<Box<dyn BufRead>> {
    let raw: Box<dyn Read> = match &src.path {
        Some(p) => Box::new(std::fs::File::open(p)?),
        None => Box::new(io::stdin()),
    };
    decompressed(Counting {
        inner: raw,
        count: counter.clone(),
    })
}

/// A stream as a buffered reader of its decompressed bytes, the compression recognised by the
/// stream's first bytes.
fn decompressed<'a>(mut raw: impl Read + 'a) -> io::Result<Box<dyn BufRead + 'a>> {
    // Peek at the magic number, reading until 4 bytes are in (a pipe may deliver fewer at
    // once), then put them back in front of the stream.
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match raw.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = head[..n].to_vec();
    let buf = BufReader::with_capacity(BUF, io::Cursor::new(head.clone()).chain(raw));
    Ok(match Compression::sniff(&head) {
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF,
            flate2::bufread::MultiGzDecoder::new(buf),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUF,
            zstd::stream::read::Decoder::with_buffer(buf)?,
        )),
        Compression::None => Box::new(buf),
    })
}

/// Reads every record of `src`, in order, handing each to `emit`; stops early when `emit`
/// returns false. Problems inside the source become error items, never a failure of the scan.
pub(crate) fn read_source(
    src: &Source,
    opts: ReadOpts,
    counter: &Arc<AtomicU64>,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let r = open(src, counter);
    read_stream(src, r, opts, emit)
}

/// [`read_source`] on bytes in memory (plain or compressed), as if they were `src`'s content.
pub(crate) fn read_bytes(
    src: &Source,
    data: &[u8],
    opts: ReadOpts,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    read_stream(src, decompressed(data), opts, emit)
}

fn read_stream(
    src: &Source,
    r: io::Result<Box<dyn BufRead + '_>>,
    opts: ReadOpts,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let mut r = match r {
        Ok(r) => r,
        Err(e) => {
            emit(Item {
                source: src.name.clone(),
                loc: Loc::Whole,
                bytes: 0,
                body: Body::Error {
                    message: format!("cannot open: {e}"),
                    id: None,
                },
            });
            return;
        }
    };
    match src.format {
        Format::Jsonl => read_jsonl(src, &mut r, opts, emit),
        Format::Wet => read_wet(src, &mut r, opts, emit),
        Format::Txt => read_txt(src, &mut r, opts, emit),
    }
}

/// A line as [`read_line_capped`] read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LineLen {
    /// Length of the line without its `\n`, and without a `\r` before it.
    len: u64,
    /// Length of what was read: the line and its `\r` and `\n`, as far as they are there.
    raw: u64,
    /// Whether the bytes of a long line that `buf` does not hold are all ASCII whitespace.
    rest_blank: bool,
}

/// Reads up to and including the next `\n`, keeping at most `cap + 1` bytes of the line in
/// `buf` (without its `\n`, and without a `\r` before it) and returning its lengths, or `None`
/// at the end. A line over the cap is consumed but not stored whole: memory stays bounded.
fn read_line_capped(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<LineLen>> {
    buf.clear();
    let mut total = 0u64;
    let mut any = false;
    // The line's last byte so far: whether it ends in `\r` is known only at its end, and a
    // long line's end is not kept in `buf`.
    let mut last = None;
    let mut newline = false;
    let mut rest_blank = true;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        any = true;
        let (chunk, used, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..i], i + 1, true),
            None => (avail, avail.len(), false),
        };
        let keep = chunk.len().min((cap + 1).saturating_sub(buf.len()));
        buf.extend_from_slice(&chunk[..keep]);
        rest_blank = rest_blank && chunk[keep..].iter().all(u8::is_ascii_whitespace);
        total += chunk.len() as u64;
        if let Some(&b) = chunk.last() {
            last = Some(b);
        }
        r.consume(used);
        if done {
            newline = true;
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    let raw = total + newline as u64;
    if last == Some(b'\r') {
        total -= 1;
        buf.truncate(buf.len().min(total as usize));
    }
    Ok(Some(LineLen {
        len: total,
        raw,
        rest_blank,
    }))
}

fn too_big(bytes: u64, max: u64) -> String {
    format!("record is {bytes} bytes, over the limit of {max} bytes (--max-bytes raises it)")
}

fn read_jsonl(
    src: &Source,
    r: &mut dyn BufRead,
    opts: ReadOpts,
    emit: &mut dyn FnMut(Item) -> bool,
) {
    let cap = opts.max_bytes.min(usize::MAX as u64 - 1) as usize;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        line_no += 1;
        let (mut total, rest_blank) = match read_line_capped(r, &mut buf, cap) {
            Ok(Some(n)) => (n.len, n.rest_blank),
            Ok(None) => return,
            Err(e) => {
                emit(Item {
                    source: src.name.clone(),
                    loc: Loc::Line(line_no),
                    bytes: 0,
                    body: Body::Error {
                        message: format!("cannot read on: {e}; the rest of the source is skipped"),
                        id: None,
                    },
                });
                return;
            }
        };
        if line_no == 1 && buf.starts_with(b"\xef\xbb\xbf") {
            buf.drain(..3);
            total -= 3;
        }
        // A blank line, however long, holds no record (many writers end files with one, or two).
        if rest_blank && buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let body = if total > opts.max_bytes {
            Body::Error {
                message: too_big(total, opts.max_bytes),
                id: None,
            }
        } else {
            Body::Json(std::mem::take(&mut buf))
        };
        let go = emit(Item {
            source: src.name.clone(),
            loc: Loc::Line(line_no),
            bytes: total,
            body,
        });
        if !go {
            return;
        }
    }
}

fn read_txt(src: &Source, r: &mut dyn BufRead, opts: ReadOpts, emit: &mut dyn FnMut(Item) -> bool) {
    let mut text = Vec::new();
    let res = r.take(opts.max_bytes + 1).read_to_end(&mut text);
    let (bytes, body) = match res {
        Err(e) => (
            text.len() as u64,
            Body::Error {
                message: format!("cannot read: {e}"),
                id: Some(src.name.to_string()),
            },
        ),
        Ok(_) if text.len() as u64 > opts.max_bytes => {
            // Count the rest without keeping it, to say how big it is.
            let rest = io::copy(r, &mut io::sink()).unwrap_or(0);
            let n = text.len() as u64 + rest;
            (
                n,
                Body::Error {
                    message: too_big(n, opts.max_bytes),
                    id: Some(src.name.to_string()),
                },
            )
        }
        Ok(_) => (
            text.len() as u64,
            Body::Text {
                id: src.name.to_string(),
                text,
            },
        ),
    };
    emit(Item {
        source: src.name.clone(),
        loc: Loc::Whole,
        bytes,
        body,
    });
}

/// A WARC header block.
#[derive(Default)]
struct WarcHeader {
    kind: Option<String>,
    id: Option<String>,
    url: Option<String>,
    date: Option<String>,
    length: Option<u64>,
}

/// Reads WET (WARC) records. Only `conversion` records are documents; `warcinfo` and any other
/// record type are metadata and are passed over. Garbage between records becomes one error
/// record per run of garbage, after which reading resumes at the next `WARC/` line.
fn read_wet(src: &Source, r: &mut dyn BufRead, opts: ReadOpts, emit: &mut dyn FnMut(Item) -> bool) {
    let mut pos = 0u64; // decompressed offset of the next unread byte
    let mut line = Vec::new();
    let err_item = |offset: u64, message: String, id: Option<String>| Item {
        source: src.name.clone(),
        loc: Loc::Offset(offset),
        bytes: 0,
        body: Body::Error { message, id },
    };
    let mut in_garbage = false;
    loop {
        let start = pos;
        let blank = match next_line(r, &mut line, &mut pos) {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                emit(err_item(
                    start,
                    format!("cannot read on: {e}; the rest of the source is skipped"),
                    None,
                ));
                return;
            }
        };
        // Blank lines between records (and files of nothing else) hold no record.
        if blank {
            continue;
        }
        if !line.starts_with(b"WARC/") {
            if !in_garbage {
                in_garbage = true;
                let shown: String =
                    String::from_utf8_lossy(&line[..line.len().min(40)]).into_owned();
                if !emit(err_item(
                    start,
                    format!("malformed WARC: expected a `WARC/` version line, found {shown:?}"),
                    None,
                )) {
                    return;
                }
            }
            continue;
        }
        in_garbage = false;
        // Header fields up to the blank line.
        let mut h = WarcHeader::default();
        let mut bad: Option<String> = None;
        loop {
            match next_line(r, &mut line, &mut pos) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    bad = Some("truncated WARC header at the end of the source".into());
                    break;
                }
                Err(e) => {
                    emit(err_item(
                        start,
                        format!("cannot read on: {e}; the rest of the source is skipped"),
                        h.id,
                    ));
                    return;
                }
            }
            if line.is_empty() {
                break;
            }
            if line.len() > MAX_HEADER_LINE {
                bad = Some("malformed WARC: header line too long".into());
                break;
            }
            let text = String::from_utf8_lossy(&line);
            let Some((k, v)) = text.split_once(':') else {
                bad = Some(format!(
                    "malformed WARC header line {:?}",
                    truncate(&text, 60)
                ));
                break;
            };
            let v = v.trim().to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "warc-type" => h.kind = Some(v),
                "warc-record-id" => h.id = Some(v),
                "warc-target-uri" => h.url = Some(v),
                "warc-date" => h.date = Some(v),
                "content-length" => match v.parse() {
                    Ok(n) => h.length = Some(n),
                    Err(_) => bad = Some(format!("malformed WARC: Content-Length {v:?}")),
                },
                _ => {}
            }
        }
        let length = match (&bad, h.length) {
            (None, Some(n)) => n,
            (None, None) => {
                bad = Some("malformed WARC header: no Content-Length".into());
                0
            }
            _ => 0,
        };
        if let Some(msg) = bad {
            // Without a length the body cannot be skipped: resynchronise on the next `WARC/`.
            in_garbage = true;
            if !emit(err_item(start, msg, h.id)) {
                return;
            }
            continue;
        }
        let is_doc = h.kind.as_deref() == Some("conversion");
        if !is_doc || length > opts.max_bytes {
            let skipped = match io::copy(&mut r.take(length), &mut io::sink()) {
                Ok(n) => n,
                Err(e) => {
                    emit(err_item(
                        start,
                        format!("cannot read on: {e}; the rest of the source is skipped"),
                        h.id,
                    ));
                    return;
                }
            };
            pos += skipped;
            // A record of another type is no document, but one cut off by the end of the
            // source may have swallowed documents: that is said too.
            if is_doc || skipped < length {
                let msg = if skipped < length {
                    format!("truncated WARC record: Content-Length {length} but the source ends after {skipped} bytes")
                } else {
                    too_big(length, opts.max_bytes)
                };
                let mut it = err_item(start, msg, h.id);
                it.bytes = skipped;
                if !emit(it) {
                    return;
                }
            }
            continue;
        }
        let mut text = Vec::with_capacity(length as usize);
        match r.take(length).read_to_end(&mut text) {
            Ok(_) => {}
            Err(e) => {
                emit(err_item(
                    start,
                    format!("cannot read on: {e}; the rest of the source is skipped"),
                    h.id,
                ));
                return;
            }
        }
        pos += text.len() as u64;
        let item = if (text.len() as u64) < length {
            let mut it = err_item(
                start,
                format!(
                    "truncated WARC record: Content-Length {length} but the source ends after {} bytes",
                    text.len()
                ),
                h.id,
            );
            it.bytes = text.len() as u64;
            it
        } else {
            Item {
                source: src.name.clone(),
                loc: Loc::Offset(start),
                bytes: length,
                body: Body::Wet {
                    id: h.id.unwrap_or_default(),
                    url: h.url,
                    date: h.date,
                    text,
                },
            }
        };
        if !emit(item) {
            return;
        }
    }
}

/// Reads a WARC line (without its CR LF), advancing `pos` past it; returns whether it is blank
/// (nothing but ASCII whitespace).
fn next_line(r: &mut dyn BufRead, line: &mut Vec<u8>, pos: &mut u64) -> io::Result<Option<bool>> {
    let n = read_line_capped(r, line, MAX_HEADER_LINE)?;
    if let Some(n) = n {
        *pos += n.raw;
    }
    Ok(n.map(|n| n.rest_blank && line.iter().all(u8::is_ascii_whitespace)))
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(format: Format, data: &[u8], max: u64) -> Vec<Item> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in");
        std::fs::write(&p, data).unwrap();
        let src = Source {
            path: Some(p),
            name: Arc::from("in"),
            format,
            size: None,
        };
        let mut out = Vec::new();
        read_source(
            &src,
            ReadOpts { max_bytes: max },
            &Arc::new(AtomicU64::new(0)),
            &mut |it| {
                out.push(it);
                true
            },
        );
        out
    }

    fn describe(it: &Item) -> String {
        let loc = match it.loc {
            Loc::Line(n) => format!("L{n}"),
            Loc::Offset(n) => format!("@{n}"),
            Loc::Whole => "*".into(),
        };
        match &it.body {
            Body::Json(b) => format!("{loc} json {}", String::from_utf8_lossy(b)),
            Body::Wet { id, url, text, .. } => format!(
                "{loc} wet {id} {} {:?}",
                url.as_deref().unwrap_or("-"),
                String::from_utf8_lossy(text)
            ),
            Body::Text { id, text } => format!("{loc} text {id} {}", text.len()),
            Body::Error { message, .. } => format!("{loc} error {message}"),
        }
    }

    #[test]
    fn jsonl_lines_blank_lines_crlf_bom_and_limits() {
        let data = b"\xef\xbb\xbf{\"a\":1}\r\n\n  \n{\"b\":2}\n0123456789012345\n{\"c\":3}\n                    \r\n0123456789\r0123456\n";
        let got: Vec<String> = items(Format::Jsonl, data, 10)
            .iter()
            .map(describe)
            .collect();
        assert_eq!(
            got,
            [
                "L1 json {\"a\":1}",
                "L4 json {\"b\":2}",
                "L5 error record is 16 bytes, over the limit of 10 bytes (--max-bytes raises it)",
                "L6 json {\"c\":3}",
                "L8 error record is 18 bytes, over the limit of 10 bytes (--max-bytes raises it)",
            ]
        );
    }

    #[test]
    fn line_cap_keeps_memory_bounded() {
        let mut r: &[u8] = b"aaaaaaaaaaaaaaaaaaaa\nb\r\naaaa\raaaaa\r\n   \r  \t  \nc";
        let mut buf = Vec::new();
        let mut next = |buf: &mut Vec<u8>| {
            read_line_capped(&mut r, buf, 4)
                .unwrap()
                .map(|n| (n.len, n.raw, n.rest_blank))
        };
        assert_eq!(next(&mut buf), Some((20, 21, false)));
        assert_eq!(buf.len(), 5);
        assert_eq!(next(&mut buf), Some((1, 3, true)));
        assert_eq!(buf, b"b");
        // A `\r` that happens to be the last byte kept is not the line's end.
        assert_eq!(next(&mut buf), Some((10, 12, false)));
        assert_eq!(buf, b"aaaa\r");
        assert_eq!(next(&mut buf), Some((9, 10, true)));
        assert_eq!(next(&mut buf), Some((1, 1, true)));
        assert_eq!(next(&mut buf), None);
    }

    fn warc(kind: &str, id: &str, body: &str) -> String {
        format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: http://x/{id}\r\nWARC-Record-ID: <urn:{id}>\r\nContent-Length: {}\r\n\r\n{body}\r\n\r\n",
            body.len()
        )
    }

    #[test]
    fn wet_records_and_garbage() {
        let mut data = warc("warcinfo", "info", "software: x\r\n");
        data += &warc("conversion", "a", "Hello world.\nSecond line.");
        data += "garbage line\r\nmore garbage\r\n";
        data += &warc("conversion", "b", "Caf\u{e9}.");
        data += "WARC/1.0\r\nWARC-Type: conversion\r\n\r\n";
        data += &warc(
            "conversion",
            "c",
            "0123456789012345678901234567890123456789",
        );
        data += &warc("conversion", "d", "ok");
        data += "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:e>\r\nContent-Length: 100\r\n\r\nshort";
        let got: Vec<String> = items(Format::Wet, data.as_bytes(), 30)
            .iter()
            .map(describe)
            .collect();
        let lines: Vec<&str> = got.iter().map(|s| s.split_once(' ').unwrap().1).collect();
        assert_eq!(
            lines,
            [
                "wet <urn:a> http://x/a \"Hello world.\\nSecond line.\"",
                "error malformed WARC: expected a `WARC/` version line, found \"garbage line\"",
                "wet <urn:b> http://x/b \"Café.\"",
                "error malformed WARC header: no Content-Length",
                "error record is 40 bytes, over the limit of 30 bytes (--max-bytes raises it)",
                "wet <urn:d> http://x/d \"ok\"",
                "error truncated WARC record: Content-Length 100 but the source ends after 5 bytes",
            ]
        );
        // Offsets point at the records' `WARC/` lines.
        let all = items(Format::Wet, data.as_bytes(), 30);
        for it in &all {
            if let Loc::Offset(o) = it.loc {
                let at = &data.as_bytes()[o as usize..];
                assert!(
                    at.starts_with(b"WARC/") || at.starts_with(b"garbage"),
                    "{o}"
                );
            }
        }
    }

    #[test]
    fn txt_whole_file() {
        let got = items(Format::Txt, b"Some text.\n", 100);
        assert_eq!(got.len(), 1);
        assert_eq!(describe(&got[0]), "* text in 11");
        let got = items(Format::Txt, &[b'x'; 200], 100);
        assert_eq!(
            describe(&got[0]),
            "* error record is 200 bytes, over the limit of 100 bytes (--max-bytes raises it)"
        );
        assert_eq!(got[0].bytes, 200);
    }

    #[test]
    fn compressed_inputs_are_sniffed() {
        use std::io::Write;
        let plain = b"{\"a\":1}\n{\"b\":2}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain[..8]).unwrap();
        let mut gzb = gz.finish().unwrap();
        // A second member, as Common Crawl and our own outputs have.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain[8..]).unwrap();
        gzb.extend(gz.finish().unwrap());
        let zs = zstd::encode_all(&plain[..], 3).unwrap();
        for data in [gzb, zs] {
            let got: Vec<String> = items(Format::Jsonl, &data, 100)
                .iter()
                .map(describe)
                .collect();
            assert_eq!(got, ["L1 json {\"a\":1}", "L2 json {\"b\":2}"]);
        }
    }

    #[test]
    fn corrupt_compressed_stream_becomes_an_error_record() {
        let mut data = zstd::encode_all(&b"{\"a\":1}\n".repeat(1000)[..], 3).unwrap();
        let n = data.len();
        data.truncate(n / 2);
        let got = items(Format::Jsonl, &data, 100);
        let last = got.last().unwrap();
        assert!(
            matches!(&last.body, Body::Error { message, .. } if message.contains("the rest of the source is skipped")),
            "{}",
            describe(last)
        );
        assert!(got[..got.len() - 1]
            .iter()
            .all(|i| matches!(i.body, Body::Json(_))));
    }

    #[test]
    fn directories_are_walked_sorted_with_unknown_files_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        for f in [
            "b/c/z.jsonl",
            "b/a.txt",
            "a.jsonl.gz",
            "readme.md",
            ".hidden.jsonl",
            "b/x.warc.wet.gz",
        ] {
            std::fs::write(d.join(f), b"").unwrap();
        }
        let (srcs, skipped) = resolve(&[d.to_path_buf()], None).unwrap();
        let names: Vec<String> = srcs
            .iter()
            .map(|s| {
                s.path
                    .as_ref()
                    .unwrap()
                    .strip_prefix(d)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            ["a.jsonl.gz", "b/a.txt", "b/c/z.jsonl", "b/x.warc.wet.gz"]
        );
        assert_eq!(skipped.len(), 2);
        assert!(matches!(
            resolve(&[d.join("readme.md")], None),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            resolve(&[d.join("nope.jsonl")], None),
            Err(Error::Io { .. })
        ));
        let (srcs, _) = resolve(&[d.join("readme.md")], Some(Format::Txt)).unwrap();
        assert_eq!(srcs[0].format, Format::Txt);
    }
}
