#!/usr/bin/env python3
"""Fits the expansion gate (data/gate.txt and the `gate` parameter).

The decoder scores every candidate of every suspect phrase with the language model, about three
trips to memory per candidate, and that is most of its time; yet on the tune split about one
expanded phrase in fifty yields a change that is applied and right. The gate is a small forest over
what the decoder knows before it scores anything (how oddly the phrase reads, its frequency, the
channel scores of its candidates, whether spinners were seen to make them: engine.rs
GATE_FEATURES). A phrase it gives a probability below `gate` of yielding a right applied change
is not expanded.

    unspin --param gate=0 eval --gate-dump gate.jsonl --clean tune/clean.jsonl tune/*-{15,25,35}.jsonl
    python3 bench/fit_gate.py gate.jsonl --trees data/gate.txt > fit-gate.txt   # prints `gate P`

The threshold is set on held-out halves (documents split by parity, each half scored by trees
fitted on the other): the highest that loses at most --loss of the right applied changes. It
prints how much of the candidate-scoring work (candidates offered) that skips.
"""
import argparse
import json
import sys

import numpy as np

from fit_scorer import eval_trees_file, write_trees

FEATURES = ["len", "fit", "fit_pmi", "freq_spun", "channel_max", "channel_first", "mined", "offered",
            "unigram"]
# Small on purpose: the gate runs once per suspect phrase. 15 trees of depth 4 skip as much work
# at the same loss as 30 (35.7 % of the candidates offered against 35.0 %) for half the cost.
TREE_PARAMS = dict(objective="binary", learning_rate=0.3, num_leaves=16, max_depth=4, min_data_in_leaf=50,
                   lambda_l2=1.0, seed=1, deterministic=True, verbose=-1, num_threads=2)
ROUNDS = 15


def fit_trees(x, y):
    import lightgbm as lgb

    return lgb.train(TREE_PARAMS, lgb.Dataset(x, y, feature_name=FEATURES), num_boost_round=ROUNDS)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump", help="unspin eval --gate-dump output")
    ap.add_argument("--trees", metavar="PATH", required=True, help="write the gate's trees here (data/gate.txt)")
    ap.add_argument("--loss", type=float, default=0.015,
                    help="fraction of the right applied changes the gate may lose on held-out halves")
    a = ap.parse_args()
    rows = [json.loads(line) for line in open(a.dump)]
    if not rows:
        sys.exit(f"{a.dump}: no expansions")
    x = np.array([r["g"] for r in rows], dtype=np.float32)
    y = np.array([r["y"] for r in rows], dtype=np.float64)
    doc = np.array([r["doc"] for r in rows])
    cost = x[:, FEATURES.index("offered")].astype(np.float64)
    held = np.zeros(len(y))
    for half in (0, 1):
        fit_on = doc % 2 != half
        held[~fit_on] = fit_trees(x[fit_on], y[fit_on]).predict(x[~fit_on], raw_score=True)
    # Skip the least promising first; the threshold is the held-out score at which the lost
    # positives reach the budget.
    order = np.argsort(held, kind="stable")
    lost = np.cumsum(y[order])
    k = int(np.searchsorted(lost, a.loss * y.sum(), side="right"))
    thr_raw = held[order[k - 1]] if k > 0 else -np.inf
    skip = held < thr_raw
    gate = 1 / (1 + np.exp(-thr_raw))
    print(f"# {len(y)} expansions, {int(y.sum())} with a right applied change; held out, gate {gate:.4f} skips "
          f"{skip.mean():.1%} of them and {cost[skip].sum() / cost.sum():.1%} of the candidates offered, losing "
          f"{int(y[skip].sum())} right changes ({y[skip].sum() / y.sum():.1%})", file=sys.stderr)
    booster = fit_trees(x, y)
    write_trees(booster, a.trees, f"unspin expansion gate: {ROUNDS} LightGBM trees fitted by bench/fit_gate.py "
                f"on {len(y)} expansions ({int(y.sum())} with a right applied change) of the tune split", FEATURES)
    probe = x[:: max(1, len(x) // 2000)]
    diff = np.abs(eval_trees_file(a.trees, probe) - booster.predict(probe, raw_score=True)).max()
    if diff > 1e-3:
        sys.exit(f"the written trees disagree with LightGBM by {diff}")
    print(f"gate {gate:.4f}")


if __name__ == "__main__":
    main()
