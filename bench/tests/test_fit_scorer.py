"""The tree writer of fit_scorer.py: the file it writes must score exactly as LightGBM does, in the
engine's format (split FEATURE THRESHOLD LEFT RIGHT, x <= THRESHOLD going left, float32 values)."""
import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pytest.importorskip("lightgbm")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fit_scorer  # noqa: E402


def test_written_trees_score_as_lightgbm(tmp_path):
    rng = np.random.default_rng(7)
    n = 4000
    x = rng.normal(size=(n, len(fit_scorer.FEATURES))).astype(np.float32).astype(np.float64)
    # Binary source bits, as the engine writes them, and a label that depends on interactions.
    x[:, 3:9] = rng.integers(0, 2, size=(n, 6))
    y = ((x[:, 0] > 0.2) & (x[:, 4] > 0) | (x[:, 1] * x[:, 11] > 0.5)).astype(np.float64)
    booster = fit_scorer.fit_trees(x, y)
    path = tmp_path / "scorer.txt"
    fit_scorer.write_trees(booster, path, "test")
    text = path.read_text()
    assert text.splitlines()[1] == "features " + " ".join(fit_scorer.FEATURES)
    assert text.count("\ntree\n") == fit_scorer.ROUNDS
    got = fit_scorer.eval_trees_file(path, x[:500])
    want = booster.predict(x[:500], raw_score=True)
    assert np.abs(got - want).max() < 1e-3


def test_threshold_reaches_the_precision():
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    y = np.array([1, 1, 0, 1, 0], dtype=np.float64)
    thr, prec, kept = fit_scorer.threshold(s, y, 0.75)
    assert (thr, kept) == (0.6, 3)
    assert prec == pytest.approx(0.75)


def test_choose_takes_the_likeliest_of_overlapping_changes():
    # As the engine's `choose` (engine.rs): "a b" (0-3) on the path, "a" (0-1) and "b c" (2-5)
    # beside it; "b c" outscores "a b", which it overlaps, and "a" then overlaps nothing chosen.
    # Another document's change at the same bytes is its own.
    s = np.array([0.5, -1.0, 1.0, -4.0, 0.3])
    doc = np.array([0, 0, 0, 0, 1])
    at = np.array([[0, 3], [0, 1], [2, 5], [6, 7], [0, 3]])
    assert fit_scorer.choose(s, doc, at).tolist() == [False, True, True, True, True]
