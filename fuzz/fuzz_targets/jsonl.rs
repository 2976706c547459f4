//! The JSONL reader of `unspin scan` and its records: one output line per non-blank line, in
//! order; error records that name their line; the other fields of a good record kept, in value
//! and order; counts that add up. The first byte chooses the options (see `src/io.rs`). The body
//! is `unspin_fuzz::io::jsonl`, which `crates/unspin-scan/tests/hostile.rs` also replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unspin_fuzz::io::jsonl(data));
