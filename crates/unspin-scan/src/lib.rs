//! Scan corpora with unspin: JSONL, gzip/zstd, Common Crawl WET and text, in order, in parallel,
//! never losing a record.

use unspin_core::Detector;

/// Errors of a scan.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// `unspin scan` arguments.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Inputs: files, directories, or `-` for standard input.
    pub inputs: Vec<std::path::PathBuf>,
}

/// Runs a scan. Returns the process exit code (non-zero when records failed and
/// `--keep-going` was not given).
pub fn run(_args: &ScanArgs, _det: &Detector) -> Result<i32, Error> {
    unimplemented!("scan")
}
