"""A paper-mill spinner: the substitutions behind the vendored tortured-phrase list, on any text.

Paper mills run text through a SpinBot-like thesaurus spinner; the tortured-phrase list records what
came out for scientific terms ("profound learning" for "deep learning").  Aligning each listed phrase
with its correct form word by word gives the word substitutions such a spinner makes ("deep" ->
"profound", "data" -> "information"), which apply to general English.  This spinner makes them, and
the listed phrases whole where a correct phrase occurs, over the development passages, each occurrence
decided on its own like the SpinBot-like spinner.  It gives the change scorer examples of the
tortured-phrase channel, which none of the other development spinners uses.

Only the training part of the held-out split of ``bench/tortured_holdout.py`` is used, so a model
whose scorer was fitted on this spinner's output can still be tested on the held-out phrases.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import lemminflect

from . import REPO_DIR
from .spin_farm import SpinBotSpinner, build_index
from .tortured import is_heldout

LIST = REPO_DIR / "data" / "tortured-phrases" / "tortured-phrases.json"


# Closed-class words: the list has a few garbled entries for them (a tool's artifacts), which would
# otherwise make most of the spinning.
_FUNCTION = set("""a an the and or but nor of to in on at by for from with as is are was were be been
being it its this that these those not no so than then there here which who whom whose what when where
why how all any each some such very also can could may might must shall should will would do does did
has have had""".split())


def _wordy(words: list[str]) -> bool:
    return all(w.isalpha() for w in words)


def build_dictionary(phrases: list[dict]) -> dict[str, dict]:
    """Original word or phrase -> its tortured substitutes, most often listed first."""
    subs: dict[str, Counter] = defaultdict(Counter)
    for pair in phrases:
        bad, good = pair["tortured"].lower().split(), pair["correct"].lower().split()
        if not bad or not good or bad == good or not _wordy(bad + good):
            continue
        if len(good) > 1 or good[0] not in _FUNCTION:
            subs[" ".join(good)][" ".join(bad)] += 1
        if len(bad) != len(good):
            continue
        diff = [i for i in range(len(bad)) if bad[i] != good[i]]
        # Clean alignments only, as the model builder takes them (compile::tortured_word_pairs).
        if len(diff) <= 2:
            for i in diff:
                if good[i] not in _FUNCTION and bad[i] not in _FUNCTION:
                    subs[good[i]][bad[i]] += 1
    return {head: {"pos": _pos(head), "alts": [a for a, _ in c.most_common()], "src": "general"}
            for head, c in subs.items()}


def _pos(phrase: str) -> str:
    """"n" or "v" when the phrase's inflected word is a noun or verb lemma, so that its other forms
    are spun too (nouns inflect on their last word, verbs on their first); "x" otherwise."""
    words = phrase.split(" ")
    if lemminflect.getAllLemmas(words[-1]).get("NOUN") == (words[-1],):
        return "n"
    if len(words) == 1 and lemminflect.getAllLemmas(words[0]).get("VERB") == (words[0],):
        return "v"
    return "x"


class PaperMillSpinner(SpinBotSpinner):
    """SpinBot-like, over the tortured-phrase channel (training part of the held-out split)."""

    name = "papermill"

    def __init__(self) -> None:  # noqa: D107 - no farm dictionary: this one comes from the list
        phrases = [p for p in json.loads(LIST.read_text())["phrases"] if not is_heldout(p)]
        self.dictionary = build_dictionary(phrases)
        self.index = build_index(self.dictionary)
