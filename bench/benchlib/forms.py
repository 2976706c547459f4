"""Other forms of the same text: capitals, title case, hard wrapping, typographic apostrophes, no-break
spaces.  Real input comes in all of them (headlines, PDF and e-mail text, word processors), and a spun
text should be found and restored in each as it is as written.

Every form keeps the text's number of characters, one for one, so that a span reported on the form maps
back to the written text by character index (`CharMap`), and the gold spans apply unchanged.
"""

from __future__ import annotations

import re
from typing import Callable

# The words a title leaves in lowercase (articles, conjunctions, short prepositions).
TITLE_LOWER = frozenset("a an and as at but by for from in into nor of off on or over per so the to up via vs "
                        "with yet".split())


def upper(text: str) -> str:
    """All in capitals; characters whose capital is longer ("ß" to "SS") stay as they are."""
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in text)


def title(text: str) -> str:
    """Title case, headline style: each word capitalised but the short function words (not first)."""
    def cap(m: re.Match) -> str:
        w = m.group(0)
        if m.start() > 0 and w.lower() in TITLE_LOWER and text[m.start() - 1] == " ":
            return w
        return w[0].upper() + w[1:] if len(w[0].upper()) == 1 else w
    return re.sub(r"[^\W\d_]+(?:'[^\W\d_]+)?", cap, text)


def wrap(text: str, width: int = 72) -> str:
    """Hard-wrapped at `width` columns: the last space before the width becomes a line break."""
    out, col, last = list(text), 0, -1
    for i, c in enumerate(out):
        if c == "\n":
            col, last = 0, -1
            continue
        if c == " ":
            last = i
        col += 1
        if col > width and last >= 0:
            out[last] = "\n"
            col, last = i - last, -1
    return "".join(out)


def curly(text: str) -> str:
    """Typographic apostrophes inside words ("don’t")."""
    return re.sub(r"(?<=\w)'(?=\w)", "\u2019", text)


def nbsp(text: str) -> str:
    """No-break spaces for spaces."""
    return text.replace(" ", "\u00a0")


FORMS: dict[str, Callable[[str], str]] = {
    "written": lambda t: t,
    "capitals": upper,
    "title": title,
    "wrapped": wrap,
    "curly": curly,
    "nbsp": nbsp,
}


class CharMap:
    """Maps byte offsets of a form back to byte offsets of the written text (same characters, one for one)."""

    def __init__(self, written: str, form: str):
        if len(written) != len(form):
            raise ValueError(f"form changed the number of characters: {len(written)} -> {len(form)}")
        self._char_of_form_byte: dict[int, int] = {}
        b = 0
        for i, c in enumerate(form):
            self._char_of_form_byte[b] = i
            b += len(c.encode("utf-8"))
        self._char_of_form_byte[b] = len(form)
        self._byte_of_written_char = [0] * (len(written) + 1)
        b = 0
        for i, c in enumerate(written):
            self._byte_of_written_char[i] = b
            b += len(c.encode("utf-8"))
        self._byte_of_written_char[len(written)] = b

    def __call__(self, form_byte: int) -> int:
        return self._byte_of_written_char[self._char_of_form_byte[form_byte]]

    def span(self, span: dict) -> dict:
        return dict(span, start=self(span["start"]), end=self(span["end"]))
