"""Scale out with datatrove: read JSONL, drop spun documents, keep the scores.

    python examples/datatrove_pipeline.py [INPUT_DIR] [--output DIR] [--model PATH]

Without INPUT_DIR a demo corpus is written first. Kept documents go to OUTPUT_DIR/kept, spun
ones to OUTPUT_DIR/spun (datatrove's exclusion writer), all with unspin_score, unspin_verdict
and unspin_words in their metadata.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import tempfile

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from unspin.datatrove import UnspinFilter


def count(folder: str) -> int:
    n = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with gzip.open(os.path.join(root, name), "rt") as f:
                n += sum(1 for _ in f)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", nargs="?")
    ap.add_argument("--output", help="output folder (default: a new temporary one)")
    ap.add_argument("--model", help="model file (default: the one embedded in the wheel)")
    ap.add_argument("--tasks", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    out = args.output or tempfile.mkdtemp(prefix="unspin-datatrove-")
    src = args.input
    if src is None:
        from _demo import write_demo

        src = os.path.dirname(write_demo(os.path.join(out, "input")))

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(src),
            # One engine thread per datatrove worker: the workers already take the cores.
            UnspinFilter(
                model=args.model,
                threads=1,
                batch_size=256,
                exclusion_writer=JsonlWriter(os.path.join(out, "spun")),
            ),
            JsonlWriter(os.path.join(out, "kept")),
        ],
        tasks=args.tasks,
        workers=args.workers,
        logging_dir=os.path.join(out, "logs"),
    ).run()

    kept, spun = count(os.path.join(out, "kept")), count(os.path.join(out, "spun"))
    print(json.dumps({"kept": kept, "spun": spun, "output": out}))


if __name__ == "__main__":
    main()
