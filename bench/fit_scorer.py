#!/usr/bin/env python3
"""Fit unspin's change scorer and document score from the features that `unspin eval --dump`
writes for every change the decoder considers, labelled right (1) or wrong (0) against the
development set's gold spans. Changes on clean text are all wrong.

    target/release/unspin eval --dump feats.jsonl --clean CLEAN.jsonl SPUN.jsonl...
    python3 bench/fit_scorer.py feats.jsonl --trees data/scorer.txt    # trees + linear weights + apply
    python3 bench/fit_scorer.py feats.jsonl                            # linear weights + apply + doc score
    python3 bench/fit_scorer.py feats.jsonl --doc-only                 # document score only
    python3 bench/fit_scorer.py feats.jsonl --doc-only --hold d_logprob=-1.9   # ... with one weight held
    python3 bench/fit_scorer.py feats.jsonl --trees T --real REAL.jsonl  # trees also fitted on real pages
    python3 bench/fit_scorer.py feats.jsonl --curve                     # would more passages help the trees?

`--real` adds the labelled changes on real spun pages and their originals that
`bench/wild.py --real-dump` writes, each weighted `--real-weight` (5) times a tune-split change.
They teach the trees what the mined pairs are worth in today's news, which the development
spinners, spinning old addresses, cannot show. They never set `apply`, which stays the threshold
for the target precision on the tune split.

Prints parameter lines for data/params.txt: the linear `c_*` weights (used by models without
trees), the `apply` threshold, and the document score's `d_*` weights.

With `--trees`, gradient-boosted trees (LightGBM) are fitted and written in the format of
`unspin_core::forest`. The thresholds are set on held-out predictions: the documents are split
in two, each half is scored by trees fitted on the other, `apply` is where those predictions
reach the target precision, and the trees written are then fitted on all documents. Trees
scored on their own training data would look more precise than they are.

The document score's inputs include the summed change confidences, so after installing a new
change scorer, dump again with the new model and refit with `--doc-only`. With `--trees` the
document score is therefore not fitted: this dump's confidences come from the scorer being replaced.

`--curve` prints a learning curve and fits nothing else: the passages (every spinner's copy of a
passage, and its clean text, together) are split in two by a hash of their id; trees fitted on a
quarter, a half and all of the first half's passages score the second half, and the right changes
kept there at the target precision show what doubling the tune split could buy.

numpy is needed, and lightgbm for `--trees` and `--curve`. Tune on the tune split (addresses before 1945),
never on the test split.
"""
import argparse
import json
import sys

import numpy as np

FEATURES = ["margin", "dlm", "prior", "moby", "wordnet", "mythes", "mined", "tortured", "inflected",
            "freq_orig", "freq_spun", "fit", "spun_len", "orig_len", "alt_gap", "offered", "bigram_gain",
            "topic_orig", "topic_spun", "topic_gain", "orig_spun", "doc_changes", "doc_gain", "name",
            "doc_mined", "doc_tortured"]

# Depth 10 (the deepest `unspin_core::forest` reads) with at least 50 changes a leaf: on the tune
# split's held-out halves at precision 0.9, 186,798 right changes kept against 175,427 at depth 8
# and 20 a leaf (depth 8 with 50 a leaf: no better than 20). The padded trees grow from 0.6 to 2.5 MB.
TREE_PARAMS = dict(objective="binary", learning_rate=0.15, num_leaves=255, max_depth=10, min_data_in_leaf=50,
                   feature_fraction=0.9, bagging_fraction=0.8, bagging_freq=1, lambda_l2=1.0,
                   seed=1, deterministic=True, verbose=-1, num_threads=2)
ROUNDS = 200
# How many trees every proposal off the decoded path goes down before the engine decides whether it
# needs the rest (`screen_trees`): check takes 0.8 of the time it takes with every tree.
SCREEN_TREES = 60


def load(path, spans=False):
    """Changes (features, label, on clean text, document number) and documents; with `spans`,
    also each change's byte range in its document (for `choose`)."""
    xs, ys, clean, doc, docs, at = [], [], [], [], [], []
    for line in open(path):
        d = json.loads(line)
        if "doc" in d:
            docs.append(d)
            continue
        xs.append(d["x"])
        ys.append(d["y"])
        clean.append(d["clean"])
        doc.append(len(docs))
        at.append(d.get("at", (len(at), len(at) + 1)))
    x = np.array(xs, dtype=np.float64)
    if x.shape[1] != len(FEATURES):
        sys.exit(f"{path}: changes have {x.shape[1]} features, this script knows {len(FEATURES)}: "
                 "dump again with the current unspin")
    out = x, np.array(ys, dtype=np.float64), np.array(clean), np.array(doc), docs
    return out + (np.array(at, dtype=np.int64).reshape(-1, 2),) if spans else out


def choose(s, doc, at):
    """Which changes the engine would choose with scores `s`: in each document, the likeliest of
    any that overlap (the lattice's other proposals are dumped beside the decoded path's when the
    model's `alternatives` is on; a path's changes never overlap, and all are chosen)."""
    chosen = np.zeros(len(s), dtype=bool)
    order = np.lexsort((at[:, 0], -s, doc))
    taken, cur = [], None
    for i in order:
        if doc[i] != cur:
            taken, cur = [], doc[i]
        a, b = at[i]
        if any(a < tb and ta < b for ta, tb in taken):
            continue
        taken.append((a, b))
        chosen[i] = True
    return chosen


def fit(x, y, l2=1e-2, iters=3000, lr=0.5, neg_weight=1.0, offset=0.0):
    """Plain gradient descent on standardized features; returns weights and bias in raw units.
    `offset` is added to every row's log-odds: the part of the model held fixed."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w = np.zeros(z.shape[1])
    b = 0.0
    sw = np.where(y > 0, 1.0, neg_weight)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(z @ w + b + offset)))
        g = (p - y) * sw
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * g.mean()
    # Back to raw feature units: w·(x-mu)/sd + b = (w/sd)·x + (b - Σ w mu/sd)
    wr = w / sd
    return wr, b - (w * mu / sd).sum()


def threshold(s, y, precision):
    """The lowest score at which the changes scored at or above it reach `precision`, and the
    precision and right changes kept there."""
    order = np.argsort(-s)
    tp = np.cumsum(y[order])
    prec = tp / np.arange(1, len(y) + 1)
    ok = np.where(prec >= precision)[0]
    if not len(ok):
        return 0.999, 0.0, 0
    k = ok.max()
    return float(s[order][k]), float(prec[k]), int(tp[k])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# The trees see every source: the paper-mill spinner makes the tortured-phrase channel's
# substitutions and the mined spinner those of the table mined from real content farms, so the trees
# learn what each source is worth like the thesauri.
def fit_trees(x, y, w=None):
    import lightgbm as lgb

    return lgb.train(TREE_PARAMS, lgb.Dataset(x, y, weight=w, feature_name=FEATURES), num_boost_round=ROUNDS)


def write_trees(booster, path, note, features=FEATURES):
    """Writes a LightGBM booster in unspin's forest format (`split FEATURE THRESHOLD LEFT RIGHT`,
    `x <= THRESHOLD` going left; node indices relative to each tree's root, in pre-order)."""
    model = booster.dump_model()
    out = [f"# {note}", "features " + " ".join(features)]
    for t in model["tree_info"]:
        nodes = []

        def walk(n):
            at = len(nodes)
            if "leaf_value" in n:
                nodes.append(f"leaf {n['leaf_value']:.9g}")
                return at
            if n.get("decision_type", "<=") != "<=":
                sys.exit(f"unsupported decision type {n['decision_type']}")
            nodes.append(None)
            left = walk(n["left_child"])
            right = walk(n["right_child"])
            # The engine compares float32 values: take the largest float32 at or below the
            # threshold, so that x <= t keeps its meaning for every float32 x.
            t = n["threshold"]
            t32 = np.float32(t)
            if float(t32) > t:
                t32 = np.nextafter(t32, np.float32(-np.inf))
            thr = float(t32)
            nodes[at] = f"split {n['split_feature']} {thr!r} {left} {right}"
            return at

        walk(t["tree_structure"])
        out.append("tree")
        out.extend(nodes)
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")


def eval_trees_file(path, x):
    """Scores `x` with a written forest file, as the engine does (a check of the writer)."""
    trees, cur = [], None
    for line in open(path):
        f = line.split()
        if not f or f[0].startswith("#") or f[0] == "features":
            continue
        if f[0] == "tree":
            cur = []
            trees.append(cur)
        else:
            cur.append(f)
    raw = np.zeros(len(x))
    for i, row in enumerate(x.astype(np.float32)):
        for t in trees:
            k = 0
            while t[k][0] == "split":
                k = int(t[k][3]) if row[int(t[k][1])] <= np.float32(t[k][2]) else int(t[k][4])
            raw[i] += float(t[k][1])
    return raw


def learning_curve(x, y, doc, docs, precision):
    """Right changes kept at `precision` on a fixed half of the passages, by trees fitted on growing
    shares of the other half (see `--curve`)."""
    import hashlib

    def passage(d):
        # Documents are numbered from 1 (`load`), and a change before any document record has 0,
        # which must not index from the end; a dump without passage ids falls back to the numbers.
        record = docs[d - 1] if 0 < d <= len(docs) else {}
        return record.get("id") or f"document {d}"

    u = np.array([int(hashlib.sha1(passage(d).encode()).hexdigest()[:12], 16) / 16**12 for d in doc])
    held = u >= 0.5
    print(f"# {len(y)} changes; held out: {int(held.sum())} changes, {int(y[held].sum())} right", file=sys.stderr,
          flush=True)
    print("share  passages  changes fitted  right kept  apply")
    for share in (0.25, 0.5, 1.0):
        fit_on = ~held & (u < 0.5 * share)
        passages = len({passage(d) for d in set(doc[fit_on])})
        s = sigmoid(fit_trees(x[fit_on], y[fit_on]).predict(x[held], raw_score=True))
        thr, _, kept = threshold(s, y[held], precision)
        print(f"{share:5.2f}  {passages:8d}  {int(fit_on.sum()):14d}  {kept:10d}  {thr:.3f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dump")
    ap.add_argument("--precision", type=float, default=0.9)
    ap.add_argument("--neg-weight", type=float, default=1.0, help="weight of wrong changes in the loss")
    ap.add_argument("--trees", metavar="PATH", help="fit trees too and write them here (data/scorer.txt)")
    ap.add_argument("--doc-only", action="store_true", help="fit only the document score")
    ap.add_argument("--real", metavar="DUMP", help="with --trees: also fit on these changes on real spun pages"
                    " and their originals (bench/wild.py --real-dump)")
    ap.add_argument("--real-weight", type=float, default=5.0, help="weight of each --real change in the fit")
    ap.add_argument("--curve", action="store_true", help="print a learning curve over the tune passages, fit nothing")
    ap.add_argument("--hold", metavar="NAME=VALUE", action="append", default=[],
                    help="document score: hold this weight at VALUE and fit the others around it (repeatable)")
    a = ap.parse_args()
    x, y, clean, doc, docs, at = load(a.dump, spans=True)
    if a.curve:
        return learning_curve(x, y, doc, docs, a.precision)
    if not a.doc_only:
        print(f"# {len(y)} changes, {int(y.sum())} right, {int(clean.sum())} on clean text", file=sys.stderr)
        w, b = fit(x, y, neg_weight=a.neg_weight)
        thr, prec, kept = threshold(sigmoid(x @ w + b), y, a.precision)
        print(f"# linear: at apply={thr:.3f}: precision {prec:.3f}, right changes kept {kept} of {int(y.sum())}",
              file=sys.stderr)
        for name, v in zip(FEATURES, w):
            print(f"c_{name} {v:.5f}")
        print(f"c_bias {b:.5f}")
        if a.trees:
            # Real pages, when given, are fitted on with the development changes but never set the
            # threshold: `apply` keeps its meaning, precision `--precision` on the tune split.
            rx, ry, rdoc = np.zeros((0, x.shape[1])), np.zeros(0), np.zeros(0, dtype=int)
            if a.real:
                rx, ry, _, rdoc, _ = load(a.real)
            ax, ay = np.vstack([x, rx]), np.concatenate([y, ry])
            adoc = np.concatenate([doc, rdoc])
            aw = np.concatenate([np.ones(len(y)), np.full(len(ry), a.real_weight)])
            held = np.zeros(len(ay))
            for half in (0, 1):
                fit_on = adoc % 2 != half
                held[~fit_on] = fit_trees(ax[fit_on], ay[fit_on], aw[fit_on]).predict(ax[~fit_on], raw_score=True)
            # `apply` is set on the changes the engine would choose by these scores.
            on = choose(held[:len(y)], doc, at)
            thr, prec, kept = threshold(sigmoid(held[:len(y)][on]), y[on], a.precision)
            print(f"# trees, held out: at apply={thr:.3f}: precision {prec:.3f}, right changes kept {kept} "
                  f"of {int(y.sum())}", file=sys.stderr)
            if len(ry):
                on = sigmoid(held[len(y):]) >= thr
                print(f"# real pages, held out, at that apply: {int(ry[on].sum())} of {int(on.sum())} changes "
                      f"right, {int(ry.sum())} right changes considered", file=sys.stderr)
            booster = fit_trees(ax, ay, aw)
            real_note = f" and {len(ry)} ({int(ry.sum())} right) on real spun pages, weight {a.real_weight:g}" \
                if len(ry) else ""
            write_trees(booster, a.trees, f"unspin change scorer: {ROUNDS} LightGBM trees fitted by "
                        f"bench/fit_scorer.py on {len(y)} changes ({int(y.sum())} right) of the tune split"
                        f"{real_note}")
            # The written file must score exactly as LightGBM does (up to float32 rounding).
            probe = x[:: max(1, len(x) // 2000)]
            diff = np.abs(eval_trees_file(a.trees, probe) - booster.predict(probe, raw_score=True)).max()
            if diff > 1e-3:
                sys.exit(f"the written trees disagree with LightGBM by {diff}")
            # The engine scores the lattice's proposals off the path with the first SCREEN_TREES
            # trees alone where those leave them `screen_margin` or more below `apply` (such a
            # proposal counts only if chosen, at `apply` or above): the margin is the furthest
            # below `apply` the first trees leave any change that ends at or above it, plus 1.
            apply_logit = np.log(thr / (1 - thr))
            part = booster.predict(ax, raw_score=True, num_iteration=SCREEN_TREES)
            reach = booster.predict(ax, raw_score=True) >= apply_logit
            need = float(apply_logit - part[reach].min()) if reach.any() else 0.0
            screen_margin = max(1.0, np.ceil(2 * (need + 1)) / 2)
            print(f"# screen: the first {SCREEN_TREES} trees leave the {int(reach.sum())} changes at apply or "
                  f"above at most {need:.2f} below it", file=sys.stderr)
        print(f"apply {thr:.4f}")
        if a.trees:
            print(f"screen_trees {SCREEN_TREES}")
            print(f"screen_margin {screen_margin:g}")
            return
    # The document score: logistic regression over document evidence rates (spun = 1).
    dx = np.array([d["f"] for d in docs], dtype=np.float64)
    dy = np.array([d["y"] for d in docs], dtype=np.float64)
    names = ["d_changes", "d_gain", "d_fingerprints", "d_artifacts", "d_logprob"]
    held = {}
    for h in a.hold:
        name, _, value = h.partition("=")
        if name not in names:
            sys.exit(f"--hold {h}: no document weight {name!r} (they are {', '.join(names)})")
        held[name] = float(value)
    free = [i for i, n in enumerate(names) if n not in held]
    offset = sum(v * dx[:, names.index(n)] for n, v in held.items())
    # Balance classes: there are many spun files per clean one.
    fw, db = fit(dx[:, free], dy, l2=1e-3, neg_weight=float(dy.sum() / max(1, len(dy) - dy.sum())), offset=offset)
    dw = dict(held, **{names[i]: v for i, v in zip(free, fw)})
    for name in names:
        print(f"{name} {dw[name]:.5f}")
    print(f"d_bias {db:.5f}")


if __name__ == "__main__":
    main()
