//! Reading documents, with errors that name the input and the problem.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// One document: its display name (`-` for standard input) and its text.
pub struct Doc {
    pub name: String,
    pub text: String,
}

/// Reads a file, or standard input for `-`, as UTF-8.
pub fn read(path: &Path) -> Result<Doc> {
    let (name, bytes) = if path.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut b)
            .context("cannot read standard input")?;
        ("-".to_string(), b)
    } else {
        let name = path.display().to_string();
        if path.is_dir() {
            bail!("{name}: is a directory, not a text file");
        }
        let b = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
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
