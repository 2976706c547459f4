//! Tokenizer and decoder on arbitrary text, with the fixture model (tiny LM) and a model on a
//! synthetic CMU trie LM: tokens and spans in bounds, on char boundaries, ordered and disjoint;
//! score and confidences in [0, 1]; restoring with no suggestion is the identity; `restore` is
//! `apply_spans` of `check`'s spans. Invalid UTF-8 is decoded lossily, so every input is text.
//! The body is `unspin_fuzz::engine`, which the test suite also replays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unspin_fuzz::engine(data, unspin_fuzz::skip_known()));
