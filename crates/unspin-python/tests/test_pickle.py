"""Pickling carries settings, not models: workers load the model themselves."""

from __future__ import annotations

import multiprocessing as mp
import pickle

import pytest

import unspin
from conftest import TEXTS, TINY_SPUN


def test_detector_pickles_as_its_settings(tiny_model_path):
    d = unspin.Detector(tiny_model_path, params={"min_words": 3}, threads=2)
    blob = pickle.dumps(d)
    assert len(blob) < 500  # the path and the settings, never the model's bytes
    assert str(tiny_model_path).encode() in blob
    d2 = pickle.loads(blob)
    assert repr(d2) == repr(d)
    assert d2.params == d.params and d2.threads == 2 and d2.model.path == d.model.path
    assert d2.check(TINY_SPUN) == d.check(TINY_SPUN)


def test_embedded_detector_pickles_without_a_path(real):
    blob = pickle.dumps(real)
    assert len(blob) < 500
    again = pickle.loads(blob)
    assert again.model.path == real.model.path
    assert [again.check(t) for t in TEXTS] == [real.check(t) for t in TEXTS]


def test_model_pickles_as_its_path(tiny_model_path):
    m = unspin.Model(tiny_model_path)
    blob = pickle.dumps(m)
    assert len(blob) < 300
    assert pickle.loads(blob).path == m.path


def test_relative_paths_become_absolute(tiny_model_path, monkeypatch):
    monkeypatch.chdir(tiny_model_path.parent)
    d = unspin.Detector("tiny.unspin")
    assert d.model.path == str(tiny_model_path)


def test_adapters_pickle_without_their_detector(tiny_model_path):
    from unspin.arrow import ArrowScorer

    s = ArrowScorer(model=str(tiny_model_path), threads=1)
    assert s.detector is not None  # built
    again = pickle.loads(pickle.dumps(s))
    assert again._detector is None and again.model == str(tiny_model_path)


def _check_in_child(det: unspin.Detector, texts: list) -> list:
    return [det.check(t) for t in texts]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_fresh_process_loads_the_model_itself(real, method):
    # spawn: a new interpreter that only gets the pickle, as Ray, Spark and datatrove workers do.
    ctx = mp.get_context(method)
    with ctx.Pool(1) as pool:
        got = pool.apply(_check_in_child, (real, TEXTS))
    assert got == [real.check(t) for t in TEXTS]
