"""Source-tracing benchmark: unspin's index against plain MinHash (bench/trace.sh runs this).

For each method (unspin: canonical tokens, LSH + rare words, verified by alignment; plain: raw
lowercase words, the same shingle and band settings, ranked by shingle Jaccard) it builds an index
of bench/out/trace/refs.jsonl, traces every query of queries.jsonl in batch mode, and reports:

* recall@1 per spinner and rate: the query's source is the top match and passes the threshold;
* false-match rate: no-source queries (held-out passages, clean or spun) that get any match;
* build speed (documents per second, as the engine reports it and as wall time with model load),
  query latency p50/p99 (search time per query, measured by the engine), and index size.

Plain MinHash is shown at its default threshold and at the threshold that an oracle would pick on
these very no-source queries (the largest recall with at most 1 % false matches), which flatters it.
Then the same for refs100k.jsonl (references plus synthetic overlapping windows), unless --no-scale.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
OUT = BENCH / "out" / "trace"
TIMEOUT = 1800  # seconds, per engine command


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT, **kw)


def build(engine: list[str], refs: Path, out: Path, method: str, extra: list[str]) -> dict:
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    p = run(engine + ["index", "build", "--method", method, "--input", str(refs), "--out", str(out)] + extra)
    wall = time.perf_counter() - t0
    n = sum(1 for _ in open(refs, encoding="utf-8"))
    internal = None
    for line in p.stderr.splitlines():
        if "docs/s" in line:
            internal = float(line.split("(")[1].split(" docs/s")[0])
    return {"docs": n, "wall_s": round(wall, 2), "docs_per_s_wall": round(n / wall),
            "docs_per_s": internal, "bytes": out.stat().st_size}


def trace(engine: list[str], index: Path, queries: Path, min_sim: float | None, top: int = 1) -> list[dict]:
    cmd = engine + ["trace", "--index", str(index), "--input", str(queries), "--top", str(top), "--timings"]
    if min_sim is not None:
        cmd += ["--min-similarity", str(min_sim)]
    return [json.loads(line) for line in run(cmd).stdout.splitlines()]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def load_covers() -> dict[str, dict[str, float]]:
    path = OUT / "windows.jsonl"
    if not path.exists():
        return {}
    return {w["id"]: w["covers"] for w in map(json.loads, open(path, encoding="utf-8"))}


COVERS: dict[str, dict[str, float]] = {}


def evaluate(queries: list[dict], results: list[dict], thr: float) -> dict:
    """Recall@1 per kind and the false-match rate, counting a match only at similarity >= thr.

    "KIND" counts the exact source passage only; "KIND+" also a synthetic window (100k set) that
    holds at least half of the source passage's words, which is as right an answer."""
    hits, hits_plus, counts, false = defaultdict(int), defaultdict(int), defaultdict(int), 0
    nosource, pages, false_pages = 0, 0, 0
    for q, r in zip(queries, results):
        assert q["id"] == r["query_id"], (q["id"], r["query_id"])
        # The best-ranked source at or above the threshold.
        top = next((m for m in r["matches"] if m["similarity"] >= thr), None)
        if q["source"] is None:
            nosource += 1
            false += top is not None
            if q["kind"] == "nosource-page":
                pages += 1
                false_pages += top is not None
        else:
            counts[q["kind"]] += 1
            exact = top is not None and top["id"] == q["source"]
            hits[q["kind"]] += exact
            hits_plus[q["kind"]] += exact or (top is not None and
                                              COVERS.get(top["id"], {}).get(q["source"], 0.0) >= 0.5)
    out = {k: hits[k] / counts[k] for k in counts}
    out.update({k + "+": hits_plus[k] / counts[k] for k in counts})
    out["false_match_rate"] = false / max(1, nosource)
    out["false_matches"] = false
    out["no_source_queries"] = nosource
    out["false_matches_pages"] = false_pages
    out["no_source_pages"] = pages
    return out


def oracle_threshold(queries: list[dict], results: list[dict], max_fmr: float = 0.01) -> float:
    """The smallest threshold with at most ``max_fmr`` false matches on these no-source queries."""
    neg = sorted(max((m["similarity"] for m in r["matches"]), default=0.0)
                 for q, r in zip(queries, results) if q["source"] is None)
    allowed = int(max_fmr * len(neg))
    # Everything strictly above the (allowed+1)-th largest no-source similarity.
    cut = neg[len(neg) - allowed - 1] if allowed < len(neg) else 0.0
    return cut + 1e-9


def latency(results: list[dict]) -> dict:
    us = [r["micros"] for r in results]
    return {"p50_ms": round(pct(us, 0.5) / 1000, 3), "p99_ms": round(pct(us, 0.99) / 1000, 3),
            "mean_ms": round(statistics.mean(us) / 1000, 3)}


def default_threshold(engine: list[str], index: Path) -> float:
    for line in run(engine + ["index", "info", str(index)]).stdout.splitlines():
        if line.startswith("default threshold:"):
            return float(line.split(":")[1])
    raise SystemExit("the engine's `index info` does not print the default threshold")


def one_scale(engine: list[str], refs: Path, queries_path: Path, tag: str, extra: list[str]) -> dict:
    queries = [json.loads(line) for line in open(queries_path, encoding="utf-8")]
    res = {}
    for method in ("unspin", "plain"):
        idx = OUT / f"{tag}-{method}.idx"
        b = build(engine, refs, idx, method, extra)
        print(f"trace bench [{tag}]: built {method} index: {b}", file=sys.stderr)
        thr = default_threshold(engine, idx)
        served = trace(engine, idx, queries_path, None)          # as a user runs it: latency
        scored = trace(engine, idx, queries_path, 0.0, top=10)   # the top 10 with their similarity
        at_default = evaluate(queries, served, thr)
        if method == "plain":
            # Plain MinHash ranks by its similarity, so the thresholds can be applied afterwards.
            # unspin ranks by the share of the query a source explains, and a source found
            # inside a long query can be ranked below more than 10 that fall short of the
            # threshold: its figures at the default come from the run as served.
            check = evaluate(queries, scored, thr)
            assert abs(check["false_match_rate"] - at_default["false_match_rate"]) < 1e-9, "threshold mismatch"
        entry = {"build": b, "threshold": thr, "at_default": at_default, "latency": latency(served)}
        if method == "plain":
            o = oracle_threshold(queries, scored)
            entry["oracle_threshold"] = round(o, 4)
            entry["at_oracle"] = evaluate(queries, scored, o)
        entry["ranking_only"] = evaluate(queries, scored, 0.0)
        res[method] = entry
    return res


def table(res: dict, kinds: list[str], tag: str) -> str:
    u, p = res["unspin"], res["plain"]
    lines = [f"### {u['build']['docs']:,} references, {tag}", "",
             "| queries | unspin recall@1 | plain MinHash recall@1 (default thr) | plain MinHash recall@1 (oracle thr) |",
             "| --- | ---: | ---: | ---: |"]
    windows = "100k" in tag
    for k in kinds:
        cell = lambda e: (f"{e[k]:.3f} ({e[k + '+']:.3f})" if windows else f"{e[k]:.3f}")  # noqa: E731
        lines.append(f"| {k} | {cell(u['at_default'])} | {cell(p['at_default'])} | {cell(p['at_oracle'])} |")
    fm = lambda e: f"{e['false_match_rate']:.3f} ({e['false_matches']}/{e['no_source_queries']})"  # noqa: E731
    lines.append(f"| false-match rate, no-source queries | {fm(u['at_default'])} | {fm(p['at_default'])} | "
                 f"{fm(p['at_oracle'])} |")
    fp = lambda e: f"{e['false_matches_pages'] / max(1, e['no_source_pages']):.3f} ({e['false_matches_pages']}/{e['no_source_pages']})"  # noqa: E731
    lines.append(f"| ... of them pages of three passages | {fp(u['at_default'])} | {fp(p['at_default'])} | {fp(p['at_oracle'])} |")
    lines.append(f"| similarity threshold | {u['threshold']:.2f} | {p['threshold']:.2f} | {p['oracle_threshold']:.3f} |")
    if windows:
        lines += ["", "Recall@1 counts the exact source passage; in parentheses, also a synthetic window that holds "
                  "at least half of the source passage."]
    lines += ["", "| | unspin | plain MinHash |", "| --- | ---: | ---: |"]
    for name, f in [("index build, docs/s (engine)", lambda e: f"{e['build']['docs_per_s']:,.0f}"),
                    ("index build, wall s (with model load)", lambda e: f"{e['build']['wall_s']:.1f}"),
                    ("query latency p50, ms", lambda e: f"{e['latency']['p50_ms']:.2f}"),
                    ("query latency p99, ms", lambda e: f"{e['latency']['p99_ms']:.2f}"),
                    ("index size, MiB", lambda e: f"{e['build']['bytes'] / 2**20:.1f}")]:
        lines.append(f"| {name} | {f(u)} | {f(p)} |")
    return "\n".join(lines)


def main() -> None:
    global OUT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="target/release/unspin", help="the unspin command line")
    ap.add_argument("--no-scale", action="store_true", help="skip the 100k run")
    ap.add_argument("--index-arg", action="append", default=[], help="extra argument for `index build`")
    ap.add_argument("--data", type=Path, default=OUT, help="folder of make_data.py's output")
    args = ap.parse_args()
    OUT = args.data
    engine = shlex.split(args.engine)
    COVERS.update(load_covers())
    queries = [json.loads(line) for line in open(OUT / "queries.jsonl", encoding="utf-8")]
    kinds = sorted({q["kind"] for q in queries if q["source"]}, key=lambda k: (k.split("-")[0], int(k.split("-")[1]), k))
    report = {"meta": json.loads((OUT / "meta.json").read_text())}
    # The product's settings, and 3-word shingles: the same comparison where exact-word shingles
    # break more easily.
    configs = [("10k", "refs.jsonl", "default settings (2-token shingles, 32 bands x 2 rows)", args.index_arg),
               ("10k-shingle3", "refs.jsonl", "3-token shingles (32 bands x 2 rows)",
                args.index_arg + ["--shingle", "3"])]
    if not args.no_scale:
        configs.append(("100k", "refs100k.jsonl", "default settings", args.index_arg))
    for tag, refs, title, extra in configs:
        report[tag] = one_scale(engine, OUT / refs, OUT / "queries.jsonl", tag, extra)
        report[tag]["settings"] = title
        print(table(report[tag], kinds, f"{tag}, {title}"), flush=True)
        print(flush=True)
    (OUT / "results.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"\ntrace bench: wrote {OUT / 'results.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
