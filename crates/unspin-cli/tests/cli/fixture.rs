//! The CLI contract, on the fixture model from `unspin_core::fixture`.

use crate::common::*;
use std::ffi::OsStr;

/// `--model <fixture>`.
fn fx() -> Vec<&'static OsStr> {
    with_fixture(&[])
}

const SPUN: &str = "The inventory market fell sharply on Monday.";

#[test]
fn check_json_reports_documented_shape_and_byte_offsets() {
    let s = Scratch::new();
    let f = s.file("news.txt", format!("{SPUN}\n"));
    let out = run(
        with_fixture(&[os("check"), os("--json"), f.as_os_str()]),
        b"",
    );
    out.ok();
    let text = format!("{SPUN}\n");
    let lines: Vec<&str> = out.stdout().lines().collect();
    assert_eq!(lines.len(), 1, "{:?}", out.stdout());
    let r = parse_report(lines[0], &text);
    assert_eq!(r.path, f.display().to_string());
    assert_eq!(r.words, 7);
    let inv = r
        .spans
        .iter()
        .find(|s| s.text == "inventory")
        .unwrap_or_else(|| panic!("`inventory` is flagged: {r:?}"));
    assert_eq!((inv.start, inv.end), (4, 13));
    assert_eq!(inv.suggestion.as_deref(), Some("stock"));
    assert_eq!(inv.kind, "substitution");
    assert!(!inv.evidence.is_empty());
}

#[test]
fn offsets_are_bytes_after_multibyte_text() {
    // Every character before the span is 2, 3 or 4 bytes long in UTF-8.
    let input = "Café naïve — 東京 🙂. The inventory market fell sharply on Monday.";
    let r = check_stdin(&fx(), input);
    let inv = r
        .spans
        .iter()
        .find(|s| s.text == "inventory")
        .expect("flagged");
    let at = input.find("inventory").unwrap();
    assert_eq!((inv.start, inv.end), (at, at + "inventory".len()));
}

#[test]
fn check_many_files_gives_one_line_each_in_order() {
    let s = Scratch::new();
    let a = s.file("a.txt", SPUN);
    let b = s.file("b.txt", "The stock market fell sharply on Monday.");
    let out = run(
        with_fixture(&[os("check"), os("--json"), a.as_os_str(), b.as_os_str()]),
        b"",
    );
    out.ok();
    let lines: Vec<&str> = out.stdout().lines().collect();
    assert_eq!(lines.len(), 2, "{:?}", out.stdout());
    let ra = parse_report(lines[0], SPUN);
    let rb = parse_report(lines[1], "The stock market fell sharply on Monday.");
    assert_eq!(ra.path, a.display().to_string());
    assert_eq!(rb.path, b.display().to_string());
    assert!(!ra.spans.is_empty());
    assert!(rb.spans.iter().all(|s| s.suggestion.is_none()), "{rb:?}");
}

#[test]
fn stdin_is_named_dash() {
    for args in [
        vec![os("check"), os("--json"), os("-")],
        vec![os("check"), os("--json")],
    ] {
        let out = run(with_fixture(&args), SPUN.as_bytes());
        out.ok();
        let r = parse_report(out.stdout().trim_end(), SPUN);
        assert_eq!(r.path, "-", "args {args:?}");
        assert!(r.spans.iter().any(|s| s.text == "inventory"));
    }
}

#[test]
fn empty_input_scores_zero_and_is_unsure() {
    let s = Scratch::new();
    let empty = s.file("empty.txt", "");
    let from_file = run(
        with_fixture(&[os("check"), os("--json"), empty.as_os_str()]),
        b"",
    );
    let from_stdin = run(with_fixture(&[os("check"), os("--json"), os("-")]), b"");
    for out in [from_file, from_stdin] {
        out.ok();
        let r = parse_report(out.stdout().trim_end(), "");
        assert_eq!(r.score, 0.0);
        assert_eq!(r.verdict, "unsure");
        assert_eq!(r.words, 0);
        assert!(r.spans.is_empty());
    }
    // Whitespace only: no words either.
    let r = check_stdin(&fx(), " \n\t\r\n  ");
    assert_eq!((r.score, r.verdict.as_str(), r.words), (0.0, "unsure", 0));
    // Restoring nothing prints nothing.
    let out = run(with_fixture(&[os("restore"), empty.as_os_str()]), b"");
    out.ok();
    assert!(out.stdout.is_empty());
}

#[test]
fn restore_replaces_spans_and_keeps_every_other_byte() {
    let inputs = [
        SPUN.to_string(),
        format!("{SPUN}\n"),
        // CRLF, tabs, runs of spaces, no final newline.
        "  The\tinventory  market fell sharply on Monday.\r\n\r\nThe minister mentioned the plan will work.\t \r\n  "
            .to_string(),
        // Unicode around and between the spans, a leading BOM-like mark and NBSPs.
        "\u{feff}« The inventory market fell sharply on Monday », she mentioned — 東京\u{a0}🙂\u{a0}"
            .to_string(),
        // Capitalised and upper-case spun words.
        "Inventory markets fell. THE INVENTORY MARKET FELL SHARPLY ON MONDAY.\n".to_string(),
        // Nothing to restore.
        "the stock market fell sharply on monday\n".to_string(),
    ];
    let mut changed = 0;
    for input in &inputs {
        let (report, restored) = assert_restore_consistent(&fx(), input);
        if restored != *input {
            changed += 1;
        }
        if input.contains("The inventory market") || input.contains("The\tinventory  market") {
            assert!(
                restored.contains("stock"),
                "{input:?} -> {restored:?} ({report:?})"
            );
            assert!(!restored.contains("inventory"), "{input:?} -> {restored:?}");
        }
    }
    assert!(changed >= 4, "most inputs are restored");
    assert_eq!(
        run(with_fixture(&[os("restore")]), SPUN.as_bytes())
            .ok()
            .stdout(),
        "The stock market fell sharply on Monday."
    );
}

#[test]
fn restore_leaves_clean_text_byte_for_byte() {
    let input =
        "the stock market fell sharply on monday\r\n\tthe president said the economy is strong\n";
    let (report, restored) = assert_restore_consistent(&fx(), input);
    assert_eq!(restored, input, "{report:?}");
}

#[test]
fn restore_applies_exactly_the_spans_with_a_suggestion() {
    let input = "The inventory market fell sharply on Monday, the minister mentioned at a press convention. \
                 We apply profound learning to the data.";
    let (report, restored) = assert_restore_consistent(&fx(), input);
    let applied: Vec<_> = report
        .spans
        .iter()
        .filter(|s| s.suggestion.is_some())
        .collect();
    assert!(applied.len() >= 2, "{report:?}");
    for s in report.spans.iter().filter(|s| s.suggestion.is_none()) {
        assert!(
            restored.contains(&s.text),
            "a span without suggestion is kept: {s:?}"
        );
    }
    assert!(restored.contains("stock market"), "{restored}");
}

#[test]
fn tortured_phrase_is_a_fingerprint() {
    let input = "In this work we apply profound learning to the data.";
    let r = check_stdin(&fx(), input);
    let fp = r.span("a fingerprint span", |s| s.kind == "fingerprint");
    assert_eq!(fp.text, "profound learning");
    assert_eq!(fp.suggestion.as_deref(), Some("deep learning"));
}

#[test]
fn diff_marks_each_change_and_keeps_the_rest() {
    let input = "The inventory market fell sharply on Monday.\r\n\tThe minister mentioned it.\n";
    let report = check_stdin(&fx(), input);
    let out = run(
        with_fixture(&[os("restore"), os("--diff"), os("-")]),
        input.as_bytes(),
    );
    out.ok();
    let mut expected = String::new();
    let mut pos = 0;
    for s in report.spans.iter().filter(|s| s.suggestion.is_some()) {
        expected.push_str(&input[pos..s.start]);
        expected.push_str(&format!(
            "[-{}-]{{+{}+}}",
            s.text,
            s.suggestion.as_ref().unwrap()
        ));
        pos = s.end;
    }
    expected.push_str(&input[pos..]);
    assert_eq!(out.stdout(), expected);
    assert!(
        out.stdout()
            .starts_with("The [-inventory-]{+stock+} market"),
        "{}",
        out.stdout()
    );
    assert!(!out.stdout().contains('\x1b'), "no colour into a pipe");

    // Unchanged text diffs to itself.
    let clean = "the stock market fell sharply on monday\n";
    let out = run(
        with_fixture(&[os("restore"), os("--diff")]),
        clean.as_bytes(),
    );
    assert_eq!(out.ok().stdout(), clean);

    // Colour on request.
    let out = run(
        with_fixture(&[os("restore"), os("--diff"), os("--color"), os("always")]),
        input.as_bytes(),
    );
    let coloured = out.ok().stdout();
    assert!(coloured.contains("\x1b[31m[-inventory-]"), "{coloured:?}");
    assert!(coloured.contains("\x1b[32m{+stock+}"), "{coloured:?}");
}

#[test]
fn human_check_output_names_the_file_and_shows_suggestions() {
    let s = Scratch::new();
    let f = s.file("spun.txt", format!("{SPUN}\n"));
    let out = run(with_fixture(&[os("check"), f.as_os_str()]), b"");
    let text = out.ok().stdout();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with(&format!("{}: ", f.display())), "{first}");
    assert!(first.contains("7 words"), "{first}");
    assert!(text.contains("[inventory => stock]"), "{text}");
    assert!(!text.contains('\x1b'), "no colour into a pipe");
}

#[test]
fn model_env_var_and_model_command() {
    // UNSPIN_MODEL selects the model like --model does.
    let out = run_env(
        [os("check"), os("--json")],
        SPUN.as_bytes(),
        &[("UNSPIN_MODEL", fixture_model().as_os_str())],
    );
    out.ok();
    let r = parse_report(out.stdout().trim_end(), SPUN);
    assert!(r
        .spans
        .iter()
        .any(|s| s.suggestion.as_deref() == Some("stock")));

    let out = run(with_fixture(&[os("model")]), b"");
    let info = out.ok().stdout();
    for line in [
        "size: ",
        "phrases: ",
        "fingerprints: 4",
        "composed fingerprints: 0",
        "terms for variants: 0",
        "change scorer: linear (c_* parameters)",
        "expansion gate: none (every suspect phrase is expanded)",
        "metadata: {\"fixture\":true}",
        "param min_words 5",
    ] {
        assert!(
            info.contains(line),
            "`unspin model` shows {line:?}:\n{info}"
        );
    }
}

#[test]
fn model_lists_the_candidates_of_a_phrase() {
    let out = run(
        with_fixture(&[os("model"), os("--candidates"), os("Economic  System")]),
        b"",
    );
    let text = out.ok().stdout();
    assert!(
        text.starts_with("\"economic system\": 1 originals"),
        "{text}"
    );
    assert!(text.contains("economy"), "{text}");
    assert!(text.contains("moby+wordnet"), "{text}");
    let out = run(
        with_fixture(&[os("model"), os("--candidates"), os("zebra")]),
        b"",
    );
    let text = out.ok().stdout();
    assert!(text.contains("not in the lexicon"), "{text}");
    // `-` lists every phrase read from standard input, in turn, blank lines skipped.
    let out = run(
        with_fixture(&[os("model"), os("--candidates"), os("-")]),
        b"zebra\n\nEconomic System\n",
    );
    let text = out.ok().stdout();
    let zebra = text.find("\"zebra\": not in the lexicon").expect(text);
    let system = text.find("\"economic system\": 1 originals").expect(text);
    assert!(zebra < system, "{text}");
}

#[test]
fn param_overrides_are_accepted_and_take_effect() {
    let base = check_stdin(&fx(), SPUN);
    // A valid override of a listed parameter works.
    let same = check_stdin(&with_fixture(&[os("--param"), os("min_words=5")]), SPUN);
    assert_eq!(same.spans.len(), base.spans.len());
    // With a minimum of 1000 words the text is too short to judge.
    let short = check_stdin(&with_fixture(&[os("--param"), os("min_words=1000")]), SPUN);
    assert_eq!(short.verdict, "unsure");
}

#[test]
fn perplexity_prints_one_json_line() {
    let out = run(
        with_fixture(&[os("perplexity")]),
        b"the stock market fell sharply on monday",
    );
    let v: serde_json::Value = serde_json::from_str(out.ok().stdout().trim_end()).unwrap();
    assert_eq!(v["path"], "-");
    assert_eq!(v["words"], 7);
    assert!(v["perplexity"].as_f64().unwrap() > 1.0, "{v}");
}

#[test]
fn large_input_through_stdin() {
    // Many sentences, with the line endings of several systems: every one is restored and the
    // layout is kept (the pipe is written while unspin reads it).
    let mut input = String::new();
    for i in 0..2000 {
        input.push_str(SPUN);
        input.push_str(["\n", "\r\n", " ", "\t\n\n"][i % 4]);
    }
    let (report, restored) = assert_restore_consistent(&fx(), &input);
    assert_eq!(
        report
            .spans
            .iter()
            .filter(|s| s.text == "inventory")
            .count(),
        2000
    );
    assert!(!restored.contains("inventory"));
    assert_eq!(restored.matches("stock market").count(), 2000);
}

#[test]
fn version_and_help() {
    let out = run([os("--version")], b"");
    assert!(out.ok().stdout().starts_with("unspin "), "{}", out.stdout());
    let out = run([os("--help")], b"");
    for cmd in ["check", "restore", "model", "perplexity"] {
        assert!(out.ok().stdout().contains(cmd), "--help lists {cmd}");
    }
    assert!(
        !out.stdout()
            .lines()
            .any(|l| l.trim_start().starts_with("eval ")),
        "eval is hidden"
    );
}

#[test]
fn eval_dump_names_each_documents_passage() {
    // Fits hold out every copy of a passage together, so the dump carries the passage id.
    let s = Scratch::new();
    let clean = s.file(
        "clean.jsonl",
        "{\"id\": \"p-1\", \"text\": \"The stock market fell on Monday.\"}\n",
    );
    let spun = s.file(
        "spun.jsonl",
        format!(
            "{{\"id\": \"p-1\", \"spun\": \"{SPUN}\", \"spans\": \
             [{{\"start\": 4, \"end\": 13, \"original\": \"stock\"}}]}}\n\
             {{\"spun\": \"{SPUN}\", \"spans\": []}}\n"
        ),
    );
    let dump = s.path().join("dump.jsonl");
    run(
        with_fixture(&[
            os("eval"),
            os("--dump"),
            dump.as_os_str(),
            os("--clean"),
            clean.as_os_str(),
            spun.as_os_str(),
        ]),
        b"",
    )
    .ok();
    let ids: Vec<serde_json::Value> = std::fs::read_to_string(&dump)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("doc").is_some())
        .map(|v| v["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [
            serde_json::json!("p-1"),
            "p-1".into(),
            serde_json::Value::Null
        ]
    );
}
