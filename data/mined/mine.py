#!/usr/bin/env python3
"""Mine a spinner phrase table (original -> spun) for unspin.

Two sources feed the table:

1. ``aligned``: pairs of real web pages, a machine-spun copy and a verbatim copy of the
   article it was spun from.  Page text is read from a scratch directory
   (default ``/tmp/mining/pages``) and is never committed.  Each page file is::

       URL: <address>
       ROLE: spun | orig             (other roles are ignored)
       STORY: <story id>
       TITLE: <article title>
       <blank line>
       <page text, from the beginning of the page>

   Every spun page is aligned with the best-matching original copy of its story
   (token-level difflib on lower-cased tokens) and substitution pairs of 1-4 words on
   each side are extracted, with filters against alignment noise (see ``extract``);
   glued replacements are split into attested pieces (see ``segment``) and
   insertions/deletions are attached to a neighbour (see ``aggregate``).

2. ``dictionary``: openly licensed spinner dictionaries.  Each is described in
   ``DICTIONARIES`` below (repository, path, commit, licence) and read from the
   scratch directory ``/tmp/mining/dicts`` (never committed); the entries are parsed
   into (original, spun) pairs.

Outputs (in this directory): ``phrase-pairs.tsv`` and ``SOURCES.tsv``; a QC report is
printed (and written to ``/tmp/mining/qc.txt``).

Usage: python3 data/mined/mine.py [--pages DIR] [--dicts DIR] [--out DIR] [--seed N] [--base DIR]
"""
from __future__ import annotations

import argparse
import collections
import difflib
import os
import random
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- tokenising

_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ",
}
_TOKEN = re.compile(r"[a-z0-9]+(?:['][a-z]+)*(?:[.,][0-9]+)*|[^\sa-z0-9]")
_WORD = re.compile(r"^[a-z]+(?:'[a-z]+)*$")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for a, b in _QUOTES.items():
        text = text.replace(a, b)
    return text.lower()


PARA = "\u00b6"  # line-break token: an alignment anchor that no pair may contain


def tokenize(text: str) -> list[str]:
    toks = []
    for line in normalise(text).split("\n"):
        if line.strip():
            toks.extend(_TOKEN.findall(line))
            toks.append(PARA)
    return toks


def is_word(tok: str) -> bool:
    return bool(_WORD.match(tok))


# ---------------------------------------------------------------- page loading

def read_page(path: str) -> dict:
    """One page file: its header lines (URL, ROLE, STORY, TITLE) and its text."""
    with open(path, encoding="utf-8") as f:
        head, _, body = f.read().partition("\n\n")
    meta = {}
    for line in head.splitlines():
        k, _, v = line.partition(":")
        meta[k.strip().upper()] = v.strip()
    return {
        "file": os.path.basename(path),
        "url": meta.get("URL", ""),
        "role": meta.get("ROLE", ""),
        "story": meta.get("STORY", ""),
        "title": meta.get("TITLE", ""),
        "text": body,
    }


def load_pages(pages_dir: str) -> list[dict]:
    pages = []
    for name in sorted(os.listdir(pages_dir)):
        if name.endswith(".txt"):
            page = read_page(os.path.join(pages_dir, name))
            page["tokens"] = tokenize(page["text"])
            pages.append(page)
    return pages


# ---------------------------------------------------------------- alignment

MAX_LEN = 4          # words on each side of a pair
WINDOW = 8           # tokens each side for the local-agreement check
MIN_LOCAL = 0.5      # share of original tokens in the window that must be matched
MIN_DOC_MATCH = 0.35 # share of spun tokens matched overall, else not a word-level spin
TAIL = 3             # tokens at the end of a (truncated) page in which edits are ignored
MAX_SKEW = 3         # a pair seen once whose sides differ by this many words is dropped

# Very common English words.  A pair whose both sides consist only of these is a
# function-word swap; it is kept only if it recurs (see aggregate()).
FUNCTION = set("""
a an the and or but nor so yet for of to in on at by with from into onto upon about
as than then that this these those there here it its it's is are was were be been being
am do does did done have has had having will would shall should can could may might must
i you he she we they me him her us them my your his our their mine yours
not no very just also too only even still already again more most less least
if when while where whereby whether because since until till although though
which who whom whose what how why all any some each every both either neither
one ones up down out off over under before after above below between through during
""".split())


def _matched_mask(n: int, blocks) -> list[bool]:
    mask = [False] * n
    for a, _, size in blocks:
        for k in range(a, a + size):
            mask[k] = True
    return mask


def align(orig: list[str], spun: list[str]):
    sm = difflib.SequenceMatcher(None, orig, spun, autojunk=False)
    blocks = sm.get_matching_blocks()
    matched = sum(b.size for b in blocks)
    return sm.get_opcodes(), _matched_mask(len(orig), blocks), matched / max(1, len(spun))


def _clean_side(toks: list[str]) -> bool:
    return 1 <= len(toks) <= MAX_LEN and all(is_word(t) for t in toks)


def _local_ok(mask: list[bool], i1: int, i2: int) -> bool:
    lo, hi = max(0, i1 - WINDOW), min(len(mask), i2 + WINDOW)
    ctx = [mask[k] for k in range(lo, hi) if not (i1 <= k < i2)]
    return bool(ctx) and sum(ctx) / len(ctx) >= MIN_LOCAL


def extract(orig: list[str], spun: list[str]):
    """Yield candidate edits from one aligned article pair.

    Each candidate is (kind, o, s, left, right): kind 'sub' for a replace opcode and
    'indel' for an insertion/deletion; o and s are token lists; left/right are the
    exact-match tokens flanking the edit (used to attach insertions and deletions).
    Filters: the edit is flanked by exact matches on both sides, and at least half of
    the original tokens within WINDOW tokens around it are matched (so wholesale
    rewritten passages and editing differences between copies are skipped).
    """
    ops, mask, _ = align(orig, spun)
    for idx, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            continue
        prev_eq = idx > 0 and ops[idx - 1][0] == "equal"
        next_eq = idx + 1 < len(ops) and ops[idx + 1][0] == "equal"
        if not (prev_eq and next_eq):
            continue
        if not _local_ok(mask, i1, i2):
            continue
        # the stored excerpts are cut off mid-word: ignore edits at the very end
        if i2 >= len(orig) - TAIL or j2 >= len(spun) - TAIL:
            continue
        left, right = orig[i1 - 1], orig[i2] if i2 < len(orig) else None
        kind = "sub" if tag == "replace" else "indel"
        yield (kind, orig[i1:i2], spun[j1:j2], left, right)


def _pair(o: list[str], s: list[str]):
    """The (original, spun) strings of a clean pair, or None."""
    if _clean_side(o) and _clean_side(s) and o != s:
        return (" ".join(o), " ".join(s))
    return None


def _indel_options(o, s, left, right):
    """An insertion/deletion attached to its left or to its right neighbour."""
    opts = []
    if left is not None:
        p = _pair([left] + o, [left] + s)
        if p:
            opts.append(p)
    if right is not None:
        p = _pair(o + [right], s + [right])
        if p:
            opts.append(p)
    return opts


def segment(o, s, attested):
    """Split a multi-word replacement into attested pieces, if possible.

    A replace opcode often glues together two independent substitutions
    ("close fast" -> "shut quick") or a substitution and a neighbouring insertion
    ("company" -> "program firm", from "software company" -> "software program firm").
    Pieces are either attested pairs (seen at least twice as whole replacements) or,
    at either edge only, a bare insertion/deletion.  Returns a list of
    ('pair', o, s) / ('edge', o, s, side) pieces, or None when no split has at least
    one attested piece covering a changed word.
    """
    n, m = len(o), len(s)
    best = {(0, 0): (0, 0, [])}  # (i, j) -> (attested pieces, -pieces, path)
    for i in range(n + 1):
        for j in range(m + 1):
            if (i, j) not in best:
                continue
            score, neg, path = best[(i, j)]
            for di in range(0, MAX_LEN + 1):
                for dj in range(0, MAX_LEN + 1):
                    if di == 0 and dj == 0:
                        continue
                    if i + di > n or j + dj > m:
                        continue
                    po, ps = o[i:i + di], s[j:j + dj]
                    if di and dj:
                        key = (" ".join(po), " ".join(ps))
                        if po == ps:
                            piece, gain = ("same", po, ps), 0
                        elif key in attested:
                            piece, gain = ("pair", po, ps), 1
                        else:
                            continue
                    else:  # bare insertion or deletion: only at an edge
                        at_start = i == 0 and j == 0
                        at_end = i + di == n and j + dj == m
                        if not (at_start or at_end):
                            continue
                        piece, gain = ("edge", po, ps, "left" if at_start else "right"), 0
                    cand = (score + gain, neg - 1, path + [piece])
                    k = (i + di, j + dj)
                    if k not in best or cand[:2] > best[k][:2]:
                        best[k] = cand
    if (n, m) not in best or best[(n, m)][0] == 0:
        return None
    pieces = best[(n, m)][2]
    if len(pieces) == 1:
        return None
    return pieces


# ---------------------------------------------------------------- dictionaries

# Each entry: id, repo, path, commit, licence, title, parser name.  Files are read
# from <dicts dir>/<id>.txt.  Only dictionaries whose licence allows redistribution.
DICTIONARIES: list[dict] = []


def parse_dictionary(d: dict, path: str):
    """Yield (original, spun) pairs from a dictionary file."""
    parser = PARSERS[d["parser"]]
    with open(path, encoding="utf-8", errors="replace") as f:
        yield from parser(f.read())


def _norm_phrase(p: str) -> str | None:
    p = " ".join(tokenize(p))
    p = re.sub(r" ' ", "'", p)
    toks = p.split()
    if not toks or len(toks) > MAX_LEN or not all(is_word(t) for t in toks):
        return None
    return p


def parse_pipe_groups(text: str):
    """Lines 'w1|w2|w3' (or '{w1|w2}'): every member may be spun into every other."""
    for line in text.splitlines():
        line = line.strip().strip("{}")
        if not line or line.startswith("#") or "|" not in line:
            continue
        words = [_norm_phrase(w) for w in line.split("|")]
        words = [w for w in dict.fromkeys(words) if w]
        for a in words:
            for b in words:
                if a != b:
                    yield a, b


def parse_head_alternatives(text: str, sep_head: str = ":", sep_alt: str = ","):
    """Lines 'head: alt1, alt2' (head is the original, alternatives are spun)."""
    for line in text.splitlines():
        if sep_head not in line:
            continue
        head, _, alts = line.partition(sep_head)
        h = _norm_phrase(head)
        if not h:
            continue
        for alt in alts.split(sep_alt):
            a = _norm_phrase(alt)
            if a and a != h:
                yield h, a


PARSERS = {
    "pipe_groups": parse_pipe_groups,
    "head_alternatives": parse_head_alternatives,
}


# ---------------------------------------------------------------- aggregation

def aggregate(pages: list[dict], prior: dict | None = None):
    """Pairs mined from ``pages``; ``prior`` maps (original, spun) to the (count, docs) of an earlier
    table whose pages are not at hand: its pairs count as attested and are added in."""
    prior = prior or {}
    stories = collections.defaultdict(lambda: {"orig": [], "spun": []})
    skipped = []
    for p in pages:
        if p["role"] in ("orig", "spun"):
            stories[p["story"]][p["role"]].append(p)
    doc_pairs = []
    for sid, st in sorted(stories.items()):
        for sp in st["spun"]:
            if not st["orig"]:
                skipped.append((sp["file"], "no original found"))
                continue
            # the original copy that matches best
            best = max(st["orig"], key=lambda o: align(o["tokens"], sp["tokens"])[2])
            ratio = align(best["tokens"], sp["tokens"])[2]
            if ratio < MIN_DOC_MATCH:
                skipped.append((sp["file"], f"matched share {ratio:.2f} < {MIN_DOC_MATCH}"))
                continue
            doc_pairs.append((sid, best, sp, ratio))

    # pass 1: every clean whole replacement, to know which pairs are attested
    cands = []  # (doc, kind, o, s, left, right)
    raw = collections.Counter()
    for d, (sid, o, s, _) in enumerate(doc_pairs):
        for kind, co, cs, left, right in extract(o["tokens"], s["tokens"]):
            cands.append((d, kind, co, cs, left, right))
            if kind == "sub":
                p = _pair(co, cs)
                if p:
                    raw[p] += 1
    attested = {p for p, c in raw.items() if c >= 2} | set(prior)

    # pass 2: split glued replacements; collect pairs and insertion/deletion options
    subs = collections.Counter()
    sub_docs = collections.defaultdict(set)
    indels = []  # (doc, options)
    for d, kind, co, cs, left, right in cands:
        if kind == "indel":
            opts = _indel_options(co, cs, left, right)
            if opts:
                indels.append((d, tuple(opts)))
            continue
        whole = _pair(co, cs)
        pieces = None
        if whole is None or whole not in attested:
            if len(co) > 1 or len(cs) > 1:
                pieces = segment(co, cs, attested)
        if pieces is None:
            if whole:
                subs[whole] += 1
                sub_docs[whole].add(d)
            continue
        for k, piece in enumerate(pieces):
            if piece[0] == "pair":
                p = _pair(piece[1], piece[2])
                subs[p] += 1
                sub_docs[p].add(d)
            elif piece[0] == "edge":
                side = piece[3]
                nb_left = left if side == "left" else None
                nb_right = right if side == "right" else None
                opts = _indel_options(piece[1], piece[2], nb_left, nb_right)
                if opts:
                    indels.append((d, tuple(opts)))
    # resolve insertions/deletions: take the attachment seen elsewhere (as a
    # substitution, or offered by other indel occurrences); drop unsupported ones.
    offered = collections.Counter()
    for d, options in indels:
        for opt in options:
            offered[opt] += 1
    for d, options in indels:
        scored = sorted(((subs[o] * 2 + offered[o], o) for o in options), reverse=True)
        if len(scored) == 1:
            best_score, best = scored[0]
            if best_score - 1 <= 0:   # seen only here
                continue
        else:
            if scored[0][0] == scored[1][0] or scored[0][0] <= 1:
                continue
            best = scored[0][1]
        subs[best] += 1
        sub_docs[best].add(d)

    # function-word-only swaps need two documents; lopsided one-off pairs are
    # usually misalignments ("earnings per share came" -> "income")
    table = {}
    for (a, b) in set(subs) | set(prior):
        c0, d0 = prior.get((a, b), (0, 0))
        c, docs = subs[(a, b)] + c0, len(sub_docs[(a, b)]) + d0
        if c == 1 and abs(len(a.split()) - len(b.split())) >= MAX_SKEW:
            continue
        all_function = all(w in FUNCTION for w in (a + " " + b).split())
        if all_function and docs < 2:
            continue
        table[(a, b)] = (c, docs)
    return doc_pairs, skipped, table


# ---------------------------------------------------------------- main

def read_base(folder: str):
    """An earlier table's aligned pairs, {(original, spun): (count, docs)}, and its page rows."""
    prior = {}
    with open(os.path.join(folder, "phrase-pairs.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            s, o, c, docs, kind = line.rstrip("\n").split("\t")
            if kind == "aligned":
                prior[(o, s)] = (int(c), int(docs))
    with open(os.path.join(folder, "SOURCES.tsv"), encoding="utf-8") as f:
        next(f)
        rows = [line.rstrip("\n") for line in f if line.startswith("page\t")]
    return prior, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default="/tmp/mining/pages")
    ap.add_argument("--dicts", default="/tmp/mining/dicts")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--qc", default="/tmp/mining/qc.txt")
    ap.add_argument("--base", default=None,
                    help="folder of an earlier table (phrase-pairs.tsv, SOURCES.tsv) whose pages are not all "
                         "at hand: its counts and sources are kept, and pages of its stories are skipped")
    args = ap.parse_args(argv)

    pages = load_pages(args.pages)
    prior, prior_sources = {}, []
    if args.base:
        prior, prior_sources = read_base(args.base)
        done = {row.split("\t")[4].rpartition("story ")[2].strip() for row in prior_sources}
        pages = [p for p in pages if p["story"] not in done]
    doc_pairs, skipped, aligned = aggregate(pages, prior)

    dict_rows = collections.Counter()
    dict_used = []
    for d in DICTIONARIES:
        path = os.path.join(args.dicts, d["id"] + ".txt")
        if not os.path.exists(path):
            print(f"warning: dictionary {d['id']} not found at {path}; skipped", file=sys.stderr)
            continue
        n = 0
        for o, s in parse_dictionary(d, path):
            dict_rows[(o, s)] += 1
            n += 1
        dict_used.append((d, n))

    rows = []
    for (o, s), (c, docs) in aligned.items():
        rows.append((s, o, c, docs, "aligned"))
    for (o, s), c in dict_rows.items():
        rows.append((s, o, c, 0, "dictionary"))
    rows.sort(key=lambda r: (-r[2], -r[3], r[4], r[1], r[0]))

    with open(os.path.join(args.out, "phrase-pairs.tsv"), "w", encoding="utf-8") as f:
        f.write("spun\toriginal\tcount\tdocs\tsource_kind\n")
        for s, o, c, docs, kind in rows:
            f.write(f"{s}\t{o}\t{c}\t{docs}\t{kind}\n")

    used_pages = {}
    for sid, o, s, _ in doc_pairs:
        for p in (o, s):
            used_pages[p["url"]] = p
    order = sorted(used_pages.values(), key=lambda p: (p["story"], p["role"] != "orig", p["url"]))
    with open(os.path.join(args.out, "SOURCES.tsv"), "w", encoding="utf-8") as f:
        f.write("kind\tidentifier\ttitle\tlicence\tnote\n")
        for row in prior_sources:
            f.write(row + "\n")
        for p in order:
            url = p["url"]
            role = "spun copy" if p["role"] == "spun" else "copy of the original"
            f.write(f"page\t{url}\t{p['title'] or p['story']}\t"
                    f"facts only: phrase pairs and counts; text not redistributed\t"
                    f"{role}; story {p['story']}\n")
        for d, n in dict_used:
            f.write(f"dataset\t{d['repo']}:{d['path']}@{d['commit']}\t{d['title']}\t"
                    f"{d['licence']}\t{n} pairs parsed\n")

    # ------------------------------------------------------------ QC report
    out = []
    pr = out.append
    n_al = sum(1 for r in rows if r[4] == "aligned")
    n_di = sum(1 for r in rows if r[4] == "dictionary")
    pr(f"pages loaded: {len(pages)}; stories: {len({p['story'] for p in pages})}")
    pr(f"article pairs aligned: {len(doc_pairs)}; spun pages skipped: {len(skipped)}")
    for f_, why in skipped:
        pr(f"  skipped {f_}: {why}")
    for sid, o, s, ratio in doc_pairs:
        pr(f"  {sid}: {s['file']} vs {o['file']} (matched {ratio:.2f})")
    pr(f"aligned pairs (types): {n_al}; aligned occurrences: "
       f"{sum(r[2] for r in rows if r[4] == 'aligned')}")
    pr(f"dictionary pairs: {n_di} from {len(dict_used)} dictionaries")
    pr("top 50 aligned pairs (original -> spun, count, docs):")
    for s, o, c, docs, kind in [r for r in rows if r[4] == "aligned"][:50]:
        pr(f"  {o!r:28} -> {s!r:30} {c:4d} {docs:3d}")
    rng = random.Random(args.seed)
    al_rows = [r for r in rows if r[4] == "aligned"]
    sample = rng.sample(al_rows, min(50, len(al_rows)))
    pr("random sample of 50 aligned pairs for the precision check:")
    for s, o, c, docs, kind in sample:
        pr(f"  {o!r:28} -> {s!r:30} {c:4d} {docs:3d}")
    report = "\n".join(out)
    print(report)
    os.makedirs(os.path.dirname(args.qc), exist_ok=True)
    with open(args.qc, "w", encoding="utf-8") as f:
        f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
