"""Offsets count code points, as Python's str does, on text with é, emoji and CJK."""

from __future__ import annotations

import pytest

from conftest import TEXTS

NON_ASCII = [t for t in TEXTS if not t.isascii()]


def test_the_texts_do_have_non_ascii_spans(real):
    # Guard: the texts below must exercise offsets after multi-byte characters.
    shifted = 0
    for t in NON_ASCII:
        for s in real.check(t)["spans"]:
            if len(t[: s["start"]].encode()) != s["start"]:
                shifted += 1
    assert shifted >= 5


@pytest.mark.parametrize("text", NON_ASCII)
def test_spans_slice_the_python_string(real, text):
    spans = real.check(text)["spans"]
    assert spans
    for s in spans:
        assert text[s["start"] : s["end"]] == s["text"]
    batch_spans = real.check_batch([text]).column("spans").to_pylist()[0]
    assert batch_spans == spans


def test_tiny_model_offsets_after_emoji_and_cjk(tiny):
    from conftest import TINY_SPUN

    for prefix in ["é ", "😀 ", "中文 ", "👩‍👩‍👧 é😀中 "]:
        text = prefix + TINY_SPUN
        (span,) = tiny.check(text)["spans"]
        assert span["start"] == len(prefix) + 4 and span["end"] == len(prefix) + 13
        assert text[span["start"] : span["end"]] == "inventory"
        (batch_span,) = tiny.check_batch([text]).column("spans").to_pylist()[0]
        assert batch_span == span
