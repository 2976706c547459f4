"""Running the engine over many texts at once: `unspin scan --spans -` on JSONL."""

from __future__ import annotations

import json
import shlex
import subprocess


def run_scan(engine: list[str], model: str | None, texts: list[str]) -> list[dict]:
    """`unspin scan --spans -` over `texts`; each record's result."""
    lines = "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts))
    cmd = engine + ["scan", "--spans"] + (["--model", model] if model else []) + ["-"]
    proc = subprocess.run(cmd, input=lines, capture_output=True, text=True)
    out = [json.loads(line)["unspin"] for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or len(out) != len(texts):
        raise RuntimeError(f"{shlex.join(cmd)}: exit {proc.returncode}, {len(out)} of {len(texts)} records\n"
                           f"{proc.stderr[-2000:]}")
    return out
