//! Input formats, compression, and sizes given on the command line.

use std::path::Path;

/// What the records of an input look like.
///
/// ```
/// use unspin_scan::Format;
/// assert_eq!(Format::from_name("CC-MAIN-2024-10.warc.wet.gz"), Some(Format::Wet));
/// assert_eq!(Format::from_name("part-0001.jsonl.zst"), Some(Format::Jsonl));
/// assert_eq!(Format::from_name("notes.txt"), Some(Format::Txt));
/// assert_eq!(Format::from_name("image.png"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`); the text is in `--field`.
    Jsonl,
    /// Common Crawl WET (`.warc.wet`, `.wet`, `.warc`): one record per `conversion` record.
    Wet,
    /// Plain text (`.txt`, `.text`): the whole file is one record whose id is its path.
    Txt,
}

impl Format {
    /// The format a file name implies, looking through a `.gz`, `.zst` or `.zstd` suffix.
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let base = [".gz", ".zst", ".zstd"]
            .iter()
            .find_map(|s| lower.strip_suffix(s))
            .unwrap_or(&lower);
        let ext = |e: &[&str]| e.iter().any(|e| base.ends_with(e));
        if ext(&[".jsonl", ".ndjson", ".json"]) {
            Some(Format::Jsonl)
        } else if ext(&[".wet", ".warc"]) {
            Some(Format::Wet)
        } else if ext(&[".txt", ".text"]) {
            Some(Format::Txt)
        } else {
            None
        }
    }

    /// The format of a path, by its file name.
    pub fn from_path(path: &Path) -> Option<Format> {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(Format::from_name)
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Wet => "wet",
            Format::Txt => "txt",
        }
    }
}

/// How a stream is compressed.
///
/// Inputs are recognised by their first bytes, not their names: a mislabelled or renamed file
/// still reads. Outputs are compressed as their names say.
///
/// ```
/// use unspin_scan::Compression;
/// assert_eq!(Compression::from_name("out.jsonl.gz"), Compression::Gzip);
/// assert_eq!(Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Compression::Zstd);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (possibly many members, as Common Crawl files are).
    Gzip,
    /// Zstandard (possibly many frames).
    Zstd,
}

impl Compression {
    /// The compression a file name asks for.
    pub fn from_name(name: &str) -> Compression {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".gz") {
            Compression::Gzip
        } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The compression a stream's first bytes show.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Parses a size such as `10MB`, `10M`, `512KiB`, `1G` or `1000` into bytes. `K`, `M` and `G`
/// are powers of 1000; `KiB`, `MiB` and `GiB` powers of 1024.
///
/// ```
/// assert_eq!(unspin_scan::parse_size("10MB"), Ok(10_000_000));
/// assert_eq!(unspin_scan::parse_size("2MiB"), Ok(2 * 1024 * 1024));
/// assert!(unspin_scan::parse_size("ten").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use B, KB, MB, GB, KiB, MiB or GiB)"
            ))
        }
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (for example 10MB)"))?;
    let bytes = n * mult as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("{s:?} is not a usable size (at least 1 byte)"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names() {
        for (name, f) in [
            ("a.jsonl", Some(Format::Jsonl)),
            ("a.JSONL.GZ", Some(Format::Jsonl)),
            ("a.ndjson.zst", Some(Format::Jsonl)),
            ("a.json.zstd", Some(Format::Jsonl)),
            ("CC-MAIN-x.warc.wet.gz", Some(Format::Wet)),
            ("a.wet", Some(Format::Wet)),
            ("a.txt.gz", Some(Format::Txt)),
            ("a.gz", None),
            ("jsonl", None),
            ("a.jsonl.bak", None),
        ] {
            assert_eq!(Format::from_name(name), f, "{name}");
        }
    }

    #[test]
    fn compression() {
        assert_eq!(Compression::from_name("x.jsonl"), Compression::None);
        assert_eq!(Compression::from_name("x.jsonl.GZ"), Compression::Gzip);
        assert_eq!(Compression::from_name("x.zstd"), Compression::Zstd);
        assert_eq!(Compression::sniff(b"\x1f\x8b\x08"), Compression::Gzip);
        assert_eq!(Compression::sniff(b"{\"a\":1}"), Compression::None);
        assert_eq!(Compression::sniff(b""), Compression::None);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1"), Ok(1));
        assert_eq!(parse_size("1.5k"), Ok(1500));
        assert_eq!(parse_size(" 3 GiB "), Ok(3 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
