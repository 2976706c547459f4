//! Searching an index: LSH candidates, verified by alignment, ranked by similarity, with the
//! aligned evidence.
//!
//! ```
//! use unspin_trace::index::{Builder, Index, Settings};
//! use unspin_trace::input::Doc;
//! use unspin_trace::trace::{Tracer, TraceOptions};
//! let model = unspin_core::fixture::tiny_model();
//! let path = std::env::temp_dir().join(format!("unspin-trace-doc-{}.idx", std::process::id()));
//! let mut b = Builder::new(Settings::default(), model.lexicon(), model.metadata());
//! b.add(vec![
//!     Doc { id: "news".into(), text: "The president said the stock market fell sharply on Monday, and officials said the economy is strong.".into() },
//!     Doc { id: "science".into(), text: "We apply deep learning to the data in this work.".into() },
//! ], 1);
//! b.write(&path).unwrap();
//! let idx = Index::open(&path).unwrap();
//! let tracer = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
//! let m = tracer.trace("The president mentioned the inventory market fell sharply on Monday, and officials stated the economic system is sturdy.");
//! assert_eq!(m.matches[0].id, "news");
//! assert!(m.matches[0].evidence.iter().any(|e| e.spun == "inventory" && e.source == "stock"));
//! # std::fs::remove_file(&path).unwrap();
//! ```

use crate::align::FastMap;
use crate::align::{Alignment, Fit, Matcher};
use crate::canon::{Canonizer, Method, Tok, ID_MASK, PHRASE_BIT, STOP_BIT};
use crate::index::Index;
use crate::lsh::{band_keys, jaccard, shingles};
use unspin_core::lexicon::Lexicon;
use unspin_core::tokenize::normalize_word;

/// Default similarity threshold of the unspin method, calibrated with `bench/trace.sh` on
/// held-out passages that have no source in the index: no-source queries stay below it.
pub const MIN_SIMILARITY_UNSPIN: f64 = 0.45;
/// Default similarity threshold of the plain method (shingle Jaccard), calibrated the same way.
pub const MIN_SIMILARITY_PLAIN: f64 = 0.15;

/// Documents in one LSH bucket or rare-word list above which it is skipped: a key that many
/// documents share points at none of them.
const BUCKET_CAP: usize = 256;

/// Weight of a source's tightness in the ranking: see [`rank_key`].
const TIGHTNESS: f64 = 0.1;

/// The ranking key of a verified candidate: the share of the query it explains
/// ([`Fit::query_share`]), plus a small preference for the source that the query explains most
/// fully (aligned / source words). Two references can explain a query equally well when one
/// contains the other (a page and a longer page quoting it); the tighter one is the better
/// answer. The similarity reported and thresholded stays the plain similarity.
fn rank_key(query_share: f64, aligned: usize, source_words: usize) -> f64 {
    query_share + TIGHTNESS * aligned as f64 / source_words.max(1) as f64
}

/// Search settings.
#[derive(Clone, Debug)]
pub struct TraceOptions {
    /// Sources to return at most.
    pub top: usize,
    /// Similarity below which a candidate is no plausible source; `None` for the method's
    /// calibrated default.
    pub min_similarity: Option<f64>,
    /// LSH candidates verified by alignment at most (the ones sharing the most bands).
    pub max_candidates: usize,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            top: 3,
            min_similarity: None,
            max_candidates: 32,
        }
    }
}

/// One piece of evidence: a spun phrase of the query and the source phrase it lines up with.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evidence {
    /// The query's words, as written (stop words between them included).
    pub spun: String,
    /// The source's content words, lowercase.
    pub source: String,
    /// Byte offset of the spun phrase in the query.
    pub start: usize,
    /// Byte offset one past it.
    pub end: usize,
    /// `synonym`: every word pair is a known neighbour pair; `rewrite`: words between two
    /// aligned anchors that the lexicon does not relate.
    pub kind: &'static str,
}

/// A plausible source.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Match {
    /// The source document's id.
    pub id: String,
    /// Similarity in [0, 1]: for the unspin method, the share of the query's content words that
    /// align with the source, counted over the longer of the query and the aligned stretch of
    /// the source; or, where higher, the share of the query's content words that align within a
    /// stretch of the source no longer than the query (an excerpt), or of the source's within a
    /// stretch of the query no longer than the source (a copy inside a longer page; sources of
    /// 40 content words or more, from 0.6 up). See [`Alignment::tighten`]. For the plain method,
    /// the Jaccard
    /// similarity of the shingle sets.
    pub similarity: f64,
    /// Query words aligned with the source.
    pub aligned: usize,
    /// Of those, words the spinner changed (aligned through a synonym).
    pub changed: usize,
    /// Content words of the query.
    pub query_words: usize,
    /// Content words of the source.
    pub source_words: usize,
    /// The aligned evidence, in query order.
    pub evidence: Vec<Evidence>,
    /// Index of the document in the index.
    #[serde(skip)]
    pub doc: usize,
}

/// The result of one query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traced {
    /// Plausible sources, best first; empty when nothing reaches the threshold.
    pub matches: Vec<Match>,
    /// Similarity of the best candidate, even below the threshold (0 without candidates).
    pub best_similarity: f64,
    /// LSH candidates that were verified.
    pub candidates: usize,
}

/// Searches one index.
pub struct Tracer<'a> {
    idx: &'a Index,
    lex: &'a Lexicon,
    opts: TraceOptions,
    min_similarity: f64,
}

/// A query's tokens, prepared once for every candidate.
struct Query {
    /// Every token (for shingles).
    all: Vec<Tok>,
    /// Positions in `all` of the tokens that alignment uses.
    content: Vec<usize>,
    /// For each content token, the canonical ids it may match.
    matchable: Vec<Vec<u32>>,
    /// Shingles (plain method).
    shingles: Vec<u64>,
}

impl<'a> Tracer<'a> {
    /// A tracer over `idx`, whose canonical table belongs to the model with lexicon `lex` (check
    /// with [`Index::check_model`] first).
    pub fn new(idx: &'a Index, lex: &'a Lexicon, opts: TraceOptions) -> Tracer<'a> {
        let min_similarity = opts.min_similarity.unwrap_or(match idx.settings().method {
            Method::Unspin => MIN_SIMILARITY_UNSPIN,
            Method::Plain => MIN_SIMILARITY_PLAIN,
        });
        Tracer {
            idx,
            lex,
            opts,
            min_similarity,
        }
    }

    /// The threshold in use.
    pub fn min_similarity(&self) -> f64 {
        self.min_similarity
    }

    fn prepare(&self, text: &str) -> Query {
        let s = self.idx.settings();
        let mut c = Canonizer::new(s.method, Some(self.lex), self.idx.canon_table());
        let all = c.tokens(text);
        let content: Vec<usize> = (0..all.len()).filter(|&i| !all[i].stop).collect();
        let matchable = content
            .iter()
            .map(|&i| {
                let mut e = Vec::new();
                if s.method == Method::Unspin {
                    c.expansions(&all[i], &mut e);
                    self.phrase_expansions(&c, text, &all, i, &mut e);
                } else {
                    e.push(all[i].canon);
                }
                e
            })
            .collect();
        let shingles = if s.method == Method::Plain {
            let ids: Vec<u32> = all.iter().map(|t| t.canon).collect();
            shingles(s.lsh.shingle as usize, &ids)
        } else {
            Vec::new()
        };
        Query {
            all,
            content,
            matchable,
            shingles,
        }
    }

    /// Spinners also swap whole phrases ("economy" -> "economic system", "year" -> "12
    /// months"). When the words from `i` on form a lexicon phrase, the single-word originals it
    /// could stand for become matches of its first word; the rest of the phrase stays
    /// unaligned, so an unspun phrase loses nothing.
    fn phrase_expansions(
        &self,
        c: &Canonizer,
        text: &str,
        all: &[Tok],
        i: usize,
        e: &mut Vec<u32>,
    ) {
        let lex = self.lex;
        let Some(first) = all[i].lex_id else {
            return;
        };
        if lex.flags(first) & unspin_core::lexicon::FLAG_PREFIX == 0 {
            return;
        }
        let mut norm = String::new();
        let words: Vec<String> = all[i..all.len().min(i + unspin_core::MAX_PHRASE)]
            .iter()
            .map(|t| {
                normalize_word(&text[t.start as usize..t.end as usize], &mut norm);
                norm.clone()
            })
            .collect();
        let before = e.len();
        for len in (2..=words.len()).rev() {
            let phrase = words[..len].join(" ");
            let Some(p) = lex.find(&phrase) else {
                continue;
            };
            for cand in lex.synonyms(p) {
                let entry = c.phrase_entry(cand.original);
                if entry & (STOP_BIT | PHRASE_BIT) == 0 {
                    e.push(entry & ID_MASK);
                }
            }
            break;
        }
        if e.len() > before {
            e.sort_unstable();
            e.dedup();
        }
    }

    /// The canonical ids of document `d`'s stored tokens.
    fn source_ids(&self, d: usize) -> Vec<u32> {
        self.idx
            .doc_tokens(d)
            .map(|v| self.idx.word_meta(v).1 & ID_MASK)
            .collect()
    }

    /// The plausible sources of `text`, best first.
    pub fn trace(&self, text: &str) -> Traced {
        let s = self.idx.settings();
        let q = self.prepare(text);
        let ids: Vec<u32> = q.all.iter().map(|t| t.canon).collect();
        let keys = band_keys(&s.lsh, &ids);
        let mut hits: FastMap<u32, u32> = FastMap::default();
        for (b, &k) in keys.iter().enumerate() {
            self.idx
                .band_lookup(b, k, BUCKET_CAP, |d| *hits.entry(d).or_default() += 1);
        }
        let mut cands: Vec<(u32, u32)> = hits.into_iter().collect();
        // Most shared bands first: an estimate of shingle similarity.
        cands.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let half = if s.method == Method::Unspin {
            self.opts.max_candidates.div_ceil(2)
        } else {
            self.opts.max_candidates
        };
        cands.truncate(half);
        let mut cands: Vec<u32> = cands.into_iter().map(|c| c.0).collect();
        if s.method == Method::Unspin {
            // The second signal: documents that hold several of the query's words among their
            // rarest. Heavy spinning breaks most shingles but leaves names, numbers and rare
            // words alone.
            let mut distinct: Vec<u32> = q.content.iter().map(|&i| q.all[i].canon).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let mut votes: FastMap<u32, u32> = FastMap::default();
            for &c in &distinct {
                self.idx
                    .rare_lookup(c, BUCKET_CAP, |d| *votes.entry(d).or_default() += 1);
            }
            let mut by_votes: Vec<(u32, u32)> = votes
                .into_iter()
                .filter(|&(d, v)| v >= 2 && !cands.contains(&d))
                .collect();
            by_votes.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let room = self.opts.max_candidates.saturating_sub(cands.len());
            cands.extend(by_votes.into_iter().take(room).map(|c| c.0));
        }
        let matcher = Matcher::new(&q.matchable);
        let ncands = cands.len();
        // (similarity, ranking key, document, its tokens, the alignment)
        let mut scored: Vec<(f64, f64, usize, Vec<u32>, Alignment)> = Vec::new();
        match s.method {
            Method::Unspin => {
                // Branch and bound: the number of source tokens the query could match at all
                // bounds the alignment, so candidates whose bound cannot reach the threshold or
                // the best so far skip the quadratic alignment.
                let n = q.content.len();
                let mut bounded: Vec<(Fit, usize, Vec<u32>)> = cands
                    .iter()
                    .map(|&d| {
                        let src = self.source_ids(d as usize);
                        let cap = Alignment::fit_cap(matcher.bag_bound(&src), n, src.len());
                        (cap, d as usize, src)
                    })
                    .collect();
                bounded.sort_by(|a, b| {
                    b.0.similarity
                        .total_cmp(&a.0.similarity)
                        .then(a.1.cmp(&b.1))
                });
                let mut best: Vec<f64> = Vec::new(); // the top ranking keys so far, descending
                for (k, (cap, d, src)) in bounded.into_iter().enumerate() {
                    // The similarity caps only fall from here on; the ranking key adds at most
                    // TIGHTNESS to the query share, which is at most its cap. The first
                    // candidate is always aligned, for `best_similarity`.
                    if k > 0 && cap.similarity < self.min_similarity {
                        break;
                    }
                    let kth = best.get(self.opts.top - 1).copied().unwrap_or(-1.0);
                    if !best.is_empty() && cap.query_share + TIGHTNESS <= kth {
                        continue;
                    }
                    let mut a = matcher.align(&src);
                    let fit = a.tighten(n, src.len());
                    let key = rank_key(fit.query_share, a.pairs.len(), src.len());
                    // Only a source that will be shown can keep another out of the top.
                    if fit.similarity >= self.min_similarity {
                        let at = best.partition_point(|&x| x >= key);
                        best.insert(at, key);
                    }
                    scored.push((fit.similarity, key, d, src, a));
                }
            }
            Method::Plain => {
                for &d in &cands {
                    let src = self.source_ids(d as usize);
                    let sim = jaccard(&q.shingles, &shingles(s.lsh.shingle as usize, &src));
                    scored.push((sim, sim, d as usize, src, Alignment::default()));
                }
            }
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
        let best_similarity = scored.iter().map(|x| x.0).fold(0.0, f64::max);
        let matches = scored
            .into_iter()
            .filter(|x| x.0 >= self.min_similarity)
            .take(self.opts.top)
            .map(|(sim, _, d, src, a)| {
                let a = if s.method == Method::Plain {
                    matcher.align(&src)
                } else {
                    a
                };
                self.describe(text, &q, d, sim, &a)
            })
            .collect();
        Traced {
            matches,
            best_similarity,
            candidates: ncands,
        }
    }

    /// Turns an alignment into a [`Match`]: counts and evidence phrases.
    fn describe(&self, text: &str, q: &Query, d: usize, sim: f64, a: &Alignment) -> Match {
        let src: Vec<u32> = self.idx.doc_tokens(d).collect();
        let qtok = |i: usize| &q.all[q.content[i]];
        // Pieces: (query range, source range, is_synonym), merged when adjacent on both sides.
        let mut pieces: Vec<(usize, usize, usize, usize, bool)> = Vec::new();
        let mut changed = 0;
        let mut prev: Option<(usize, usize)> = None;
        for &(i, j) in &a.pairs {
            if let Some((pi, pj)) = prev {
                let (di, dj) = (i - pi - 1, j - pj - 1);
                // Unaligned words between two anchors line up with each other: a rewrite the
                // lexicon does not know, or a phrase swapped for a longer one.
                if (1..=3).contains(&di) && (1..=3).contains(&dj) {
                    pieces.push((pi + 1, i, pj + 1, j, false));
                }
            }
            if qtok(i).word != self.idx.word_meta(src[j]).0 {
                changed += 1;
                pieces.push((i, i + 1, j, j + 1, true));
            }
            prev = Some((i, j));
        }
        let mut merged: Vec<(usize, usize, usize, usize, bool)> = Vec::new();
        for p in pieces {
            match merged.last_mut() {
                // Word-for-word synonyms stay separate pairs; a rewrite absorbs its neighbours.
                Some(m) if m.1 == p.0 && m.3 == p.2 && !(m.4 && p.4) => {
                    m.1 = p.1;
                    m.3 = p.3;
                    m.4 &= p.4;
                }
                _ => merged.push(p),
            }
        }
        let evidence = merged
            .into_iter()
            .map(|(i0, i1, j0, j1, syn)| {
                let (start, end) = (qtok(i0).start as usize, qtok(i1 - 1).end as usize);
                let source: Vec<&str> = src[j0..j1].iter().map(|&v| self.idx.word(v)).collect();
                Evidence {
                    spun: text[start..end].to_string(),
                    source: source.join(" "),
                    start,
                    end,
                    kind: if syn { "synonym" } else { "rewrite" },
                }
            })
            .collect();
        Match {
            id: self.idx.doc_id(d).to_string(),
            similarity: sim,
            aligned: a.pairs.len(),
            changed,
            query_words: q.content.len(),
            source_words: src.len(),
            evidence,
            doc: d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{Builder, Settings};
    use crate::input::Doc;

    fn build(method: Method, docs: &[(&str, &str)]) -> (Index, unspin_core::Model) {
        let model = unspin_core::fixture::tiny_model();
        let mut b = Builder::new(
            Settings {
                method,
                ..Settings::default()
            },
            model.lexicon(),
            model.metadata(),
        );
        b.add(
            docs.iter()
                .map(|(id, t)| Doc {
                    id: id.to_string(),
                    text: t.to_string(),
                })
                .collect(),
            2,
        );
        // The directory is removed on return: the open index keeps its mapping of the unlinked
        // file, so nothing is left behind in the temporary directory.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("test.idx");
        b.write(&p).unwrap();
        (Index::open(&p).unwrap(), model)
    }

    const DOCS: &[(&str, &str)] = &[
        ("a", "The president said the stock market fell sharply on Monday after the company held a press conference."),
        ("b", "We apply deep learning to the data, and deep learning is used in this work."),
        ("c", "The minister said the plan will work and the economy is strong and the market is strong."),
    ];

    #[test]
    fn finds_spun_copy_with_evidence() {
        let (idx, model) = build(Method::Unspin, DOCS);
        let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
        let r = t.trace("The minister mentioned the plan will work and the economic system is sturdy and the market is sturdy.");
        assert_eq!(r.matches[0].id, "c");
        assert!(r.matches[0].similarity > 0.8, "{:?}", r.matches[0]);
        let ev: Vec<(&str, &str)> = r.matches[0]
            .evidence
            .iter()
            .map(|e| (e.spun.as_str(), e.source.as_str()))
            .collect();
        assert!(ev.contains(&("mentioned", "said")), "{ev:?}");
        assert!(ev.contains(&("sturdy", "strong")), "{ev:?}");
    }

    #[test]
    fn unrelated_query_has_no_match() {
        let (idx, model) = build(Method::Unspin, DOCS);
        let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
        let r = t.trace(
            "Zebras graze quietly beside the river while tourists photograph distant mountains.",
        );
        assert!(r.matches.is_empty(), "{:?}", r.matches);
        assert!(r.best_similarity < t.min_similarity());
    }

    /// A source of 60 content words, for excerpts and pages.
    const LONG: &str =
        "Farmers along the northern valley harvested record wheat crops this autumn, \
        while merchants in coastal towns reported brisk trade in wool, timber and salted fish. \
        The governor said new roads would link remote villages to busy markets before winter. \
        Engineers surveyed mountain passes, bridges over frozen rivers, and harbours where \
        steamships unload coal, iron, cotton and grain. Teachers opened schools in mining camps, \
        doctors built clinics near lumber mills, and bankers lent money to shipyards, breweries \
        and textile factories across the province.";

    #[test]
    fn finds_excerpts_and_copies_inside_pages() {
        let mut docs = DOCS.to_vec();
        docs.push(("long", LONG));
        let (idx, model) = build(Method::Unspin, &docs);
        let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
        // The middle third, spun ("said" as "mentioned").
        let words: Vec<&str> = LONG.split_whitespace().collect();
        let third = words.len() / 3;
        let excerpt = words[third..2 * third]
            .join(" ")
            .replace("said", "mentioned");
        let r = t.trace(&excerpt);
        assert_eq!(r.matches[0].id, "long", "{:?}", r.matches);
        assert!(r.matches[0].similarity > 0.8, "{:?}", r.matches[0]);
        // The whole text, spun, between two paragraphs of other words: the query is more than
        // twice as long as its source.
        let other = "Astronomers photographed comets, planets and distant galaxies through \
            telescopes perched above desert plateaus, cataloguing eclipses, meteors, nebulae, \
            pulsars, quasars and asteroids for observatories, universities and museums.";
        let page = format!(
            "{other} {other}\n\n{}\n\n{other} {other}",
            LONG.replace("said", "mentioned")
        );
        let r = t.trace(&page);
        assert_eq!(r.matches[0].id, "long", "{:?}", r.matches);
        assert!(r.matches[0].similarity > 0.8, "{:?}", r.matches[0]);
        assert!(r.matches[0].aligned < r.matches[0].query_words / 2);
        // The padding alone has no source.
        assert!(t.trace(&format!("{other} {other}")).matches.is_empty());
    }

    #[test]
    fn plain_method_finds_exact_copy() {
        let (idx, model) = build(Method::Plain, DOCS);
        let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
        let r = t.trace(DOCS[1].1);
        assert_eq!(r.matches[0].id, "b");
        assert!((r.matches[0].similarity - 1.0).abs() < 1e-9);
        assert!(r.matches[0].evidence.is_empty());
    }

    #[test]
    fn empty_query() {
        let (idx, model) = build(Method::Unspin, DOCS);
        let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
        assert!(t.trace("").matches.is_empty());
        assert!(t.trace("the of and").matches.is_empty());
    }
}
