//! End to end on the real model: `models/default.unspin` if it exists, else the model embedded
//! in the binary. Without either these tests print a notice and pass, unless
//! `UNSPIN_REQUIRE_DATA=1` (as `scripts/test.sh` sets when the model exists), when they fail.

use crate::common::*;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The model arguments for the real model, or `None` (after a notice) when there is none.
fn real_model(test: &str) -> Option<Vec<OsString>> {
    static FOUND: OnceLock<Option<Vec<OsString>>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models/default.unspin");
        if file.is_file() {
            return Some(vec!["--model".into(), file.into_os_string()]);
        }
        // No file: is a model embedded in the binary?
        let out = run([os("model")], b"");
        (out.code == Some(0)).then(Vec::new)
    });
    if found.is_none() {
        let msg = "no real model: models/default.unspin is absent and none is embedded (run scripts/setup.sh)";
        assert!(
            std::env::var("UNSPIN_REQUIRE_DATA").as_deref() != Ok("1"),
            "UNSPIN_REQUIRE_DATA=1 but {msg}"
        );
        eprintln!("skipping {test}: {msg}");
    }
    found.clone()
}

fn args(model: &[OsString]) -> Vec<&std::ffi::OsStr> {
    model.iter().map(OsString::as_os_str).collect()
}

/// [`args`] with a decoder parameter set, as `--param NAME=VALUE`.
fn args_with<'a>(model: &'a [OsString], param: &'a str) -> Vec<&'a std::ffi::OsStr> {
    let mut a = args(model);
    a.extend([os("--param"), os(param)]);
    a
}

/// A news paragraph put through a thesaurus spinner.
const SPUN: &str =
    "The inventory market plunged sharply on Monday as financiers fretted over climbing \
loan costs, the administration mentioned in an announcement. Authorities stated that the economic \
system stays sturdy, however numerous specialists cautioned that expansion could decelerate in the \
approaching months. The national bank is anticipated to elevate loan costs once more at its \
subsequent gathering.\n";

/// The original paragraph.
const CLEAN: &str = "The stock market fell sharply on Monday as investors worried about rising \
interest rates, the government said in a statement. Officials said that the economy remains strong, \
but many economists warned that growth could slow in the coming months. The central bank is \
expected to raise interest rates again at its next meeting.\n";

/// Another clean paragraph, of another kind (plain narrative).
const CLEAN_2: &str = "When the river rose in the spring, the farmers moved their animals to higher \
ground and waited. Some of them had lived through the great flood of their childhood, and they \
knew that the water would take what it wanted. By the end of the week the roads were closed, the \
schools were empty, and the town hall had become a shelter for families who had lost their homes.\n";

fn changed(r: &Report) -> usize {
    r.spans.iter().filter(|s| s.suggestion.is_some()).count()
}

#[test]
fn spun_paragraph_is_flagged_and_restored() {
    let Some(model) = real_model("spun_paragraph_is_flagged_and_restored") else {
        return;
    };
    let (report, restored) = assert_restore_consistent(&args(&model), SPUN);
    eprintln!(
        "spun paragraph: score {} verdict {} words {} spans {} restored {}\n{restored}",
        report.score,
        report.verdict,
        report.words,
        report.spans.len(),
        changed(&report)
    );
    assert_eq!(report.verdict, "spun", "{report:#?}");
    assert!(report.score >= 0.5, "score {}", report.score);
    assert!(restored.contains("The stock market"), "{restored}");
    // Changes under the `apply` confidence are reported without a suggestion; their evidence
    // still names the likely original, which must be the one the paragraph had.
    let named = |s: &&Span| s.evidence.split('"').nth(1).map(str::to_string);
    let right = report
        .spans
        .iter()
        .filter_map(|s| named(&s))
        .filter(|o| CLEAN.contains(o.as_str()))
        .count();
    assert!(
        right >= 4,
        "at least 4 spans found with the right original: {report:#?}"
    );
}

#[test]
fn a_short_text_under_its_bar_is_unsure_with_the_same_spans() {
    let Some(model) = real_model("a_short_text_under_its_bar_is_unsure_with_the_same_spans") else {
        return;
    };
    // A margin so high that no 55-word text can pass it: the verdict alone changes.
    let strict = args_with(&model, "short_margin=50");
    let (plain, high) = (check_stdin(&args(&model), SPUN), check_stdin(&strict, SPUN));
    assert_eq!(plain.verdict, "spun");
    assert_eq!(high.verdict, "unsure");
    assert_eq!((plain.score, &plain.spans), (high.score, &high.spans));
    // For people, the score it would need.
    let mut human = strict.clone();
    human.extend([os("check"), os("-")]);
    let out = run(&human, SPUN.as_bytes());
    let first = out
        .ok()
        .stdout()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("-: unsure (score"), "{first}");
    assert!(
        first.ends_with(" words is called spun from 1.00"),
        "{first}"
    );
}

#[test]
fn clean_paragraphs_stay_mostly_unchanged() {
    let Some(model) = real_model("clean_paragraphs_stay_mostly_unchanged") else {
        return;
    };
    let spun = check_stdin(&args(&model), SPUN);
    for clean in [CLEAN, CLEAN_2] {
        let (report, restored) = assert_restore_consistent(&args(&model), clean);
        eprintln!(
            "clean paragraph: score {} verdict {} words {} spans {} restored {}",
            report.score,
            report.verdict,
            report.words,
            report.spans.len(),
            changed(&report)
        );
        // At most one word in ten changed; far fewer than in the spun text.
        assert!(
            changed(&report) * 10 <= report.words as usize,
            "too many changes to a clean paragraph:\n{restored}\n{report:#?}"
        );
        assert!(changed(&report) < changed(&spun), "{report:#?}");
        assert!(report.score <= spun.score);
    }
}

#[test]
fn tortured_phrase_fingerprint_is_restored() {
    let Some(model) = real_model("tortured_phrase_fingerprint_is_restored") else {
        return;
    };
    let input = "In this paper we study counterfeit consciousness for medical images.";
    let (report, restored) = assert_restore_consistent(&args(&model), input);
    let fp = report.span("a fingerprint span", |s| s.kind == "fingerprint");
    assert_eq!(fp.text, "counterfeit consciousness");
    assert_eq!(fp.suggestion.as_deref(), Some("artificial intelligence"));
    assert!(restored.contains("artificial intelligence"), "{restored}");
}

#[test]
fn a_listed_phrase_that_is_common_english_needs_another_sighting() {
    let Some(model) = real_model("a_listed_phrase_that_is_common_english_needs_another_sighting")
    else {
        return;
    };
    // "search engine" is listed for "machine learning", and is among English's most frequent
    // word pairs: alone it is honest.
    let honest = "We built a search engine for the library catalogue.";
    let (report, restored) = assert_restore_consistent(&args(&model), honest);
    assert!(
        report.spans.iter().all(|s| s.kind != "fingerprint"),
        "{report:#?}"
    );
    assert_eq!(restored, honest);
    let mill = "We built a search engine with counterfeit consciousness for the library catalogue.";
    let (report, _) = assert_restore_consistent(&args(&model), mill);
    let found: Vec<_> = report
        .spans
        .iter()
        .filter(|s| s.kind == "fingerprint")
        .map(|s| s.suggestion.as_deref())
        .collect();
    assert_eq!(
        found,
        [Some("machine learning"), Some("artificial intelligence")],
        "{report:#?}"
    );
}

#[test]
fn spinner_habits_are_put_right() {
    let Some(model) = real_model("spinner_habits_are_put_right") else {
        return;
    };
    for (input, want) in [
        // "FBI" and "CEO" are read letter by letter, so "Fbi" is a spinner's recasing; "NASA"
        // is read as a word and "Nasa" is a house style, left alone.
        (
            "The Fbi questioned two Ceos about the Nasa contract.",
            "The FBI questioned two CEOs about the Nasa contract.",
        ),
        // A spinner pair carried to its possessive, with the text's apostrophe.
        (
            "The corporate\u{2019}s shares fell after it reported weak earnings.",
            "The company\u{2019}s shares fell after it reported weak earnings.",
        ),
        // A heading in capitals whose substitutes got a first capital only.
        (
            "COUNTERFEIT Consciousness IN MEDICINE",
            "ARTIFICIAL INTELLIGENCE IN MEDICINE",
        ),
        // Only the substitute's first word keeps the capital: "Financial institution" reads
        // well as words, and the name around it gives it away.
        (
            "The Reserve Financial institution of Australia kept its key interest rate on hold.",
            "The Reserve Bank of Australia kept its key interest rate on hold.",
        ),
        // "12 months" for "year", where grammar gives it away.
        (
            "Sales rose in a 12 months of growth, after final 12 months\u{2019}s slump.",
            "Sales rose in a year of growth, after last year\u{2019}s slump.",
        ),
    ] {
        let (report, restored) = assert_restore_consistent(&args(&model), input);
        assert_eq!(restored, want, "{report:#?}");
    }
    // Where the possessive is the only spun word of a short text, its original is named,
    // whether or not the text says enough to write it. The expansion gate is off: whether a
    // phrase is worth scoring in so short a text is the fitted gate's call, which moves with
    // every refit; what is tested here is the possessive's reading.
    let input = "The firm said the corporate\u{2019}s chart only goes back to 2016.";
    let report = check_stdin(&args_with(&model, "gate=0"), input);
    let span = report.span("a span on the possessive", |s| {
        s.text == "corporate\u{2019}s"
    });
    assert!(
        span.suggestion.as_deref() == Some("company\u{2019}s")
            || (span.suggestion.is_none() && span.evidence.contains("\"company's\"")),
        "{span:#?}"
    );
}

#[test]
fn the_readme_shows_what_check_prints_on_the_bundled_example() {
    let Some(model) = real_model("the_readme_shows_what_check_prints_on_the_bundled_example")
    else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let command = "$ target/release/unspin check examples/spun.txt\n";
    let shown = readme
        .split_once(command)
        .and_then(|(_, after)| after.split_once("```"))
        .map(|(block, _)| block)
        .expect("the README shows `unspin check examples/spun.txt` and its output");
    let example = root.join("examples/spun.txt");
    let mut a = args(&model);
    a.extend([os("check"), example.as_os_str()]);
    let out = run(&a, b"");
    // The command is shown as run from the repository's root.
    let printed = out
        .ok()
        .stdout()
        .replace(example.to_str().unwrap(), "examples/spun.txt");
    assert_eq!(printed, shown, "README.md's example output is stale");
}

#[test]
fn a_name_broken_by_a_phrase_is_flagged_and_left_as_it_is() {
    let Some(model) = real_model("a_name_broken_by_a_phrase_is_flagged_and_left_as_it_is") else {
        return;
    };
    let input = "The comedian Kevin Coronary heart said his new tour starts in May.";
    let (report, restored) = assert_restore_consistent(&args(&model), input);
    assert_eq!(restored, input);
    let span = report.span("a flag on the phrase", |s| s.text == "Coronary heart");
    assert!(span.suggestion.is_none() && span.evidence.starts_with("a broken name"));
    // An honest name before a phrase ("Rock" is a surname) gets nothing.
    let honest = check_stdin(&args(&model), "Fans of Chris Rock music came to the show.");
    assert!(honest.spans.is_empty(), "{honest:#?}");
}

#[test]
fn the_article_before_a_restored_phrase_is_made_to_agree() {
    let Some(model) = real_model("the_article_before_a_restored_phrase_is_made_to_agree") else {
        return;
    };
    let input =
        "We apply an arbitrary timberland and An Arbitrary Timberland, not a arbitrary timberland.";
    let (report, restored) = assert_restore_consistent(&args(&model), input);
    assert_eq!(
        restored, "We apply a random forest and A Random Forest, not a random forest.",
        "{report:#?}"
    );
    // The article joins the span, so that restore applies exactly what check reports.
    assert_eq!(
        report.spans[0].text, "an arbitrary timberland",
        "{report:#?}"
    );
}

#[test]
fn words_broken_across_lines_are_read_whole_other_forms_as_written() {
    let Some(model) = real_model("words_broken_across_lines_are_read_whole_other_forms_as_written")
    else {
        return;
    };
    // Text from a PDF: words broken by a hyphen at the end of a line, a hard wrap.
    let input =
        "In this paper we study counter-\nfeit consciousness for medical images, while the\n\
                 inven-\ntory market fell, a well-\nknown fact.\n";
    let (report, restored) = assert_restore_consistent(&args(&model), input);
    assert!(
        restored.starts_with("In this paper we study artificial intelligence for medical images"),
        "{restored}\n{report:#?}"
    );
    assert!(restored.contains("while the\nstock market"), "{restored}");
    assert!(restored.contains("a well-\nknown fact"), "{restored}");
    // In capitals, the same sentence is restored in capitals.
    let (_, restored) = assert_restore_consistent(
        &args(&model),
        "THE INVENTORY MARKET PLUNGED ON MONDAY, THE ADMINISTRATION MENTIONED.",
    );
    assert!(restored.starts_with("THE STOCK MARKET"), "{restored}");
}

#[test]
fn a_spun_part_of_a_long_document_is_found_and_restored() {
    let Some(model) = real_model("a_spun_part_of_a_long_document_is_found_and_restored") else {
        return;
    };
    // Two spun paragraphs among twenty honest ones: the document is judged by its parts too,
    // and each change by the rates around it, not by the whole, which would hide them. (One
    // alone, 55 words among 1,380, is too little to go by: DESIGN.md, "Long documents".)
    let honest = format!("{CLEAN_2}\n").repeat(10);
    let mixed = format!("{honest}{SPUN}{SPUN}\n{honest}");
    let (report, restored) = assert_restore_consistent(&args(&model), &mixed);
    assert_eq!(report.verdict, "spun", "{report:#?}");
    assert!(changed(&report) >= 5, "{report:#?}");
    assert!(restored.contains("The stock market plunged"), "{restored}");
    // Judged whole (`parts` at 0), the spun paragraph is diluted by the rest.
    let (report, _) = assert_restore_consistent(&args_with(&model, "parts=0"), &mixed);
    assert_eq!(report.verdict, "clean", "{report:#?}");
    // A long honest document has many parts to pick its likeliest-looking one from, and stays
    // clean.
    let long = format!("{CLEAN_2}\n{CLEAN}\n").repeat(12);
    let (report, _) = assert_restore_consistent(&args(&model), &long);
    assert_eq!(report.verdict, "clean", "{report:#?}");
    assert_eq!(changed(&report), 0, "{report:#?}");
}

#[test]
fn restore_keeps_layout_with_the_real_model() {
    let Some(model) = real_model("restore_keeps_layout_with_the_real_model") else {
        return;
    };
    let messy = format!(
        "\u{feff}Title:\tA “report”\r\n\r\n{}\r\n  — 東京, 2024 🙂\t\r\n{}",
        SPUN.trim_end().replace(". ", ".\r\n\t"),
        CLEAN.replace(", ", ",  ")
    );
    let (report, restored) = assert_restore_consistent(&args(&model), &messy);
    assert!(changed(&report) >= 1, "{report:#?}");
    assert!(restored.contains("The stock market"), "{restored}");
}

#[test]
fn mined_spinner_phrases_are_tried_first() {
    let Some(model) = real_model("mined_spinner_phrases_are_tried_first") else {
        return;
    };
    // "in keeping with" for "according to" is seen in several real article pairs: the original
    // comes first, before the thesaurus's more frequent words, and the phrase is marked as one
    // that is tried however well it fits. (Before, "in line" being a key of its own hid "in line
    // with" from the decoder altogether.)
    let mut a = args(&model);
    a.extend([os("model"), os("--candidates"), os("in keeping with")]);
    let out = run(a, b"");
    let text = out.ok().stdout();
    let mut lines = text.lines();
    assert!(
        lines.next().unwrap().starts_with("\"in keeping with\""),
        "{text}"
    );
    assert!(lines.next().unwrap().contains("real spinners"), "{text}");
    assert!(lines.next().unwrap().contains("according to"), "{text}");
}
