"""A content-farm spinner over the substitutions mined from real spun articles (data/mined/).

`data/mined/phrase-pairs.tsv` lists which original word or phrase real article spinners turned into
which spun one ("said" -> "mentioned", "before" -> "earlier than", "stock" -> "inventory"), mined
from pairs of real web pages.  This spinner makes those substitutions over the development
passages, with the farm spinner's matcher (longest phrase first, capitals kept, surface forms
only).  Each occurrence is spun with the probability that the pages spun its original with:
"said" nearly always, "of" almost never (the table saw "said" spun 83 times, "of" twice).  So a
passage is spun as those pages were, at whatever rate their dictionary reaches on it (`rate`
scales these probabilities, 0.236 being the pages' own rate), and not by whichever pair covers the
most words.  It gives the change scorer examples of that channel, which none of the other
development spinners uses: without them the scorer could not tell how much a mined pair is worth.

A fifth of the pairs seen in a single article pair (by a hash of the pair) is held out: the spinner
never makes them, so a model fitted on its output can be checked on substitutions it has not seen
being made (`held_out_pairs`).  Pairs seen in more article pairs are never held out: the spinners'
commonest habits are what the change scorer most needs examples of.  A fifth of every pair, held out
by hash alone, took "in" -> "within" (seen in 150 article pairs), "also" -> "additionally" and
"year" -> "yr" from the spinner; the development set then held thousands of honest "within" and not
one spun, and the scorer learned never to put "in" back, on real spun pages too.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict

from wordfreq import word_frequency

from . import REPO_DIR
from .spin_farm import DictionarySpinner, _apply, build_index
from .spin_wordnet import SpinResult
from .tortured import hash_fraction

TABLE = REPO_DIR / "data" / "mined" / "phrase-pairs.tsv"
HELD_OUT = 0.2
# The share of their words that the pages' spinners changed: 0.236 on the 31 spun pages that
# bench/wild.py pairs with an original (their gold spans' original words over all words).
PAGES_RATE = 0.236


def is_held_out(spun: str, original: str, docs: int) -> bool:
    """Deterministic: a pair seen in one article pair whose first 8 bytes of SHA-256 of
    "spun<TAB>original", as a fraction of 2**64, fall below `HELD_OUT`."""
    return docs <= 1 and hash_fraction(f"{spun.strip().lower()}\t{original.strip().lower()}") < HELD_OUT


def read_pairs() -> list[tuple[str, str, int, int]]:
    """(spun, original, count, docs) rows of the mined table."""
    with open(TABLE, encoding="utf-8", newline="") as fh:
        return [(r["spun"], r["original"], int(r["count"]), int(r["docs"]))
                for r in csv.DictReader(fh, delimiter="\t")]


def held_out_pairs() -> list[tuple[str, str, int, int]]:
    return [p for p in read_pairs() if is_held_out(p[0], p[1], p[3])]


def build_dictionary(pairs: list[tuple[str, str, int, int]]) -> dict[str, dict]:
    """Original -> its spun forms, the most often seen first.  The table holds surface forms ("said" ->
    "mentioned", "says" -> "says"), as the plugins' dictionaries do, so nothing is inflected."""
    subs: dict[str, dict[str, int]] = defaultdict(dict)
    for spun, original, count, _ in pairs:
        if spun != original and all(w.isalpha() or "'" in w for w in (spun + " " + original).split()):
            subs[original][spun] = subs[original].get(spun, 0) + count
    return {head: {"pos": "x", "alts": sorted(alts, key=lambda a: (-alts[a], a)), "src": "general",
                   "seen": sum(alts.values())}
            for head, alts in subs.items()}


class MinedSpinner(DictionarySpinner):
    """The farm spinner's matcher over the mined table's training part."""

    name = "mined"

    def __init__(self) -> None:  # noqa: D107 - no farm dictionary: this one is mined
        pairs = read_pairs()
        self.dictionary = build_dictionary([p for p in pairs if not is_held_out(p[0], p[1], p[3])])
        self.index = build_index(self.dictionary)
        # How often the pages spun each original where it occurred: the times the table saw it spun,
        # over the times it occurred in the originals (its English frequency times their words).
        words = sum(p[2] for p in pairs) / PAGES_RATE
        self.p_spin = {h: min(1.0, e["seen"] / (max(word_frequency(h, "en"), 1e-9) * words))
                       for h, e in self.dictionary.items()}

    def spin(self, text: str, rate: float, seed: int) -> SpinResult:
        rng = random.Random(f"mined:{seed}")
        scale = rate / PAGES_RATE
        edits = []
        for m in self.matches(text, self.tokens(text)):
            if rng.random() < self.p_spin[m.head] * scale:
                new = self.substitute(text[m.start:m.end], m, rng)
                if new is not None:
                    edits.append((m.start, m.end, new))
        return _apply(text, edits)
