//! Decoder and detector parameters. Defaults live here; a model may override any of them in
//! its `PARAMS` section (lines `name value`), which is how tuned values ship.

use crate::{Error, Result};

macro_rules! params {
    ($($(#[doc = $doc:literal])* $name:ident = $default:expr;)*) => {
        /// Decoder and detector parameters (log10 units where they score).
        #[derive(Clone, Debug, PartialEq)]
        pub struct Params {
            $($(#[doc = $doc])* pub $name: f32,)*
        }

        impl Default for Params {
            fn default() -> Self {
                Params { $($name: $default,)* }
            }
        }

        impl Params {
            /// Every parameter's name and value.
            pub fn entries(&self) -> Vec<(&'static str, f32)> {
                vec![$((stringify!($name), self.$name),)*]
            }

            /// Sets a parameter by name.
            pub fn set(&mut self, name: &str, value: f32) -> Result<()> {
                // NaN would slip past every threshold comparison and make scores meaningless.
                if !value.is_finite() {
                    return Err(Error::Param(format!("parameter {name}: {value} is not a finite number")));
                }
                match name {
                    $(stringify!($name) => self.$name = value,)*
                    _ => return Err(Error::Param(format!("unknown parameter {name:?} (`unspin model` lists them)"))),
                }
                Ok(())
            }
        }
    };
}

params! {
    /// Candidates per spun phrase considered before the language model (lexicon order).
    max_candidates = 12.0;
    /// Of a word's first candidates, how many are also tried in each of their own forms where
    /// they are lemma pairs ("vessel" read as "ships", not only "ship"): WordNet-random
    /// augmenters write a synonym's lemma whatever the original's form. 0 tries none.
    cross_forms = 0.0;
    /// Candidates per span kept after cheap ranking, for the lattice.
    keep_per_span = 3.0;
    /// log10 of the prior probability that a spinner changed a given word.
    log_rho = -0.8;
    /// Weight of the channel prior log10 P(spun | original).
    w_prior = 0.3;
    /// Penalty per log10 unit that the original is more frequent than the spun word: keeps
    /// rare honest words from becoming generic ones.
    lambda_freq = 0.6;
    /// Bonus for substitutions seen in spinner data.
    bonus_mined = 1.0;
    /// Bonus for tortured-phrase fingerprints.
    bonus_tortured = 0.5;
    /// Bonus for general English rewrite rules.
    bonus_rule = 0.3;
    /// Bonus per extra thesaurus that agrees.
    bonus_agree = 0.3;
    /// log10 probability given to a word the language model does not know.
    unk_logp = -6.0;
    /// Spans whose mean observed log10 probability (the span and the word after it) is above
    /// this are not expanded: they fit their context too well to be spun.
    suspect = 0.0;
    /// Spans whose words score this much better (mean log10) in their trigram context than as
    /// bare unigrams are not expanded either: honest words fit their neighbours, spun words
    /// break the collocations around them. This keeps the candidate search, the costly part,
    /// to the few places where the text reads oddly.
    suspect_pmi = 99.0;
    /// The expansion gate: a suspect phrase whose candidates the model's gate trees give a
    /// probability below this of yielding a change worth applying is not expanded. 0 (or less)
    /// expands every suspect phrase, as does a model without gate trees; 1 (or more) none.
    gate = 0.0;
    /// Candidates whose local gain falls below this are pruned before decoding.
    prune = -0.5;
    /// Beam width per lattice position.
    beam = 6.0;
    /// Above 0, every proposal of the lattice is scored, not only the decoded path's, and the
    /// change scorer picks among overlapping ones.
    alternatives = 0.0;
    /// Above 0, a second pass: the sentences that hold a change confident enough to apply are
    /// decoded again with those changes put back, and their other changes scored in that
    /// context. The document score stays the first pass's.
    second_pass = 0.0;
    /// Above 0, the lattice's proposals off the decoded path go down only this many of the
    /// change scorer's trees when those leave them more than `screen_margin` (log-odds) below
    /// `apply`: such a proposal is chosen only at `apply` or above and is otherwise no
    /// evidence, so it is enough to know that it stays below. 0 scores every proposal in full.
    screen_trees = 0.0;
    /// How far below `apply` (log-odds) the first `screen_trees` trees must leave a proposal
    /// off the path for the rest to be skipped.
    screen_margin = 3.0;
    /// Change confidence = sigmoid(c_bias + Σ c_k · feature_k): weight of the decoded margin.
    c_margin = 1.2;
    /// Weight of the language-model gain alone.
    c_dlm = 0.0;
    /// Weight of the channel prior.
    c_prior = 0.0;
    /// Weight of Moby proposing the original.
    c_moby = 0.0;
    /// Weight of WordNet proposing it.
    c_wordnet = 0.0;
    /// Weight of MyThes proposing it.
    c_mythes = 0.0;
    /// Weight of mined spinner pairs proposing it.
    c_mined = 0.0;
    /// Weight of tortured-phrase word pairs proposing it.
    c_tortured = 0.0;
    /// Weight of the pair being an inflected lemma pair.
    c_inflected = 0.0;
    /// Weight of the original's log10 frequency.
    c_freq_orig = 0.0;
    /// Weight of the spun phrase's log10 frequency.
    c_freq_spun = 0.0;
    /// Weight of how well the written words fit their context.
    c_fit = 0.0;
    /// Weight of the spun phrase's length in words.
    c_spun_len = 0.0;
    /// Weight of the original's length in words.
    c_orig_len = 0.0;
    /// Weight of the gap to the best other original for the same span.
    c_alt_gap = 0.0;
    /// Weight of the number of originals the lexicon offers for the span.
    c_offered = 0.0;
    /// Weight of the Google-Books bigram gain at the span's edges.
    c_bigram_gain = 0.0;
    /// Weight of how well the original fits the document's topic (cosine of word vectors).
    c_topic_orig = 0.0;
    /// Weight of how well the written words fit the document's topic.
    c_topic_spun = 0.0;
    /// Weight of how much better the original fits the topic than the written words.
    c_topic_gain = 0.0;
    /// Weight of the cosine between the original's and the written words' vectors.
    c_orig_spun = 0.0;
    /// Weight of the document's decoded changes per 100 words.
    c_doc_changes = 0.0;
    /// Weight of the document's summed positive local gains per 100 words.
    c_doc_gain = 0.0;
    /// Weight of the span holding a capitalised word inside a sentence (a name, or a spun one).
    /// Strongly negative without a fit: honest names are many.
    c_name = -3.0;
    /// Weight of the share of the document's other changes that come from mined spinner pairs.
    c_doc_mined = 0.0;
    /// Weight of the share of the document's other changes that come from tortured phrases.
    c_doc_tortured = 0.0;
    /// Change confidence bias.
    c_bias = -1.5;
    /// A change is applied when its confidence reaches this (and reported, whatever `flag`).
    apply = 0.5;
    /// In a document the score calls clean, a substitution is applied only when its confidence
    /// reaches this as well: honest text is where a change is likeliest wrong, and the score
    /// tells honest text apart far better than one change's confidence can. Below it the span
    /// is still reported, without a suggestion. At `apply` or under, it changes nothing.
    apply_clean = 0.5;
    /// In a document the score calls clean and that scores under this, no substitution is
    /// applied at all, however confident: a score so low says the text is honest more surely
    /// than any one change says otherwise. Its spans are still reported, without a suggestion.
    /// 0 turns it off.
    clean_floor = 0.0;
    /// A span is reported, without a suggestion below `apply`, when its confidence reaches this.
    flag = 0.35;
    /// A change scored this much or more, below `apply`, is applied all the same where the
    /// same written words are changed to the same original elsewhere in the text at `apply`
    /// or above: a spinner rewrites a word alike wherever it does. At `apply` or above, no
    /// change is.
    repeat_lift = 1.0;
    /// Document score: bias.
    d_bias = -4.0;
    /// 1 to match the tortured phrases composed from the listed ones' word substitutions, 0 to
    /// match only the listed ones (the composed ones are guesses, and a text of political or
    /// general prose meets a few: "common determination" for "natural selection").
    composed = 1.0;
    /// Variants of known terms (the list's correct phrases) are matched where one word is read
    /// as a term word that ranks below this among its candidates (0: none are).
    term_rank = 0.0;
    /// The same with two words read as term words, each ranking below this (0: none are).
    term_rank2 = 0.0;
    /// A variant of a known term is matched only where the trigram LM likes the term better
    /// than the written words, by this much (log10), with two words of context on each side.
    term_gain = 1.0;
    /// Variants of known terms are looked for only in a text where at least this many listed
    /// or composed tortured phrases were found (0: in every text).
    term_gate = 1.0;
    /// ... and where they number at least this many per 1,000 words (0: however sparse).
    term_density = 0.0;
    /// Document score: weight of confident changes per 100 words.
    d_changes = 0.9;
    /// Document score: how fast repeats of a written phrase stop counting: the k-th change of
    /// the same phrase adds its confidence times `k^-d_repeat` to the document's changes (0:
    /// every change counts in full).
    d_repeat = 0.0;
    /// Document score: weight of summed positive local gains per 100 words.
    d_gain = 0.05;
    /// Document score: weight of fingerprints per 100 words.
    d_fingerprints = 3.0;
    /// Document score: weight of spintax debris (count, capped at 3).
    d_artifacts = 2.0;
    /// Document score: weight of the mean log10 probability per word, offset by 3.
    d_logprob = 0.0;
    /// 1 to judge a document of 600 words or more by its parts as well as its whole (each
    /// change sees the rates of the 400 words around it, and the score is at least the best
    /// 400-word run's, discounted), 0 to judge it whole: fewer false changes in long honest
    /// text, but a spun section among honest text is hidden by it.
    parts = 1.0;
    /// How much a long document's best 400-word run is discounted, per unit of the log of the
    /// number of such runs it holds, in the log-odds of its score (with `parts` at 1).
    window_penalty = 1.5;
    /// Score at or above which a document is "spun".
    spun_threshold = 0.5;
    /// Documents with fewer words are "unsure".
    min_words = 25.0;
    /// The document score counts its evidence per 100 words of at least this many: the score
    /// was fitted on passages of 300-500 words, and one doubtful change in a text of 30 words is
    /// no rate of three in 100.
    rate_words = 0.0;
    /// A text shorter than `short_words` is called spun only when its score's log-odds exceed
    /// `spun_threshold`'s by this margin at zero words, falling in a straight line to none at
    /// `short_words`; between the two it is "unsure". Its rates are noisier than a long text's,
    /// so honest short texts reach a given score more often (0: no margin).
    short_margin = 0.0;
    /// See `short_margin`.
    short_words = 300.0;
}

impl Params {
    /// The change-confidence weights, in the order of [`crate::engine::FEATURES`].
    pub fn weights(&self) -> [f32; crate::engine::N_FEATURES] {
        [
            self.c_margin,
            self.c_dlm,
            self.c_prior,
            self.c_moby,
            self.c_wordnet,
            self.c_mythes,
            self.c_mined,
            self.c_tortured,
            self.c_inflected,
            self.c_freq_orig,
            self.c_freq_spun,
            self.c_fit,
            self.c_spun_len,
            self.c_orig_len,
            self.c_alt_gap,
            self.c_offered,
            self.c_bigram_gain,
            self.c_topic_orig,
            self.c_topic_spun,
            self.c_topic_gain,
            self.c_orig_spun,
            self.c_doc_changes,
            self.c_doc_gain,
            self.c_name,
            self.c_doc_mined,
            self.c_doc_tortured,
        ]
    }

    /// Parses `name value` lines over the defaults. Blank lines and `#` comments are skipped.
    ///
    /// ```
    /// let p = unspin_core::params::Params::parse("apply 0.7\n# tuned\n").unwrap();
    /// assert_eq!(p.apply, 0.7);
    /// ```
    pub fn parse(text: &str) -> Result<Params> {
        let mut p = Params::default();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (k, v) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| Error::Corrupt(format!("parameter line {line:?} has no value")))?;
            let v: f32 = v
                .trim()
                .parse()
                .map_err(|_| Error::Corrupt(format!("parameter {k}: bad value {v:?}")))?;
            p.set(k, v)?;
        }
        Ok(p)
    }

    /// Serializes as `name value` lines.
    pub fn to_text(&self) -> String {
        self.entries()
            .iter()
            .map(|(k, v)| format!("{k} {v}\n"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = Params {
            apply: 0.8,
            ..Default::default()
        };
        assert_eq!(Params::parse(&p.to_text()).unwrap(), p);
        assert!(Params::parse("nope 1").is_err());
        assert!(Params::parse("apply x").is_err());
    }
}
