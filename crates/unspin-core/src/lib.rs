//! # unspin-core
//!
//! Find machine-spun text and put the original words back.
//!
//! An article spinner took an original text *W*, replaced some of its words and phrases with
//! thesaurus neighbours, and produced the spun text *S*. This crate decodes
//! `argmax P(W) · P(S | W)`: a lexicon proposes the originals an observed word or phrase could
//! stand for, a trigram language model scores the candidate sequences in context, and a channel
//! prior decides when "no change" wins. Known tortured-phrase fingerprints and spintax debris are
//! extra evidence.
//!
//! The crate is pure: it reads models from bytes or a memory map and does no other I/O.
//!
//! ```no_run
//! use unspin_core::{Detector, Model};
//!
//! let model = Model::open("models/default.unspin")?;
//! let detector = Detector::new(model);
//! let report = detector.check("The inventory market fell sharply on Monday.");
//! println!("score {:.2} verdict {}", report.score, report.verdict);
//! let restored = detector.restore("The inventory market fell sharply on Monday.");
//! # Ok::<(), unspin_core::Error>(())
//! ```

#![deny(missing_docs)]

/// The largest document the front ends accept by default, in bytes (64 MiB).
///
/// The engine itself has no limit and its memory is linear in the input (about 22 bytes per
/// byte), so the limit is where a front end says "too big" instead of growing without bound.
/// `unspin check --max-doc-bytes`, `scan` and `serve` let users raise it.
pub const DEFAULT_MAX_DOC_BYTES: usize = 64 << 20;

mod bytes;
mod engine;
mod error;
#[doc(hidden)]
pub mod fixture;
mod model;
mod numbers;

pub mod fingerprint;
pub mod forest;
pub mod format;
pub mod lexicon;
pub mod lm;
pub mod names;
pub mod params;
pub mod report;
#[cfg(any(test, feature = "test-support"))]
#[doc(hidden)]
pub mod test_support;
pub mod tinylm;
pub mod tokenize;
pub mod vectors;

pub use bytes::Bytes;
pub use engine::{
    Decision, Detector, Evidence, Expansion, FEATURES, GATE_FEATURES, MAX_PHRASE, N_FEATURES,
    N_GATE_FEATURES,
};
pub use error::{Error, Result};
pub use model::{
    Model, T_COMPOSED, T_GATE, T_INITIALS, T_LM_CMU, T_LM_PROBE, T_LM_TINY, T_META, T_NAMES,
    T_PARAMS, T_SCORER, T_TERMS, T_TERMSUBS, T_TORTURED, T_VECTORS,
};
pub use report::{Report, Span, SpanKind, Verdict};

/// A word's index in a language model's vocabulary.
pub type WordId = u32;

/// An empty context slot (before the start of a sentence's context).
pub const NO_WORD: WordId = u32::MAX;

/// A trigram language model as the decoder uses it.
///
/// Implemented by the CMU Sphinx trie reader ([`lm::CmuLm`]) and by [`tinylm::TinyLm`], the
/// small model that fixtures are built with.
pub trait Scorer: Send + Sync {
    /// The id of a lowercase word, if the model knows it.
    fn lookup(&self, word: &str) -> Option<WordId>;
    /// The unknown-word id.
    fn unk(&self) -> WordId;
    /// The sentence-start id.
    fn bos(&self) -> WordId;
    /// The sentence-end id.
    fn eos(&self) -> WordId;
    /// The word with id `id`.
    fn word(&self, id: WordId) -> &str;
    /// log10 P(w3 | w1 w2); `w1` and/or `w2` may be [`NO_WORD`] for a shorter context.
    fn logp(&self, w1: WordId, w2: WordId, w3: WordId) -> f32;
    /// Whether the model stores the bigram `w1 w2`: a pair of words that English writes.
    fn has_bigram(&self, w1: WordId, w2: WordId) -> bool;
    /// Says that `logp(w1, w2, w3)` will be asked soon, so that a model whose look-ups go to
    /// memory can start loading what they need while other work goes on. A hint only: the
    /// default does nothing, and no answer ever depends on it.
    #[inline]
    fn prefetch(&self, w1: WordId, w2: WordId, w3: WordId) {
        let _ = (w1, w2, w3);
    }
}

impl Scorer for lm::CmuLm {
    fn lookup(&self, word: &str) -> Option<WordId> {
        self.word_id(word)
    }
    fn unk(&self) -> WordId {
        lm::CmuLm::unk(self)
    }
    fn bos(&self) -> WordId {
        lm::CmuLm::bos(self)
    }
    fn eos(&self) -> WordId {
        lm::CmuLm::eos(self)
    }
    fn word(&self, id: WordId) -> &str {
        lm::CmuLm::word(self, id)
    }
    #[inline]
    fn logp(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        self.log10_prob3(w1, w2, w3)
    }
    fn has_bigram(&self, w1: WordId, w2: WordId) -> bool {
        lm::CmuLm::has_bigram(self, w1, w2)
    }
    #[inline]
    fn prefetch(&self, w1: WordId, w2: WordId, w3: WordId) {
        lm::CmuLm::prefetch(self, w1, w2, w3)
    }
}
