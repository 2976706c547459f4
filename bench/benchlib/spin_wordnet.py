"""WordNet-random spinners: nlpaug's WordNet synonym augmenter, and TextAttack's WordNet swap.

nlpaug (``naw.SynonymAug(aug_src="wordnet")``) is run as published.  Two stand-ins are needed because
NLTK cannot download data here: WordNet comes from Debian's wordnet-base (``resources.wordnet``) and
``nltk.pos_tag`` (used by nlpaug to pick the synonym's part of speech) is replaced by a port of
Lingua::EN::Tagger (``postag.py``).  nlpaug re-tokenizes and detokenizes the text, which changes
spacing; the spun text is rebuilt from the original so that gold spans are exact (see the class).

TextAttack (``WordNetAugmenter``) is not installed: it depends on torch, transformers, flair and
datasets (several GB).  ``TextAttackWordNetSpinner`` reimplements what that recipe does with
``WordSwapWordNet`` and its default constraints (see the class docstring).
"""

from __future__ import annotations

import random
import re

from . import resources
from .postag import LinguaTagger
from .textspan import SpunBuilder, changed_word_fraction, rebuild_by_token_diff


class SpinResult:
    """The spun text, its gold spans (UTF-8 byte offsets) and the achieved fraction of changed words."""

    def __init__(self, original: str, builder: SpunBuilder):
        self.spun = builder.text()
        self.spans = builder.spans
        self.rate = changed_word_fraction(original, builder.orig_ranges)


def calibrated(spin_once, original: str, rate: float, tries: int = 4, tol: float = 0.015) -> SpinResult:
    """Run ``spin_once(p, attempt)`` adjusting the nominal proportion ``p`` until the achieved rate is
    within ``tol`` of ``rate``; returns the closest result.  Deterministic for a given seed."""
    p, best = rate, None
    for attempt in range(tries):
        res = SpinResult(original, spin_once(p, attempt))
        if best is None or abs(res.rate - rate) < abs(best.rate - rate):
            best = res
        if abs(res.rate - rate) <= tol or res.rate == 0:
            break
        p = min(1.0, p * rate / res.rate)
    return best


# nlpaug's word tokenizer splits on every non-word character (nlpaug.util.text.tokenizer).
_NLPAUG_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


class NlpaugSpinner:
    """nlpaug's ``SynonymAug(aug_src="wordnet", aug_p=rate, aug_max=None)``, spans recovered exactly.

    nlpaug substitutes token by token (one original token -> one new string) and then detokenizes with
    its own spacing rules.  The spinner gives nlpaug a reverse tokenizer that joins tokens with a
    separator instead, so each output token lines up with its input token; the spun text is the original
    with the changed tokens replaced (original spacing kept).  Should the counts ever disagree, the
    alignment falls back to a token diff (``rebuild_by_token_diff``).
    """

    name = "nlpaug"
    _SEP = "\x1f"

    def __init__(self) -> None:
        resources.wordnet()  # puts the local WordNet on NLTK's path
        tagger = LinguaTagger(resources.lingua_tagger_dir())
        import nlpaug.augmenter.word as naw
        from nlpaug.model.word_dict.wordnet import WordNet

        # nlpaug calls WordNet.pos_tag(tokens) -> nltk.pos_tag(tokens); give it the local tagger.
        WordNet.pos_tag = classmethod(lambda cls, tokens: tagger.tag(tokens))
        # aug_max=None: the default (10) would cap a 400-word passage at 10 substitutions.
        self.aug = naw.SynonymAug(aug_src="wordnet", aug_p=0.3, aug_min=1, aug_max=None,
                                  reverse_tokenizer=self._SEP.join)

    def spin(self, text: str, rate: float, seed: int) -> SpinResult:
        import numpy as np

        tokens = [(m.group(), m.start(), m.end()) for m in _NLPAUG_TOKEN_RE.finditer(text)]

        def once(p: float, attempt: int) -> SpunBuilder:
            # nlpaug draws from both `random` and numpy's global generator.
            random.seed(seed * 7 + attempt)
            np.random.seed((seed * 7 + attempt) % 2**32)
            self.aug.aug_p = p
            out = self.aug.augment(text)
            out = (out[0] if isinstance(out, list) else out).split(self._SEP)
            if len(out) != len(tokens):
                return rebuild_by_token_diff(text, " ".join(out), _NLPAUG_TOKEN_RE)
            builder, pos = SpunBuilder(), 0
            for (tok, start, end), new in zip(tokens, out):
                if new != tok:
                    builder.keep(text[pos:start])
                    builder.change(new, tok, start)
                    pos = end
            builder.keep(text[pos:])
            return builder

        return calibrated(once, text, rate)


# NLTK's English stop word list (nltk_data/corpora/stopwords/english), used by TextAttack's
# StopwordModification constraint.  Embedded because NLTK cannot download it here.
NLTK_STOPWORDS = frozenset("""
i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves
he him his himself she she's her hers herself it it's its itself they them their theirs themselves
what which who whom this that that'll these those am is are was were be been being have has had
having do does did doing a an the and but if or because as until while of at by for with about
against between into through during before after above below to from up down in out on off over
under again further then once here there when where why how all any both each few more most other
some such no nor not only own same so than too very s t can will just don don't should should've
now d ll m o re ve y ain aren aren't couldn couldn't didn didn't doesn doesn't hadn hadn't hasn
hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't shan shan't shouldn
shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
""".split())

# textattack.shared.utils.words_from_text: whitespace chunks, then runs of word characters and
# ' - _ * @ (stripped of those at the ends).
_TA_WORD_RE = re.compile(r"[\w'\-_*@]+")


def textattack_words(text: str) -> list[tuple[str, int, int]]:
    """Words of ``text`` as TextAttack's AttackedText sees them, with character offsets."""
    out = []
    for m in _TA_WORD_RE.finditer(text):
        word = m.group()
        lead = len(word) - len(word.lstrip("'-_*@"))
        word = word.strip("'-_*@")
        if word:
            out.append((word, m.start() + lead, m.start() + lead + len(word)))
    return out


class TextAttackWordNetSpinner:
    """Reimplementation of TextAttack's ``WordNetAugmenter(pct_words_to_swap=rate)`` (v0.3.11).

    What the recipe does, reproduced here:
    * words are AttackedText words (``textattack_words``); stop words (NLTK's list, matched
      case-sensitively as TextAttack does) and already-swapped words are not modifiable;
    * ``WordSwapWordNet`` offers, for a word, every lemma name of every synset of the word (any part of
      speech, any sense) that differs from the word, has no ``_`` and is one word;
    * ``Augmenter.augment`` swaps ``max(int(rate * len(words)), 1)`` times; each time it lists every
      (word, replacement) pair over the modifiable words and picks one uniformly at random, so a word with
      more synonyms is more likely to be swapped;
    * the replacement is inserted as WordNet spells it (usually lower case), keeping the punctuation.
    One deviation: a replacement that differs from the word only in case ("congress" for "Congress") is
    dropped, since it is not a substitution.
    """

    name = "textattack"

    def __init__(self) -> None:
        self.wn = resources.wordnet()
        self._cache: dict[str, list[str]] = {}

    def replacements(self, word: str) -> list[str]:
        if word not in self._cache:
            syns = set()
            for synset in self.wn.synsets(word):
                for name in synset.lemma_names():
                    if name != word and "_" not in name and len(textattack_words(name)) == 1 \
                            and name.lower() != word.lower():
                        syns.add(name)
            self._cache[word] = sorted(syns)
        return self._cache[word]

    def spin(self, text: str, rate: float, seed: int) -> SpinResult:
        rng = random.Random(seed)
        words = textattack_words(text)
        n_swaps = max(int(rate * len(words)), 1)
        options = {i: self.replacements(w) for i, (w, _, _) in enumerate(words) if w not in NLTK_STOPWORDS}
        options = {i: o for i, o in options.items() if o}
        chosen: dict[int, str] = {}
        for _ in range(n_swaps):
            if not options:
                break
            # Uniform over all (index, replacement) pairs.
            pairs = [(i, r) for i in sorted(options) for r in options[i]]
            i, r = rng.choice(pairs)
            chosen[i] = r
            del options[i]  # RepeatModification
        builder, pos = SpunBuilder(), 0
        for i in sorted(chosen):
            _, s, e = words[i]
            builder.keep(text[pos:s])
            builder.change(chosen[i], text[s:e], s)
            pos = e
        builder.keep(text[pos:])
        return SpinResult(text, builder)
