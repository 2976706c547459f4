"""Development passages cut short, to measure the engine on short texts (`quality.py --words`)."""

from __future__ import annotations

from .textspan import word_spans


def first_words(text: str, n: int) -> str:
    """``text`` up to the end of its ``n``-th word (all of it when it has fewer)."""
    words = word_spans(text)
    return text if len(words) <= n else text[:words[n - 1][1]]


def cut_record(rec: dict, n: int) -> dict:
    """A spun record cut to its first ``n`` words, still exact: a gold span that the cut would
    split is left out with everything after it, and ``original`` is rebuilt from what is kept."""
    spun = first_words(rec["spun"], n)
    end = len(spun.encode("utf-8"))
    for s in sorted(rec["spans"], key=lambda s: s["start"]):
        if s["start"] < end < s["end"]:
            end = s["start"]
            break
    raw = rec["spun"].encode("utf-8")[:end]
    kept = [s for s in rec["spans"] if s["end"] <= end]
    original, at = bytearray(), 0
    for s in sorted(kept, key=lambda s: s["start"]):
        original += raw[at:s["start"]] + s["original"].encode("utf-8")
        at = s["end"]
    original += raw[at:]
    return rec | {"spun": raw.decode("utf-8"), "original": original.decode("utf-8"), "spans": kept}
