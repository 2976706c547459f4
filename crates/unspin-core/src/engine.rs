//! The detector: decodes argmax P(W) · P(S | W) sentence by sentence and turns the evidence into
//! spans and a document score.
//!
//! For each sentence the decoder
//! 1. looks every word and phrase of up to four words up in the lexicon, which proposes the
//!    originals a spinner could have replaced;
//! 2. ranks those candidates cheaply by their local gain: the language model's score of the
//!    window with the candidate against the window as written, plus the channel's log-odds
//!    (the prior that a spinner holding the original writes this phrase, a frequency penalty
//!    that keeps rare honest words from turning generic, and bonuses for spinner-attested
//!    substitutions), and prunes all but a few per span;
//! 3. runs a beam search over the lattice of "keep" and "replace" edges with the full trigram
//!    model, left and right context included;
//! 4. rescores every change of the best path against keeping the original in the same context:
//!    that margin, through a calibrated sigmoid, is the change's confidence. Only changes above
//!    the apply threshold get a suggestion.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::fingerprint::{self, Variants};
use crate::lexicon::{Candidate, Src, FLAG_LEMMA, FLAG_PREFIX, NO_FREQ};
use crate::model::{Model, PhraseKind};
use crate::names::{broken_names, spun_surnames, NameOriginal};
use crate::params::Params;
use crate::report::{Report, Span, SpanKind, Verdict};
use crate::tokenize::{
    all_title, apostrophes_as, apply_case, apply_case_like, case_of, fold_lookalikes,
    initialisms_in_capitals, normalize_word, prose_tokens, recased_initialism, Case, Kind, Token,
    TITLE_LOWER,
};
use crate::vectors::cosine;
use crate::{Scorer, WordId, NO_WORD};

/// The length, in words, of the runs of sentences that a long document is also scored over
/// ([`Detector::analyze`]): about that of the passages the document score is calibrated on.
pub const WINDOW_WORDS: usize = 400;

/// A document of this many words or more is judged by its parts as well as its whole (unless
/// the parameter `parts` is 0): its score is the higher of its whole score and that of its best
/// run of [`WINDOW_WORDS`], discounted by the parameter `window_penalty` (1.5: at that, none of
/// the 159 addresses before 1945, whole, is called spun; at 1, three were), and each change
/// sees the rates of the run around it rather than the document's. Shorter ones, the passages
/// the scorer was fitted on among them, are judged whole.
pub const LONG_WORDS: usize = WINDOW_WORDS * 3 / 2;

/// One sentence's share of the document evidence, for the scores of runs of sentences.
#[derive(Clone)]
struct Stretch {
    /// Byte offset of its first word.
    start: usize,
    words: usize,
    /// Of `words`, those the LM does not know, which `logprob` leaves out.
    unknown: usize,
    logprob: f64,
    gain: f64,
    /// The confidences of its scored changes, each times its repeat weight: what the scores of
    /// runs of sentences add up, kept here so that a document's changes need not be.
    changes: f64,
}

/// Longest phrase, in words, that the lexicon is searched for.
pub const MAX_PHRASE: usize = 4;

/// The longest run of words decoded as one unit; longer sentences are cut into windows of this
/// many words, which bounds the decoder's memory whatever the input.
pub const MAX_SENTENCE_WORDS: usize = 256;

/// A word longer than this (in characters) is never rewritten: no thesaurus entry is, and it
/// is more likely a URL, a hash or a run of letters than a word.
const MAX_WORD_CHARS: usize = 40;

/// Checks and restores texts with one model. Cheap to clone; safe to share between threads.
///
/// ```no_run
/// # let model = unspin_core::Model::open("models/default.unspin").unwrap();
/// let det = unspin_core::Detector::new(model);
/// let report = det.check("He mentioned the inventory market fell.");
/// for s in &report.spans {
///     println!("{}..{} {:?} -> {:?}", s.start, s.end, s.text, s.suggestion);
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Detector {
    model: Model,
    params: Params,
    /// Whether [`Evidence::expansions`] is filled (for fitting the expansion gate).
    record_expansions: bool,
}

/// One word of a sentence, as the decoder sees it.
#[derive(Clone, Debug)]
struct Word {
    tok: usize,
    /// Where its normalized form lies in the sentence's string of them.
    norm: (usize, usize),
    lm: WordId,
    case: Case,
    /// No phrase may span the gap before this word (punctuation stands there).
    break_before: bool,
    /// Acronyms and numbers are never rewritten.
    protected: bool,
    /// A capitalised word inside a sentence: a name, or a spun one ("the White Home"). It may
    /// be rewritten, but the change scorer knows (feature `name`), and honest names are many.
    name: bool,
}

impl Word {
    /// The normalized word, from the sentence's `norms`.
    #[inline]
    fn norm<'a>(&self, norms: &'a str) -> &'a str {
        &norms[self.norm.0..self.norm.1]
    }
}

/// A replacement edge in the lattice.
#[derive(Clone, Debug)]
struct Proposal {
    /// How far this proposal's local gain beats the best other original for the same span
    /// (capped): a spun word with two good readings is uncertain.
    alt_gap: f32,
    /// How many synonyms the lexicon offers for the span (at most `max_candidates`; forms of a
    /// word are not counted): a spun word with many readings is uncertain.
    offered: usize,
    /// Its log10 frequency.
    spun_freq: f32,
    start: usize,
    len: usize,
    original: u32,
    /// Where the original's LM ids lie in the sentence's arena of them (offset, length).
    words: (usize, usize),
    /// Channel log-odds of the change, independent of context.
    channel: f32,
    /// Local gain against the text as written (LM difference + channel).
    gain: f32,
    /// The channel prior log10 P(spun | original).
    prior: f32,
    src: Src,
}

/// Fills the `alt_gap` of the proposals that have none yet (NaN), in `local`, which is sorted
/// by gain: the best one's nearest rival is the runner-up, everyone else's the best.
fn set_alt_gaps(local: &mut [Proposal]) {
    let (best, second) = (
        local.first().map_or(f32::NEG_INFINITY, |o| o.gain),
        local.get(1).map_or(f32::NEG_INFINITY, |o| o.gain),
    );
    for (k, o) in local.iter_mut().enumerate() {
        if o.alt_gap.is_nan() {
            let rival = if k == 0 { second } else { best };
            o.alt_gap = (o.gain - rival).min(5.0);
        }
    }
}

impl Proposal {
    /// The original's LM ids, from the sentence's `arena`.
    #[inline]
    fn words<'a>(&self, arena: &'a [WordId]) -> &'a [WordId] {
        &arena[self.words.0..self.words.0 + self.words.1]
    }
}

/// A beam hypothesis.
#[derive(Clone)]
struct Hyp {
    score: f32,
    h1: WordId,
    h2: WordId,
    back: Option<(usize, usize)>, // (position, hyp index) it came from
    edge: Option<usize>,          // proposal taken to get here, if any
}

/// Buffers that one [`Detector::analyze`] call reuses from sentence to sentence, so decoding
/// allocates nothing per word, key or candidate once they have grown.
#[derive(Default)]
struct Bufs {
    obs: Vec<WordId>,
    obs_lp: Vec<f32>,
    pmi: Vec<f32>,
    key: String,
    props: Vec<Proposal>,
    local: Vec<Proposal>,
    /// A key's candidates, with their channel score and where their LM ids lie in `ids`.
    cands: Vec<(Candidate, f32, usize, usize)>,
    /// The LM ids of a key's candidates, end to end.
    ids: Vec<WordId>,
    /// The LM ids of every proposal of the sentence, end to end.
    arena: Vec<WordId>,
    states: Vec<Vec<Hyp>>,
    path: Vec<usize>,
    out_ids: Vec<WordId>,
    out_pos: Vec<(usize, Option<usize>)>,
    /// The document's changes, scored once its topic is known.
    pending: Vec<Pending>,
    /// The LM ids of the pending changes' originals and written words, end to end.
    pending_ids: Vec<WordId>,
    /// The sum of the document's content-word vectors (quantized units).
    topic: Vec<i32>,
    /// The trees' log-odds for each pending change.
    raw: Vec<f32>,
    /// The chosen pending changes, in text order.
    order: Vec<usize>,
}

/// A change on a decoded path whose confidence waits for the document's topic.
#[derive(Clone)]
struct Pending {
    start: usize,
    end: usize,
    case: Case,
    /// The span has two words or more, each with a capital ([`crate::tokenize::apply_span_case`]).
    all_title: bool,
    original: u32,
    src: Src,
    margin: f32,
    features: [f32; N_FEATURES],
    /// Where the original's and the written words' LM ids lie in `Bufs::pending_ids`.
    orig: (usize, usize),
    spun: (usize, usize),
    /// On the decoded path (every change is, unless `alternatives` asks for the other
    /// proposals too).
    on_path: bool,
    /// The log-odds it was given in a first pass, which a second keeps.
    fixed: Option<f32>,
}

/// A pending change is a row of the change scorer ([`crate::forest::Forest::raw_rows`]).
impl AsRef<[f32]> for Pending {
    fn as_ref(&self) -> &[f32] {
        &self.features
    }
}

/// A sentence as the second pass reads it: the words of its anchors replaced by their
/// originals, protected (no change may touch them, and no phrase reach across them).
#[derive(Default)]
struct PutBack {
    words: Vec<Word>,
    norms: String,
    /// The first anchor not yet passed.
    next: usize,
}

impl PutBack {
    /// Passes over the anchors that start before byte `start`.
    fn pass_to(&mut self, anchors: &[Pending], start: usize) {
        while self.next < anchors.len() && anchors[self.next].start < start {
            self.next += 1;
        }
    }

    /// Whether an anchor starts in `start..end`; passes over those before `start`.
    fn anchors_in(&mut self, anchors: &[Pending], start: usize, end: usize) -> bool {
        self.pass_to(anchors, start);
        anchors.get(self.next).is_some_and(|a| a.start < end)
    }

    /// Builds the sentence `sent` (of `norms`, over `toks`) with the anchors that start in it
    /// put back, their originals read by `model`; passes over those before it.
    fn sentence(
        &mut self,
        model: &Model,
        toks: &[Token],
        sent: &[Word],
        norms: &str,
        anchors: &[Pending],
    ) {
        let lm = model.lm();
        if let Some(w) = sent.first() {
            self.pass_to(anchors, toks[w.tok].start as usize);
        }
        self.words.clear();
        self.norms.clear();
        self.norms.push_str(norms);
        let mut j = 0;
        while j < sent.len() {
            let w = &sent[j];
            let start = toks[w.tok].start as usize;
            match anchors.get(self.next).filter(|a| a.start == start) {
                Some(a) => {
                    for (m, orig) in model.lexicon().phrase(a.original).split(' ').enumerate() {
                        let at = self.norms.len();
                        self.norms.push_str(orig);
                        self.words.push(Word {
                            tok: w.tok,
                            norm: (at, self.norms.len()),
                            lm: lm.lookup(orig).unwrap_or(lm.unk()),
                            case: if m == 0 { w.case } else { Case::Lower },
                            break_before: m == 0 && w.break_before,
                            protected: true,
                            name: false,
                        });
                    }
                    while j < sent.len() && toks[sent[j].tok].end as usize <= a.end {
                        j += 1;
                    }
                    self.next += 1;
                }
                None => {
                    self.words.push(w.clone());
                    j += 1;
                }
            }
        }
    }
}

/// Internal evidence summary used by the document score and by tuning.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// Words in the text.
    pub words: usize,
    /// Sum of the confidences of every change on the decoded paths, applied or not: weak
    /// evidence adds up across a document.
    pub changes: f64,
    /// Sum of positive local gains of all surviving proposals.
    pub gain: f64,
    /// Fingerprint matches.
    pub fingerprints: usize,
    /// Spintax debris.
    pub artifacts: usize,
    /// Mean log10 probability per word of the text as written, over the words the LM knows.
    pub mean_logprob: f64,
    /// Every change scored (on a decoded path, or off it with `alternatives`), with the
    /// features its confidence was computed from (for calibration: see `unspin eval --dump`);
    /// with `second_pass`, the second pass's changes, which the spans are made of. Listed by
    /// [`Detector::analyze`] only.
    pub decisions: Vec<Decision>,
    /// Every phrase whose candidates the decoder looked up, with its gate features, when the
    /// detector records them ([`Detector::record_expansions`]); empty otherwise.
    pub expansions: Vec<Expansion>,
}

/// Names of the expansion gate's features, in the order of [`Expansion::features`]: what the
/// decoder knows of a suspect phrase once its candidates are read and before any of them costs
/// a language-model look-up.
pub const GATE_FEATURES: [&str; N_GATE_FEATURES] = [
    "len",
    "fit",
    "fit_pmi",
    "freq_spun",
    "channel_max",
    "channel_first",
    "mined",
    "offered",
    "unigram",
];

/// Number of gate features.
pub const N_GATE_FEATURES: usize = 9;

/// A phrase the decoder expanded (see [`Detector::record_expansions`]).
#[derive(Clone, Debug)]
pub struct Expansion {
    /// Byte offset where the phrase starts.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// The gate's features ([`GATE_FEATURES`]).
    pub features: [f32; N_GATE_FEATURES],
}

/// Names of the change features, in the order of [`Decision::features`] and of the `c_*`
/// weights in [`Params`].
pub const FEATURES: [&str; N_FEATURES] = [
    "margin",
    "dlm",
    "prior",
    "moby",
    "wordnet",
    "mythes",
    "mined",
    "tortured",
    "inflected",
    "freq_orig",
    "freq_spun",
    "fit",
    "spun_len",
    "orig_len",
    "alt_gap",
    "offered",
    "bigram_gain",
    "topic_orig",
    "topic_spun",
    "topic_gain",
    "orig_spun",
    "doc_changes",
    "doc_gain",
    "name",
    "doc_mined",
    "doc_tortured",
];

/// Number of change features.
pub const N_FEATURES: usize = 26;
/// Where the topic features start among [`FEATURES`]: they are filled once the whole document
/// has been read ([`Detector::topic`]).
const TOPIC: usize = 17;
/// Where the document features start among [`FEATURES`]: how many changes the decoder found
/// in the whole document, and how much better its proposals fit, per 100 words.
const DOC: usize = 21;
/// Where the document's source shares start among [`FEATURES`]: which share of the document's
/// other changes come from the mined spinner table, and which from the tortured phrases.
const SHARES: usize = 24;
/// How many changes of a typical honest passage a document's source shares are shrunk with:
/// a text with few changes of its own keeps shares near the honest ones.
const SHARE_SHRINK: f32 = 20.0;
/// The share of mined-table changes among the changes the decoder considers on honest text
/// (the tune split's clean passages).
const HONEST_MINED: f32 = 0.3;
/// The share of tortured-phrase changes among them.
const HONEST_TORTURED: f32 = 0.08;

/// How much each pending change counts towards the document score: `k^-exponent` for the
/// k-th chosen change (`chosen`: their indices, in document order) of the same written phrase
/// (case folded), and 0 for one not chosen. An honest text repeats its subject ("the electors"
/// nine times in a passage on the electoral college), and one doubtful word read nine times is
/// one piece of evidence, not nine; a spinner's changes are mostly of different words, so the
/// discount costs a spun text little. An exponent of 0 counts every chosen change in full.
fn repeat_weights(text: &str, pending: &[Pending], chosen: &[usize], exponent: f32) -> Vec<f32> {
    let mut weights = vec![0.0; pending.len()];
    if exponent == 0.0 {
        for &k in chosen {
            weights[k] = 1.0;
        }
        return weights;
    }
    let mut seen: HashMap<u64, u32> = HashMap::new();
    for &k in chosen {
        let pc = &pending[k];
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text[pc.start..pc.end]
            .chars()
            .flat_map(char::to_lowercase)
            .for_each(|c| c.hash(&mut h));
        let n = seen.entry(h.finish()).or_insert(0);
        *n += 1;
        weights[k] = (*n as f32).powf(-exponent);
    }
    weights
}

/// Which pending changes are chosen: all of a decoded path's, which never overlap; with the
/// other proposals of the lattice among them, the likeliest of any overlapping ones (by the
/// trees' log-odds `raw`; on a tie the path's, then the earlier). A proposal off the path is
/// chosen only at `min_alt` or above (the log-odds of `apply`): one that would not be applied
/// leaves the path as it was, so that it neither flags honest words the path left alone nor
/// counts towards the document score; the changes at `apply` or above are the same either
/// way, as a proposal under `min_alt` can only block others under it too.
fn choose(pending: &[Pending], raw: &[f32], min_alt: f32) -> Vec<bool> {
    if pending.iter().all(|pc| pc.on_path) {
        return vec![true; pending.len()];
    }
    let mut order: Vec<usize> = (0..pending.len()).collect();
    order.sort_by(|&a, &b| {
        raw[b]
            .total_cmp(&raw[a])
            .then(pending[b].on_path.cmp(&pending[a].on_path))
            .then(pending[a].start.cmp(&pending[b].start))
    });
    let mut chosen = vec![false; pending.len()];
    // The chosen ranges, by start; they never overlap, so the one that starts last before a
    // range's end is the only one that can overlap it.
    let mut taken: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for k in order {
        if !pending[k].on_path && raw[k] < min_alt {
            continue;
        }
        let (s, e) = (pending[k].start, pending[k].end);
        if taken
            .range(..e)
            .next_back()
            .is_some_and(|(_, &end)| end > s)
        {
            continue;
        }
        taken.insert(s, e);
        chosen[k] = true;
    }
    chosen
}

/// Which lines read as code rather than prose, asked in the order of the text, each line read
/// once (a line of ten thousand braces costs one pass): a line is code when it holds a backtick,
/// a path separator (`::`), an attribute (`#[`), an assignment or an arrow, or an empty call
/// (`()`). Braces around one word there are a template's placeholder (`"{var}"`,
/// `use tracing::{instrument};`), not a spinner's debris; prose with spintax has none of these.
#[derive(Default)]
struct CodeLines {
    /// The last line asked about: where it starts and ends, and whether it is code.
    line: Option<(usize, usize, bool)>,
}

impl CodeLines {
    fn is_code(&mut self, text: &str, at: usize) -> bool {
        match self.line {
            Some((start, end, code)) if start <= at && at < end => code,
            _ => {
                let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                let line = &text[start..end];
                let code = line.contains('`')
                    || ["::", "#[", "=", "->", "()"]
                        .iter()
                        .any(|m| line.contains(m));
                self.line = Some((start, end, code));
                code
            }
        }
    }
}

/// Whether the braces at `start..end` touch a character that no spinner's debris would: one
/// that is not a space or an opening bracket before them, or not a space or a sentence's
/// punctuation after them. Spintax stands between words ("the {car} is"); markup and templates
/// are glued to theirs (`C{string}`, `get_{key}`, `${period}`, `{Rule}s`, `'{section}'`).
fn glued(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_none_or(|c| c.is_whitespace() || c == '(' || c == '[')
        || !after.is_none_or(|c| c.is_whitespace() || ".,;:!?)]".contains(c))
}

/// One change the decoder considered applying.
#[derive(Clone, Debug)]
pub struct Decision {
    /// Byte offset where the span starts.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// The original proposed (lowercase).
    pub original: String,
    /// The feature vector ([`FEATURES`]).
    pub features: [f32; N_FEATURES],
    /// The confidence given. For a proposal off the decoded path that the first trees leave
    /// far below `apply`, what those trees give (see
    /// [`Params::screen_trees`](crate::params::Params::screen_trees)): it is below `apply`
    /// either way.
    pub confidence: f32,
    /// How much of the confidence counts towards the document score: `k^-d_repeat` for the
    /// k-th change of the same written phrase in the document (see `repeat_weights`).
    pub weight: f32,
    /// Whether it was chosen: a change that overlaps a likelier one is not (see
    /// [`Params::alternatives`](crate::params::Params::alternatives)), and counts for nothing.
    pub chosen: bool,
}

impl Detector {
    /// A detector with the model's own parameters.
    pub fn new(model: Model) -> Detector {
        let params = model.params().clone();
        Detector::with_params(model, params)
    }

    /// A detector with explicit parameters (for tuning).
    pub fn with_params(model: Model, params: Params) -> Detector {
        Detector {
            model,
            params,
            record_expansions: false,
        }
    }

    /// Whether [`Detector::analyze`] lists every phrase it expands, with its gate features, in
    /// [`Evidence::expansions`]: the data `bench/fit_gate.py` fits the expansion gate on. Off
    /// by default, since it allocates per expansion.
    pub fn record_expansions(&mut self, on: bool) {
        self.record_expansions = on;
    }

    /// The parameters in use.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Scores a text and lists its suspicious spans.
    pub fn check(&self, text: &str) -> Report {
        self.run(text, false).0
    }

    /// The text with every span that [`Detector::check`] reports with a suggestion replaced.
    pub fn restore(&self, text: &str) -> String {
        crate::report::apply_spans(text, &self.check(text).spans)
    }

    /// The report and the evidence behind the document score, with every change scored in
    /// [`Evidence::decisions`].
    pub fn analyze(&self, text: &str) -> (Report, Evidence) {
        self.run(text, true)
    }

    /// [`Detector::analyze`]; the decisions are listed only when `record` is set: a long
    /// document's are many, and [`Detector::check`] has no use for them.
    fn run(&self, text: &str, record: bool) -> (Report, Evidence) {
        let lm = self.model.lm();
        let (toks, web) = prose_tokens(text, |w| lm.lookup(w).is_some());
        let n_words = toks.iter().filter(|t| t.kind != Kind::Punct).count();
        let mut ev = Evidence {
            words: n_words,
            ..Evidence::default()
        };
        if n_words == 0 {
            return (Report::empty(0), ev);
        }
        let mut spans = Vec::new();
        let mut composed = Vec::new();
        self.artifacts(text, &toks, &web, &mut spans);
        self.fingerprints(text, &toks, &mut spans, &mut composed);
        // Where the debris is, for the scores of runs of sentences too: the mangled words
        // added later are no evidence (below), in a run no more than in the document.
        let debris: Vec<usize> = spans
            .iter()
            .filter(|s| s.kind == SpanKind::Artifact)
            .map(|s| s.start)
            .collect();
        ev.artifacts = debris.len();
        // Artifacts and fingerprints are disjoint; sorted, a binary search finds the one a
        // lexicon hit would overlap (a linear scan per hit is quadratic on hostile input).
        let mut taken: Vec<(usize, usize)> = spans.iter().map(|s| (s.start, s.end)).collect();
        taken.sort_unstable();
        // Not evidence of spinning: an honest text can be dressed in lookalike letters as well
        // (read in Latin, its words weigh as they would written so), and a recased
        // abbreviation, which a careless writer makes too, or "a 12 months" is a repair rather
        // than proof the score was fitted on.
        let mut mangled = self.mangled(text, &toks, &taken);
        // Where spun surnames are put back: a clean verdict leaves them their suggestions.
        let mut surnames: Vec<(usize, usize)> = Vec::new();
        // Spun surnames are no evidence either: a rule with its own confidence, not a change the
        // scores were fitted on, and rare enough that they would say little.
        if let Some(names) = self.model.names() {
            let lex = self.model.lexicon();
            let originals = |key: &str| -> Vec<NameOriginal> {
                let Some(id) = lex.find(key) else {
                    return Vec::new();
                };
                lex.candidates(id)
                    .take(crate::names::MAX_ORIGINALS)
                    .map(|c| NameOriginal {
                        original: lex.phrase(c.original).to_string(),
                        prior: c.prior,
                        votes: c.src.votes(),
                        sources: c.src.names().join("+"),
                    })
                    .collect()
            };
            let found = spun_surnames(text, &toks, names, originals, &taken);
            surnames.extend(found.iter().map(|s| (s.start, s.end)));
            if !found.is_empty() {
                mangled = merge_disjoint(mangled, found);
            }
            // One phrase: Google Books counts the pair (millions of times, or the table would
            // not hold it) at least a twentieth as often as its second word, which a word a
            // phrase only starts ("doctrine and", "beauty of") is not. The bigram is a log10
            // count and the frequency a log10 share of the unigram counts' total (5.4e11).
            let collocation = |a: &str, b: &str| match (lex.find(a), lex.find(b)) {
                (Some(a), Some(b)) => lex
                    .bigram(a, b)
                    .is_some_and(|c| c - lex.freq(b) >= COLLOCATION_MIN),
                _ => false,
            };
            let mut near: Vec<(usize, usize)> = mangled.iter().map(|s| (s.start, s.end)).collect();
            near.extend_from_slice(&taken);
            near.sort_unstable();
            let broken = broken_names(text, &toks, names, collocation, &near);
            if !broken.is_empty() {
                mangled = merge_disjoint(mangled, broken);
            }
        }
        let mut lp = Lp::new(self);
        let mut bufs = Bufs::default();
        let (mut stretches, logprob) =
            self.decode_all(&mut lp, &mut bufs, text, &toks, &taken, &mut ev);
        self.score_pending(text, &mut bufs, &mut stretches, &mut ev, record);
        // The document's evidence, of its runs of sentences too, is the first pass's, which
        // the document score was fitted on; the changes reported, and those `eval --dump`
        // writes, are the second's.
        let second_decisions = (self.params.second_pass > 0.0)
            .then(|| {
                self.second_pass(
                    &mut lp, &mut bufs, &stretches, text, &toks, &taken, n_words, record,
                )
            })
            .flatten();
        lp.finish();
        self.push_spans(text, &bufs, &mut spans);
        let unknown: usize = stretches.iter().map(|s| s.unknown).sum();
        ev.mean_logprob = logprob / n_words.saturating_sub(unknown).max(1) as f64;
        spans.sort_by_key(|s| s.start);
        merge_composed(&mut spans, composed);
        if !mangled.is_empty() {
            spans = merge_mangled(std::mem::take(&mut spans), mangled);
        }
        self.agree_articles(text, &toks, &mut spans);
        ev.fingerprints = spans
            .iter()
            .filter(|s| s.kind == SpanKind::Fingerprint)
            .count();
        let mut score = self.doc_score(&ev);
        if n_words >= LONG_WORDS && self.params.parts > 0.0 {
            score = score.max(self.window_score(&stretches, &ev, &spans, &debris));
        }
        if let Some(decisions) = second_decisions {
            ev.decisions = decisions;
        }
        let verdict = self.verdict(score, n_words);
        if verdict == Verdict::Clean {
            let bar = if score < f64::from(self.params.clean_floor) {
                f64::INFINITY
            } else {
                f64::from(self.params.apply_clean)
            };
            // A spun surname stands on the census lists and the spinners' pairs, not on the
            // document's other changes: "Aaron Decide" in a text that reads as honest otherwise
            // is still no name, and "Judge" still its likely original.
            for s in spans.iter_mut().filter(|s| {
                s.kind == SpanKind::Substitution
                    && s.suggestion.is_some()
                    && s.confidence < bar
                    && !surnames.contains(&(s.start, s.end))
            }) {
                s.suggestion = None;
            }
        }
        no_repeated_words(text, &toks, &mut spans);
        (
            Report {
                score,
                verdict,
                words: n_words,
                spans,
            },
            ev,
        )
    }

    /// The highest document score of any run of sentences of [`WINDOW_WORDS`] words or more
    /// (the length of the passages the score is calibrated on), less `window_penalty` times
    /// the log of the number of such runs the document holds in its log-odds: a long document
    /// of which only a part was spun (a copied article inside a site's own text, one spun
    /// section of a paper) is judged by that part, which its whole, at a fraction of the rates,
    /// would hide; and a long honest document, which has many runs to pick its best from, does
    /// not get called spun for its likeliest-looking one.
    ///
    /// `debris`: where the artifacts that [`Evidence::artifacts`] counts start.
    fn window_score(
        &self,
        stretches: &[Stretch],
        ev: &Evidence,
        spans: &[Span],
        debris: &[usize],
    ) -> f64 {
        let n = stretches.len();
        let at = |pos: usize| at_stretch(stretches, pos);
        // Prefix sums per sentence of the changes' confidences, fingerprints and artifacts.
        let mut changes = vec![0f64; n + 1];
        let mut fingerprints = vec![0usize; n + 1];
        let mut artifacts = vec![0usize; n + 1];
        for (k, s) in stretches.iter().enumerate() {
            changes[k + 1] = s.changes;
        }
        for s in spans.iter().filter(|s| s.kind == SpanKind::Fingerprint) {
            fingerprints[at(s.start) + 1] += 1;
        }
        for &start in debris {
            artifacts[at(start) + 1] += 1;
        }
        for i in 0..n {
            changes[i + 1] += changes[i];
            fingerprints[i + 1] += fingerprints[i];
            artifacts[i + 1] += artifacts[i];
        }
        let mut best = f64::NEG_INFINITY;
        let (mut j, mut words, mut logprob, mut gain) = (0, 0usize, 0f64, 0f64);
        let mut unknown = 0usize;
        for i in 0..n {
            while j < n && words < WINDOW_WORDS {
                words += stretches[j].words;
                unknown += stretches[j].unknown;
                logprob += stretches[j].logprob;
                gain += stretches[j].gain;
                j += 1;
            }
            if words < WINDOW_WORDS {
                break;
            }
            let window = Evidence {
                words,
                changes: changes[j] - changes[i],
                gain,
                fingerprints: fingerprints[j] - fingerprints[i],
                artifacts: artifacts[j] - artifacts[i],
                mean_logprob: logprob / (words - unknown).max(1) as f64,
                ..Evidence::default()
            };
            let z = self.doc_logit(&window);
            if !z.is_nan() {
                best = best.max(z);
            }
            words -= stretches[i].words;
            unknown -= stretches[i].unknown;
            logprob -= stretches[i].logprob;
            gain -= stretches[i].gain;
        }
        let runs = (ev.words as f64 / WINDOW_WORDS as f64).max(1.0);
        let z = best - self.params.window_penalty as f64 * runs.ln();
        1.0 / (1.0 + (-z).exp())
    }

    /// The calibrated document score: a logistic model over evidence rates.
    pub fn doc_score(&self, ev: &Evidence) -> f64 {
        let z = self.doc_logit(ev);
        if z.is_nan() {
            // Only corrupt numbers could get here; a score must stay a number in [0, 1].
            return 0.0;
        }
        1.0 / (1.0 + (-z).exp())
    }

    /// The verdict on a text of `n_words` words with document score `score`: "unsure" under
    /// `min_words`, and from `spun_threshold` up to [`Detector::spun_bar`].
    fn verdict(&self, score: f64, n_words: usize) -> Verdict {
        if (n_words as f32) < self.params.min_words {
            Verdict::Unsure
        } else if score < f64::from(self.params.spun_threshold) {
            Verdict::Clean
        } else if score >= self.spun_bar(n_words) {
            Verdict::Spun
        } else {
            Verdict::Unsure
        }
    }

    /// The document score from which a text of `words` words is called spun: `spun_threshold`
    /// from `short_words` words on, and above it for a shorter text, by `short_margin` x
    /// (1 - words / `short_words`) in log-odds. A short text's rates are noisier, so an honest
    /// one reaches a given score more often; one that scores between `spun_threshold` and this
    /// bar is "unsure".
    ///
    /// ```no_run
    /// # let model = unspin_core::Model::open("models/default.unspin").unwrap();
    /// let det = unspin_core::Detector::new(model);
    /// // With the shipped parameters (`short_margin` 3): 0.88 at 100 words, 0.5 from 300 on.
    /// assert!(det.spun_bar(100) > 0.85 && det.spun_bar(300) == 0.5);
    /// ```
    pub fn spun_bar(&self, words: usize) -> f64 {
        let p = &self.params;
        let threshold = f64::from(p.spun_threshold);
        let short = f64::from(p.short_words).max(1.0);
        let margin = f64::from(p.short_margin) * (1.0 - words as f64 / short).max(0.0);
        if margin > 0.0 {
            1.0 / (1.0 + (-((threshold / (1.0 - threshold)).ln() + margin)).exp())
        } else {
            // Exactly the threshold without a margin.
            threshold
        }
    }

    /// The log-odds behind [`Detector::doc_score`].
    fn doc_logit(&self, ev: &Evidence) -> f64 {
        let p = &self.params;
        let per100 = 100.0 / (ev.words.max(1) as f64).max(p.rate_words as f64);
        p.d_bias as f64
            + p.d_changes as f64 * ev.changes * per100
            + p.d_gain as f64 * ev.gain * per100
            + p.d_fingerprints as f64 * ev.fingerprints as f64 * per100
            + p.d_artifacts as f64 * (ev.artifacts.min(3)) as f64
            + p.d_logprob as f64 * (ev.mean_logprob + 3.0)
    }

    /// Splits the tokens into sentences of words for the language model and calls `f` with
    /// each in turn, with the string its words' normalized forms lie in. The buffers are reused
    /// from sentence to sentence.
    fn sentences(
        &self,
        text: &str,
        toks: &[Token],
        ids: &mut WordIds,
        mut f: impl FnMut(&[Word], &str),
    ) {
        let lm = self.model.lm();
        let unk = lm.unk();
        let mut cur: Vec<Word> = Vec::new();
        let mut norms = String::new();
        let mut norm = String::new();
        let mut emit = |cur: &mut Vec<Word>, norms: &mut String| {
            if !cur.is_empty() {
                plain_case(text, toks, cur);
                f(cur, norms);
                cur.clear();
                norms.clear();
            }
        };
        let mut brk = false;
        let mut sentence_start = true;
        for (i, t) in toks.iter().enumerate() {
            // A line break ends a sentence even without punctuation (titles, list items),
            // unless the text is hard-wrapped and the sentence runs on to the next line.
            if i > 0 {
                let prev_end = toks[i - 1].end as usize;
                if text[prev_end..t.start as usize].contains('\n')
                    && !wrapped_line(text, prev_end, t.start as usize)
                {
                    emit(&mut cur, &mut norms);
                    sentence_start = true;
                }
            }
            match t.kind {
                Kind::Punct => {
                    let p = t.text(text);
                    if matches!(p, "." | "!" | "?" | ";" | ":") {
                        emit(&mut cur, &mut norms);
                        sentence_start = true;
                    }
                    brk = true;
                    if matches!(p, "\"" | "\u{201c}" | "(" | "\u{2018}") {
                        // A quotation or parenthesis may start with a capital.
                        sentence_start = sentence_start || cur.is_empty();
                    }
                }
                Kind::Word | Kind::Number => {
                    let raw = t.text(text);
                    normalize_word(raw, &mut norm);
                    let case = case_of(raw);
                    let protected =
                        always_protected(*t, text) || matches!(case, Case::Upper | Case::Mixed);
                    let name = case == Case::Title && !sentence_start;
                    let id = ids.get(&norm, |w| lm.lookup(w).unwrap_or(unk));
                    let at = norms.len();
                    norms.push_str(&norm);
                    cur.push(Word {
                        tok: i,
                        norm: (at, norms.len()),
                        lm: id,
                        case,
                        break_before: brk,
                        protected,
                        name,
                    });
                    brk = false;
                    sentence_start = false;
                    // A run-on "sentence" (a text without punctuation, a list of words) is
                    // decoded in windows: the beam keeps state per word, so memory would grow
                    // with the run, while the trigram context needs only two words.
                    if cur.len() >= MAX_SENTENCE_WORDS {
                        emit(&mut cur, &mut norms);
                    }
                }
            }
        }
        emit(&mut cur, &mut norms);
    }

    /// Decodes every sentence of the text into `bufs`, its changes left pending; returns the
    /// sentences' stretches and the text's log10 probability as written, of the words the LM
    /// knows.
    fn decode_all(
        &self,
        lp: &mut Lp<'_>,
        bufs: &mut Bufs,
        text: &str,
        toks: &[Token],
        taken: &[(usize, usize)],
        ev: &mut Evidence,
    ) -> (Vec<Stretch>, f64) {
        let mut logprob = 0f64;
        let mut ids = std::mem::replace(&mut lp.cache.words, WordIds::new());
        let mut stretches = Vec::new();
        self.sentences(text, toks, &mut ids, |sent, norms| {
            let gain = ev.gain;
            let (lp_sent, unknown) = self.decode(lp, bufs, toks, sent, norms, taken, ev);
            logprob += lp_sent;
            stretches.push(Stretch {
                start: toks[sent[0].tok].start as usize,
                words: sent.len(),
                unknown,
                logprob: lp_sent,
                gain: ev.gain - gain,
                changes: 0.0,
            });
        });
        lp.cache.words = ids;
        (stretches, logprob)
    }

    /// The second pass ([`Params::second_pass`]), in `bufs`, which holds the first pass's
    /// changes, scored: those confident enough to apply (its anchors) are put back, and the
    /// sentences that hold any are decoded again in that context. A spinner changes a fifth of
    /// the words or more, so the words around a spun one are often spun too, and the language
    /// model judges their originals better beside the words the writer chose. The anchors keep
    /// their confidence, and so do the changes of the other sentences, which decoding them
    /// again would give anew; the changes of the sentences decoded again are scored in the new
    /// context. Returns their decisions (listed only when `record` is set), or `None` (and
    /// leaves `bufs` alone) when the first pass found nothing to apply.
    #[allow(clippy::too_many_arguments)]
    fn second_pass(
        &self,
        lp: &mut Lp<'_>,
        bufs: &mut Bufs,
        first: &[Stretch],
        text: &str,
        toks: &[Token],
        taken: &[(usize, usize)],
        words: usize,
        record: bool,
    ) -> Option<Vec<Decision>> {
        let apply = logit(self.params.apply);
        // In text order, as the chosen changes are; their LM ids stay where they are:
        // `pending_ids` only grows.
        let anchors: Vec<Pending> = bufs
            .order
            .iter()
            .filter(|&&k| bufs.raw[k] >= apply)
            .map(|&k| Pending {
                on_path: true,
                fixed: Some(bufs.raw[k]),
                ..bufs.pending[k].clone()
            })
            .collect();
        if anchors.is_empty() {
            return None;
        }
        // The sentences' evidence, to be redone for those decoded again: their gains here, and
        // the confidences this pass sums anew (the runs' scores read the first pass's, `first`).
        let mut stretches: Vec<Stretch> = first
            .iter()
            .map(|s| Stretch {
                changes: 0.0,
                ..s.clone()
            })
            .collect();
        let end = |k: usize| first.get(k + 1).map_or(text.len(), |s| s.start);
        let mut put = PutBack::default();
        let again: Vec<bool> = (0..first.len())
            .map(|k| put.anchors_in(&anchors, first[k].start, end(k)))
            .collect();
        // Every change scored keeps its log-odds; those of the sentences decoded again (the
        // anchors among them) make way, in place, for the new ones: a long document's
        // changes are many, and are not held twice.
        for (pc, &raw) in bufs.pending.iter_mut().zip(&bufs.raw) {
            pc.fixed = Some(raw);
        }
        bufs.pending
            .retain(|pc| !again[at_stretch(first, pc.start)]);
        // The document's gain: the first pass's, with each sentence decoded again counted anew
        // and the anchors' own added (below).
        let mut ev = Evidence {
            words,
            gain: stretches.iter().map(|s| s.gain).sum(),
            ..Evidence::default()
        };
        let vectors = self.model.vectors();
        let mut put = PutBack::default();
        let mut ids = std::mem::replace(&mut lp.cache.words, WordIds::new());
        for k in (0..stretches.len()).filter(|&k| again[k]) {
            let (start, end) = (stretches[k].start, end(k));
            // The sentence's tokens, through the punctuation before the next one.
            let sub = &toks[toks.partition_point(|t| (t.start as usize) < start)
                ..toks.partition_point(|t| (t.start as usize) < end)];
            ev.gain -= stretches[k].gain;
            let gain = ev.gain;
            self.sentences(text, sub, &mut ids, |sent, norms| {
                // The topic is the first pass's with this sentence's words read as put back.
                if let Some(v) = vectors {
                    for w in sent {
                        v.add_content(w.lm, &mut bufs.topic, -1);
                    }
                }
                put.sentence(&self.model, sub, sent, norms, &anchors);
                self.decode(lp, bufs, sub, &put.words, &put.norms, taken, &mut ev);
            });
            stretches[k].gain = ev.gain - gain;
        }
        lp.cache.words = ids;
        ev.gain += anchors
            .iter()
            .map(|a| a.margin.max(0.0) as f64)
            .sum::<f64>();
        bufs.pending.extend(anchors);
        self.score_pending(text, bufs, &mut stretches, &mut ev, record);
        Some(ev.decisions)
    }

    /// Decodes one sentence; leaves its changes pending ([`Self::score_pending`]); returns the
    /// sentence's log10 probability as written, of the words the LM knows, and how many words
    /// it does not know.
    #[allow(clippy::too_many_arguments)]
    fn decode(
        &self,
        lp: &mut Lp<'_>,
        bufs: &mut Bufs,
        toks: &[Token],
        words: &[Word],
        norms: &str,
        taken: &[(usize, usize)],
        ev: &mut Evidence,
    ) -> (f64, usize) {
        let lm = self.model.lm();
        let lex = self.model.lexicon();
        let p = &self.params;
        let unk = lp.unk;
        let n = words.len();
        let Bufs {
            obs,
            obs_lp,
            pmi,
            key,
            props,
            local,
            cands,
            ids,
            arena,
            states,
            path,
            out_ids,
            out_pos,
            pending,
            pending_ids,
            topic,
            ..
        } = bufs;
        obs.clear();
        obs.extend(words.iter().map(|w| w.lm));
        let obs = &obs[..];
        if let Some(v) = self.model.vectors() {
            topic.resize(v.dims(), 0);
            for &w in obs {
                v.add_content(w, topic, 1);
            }
        }
        // The sentence as written, scored once: the perplexity pass.
        let (mut written, mut unknown) = (0f64, 0usize);
        obs_lp.clear();
        {
            let (mut h1, mut h2, eos) = (NO_WORD, lp.bos, lp.eos);
            for &w in obs.iter().chain(std::iter::once(&eos)) {
                let l = lp.get(h1, h2, w);
                obs_lp.push(l);
                // A word the LM lacks (an identifier, a name, a number) is no sign of spinning,
                // which writes dictionary words: the document's mean leaves it out.
                if w != unk {
                    written += l as f64;
                } else {
                    unknown += 1;
                }
                (h1, h2) = (h2, w);
            }
        }
        // How much better each word fits its context than it would alone (the end, 0).
        pmi.clear();
        pmi.extend(obs.iter().zip(obs_lp.iter()).map(|(&w, &l)| {
            // Unigrams cost one array read: no need to spend cache slots on them.
            l - if w == unk {
                p.unk_logp
            } else {
                lm.logp(NO_WORD, NO_WORD, w)
            }
        }));
        pmi.push(0.0);
        let (obs_lp, pmi) = (&obs_lp[..], &pmi[..]);
        let gate = self.model.gate();
        let gate_on = !gate.is_empty() && p.gate > 0.0;
        // The gate's threshold as log-odds, the scale of the trees' sum; a probability of 1 or
        // more skips every phrase (the log-odds of anything above 1 would be NaN, which no sum is
        // below, and would expand them all).
        let gate_logit = if p.gate >= 1.0 {
            f32::INFINITY
        } else {
            logit(p.gate)
        };
        // 1-2. Candidates from the lexicon, ranked by local gain, pruned.
        props.clear();
        arena.clear();
        for i in 0..n {
            key.clear();
            for len in 1..=MAX_PHRASE.min(n - i) {
                let w = &words[i + len - 1];
                // A spun name is made of dictionary words, which the LM knows: a name it does not
                // know ("Biden") is honest, and costs no look-up.
                if w.protected || (w.name && w.lm == unk) || (len > 1 && w.break_before) {
                    break;
                }
                if len > 1 {
                    key.push(' ');
                }
                key.push_str(w.norm(norms));
                // Words that the model finds likely where they stand (and that make the next word
                // likely), or that fit their neighbours better than they would alone, are not
                // worth expanding: spun words read oddly in context. Deciding this before the
                // lexicon look-up keeps most words of an honest text to a few arithmetic steps.
                let fit = obs_lp[i..=i + len].iter().sum::<f32>() / (len + 1) as f32;
                let fit_pmi = pmi[i..=i + len].iter().sum::<f32>() / (len + 1) as f32;
                let ids_here = &obs[i..i + len];
                let fits = (fit > p.suspect || fit_pmi > p.suspect_pmi)
                    && !broken_name(words, norms, i, len);
                // A phrase that fits is still expanded if spinners are seen to write it. Either
                // way the key is looked up once, here.
                let found = if fits {
                    (len > 1 && lex.may_have_phrase(ids_here))
                        .then(|| lex.find(key))
                        .flatten()
                        .filter(|&id| lex.is_spinner_phrase(id))
                } else if ids_here.contains(&unk) {
                    lex.find(key)
                } else if len == 1 {
                    lex.find_word(words[i].lm, w.norm(norms))
                } else if lex.may_have_phrase(ids_here) {
                    lex.find(key)
                } else {
                    None
                };
                if fits && found.is_none() {
                    let first = words[i].lm;
                    if len == 1 && first != unk && !lex.may_start_phrase(first) {
                        break;
                    }
                    continue;
                }
                let Some(spun) = found else {
                    // A word the lexicon lacks carries no prefix flag: no longer key starts here.
                    if len == 1 {
                        break;
                    }
                    continue;
                };
                let (s0, s1) = (
                    toks[words[i].tok].start as usize,
                    toks[words[i + len - 1].tok].end as usize,
                );
                if overlaps_any(taken, s0, s1, |&r| r) {
                    break;
                }
                let spun_freq = lex.freq(spun);
                // `self.window(lp, obs, i, len)`: the same trigrams as the written pass scored.
                let obs_window = window_sum(&obs_lp[i..(i + len + 2).min(n + 1)]);
                local.clear();
                // First every candidate's channel score, then (past the gate) its ids, then the
                // scoring: the reads of the lexicon's tables, which miss the CPU caches, are
                // then independent of each other and overlap instead of queueing behind the
                // LM's.
                cands.clear();
                ids.clear();
                // The first `max_candidates` synonyms, then the word's own forms (which the
                // lexicon lists last, or among the first where it has few synonyms).
                let push = |c: Candidate, cands: &mut Vec<_>| {
                    let channel = self.channel(c.prior, c.src, lex.freq(c.original), spun_freq);
                    cands.push((c, channel, 0, 0));
                };
                let all = || lex.candidates(spun);
                for c in all().take(p.max_candidates as usize) {
                    if !c.src.is_own_form() {
                        push(c, cands);
                    }
                }
                // How many readings the word has, for the gate and the change scorer: its
                // synonyms, not the forms of a word, which read as the word does. So counted,
                // it means what it meant before forms were tried, when the real pages' changes
                // that the trees learn from were dumped.
                let offered = cands.len();
                for c in all().filter(|c| c.src.is_own_form()) {
                    push(c, cands);
                }
                // The expansion gate: scoring the candidates is what costs (about three trips
                // to memory per candidate), and most suspect phrases yield no change worth
                // applying. Trees fitted on what the decoder then applied rightly
                // (`bench/fit_gate.py`) judge from what is known now: how oddly the phrase
                // reads, how often spinners make its candidates, its frequency.
                if gate_on || self.record_expansions {
                    let g = [
                        len as f32,
                        fit,
                        fit_pmi,
                        spun_freq,
                        // Finite without candidates too (-99, like `NO_FREQ`): the fitting
                        // data is JSON, which has no infinities.
                        cands.iter().map(|c| c.1).fold(-99.0, f32::max),
                        cands.first().map_or(-99.0, |c| c.1),
                        cands
                            .iter()
                            .map(|c| c.0.src.mined_grade())
                            .fold(0.0, f32::max),
                        offered as f32,
                        // The first word's unigram log10 probability: its score in context
                        // less how much better that is than alone.
                        obs_lp[i] - pmi[i],
                    ];
                    if self.record_expansions {
                        ev.expansions.push(Expansion {
                            start: s0,
                            end: s1,
                            features: g,
                        });
                    }
                    // A skipped phrase offers no candidates; longer keys from here are still
                    // tried, as after any other phrase.
                    if gate_on && gate.raw(&g) < gate_logit {
                        cands.clear();
                    }
                }
                // A synonym's lemma written for an inflected original: the first candidates'
                // own forms, where the written word is a lemma and the pair one of lemmas (not
                // an inflected one). Built past the gate, which judges the phrase by its own
                // candidates: a skipped phrase costs none of these look-ups.
                let lemma_pairs = (p.cross_forms as usize).min(offered).min(cands.len());
                if lemma_pairs > 0 && lex.flags(spun) & FLAG_LEMMA != 0 {
                    for k in 0..lemma_pairs {
                        let c = cands[k].0;
                        if c.src.contains(Src::INFLECTED) {
                            continue;
                        }
                        for f in lex.candidates(c.original).filter(|f| f.src.is_own_form()) {
                            if f.original == spun
                                || cands.iter().any(|d| d.0.original == f.original)
                            {
                                continue;
                            }
                            let x = Candidate {
                                original: f.original,
                                prior: c.prior + f.prior,
                                src: c.src | Src::INFLECTED,
                            };
                            push(x, cands);
                        }
                    }
                }
                for (c, _, a, b) in cands.iter_mut() {
                    *a = ids.len();
                    if !lex.lm_ids(c.original, ids) {
                        // Lexicons built without ids (fixtures) fall back to string look-ups.
                        ids.truncate(*a);
                        let orig = lex.phrase(c.original);
                        ids.extend(orig.split(' ').map(|t| lm.lookup(t).unwrap_or(unk)));
                    }
                    *b = ids.len();
                }
                // The first two trigrams of every candidate's window are independent look-ups:
                // start their trips to memory together, so that they overlap instead of each
                // candidate waiting for its own.
                let (h1, h2) = lp.context(obs, i);
                for &(_, _, a, b) in cands.iter() {
                    // The window's first three words: the candidate's, then the written ones.
                    let mut next = ids[a..b].iter().chain(&obs[i + len..]).copied();
                    let (Some(c1), c2, c3) = (next.next(), next.next(), next.next()) else {
                        continue;
                    };
                    lm.prefetch(h1, h2, c1);
                    if let Some(c2) = c2 {
                        lm.prefetch(h2, c1, c2);
                        if let Some(c3) = c3 {
                            lm.prefetch(c1, c2, c3);
                        }
                    }
                }
                // `local` holds the best `cap` proposals so far, by gain, in lexicon order among
                // equals (what a stable sort of all of them would keep). `cap` is at least 2:
                // the best one's `alt_gap` needs the runner-up.
                let keep = (p.keep_per_span as usize).max(1);
                let cap = keep.max(2);
                for (k, &(c, channel, a, b)) in cands.iter().enumerate() {
                    // The synonyms' rivals are each other, as before forms were tried: "places"
                    // is no second reading of "place" beside "position" (see `offered`).
                    if k == offered {
                        set_alt_gaps(local);
                    }
                    let ids = &ids[a..b];
                    if ids.is_empty() || ids.contains(&unk) {
                        continue;
                    }
                    // gain = window - obs_window + channel must beat `prune`, and once `cap`
                    // proposals are held, the worst of them too. Every word only lowers the
                    // window's score, so a candidate stops costing look-ups as soon as its
                    // partial score falls below that floor. Exact, not a heuristic.
                    let bar = match local.get(cap - 1) {
                        Some(worst) => worst.gain.max(p.prune),
                        None => p.prune,
                    };
                    let floor = bar - channel + obs_window;
                    let Some(win) = self.window_above(lp, obs, i, ids, i + len, floor) else {
                        continue;
                    };
                    let dlm = win - obs_window;
                    let gain = dlm + channel;
                    if gain > bar {
                        let at = arena.len();
                        arena.extend_from_slice(ids);
                        let pos = local.partition_point(|o| o.gain >= gain);
                        local.insert(
                            pos,
                            Proposal {
                                alt_gap: f32::NAN,
                                offered,
                                spun_freq,
                                start: i,
                                len,
                                original: c.original,
                                words: (at, ids.len()),
                                channel,
                                gain,
                                prior: c.prior,
                                src: c.src,
                            },
                        );
                        local.truncate(cap);
                    }
                }
                set_alt_gaps(local);
                local.truncate(keep);
                props.append(local);
                if lex.flags(spun) & FLAG_PREFIX == 0 {
                    break;
                }
            }
        }
        if props.is_empty() {
            return (written, unknown);
        }
        for pr in props.iter() {
            ev.gain += pr.gain.max(0.0) as f64;
        }
        let (props, arena) = (&props[..], &arena[..]);
        // 3. Beam search over the lattice.
        self.beam(lp, obs, obs_lp, props, arena, states, path);
        // 4. Confidence of each change against keeping the text in the decoded context.
        out_ids.clear();
        out_pos.clear(); // (index into out_ids, proposal)
        let mut i = 0;
        let mut pi = 0;
        while i < n {
            if let Some(&k) = path.get(pi).filter(|&&k| props[k].start == i) {
                out_pos.push((out_ids.len(), Some(k)));
                out_ids.extend_from_slice(props[k].words(arena));
                i += props[k].len;
                pi += 1;
            } else {
                out_ids.push(obs[i]);
                i += 1;
            }
        }
        // The path's changes, each against keeping the written words inside the decoded
        // sequence.
        let mut pend = |lp: &mut Lp<'_>, pr: &Proposal, margin: f32, dlm: f32, on_path: bool| {
            let features = self.features(lp, pr, margin, dlm, obs_lp, words, norms, arena);
            let at = pending_ids.len();
            pending_ids.extend_from_slice(pr.words(arena));
            let mid = pending_ids.len();
            pending_ids.extend_from_slice(&obs[pr.start..pr.start + pr.len]);
            pending.push(Pending {
                start: toks[words[pr.start].tok].start as usize,
                end: toks[words[pr.start + pr.len - 1].tok].end as usize,
                case: words[pr.start].case,
                all_title: all_title(words[pr.start..pr.start + pr.len].iter().map(|w| w.case)),
                original: pr.original,
                src: pr.src,
                margin,
                features,
                orig: (at, mid),
                spun: (mid, pending_ids.len()),
                on_path,
                fixed: None,
            });
        };
        for &(at, k) in out_pos.iter() {
            let Some(k) = k else { continue };
            let pr = &props[k];
            let with = self.window(lp, out_ids, at, pr.words.1);
            let without = self.window_with(
                lp,
                out_ids,
                at,
                &obs[pr.start..pr.start + pr.len],
                at + pr.words.1,
            );
            pend(lp, pr, with - without + pr.channel, with - without, true);
        }
        // The other proposals, each alone in the written words: its margin there is the local
        // gain it was proposed with (the same trigrams). The change scorer then picks among
        // the ones that overlap (`score_pending`): the beam's choice rests on the trigram LM
        // and the channel alone, and passes over many a right original that the scorer, which
        // also weighs the bigram counts, the topic and the document, would take.
        if p.alternatives > 0.0 {
            for (k, pr) in props.iter().enumerate() {
                // The path is in lattice order, as `props` is.
                if path.binary_search(&k).is_err() {
                    pend(lp, pr, pr.gain, pr.gain - pr.channel, false);
                }
            }
        }
        (written, unknown)
    }

    /// Scores the document's pending changes, now that its topic is known: fills their topic
    /// features, then their confidence, which of them are chosen, and the evidence
    /// ([`Self::push_spans`] then makes the spans).
    fn score_pending(
        &self,
        text: &str,
        bufs: &mut Bufs,
        stretches: &mut [Stretch],
        ev: &mut Evidence,
        record: bool,
    ) {
        let Bufs {
            pending,
            pending_ids,
            topic,
            raw,
            order,
            ..
        } = bufs;
        // A change is likelier right in a document with many of them: spinners change a
        // fifth or more of the words, and honest text gives the decoder less to change. The
        // rates are shrunk towards those of a typical honest passage (12 changes and a gain of
        // 18 per 100 words on the tune split's clean passages), as if 50 such words were added:
        // a one-line text then says little either way, neither a spun nor a very clean
        // document.
        //
        // In a long document these are the rates of the run of sentences around the change
        // ([`local_runs`]): a spun part of a document that is mostly honest is spun all the same.
        let per_100 = |x: f64, words: usize| (100.0 * x / (words as f64 + 50.0)) as f32;
        let n_pending = pending.iter().filter(|pc| pc.on_path).count();
        let doc = [
            per_100(n_pending as f64 + 6.0, ev.words),
            per_100(ev.gain + 9.0, ev.words),
        ];
        // A spinner works from one dictionary, so a document says which channel it went
        // through: where many of its changes come from pairs that content farms are seen to
        // make (or from tortured phrases), one more such change is likelier right, and where
        // few do, it is likelier a coincidence. Each change sees the share among the *other*
        // changes, shrunk towards the shares of a typical honest passage as if SHARE_SHRINK of
        // its changes were added, so a text with few changes says little. (A lone sentence
        // therefore sits at the honest shares: a tortured phrase alone in a sentence gets no
        // help from this, one among many in a paper-mill article gets much.)
        let sources = [(Src::MINED, HONEST_MINED), (Src::TORTURED, HONEST_TORTURED)];
        let counts = sources.map(|(s, _)| {
            pending
                .iter()
                .filter(|pc| pc.on_path && pc.src.contains(s))
                .count()
        });
        let local = (ev.words >= LONG_WORDS && self.params.parts > 0.0)
            .then(|| local_runs(stretches, pending, sources));
        // A change scored before keeps the features it was scored with.
        for pc in pending.iter_mut().filter(|pc| pc.fixed.is_none()) {
            let (doc, counts, n_changes) = match &local {
                None => (doc, counts, n_pending),
                Some(runs) => {
                    let r = &runs[at_stretch(stretches, pc.start)];
                    let rates = [
                        per_100(r.changes as f64 + 6.0, r.words),
                        per_100(r.gain + 9.0, r.words),
                    ];
                    (rates, r.sources, r.changes)
                }
            };
            // The path's changes are what the shares count; an alternative beside them is not
            // among them, so it has them all as its "others".
            let others = n_changes.saturating_sub(pc.on_path.into()) as f32 + SHARE_SHRINK;
            pc.features[DOC..DOC + 2].copy_from_slice(&doc);
            for (k, (&(s, honest), &n)) in sources.iter().zip(&counts).enumerate() {
                let own = (pc.on_path && pc.src.contains(s)) as usize;
                pc.features[SHARES + k] = ((n - own) as f32 + SHARE_SHRINK * honest) / others;
            }
            let ids = &pending_ids[..];
            self.topic(
                topic,
                &ids[pc.orig.0..pc.orig.1],
                &ids[pc.spun.0..pc.spun.1],
                &mut pc.features[TOPIC..TOPIC + 4],
            );
        }
        // All of the document's changes are scored together: blocks of them go down each
        // tree side by side, which costs far less than one change at a time through the
        // whole forest (`Forest::raw_rows`). A model without trees has the linear weights.
        //
        // A change a first pass scored keeps its log-odds ([`Self::second_pass`]).
        let forest = self.model.forest();
        let rows: Vec<&Pending> = pending.iter().filter(|pc| pc.fixed.is_none()).collect();
        let mut scored = Vec::with_capacity(rows.len());
        if forest.is_empty() {
            scored.extend(rows.iter().map(|pc| self.linear_logit(&pc.features)));
        } else if self.params.screen_trees > 0.0 {
            // A proposal off the path counts only if chosen, and it is chosen only at `apply`
            // or above: one that the first trees leave far below needs no more of them. About
            // two thirds of the rows are such proposals, nearly all far below.
            let cut = logit(self.params.apply) - self.params.screen_margin;
            let first = self.params.screen_trees as usize;
            let go_on = |k: usize, sum: f32| rows[k].on_path || sum >= cut;
            forest.raw_rows_screened(&rows, first, go_on, &mut scored);
        } else {
            forest.raw_rows(&rows, &mut scored);
        }
        let mut scored = scored.into_iter();
        raw.clear();
        raw.extend(
            pending
                .iter()
                .map(|pc| pc.fixed.or_else(|| scored.next()).unwrap_or_default()),
        );
        let chosen = choose(pending, raw, logit(self.params.apply));
        // The chosen changes in text order, as the spans of a path are.
        order.clear();
        order.extend((0..pending.len()).filter(|&k| chosen[k]));
        order.sort_by_key(|&k| pending[k].start);
        let weights = repeat_weights(text, pending, order, self.params.d_repeat);
        for (k, pc) in pending.iter().enumerate() {
            let conf = sigmoid(raw[k]);
            let weight = weights[k];
            let evidence = (conf * weight) as f64;
            ev.changes += evidence;
            stretches[at_stretch(stretches, pc.start)].changes += evidence;
            if record {
                ev.decisions.push(Decision {
                    start: pc.start,
                    end: pc.end,
                    original: self.model.lexicon().phrase(pc.original).to_string(),
                    features: pc.features,
                    confidence: conf,
                    weight,
                    chosen: chosen[k],
                });
            }
        }
    }

    /// The spans of the chosen changes, in text order.
    ///
    /// A spinner writes a word the same way wherever it rewrites it, so a change made with
    /// confidence enough to apply vouches for the same change of the same written words
    /// elsewhere in the text: one scored `repeat_lift` or more is applied too, at `apply`
    /// ("financial institution" made "bank" at 0.9 in one sentence and at 0.6 in the next).
    /// The document's evidence is what it was: this only decides which changes are applied.
    fn push_spans(&self, text: &str, bufs: &Bufs, spans: &mut Vec<Span>) {
        let p = &self.params;
        let (apply, lift) = (p.apply, p.repeat_lift);
        let key = |pc: &Pending| (text[pc.start..pc.end].to_lowercase(), pc.original);
        // The surest confidence of each change applied, by written words and original.
        let mut sure: HashMap<(String, u32), f32> = HashMap::new();
        if lift < apply {
            for &k in &bufs.order {
                let conf = sigmoid(bufs.raw[k]);
                if conf >= apply {
                    let best = sure.entry(key(&bufs.pending[k])).or_insert(conf);
                    *best = best.max(conf);
                }
            }
        }
        for &k in &bufs.order {
            let pc = &bufs.pending[k];
            let conf = sigmoid(bufs.raw[k]);
            let vouched = (conf >= lift && conf < apply && !sure.is_empty())
                .then(|| sure.get(&key(pc)).copied())
                .flatten();
            self.push_span(text, pc, conf, vouched, spans);
        }
    }

    /// The topic features of replacing the words `spun` by `orig` in a document whose
    /// content-word vectors sum to `doc`: how well each fits the rest of the document (cosine
    /// with `doc` less the written words' own vectors), the difference, and how close the two
    /// are. A spinner's synonym from another sense fits the document worse than its original.
    /// All 0 without word vectors.
    fn topic(&self, doc: &[i32], orig: &[WordId], spun: &[WordId], out: &mut [f32]) {
        out.fill(0.0);
        let Some(v) = self.model.vectors() else {
            return;
        };
        let d = v.dims();
        let mut buf = [0i32; 3 * 64];
        if d > 64 || doc.len() != d {
            return;
        }
        let (ctx, rest) = buf.split_at_mut(d);
        let (o, rest) = rest.split_at_mut(d);
        let s = &mut rest[..d];
        ctx.copy_from_slice(doc);
        for &w in spun {
            v.add_to(w, s, 1);
            v.add_content(w, ctx, -1);
        }
        for &w in orig {
            v.add_to(w, o, 1);
        }
        let (oc, sc) = (cosine(o, ctx), cosine(s, ctx));
        out.copy_from_slice(&[oc, sc, oc - sc, cosine(o, s)]);
    }

    /// The feature vector of a change ([`FEATURES`]).
    #[allow(clippy::too_many_arguments)]
    fn features(
        &self,
        lp: &Lp<'_>,
        pr: &Proposal,
        margin: f32,
        dlm: f32,
        obs_lp: &[f32],
        words: &[Word],
        norms: &str,
        arena: &[WordId],
    ) -> [f32; N_FEATURES] {
        let lex = self.model.lexicon();
        let b = |s: Src| if pr.src.contains(s) { 1.0 } else { 0.0 };
        let fr = |x: f32| if x == NO_FREQ { -9.0 } else { x };
        let fit = obs_lp[pr.start..=pr.start + pr.len].iter().sum::<f32>() / (pr.len + 1) as f32;
        let orig_words = lex.phrase(pr.original).split(' ').count();
        let prior = pr.prior;
        [
            margin,
            dlm,
            prior,
            b(Src::MOBY),
            b(Src::WORDNET),
            b(Src::MYTHES),
            pr.src.mined_grade(),
            b(Src::TORTURED),
            b(Src::INFLECTED),
            fr(lex.freq(pr.original)),
            fr(pr.spun_freq),
            fit,
            pr.len as f32,
            orig_words as f32,
            pr.alt_gap,
            pr.offered as f32,
            self.bigram_gain(lp, pr, words, norms, arena),
            // The topic and document features, filled once the whole document is read.
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            words[pr.start..pr.start + pr.len]
                .iter()
                .any(|w| w.name)
                .into(),
            // The document's source shares, filled once the whole document is read.
            0.0,
            0.0,
        ]
    }

    /// The log-odds of a change with features `f` by the linear `c_*` weights, for models
    /// without trees.
    fn linear_logit(&self, f: &[f32; N_FEATURES]) -> f32 {
        let p = &self.params;
        p.weights()
            .iter()
            .zip(f.iter())
            .map(|(w, x)| w * x)
            .sum::<f32>()
            + p.c_bias
    }

    /// How much more the Google-Books bigram counts like the original than the written words at
    /// the span's two edges (log10 counts; a bigram the table lacks counts as rare).
    fn bigram_gain(
        &self,
        lp: &Lp<'_>,
        pr: &Proposal,
        words: &[Word],
        norms: &str,
        arena: &[WordId],
    ) -> f32 {
        const RARE: f32 = 6.0; // the table holds only bigrams seen 6.4 million times or more
        let lex = self.model.lexicon();
        // Phrase ids of single words, by their LM ids where known (`Lexicon::find_word`).
        let find = |lm: WordId, w: &str| {
            if lm == lp.unk {
                lex.find(w)
            } else {
                lex.find_word(lm, w)
            }
        };
        let id = |w: &Word| find(w.lm, w.norm(norms));
        let bg = |a: Option<u32>, b: Option<u32>| match (a, b) {
            (Some(a), Some(b)) => lex.bigram(a, b).unwrap_or(RARE),
            _ => RARE,
        };
        let prev = pr
            .start
            .checked_sub(1)
            .filter(|_| !words[pr.start].break_before)
            .and_then(|j| id(&words[j]));
        let end = pr.start + pr.len;
        let next = words.get(end).filter(|w| !w.break_before).and_then(&id);
        let orig = lex.phrase(pr.original);
        let (o1, o2) = (
            orig.split(' ').next().unwrap_or(""),
            orig.rsplit(' ').next().unwrap_or(""),
        );
        // The original's LM ids, one per word in a well-formed model (none of them unknown: see
        // `decode`).
        let ow = pr.words(arena);
        let (o1, o2) = if ow.len() == orig.split(' ').count() {
            (find(ow[0], o1), find(ow[ow.len() - 1], o2))
        } else {
            (lex.find(o1), lex.find(o2))
        };
        let (s1, s2) = (id(&words[pr.start]), id(&words[end - 1]));
        (bg(prev, o1) + bg(o2, next)) - (bg(prev, s1) + bg(s2, next))
    }

    /// Channel log-odds of replacing back to an original with this prior and these sources.
    fn channel(&self, prior: f32, src: Src, orig_freq: f32, spun_freq: f32) -> f32 {
        let p = &self.params;
        let of = if orig_freq == NO_FREQ {
            -8.0
        } else {
            orig_freq
        };
        let sf = if spun_freq == NO_FREQ {
            -8.0
        } else {
            spun_freq
        };
        let thesauri = [Src::MOBY, Src::WORDNET, Src::MYTHES]
            .iter()
            .filter(|s| src.contains(**s))
            .count() as f32;
        let mut c = p.log_rho + p.w_prior * prior - p.lambda_freq * (of - sf).max(0.0);
        c += p.bonus_agree * (thesauri - 1.0).max(0.0);
        if src.contains(Src::MINED) {
            c += p.bonus_mined;
        }
        if src.contains(Src::TORTURED) {
            c += p.bonus_tortured;
        }
        if src.contains(Src::RULE) {
            c += p.bonus_rule;
        }
        c
    }

    /// log10 probability of `seq[at..at+len]` followed by `repl_tail`: the two words after the
    /// span (or the sentence end), each in its trigram context. `seq` supplies the left context.
    fn window(&self, lp: &mut Lp<'_>, seq: &[WordId], at: usize, len: usize) -> f32 {
        self.window_with(lp, seq, at, &seq[at..at + len], at + len)
    }

    /// log10 probability of `ids` put in place of `seq[at..resume]`, plus the two words of
    /// `seq` from `resume` on (or the sentence end), with `seq[..at]` as left context.
    fn window_with(
        &self,
        lp: &mut Lp<'_>,
        seq: &[WordId],
        at: usize,
        ids: &[WordId],
        resume: usize,
    ) -> f32 {
        self.window_above(lp, seq, at, ids, resume, f32::NEG_INFINITY)
            .unwrap_or(f32::NEG_INFINITY)
    }

    /// [`window_with`](Self::window_with), or `None` as soon as the running score is at or
    /// below `floor`: log probabilities are never positive, so it could only fall further.
    fn window_above(
        &self,
        lp: &mut Lp<'_>,
        seq: &[WordId],
        at: usize,
        ids: &[WordId],
        resume: usize,
        floor: f32,
    ) -> Option<f32> {
        let (mut h1, mut h2) = lp.context(seq, at);
        let mut s = 0f32;
        let tail = &seq[resume..(resume + 2).min(seq.len())];
        for &w in ids.iter().chain(tail) {
            s += lp.get(h1, h2, w);
            if s <= floor {
                return None;
            }
            (h1, h2) = (h2, w);
        }
        if resume + 2 > seq.len() {
            s += lp.get(h1, h2, lp.eos);
        }
        (s > floor).then_some(s)
    }

    /// Beam search: leaves in `path` the indices of the proposals on the best path, in order.
    /// `props` are in order of their start (the decoder finds them left to right).
    #[allow(clippy::too_many_arguments)]
    fn beam(
        &self,
        lp: &mut Lp<'_>,
        obs: &[WordId],
        obs_lp: &[f32],
        props: &[Proposal],
        arena: &[WordId],
        states: &mut Vec<Vec<Hyp>>,
        path: &mut Vec<usize>,
    ) {
        let lm = self.model.lm();
        let n = obs.len();
        let width = (self.params.beam as usize).max(1);
        debug_assert!(props.windows(2).all(|w| w[0].start <= w[1].start));
        if states.len() < n + 1 {
            states.resize_with(n + 1, Vec::new);
        }
        for s in &mut states[..=n] {
            s.clear();
        }
        states[0].push(Hyp {
            score: 0.0,
            h1: NO_WORD,
            h2: lp.bos,
            back: None,
            edge: None,
        });
        let push = |v: &mut Vec<Hyp>, h: Hyp| {
            if let Some(o) = v.iter_mut().find(|o| o.h1 == h.h1 && o.h2 == h.h2) {
                if h.score > o.score {
                    *o = h;
                }
            } else {
                v.push(h);
            }
        };
        // The proposals starting at `pos` are `props[k0..k1]`.
        let (mut k0, mut k1) = (0, 0);
        for pos in 0..n {
            k0 = k1.max(k0);
            while k0 < props.len() && props[k0].start < pos {
                k0 += 1;
            }
            k1 = k0;
            while k1 < props.len() && props[k1].start == pos {
                k1 += 1;
            }
            let mut cur = std::mem::take(&mut states[pos]);
            cur.sort_by(|a, b| b.score.total_cmp(&a.score));
            cur.truncate(width);
            // The written context of `pos`, where the written pass scored `obs[pos]` already.
            let written = lp.context(obs, pos);
            for (hi, h) in cur.iter().enumerate() {
                // Keep the written word.
                let w = obs[pos];
                let l = if (h.h1, h.h2) == written {
                    obs_lp[pos]
                } else {
                    lp.get(h.h1, h.h2, w)
                };
                let s = h.score + l;
                push(
                    &mut states[pos + 1],
                    Hyp {
                        score: s,
                        h1: h.h2,
                        h2: w,
                        back: Some((pos, hi)),
                        edge: None,
                    },
                );
                for (k, pr) in props.iter().enumerate().take(k1).skip(k0) {
                    let (mut a, mut b, mut s) = (h.h1, h.h2, h.score + pr.channel);
                    for &w in pr.words(arena) {
                        s += lp.get(a, b, w);
                        (a, b) = (b, w);
                    }
                    push(
                        &mut states[pos + pr.len],
                        Hyp {
                            score: s,
                            h1: a,
                            h2: b,
                            back: Some((pos, hi)),
                            edge: Some(k),
                        },
                    );
                }
            }
            states[pos] = cur;
        }
        let eos = lp.eos;
        let best = states[n]
            .iter()
            .enumerate()
            .map(|(i, h)| (i, h.score + lm.logp(h.h1, h.h2, eos)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        path.clear();
        let (mut pos, mut hi) = (n, best.unwrap_or(0));
        while let Some(h) = states[pos].get(hi) {
            if let Some(k) = h.edge {
                path.push(k);
            }
            match h.back {
                Some((p, i)) => (pos, hi) = (p, i),
                None => break,
            }
        }
        path.reverse();
    }

    /// `original` (lowercase, from the model) written as the span `written` is: its case, word
    /// by word where the words differ (first word's case `first`; `all_title` for a name or a
    /// heading), initialisms in capitals and apostrophes as typographic as the span's. Every
    /// suggestion, whether a substitution's or a fingerprint's, is written here.
    fn write_like(&self, original: &str, written: &str, first: Case, all_title: bool) -> String {
        let cased = apply_case_like(original, written, first, all_title);
        let cased = initialisms_in_capitals(cased, |w| self.model.is_initialism(w));
        apostrophes_as(written, cased)
    }

    /// The span of change `pc`, scored `conf`; `vouched`: the confidence of the same change
    /// applied elsewhere in the text, which has it applied at `apply` ([`Self::push_spans`]).
    fn push_span(
        &self,
        text: &str,
        pc: &Pending,
        conf: f32,
        vouched: Option<f32>,
        spans: &mut Vec<Span>,
    ) {
        let p = &self.params;
        // A change confident enough to apply is reported, whatever `flag` says: lowering
        // `apply` alone trades precision for recall.
        if conf < p.flag.min(p.apply) {
            return;
        }
        let (start, end, margin) = (pc.start, pc.end, pc.margin);
        let original = self.model.lexicon().phrase(pc.original);
        // A word in lowercase never stood for a name that English always capitalises: "sep" in
        // honest prose is no "september" (a spinner keeps the case it found).
        if pc.case == Case::Lower && ALWAYS_CAPITALISED.contains(&original) {
            return;
        }
        let suggestion = (conf >= p.apply || vouched.is_some())
            .then(|| self.write_like(original, &text[start..end], pc.case, pc.all_title));

        let mut sources = pc.src.names().join("+");
        if sources.is_empty() {
            sources.push_str("lexicon");
        }
        let mut evidence =
            format!("{sources}: \"{original}\"; language model prefers it by {margin:.2} (log10)");
        if let Some(best) = vouched {
            evidence.push_str(&format!(
                "; scored {conf:.3}, applied since the same change is made elsewhere in the text \
                 at {best:.3}"
            ));
        }
        spans.push(Span {
            start,
            end,
            text: text[start..end].to_string(),
            suggestion,
            confidence: round3(if vouched.is_some() { p.apply } else { conf }),
            kind: SpanKind::Substitution,
            evidence,
        });
    }

    /// Spinner debris: unresolved spintax (`{a|b|c}` and one-option `{word}`), and numbers
    /// spelled out half-way ("1.five"), outside `web`: the ranges (in order) that
    /// [`mask_web`](crate::tokenize::mask_web) masked, which may hold braces and digits as they
    /// like.
    fn artifacts(&self, text: &str, toks: &[Token], web: &[(usize, usize)], spans: &mut Vec<Span>) {
        let lm = self.model.lm();
        let b = text.as_bytes();
        let mut i = 0;
        let mut lines = CodeLines::default();
        while let Some(off) = text[i..].find('{') {
            let s = i + off;
            let rest = &text[s + 1..];
            let close = rest
                .find(['}', '{', '\n'])
                .filter(|&c| rest.as_bytes()[c] == b'}' && c <= 200);
            let Some(c) = close else {
                i = s + 1;
                continue;
            };
            let inner = &rest[..c];
            let e = s + 1 + c + 1;
            if overlaps_any(web, s, e, |&r| r) {
                i = e.min(b.len());
                continue;
            }
            let opts: Vec<&str> = inner.split('|').map(str::trim).collect();
            if opts.len() == 1 && (lines.is_code(text, s) || glued(text, s, e)) {
                // `{var}` in a format string or `use a::{b};`, `C{string}` in a docstring: a
                // template or markup, not a spinner's.
                i = e.min(b.len());
                continue;
            }
            let wordy = opts.iter().all(|o| {
                !o.is_empty()
                    && o.chars().all(|ch| {
                        ch.is_alphabetic() || ch.is_whitespace() || ch == '\'' || ch == '-'
                    })
            });
            if wordy && !inner.is_empty() {
                // Pick the option the language model likes best after the preceding word.
                // Only the few tokens just before the brace are context; searching further back
                // would make a document of many artifacts quadratic.
                let before = toks.partition_point(|t| (t.end as usize) <= s);
                let prev = toks[..before]
                    .iter()
                    .rev()
                    .take(8)
                    .find(|t| t.kind == Kind::Word)
                    .map(|t| {
                        let mut n = String::new();
                        normalize_word(t.text(text), &mut n);
                        lm.lookup(&n).unwrap_or(lm.unk())
                    });
                let best = opts
                    .iter()
                    .max_by(|a, c| {
                        let score = |o: &str| {
                            // Any space: text from the web writes no-break ones too.
                            let w = o
                                .split(char::is_whitespace)
                                .next()
                                .unwrap_or("")
                                .to_lowercase();
                            lm.logp(
                                NO_WORD,
                                prev.unwrap_or(lm.bos()),
                                lm.lookup(&w).unwrap_or(lm.unk()),
                            )
                        };
                        score(a).total_cmp(&score(c))
                    })
                    .copied()
                    .unwrap_or(inner);
                let evidence = if opts.len() > 1 {
                    format!("unresolved spintax with {} options", opts.len())
                } else {
                    "spintax braces around a single option".to_string()
                };
                spans.push(Span {
                    start: s,
                    end: e,
                    text: text[s..e].to_string(),
                    suggestion: Some(best.to_string()),
                    confidence: if opts.len() > 1 { 0.99 } else { 0.9 },
                    kind: SpanKind::Artifact,
                    evidence,
                });
            }
            i = e.min(b.len());
        }
        // Numbers spelled out half-way; those inside spintax braces belong to the spintax.
        let n_spintax = spans.len();
        for m in crate::numbers::mangled_numbers(text) {
            if overlaps_any(&spans[..n_spintax], m.start, m.end, |o| (o.start, o.end))
                || overlaps_any(web, m.start, m.end, |&r| r)
            {
                continue;
            }
            let name = &text[m.start..m.end];
            spans.push(Span {
                start: m.start,
                end: m.end,
                text: name.to_string(),
                evidence: format!(
                    "a number spelled out inside digits: \"{name}\" for {}",
                    m.digits
                ),
                suggestion: Some(m.digits),
                confidence: 0.95,
                kind: SpanKind::Artifact,
            });
        }
        spans.sort_by_key(|s| s.start);
    }

    /// Words a spinner mangled, as debris spans whose suggestion is the word put right,
    /// outside the ranges `taken` (sorted): words that mix scripts to hide from checkers
    /// ("mаrket" with a Cyrillic "а", suggested in Latin letters), initialisms with their
    /// letters recased ("Fbi", suggested as "FBI"), and "12 months" for "year" where grammar
    /// gives it away ([`twelve_months`]). They do not hold the decoder off the word: a change
    /// it makes there replaces the span. A token too long to be a word is left as it is, as
    /// the decoder leaves it.
    fn mangled(&self, text: &str, toks: &[Token], taken: &[(usize, usize)]) -> Vec<Span> {
        let mut out = Vec::new();
        for (k, &t) in toks.iter().enumerate() {
            let span = match t.kind {
                Kind::Number => twelve_months(text, toks, k),
                Kind::Word if !always_protected(t, text) => self.mangled_word(text, t),
                _ => None,
            };
            if let Some(span) = span.filter(|s| !overlaps_any(taken, s.start, s.end, |&r| r)) {
                out.push(span);
            }
        }
        out
    }

    /// The word `t` as debris, if it mixes scripts or is an initialism recased.
    fn mangled_word(&self, text: &str, t: Token) -> Option<Span> {
        let word = t.text(text);
        let (fixed, evidence, confidence) = if let Some(latin) = fold_lookalikes(word) {
            let why = format!(
                "letters of another script that look like Latin ones: \"{word}\" is \"{latin}\""
            );
            (latin, why, 0.99)
        } else {
            let caps = recased_initialism(word, |w| self.model.is_initialism(w))?;
            let why = format!("an abbreviation with its letters recased: \"{word}\" is \"{caps}\"");
            // A surname can be spelled like one ("Cia").
            (caps, why, 0.95)
        };
        Some(Span {
            start: t.start as usize,
            end: t.end as usize,
            text: word.to_string(),
            evidence,
            suggestion: Some(fixed),
            confidence,
            kind: SpanKind::Artifact,
        })
    }

    /// Known tortured phrases, leftmost-longest over the normalized word stream: the listed
    /// ones go to `spans`, those composed from the list's substitutions to `composed` (see
    /// [`merge_composed`]).
    fn fingerprints(
        &self,
        text: &str,
        toks: &[Token],
        spans: &mut Vec<Span>,
        composed: &mut Vec<Span>,
    ) {
        let Some(fp) = &self.model.inner.fingerprints else {
            return;
        };
        // The items a fingerprint is matched against (`fingerprint::item`): normalized words,
        // `|` where punctuation breaks the stream (so no match crosses it), `#` and its digits
        // for a number, `#` for a hyphen. Their strings lie in `norms`, one after another.
        let mut norms = String::new();
        let mut ends: Vec<usize> = Vec::with_capacity(toks.len());
        let mut norm = String::new();
        for t in toks {
            norms.push_str(fingerprint::item(t.kind, t.text(text), &mut norm));
            ends.push(norms.len());
        }
        let item = |k: usize| &norms[if k == 0 { 0 } else { ends[k - 1] }..ends[k]];
        let items = || (0..ends.len()).map(item);
        // `spans` holds only the artifacts here, sorted and disjoint.
        let n_artifacts = spans.len();
        // With the composed phrases turned off, they must not displace listed matches either.
        let with_composed = self.params.composed >= 0.5;
        let terms = &self.model.inner.term_items;
        let mut odd = |first: usize, len: usize, term: usize| {
            self.variant_fits(&item, ends.len(), first, len, &terms[term])
        };
        let rank = |x: f32| x.clamp(0.0, 255.0) as u8;
        let mut variants = Variants {
            rank1: rank(self.params.term_rank),
            rank2: rank(self.params.term_rank2),
            ok: &mut odd,
        };
        // Variants are looked for only in a text dense with tortured phrases already, listed
        // or composed: a paper mill's text holds many, honest prose with a known term's
        // neighbour ("input tokens", "wise economy") next to none, and a long address that
        // happens to hold one or two is no paper mill's.
        let gate = self.params.term_gate.max(0.0);
        let density = self.params.term_density.max(0.0);
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        fp.find_with(items(), with_composed, |first, len, pattern| {
            found.push((first, len, pattern))
        });
        let dense = |found: &[(usize, usize, usize)]| {
            let n = found
                .iter()
                .filter(|m| toks[m.0].kind == Kind::Word)
                .count();
            let words = toks.iter().filter(|t| t.kind == Kind::Word).count().max(1);
            n as f32 >= gate && n as f32 * 1000.0 / words as f32 >= density
        };
        if (variants.rank1 > 0 || variants.rank2 > 0)
            && ((gate == 0.0 && density == 0.0) || dense(&found))
        {
            found.clear();
            fp.find_all(
                items(),
                with_composed,
                Some(&mut variants),
                |first, len, pattern| found.push((first, len, pattern)),
            );
        }
        // A listed phrase that is also one of English's most frequent word pairs (the Google
        // Books bigram table: "search engine", listed for "machine learning") is honest far more
        // often than a paper mill's: it counts only in a text where another tortured phrase is
        // found.
        let lex = self.model.lexicon();
        let common = |&(first, len, pattern): &(usize, usize, usize)| {
            len == 2
                && self.model.inner.phrase(pattern).2 == PhraseKind::Listed
                && matches!(
                    (lex.find(item(first)), lex.find(item(first + 1))),
                    (Some(a), Some(b)) if lex.bigram(a, b).is_some()
                )
        };
        let sighted = found.iter().any(|m| !common(m));
        for (first, len, pattern) in found {
            if !sighted && common(&(first, len, pattern)) {
                continue;
            }
            let (tortured, phrase, kind) = self.model.inner.phrase(pattern);
            // A variant's span is only the words it reads otherwise ("misery" of "misery
            // care" for "health care"): the rest stands as written, and `written` is the whole
            // run, for the evidence.
            let (first, len, correct, written) = if kind == PhraseKind::Term {
                let read: Vec<&str> = self.model.inner.term_items(pattern).split(' ').collect();
                let differs = |k: &usize| item(first + k) != read[*k];
                let (Some(a), Some(b)) = ((0..len).find(differs), (0..len).rfind(differs)) else {
                    continue;
                };
                // Items `from..to` of the run as the text joins them: words by a space, a
                // hyphen or a number as written ("k-nearest neighbors", "co2 emission"), with
                // the term's words from `read` in place of the text's where it is given.
                let spell = |from: usize, to: usize, read: Option<&[&str]>| {
                    let mut out = String::new();
                    let mut after_word = false;
                    for k in from..to {
                        let t = toks[first + k];
                        let word = fingerprint::is_word_item(item(first + k));
                        if k > from {
                            if word && after_word {
                                out.push(' ');
                            } else {
                                let prev = toks[first + k - 1];
                                out.push_str(&text[prev.end as usize..t.start as usize]);
                            }
                        }
                        out.push_str(if word {
                            read.map_or(item(first + k), |r| r[k])
                        } else {
                            t.text(text)
                        });
                        after_word = word;
                    }
                    out
                };
                let written = spell(0, len, None);
                let correct = Cow::Owned(spell(a, b + 1, Some(&read)));
                (first + a, b + 1 - a, correct, written)
            } else {
                (first, len, Cow::Borrowed(phrase), String::new())
            };
            // A match must start at a word or a number ("256 pieces"), and covers the items its
            // phrase spells: "man-made consciousness" its hyphen too.
            let matched = &toks[first..first + len];
            if matched[0].kind == Kind::Punct {
                continue;
            }
            let (start, end) = (matched[0].start as usize, matched[len - 1].end as usize);
            // Spintax found first owns its bytes: a fingerprint inside braces would overlap it.
            if overlaps_any(&spans[..n_artifacts], start, end, |o| (o.start, o.end)) {
                continue;
            }
            // A composed phrase is no sighting, only the list's substitutions put together; a
            // term's variant, only thesaurus neighbours of a term's words.
            let (confidence, evidence) = match kind {
                PhraseKind::Listed => (
                    0.95,
                    format!("known tortured phrase \"{tortured}\" for \"{correct}\""),
                ),
                PhraseKind::Composed => (
                    COMPOSED_CONFIDENCE,
                    format!(
                        "tortured phrase \"{tortured}\" for \"{correct}\", composed from the \
                         listed phrases' word substitutions"
                    ),
                ),
                PhraseKind::Term => (
                    TERM_CONFIDENCE,
                    format!(
                        "\"{written}\" reads as the term \"{phrase}\" with thesaurus \
                         neighbours for some of its words"
                    ),
                ),
            };
            let span = Span {
                start,
                end,
                text: text[start..end].to_string(),
                suggestion: Some(
                    self.write_like(
                        &correct,
                        &text[start..end],
                        case_of(matched[0].text(text)),
                        all_title(
                            matched
                                .iter()
                                .filter(|t| t.kind == Kind::Word)
                                .map(|t| case_of(t.text(text))),
                        ),
                    ),
                ),
                confidence,
                kind: SpanKind::Fingerprint,
                evidence,
            };
            if kind == PhraseKind::Listed {
                &mut *spans
            } else {
                &mut *composed
            }
            .push(span);
        }
    }
}

impl Detector {
    /// Whether items `first..first + len` (of `n_items`, read with `item`) may be a variant of
    /// `term`. It must read oddly somewhere (one of its word pairs is one the LM has never
    /// stored: "fish school" is English), and the term must read better than it in context,
    /// by `term_gain` with the trigram LM over two words of context on each side: "wise
    /// economy" in an address of 1830 is no spun "smart economy".
    fn variant_fits<'a>(
        &self,
        item: &dyn Fn(usize) -> &'a str,
        n_items: usize,
        first: usize,
        len: usize,
        term: &str,
    ) -> bool {
        let lm = &*self.model.inner.lm;
        let is_word = |k: usize| fingerprint::is_word_item(item(k));
        // Word pairs only: a hyphen or a number is no word the LM has stored, and says nothing
        // of how oddly the words around it read.
        let odd = (first..first + len - 1)
            .filter(|&k| is_word(k) && is_word(k + 1))
            .any(|k| match (lm.lookup(item(k)), lm.lookup(item(k + 1))) {
                (Some(a), Some(b)) => !lm.has_bigram(a, b),
                _ => true,
            });
        if !odd {
            return false;
        }
        // The context words, where they are words of the same run.
        let from = (first.saturating_sub(2)..first)
            .rev()
            .take_while(|&k| is_word(k))
            .last()
            .unwrap_or(first);
        let to = (first + len..(first + len + 2).min(n_items))
            .take_while(|&k| is_word(k))
            .last()
            .map_or(first + len, |k| k + 1);
        let id = |w: &str| lm.lookup(w).unwrap_or(lm.unk());
        let written: Vec<WordId> = (from..to).map(|k| id(item(k))).collect();
        let mut read = written.clone();
        for (k, w) in term.split(' ').enumerate() {
            read[first - from + k] = id(w);
        }
        let score = |ids: &[WordId]| -> f32 {
            (0..ids.len())
                .map(|k| {
                    let w1 = if k >= 2 { ids[k - 2] } else { NO_WORD };
                    let w2 = if k >= 1 { ids[k - 1] } else { NO_WORD };
                    lm.logp(w1, w2, ids[k])
                })
                .sum()
        };
        score(&read) - score(&written) >= self.params.term_gain
    }
}

/// log10 of (a bigram's count over its second word's, times the Google-Books unigram total
/// 5.4e11) from which two words read as one phrase ([`broken_names`]): a twentieth.
const COLLOCATION_MIN: f32 = 10.43;

/// Words that English does write twice in a row ("he had had enough", "that that was wrong",
/// "what it is is", "they do do it", "very very"): an original may repeat its neighbour there
/// ([`no_repeated_words`]).
const REPEATABLE: [&str; 5] = ["had", "that", "is", "do", "very"];

/// Originals that English writes with a capital wherever they stand: the months and the days
/// of the week, less those that are ordinary words too ("may", "march", "august").
const ALWAYS_CAPITALISED: [&str; 16] = [
    "january",
    "february",
    "april",
    "june",
    "july",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The confidence of a tortured phrase composed from the list's word substitutions, below the
/// 0.95 of a listed phrase: on phrases held out from the list nearly every whole match is
/// the listed correction (`bench/tortured_holdout.py`), but in general prose most of the few
/// matches are wrong (`DESIGN.md`, "Fingerprints").
const COMPOSED_CONFIDENCE: f64 = 0.9;

/// The confidence of a variant of a known term, below a composed phrase's: its substitutions
/// come from the thesauri, not from the list (`DESIGN.md`, "Fingerprints").
const TERM_CONFIDENCE: f64 = 0.85;

impl Detector {
    /// Makes an indefinite article in front of a replaced span agree with the replacement:
    /// "an arbitrary timberland" becomes "a random forest", not "an random forest". The span
    /// grows to take the article in, so that `restore` still applies exactly the reported
    /// spans. An article is changed only where it agrees with the written word, so that text
    /// whose articles were already off, and the spinners that leave them so, are left as they
    /// are.
    fn agree_articles(&self, text: &str, toks: &[Token], spans: &mut [Span]) {
        let mut prev_end = 0;
        for s in spans.iter_mut() {
            let floor = std::mem::replace(&mut prev_end, s.end);
            let Some(sugg) = &s.suggestion else { continue };
            // The token right in front of the span, with only white space between.
            let k = toks.partition_point(|t| (t.end as usize) <= s.start);
            let Some(art) = k.checked_sub(1).map(|i| toks[i]) else {
                continue;
            };
            let (a0, a1) = (art.start as usize, art.end as usize);
            if a0 < floor || !text[a1..s.start].chars().all(char::is_whitespace) {
                continue;
            }
            let written = &text[a0..a1];
            let lower = written.to_ascii_lowercase();
            if lower != "a" && lower != "an" {
                continue;
            }
            let (Some(spun), Some(orig)) = (first_word(&s.text), first_word(sugg)) else {
                continue;
            };
            if matches!(orig.to_lowercase().as_str(), "a" | "an" | "the") {
                continue;
            }
            let want = self.article_for(&orig.to_lowercase());
            if self.article_for(&spun.to_lowercase()) != lower || want == lower {
                continue;
            }
            let article = apply_case(want, case_of(written));
            s.suggestion = Some(format!("{article}{}{sugg}", &text[a1..s.start]));
            s.start = a0;
            s.text = text[a0..s.end].to_string();
            s.evidence
                .push_str(&format!("; \"{written}\" made to agree"));
        }
    }

    /// The indefinite article for a lowercase word: the one the Google-Books bigram counts
    /// prefer ("an hour", "a university"), else the one its first letter calls for.
    fn article_for(&self, word: &str) -> &'static str {
        let lex = self.model.lexicon();
        if let (Some(a), Some(an), Some(w)) = (lex.find("a"), lex.find("an"), lex.find(word)) {
            match (lex.bigram(a, w), lex.bigram(an, w)) {
                (Some(x), Some(y)) => return if y > x { "an" } else { "a" },
                (Some(_), None) => return "a",
                (None, Some(_)) => return "an",
                (None, None) => {}
            }
        }
        article_by_spelling(word)
    }
}

/// The sentence of `stretches` (sorted by start) that the byte `pos` lies in.
fn at_stretch(stretches: &[Stretch], pos: usize) -> usize {
    stretches
        .partition_point(|s| s.start <= pos)
        .saturating_sub(1)
}

/// What the run of sentences around one sentence holds: its words, the decoder's changes, their
/// gain, and the changes from each of the document-share sources.
struct Run {
    words: usize,
    changes: usize,
    gain: f64,
    sources: [usize; 2],
}

/// For each sentence, the run of sentences around it (as many on each side, taking turns) of
/// [`WINDOW_WORDS`] words or more, or the whole document if it is shorter.
fn local_runs(stretches: &[Stretch], pending: &[Pending], sources: [(Src, f32); 2]) -> Vec<Run> {
    let n = stretches.len();
    // Prefix sums per sentence.
    let mut words = vec![0usize; n + 1];
    let mut gain = vec![0f64; n + 1];
    let mut changes = vec![0usize; n + 1];
    let mut from = vec![[0usize; 2]; n + 1];
    for pc in pending.iter().filter(|pc| pc.on_path) {
        let i = at_stretch(stretches, pc.start) + 1;
        changes[i] += 1;
        for (k, (src, _)) in sources.iter().enumerate() {
            from[i][k] += pc.src.contains(*src) as usize;
        }
    }
    for (i, st) in stretches.iter().enumerate() {
        words[i + 1] = words[i] + st.words;
        gain[i + 1] = gain[i] + st.gain;
        changes[i + 1] += changes[i];
        let before = from[i];
        for (sum, b) in from[i + 1].iter_mut().zip(before) {
            *sum += b;
        }
    }
    (0..n)
        .map(|k| {
            let (mut a, mut b) = (k, k + 1);
            let mut left = true;
            while words[b] - words[a] < WINDOW_WORDS && (a > 0 || b < n) {
                if (left && a > 0) || b == n {
                    a -= 1;
                } else {
                    b += 1;
                }
                left = !left;
            }
            Run {
                words: words[b] - words[a],
                changes: changes[b] - changes[a],
                gain: gain[b] - gain[a],
                sources: [from[b][0] - from[a][0], from[b][1] - from[a][1]],
            }
        })
        .collect()
}

/// Whether the line break between the token ending at `prev_end` and the one starting at
/// `next` is a hard wrap inside a sentence (text from a PDF, an e-mail, a terminal), not the end
/// of a title or a list item: a single line break, after a line of 30 characters or more, before
/// a word in lowercase. Hard-wrapped text cut into sentences at every line loses the context
/// on both sides of each break: on the test split wrapped at 72 columns, recall fell by a tenth
/// and clean passages were called spun.
fn wrapped_line(text: &str, prev_end: usize, next: usize) -> bool {
    const MIN_LINE_CHARS: usize = 30;
    let gap = &text[prev_end..next];
    if gap.matches('\n').count() != 1 || !text[next..].starts_with(|c: char| c.is_lowercase()) {
        return false;
    }
    let line_start = text[..prev_end].rfind('\n').map_or(0, |k| k + 1);
    text[line_start..prev_end]
        .chars()
        .nth(MIN_LINE_CHARS - 1)
        .is_some()
}

/// Whether token `t` is never rewritten, whatever its case: a number, a token too long to be a
/// word ([`MAX_WORD_CHARS`]), or a prefix joined to the next word by a hyphen.
fn always_protected(t: Token, text: &str) -> bool {
    t.kind == Kind::Number
        || t.text(text).chars().count() > MAX_WORD_CHARS
        || hyphen_prefix(t, text)
}

/// Prefixes that English joins to a word with a hyphen ("non-joining", "pre-war", "co-author").
/// Written so, the token is a part of one word, not a word of its own that a spinner could have
/// put there; read alone, the thesauri take "non" for "not" and "sub" for "substitute".
const HYPHEN_PREFIXES: [&str; 14] = [
    "anti", "co", "inter", "intra", "mid", "multi", "non", "post", "pre", "pseudo", "quasi", "re",
    "semi", "sub",
];

/// Whether token `t` is one of [`HYPHEN_PREFIXES`] followed by a hyphen and a letter.
fn hyphen_prefix(t: Token, text: &str) -> bool {
    let rest = text[t.end as usize..].strip_prefix('-');
    rest.is_some_and(|r| r.starts_with(char::is_alphabetic))
        && HYPHEN_PREFIXES
            .iter()
            .any(|p| t.text(text).eq_ignore_ascii_case(p))
}

/// Whether the phrase of `len` words at `i` is a spinner's phrase put for a word of a name:
/// its first word alone keeps a capital, and a name goes on around it ("the Reserve Financial
/// institution of Australia", "the Financial institution of England", "Kevin Home owner
/// said"). Spinners replace the words of names like any other and capitalise only the
/// substitute's first word. Its words read well together ("financial institution"), so the
/// decoder expands it whatever its fit; whether to change it is decided as for any other
/// phrase.
fn broken_name(words: &[Word], norms: &str, i: usize, len: usize) -> bool {
    let title = |k: usize| {
        words
            .get(k)
            .is_some_and(|w| w.case == Case::Title && w.name)
    };
    let of = |k: usize| words.get(k).is_some_and(|w| w.norm(norms) == "of");
    len > 1
        && title(i)
        && words[i + 1..i + len].iter().all(|w| w.case == Case::Lower)
        && ((i > 0 && title(i - 1)) || title(i + len) || (of(i + len) && title(i + len + 1)))
}

/// A sentence whose capitals say nothing about its words: one written all in capitals ("THE
/// INVENTORY MARKET FELL", a headline or a shouted line) or in title case ("The Inventory
/// Market Fell in Early Trading"). Its words are decoded as if written in lowercase, with their
/// suggestions in the sentence's case, rather than kept as acronyms (every word of a sentence in
/// capitals was, so a spinner's text put in capitals passed for clean) or decoded as names
/// (which the change scorer treats apart: clean text in title case had 3 of 200 passages called
/// spun). Numbers and overlong words stay protected.
fn plain_case(text: &str, toks: &[Token], words: &mut [Word]) {
    let one_letter = |w: &Word| toks[w.tok].text(text).chars().count() == 1;
    let number = |w: &Word| toks[w.tok].kind == Kind::Number;
    // Three words of two letters or more in capitals, and no word in lowercase or mixed case:
    // one-letter capitals ("A", "I") read as Title.
    let upper = words.iter().filter(|w| w.case == Case::Upper).count();
    let shouted = upper >= 3
        && words.iter().all(|w| {
            w.case == Case::Upper || number(w) || (w.case == Case::Title && one_letter(w))
        });
    if shouted {
        for w in words.iter_mut() {
            w.protected = always_protected(toks[w.tok], text);
            w.name = false;
        }
        return;
    }
    // Four capitalised words or more, and no other word in lowercase than the articles,
    // conjunctions and short prepositions that titles leave so ("of", "in", "and", "the").
    let title = words.iter().filter(|w| w.case == Case::Title).count();
    let titled = title >= 4
        && words.iter().all(|w| {
            w.case == Case::Title
                || number(w)
                || (w.case == Case::Lower && TITLE_LOWER.contains(&toks[w.tok].text(text)))
        });
    if titled {
        for w in words.iter_mut() {
            w.name = false;
        }
    }
}

/// Withdraws every suggestion that would make the restored text say a word twice in a row:
/// "hard to maintain keep track" is no "hard to keep keep track", nor "extra more likely" "more
/// more likely". A spinner left its choice beside the word it replaced, or kept the original
/// beside its synonym; removing the spun word is beyond a substitution, so the span stays, with
/// its evidence and no suggestion. The neighbours are read as restored: "erstwhile once again",
/// where "once again" is put back as "again" too, becomes "once again". Words are compared as
/// the lexicon reads them ([`normalize_word`]: case and the apostrophe's typography aside). Words
/// that English repeats ([`REPEATABLE`]) are left alone, and so is a neighbour glued to the span
/// without white space ("$8.Eight").
fn no_repeated_words(text: &str, toks: &[Token], spans: &mut [Span]) {
    let fold = |w: &str| {
        let mut n = String::new();
        normalize_word(w, &mut n);
        n
    };
    /// The span holding the token `t`, if any (spans are sorted and disjoint).
    fn span_of<'a>(spans: &'a [Span], t: &Token) -> Option<&'a Span> {
        let k = spans.partition_point(|s| s.end <= t.start as usize);
        spans
            .get(k)
            .filter(|s| s.start <= t.start as usize && t.end as usize <= s.end)
    }
    // A neighbour as restored: the suggestion's word where a suggestion covers it.
    let read = |spans: &[Span], t: &Token, last: bool| -> String {
        match span_of(spans, t).and_then(|s| s.suggestion.as_deref()) {
            Some(sugg) => {
                let mut words = sugg.split_whitespace();
                let w = if last {
                    words.next_back()
                } else {
                    words.next()
                };
                fold(w.unwrap_or(""))
            }
            None => fold(t.text(text)),
        }
    };
    let spaced = |a: usize, b: usize| a < b && text[a..b].chars().all(char::is_whitespace);
    let mut withdraw = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        let Some(sugg) = s.suggestion.as_deref() else {
            continue;
        };
        let (Some(first), Some(last)) = (
            sugg.split_whitespace().next(),
            sugg.split_whitespace().next_back(),
        ) else {
            continue;
        };
        let k = toks.partition_point(|t| (t.end as usize) <= s.start);
        let before = k
            .checked_sub(1)
            .map(|j| &toks[j])
            .filter(|t| t.kind != Kind::Punct && spaced(t.end as usize, s.start));
        let j = toks.partition_point(|t| (t.start as usize) < s.end);
        let after = toks
            .get(j)
            .filter(|t| t.kind != Kind::Punct && spaced(s.end, t.start as usize));
        let repeats = |w: &str, neighbour: String| {
            let w = fold(w);
            w == neighbour && !REPEATABLE.contains(&w.as_str())
        };
        if before.is_some_and(|t| repeats(first, read(spans, t, true)))
            || after.is_some_and(|t| repeats(last, read(spans, t, false)))
        {
            withdraw.push(i);
        }
    }
    for i in withdraw {
        let s = &mut spans[i];
        s.suggestion = None;
        s.evidence
            .push_str("; not written, since the word next to it would then stand twice");
    }
}

/// The run of letters that `s` starts with ("machine" in "machine-learning"), if it starts
/// with a letter.
fn first_word(s: &str) -> Option<&str> {
    let rest = s.trim_start();
    if !rest.starts_with(char::is_alphabetic) {
        return None;
    }
    let end = rest
        .find(|c: char| !c.is_alphabetic())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The indefinite article a lowercase word's spelling calls for, where no count says: "an"
/// before a vowel letter, except where it is sounded as a consonant ("a union", "a one"), and
/// "a" before a consonant, except a silent "h" ("an hour").
fn article_by_spelling(word: &str) -> &'static str {
    const VOWEL_AS_CONSONANT: &[&str] = &["uni", "use", "usu", "uti", "ure", "eu", "one", "once"];
    const SILENT_H: &[&str] = &["hour", "honest", "honor", "honour", "heir"];
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    if vowel && !VOWEL_AS_CONSONANT.iter().any(|p| word.starts_with(p))
        || SILENT_H.iter().any(|p| word.starts_with(p))
    {
        "an"
    } else {
        "a"
    }
}

/// Adds the composed tortured phrases `composed` (disjoint from every span in `spans`'s
/// artifacts and listed fingerprints) to `spans` (sorted by start and disjoint). A composed
/// phrase guesses one term for words that may stand for several ("worldwide" for "global",
/// "world" or "international"), so it gives way to a change that the decoder, which weighed
/// the originals in context, makes on any of its words. Unless the decoder agrees: its
/// changes put back the same words, and every word the phrase changes is one the decoder
/// changed or flagged ("shifting" flagged and "common" changed to "average" inside "shifting
/// common", "moving average"). Flags without a suggestion give way to it.
fn merge_composed(spans: &mut Vec<Span>, composed: Vec<Span>) {
    if composed.is_empty() {
        return;
    }
    let mut dropped = vec![false; spans.len()];
    let mut kept = Vec::with_capacity(composed.len());
    for c in composed {
        // Disjoint and sorted by start, so sorted by end too: the overlapping spans are a run.
        let lo = spans.partition_point(|s| s.end <= c.start);
        let hi = spans.partition_point(|s| s.start < c.end).max(lo);
        let over = &spans[lo..hi];
        if over.iter().any(|s| s.suggestion.is_some())
            && !(over.iter().all(|s| agrees(&c, s)) && covers_changes(&c, over))
        {
            continue;
        }
        dropped[lo..hi].iter_mut().for_each(|d| *d = true);
        kept.push(c);
    }
    let mut k = 0;
    spans.retain(|_| {
        k += 1;
        !dropped[k - 1]
    });
    spans.extend(kept);
    spans.sort_by_key(|s| s.start);
}

/// Whether span `s`, which overlaps composed phrase `c`, can give way to it: it has no
/// suggestion, or it lies inside `c` and suggests what `c` does for its words (a composed
/// phrase has as many words as its correction, word for word).
fn agrees(c: &Span, s: &Span) -> bool {
    let (Some(whole), Some(part)) = (&c.suggestion, &s.suggestion) else {
        return true;
    };
    if s.start < c.start || s.end > c.end {
        return false;
    }
    let skip = c.text[..s.start - c.start].split_whitespace().count();
    let n = s.text.split_whitespace().count();
    let mut words = whole.split(' ').skip(skip).take(n);
    let mut sugg = part.split(' ');
    loop {
        match (words.next(), sugg.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.to_lowercase() == b.to_lowercase() => {}
            _ => return false,
        }
    }
}

/// Whether every word that composed phrase `c` changes lies inside one of `over`.
fn covers_changes(c: &Span, over: &[Span]) -> bool {
    let Some(correct) = &c.suggestion else {
        return true;
    };
    let base = c.text.as_ptr() as usize;
    c.text
        .split_whitespace()
        .zip(correct.split(' '))
        .filter(|(written, correct)| written.to_lowercase() != correct.to_lowercase())
        .all(|(written, _)| {
            let start = c.start + (written.as_ptr() as usize - base);
            let end = start + written.len();
            over.iter().any(|s| s.start <= start && end <= s.end)
        })
}

/// Whether any of `sorted`, byte ranges (`bounds` gives each one's) sorted by start and
/// disjoint, overlaps the bytes `start..end`: a binary search, so checking many candidates
/// against many ranges stays near-linear.
pub(crate) fn overlaps_any<T>(
    sorted: &[T],
    start: usize,
    end: usize,
    bounds: impl Fn(&T) -> (usize, usize),
) -> bool {
    let k = sorted.partition_point(|o| bounds(o).1 <= start);
    sorted.get(k).is_some_and(|o| bounds(o).0 < end)
}

/// "12 months" where grammar shows it stands for a spinner's "year", which some put for it
/// wherever it stands: after a determiner of one thing ("a 12 months", "this 12 months": English
/// puts none before a plural), as a possessive ("12 months's"), and after "final" or
/// "subsequent" with no determiner before them ("from final 12 months", the spinner's "last
/// year"; "the final 12 months of his term" is honest). "The past 12 months" and "every 12
/// months", which honest news writes, are left alone. `k` is the number's token.
fn twelve_months(text: &str, toks: &[Token], k: usize) -> Option<Span> {
    const ONE: [&str; 3] = ["a", "this", "that"];
    const DETERMINERS: [&str; 14] = [
        "the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "their", "our",
        "your", "my",
    ];
    let t = toks[k];
    if t.text(text) != "12" {
        return None;
    }
    let lower = |t: &Token| t.text(text).to_ascii_lowercase();
    // Whether only spaces part token `a` from token `b` after it.
    let joined = |a: &Token, b: &Token| text[a.end as usize..b.start as usize].trim().is_empty();
    // The word at `j`, where it is joined to the token `b` after it.
    let word_before = |j: Option<usize>, b: &Token| {
        let a = toks.get(j?)?;
        (a.kind == Kind::Word && joined(a, b)).then_some(*a)
    };
    let next = *toks.get(k + 1)?;
    if next.kind != Kind::Word || !joined(&t, &next) {
        return None;
    }
    // "months", or its possessive, whose ending stays as written.
    let written = next.text(text);
    let ending = match lower(&next).strip_prefix("months") {
        Some("") => "",
        Some("'s") | Some("\u{2019}s") => &written["months".len()..],
        _ => return None,
    };
    // Where the span starts, why, the original, and the word whose case the suggestion takes.
    let (first, said, original) = match word_before(k.checked_sub(1), &t).map(|p| (p, lower(&p))) {
        Some((p, d)) if ONE.contains(&d.as_str()) => {
            (t, format!("no plural follows \"{}\"", p.text(text)), "year")
        }
        Some((p, a)) if matches!(a.as_str(), "final" | "subsequent") => {
            let before = word_before(k.checked_sub(2), &p).map(|b| lower(&b));
            if before.is_some_and(|b| DETERMINERS.contains(&b.as_str())) {
                return None;
            }
            let original = if a == "final" {
                "last year"
            } else {
                "next year"
            };
            (
                p,
                format!("no determiner before \"{}\"", p.text(text)),
                original,
            )
        }
        _ if !ending.is_empty() => (t, "a possessive of \"months\"".to_string(), "year"),
        _ => return None,
    };
    let (start, end) = (first.start as usize, next.end as usize);
    // A span that starts at the number takes the case of "months".
    let cased = if first.kind == Kind::Word {
        first
    } else {
        next
    };
    Some(Span {
        start,
        end,
        text: text[start..end].to_string(),
        evidence: format!(
            "\"{}\": {said}; spinners write \"12 months\" for \"year\"",
            &text[start..end]
        ),
        suggestion: Some(apply_case(original, case_of(cased.text(text))) + ending),
        confidence: 0.95,
        kind: SpanKind::Artifact,
    })
}

/// Merges the [`Detector::mangled`] spans (in order) into `spans` (in order, disjoint): a
/// change on the word wins, flags without a suggestion give way, and so do changes inside a
/// longer mangled span. One pass over both, so that a text of many such words costs no more
/// than its length.
fn merge_mangled(spans: Vec<Span>, mangled: Vec<Span>) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::with_capacity(spans.len() + mangled.len());
    let mut it = spans.into_iter().peekable();
    for l in mangled {
        while let Some(o) = it.next_if(|o| o.end <= l.start) {
            out.push(o);
        }
        if out.last().is_some_and(|o| o.end > l.start) {
            // A kept change already covers it.
            continue;
        }
        let mut over = Vec::new();
        while let Some(o) = it.next_if(|o| o.start < l.end) {
            over.push(o);
        }
        // A change inside a longer mangled span is part of its repair ("final" made "last"
        // inside "final 12 months" made "last year"): the span wins. A change over the same
        // word, or over more, wins.
        let inside =
            |o: &Span| l.start <= o.start && o.end <= l.end && (o.start, o.end) != (l.start, l.end);
        if over.iter().any(|o| o.suggestion.is_some()) && !over.iter().all(inside) {
            out.extend(over);
        } else {
            out.push(l);
        }
    }
    out.extend(it);
    out
}

/// `a` and `b` (each sorted by start and disjoint) in one sorted, disjoint list: where two
/// overlap, the one of `a` stays.
fn merge_disjoint(a: Vec<Span>, b: Vec<Span>) -> Vec<Span> {
    let keep: Vec<Span> = b
        .into_iter()
        .filter(|s| !overlaps_any(&a, s.start, s.end, |o| (o.start, o.end)))
        .collect();
    let mut out = a;
    out.extend(keep);
    out.sort_by_key(|s| s.start);
    out
}

/// log2 of the number of entries in each thread's cache of LM scores (16 bytes each).
const LP_CACHE_BITS: u32 = 15;

thread_local! {
    static LP_CACHE: std::cell::RefCell<LpCache> = const { std::cell::RefCell::new(LpCache::new()) };
}

/// The decoder's LM scores for one [`Detector::analyze`] call: log10 P(w | h1 h2), with unknown
/// words scored as a rare word rather than the model's impossible -100 (otherwise any known word
/// would "win" against an honest rare one), through the thread's cache.
///
/// The cache is taken out of its thread-local once per call and put back by
/// [`finish`](Lp::finish), so a look-up is a plain `&mut` access rather than a thread-local
/// access and a `RefCell` borrow. Should a call unwind, the cache is dropped and the next call
/// starts a fresh one.
struct Lp<'a> {
    lm: &'a dyn Scorer,
    unk: WordId,
    bos: WordId,
    eos: WordId,
    unk_logp: f32,
    cache: LpCache,
}

impl<'a> Lp<'a> {
    fn new(det: &'a Detector) -> Lp<'a> {
        let lm = det.model.lm();
        let mut cache = LP_CACHE
            .try_with(|c| {
                c.try_borrow_mut()
                    .map(|mut c| std::mem::replace(&mut *c, LpCache::new()))
            })
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(LpCache::new);
        cache.ready(det.model.inner.id);
        Lp {
            lm,
            unk: lm.unk(),
            bos: lm.bos(),
            eos: lm.eos(),
            unk_logp: det.params.unk_logp,
            cache,
        }
    }

    /// Gives the cache back to the thread for its next call.
    fn finish(self) {
        let cache = self.cache;
        let _ = LP_CACHE.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = cache;
            }
        });
    }

    /// The trigram context of `seq[at]`: the two words before it, the sentence start standing
    /// in for what lies before the first.
    #[inline]
    fn context(&self, seq: &[WordId], at: usize) -> (WordId, WordId) {
        match at {
            0 => (NO_WORD, self.bos),
            1 => (self.bos, seq[0]),
            _ => (seq[at - 2], seq[at - 1]),
        }
    }

    /// log10 P(w | h1 h2).
    #[inline]
    fn get(&mut self, h1: WordId, h2: WordId, w: WordId) -> f32 {
        if w == self.unk {
            return self.unk_logp;
        }
        // The decoder asks for the same trigrams many times (the written sentence, each
        // candidate's window, every beam hypothesis that keeps a word); a trie look-up misses
        // the CPU caches, a hit here does not.
        let lm = self.lm;
        self.cache.get_or_insert([h1, h2, w], || lm.logp(h1, h2, w))
    }
}

/// A direct-mapped cache of trigram scores for one thread, tagged with the model they came
/// from. An entry is `(w1, w2, w3, log10 p)`; `w3` is never [`NO_WORD`], which marks an empty
/// slot.
struct LpCache {
    model: u64,
    slots: Vec<([WordId; 3], f32)>,
    /// The LM ids of words seen lately, for the same model.
    words: WordIds,
}

impl LpCache {
    const EMPTY: ([WordId; 3], f32) = ([NO_WORD; 3], 0.0);

    const fn new() -> LpCache {
        LpCache {
            model: 0,
            slots: Vec::new(),
            words: WordIds::new(),
        }
    }

    /// Empties the cache unless it holds scores of `model`.
    fn ready(&mut self, model: u64) {
        if self.model != model || self.slots.is_empty() {
            self.model = model;
            self.slots.clear();
            self.slots.resize(1 << LP_CACHE_BITS, Self::EMPTY);
            self.words.slots.clear();
            self.words
                .slots
                .resize(1 << WORD_CACHE_BITS, WordSlot::EMPTY);
        }
    }

    #[inline]
    fn get_or_insert(&mut self, key: [WordId; 3], f: impl FnOnce() -> f32) -> f32 {
        let h = (key[0] as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(21)
            ^ (key[1] as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ (key[2] as u64).wrapping_mul(0x1656_67B1_9E37_79F9);
        let i = (h.wrapping_mul(0x2545_F491_4F6C_DD1D) >> (64 - LP_CACHE_BITS)) as usize;
        let slot = &mut self.slots[i];
        if slot.0 == key {
            return slot.1;
        }
        let v = f();
        *slot = (key, v);
        v
    }
}

/// Entries in the per-thread cache of word ids: a few thousand words make up most of any
/// English text.
const WORD_CACHE_BITS: u32 = 12;

/// A direct-mapped cache from a normalized word to its LM id. The LM's own index is a hash table
/// of a megabyte or two that every word of every document probes, each probe a cache miss and a
/// string comparison in another table; the words of a text repeat, and this cache, 128 KiB with
/// the word's bytes in the slot, answers most of them from the CPU's cache.
struct WordIds {
    slots: Vec<WordSlot>,
}

#[derive(Clone, Copy)]
struct WordSlot {
    /// The word's length; 0 marks an empty slot (an empty word is never looked up).
    len: u8,
    bytes: [u8; WordSlot::MAX],
    id: WordId,
}

impl WordSlot {
    /// The longest word the cache holds; longer ones go to the LM every time.
    const MAX: usize = 27;
    const EMPTY: WordSlot = WordSlot {
        len: 0,
        bytes: [0; WordSlot::MAX],
        id: 0,
    };
}

impl WordIds {
    /// An empty cache, with no slots until [`LpCache::ready`] gives it some.
    const fn new() -> WordIds {
        WordIds { slots: Vec::new() }
    }

    /// The id of `word`, from the cache or else from `lookup`.
    #[inline]
    fn get(&mut self, word: &str, lookup: impl FnOnce(&str) -> WordId) -> WordId {
        let b = word.as_bytes();
        if b.is_empty() || b.len() > WordSlot::MAX || self.slots.is_empty() {
            return lookup(word);
        }
        // FxHash-style over the bytes: words are short, and the slot check is exact.
        let mut h = b.len() as u64;
        for c in b.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517C_C1B7_2722_0A95);
        }
        let i = (h >> (64 - WORD_CACHE_BITS)) as usize;
        let slot = &mut self.slots[i];
        if slot.len as usize == b.len() && &slot.bytes[..b.len()] == b {
            return slot.id;
        }
        let id = lookup(word);
        slot.len = b.len() as u8;
        slot.bytes[..b.len()].copy_from_slice(b);
        slot.id = id;
        id
    }
}

/// What [`Detector::window_above`] returns with no floor for a window whose scores are `lps`,
/// summed in the same order: the sum, or minus infinity for a sum that is not above it (NaN).
#[inline]
fn window_sum(lps: &[f32]) -> f32 {
    let s = lps.iter().fold(0f32, |s, &l| s + l);
    if s > f32::NEG_INFINITY {
        s
    } else {
        f32::NEG_INFINITY
    }
}

#[inline]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The inverse of [`sigmoid`]: a probability's log-odds.
fn logit(p: f32) -> f32 {
    (p / (1.0 - p)).ln()
}

fn round3(x: f32) -> f64 {
    (x as f64 * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::tiny_model;
    use crate::tokenize::tokenize;

    /// A detector over the tiny model with its parameters as `set` leaves them.
    fn tiny_detector(set: impl FnOnce(&mut Params)) -> Detector {
        let model = tiny_model();
        let mut p = model.params().clone();
        set(&mut p);
        Detector::with_params(model, p)
    }

    fn det() -> Detector {
        Detector::new(tiny_model())
    }

    /// The fixture model with extra lexicon pairs (spun, original, prior, sources).
    fn model_with(pairs: &[(&str, &str, f32, Src)]) -> Model {
        let bytes = crate::fixture::tiny_model_bytes_from(pairs, &[]);
        Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap()
    }

    /// A report's spans as (text, kind, suggestion), for comparing with what a test expects.
    fn spans_of(r: &Report) -> Vec<(&str, SpanKind, Option<&str>)> {
        r.spans
            .iter()
            .map(|s| (s.text.as_str(), s.kind, s.suggestion.as_deref()))
            .collect()
    }

    #[test]
    fn clean_text_is_left_alone() {
        let t =
            "The stock market fell sharply on Monday.\n\nThe president said the economy is strong.";
        assert_eq!(det().restore(t), t);
    }

    #[test]
    fn a_forest_in_the_model_scores_the_changes() {
        let with_forest = |forest: &str| {
            let bytes =
                crate::fixture::tiny_model_bytes_with(&[(crate::T_SCORER, forest.as_bytes())]);
            Detector::new(Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap())
        };
        let names = FEATURES.join(" ");
        let text = "The inventory market rose on Tuesday.";
        // Trees that find every change wrong: nothing is restored, and the confidence is the
        // sigmoid of the leaf.
        let never = with_forest(&format!("features {names}\ntree\nleaf -8\n"));
        assert_eq!(never.restore(text), text);
        let (_, ev) = never.analyze(text);
        assert!(!ev.decisions.is_empty());
        assert!(ev.decisions.iter().all(|d| d.confidence < 0.001));
        // A split on the margin (feature 0): a large margin is right.
        let by_margin = with_forest(&format!(
            "features {names}\ntree\nsplit 0 0.01 1 2\nleaf -8\nleaf 8\n"
        ));
        assert_eq!(by_margin.restore(text), "The stock market rose on Tuesday.");
        // A scorer fitted on other features is refused at load.
        let bytes = crate::fixture::tiny_model_bytes_with(&[(
            crate::T_SCORER,
            b"features dlm margin\ntree\nleaf 1\n",
        )]);
        let err = Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap_err();
        assert!(err.to_string().contains("rebuild the model"), "{err}");
    }

    #[test]
    fn a_lemma_is_read_in_its_synonyms_own_forms() {
        // "state" for "said": a WordNet augmenter wrote the lemma of "said"'s synonym. The
        // lexicon has "say" for "state" (a lemma pair) and the own forms of both.
        let pairs = [
            ("state", "say", -1.0, Src::MOBY | Src::WORDNET),
            ("state", "states", -1.3, Src::INFLECTED),
            ("say", "said", -1.3, Src::INFLECTED),
        ];
        let with = |pairs: &[(&str, &str, f32, Src)], cross_forms: f32| {
            let model = model_with(pairs);
            let params = Params {
                cross_forms,
                ..model.params().clone()
            };
            Detector::with_params(model, params)
        };
        let text = "The president state the economy is strong.";
        assert_eq!(
            with(&pairs, 4.0).restore(text),
            "The president said the economy is strong."
        );
        // Without: "say" and "states" are no words the fixture's LM knows.
        assert_eq!(with(&pairs, 0.0).restore(text), text);
        // An inflected pair is not inflected again.
        let mut inflected = pairs;
        inflected[0].3 = Src::MOBY | Src::INFLECTED;
        assert_eq!(with(&inflected, 4.0).restore(text), text);
    }

    #[test]
    fn a_lowercase_word_never_stands_for_a_name_always_capitalised() {
        // Both pairs as likely; "monday" is a day's name, which English always capitalises.
        let pairs = [
            ("mon", "monday", -0.5, Src::MOBY | Src::WORDNET),
            ("steeply", "sharply", -0.5, Src::MOBY | Src::WORDNET),
        ];
        let det = Detector::new(model_with(&pairs));
        let r = det.check("The stock market fell steeply on mon.");
        assert_eq!(
            spans_of(&r),
            [("steeply", SpanKind::Substitution, Some("sharply"))]
        );
    }

    #[test]
    fn an_original_never_writes_its_neighbour_twice() {
        let pairs = [("steeply", "sharply", -0.5, Src::MOBY | Src::WORDNET)];
        let det = Detector::new(model_with(&pairs));
        let r = det.check("The stock market fell steeply on monday.");
        assert_eq!(
            spans_of(&r),
            [("steeply", SpanKind::Substitution, Some("sharply"))]
        );
        // "sharply sharply": shown, with its evidence, and not written.
        let text = "The stock market fell Sharply steeply on monday.";
        let r = det.check(text);
        assert_eq!(spans_of(&r), [("steeply", SpanKind::Substitution, None)]);
        assert!(r.spans[0].evidence.contains("twice"), "{:?}", r.spans[0]);
        assert_eq!(det.restore(text), text);
    }

    #[test]
    fn repeated_words_are_read_in_the_restored_text() {
        // (span's text, suggestion) in `text`, through `no_repeated_words`: the suggestions kept.
        let kept = |text: &str, changes: &[(&str, &str)]| -> Vec<Option<String>> {
            let mut spans: Vec<Span> = changes
                .iter()
                .map(|&(w, sugg)| {
                    let start = text.find(w).unwrap();
                    Span {
                        start,
                        end: start + w.len(),
                        text: w.to_string(),
                        suggestion: Some(sugg.to_string()),
                        confidence: 0.9,
                        kind: SpanKind::Substitution,
                        evidence: String::new(),
                    }
                })
                .collect();
            no_repeated_words(text, &crate::tokenize::tokenize(text), &mut spans);
            spans.into_iter().map(|s| s.suggestion).collect()
        };
        let some = |w: &str| Some(w.to_string());
        let t = "hard to maintain keep track, extra more likely";
        assert_eq!(
            kept(t, &[("maintain", "keep"), ("extra", "more")]),
            [None, None]
        );
        assert_eq!(kept(t, &[("maintain", "Stay keep")]), [None]);
        assert_eq!(kept(t, &[("maintain", "keep up")]), [some("keep up")]);
        // The word before "extra" is "track" through a comma: no repeat.
        assert_eq!(kept(t, &[("extra", "track")]), [some("track")]);
        // The neighbour as restored: "erstwhile once again" with both put back is "once again".
        let t = "and erstwhile once again to";
        assert_eq!(
            kept(t, &[("erstwhile", "once"), ("once again", "again")]),
            [some("once"), some("again")]
        );
        assert_eq!(kept(t, &[("erstwhile", "once")]), [None]);
        // Glued through punctuation, and words that English repeats.
        assert_eq!(kept("$8.Eight billion", &[("Eight", "8")]), [some("8")]);
        assert_eq!(
            kept("he had possessed enough", &[("possessed", "had")]),
            [some("had")]
        );
        // Case and the apostrophe's typography aside.
        assert_eq!(kept("It\u{2019}s its here", &[("its", "it's")]), [None]);
    }

    #[test]
    fn a_prefix_joined_by_a_hyphen_is_never_rewritten() {
        // Read alone, "pre" would be "stock": "the stock market fell" is the fixture's sentence.
        let pairs = [("pre", "stock", -0.5, Src::MOBY | Src::WORDNET)];
        let det = Detector::new(model_with(&pairs));
        assert_eq!(
            spans_of(&det.check("The pre market fell steeply on monday.")),
            [("pre", SpanKind::Substitution, Some("stock"))]
        );
        let r = det.check("The pre-market fell sharply on monday.");
        assert_eq!(spans_of(&r), []);
    }

    #[test]
    fn forms_are_no_rivals_of_the_synonyms() {
        // "ascended" read as "rose", with a form of the written word beside it that reads about
        // as well: the change to "rose" keeps the rival and the count of readings it has
        // without the form. (The fixture's LM knows few words, so the "form" is "fell".)
        let features = |pairs: &[(&str, &str, f32, Src)]| {
            let model = model_with(pairs);
            let (_, ev) = Detector::new(model).analyze("The stock market ascended on Tuesday.");
            let d = ev.decisions.iter().find(|d| d.original == "rose").unwrap();
            d.features
        };
        let synonyms = [
            ("ascended", "rose", -0.5, Src::MOBY),
            ("ascended", "recover", -0.5, Src::MOBY),
        ];
        let mut forms = synonyms.to_vec();
        forms.push(("ascended", "fell", -0.5, Src::INFLECTED));
        let (with, without) = (features(&forms), features(&synonyms));
        let at = |name: &str| FEATURES.iter().position(|f| *f == name).unwrap();
        for name in ["alt_gap", "offered"] {
            assert_eq!(with[at(name)], without[at(name)], "{name}");
        }
    }

    #[test]
    fn the_gate_skips_the_phrases_its_trees_judge_barren() {
        let names = GATE_FEATURES.join(" ");
        let with_gate = |leaf: f32, gate: f32| {
            let trees = format!("features {names}\ntree\nleaf {leaf}\n");
            let bytes = crate::fixture::tiny_model_bytes_with(&[(crate::T_GATE, trees.as_bytes())]);
            let model = Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap();
            let params = Params {
                gate,
                ..model.params().clone()
            };
            let mut d = Detector::with_params(model, params);
            d.record_expansions(true);
            d
        };
        let text = "The inventory market rose on Tuesday.";
        let fixed = "The stock market rose on Tuesday.";
        assert_eq!(det().restore(text), fixed);
        // Trees that give every phrase a probability near 0.0003: nothing is expanded, so
        // nothing is restored; with the gate at 0 the trees are not consulted.
        assert_eq!(with_gate(-8.0, 0.01).restore(text), text);
        assert_eq!(with_gate(-8.0, 0.0).restore(text), fixed);
        // Trees that pass every phrase change nothing, unless the gate asks for certainty.
        assert_eq!(with_gate(8.0, 0.01).restore(text), fixed);
        assert_eq!(with_gate(8.0, 1.0).restore(text), text);
        assert_eq!(with_gate(8.0, 7.0).restore(text), text);
        // Every expanded phrase is recorded with its features, skipped or not.
        let (_, ev) = with_gate(-8.0, 0.01).analyze(text);
        let e = ev
            .expansions
            .iter()
            .find(|e| &text[e.start..e.end] == "inventory")
            .expect("the spun word was expanded");
        assert_eq!(e.features[0], 1.0, "one word");
        assert!(e.features[1] <= -2.0, "it reads oddly: {:?}", e.features);
        assert_eq!(e.features[7], 1.0, "one candidate offered");
        // Not recorded unless asked.
        assert!(det().analyze(text).1.expansions.is_empty());
        // A gate fitted on other features is refused at load, naming its section.
        let bytes = crate::fixture::tiny_model_bytes_with(&[(
            crate::T_GATE,
            b"features fit len\ntree\nleaf 1\n",
        )]);
        let err = Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap_err();
        assert!(err.to_string().contains("GATE"), "{err}");
    }

    #[test]
    fn a_clean_verdict_asks_apply_clean_of_a_substitution() {
        let text = "The inventory market fell sharply on Monday.";
        let run = |apply_clean: f32, spun_threshold: f32| {
            tiny_detector(|p| {
                p.min_words = 1.0;
                p.spun_threshold = spun_threshold;
                p.apply_clean = apply_clean;
            })
            .check(text)
        };
        let suggestion = |r: &Report| {
            let s = r
                .spans
                .iter()
                .find(|s| s.text == "inventory")
                .expect("reported");
            (s.suggestion.clone(), s.confidence)
        };
        // Called clean (no score reaches 2), with the bar at `apply`: applied.
        let base = run(0.0, 2.0);
        assert_eq!(base.verdict, Verdict::Clean);
        let (got, conf) = suggestion(&base);
        assert_eq!(got.as_deref(), Some("stock"));
        assert!(conf < 1.0, "{conf}");
        // The bar above the change: still reported, without a suggestion, and left as written.
        let gated = run(1.0, 2.0);
        assert_eq!(suggestion(&gated).0, None);
        // The same bar in a text called spun: applied.
        let spun = run(1.0, 0.0);
        assert_eq!(spun.verdict, Verdict::Spun);
        assert_eq!(suggestion(&spun).0.as_deref(), Some("stock"));
        // A clean text that scores under `clean_floor` gets no substitution, whatever
        // `apply_clean`; at or above it, `apply_clean` decides.
        let floor = |clean_floor: f32| {
            tiny_detector(|p| {
                (p.min_words, p.spun_threshold) = (1.0, 2.0);
                (p.apply_clean, p.clean_floor) = (0.0, clean_floor);
            })
            .check(text)
        };
        assert_eq!(suggestion(&floor(1.0)).0, None);
        let score = floor(1.0).score;
        assert!(score > 0.0, "{score}");
        assert_eq!(
            suggestion(&floor((score * 0.9) as f32)).0.as_deref(),
            Some("stock")
        );
    }

    #[test]
    fn a_short_text_needs_a_higher_score_to_be_called_spun() {
        let det = tiny_detector(|p| {
            p.min_words = 25.0;
            p.spun_threshold = 0.5;
            p.short_margin = 3.0;
            p.short_words = 300.0;
        });
        // The margin asked of 100 words is 3 x (1 - 100/300) = 2 in log-odds, of 150 words 1.5.
        let p = |z: f64| 1.0 / (1.0 + (-z).exp());
        assert_eq!(det.verdict(p(1.9), 100), Verdict::Unsure);
        assert_eq!(det.verdict(p(2.1), 100), Verdict::Spun);
        assert_eq!(det.verdict(p(1.9), 150), Verdict::Spun);
        // From `short_words` on, the threshold alone; below it, clean whatever the length.
        assert_eq!(det.verdict(0.51, 300), Verdict::Spun);
        assert_eq!(det.verdict(0.49, 100), Verdict::Clean);
        assert_eq!(det.verdict(0.49, 1000), Verdict::Clean);
        // Under `min_words`, unsure whatever the score.
        assert_eq!(det.verdict(1.0, 24), Verdict::Unsure);
        // The bar itself, in probability.
        assert!((det.spun_bar(100) - p(2.0)).abs() < 1e-12);
        assert_eq!((det.spun_bar(300), det.spun_bar(5000)), (0.5, 0.5));
        // Without a margin, the threshold at any length.
        let plain = tiny_detector(|p| p.min_words = 25.0);
        assert_eq!(plain.verdict(0.5, 30), Verdict::Spun);
        assert_eq!(plain.spun_bar(30), 0.5);
    }

    #[test]
    fn repeats_of_a_written_phrase_count_less_towards_the_document_score() {
        let text = "The inventory market fell. Inventory market fell. The inventory market fell.";
        let with_repeat = |r: f32| tiny_detector(|p| p.d_repeat = r).analyze(text).1;
        let (full, damped) = (with_repeat(0.0), with_repeat(1.0));
        let same: Vec<_> = full
            .decisions
            .iter()
            .map(|d| (d.start, d.confidence))
            .collect();
        assert_eq!(same.len(), 3, "{:?}", full.decisions);
        // The changes and their confidences stay; only what they add to the document's evidence
        // falls, with the case folded: 1, 1/2, 1/3.
        assert_eq!(
            same,
            damped
                .decisions
                .iter()
                .map(|d| (d.start, d.confidence))
                .collect::<Vec<_>>()
        );
        let weights: Vec<f32> = damped.decisions.iter().map(|d| d.weight).collect();
        assert_eq!(weights, [1.0, 0.5, 1.0 / 3.0]);
        assert!(full.decisions.iter().all(|d| d.weight == 1.0));
        let summed = |ev: &Evidence| -> f64 {
            ev.decisions
                .iter()
                .map(|d| (d.confidence * d.weight) as f64)
                .sum()
        };
        assert!(
            (full.changes - summed(&full)).abs() < 1e-6,
            "{}",
            full.changes
        );
        assert!((damped.changes - summed(&damped)).abs() < 1e-6);
        assert!(damped.changes < 0.65 * full.changes);
    }

    #[test]
    fn topic_features_compare_the_original_with_the_document() {
        // Vectors where "stock" and "market" share a topic, "tuesday" is another and
        // "inventory", which the fixture's LM does not know, has none.
        let lm = tiny_model();
        let lm = lm.lm();
        let id = |w: &str| lm.lookup(w).unwrap();
        let (stock, market, tuesday) = (id("stock"), id("market"), id("tuesday"));
        let vectors = crate::vectors::WordVectors::build(1000, 2, |w| {
            if w == stock || w == market {
                Some((vec![1.0, 0.1], true))
            } else {
                (w == tuesday).then(|| (vec![-0.2, 1.0], true))
            }
        });
        let bytes = crate::fixture::tiny_model_bytes_with(&[(crate::T_VECTORS, &vectors)]);
        let with = Detector::new(Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap());
        let (_, ev) = with.analyze("The inventory market rose on Tuesday.");
        let d = ev.decisions.iter().find(|d| d.original == "stock").unwrap();
        let f = &d.features[TOPIC..TOPIC + 4];
        // "stock" fits the rest ("market", "tuesday"); "inventory" has no vector, so 0.
        assert!(f[0] > 0.5 && f[1] == 0.0 && f[3] == 0.0, "{f:?}");
        assert!((f[2] - f[0]).abs() < 1e-6, "{f:?}");
        // Without vectors the features are 0.
        let (_, ev) = det().analyze("The inventory market rose on Tuesday.");
        assert!(ev
            .decisions
            .iter()
            .all(|d| d.features[TOPIC..TOPIC + 4] == [0.0; 4]));
    }

    #[test]
    fn document_features_count_the_changes_per_100_words() {
        let (_, ev) = det().analyze("The inventory market rose on Tuesday.");
        let n = ev.decisions.len() as f32;
        assert!(n >= 1.0);
        for d in &ev.decisions {
            // Six words, and 50 more of a typical honest text's 6 changes.
            let want = 100.0 * (n + 6.0) / 56.0;
            assert!((d.features[DOC] - want).abs() < 1e-4, "{:?}", d.features);
            assert!(d.features[DOC + 1] > 100.0 * 9.0 / 56.0, "{:?}", d.features);
        }
    }

    #[test]
    fn feature_offsets_name_their_features() {
        // The features filled once the whole document is read are written by offset.
        assert_eq!(FEATURES[TOPIC], "topic_orig");
        assert_eq!(FEATURES[DOC..DOC + 2], ["doc_changes", "doc_gain"]);
        assert_eq!(FEATURES[SHARES..SHARES + 2], ["doc_mined", "doc_tortured"]);
    }

    #[test]
    fn source_shares_count_the_other_changes_of_the_document() {
        let (_, ev) = det().analyze(
            "The inventory market rose on Tuesday. The inventory market fell on Wednesday.",
        );
        let n = ev.decisions.len();
        assert!(n >= 2, "{:?}", ev.decisions);
        let at = |name: &str| FEATURES.iter().position(|&f| f == name).unwrap();
        for (k, (bit, honest)) in [
            (at("mined"), HONEST_MINED),
            (at("tortured"), HONEST_TORTURED),
        ]
        .into_iter()
        .enumerate()
        {
            let total: f32 = ev.decisions.iter().map(|d| d.features[bit]).sum();
            for d in &ev.decisions {
                let want = (total - d.features[bit] + SHARE_SHRINK * honest)
                    / ((n - 1) as f32 + SHARE_SHRINK);
                let got = d.features[SHARES + k];
                assert!((got - want).abs() < 1e-5, "{k}: {got} against {want}");
            }
        }
    }

    #[test]
    fn apply_below_flag_still_reports_and_applies() {
        let text = "The inventory market rose on Tuesday.";
        let (_, ev) = det().analyze(text);
        let change = ev
            .decisions
            .iter()
            .find(|d| d.original == "stock")
            .expect("the fixture decodes inventory -> stock");
        // Both thresholds above the change's confidence: nothing reported.
        let mut p = det().params().clone();
        p.flag = change.confidence + 0.01;
        p.apply = 0.999;
        assert!(Detector::with_params(tiny_model(), p.clone())
            .check(text)
            .spans
            .iter()
            .all(|s| s.start != change.start));
        // `apply` lowered under the change's confidence, `flag` left above it: the span is
        // reported and applied.
        p.apply = change.confidence - 0.01;
        let det = Detector::with_params(tiny_model(), p);
        assert_eq!(det.restore(text), "The stock market rose on Tuesday.");
    }

    #[test]
    fn a_change_made_with_confidence_vouches_for_its_repeats() {
        let text =
            "The inventory market rose on Tuesday. Traders said the inventory market was calm.";
        let (_, ev) = det().analyze(text);
        let mut confs: Vec<f32> = ev
            .decisions
            .iter()
            .filter(|d| d.chosen && d.original == "stock")
            .map(|d| d.confidence)
            .collect();
        confs.sort_by(f32::total_cmp);
        let [low, high] = confs[..] else {
            panic!("the fixture decodes both to stock: {confs:?}");
        };
        assert!(low < high, "{confs:?}");
        // `apply` between the two: only the surer one is applied...
        let apply = (low + high) / 2.0;
        let with = |lift: f32| {
            tiny_detector(|p| {
                (p.apply, p.flag, p.repeat_lift, p.apply_clean) = (apply, 0.0, lift, 0.0);
            })
            .check(text)
        };
        let applied = |r: &Report| r.spans.iter().filter(|s| s.suggestion.is_some()).count();
        assert_eq!(applied(&with(1.0)), 1);
        assert_eq!(applied(&with(low + 0.01)), 1);
        // ...unless the other scores `repeat_lift` or more: then it is applied at `apply`.
        let r = with(low - 0.01);
        assert_eq!(applied(&r), 2);
        let lifted = r
            .spans
            .iter()
            .find(|s| s.evidence.contains("elsewhere in the text"))
            .unwrap();
        assert_eq!(lifted.confidence, round3(apply));
        assert_eq!(lifted.suggestion.as_deref(), Some("stock"));
    }

    #[test]
    fn restores_spun_words_with_case() {
        assert_eq!(
            det().restore("The inventory market rose on Tuesday."),
            "The stock market rose on Tuesday."
        );
        assert_eq!(
            det().restore("She mentioned the  inventory market fell!"),
            "She said the  stock market fell!"
        );
    }

    #[test]
    fn honest_names_stay() {
        let t = "She met Bob Inventory on Monday.";
        assert_eq!(det().restore(t), t);
    }

    /// Each sentence of `t` as the decoder sees it: every word's normalized form, whether it is
    /// a name, and whether it is protected.
    fn sentence_words(t: &str) -> Vec<Vec<(String, bool, bool)>> {
        let mut got = Vec::new();
        det().sentences(t, &tokenize(t), &mut WordIds::new(), |words, norms| {
            got.push(
                words
                    .iter()
                    .map(|w| (w.norm(norms).to_string(), w.name, w.protected))
                    .collect(),
            );
        });
        got
    }

    #[test]
    fn capitalised_words_inside_a_sentence_are_names_acronyms_are_protected() {
        let t = "The White Home said. NATO met in 2024. \u{201c}Today\u{201d} it met.";
        let got: Vec<_> = sentence_words(t).into_iter().flatten().collect();
        let get = |n: &str| got.iter().find(|g| g.0 == n).map(|g| (g.1, g.2));
        // Sentence-initial capitals are ordinary words; inside a sentence a capital marks a
        // name, which may be decoded; acronyms and numbers are never rewritten.
        assert_eq!(get("the"), Some((false, false)));
        assert_eq!(get("white"), Some((true, false)));
        assert_eq!(get("home"), Some((true, false)));
        assert_eq!(get("nato"), Some((false, true)));
        assert_eq!(get("2024"), Some((false, true)));
        assert_eq!(get("today"), Some((false, false)));
    }

    #[test]
    fn a_hard_wrapped_sentence_runs_on_a_title_or_a_list_item_does_not() {
        let t = "Markets\nThe inventory market rose on Tuesday as the\nadministration mentioned.\n\
                 short line\nnext item\nA long line that ends with no stop at all\nThen this.";
        let got: Vec<String> = sentence_words(t)
            .iter()
            .map(|ws| {
                ws.iter()
                    .map(|w| w.0.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            got,
            [
                "markets",
                "the inventory market rose on tuesday as the administration mentioned",
                "short line",
                "next item",
                "a long line that ends with no stop at all",
                "then this",
            ]
        );
        assert!(wrapped_line(
            "a line of thirty characters or so\nand on",
            33,
            34
        ));
        assert!(!wrapped_line(
            "a line of thirty characters or so\n\nand on",
            33,
            35
        ));
    }

    #[test]
    fn local_runs_take_sentences_on_both_sides_until_long_enough() {
        // Ten sentences of 100 words, the fourth with two changes (one mined).
        let stretches: Vec<Stretch> = (0..10)
            .map(|i| Stretch {
                start: 1000 * i,
                words: 100,
                unknown: 0,
                logprob: -300.0,
                gain: if i == 3 { 8.0 } else { 1.0 },
                changes: 0.0,
            })
            .collect();
        let change = |start, src| Pending {
            src,
            ..pending_at(start, start + 5, true)
        };
        let pending = [change(3010, Src::MINED), change(3500, Src::MOBY)];
        let sources = [(Src::MINED, HONEST_MINED), (Src::TORTURED, HONEST_TORTURED)];
        let runs = local_runs(&stretches, &pending, sources);
        assert_eq!(runs.len(), 10);
        // Sentence 3's run: sentences 1-4 or 2-5, 400 words, both changes.
        let r = &runs[3];
        assert_eq!((r.words, r.changes, r.sources), (400, 2, [1, 0]));
        assert_eq!(r.gain, 11.0);
        // Sentence 0's run reaches right only; sentence 9's left only; neither holds a change.
        assert_eq!((runs[0].words, runs[0].changes), (400, 2));
        assert_eq!((runs[9].words, runs[9].changes), (400, 0));
        assert_eq!(at_stretch(&stretches, 3999), 3);
        assert_eq!(at_stretch(&stretches, 0), 0);
    }

    fn pending_at(start: usize, end: usize, on_path: bool) -> Pending {
        Pending {
            start,
            end,
            case: Case::Lower,
            all_title: false,
            original: 0,
            src: Src::MOBY,
            margin: 0.0,
            features: [0.0; N_FEATURES],
            orig: (0, 0),
            spun: (0, 0),
            on_path,
            fixed: None,
        }
    }

    #[test]
    fn the_likeliest_of_overlapping_changes_is_chosen() {
        // A path alone: all chosen, whatever the scores.
        let path = [pending_at(0, 5, true), pending_at(6, 9, true)];
        assert_eq!(choose(&path, &[-3.0, 2.0], 0.0), [true, true]);
        // Alternatives: "a b" (0-3) on the path, "a" (0-1) and "b c" (2-5) beside it; "b c"
        // is likelier than "a b", which it overlaps, and "a" then overlaps nothing chosen.
        let pending = [
            pending_at(0, 3, true),
            pending_at(0, 1, false),
            pending_at(2, 5, false),
            pending_at(6, 7, false),
        ];
        assert_eq!(
            choose(&pending, &[0.5, -1.0, 1.0, -4.0], -5.0),
            [false, true, true, true]
        );
        // Under `min_alt` a proposal off the path is never chosen, and the path's change
        // that it overlaps stands.
        assert_eq!(
            choose(&pending, &[0.5, -1.0, 1.0, -4.0], 1.5),
            [true, false, false, false]
        );
        // On a tie the path's change wins.
        let tie = [pending_at(0, 3, false), pending_at(0, 3, true)];
        assert_eq!(choose(&tie, &[1.0, 1.0], 0.0), [false, true]);
        // Repeats count among the chosen changes only, in text order.
        let text = "ab ab ab";
        let rep = [
            pending_at(6, 8, true),
            pending_at(0, 2, true),
            pending_at(3, 5, false),
        ];
        assert_eq!(repeat_weights(text, &rep, &[1, 0], 1.0), [0.5, 1.0, 0.0]);
    }

    #[test]
    fn alternatives_add_changes_off_the_path_without_overlaps() {
        let text = "The inventory market fell sharply on Monday.";
        let run =
            |alternatives: f32| tiny_detector(|p| p.alternatives = alternatives).analyze(text);
        let (path, ev) = run(0.0);
        assert!(ev.decisions.iter().all(|d| d.chosen));
        let (all, ev_all) = run(1.0);
        // At least the path's decisions, every one of them scored; the spans never overlap.
        assert!(ev_all.decisions.len() >= ev.decisions.len());
        for w in all.spans.windows(2) {
            assert!(w[0].end <= w[1].start, "{:?}", all.spans);
        }
        assert_eq!(path.spans.is_empty(), all.spans.is_empty());
    }

    #[test]
    fn the_second_pass_reads_its_anchors_as_their_originals() {
        let det = det();
        let lex = det.model.lexicon();
        let text =
            "The inventory market fell, he mentioned. It rose. The economic system is sturdy.";
        let (toks, _) = prose_tokens(text, |w| det.model.lm().lookup(w).is_some());
        let at = |w: &str| text.find(w).unwrap();
        let anchor = |w: &str, original: &str| Pending {
            original: lex.find(original).unwrap(),
            ..pending_at(at(w), at(w) + w.len(), true)
        };
        // Anchors in the first and the second sentence: a word and a phrase read as one.
        let anchors = [
            anchor("inventory", "stock"),
            anchor("economic system", "economy"),
        ];
        let mut put = PutBack::default();
        let mut got = Vec::new();
        let mut ids = WordIds::new();
        let lm = det.model.lm();
        det.sentences(text, &toks, &mut ids, |sent, norms| {
            let start = toks[sent[0].tok].start as usize;
            let end = toks[sent[sent.len() - 1].tok].end as usize;
            let holds = put.anchors_in(&anchors, start, end);
            put.sentence(&det.model, &toks, sent, norms, &anchors);
            let words: Vec<(&str, bool)> = put
                .words
                .iter()
                .map(|w| (w.norm(&put.norms), w.protected))
                .collect();
            got.push(format!("{holds} {words:?}"));
            // The ids are the words' own, the originals' as the language model knows them.
            for w in &put.words {
                let id = lm.lookup(w.norm(&put.norms)).unwrap_or(lm.unk());
                assert_eq!(w.lm, id);
            }
        });
        assert_eq!(
            got,
            [
                r#"true [("the", false), ("stock", true), ("market", false), ("fell", false), ("he", false), ("mentioned", false)]"#,
                r#"false [("it", false), ("rose", false)]"#,
                r#"true [("the", false), ("economy", true), ("is", false), ("sturdy", false)]"#,
            ]
        );
    }

    #[test]
    fn the_second_pass_keeps_the_first_passs_sure_changes() {
        // Trees that apply every change whose margin is above 6.5.
        let names = FEATURES.join(" ");
        let forest = format!("features {names}\ntree\nsplit 0 6.5 1 2\nleaf -8\nleaf 8\n");
        let bytes = crate::fixture::tiny_model_bytes_with(&[(crate::T_SCORER, forest.as_bytes())]);
        let det = |second_pass: f32| {
            let model = Model::from_bytes(crate::Bytes::from_vec(bytes.clone())).unwrap();
            let mut p = model.params().clone();
            p.second_pass = second_pass;
            Detector::with_params(model, p)
        };
        let run = |second_pass: f32, text: &str| det(second_pass).analyze(text);
        for text in [
            "The inventory market is sturdy and the economic system is sturdy.",
            "She mentioned the inventory market fell. He stated at a press convention on Monday.",
            "The stock market fell sharply on Monday.",
            // Long enough to be judged by its runs of sentences too.
            &"She mentioned the inventory market fell. The stock market rose on Tuesday. "
                .repeat(60),
        ] {
            let ((one, ev1), (two, ev2)) = (run(0.0, text), run(1.0, text));
            // The document score is the first pass's; the sure changes stay, with their
            // confidence, and every decision is made once.
            assert_eq!(one.score, two.score, "{text}");
            for s in one.spans.iter().filter(|s| s.suggestion.is_some()) {
                assert!(two.spans.contains(s), "{text}: {s:?} lost");
            }
            assert_eq!(ev1.decisions.len(), ev2.decisions.len(), "{text}");
            // `check` lists no decisions; the scores of runs of sentences do without them.
            assert_eq!(det(1.0).check(text), two, "{text}");
            for w in two.spans.windows(2) {
                assert!(w[0].end <= w[1].start, "{:?}", two.spans);
            }
        }
    }

    #[test]
    fn a_sentence_all_in_capitals_is_decoded_as_lowercase() {
        let got = sentence_words("THE NATO MARKET ROSE IN 2024 AS I SAID. NATO AND THE FBI met.");
        // The first sentence is shouted: its words are decoded; numbers stay protected.
        assert!(got[0]
            .iter()
            .all(|(n, name, prot)| !name && *prot == (n == "2024")));
        // The second has a lowercase word, so its capitals are acronyms.
        assert!(got[1].iter().all(|(n, _, prot)| *prot == (n != "met")));
        assert_eq!(
            det().restore("THE INVENTORY MARKET ROSE ON TUESDAY."),
            "THE STOCK MARKET ROSE ON TUESDAY."
        );
    }

    #[test]
    fn a_sentence_in_title_case_has_no_names() {
        let got = sentence_words("Kevin Hart Joins the Cast of the Film. Then Kevin Hart left.");
        assert!(got[0].iter().all(|(_, name, _)| !name), "{got:?}");
        // "left" is in lowercase: an ordinary sentence, whose capitals inside are names.
        assert_eq!(
            got[1].iter().filter(|(_, name, _)| *name).count(),
            2,
            "{got:?}"
        );
    }

    #[test]
    fn composed_fingerprints_give_way_to_the_decoder() {
        let bytes = crate::fixture::tiny_model_bytes_with(&[(
            crate::T_COMPOSED,
            b"arbitrary timberland\trandom forest\ninventory market\tstock exchange\n\
              profound learning\tdeep thought\n",
        )]);
        let model = Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap();
        assert_eq!((model.fingerprint_count(), model.composed_count()), (4, 3));
        let det = Detector::new(model);
        let r = det.check("We apply Arbitrary timberland to the data.");
        assert_eq!(r.spans.len(), 1);
        let s = &r.spans[0];
        assert_eq!(
            (s.kind, s.suggestion.as_deref()),
            (SpanKind::Fingerprint, Some("Random forest"))
        );
        assert_eq!(s.confidence, COMPOSED_CONFIDENCE);
        assert!(s.evidence.contains("composed"), "{}", s.evidence);
        // The decoder weighs "inventory" in context and puts back "stock": the composed
        // guess gives way. A listed phrase wins over a composed one of the same words.
        assert_eq!(
            det.restore("The inventory market fell sharply on monday."),
            "The stock market fell sharply on monday."
        );
        assert_eq!(
            det.restore("We apply profound learning to the data."),
            "We apply deep learning to the data."
        );
        // They can be turned off.
        let mut params = det.params().clone();
        params.composed = 0.0;
        let off = Detector::with_params(det.model().clone(), params);
        assert!(off
            .check("We apply arbitrary timberland to the data.")
            .spans
            .is_empty());
    }

    /// The fixture model with `terms` (one per line) whose words "heavy" may stand for "deep",
    /// and a detector that reads one word of a run (below rank 3) as a term's.
    fn term_detector(terms: &[u8]) -> (Detector, Params) {
        let bytes = crate::fixture::tiny_model_bytes_with(&[
            (crate::T_TERMS, terms),
            (crate::T_TERMSUBS, b"heavy\tdeep\t1\n"),
        ]);
        let model = Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap();
        let mut params = Detector::new(model.clone()).params().clone();
        (params.term_rank, params.term_rank2) = (3.0, 0.0);
        (Detector::with_params(model, params.clone()), params)
    }

    #[test]
    fn variants_of_known_terms_in_a_text_with_tortured_phrases() {
        let (det, mut params) = term_detector(b"deep learning\n");
        let text = "We apply profound learning to the data. Then we apply heavy learning to it.";
        let r = det.check(text);
        // The span is the word read otherwise; the evidence names the whole term.
        let s = r.spans.iter().find(|s| s.text == "heavy").unwrap();
        assert_eq!(
            (s.kind, s.suggestion.as_deref(), s.confidence),
            (SpanKind::Fingerprint, Some("deep"), TERM_CONFIDENCE)
        );
        assert!(
            s.evidence
                .contains("\"heavy learning\" reads as the term \"deep learning\""),
            "{}",
            s.evidence
        );
        assert_eq!(
            det.restore(text),
            "We apply deep learning to the data. Then we apply deep learning to it."
        );
        // Without a tortured phrase found in the text, no variant is looked for.
        let alone = "Then we apply heavy learning to the data at once.";
        assert!(det.check(alone).spans.iter().all(|s| s.text != "heavy"));
        // With the gate at 0 it is; with the ranks at 0, never.
        params.term_gate = 0.0;
        let ungated = Detector::with_params(det.model().clone(), params.clone());
        assert!(ungated.check(alone).spans.iter().any(|s| s.text == "heavy"));
        params.term_rank = 0.0;
        let off = Detector::with_params(det.model().clone(), params);
        assert!(off.check(text).spans.iter().all(|s| s.text != "heavy"));
    }

    #[test]
    fn variants_of_terms_with_a_hyphen_or_a_number() {
        // A text's tokens split "x-heavy" at the hyphen and "co2" between letters and digits;
        // the terms are read the same way, so their variants are found.
        let (det, _) = term_detector(b"x-deep learning\nco2 deep learning\n");
        for (written, term) in [
            ("x-heavy learning", "x-deep learning"),
            ("co2 heavy learning", "co2 deep learning"),
        ] {
            let text =
                format!("We apply profound learning to the data. Then we apply {written} to it.");
            let r = det.check(&text);
            let s = r.spans.iter().find(|s| s.text == "heavy").unwrap();
            assert_eq!(s.suggestion.as_deref(), Some("deep"));
            // The evidence spells both as the text and the list do.
            let reads = format!("\"{written}\" reads as the term \"{term}\"");
            assert!(s.evidence.contains(&reads), "{}", s.evidence);
        }
    }

    #[test]
    fn merged_composed_spans_replace_agreeing_changes_and_flags() {
        let text = "wise ones fast talk so shifting common or stock market loud clamor x";
        let at = |w: &str| text.find(w).unwrap();
        let span = |from: &str, to: &str, suggestion: Option<&str>| {
            let (start, end) = (at(from), at(to) + to.len());
            Span {
                start,
                end,
                text: text[start..end].to_string(),
                suggestion: suggestion.map(String::from),
                confidence: 0.5,
                kind: SpanKind::Substitution,
                evidence: String::new(),
            }
        };
        let mut spans = vec![
            span("wise", "wise", Some("clever")),
            span("fast", "fast", None),
            span("shifting", "shifting", None),
            span("common", "common", Some("Average")),
            span("stock", "stock", Some("stock")),
            span("loud", "loud", Some("noisy")),
        ];
        let composed = vec![
            // A change that differs: dropped.
            span("wise", "ones", Some("smart people")),
            // A flag only: replaces it.
            span("fast", "talk", Some("quick speech")),
            // A flag and a change that agrees: replaces both.
            span("shifting", "common", Some("moving average")),
            // A change that agrees, but "market" the decoder left alone: dropped.
            span("stock", "market", Some("stock exchange")),
            // A change that differs: dropped.
            span("loud", "clamor", Some("loud noise")),
            // Nothing: kept.
            span("x", "x", Some("y")),
        ];
        merge_composed(&mut spans, composed);
        let got: Vec<_> = spans
            .iter()
            .map(|s| (&text[s.start..s.end], s.suggestion.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("wise", Some("clever")),
                ("fast talk", Some("quick speech")),
                ("shifting common", Some("moving average")),
                ("stock", Some("stock")),
                ("loud", Some("noisy")),
                ("x", Some("y"))
            ]
        );
    }

    #[test]
    fn web_addresses_and_markup_are_never_rewritten() {
        // The same spun words in prose, in an address, an e-mail address, a hashtag and a tag:
        // only the prose changes, and the rest are no words of the count.
        let prose = "The sturdy economy grew. We apply profound learning to {the|a} data.";
        let text = format!(
            "{prose} See https://example.com/the-sturdy-economy/profound-learning-{{the|a}}/1.five or \
             www.example.org/sturdy, mail sturdy.economy@example.com or follow #sturdy.&nbsp;<br/><span class=\"sturdy\">"
        );
        let (alone, _) = det().analyze(prose);
        let (r, _) = det().analyze(&text);
        let found = |r: &Report| -> Vec<(usize, usize, Option<String>)> {
            r.spans
                .iter()
                .map(|s| (s.start, s.end, s.suggestion.clone()))
                .collect()
        };
        assert!(!alone.spans.is_empty());
        assert_eq!(found(&r), found(&alone));
        assert_eq!(
            r.words,
            alone.words + "See or mail or follow".split(' ').count()
        );
        let restored = det().restore(&text);
        assert_eq!(
            &restored[det().restore(prose).len()..],
            &text[prose.len()..]
        );
    }

    #[test]
    fn code_is_never_rewritten() {
        // The same spun words in prose, in inline code and in a fenced block: only the prose
        // changes. A backtick inside a word is an apostrophe, and the prose around it is read.
        let prose = "The sturdy economy grew.";
        let text = format!(
            "{prose} Call `sturdy(economy)` or ``the `sturdy` economy``.\n\
             ```text\nThe sturdy economy grew.\n```\n~~~\nthe sturdy economy\n"
        );
        let restored = det().restore(&text);
        let alone = det().restore(prose);
        assert_ne!(alone, prose);
        assert_eq!(&restored[..alone.len()], alone);
        assert_eq!(&restored[alone.len()..], &text[prose.len()..]);
        let apostrophe = "It`s true: the sturdy economy grew.";
        assert_ne!(det().restore(apostrophe), apostrophe);
    }

    #[test]
    fn words_that_mix_scripts_are_debris_unless_changed() {
        // "еconomy" with a Cyrillic "е" is debris written back in Latin; "sturdу" with a
        // Cyrillic "у" is read as "sturdy", which the decoder changes as it would in Latin.
        let text = "The sturd\u{443} \u{435}conomy grew.";
        let r = det().check(text);
        let found = spans_of(&r);
        assert_eq!(
            found,
            [
                ("sturd\u{443}", SpanKind::Substitution, Some("strong")),
                ("\u{435}conomy", SpanKind::Artifact, Some("economy")),
            ]
        );
        assert_eq!(det().restore(text), "The strong economy grew.");
    }

    #[test]
    fn a_phrase_that_breaks_a_names_capitals_is_a_broken_name() {
        // Words as the decoder sees them: case, whether inside a sentence, normalized form.
        let words_of = |text: &str| -> (Vec<Word>, String) {
            let mut norms = String::new();
            let words = text
                .split(' ')
                .enumerate()
                .map(|(k, w)| {
                    let start = norms.len();
                    norms.push_str(&w.to_lowercase());
                    let case = case_of(w);
                    Word {
                        tok: k,
                        norm: (start, norms.len()),
                        lm: 0,
                        case,
                        break_before: false,
                        protected: false,
                        name: k > 0 && case == Case::Title,
                    }
                })
                .collect();
            (words, norms)
        };
        for (text, at, yes) in [
            ("the Reserve Financial institution of Australia", 2, true),
            ("the Financial institution of England", 1, true),
            ("said Kevin Home owner today", 2, true),
            ("the financial institution of Australia", 1, false),
            ("the Financial institution said", 1, false),
            ("the Financial Institution of England", 1, false),
        ] {
            let (words, norms) = words_of(text);
            assert_eq!(broken_name(&words, &norms, at, 2), yes, "{text}");
        }
    }

    #[test]
    fn twelve_months_that_grammar_shows_is_a_year() {
        let text = "In a 12 months the firm grew. This 12 Months it grew. \
                    Over the past 12 months and every 12 months it reported; a 12-month plan. \
                    Sales fell from final 12 months, unlike the final 12 months of his term. \
                    Subsequent 12 months will tell, as 12 months\u{2019}s results did.";
        let r = det().check(text);
        let found: Vec<_> = spans_of(&r)
            .into_iter()
            .filter(|s| s.1 == SpanKind::Artifact)
            .collect();
        let art = SpanKind::Artifact;
        assert_eq!(
            found,
            [
                ("12 months", art, Some("year")),
                ("12 Months", art, Some("Year")),
                ("final 12 months", art, Some("last year")),
                ("Subsequent 12 months", art, Some("Next year")),
                ("12 months\u{2019}s", art, Some("year\u{2019}s")),
            ]
        );
    }

    #[test]
    fn recased_initialisms_are_debris_and_no_evidence() {
        let bytes = crate::fixture::tiny_model_bytes_with(&[(crate::T_INITIALS, b"ceo\nfbi\n")]);
        let with = Detector::new(Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap());
        let text = "The Fbi said the Ceos and the Fbi\u{2019}s fbi CEOs met.";
        let r = with.check(text);
        let found = spans_of(&r);
        assert_eq!(
            found,
            [
                ("Fbi", SpanKind::Artifact, Some("FBI")),
                ("Ceos", SpanKind::Artifact, Some("CEOs")),
                ("Fbi\u{2019}s", SpanKind::Artifact, Some("FBI\u{2019}s")),
            ]
        );
        assert_eq!(
            with.restore(text),
            "The FBI said the CEOs and the FBI\u{2019}s fbi CEOs met."
        );
        let written = "The FBI said the CEOs and the FBI\u{2019}s fbi CEOs met.";
        assert_eq!(r.score, with.check(written).score);
        // A model without the section reports none.
        assert!(det().check(text).spans.is_empty());
    }

    /// The fixture model with name lists where "Tom" is a given name and "Strong" a surname;
    /// the fixture proposes "strong" for "sturdy" from two thesauri.
    fn surname_model() -> Model {
        let names: &[u8] = b"strong\t0\t500\ntom\t154\t0\n";
        let bytes = crate::fixture::tiny_model_bytes_with(&[(crate::T_NAMES, names)]);
        Model::from_bytes(crate::Bytes::from_vec(bytes)).unwrap()
    }

    #[test]
    fn spun_surnames_are_put_back_where_the_name_lists_say_so() {
        let with = Detector::new(surname_model());
        let text = "The striker Tom Sturdy scored twice, and then Sturdy said the market fell.";
        let r = with.check(text);
        let names: Vec<_> = r
            .spans
            .iter()
            .filter(|s| s.evidence.contains("spun surname"))
            .map(|s| (s.text.as_str(), s.suggestion.as_deref()))
            .collect();
        assert_eq!(
            names,
            [("Sturdy", Some("Strong")), ("Sturdy", Some("Strong"))]
        );
        assert_eq!(
            with.restore(text),
            "The striker Tom Strong scored twice, and then Strong said the market fell."
        );
        // No evidence for the document score, and nothing without the section.
        assert_eq!(r.score, det().check(text).score);
        assert!(det()
            .check(text)
            .spans
            .iter()
            .all(|s| !s.evidence.contains("spun surname")));
    }

    #[test]
    fn a_clean_verdict_leaves_a_spun_surname_its_suggestion() {
        let mut p = Params::default();
        // Called clean, and every other substitution's suggestion withheld.
        (p.min_words, p.spun_threshold) = (1.0, 2.0);
        (p.apply_clean, p.clean_floor) = (1.0, 1.0);
        let det = Detector::with_params(surname_model(), p);
        let text = "The striker Tom Sturdy scored twice as the inventory market fell.";
        let r = det.check(text);
        assert_eq!(r.verdict, Verdict::Clean);
        let suggestion = |word: &str| {
            let s = r.spans.iter().find(|s| s.text == word).expect("reported");
            s.suggestion.as_deref()
        };
        assert_eq!(suggestion("Sturdy"), Some("Strong"));
        assert_eq!(suggestion("inventory"), None);
        assert_eq!(
            det.restore(text),
            "The striker Tom Strong scored twice as the inventory market fell."
        );
    }

    #[test]
    fn lookalikes_are_no_evidence_in_long_documents_either() {
        // Long enough to be judged by its parts: the runs' scores must not count the
        // lookalike debris that the document score leaves out.
        let latin = "The economy grew and the market rose. ".repeat(90);
        let dressed = latin.replace("economy", "\u{435}conomy");
        let (a, b) = (det().check(&latin), det().check(&dressed));
        assert!(a.words >= LONG_WORDS);
        assert_eq!(b.spans.len(), 90);
        assert_eq!(a.score, b.score);
    }

    #[test]
    fn mangled_words_give_way_to_changes_but_not_to_flags() {
        let span = |start, end, suggestion: Option<&str>, kind| Span {
            start,
            end,
            text: String::new(),
            suggestion: suggestion.map(str::to_string),
            confidence: 0.5,
            kind,
            evidence: String::new(),
        };
        let sub = SpanKind::Substitution;
        let art = SpanKind::Artifact;
        let spans = vec![
            span(0, 10, Some("a"), sub), // a change over two lookalike words
            span(20, 25, None, sub),     // a flag
            span(30, 35, Some("b"), sub),
            span(50, 55, Some("c"), sub), // a change inside a longer mangled span
            span(70, 75, Some("d"), sub), // a change over the same word
        ];
        let lookalikes = vec![
            span(0, 4, Some("x"), art),
            span(5, 10, Some("y"), art),
            span(20, 25, Some("z"), art),
            span(40, 45, Some("w"), art),
            span(50, 65, Some("v"), art),
            span(70, 75, Some("u"), art),
        ];
        let got: Vec<(usize, Option<String>)> = merge_mangled(spans, lookalikes)
            .into_iter()
            .map(|s| (s.start, s.suggestion))
            .collect();
        assert_eq!(
            got,
            [
                (0, Some("a".into())),
                (20, Some("z".into())),
                (30, Some("b".into())),
                (40, Some("w".into())),
                (50, Some("v".into())),
                (70, Some("d".into())),
            ]
        );
    }

    #[test]
    fn tortured_phrases_with_hyphens_and_numbers_are_found() {
        // The list writes them whole; a text's tokens split them at the hyphen and between
        // letters and digits, and a fingerprint is matched as the tokens read.
        assert_eq!(
            det().restore("We apply man-made consciousness to the excretion of co2 data."),
            "We apply artificial intelligence to the emission of co2 data."
        );
        let r = det().check("Man-Made Consciousness is here.");
        assert_eq!(
            spans_of(&r),
            [(
                "Man-Made Consciousness",
                SpanKind::Fingerprint,
                Some("Artificial Intelligence")
            )]
        );
        // Another number is another phrase.
        let t = "The excretion of co3 fell.";
        assert_eq!(det().restore(t), t);
    }

    #[test]
    fn spintax_and_fingerprints() {
        let r = det().check("We apply profound learning to {the|a} data.");
        let kinds: Vec<_> = r
            .spans
            .iter()
            .map(|s| (s.kind, s.suggestion.clone()))
            .collect();
        assert_eq!(
            kinds,
            [
                (SpanKind::Fingerprint, Some("deep learning".into())),
                (SpanKind::Artifact, Some("the".into()))
            ]
        );
        assert_eq!(det().restore("We apply {data}."), "We apply data.");
        // Braces around one word on a line of code are a placeholder, and stay; spintax with
        // options is spintax wherever it is.
        for code in [
            "Write `#[error(\"{var}\")]` here.",
            "use tracing::{instrument};",
            "let s = format!(\"{name}\");",
        ] {
            assert_eq!(det().restore(code), code);
        }
        // So are braces glued to a word or a sign: markup and templates in docstrings.
        for markup in [
            "The type is C{string} and L{Rule}s apply at M{n}th tokens.",
            "Stop after ${period} rounds, through get_{key} or '{section}'.",
        ] {
            assert_eq!(det().restore(markup), markup);
        }
        assert_eq!(
            det().restore("({data}) and [{data}], {data}."),
            "(data) and [data], data."
        );
        assert_eq!(det().restore("x = {the|a} data"), "x = the data");
        // Options with no-break spaces are spintax too, and keep their spaces.
        assert_eq!(
            det().restore("We {sell\u{a0}off|hold\u{a0}back} data."),
            "We hold\u{a0}back data."
        );
        // Two tortured phrases side by side are both found, in any case; a comma between the
        // words of one breaks it.
        let r = det().check("Counterfeit consciousness profound learning, profound, learning.");
        let found: Vec<_> = r
            .spans
            .iter()
            .filter(|s| s.kind == SpanKind::Fingerprint)
            .map(|s| (s.text.as_str(), s.suggestion.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                ("Counterfeit consciousness", Some("Artificial intelligence")),
                ("profound learning", Some("deep learning"))
            ]
        );
        // A fingerprint's suggestion is written as a substitution's is: in capitals where the
        // span's words are in capitals or have a first capital, as a spun heading's are.
        assert_eq!(
            det().restore("WE APPLY PROFOUND Learning."),
            "WE APPLY DEEP LEARNING."
        );
        // Numbers spelled out half-way are debris too.
        assert_eq!(
            det().restore("It rose 1.five percent, to three.2 of ten,000."),
            "It rose 1.5 percent, to 3.2 of 10,000."
        );
    }

    #[test]
    fn articles_by_spelling_and_first_words() {
        for (w, a) in [
            ("random", "a"),
            ("arbitrary", "an"),
            ("union", "a"),
            ("hour", "an"),
        ] {
            assert_eq!(article_by_spelling(w), a, "{w}");
        }
        assert_eq!(first_word("machine-learning tools"), Some("machine"));
        assert_eq!(first_word("1990s"), None);
    }

    #[test]
    fn empty_and_blank() {
        for t in ["", "   \n\t", "...!?"] {
            let r = det().check(t);
            assert_eq!(
                (r.score, r.verdict, r.words, r.spans.len()),
                (0.0, Verdict::Unsure, 0, 0)
            );
        }
    }

    #[test]
    fn spans_are_in_bounds_and_ordered() {
        let t = "He mentioned at a press convention on monday that the inventory market fell; {so|thus}.";
        let r = det().check(t);
        let mut prev = 0;
        for s in &r.spans {
            assert!(s.start >= prev && s.end <= t.len() && t[s.start..s.end] == s.text);
            prev = s.end;
        }
    }

    #[test]
    fn snapshot_check() {
        let t = "He mentioned at a press convention on Monday that the inventory market fell.";
        insta::assert_json_snapshot!(det().check(t));
    }

    #[test]
    fn snapshot_restore() {
        let t = "The minister stated the plan will work. The economic system is sturdy.\n\nWe apply profound learning.";
        insta::assert_snapshot!(det().restore(t));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]
            #[test]
            fn spans_valid_and_restore_without_spans_is_identity(
                s in "[a-zA-Z .,{}|'\n\u{430}\u{435}\u{ad}&#;<>/:@-]{0,160}",
            ) {
                let d = det();
                let r = d.check(&s);
                let mut prev = 0;
                for sp in &r.spans {
                    prop_assert!(sp.start >= prev && sp.start < sp.end && sp.end <= s.len());
                    prop_assert!(s.is_char_boundary(sp.start) && s.is_char_boundary(sp.end));
                    prev = sp.end;
                }
                // Restoring with no suggestion kept is the identity.
                let none: Vec<Span> = r.spans.iter().cloned().map(|mut x| { x.suggestion = None; x }).collect();
                prop_assert_eq!(crate::report::apply_spans(&s, &none), s.clone());
                prop_assert!((0.0..=1.0).contains(&r.score));
            }
        }
    }
}
