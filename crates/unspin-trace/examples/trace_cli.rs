//! A stand-alone `unspin index` / `unspin trace` with the same arguments as the real CLI, for
//! benchmarking this crate while the rest of the workspace is being changed. Needs `--model`.
//!
//! ```sh
//! cargo run --release -p unspin-trace --example trace_cli -- --model models/default.unspin \
//!     index build --input refs.jsonl --out refs.idx
//! ```

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    /// Model file.
    #[arg(
        long,
        global = true,
        env = "UNSPIN_MODEL",
        default_value = "models/default.unspin"
    )]
    model: std::path::PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    #[command(subcommand)]
    Index(unspin_trace::IndexCmd),
    Trace(unspin_trace::TraceArgs),
}

fn main() {
    let cli = Cli::parse();
    let model = match unspin_core::Model::open(&cli.model) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("unspin: cannot load model {}: {e}", cli.model.display());
            std::process::exit(2);
        }
    };
    let det = unspin_core::Detector::new(model);
    let r = match &cli.cmd {
        Cmd::Index(c) => unspin_trace::run_index(c, &det),
        Cmd::Trace(a) => unspin_trace::run_trace(a, &det),
    };
    if let Err(e) = r {
        eprintln!("unspin: {e}");
        std::process::exit(2);
    }
}
