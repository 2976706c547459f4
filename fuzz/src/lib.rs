//! Helpers shared by the fuzz targets (see `RELIABILITY.md` at the repository root):
//!
//! - seeds for the `cmu_lm` target: small, valid pocketsphinx trie LMs written by
//!   `unspin_core::test_support::SynthLm`, in the *compact* form the corpus keeps them in (the
//!   file without its 256 KiB quantization tables, which the target puts back, so that
//!   libFuzzer mutates the interesting bytes instead of a quarter megabyte of floats);
//! - the sections of two complete models, the fixture (`unspin_core::fixture`, tiny LM) and one
//!   built here on a synthetic CMU LM with LM ids and bigrams, for mutation section by section;
//! - the invariants every report must keep.

use std::collections::HashMap;
use std::sync::OnceLock;

use unspin_core::format::{Container, ContainerWriter};
use unspin_core::lexicon::{LexiconWriter, Src};
use unspin_core::report::apply_spans;
use unspin_core::{Bytes, Detector, Model, Report, Span, SpanKind};

// The bodies of the `http`, `jsonl` and `wet` targets: each file stands alone, and the tests of
// unspin-server and unspin-scan compile it by path. Left out of unspin-core's tests, which
// compile this file by path.
#[cfg(not(test))]
pub mod http;
#[cfg(not(test))]
pub mod io;

// ---------------------------------------------------------------------------------------------
// Synthetic CMU trie LMs: the writer lives in `unspin_core::test_support` (feature
// `test-support`), where unspin-core's own LM tests use it too.

pub use unspin_core::test_support::{splice_quant, strip_quant, SynthLm};

/// Seeds for the `cmu_lm` target, in compact form: orders 1, 2 and 3, with and without slack.
pub fn cmu_lm_seeds() -> Vec<(String, Vec<u8>)> {
    let sents = ["the cat sat", "the dog sat on the mat", "a cat ran"];
    let mut out = Vec::new();
    for order in 1..=3 {
        let mut s = SynthLm::train(order, &sents);
        out.push((format!("order{order}"), strip_quant(&s.build())));
        s.slack = [0, 0];
        out.push((format!("order{order}-noslack"), strip_quant(&s.build())));
    }
    let fix = SynthLm::train(3, unspin_core::fixture::SENTENCES);
    out.push(("fixture-order3".into(), strip_quant(&fix.build())));
    out
}

// ---------------------------------------------------------------------------------------------
// Complete models, as lists of sections.

/// Every section tag a model may hold.
pub const TAGS: [[u8; 8]; 17] = [
    *b"LEXSTRS\0",
    *b"LEXOFFS\0",
    *b"LEXFREQ\0",
    *b"LEXFLAG\0",
    *b"CANDOFF\0",
    *b"CANDIDS\0",
    *b"CANDPRI\0",
    *b"CANDSRC\0",
    *b"PHRLMOFF",
    *b"PHRLMIDS",
    *b"BIGRKEYS",
    *b"BIGRVALS",
    unspin_core::T_LM_CMU,
    unspin_core::T_LM_TINY,
    unspin_core::T_TORTURED,
    unspin_core::T_PARAMS,
    unspin_core::T_META,
];

/// A model's sections, in file order.
pub type Sections = Vec<([u8; 8], Vec<u8>)>;

/// The sections of a container's bytes (those with a known tag).
pub fn sections_of(bytes: Vec<u8>) -> Sections {
    let c = Container::parse(Bytes::from_vec(bytes)).expect("a valid container");
    TAGS.iter()
        .filter(|t| c.has(**t))
        .map(|t| (*t, c.section(*t).unwrap().to_vec()))
        .collect()
}

/// Serializes sections with a valid header and checksum. A repeated tag keeps its first copy
/// (the writer refuses duplicates).
pub fn build(sections: &Sections) -> Vec<u8> {
    let mut w = ContainerWriter::new();
    let mut seen: Vec<[u8; 8]> = Vec::new();
    for (tag, payload) in sections {
        if !seen.contains(tag) {
            seen.push(*tag);
            w.add(*tag, payload.clone());
        }
    }
    w.finish()
}

/// Rewrites the header of arbitrary bytes so that magic, version, length and checksum are
/// right: what is left to check is the section table and the sections.
pub fn fix_header(b: &mut [u8]) {
    if b.len() < 32 {
        return;
    }
    b[0..8].copy_from_slice(&unspin_core::format::MAGIC);
    b[8..12].copy_from_slice(&unspin_core::format::VERSION.to_le_bytes());
    let len = b.len() as u64;
    b[16..24].copy_from_slice(&len.to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&b[32..]);
    b[24..32].copy_from_slice(&sum.to_le_bytes());
}

/// The fixture model's sections.
pub fn fixture_sections() -> &'static Sections {
    static S: OnceLock<Sections> = OnceLock::new();
    S.get_or_init(|| sections_of(unspin_core::fixture::tiny_model_bytes()))
}

/// A model on a synthetic CMU trie LM trained on the fixture sentences, with every optional
/// section: LM ids per phrase (`PHRLMOFF`/`PHRLMIDS`) and bigram counts.
pub fn cmu_model_bytes() -> Vec<u8> {
    let lm = SynthLm::train(3, unspin_core::fixture::SENTENCES);
    let lm_bytes = lm.build();
    let ids: HashMap<String, u32> = lm
        .words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.clone(), i as u32))
        .collect();
    let mut lex = LexiconWriter::default();
    for s in unspin_core::fixture::SENTENCES {
        for w in s.split(' ') {
            lex.set_freq(w, -3.0);
        }
    }
    lex.set_freq("said", -2.5);
    for (s, o, p) in unspin_core::fixture::PAIRS {
        lex.set_freq(s, -4.0);
        lex.add_candidate(s, o, *p, Src::MOBY | Src::WORDNET);
    }
    lex.add_candidate("inventory market", "stock market", -0.5, Src::MINED);
    lex.add_candidate("press convention", "press conference", -0.5, Src::TORTURED);
    lex.add_bigram("stock", "market", 8.0);
    lex.add_bigram("the", "stock", 7.5);
    lex.add_bigram("press", "conference", 7.0);
    let mut c = ContainerWriter::new();
    lex.write_with_lm(&mut c, &|w| ids.get(w).copied());
    c.add(unspin_core::T_LM_CMU, lm_bytes);
    c.add(
        unspin_core::T_TORTURED,
        b"counterfeit consciousness\tartificial intelligence\nprofound learning\tdeep learning\n"
            .to_vec(),
    );
    c.add(unspin_core::T_PARAMS, b"min_words 5\n".to_vec());
    c.add(unspin_core::T_META, br#"{"fuzz":true}"#.to_vec());
    c.finish()
}

/// [`cmu_model_bytes`] as sections.
pub fn cmu_model_sections() -> &'static Sections {
    static S: OnceLock<Sections> = OnceLock::new();
    S.get_or_init(|| sections_of(cmu_model_bytes()))
}

/// Detectors on the fixture model and on the CMU-LM model.
pub fn detectors() -> &'static [Detector; 2] {
    static D: OnceLock<[Detector; 2]> = OnceLock::new();
    D.get_or_init(|| {
        [
            Detector::new(unspin_core::fixture::tiny_model()),
            Detector::new(
                Model::from_bytes(Bytes::from_vec(cmu_model_bytes())).expect("valid CMU model"),
            ),
        ]
    })
}

// ---------------------------------------------------------------------------------------------
// Invariants.

/// Whether two spans of the report overlap where one is spintax debris and the other a tortured
/// phrase inside it: bug B1 of RELIABILITY.md (`We apply {profound learning} to data.`).
/// With `UNSPIN_FUZZ_SKIP_KNOWN=1` the targets skip such inputs, so that a run can look past it.
pub fn known_overlap(r: &Report) -> bool {
    r.spans.windows(2).any(|w| {
        w[1].start < w[0].end
            && matches!(
                (w[0].kind, w[1].kind),
                (SpanKind::Artifact, SpanKind::Fingerprint)
                    | (SpanKind::Fingerprint, SpanKind::Artifact)
            )
    })
}

/// Whether known bugs are to be skipped (environment `UNSPIN_FUZZ_SKIP_KNOWN=1`).
pub fn skip_known() -> bool {
    static S: OnceLock<bool> = OnceLock::new();
    *S.get_or_init(|| std::env::var("UNSPIN_FUZZ_SKIP_KNOWN").as_deref() == Ok("1"))
}

/// Checks every promise a report makes about `text`; panics with the reason otherwise.
pub fn assert_report(text: &str, r: &Report) {
    assert!(
        (0.0..=1.0).contains(&r.score),
        "score {} outside [0, 1]",
        r.score
    );
    assert_spans(text, r);
}

/// Checks the spans of a report: in bounds, on char boundaries, in order, disjoint, with the
/// text they cover, and confidences in [0, 1].
pub fn assert_spans(text: &str, r: &Report) {
    let mut prev = 0;
    for s in &r.spans {
        assert!(
            s.start < s.end && s.end <= text.len(),
            "span {}..{} outside the text ({} bytes)",
            s.start,
            s.end,
            text.len()
        );
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "span {}..{} splits a character",
            s.start,
            s.end
        );
        assert!(
            s.start >= prev,
            "spans out of order or overlapping: {:?}",
            r.spans
        );
        assert_eq!(text[s.start..s.end], s.text, "span text");
        assert!(
            (0.0..=1.0).contains(&s.confidence),
            "confidence {}",
            s.confidence
        );
        prev = s.end;
    }
}

/// Runs `check` and `restore` on `text` and checks the report, that restoring with no
/// suggestion is the identity, and that `restore` applies exactly the reported spans. With
/// `skip_known`, a report showing a known bug ([`known_overlap`]) is not checked further.
pub fn check_text(det: &Detector, text: &str, skip_known: bool) {
    let r = det.check(text);
    if skip_known && known_overlap(&r) {
        return;
    }
    assert_report(text, &r);
    let none: Vec<Span> = r
        .spans
        .iter()
        .cloned()
        .map(|mut s| {
            s.suggestion = None;
            s
        })
        .collect();
    assert_eq!(
        apply_spans(text, &none),
        text,
        "restore without suggestions"
    );
    assert_eq!(
        det.restore(text),
        apply_spans(text, &r.spans),
        "restore == apply_spans(check)"
    );
}

// ---------------------------------------------------------------------------------------------
// The fuzz targets' bodies, here so that the test suite can replay inputs through them
// (`crates/unspin-core/tests/hostile.rs`).

/// The `engine` target: tokenizer and decoder on arbitrary text (invalid UTF-8 is decoded
/// lossily), with the fixture model and the CMU-LM model.
pub fn engine(data: &[u8], skip_known: bool) {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;
    let toks = unspin_core::tokenize::tokenize(text);
    let mut pos = 0usize;
    for t in &toks {
        let (s, e) = (t.start as usize, t.end as usize);
        assert!(s >= pos && s < e && e <= text.len(), "token {s}..{e}");
        assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
        assert!(
            text[pos..s].chars().all(char::is_whitespace),
            "only whitespace between tokens"
        );
        pos = e;
    }
    assert!(text[pos..].chars().all(char::is_whitespace));
    for det in detectors() {
        check_text(det, text, skip_known);
    }
}

/// Texts a model loaded by the `model_load` target must check and restore.
pub const PROBES: &[&str] = &[
    "The inventory market fell sharply on Monday. She mentioned the economic system is sturdy.",
    "We apply profound learning to the data; he stated at a press convention on monday.",
    "",
];

/// Applies a list of edits to a model's sections. Each edit is five bytes, `section`, `op`,
/// `offset` (u16 LE) and `n`, then `n` bytes of data; a section number one past the last adds
/// a section (tag chosen by the first data byte). Ops: replace the payload, overwrite bytes,
/// truncate, append, remove the section, xor bytes, set a u32, swap two u32s.
pub fn edit(mut secs: Sections, mut ops: &[u8]) -> Sections {
    while ops.len() >= 5 && !secs.is_empty() {
        let (sel, op, off, n) = (
            ops[0] as usize,
            ops[1],
            u16::from_le_bytes([ops[2], ops[3]]) as usize,
            ops[4] as usize,
        );
        let data = &ops[5..(5 + n).min(ops.len())];
        ops = &ops[(5 + n).min(ops.len())..];
        let i = sel % (secs.len() + 1);
        if i == secs.len() {
            let tag = TAGS[data.first().copied().unwrap_or(0) as usize % TAGS.len()];
            secs.push((tag, data.get(1..).unwrap_or(&[]).to_vec()));
            continue;
        }
        let p = &mut secs[i].1;
        let len = p.len();
        match op % 8 {
            0 => *p = data.to_vec(),
            1 if len > 0 => {
                for (k, &b) in data.iter().enumerate() {
                    p[(off + k) % len] = b;
                }
            }
            2 => p.truncate(off % (len + 1)),
            3 => p.extend_from_slice(data),
            4 => {
                secs.remove(i);
            }
            5 if len > 0 => {
                for (k, &b) in data.iter().enumerate() {
                    p[(off + k) % len] ^= b;
                }
            }
            6 if len >= 4 => {
                // A u32 (an offset, an id, a count) set to a chosen value.
                let at = (off % (len / 4)) * 4;
                let mut v = [0u8; 4];
                for (k, &b) in data.iter().take(4).enumerate() {
                    v[k] = b;
                }
                p[at..at + 4].copy_from_slice(&v);
            }
            7 if len >= 8 => {
                // Two u32s swapped: breaks the order of sorted tables.
                let words = len / 4;
                let a = (off % words) * 4;
                let b = (data.first().copied().unwrap_or(1) as usize % words) * 4;
                for k in 0..4 {
                    p.swap(a + k, b + k);
                }
            }
            _ => {}
        }
    }
    secs
}

/// The model file the `model_load` target makes of its input (see the target).
pub fn model_load_bytes(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    match mode % 5 {
        0 => rest.to_vec(),
        1 => {
            let mut b = rest.to_vec();
            fix_header(&mut b);
            b
        }
        2 => {
            let flags = rest.first().copied().unwrap_or(0);
            let full = if flags & 1 == 1 {
                build(cmu_model_sections())
            } else {
                build(fixture_sections())
            };
            let cut = rest
                .get(1..5)
                .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                % (full.len() + 1);
            let mut b = full[..cut].to_vec();
            if flags & 2 == 2 {
                fix_header(&mut b);
            }
            b
        }
        k => {
            let base = if k == 3 {
                fixture_sections()
            } else {
                cmu_model_sections()
            };
            build(&edit(base.clone(), rest))
        }
    }
}

/// The `model_load` target: loading gives an error or a model, and a model that loads checks
/// and restores [`PROBES`] keeping every promise of a report (a score and confidences in
/// [0, 1], never NaN: the loader refuses non-finite numbers). `skip_known` as in
/// [`check_text`].
pub fn model_load(data: &[u8], skip_known: bool) -> Option<Model> {
    let model = Model::from_bytes(Bytes::from_vec(model_load_bytes(data))).ok()?;
    let det = Detector::new(model.clone());
    for p in PROBES {
        check_text(&det, p, skip_known);
    }
    Some(model)
}

/// The `cmu_lm` target: a compact trie file ([`splice_quant`]) parses to an error or to a model
/// whose queries, look-ups and ARPA export all run.
pub fn cmu_lm(data: &[u8]) {
    use unspin_core::lm::{CmuLm, NONE};
    let Ok(lm) = CmuLm::parse(Bytes::from_vec(splice_quant(data))) else {
        return;
    };
    let v = lm.vocab_size() as u32 + 2;
    let id = |b: u8| if b == 0xff { NONE } else { b as u32 % v };
    for c in data.chunks_exact(3).take(64) {
        let _ = lm.log10_prob3(id(c[0]), id(c[1]), id(c[2]));
        let _ = lm.log10_prob(&[id(c[0]), id(c[1]), id(c[2])], id(c[0] ^ c[2]));
        let w = lm.word(id(c[1])).to_string();
        if let Some(i) = lm.word_id(&w) {
            assert_eq!(lm.word(i), w, "word_id and word disagree");
        }
    }
    let _ = lm.word_id("<s>");
    let _ = lm.write_arpa(&mut std::io::sink());
}

// ---------------------------------------------------------------------------------------------
// Seed corpora.

/// Texts for the `engine` target: the fixture's sentences, spun ones, spintax, fingerprints and
/// hostile Unicode.
pub const ENGINE_SEEDS: &[(&str, &str)] = &[
    ("clean", "The stock market fell sharply on Monday.\n\nThe president said the economy is strong."),
    ("spun", "He mentioned at a press convention on Monday that the inventory market fell."),
    ("spun2", "The minister stated the plan will work. The economic system is sturdy."),
    ("spintax", "We apply {profound learning|deep learning} to {the|a} data. {word} {a|b"),
    ("fingerprint", "Counterfeit consciousness and profound learning, profound - learning."),
    ("case", "SHE MENTIONED THE INVENTORY MARKET FELL! She Mentioned Bob Inventory."),
    ("unicode", "cafe\u{301} na\u{ef}ve \u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{645}\u{631}\u{62d}\u{628}\u{627} \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} inventory\u{2019}s market\u{202e}fell\u{202c}"),
    ("nul", "the inventory\0market fell\0\0 on monday\u{feff}."),
    ("numbers", "In 1945, 10,000 stated 1.5% of the inventory market's value."),
    ("apostrophes", "the dogs' inventory isn't 'stated' \u{2018}mentioned\u{2019} o'"),
];

/// Writes the seed corpora under `corpus/` (run `cargo test --lib -- --ignored` in `fuzz/`).
#[cfg(test)]
mod seeds {
    use super::*;
    use std::path::PathBuf;

    fn write(target: &str, name: &str, bytes: &[u8]) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }

    #[test]
    fn models_are_valid() {
        assert!(Model::from_bytes(Bytes::from_vec(cmu_model_bytes())).is_ok());
        for (_, compact) in cmu_lm_seeds() {
            let lm = unspin_core::lm::CmuLm::parse(Bytes::from_vec(splice_quant(&compact)));
            assert!(lm.is_ok(), "{lm:?}");
        }
        let det = &detectors()[1];
        let r = det.check("He mentioned the inventory market fell sharply on Monday.");
        assert!(!r.spans.is_empty(), "{r:?}");
    }

    #[test]
    #[ignore = "writes the seed corpora"]
    fn write_seeds() {
        // This file is also compiled into unspin-core's tests, which must not write here.
        if env!("CARGO_PKG_NAME") != "unspin-fuzz" {
            return;
        }
        for (name, text) in ENGINE_SEEDS {
            write("engine", name, text.as_bytes());
        }
        for (name, compact) in cmu_lm_seeds() {
            write("cmu_lm", &name, &compact);
        }
        // model_load: one seed per mode.
        let fixture = unspin_core::fixture::tiny_model_bytes();
        let mut raw = vec![0u8];
        raw.extend_from_slice(&fixture);
        write("model_load", "raw-fixture", &raw);
        let mut fixed = vec![1u8];
        fixed.extend_from_slice(&fixture[..200.min(fixture.len())]);
        write("model_load", "fixed-header-prefix", &fixed);
        write("model_load", "cut-fixture", &[2, 0, 0x40, 0, 0, 0]);
        write("model_load", "cut-cmu-fixed", &[2, 3, 0x40, 0x10, 0, 0]);
        // Edits: (section, op, offset lo, offset hi, n, data...). Fixture sections: 0 LEXSTRS ..
        // 10 LMTINY, 11 TORTURED, 12 PARAMS, 13 METADATA; CMU model: 8 PHRLMOFF, 9 PHRLMIDS,
        // 12 LMCMU.
        write("model_load", "fixture-noop", &[3]);
        write("model_load", "cmu-noop", &[4]);
        write(
            "model_load",
            "fixture-set-u32",
            &[3, 1, 6, 4, 0, 4, 0xff, 0xff, 0, 0],
        );
        write("model_load", "fixture-truncate", &[3, 0, 2, 3, 0, 0]);
        write(
            "model_load",
            "fixture-params",
            &[
                3, 12, 0, 0, 0, 9, b'b', b'e', b'a', b'm', b' ', b'1', b'e', b'9', b'\n',
            ],
        );
        write(
            "model_load",
            "cmu-lm-xor",
            &[4, 12, 5, 0x10, 0x00, 2, 0x80, 0x01],
        );
        write(
            "model_load",
            "cmu-lmids",
            &[4, 9, 6, 1, 0, 4, 0x40, 0, 0, 0],
        );
        write(
            "model_load",
            "fixture-tortured",
            &[3, 11, 0, 0, 0, 6, b'a', b'|', b'\t', b'b', b'\n', b'\t'],
        );
    }
}
