"""Quality metrics for restoration and detection (standard library only).

Restoration, exact: a gold span is restored when the engine reports a span with the same [start, end)
(UTF-8 byte offsets into the spun text) and a suggestion equal to the gold original (case-insensitive,
whitespace-normalised).  Recall = restored gold spans / gold spans; precision = exactly right
suggestions / all reported suggestions.

Restoration, lenient (token level): apply the engine's suggestions to the spun text (the "restored"
text) and align texts by diffs on lower-cased word tokens.  The *lost* tokens are the original tokens
inside gold spans that the spun text does not have ("stock" in "inventory market", but not "will" in
"will probably be"); the *new* tokens are the tokens suggestions wrote that the spun text did not have.
Recall = lost tokens that the restored text has again / lost tokens; precision = new tokens that line
up with an original token / new tokens (a suggestion that only deletes words writes no new token).
This credits a right restoration whose span boundaries differ from the gold ones
("inventory market" -> "stock market" as one span).

Detection: AUROC of the passage score (spun passages positive, clean passages negative; ties count
one half) and the true-positive rate at a 1 % false-positive rate (threshold: the lowest score that
at most 1 % of clean passages exceed).

Calibration: a probability is calibrated when, of the cases it gives p, a share p are positive.
`reliability` bins (probability, outcome) pairs and reports each bin's mean probability against its
share of positives, with the Brier score and the expected calibration error (the bins' gaps weighted
by their sizes). The passage score is judged against spun (1) or honest (0); a suggestion's
confidence against whether it restores a gold span exactly (`right_suggestions`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, fields

from .textspan import count_words, original_ranges

_TOKEN_RE = re.compile(r"[^\W_]+")


def norm(text: str) -> str:
    """Text as compared: whitespace, case and the apostrophe's typography do not count."""
    return " ".join(text.split()).casefold().replace("\u2019", "'")


def suggestions(spans: list[dict]) -> list[dict]:
    """Reported spans that propose a change: a suggestion that differs from the span's text."""
    return [s for s in spans if s.get("suggestion") is not None and norm(s["suggestion"]) != norm(s.get("text", ""))]


@dataclass
class Counts:
    """Counters summed over passages (micro-averages)."""
    gold: int = 0             # gold spans
    suggested: int = 0        # reported suggestions
    exact: int = 0            # gold spans restored exactly (== exactly right suggestions)
    tok_gold: int = 0         # lost tokens: original tokens of gold spans missing from the spun text
    tok_gold_back: int = 0    # ... that the restored text has again
    tok_sugg: int = 0         # new tokens: written by suggestions, missing from the spun text
    tok_sugg_right: int = 0   # ... that line up with an original token
    words: int = 0
    flags: int = 0            # all reported spans

    def add(self, other: "Counts") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def right_suggestions(gold: list[dict], reported: list[dict]) -> list[tuple[float, bool]]:
    """Each suggestion's confidence and whether it restores a gold span exactly (as
    `exact_matches` counts: a gold span is restored once)."""
    by_range = {(g["start"], g["end"]): norm(g["original"]) for g in gold}
    hits, out = set(), []
    for s in suggestions(reported):
        key = (s["start"], s["end"])
        right = key in by_range and key not in hits and norm(s["suggestion"]) == by_range[key]
        if right:
            hits.add(key)
        out.append((float(s.get("confidence", 0.0)), right))
    return out


# Bins of the calibration tables: the passage score, and a suggestion's confidence (suggestions
# start at `apply`, 0.68 as shipped).
SCORE_EDGES = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
CONFIDENCE_EDGES = [0.0, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0]


@dataclass
class Bin:
    """One bin of a reliability table: probabilities in [lo, hi)."""
    lo: float
    hi: float
    n: int
    mean: float | None      # mean probability given
    positive: float | None  # share of positive outcomes


def reliability(pairs: list[tuple[float, bool]], edges: list[float]) -> tuple[list[Bin], float | None, float | None]:
    """Bins of (probability, outcome) pairs between ``edges`` (the last bin holds its upper edge),
    the Brier score and the expected calibration error (None without pairs)."""
    bins = []
    for k, (lo, hi) in enumerate(zip(edges, edges[1:])):
        last = k == len(edges) - 2
        inside = [(p, y) for p, y in pairs if lo <= p < hi or (last and p == hi)]
        n = len(inside)
        bins.append(Bin(lo, hi, n, sum(p for p, _ in inside) / n if n else None,
                        sum(y for _, y in inside) / n if n else None))
    if not pairs:
        return bins, None, None
    brier = sum((p - y) ** 2 for p, y in pairs) / len(pairs)
    ece = sum(b.n * abs(b.mean - b.positive) for b in bins if b.n) / sum(b.n for b in bins)
    return bins, brier, ece


def calibration(pairs: list[tuple[float, bool]], edges: list[float]) -> dict:
    """A reliability table as JSON: its bins, Brier score and expected calibration error."""
    bins, brier, ece = reliability(pairs, edges)
    return {"bins": [vars(b) for b in bins], "brier": brier, "ece": ece}


def print_calibration(what: str, count: str, share: str, cal: dict) -> None:
    """Print a reliability table: for each bin, how many, their mean probability and share right."""
    brier = "n/a" if cal["brier"] is None else f"{cal['brier']:.3f}"
    ece = "n/a" if cal["ece"] is None else f"{cal['ece']:.3f}"
    print(f"calibration of the {what}: Brier {brier}, ECE {ece}")
    bins = cal["bins"]
    label = max(len(count), len(share), len("mean %"), 10)
    print(f"  {'bin':<{label}}" + "".join(f"{b['lo']:>5.2f}-{b['hi']:<4.2f}" for b in bins))
    print(f"  {count:<{label}}" + "".join(f"{b['n']:>10}" for b in bins))
    print(f"  {'mean %':<{label}}" + "".join(f"{_pct(b['mean']):>10}" for b in bins))
    print(f"  {share:<{label}}" + "".join(f"{_pct(b['positive']):>10}" for b in bins))


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:5.1f}"


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def exact_matches(gold: list[dict], reported: list[dict]) -> int:
    """Number of gold spans restored exactly (each reported span can restore at most one gold span)."""
    return sum(right for _, right in right_suggestions(gold, reported))


def region_matches(spun: str, gold: list[dict], reported: list[dict]) -> tuple[int, int]:
    """Gold spans restored and suggestions right, compared region by region (`region_labels`)."""
    restored, labels = region_labels(spun, gold, reported)
    return restored, sum(right for _, right in labels)


def region_labels(spun: str, gold: list[dict], reported: list[dict]) -> tuple[int, list[tuple[dict, bool]]]:
    """Gold spans restored, and each suggestion with whether it is right, compared region by
    region: the gold spans and suggestions that overlap, directly or through one another, form a
    region, and when the suggestions put back the region's text exactly as the gold originals do,
    all of its gold spans are restored and all of its suggestions are right (else none). Where
    gold spans come from a diff of two real pages, their bounds are the diff's ("proportion
    factors" for "percentage points" is two gold spans, "yr regardless of" for "year despite" one),
    and a right restoration may cut the words otherwise; with gold spans and suggestions of the
    same bounds this is `exact_matches`.
    """
    data = spun.encode("utf-8")
    sugg = suggestions(reported)
    # (start, end, is gold, text put back, index of the suggestion or -1)
    items = sorted([(g["start"], g["end"], True, g["original"], -1) for g in gold]
                   + [(s["start"], s["end"], False, s["suggestion"], k) for k, s in enumerate(sugg)])
    regions: list[list] = []
    for it in items:
        if regions and it[0] < regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], it[1])
            regions[-1][2].append(it)
        else:
            regions.append([it[0], it[1], [it]])

    def fill(start: int, end: int, spans: list[tuple]) -> str:
        out, pos = [], start
        for a, e, _, text, _ in spans:
            out += [data[pos:a].decode("utf-8", errors="replace"), text]
            pos = e
        # Compared as `norm` compares, but a space lost or gained at a region's edge counts.
        text = "".join(out) + data[pos:end].decode("utf-8", errors="replace")
        return re.sub(r"\s+", " ", text).casefold().replace("\u2019", "'")

    restored, labels = 0, []
    for start, end, its in regions:
        g = [it for it in its if it[2]]
        s = [it for it in its if not it[2]]
        ok = bool(g and s) and fill(start, end, g) == fill(start, end, s)
        restored += len(g) if ok else 0
        labels += [(sugg[it[4]], ok) for it in s]
    return restored, labels


def apply_suggestions(spun: str, reported: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    """Apply non-overlapping suggestions (leftmost first) to ``spun``.

    Returns the restored text and the character ranges in it written by suggestions.
    """
    data = spun.encode("utf-8")
    parts: list[str] = []
    written: list[tuple[int, int]] = []
    pos_b, pos_c = 0, 0
    for s in sorted(suggestions(reported), key=lambda s: (s["start"], -s["end"])):
        if s["start"] < pos_b or s["end"] > len(data) or s["start"] > s["end"]:
            continue  # overlaps an earlier suggestion or out of range: ignored
        keep = data[pos_b:s["start"]].decode("utf-8", errors="replace")
        parts.append(keep)
        pos_c += len(keep)
        parts.append(s["suggestion"])
        written.append((pos_c, pos_c + len(s["suggestion"])))
        pos_c += len(s["suggestion"])
        pos_b = s["end"]
    parts.append(data[pos_b:].decode("utf-8", errors="replace"))
    return "".join(parts), written


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group().casefold(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def _inside(tokens: list[tuple[str, int, int]], ranges: list[tuple[int, int]]) -> set[int]:
    """Indexes of tokens overlapping any of the (sorted) char ranges."""
    out, j = set(), 0
    ranges = sorted(ranges)
    for i, (_, s, e) in enumerate(tokens):
        while j < len(ranges) and ranges[j][1] <= s:
            j += 1
        if j < len(ranges) and ranges[j][0] < e:
            out.add(i)
    return out


def _matched(a: list[tuple[str, int, int]], b: list[tuple[str, int, int]]) -> tuple[set[int], set[int]]:
    """Indexes of the tokens of ``a`` and of ``b`` that a token diff lines up as equal."""
    ma, mb = set(), set()
    sm = difflib.SequenceMatcher(None, [t[0] for t in a], [t[0] for t in b], autojunk=False)
    for i, j, n in sm.get_matching_blocks():
        ma.update(range(i, i + n))
        mb.update(range(j, j + n))
    return ma, mb


def passage_counts(original: str, spun: str, gold: list[dict], reported: list[dict]) -> Counts:
    """All restoration counters for one passage."""
    c = Counts(gold=len(gold), suggested=len(suggestions(reported)), exact=exact_matches(gold, reported),
               flags=len(reported), words=count_words(original))
    restored, written = apply_suggestions(spun, reported)
    o_toks, s_toks, r_toks = _tokens(original), _tokens(spun), _tokens(restored)
    o_in_s, _ = _matched(o_toks, s_toks)
    _, r_from_s = _matched(s_toks, r_toks)
    o_in_r, r_in_o = _matched(o_toks, r_toks)
    # Lost: original tokens of gold spans that the spun text does not have ("stock" in "inventory market";
    # not "will" in "will probably be").  New: tokens a suggestion wrote that the spun text did not have.
    lost = _inside(o_toks, original_ranges(spun, gold)) - o_in_s
    new = _inside(r_toks, written) - r_from_s
    c.tok_gold, c.tok_gold_back = len(lost), len(lost & o_in_r)
    c.tok_sugg, c.tok_sugg_right = len(new), len(new & r_in_o)
    return c


def auroc(pos: list[float], neg: list[float]) -> float | None:
    """Area under the ROC curve = P(score(pos) > score(neg)) + 0.5 P(equal)."""
    if not pos or not neg:
        return None
    ranked = sorted([(s, 1) for s in pos] + [(s, 0) for s in neg])
    # Rank-sum with average ranks for ties.
    rank_sum_pos, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        avg_rank = (i + 1 + j) / 2.0
        rank_sum_pos += avg_rank * sum(1 for k in range(i, j) if ranked[k][1] == 1)
        i = j
    n_pos, n_neg = len(pos), len(neg)
    return (rank_sum_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def tpr_at_fpr(pos: list[float], neg: list[float], max_fpr: float = 0.01) -> float | None:
    """Largest TPR with FPR <= max_fpr, flagging passages whose score is strictly above a threshold."""
    if not pos or not neg:
        return None
    allowed = int(max_fpr * len(neg) + 1e-9)  # clean passages allowed above the threshold
    neg_sorted = sorted(neg, reverse=True)
    threshold = neg_sorted[allowed] if allowed < len(neg_sorted) else float("-inf")
    return sum(1 for s in pos if s > threshold) / len(pos)
