"""The single-text API: shapes, values, errors, models, parameters, threads."""

from __future__ import annotations

import threading

import pytest

import unspin
from conftest import TEXTS, TINY_CLEAN, TINY_SPUN


def test_check_returns_a_cli_shaped_dict(tiny):
    r = tiny.check(TINY_SPUN)
    assert list(r) == ["score", "verdict", "words", "spans"]
    assert r["verdict"] == "spun" and r["words"] == 7
    assert 0.0 <= r["score"] <= 1.0 and round(r["score"], 4) == r["score"]
    (span,) = r["spans"]
    assert list(span) == ["start", "end", "text", "suggestion", "confidence", "kind", "evidence"]
    assert span["text"] == "inventory" and span["suggestion"] == "stock"
    assert TINY_SPUN[span["start"] : span["end"]] == "inventory"
    assert span["kind"] == "substitution" and span["kind"] in unspin.SPAN_KINDS
    assert 0.5 < span["confidence"] <= 1.0 and "stock" in span["evidence"]


def test_restore(tiny):
    assert tiny.restore(TINY_SPUN) == TINY_CLEAN
    assert tiny.restore(TINY_CLEAN) == TINY_CLEAN
    assert tiny.restore("") == ""


def test_empty_and_punctuation_only_texts_are_unsure(tiny):
    for t in ["", "  \n", "...!?"]:
        assert tiny.check(t) == {"score": 0.0, "verdict": "unsure", "words": 0, "spans": []}


def test_fingerprints_and_spintax_are_reported(real):
    r = real.check(TEXTS[4])
    kinds = {s["kind"] for s in r["spans"]}
    assert {"fingerprint", "artifact"} <= kinds, r["spans"]
    for s in r["spans"]:
        assert TEXTS[4][s["start"] : s["end"]] == s["text"]


def test_apply_spans_matches_restore(real):
    for t in TEXTS:
        assert unspin.apply_spans(t, real.check(t)["spans"]) == real.restore(t)
    # A confidence floor keeps the less sure changes out: above every change's confidence
    # nothing is applied, at the lowest one everything is.
    spans = real.check(TEXTS[1])["spans"]
    confidences = [s["confidence"] for s in spans if s["suggestion"]]
    assert confidences, spans
    assert unspin.apply_spans(TEXTS[1], spans, min_confidence=max(confidences) + 1e-3) == TEXTS[1]
    assert unspin.apply_spans(TEXTS[1], spans, min_confidence=min(confidences)) == real.restore(TEXTS[1])


def test_apply_spans_rejects_overlaps():
    with pytest.raises(ValueError):
        unspin.apply_spans("abcdef", [{"start": 2, "end": 4, "suggestion": "x"}, {"start": 3, "end": 5, "suggestion": "y"}])


def test_verdicts_follow_the_models_threshold(real):
    threshold = real.params["spun_threshold"]
    for t in TEXTS:
        r = real.check(t)
        assert r["verdict"] in unspin.VERDICTS
        # The verdict is drawn from the unrounded score; the dict's is rounded to 4 decimals.
        if r["verdict"] == "spun":
            assert r["score"] >= threshold - 1e-4
        elif r["verdict"] == "clean":
            assert r["score"] <= threshold + 1e-4


def test_model_properties(tiny_model_path, real):
    m = unspin.Model(tiny_model_path)
    assert m.path == str(tiny_model_path) and not m.embedded
    assert m.size == tiny_model_path.stat().st_size
    assert m.phrases > 10 and m.candidate_pairs >= 8 and m.fingerprints == 4
    assert m.composed_fingerprints == 0
    assert '"fixture"' in m.metadata
    assert m.params["min_words"] == 5.0
    assert "tiny.unspin" in repr(m)
    big = real.model
    assert big.size > 1_000_000 and big.phrases > 100_000 and big.fingerprints > 100
    assert big.composed_fingerprints > 1000


def test_embedded_model_or_a_clear_error(tiny_model_path):
    if unspin.HAS_EMBEDDED_MODEL:
        d = unspin.Detector()
        assert d.model.embedded and d.model.path is None
        assert repr(d) == "Detector(model='embedded')"
    else:
        with pytest.raises(unspin.ModelError, match="model=PATH"):
            unspin.Detector()


def test_the_wheel_embeds_the_model_when_it_exists():
    # ci.sh builds the wheel after the model: then the model must be inside it.
    from conftest import REQUIRE, ROOT

    if REQUIRE and (ROOT / "models" / "default.unspin").is_file():
        assert unspin.HAS_EMBEDDED_MODEL
        assert unspin.Model().size == (ROOT / "models" / "default.unspin").stat().st_size


def test_detector_shares_a_loaded_model(tiny_model_path):
    m = unspin.Model(tiny_model_path)
    d = unspin.Detector(m)
    assert d.model is m
    assert unspin.Detector(str(tiny_model_path)).restore(TINY_SPUN) == TINY_CLEAN


def test_params_override_and_show(tiny_model_path):
    d = unspin.Detector(tiny_model_path, params={"min_words": 100})
    assert d.params["min_words"] == 100.0
    assert d.check(TINY_SPUN)["verdict"] == "unsure"
    assert "params={'min_words': 100.0}" in repr(d)
    with pytest.raises(unspin.ParamError, match="unknown parameter"):
        unspin.Detector(tiny_model_path, params={"no_such_param": 1.0})
    with pytest.raises(ValueError):  # ParamError is a ValueError too
        unspin.Detector(tiny_model_path, params={"no_such_param": 1.0})
    with pytest.raises(TypeError):
        unspin.Detector(tiny_model_path, params={"min_words": "many"})


def test_model_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        unspin.Detector(tmp_path / "missing.unspin")
    assert e.value.filename.endswith("missing.unspin")
    with pytest.raises(IsADirectoryError):
        unspin.Detector(tmp_path)
    junk = tmp_path / "junk.unspin"
    junk.write_bytes(b"definitely not a model" * 10)
    with pytest.raises(unspin.ModelError, match="bad magic"):
        unspin.Model(junk)
    assert issubclass(unspin.ModelError, ValueError) and issubclass(unspin.ModelError, unspin.UnspinError)
    truncated = tmp_path / "truncated.unspin"
    truncated.write_bytes(unspin._unspin._tiny_model_bytes()[:-100])
    with pytest.raises(unspin.ModelError):
        unspin.Model(truncated)
    with pytest.raises(TypeError, match="model must be"):
        unspin.Detector(42)


def test_threads(tiny_model_path):
    with pytest.raises(ValueError, match="at least 1"):
        unspin.Detector(tiny_model_path, threads=0)
    d = unspin.Detector(tiny_model_path, threads=2)
    assert d.threads == 2 and "threads=2" in repr(d)
    assert unspin.Detector(tiny_model_path).threads is None


def test_concurrent_python_threads_share_one_detector(real):
    # The detector is immutable and every call releases the GIL: threads must see the same
    # results as a sequential run.
    expected = [real.check(t) for t in TEXTS]
    results: dict = {}

    def work(i: int) -> None:
        results[i] = [real.check(t) for t in TEXTS]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[i] == expected for i in range(4))


def test_text_type_errors(tiny):
    with pytest.raises(TypeError):
        tiny.check(b"bytes are not text")
    with pytest.raises(TypeError):
        tiny.restore(None)


def test_lone_surrogates_are_refused(tiny):
    # Python str may hold lone surrogates; UTF-8 (and so the engine) cannot.
    with pytest.raises(UnicodeEncodeError):
        tiny.check("bad \ud800 text")


def test_version():
    assert unspin.__version__.count(".") == 2
