"""Other forms of the same text: capitals, title case, hard wrapping, typographic apostrophes, no-break
spaces, words broken by a hyphen at line ends, raw HTML, soft hyphens inside long words, ligatures, and
Cyrillic letters that look like Latin ones.  Real input comes in all of them (headlines, PDF and e-mail text, word processors), and a spun
text should be found and restored in each as it is as written.

Every form but `hyphenated`, `html`, `soft` and `ligatures` keeps the text's number of characters, one for one, so that a span reported
on the form maps back to the written text by character index (`CharMap`), and the gold spans apply
unchanged; those give the written index of each of their characters.
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


CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "p": "\u0440"}


def lookalikes(text: str) -> str:
    """In every third word of four letters or more, its first "a", "e", "o", "c" or "p" written with
    the Cyrillic letter that looks the same, as spam hides words from checkers."""
    count = 0

    def swap(m: re.Match) -> str:
        nonlocal count
        w = m.group(0)
        count += 1
        if len(w) < 4 or count % 3:
            return w
        for i, c in enumerate(w):
            if c in CYRILLIC:
                return w[:i] + CYRILLIC[c] + w[i + 1:]
        return w
    return re.sub(r"[^\W\d_]+", swap, text)


def nbsp(text: str) -> str:
    """No-break spaces for spaces."""
    return text.replace(" ", "\u00a0")


def indexed(chars: list[tuple[str, int]], n_written: int) -> tuple[str, list[int]]:
    """A form built as (character, written index) pairs: its text, and each character's written index
    followed by `n_written` (one past the written text's end), as `INDEXED` forms return them."""
    return "".join(c for c, _ in chars), [x for _, x in chars] + [n_written]


def hyphenated(text: str, width: int = 72, min_letters: int = 8) -> tuple[str, list[int]]:
    """Hard-wrapped as `wrap` does, and a word of `min_letters` letters or more that starts a line is
    broken by a hyphen instead, its first half left at the end of the line before ("inven-" and
    "tory"), as text from PDFs is.  Returns the form and, for each of its characters and one past
    the end, the index of the written character it stands for (a hyphen and line break inserted
    stand for the character after them)."""
    wrapped = wrap(text, width)
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(wrapped):
        c = wrapped[i]
        if c == "\n" and text[i] == " ":
            j = i + 1
            while j < len(wrapped) and wrapped[j].isalpha():
                j += 1
            if j - (i + 1) >= min_letters:
                k = i + 1 + (j - i - 1) // 2
                out.append((" ", i))
                out.extend((wrapped[x], x) for x in range(i + 1, k))
                out.extend([("-", k), ("\n", k)])
                i = k
                continue
        out.append((c, i))
        i += 1
    return indexed(out, len(text))


def html(text: str) -> tuple[str, list[int]]:
    """As raw HTML from a scraped page: in a paragraph tag, a line-break tag after every sentence,
    and quotation marks, ampersands and apostrophes written as character references (`&quot;`,
    `&amp;`, `&#8217;`).  Returns the form and each of its characters' written index, as
    `hyphenated` does (a tag inserted stands for the character after it; a reference, for the
    character it writes)."""
    out: list[tuple[str, int]] = []

    def add(s: str, at: int) -> None:
        out.extend((c, at) for c in s)

    add("<p>", 0)
    refs = {'"': "&quot;", "&": "&amp;", "'": "&#8217;"}
    for i, c in enumerate(text):
        add(refs.get(c, c), i)
        if c in ".?!" and text[i + 1:i + 2] == " ":
            add("<br/>", i + 1)
    add("</p>", len(text))
    return indexed(out, len(text))


def soft_hyphens(text: str, min_letters: int = 8) -> tuple[str, list[int]]:
    """A soft hyphen (U+00AD, invisible unless the line breaks there) in the middle of every word of
    `min_letters` letters or more, as web pages hint hyphenation and some spinners hide words.
    Returns the form and each of its characters' written index (a soft hyphen stands for the
    character after it)."""
    out: list[tuple[str, int]] = []
    last = 0
    for m in re.finditer(r"[^\W\d_]+", text):
        out.extend((text[x], x) for x in range(last, m.start()))
        word = m.group(0)
        if len(word) >= min_letters:
            k = m.start() + len(word) // 2
            out.extend((text[x], x) for x in range(m.start(), k))
            out.append(("\u00ad", k))
            out.extend((text[x], x) for x in range(k, m.end()))
        else:
            out.extend((text[x], x) for x in range(m.start(), m.end()))
        last = m.end()
    out.extend((text[x], x) for x in range(last, len(text)))
    return indexed(out, len(text))


LIGATURES = (("ffi", "\ufb03"), ("ffl", "\ufb04"), ("ff", "\ufb00"), ("fi", "\ufb01"), ("fl", "\ufb02"))


def ligatures(text: str) -> tuple[str, list[int]]:
    """Latin ligatures for "ff", "fi", "fl", "ffi" and "ffl", as text taken from PDFs has them
    ("ﬁnancial").  Returns the form and each of its characters' written index (a ligature stands for
    its first letter)."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        for letters, lig in LIGATURES:
            if text.startswith(letters, i):
                out.append((lig, i))
                i += len(letters)
                break
        else:
            out.append((text[i], i))
            i += 1
    return indexed(out, len(text))


FORMS: dict[str, Callable[[str], str]] = {
    "written": lambda t: t,
    "capitals": upper,
    "title": title,
    "wrapped": wrap,
    "curly": curly,
    "nbsp": nbsp,
    "hyphenated": lambda t: hyphenated(t)[0],
    "html": lambda t: html(t)[0],
    "soft": lambda t: soft_hyphens(t)[0],
    "ligatures": lambda t: ligatures(t)[0],
    "lookalikes": lookalikes,
}

# Forms that add characters, with the map of each character to the written one it stands for.
INDEXED: dict[str, Callable[[str], tuple[str, list[int]]]] = {"hyphenated": hyphenated, "html": html,
                                                            "soft": soft_hyphens, "ligatures": ligatures}


class CharMap:
    """Maps byte offsets of a form back to byte offsets of the written text: character for character,
    or through `index` (each form character's written index, and one past the end, as `INDEXED`
    forms give it)."""

    def __init__(self, written: str, form: str, index: list[int] | None = None):
        if index is None:
            if len(written) != len(form):
                raise ValueError(f"form changed the number of characters: {len(written)} -> {len(form)}")
            index = list(range(len(form) + 1))
        if len(index) != len(form) + 1:
            raise ValueError(f"index has {len(index)} entries for {len(form)} characters")
        self._char_of_form_byte: dict[int, int] = {}
        b = 0
        for i, c in enumerate(form):
            self._char_of_form_byte[b] = index[i]
            b += len(c.encode("utf-8"))
        self._char_of_form_byte[b] = index[len(form)]
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
