#!/usr/bin/env python3
"""Fit unspin's change scorer: logistic regression over the features that `unspin eval --dump`
writes for every change the decoder considers, labelled right (1) or wrong (0) against the
development set's gold spans. Changes on clean text are all wrong.

Prints `c_*` parameter lines for data/params.txt and the apply threshold that reaches the
target precision on the fitting data.

    target/release/unspin eval --dump feats.jsonl --clean CLEAN.jsonl SPUN.jsonl...
    python3 bench/fit_scorer.py feats.jsonl --precision 0.9

Only numpy is needed. Tune on the tune split (addresses before 1945), never on the test split.
"""
import argparse
import json
import sys

import numpy as np

FEATURES = ["margin", "dlm", "prior", "moby", "wordnet", "mythes", "mined", "tortured", "inflected",
            "freq_orig", "freq_spun", "fit", "spun_len", "orig_len", "alt_gap", "alts", "bigram_gain"]


def load(path):
    xs, ys, clean, words = [], [], [], {}
    for line in open(path):
        d = json.loads(line)
        if "doc" in d:
            continue
        xs.append(d["x"])
        ys.append(d["y"])
        clean.append(d["clean"])
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64), np.array(clean)


def fit(x, y, l2=1e-2, iters=3000, lr=0.5, neg_weight=1.0):
    """Plain gradient descent on standardized features; returns weights and bias in raw units."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w = np.zeros(z.shape[1])
    b = 0.0
    sw = np.where(y > 0, 1.0, neg_weight)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = (p - y) * sw
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    # Back to raw feature units: w·(x-mu)/sd + b = (w/sd)·x + (b - Σ w mu/sd)
    wr = w / sd
    return wr, b - (w * mu / sd).sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump")
    ap.add_argument("--precision", type=float, default=0.9)
    ap.add_argument("--neg-weight", type=float, default=1.0, help="weight of wrong changes in the loss")
    a = ap.parse_args()
    x, y, clean = load(a.dump)
    print(f"# {len(y)} changes, {int(y.sum())} right, {int(clean.sum())} on clean text", file=sys.stderr)
    w, b = fit(x, y, neg_weight=a.neg_weight)
    s = 1 / (1 + np.exp(-(x @ w + b)))
    order = np.argsort(-s)
    tp = np.cumsum(y[order])
    prec = tp / np.arange(1, len(y) + 1)
    ok = np.where(prec >= a.precision)[0]
    k = ok.max() if len(ok) else 0
    thr = float(s[order][k]) if len(ok) else 0.999
    print(f"# at apply={thr:.3f}: precision {prec[k]:.3f}, right changes kept {int(tp[k])} of {int(y.sum())}",
          file=sys.stderr)
    for name, v in zip(FEATURES, w):
        print(f"c_{name} {v:.5f}")
    print(f"c_bias {b:.5f}")
    print(f"apply {thr:.4f}")
    print(f"flag {thr:.4f}")
    # The document score: logistic regression over document evidence rates (spun = 1).
    docs = [json.loads(l) for l in open(a.dump) if '"doc"' in l]
    dx = np.array([d["f"] for d in docs], dtype=np.float64)
    dy = np.array([d["y"] for d in docs], dtype=np.float64)
    # Balance classes: there are many spun files per clean one.
    dw, db = fit(dx, dy, l2=1e-3, neg_weight=float(dy.sum() / max(1, len(dy) - dy.sum())))
    for name, v in zip(["d_changes", "d_gain", "d_fingerprints", "d_artifacts", "d_logprob"], dw):
        print(f"{name} {v:.5f}")
    print(f"d_bias {db:.5f}")


if __name__ == "__main__":
    main()
