"""Cut addresses into passages of 300-500 words.

The npm package stores each address as a single line: its paragraph breaks are gone.  Passages are
therefore cut on *sentence* boundaries (the nearest thing left), as exact substrings of the address.
"""

from __future__ import annotations

import random
import re

from .textspan import count_words

# Abbreviations that end with a period but do not end a sentence (in part from Lingua::EN::Tagger's list).
_ABBREV = set("""
mr mrs ms dr prof sr jr st gen col lt capt sgt maj adm cmdr rev hon gov sen rep messrs esq
jan feb mar apr jun jul aug sep sept oct nov dec no nos vs etc inc ltd co corp dept univ assn bros
art sec ch vol pp ft mt ave
""".split())

# Candidate boundary: sentence punctuation (and closing quotes/brackets), whitespace, then a capital,
# a digit, or an opening quote/bracket.
_BOUNDARY_RE = re.compile(r"""[.!?]["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")


# Editorial markers of the source transcripts: page numbers and audience reactions.
_MARKER_RE = re.compile(r"\s*\[(?:p\.\s*\d+|laughter|applause)\]", re.IGNORECASE)


def clean_address(text: str) -> str:
    """Drop editorial markers ("[p.2]", "[Laughter]") and surrounding whitespace."""
    return _MARKER_RE.sub("", text).strip()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of the sentences of ``text`` (a light rule-based splitter)."""
    spans, start = [], 0
    for m in _BOUNDARY_RE.finditer(text):
        head = text[start:m.start() + 1]
        last = re.search(r"(\S+)$", head)
        token = last.group(1).rstrip(".!?\"')]").lower() if last else ""
        # "U.S.", "S." (an initial) and listed abbreviations do not end a sentence.
        if token in _ABBREV or re.fullmatch(r"(?:[a-z]\.)*[a-z]", token):
            continue
        end = m.start() + len(m.group().rstrip())
        spans.append((start, end))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def cut_passages(text: str, rng: random.Random, min_words: int = 300, max_words: int = 500) -> list[str]:
    """Greedily group consecutive sentences into passages of ``min_words``..``max_words`` words.

    Each passage aims at a length drawn uniformly from [min_words, (min_words + max_words) / 2 + 50]
    so that lengths vary; a sentence that would push it past ``max_words`` closes it (or, if the
    passage is still too short, the passage is dropped and a new one starts after that sentence).
    """
    out = []
    sents = sentence_spans(text)
    i = 0
    while i < len(sents):
        target = rng.randint(min_words, min(max_words, (min_words + max_words) // 2 + 50))
        start, words, j = sents[i][0], 0, i
        while j < len(sents) and words < target:
            n = count_words(text[sents[j][0]:sents[j][1]])
            if words + n > max_words:
                break
            words += n
            j += 1
        if words >= min_words:
            out.append(text[start:sents[j - 1][1]])
            i = j
        else:
            i = max(j, i + 1)  # too short (overlong sentence or end of text): skip ahead
    return out
