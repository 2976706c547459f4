#!/usr/bin/env python3
"""Fit the order of the candidate originals (data/rank.txt) on the tune split.

    target/release/unspin-build --cap 60 --out /tmp/cap60.unspin
    target/release/unspin --model /tmp/cap60.unspin eval --coverage --rank-dump ranks.jsonl \\
        bench/out/devset/tune/*-*.jsonl > coverage.json
    python3 bench/fit_rank.py ranks.jsonl > data/rank.txt

The decoder scores only the first `max_candidates` originals of a spun phrase with the language
model, so the order the model builder gives them decides which originals it can find at all. Each
line of the dump is one gold span: the rank features of its phrase's candidates (see
`unspin_core::lexicon::rank_features`) and which of them is the gold original. The fit is a
conditional logit (softmax over a span's candidates) with a little L2, by Newton steps. Spans whose
gold original is no candidate carry no information and are skipped. Build the dump from a model
with a high `--cap`, so that the candidates past the default cap are seen too. Prints `feature weight` lines and, on stderr, how often the gold original
is among the first 6 and 12 before and after (on held-out halves of the spans).
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

FEATURES = ["prior", "freq_orig", "thesauri", "mined", "tortured", "rule", "inflected", "orig_words",
            "len_diff", "shares_word"]
# Weights set by hand rather than fitted (none: the mined spinner shows the fit what the mined pairs
# are worth, as the paper-mill one does for the tortured phrases).
HAND_SET: dict[str, float] = {}


def bayes():
    """The order without fitted weights: log10 prior plus log10 frequency (Bayes)."""
    w = np.zeros(len(FEATURES))
    w[FEATURES.index("prior")] = w[FEATURES.index("freq_orig")] = 1.0
    return w


def load(path):
    """The spans whose gold original is one of several candidates, padded into one array:
    features (spans, candidates, features), a mask of real candidates, and the gold indices."""
    # Two passes, in float32: the parsed rows of a tune split's dump would not fit in memory.
    def rows():
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            if r["gold"] >= 0 and len(r["x"]) > 1:
                yield r
    n, width = 0, 0
    for r in rows():
        n, width = n + 1, max(width, len(r["x"]))
    x = np.zeros((n, width, len(FEATURES)), dtype=np.float32)
    mask = np.zeros((n, width), dtype=bool)
    gold = np.zeros(n, dtype=np.int64)
    for i, r in enumerate(rows()):
        x[i, :len(r["x"])] = r["x"]
        mask[i, :len(r["x"])] = True
        gold[i] = r["gold"]
    return x, mask, gold


def probs(x, mask, w):
    z = np.where(mask, x @ w, -np.inf)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def fit(x, mask, gold, l2=1e-2, iters=30):
    k = len(FEATURES)
    fixed = np.zeros(k)
    free = np.ones(k, dtype=bool)
    for name, v in HAND_SET.items():
        fixed[FEATURES.index(name)] = v
        free[FEATURES.index(name)] = False
    x = x * free  # hand-set features take no part in the fit
    rows = np.arange(len(gold))
    w = bayes()  # start from Bayes
    for _ in range(iters):
        p = probs(x, mask, w)
        mean = np.einsum("nc,nck->nk", p, x)
        g = l2 * w + (mean - x[rows, gold]).sum(axis=0)
        xc = (x - mean[:, None, :]) * np.sqrt(p)[:, :, None]
        h = l2 * np.eye(k) + np.einsum("nck,ncj->kj", xc, xc)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return np.where(free, w, fixed)


def top(x, mask, gold, w, n):
    """How often the gold original is among the first ``n`` (ties broken against it)."""
    z = np.where(mask, x @ w, -np.inf)
    above = (z > z[np.arange(len(gold)), gold][:, None]).sum(axis=1)
    return float((above < n).mean()) if len(gold) else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump")
    ap.add_argument("--l2", type=float, default=1e-2)
    a = ap.parse_args()
    x, mask, gold = load(a.dump)
    if not len(gold):
        sys.exit(f"{a.dump}: no gold span with the gold original among several candidates")
    held = {6: 0.0, 12: 0.0}
    for half in (0, 1):
        fit_on = np.arange(len(gold)) % 2 != half
        w = fit(x[fit_on], mask[fit_on], gold[fit_on], a.l2)
        for n in held:
            held[n] += top(x[~fit_on], mask[~fit_on], gold[~fit_on], w, n) / 2
    print(f"# {len(gold)} gold spans with the gold among the candidates; gold in the first 6 / 12: "
          f"prior+frequency {top(x, mask, gold, bayes(), 6):.3f} / {top(x, mask, gold, bayes(), 12):.3f}, "
          f"fitted (held-out halves) {held[6]:.3f} / {held[12]:.3f}", file=sys.stderr)
    w = fit(x, mask, gold, a.l2)
    print("# Candidate-order weights over unspin_core::lexicon::rank_features, fitted by "
          "bench/fit_rank.py on the tune split")
    for name, v in zip(FEATURES, w):
        print(f"{name} {v:.5f}")


if __name__ == "__main__":
    main()
