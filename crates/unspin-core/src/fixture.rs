//! A tiny, complete model built in memory, for tests and examples in this workspace and its
//! dependents. It knows a handful of sentences and substitutions; it is no model of English.

use crate::format::ContainerWriter;
use crate::lexicon::{LexiconWriter, Src};
use crate::tinylm::TinyLmWriter;
use crate::{Bytes, Model};

/// Sentences the fixture's language model is trained on.
pub const SENTENCES: &[&str] = &[
    "the stock market fell sharply on monday",
    "the stock market rose on tuesday",
    "the president said the economy is strong",
    "the minister said the plan will work",
    "she said the stock market fell",
    "he said at a press conference on monday",
    "the company held a press conference",
    "officials said the market will recover",
    "the economy is strong and the market is strong",
    "he warned that the market fell",
    "we apply deep learning to the data",
    "deep learning is used in this work",
];

/// (spun, original, prior) pairs of the fixture's lexicon.
pub const PAIRS: &[(&str, &str, f32)] = &[
    ("inventory", "stock", -1.0),
    ("mentioned", "said", -0.7),
    ("stated", "said", -0.7),
    ("convention", "conference", -1.2),
    ("economic system", "economy", -1.0),
    ("warned", "said", -2.0),
    ("profound", "deep", -1.0),
    ("sturdy", "strong", -1.0),
];

/// Builds the fixture model's bytes.
pub fn tiny_model_bytes() -> Vec<u8> {
    tiny_model_bytes_with(&[])
}

/// Builds the fixture model's bytes with extra sections (tag, contents), for tests of
/// optional sections.
pub fn tiny_model_bytes_with(extra: &[([u8; 8], &[u8])]) -> Vec<u8> {
    tiny_model_bytes_from(&[], extra)
}

/// Builds the fixture model's bytes with extra lexicon pairs (spun, original, prior, sources),
/// after [`PAIRS`] and in their order, and extra sections. A pair of a word's own forms
/// ([`Src::is_own_form`]) is read as lemma and form: its spun word is flagged a lemma.
pub fn tiny_model_bytes_from(
    pairs: &[(&str, &str, f32, Src)],
    extra: &[([u8; 8], &[u8])],
) -> Vec<u8> {
    let mut lex = LexiconWriter::default();
    for s in SENTENCES {
        for w in s.split(' ') {
            lex.set_freq(w, -3.0);
        }
    }
    lex.set_freq("said", -2.5);
    lex.set_freq("warned", -4.5);
    let listed = PAIRS
        .iter()
        .map(|&(s, o, p)| (s, o, p, Src::MOBY | Src::WORDNET));
    for (s, o, p, src) in listed.chain(pairs.iter().copied()) {
        lex.set_freq(s, -4.0);
        lex.add_candidate(s, o, p, src);
        if src.is_own_form() {
            lex.set_flags(s, crate::lexicon::FLAG_LEMMA);
        }
    }
    let mut c = ContainerWriter::new();
    lex.write(&mut c);
    c.add(
        crate::T_LM_TINY,
        TinyLmWriter::train(SENTENCES.iter().copied()),
    );
    c.add(
        crate::T_TORTURED,
        b"counterfeit consciousness\tartificial intelligence\nprofound learning\tdeep learning\n\
          man-made consciousness\tartificial intelligence\nexcretion of co2\temission of co2\n"
            .to_vec(),
    );
    let params = crate::params::Params {
        min_words: 5.0,
        ..Default::default()
    };
    c.add(crate::T_PARAMS, params.to_text().into_bytes());
    c.add(crate::T_META, br#"{"fixture":true}"#.to_vec());
    for (tag, bytes) in extra {
        c.add(*tag, bytes.to_vec());
    }
    c.finish()
}

/// The fixture model.
///
/// ```
/// let det = unspin_core::Detector::new(unspin_core::fixture::tiny_model());
/// assert_eq!(det.restore("The inventory market fell sharply on Monday."), "The stock market fell sharply on Monday.");
/// ```
pub fn tiny_model() -> Model {
    Model::from_bytes(Bytes::from_vec(tiny_model_bytes())).expect("the fixture model is valid")
}
