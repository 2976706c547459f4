#!/usr/bin/env python3
"""Held-out test of tortured-phrase restoration: can the engine restore phrases its model never saw?

    # 1. split the list (deterministic) and write the training part
    python3 bench/tortured_holdout.py split
    # 2. build a reduced model from the training part and evaluate on the held-out part
    python3 bench/tortured_holdout.py eval \
        --build-cmd "target/release/unspin-build --tortured {tortured} --out {model}"
    # or evaluate a model built already
    python3 bench/tortured_holdout.py eval --model bench/out/tortured/reduced.unspin

The list ({tortured, correct} pairs) is split 80/20 by a hash of the tortured phrase (so the split
does not depend on the order of the list or on the other entries).  ``split`` writes
bench/out/tortured/train.json (same shape as the source list: only "phrases" and "totalPhrases" change)
and heldout.json.  ``eval`` puts each held-out phrase in "In this work, we apply PHRASE to the
collected measurements.", runs `unspin restore` on it and counts how often the held-out correct phrase
comes back in place (the words standing where the phrase stood, found by a token diff, are the correct
phrase), how often it is partly restored (each word changed is the correct phrase's word in its place)
and how often wrong; changes elsewhere in the sentence are counted apart.  As a control it also restores the same
sentence with the correct phrase, which should come back unchanged.  With neither --build-cmd nor --model, the engine's default model
is used, which was built from the whole list: its score is then not a held-out score.

``--sighting`` puts a line before each sentence, "Earlier studies relied on PHRASE.", with a phrase of
the training part: a paper mill's text holds many tortured phrases, some of them known, and the
engine looks for variants of known terms only in a text where it has found one (`term_gate`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import OUT_DIR, REPO_DIR  # noqa: E402
from benchlib.tortured import is_heldout  # noqa: E402

PREFIX = "In this work, we apply "
SUFFIX = " to the collected measurements."
OUT = OUT_DIR / "tortured"


def default_list() -> Path:
    """The vendored list in the repository, else the shared copy beside the work tree."""
    for path in (REPO_DIR / "data" / "tortured-phrases" / "tortured-phrases.json",
                 REPO_DIR.parent / "shared" / "data" / "tortured-phrases" / "tortured-phrases.dev.json",
                 Path("/work/shared/data/tortured-phrases/tortured-phrases.dev.json")):
        if path.is_file():
            return path
    return REPO_DIR / "data" / "tortured-phrases" / "tortured-phrases.json"


def split_list(source: dict, fraction: float = 0.2, by: str = "tortured") -> tuple[dict, dict]:
    """Split a list of the vendored shape into (train, heldout) lists of the same shape."""
    train, held = [], []
    for pair in source["phrases"]:
        (held if is_heldout(pair, fraction, by) else train).append(pair)

    def shaped(phrases: list[dict], part: str) -> dict:
        out = {k: v for k, v in source.items() if k not in ("phrases", "totalPhrases")}
        out["note"] = (source.get("note", "") + f" [{part} part of a {1 - fraction:.0%}/{fraction:.0%} split "
                       f"by hash of the {by} phrase, made by bench/tortured_holdout.py]").strip()
        out["totalPhrases"] = len(phrases)
        out["phrases"] = phrases
        return out

    return shaped(train, "train"), shaped(held, "held-out")


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def _toks(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN_RE.findall(text)]


def phrase_outcome(phrase: str, restored: str) -> tuple[str, bool]:
    """What the engine made of PHRASE in PREFIX + PHRASE + SUFFIX.

    Aligns the restored sentence with the input by a token diff and returns (the restored words that
    stand where the phrase stood, whether any word outside the phrase was changed).
    """
    before, own = _toks(PREFIX), _toks(phrase)
    source = before + own + _toks(SUFFIX)
    p0, p1 = len(before), len(before) + len(own)
    target = _toks(restored)
    middle: list[str] = []
    outside_changed = False
    sm = difflib.SequenceMatcher(None, source, target, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        overlaps = i1 < p1 and i2 > p0 or (i1 == i2 and p0 < i1 < p1)
        if tag == "equal":
            lo, hi = max(i1, p0), min(i2, p1)
            if lo < hi:
                middle += target[j1 + lo - i1:j1 + hi - i1]
        elif overlaps:
            middle += target[j1:j2]
            if i1 < p0 or i2 > p1:
                outside_changed = True
        else:
            outside_changed = True
    return " ".join(middle), outside_changed


def partly_restored(phrase: str, correct: str, became: str) -> bool:
    """Whether the words that stand where PHRASE stood (``became``, as `phrase_outcome` gives them)
    put back some of CORRECT's words, word for word, and changed no other: "profound neural
    networks" for "deep neural network" made "deep neural networks" is closer to the original and
    nothing is wrong in it, though it is not the correct phrase."""
    own, right, got = _toks(phrase), _toks(correct), became.split()
    if not len(own) == len(right) == len(got):
        return False
    changed = [(r, g) for o, r, g in zip(own, right, got) if g != o]
    return bool(changed) and all(g == r for r, g in changed)


def run_restore(engine: list[str], model: str | None, path: Path) -> str:
    cmd = engine + ["restore"] + (["--model", model] if model else []) + [str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({proc.returncode}): {proc.stderr[-1000:]}")
    return proc.stdout


def cmd_split(args) -> tuple[Path, Path]:
    source = json.loads(Path(args.list).read_text(encoding="utf-8"))
    train, held = split_list(source, args.fraction, args.by)
    OUT.mkdir(parents=True, exist_ok=True)
    train_path, held_path = OUT / "train.json", OUT / "heldout.json"
    train_path.write_text(json.dumps(train, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    held_path.write_text(json.dumps(held, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.list}: {len(source['phrases'])} pairs -> train {train['totalPhrases']} ({train_path}), "
          f"held-out {held['totalPhrases']} ({held_path})", file=sys.stderr)
    return train_path, held_path


def cmd_eval(args) -> int:
    train_path, held_path = cmd_split(args)
    held = json.loads(held_path.read_text(encoding="utf-8"))["phrases"][:args.limit]
    model = args.model
    if args.build_cmd:
        model = model or str(OUT / "reduced.unspin")
        cmd = [part.format(tortured=train_path, model=model) for part in shlex.split(args.build_cmd)]
        print(f"building: {shlex.join(cmd)}", file=sys.stderr)
        if subprocess.run(cmd, cwd=REPO_DIR).returncode != 0:
            sys.exit(f"model build failed: {shlex.join(cmd)}")
    elif not model:
        print("warning: no --model or --build-cmd: using the engine's default model, which saw the whole "
              "list; this is not a held-out score", file=sys.stderr)
    engine = shlex.split(args.engine)
    train_phrases = json.loads(train_path.read_text())["phrases"]
    train_corrects = {norm(p["correct"]) for p in train_phrases}

    def sighting(i: int) -> str:
        """With --sighting, a line before the sentence that holds a phrase of the training part:
        a paper mill's text holds many tortured phrases, and the engine knows some of them."""
        return f"Earlier studies relied on {train_phrases[(i * 7919) % len(train_phrases)]['tortured']}.\n" \
            if args.sighting else ""

    counts = {"spun": {}, "control": {}}
    examples: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="unspin-tortured-") as tmp:
        jobs = []
        for i, pair in enumerate(held):
            for kind, phrase in (("spun", pair["tortured"]), ("control", pair["correct"])):
                path = Path(tmp) / f"{kind}-{i:05d}.txt"
                path.write_text(sighting(i) + PREFIX + phrase + SUFFIX, encoding="utf-8")
                jobs.append((kind, pair, path))
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            outputs = list(pool.map(lambda j: run_restore(engine, model, j[2]), jobs))
    # The sentence is the last line: `restore` keeps the line structure.
    outputs = [o.rstrip("\n").rsplit("\n", 1)[-1] for o in outputs]
    rows = []
    damaged = {"spun": 0, "control": 0}
    for (kind, pair, _), restored in zip(jobs, outputs):
        phrase = pair["tortured"] if kind == "spun" else pair["correct"]
        middle, outside = phrase_outcome(phrase, restored)
        if middle == " ".join(_toks(pair["correct"])):
            label = "restored" if kind == "spun" else "kept"
        elif middle == " ".join(_toks(phrase)):
            label = "unchanged"
        elif kind == "spun" and partly_restored(phrase, pair["correct"], middle):
            label = "partly restored"
        else:
            label = "wrong" if kind == "spun" else "altered"
        damaged[kind] += outside
        counts[kind][label] = counts[kind].get(label, 0) + 1
        examples.setdefault(f"{kind}:{label}", [])
        if len(examples[f"{kind}:{label}"]) < 5:
            examples[f"{kind}:{label}"].append({"tortured": pair["tortured"], "correct": pair["correct"],
                                                "restored": restored.strip()})
        rows.append({"kind": kind, **pair, "label": label, "phrase_became": middle,
                     "template_changed": outside, "restored": restored.strip()})

    n = len(held)
    restored_n = counts["spun"].get("restored", 0)
    seen_target = sum(norm(p["correct"]) in train_corrects for p in held)
    result = {
        "list": str(args.list), "model": model, "heldout": n, "train": json.loads(train_path.read_text())["totalPhrases"],
        "restored_in_place": restored_n, "restored_rate": restored_n / n if n else None,
        "template_changed": damaged,
        "spun_outcomes": counts["spun"], "control_outcomes": counts["control"],
        "heldout_with_correct_seen_in_train": seen_target, "examples": examples,
    }
    print(f"held-out tortured phrases: {n} (train {result['train']}; {seen_target} held-out corrections also "
          f"occur as corrections in train)")
    print(f"restored in place: {restored_n} / {n} = {100 * restored_n / max(n, 1):.1f} %")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts['spun'].items())))
    print("control (correct phrase in the same sentence): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts['control'].items())))
    print(f"sentences whose words around the phrase were changed: {damaged['spun']} spun, "
          f"{damaged['control']} control")
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    (OUT / "eval-rows.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("split", "eval"))
    ap.add_argument("--list", default=str(default_list()), help="tortured-phrase list (JSON)")
    ap.add_argument("--fraction", type=float, default=0.2, help="held-out fraction")
    ap.add_argument("--by", choices=("tortured", "correct"), default="tortured",
                    help="hash key: 'correct' holds out whole groups sharing a correction")
    ap.add_argument("--engine", default=str(REPO_DIR / "target" / "release" / "unspin"))
    ap.add_argument("--model", default=None, help="model to evaluate (output path when building)")
    ap.add_argument("--build-cmd", default=None,
                    help="command that builds a model; {tortured} = train list, {model} = output path")
    ap.add_argument("--limit", type=int, default=None, help="evaluate the first N held-out pairs only")
    ap.add_argument("--sighting", action="store_true",
                    help="put a line with a tortured phrase of the training part before each sentence")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)
    if args.command == "split":
        cmd_split(args)
        return 0
    return cmd_eval(args)


if __name__ == "__main__":
    sys.exit(main())
