"""A Penn-Treebank part-of-speech tagger: a Python port of Lingua::EN::Tagger's tagging step.

nlpaug's WordNet augmenter calls ``nltk.pos_tag``, whose model NLTK would download at run time; that
is not possible here.  Debian ships Lingua::EN::Tagger (package ``liblingua-en-tagger-perl``) with its
lexicon (``words.yml``: word -> tag counts from the Penn Treebank, ``unknown.yml``: classes of unknown
words) and its tag bigram model (``tags.yml``).  This module ports the Perl code's ``_clean_word``,
``_classify_unknown_word`` and ``_assign_tag`` (a greedy bigram "modified Viterbi") over those files,
and maps Lingua's tag names to Penn Treebank names, so it can stand in for ``nltk.pos_tag`` on a list
of tokens.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# Lingua tag names that differ from the Penn Treebank names nltk.pos_tag returns.
_TO_PTB = {"det": "DT", "prps": "PRP$", "wps": "WP$", "pp": ".", "ppc": ",", "pps": ":", "ppl": "``",
           "ppr": "''", "ppd": "$", "lrb": "(", "rrb": ")", "sym": "SYM", "pos": "POS"}

_LINE_RE = re.compile(r'^"?([^{"]+)"?: \{ (.*) \}')


def _load(path: Path) -> dict[str, dict[str, float]]:
    """Parse Lingua's one-line-per-entry YAML (``key: { tag: n, tag: n }``) like its Perl loader."""
    table: dict[str, dict[str, float]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            m = _LINE_RE.match(line)
            if not m:
                continue
            parts = re.split(r"[:,]\s+", m.group(2))
            entry = table.setdefault(m.group(1), {})
            for tag, value in zip(parts[0::2], parts[1::2]):
                entry[tag] = float(value)
    return table


class LinguaTagger:
    """Greedy bigram HMM tagger over Lingua::EN::Tagger's data files."""

    def __init__(self, data_dir: Path):
        self.lexicon = _load(data_dir / "words.yml")
        self.lexicon.update(_load(data_dir / "unknown.yml"))
        self.hmm = _load(data_dir / "tags.yml")
        self._assign = lru_cache(maxsize=200_000)(self._assign_tag)

    def _classify_unknown(self, word: str) -> str:
        """Map a word missing from the lexicon to one of the unknown-word classes (Perl's order)."""
        if re.search(r"[({\[]", word):
            return "*LRB*"
        if re.search(r"[)\]}]", word):
            return "*RRB*"
        if re.fullmatch(r"-?(?:\d+(?:\.\d*)?|\.\d+)", word) or re.fullmatch(r"\d+[\d/:-]+\d", word):
            return "*NUM*"
        if re.fullmatch(r"-?\d+\w+", word):
            return "*ORD*"
        if re.fullmatch(r"[A-Z][A-Z.-]*", word):
            return "-abr-"
        if re.search(r"\w-\w", word):
            suffix = word.rsplit("-", 1)[1]
            return "-hyp-adj-" if "jj" in self.lexicon.get(suffix, {}) else "-hyp-"
        if re.fullmatch(r"\W+", word):
            return "-sym-"
        if word == word[:1].upper() + word[1:]:
            return "-cap-"
        for suffix, cls in (("ing", "-ing-"), ("s", "-s-"), ("tion", "-tion-"), ("ly", "-ly-"), ("ed", "-ed-")):
            if word.endswith(suffix):
                return cls
        return "-unknown-"

    def _clean_word(self, word: str) -> str:
        if word in self.lexicon:
            return word
        lower_first = word[:1].lower() + word[1:]
        if lower_first in self.lexicon:
            return lower_first
        return self._classify_unknown(word)

    def _assign_tag(self, prev_tag: str, word: str) -> str:
        """P(tag | prev_tag) * (count(word, tag) + 1), maximised over tags seen after prev_tag."""
        if word == "-sym-":
            return "sym"
        counts = self.lexicon.get(word, {})
        best, best_p = None, 0.0
        for tag, p_trans in sorted(self.hmm.get(prev_tag, {}).items()):
            if tag not in counts:
                continue
            p = p_trans * (counts[tag] + 1)
            if p > best_p:
                best, best_p = tag, p
        return best or "nn"

    def tag(self, tokens: list[str]) -> list[tuple[str, str]]:
        """Tag a token list; returns ``[(token, PTB tag), ...]`` like ``nltk.pos_tag``."""
        prev = "pp"  # sentence start, as Lingua's _reset
        out = []
        for token in tokens:
            prev = self._assign(prev, self._clean_word(token))
            out.append((token, _TO_PTB.get(prev, prev.upper())))
        return out
