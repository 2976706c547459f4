//! Hostile input and faults (issue 7): the model loader and the engine.
//!
//! - **Model integrity**: magic, version, length and checksum are verified on every load; every
//!   truncation is an error; corrupt sections inside a container with a valid checksum are
//!   errors, never panics; models that do load keep every promise of a report.
//! - **Pathological text**: empty and whitespace-only documents, NUL and control bytes, binary
//!   data, combining marks, right-to-left text, emoji, words of 100,000 characters, large
//!   documents: a valid result in bounded time.
//! - **Fuzz regressions**: every file under `fuzz/corpus/` and `fuzz/regressions/` replayed
//!   through the fuzz targets' own bodies.
//!
//! Fixed bugs keep their tests as regressions; RELIABILITY.md lists each with its fix.
//! Figures (load time, throughput) are printed: run with `-- --nocapture` to see them.

#[allow(dead_code)]
#[path = "../../../fuzz/src/lib.rs"]
mod fuzzlib;

use fuzzlib::{build, check_text, fix_header, Sections};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use unspin_core::format::{Container, ContainerWriter, VERSION};
use unspin_core::lexicon::{LexiconWriter, Src};
use unspin_core::params::Params;
use unspin_core::{fixture, Bytes, Detector, Error, Model, Verdict};

fn load(bytes: Vec<u8>) -> Result<Model, Error> {
    Model::from_bytes(Bytes::from_vec(bytes))
}

fn fixture_bytes() -> Vec<u8> {
    fixture::tiny_model_bytes()
}

/// xorshift64*: reproducible, no RNG crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 32) as usize) % n.max(1)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Both detectors of the fuzz targets: the fixture (tiny LM) and a model on a synthetic CMU
/// trie LM with LM ids and bigrams.
fn detectors() -> &'static [Detector; 2] {
    fuzzlib::detectors()
}

// =============================================================================================
// Model integrity: magic, version, length, checksum.

#[test]
fn bad_magic_is_refused() {
    let good = fixture_bytes();
    let mut cases = vec![Vec::new(), b"UNSPINM".to_vec(), good[..31].to_vec()];
    for i in 0..8 {
        let mut b = good.clone();
        b[i] ^= 0x20;
        cases.push(b);
    }
    cases.push(b"PK\x03\x04 a zip file, not a model at all, long enough".to_vec());
    for b in cases {
        let e = load(b).unwrap_err();
        assert!(matches!(e, Error::BadMagic), "{e:?}");
        assert!(e.to_string().contains("not an unspin model"), "{e}");
    }
}

#[test]
fn version_mismatch_names_the_needed_version() {
    for found in [0u32, VERSION + 1, 99, u32::MAX] {
        let mut b = fixture_bytes();
        b[8..12].copy_from_slice(&found.to_le_bytes());
        let e = load(b).unwrap_err();
        assert!(
            matches!(e, Error::Version { found: f, needed } if f == found && needed == VERSION),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("needs version {VERSION}")),
            "the message names the version needed: {msg}"
        );
        assert!(
            msg.contains(&format!("version {found}")),
            "and the one found: {msg}"
        );
        assert!(msg.contains("scripts/setup.sh"), "and what to do: {msg}");
    }
}

#[test]
fn version_is_checked_before_the_checksum() {
    // A future format may hash differently: the version message must win.
    let mut b = fixture_bytes();
    b[8..12].copy_from_slice(&(VERSION + 1).to_le_bytes());
    *b.last_mut().unwrap() ^= 1;
    assert!(matches!(load(b).unwrap_err(), Error::Version { .. }));
}

#[test]
fn checksum_covers_the_table_and_every_section() {
    let good = fixture_bytes();
    // Every byte after the header, one at a time (the fixture is a few KB).
    for i in 32..good.len() {
        let mut b = good.clone();
        b[i] ^= 0x01;
        match load(b) {
            Err(Error::Checksum { stored, computed }) => assert_ne!(stored, computed),
            other => panic!("byte {i} flipped: {other:?}"),
        }
    }
    // The stored checksum itself.
    let mut b = good.clone();
    b[24] ^= 0x80;
    let e = load(b).unwrap_err();
    assert!(matches!(e, Error::Checksum { .. }), "{e:?}");
    assert!(e.to_string().contains("checksum mismatch"), "{e}");
}

#[test]
fn checksum_error_wins_when_a_large_model_is_hashed_meanwhile() {
    // Past 16 MB the checksum is computed on a second thread while the sections are read: a
    // flipped byte must still be reported as the checksum's error, whatever the readers make
    // of it, in the section table, in a text section or in the padding.
    let pad = vec![0u8; 17 << 20];
    let good = fixture::tiny_model_bytes_with(&[(*b"PADDING\0", &pad)]);
    assert!(load(good.clone()).is_ok());
    let tortured = good
        .windows(9)
        .position(|w| w == b"profound ")
        .expect("the fixture's tortured phrases");
    for i in [33, 40, 60, tortured, tortured + 8, good.len() - 1] {
        let mut b = good.clone();
        b[i] ^= 0x01;
        let e = load(b).unwrap_err();
        assert!(
            matches!(e, Error::Checksum { .. }),
            "byte {i} flipped: {e:?}"
        );
    }
}

#[test]
fn length_is_checked() {
    let good = fixture_bytes();
    let mut padded = good.clone();
    padded.push(0);
    let mut padded8 = good.clone();
    padded8.extend_from_slice(&[0; 8]);
    for b in [padded, padded8, good[..good.len() - 1].to_vec()] {
        let e = load(b).unwrap_err();
        assert!(e.to_string().contains("truncated or padded"), "{e}");
    }
}

#[test]
fn every_truncation_is_an_error() {
    for full in [fixture_bytes(), fuzzlib::cmu_model_bytes()] {
        // Every prefix of the fixture; for the larger CMU model the first 4 KiB and a sample.
        let step = if full.len() > 100_000 { 997 } else { 1 };
        let lens = (0..full.len().min(4096)).chain((4096..full.len()).step_by(step));
        for n in lens {
            let mut b = full[..n].to_vec();
            assert!(load(b.clone()).is_err(), "prefix of {n} bytes loaded");
            // With the header made consistent again (length and checksum), the section table
            // points past the end: still an error, never a panic.
            fix_header(&mut b);
            assert!(
                load(b).is_err(),
                "prefix of {n} bytes, fixed header, loaded"
            );
        }
    }
}

// =============================================================================================
// Corrupt sections inside a container with a valid checksum.

fn set(secs: &mut Sections, tag: [u8; 8], payload: Vec<u8>) {
    match secs.iter_mut().find(|(t, _)| *t == tag) {
        Some(s) => s.1 = payload,
        None => secs.push((tag, payload)),
    }
}

fn get(secs: &Sections, tag: [u8; 8]) -> Vec<u8> {
    secs.iter().find(|(t, _)| *t == tag).unwrap().1.clone()
}

fn without(secs: &Sections, tag: [u8; 8]) -> Sections {
    secs.iter().filter(|(t, _)| *t != tag).cloned().collect()
}

fn put_u32(b: &mut [u8], i: usize, v: u32) {
    b[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap())
}

/// A lexicon whose phrases have multi-byte characters, on the fixture's LM.
fn unicode_sections() -> Sections {
    let mut lex = LexiconWriter::default();
    lex.add_candidate("café", "coffee", -1.0, Src::MOBY);
    lex.add_candidate("naïve", "simple", -1.0, Src::MOBY);
    let mut c = ContainerWriter::new();
    lex.write(&mut c);
    let tiny = get(fuzzlib::fixture_sections(), unspin_core::T_LM_TINY);
    c.add(unspin_core::T_LM_TINY, tiny);
    fuzzlib::sections_of(c.finish())
}

#[test]
fn corrupt_sections_are_errors_that_say_what_is_wrong() {
    let fx = fuzzlib::fixture_sections().clone();
    let cmu = fuzzlib::cmu_model_sections().clone();
    let uni = unicode_sections();
    let t = |s: &[u8; 8]| *s;
    type Case = (&'static str, Sections, &'static str);
    let mut cases: Vec<Case> = Vec::new();
    let mut add = |name, secs, want| cases.push((name, secs, want));

    // The string table and its offsets.
    let mut s = fx.clone();
    let mut offs = get(&s, t(b"LEXOFFS\0"));
    offs.pop();
    set(&mut s, t(b"LEXOFFS\0"), offs);
    add("offsets not a multiple of 4", s, "bad offset table");
    let mut s = fx.clone();
    set(&mut s, t(b"LEXOFFS\0"), Vec::new());
    add("empty offset table", s, "bad offset table");
    let mut s = fx.clone();
    let mut offs = get(&s, t(b"LEXOFFS\0"));
    let (a, b) = (u32_at(&offs, 3), u32_at(&offs, 4));
    put_u32(&mut offs, 3, b);
    put_u32(&mut offs, 4, a);
    set(&mut s, t(b"LEXOFFS\0"), offs);
    add(
        "string offsets out of order",
        s,
        "string offsets out of order",
    );
    let mut s = fx.clone();
    let mut offs = get(&s, t(b"LEXOFFS\0"));
    let last = offs.len() / 4 - 1;
    put_u32(&mut offs, last, u32::MAX);
    set(&mut s, t(b"LEXOFFS\0"), offs);
    add(
        "string offset past the table",
        s,
        "string offsets out of order",
    );
    let mut s = fx.clone();
    let mut strs = get(&s, t(b"LEXSTRS\0"));
    strs[0] = 0xff;
    set(&mut s, t(b"LEXSTRS\0"), strs);
    add("strings not UTF-8", s, "not UTF-8");
    let mut s = uni.clone();
    let mut offs = get(&s, t(b"LEXOFFS\0"));
    // Phrases sort as "café", "coffee", "naïve", "simple": move the end of "café" into "é".
    let inside = u32_at(&offs, 1) - 1;
    put_u32(&mut offs, 1, inside);
    set(&mut s, t(b"LEXOFFS\0"), offs);
    add(
        "phrase boundary inside a character",
        s,
        "splits a character",
    );

    // Per-phrase arrays of the wrong size.
    for tag in [b"LEXFREQ\0", b"LEXFLAG\0", b"CANDOFF\0"] {
        let mut s = fx.clone();
        let mut p = get(&s, *tag);
        p.truncate(p.len() - 1);
        set(&mut s, *tag, p);
        add(
            "a per-phrase array one byte short",
            s,
            "section sizes disagree",
        );
        let mut s = fx.clone();
        let mut p = get(&s, *tag);
        p.extend_from_slice(&[0; 4]);
        set(&mut s, *tag, p);
        add("a per-phrase array too long", s, "section sizes disagree");
    }
    // Candidates.
    for tag in [b"CANDPRI\0", b"CANDSRC\0"] {
        let mut s = fx.clone();
        let mut p = get(&s, *tag);
        p.pop();
        set(&mut s, *tag, p);
        add(
            "candidate arrays disagree",
            s,
            "candidate sections disagree",
        );
    }
    let mut s = fx.clone();
    let mut p = get(&s, t(b"CANDIDS\0"));
    p.pop();
    set(&mut s, t(b"CANDIDS\0"), p);
    add(
        "candidate ids not a multiple of 4",
        s,
        "candidate sections disagree",
    );
    let mut s = fx.clone();
    let mut coff = get(&s, t(b"CANDOFF\0"));
    let n = coff.len() / 4;
    put_u32(&mut coff, n / 2, u32::MAX);
    set(&mut s, t(b"CANDOFF\0"), coff);
    add(
        "candidate offsets out of order",
        s,
        "candidate offsets out of order",
    );
    let mut s = fx.clone();
    let phrases = get(&s, t(b"LEXFLAG\0")).len() as u32;
    let mut ids = get(&s, t(b"CANDIDS\0"));
    put_u32(&mut ids, 0, phrases);
    set(&mut s, t(b"CANDIDS\0"), ids);
    add("candidate id out of range", s, "candidate id out of range");
    // Bigrams.
    let mut s = cmu.clone();
    let mut v = get(&s, t(b"BIGRVALS"));
    v.pop();
    set(&mut s, t(b"BIGRVALS"), v);
    add("bigram values short", s, "bigram sections disagree");
    let mut s = cmu.clone();
    let mut k = get(&s, t(b"BIGRKEYS"));
    k.extend_from_slice(&[1, 2, 3, 4]);
    set(&mut s, t(b"BIGRKEYS"), k);
    add(
        "bigram keys not a multiple of 8",
        s,
        "bigram sections disagree",
    );
    // LM ids per phrase.
    add(
        "LM offsets without LM ids",
        without(&cmu, t(b"PHRLMIDS")),
        "one LM id section without the other",
    );
    add(
        "LM ids without LM offsets",
        without(&cmu, t(b"PHRLMOFF")),
        "one LM id section without the other",
    );
    let mut s = cmu.clone();
    let mut lo = get(&s, t(b"PHRLMOFF"));
    lo.truncate(lo.len() - 4);
    set(&mut s, t(b"PHRLMOFF"), lo);
    add("LM offsets short", s, "LM id sections disagree");
    let mut s = cmu.clone();
    let mut lo = get(&s, t(b"PHRLMOFF"));
    put_u32(&mut lo, 2, u32::MAX);
    set(&mut s, t(b"PHRLMOFF"), lo);
    add("LM offsets out of order", s, "LM id offsets out of order");
    // Missing sections.
    for tag in [b"LEXSTRS\0", b"LEXOFFS\0", b"CANDIDS\0", b"CANDSRC\0"] {
        add(
            "a lexicon section missing",
            without(&fx, *tag),
            "missing section",
        );
    }
    add(
        "no language model at all",
        without(&fx, unspin_core::T_LM_TINY),
        "missing section LMTINY",
    );
    // Language models.
    let mut s = fx.clone();
    let mut lm = get(&s, unspin_core::T_LM_TINY);
    lm.truncate(lm.len() / 2);
    set(&mut s, unspin_core::T_LM_TINY, lm);
    add("tiny LM cut in half", s, "tiny LM section is malformed");
    let mut s = fx.clone();
    let mut lm = get(&s, unspin_core::T_LM_TINY);
    lm[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    set(&mut s, unspin_core::T_LM_TINY, lm);
    add(
        "tiny LM with 4 billion words",
        s,
        "tiny LM section is malformed",
    );
    let mut s = cmu.clone();
    let mut lm = get(&s, unspin_core::T_LM_CMU);
    lm.truncate(lm.len() - 3);
    set(&mut s, unspin_core::T_LM_CMU, lm);
    add("CMU LM cut short", s, "language model:");
    let mut s = cmu.clone();
    set(
        &mut s,
        unspin_core::T_LM_CMU,
        b"Darpa Trigram LM, not a trie at all".to_vec(),
    );
    add("CMU LM of another format", s, "Trie Language Model");
    // Text sections.
    let mut s = fx.clone();
    set(
        &mut s,
        unspin_core::T_TORTURED,
        b"caf\xe9\tcoffee\n".to_vec(),
    );
    add("fingerprints not UTF-8", s, "not UTF-8");
    let mut s = fx.clone();
    set(&mut s, unspin_core::T_META, b"{\"a\":\xff}".to_vec());
    add("metadata not UTF-8", s, "not UTF-8");
    for (params, want) in [
        ("apply x\n", "bad value"),
        ("apply\n", "has no value"),
        ("no_such_param 1\n", "unknown parameter"),
    ] {
        let mut s = fx.clone();
        set(&mut s, unspin_core::T_PARAMS, params.as_bytes().to_vec());
        add("bad parameters", s, want);
    }

    let n = cases.len();
    for (name, secs, want) in cases {
        match load(build(&secs)) {
            Ok(_) => panic!("{name}: loaded"),
            Err(e) => assert!(
                e.to_string().contains(want),
                "{name}: expected {want:?} in {e}"
            ),
        }
    }
    eprintln!("{n} corrupt-section cases refused with the right message");
}

#[test]
fn corrupt_section_table_is_an_error() {
    let good = fixture_bytes();
    let count = u32::from_le_bytes(good[12..16].try_into().unwrap()) as usize;
    let mut cases: Vec<(Vec<u8>, &str)> = Vec::new();
    // Section count larger than the table can be: the table would run past the end.
    let mut b = good.clone();
    b[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    cases.push((b, "section table out of bounds"));
    for entry in [0, count / 2, count - 1] {
        let e = 32 + 24 * entry;
        // Offset past the end, length past the end, offset + length overflowing, offset inside
        // the header or the table itself.
        for (off, len) in [
            (good.len() as u64 + 8, 0u64),
            (32 + 24 * count as u64, good.len() as u64),
            (u64::MAX - 3, 8),
            (8, 8),
            (0, 1),
        ] {
            let mut b = good.clone();
            b[e + 8..e + 16].copy_from_slice(&off.to_le_bytes());
            b[e + 16..e + 24].copy_from_slice(&len.to_le_bytes());
            cases.push((b, "out of bounds"));
        }
    }
    for (mut b, want) in cases {
        fix_header(&mut b);
        let e = load(b).unwrap_err();
        assert!(e.to_string().contains(want), "expected {want:?}: {e}");
    }
}

/// The fuzz target's section edits, driven by a fixed random sequence: loading never panics,
/// and a model that loads keeps every promise of a report on the probe texts.
#[test]
fn hostile_composed_phrases_never_panic() {
    let mut rng = Rng(0xc0_4b05ed);
    let mut sections: Vec<Vec<u8>> = vec![
        b"\xff\xfe not utf-8\tat all\n".to_vec(),
        b"no tab here\n\t\n\tonly a correction\nonly a phrase\t\n".to_vec(),
        b"one\tword\nfive words in this phrase\tfive words in this one\n".to_vec(),
        b"a  b\tdouble space\n a\tleading space\nx y\r\n".to_vec(),
        "caf\u{e9} cr\u{e8}me\tcoffee cream\nprofound learning\tdeep thought\n"
            .as_bytes()
            .to_vec(),
        vec![b'\n'; 1000],
        [b"w ".repeat(50_000), b"\tlong\n".to_vec()].concat(),
    ];
    for _ in 0..40 {
        let words = [
            "a",
            "b",
            "the",
            "|",
            "#",
            "\t",
            "\n",
            " ",
            "\u{e9}",
            "caf\u{e9}",
        ];
        let n = rng.below(200);
        sections.push(
            (0..n)
                .flat_map(|_| words[rng.below(words.len())].bytes())
                .collect(),
        );
    }
    let texts = [
        "a b the a b. caf\u{e9} cr\u{e8}me, w w w w w w.",
        "We apply profound learning to Caf\u{e9} Cr\u{e8}me and one word.",
    ];
    for payload in &sections {
        let bytes = fixture::tiny_model_bytes_with(&[(unspin_core::T_COMPOSED, payload)]);
        match load(bytes) {
            Ok(model) => {
                let det = Detector::new(model);
                for t in texts {
                    let r = det.check(t);
                    assert!(r
                        .spans
                        .iter()
                        .all(|s| s.end <= t.len() && t.is_char_boundary(s.start)));
                    det.restore(t);
                }
            }
            Err(e) => assert!(e.to_string().contains("UTF-8"), "{e}"),
        }
    }
    // Listed and composed, the same phrase: the listed one is reported.
    let bytes = fixture::tiny_model_bytes_with(&[(
        unspin_core::T_COMPOSED,
        b"profound learning\tdeep thought\n",
    )]);
    let det = Detector::new(load(bytes).unwrap());
    assert_eq!(
        det.restore("We apply profound learning to the data."),
        "We apply deep learning to the data."
    );
}

#[test]
fn random_section_corruption_never_panics() {
    let mut rng = Rng(0x5eed_cafe);
    let (mut loaded, mut refused) = (0, 0);
    let t0 = Instant::now();
    for round in 0..1500 {
        let mut input = vec![3 + (round % 2) as u8];
        for _ in 0..1 + rng.below(4) {
            let n = rng.below(12);
            input.extend([
                rng.below(20) as u8,
                rng.below(8) as u8,
                rng.next() as u8,
                rng.below(4) as u8,
                n as u8,
            ]);
            input.extend(rng.bytes(n));
        }
        match fuzzlib::model_load(&input, true) {
            Some(_) => loaded += 1,
            None => refused += 1,
        }
    }
    eprintln!(
        "random section corruption: {loaded} loaded and checked, {refused} refused, in {:?}",
        t0.elapsed()
    );
    assert!(refused > 0 && loaded > 0);
}

/// Models whose parameters are not finite numbers load, and then score documents as NaN.
#[test]
fn non_finite_parameters_are_refused() {
    for bad in ["nan", "NaN", "inf", "-inf", "1e39"] {
        assert!(
            Params::parse(&format!("d_bias {bad}\n")).is_err(),
            "Params::parse accepted d_bias {bad}"
        );
        let mut p = Params::default();
        assert!(p.set("apply", bad.parse().unwrap()).is_err(), "set {bad}");
        let mut s = fuzzlib::fixture_sections().clone();
        set(
            &mut s,
            unspin_core::T_PARAMS,
            format!("d_bias {bad}\n").into_bytes(),
        );
        assert!(load(build(&s)).is_err(), "a model with d_bias {bad} loaded");
    }
}

/// B3, the same for the numbers inside the sections: NaN or infinite frequencies, priors,
/// bigram counts and LM probabilities used to load, and gave NaN scores and confidences (JSON
/// `null`). Found by the `model_load` fuzz target (`fuzz/regressions/model_load/b3-*`).
#[test]
fn non_finite_numbers_in_sections_are_refused() {
    let nan = f32::NAN.to_le_bytes();
    let inf = f32::INFINITY.to_le_bytes();
    // (what, the model, what the error must say: the section and the index).
    let mut cases: Vec<(&str, Sections, &str)> = Vec::new();
    for (tag, at, want) in [
        (*b"LEXFREQ\0", 0, "LEXFREQ[0] (a phrase frequency) is"),
        (*b"CANDPRI\0", 4, "CANDPRI[1] (a candidate prior) is"),
    ] {
        for v in [nan, inf] {
            let mut s = fuzzlib::fixture_sections().clone();
            let mut p = get(&s, tag);
            p[at..at + 4].copy_from_slice(&v);
            set(&mut s, tag, p);
            cases.push(("lexicon float", s, want));
        }
    }
    let mut s = fuzzlib::cmu_model_sections().clone();
    let mut p = get(&s, *b"BIGRVALS");
    p[0..4].copy_from_slice(&nan);
    set(&mut s, *b"BIGRVALS", p);
    cases.push(("bigram count", s, "BIGRVALS[0] (a bigram count) is NaN"));
    let mut s = fuzzlib::fixture_sections().clone();
    let mut p = get(&s, unspin_core::T_LM_TINY);
    p[8..12].copy_from_slice(&nan); // the unseen-word probability
    set(&mut s, unspin_core::T_LM_TINY, p);
    cases.push((
        "tiny LM unseen probability",
        s,
        "tiny LM section is malformed: the unseen-word probability is NaN",
    ));
    let mut s = fuzzlib::fixture_sections().clone();
    let mut p = get(&s, unspin_core::T_LM_TINY);
    let last = p.len() - 4;
    p[last..].copy_from_slice(&inf); // the last n-gram's probability
    set(&mut s, unspin_core::T_LM_TINY, p);
    cases.push((
        "tiny LM n-gram probability",
        s,
        "is inf, not a finite number",
    ));
    let mut s = fuzzlib::cmu_model_sections().clone();
    let mut p = get(&s, unspin_core::T_LM_CMU);
    let unigrams = 19 + 1 + 4 * 3 + 4 + 3 * 65536 * 4;
    p[unigrams + 12..unigrams + 16].copy_from_slice(&nan); // the prob of word 1, <s>
    p[unigrams + 24..unigrams + 28].copy_from_slice(&inf); // the prob of word 2
    set(&mut s, unspin_core::T_LM_CMU, p);
    cases.push((
        "CMU LM unigram probability",
        s,
        "language model: unigram 1 (\"<s>\"): probability NaN is not a finite number",
    ));
    let mut s = fuzzlib::cmu_model_sections().clone();
    let mut p = get(&s, unspin_core::T_LM_CMU);
    let table1 = 19 + 1 + 4 * 3 + 4 + 65536 * 4; // the bigram backoffs
    p[table1 + 8..table1 + 12].copy_from_slice(&f32::NEG_INFINITY.to_le_bytes());
    set(&mut s, unspin_core::T_LM_CMU, p);
    cases.push((
        "CMU LM quantization table",
        s,
        "quantization table 1 (2-gram backoffs), entry 2: -inf is not a finite number",
    ));
    let mut loaded = Vec::new();
    for (name, s, want) in cases {
        match load(build(&s)) {
            Ok(m) => {
                let r = Detector::new(m).check(fuzzlib::PROBES[1]);
                loaded.push(format!("{name} (score {})", r.score));
            }
            Err(e) => assert!(e.to_string().contains(want), "{name}: {want:?} not in {e}"),
        }
    }
    assert!(loaded.is_empty(), "loaded: {loaded:?}");
}

/// Non-finite and absurd parameters in a model never make loading, checking or restoring
/// panic, whether the model is refused or loads.
#[test]
fn non_finite_parameters_do_not_panic() {
    let mut s = fuzzlib::fixture_sections().clone();
    set(
        &mut s,
        unspin_core::T_PARAMS,
        b"d_bias nan\nbeam 1e30\nmax_candidates inf\nkeep_per_span -1\n".to_vec(),
    );
    if let Ok(m) = load(build(&s)) {
        let det = Detector::new(m);
        for p in fuzzlib::PROBES {
            let _ = det.restore(p);
        }
    }
}

// =============================================================================================
// The real model: loading time (a figure, not an assertion).

fn real_model_path() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default.unspin");
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var("UNSPIN_REQUIRE_DATA").as_deref() != Ok("1"),
        "UNSPIN_REQUIRE_DATA=1 but models/default.unspin is absent"
    );
    eprintln!("skipping: models/default.unspin is absent (run scripts/setup.sh)");
    None
}

/// Loads `models/default.unspin` five times from a memory map and from a vector and prints the
/// median. Debug builds of unspin-core are several times slower than release: the figure in
/// RELIABILITY.md comes from `cargo test --release -p unspin-core --test hostile real_model
/// -- --nocapture`.
#[test]
fn real_model_load_time() {
    let Some(path) = real_model_path() else {
        return;
    };
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut mapped = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let m = Model::open(&path).expect("the real model loads");
        mapped.push(t.elapsed());
        assert!(m.lexicon().len() > 100_000);
        // The shipped model scores changes with its trees (data/scorer.txt), not the fallback.
        assert!(
            m.forest().len() >= 10,
            "the real model has no change-scorer trees"
        );
    }
    let bytes = std::fs::read(&path).unwrap();
    let mut from_vec = Vec::new();
    for _ in 0..5 {
        let b = Bytes::from_vec(bytes.clone());
        let t = Instant::now();
        Model::from_bytes(b).unwrap();
        from_vec.push(t.elapsed());
    }
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    eprintln!(
        "real model ({} MB), {profile} build: Model::open median {:?}, Model::from_bytes median {:?} (budget 100 ms)",
        bytes.len() / 1_000_000,
        median(mapped),
        median(from_vec)
    );
    // Any corruption of the real file is caught too (a flipped byte in its LM section).
    let mut b = bytes;
    let mid = b.len() / 2;
    b[mid] ^= 1;
    assert!(matches!(load(b), Err(Error::Checksum { .. })));
}

// =============================================================================================
// Pathological text.

#[test]
fn empty_and_whitespace_only_documents() {
    let docs = [
        "",
        " ",
        "\n",
        "\r\n\r\n",
        "\t \t\n \x0b\x0c",
        "\u{a0}\u{2003}\u{3000}\u{2028}\u{2029}\u{85}",
        &" ".repeat(1 << 20),
        &"\n".repeat(100_000),
    ];
    for det in detectors() {
        for d in docs {
            let r = det.check(d);
            assert_eq!(
                (r.score, r.verdict, r.words, r.spans.len()),
                (0.0, Verdict::Unsure, 0, 0),
                "{:?}",
                &d[..d.len().min(20)]
            );
            assert_eq!(det.restore(d), d);
        }
    }
}

#[test]
fn nul_control_and_binary_bytes() {
    let mut docs: Vec<String> = vec![
        "\0".into(),
        "\0\0\0\0".into(),
        "the inventory\0market fell\0 on monday.".into(),
        "\x01\x02\x03\x1b[31mThe inventory market fell.\x1b[0m\x7f".into(),
        "\u{feff}The inventory market fell sharply on Monday.".into(),
        "\u{fffd}\u{fffd} \u{fffe}\u{ffff} \u{10ffff}".into(),
    ];
    // Random binary data, decoded as the CLI would refuse it and a library caller might
    // pass it (lossily).
    let mut rng = Rng(0xb1_0b);
    for n in [1, 7, 100, 4096, 1 << 16] {
        docs.push(String::from_utf8_lossy(&rng.bytes(n)).into_owned());
    }
    // Random valid UTF-8 from every plane.
    for _ in 0..20 {
        let s: String = (0..500)
            .filter_map(|_| char::from_u32(rng.below(0x11_0000) as u32))
            .collect();
        docs.push(s);
    }
    for det in detectors() {
        for d in &docs {
            check_text(det, d, false);
        }
    }
    // A NUL between words is punctuation, not a word: the spun words on either side are still
    // found.
    let d = "She mentioned the inventory market fell sharply on Monday.\0";
    let restored = detectors()[0].restore(d);
    assert!(restored.contains("stock market"), "{restored:?}");
    assert!(restored.ends_with('\0'));
}

#[test]
fn combining_marks_right_to_left_and_emoji() {
    let docs = [
        // Combining marks: on a Latin base, stacked (Zalgo), alone at the start, after digits.
        "cafe\u{301} na\u{308}ive re\u{301}sume\u{301}",
        "Z\u{36b}\u{343}\u{36a}\u{302}\u{36b}\u{33d}\u{34f}\u{334}\u{319}a\u{310}\u{30b}l\u{30e}g\u{30d}o the inventory market",
        "\u{301}\u{302}\u{303} inventory \u{301}market",
        "1\u{301}2\u{302} 3.\u{303}5",
        // Right-to-left scripts and bidi controls.
        "\u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{5e2}\u{5d5}\u{5dc}\u{5dd}. the inventory market fell.",
        "\u{627}\u{644}\u{633}\u{648}\u{642} \u{627}\u{644}\u{645}\u{627}\u{644}\u{64a}\u{629} \u{647}\u{628}\u{637}\u{62a}",
        "\u{202e}The inventory market fell sharply on Monday.\u{202c}",
        "\u{200f}\u{200e}\u{2067}mentioned\u{2069} \u{61c}stated\u{61c}",
        // Emoji: single, skin tones, ZWJ families, flags, keycaps, variation selectors.
        "The inventory market fell \u{1f4c9} sharply on Monday \u{1f631}.",
        "\u{1f468}\u{1f3fd}\u{200d}\u{1f469}\u{200d}\u{1f467}\u{200d}\u{1f466} \u{1f1eb}\u{1f1f7}\u{1f1e9}\u{1f1ea} 1\u{fe0f}\u{20e3} \u{2764}\u{fe0f}",
        "inventory\u{200d}market mentioned\u{fe0f} stated\u{20e3}",
        // Letters whose lowercase is longer or that change under case mapping.
        "\u{130}NVENTORY \u{130}stanbul STRASSE stra\u{df}e \u{1e9e} \u{3a3}\u{391}\u{3a3} \u{fb01}nance",
        // Apostrophes of every kind.
        "the inventory\u{2019}s market isn\u{2019}t \u{2018}stated\u{2019} o' 'tis",
    ];
    for det in detectors() {
        for d in docs {
            check_text(det, d, false);
        }
    }
    // Spun words next to emoji and bidi controls are still restored; the rest stays.
    for d in [docs[6], docs[8]] {
        let r = detectors()[0].restore(d);
        assert!(r.contains("stock market"), "{d:?} -> {r:?}");
        assert_eq!(r.replace("stock", "inventory"), d);
    }
}

#[test]
fn words_of_a_hundred_thousand_characters() {
    const N: usize = 100_000;
    let words = [
        "a".repeat(N),
        "\u{e9}".repeat(N),
        "e\u{301}".repeat(N / 2),
        "\u{4e2d}".repeat(N),
        "9".repeat(N),
        "a'".repeat(N / 2) + "a",
        "\u{430}".repeat(N),
        "a\u{430}".repeat(N / 2),
        "a\u{ad}".repeat(N / 2) + "a",
        "a&#39;".repeat(N / 6) + "a",
        "inventory".repeat(N / 9),
        "\u{1f600}".repeat(N),
    ];
    for det in detectors() {
        for w in &words {
            let t0 = Instant::now();
            let d = format!("She mentioned the inventory market {w} fell sharply on Monday. {w}");
            check_text(det, &d, false);
            let r = det.check(&d);
            // A long word is never part of a span: names and very long tokens are protected.
            for s in &r.spans {
                assert!(s.text.len() < 1000, "a span covers the long word");
            }
            let restored = det.restore(&d);
            assert_eq!(
                restored.matches(w.as_str()).count(),
                2,
                "the long word is kept"
            );
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{:?}: {:?}",
                &w[..8],
                t0.elapsed()
            );
        }
    }
}

/// A single-line document of about `mb` megabytes of spun prose (sentences, no newline).
fn spun_line(mb: usize) -> String {
    let para = "The minister stated the plan will work and the economic system is sturdy; \
                she mentioned the inventory market fell sharply on monday. ";
    para.repeat(mb * 1_000_000 / para.len() + 1)
}

/// A large single-line document through the engine: valid result, time and throughput
/// printed. 1 MB by default (`UNSPIN_HOSTILE_ENGINE_MB` sets it; debug builds are slow); the 100 MB figures come from the CLI test
/// `hostile::huge_single_line_document` with `UNSPIN_HOSTILE_MB=100` (RELIABILITY.md).
#[test]
fn large_single_line_document() {
    let mb = std::env::var("UNSPIN_HOSTILE_ENGINE_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let d = spun_line(mb);
    // And one sentence of the same size: no sentence breaks at all.
    let one = d.replace(['.', ';'], " ");
    for (name, d) in [("sentences", &d), ("one sentence", &one)] {
        let det = &detectors()[0];
        let t0 = Instant::now();
        let r = det.check(d);
        let el = t0.elapsed();
        eprintln!(
            "{mb} MB single line ({name}): {} words, {} spans, {:?} ({:.2} MB/s)",
            r.words,
            r.spans.len(),
            el,
            d.len() as f64 / 1e6 / el.as_secs_f64()
        );
        fuzzlib::assert_report(d, &r);
        assert!(r.spans.iter().any(|s| s.suggestion.is_some()));
    }
}

// =============================================================================================
// Regressions of fixed bugs (RELIABILITY.md, B1-B2).

/// B1: a tortured phrase inside spintax braces gave two overlapping spans, and `restore`
/// panicked (`apply_spans` sliced backwards). The artifact now owns its bytes.
#[test]
fn spintax_around_a_tortured_phrase() {
    for d in [
        "We apply {profound learning} to data.",
        "We apply {profound learning|deep learning} to data.",
        "{counterfeit consciousness}",
    ] {
        for det in detectors() {
            check_text(det, d, false);
        }
    }
}

/// Seconds to check `doc(n)` for n and 4n; panics if the time grows more than 8-fold (linear
/// work grows 4-fold; quadratic 16-fold).
fn assert_linear(what: &str, n: usize, doc: impl Fn(usize) -> String) {
    assert_linear_on(&detectors()[0], what, n, doc);
}

/// [`assert_linear`] with another detector.
fn assert_linear_on(det: &Detector, what: &str, n: usize, doc: impl Fn(usize) -> String) {
    let time = |k: usize| {
        let d = doc(k);
        let t = Instant::now();
        let r = det.check(&d);
        (t.elapsed(), r.spans.len())
    };
    let _ = time(n / 4); // warm up
    let (a, sa) = time(n);
    let (b, sb) = time(4 * n);
    let ratio = b.as_secs_f64() / a.as_secs_f64().max(1e-6);
    eprintln!("{what}: n={n}: {a:?} ({sa} spans), 4n: {b:?} ({sb} spans), ratio {ratio:.1}");
    assert!(
        ratio < 8.0,
        "{what}: time grows {ratio:.1}-fold for 4x input"
    );
}

/// B2: every spintax artifact searched all tokens from the end for the word before it, so a
/// document of n artifacts took O(n²).
#[test]
fn many_spintax_artifacts_take_linear_time() {
    assert_linear("spintax", 4000, |n| "{a} ".repeat(n));
}

/// Backticks that close nothing: each opening run looked along the rest of its line for a
/// closing one, so a line of n of them took O(n²).
#[test]
fn many_backticks_take_linear_time() {
    assert_linear("backticks", 20000, |n| "`a ``b ".repeat(n));
}

/// Spun surnames: each one found makes every other capitalised use of its word a span too, which
/// must not look through the spans found for every word.
#[test]
fn many_spun_surnames_take_linear_time() {
    let names = b"strong\t0\t500\ntom\t154\t0\n";
    let bytes = fixture::tiny_model_bytes_with(&[(unspin_core::T_NAMES, names)]);
    let det = Detector::new(load(bytes).unwrap());
    assert_linear_on(&det, "spun surnames", 2000, |n| {
        "Tom Sturdy said the market fell, and Sturdy won. ".repeat(n)
    });
}

/// B2b: every lexicon look-up checked every artifact and fingerprint span (`taken`), so
/// documents with many of both took quadratic time.
#[test]
fn many_fingerprints_take_linear_time() {
    assert_linear("fingerprints", 4000, |n| {
        "profound learning inventory market; ".repeat(n)
    });
}

// =============================================================================================
// Fuzz corpora and regressions, replayed.

fn fuzz_files(target: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for dir in ["corpus", "regressions"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) {
            out.extend(rd.filter_map(|e| e.ok()).map(|e| e.path()));
        }
    }
    out.sort();
    out
}

#[test]
fn fuzz_corpora_replay() {
    let mut n = 0;
    for f in fuzz_files("engine") {
        fuzzlib::engine(&std::fs::read(&f).unwrap(), true);
        n += 1;
    }
    for f in fuzz_files("model_load") {
        let loaded = fuzzlib::model_load(&std::fs::read(&f).unwrap(), true);
        // B3's reproducers hold a non-finite number in a section, which the loader refuses.
        let name = f.file_name().unwrap().to_string_lossy();
        assert!(
            !name.starts_with("b3-") || loaded.is_none(),
            "{name} loaded"
        );
        n += 1;
    }
    for f in fuzz_files("cmu_lm") {
        fuzzlib::cmu_lm(&std::fs::read(&f).unwrap());
        n += 1;
    }
    assert!(n >= 20, "the seed corpora are in fuzz/corpus: {n} files");
    eprintln!("{n} fuzz corpus files replayed");
}

#[test]
fn container_writer_round_trip_with_many_sections() {
    // Not hostile by itself: the writer the fuzz targets rebuild containers with must give
    // containers that parse, with every section aligned, for any number of sections.
    for k in [0usize, 1, 2, 17, 300] {
        let mut w = ContainerWriter::new();
        for i in 0..k {
            w.add((i as u64).to_le_bytes(), vec![i as u8; i % 13]);
        }
        let c = Container::parse(Bytes::from_vec(w.finish())).unwrap();
        for i in 0..k {
            assert_eq!(c.section((i as u64).to_le_bytes()).unwrap().len(), i % 13);
        }
    }
}
