#!/usr/bin/env python3
"""Real-world check: spun content-farm pages against copies of the articles they were spun from.

    python3 bench/wild.py                          # the shipped model on every page pair
    python3 bench/wild.py --folds 2                # also: models whose mined table lacks each fold
    python3 bench/wild.py --pages DIR --model M    # other pages, another model
    python3 bench/wild.py --folds 2 --sweep apply=0.6,0.5   # also other values of a parameter
    python3 bench/wild.py --folds 2 --real-dump OUT --dump-only   # labelled changes for fit_scorer.py
    python3 bench/wild.py --folds 2 --scorer-dump DEV.jsonl       # also: trees fitted with real pages

The pages are those that data/mined/README.md describes (a scratch folder, `/tmp/mining/pages`
by default: `URL:`, `ROLE: spun|orig`, `STORY:` and `TITLE:` header lines, a blank line, the page
text). Their text is never committed; `data/mined/SOURCES.tsv` lists them.

Each spun page is aligned with the original copy of its story that it matches best (a diff on
lower-cased tokens). The gold spans are the replacements of 1-4 words on each side with exact
matches on both sides (split into single words when both sides have as many); the text before the first and after the last match (site menus,
a cut-off end) is left out. Replacements that are not clean (numbers, punctuation, whole rewritten
passages) and insertions or deletions are "unknown": a change reported inside one counts neither
as right nor as wrong. The original copies, cut the same way, are the honest text.

The mined spinner table was made from these same pages, so the shipped model has seen them.
`--folds K` splits the stories into K groups and, for each, mines the table from the other groups'
pages (`data/mined/mine.py`), builds a model with it (`unspin-build --mined`) and scores the
group's pages with that model: the figures a page from an unseen article would get. The same is
done with no mined table at all, to show what the table is worth.

The change scorer is fitted on the development set and on these pages (`--real-dump` writes
their labelled changes, each fold's from a model whose mined table lacks the fold; see
bench/fit_scorer.py --real). So the held-out figure for a shipped model fitted with them is the row
`--scorer-dump` adds: for each fold, trees fitted on the development changes and the other folds'
pages only, with the other folds' mined table.

Reported: restoration recall and precision (exact, region by region: where gold spans and
suggestions overlap, the suggestions must put back the text the gold originals do, since the diff cuts
the gold spans where it happens to; and token-level, see benchlib/metrics.py), false changes per
1,000 words of the original copies, and the verdicts.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "data" / "mined"))

from mine import read_page  # noqa: E402  (the page files' format is the miner's)

from benchlib import REPO_DIR  # noqa: E402
from benchlib.metrics import (CONFIDENCE_EDGES, Counts, calibration, passage_counts,  # noqa: E402
                              print_calibration, region_labels, region_matches, suggestions)
from benchlib.textspan import SpunBuilder, check_record, count_words, restore_from_spans  # noqa: E402

_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|\S")
_WORD = re.compile(r"^[^\W\d_]+(?:['\u2019][^\W\d_]+)*$")
MAX_LEN = 4       # words on each side of a gold replacement
WINDOW = 8        # tokens each side that must mostly match for a replacement to be clean
MIN_MATCH = 0.35  # share of the spun page's tokens that must match its original


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().casefold().replace("\u2019", "'"), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def pair(spun: dict, origs: list[dict]) -> dict | None:
    """The gold record of a spun page against its best-matching original copy, or None."""
    s_toks = tokens(spun["text"])
    best = None
    for o in origs:
        o_toks = tokens(o["text"])
        sm = difflib.SequenceMatcher(None, [t[0] for t in s_toks], [t[0] for t in o_toks], autojunk=False)
        matched = sum(b.size for b in sm.get_matching_blocks())
        if best is None or matched > best[0]:
            best = (matched, o, o_toks, sm.get_opcodes())
    if best is None or best[0] < MIN_MATCH * max(len(s_toks), 1):
        return None
    _, orig, o_toks, ops = best
    equal = [k for k, op in enumerate(ops) if op[0] == "equal"]
    ops = ops[equal[0]:equal[-1] + 1]  # from the first match to the last
    s_matched = [False] * len(s_toks)
    for tag, i1, i2, _, _ in ops:
        if tag == "equal":
            s_matched[i1:i2] = [True] * (i2 - i1)
    s_text, o_text = spun["text"], orig["text"]
    s0, s1 = s_toks[ops[0][1]][1], s_toks[ops[-1][2] - 1][2]
    o0, o1 = o_toks[ops[0][3]][1], o_toks[ops[-1][4] - 1][2]
    b = SpunBuilder()
    unknown: list[tuple[int, int]] = []  # char ranges of the cut spun text, bytes in the record
    pos = s0
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            continue
        side_s, side_o = s_toks[i1:i2], o_toks[j1:j2]
        around = s_matched[max(0, i1 - WINDOW):i1] + s_matched[i2:i2 + WINDOW]
        clean = (tag == "replace" and 1 <= len(side_s) <= MAX_LEN and 1 <= len(side_o) <= MAX_LEN
                 and all(_WORD.match(t[0]) for t in side_s + side_o)
                 and 0 < k < len(ops) - 1 and sum(around) >= len(around) / 2)
        if clean:
            # Spinners rewrite word by word: "construct assist across" for "build support around"
            # is three substitutions, and each is a gold span of its own.
            if len(side_s) == len(side_o):
                pieces = [([s], [o]) for s, o in zip(side_s, side_o)]
            else:
                pieces = [(side_s, side_o)]
            for ps, po in pieces:
                start, end = ps[0][1], ps[-1][2]
                b.keep(s_text[pos:start])
                b.change(s_text[start:end], o_text[po[0][1]:po[-1][2]])
                pos = end
        else:
            # Whatever it touches, with the token on each side for an insertion.
            a = s_toks[max(i1 - 1, 0)][1] - s0
            e = s_toks[min(i2, len(s_toks) - 1)][2] - s0
            unknown.append((a, e))
    b.keep(s_text[pos:s1])
    # The builder started at s0, so its byte offsets are into the cut text.
    cut = s_text[s0:s1]
    # Byte offsets, as the engine reports its spans.
    unknown = [(len(cut[:a].encode()), len(cut[:e].encode())) for a, e in unknown]
    rec = {"id": spun["file"], "story": spun["story"], "spun": cut, "spans": b.spans, "unknown": unknown,
           "original": restore_from_spans(cut, b.spans), "honest": o_text[o0:o1], "orig_file": orig["file"]}
    check_record(rec)
    return rec


def load(pages_dir: Path) -> list[dict]:
    pages = [read_page(p) for p in sorted(pages_dir.glob("*.txt"))]
    origs: dict[str, list[dict]] = {}
    for p in pages:
        if p["role"] == "orig":
            origs.setdefault(p["story"], []).append(p)
    recs = []
    for p in pages:
        if p["role"] == "spun" and origs.get(p["story"]):
            r = pair(p, origs[p["story"]])
            if r is not None:
                recs.append(r)
    return recs


def run_check(engine: list[str], model: str | None, texts: list[str], tmp: Path) -> list[dict]:
    paths = []
    for k, t in enumerate(texts):
        p = tmp / f"{k}.txt"
        p.write_text(t, encoding="utf-8")
        paths.append(str(p))
    cmd = engine + ["check", "--json"] + (["--model", model] if model else []) + paths
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"wild: {shlex.join(cmd[:5])} ... failed ({out.returncode}): {out.stderr[-1000:]}")
    got = {r["path"]: r for r in map(json.loads, out.stdout.splitlines())}
    return [got[p] for p in paths]


def overlaps(ranges: list[tuple[int, int]], a: int, e: int) -> bool:
    """Whether any of the byte ranges overlaps `a..e`."""
    return any(x < e and a < y for x, y in ranges)


def score(engine: list[str], model: str | None, recs: list[dict]) -> dict:
    with tempfile.TemporaryDirectory(prefix="unspin-wild-") as tmp:
        spun = run_check(engine, model, [r["spun"] for r in recs], Path(tmp))
        honest = run_check(engine, model, [r["honest"] for r in recs], Path(tmp))
    c = Counts()
    unknown_changes = restored = right = 0
    # Each suggestion's confidence and whether it is right, for the calibration table; those on
    # the original copies are wrong.
    pairs = []
    for r, res in zip(recs, spun):
        kept = []
        for s in res["spans"]:
            if overlaps(r["unknown"], s["start"], s["end"]):
                unknown_changes += len(suggestions([s]))
                continue
            kept.append(s)
        c.add(passage_counts(r["original"], r["spun"], r["spans"], kept))
        # The diff cuts the gold spans where it happens to: compared region by region.
        got, labels = region_labels(r["spun"], r["spans"], kept)
        restored, right = restored + got, right + sum(ok for _, ok in labels)
        pairs += [(float(s.get("confidence", 0.0)), ok) for s, ok in labels]
    words = sum(count_words(r["honest"]) for r in recs)
    false = sum(len(suggestions(h["spans"])) for h in honest)
    pairs += [(float(s.get("confidence", 0.0)), False) for h in honest for s in suggestions(h["spans"])]
    return with_ratios({
        "pages": len(recs), "gold": c.gold, "restored": restored, "suggested": c.suggested, "right": right,
        "tok_gold": c.tok_gold, "tok_gold_back": c.tok_gold_back, "tok_sugg": c.tok_sugg,
        "tok_sugg_right": c.tok_sugg_right,
        "changes_in_unknown": unknown_changes, "honest_words": words, "false_changes": false,
        "spun_called_spun": sum(s["verdict"] == "spun" for s in spun),
        "honest_called_spun": sum(h["verdict"] == "spun" for h in honest),
        "calibration": calibration(pairs, CONFIDENCE_EDGES),
    })


def fold_of(story: str, k: int) -> int:
    return int(hashlib.sha1(story.encode()).hexdigest(), 16) % k


def run(cmd: list[str], cwd: Path | None = REPO_DIR) -> subprocess.CompletedProcess:
    """Runs a step, by default from the repository (the builder reads data/), and stops with its
    error; returns the finished process, its output captured."""
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if out.returncode != 0:
        sys.exit(f"wild: {shlex.join(cmd)} failed ({out.returncode}): {out.stderr[-1500:]}")
    return out


def write_lines(path: Path, lines) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def fold_table(args, f: int, tmp: Path) -> Path:
    """The mined table from the pages of every fold but `f` (mined once per fold and run)."""
    out = tmp / f"mined-{f}"
    if not out.exists():
        pages = tmp / f"pages-{f}"
        pages.mkdir()
        for p in sorted(args.pages.glob("*.txt")):
            if fold_of(read_page(p)["story"], args.folds) != f:
                shutil.copy(p, pages)
        out.mkdir()
        run([sys.executable, str(REPO_DIR / "data/mined/mine.py"), "--pages", str(pages),
             "--out", str(out), "--qc", str(tmp / "qc.txt")])
    return out / "phrase-pairs.tsv"


def fold_model(args, f: int, tmp: Path, mined: bool, scorer: Path | None = None) -> Path:
    """A model whose mined table lacks fold `f`'s stories (or that has none), and optionally
    other trees."""
    model = tmp / f"m-{f}-{int(mined)}-{scorer.stem if scorer else 'shipped'}.unspin"
    if model.exists():
        return model
    table = fold_table(args, f, tmp) if mined else tmp / "none.tsv"
    run([args.build, "--mined", str(table), "--out", str(model)]
        + (["--scorer", str(scorer)] if scorer else []))
    return model


def folds(args, recs: list[dict]):
    """Each fold's number and pages, skipping empty folds."""
    for f in range(args.folds):
        part = [r for r in recs if fold_of(r["story"], args.folds) == f]
        if part:
            yield f, part


def add_counts(total: dict | None, got: dict) -> dict:
    if total is None:
        return got
    for k, v in got.items():
        if isinstance(v, int):
            total[k] += v
    return total


def held_out(args, engines: list[list[str]], recs: list[dict], mined: bool, tmp: Path) -> list[dict]:
    """Scores each fold with a model whose mined table comes from the other folds (or is absent),
    once per engine command (the fold models are built once for all of them)."""
    totals: list[dict | None] = [None] * len(engines)
    for f, part in folds(args, recs):
        model = fold_model(args, f, tmp, mined)
        for i, engine in enumerate(engines):
            totals[i] = add_counts(totals[i], score(engine, str(model), part))
    return [with_ratios(t) for t in totals if t is not None]


def relabel(rec: dict, change: dict) -> int | None:
    """Whether a change is right, compared as the reported figures compare (`region_matches`): it
    and the gold spans it overlaps put back the same text ("corporate mentioned" for "company
    said", which the diff splits into two spans, or a change that cuts the words otherwise). None
    for a change inside one gold span that the diff could not split word by word ("rising" for
    "growing" in "quickest rising economic system", written for "fastest growing economy"): which
    of its words stand for which is not known, and a piece is no restoration by itself. Labelled
    wrong, such pieces taught the trees that right changes are wrong (DESIGN.md, "Limits"), so a
    fit leaves them out."""
    a, e = change["at"]
    over = [g for g in rec["spans"] if g["start"] < e and a < g["end"]]
    if not over:
        return change["y"]
    _, right = region_matches(rec["spun"], over, [{"start": a, "end": e, "suggestion": change["original"]}])
    if right:
        return 1
    g = over[0]
    if len(over) == 1 and g["start"] <= a and e <= g["end"] and (a, e) != (g["start"], g["end"]):
        return None
    return change["y"]


def real_changes(args, engine: list[str], recs: list[dict], tmp: Path) -> dict[int, list[str]]:
    """`unspin eval --dump` lines for each fold's pages, with the model whose mined table comes
    from the other folds: the changes the decoder considers on real spun pages and on their
    originals (all wrong), labelled for fitting the change scorer. Changes inside the diff's
    unknown regions are left out, since the gold there is not known, and so are the pieces of a
    gold span that `relabel` leaves unlabelled; each line gets `"real": 1`."""
    out: dict[int, list[str]] = {}
    for f, part in folds(args, recs):
        model = fold_model(args, f, tmp, True)
        spun, clean, dump = tmp / f"spun-{f}.jsonl", tmp / f"clean-{f}.jsonl", tmp / f"dump-{f}.jsonl"
        write_lines(spun, (json.dumps({"spun": r["spun"], "spans": r["spans"]}) for r in part))
        write_lines(clean, (json.dumps({"text": r["honest"]}) for r in part))
        run(engine + ["eval", "--model", str(model), "--dump", str(dump), "--clean", str(clean), str(spun)],
            cwd=None)
        lines, doc = [], -1
        # The dump lists the clean documents, then the spun ones, each a "doc" line and its changes.
        for line in dump.read_text().splitlines():
            d = json.loads(line)
            d["real"] = 1
            if "doc" in d:
                doc += 1
            elif doc >= len(part):
                rec = part[doc - len(part)]
                if overlaps(rec["unknown"], *d["at"]):
                    continue
                y = relabel(rec, d)
                if y is None:
                    continue
                d["y"] = y
            lines.append(json.dumps(d))
        out[f] = lines
    return out


def refit_scored(args, engine: list[str], recs: list[dict], tmp: Path, real: dict[int, list[str]]) -> dict:
    """Scores each fold with trees fitted on the development changes (`--scorer-dump`) and the
    real pages of the other folds, and the mined table of the other folds: the figures a page
    from an unseen article would get from a model fitted with real pages."""
    total = None
    for f, part in folds(args, recs):
        extra = tmp / f"real-not-{f}.jsonl"
        write_lines(extra, (line for g, ls in real.items() if g != f for line in ls))
        trees = tmp / f"trees-{f}.txt"
        fit = run([sys.executable, str(REPO_DIR / "bench/fit_scorer.py"), str(args.scorer_dump),
                   "--trees", str(trees), "--real", str(extra), "--real-weight", str(args.real_weight)], cwd=None)
        print(f"wild: fold {f}: {fit.stderr.strip().splitlines()[-1]}", file=sys.stderr)
        apply = [l.split()[1] for l in fit.stdout.splitlines() if l.startswith("apply ")][0]
        model = fold_model(args, f, tmp, True, trees)
        total = add_counts(total, score(engine + ["--param", f"apply={apply}"], str(model), part))
    assert total is not None
    return with_ratios(total)


def with_ratios(m: dict) -> dict:
    """Fills in the ratios of summed counts."""
    for num, den, key in (("restored", "gold", "recall"), ("right", "suggested", "precision"),
                          ("tok_gold_back", "tok_gold", "token_recall"),
                          ("tok_sugg_right", "tok_sugg", "token_precision")):
        m[key] = m[num] / m[den] if m[den] else None
    m["false_changes_per_1k"] = 1000 * m["false_changes"] / m["honest_words"] if m["honest_words"] else None
    return m


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, default=Path("/tmp/mining/pages"))
    ap.add_argument("--engine", default=str(REPO_DIR / "target/release/unspin"))
    ap.add_argument("--build", default=str(REPO_DIR / "target/release/unspin-build"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--folds", type=int, default=0, help="also score held-out folds of stories (0: no)")
    ap.add_argument("--json-out", type=Path, default=None)
    ap.add_argument("--real-dump", type=Path, default=None,
                    help="with --folds: write the labelled changes on every fold's pages (models whose mined"
                         " table lacks the fold) for bench/fit_scorer.py --real")
    ap.add_argument("--scorer-dump", type=Path, default=None,
                    help="with --folds: also score each fold with trees fitted on this development dump"
                         " (bench/out/refit/changes.jsonl) and the other folds' real pages")
    ap.add_argument("--real-weight", type=float, default=5.0, help="weight of real-page changes in that fit")
    ap.add_argument("--dump-only", action="store_true", help="with --real-dump: write it, score nothing")
    ap.add_argument("--sweep", default=None, metavar="NAME=V1,V2,...",
                    help="also score with each value of one decoder parameter (`--param NAME=V`),"
                         " e.g. apply=0.6,0.5")
    args = ap.parse_args(argv)
    if not args.pages.is_dir():
        sys.exit(f"wild: no page folder {args.pages} (data/mined/README.md says how to fetch the pages)")
    recs = load(args.pages)
    if not recs:
        sys.exit(f"wild: no spun page in {args.pages} has an original copy that it matches")
    engine = shlex.split(args.engine)
    variants = [("", engine)]
    if args.sweep:
        name, _, values = args.sweep.partition("=")
        if not name or not values:
            sys.exit(f"wild: --sweep {args.sweep!r}: expected NAME=V1,V2,...")
        variants += [(f", {name}={v}", engine + ["--param", f"{name}={v}"]) for v in values.split(",")]
    if args.dump_only:
        if not (args.real_dump and args.folds >= 2):
            sys.exit("wild: --dump-only needs --real-dump and --folds 2 or more")
        with tempfile.TemporaryDirectory(prefix="unspin-wild-fold-") as tmp:
            real = real_changes(args, engine, recs, Path(tmp))
        write_lines(args.real_dump, (line for ls in real.values() for line in ls))
        print(f"wild: {sum(map(len, real.values()))} lines written to {args.real_dump}", file=sys.stderr)
        return 0
    rows = {}
    for label, eng in variants:
        rows[f"shipped model (its table and trees have seen these pages){label}"] = score(eng, args.model, recs)
    if args.folds >= 2:
        with tempfile.TemporaryDirectory(prefix="unspin-wild-fold-") as tmp:
            tmp = Path(tmp)
            for mined, name in ((True, f"table from the other stories ({args.folds} folds), shipped trees"),
                                (False, "no mined table, shipped trees")):
                for (label, _), m in zip(variants, held_out(args, [e for _, e in variants], recs, mined, tmp)):
                    rows[name + label] = m
            if args.real_dump or args.scorer_dump:
                real = real_changes(args, engine, recs, tmp)
                if args.real_dump:
                    write_lines(args.real_dump, (line for ls in real.values() for line in ls))
                if args.scorer_dump:
                    rows["table and trees from the other stories (held out)"] = refit_scored(
                        args, engine, recs, tmp, real)
    stories = len({r["story"] for r in recs})
    print(f"{len(recs)} spun pages of {stories} stories, {sum(len(r['spans']) for r in recs)} gold spans")
    print(f"{'model':70} {'recall':>7} {'prec':>6} {'tok-R':>6} {'tok-P':>6} {'false/1k':>8} spun-verdicts")
    for name, m in rows.items():
        def pct(x):
            return "   n/a" if x is None else f"{100 * x:6.1f}"
        fc = "     n/a" if m["false_changes_per_1k"] is None else f"{m['false_changes_per_1k']:8.2f}"
        print(f"{name:70} {pct(m['recall'])} {pct(m['precision'])} {pct(m['token_recall'])}"
              f" {pct(m['token_precision'])} {fc} {m['spun_called_spun']}/{m['pages']} spun,"
              f" {m['honest_called_spun']}/{m['pages']} originals")
    first = next(iter(rows.values()))
    print_calibration(f"shipped model's confidence ({first['suggested'] + first['false_changes']} suggestions"
                      " outside the regions left unknown; right = its region put back; those on the originals"
                      " are wrong)", "suggestions", "right %", first["calibration"])
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
