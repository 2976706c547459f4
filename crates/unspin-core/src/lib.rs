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

mod bytes;
mod error;

pub mod lm;
pub mod tokenize;

pub use bytes::Bytes;
pub use error::{Error, Result};
