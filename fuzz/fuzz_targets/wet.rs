//! The Common Crawl WET (WARC) reader of `unspin scan`: any bytes, and well-formed records with
//! arbitrary bodies, types and header spellings, plain or gzip (a member per record) or zstd.
//! One line per `conversion` record, in order, with its id, URL, date and text; counts that add
//! up. The body is `unspin_fuzz::io::wet`, which `crates/unspin-scan/tests/hostile.rs` also
//! replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unspin_fuzz::io::wet(data));
