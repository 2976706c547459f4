//! The trigram language model (CMU Sphinx binary trie format).
//!
//! [`CmuLm`] reads the binary trie written by pocketsphinx 5 (`en-us.lm.bin`, the CMU Sphinx
//! US-English trigram model) straight out of a [`Bytes`](crate::Bytes) buffer: the bit-packed
//! n-gram arrays are never copied, only a word index is built when the model is parsed.
//!
//! Scores are **log10 probabilities** with ARPA-style backoff, exactly what pocketsphinx
//! computes (its integer log-base-1.0001 scores, divided out).
//!
//! ```no_run
//! use unspin_core::lm::{CmuLm, NONE};
//!
//! let lm = CmuLm::open("data/raw/en-us.lm.bin")?;
//! let (stock, market) = (lm.word_id("stock").unwrap(), lm.word_id("market").unwrap());
//! let p = lm.log10_prob(&[lm.bos(), stock], market);
//! assert_eq!(p, lm.log10_prob3(lm.bos(), stock, market));
//! assert_eq!(lm.log10_prob(&[], market), lm.log10_prob3(NONE, NONE, market));
//! # Ok::<(), unspin_core::Error>(())
//! ```

mod cmu;
mod probe;
#[cfg(test)]
mod tests;

pub use cmu::{CmuLm, DEFAULT_UNK_LOG10_PROB};

/// A word's index in a language model's vocabulary.
pub type WordId = u32;

/// "No word": a context slot that is empty, as in [`CmuLm::log10_prob3`]`(NONE, w2, w3)`.
///
/// A context is cut at the most recent `NONE`: every word before it is ignored.
///
/// ```
/// use unspin_core::lm::NONE;
/// assert_eq!(NONE, u32::MAX);
/// ```
pub const NONE: WordId = WordId::MAX;
