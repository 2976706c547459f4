//! Reading documents, with errors that name the input and the problem.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// One document: its display name (`-` for standard input) and its text.
pub struct Doc {
    pub name: String,
    pub text: String,
}

/// Reads a file, or standard input for `-`, as UTF-8, refusing documents over `max` bytes.
pub fn read(path: &Path, max: usize) -> Result<Doc> {
    let (name, bytes) = if path.as_os_str() == "-" {
        (
            "-".to_string(),
            read_at_most(std::io::stdin().lock(), "-", max)?,
        )
    } else {
        let name = path.display().to_string();
        if path.is_dir() {
            bail!("{name}: is a directory, not a text file");
        }
        let f = std::fs::File::open(path).with_context(|| format!("cannot read {name}"))?;
        let b = read_at_most(f, &name, max)?;
        (name, b)
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Doc { name, text }),
        Err(e) => bail!(
            "{name}: invalid UTF-8 at byte offset {}",
            e.utf8_error().valid_up_to()
        ),
    }
}

/// Reads to the end, but stops one byte past `max`, so a huge input costs no more memory than
/// the limit before it is refused.
fn read_at_most(r: impl Read, name: &str, max: usize) -> Result<Vec<u8>> {
    let mut b = Vec::new();
    r.take(max as u64 + 1)
        .read_to_end(&mut b)
        .with_context(|| format!("cannot read {name}"))?;
    if b.len() > max {
        bail!(
            "{name}: document larger than the limit of {max} bytes (raise it with --max-doc-bytes)"
        );
    }
    Ok(b)
}

/// Parses a byte count: a number with an optional K, M or G suffix (powers of 1024).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (num, mul) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1usize << 10),
        Some((i, 'm' | 'M')) => (&t[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    num.trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| format!("{s:?} is not a size in bytes (e.g. 1000000, 64M, 1G)"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
