//! End to end through the command functions the CLI calls, on the fixture model.

use clap::Parser;
use std::path::PathBuf;
use unspin_core::Detector;
use unspin_trace::index::Index;
use unspin_trace::{run_index, run_trace, Error, IndexCmd, TraceArgs};

#[derive(Parser)]
enum Cli {
    #[command(subcommand)]
    Index(IndexCmd),
    Trace(TraceArgs),
}

/// A fresh directory, removed when the test ends.
fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn run(args: &[&str], det: &Detector) -> Result<(), Error> {
    match Cli::try_parse_from(std::iter::once("unspin").chain(args.iter().copied())).unwrap() {
        Cli::Index(c) => run_index(&c, det),
        Cli::Trace(a) => run_trace(&a, det),
    }
}

#[test]
fn build_add_info_trace() {
    let dir = dir();
    let d = dir.path();
    let det = Detector::new(unspin_core::fixture::tiny_model());
    let refs = d.join("refs.jsonl");
    std::fs::write(
        &refs,
        concat!(
            r#"{"doc": "news", "body": "The president said the stock market fell sharply on Monday at a press conference."}"#,
            "\n",
            r#"{"doc": "science", "body": "We apply deep learning to the data, and deep learning is used in this work."}"#,
            "\n"
        ),
    )
    .unwrap();
    let more = d.join("minister.txt");
    std::fs::write(
        &more,
        "The minister said the plan will work and the economy is strong.",
    )
    .unwrap();
    let idx = d.join("refs.idx");
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    run(
        &[
            "index",
            "build",
            "--input",
            &s(&refs),
            "--field",
            "body",
            "--id-field",
            "doc",
            "--out",
            &s(&idx),
        ],
        &det,
    )
    .unwrap();
    assert_eq!(Index::open(&idx).unwrap().len(), 2);
    run(
        &["index", "add", "--index", &s(&idx), "--input", &s(&more)],
        &det,
    )
    .unwrap();
    let opened = Index::open(&idx).unwrap();
    assert_eq!(opened.len(), 3);
    assert_eq!(opened.doc_id(2), s(&more));
    drop(opened);
    run(&["index", "info", &s(&idx)], &det).unwrap();

    let q = d.join("query.txt");
    std::fs::write(&q, "The president mentioned the inventory market fell sharply on Monday at a press convention.").unwrap();
    run(&["trace", "--index", &s(&idx), &s(&q)], &det).unwrap();
    run(
        &["trace", "--index", &s(&idx), "--json", "--top", "1", &s(&q)],
        &det,
    )
    .unwrap();
    let batch = d.join("queries.jsonl");
    std::fs::write(
        &batch,
        "{\"id\": \"q1\", \"text\": \"The minister stated the plan will work.\"}\n",
    )
    .unwrap();
    run(&["trace", "--index", &s(&idx), "--input", &s(&batch)], &det).unwrap();
}

#[test]
fn errors_name_the_file() {
    let dir = dir();
    let d = dir.path();
    let det = Detector::new(unspin_core::fixture::tiny_model());
    let bogus = d.join("bogus.idx");
    std::fs::write(&bogus, b"definitely not an index").unwrap();
    let q = d.join("q.txt");
    std::fs::write(&q, "anything").unwrap();
    let e = run(
        &[
            "trace",
            "--index",
            bogus.to_str().unwrap(),
            q.to_str().unwrap(),
        ],
        &det,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("bogus.idx: not an unspin index"),
        "{e}"
    );
    let e = run(
        &[
            "index",
            "add",
            "--index",
            bogus.to_str().unwrap(),
            "--input",
            q.to_str().unwrap(),
        ],
        &det,
    )
    .unwrap_err();
    assert!(e.to_string().contains("bogus.idx"), "{e}");
    let bad = d.join("bad.jsonl");
    std::fs::write(&bad, "{\"text\": \"fine\"}\nnot json\n").unwrap();
    let out = d.join("never.idx");
    let e = run(
        &[
            "index",
            "build",
            "--input",
            bad.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &det,
    )
    .unwrap_err();
    assert!(e.to_string().contains("bad.jsonl:2"), "{e}");
    assert!(!out.exists(), "a failed build leaves no index behind");
    let e = run(&["trace", "--index", "x.idx", "--top", "0", "-"], &det).unwrap_err();
    assert!(matches!(e, Error::Usage(_)));
}
