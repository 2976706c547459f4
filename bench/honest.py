#!/usr/bin/env python3
"""Honest-text check: how many suggestions unspin makes on text that nobody spun.

    python3 bench/honest.py                      # the binary's embedded model
    python3 bench/honest.py --model M            # another model
    python3 bench/honest.py --engine-arg=--param=apply_clean=0.677

Three sets, each scored whole with `unspin scan --spans -` (one document per record):

- every State of the Union address before 1990, split at 1945 (the tune split's passages are cut
  from the earlier ones, the test split's from the later ones; the addresses from 1990 on are
  never read);
- the test split's clean passages (bench/out/devset/test/clean.jsonl, built by make_devset.py);
- the README of every crate in the Cargo registry of this machine with 600 words or more: modern
  English with code, which no fit has seen (they are there after any `cargo build`);
- the prose of the docstrings of the Python packages installed beside the interpreter that runs this
  script, one document per module (benchlib/docstrings.py): technical English, where "value",
  "interval" and "native" are honest words. Only the packages whose prose the tune split leaves out
  (with bench/requirements.txt installed, numpy and nltk among them); `--docstrings DIR` reads
  another tree.

For each set it prints the documents, the words, the substitution suggestions (and per 1,000 words),
the suggestions of tortured phrases (listed, composed and variants of known terms) and of debris
(spintax, recased initialisms, lookalike letters), the documents called spun and the highest score.
A suggestion on this text is a false change.
"""
import argparse
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from benchlib import docstrings, resources  # noqa: E402
from benchlib.scan import run_scan  # noqa: E402

ROOT = os.path.dirname(HERE)
MIN_README_WORDS = 600


def readmes():
    """(id, text) of the Cargo registry's crate READMEs of MIN_README_WORDS words or more."""
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    for path in sorted(glob.glob(os.path.join(home, "registry", "src", "*", "*", "README.md"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if len(text.split()) >= MIN_README_WORDS:
            yield os.path.basename(os.path.dirname(path)), text


def sets(devset, docstring_root):
    addresses = resources.sotu_addresses(1700, 1989)
    yield "addresses before 1945", [(a["file"], a["text"]) for a in addresses if a["year"] < 1945]
    yield "addresses 1945-1989", [(a["file"], a["text"]) for a in addresses if a["year"] >= 1945]
    clean = os.path.join(devset, "test", "clean.jsonl")
    if os.path.exists(clean):
        with open(clean) as f:
            yield "test clean passages", [(r["id"], r["text"]) for r in map(json.loads, f)]
    else:
        print(f"honest: no {clean} (run bench/make_devset.py): set skipped", file=sys.stderr)
    # Duplicate crate versions hold the same README; one of each text is enough.
    seen, docs = set(), []
    for name, text in readmes():
        if text not in seen:
            seen.add(text)
            docs.append((name, text))
    yield "crate READMEs", docs
    yield "Python docstrings", list(docstrings.docstrings(docstring_root, "test"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default=os.path.join(ROOT, "target", "release", "unspin"))
    ap.add_argument("--model", help="model file (default: the engine's embedded model)")
    ap.add_argument("--engine-arg", action="append", default=[], help="an argument for the engine (repeatable)")
    ap.add_argument("--devset", default=os.path.join(HERE, "out", "devset"))
    ap.add_argument("--docstrings", default=docstrings.site_packages(),
                    help="tree of Python modules whose docstrings are read (default: this interpreter's site-packages)")
    ap.add_argument("--list", action="store_true",
                    help="also print every substitution suggested, with its document, confidence and context")
    a = ap.parse_args()
    engine = [a.engine] + a.engine_arg
    print(f"{'set':24} {'docs':>5} {'words':>9} {'suggestions':>11} {'per 1k':>7} {'tortured':>8} {'debris':>6} "
          f"{'called spun':>11} {'max score':>9}")
    for name, docs in sets(a.devset, a.docstrings):
        if not docs:
            print(f"{name:24} (none)")
            continue
        reports = run_scan(engine, a.model, [text for _, text in docs])
        words = sum(r["words"] for r in reports)
        def suggested(kind):
            return sum(1 for r in reports for s in r["spans"] if s["kind"] == kind and s.get("suggestion"))
        sugg = suggested("substitution")
        spun = sum(r["verdict"] == "spun" for r in reports)
        top = max(r["score"] for r in reports)
        print(f"{name:24} {len(docs):5} {words:9} {sugg:11} {1000 * sugg / max(words, 1):7.2f} "
              f"{suggested('fingerprint'):8} {suggested('artifact'):6} {spun:11} {top:9.3f}")
        if a.list:
            for (doc, text), r in zip(docs, reports):
                data = text.encode("utf-8")
                for s in r["spans"]:
                    if s["kind"] == "substitution" and s.get("suggestion"):
                        left = data[max(0, s["start"] - 40):s["start"]].decode("utf-8", "replace")
                        right = data[s["end"]:s["end"] + 40].decode("utf-8", "replace")
                        context = " ".join(f"{left}[{s['text']} => {s['suggestion']}]{right}".split())
                        print(f"    {doc} (score {r['score']:.3f}) {s['confidence']:.2f}: {context}")


if __name__ == "__main__":
    main()
