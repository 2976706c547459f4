#!/usr/bin/env python3
"""A stand-in for the unspin CLI, to test the benchmark's metric code.

    fake_unspin.py check --json [--model PATH] FILE...
    fake_unspin.py restore [--model PATH] FILE

It knows the answers: it looks each file's text up among the spun texts of a devset folder
(environment FAKE_UNSPIN_DEVSET; every *.jsonl below it) and answers according to FAKE_UNSPIN_MODE:
    oracle   report every gold span with the right suggestion; score 0.9 if spun, else 0.1
    nothing  report nothing; score 0.0
    wrong    report every gold span with a wrong suggestion; score 0.9 if spun, else 0.1
    half     report every other gold span (right suggestion); score 0.6 if spun, else 0.4
    noisy    oracle, plus one false change (first word -> "xyzzy") in every file
"""

import json
import os
import sys
from pathlib import Path


def load_gold() -> dict[str, list[dict]]:
    gold = {}
    root = os.environ.get("FAKE_UNSPIN_DEVSET")
    if root:
        for path in Path(root).rglob("*.jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                if "spun" in rec:
                    gold[rec["spun"]] = rec["spans"]
    return gold


def answer(text: str, gold: dict, mode: str) -> tuple[float, list[dict]]:
    spans = gold.get(text, [])
    spun = bool(spans)
    out = []
    if mode in ("oracle", "wrong", "half", "noisy"):
        for i, g in enumerate(spans):
            if mode == "half" and i % 2:
                continue
            sugg = g["original"] if mode != "wrong" else g["original"] + "x"
            out.append({"start": g["start"], "end": g["end"], "text": g["text"], "suggestion": sugg,
                        "confidence": 0.9, "kind": "substitution"})
    if mode == "noisy":
        first = text.split()[0] if text.split() else ""
        taken = any(s["start"] == 0 for s in out)
        if first and not taken:
            end = len(first.encode("utf-8"))
            out.append({"start": 0, "end": end, "text": first, "suggestion": "xyzzy", "confidence": 0.5,
                        "kind": "substitution"})
    score = {"nothing": 0.0, "half": 0.6 if spun else 0.4}.get(mode, 0.9 if spun else 0.1)
    return score, sorted(out, key=lambda s: s["start"])


def main(argv: list[str]) -> int:
    mode = os.environ.get("FAKE_UNSPIN_MODE", "oracle")
    gold = load_gold()
    cmd, rest = argv[0], argv[1:]
    files, i = [], 0
    while i < len(rest):
        if rest[i] == "--model":
            i += 2
            continue
        if not rest[i].startswith("--"):
            files.append(rest[i])
        i += 1
    for f in files:
        text = Path(f).read_bytes().decode("utf-8")
        score, spans = answer(text, gold, mode)
        if cmd == "check":
            verdict = "spun" if score >= 0.5 else "clean"
            print(json.dumps({"path": f, "score": score, "verdict": verdict, "words": len(text.split()),
                              "spans": spans}))
        elif cmd == "restore":
            data = text.encode("utf-8")
            for s in sorted(spans, key=lambda s: -s["start"]):
                data = data[:s["start"]] + s["suggestion"].encode("utf-8") + data[s["end"]:]
            sys.stdout.write(data.decode("utf-8"))
        else:
            print(f"unknown command {cmd}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
