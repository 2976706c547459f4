"""fit_rank.py: the candidate order it fits puts the gold original first where the features say so,
keeps the hand-set weights, and names the features in the engine's order."""
import json
import re
import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fit_rank  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def test_features_match_the_engine():
    src = (REPO / "crates" / "unspin-core" / "src" / "lexicon.rs").read_text()
    block = src[src.index("pub const RANK_FEATURES"):]
    block = block[:block.index("];")]
    assert re.findall(r'"(\w+)"', block) == fit_rank.FEATURES


def test_fit_learns_the_order(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    k = len(fit_rank.FEATURES)
    lines = []
    for _ in range(600):
        n = int(rng.integers(2, 9))
        x = rng.normal(size=(n, k))
        # The gold original is the one most thesauri agree on, whatever its prior; the mined bit is noise.
        x[:, fit_rank.FEATURES.index("thesauri")] = rng.permutation(n)
        x[:, fit_rank.FEATURES.index("mined")] = rng.integers(0, 2, size=n)
        gold = int(x[:, fit_rank.FEATURES.index("thesauri")].argmax())
        lines.append(json.dumps({"gold": gold, "x": x.tolist()}))
    lines.append(json.dumps({"gold": -1, "x": [[0.0] * k] * 3}))  # no gold: skipped
    dump = tmp_path / "ranks.jsonl"
    dump.write_text("\n".join(lines) + "\n")
    x, mask, gold = fit_rank.load(dump)
    assert len(gold) == 600
    w = fit_rank.fit(x, mask, gold)
    assert abs(w[fit_rank.FEATURES.index("mined")]) < 0.5  # noise: fitted near zero
    assert w[fit_rank.FEATURES.index("thesauri")] > 1.0
    assert fit_rank.top(x, mask, gold, w, 1) > 0.95
    # A hand-set weight is kept as it is and takes no part in the fit.
    monkeypatch.setattr(fit_rank, "HAND_SET", {"mined": 1.0})
    w = fit_rank.fit(x, mask, gold)
    assert w[fit_rank.FEATURES.index("mined")] == 1.0
    assert fit_rank.top(x, mask, gold, w, 1) > 0.95
