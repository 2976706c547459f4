//! Bad input: exit code 2, nothing on stdout, and one `unspin: ...` line naming the input.

use crate::common::*;

fn args_with<'a>(pre: &[&'a str], file: &'a std::ffi::OsStr) -> Vec<&'a std::ffi::OsStr> {
    let mut v: Vec<&std::ffi::OsStr> = pre.iter().map(|s| os(s)).collect();
    v.push(file);
    with_fixture(&v)
}

#[test]
fn missing_file() {
    let s = Scratch::new();
    let missing = s.path().join("no-such-file.txt");
    for pre in READERS {
        let out = run(args_with(pre, missing.as_os_str()), b"");
        out.bad_input(&[&missing.display().to_string()]);
    }
}

#[test]
fn directory_instead_of_file() {
    let s = Scratch::new();
    for pre in READERS {
        let out = run(args_with(pre, s.path().as_os_str()), b"");
        out.bad_input(&[&s.path().display().to_string(), "directory"]);
    }
}

#[test]
fn invalid_utf8_names_file_and_byte_offset() {
    let s = Scratch::new();
    // "héllo " is 7 bytes; then a lone continuation byte.
    let bad = s.file("latin1.txt", b"h\xc3\xa9llo \x80 world\n");
    for pre in READERS {
        let out = run(args_with(pre, bad.as_os_str()), b"");
        out.bad_input(&[&bad.display().to_string(), "UTF-8", "byte offset 7"]);
    }
    // A sequence cut short at the very end.
    let cut = s.file("cut.txt", b"ok \xe6\x9d");
    run(args_with(&["check"], cut.as_os_str()), b"").bad_input(&["cut.txt", "byte offset 3"]);
    // Standard input is named `-`.
    let out = run(with_fixture(&[os("check"), os("-")]), b"abc\xffdef");
    out.bad_input(&["-: ", "byte offset 3"]);
}

#[test]
fn missing_model_path() {
    let s = Scratch::new();
    let missing = s.path().join("nowhere.unspin");
    let input = s.file("in.txt", "The inventory market fell.");
    for cmd in [&["check"][..], &["restore"], &["model"], &["perplexity"]] {
        let mut args = vec![os("--model"), missing.as_os_str()];
        args.extend(cmd.iter().map(|c| os(c)));
        if cmd[0] != "model" {
            args.push(input.as_os_str());
        }
        run(&args, b"").bad_input(&[&missing.display().to_string()]);
    }
    // Through the environment too.
    let out = run_env(
        [os("check"), input.as_os_str()],
        b"",
        &[("UNSPIN_MODEL", missing.as_os_str())],
    );
    out.bad_input(&[&missing.display().to_string()]);
}

#[test]
fn corrupt_model_files() {
    let s = Scratch::new();
    let good = unspin_core::fixture::tiny_model_bytes();
    let input = s.file("in.txt", "The inventory market fell sharply on Monday.");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.unspin", Vec::new()),
        ("text.unspin", b"this is not a model\n".to_vec()),
        ("header-only.unspin", good[..32].to_vec()),
        ("half.unspin", good[..good.len() / 2].to_vec()),
        ("one-short.unspin", good[..good.len() - 1].to_vec()),
        ("flipped.unspin", flipped),
    ];
    let mut padded = good.clone();
    padded.extend_from_slice(b"trailing junk");
    cases.push(("padded.unspin", padded));
    let mut version = good.clone();
    version[8] = 99;
    cases.push(("version.unspin", version));
    for (name, bytes) in cases {
        let model = s.file(name, bytes);
        for cmd in ["check", "restore", "model"] {
            let mut args = vec![os("--model"), model.as_os_str(), os(cmd)];
            if cmd != "model" {
                args.push(input.as_os_str());
            }
            run(&args, b"").bad_input(&[name]);
        }
    }
    // A directory given as the model.
    run([os("--model"), s.path().as_os_str(), os("model")], b"")
        .bad_input(&[&s.path().display().to_string()]);
}

#[test]
fn bad_param() {
    let input = "The inventory market fell sharply on Monday.";
    for (param, needles) in [
        ("no_such_param=1", &["no_such_param"][..]),
        ("min_words", &["min_words", "NAME=VALUE"]),
        ("min_words=many", &["min_words=many", "number"]),
        ("=3", &["=3"]),
    ] {
        let out = run(
            with_fixture(&[os("--param"), os(param), os("check"), os("-")]),
            input.as_bytes(),
        );
        out.bad_input(needles);
    }
}

#[test]
fn usage_errors_exit_2() {
    // Unknown subcommand and unexpected extra arguments are clap usage errors: exit 2.
    for args in [
        &["frobnicate"][..],
        &["restore", "a", "b"],
        &["check", "--no-such-flag"],
    ] {
        let out = run(
            with_fixture(&args.iter().map(|a| os(a)).collect::<Vec<_>>()),
            b"",
        );
        assert_eq!(out.code, Some(EXIT_BAD_INPUT), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn check_stops_at_a_missing_file_among_several() {
    let s = Scratch::new();
    let good = s.file("good.txt", "The inventory market fell sharply on Monday.");
    let missing = s.path().join("missing.txt");
    let out = run(
        with_fixture(&[
            os("check"),
            os("--json"),
            good.as_os_str(),
            missing.as_os_str(),
        ]),
        b"",
    );
    assert_eq!(out.code, Some(EXIT_BAD_INPUT), "{}", out.stderr);
    assert!(out.stderr.starts_with("unspin: "), "{}", out.stderr);
    assert!(
        out.stderr.contains(&missing.display().to_string()),
        "{}",
        out.stderr
    );
}

#[test]
fn without_a_model_the_message_says_how_to_get_one() {
    // With a model embedded at build time, `unspin model` works with no --model; without one it
    // must say how to get one.
    let out = run([os("model")], b"");
    if out.code == Some(0) {
        assert!(out.stdout().contains("size: "), "{}", out.stdout());
    } else {
        out.bad_input(&["scripts/setup.sh", "--model"]);
    }
}
