#!/usr/bin/env python3
"""Quality benchmark: run `unspin check --json` on the development set and score it.

    python3 bench/quality.py                                  # test split; builds the devset if missing
    python3 bench/quality.py --split tune --model models/x.unspin --json-out /tmp/q.json
    python3 bench/quality.py --engine "python3 bench/tests/fake_unspin.py"   # any command line works
    python3 bench/quality.py --words 100                      # every passage cut to its first 100 words

For each spinner and rate it reports restoration recall/precision (exact spans, and a lenient
token-level variant), detection AUROC and TPR at 1 % FPR (spun vs clean passages, by score), and
for clean text the false changes (and flags) per 1,000 words; for the split's honest technical prose
(technical.jsonl, when make_devset.py wrote one) the false changes and the passages called spun.  See
benchlib/metrics.py for the definitions.

Engine contract: `unspin check --json [--model PATH] FILE...` prints one JSON line per file:
{"path", "score", "verdict", "words", "spans": [{"start", "end", "text", "suggestion", "confidence", "kind"}]}
with byte offsets into the file.  Passages are written to temporary files and passed in batches.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import OUT_DIR, REPO_DIR  # noqa: E402
from benchlib.metrics import (CONFIDENCE_EDGES, SCORE_EDGES, Counts, auroc, calibration,  # noqa: E402
                              passage_counts, print_calibration, ratio, right_suggestions, suggestions,
                              tpr_at_fpr)
from benchlib.cut import cut_record, first_words  # noqa: E402
from benchlib.textspan import count_words  # noqa: E402
from make_devset import DEFAULT_SEED, stamp  # noqa: E402

# Files of the split that hold honest text, not spun sets: the addresses' clean passages (the
# negatives of detection) and technical prose (reported apart: false changes and verdicts).
CLEAN_SETS = ("clean", "technical")


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def ensure_devset(devset: Path, split: str) -> None:
    """Build the devset with make_devset.py if the split's clean file is missing."""
    if (devset / split / "clean.jsonl").is_file():
        return
    print(f"devset {devset / split} missing: building it with make_devset.py", file=sys.stderr)
    cmd = [sys.executable, str(Path(__file__).resolve().parent / "make_devset.py"), "--splits", split,
           "--out", str(devset)]
    subprocess.run(cmd, check=True)


def run_check(engine: list[str], model: str | None, files: list[Path], batch: int,
              extra_args: list[str]) -> dict[str, dict]:
    """Run the engine on ``files`` in batches; return the JSON result of each file by path."""
    results: dict[str, dict] = {}
    for i in range(0, len(files), batch):
        chunk = [str(f) for f in files[i:i + batch]]
        cmd = engine + ["check", "--json"] + (["--model", model] if model else []) + extra_args + chunk
        proc = subprocess.run(cmd, capture_output=True, text=True)
        got = {}
        for line in proc.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                rec = json.loads(line)
                got[rec["path"]] = rec
        missing = [f for f in chunk if f not in got]
        if missing:
            # Accept a path printed differently (e.g. made absolute) when its file name is unique.
            by_name = {Path(p).name: r for p, r in got.items()}
            for f in list(missing):
                if Path(f).name in by_name:
                    got[f] = by_name[Path(f).name]
                    missing.remove(f)
        if missing:
            raise RuntimeError(f"engine gave no result for {len(missing)} file(s), e.g. {missing[0]}\n"
                               f"command: {shlex.join(cmd[:6])} ...\nexit code {proc.returncode}\n"
                               f"stderr: {proc.stderr[-2000:]}")
        results.update({f: got[f] for f in chunk})
    return results


def write_passages(folder: Path, rows: list[dict], field: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for row in rows:
        path = folder / f"{row['id']}.txt"
        path.write_bytes(row[field].encode("utf-8"))
        paths.append(path)
    return paths


def verdict_share(res: dict[str, dict], paths: list[Path], verdict: str) -> float | None:
    """The share of ``paths`` whose result has ``verdict``."""
    return sum(res[str(p)]["verdict"] == verdict for p in paths) / len(paths) if paths else None


def fmt(x: float | None, pct: bool = True) -> str:
    if x is None:
        return "n/a"
    return f"{100 * x:5.1f}" if pct else f"{x:5.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default=str(REPO_DIR / "target" / "release" / "unspin"),
                    help="engine command (split like a shell line); default target/release/unspin")
    ap.add_argument("--model", default=None, help="model file passed as --model")
    ap.add_argument("--engine-arg", action="append", default=[], help="extra argument for `check` (repeatable)")
    ap.add_argument("--devset", type=Path, default=OUT_DIR / "devset")
    ap.add_argument("--split", default="test", choices=("tune", "test"))
    ap.add_argument("--files", default=None,
                    help="comma-separated spun files to score, e.g. farm-25,nlpaug-35 (default: all present)")
    ap.add_argument("--limit", type=int, default=None, help="score only the first N passages of each file")
    ap.add_argument("--words", type=int, default=None,
                    help="cut every passage to its first N words (gold spans past the cut left out): how "
                         "the score and verdicts do on short texts")
    ap.add_argument("--batch", type=int, default=100, help="files per engine call")
    ap.add_argument("--json-out", type=Path, default=None, help="save the metrics as JSON here")
    args = ap.parse_args(argv)

    engine = shlex.split(args.engine)
    if len(engine) == 1 and not Path(engine[0]).exists() and "/" in engine[0]:
        sys.exit(f"engine not found: {engine[0]} (build it with `cargo build --release`, or pass --engine)")
    ensure_devset(args.devset, args.split)
    split_dir = args.devset / args.split
    clean = read_jsonl(split_dir / "clean.jsonl")[:args.limit]
    technical_path = split_dir / "technical.jsonl"
    technical = read_jsonl(technical_path)[:args.limit] if technical_path.is_file() else []
    names = args.files.split(",") if args.files else sorted(
        p.stem for p in split_dir.glob("*.jsonl") if p.stem not in CLEAN_SETS)
    spun_sets = {name: read_jsonl(split_dir / f"{name}.jsonl")[:args.limit] for name in names}
    if args.words:
        n = args.words
        clean = [r | {"text": first_words(r["text"], n)} for r in clean]
        technical = [r | {"text": first_words(r["text"], n)} for r in technical]
        spun_sets = {name: [cut_record(r, n) for r in rows] for name, rows in spun_sets.items()}
    stats_path = args.devset / "stats.json"
    devset_stats = json.loads(stats_path.read_text()) if stats_path.is_file() else {}
    made_from = stamp(DEFAULT_SEED)
    stale = [n for n in ["clean", *names] if devset_stats.get(f"{args.split}/{n}", {}).get("stamp") != made_from]
    if stale:
        # Figures on files that older code made are not what a fresh checkout measures.
        print(f"warning: {args.devset / args.split}: {', '.join(stale)} made by other code, lists or seed than "
              "the checkout's: `python3 bench/make_devset.py` makes them again", file=sys.stderr)

    metrics: dict = {"split": args.split, "engine": args.engine, "model": args.model, "sets": {}}
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="unspin-quality-") as tmp:
        tmp = Path(tmp)
        # (probability, outcome) pairs for the calibration tables.
        doc_pairs: list[tuple[float, bool]] = []
        sugg_pairs: list[tuple[float, bool]] = []

        def honest(name: str, rows: list[dict]) -> tuple[dict, list[float]]:
            """The false changes, flags and verdicts on honest passages, and their scores."""
            paths = write_passages(tmp / name, rows, "text")
            res = run_check(engine, args.model, paths, args.batch, args.engine_arg)
            for p in paths:
                doc_pairs.append((float(res[str(p)]["score"]), False))
                sugg_pairs.extend(right_suggestions([], res[str(p)]["spans"]))
            words = sum(count_words(r["text"]) for r in rows)
            n_sugg = sum(len(suggestions(res[str(p)]["spans"])) for p in paths)
            n_flags = sum(len(res[str(p)]["spans"]) for p in paths)
            return {
                "passages": len(rows), "words": words,
                "false_changes_per_1k_words": 1000.0 * n_sugg / words if words else None,
                "flags_per_1k_words": 1000.0 * n_flags / words if words else None,
                "verdict_spun": verdict_share(res, paths, "spun"),
                "verdict_unsure": verdict_share(res, paths, "unsure"),
            }, [float(res[str(p)]["score"]) for p in paths]

        # Clean passages: negatives for detection, and false changes.
        metrics["clean"], neg_scores = honest("clean", clean)
        if technical:
            # Honest technical prose: false changes and passages called spun, no detection figures.
            metrics["technical"], _ = honest("technical", technical)
        for name, rows in spun_sets.items():
            paths = write_passages(tmp / name, rows, "spun")
            res = run_check(engine, args.model, paths, args.batch, args.engine_arg)
            total = Counts()
            pos_scores = []
            for row, path in zip(rows, paths):
                r = res[str(path)]
                total.add(passage_counts(row["original"], row["spun"], row["spans"], r["spans"]))
                pos_scores.append(float(r["score"]))
                doc_pairs.append((float(r["score"]), True))
                sugg_pairs.extend(right_suggestions(row["spans"], r["spans"]))
            metrics["sets"][name] = {
                "passages": len(rows), "words": total.words, "gold_spans": total.gold,
                "spin_rate": devset_stats.get(f"{args.split}/{name}", {}).get("rate_achieved"),
                "suggestions": total.suggested,
                "recall": ratio(total.exact, total.gold), "precision": ratio(total.exact, total.suggested),
                "token_recall": ratio(total.tok_gold_back, total.tok_gold),
                "token_precision": ratio(total.tok_sugg_right, total.tok_sugg),
                "auroc": auroc(pos_scores, neg_scores), "tpr_at_1pct_fpr": tpr_at_fpr(pos_scores, neg_scores),
                "verdict_spun": verdict_share(res, paths, "spun"),
                "verdict_unsure": verdict_share(res, paths, "unsure"),
            }
    metrics["seconds"] = round(time.time() - t0, 1)
    metrics["calibration"] = {
        "score": calibration(doc_pairs, SCORE_EDGES),
        "confidence": calibration(sugg_pairs, CONFIDENCE_EDGES),
    }

    # Table
    head = f"{'set':<16}{'n':>5}{'rate':>6}{'gold':>7}{'R':>7}{'P':>7}{'R_tok':>7}{'P_tok':>7}{'AUROC':>7}{'TPR@1%':>8}{'spun%':>7}{'unsure%':>8}"
    print(f"split {args.split}: {len(clean)} clean passages"
          + (f" cut to their first {args.words} words" if args.words else "") + f", engine {args.engine}"
          + (f", model {args.model}" if args.model else ""))
    print(head)
    print("-" * len(head))
    for name, m in metrics["sets"].items():
        rate = "" if m["spin_rate"] is None else f"{100 * m['spin_rate']:.0f}"
        print(f"{name:<16}{m['passages']:>5}{rate:>6}{m['gold_spans']:>7}{fmt(m['recall']):>7}{fmt(m['precision']):>7}"
              f"{fmt(m['token_recall']):>7}{fmt(m['token_precision']):>7}{fmt(m['auroc'], False):>7}"
              f"{fmt(m['tpr_at_1pct_fpr']):>8}{fmt(m['verdict_spun']):>7}{fmt(m['verdict_unsure']):>8}")
    c = metrics["clean"]
    fc = "n/a" if c["false_changes_per_1k_words"] is None else f"{c['false_changes_per_1k_words']:.2f}"
    fl = "n/a" if c["flags_per_1k_words"] is None else f"{c['flags_per_1k_words']:.2f}"
    print(f"clean: {c['passages']} passages, {c['words']} words; false changes {fc} per 1,000 words; "
          f"flags {fl} per 1,000 words; verdict spun {fmt(c['verdict_spun']).strip()} %, "
          f"unsure {fmt(c['verdict_unsure']).strip()} %")
    if "technical" in metrics:
        t = metrics["technical"]
        print(f"technical: {t['passages']} passages, {t['words']} words; false changes "
              f"{t['false_changes_per_1k_words']:.2f} per 1,000 words; verdict spun {fmt(t['verdict_spun']).strip()} %, "
              f"unsure {fmt(t['verdict_unsure']).strip()} %")
    print(f"(rate: achieved spin rate of the file, %; R/P: exact spans, %; R_tok/P_tok: token level, %; "
          f"spun%, unsure%: passages with verdict \"spun\", \"unsure\"; "
          f"{metrics['seconds']} s)")
    n_spun = sum(y for _, y in doc_pairs)
    print_calibration(f"score ({n_spun} spun passages, {len(doc_pairs) - n_spun} honest; "
                      "the share spun of each bin depends on this mix)", "passages", "spun %",
                      metrics["calibration"]["score"])
    print_calibration(f"confidence ({len(sugg_pairs)} suggestions, right = a gold span restored exactly; "
                      "those on honest passages are wrong)", "suggestions", "right %",
                      metrics["calibration"]["confidence"])
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(metrics, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
