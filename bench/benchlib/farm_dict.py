"""The phrase dictionary of the content-farm spinner, built from general resources.

A phrase-dictionary plugin maps each phrase to a handful of alternatives.  This one is made of:

1. ``FUNCTION_PHRASES``: hand-written paraphrases of English function words, auxiliaries and fixed
   phrases that spinners are known to swap ("among" -> "amongst", "before" -> "previous to",
   "will be" -> "will probably be").  They hold for English in general, not for any corpus.
2. ``COMMON_SUBS``: hand-written substitutes for very frequent content words, the ones plugins ship
   ("use" -> "make use of", "said" -> "mentioned" via "say", "problem" -> "downside").
3. Compounds split into parts (``homeowner`` -> ``house owner``), found in WordNet: a closed compound
   whose two parts are common words that its definition mentions.
4. The general part: heads that both WordNet and the Moby thesaurus (crate ``thesaurus-moby``) list;
   alternatives are WordNet synonyms from *any* sense (so senses go wrong, as in real plugins) and Moby
   words that list the head back, kept only if common (wordfreq); a few per head, picked with a fixed seed.

Entries are ``head -> {"pos": p, "alts": [...]}`` with heads in lower case.  ``pos`` says how the
head is inflected when matching ("n": plural; "v": verb forms; "x": exact surface only).  The dictionary
is deterministic for a given seed ("the plugin"): farms that run the same plugin make the same odd
substitutions.
"""

from __future__ import annotations

import json
import math
import random
import re
from functools import lru_cache
from pathlib import Path

from . import OUT_DIR, resources

# ----------------------------------------------------------------------------------------------
# Hand-written lists (general English)
# ----------------------------------------------------------------------------------------------

# Function words, auxiliaries and fixed phrases: matched as exact surface forms.
FUNCTION_PHRASES: dict[str, list[str]] = {
    "among": ["amongst"], "amongst": ["among"], "while": ["whereas", "whilst"], "whilst": ["while"],
    "before": ["previous to", "prior to", "earlier than"], "after": ["following", "soon after"],
    "where": ["whereby", "the place"], "also": ["additionally", "moreover", "as well"],
    "but": ["however", "nonetheless"], "because": ["as a result of", "since", "due to the fact that"],
    "because of": ["as a result of", "due to"], "about": ["approximately", "round", "regarding"],
    "very": ["extremely", "really", "quite"], "many": ["numerous", "quite a few", "a lot of"],
    "some": ["a few", "certain"], "will be": ["will probably be", "might be", "shall be"],
    "would be": ["can be", "could be"], "can": ["could", "may"], "should": ["ought to", "must"],
    "must": ["should", "need to", "have to"], "as well": ["as effectively", "additionally", "too"],
    "as well as": ["in addition to", "together with", "as effectively as"],
    "in order to": ["so as to", "to be able to", "in an effort to"],
    "a lot of": ["lots of", "plenty of", "loads of"], "lots of": ["a lot of", "plenty of"],
    "more than": ["greater than", "over", "above"], "less than": ["lower than", "below", "under"],
    "however": ["nevertheless", "nonetheless"], "therefore": ["subsequently", "due to this fact", "hence"],
    "thus": ["therefore", "hence", "so"], "within": ["inside", "inside of"],
    "without": ["with out", "with none"], "almost": ["nearly", "virtually", "practically"],
    "nearly": ["almost", "virtually"], "already": ["by now", "previously"],
    "again": ["once more", "once again"], "often": ["usually", "typically", "ceaselessly"],
    "usually": ["often", "typically", "normally"], "always": ["at all times", "all the time", "constantly"],
    "never": ["by no means", "never ever"], "now": ["presently", "at the moment", "right now"],
    "today": ["at present", "right now", "these days"], "until": ["till", "up till"],
    "during": ["throughout", "all through"], "through": ["by means of", "via", "by way of"],
    "across": ["throughout", "all through", "over"], "although": ["though", "even though", "even if"],
    "though": ["although", "even though"], "toward": ["towards", "in direction of"],
    "towards": ["toward", "in direction of"], "upon": ["on", "onto"], "whether": ["whether or not", "if"],
    "enough": ["sufficient", "adequate"], "still": ["nonetheless", "even now"],
    "just": ["simply", "solely", "merely"], "only": ["solely", "simply", "merely"], "each": ["every"],
    "every": ["each", "each and every"], "such as": ["akin to", "corresponding to", "similar to"],
    "so that": ["in order that", "so"], "due to": ["because of", "attributable to", "owing to"],
    "instead of": ["as a substitute of", "in place of", "rather than"],
    "the most": ["probably the most", "essentially the most", "the most important"],
    "around": ["round", "about", "roughly"], "above": ["over", "higher than"],
    "below": ["under", "beneath", "underneath"], "beyond": ["past", "outside"],
    "besides": ["apart from", "in addition to"], "since": ["as", "because"],
    "not only": ["not solely", "not simply"], "there is": ["there's", "there exists"],
    "there are": ["there exist"], "it is": ["it's"], "is not": ["isn't", "just isn't"],
    "do not": ["don't"], "does not": ["doesn't"], "cannot": ["can not", "can't"], "will not": ["won't"],
    "need to": ["must", "have to", "want to"], "able to": ["in a position to", "ready to"],
    "according to": ["in keeping with", "in line with", "based on"],
    "in addition": ["moreover", "furthermore", "additionally"], "for example": ["for instance", "as an example"],
    "at least": ["not less than", "a minimum of", "no less than"], "of course": ["after all", "naturally"],
    "in fact": ["actually", "in reality", "indeed"], "so far": ["thus far", "up to now", "to date"],
    "right now": ["proper now", "at the moment"], "each other": ["one another"],
    "one another": ["each other"], "as soon as": ["as quickly as", "once"],
    "at the same time": ["on the same time", "concurrently", "simultaneously"],
    "a number of": ["quite a lot of", "a variety of", "various"], "a few": ["a couple of", "just a few"],
    "two": ["a couple of", "a pair of"], "really": ["actually", "truly"],
    "likely": ["doubtless", "probably", "seemingly"], "probably": ["most likely", "in all probability"],
    "especially": ["particularly", "specifically"], "quickly": ["shortly", "rapidly", "fast"],
    "easily": ["simply", "effortlessly"], "daily": ["each day", "every day", "day by day"],
    "weekly": ["every week", "each week"], "monthly": ["every month", "month-to-month"],
    "yearly": ["every year", "annually"], "annual": ["yearly", "every year"], "year": ["12 months", "yr"],
}

# Frequent content words with the substitutes plugins ship; inflected like the head ("n", "v", "a").
COMMON_SUBS: dict[str, tuple[str, list[str]]] = {
    "use": ("v", ["make use of", "utilize", "employ"]), "say": ("v", ["state", "mention", "declare"]),
    "tell": ("v", ["inform", "notify"]), "help": ("v", ["assist", "support", "help out"]),
    "get": ("v", ["obtain", "get hold of", "acquire"]), "make": ("v", ["create", "produce", "build"]),
    "give": ("v", ["provide", "supply", "grant"]), "need": ("v", ["want", "require"]),
    "want": ("v", ["need", "wish", "desire"]), "show": ("v", ["present", "reveal", "display"]),
    "begin": ("v", ["start", "commence"]), "start": ("v", ["begin", "commence", "start off"]),
    "keep": ("v", ["preserve", "maintain", "hold"]), "try": ("v", ["attempt", "strive", "try out"]),
    "think": ("v", ["assume", "suppose", "consider"]), "know": ("v", ["recognize", "realize", "understand"]),
    "see": ("v", ["view", "observe", "witness"]), "find": ("v", ["discover", "locate", "uncover"]),
    "seem": ("v", ["appear", "look"]), "become": ("v", ["turn out to be", "change into", "grow to be"]),
    "buy": ("v", ["purchase"]), "change": ("v", ["alter", "modify"]),
    "increase": ("v", ["improve", "enhance", "boost"]), "reduce": ("v", ["cut back", "scale back", "lower"]),
    "provide": ("v", ["present", "supply", "offer"]), "include": ("v", ["embody", "contain", "comprise"]),
    "allow": ("v", ["permit", "enable", "let"]), "create": ("v", ["produce", "generate", "build"]),
    "build": ("v", ["construct", "assemble"]), "continue": ("v", ["proceed", "keep on", "carry on"]),
    "follow": ("v", ["comply with", "observe"]), "develop": ("v", ["grow", "build up", "evolve"]),
    "improve": ("v", ["enhance", "better"]), "ask": ("v", ["request", "inquire"]),
    "offer": ("v", ["supply", "provide", "present"]), "let": ("v", ["permit", "allow"]),
    "put": ("v", ["place", "set"]), "live": ("v", ["stay", "reside", "dwell"]),
    "talk": ("v", ["speak", "converse"]), "bring": ("v", ["carry", "deliver", "convey"]),
    "hold": ("v", ["maintain", "keep"]), "move": ("v", ["transfer", "shift"]),
    "run": ("v", ["operate", "manage", "function"]), "important": ("a", ["vital", "essential", "crucial"]),
    "big": ("a", ["huge", "massive", "large"]), "large": ("a", ["massive", "giant", "big"]),
    "small": ("a", ["little", "tiny", "minor"]), "great": ("a", ["nice", "excellent", "large"]),
    "good": ("a", ["nice", "excellent", "respectable"]), "new": ("a", ["recent", "fresh", "latest"]),
    "easy": ("a", ["simple", "straightforward"]), "different": ("a", ["completely different", "totally different", "various"]),
    "other": ("a", ["different", "totally different"]), "same": ("a", ["similar", "identical"]),
    "whole": ("a", ["complete", "entire", "total"]), "best": ("a", ["greatest", "finest"]),
    "better": ("a", ["higher", "greater"]), "high": ("a", ["excessive", "elevated"]),
    "hard": ("a", ["arduous", "laborious", "tough"]), "main": ("a", ["principal", "major", "fundamental"]),
    "fast": ("a", ["quick", "speedy"]), "simple": ("a", ["easy", "straightforward"]),
    "first": ("a", ["initial", "primary"]), "people": ("n", ["individuals", "folks", "persons"]),
    "country": ("n", ["nation", "land"]), "way": ("n", ["method", "approach", "manner"]),
    "problem": ("n", ["downside", "drawback", "difficulty"]), "time": ("n", ["period", "occasion"]),
    "world": ("n", ["globe", "planet"]), "government": ("n", ["authorities", "administration"]),
    "work": ("n", ["labor", "job", "employment"]), "home": ("n", ["house", "residence", "dwelling"]),
    "house": ("n", ["home", "residence"]), "homeowner": ("n", ["house owner", "home-owner"]),
    "state": ("n", ["nation", "province"]), "number": ("n", ["quantity", "variety", "amount"]),
    "part": ("n", ["half", "portion", "component"]), "kind": ("n", ["variety", "type", "sort"]),
    "result": ("n", ["outcome", "consequence", "end result"]), "issue": ("n", ["concern", "subject", "problem"]),
    "question": ("n", ["query", "matter"]), "information": ("n", ["data", "info", "knowledge"]),
    "company": ("n", ["firm", "enterprise"]), "business": ("n", ["enterprise", "trade", "commerce"]),
    "money": ("n", ["cash", "funds"]), "price": ("n", ["worth", "value", "cost"]),
    "cost": ("n", ["value", "price", "expense"]), "area": ("n", ["space", "region"]),
    "end": ("n", ["finish", "conclusion"]), "fact": ("n", ["reality", "truth"]),
}

# Closed-class words the general part never uses as heads (the hand lists above may still).
STOPWORDS = frozenset("""
a an the and or nor but if of to in on at by for with from into onto upon as than then so that this
these those there here it its it's he him his she her hers they them their theirs we us our ours you
your yours i me my mine who whom whose which what when where why how not no yes be is am are was
were been being have has had having do does did doing will would shall should can could may might
must ought all any both each few more most other some such own same too very just only also s t
up down out off over under again further once about against between through during before after
above below mr mrs ms dr st jr sr one two three four five six seven eight nine ten hundred thousand
million billion first second third
""".split())

# Affixes that look like words but do not make a compound ("program" is not "pro gram").
_NOT_PARTS = frozenset("""
ion ions ness less able ible ful fully ant ants let lets ment ship ism ist ity ive ous ure age ance
ence ers ing ings pro dis sub neo auto anti pre over under inter trans super counter semi multi non
mid out self ward wards wise way ways like hood dom man men hip try ray act aged red ring fly
""".split())


# Vulgar words that WordNet lists as synonyms of ordinary ones ("love", "screw"); plugins leave them out.
_VULGAR = frozenset("fuck fucking shit bitch cunt piss ass arse bastard whore dick cock pussy crap bollocks".split())


def _weak_phrase(phrase: str) -> bool:
    """A vulgar alternative, or a multi-word one that opens with a function word ("be in", "at home")
    or is mostly function words."""
    words = phrase.split()
    if any(w in _VULGAR for w in words):
        return True
    return len(words) > 1 and (words[0] in STOPWORDS or 2 * sum(w in STOPWORDS for w in words) >= len(words))


_WORD_RE = re.compile(r"^[a-z][a-z'-]*$")
_DICT_VERSION = 3  # part of the cache file name: bump it when the building code changes


def _zipf_table() -> dict[str, float]:
    import wordfreq

    return {w: math.log10(f) + 9 for w, f in wordfreq.get_frequency_dict("en").items() if f > 0}


def _load_moby(path: Path) -> dict[str, list[str]]:
    """Moby thesaurus lines: ``head,related,related,...``."""
    moby = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = [p.strip() for p in line.rstrip("\n").split(",") if p.strip()]
            if len(parts) > 1:
                moby.setdefault(parts[0], []).extend(parts[1:])
    return moby


def _phrase_ok(phrase: str, zipf: dict[str, float], min_zipf: float, max_words: int = 3) -> bool:
    words = phrase.split()
    return 1 <= len(words) <= max_words and all(_WORD_RE.match(w) and zipf.get(w, 0) >= min_zipf for w in words)


def build_dictionary(seed: int = 1, per_head: tuple[int, int] = (2, 4)) -> dict[str, dict]:
    """Build the farm dictionary (see the module docstring).  Deterministic for a given seed."""
    wn = resources.wordnet()
    moby = _load_moby(resources.moby_path())
    zipf = _zipf_table()
    moby_sets = {h: set(v) for h, v in moby.items()}
    out: dict[str, dict] = {}

    # 1-2. Hand-written lists.
    for head, alts in FUNCTION_PHRASES.items():
        out[head] = {"pos": "x", "alts": list(alts), "src": "function"}
    for head, (pos, alts) in COMMON_SUBS.items():
        out.setdefault(head, {"pos": pos, "alts": list(alts), "src": "common"})

    def wn_pos(lemma: str) -> str:
        """The head's most frequent WordNet part of speech (by lemma counts, then synset counts)."""
        score: dict[str, float] = {}
        for syn in wn.synsets(lemma.replace(" ", "_")):
            p = {"s": "a"}.get(syn.pos(), syn.pos())
            counts = sum(l.count() for l in syn.lemmas() if l.name().lower() == lemma.replace(" ", "_"))
            score[p] = score.get(p, 0) + 1 + 10 * counts
        return max(sorted(score), key=score.get) if score else "x"

    def wn_synonyms(lemma: str) -> set[str]:
        syns = set()
        for syn in wn.synsets(lemma.replace(" ", "_")):
            for name in syn.lemma_names():
                syns.add(name.replace("_", " "))
        return syns

    @lru_cache(maxsize=None)
    def lemmas_of(word: str) -> frozenset[str]:
        import lemminflect

        return frozenset(l for ls in lemminflect.getAllLemmas(word).values() for l in ls)

    def same_word(a: str, b: str) -> bool:
        """True if ``b`` is ``a`` or a mere inflection/derivation of it ("stock"/"stocks")."""
        if a == b:
            return True
        if " " in a or " " in b:
            return False
        return bool(lemmas_of(a) & lemmas_of(b)) or (len(a) > 4 and b.startswith(a[:-1]) and len(b) - len(a) <= 3)

    # 3. Compounds split into parts.
    for lemma in sorted(l for l in wn.all_lemma_names() if _WORD_RE.match(l) and "-" not in l):
        if lemma in out or lemma in STOPWORDS or len(lemma) < 7 or zipf.get(lemma, 0) < 3.0:
            continue
        if wn.synsets(lemma)[0].pos() != "n":  # noun compounds only
            continue
        for cut in range(3, len(lemma) - 2):
            a, b = lemma[:cut], lemma[cut:]
            if a in STOPWORDS or b in STOPWORDS or a in _NOT_PARTS or b in _NOT_PARTS:
                continue
            if min(zipf.get(a, 0), zipf.get(b, 0)) < 3.8 or not (wn.synsets(a, "n") and wn.synsets(b, "n")):
                continue
            if a not in lemmas_of(a):  # "sponsors" + "hip": the first part must be a base form
                continue
            # The definition must mention both parts ("workforce: the force of workers available"), or
            # the first part, the second being a plain noun ("homeowner: someone who owns a home").
            gloss = {g for s in wn.synsets(lemma) for g in re.findall(r"[a-z]+", s.definition().lower())}
            has_a = any(g.startswith(a[:4]) for g in gloss)
            has_b = any(g.startswith(b[:4]) for g in gloss)
            if not (has_a and (has_b or zipf[b] >= 4.3)):
                continue
            alts = [f"{a} {b}"]
            for syn in wn.synsets(a)[:2]:  # common senses of the first part: "house owner"
                for name in syn.lemma_names():
                    if _phrase_ok(name, zipf, 3.5, 1) and not same_word(a, name) and f"{name} {b}" not in alts:
                        alts.append(f"{name} {b}")
            rng = random.Random(f"{seed}:compound:{lemma}")
            first, rest = alts[:1], alts[1:]
            rng.shuffle(rest)
            out[lemma] = {"pos": wn_pos(lemma), "alts": first + rest[:2], "src": "compound"}
            break

    # 4. General part: heads in both WordNet and Moby.
    for head in sorted(moby):
        if head in out or head != head.lower() or head in STOPWORDS:
            continue
        if not _phrase_ok(head, zipf, 3.0 if " " not in head else 3.5):
            continue
        if not wn.synsets(head.replace(" ", "_")):
            continue
        wsyn = wn_synonyms(head)
        scored = []
        # Sorted: each candidate's noise below is drawn in this order, and a set's order changes
        # from one process to the next (string hashing is salted).
        for cand in sorted(wsyn | moby_sets[head]):
            if cand != cand.lower() or same_word(head, cand) or any(same_word(w, cand) for w in head.split()):
                continue
            in_wn = cand in wsyn
            recip = head in moby_sets.get(cand, ())
            if not (in_wn or recip):
                continue
            if not _phrase_ok(cand, zipf, 3.0) or _weak_phrase(cand):
                continue
            mean_zipf = sum(zipf[w] for w in cand.split()) / len(cand.split())
            scored.append((2.0 * in_wn + 1.0 * (cand in moby_sets[head]) + 1.0 * recip + 0.5 * mean_zipf, cand))
        if not scored:
            continue
        rng = random.Random(f"{seed}:general:{head}")
        k = rng.randint(*per_head)
        # Noisy top-k: the plugin's authors did not always pick the best synonym.
        scored = sorted(((s + rng.uniform(0, 1.5), c) for s, c in scored), reverse=True)
        out[head] = {"pos": wn_pos(head), "alts": [c for _, c in scored[:k]], "src": "general"}
    return out


def load_dictionary(seed: int = 1, rebuild: bool = False) -> dict[str, dict]:
    """The dictionary for ``seed``, cached in ``bench/out/spinners/``."""
    path = OUT_DIR / "spinners" / f"farm-dict-v{_DICT_VERSION}-seed{seed}.json"
    if path.is_file() and not rebuild:
        return json.loads(path.read_text())
    d = build_dictionary(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(d, indent=0, sort_keys=True))
    return d
