//! `unspin-build`: compile the language data under `data/raw` into one model file.
//!
//! ```text
//! unspin-build --raw data/raw --out models/default.unspin
//! ```

mod builder;
mod compile;
mod sources;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    builder::run(builder::Args::parse())
}
