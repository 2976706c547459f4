//! The CMU trie LM parser on mutated small models. Inputs are kept in *compact* form, without
//! the 256 KiB quantization tables, which the target puts back (`unspin_fuzz::splice_quant`);
//! the seeds are valid models of order 1, 2 and 3. Parsing must fail or give a model whose
//! every query, word look-up and ARPA export runs without panicking. The body is
//! `unspin_fuzz::cmu_lm`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unspin_fuzz::cmu_lm(data));
