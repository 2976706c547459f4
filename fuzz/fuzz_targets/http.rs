//! The HTTP API of `unspin serve`: requests built from the input and sent to the router, or the
//! input's raw bytes sent through hyper's HTTP/1.1 connection handler. Every answer is a
//! well-formed response with the status, content type and body the API promises (a JSON error
//! for bad input); nothing panics. The body is `unspin_fuzz::http::http`, which
//! `crates/unspin-server/tests/hostile.rs` also replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unspin_fuzz::http::http(data));
