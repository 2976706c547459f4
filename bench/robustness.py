#!/usr/bin/env python3
"""Robustness benchmark: the same passages in other forms (capitals, title case, hard-wrapped, typographic
apostrophes, no-break spaces, words broken by a hyphen at line ends, raw HTML with tags and character
references, soft hyphens inside long words, ligatures, Cyrillic lookalike letters), scored as they are as
written.

    python3 bench/robustness.py                          # test split; nlpaug 25 %, farm 25 %, paper mill, clean
    python3 bench/robustness.py --sets nlpaug-25,mined-25 --forms written,capitals --model models/x.unspin

It also puts one passage of each spun set among 3 and 7 clean ones (--mixed), as a page that copied one
spun article among its own text, and scores those documents against the same clean passages alone.

For each set and form it prints restoration recall and precision (exact spans, as bench/quality.py
counts them), the suggestions per 1,000 words, and the passages the engine calls spun.  A form should
score as the text as written does: a spun text in capitals or hard-wrapped is the same spun text.  Spans
map back to the written text by character (benchlib/forms.py).
The engine runs as `unspin scan --spans -` on JSONL.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import OUT_DIR, REPO_DIR  # noqa: E402
from benchlib.forms import FORMS, INDEXED, CharMap  # noqa: E402
from benchlib.metrics import auroc, exact_matches, ratio, suggestions  # noqa: E402
from benchlib.scan import run_scan  # noqa: E402
from benchlib.textspan import count_words  # noqa: E402


def score(engine: list[str], model: str | None, rows: list[dict], form: str) -> dict:
    """Run the engine on every row's text in form `form`; return the set's figures."""
    if form in INDEXED:
        made = [INDEXED[form](r["text"]) for r in rows]
        texts, indexes = [t for t, _ in made], [ix for _, ix in made]
    else:
        texts, indexes = [FORMS[form](r["text"]) for r in rows], [None] * len(rows)
    exact = gold = suggested = spun = words = 0
    for row, text, index, result in zip(rows, texts, indexes, run_scan(engine, model, texts)):
        to_written = CharMap(row["text"], text, index)
        # Spans as on the written text, their own text too: debris that a form added and a
        # suggestion takes away ("mаrket" back to "market") is then no change at all.
        written = row["text"].encode("utf-8")
        spans = [dict(m, text=written[m["start"]:m["end"]].decode("utf-8", "replace"))
                 for m in map(to_written.span, result.get("spans", []))]
        exact += exact_matches(row["spans"], spans)
        gold += len(row["spans"])
        suggested += len(suggestions(spans))
        spun += result["verdict"] == "spun"
        words += count_words(row["text"])
    return {"recall": ratio(exact, gold), "precision": ratio(exact, suggested) if gold else None,
            "per_1000": 1000 * suggested / max(words, 1), "spun": spun, "passages": len(rows)}


def mixed(engine: list[str], model: str | None, spun_rows: list[dict], clean: list[str], n_clean: int,
          docs: int = 100) -> dict:
    """One spun passage among `n_clean` clean ones, in a random place (seeded), against the same
    clean passages alone: passages called spun, exact recall in the spun passage, AUROC, and false
    changes per 1,000 words of the clean documents."""
    import random
    rnd = random.Random(n_clean)
    texts, golds, negatives = [], [], []
    for i in range(docs):
        picks = rnd.sample(range(len(clean)), n_clean + 1)
        parts = [clean[c] for c in picks[:n_clean]]
        at = rnd.randrange(n_clean + 1)
        row = spun_rows[(7 * i) % len(spun_rows)]
        before = "".join(p + "\n\n" for p in parts[:at])
        shift = len(before.encode("utf-8"))
        texts.append(before + row["text"] + "".join("\n\n" + p for p in parts[at:]))
        golds.append([dict(g, start=g["start"] + shift, end=g["end"] + shift) for g in row["spans"]])
        negatives.append("\n\n".join(clean[c] for c in picks))
    pos, neg = run_scan(engine, model, texts), run_scan(engine, model, negatives)
    exact = sum(exact_matches(g, r.get("spans", [])) for g, r in zip(golds, pos))
    false = sum(len(suggestions(r.get("spans", []))) for r in neg)
    return {"spun": sum(r["verdict"] == "spun" for r in pos), "clean_spun": sum(r["verdict"] == "spun" for r in neg),
            "recall": ratio(exact, sum(len(g) for g in golds)),
            "auroc": auroc([r["score"] for r in pos], [r["score"] for r in neg]),
            "false_per_1000": 1000 * false / max(sum(r["words"] for r in neg), 1), "docs": docs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default=str(REPO_DIR / "target" / "release" / "unspin"),
                    help="engine command (split like a shell line); default target/release/unspin")
    ap.add_argument("--model", default=None, help="model file passed as --model")
    ap.add_argument("--devset", type=Path, default=OUT_DIR / "devset")
    ap.add_argument("--split", default="test", choices=("tune", "test"))
    ap.add_argument("--sets", default="clean,nlpaug-25,farm-25,papermill-15",
                    help="comma-separated sets of the split (default: %(default)s)")
    ap.add_argument("--forms", default=",".join(FORMS), help="comma-separated forms (default: all)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N passages of each set")
    ap.add_argument("--mixed", default="3,7",
                    help="also put one passage of each spun set among this many clean ones (comma-separated; "
                         "'' for none; default: %(default)s)")
    ap.add_argument("--json-out", type=Path, default=None, help="save the figures as JSON here")
    args = ap.parse_args(argv)

    engine = shlex.split(args.engine)
    if len(engine) == 1 and not Path(engine[0]).exists():
        sys.exit(f"engine not found: {engine[0]} (build it with `cargo build --release`, or pass --engine)")
    forms = args.forms.split(",")
    unknown = [f for f in forms if f not in FORMS]
    if unknown:
        sys.exit(f"unknown form(s): {', '.join(unknown)} (known: {', '.join(FORMS)})")
    split_dir = args.devset / args.split
    figures: dict = {}
    print(f"{'set':<14}{'form':<10}{'R':>7}{'P':>7}{'sugg/1k':>9}{'spun':>9}")
    for name in args.sets.split(","):
        path = split_dir / f"{name}.jsonl"
        if not path.is_file():
            sys.exit(f"{path}: no such set (build the devset with bench/make_devset.py)")
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()][:args.limit]
        if name == "clean":
            rows = [{"id": r["id"], "text": r["text"], "spans": []} for r in rows]
        else:
            rows = [{"id": r["id"], "text": r["spun"], "spans": r["spans"]} for r in rows]
        for form in forms:
            f = score(engine, args.model, rows, form)
            figures.setdefault(name, {})[form] = f
            pct = lambda x: "n/a" if x is None else f"{100 * x:.1f}"  # noqa: E731
            print(f"{name:<14}{form:<10}{pct(f['recall']):>7}{pct(f['precision']):>7}{f['per_1000']:>9.2f}"
                  f"{f['spun']:>5}/{f['passages']:<3}", flush=True)
    print("(R/P: exact spans restored, %; sugg/1k: suggestions per 1,000 words; spun: passages with "
          "verdict \"spun\")")
    counts = [int(n) for n in args.mixed.split(",") if n.strip()]
    if counts:
        with open(split_dir / "clean.jsonl", encoding="utf-8") as fh:
            clean = [json.loads(line)["text"] for line in fh if line.strip()]
        print(f"\n{'spun set':<14}{'clean':>6}{'spun':>9}{'R':>7}{'AUROC':>8}{'clean spun':>12}{'false/1k':>10}")
        for name in args.sets.split(","):
            if name == "clean":
                continue
            with open(split_dir / f"{name}.jsonl", encoding="utf-8") as fh:
                rows = [{"text": r["spun"], "spans": r["spans"]} for r in map(json.loads, fh)]
            for n in counts:
                m = mixed(engine, args.model, rows, clean, n)
                figures.setdefault("mixed", {}).setdefault(name, {})[n] = m
                print(f"{name:<14}{n:>6}{m['spun']:>5}/{m['docs']:<3}{100 * m['recall']:>7.1f}{m['auroc']:>8.3f}"
                      f"{m['clean_spun']:>8}/{m['docs']:<3}{m['false_per_1000']:>10.2f}", flush=True)
        print("(one passage of the spun set among CLEAN clean passages, 100 documents; R: its spans restored "
              "exactly, %; AUROC and clean spun: against the same clean passages alone)")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
