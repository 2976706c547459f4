//! Reading documents: JSON Lines (optionally gzipped) with an id and a text field, or plain text
//! files (one document each).
//!
//! ```
//! use unspin_trace::input::{Docs, Fields};
//! let dir = std::env::temp_dir().join(format!("unspin-input-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let p = dir.join("refs.jsonl");
//! std::fs::write(&p, "{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": 7, \"text\": \"two\"}\n").unwrap();
//! let docs: Vec<_> = Docs::open(&p, &Fields::default()).unwrap().collect::<Result<_, _>>().unwrap();
//! assert_eq!(docs[1].id, "7");
//! assert_eq!(docs[1].text, "two");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::Error;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// One document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    /// Its id.
    pub id: String,
    /// Its text.
    pub text: String,
}

/// Which JSON fields hold the text and the id.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The text field.
    pub text: String,
    /// The id field. A record without one is named `FILE:LINE`.
    pub id: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            text: "text".into(),
            id: "id".into(),
        }
    }
}

/// Whether a path names JSON Lines (by extension, ignoring a final `.gz`).
pub fn is_jsonl(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [".jsonl", ".ndjson", ".json"]
        .iter()
        .any(|e| name.ends_with(e))
}

/// The documents of one file, in order. JSONL records without the text field are skipped and
/// counted ([`Docs::skipped`]); a line that is not JSON is an error naming the file and line.
pub struct Docs {
    path: PathBuf,
    name: String,
    fields: Fields,
    reader: Box<dyn BufRead>,
    jsonl: bool,
    line: usize,
    done: bool,
    skipped: usize,
}

impl Docs {
    /// Opens a file (`-` is standard input, read as JSONL).
    pub fn open(path: &Path, fields: &Fields) -> Result<Docs, Error> {
        let name = path.display().to_string();
        let io = |e| Error::io(path, e);
        let raw: Box<dyn Read> = if path == Path::new("-") {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).map_err(io)?)
        };
        let gz = path.extension().is_some_and(|e| e == "gz");
        let reader: Box<dyn BufRead> = if gz {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::read::MultiGzDecoder::new(raw),
            ))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, raw))
        };
        Ok(Docs {
            path: path.to_path_buf(),
            jsonl: path == Path::new("-") || is_jsonl(path),
            name,
            fields: fields.clone(),
            reader,
            line: 0,
            done: false,
            skipped: 0,
        })
    }

    /// Records skipped so far for lacking the text field.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    fn next_jsonl(&mut self) -> Option<Result<Doc, Error>> {
        let mut buf = String::new();
        loop {
            buf.clear();
            match self.reader.read_line(&mut buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(Error::io(&self.path, e))),
            }
            self.line += 1;
            let l = buf.trim();
            if l.is_empty() {
                continue;
            }
            let v: serde_json::Value = match serde_json::from_str(l) {
                Ok(v) => v,
                Err(e) => {
                    return Some(Err(Error::Input {
                        path: self.name.clone(),
                        line: self.line,
                        what: format!("not a JSON object: {e}"),
                    }))
                }
            };
            let Some(text) = v.get(&self.fields.text).and_then(|t| t.as_str()) else {
                self.skipped += 1;
                continue;
            };
            let id = match v.get(&self.fields.id) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => format!("{}:{}", self.name, self.line),
                Some(other) => other.to_string(),
            };
            return Some(Ok(Doc {
                id,
                text: text.to_string(),
            }));
        }
    }
}

impl Iterator for Docs {
    type Item = Result<Doc, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.jsonl {
            let r = self.next_jsonl();
            if r.is_none() {
                self.done = true;
            }
            return r;
        }
        self.done = true;
        let mut bytes = Vec::new();
        if let Err(e) = self.reader.read_to_end(&mut bytes) {
            return Some(Err(Error::io(&self.path, e)));
        }
        // Invalid UTF-8 is replaced rather than refused: a reference collection is often a
        // scrape, and one bad byte should not lose the document.
        let text = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Some(Ok(Doc {
            id: self.name.clone(),
            text,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A file name in a fresh directory; the directory goes when the returned guard drops.
    fn tmp(name: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        (d, p)
    }

    #[test]
    fn jsonl_fields_and_skips() {
        let (_dir, p) = tmp("a.jsonl");
        std::fs::write(
            &p,
            "{\"key\": \"x\", \"body\": \"hello\"}\n\n{\"body\": \"no id\"}\n{\"other\": 1}\n",
        )
        .unwrap();
        let f = Fields {
            text: "body".into(),
            id: "key".into(),
        };
        let mut d = Docs::open(&p, &f).unwrap();
        let docs: Vec<Doc> = d.by_ref().map(|r| r.unwrap()).collect();
        assert_eq!(docs[0].id, "x");
        assert!(docs[1].id.ends_with("a.jsonl:3"));
        assert_eq!(d.skipped(), 1);
    }

    #[test]
    fn gzipped_jsonl() {
        let (_dir, p) = tmp("b.jsonl.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"{\"id\": \"g\", \"text\": \"zipped\"}\n")
            .unwrap();
        std::fs::write(&p, e.finish().unwrap()).unwrap();
        let docs: Vec<Doc> = Docs::open(&p, &Fields::default())
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(
            docs,
            [Doc {
                id: "g".into(),
                text: "zipped".into()
            }]
        );
    }

    #[test]
    fn bad_json_names_file_and_line() {
        let (_dir, p) = tmp("c.jsonl");
        std::fs::write(&p, "{\"text\": \"ok\"}\n{broken\n").unwrap();
        let r: Vec<_> = Docs::open(&p, &Fields::default()).unwrap().collect();
        let e = r[1].as_ref().unwrap_err().to_string();
        assert!(e.contains("c.jsonl") && e.contains(":2"), "{e}");
    }

    #[test]
    fn text_file_is_one_doc() {
        let (_dir, p) = tmp("d.txt");
        std::fs::write(&p, "line one\nline two\n").unwrap();
        let docs: Vec<Doc> = Docs::open(&p, &Fields::default())
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(docs.len(), 1);
        assert!(docs[0].id.ends_with("d.txt"));
        assert!(!is_jsonl(&p));
        assert!(is_jsonl(Path::new("x.ndjson.gz")));
    }

    #[test]
    fn missing_file_is_an_error() {
        let e = Docs::open(Path::new("/nonexistent/x.jsonl"), &Fields::default())
            .err()
            .unwrap();
        assert!(e.to_string().contains("/nonexistent/x.jsonl"));
    }
}
