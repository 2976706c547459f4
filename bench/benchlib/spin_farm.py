"""The content-farm spinner (phrase-dictionary plugin) and a SpinBot-like inconsistent spinner.

Farm spinner, as WordPress "auto blog" plugins behave (see shared/docs/spinners.md):
* dictionary replacement, longest phrase first, left to right, case-insensitive, no part-of-speech check
  (so senses go wrong), both sides may be multi-word, inflected forms are matched and the substitute is
  inflected to match (lemminflect);
* every occurrence of an active dictionary phrase is replaced, the original is never kept, and the
  alternative is drawn at random each time.  The spin rate is reached by activating dictionary heads
  in a random (seeded) order until enough words are covered, as a plugin's "how much to spin" setting;
* capitalised words are spun like any other (names with a dictionary word in them get spun), and only
  the substitute's first letter keeps the capital ("Kevin Coronary heart");
* occasionally spintax debris is left: ``{word}`` or ``{a|b}``; rarely numbers are mangled ("1.five",
  "3" -> "three").

SpinBot-like spinner: the same matcher over another dictionary ("another plugin"), but each occurrence
is decided on its own, so a phrase is spun one way, another way or not at all inside one passage.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

import lemminflect

from .farm_dict import load_dictionary
from .spin_wordnet import SpinResult
from .textspan import SpunBuilder, word_spans

_TOKEN_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_NUMBER_RE = re.compile(r"(?<![\d,.])\d+(?:\.\d+)?(?![\d,]|\.\d)")
_MAX_N = 4
_SRC_RANK = {"function": 0, "common": 1, "compound": 2, "general": 3}
_VERB_TAGS = ("VBD", "VBG", "VBN", "VBZ")
_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0..99 in words ("seventy five")."""
    if n < 20:
        return _SMALL[n]
    return _TENS[n // 10 - 2] + ("" if n % 10 == 0 else " " + _SMALL[n % 10])


@lru_cache(maxsize=200_000)
def _inflect_word(word: str, tag: str) -> str | None:
    forms = lemminflect.getInflection(word, tag) or lemminflect.getInflection(word, tag, inflect_oov=True)
    return forms[0] if forms else None


def inflect_phrase(phrase: str, tag: str | None) -> str | None:
    """Inflect a dictionary phrase for ``tag``: nouns on their last word, verbs on their first."""
    if tag in (None, "NN", "VB"):
        return phrase
    words = phrase.split(" ")
    idx = -1 if tag == "NNS" else 0
    form = _inflect_word(words[idx], tag)
    if form is None:
        return None
    words[idx] = form
    return " ".join(words)


def build_index(dictionary: dict[str, dict]) -> dict[str, tuple[str, str | None]]:
    """Surface form (lower case) -> (head, tag).  Hand lists win over generated entries, and base forms
    over inflected ones, when two heads share a form ("said": "say"+VBD wins over the adjective)."""
    best: dict[str, tuple[tuple[int, int, str], str, str | None]] = {}

    def offer(form: str, head: str, tag: str | None, rank: tuple[int, int, str]) -> None:
        if form and (form not in best or rank < best[form][0]):
            best[form] = (rank, head, tag)

    for head, entry in dictionary.items():
        src = _SRC_RANK[entry["src"]]
        offer(head, head, None, (src, 0, head))
        if entry["pos"] == "n":
            offer(inflect_phrase(head, "NNS"), head, "NNS", (src, 1, head))
        elif entry["pos"] == "v":
            for tag in _VERB_TAGS:
                offer(inflect_phrase(head, tag), head, tag, (src, 1, head))
    return {form: (head, tag) for form, (_, head, tag) in best.items()}


class _Match:
    __slots__ = ("start", "end", "head", "tag", "words")

    def __init__(self, start: int, end: int, head: str, tag: str | None, words: int):
        self.start, self.end, self.head, self.tag, self.words = start, end, head, tag, words


class DictionarySpinner:
    """Shared machinery: tokenizing, longest-first matching and substitution."""

    def __init__(self, dict_seed: int):
        self.dictionary = load_dictionary(dict_seed)
        self.index = build_index(self.dictionary)

    @staticmethod
    def tokens(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in _TOKEN_RE.finditer(text)]

    def matches(self, text: str, toks: list[tuple[int, int]], active=None) -> list[_Match]:
        """Longest-first, left-to-right, non-overlapping matches of (active) dictionary forms."""
        out, i = [], 0
        while i < len(toks):
            for n in range(min(_MAX_N, len(toks) - i), 0, -1):
                # An n-gram only spans words separated by single spaces.
                if n > 1 and any(text[toks[k][1]:toks[k + 1][0]] != " " for k in range(i, i + n - 1)):
                    continue
                start, end = toks[i][0], toks[i + n - 1][1]
                hit = self.index.get(text[start:end].lower())
                if hit and (active is None or hit[0] in active):
                    out.append(_Match(start, end, hit[0], hit[1], n))
                    i += n
                    break
            else:
                i += 1
        return out

    def substitute(self, original: str, match: _Match, rng: random.Random) -> str | None:
        """A random alternative, inflected and capitalised like the original; None if none fits."""
        alts = list(self.dictionary[match.head]["alts"])
        rng.shuffle(alts)
        for alt in alts:
            new = inflect_phrase(alt, match.tag)
            if new and new.lower() != original.lower():
                if original[:1].isupper():
                    new = new[:1].upper() + new[1:]
                return new
        return None


def _coverage(words: list[tuple[int, int]], ranges: list[tuple[int, int]]) -> int:
    """Number of words overlapping a range (both sorted)."""
    hit, j = 0, 0
    for ws, we in words:
        while j < len(ranges) and ranges[j][1] <= ws:
            j += 1
        if j < len(ranges) and ranges[j][0] < we:
            hit += 1
    return hit


class FarmSpinner(DictionarySpinner):
    name = "farm"

    def __init__(self, dict_seed: int = 1, p_debris: float = 0.3, p_number: float = 0.15):
        super().__init__(dict_seed)
        self.p_debris = p_debris
        self.p_number = p_number

    def spin(self, text: str, rate: float, seed: int) -> SpinResult:
        rng = random.Random(f"farm:{seed}")
        toks = self.tokens(text)
        words = word_spans(text)
        target = rate * len(words)
        # Heads present in the passage, in a random order; the hand lists are twice as likely to come
        # early (every plugin has them).
        heads = sorted({m.head for m in self.matches(text, toks)})
        weight = {h: 2.0 if self.dictionary[h]["src"] in ("function", "common") else 1.0 for h in heads}
        heads.sort(key=lambda h: rng.random() ** (1.0 / weight[h]), reverse=True)
        # Smallest prefix of that order whose matches cover the target number of words.
        lo, hi = 0, len(heads)
        while lo < hi:
            mid = (lo + hi) // 2
            ms = self.matches(text, toks, set(heads[:mid]))
            if _coverage(words, [(m.start, m.end) for m in ms]) >= target:
                hi = mid
            else:
                lo = mid + 1
        chosen = self.matches(text, toks, set(heads[:lo]))
        edits: list[tuple[int, int, str]] = []
        for m in chosen:
            new = self.substitute(text[m.start:m.end], m, rng)
            if new is not None:
                edits.append((m.start, m.end, new))
        edits = self._debris(text, edits, chosen, rng)
        edits = sorted(edits + self._numbers(text, edits, rng))
        return _apply(text, edits)

    def _debris(self, text, edits, chosen, rng):
        """Leave spintax around one or two substitutions: ``{alt}`` or ``{a|b}``."""
        if not edits or rng.random() >= self.p_debris:
            return edits
        edits = list(edits)
        for k in rng.sample(range(len(edits)), min(len(edits), 1 + (rng.random() < 0.3))):
            start, end, new = edits[k]
            if rng.random() < 0.5:
                new = "{" + new + "}"
            else:
                other = text[start:end] if rng.random() < 0.5 else new
                m = next(m for m in chosen if m.start == start)
                for alt in self.dictionary[m.head]["alts"]:
                    cand = inflect_phrase(alt, m.tag)
                    if cand and cand.lower() != new.lower() and rng.random() < 0.7:
                        other = cand
                        break
                if text[start:start + 1].isupper():
                    other = other[:1].upper() + other[1:]
                pair = [new, other] if rng.random() < 0.5 else [other, new]
                new = "{" + "|".join(pair) + "}"
            edits[k] = (start, end, new)
        return edits

    def _numbers(self, text, edits, rng):
        """Rarely mangle numbers outside the substitutions: "1.5" -> "1.five", "3" -> "three"."""
        out = []
        taken = [(s, e) for s, e, _ in edits]
        for m in _NUMBER_RE.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken) or rng.random() >= self.p_number:
                continue
            num = m.group()
            if "." in num:
                whole, frac = num.split(".")
                if len(frac) <= 2:
                    out.append((m.start(), m.end(), f"{whole}.{number_words(int(frac))}"))
            elif 1 <= int(num) <= 12 and len(num) <= 2:
                out.append((m.start(), m.end(), number_words(int(num))))
        return out


class SpinBotSpinner(DictionarySpinner):
    """Inconsistent: every occurrence decided on its own, a different dictionary ("another plugin")."""

    name = "spinbot"

    def __init__(self, dict_seed: int = 2):
        super().__init__(dict_seed)

    def spin(self, text: str, rate: float, seed: int) -> SpinResult:
        rng = random.Random(f"spinbot:{seed}")
        toks = self.tokens(text)
        words = word_spans(text)
        target = rate * len(words)
        candidates = self.matches(text, toks)
        rng.shuffle(candidates)
        edits, ranges = [], []
        for m in candidates:
            if _coverage(words, sorted(ranges)) >= target:
                break
            new = self.substitute(text[m.start:m.end], m, rng)
            if new is not None:
                edits.append((m.start, m.end, new))
                ranges.append((m.start, m.end))
        return _apply(text, sorted(edits))


def _apply(text: str, edits: list[tuple[int, int, str]]) -> SpinResult:
    builder, pos = SpunBuilder(), 0
    for start, end, new in edits:
        builder.keep(text[pos:start])
        builder.change(new, text[start:end], start)
        pos = end
    builder.keep(text[pos:])
    return SpinResult(text, builder)
