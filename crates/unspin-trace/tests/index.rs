//! Index files: round trip, adding documents, and every way a file can be wrong.

use std::path::{Path, PathBuf};
use unspin_core::lexicon::{Lexicon, LexiconWriter, Src};
use unspin_core::Bytes;
use unspin_trace::canon::Method;
use unspin_trace::index::{Builder, Index, Settings};
use unspin_trace::input::Doc;
use unspin_trace::trace::{TraceOptions, Tracer};
use unspin_trace::Error;

/// A file name in a fresh directory; the directory goes when the returned guard drops.
fn tmp(name: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join(name);
    (d, p)
}

fn doc(id: &str, text: &str) -> Doc {
    Doc {
        id: id.into(),
        text: text.into(),
    }
}

fn docs() -> Vec<Doc> {
    vec![
        doc("market", "The president said the stock market fell sharply on Monday, and officials said the market will recover."),
        doc("science", "We apply deep learning to the data, and deep learning is used in this work."),
        doc("minister", "The minister said the plan will work and the economy is strong and the market is strong."),
    ]
}

fn build(path: &Path, settings: Settings, d: Vec<Doc>) -> unspin_core::Model {
    let model = unspin_core::fixture::tiny_model();
    let mut b = Builder::new(settings, model.lexicon(), model.metadata());
    b.add(d, 2);
    b.write(path).unwrap();
    model
}

#[test]
fn round_trip() {
    let (_dir, p) = tmp("round.idx");
    let model = build(&p, Settings::default(), docs());
    let idx = Index::open(&p).unwrap();
    idx.check_model(model.lexicon(), model.metadata()).unwrap();
    assert_eq!(idx.len(), 3);
    assert_eq!(idx.settings(), Settings::default());
    assert_eq!(idx.doc_id(2), "minister");
    let words: Vec<&str> = idx.doc_tokens(1).map(|v| idx.word(v)).collect();
    // Content words only, lowercase, in order.
    assert_eq!(
        words,
        ["apply", "deep", "learning", "data", "deep", "learning", "used", "work"]
    );
    assert_eq!(idx.size() as u64, std::fs::metadata(&p).unwrap().len());
}

#[test]
fn building_is_deterministic() {
    let ((_da, a), (_db, b)) = (tmp("det-a.idx"), tmp("det-b.idx"));
    build(&a, Settings::default(), docs());
    build(&b, Settings::default(), docs());
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn adding_equals_building_at_once() {
    let ((_dw, whole), (_dg, grown)) = (tmp("whole.idx"), tmp("grown.idx"));
    let model = build(&whole, Settings::default(), docs());
    let mut d = docs();
    let last = d.pop().unwrap();
    build(&grown, Settings::default(), d);
    let idx = Index::open(&grown).unwrap();
    let mut b = Builder::from_index(&idx, model.lexicon());
    b.add(vec![last], 1);
    drop(idx);
    b.write(&grown).unwrap();
    assert_eq!(
        std::fs::read(&whole).unwrap(),
        std::fs::read(&grown).unwrap()
    );
    // And the added document is found.
    let idx = Index::open(&grown).unwrap();
    let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
    let r = t.trace("The minister mentioned the plan will work and the economy is sturdy and the market is sturdy.");
    assert_eq!(r.matches[0].id, "minister");
}

#[test]
fn plain_index_round_trip() {
    let (_dir, p) = tmp("plain.idx");
    let settings = Settings {
        method: Method::Plain,
        ..Settings::default()
    };
    let model = build(&p, settings, docs());
    let idx = Index::open(&p).unwrap();
    assert_eq!(idx.settings().method, Method::Plain);
    // A plain index does not depend on the model.
    idx.check_model(&other_lexicon(), "{}").unwrap();
    let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
    assert_eq!(t.trace(&docs()[0].text).matches[0].id, "market");
}

fn other_lexicon() -> Lexicon {
    let mut w = LexiconWriter::default();
    w.set_freq("stock", -3.0);
    w.add_candidate("inventory", "stock", -1.0, Src::MOBY);
    w.into_lexicon().unwrap()
}

#[test]
fn another_model_is_refused() {
    let (_dir, p) = tmp("model.idx");
    let model = build(&p, Settings::default(), docs());
    let idx = Index::open(&p).unwrap();
    for (lex, meta) in [
        (other_lexicon(), model.metadata().to_string()),
        (
            model.lexicon().clone(),
            r#"{"another":"model"}"#.to_string(),
        ),
    ] {
        let e = idx.check_model(&lex, &meta).unwrap_err();
        assert!(matches!(e, Error::ModelMismatch { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("model.idx") && msg.contains("different model"),
            "{msg}"
        );
    }
}

/// Recomputes the checksum after a deliberate edit, so the structural checks are reached.
fn reseal(b: &mut [u8]) {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&b[..64]);
    h.update(&b[72..]);
    let sum = h.digest();
    b[64..72].copy_from_slice(&sum.to_le_bytes());
}

fn open_bytes(b: Vec<u8>) -> Result<Index, Error> {
    Index::from_bytes(Bytes::from_vec(b), "broken.idx")
}

#[test]
fn corrupt_files_give_clear_errors() {
    let (_dir, p) = tmp("corrupt.idx");
    build(&p, Settings::default(), docs());
    let good = std::fs::read(&p).unwrap();
    let msg = |r: Result<Index, Error>| r.unwrap_err().to_string();

    let m = msg(open_bytes(b"hello, this is not an index at all".to_vec()));
    assert!(
        m.contains("broken.idx") && m.contains("not an unspin index"),
        "{m}"
    );

    let m = msg(open_bytes(good[..good.len() - 10].to_vec()));
    assert!(m.contains("truncated"), "{m}");
    let m = msg(open_bytes(good[..40].to_vec()));
    assert!(m.contains("truncated"), "{m}");

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let m = msg(open_bytes(flipped));
    assert!(m.contains("checksum mismatch"), "{m}");

    let mut v = good.clone();
    v[8..12].copy_from_slice(&7u32.to_le_bytes());
    let m = msg(open_bytes(v));
    assert!(m.contains("version 7") && m.contains("rebuild"), "{m}");

    let mut v = good.clone();
    v[28..32].copy_from_slice(&99u32.to_le_bytes());
    reseal(&mut v);
    let m = msg(open_bytes(v));
    assert!(m.contains("canonicalized by rules version 99"), "{m}");

    let m = msg(Index::open(&tmp("absent.idx").1));
    assert!(m.contains("absent.idx"), "{m}");
}

#[test]
fn no_single_byte_corruption_panics() {
    let (_dir, p) = tmp("fuzz.idx");
    build(&p, Settings::default(), docs());
    let good = std::fs::read(&p).unwrap();
    // Every byte of the header and table, and a stride through the payload; each edit is
    // resealed, so the structural checks (not the checksum) must catch it or tolerate it.
    let positions: Vec<usize> = (0..400.min(good.len()))
        .chain((400..good.len()).step_by(7))
        .collect();
    let model = unspin_core::fixture::tiny_model();
    for pos in positions {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut v = good.clone();
            v[pos] ^= flip;
            if !(64..72).contains(&pos) {
                reseal(&mut v);
            }
            // Opening either fails cleanly or yields an index that can be used without panics.
            if let Ok(idx) = open_bytes(v) {
                let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
                let _ =
                    t.trace("The minister mentioned the plan will work and the market is sturdy.");
                for d in 0..idx.len() {
                    let _ = idx.doc_id(d);
                    let _: Vec<&str> = idx.doc_tokens(d).map(|w| idx.word(w)).collect();
                }
            }
        }
    }
}

#[test]
fn empty_index_works() {
    let (_dir, p) = tmp("empty.idx");
    let model = build(&p, Settings::default(), Vec::new());
    let idx = Index::open(&p).unwrap();
    assert!(idx.is_empty());
    let t = Tracer::new(&idx, model.lexicon(), TraceOptions::default());
    assert!(t.trace("Anything at all.").matches.is_empty());
}
