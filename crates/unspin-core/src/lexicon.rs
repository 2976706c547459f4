//! The lexicon: every phrase the engine knows, its frequency, and the originals a spun phrase
//! could stand for (the reverse channel), each with a prior and the sources that propose it.
//!
//! Phrases are lowercase words joined by single spaces, sorted bytewise, so a look-up is a
//! binary search over a string table in place, with nothing to build at load time. Candidates are
//! stored in CSR form: phrase `p`'s candidates are `cand_off[p]..cand_off[p + 1]`, best first
//! in the order the builder ranked them.
//!
//! ```
//! use unspin_core::format::{Container, ContainerWriter};
//! use unspin_core::lexicon::{Lexicon, LexiconWriter, Src};
//! use unspin_core::Bytes;
//!
//! let mut w = LexiconWriter::default();
//! w.set_freq("stock", -3.5);
//! w.add_candidate("inventory", "stock", -1.0, Src::MOBY);
//! // What the model file holds: sections in a container, parsed in place.
//! let mut c = ContainerWriter::new();
//! w.write(&mut c);
//! let lex = Lexicon::parse(&Container::parse(Bytes::from_vec(c.finish())).unwrap()).unwrap();
//! let spun = lex.find("inventory").unwrap();
//! let cands: Vec<_> = lex.candidates(spun).map(|c| lex.phrase(c.original)).collect();
//! assert_eq!(cands, ["stock"]);
//! ```

use crate::format::{f32_at, first_non_finite_f32, u32_at, Container, ContainerWriter};
use crate::{Bytes, Error, Result};
use std::collections::BTreeMap;

/// Bit set of the sources that propose a candidate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Src(pub u8);

impl Src {
    /// The Moby thesaurus.
    pub const MOBY: Src = Src(1);
    /// WordNet synsets.
    pub const WORDNET: Src = Src(2);
    /// The MyThes thesaurus.
    pub const MYTHES: Src = Src(4);
    /// Substitutions observed in aligned spun/original articles or spinner dictionaries.
    pub const MINED: Src = Src(8);
    /// The tortured-phrase list.
    pub const TORTURED: Src = Src(16);
    /// General English rewrites (function words, auxiliaries, compounds).
    pub const RULE: Src = Src(32);
    /// The pair was derived by inflecting a lemma pair; alone, the pair is two forms of one
    /// word ([`Src::is_own_form`]).
    pub const INFLECTED: Src = Src(64);
    /// A mined pair seen in two article pairs or more: a substitution spinners are known to
    /// repeat, where a pair seen once may be one page's slip or a misaligned word.
    pub const REPEATED: Src = Src(128);

    /// Whether every bit of `o` is set.
    pub fn contains(self, o: Src) -> bool {
        self.0 & o.0 == o.0
    }

    /// Whether the pair is two forms of one word ("law" for "laws", "be" for "is"), which
    /// WordNet-random augmenters write when they pick a word's own lemma as its synonym. No
    /// source but inflection says so. Such candidates follow the others in a phrase's list and
    /// are not counted in the `max_candidates` the decoder scores: a word has a few forms at
    /// most, and they would otherwise push the synonyms out.
    ///
    /// ```
    /// use unspin_core::lexicon::Src;
    /// assert!(Src::INFLECTED.is_own_form());
    /// assert!(!(Src::WORDNET | Src::INFLECTED).is_own_form());
    /// ```
    pub fn is_own_form(self) -> bool {
        self == Src::INFLECTED
    }

    /// How much the spinner table says for a pair: 0 if it is not mined, 1 if it was seen in
    /// one article pair, 2 if in several ([`Src::REPEATED`]). A feature of the change scorer
    /// and the expansion gate, graded so that trees fitted on the mined bit alone (a split
    /// between 0 and 1) read it as they did.
    ///
    /// ```
    /// use unspin_core::lexicon::Src;
    /// assert_eq!(Src::MOBY.mined_grade(), 0.0);
    /// assert_eq!((Src::MOBY | Src::MINED).mined_grade(), 1.0);
    /// assert_eq!((Src::MINED | Src::REPEATED).mined_grade(), 2.0);
    /// ```
    pub fn mined_grade(self) -> f32 {
        match (self.contains(Src::MINED), self.contains(Src::REPEATED)) {
            (false, _) => 0.0,
            (true, false) => 1.0,
            (true, true) => 2.0,
        }
    }

    /// How many independent sources propose the pair: each of the three thesauri, and the
    /// mined spinner table. The tortured-phrase list and the rules are left out: they propose
    /// pairs of their own kind, not general word senses.
    ///
    /// ```
    /// use unspin_core::lexicon::Src;
    /// assert_eq!((Src::MYTHES | Src::INFLECTED).votes(), 1);
    /// assert_eq!((Src::MOBY | Src::MINED | Src::REPEATED).votes(), 2);
    /// ```
    pub fn votes(self) -> usize {
        [Src::MOBY, Src::WORDNET, Src::MYTHES, Src::MINED]
            .iter()
            .filter(|&&s| self.contains(s))
            .count()
    }

    /// Names of the sources, for evidence strings.
    pub fn names(self) -> Vec<&'static str> {
        let all = [
            (Src::MOBY, "moby"),
            (Src::WORDNET, "wordnet"),
            (Src::MYTHES, "mythes"),
            (Src::MINED, "mined"),
            (Src::TORTURED, "tortured"),
            (Src::RULE, "rule"),
            (Src::INFLECTED, "inflected"),
            (Src::REPEATED, "repeated"),
        ];
        all.iter()
            .filter(|(s, _)| self.contains(*s))
            .map(|&(_, n)| n)
            .collect()
    }
}

impl std::ops::BitOr for Src {
    type Output = Src;
    fn bitor(self, o: Src) -> Src {
        Src(self.0 | o.0)
    }
}

impl std::ops::BitOrAssign for Src {
    fn bitor_assign(&mut self, o: Src) {
        self.0 |= o.0;
    }
}

/// One candidate original for a spun phrase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// Phrase id of the original.
    pub original: u32,
    /// log10 P(spun | original): how likely a spinner holding the original writes the spun
    /// phrase.
    pub prior: f32,
    /// Who proposes it.
    pub src: Src,
}

/// Names of the features that order a spun phrase's candidate originals ([`rank_features`]).
pub const RANK_FEATURES: [&str; 10] = [
    "prior",
    "freq_orig",
    "thesauri",
    "mined",
    "tortured",
    "rule",
    "inflected",
    "orig_words",
    "len_diff",
    "shares_word",
];

/// The features by which the model builder orders the candidate originals of `spun`, best
/// first, before it keeps the first few: the decoder scores only the first `max_candidates` of
/// them with the language model, so this order decides which originals it can find at all.
///
/// `prior` is log10 P(spun | original) and `orig_freq` the log10 frequency of the original's
/// rarest word (-9 for a word the counts lack). The features name no single thesaurus: what
/// matters is how many agree, so that an order fitted on development spinners (which draw on
/// WordNet) does not learn one thesaurus's habits.
///
/// ```
/// use unspin_core::lexicon::{rank_features, Src};
/// let f = rank_features("open secret", "secret", -0.6, Src::MYTHES, -4.0);
/// assert_eq!(f[2], 1.0); // one thesaurus
/// assert_eq!(f[9], 1.0); // the original is a word of the spun phrase
/// ```
pub fn rank_features(
    spun: &str,
    original: &str,
    prior: f32,
    src: Src,
    orig_freq: f32,
) -> [f32; RANK_FEATURES.len()] {
    let b = |s: Src| if src.contains(s) { 1.0 } else { 0.0 };
    let thesauri = b(Src::MOBY) + b(Src::WORDNET) + b(Src::MYTHES);
    let shares = original.split(' ').any(|o| spun.split(' ').any(|s| s == o));
    let (o_words, s_words) = (original.split(' ').count(), spun.split(' ').count());
    [
        prior,
        orig_freq.max(-9.0),
        thesauri,
        b(Src::MINED),
        b(Src::TORTURED),
        b(Src::RULE),
        b(Src::INFLECTED),
        o_words as f32,
        o_words.abs_diff(s_words) as f32,
        if shares { 1.0 } else { 0.0 },
    ]
}

/// Phrase flag: the phrase begins a longer key (it is its first word, or a shorter key that
/// the longer one extends), so longer look-ups are worth trying.
pub const FLAG_PREFIX: u8 = 1;
/// Phrase flag: a closed-class (function) word, which spinners change less often.
pub const FLAG_FUNCTION: u8 = 2;
/// Phrase flag: a phrase of several words that real spinners are seen to write for another in
/// several article pairs ("in keeping with" for "according to", "gross sales" for "sales"). Its
/// words read well together, as any phrase from a dictionary does, so the decoder expands it
/// however well it fits its context.
pub const FLAG_SPINNER: u8 = 4;
/// Phrase flag: a lemma with other forms ("vessel", "carry"), which a WordNet-random augmenter
/// may have written for any form of a synonym ("ships", "borne"): the decoder tries its
/// candidates' own forms too (the `cross_forms` parameter).
pub const FLAG_LEMMA: u8 = 8;

const T_STRS: [u8; 8] = *b"LEXSTRS\0";
const T_OFFS: [u8; 8] = *b"LEXOFFS\0";
const T_FREQ: [u8; 8] = *b"LEXFREQ\0";
const T_FLAG: [u8; 8] = *b"LEXFLAG\0";
const T_COFF: [u8; 8] = *b"CANDOFF\0";
const T_CIDS: [u8; 8] = *b"CANDIDS\0";
const T_CPRI: [u8; 8] = *b"CANDPRI\0";
const T_CSRC: [u8; 8] = *b"CANDSRC\0";
const T_LOFF: [u8; 8] = *b"PHRLMOFF";
const T_BKEY: [u8; 8] = *b"BIGRKEYS";
const T_BVAL: [u8; 8] = *b"BIGRVALS";
const T_LIDS: [u8; 8] = *b"PHRLMIDS";

/// Frequency stored for phrases with no count.
pub const NO_FREQ: f32 = -99.0;

/// Builds the lexicon sections. Used by the model builder and by tests.
#[derive(Default)]
pub struct LexiconWriter {
    phrases: BTreeMap<String, Entry>,
    bigrams: Vec<(String, String, f32)>,
}

#[derive(Default)]
struct Entry {
    freq: Option<f32>,
    flags: u8,
    cands: Vec<(String, f32, Src)>,
}

impl LexiconWriter {
    /// Sets the log10 relative frequency of a phrase (creating it).
    pub fn set_freq(&mut self, phrase: &str, log10_freq: f32) {
        self.phrases.entry(phrase.to_string()).or_default().freq = Some(log10_freq);
    }

    /// Sets flag bits on a phrase (creating it).
    pub fn set_flags(&mut self, phrase: &str, flags: u8) {
        self.phrases.entry(phrase.to_string()).or_default().flags |= flags;
    }

    /// Adds a candidate original for a spun phrase. A repeated pair keeps the best prior and
    /// the union of sources.
    pub fn add_candidate(&mut self, spun: &str, original: &str, prior: f32, src: Src) {
        self.phrases.entry(original.to_string()).or_default();
        let e = self.phrases.entry(spun.to_string()).or_default();
        if let Some(c) = e.cands.iter_mut().find(|c| c.0 == original) {
            c.1 = c.1.max(prior);
            c.2 |= src;
        } else {
            e.cands.push((original.to_string(), prior, src));
        }
    }

    /// Adds a word bigram with its log10 count (Google Books counts: a second opinion on
    /// context, independent of the trigram LM).
    pub fn add_bigram(&mut self, w1: &str, w2: &str, log10_count: f32) {
        self.phrases.entry(w1.to_string()).or_default();
        self.phrases.entry(w2.to_string()).or_default();
        self.bigrams
            .push((w1.to_string(), w2.to_string(), log10_count));
    }

    /// Keeps at most `k` candidates per spun phrase, the ones with the best priors.
    pub fn cap(&mut self, k: usize) {
        for e in self.phrases.values_mut() {
            e.cands
                .sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            e.cands.truncate(k);
        }
    }

    /// Number of phrases so far.
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// Whether there are no phrases.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Marks the first word of every multi-word key (creating it), and every longer proper
    /// prefix that is a phrase itself, so the decoder tries longer look-ups only there.
    /// Idempotent; run before phrase ids are assigned.
    fn mark_prefixes(&mut self) {
        let keys: Vec<&String> = self
            .phrases
            .iter()
            .filter(|(k, e)| !e.cands.is_empty() && k.contains(' '))
            .map(|(k, _)| k)
            .collect();
        // The decoder stops lengthening a key at the first phrase found without the flag, so a
        // key whose shorter part is a key too ("in keeping" of "in keeping with", "in line" of
        // "in line with") would never be reached if only its first word were marked.
        let mut prefixes: Vec<String> = Vec::new();
        for k in keys {
            // Each prefix ends where a space starts: the first word always, the longer ones
            // where they are phrases.
            let mut ends = k.match_indices(' ').map(|(n, _)| n);
            prefixes.extend(ends.next().map(|n| k[..n].to_string()));
            prefixes.extend(
                ends.filter(|&n| self.phrases.contains_key(&k[..n]))
                    .map(|n| k[..n].to_string()),
            );
        }
        for p in prefixes {
            self.set_flags(&p, FLAG_PREFIX);
        }
    }

    /// Writes the sections into `c`, with each phrase's language-model word ids so the decoder
    /// never looks a candidate's words up by string. A phrase with a word `lm_id` does not know
    /// gets no ids, and the decoder skips it as a candidate.
    pub fn write_with_lm(mut self, c: &mut ContainerWriter, lm_id: &dyn Fn(&str) -> Option<u32>) {
        self.mark_prefixes();
        let (mut loff, mut lids) = (Vec::new(), Vec::new());
        let mut n = 0u32;
        loff.extend_from_slice(&0u32.to_le_bytes());
        for k in self.phrases.keys() {
            let ids: Option<Vec<u32>> = k.split(' ').map(lm_id).collect();
            for id in ids.unwrap_or_default() {
                lids.extend_from_slice(&id.to_le_bytes());
                n += 1;
            }
            loff.extend_from_slice(&n.to_le_bytes());
        }
        c.add(T_LOFF, loff);
        c.add(T_LIDS, lids);
        self.write(c);
    }

    /// The lexicon as the decoder reads it, written and parsed back in memory, without
    /// language-model ids (so every look-up goes by string): for tests and small tools.
    ///
    /// ```
    /// use unspin_core::lexicon::{LexiconWriter, Src};
    /// let mut w = LexiconWriter::default();
    /// w.add_candidate("mentioned", "said", -0.5, Src::MINED);
    /// let lex = w.into_lexicon().unwrap();
    /// let id = lex.find("mentioned").unwrap();
    /// let first = lex.candidates(id).next().unwrap();
    /// assert_eq!(lex.phrase(first.original), "said");
    /// ```
    pub fn into_lexicon(self) -> Result<Lexicon> {
        let mut c = ContainerWriter::new();
        self.write(&mut c);
        Lexicon::parse(&Container::parse(Bytes::from_vec(c.finish()))?)
    }

    /// Writes the sections into `c`.
    pub fn write(mut self, c: &mut ContainerWriter) {
        self.mark_prefixes();
        let ids: BTreeMap<&str, u32> = self
            .phrases
            .keys()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i as u32))
            .collect();
        let (mut strs, mut offs, mut freq, mut flags) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut coff, mut cids, mut cpri, mut csrc) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        offs.extend_from_slice(&0u32.to_le_bytes());
        coff.extend_from_slice(&0u32.to_le_bytes());
        let mut ncand = 0u32;
        for (k, e) in &self.phrases {
            strs.extend_from_slice(k.as_bytes());
            offs.extend_from_slice(&(strs.len() as u32).to_le_bytes());
            freq.extend_from_slice(&e.freq.unwrap_or(NO_FREQ).to_le_bytes());
            flags.push(e.flags);
            // Candidates keep the order they were added in: the builder ranks them (by
            // P(spun | original) · P(original)), and the decoder takes the first few.
            for (o, p, s) in e.cands.iter().cloned() {
                cids.extend_from_slice(&ids[o.as_str()].to_le_bytes());
                cpri.extend_from_slice(&p.to_le_bytes());
                csrc.push(s.0);
                ncand += 1;
            }
            coff.extend_from_slice(&ncand.to_le_bytes());
        }
        let mut big: Vec<(u64, f32)> = self
            .bigrams
            .iter()
            .map(|(a, b, v)| {
                (
                    ((ids[a.as_str()] as u64) << 32) | ids[b.as_str()] as u64,
                    *v,
                )
            })
            .collect();
        big.sort_by_key(|x| x.0);
        big.dedup_by_key(|x| x.0);
        c.add(T_BKEY, big.iter().flat_map(|x| x.0.to_le_bytes()).collect());
        c.add(T_BVAL, big.iter().flat_map(|x| x.1.to_le_bytes()).collect());
        c.add(T_STRS, strs);
        c.add(T_OFFS, offs);
        c.add(T_FREQ, freq);
        c.add(T_FLAG, flags);
        c.add(T_COFF, coff);
        c.add(T_CIDS, cids);
        c.add(T_CPRI, cpri);
        c.add(T_CSRC, csrc);
    }
}

#[inline]
fn phrase_hash(b: &[u8]) -> usize {
    xxhash_rust::xxh3::xxh3_64(b) as usize
}

/// The lexicon, read in place from a model container.
#[derive(Clone, Debug)]
pub struct Lexicon {
    strs: Bytes,
    offs: Bytes,
    freq: Bytes,
    flags: Bytes,
    coff: Bytes,
    cids: Bytes,
    cpri: Bytes,
    csrc: Bytes,
    loff: Option<Bytes>,
    lids: Option<Bytes>,
    bkey: Bytes,
    bval: Bytes,
    n: usize,
    /// Open-addressing hash index over the phrases (`id + 1`, 0 for an empty slot), built at
    /// load: the decoder looks up every word and phrase of every document, and a hash probe
    /// touches one or two cache lines where a binary search over the strings touches eighteen.
    index: Vec<u32>,
    /// Bit set over language-model word ids: the words that start a multi-word key
    /// ([`FLAG_PREFIX`]), or empty when the lexicon has no LM ids (then every word may).
    prefix_words: Vec<u64>,
    /// One-word phrases by language-model word id (`id + 1`, 0 for none), so the decoder finds
    /// a word without hashing it; empty when the lexicon has no LM ids.
    word_phrases: Vec<u32>,
    /// Whether every entry of `word_phrases` was found to name its word's own phrase
    /// ([`check_word_ids`](Self::check_word_ids)), so a look-up need not compare strings.
    word_phrases_checked: bool,
    /// Blocked Bloom filter over the LM-id sequences of the multi-word phrases (two bits of one
    /// word per phrase), so the decoder skips the look-up of most keys the lexicon lacks with
    /// one read of a small table; empty when the lexicon has no LM ids.
    phrase_filter: Vec<u64>,
    /// Where the bigrams of each first word start in the sorted bigram table (`n + 1`
    /// entries), so a look-up searches only that word's few; empty if the table is not
    /// strictly sorted (then [`bigram`](Lexicon::bigram) searches it all, as before).
    bigram_from: Vec<u32>,
}

/// The filter word and bit mask of an LM-id sequence in [`Lexicon::may_have_phrase`].
#[inline]
fn filter_slot(ids: impl IntoIterator<Item = u32>, words_log2: u32) -> (usize, u64) {
    let mut h = 0x9E37_79B9_7F4A_7C15u64;
    for id in ids {
        h = (h ^ id as u64).wrapping_mul(0x2545_F491_4F6C_DD1D);
        h ^= h >> 29;
    }
    h = h.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    let word = if words_log2 == 0 {
        0
    } else {
        (h >> (64 - words_log2)) as usize
    };
    (word, (1u64 << (h & 63)) | (1u64 << ((h >> 6) & 63)))
}

impl Lexicon {
    /// Locates and validates the lexicon sections: sizes, offsets, ids, UTF-8, and that every
    /// frequency, prior and bigram count is a finite number. Anything wrong is
    /// [`Error::Corrupt`], naming what is wrong (and for a number, the section and its index).
    pub fn parse(c: &Container) -> Result<Lexicon> {
        let lex = Lexicon {
            strs: c.section(T_STRS)?,
            offs: c.section(T_OFFS)?,
            freq: c.section(T_FREQ)?,
            flags: c.section(T_FLAG)?,
            coff: c.section(T_COFF)?,
            cids: c.section(T_CIDS)?,
            cpri: c.section(T_CPRI)?,
            csrc: c.section(T_CSRC)?,
            loff: if c.has(T_LOFF) {
                Some(c.section(T_LOFF)?)
            } else {
                None
            },
            lids: if c.has(T_LIDS) {
                Some(c.section(T_LIDS)?)
            } else {
                None
            },
            bkey: if c.has(T_BKEY) {
                c.section(T_BKEY)?
            } else {
                Bytes::from_static(&[])
            },
            bval: if c.has(T_BVAL) {
                c.section(T_BVAL)?
            } else {
                Bytes::from_static(&[])
            },
            n: 0,
            index: Vec::new(),
            prefix_words: Vec::new(),
            word_phrases: Vec::new(),
            word_phrases_checked: false,
            phrase_filter: Vec::new(),
            bigram_from: Vec::new(),
        };
        let bad = |what: &str| Err(Error::Corrupt(format!("lexicon: {what}")));
        if !lex.offs.len().is_multiple_of(4) || lex.offs.len() < 4 {
            return bad("bad offset table");
        }
        let n = lex.offs.len() / 4 - 1;
        let m = lex.cids.len() / 4;
        if lex.freq.len() != 4 * n || lex.flags.len() != n || lex.coff.len() != 4 * (n + 1) {
            return bad("section sizes disagree");
        }
        if !lex.cids.len().is_multiple_of(4) || lex.cpri.len() != 4 * m || lex.csrc.len() != m {
            return bad("candidate sections disagree");
        }
        // Monotone offsets within bounds make every later access safe without checks.
        let mut prev = 0;
        for i in 0..=n {
            let o = u32_at(&lex.offs, 4 * i) as usize;
            if o < prev || o > lex.strs.len() {
                return bad("string offsets out of order");
            }
            prev = o;
        }
        let mut prev = 0;
        for i in 0..=n {
            let o = u32_at(&lex.coff, 4 * i) as usize;
            if o < prev || o > m {
                return bad("candidate offsets out of order");
            }
            prev = o;
        }
        for i in 0..m {
            if u32_at(&lex.cids, 4 * i) as usize >= n {
                return bad("candidate id out of range");
            }
        }
        if !lex.bkey.len().is_multiple_of(8) || lex.bval.len() * 2 != lex.bkey.len() {
            return bad("bigram sections disagree");
        }
        // A NaN or infinite frequency, prior or count would make scores and confidences NaN
        // (JSON `null`, and a `clean` verdict, since every comparison with NaN is false), so
        // the values are refused here rather than guarded wherever they are used.
        for (name, what, b) in [
            ("LEXFREQ", "a phrase frequency", &lex.freq),
            ("CANDPRI", "a candidate prior", &lex.cpri),
            ("BIGRVALS", "a bigram count", &lex.bval),
        ] {
            if let Some(i) = first_non_finite_f32(b) {
                let v = f32_at(b, 4 * i);
                return bad(&format!("{name}[{i}] ({what}) is {v}, not a finite number"));
            }
        }
        let Ok(all) = std::str::from_utf8(&lex.strs) else {
            return bad("strings are not UTF-8");
        };
        // Every phrase boundary on a char boundary makes `phrase` sound without re-checking.
        if (0..=n).any(|i| !all.is_char_boundary(u32_at(&lex.offs, 4 * i) as usize)) {
            return bad("a phrase boundary splits a character");
        }
        match (&lex.loff, &lex.lids) {
            (None, None) => {}
            (Some(lo), Some(li)) => {
                if lo.len() != 4 * (n + 1) || !li.len().is_multiple_of(4) {
                    return bad("LM id sections disagree");
                }
                let mut prev = 0;
                for i in 0..=n {
                    let o = u32_at(lo, 4 * i) as usize;
                    if o < prev || o > li.len() / 4 {
                        return bad("LM id offsets out of order");
                    }
                    prev = o;
                }
            }
            _ => return bad("one LM id section without the other"),
        }
        let mut lex = Lexicon { n, ..lex };
        lex.index = lex.build_index();
        lex.prefix_words = lex.build_prefix_words();
        (lex.word_phrases, lex.phrase_filter) = lex.build_id_tables();
        lex.bigram_from = lex.build_bigram_from();
        Ok(lex)
    }

    /// The one-word phrases by LM id and the filter over the multi-word phrases' LM ids, in one
    /// pass over the id sections (a few milliseconds for the real model).
    fn build_id_tables(&self) -> (Vec<u32>, Vec<u64>) {
        let (Some(lo), Some(li)) = (&self.loff, &self.lids) else {
            return (Vec::new(), Vec::new());
        };
        // Word ids are dense from 0; one far beyond the phrase count (only a hand-made model
        // has one) is left out of the table rather than sizing it, and found by hashing.
        let limit = 2 * self.n + (1 << 16);
        // A table with no one-word phrase still needs an entry to mean "none".
        let mut words: Vec<u32> = vec![0];
        // About eight bits per phrase, most of them multi-word: a few per cent of absent keys
        // pass.
        let mut filter = vec![0u64; (self.n / 8 + 1).next_power_of_two()];
        let words_log2 = filter.len().trailing_zeros();
        let le = |c: &[u8]| u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let mut offs = lo.chunks_exact(4).map(|c| le(c) as usize);
        let Some(mut a) = offs.next() else {
            return (words, filter);
        };
        for (id, b) in offs.enumerate() {
            let ids = &li[4 * a..4 * b];
            if b == a + 1 {
                let w = le(ids) as usize;
                if w < limit {
                    if words.len() <= w {
                        words.resize(w + 1, 0);
                    }
                    words[w] = id as u32 + 1;
                }
            } else if b >= a + 2 {
                let (w, m) = filter_slot(ids.chunks_exact(4).map(le), words_log2);
                filter[w] |= m;
            }
            a = b;
        }
        (words, filter)
    }

    fn build_bigram_from(&self) -> Vec<u32> {
        let m = self.bkey.len() / 8;
        if m > u32::MAX as usize {
            return Vec::new();
        }
        let mut from = Vec::with_capacity(self.n + 1);
        let mut prev: Option<u64> = None;
        for (j, c) in self.bkey.chunks_exact(8).enumerate() {
            let k = u64::from_le_bytes(c.try_into().unwrap());
            if prev.is_some_and(|p| p >= k) {
                return Vec::new();
            }
            prev = Some(k);
            // Every first word up to this key's starts here or later.
            let w1 = ((k >> 32) as usize).min(self.n);
            while from.len() <= w1 {
                from.push(j as u32);
            }
        }
        while from.len() <= self.n {
            from.push(m as u32);
        }
        from
    }

    /// Whether a multi-word phrase whose words have these language-model ids (none of them the
    /// unknown word's) may be in the lexicon. False only when no phrase has these ids, so a key
    /// it refuses needs no [`find`](Self::find) (as with [`find_word`](Self::find_word), by the
    /// LM ids the lexicon was built with). Always true when the lexicon carries no LM ids.
    #[inline]
    pub fn may_have_phrase(&self, lm_ids: &[u32]) -> bool {
        if self.phrase_filter.is_empty() {
            return true;
        }
        let (w, m) = filter_slot(
            lm_ids.iter().copied(),
            self.phrase_filter.len().trailing_zeros(),
        );
        self.phrase_filter[w] & m == m
    }

    fn build_prefix_words(&self) -> Vec<u64> {
        let mut bits: Vec<u64> = Vec::new();
        if self.loff.is_none() {
            return bits;
        }
        let mut ids = Vec::new();
        for id in 0..self.n as u32 {
            if self.flags(id) & FLAG_PREFIX == 0 {
                continue;
            }
            ids.clear();
            if self.lm_ids(id, &mut ids) {
                let w = ids[0] as usize;
                if bits.len() <= w / 64 {
                    bits.resize(w / 64 + 1, 0);
                }
                bits[w / 64] |= 1 << (w % 64);
            }
        }
        // A lexicon with ids but no prefixes still needs a non-empty set to mean "none".
        if bits.is_empty() {
            bits.push(0);
        }
        bits
    }

    /// Whether the word with language-model id `lm_id` may start a multi-word key. Cheap (a
    /// bit test), so the decoder can skip the look-up of a word that fits its context. Always
    /// true when the lexicon carries no LM ids; callers treat unknown words as "may" too.
    #[inline]
    pub fn may_start_phrase(&self, lm_id: u32) -> bool {
        if self.prefix_words.is_empty() {
            return true;
        }
        let w = lm_id as usize;
        self.prefix_words
            .get(w / 64)
            .is_some_and(|b| b & (1 << (w % 64)) != 0)
    }

    fn build_index(&self) -> Vec<u32> {
        let mut slots = vec![0u32; (2 * self.n).next_power_of_two().max(2)];
        let mask = slots.len() - 1;
        for id in 0..self.n as u32 {
            let mut i = phrase_hash(self.phrase(id).as_bytes()) & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = id + 1;
        }
        slots
    }

    /// Number of phrases.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the lexicon has no phrases.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The text of phrase `id`.
    #[inline]
    pub fn phrase(&self, id: u32) -> &str {
        let i = id as usize;
        let (a, b) = (
            u32_at(&self.offs, 4 * i) as usize,
            u32_at(&self.offs, 4 * i + 4) as usize,
        );
        // SAFETY: `parse` checked that the table is UTF-8 and that every offset is a char
        // boundary, so each phrase is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.strs[a..b]) }
    }

    /// The id of `phrase` (lowercase, single spaces), if the lexicon has it.
    #[inline]
    pub fn find(&self, phrase: &str) -> Option<u32> {
        let mask = self.index.len() - 1;
        let key = phrase.as_bytes();
        let mut i = phrase_hash(key) & mask;
        loop {
            match self.index[i] {
                0 => return None,
                id if self.phrase(id - 1).as_bytes() == key => return Some(id - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Compares every entry of the table behind [`find_word`](Self::find_word) with the
    /// language model's own string for the id (`word`), once, at load; when all agree, look-ups
    /// skip the comparison. One disagreement (a hand-made or mismatched model) leaves every
    /// look-up comparing, as before.
    pub fn check_word_ids<'a>(&mut self, word: impl Fn(u32) -> &'a str) {
        self.word_phrases_checked = self
            .word_phrases
            .iter()
            .enumerate()
            .all(|(id, &p)| p == 0 || self.phrase(p - 1) == word(id as u32));
    }

    /// The id of the one-word phrase `word`, whose language-model id is `lm_id` (not the
    /// unknown word's): [`find`](Self::find) without hashing `word`, by the LM ids the lexicon
    /// was built with. A word those ids do not give as a one-word phrase is taken to be absent,
    /// as [`may_start_phrase`](Self::may_start_phrase) takes a word without the prefix bit to
    /// start no key.
    #[inline]
    pub fn find_word(&self, lm_id: u32, word: &str) -> Option<u32> {
        match self.word_phrases.get(lm_id as usize) {
            Some(0) => None,
            // Checked at load: the entry of `lm_id` is the phrase of the LM's own string for
            // it, which `word`, the word with that id, is.
            Some(&p) if self.word_phrases_checked || self.phrase(p - 1) == word => Some(p - 1),
            // No table, an id beyond it, or ids that disagree with the strings.
            _ => self.find(word),
        }
    }

    /// log10 relative frequency of a phrase, or [`NO_FREQ`].
    #[inline]
    pub fn freq(&self, id: u32) -> f32 {
        f32_at(&self.freq, 4 * id as usize)
    }

    /// Flag bits of a phrase.
    #[inline]
    pub fn flags(&self, id: u32) -> u8 {
        self.flags[id as usize]
    }

    /// Whether phrase `id` is one that real spinners are seen to write ([`FLAG_SPINNER`]).
    #[inline]
    pub fn is_spinner_phrase(&self, id: u32) -> bool {
        self.flags(id) & FLAG_SPINNER != 0
    }

    /// The candidate originals of spun phrase `id` that are other words: its [`candidates`]
    /// without its own forms ([`Src::is_own_form`]).
    ///
    /// [`candidates`]: Lexicon::candidates
    pub fn synonyms(&self, id: u32) -> impl Iterator<Item = Candidate> + '_ {
        self.candidates(id).filter(|c| !c.src.is_own_form())
    }

    /// The candidate originals of spun phrase `id`, best first, then its own forms
    /// ([`Src::is_own_form`]).
    pub fn candidates(&self, id: u32) -> impl ExactSizeIterator<Item = Candidate> + '_ {
        let i = id as usize;
        let (a, b) = (
            u32_at(&self.coff, 4 * i) as usize,
            u32_at(&self.coff, 4 * i + 4) as usize,
        );
        (a..b).map(move |j| Candidate {
            original: u32_at(&self.cids, 4 * j),
            prior: f32_at(&self.cpri, 4 * j),
            src: Src(self.csrc[j]),
        })
    }

    /// The language-model ids of phrase `id`'s words, appended to `out`. Returns false when the
    /// model has no ids for it (a word the LM lacks, or a lexicon built without them).
    #[inline]
    pub fn lm_ids(&self, id: u32, out: &mut Vec<u32>) -> bool {
        let (Some(lo), Some(li)) = (&self.loff, &self.lids) else {
            return false;
        };
        let i = id as usize;
        let (a, b) = (u32_at(lo, 4 * i) as usize, u32_at(lo, 4 * i + 4) as usize);
        out.extend((a..b).map(|j| u32_at(li, 4 * j)));
        a < b
    }

    /// log10 count of the word bigram (`w1`, `w2`) by phrase ids, if the table has it.
    pub fn bigram(&self, w1: u32, w2: u32) -> Option<f32> {
        let key = ((w1 as u64) << 32) | w2 as u64;
        let (mut lo, mut hi) = match self.bigram_from.get(w1 as usize..w1 as usize + 2) {
            Some(r) if (w1 as usize) < self.n => (r[0] as usize, r[1] as usize),
            _ => (0usize, self.bkey.len() / 8),
        };
        while lo < hi {
            let mid = (lo + hi) / 2;
            match crate::format::u64_at(&self.bkey, 8 * mid).cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(f32_at(&self.bval, 4 * mid)),
            }
        }
        None
    }

    /// Number of candidate pairs in the lexicon.
    pub fn candidate_count(&self) -> usize {
        self.cids.len() / 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spinner_phrases_are_known_by_their_flag() {
        let mut w = LexiconWriter::default();
        w.add_candidate("in keeping with", "according to", -0.7, Src::MINED);
        w.add_candidate("in step with", "according to", -1.7, Src::MOBY);
        w.set_flags("in keeping with", FLAG_SPINNER);
        let lex = w.into_lexicon().unwrap();
        let flagged = |p: &str| lex.find(p).map(|id| lex.is_spinner_phrase(id));
        assert_eq!(flagged("in keeping with"), Some(true));
        assert_eq!(flagged("in step with"), Some(false));
        assert_eq!(flagged("in line"), None);
    }

    fn lex(w: LexiconWriter) -> Lexicon {
        w.into_lexicon().unwrap()
    }

    #[test]
    fn candidates_sorted_and_merged() {
        let mut w = LexiconWriter::default();
        w.add_candidate("mentioned", "said", -1.0, Src::MOBY);
        w.add_candidate("mentioned", "noted", -2.0, Src::WORDNET);
        w.add_candidate("mentioned", "said", -0.5, Src::MINED);
        w.add_candidate("inventory market", "stock market", -0.3, Src::MINED);
        let l = lex(w);
        let m = l.find("mentioned").unwrap();
        let c: Vec<_> = l.candidates(m).collect();
        assert_eq!(l.phrase(c[0].original), "said");
        assert_eq!(c[0].prior, -0.5);
        assert!(c[0].src.contains(Src::MOBY) && c[0].src.contains(Src::MINED));
        assert_eq!(l.phrase(c[1].original), "noted");
        assert_eq!(
            l.flags(l.find("inventory").unwrap()) & FLAG_PREFIX,
            FLAG_PREFIX
        );
        assert_eq!(l.freq(m), NO_FREQ);
        assert!(l.find("absent").is_none());
    }

    #[test]
    fn keys_that_extend_shorter_keys_are_reachable() {
        let mut w = LexiconWriter::default();
        w.add_candidate("in line", "queued", -1.0, Src::MOBY);
        w.add_candidate("in line with", "according to", -0.5, Src::MINED);
        w.add_candidate("in a row", "consecutive", -0.5, Src::MOBY);
        w.add_candidate("at the end of", "after", -0.5, Src::MOBY);
        let l = lex(w);
        let flagged = |p: &str| l.find(p).map(|id| l.flags(id) & FLAG_PREFIX != 0);
        assert_eq!(flagged("in"), Some(true));
        assert_eq!(flagged("at"), Some(true));
        // A shorter key that a longer one extends is marked: the decoder goes on from it.
        assert_eq!(flagged("in line"), Some(true));
        // A longest key is not, and prefixes that are no phrase are not created.
        assert_eq!(flagged("in line with"), Some(false));
        assert_eq!(flagged("in a"), None);
        assert_eq!(flagged("at the end"), None);
    }

    /// Parses a small lexicon (five phrases, two candidates, two bigrams) with float `index`
    /// of section `tag` set to `v`.
    fn parse_with(tag: [u8; 8], index: usize, v: f32) -> Result<Lexicon> {
        let mut w = LexiconWriter::default();
        w.set_freq("said", -2.5);
        w.set_freq("stated", -4.0);
        w.add_candidate("stated", "said", -0.7, Src::MOBY);
        w.add_candidate("mentioned", "said", -0.7, Src::MOBY);
        w.add_bigram("she", "said", 8.0);
        w.add_bigram("he", "said", 8.5);
        let mut c = ContainerWriter::new();
        w.write(&mut c);
        let good = Container::parse(Bytes::from_vec(c.finish())).unwrap();
        let mut c = ContainerWriter::new();
        for t in [
            T_STRS, T_OFFS, T_FREQ, T_FLAG, T_COFF, T_CIDS, T_CPRI, T_CSRC, T_BKEY, T_BVAL,
        ] {
            let mut p = good.section(t).unwrap().to_vec();
            if t == tag {
                p[4 * index..4 * index + 4].copy_from_slice(&v.to_le_bytes());
            }
            c.add(t, p);
        }
        Lexicon::parse(&Container::parse(Bytes::from_vec(c.finish())).unwrap())
    }

    #[test]
    fn non_finite_floats_are_refused_with_section_and_index() {
        for (tag, index, name) in [
            (T_FREQ, 0, "LEXFREQ[0] (a phrase frequency)"),
            (T_FREQ, 4, "LEXFREQ[4] (a phrase frequency)"),
            (T_CPRI, 1, "CANDPRI[1] (a candidate prior)"),
            (T_BVAL, 1, "BIGRVALS[1] (a bigram count)"),
        ] {
            // Finite values, however odd, are the builder's business, not corruption.
            for v in [f32::MAX, -f32::MAX, 0.0, NO_FREQ] {
                assert!(parse_with(tag, index, v).is_ok(), "{name} = {v}");
            }
            for (v, shown) in [
                (f32::NAN, "NaN"),
                (f32::INFINITY, "inf"),
                (f32::NEG_INFINITY, "-inf"),
            ] {
                match parse_with(tag, index, v) {
                    Err(Error::Corrupt(m)) => assert_eq!(
                        m,
                        format!("lexicon: {name} is {shown}, not a finite number")
                    ),
                    other => panic!("{name} = {v}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn find_word_agrees_with_find() {
        let vocab = ["said", "stated", "the", "stock", "market", "inventory"];
        let lm_id = |w: &str| vocab.iter().position(|&v| v == w).map(|i| i as u32);
        let mut w = LexiconWriter::default();
        w.add_candidate("stated", "said", -0.7, Src::MOBY);
        w.add_candidate("inventory market", "stock market", -0.3, Src::MINED);
        w.add_candidate("absent", "said", -1.0, Src::MOBY);
        let mut c = ContainerWriter::new();
        w.write_with_lm(&mut c, &lm_id);
        let l = Lexicon::parse(&Container::parse(Bytes::from_vec(c.finish())).unwrap()).unwrap();
        for (i, word) in vocab.iter().enumerate() {
            assert_eq!(l.find_word(i as u32, word), l.find(word), "{word}");
        }
        assert_eq!(l.find_word(2, "the"), None);
        assert_eq!(l.find_word(0, "said"), Some(l.find("said").unwrap()));
        // Ids that disagree with the strings, or beyond the table, fall back to the strings.
        assert_eq!(l.find_word(0, "stated"), l.find("stated"));
        assert_eq!(l.find_word(1 << 30, "absent"), l.find("absent"));
        // Without LM ids it is `find`.
        assert_eq!(
            lex({
                let mut w = LexiconWriter::default();
                w.set_freq("said", -2.0);
                w
            })
            .find_word(7, "said"),
            Some(0)
        );
    }

    #[test]
    fn phrase_filter_keeps_every_phrase() {
        let vocab: Vec<String> = (0..300).map(|i| format!("w{i}")).collect();
        let lm_id = |w: &str| vocab.iter().position(|v| v == w).map(|i| i as u32);
        let mut w = LexiconWriter::default();
        for i in 0..200 {
            let k = 2 + i % 3;
            let spun: Vec<&str> = (0..k)
                .map(|j| vocab[(i * 7 + j * 13) % 300].as_str())
                .collect();
            w.add_candidate(&spun.join(" "), &vocab[i], -1.0, Src::MOBY);
        }
        let mut c = ContainerWriter::new();
        w.write_with_lm(&mut c, &lm_id);
        let l = Lexicon::parse(&Container::parse(Bytes::from_vec(c.finish())).unwrap()).unwrap();
        let mut ids = Vec::new();
        let mut refused = 0;
        for p in 0..l.len() as u32 {
            ids.clear();
            if l.lm_ids(p, &mut ids) && ids.len() > 1 {
                assert!(l.may_have_phrase(&ids), "{}", l.phrase(p));
            }
        }
        for a in 0..300u32 {
            refused += usize::from(!l.may_have_phrase(&[a, (a * 31 + 5) % 300]));
        }
        assert!(refused > 250, "{refused}");
        // Without LM ids every key may be there.
        assert!(lex(LexiconWriter::default()).may_have_phrase(&[1, 2]));
    }

    #[test]
    fn bigram_index_agrees_with_search() {
        let mut w = LexiconWriter::default();
        let words: Vec<String> = (0..40).map(|i| format!("w{i:02}")).collect();
        let mut pairs = Vec::new();
        for i in 0..40usize {
            for j in 0..40usize {
                if (i * 7 + j * 3) % 5 == 0 && i % 4 != 1 {
                    w.add_bigram(&words[i], &words[j], (i * 40 + j) as f32);
                    pairs.push((i, j));
                }
            }
        }
        let l = lex(w);
        assert_eq!(l.bigram_from.len(), l.len() + 1);
        for i in 0..40usize {
            for j in 0..40usize {
                let (a, b) = (l.find(&words[i]).unwrap(), l.find(&words[j]).unwrap());
                let want = pairs.contains(&(i, j)).then_some((i * 40 + j) as f32);
                assert_eq!(l.bigram(a, b), want, "{i} {j}");
            }
        }
        assert_eq!(l.bigram(l.len() as u32 + 5, 0), None);
    }

    #[test]
    fn cap_keeps_best() {
        let mut w = LexiconWriter::default();
        for (i, o) in ["a", "b", "c"].iter().enumerate() {
            w.add_candidate("x", o, -(i as f32), Src::MOBY);
        }
        w.cap(2);
        let l = lex(w);
        assert_eq!(l.candidates(l.find("x").unwrap()).len(), 2);
    }
}
