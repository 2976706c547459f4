#!/usr/bin/env python3
"""Build the unspin development set: State of the Union passages, clean and spun with exact ground truth.

    python3 bench/make_devset.py                      # both splits, all spinners, rates 15/25/35 %
    python3 bench/make_devset.py --splits test --n-test 50 --spinners farm,nlpaug

Splits (by year of the address; addresses from 1990 on are reserved for evaluation and are filtered out
by file name before anything is read):
    tune: <= 1944        test: 1945-1989

Output, under bench/out/devset/ (git-ignored):
    {split}/clean.jsonl              {"id", "year", "text"}
    {split}/technical.jsonl          {"id", "text"}: honest technical prose, the docstrings of the Python
                                     packages installed for this script, each package's in one split
                                     (benchlib/docstrings.py); clean text for the fits and quality.py
    {split}/{spinner}-{rate}.jsonl   {"id", "year", "original", "spun", "spans": [{"start", "end", "text", "original"}]}
    stats.json                       passages, words, spans and achieved spin rate per file, and a digest
                                     of the code and lists it was made from (a file made by other
                                     versions of them is made again)
Span offsets are UTF-8 byte offsets into "spun".  Every record is checked: the span texts sit at their
offsets and putting the originals back gives the original passage exactly.

Needs: npm, apt-get + dpkg-deb (Debian), cargo, and the Python packages in bench/requirements.txt, at the
versions of bench/constraints.txt (the technical passages are read from their docstrings).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import OUT_DIR, REPO_DIR, docstrings  # noqa: E402
from benchlib.textspan import check_record, count_words  # noqa: E402

SPLITS = {"tune": (1700, 1944), "test": (1945, 1989)}
SPINNERS = ("nlpaug", "textattack", "farm", "spinbot", "papermill", "mined")
DEFAULT_RATES = (15, 25, 35)
# Spinners whose dictionary covers too few words of these addresses to reach the higher rates: the
# paper-mill one spins about 10 % of the words whatever it is asked, so one file of it is enough. The
# mined one spins as the real pages did at 25 % (14-17 % of these addresses' words: its vocabulary is
# today's news), and three fifths as often at 15 %.
MAX_RATE = {"papermill": 15, "mined": 25}
DEFAULT_SEED = 1  # for cutting and picking passages

# What the files are made from: the code that cuts and spins the passages and the lists that two
# spinners draw from. A file that other versions of these made is made again, since figures on a
# development set left over from older code are not what a fresh checkout measures.
_BENCH = Path(__file__).resolve().parent
MADE_FROM = [
    _BENCH / "make_devset.py",
    *(_BENCH / "benchlib" / f"{m}.py" for m in ("__init__", "passages", "resources", "textspan", "postag",
                                                 "tortured", "farm_dict", "spin_wordnet", "spin_farm",
                                                 "spin_papermill", "spin_mined")),
    REPO_DIR / "data" / "mined" / "phrase-pairs.tsv",
    REPO_DIR / "data" / "tortured-phrases" / "tortured-phrases.json",
]


def stamp(seed: int) -> str:
    """A digest of every file in ``MADE_FROM`` and of the seed, kept beside each file's stats."""
    h = hashlib.sha256(str(seed).encode())
    for path in MADE_FROM:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def check_requirements() -> None:
    """Fail early with the exact install command if a Python package is missing."""
    missing = []
    for module, package in (("nlpaug", "nlpaug"), ("nltk", "nltk"), ("lemminflect", "lemminflect"),
                            ("wordfreq", "wordfreq"), ("numpy", "numpy")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        sys.exit("missing Python packages; install them with:\n"
                 f"    pip install -r {Path(__file__).resolve().parent / 'requirements.txt'}")


def make_spinner(name: str):
    if name == "nlpaug":
        from benchlib.spin_wordnet import NlpaugSpinner
        return NlpaugSpinner()
    if name == "textattack":
        from benchlib.spin_wordnet import TextAttackWordNetSpinner
        return TextAttackWordNetSpinner()
    if name == "farm":
        from benchlib.spin_farm import FarmSpinner
        return FarmSpinner()
    if name == "spinbot":
        from benchlib.spin_farm import SpinBotSpinner
        return SpinBotSpinner()
    if name == "papermill":
        from benchlib.spin_papermill import PaperMillSpinner
        return PaperMillSpinner()
    if name == "mined":
        from benchlib.spin_mined import MinedSpinner
        return MinedSpinner()
    raise ValueError(f"unknown spinner {name!r}; known: {', '.join(SPINNERS)}")


def select_passages(split: str, n: int, seed: int) -> list[dict]:
    """Cut every address of the split into passages and pick ``n`` spread over the addresses."""
    from benchlib import resources
    from benchlib.passages import clean_address, cut_passages

    lo, hi = SPLITS[split]
    per_address = []
    for address in resources.sotu_addresses(lo, hi):
        text = clean_address(address["text"])
        rng = random.Random(f"{seed}:cut:{address['file']}")
        items = [{"id": f"{address['file']}-{k:03d}", "year": address["year"], "text": p}
                 for k, p in enumerate(cut_passages(text, rng))]
        random.Random(f"{seed}:order:{address['file']}").shuffle(items)
        if items:
            per_address.append(items)
    # Round robin over the addresses (in a seeded order) so that long written messages do not dominate.
    random.Random(f"{seed}:addresses:{split}").shuffle(per_address)
    picked, depth = [], 0
    while len(picked) < n and any(depth < len(items) for items in per_address):
        for items in per_address:
            if depth < len(items) and len(picked) < n:
                picked.append(items[depth])
        depth += 1
    picked.sort(key=lambda p: p["id"])
    return picked


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def spin_file(spinner, passages: list[dict], rate: int) -> tuple[list[dict], dict]:
    rows, words, changed, spans = [], 0, 0.0, 0
    for p in passages:
        # Seed from the passage and rate only: deterministic and independent of which passages are built.
        seed = zlib.crc32(f"{p['id']}:{rate}".encode())
        res = spinner.spin(p["text"], rate / 100.0, seed)
        row = {"id": p["id"], "year": p["year"], "original": p["text"], "spun": res.spun, "spans": res.spans}
        check_record(row)
        rows.append(row)
        n = count_words(p["text"])
        words += n
        changed += res.rate * n
        spans += len(res.spans)
    stats = {"passages": len(rows), "words": words, "spans": spans,
             "rate_achieved": round(changed / words, 4) if words else 0.0}
    return rows, stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT_DIR / "devset", help="output folder")
    ap.add_argument("--splits", default="tune,test", help="comma-separated: tune,test")
    ap.add_argument("--n-tune", type=int, default=800, help="passages in the tune split")
    ap.add_argument("--n-test", type=int, default=200, help="passages in the test split")
    ap.add_argument("--spinners", default=",".join(SPINNERS), help=f"comma-separated subset of {SPINNERS}")
    ap.add_argument("--rates", default=",".join(map(str, DEFAULT_RATES)), help="spin rates in percent")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed for cutting and picking passages")
    ap.add_argument("--force", action="store_true", help="rebuild files that already exist")
    args = ap.parse_args(argv)
    check_requirements()

    splits = [s for s in args.splits.split(",") if s]
    for s in splits:
        if s not in SPLITS:
            ap.error(f"unknown split {s!r}")
    spinner_names = [s for s in args.spinners.split(",") if s]
    rates = [int(r) for r in args.rates.split(",") if r]
    stats_path = args.out / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.is_file() else {}
    spinners: dict = {}
    made_from = stamp(args.seed)

    def current(path: Path, key: str, passages: int) -> bool:
        st = stats.get(key, {})
        return (path.is_file() and not args.force and st.get("passages") == passages
                and st.get("stamp") == made_from)

    for split in splits:
        n = args.n_tune if split == "tune" else args.n_test
        clean_path = args.out / split / "clean.jsonl"
        if current(clean_path, f"{split}/clean", n):
            passages = read_jsonl(clean_path)
        else:
            passages = select_passages(split, n, args.seed)
            write_jsonl(clean_path, passages)
        stats[f"{split}/clean"] = {"passages": len(passages), "words": sum(count_words(p["text"]) for p in passages),
                                   "stamp": made_from}
        print(f"{split}: {len(passages)} passages, {stats[f'{split}/clean']['words']} words", file=sys.stderr)
        # Read again every time (seconds): the file follows the packages installed, which the stamp
        # does not see.
        technical = docstrings.passages(docstrings.site_packages(), split)
        write_jsonl(args.out / split / "technical.jsonl", technical)
        packages = sorted({docstrings.package_of(p["id"].rsplit("-", 1)[0]) for p in technical})
        stats[f"{split}/technical"] = {
            "passages": len(technical), "words": sum(count_words(p["text"]) for p in technical),
            "packages": packages, "stamp": made_from}
        print(f"{split}: {len(technical)} technical passages, {stats[f'{split}/technical']['words']} words",
              file=sys.stderr)
        for name in spinner_names:
            for rate in rates:
                if rate > MAX_RATE.get(name, 100):
                    continue
                path = args.out / split / f"{name}-{rate}.jsonl"
                key = f"{split}/{name}-{rate}"
                if current(path, key, len(passages)):
                    continue
                if name not in spinners:
                    spinners[name] = make_spinner(name)
                t0 = time.time()
                rows, st = spin_file(spinners[name], passages, rate)
                write_jsonl(path, rows)
                stats[key] = {**st, "stamp": made_from}
                print(f"  {key}: {st['spans']} spans, rate {st['rate_achieved']:.3f} ({time.time() - t0:.0f}s)",
                      file=sys.stderr)
                stats_path.parent.mkdir(parents=True, exist_ok=True)
                stats_path.write_text(json.dumps(stats, indent=1, sort_keys=True))
    stats_path.parent.mkdir(parents=True, exist_ok=True)
    stats_path.write_text(json.dumps(stats, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
