//! Trace a spun copy to its source in a reference collection.

use unspin_core::Detector;

/// Errors of indexing and tracing.
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

/// `unspin index` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IndexCmd {
    /// Build an index of reference documents.
    Build {
        /// Output index file.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// `unspin trace` arguments.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The index to search.
    #[arg(long)]
    pub index: std::path::PathBuf,
}

/// Runs `unspin index ...`.
pub fn run_index(_cmd: &IndexCmd, _det: &Detector) -> Result<(), Error> {
    unimplemented!("index")
}

/// Runs `unspin trace ...`.
pub fn run_trace(_args: &TraceArgs, _det: &Detector) -> Result<(), Error> {
    unimplemented!("trace")
}
