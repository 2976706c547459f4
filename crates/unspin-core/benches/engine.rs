//! Micro-benchmarks: tokenizer, decoder, LM look-ups and the change scorer.
//!
//! `cargo bench -p unspin-core`. The decoder and LM benchmarks use the real model
//! (`models/default.unspin`) when it exists, the fixture model otherwise. Whole-process
//! throughput against a perplexity baseline is `bench/speed.sh`.

use std::sync::OnceLock;
use unspin_core::{Detector, Model};

fn main() {
    divan::main();
}

const PARAGRAPH: &str = "The inventory market plunged sharply on Monday as financiers fretted over climbing \
    loan costs, the administration mentioned in an announcement. Authorities stated that the economic \
    system stays sturdy, however numerous specialists cautioned that expansion could decelerate in the \
    approaching months. ";

fn text() -> String {
    PARAGRAPH.repeat(40)
}

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        let real = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/default.unspin");
        Model::open(real).unwrap_or_else(|_| unspin_core::fixture::tiny_model())
    })
}

#[divan::bench]
fn tokenize(b: divan::Bencher) {
    let t = text();
    b.counter(divan::counter::BytesCount::new(t.len()))
        .bench(|| unspin_core::tokenize::tokenize(divan::black_box(&t)));
}

#[divan::bench]
fn check(b: divan::Bencher) {
    let t = text();
    let det = Detector::new(model().clone());
    b.counter(divan::counter::BytesCount::new(t.len()))
        .bench(|| det.check(divan::black_box(&t)));
}

#[divan::bench]
fn perplexity(b: divan::Bencher) {
    let t = text();
    let m = model();
    b.counter(divan::counter::BytesCount::new(t.len()))
        .bench(|| m.log10_prob(divan::black_box(&t)));
}

#[divan::bench]
fn lm_trigram(b: divan::Bencher) {
    let lm = model().lm();
    let ids: Vec<u32> = ["the", "stock", "market", "fell", "on", "monday"]
        .iter()
        .map(|w| lm.lookup(w).unwrap_or(lm.unk()))
        .collect();
    b.bench(|| {
        let mut s = 0f32;
        for w in ids.windows(3) {
            s += lm.logp(w[0], w[1], w[2]);
        }
        s
    });
}

#[divan::bench]
fn load_model(b: divan::Bencher) {
    let real = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models/default.unspin");
    if std::path::Path::new(real).exists() {
        b.bench(|| Model::open(real).unwrap());
    } else {
        let bytes = unspin_core::fixture::tiny_model_bytes();
        b.bench(|| Model::from_bytes(unspin_core::Bytes::from_vec(bytes.clone())).unwrap());
    }
}

/// The change scorer alone: the trees over the features of the changes the decoder considers
/// in the benchmark text, scored together as a document's are.
#[divan::bench]
fn change_scorer(b: divan::Bencher) {
    let det = Detector::new(model().clone());
    let (_, ev) = det.analyze(&text());
    let rows: Vec<_> = ev.decisions.iter().map(|d| d.features).collect();
    let forest = model().forest();
    let mut out = Vec::new();
    b.counter(divan::counter::ItemsCount::new(rows.len()))
        .bench_local(|| forest.raw_rows(divan::black_box(&rows), &mut out));
}
