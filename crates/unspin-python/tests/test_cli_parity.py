"""Parity with the CLI: `unspin check --json` and `unspin restore` on the same texts give the same
scores, verdicts, spans (byte offsets converted to code points) and restorations."""

from __future__ import annotations

import json
import subprocess

import pytest

import unspin
from conftest import ROOT, TEXTS, real_model_path


def byte_to_cp(text: str, offset: int) -> int:
    return len(text.encode("utf-8")[:offset].decode("utf-8"))


def devset_texts(limit: int = 40) -> list:
    """Up to `limit` documents of the development set, when bench/make_devset.py has built it."""
    out = []
    for path in sorted((ROOT / "bench" / "out" / "devset" / "test").glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i >= 4:
                    break
                rec = json.loads(line)
                out.append(rec.get("spun") or rec.get("text"))
    return [t for t in out if t][:limit]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list:
    texts = TEXTS + devset_texts()
    folder = tmp_path_factory.mktemp("parity")
    paths = []
    for i, t in enumerate(texts):
        p = folder / f"doc{i:03}.txt"
        p.write_bytes(t.encode("utf-8"))
        paths.append(p)
    return list(zip(texts, paths))


@pytest.fixture(scope="module")
def cli_lines(unspin_bin, corpus) -> list:
    model = ["--model", str(real_model_path())] if real_model_path().is_file() else []
    out = subprocess.run(
        [str(unspin_bin), *model, "check", "--json", *[str(p) for _, p in corpus]],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout.decode("utf-8")
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(corpus)
    return lines


@pytest.fixture(scope="module", params=["embedded_or_default", "by_path"])
def detector(request, real):
    if request.param == "embedded_or_default":
        return real
    if not real_model_path().is_file():
        pytest.skip(f"no {real_model_path()}")
    return unspin.Detector(real_model_path())


def converted(text: str, line: dict) -> dict:
    """A CLI line as `Detector.check` returns it: no path, offsets in code points."""
    spans = []
    for s in line["spans"]:
        s = dict(s)
        s["start"], s["end"] = byte_to_cp(text, s["start"]), byte_to_cp(text, s["end"])
        spans.append(s)
    return {"score": line["score"], "verdict": line["verdict"], "words": line["words"], "spans": spans}


def test_check_matches_cli(detector, corpus, cli_lines):
    assert len(corpus) >= len(TEXTS)
    for (text, path), line in zip(corpus, cli_lines):
        assert line["path"] == str(path)
        assert detector.check(text) == converted(text, line), path


def test_check_batch_matches_cli(detector, corpus, cli_lines):
    texts = [t for t, _ in corpus]
    rows = detector.check_batch(texts).to_pylist()
    assert rows == [converted(t, line) for t, line in zip(texts, cli_lines)]


def test_restore_matches_cli(detector, unspin_bin, corpus):
    model = ["--model", str(real_model_path())] if real_model_path().is_file() else []
    restored = detector.restore_batch([t for t, _ in corpus]).to_pylist()
    changed = 0
    for (text, path), batch_restored in zip(corpus, restored):
        cli = subprocess.run([str(unspin_bin), *model, "restore", str(path)], check=True, capture_output=True).stdout.decode("utf-8")
        assert detector.restore(text) == cli == batch_restored, path
        changed += cli != text
    assert changed >= 5  # the spun texts did get restored
