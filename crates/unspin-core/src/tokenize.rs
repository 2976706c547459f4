//! Tokenizer that keeps byte offsets and case.
