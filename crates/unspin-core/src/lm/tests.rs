//! Tests of the CMU trie reader: synthetic models written by `crate::test_support` (exact
//! expectations, every truncation, random corruption) and the real `en-us.lm.bin` against
//! pocketsphinx's scores.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use super::{CmuLm, WordId, NONE};
use crate::test_support::{qv, SynthLm as Synth, L10};
use crate::{Bytes, Error};

// ---------------------------------------------------------------------------------------------
// Synthetic trie files, written by `crate::test_support::SynthLm`, independent of the reader.

/// What the tests add to the shared writer: parsing, the scores a textbook reading of the
/// model gives, and random models.
impl Synth {
    fn parse(&self) -> CmuLm {
        CmuLm::parse(Bytes::from_vec(self.build())).expect("synthetic model parses")
    }

    /// Textbook ARPA backoff, straight from the maps, in log10. `ctx` is oldest first, all ids
    /// known, at most `order - 1` long.
    fn naive(&self, ctx: &[u32], w: u32) -> f64 {
        let prob = match *ctx {
            [] => return self.uni[w as usize].0 as f64 * L10,
            [h1] => self.bi.get(&(w, h1)).map(|&(p, _)| qv(0, p)),
            [h2, h1] => self.tri.get(&(w, h1, h2)).map(|&p| qv(2, p)),
            _ => unreachable!(),
        };
        if let Some(p) = prob {
            return p as f64 * L10;
        }
        let bo = match *ctx {
            [h1] => self.uni[h1 as usize].1,
            [h2, h1] => self.bi.get(&(h1, h2)).map_or(0.0, |&(_, b)| qv(1, b)),
            _ => unreachable!(),
        };
        bo as f64 * L10 + self.naive(&ctx[1..], w)
    }

    /// A random model: `<s>`, `</s>` and `n - 2` more words.
    fn random(rng: &mut Rng, order: usize, n: u32) -> Synth {
        let mut words = vec!["<s>".to_string(), "</s>".to_string()];
        words.extend((2..n).map(|i| format!("w{i}")));
        let uni = (0..n)
            .map(|_| {
                (
                    -(rng.below(60_000) as f32) - 1.0,
                    rng.below(8000) as f32 - 4000.0,
                )
            })
            .collect();
        let mut s = Synth {
            order,
            words,
            uni,
            slack: [rng.below(3), rng.below(3)],
            ..Default::default()
        };
        if order >= 2 {
            for _ in 0..rng.below(n * n) {
                let code = |rng: &mut Rng| rng.below(65_536) as u16;
                s.bi.insert((rng.below(n), rng.below(n)), (code(rng), code(rng)));
            }
        }
        if order >= 3 && !s.bi.is_empty() {
            let keys: Vec<_> = s.bi.keys().copied().collect();
            for _ in 0..rng.below(3 * n * n) {
                let (w, h1) = keys[rng.below(keys.len() as u32) as usize];
                s.tri
                    .insert((w, h1, rng.below(n)), rng.below(65_536) as u16);
            }
        }
        s
    }
}

/// xorshift64*, so the tests need no RNG crate and are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() >> 32) as u32 % n.max(1)
    }
}

/// The small hand-made model of the format description: "the cat sat".
fn tiny() -> Synth {
    let words = ["</s>", "<s>", "cat", "sat", "the"]
        .map(String::from)
        .to_vec();
    let uni = vec![
        (-20_000.0, 0.0),
        (-2_279_673.0, -5_000.0),
        (-40_000.0, -3_000.0),
        (-45_000.0, -2_000.0),
        (-15_000.0, -4_000.0),
    ];
    let mut bi = BTreeMap::new();
    bi.insert((4, 1), (100, 32768 + 7)); // <s> the
    bi.insert((2, 4), (200, 32768 - 11)); // the cat
    bi.insert((3, 2), (300, 32768)); // cat sat
    bi.insert((0, 3), (400, 32768)); // sat </s>
    let mut tri = BTreeMap::new();
    tri.insert((2, 4, 1), 50); // <s> the cat
    tri.insert((3, 2, 4), 60); // the cat sat
    Synth {
        order: 3,
        words,
        uni,
        bi,
        tri,
        slack: [2, 1],
    }
}

#[test]
fn tiny_model_header_and_words() {
    let lm = tiny().parse();
    assert_eq!(lm.order(), 3);
    assert_eq!(lm.vocab_size(), 5);
    assert_eq!(lm.ngram_counts(), [5, 4, 2]);
    assert_eq!((lm.word(lm.bos()), lm.word(lm.eos())), ("<s>", "</s>"));
    assert_eq!(lm.unk(), 5);
    for (id, w) in ["</s>", "<s>", "cat", "sat", "the"].iter().enumerate() {
        assert_eq!(lm.word_id(w), Some(id as WordId));
        assert_eq!(lm.word(id as WordId), *w);
    }
    assert_eq!(lm.word_id("dog"), None);
    assert_eq!(lm.word_id("Cat"), None);
    assert_eq!(lm.word_id("<unk>"), Some(lm.unk()));
    assert_eq!(lm.word(lm.unk()), "<unk>");
    assert_eq!(lm.word(NONE), "<unk>");
    assert!(format!("{lm:?}").contains("CmuLm"));
}

#[test]
fn tiny_model_scores() {
    let s = tiny();
    let lm = s.parse();
    let (eos, bos, cat, sat, the) = (0, 1, 2, 3, 4);
    let close = |got: f32, want: f64| assert!((got as f64 - want).abs() < 1e-5, "{got} vs {want}");
    // Unigram.
    close(lm.log10_prob(&[], cat), -40_000.0 * L10);
    // Seen trigram, seen bigram, bigram backoff, full backoff.
    close(lm.log10_prob(&[bos, the], cat), qv(2, 50) as f64 * L10);
    close(lm.log10_prob(&[the], cat), qv(0, 200) as f64 * L10);
    close(lm.log10_prob(&[sat, cat], sat), qv(0, 300) as f64 * L10); // no bigram "sat cat": bo 0
    close(
        lm.log10_prob(&[bos, the], sat),
        (qv(1, 32768 + 7) as f64 - 45_000.0 - 4_000.0) * L10,
    );
    close(
        lm.log10_prob(&[the, cat], eos),
        (-20_000.0 - 3_000.0 + qv(1, 32768 - 11) as f64) * L10,
    );
    // Context longer than the order: the oldest word is ignored.
    assert_eq!(
        lm.log10_prob(&[sat, bos, the], cat),
        lm.log10_prob(&[bos, the], cat)
    );
    // Unknown words: predicted, and as context (cuts the context).
    assert_eq!(lm.log10_prob(&[], lm.unk()), -100.0);
    close(lm.log10_prob(&[the], lm.unk()), -100.0 - 4_000.0 * L10);
    close(
        lm.log10_prob(&[bos, the], 77),
        -100.0 + (qv(1, 32768 + 7) as f64 - 4_000.0) * L10,
    );
    assert_eq!(
        lm.log10_prob(&[bos, lm.unk()], cat),
        lm.log10_prob(&[], cat)
    );
    assert_eq!(
        lm.log10_prob(&[lm.unk(), the], cat),
        lm.log10_prob(&[the], cat)
    );
    assert_eq!(lm.log10_prob(&[NONE, the], cat), lm.log10_prob(&[the], cat));
    assert_eq!(lm.log10_prob3(NONE, NONE, cat), lm.log10_prob(&[], cat));
    assert_eq!(
        lm.log10_prob3(bos, the, cat),
        lm.log10_prob(&[bos, the], cat)
    );
    assert_eq!(lm.log10_prob3(77, the, cat), lm.log10_prob(&[the], cat));
    let mut lm = lm;
    lm.set_unk_log10_prob(-7.5);
    close(
        lm.log10_prob3(bos, the, lm.unk()),
        -7.5 + (qv(1, 32768 + 7) as f64 - 4_000.0) * L10,
    );
    assert_eq!(lm.log10_prob3(NONE, NONE, lm.unk()), -7.5);
    assert_eq!(lm.unk_log10_prob(), -7.5);
}

#[test]
fn model_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<CmuLm>();
}

#[test]
fn random_models_match_textbook_backoff() {
    let mut rng = Rng(0x5eed);
    for round in 0..300 {
        let order = [1, 2, 3, 3, 3][round % 5];
        let n = 3 + rng.below(14);
        let s = Synth::random(&mut rng, order, n);
        let lm = s.parse();
        assert_eq!(
            lm.ngram_counts()[..],
            [n, s.bi.len() as u32, s.tri.len() as u32][..order]
        );
        for _ in 0..200 {
            let len = rng.below(order as u32) as usize;
            let ctx: Vec<u32> = (0..len).map(|_| rng.below(n)).collect();
            let w = rng.below(n);
            let got = lm.log10_prob(&ctx, w);
            let want = s.naive(&ctx, w);
            assert!(
                (got as f64 - want).abs() < 1e-4,
                "round {round}: {ctx:?} {w}: {got} vs {want}\n{s:?}"
            );
            let (w1, w2) = match *ctx {
                [] => (NONE, NONE),
                [a] => (NONE, a),
                [a, b] => (a, b),
                _ => unreachable!(),
            };
            assert_eq!(lm.log10_prob3(w1, w2, w), got);
        }
    }
}

/// The probe table gives the trie's scores bit for bit, on every context a random model can
/// be asked about, including contexts cut short and words it lacks.
#[test]
fn probe_table_matches_the_trie() {
    let mut rng = Rng(0x9e0b);
    let mut probed_models = 0;
    for round in 0..300 {
        let order = [1, 2, 3, 3, 3][round % 5];
        let n = 3 + rng.below(14);
        let s = Synth::random(&mut rng, order, n);
        let bytes = s.build();
        let trie = CmuLm::parse(Bytes::from_vec(bytes.clone())).unwrap();
        let Some(table) = trie.probe_table() else {
            assert_eq!(order, 1, "round {round}: no table for order {order}");
            continue;
        };
        let probed = CmuLm::parse(Bytes::from_vec(bytes))
            .unwrap()
            .with_probe(Bytes::from_vec(table))
            .unwrap();
        assert!(probed.has_probe() && !trie.has_probe());
        probed_models += 1;
        let ids: Vec<WordId> = (0..n).chain([NONE, n, n + 7]).collect();
        for &w1 in &ids {
            for &w2 in &ids {
                for &w3 in &ids {
                    if w3 == NONE {
                        continue;
                    }
                    assert_eq!(
                        probed.log10_prob3(w1, w2, w3).to_bits(),
                        trie.log10_prob3(w1, w2, w3).to_bits(),
                        "round {round}: {w1} {w2} {w3}\n{s:?}"
                    );
                }
            }
        }
    }
    assert!(probed_models >= 200);
}

/// A probe table is only ever used with the model it was built from.
#[test]
fn probe_table_of_another_model_is_refused() {
    let mut rng = Rng(0x7ab1e);
    let a = Synth::random(&mut rng, 3, 9).parse();
    let b = Synth::random(&mut rng, 3, 12).parse();
    let table = a.probe_table().unwrap();
    let err = b.with_probe(Bytes::from_vec(table.clone())).unwrap_err();
    assert!(err.to_string().contains("LMPROBE section"), "{err}");
    for cut in [0, 8, 31, 32, table.len() - 1] {
        let err = a
            .clone()
            .with_probe(Bytes::from_vec(table[..cut].to_vec()))
            .unwrap_err();
        assert!(matches!(err, Error::Corrupt(_)), "cut at {cut}: {err}");
    }
    let mut bad = table.clone();
    bad[0] ^= 1;
    assert!(a.clone().with_probe(Bytes::from_vec(bad)).is_err());
}

/// Every prefix of a valid file is an error, never a panic.
#[test]
fn every_truncation_is_an_error() {
    for s in [
        tiny(),
        Synth {
            order: 1,
            bi: BTreeMap::new(),
            tri: BTreeMap::new(),
            ..tiny()
        },
    ] {
        let full = Bytes::from_vec(s.build());
        assert!(CmuLm::parse(full.clone()).is_ok());
        for len in 0..full.len() {
            match CmuLm::parse(full.slice(0..len)) {
                Err(Error::Lm(_)) => {}
                other => panic!("prefix of {len} bytes: {other:?}"),
            }
        }
    }
}

/// Corrupting a file never panics: parse fails, or every query and the export still run.
#[test]
fn corrupt_files_never_panic() {
    let mut rng = Rng(0xbad_f11e);
    for _ in 0..400 {
        let n = 3 + rng.below(10);
        let s = Synth::random(&mut rng, 3, n);
        let mut b = s.build();
        let quant_end = 20 + 4 * 3 + 4 + 3 * 65536 * 4;
        for _ in 0..1 + rng.below(6) {
            // Mostly outside the quantization tables, where corruption is interesting.
            let i = if rng.below(8) == 0 || b.len() <= quant_end {
                rng.below(b.len() as u32) as usize
            } else if rng.below(4) == 0 {
                rng.below(32) as usize
            } else {
                quant_end + rng.below((b.len() - quant_end) as u32) as usize
            };
            b[i] = match rng.below(3) {
                0 => b[i] ^ (1 << rng.below(8)),
                1 => 0xff,
                _ => rng.below(256) as u8,
            };
        }
        let Ok(lm) = CmuLm::parse(Bytes::from_vec(b)) else {
            continue;
        };
        let v = lm.vocab_size() as u32 + 2;
        for _ in 0..100 {
            let ctx = [rng.below(v), rng.below(v)];
            let _ = lm.log10_prob(&ctx, rng.below(v));
            let _ = lm.log10_prob3(ctx[0], NONE, rng.below(v));
            let _ = lm.word(rng.below(v));
        }
        let _ = lm.write_arpa(&mut std::io::sink());
    }
}

/// NaN and infinities in the quantization tables or the unigrams are refused, naming where
/// they are; finite values, including pocketsphinx's marker for an empty bin, are not.
#[test]
fn rejects_non_finite_numbers() {
    use crate::test_support::{quant_at, QUANT_BINS};
    let good = tiny().build();
    let quant = quant_at(3);
    let unigrams = quant + 3 * QUANT_BINS * 4;
    let with = |at: usize, v: f32| {
        let mut b = good.clone();
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        CmuLm::parse(Bytes::from_vec(b))
    };
    let bad = |at: usize, v: f32| match with(at, v) {
        Err(Error::Lm(m)) => m,
        other => panic!("{v} at byte {at}: {other:?}"),
    };
    for (v, shown) in [
        (f32::NAN, "NaN"),
        (f32::INFINITY, "inf"),
        (f32::NEG_INFINITY, "-inf"),
    ] {
        for (t, code, what) in [
            (0, 0, "2-gram probabilities"),
            (0, 65_535, "2-gram probabilities"),
            (1, 32_768, "2-gram backoffs"),
            (2, 7, "3-gram probabilities"),
        ] {
            assert_eq!(
                bad(quant + 4 * (t * QUANT_BINS + code), v),
                format!(
                    "quantization table {t} ({what}), entry {code}: {shown} is not a finite number"
                )
            );
        }
        // Words, in id order: </s>, <s>, cat, sat, the.
        assert_eq!(
            bad(unigrams + 12, v),
            format!("unigram 1 (\"<s>\"): probability {shown} is not a finite number")
        );
        assert_eq!(
            bad(unigrams + 4 * 12 + 4, v),
            format!("unigram 4 (\"the\"): backoff {shown} is not a finite number")
        );
        // The sentinel after the last word: its probability and backoff are never read.
        assert!(with(unigrams + 5 * 12, v).is_ok());
        assert!(with(unigrams + 5 * 12 + 4, v).is_ok());
    }
    // pocketsphinx's `-FLOAT_INF` for an empty bin (lm_trie_quant.c): the integer 0x7f800000
    // as a float, which is finite; and the largest finite values.
    for v in [-(0x7f80_0000 as f32), f32::MIN, f32::MAX] {
        assert!(with(quant, v).is_ok(), "{v}");
        assert!(with(unigrams, v).is_ok(), "{v}");
    }
    // Order 1 has no tables; its unigrams are checked all the same.
    let uni = Synth {
        order: 1,
        bi: BTreeMap::new(),
        tri: BTreeMap::new(),
        ..tiny()
    };
    let mut b = uni.build();
    let at = quant_at(1) - 4; // order 1 has no quantization type either
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    match CmuLm::parse(Bytes::from_vec(b)) {
        Err(Error::Lm(m)) => assert!(m.starts_with("unigram 0 (\"</s>\")"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_malformed_word_strings() {
    let s = tiny();
    let good = s.build();
    let words_at = good.len() - 25; // "</s>\0<s>\0cat\0sat\0the\0" is 21 bytes, after a u32
    assert_eq!(&good[words_at..words_at + 4], &21u32.to_le_bytes());
    let err = |b: Vec<u8>| match CmuLm::parse(Bytes::from_vec(b)) {
        Err(Error::Lm(m)) => m,
        other => panic!("{other:?}"),
    };
    let mut b = good.clone();
    *b.last_mut().unwrap() = b'x';
    assert!(err(b).contains("NUL"));
    let mut b = good.clone();
    b[words_at + 4 + 6] = 0; // "<\0>": one word too many
    assert!(err(b).contains("more than 5"));
    let mut b = good.clone();
    b[words_at + 4 + 4] = b'_'; // "</s>_<s>": one word too few
    assert!(err(b).contains("4 word strings"));
    let mut b = good.clone();
    b[words_at + 4 + 9] = 0xc3; // invalid UTF-8
    assert!(err(b).contains("UTF-8"));
    let mut b = good.clone();
    b[words_at + 4 + 1] = b'x'; // "<xs>": no </s>
    assert!(err(b).contains("</s>"));
    // Trailing bytes are ignored, as pocketsphinx does.
    let mut b = good;
    b.extend(b"junk");
    assert!(CmuLm::parse(Bytes::from_vec(b)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// ARPA export, checked with a tiny ARPA reader.

/// A minimal ARPA model: n-gram (text order) → (log10 prob, log10 backoff).
struct Arpa {
    order: usize,
    ngrams: HashMap<Vec<String>, (f64, f64)>,
}

impl Arpa {
    /// Reads an ARPA file, keeping only n-grams whose words all satisfy `keep`.
    fn read(text: &str, keep: impl Fn(&str) -> bool) -> Arpa {
        let mut arpa = Arpa {
            order: 0,
            ngrams: HashMap::new(),
        };
        let mut declared = Vec::new();
        let mut found = Vec::new();
        let mut section = 0;
        for line in text.lines() {
            if let Some(c) = line.strip_prefix("ngram ") {
                let (n, count) = c.split_once('=').unwrap();
                assert_eq!(n.parse::<usize>().unwrap(), declared.len() + 1);
                declared.push(count.parse::<usize>().unwrap());
                found.push(0);
            } else if let Some(n) = line
                .strip_prefix('\\')
                .and_then(|l| l.strip_suffix("-grams:"))
            {
                section = n.parse().unwrap();
                arpa.order = section;
            } else if line == "\\end\\" {
                section = 0;
            } else if section > 0 && !line.is_empty() {
                found[section - 1] += 1;
                let mut fields = line.split('\t');
                let prob = fields.next().unwrap();
                let mut words = Vec::with_capacity(section);
                for _ in 0..section {
                    let w = fields
                        .next()
                        .unwrap_or_else(|| panic!("short line {line:?}"));
                    if !keep(w) {
                        break;
                    }
                    words.push(w.to_string());
                }
                if words.len() == section {
                    let bo = fields.next().map_or(0.0, |b| b.parse().unwrap());
                    assert!(fields.next().is_none(), "long line {line:?}");
                    arpa.ngrams.insert(words, (prob.parse().unwrap(), bo));
                }
            }
        }
        assert_eq!(declared, found, "declared and actual n-gram counts");
        arpa
    }

    fn log10_prob(&self, ctx: &[&str], w: &str) -> f64 {
        let ctx = &ctx[ctx.len().saturating_sub(self.order - 1)..];
        let key = |ws: &[&str]| ws.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut full = key(ctx);
        full.push(w.to_string());
        if let Some(&(p, _)) = self.ngrams.get(&full) {
            return p;
        }
        if ctx.is_empty() {
            return self.ngrams[&key(&["<unk>"])].0;
        }
        let bo = self.ngrams.get(&key(ctx)).map_or(0.0, |e| e.1);
        bo + self.log10_prob(&ctx[1..], w)
    }
}

fn arpa_text(lm: &CmuLm) -> String {
    let mut out = Vec::new();
    lm.write_arpa(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn arpa_export_of_random_models() {
    let mut rng = Rng(0xa4fa);
    for round in 0..60 {
        let order = [1, 2, 3][round % 3];
        let n = 3 + rng.below(10);
        let s = Synth::random(&mut rng, order, n);
        let lm = s.parse();
        let arpa = Arpa::read(&arpa_text(&lm), |_| true);
        assert_eq!(arpa.ngrams.len(), n as usize + 1 + s.bi.len() + s.tri.len());
        for _ in 0..100 {
            let ctx: Vec<u32> = (0..rng.below(order as u32))
                .map(|_| rng.below(n + 1))
                .collect();
            let w = rng.below(n + 1);
            let words: Vec<&str> = ctx.iter().map(|&c| lm.word(c)).collect();
            let got = lm.log10_prob(&ctx, w) as f64;
            let want = arpa.log10_prob(&words, lm.word(w));
            assert!(
                (got - want).abs() < 2e-5,
                "{words:?} {}: {got} vs {want}",
                lm.word(w)
            );
        }
    }
}

#[test]
fn has_bigram_is_the_stored_bigrams() {
    let mut rng = Rng(0xb16a);
    for round in 0..40 {
        let order = [1, 2, 3][round % 3];
        let n = 3 + rng.below(10);
        let s = Synth::random(&mut rng, order, n);
        let lm = s.parse();
        for w2 in 0..n + 2 {
            for w1 in 0..n + 2 {
                assert_eq!(
                    lm.has_bigram(w1, w2),
                    s.bi.contains_key(&(w2, w1)),
                    "order {order}, bigram {w1} {w2}"
                );
            }
        }
    }
}

#[test]
fn tiny_arpa_text() {
    let text = arpa_text(&tiny().parse());
    assert!(text.starts_with("\\data\\\nngram 1=6\nngram 2=4\nngram 3=2\n\n\\1-grams:\n"));
    assert!(text.contains(&format!(
        "\n{:.6}\t<s>\t{:.6}\n",
        -2_279_673.0 * L10,
        -5_000.0 * L10
    )));
    assert!(text.contains("\n-100.000000\t<unk>\t0\n"));
    assert!(text.contains(&format!(
        "\n{:.6}\t<s>\tthe\t{:.6}\n",
        qv(0, 100) as f64 * L10,
        14.0 * L10
    )));
    assert!(text.contains(&format!("\n{:.6}\tthe\tcat\tsat\n", qv(2, 60) as f64 * L10)));
    assert!(text.ends_with("\n\\end\\\n"));
}

// ---------------------------------------------------------------------------------------------
// The real en-us.lm.bin.

fn real_lm() -> Option<&'static CmuLm> {
    static LM: OnceLock<Option<CmuLm>> = OnceLock::new();
    LM.get_or_init(|| {
        let path = std::env::var_os("UNSPIN_LM")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../data/raw/en-us.lm.bin"
                ))
            });
        if !path.exists() {
            assert!(
                std::env::var("UNSPIN_REQUIRE_DATA").as_deref() != Ok("1"),
                "UNSPIN_REQUIRE_DATA=1 but {} does not exist",
                path.display()
            );
            eprintln!("skipping: {} not found (set UNSPIN_LM)", path.display());
            return None;
        }
        Some(CmuLm::open(&path).expect("en-us.lm.bin parses"))
    })
    .as_ref()
}

#[test]
fn real_model_shape() {
    let Some(lm) = real_lm() else { return };
    assert_eq!(lm.order(), 3);
    assert_eq!(lm.vocab_size(), 72_547);
    assert_eq!(lm.ngram_counts(), [72_547, 2_051_541, 1_669_625]);
    assert_eq!(lm.word(0), "'bout");
    assert_eq!((lm.word(lm.bos()), lm.word(lm.eos())), ("<s>", "</s>"));
    assert_eq!(lm.unk() as usize, lm.vocab_size());
    // Every word round-trips; the vocabulary is lowercase and sorted bytewise.
    for id in 0..lm.vocab_size() as WordId {
        let w = lm.word(id);
        assert_eq!(lm.word_id(w), Some(id), "{w}");
        assert_eq!(w, w.to_lowercase());
        if id > 0 {
            assert!(lm.word(id - 1) < w);
        }
    }
    assert_eq!(lm.word_id("The"), None);
    assert!((lm.log10_prob(&[], lm.bos()) + 99.0).abs() < 1e-3);
}

/// The claims of the (`no_run`) doc examples.
/// On the real model the probe table agrees with the trie bit for bit: on every trigram of a
/// walk through the vocabulary and on random word triples (mostly unseen, so backed off).
#[test]
fn real_model_probe_table_matches_the_trie() {
    let Some(lm) = real_lm() else { return };
    let table = lm.probe_table().expect("a trigram model gets a table");
    let probed = lm.clone().with_probe(Bytes::from_vec(table)).unwrap();
    let mut rng = Rng(0xc0ffee);
    let v = lm.vocab_size() as u32;
    let mut seen = 0;
    lm.for_each_ngram(|w3, w2, w1, _, _| {
        seen += 1;
        if seen % 37 == 0 {
            let w1 = w1.unwrap_or(rng.below(v));
            for (a, b) in [(w1, w2), (NONE, w2), (rng.below(v), w2)] {
                assert_eq!(
                    probed.log10_prob3(a, b, w3).to_bits(),
                    lm.log10_prob3(a, b, w3).to_bits(),
                    "{a} {b} {w3}"
                );
            }
        }
    });
    for _ in 0..200_000 {
        let (a, b, c) = (rng.below(v + 1), rng.below(v + 1), rng.below(v));
        assert_eq!(
            probed.log10_prob3(a, b, c).to_bits(),
            lm.log10_prob3(a, b, c).to_bits(),
            "{a} {b} {c}"
        );
    }
}

#[test]
fn real_model_doc_examples() {
    let Some(lm) = real_lm() else { return };
    let id = |w| lm.word_id(w).unwrap();
    let (stock, market) = (id("stock"), id("market"));
    assert_eq!(
        lm.log10_prob(&[lm.bos(), stock], market),
        lm.log10_prob3(lm.bos(), stock, market)
    );
    assert_eq!(
        lm.log10_prob(&[], market),
        lm.log10_prob3(NONE, NONE, market)
    );
    assert!(
        lm.log10_prob(&[id("the"), stock], market)
            > lm.log10_prob(&[id("the"), id("inventory")], market)
    );
    assert_eq!(lm.word(market), "market");
    assert_eq!(lm.word_id("Market"), None);
    assert_eq!(lm.word_id("<unk>"), Some(lm.unk()));
    assert_eq!(
        lm.log10_prob(&[lm.unk()], market),
        lm.log10_prob(&[], market)
    );
    assert_eq!(lm.unk_log10_prob(), -100.0);
    let (a, b, c) = (id("of"), id("the"), id("year"));
    assert_eq!(lm.log10_prob3(a, b, c), lm.log10_prob(&[a, b], c));
    assert_eq!(lm.log10_prob3(NONE, b, c), lm.log10_prob(&[b], c));
    let mut lm = lm.clone();
    lm.set_unk_log10_prob(-12.0);
    assert_eq!(lm.log10_prob(&[], lm.unk()), -12.0);
}

/// Compares with pocketsphinx 5.1.1's `NGramModel.prob()` (see `make_reference.py`).
///
/// pocketsphinx truncates its float score to an int in log base 1.0001, so the reference is
/// exact to within one unit, 4.3e-5 in log10; both sides read the same quantized values.
#[test]
fn real_model_matches_pocketsphinx() {
    let Some(lm) = real_lm() else { return };
    let tsv = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lm/reference.tsv"
    ));
    let (mut rows, mut worst) = (0, 0f64);
    for line in tsv.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let words: Vec<&str> = f[0].split(' ').collect();
        let ps: i64 = f[1].parse().unwrap();
        let ids: Vec<WordId> = words
            .iter()
            .map(|w| lm.word_id(w).unwrap_or(lm.unk()))
            .collect();
        let (ctx, w) = ids.split_at(ids.len() - 1);
        let got = lm.log10_prob(ctx, w[0]);
        if ps == -536_870_912 {
            // pocketsphinx: probability zero for a word it does not know; here, <unk>'s (plus
            // the context's backoffs).
            assert_eq!(w[0], lm.unk());
            if ctx.is_empty() {
                assert_eq!(got, lm.unk_log10_prob(), "{line}");
            } else {
                assert!((got - lm.unk_log10_prob()).abs() < 5.0, "{line}: {got}");
            }
        } else {
            let want = ps as f64 * L10;
            let diff = (got as f64 - want).abs();
            assert!(diff < 1e-4, "{line}: got {got}, pocketsphinx {want}");
            worst = worst.max(diff);
        }
        if ctx.len() == 2 {
            assert_eq!(lm.log10_prob3(ctx[0], ctx[1], w[0]), got);
        }
        rows += 1;
    }
    assert!(rows >= 300, "only {rows} reference rows");
    eprintln!("{rows} reference n-grams, largest difference {worst:.2e} log10");
}

/// Exports the whole model as ARPA and checks it against the reader on the reference queries
/// (the ARPA reader keeps only the n-grams over their words, which is all those queries need).
#[test]
fn real_model_arpa_export() {
    let Some(lm) = real_lm() else { return };
    let tsv = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lm/reference.tsv"
    ));
    let queries: Vec<Vec<&str>> = tsv
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap().split(' ').collect())
        .collect();
    let mut vocab: HashSet<&str> = queries.iter().flatten().copied().collect();
    vocab.insert("<unk>");
    let text = arpa_text(lm);
    let arpa = Arpa::read(&text, |w| vocab.contains(w));
    assert_eq!(arpa.order, 3);
    for q in &queries {
        let q: Vec<&str> = q
            .iter()
            .map(|w| if lm.word_id(w).is_some() { *w } else { "<unk>" })
            .collect();
        let ids: Vec<WordId> = q.iter().map(|w| lm.word_id(w).unwrap()).collect();
        let got = lm.log10_prob(&ids[..ids.len() - 1], ids[ids.len() - 1]) as f64;
        let want = arpa.log10_prob(&q[..q.len() - 1], q[q.len() - 1]);
        assert!((got - want).abs() < 2e-5, "{q:?}: {got} vs ARPA {want}");
    }
}

#[test]
fn real_model_prefixes_are_errors() {
    let Some(lm) = real_lm() else { return };
    let path = std::env::var_os("UNSPIN_LM")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../data/raw/en-us.lm.bin"
            ))
        });
    let full = Bytes::map_file(&std::fs::File::open(path).unwrap()).unwrap();
    let mut lens: Vec<usize> = (0..full.len()).step_by(9_973).collect();
    lens.extend(
        (0..64)
            .chain(786_400..786_560)
            .chain(full.len() - 700_000..full.len()),
    );
    for len in lens {
        assert!(CmuLm::parse(full.slice(0..len)).is_err(), "prefix {len}");
    }
    let _ = lm;
}

/// Timing, not a check: `cargo test --release -p unspin-core lm::tests::bench -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_real_model() {
    use std::time::Instant;
    let Some(lm) = real_lm() else { return };
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/raw/en-us.lm.bin"
    ));
    let file = std::fs::File::open(&path).unwrap();
    let bytes = Bytes::map_file(&file).unwrap();
    let _ = bytes.iter().step_by(4096).map(|&b| b as u64).sum::<u64>(); // fault the pages in
    let t = Instant::now();
    let runs = 20;
    for _ in 0..runs {
        std::hint::black_box(CmuLm::parse(bytes.clone()).unwrap());
    }
    eprintln!(
        "parse (mapped, warm): {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / runs as f64
    );
    let t = Instant::now();
    let cold = CmuLm::open(&path).unwrap();
    eprintln!("open + parse: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
    drop(cold);

    // Trigrams from the reference sentences (mostly seen n-grams) and random triples (backoff).
    let tsv = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lm/reference.tsv"
    ));
    let text: Vec<WordId> = tsv
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split('\t').next().unwrap().split(' '))
        .filter_map(|w| lm.word_id(w))
        .collect();
    let mut rng = Rng(7);
    let v = lm.vocab_size() as u32;
    let random: Vec<WordId> = (0..100_000).map(|_| rng.below(v)).collect();
    for (name, ids) in [("running text", &text), ("random words", &random)] {
        let t = Instant::now();
        let mut sum = 0f32;
        let mut calls = 0u64;
        while t.elapsed().as_secs_f64() < 1.0 {
            for w in ids.windows(3) {
                sum += lm.log10_prob3(w[0], w[1], w[2]);
            }
            calls += ids.len() as u64 - 2;
        }
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "log10_prob3 on {name}: {:.1} M/s ({sum})",
            calls as f64 / secs / 1e6
        );
    }
    let words: Vec<&str> = (0..v).step_by(7).map(|id| lm.word(id)).collect();
    let t = Instant::now();
    let mut found = 0;
    for _ in 0..10 {
        found += words.iter().filter(|w| lm.word_id(w).is_some()).count();
    }
    eprintln!(
        "word_id: {:.0} ns/lookup ({found})",
        t.elapsed().as_secs_f64() * 1e9 / found as f64
    );
    let t = Instant::now();
    let mut sink = CountingSink(0);
    lm.write_arpa(&mut sink).unwrap();
    eprintln!(
        "write_arpa: {} MB in {:.2} s",
        sink.0 >> 20,
        t.elapsed().as_secs_f64()
    );
}

struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the real model as ARPA to `$UNSPIN_ARPA_OUT` (for a KenLM baseline):
/// `UNSPIN_ARPA_OUT=/tmp/en-us.arpa cargo test --release -p unspin-core lm::tests::export -- --ignored`.
#[test]
#[ignore]
fn export_arpa_file() {
    let Some(lm) = real_lm() else { return };
    let Some(path) = std::env::var_os("UNSPIN_ARPA_OUT") else {
        eprintln!("set UNSPIN_ARPA_OUT to the file to write");
        return;
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    lm.write_arpa(&mut out).unwrap();
}
