"""Exact ground truth for spun text: span bookkeeping, UTF-8 byte offsets, alignment by token diff.

A spun record is ``{"original", "spun", "spans": [{"start", "end", "text", "original"}]}`` where
``start``/``end`` are UTF-8 byte offsets into ``spun``, ``spun[start:end] == text`` (as bytes), and
replacing every span's text by its ``original`` gives back ``original`` exactly.
"""

from __future__ import annotations

import difflib
import re

# A "word" for rates and per-1,000-word counts: a whitespace-separated chunk with a letter or digit.
_CHUNK_RE = re.compile(r"\S+")
_ALNUM_RE = re.compile(r"[^\W_]")


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the words of ``text`` (whitespace chunks holding a letter or digit)."""
    return [m.span() for m in _CHUNK_RE.finditer(text) if _ALNUM_RE.search(m.group())]


def count_words(text: str) -> int:
    return len(word_spans(text))


class SpunBuilder:
    """Builds a spun text left to right and records each changed piece as a gold span."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._bytes = 0  # UTF-8 length of the text built so far
        self._chars = 0
        self.spans: list[dict] = []
        self.orig_ranges: list[tuple[int, int]] = []  # char ranges of the spans' originals in the original

    def keep(self, text: str) -> None:
        """Append unchanged text."""
        self._parts.append(text)
        self._bytes += len(text.encode("utf-8"))
        self._chars += len(text)

    def change(self, new: str, original: str, orig_start: int | None = None) -> None:
        """Append ``new`` standing for ``original``.  A change of case only is no change: keep the original."""
        if new.lower() == original.lower():
            self.keep(original)
            return
        start = self._bytes
        self.keep(new)
        self.spans.append({"start": start, "end": self._bytes, "text": new, "original": original})
        if orig_start is not None:
            self.orig_ranges.append((orig_start, orig_start + len(original)))

    def text(self) -> str:
        return "".join(self._parts)


def restore_from_spans(spun: str, spans: list[dict], field: str = "original") -> str:
    """Replace each span of ``spun`` (byte offsets) by ``span[field]``; spans must not overlap."""
    data = spun.encode("utf-8")
    out, pos = [], 0
    for span in sorted(spans, key=lambda s: s["start"]):
        if span["start"] < pos:
            raise ValueError(f"overlapping span at byte {span['start']}")
        out.append(data[pos:span["start"]])
        out.append(span[field].encode("utf-8"))
        pos = span["end"]
    out.append(data[pos:])
    return b"".join(out).decode("utf-8")


def check_record(rec: dict) -> None:
    """Raise if a spun record's spans are not exact (text at offsets, originals give the original)."""
    data = rec["spun"].encode("utf-8")
    last = 0
    for span in rec["spans"]:
        if not (last <= span["start"] < span["end"] <= len(data)):
            raise ValueError(f"{rec.get('id')}: span out of order or empty: {span}")
        if data[span["start"]:span["end"]].decode("utf-8") != span["text"]:
            raise ValueError(f"{rec.get('id')}: span text mismatch: {span}")
        if span["text"].lower() == span["original"].lower():
            raise ValueError(f"{rec.get('id')}: span does not change anything: {span}")
        last = span["end"]
    if restore_from_spans(rec["spun"], rec["spans"]) != rec["original"]:
        raise ValueError(f"{rec.get('id')}: spans do not restore the original")


def changed_word_fraction(original: str, orig_ranges: list[tuple[int, int]]) -> float:
    """Fraction of the original's words that overlap a changed range (the achieved spin rate)."""
    words = word_spans(original)
    if not words:
        return 0.0
    ranges = sorted(orig_ranges)
    hit, j = 0, 0
    for ws, we in words:
        while j < len(ranges) and ranges[j][1] <= ws:
            j += 1
        if j < len(ranges) and ranges[j][0] < we:
            hit += 1
    return hit / len(words)


def original_ranges(spun: str, spans: list[dict]) -> list[tuple[int, int]]:
    """Char ranges in the original text of each span's original (spans sorted by start)."""
    data = spun.encode("utf-8")
    out, shift, pos_chars, pos_bytes = [], 0, 0, 0
    for span in sorted(spans, key=lambda s: s["start"]):
        pos_chars += len(data[pos_bytes:span["start"]].decode("utf-8"))
        start = pos_chars + shift
        out.append((start, start + len(span["original"])))
        shift += len(span["original"]) - len(span["text"])
        pos_chars += len(span["text"])
        pos_bytes = span["end"]
    return out


# --------------------------------------------------------------------------------------------
# Alignment of a re-tokenized augmenter output with its input
# --------------------------------------------------------------------------------------------

def rebuild_by_token_diff(original: str, augmented: str, token_re: re.Pattern) -> SpunBuilder:
    """Align ``augmented`` to ``original`` by a diff on tokens and rebuild the spun text.

    Tools like nlpaug tokenize, substitute and detokenize, which changes spacing around punctuation.
    Here equal tokens are copied from the *original* (with the original's whitespace), and each run of
    differing tokens becomes one gold span whose text is the augmented text of that run.  A pure
    insertion or deletion is widened by one neighbouring token so that every span has both sides.
    """
    a = [(m.group(), m.start(), m.end()) for m in token_re.finditer(original)]
    b = [(m.group(), m.start(), m.end()) for m in token_re.finditer(augmented)]
    matcher = difflib.SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    # Merge adjacent non-equal opcodes into blocks of (i1, i2, j1, j2).
    blocks: list[list[int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if blocks and blocks[-1][1] == i1 and blocks[-1][3] == j1:
            blocks[-1][1], blocks[-1][3] = i2, j2
        else:
            blocks.append([i1, i2, j1, j2])
    for blk in blocks:
        if blk[0] == blk[1] or blk[2] == blk[3]:  # one side empty: take in a neighbouring equal token
            if blk[0] > 0 and blk[2] > 0:
                blk[0] -= 1
                blk[2] -= 1
            else:
                blk[1] += 1
                blk[3] += 1
    # Widening can make blocks touch or overlap: merge again.
    merged: list[list[int]] = []
    for blk in blocks:
        if merged and blk[0] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], blk[1])
            merged[-1][3] = max(merged[-1][3], blk[3])
        else:
            merged.append(list(blk))
    builder = SpunBuilder()
    pos = 0
    for i1, i2, j1, j2 in merged:
        o_start, o_end = a[i1][1], a[i2 - 1][2]
        s_start, s_end = b[j1][1], b[j2 - 1][2]
        builder.keep(original[pos:o_start])
        # A run that differs only in case is kept as in the original by change().
        builder.change(augmented[s_start:s_end], original[o_start:o_end], o_start)
        pos = o_end
    builder.keep(original[pos:])
    return builder
